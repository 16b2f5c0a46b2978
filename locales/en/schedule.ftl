## «🗓 Schedule»: appointments and duty shifts

schedule-weekday = { $weekday ->
        [mon] Mon
        [tue] Tue
        [wed] Wed
        [thu] Thu
        [fri] Fri
        [sat] Sat
       *[sun] Sun
    }
schedule-day = { schedule-weekday }, { $date }
schedule-day-button = { schedule-weekday } { $day }

schedule-day-title = <b>🗓 Schedule — { $day }</b>{ $which ->
        [today] {" "}(today)
        [tomorrow] {" "}(tomorrow)
        [yesterday] {" "}(yesterday)
       *[other] {""}
    }
schedule-day-empty = No appointments or duty shifts on this day.
schedule-zone = 🕒 The organisation's time ({ $offset }).
schedule-page = Page { $page } of { $pages }.
schedule-page-prev = ◀ Page { $page }
schedule-page-next = Page { $page } ▶

# One line of a list: the times, the place, the kind abbreviated.
schedule-detail-short = { $detail ->
        [general] appt.
        [primary] first
        [repeat] follow-up
        [preventive] check-up
        [home] home visits
        [telemedicine] telemed.
        [on_site] on site
       *[on_call] on call
    }
schedule-line = { $shift ->
        [yes] 🚑 { $times } · { $place } · { schedule-detail-short }
       *[no] { $times } · { $place } · { schedule-detail-short }
    }

schedule-prev-day = ◀ { $date }
schedule-next-day = { $date } ▶
schedule-today = Today
schedule-tomorrow = Tomorrow
schedule-week = 🗓 Week
schedule-next-duty = 🚑 Next duty
schedule-add = ➕ Add
schedule-export = 📤 Calendar file
schedule-feed = 🔗 Calendar subscription
schedule-back = « Back to the schedule
schedule-no-duty = No duty shifts ahead in the schedule.

schedule-week-title = <b>🗓 Week { $from } — { $until }</b>
schedule-week-day = <b>{ $day }</b>
schedule-week-empty-day = <b>{ $day }</b> — nothing
schedule-prev-week = ◀ Week
schedule-this-week = This week
schedule-next-week = Week ▶
schedule-export-week = 📤 .ics — week
schedule-export-month = 📤 .ics — month

## A slot's card

schedule-kind = { $detail ->
        [general] 🩺 Appointments
        [primary] 🩺 First appointments
        [repeat] 🩺 Follow-up appointments
        [preventive] 🩺 Preventive check-ups
        [home] 🩺 Home visits
        [telemedicine] 🩺 Telemedicine consultations
        [on_site] 🚑 Duty on site
       *[on_call] 🚑 Duty on call
    }
schedule-card =
    <b>{ schedule-kind }</b>
    { $day }, { $from }–{ $until }
    { $shift ->
        [yes] Department
       *[no] Room
    }: { $place }

    { $origin ->
        [clinic] From the clinic's schedule.
        [changed] From the clinic's schedule; you changed it — the clinic's next schedule upload may bring back what it says.
       *[own] Added by you.
    }
schedule-move = ↔️ Move
schedule-cancel = ✖️ Cancel
schedule-history = 🕘 History
schedule-back-day = « Back to the day
schedule-cancel-ask = Cancel this entry?

    { $slot }
schedule-cancel-yes = Yes, cancel
schedule-cancel-no = No
schedule-cancelled = ✖️ The entry is cancelled.

## Adding and moving

schedule-add-title = What to add to the schedule?
schedule-add-appointment = 🩺 Appointments
schedule-add-shift = 🚑 Duty shift
schedule-add-kind = { $shift ->
        [yes] Which duty?
       *[no] Which appointments?
    }
schedule-moving = Moving: { $slot }
schedule-ask-start = Start — the date and time as DD.MM.YYYY HH:MM, for example 07.12.2026 09:00.
schedule-ask-end = { $shift ->
        [yes] End — a time HH:MM (earlier than the start means the next day) or a date and time DD.MM.YYYY HH:MM.
       *[no] End — a time HH:MM or a date and time DD.MM.YYYY HH:MM.
    }
schedule-ask-place = { $shift ->
        [yes] Department — for example, “Surgery”:
       *[no] Room — for example, “room 214”:
    }
schedule-give-up = ✖️ Don't save
schedule-start-shape = Could not read the date and time: write DD.MM.YYYY HH:MM, for example 07.12.2026 09:00.
schedule-end-shape = Could not read the end: write HH:MM or DD.MM.YYYY HH:MM.
schedule-no-such-date = There is no such date: check the day and the month.
schedule-no-such-time = There is no such time: hours from 00 to 23, minutes from 00 to 59.
schedule-end-before-start = { $shift ->
        [yes] A duty shift cannot end before it starts.
       *[no] Appointments cannot end before they start (or in the same minute).
    }
schedule-too-long = { $shift ->
        [yes] The duty is longer than { $hours } hours — check the dates.
       *[no] The appointments last longer than { $hours } hours — check the times.
    }
schedule-no-local-time = This time does not exist in the organisation's time zone (a clock change).
schedule-place-empty = Write the room or the department.
schedule-place-too-long = Too long: at most { $chars } characters.
schedule-conflict =
    ⚠️ Overlaps another entry — not saved.

    New: { $new }
    Already there: { $existing }

    Give another time.
schedule-added = ✅ Added.
schedule-moved = ✅ Moved.
schedule-gone = This entry is no longer in the schedule: it was cancelled or changed by the clinic.

## Calendar

schedule-calendar-name = Schedule — Practitioner's cabinet
schedule-event = { $detail ->
        [general] Appointments
        [primary] First appointments
        [repeat] Follow-up appointments
        [preventive] Preventive check-ups
        [home] Home visits
        [telemedicine] Telemedicine consultations
        [on_site] Duty on site
       *[on_call] Duty on call
    }
schedule-file = schedule-{ $period }.ics
schedule-file-caption = Schedule from { $from } to { $until }: { $count ->
        [one] { $count } entry
       *[other] { $count } entries
    }. Open the file to add it to your phone's calendar.
schedule-feed-title =
    <b>🔗 Calendar subscription</b>

    Your phone's calendar will fetch your schedule by itself from a private address (about once an hour): new appointments and changes appear without files. The calendar holds only your own appointments and duty shifts.

    The address is like a password: do not forward it. { $state ->
        [on] The address was made on { $date }. A new address replaces it, and the old one stops working.
       *[off] There is no address yet.
    }
schedule-feed-new = 🔗 Make an address
schedule-feed-renew = 🔄 New address
schedule-feed-off = 🚫 Turn off
schedule-feed-created =
    🔗 Your calendar address (shown once):

    <code>{ $url }</code>

    In your phone's calendar choose “Add subscription” (iPhone: Settings → Calendar → Accounts → Subscribed calendar; Google Calendar: “From URL”) and paste the address. This message goes away when your session ends.
schedule-feed-sent = { $renewed ->
        [yes] ✅ The new address is in the message below; the previous one no longer works.
       *[no] ✅ The address is in the message below.
    }
schedule-feed-revoked = 🚫 The subscription is off: the address no longer works.

## The push (no details: it shows on a locked screen)

schedule-changed-push = 🗓 The clinic updated your schedule.{ $any_changes ->
        [yes] {" "}{ $changes ->
            [one] { $changes } change
           *[other] { $changes } changes
        } in the next 14 days, the nearest on { $first }.
       *[no] {""}
    }{ $any_overridden ->
        [yes] {" "}Your own changes replaced by the clinic's schedule: { $overridden }.
       *[no] {""}
    } Details are in «🗓 Schedule».
