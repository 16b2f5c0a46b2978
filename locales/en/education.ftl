## «🎓 Education»: diplomas and additional professional education

edu-button = 🎓 Education
edu-title = <b>🎓 Education</b>
edu-empty = No records yet. Add your diploma and your qualification-upgrade certificates.
edu-diplomas = <b>Diplomas</b>
edu-additionals = <b>Qualification upgrades and retraining</b>
edu-diploma-line = { $index }. { $institution }, “{ $specialty }” — { $level }, graduated { $year }
edu-additional-line =
    { $index }. “{ $programme }” — { $hours } { $hours ->
        [one] academic hour
       *[other] academic hours
    }, { $start } — { $end }
edu-add-diploma = ➕ Diploma
edu-add-additional = ➕ Qualification upgrade
edu-resume = ▶️ Continue
edu-edit-n = ✏️ { $index }
edu-delete-n = 🗑 { $index }
edu-history-n = 🕘 { $index }
edu-back = « To education
edu-back-to-profile = « To the profile
edu-cancel = ✖️ Cancel
edu-saved = ✅ Saved.
edu-gone = This record has been deleted already — the change is not saved.
edu-deleted = 🗑 Record deleted.
edu-delete-ask = Delete the record “{ $name }”? It stays in the history of changes.
edu-delete-confirm = 🗑 Yes, delete
edu-delete-keep = Keep
edu-edit-which = What to change in the record “{ $name }”?
edu-use-buttons = Choose the level with a button.
edu-level-chosen = Level: { $level }
edu-check = <b>Please check the details</b> — if everything is right, save the record:
edu-card-line = <b>{ $field }:</b> { $value }
edu-card-hours =
    { $hours } { $hours ->
        [one] academic hour
       *[other] academic hours
    }
edu-save = ✅ Save
edu-fix = ✏️ Correct a field
edu-fix-which = Which field to correct?
edu-back-to-card = « Back to the check

edu-level =
    { $level ->
        [secondary_vocational] secondary vocational
        [specialist] higher — specialist degree
        [residency] residency (ordinatura)
        [master] higher — master's degree
        [bachelor] higher — bachelor's degree
        [postgraduate] postgraduate (aspirantura)
       *[internship] internship (internatura)
    }

edu-field =
    { $field ->
        [in] Institution
        [sp] Specialty
        [lv] Level
        [no] Diploma number
        [gy] Graduation year
        [dd] Diploma date
        [pr] Programme
        [hr] Hours
        [st] Start date
       *[en] End date
    }

edu-ask-institution = The institution, as on the diploma:
edu-ask-specialty = The specialty on the diploma, e.g. “General Medicine”:
edu-ask-level = The level of education:
edu-ask-diploma-number = The diploma's series and number, e.g. <code>107724 0012345</code>. { $messenger ->
        [Max] Once the number is stored, delete the message from the chat: in Max the bot cannot.
       *[other] The message with the number is deleted from the chat once it is stored.
    }
edu-ask-graduation-year = The graduation year, four digits, e.g. 2012:
edu-ask-diploma-date = The diploma's date as DD.MM.YYYY:
edu-ask-programme = The programme's title, as on the certificate:
edu-ask-hours = The programme's length in academic hours, as a number, e.g. 36 or 144:
edu-ask-starts-on = The start date as DD.MM.YYYY:
edu-ask-ends-on = The end date as DD.MM.YYYY:

edu-problem = { $field }: { $reason }
edu-problem-missing = this field is required.
edu-problem-number-short = too short — a diploma number has at least 3 characters.
edu-problem-number-long = too long — a diploma number has at most 30 characters.
edu-problem-number-chars = only letters, digits, spaces, dashes and №.
edu-problem-before-graduation = a diploma cannot be dated before the graduation year ({ $year }).
edu-problem-year-format = a four-digit year is needed, e.g. 2012.
edu-problem-year-early = check the year — it is too early.
edu-problem-year-future = the graduation year cannot be in the future.
edu-problem-hours-format = a whole number of academic hours is needed, e.g. 36.
edu-problem-hours-zero = a programme cannot take 0 hours — check the certificate.
edu-problem-hours-many =
    too many — at most { $max } { $max ->
        [one] academic hour
       *[other] academic hours
    }.
edu-problem-ends-before-start = the programme cannot end before it started ({ $date }).
