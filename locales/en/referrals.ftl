# «📮 Referrals»: electronic referrals (bot/src/handlers/referrals/).

menu-referrals = 📮 Referrals
command-referrals = Staff: referrals to your organisation

ref-section =
    <b>📮 Referrals</b>
    Incoming are sent to you, outgoing are the ones you sent. { $total ->
        [0] No incoming referrals yet.
        [one] { $total } incoming referral.
       *[other] { $total } incoming referrals.
    }
ref-incoming = 📥 Incoming
ref-outgoing = 📤 Outgoing
ref-new = ➕ New referral
ref-resume = ▶️ Continue the draft
ref-back-to-section = « Referrals
ref-back-to-incoming = « Incoming
ref-back-to-outgoing = « Outgoing

ref-incoming-title = <b>📥 Incoming</b> ({ $total })
ref-outgoing-title = <b>📤 Outgoing</b> ({ $total })
ref-list-empty = Nothing here yet.
ref-page = Page { $page } of { $pages }.
ref-line =
    { $index }. <b>{ $number }</b> · { $urgency } · { $care }
    { $counterpart } · { $sent } · { $status }

ref-urgency = { $urgency ->
        [emergency] 🔴 emergency
        [urgent] 🟠 urgent
       *[planned] 🟢 planned
    }
ref-care = { $care ->
        [consultation] consultation
        [examination] examination
        [hospitalisation] hospitalisation
        [high_tech] high-technology care
        [rehabilitation] rehabilitation
       *[palliative] palliative care
    }
ref-status = { $status ->
        [draft] 📝 draft
        [sent] ⏳ awaiting an answer
        [accepted] ✅ accepted
        [declined] ❌ declined
        [cancelled] ↩️ withdrawn
       *[expired] ⌛ expired unanswered
    }

ref-card =
    <b>📨 Referral { $number }</b>
    Status: { $status }

    From: { $sender }, { $sender_org }
    To: { $receiver }, { $receiver_org }
    Urgency: { $urgency }
    Care: { $care }
    Reason: { $reason }
    Patient in the clinic's system: { $patient }

    Sent { $sent }{ $waiting ->
        [yes] ; awaiting an answer until { $until }.
       *[no] .
    }
ref-card-decline = Reason for declining: { $decline }
ref-party-erased = the sender or the receiver deleted their data from the service
ref-party-unknown = not in the register
ref-party-organisation = organisation
ref-accept = ✅ Accept
ref-decline = ❌ Decline
ref-cancel = ↩️ Withdraw
ref-accepted = ✅ Referral { $number } accepted. The sender will be notified.
ref-ask-decline =
    Why do you decline referral { $number }? Write the reason in general words — no patient's name, diagnosis, policy number or SNILS. The sender will read it.
ref-ask-decline-again = Write the reason for declining again.
ref-decline-keep = « Back to the referral
ref-declined = ❌ Referral { $number } declined. The sender will be notified with the reason.
ref-cancel-ask = Withdraw referral { $number }? The receiver will be notified.
ref-cancel-confirm = ↩️ Yes, withdraw
ref-cancel-keep = No, keep it
ref-cancelled = ↩️ Referral { $number } withdrawn. The receiver will be notified.
ref-already-answered = This referral has been answered already — open it again.

ref-sender-not-confirmed = Referrals are sent by practitioners whose account the register of medical workers has confirmed.
ref-ask-kind =
    <b>➕ New referral</b>
    A referral holds no patient's name, diagnosis, policy number or SNILS: only the reason in general words, the urgency, the kind of care and the case or card number in the clinic's information system.

    Refer to whom?
ref-to-practitioner = 👤 A doctor
ref-to-organisation = 🏥 An organisation
ref-ask-search = { $kind ->
        [p] Type the doctor's surname or part of their organisation's name. Searching by SNILS is not possible.
       *[o] Type part of the organisation's name, its INN or OGRN.
    }
ref-search-too-short = Too short: type at least { $min } { $min ->
        [one] character
       *[other] characters
    }.
ref-search-too-long = Too long: at most { $max } { $max ->
        [one] character
       *[other] characters
    }.
ref-search-snils = Receivers are found by surname or organisation, not by SNILS.
ref-found-none = Nobody found. The receiver must be connected to the service: a doctor with a confirmed account, an organisation with staff in the service.
ref-found = Choose the receiver (page { $page }) or type another search:
ref-receiver-unknown = This receiver does not take referrals in the service now. Choose another.
ref-ask-reason =
    <b>The reason for the referral</b> — in general words, e.g. “Cardiology consultation: arrhythmia”.
    Do not give the patient's name, diagnosis (or ICD-10 code), policy number or SNILS — a referral holds none of them. A name is hard to recognise: check the text yourself. Up to 500 characters.
ref-ask-urgency = Urgency:
ref-ask-care = Kind of care:
ref-ask-patient =
    <b>The patient's case or card number</b> in the clinic's information system, e.g. “ИБ № 2026/1234”. Not a name and not a policy number.
ref-summary =
    <b>📨 New referral</b>
    To: { $to }
    Reason: { $reason }
    Urgency: { $urgency }
    Care: { $care }
    Patient in the clinic's system: { $patient }
    { $file }

    Check and send.
ref-send = 📨 Send
ref-discard = 🗑 Delete the draft
ref-discarded = The referral's draft is deleted.
ref-sent = ✅ Referral { $number } sent. The receiver will be notified; an answer is awaited until { $until }.

ref-summary-file = { $state ->
        [none] 📎 File: none. You may attach one — a PDF, JPG or PNG up to { $max } MB: send it here.
        [gone] 📎 The attached file is no longer kept: a file of an unsent referral is kept 7 days. Send it again, or send the referral without it.
       *[attached] 📎 File: { $type }, { $size }.
    }
ref-file-type = { $type ->
        [pdf] PDF
        [jpeg] JPG
       *[png] PNG
    }
ref-attach = 📎 Attach a file
ref-remove-file = ✖️ Remove the file
ref-back-to-summary = « Back to the referral
ref-ask-file =
    <b>📎 A file for the referral</b> — a test result or an extract, say: a PDF, JPG or PNG up to { $max } MB, as a document or a photo.
    Only you and the receiver will see it; the service keeps it encrypted, and it leaves the chat when the session ends.
ref-file-expected = A file is expected: a PDF, JPG or PNG, as a document or a photo.
ref-file-attached = 📎 The file is attached.
ref-file-removed = The file is removed from the referral.
ref-file-empty = The file is empty. Send another — your answers are kept.
ref-file-too-large = The file is too large: { $size }, and at most { $max } MB is allowed. Compress the scan or send another file — your answers are kept.
ref-file-wrong-type = This file is not a PDF, a JPG or a PNG — the format is told by the content, not by the file's name. Send a file in one of these formats — your answers are kept.
ref-file-download-failed = The file could not be fetched from { $messenger }. Send it again — your answers are kept.
ref-file-gone = ⚠️ The attached file is no longer kept, and the referral was not sent. Attach the file again or send without it.
ref-card-file = 📎 File: { $type }, { $size }.
ref-open-file = 📎 Open the file
ref-file-caption = The file of referral { $number }

ref-text-expected = Please answer with text.
ref-text-empty = The answer is empty.
ref-text-too-long = Too long: at most { $max } { $max ->
        [one] character
       *[other] characters
    }.
ref-text-patient-data =
    ⚠️ This looks like a patient's { $kind ->
        [snils] SNILS
        [policy] health insurance policy number
       *[diagnosis] ICD-10 diagnosis code
    }: “{ $shown }”. A referral must not hold it. { $messenger ->
        [Max] Delete that message from the chat; what you entered before is kept.
       *[other] The message is deleted from the chat; what you entered before is kept.
    }
ref-text-name = ⚠️ This looks like a person's full name. A referral does not name the patient. { $messenger ->
        [Max] Delete that message from the chat; what you entered before is kept.
       *[other] The message is deleted from the chat; what you entered before is kept.
    }
ref-text-not-reference = That is not a number: a case or card number is letters, digits and “-”, “/”, “.”, “№”, with at least one digit.

ref-staff-title = <b>🏥 Referrals to your organisation</b>
ref-staff-refresh = 🔄 Refresh
ref-staff-unbound = You are not bound to an organisation: an organisation's referrals go to the staff support has bound to it (medcab admin grant-operator --organisation OGRN).

referral-received-push = 📨 New referral { $number } ({ $urgency ->
        [emergency] emergency
        [urgent] urgent
       *[planned] planned
    }). Open it to accept or decline.
referral-status-push = 📨 Referral { $number }: { $status ->
        [accepted] accepted
        [declined] declined
        [cancelled] withdrawn
        [expired] expired unanswered
       *[other] status changed
    }. Details in «📮 Referrals».
referral-open-button = Open
