## "👤 Profile"

profile-title = <b>👤 Profile</b>
profile-empty = Your <b>👤 profile</b> is not filled in yet. It needs your full name, date of birth, registered address and passport; e-mail and INN are optional.
profile-fill = ✏️ Fill in the profile
profile-continue = ▶️ Go on filling in
profile-edit = ✏️ Change
profile-history = 🕘 History
profile-edit-which = Which field do you want to change?
profile-check = <b>Check your data</b> and save the profile:
profile-save = ✅ Save
profile-fix = ✏️ Correct a field
profile-skip = Skip
profile-skipped = { $field }: skipped.
profile-back = « To the profile
profile-saved = <b>Profile saved.</b>
profile-restored = <b>Version { $version } restored.</b>
profile-card-line = <b>{ $field }:</b> { $value }

profile-field-full-name = Full name
profile-field-birth-date = Date of birth
profile-field-address = Registered address
profile-field-email = E-mail
profile-field-inn = INN
profile-field-passport = Passport
profile-field-passport-issued-on = Issued on
profile-field-division-code = Division code
profile-field-passport-issued-by = Issued by

profile-ask-full-name = Surname, given name and patronymic — as in your passport:
profile-ask-birth-date = Date of birth as DD.MM.YYYY:
profile-ask-address = Registered address — as in your passport:
profile-ask-email = E-mail, if you wish. To leave it out, press «Skip».
profile-ask-inn = INN — 12 digits, if you wish. To leave it out, press «Skip».
profile-ask-passport = Passport series and number, for example <code>45 10 123456</code>:
profile-ask-passport-issued-on = Passport issue date as DD.MM.YYYY:
profile-ask-division-code = Division code, for example <code>770-001</code>:
profile-ask-passport-issued-by = Issued by — as in your passport:

profile-problem = { $field }: { $reason }
profile-problem-missing = this field is required.
profile-problem-name-parts = we need a surname and a given name, and a patronymic if you have one.
profile-problem-name-letters = letters only (Cyrillic or Latin), hyphens and apostrophes.
profile-problem-name-long = too long — check how it is written in your passport.
profile-problem-date-format = we need a date as DD.MM.YYYY, for example 14.03.1985.
profile-problem-date-future = the date cannot be in the future.
profile-problem-date-early = check the year — the date is too early.
profile-problem-passport-age = passports are issued from the age of 14: the issue date cannot be before { $date }.
profile-problem-text-short =
    too short — at least { $min ->
        [one] { $min } character
       *[other] { $min } characters
    }.
profile-problem-text-long =
    too long — at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }.
profile-problem-email = looks like a typo: we need an address like name@example.com.
profile-problem-email-long = the address is too long.
profile-problem-inn-checksum = the INN check digits do not match — check the digits.
profile-problem-inn-length =
    a person's INN has 12 digits, and yours has { $digits ->
        [one] { $digits } digit
       *[other] { $digits } digits
    }.
profile-problem-passport-length =
    series and number are 10 digits, and yours has { $digits ->
        [one] { $digits } digit
       *[other] { $digits } digits
    }.
profile-problem-digits = digits only (spaces and dashes are fine).
profile-problem-division-code = 6 digits are needed, for example 770-001.

profile-history-title = <b>🕘 Profile history</b> (newest first):
profile-restore = ↩️ Bring back version { $version }
