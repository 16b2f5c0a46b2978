# Sign-in security: confirming a sign-in to the account from another device.
#
# The request comes as a push and shows on a locked screen, so it carries no
# personal data: no SNILS, name, phone or IP address — only the time, the
# device and the approximate place of the sign-in. Nor does it show the
# number to match: the portal shows it on the sign-in screen, and here it
# is among three buttons, so only someone who sees that screen picks it.

login-push =
    🔐 <b>Signing in to your account: is it you?</b>

    { login-details }

    If it is you, press the number shown on the sign-in screen.
    If it is not you, press «🚫 Not me» and the sign-in will be blocked.

# The details of the sign-in; used by the texts above and below.
login-details =
    Time: { $time } ({ $tz })
    Device: { $device }
    Place: { $place }

login-deny = 🚫 Not me

login-approved =
    ✅ <b>Sign-in confirmed.</b>

    { login-details }

login-denied =
    🚫 <b>Sign-in blocked.</b>

    { login-details }

    If you did not try to sign in, your password for the account (or for Gosuslugi, if you sign in with it) may be known to someone else. Change it as soon as possible: without it, and without this confirmation, nobody can sign in.

login-mismatch =
    🚫 <b>The number did not match — sign-in blocked.</b>

    { login-details }

    If it was you, sign in again and press the number shown on the sign-in screen.
    If you did not try to sign in, change your password as soon as possible.

login-expired =
    ⌛ <b>The time to confirm has run out</b> — you were not signed in.

    { login-details }

    If it was you, sign in again and a new request will come.

# Short pop-up answers to a button press (no markup).
login-toast-approved = Sign-in confirmed
login-toast-denied = Sign-in blocked
login-toast-mismatch = The number did not match — sign-in blocked
login-toast-already = You have already answered this request
login-toast-expired = The time to confirm has run out
