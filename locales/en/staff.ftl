# The operators' second factor and staff session (handlers/staff.rs).

staff-factor-qr-caption =
    <b>Protecting staff work with a second factor.</b>

    Applications and broadcasts open only after a code from an authenticator app.
    1. Open an authenticator app (Yandex Key, Google Authenticator or another).
    2. Scan this QR code with another device or, if the app is on this phone, tap the key to copy it and paste it in the app under “Enter a setup key”:
    <code>{ $secret }</code>
    3. Reply with the 6-digit code the app shows.
    This is a separate key, for staff work only: the entry “{ $service }: { $account }” in the app.
staff-factor-account = Staff
staff-only = This is only for staff who review applications and send notices, and your account does not have that role. Your commands are in /help.
staff-factor-enrolled = <b>Done!</b> Staff work is protected by a second factor.
staff-code-needed = 🔐 The staff session is closed. Enter the 6-digit code from the authenticator app (the “{ staff-factor-account }” entry) and the action will go on.
staff-code-first = Enter the code from the authenticator app first.
staff-session-opened = 🔓 Code accepted. The staff session is open until { $until } ({ $tz }); without activity it closes in { $idle } min.
staff-press-again = Press the button again.
staff-send-again = Send the message again.
staff-code-blocked = Staff code entry is blocked: too many wrong codes in a row. Ask IT staff to grant the role again, with a new key.

# Words that confirm a question of `medcab admin` on its command line, comma-separated.
admin-yes-words = y, yes
