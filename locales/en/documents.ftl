## «📄 Documents»: the practitioner's documents

doc-kind = { $kind ->
    [passport] Passport
    [snils] SNILS
    [diploma] Diploma
    [accreditation] Accreditation certificate or register extract
    [qualification_upgrade] Qualification upgrade certificate
    [licence] Licence
    [employer_confirmation] Employer's confirmation
   *[other] Other document
}

doc-list-empty =
    <b>📄 Documents</b>

    No documents yet. Add your diploma, accreditation certificate or register extract, qualification upgrade certificates — applications need them.
doc-list-title = <b>📄 Your documents</b> ({ $count }):
doc-line =
    { $index }. <b>{ $kind }</b>{ $has_number ->
        [yes] , No. { $number }
       *[no] {""}
    }
    Issued: { $issued }{ $validity ->
        [until] , valid until { $until }
        [expired] , ⚠️ <b>expired on { $until }</b>
       *[none] {""}
    }
doc-add = ➕ Add a document
doc-add-another = ➕ Add another document
doc-resume = ▶️ Continue adding
doc-back-to-list = « To documents
doc-choose-kind = Which document would you like to add?

doc-ask-number = <b>{ $kind }</b>

    { $code ->
        [passport] Enter the passport series and number, e.g. 4510 123456.
        [snils] Enter the SNILS number, e.g. 112-233-445 95.
       *[other] Enter the document number as it is written on the document.
    }{ $optional ->
        [yes] {" "}If there is no number, press «No number».
       *[no] {""}
    }
doc-skip-number = No number
doc-ask-issued = Date of issue, as DD.MM.YYYY, e.g. 30.06.2020.
doc-ask-valid-until = Valid until which date? As DD.MM.YYYY.{ $optional ->
        [yes] {" "}If the document does not expire, press «No end date».
       *[no] {""}
    }
doc-skip-valid-until = No end date
doc-ask-file = Send the file: PDF, JPG or PNG up to { $max } MB — as a document or a photo.

doc-number-as-text = Please type the number as text.
doc-number-passport-invalid = A passport series and number is 10 digits: 4 of the series and 6 of the number.
doc-number-snils-invalid = This is not a SNILS number: it has 11 digits and its check number must match. Please check the document.
doc-number-too-long = The number is too long: at most { $max } characters.
doc-date-format = The date must be DD.MM.YYYY — day, month and year in digits separated by dots, e.g. 30.06.2020.
doc-date-no-such = There is no such date: { $date }. Please check the day and month.
doc-issued-in-future = The date of issue { $date } is in the future. Please check the year.
doc-valid-until-before-issue = The end date ({ $until }) is before the date of issue ({ $issued }). Please check the dates.
doc-expired = The document expired on { $date }. An expired document cannot be accepted: if you have a valid one, enter its end date.
doc-missing-number = The document number is missing.
doc-missing-issued = The date of issue is missing.
doc-missing-valid-until = The end date is missing.
doc-file-too-early = It is too early for the file: the { $missing ->
        [number] document number
        [issued] date of issue
       *[until] end date
    } is still missing. Answer the question, then send the file.

doc-file-expected = Waiting for the document's file.
doc-file-empty = The file is empty. Send another one — the document's details are kept.
doc-file-too-large = The file is too large: { $size }, the limit is { $max } MB. Compress the scan or send another file — the document's details are kept.
doc-file-wrong-type = This file is not a PDF, JPG or PNG — the format is checked by content, not by the file name. Send the document in one of these formats — its details are kept.
doc-file-duplicate = You already have this file among your documents: «{ $kind }». Send another file — the document's details are kept.
doc-file-download-failed = Could not get the file from { $messenger }. Please send it again — the document's details are kept.
doc-saved = ✅ Document saved: { $kind }.

doc-card =
    <b>{ $kind }</b>

    Number: { $has_number ->
        [yes] { $number }
       *[no] not given
    }
    Issued: { $issued }
    Valid until: { $validity ->
        [until] { $until }
        [expired] { $until } — ⚠️ <b>expired</b>
       *[none] no end date
    }
    File: { $type }, { $size }
    Added: { $added }
doc-delete = 🗑 Delete
doc-delete-ask = Delete the document «{ $kind }»? Applications already submitted keep it.
doc-delete-confirm = 🗑 Yes, delete
doc-delete-keep = Cancel
doc-deleted = 🗑 Document deleted.

## «📨 My applications»

app-kind = { $kind ->
    [activation] Account activation
    [periodic_accreditation] Periodic accreditation
    [certificate_request] Certificate or register extract
    [personal_data_update] Personal data update
    [education_check] Check of education records
   *[activity_report] Report on professional activity
}
app-status = { $status ->
    [draft] draft
    [submitted] submitted
    [in_review] under review
    [approved] approved
    [rejected] rejected
   *[more_documents_needed] more documents needed
}
app-list-empty =
    <b>📨 My applications</b>

    No applications yet. Here you can apply for account activation, periodic accreditation, a certificate or a register extract.
app-list-title = <b>📨 My applications</b> ({ $count }):
app-list-more = …and { $count } more { $count ->
        [one] application
       *[other] applications
    } — open them with the buttons below.
app-head = <b>{ $number }</b> — { $kind }
    Status: <b>{ $status }</b>
app-created = Created { $date }
app-submitted = {" · "}submitted { $date }
app-decided = {" · "}decided { $date }
app-reason = { $status ->
        [rejected] Reason for refusal
       *[other] What is needed
    }: { $reason }
app-delayed = ⏰ The review is overdue.
app-escalated = ⏫ Asked to speed up the review on { $date }.
app-missing = { $count ->
        [one] { $count } document is
       *[other] { $count } documents are
    } missing: { $list }. Add { $count ->
        [one] it
       *[other] them
    } in «📄 Documents».
app-next-submit = Next: all documents are in place — submit the application.
app-next-await = Next: wait for the decision, due by { $due } ({ $tz }).
app-next-escalate = Next: you may ask to speed up the review (once).
app-next-await-escalated = Next: wait for the decision — the review has been sped up.
app-next-more-documents = Next: add the documents the reviewer asks for and submit the application again.
app-next-nothing = Nothing to do.
app-next-apply-again = Next: you may submit a new application, fixing the reason for refusal.
app-new = ➕ New application
app-submit = 📨 Submit
app-escalate = ⏫ Speed up the review
app-back-to-list = « To applications
app-choose-kind = Which application would you like to submit?
app-open = Open { $number }
app-already-open = An application of this kind is already open: { $number }. Open it — a second one cannot be submitted.
app-too-early = A periodic accreditation may be applied for no earlier than 12 months before the current accreditation expires — from { $date }.
app-no-accreditation = A periodic accreditation needs an accreditation certificate or register extract with its end date. Add the document.
app-already-activated = Your account is already activated — no activation application is needed.
app-submitted-now = ✅ Application submitted.
app-cannot-submit = The application cannot be submitted yet: some documents are missing — see below.
app-not-submittable = This application has already been submitted — no need to submit it again.
app-escalated-now = ⏫ Your request to speed up the review has been sent.
app-already-escalated = You already asked to speed up the review on { $date } — this can be done once.
app-not-delayed = The review is not overdue yet — nothing to speed up.

## The history of a record (a document, an application, an education record)

record-history = 🕘 History
record-history-title = <b>🕘 History</b> (newest first):
record-history-line = { $version }. { $date } — { $what }
record-history-created =
    { $entity ->
        [application] application created
        [document] document added
        [profile] profile filled in
       *[other] record added
    }
record-history-updated =
    { $entity ->
        [application] application changed
        [document] document changed
        [profile] profile changed
       *[other] record changed
    }
record-history-deleted =
    { $entity ->
        [application] application deleted
        [document] document deleted
        [profile] profile deleted
       *[other] record deleted
    }
record-history-status = status: “{ $status }”
record-history-escalated = asked to speed up the review
record-history-restored = an earlier version restored
doc-back-to-card = « To the document

app-back-to-card = « To the application
doc-quota-count = You already have { $count } { $count ->
        [one] document
       *[other] documents
    } — no more can be kept (the limit is { $max }). Delete one you no longer need in «📄 Documents» and send the file again — the document's details are kept.
doc-quota-size = Your documents already take { $used } of { $max } MB, and this file ({ $size }) does not fit. Delete one you no longer need in «📄 Documents» or compress the scan — the document's details are kept.
doc-file = 📎 Open the file
