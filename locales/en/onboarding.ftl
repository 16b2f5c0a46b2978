## Connecting: consent, phone, SNILS, second factor

onboarding-hello =
    Hello, { $name }!

    { product-about }

    First, let us connect your personal account — it takes a couple of minutes.

consent-text =
    <b>Consent to the processing of personal data</b>

    To connect your personal account, the bot will ask for:
    • your phone number — through { $messenger }'s button, to be sure it is yours;
    • your SNILS — to find you in the register of medical workers.

    Why: to establish who you are, to protect logins with a second factor, to take your documents and to keep you informed about your applications.

    How it is kept: encrypted, and every access is logged. { $messenger ->
        [Max] In Max the bot cannot delete your messages: delete messages with personal data from the chat yourself once the bot has taken them.
       *[other] The bot deletes messages with personal data from the chat as soon as it has stored them.
    }

    You can withdraw consent at any time with /forget — your data will be erased. The text of the consent: /privacy.

    Processing follows Russian Federal Law No. 152-FZ "On Personal Data".
consent-accept = ✅ I agree
consent-decline = I do not agree
consent-declined = Without consent we cannot connect your personal account. If you change your mind, press «✅ I agree» under the consent text above or send /start.
consent-answer-above = Please answer the consent question above, with a button under it. If you cannot see it, send /start.
consent-given-line = ✅ Consent to the processing of personal data given on { $date } (version { $version }). The text: /privacy; to withdraw: /forget.
consent-given-at = You gave your consent on { $date } (version { $version }). To withdraw it: /forget.
consent-none = You have not given consent to the processing of personal data.

phone-ask = Press "📱 Share my number" at the bottom of the screen — { $messenger } will send the number of your account.
phone-button = 📱 Share my number
phone-not-own = That is someone else's contact. Press "📱 Share my number" — { $messenger } will then send your own number.
phone-typed = Please send the number with the "📱 Share my number" button — that way we know it is really yours.
phone-not-mobile = This does not look like a Russian mobile number. Logging in needs a number starting with +7 9…
phone-saved = Phone number confirmed.

snils-ask =
    Enter your SNILS — 11 digits, for example <code>112-233-445 95</code>.
    { $messenger ->
        [Max] Once the bot has taken your SNILS, delete the message from the chat: in Max the bot cannot.
       *[other] The message with your SNILS will be deleted from the chat as soon as it is stored.
    }
snils-empty = Enter your SNILS: 11 digits.
snils-not-digits = A SNILS has digits only (dashes and spaces are fine). Check it and enter it again.
snils-wrong-length =
    A SNILS has 11 digits, and yours has { $digits ->
        [one] { $digits } digit
       *[other] { $digits } digits
    }. Check it and enter it again.
snils-checksum = The SNILS check number does not match — probably a typo in one of the digits. Check it against the document and enter it again.
snils-checking = Looking you up in the register of medical workers…
registry-no-match =
    We did not find you in the register of medical workers with this SNILS and phone number.

    • Check the SNILS and send it again.
    • If the register has another phone number for you, ask your organisation's HR department.
    • If you are not in the register, apply for activation: the account will be connected, and a staff member will check your documents.
registry-apply = 📝 Apply for activation
registry-applying = Connecting your account without the register: your SNILS and phone are saved. One step left, protecting the login; then apply for activation and attach your documents.
registry-unavailable = The register of medical workers is unavailable right now. Your SNILS is saved — press "Retry" in a few minutes.
registry-retry = 🔄 Retry
registry-linked = Found you in the register: { $name }.

factor-qr-caption =
    <b>Last step — protecting your logins.</b>

    1. Open an authenticator app (Yandex Key, Google Authenticator or another).
    2. Scan this QR code with another device or, if the app is on this phone, tap the key to copy it and paste it in the app under “Enter a setup key”:
    <code>{ $secret }</code>
    3. Reply with the 6-digit code from the app.

    In the app the entry will be called “{ $service }”.
factor-enrolled = <b>Done!</b> Logins to your personal account are now protected by a second factor.
code-malformed = The code is the 6 digits from your authenticator app. Please enter it again.
code-wrong =
    That code did not work. { $left ->
        [one] { $left } try left.
       *[other] { $left } tries left.
    }
code-locked-now = Three wrong codes in a row: code entry is locked until { $until } ({ $tz }). If that was not you, someone may have access to your { $messenger }: check the active sessions in { $messenger ->
        [Max] the Max settings
       *[other] Settings → Devices
    } and end any you do not know.
code-locked = Code entry is locked until { $until } ({ $tz }). Please try again after that.
code-replayed = This code has already been used. Wait for the next code in the app (it changes every 30 seconds).

menu-awaits-activation = ⏳ <b>Your account awaits activation.</b> Apply for activation in «📨 My applications» and attach your documents.

step-up-ask = This section holds personal data. Enter the 6-digit code from your authenticator app.
step-up-confirmed = Login confirmed.

## /forget

forget-ask =
    <b>Erase your personal data?</b>

    Your consent to processing will be withdrawn, and your phone number, SNILS, second factor and everything you gave the bot will be erased. Only the record that consent was given and withdrawn remains.

    To use the personal account again, you will have to connect from the start.
forget-confirm = 🗑 Erase my data
forget-keep = Cancel
forget-done = Consent withdrawn; your personal data has been erased. To connect again, send /start.
forget-nothing = We hold no personal data of yours — there is nothing to erase.
forget-kept = Nothing was erased.

## Lost phone with the authenticator

factor-lost-button = 📵 I cannot use my authenticator
factor-reset-requested =
    Your request to reset the second factor was sent on { $since } ({ $tz }).

    Two staff members will check it. The reset takes effect no earlier than { $earliest } ({ $tz }): time for you to cancel the request if it was not you. We will tell you of the decision.
step-up-held = Your session has expired. Your answer is saved — enter the 6-digit code from your authenticator app and we will go on from the same place.
step-up-held-press = Your session has expired, and the section with personal data is closed. Enter the 6-digit code from your authenticator app and the action will be carried out.
code-blocked = Code entry is blocked: too many wrong codes in a row. Access can be restored by a staff member — press «📵 No access to the app».

factor-reset-scheduled =
    The second-factor reset you requested on { $since } ({ $tz }) is approved and takes effect on { $at } ({ $tz }).

    Until then you can cancel it. After that, connect your authenticator app again with /start.
factor-reset-cancel-button = ✖️ Cancel the request
factor-reset-rejected =
    Your second-factor reset request was rejected.

    Reason: “{ $reason }”

    If you still cannot use your authenticator, ask for a reset again — it will be checked by staff anew.
factor-reset-again-button = 🔁 Ask for a reset again
factor-reset-cancelled = The second-factor reset request is cancelled. The code from your app keeps working.
factor-reset-nothing-to-cancel = This reset request is no longer open — there is nothing to cancel.
factor-reset-requested-push =
    🔐 <b>A reset of your account's second factor was requested.</b>

    If it was you, nothing to do: the reset takes effect no earlier than { $earliest } ({ $tz }), after staff check it. If it was not you, cancel the request with the button below.
factor-reset-scheduled-push =
    🔐 <b>The second-factor reset is approved</b> and takes effect on { $at } ({ $tz }).

    If you did not request it, cancel it with the button below.
factor-reset-rejected-push = 🔐 Your second-factor reset request was rejected by a staff member. To see why, press «📵 I cannot use my authenticator» when a section with personal data asks for the code.
forget-ask-code = To confirm the erasure, enter the 6-digit code from your authenticator app. If you cannot use the app, restore access first — the button below.
session-card-closed = 🔒 The session has ended — personal data is hidden. To open the section again, go back to the menu and enter the code.
staff-card-closed = 🔒 The staff session has ended — personal data is hidden. To go on, send the command again (for example, /review) and enter the code.
