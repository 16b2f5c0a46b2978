## Notification settings (/settings)

settings-open = ⚙️ Notification settings
command-settings = Notification settings

settings-needs-consent = Notification settings are available once you have agreed to the processing of personal data. Send /start to begin.

settings-title =
    <b>⚙️ Notification settings</b>

    Tap a topic to switch its notifications on (✅) or off (⬜). Security notices (signing in, the second factor) and the status of your applications always come.

    { $quiet_on ->
        [yes] 🌙 Quiet hours: { $quiet }. Notifications wait until they end; security notices come at once.
       *[no] 🌙 Quiet hours are off: notifications come at any time.
    }
    🕒 Time zone: { $zone }.

settings-switch = { $on ->
        [yes] ✅
       *[no] ⬜
    } { $category ->
        [inspections] Inspections
        [schedule] Schedule
        [regulation] Changes in regulations
       *[reminders] Document deadline reminders
    }

settings-quiet-button = 🌙 Quiet hours: { $quiet }
settings-zone-button = 🕒 Time zone: { $zone }
settings-back = « Back to settings
settings-current = ✅ { $label }

## Quiet hours

settings-quiet-none = off
settings-quiet-title =
    <b>🌙 Quiet hours</b>

    Now: { $quiet }.

    During quiet hours notices about inspections, regulations, deadlines and applications wait until they end, by your time zone ({ $zone }). Security notices come at once.

    Choose an option or set your own hours.
settings-quiet-off = Turn off
settings-quiet-own = ✏️ Set my own
settings-quiet-ask =
    Write when quiet hours start and end as <b>HH:MM–HH:MM</b>, for example <code>22:30–07:00</code>.

    The time is in your time zone ({ $zone }).
settings-quiet-format = I could not read that time. Write when quiet hours start and end as HH:MM–HH:MM, for example <code>22:30–07:00</code>, or go back to the settings with the button.
settings-quiet-empty = The start and the end are the same, so there would be no quiet hours. Give two different times, for example <code>22:30–07:00</code>, or switch quiet hours off with «Turn off».
settings-quiet-saved = ✅ Quiet hours: { $hours }.
settings-quiet-disabled = ✅ Quiet hours are off.
settings-waiting = ⏳ Waiting for the end of quiet hours: { $count } { $count ->
        [one] notification
       *[other] notifications
    }. They will arrive at { $time }.
settings-released = 📬 The notifications waiting for the end of quiet hours will arrive now: { $count }.

## Time zone

settings-zone-title =
    <b>🕒 Time zone</b>

    Now: { $zone }. Quiet hours follow it.

    Choose your time zone:
settings-zone = { $city ->
        [kaliningrad] Kaliningrad
        [samara] Samara
        [yekaterinburg] Yekaterinburg
        [omsk] Omsk
        [krasnoyarsk] Krasnoyarsk
        [irkutsk] Irkutsk
        [yakutsk] Yakutsk
        [vladivostok] Vladivostok
        [magadan] Magadan
        [kamchatka] Kamchatka
       *[moscow] Moscow
    } (UTC{ $offset })
settings-zone-saved = ✅ Time zone: { $zone }.

## «📱 Messengers»: the same account in Telegram and in Max.
settings-messengers-button = 📱 Messengers
messengers-title =
    📱 <b>Messengers</b>

    Your account is open in: { $linked }. Every linked messenger shows the same account, the same data and asks for the same authenticator code.{ $more ->
        [yes] {""}
       *[no] {" "}The service is not connected to other messengers yet.
    }
messengers-deliver = 🔔 Notifications come { $to ->
        [one] to { $messenger } only
       *[all] to every linked messenger
    }. Login requests and everything about the second factor come to every one.
messengers-deliver-all = To all
messengers-deliver-one = { $messenger } only
messengers-deliver-saved = ✅ Saved.
messengers-link-button = 🔗 Link { $other }
messengers-link =
    🔗 <b>Linking { $other }</b>

    Open this link on the phone with { $other } within 10 minutes:
    { $link }

    The link works once. Do not forward it to anyone: it opens your account.
messengers-open-button = 📲 Open in { $other }
messengers-back = « To messengers
messengers-not-active = Connect your account first: /start.
messengers-linked =
    ✅ <b>{ $messenger } is linked to your account.</b>

    The same sections and data are here; the code comes from the same authenticator app.

    Notifications now come here too; to get them in one messenger only, see /settings → "📱 Messengers".
messengers-link-invalid = This link is not valid: it works once and for 10 minutes. Get a new one in your other messenger: /settings → "📱 Messengers".
messengers-link-own-cabinet =
    This { $messenger } account has an account of its own, and two accounts are not merged. { $has_support ->
        [yes] To move your account, contact support: { $contact }.
       *[no] To move your account, contact support.
    }
