## Staff broadcasts: changes in regulations and inspections

command-notice = Staff: notice of a change in regulations
command-inspection = Staff: notice of an inspection
command-notices = Staff: proposed by the feed
command-inspections = Staff: scheduled inspections, cancelling

broadcast-step = <i>Step { $n } of { $of }.</i>
broadcast-current = Now: { $value }
broadcast-cancel = ✖️ Cancel
broadcast-cancelled = The draft is deleted; nothing was sent.
broadcast-back-to-preview = « Back to the preview
broadcast-text-only = Answer the question above with text, or press a button under it.
broadcast-use-buttons = Choose with a button under the message, or send /cancel.
broadcast-draft-gone = This draft is no longer here: it was sent or cancelled. Start again: /notice or /inspection.
broadcast-answer-first = Answer the open question first: the preview has changed.

## A notice of a change in regulations

broadcast-notice-intro = <b>📢 New notice of a change in regulations</b>
broadcast-ask-title = Write the title (up to { $max } characters), for example: <i>Order of the Ministry of Health No. 123n</i>.
broadcast-ask-summary = Write a short summary: what changes and from when (up to { $max } characters).
broadcast-ask-link = Send a link to the document (starting with https:// or http://), or press «No link».
broadcast-ask-specialties = Which specialties? Write them separated by commas, as the register writes them (for example: <i>Терапия, Кардиология</i>), or press «Everyone».
broadcast-ask-regions = Which regions? Separate them with commas (for example: <i>Москва, Московская область</i>), or press «Everyone».
broadcast-no-link = No link
broadcast-to-everyone = Everyone
broadcast-everyone = all

broadcast-title-empty = The title is empty. Write the notice's title.
broadcast-title-too-long = The title is longer than { $max } characters. Shorten it and send it again.
broadcast-summary-empty = The summary is empty. Write what changes.
broadcast-summary-too-long = The summary is longer than { $max } characters. Shorten it and send it again: details go behind the link.
broadcast-link-not-url = That does not look like a link. Send an address like https://example.ru/document, or press «No link».
broadcast-link-not-http = The link must start with https:// or http://. Send another one, or press «No link».
broadcast-link-too-long = The link is longer than { $max } characters. Send a shorter one, or press «No link».
broadcast-target-too-long = One of the names is longer than { $max } characters. Names are separated by commas: check the list and send it again.

broadcast-notice-preview = <b>Preview.</b> This is how recipients will see the notice:
broadcast-targets =
    Specialties: { $specialties }
    Regions: { $regions }
broadcast-recipients = Recipients: { $shown } { $count ->
        [one] person
       *[other] people
    }
broadcast-recipients-morning = Of them, { $shown } will get it in the morning: it is their quiet hours now.
broadcast-session-closed = 🔐 Your staff session is closed; nothing was sent. Press the button again and enter the code from your authenticator app.
broadcast-send = 📤 Send
broadcast-edit = ✏️ Change…
broadcast-edit-which = What to change?
broadcast-field = { $field ->
        [title] Title
        [summary] Summary
        [link] Link
        [specialties] Specialties
        [regions] Regions
        [target] Organisation or region
        [place] Name
        [region] The organisation's region
        [date] Date
        [kind] Kind of inspection
       *[prepare] What to prepare
    }

## An inspection

broadcast-inspection-intro = <b>🔎 New notice of an inspection</b>
broadcast-ask-target = Whom does the inspection concern?
broadcast-target-organisation = 🏥 Organisation
broadcast-target-region = 🗺 Region
broadcast-ask-organisation = Write the organisation's name as the register writes it (up to { $max } characters), for example: <i>ГБУЗ ГП № 1</i>.
broadcast-ask-region = Write the region as the register writes it (up to { $max } characters), for example: <i>Москва</i>.
broadcast-ask-organisation-region = Which region is the organisation in? The same names occur in different regions. Write the region, or press «In every region».
broadcast-all-regions = In every region
broadcast-ask-date = Write the date of the inspection as DD.MM.YYYY, for example <i>15.03.2027</i>.
broadcast-ask-kind = Choose the kind of inspection:
broadcast-kind = { $kind ->
        [planned_onsite] Planned, on site
        [planned_documentary] Planned, documentary
        [unplanned_onsite] Unplanned, on site
       *[unplanned_documentary] Unplanned, documentary
    }
broadcast-ask-prepare = What should be prepared for the inspection? List the documents and tasks (up to { $max } characters).
broadcast-place-empty = The name is empty. Write the organisation's or the region's name.
broadcast-place-too-long = The name is longer than { $max } characters. Shorten it and send it again.
broadcast-date-format = I could not read the date. Write it as DD.MM.YYYY, for example <i>15.03.2027</i>.
broadcast-date-in-past = That date has passed. Write a date of the inspection no earlier than today.
broadcast-prepare-empty = Write what should be prepared for the inspection.
broadcast-prepare-too-long = The text is longer than { $max } characters. Shorten it and send it again.
broadcast-inspection-preview = <b>Preview.</b> This is how recipients will see the notice of the inspection:

## Progress of a broadcast

broadcast-what-notice = 📤 Notice «{ $title }»
broadcast-what-inspection = 📤 Inspection: { $place }, { $date }
broadcast-progress = Sent { $sent } of { $total }, not delivered { $failed }.
broadcast-progress-done = ✅ Done: sent { $sent } of { $total }, not delivered { $failed }.
broadcast-progress-morning = 🌙 Waiting for the end of the recipients' quiet hours: { $shown }. They will get it in the morning.

## Proposed by the feed

broadcast-proposals-button = 📥 Proposed by the feed ({ $count })
broadcast-proposals-none = The feed has proposed nothing yet.
broadcast-proposals-title = <b>📥 Proposed by the feed: { $count }.</b> Choose a notice to look at it and publish or dismiss it.
broadcast-proposal-heading = <b>📥 Proposed by the feed.</b> This is how recipients will see the notice:
broadcast-publish = 📤 Publish
broadcast-dismiss = 🗑 Dismiss
broadcast-proposals-back = « Back to the list
broadcast-proposal-dismissed = 🗑 The proposal is dismissed; nothing was sent.
broadcast-proposal-published = This notice is already published: it is not sent again.
broadcast-proposal-was-dismissed = This notice is already dismissed.
broadcast-proposal-not-found = There is no such notice.

## Scheduled inspections and cancelling

broadcast-inspections-button = 🗓 Scheduled inspections ({ $count })
broadcast-inspections-none = No inspections are coming up.
broadcast-inspections-title = <b>🗓 Scheduled inspections: { $count }.</b> Choose one to view or cancel it.
broadcast-inspections-back = « Back to the list
broadcast-inspection-card =
    <b>🗓 Scheduled inspection</b>

    Kind: { broadcast-kind }
    { $scope ->
        [organisation] Organisation
       *[region] Region
    }: { $place }
    Date: { $date }
    To prepare: { $prepare }

    Already notified: { $shown } { $count ->
        [one] person
       *[other] people
    }
broadcast-inspection-cancel = ✖️ Cancel the inspection
broadcast-inspection-cancel-confirm =
    <b>{ $place }, { $date }</b>

    Cancel the inspection? Everyone who was told of it will be notified of the cancellation.
broadcast-inspection-cancel-yes = Yes, cancel it
broadcast-inspection-cancel-no = No
broadcast-inspection-cancelled-heading = ✖️ <b>Inspection cancelled:</b> { $place }, { $date }.
broadcast-inspection-cancelled-told = { $count ->
        [0] Nobody had been told of it yet, so there is nobody to notify. Its unsent notices were withdrawn.
        [one] { $shown } person will be notified of the cancellation.
       *[other] { $shown } people will be notified of the cancellation.
    }
broadcast-inspection-already-cancelled = This inspection is already cancelled. The cancellation is not sent again.
broadcast-inspection-not-found = There is no such inspection.

# What an operator may type instead of a region, meaning "in every region" (separated by |).
broadcast-region-everywhere-words = in all regions|all|any|everywhere|-
# What an operator may type instead of a link, meaning "no link" (separated by |).
broadcast-no-link-words = no link|none|no|-
# What an operator may type instead of a list of specialties or regions, meaning "everyone" (separated by |).
broadcast-everyone-words = all|everyone
