# Who holds a SNILS: the owner confirmed by the register, not whoever typed it first.

snils-too-many = Too many SNILS attempts. For security, you can try again after { $until } ({ $tz }).
registry-held =
    This SNILS and phone number are already confirmed for another Telegram account.

    If you changed your Telegram account or it was not you, support removes the old link after a check, and you can connect again.
registry-apply-refused =
    You cannot apply for activation with this SNILS: it is in the register of medical workers.

    If the SNILS is yours, the register has another phone number for you. Your organisation's HR department can update it — ask them to enter the number you use in Telegram, then send the SNILS again.

# Notifications (shown on a locked screen: no names or numbers).
identity-unlinked-superseded =
    🔒 <b>The account connection was cancelled.</b>

    The details given when connecting were not confirmed. { $has_support ->
        [yes] If the SNILS is yours, contact your organisation's HR department or support: { $contact }.
       *[no] If the SNILS is yours, contact your organisation's HR department: they update the phone number in the register.
    }

    To connect again, send /start.
identity-unlinked-by-support =
    🔒 <b>Support unlinked your Telegram account from the SNILS.</b>

    To connect again, send /start.
identity-link-conflict =
    ⚠️ <b>Someone tried to connect your account from another Telegram account.</b>

    They gave your SNILS and phone number. Nothing was connected: your account stays connected to this Telegram account. { $has_support ->
        [yes] If it was you, contact support: { $contact }. If not, tell support too: your phone number may have passed to someone else.
       *[no] If it was not you, your phone number may have passed to someone else.
    }
messenger-linked-push =
    🔗 <b>{ $linked } was linked to your account.</b>

    Your account now opens there too, with the same authenticator code. { $has_support ->
        [yes] If this was not you, contact support at once: { $contact }.
       *[no] If this was not you, contact support at once.
    }
