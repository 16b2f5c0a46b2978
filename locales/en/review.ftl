## Review of applications by staff, and approval of second-factor resets

command-review = Applications to review (staff)
command-resets = Second-factor reset requests (staff)

review-operators-only = This action is only available to staff who review applications.

# The kind, the status and document kinds are named as the practitioner reads them
# (app-kind, app-status, doc-kind): one name for one thing on both sides.
review-card =
    📋 Application <b>{ $number }</b> — { $kind }
    Submitted: { $submitted } ({ $tz })
    Status: { $status }
    Applicant: { $has_name ->
        [yes] <b>{ $name }</b>, { $born ->
            [max] Account ID
           *[telegram] Telegram ID
        } <code>{ $owner }</code>
       *[no] { $born ->
            [max] Account ID
           *[telegram] Telegram ID
        } <code>{ $owner }</code>
    }
    Assigned to you until { $until } ({ $tz })
review-card-documents = <b>Documents:</b>
review-card-no-documents = No documents are attached to the application.
review-card-document = { $n }. { $kind }, No. { $number }, issued { $issued }
review-card-document-until = { $n }. { $kind }, No. { $number }, issued { $issued }, valid until { $until }
review-card-resubmitted =
    🔁 <b>Submitted again.</b> Asked for: “{ $requested }”
    { $has_added ->
        [yes] Added: { $added }
       *[no] No new documents were added.
    }
review-card-missing = ⚠️ Documents missing: { $list }
review-no-number = no number
review-document-button = 📄 { $n }. { $kind }
review-document-caption = 📄 { $kind } — application { $number }
review-approve = ✅ Approve
review-reject = ❌ Reject
review-request-documents = 📎 Request documents
review-skip = ⏭ Next
review-refresh = 🔄 Check the queue
review-next-application = ⏭ Next application
review-back-to-card = « Back to the application

review-queue-empty = Nothing to review: the queue is empty.
review-queue-still-empty = No new applications: the queue is still empty.
review-queue-checked = <i>Checked at { $time } ({ $tz }).</i>
review-decide-first = Decide this application first: it is assigned to you.
review-ask-reason =
    Write the reason for the rejection in one message.
    The applicant will see it under «📨 My applications». /cancel — do not reject.
review-ask-documents =
    Write which documents are needed, in one message.
    The applicant will see it under «📨 My applications». /cancel — cancel.
review-note-text-only = Please write it as text, in one message, or send /cancel.
review-note-too-long = The text is too long: at most { $max } characters. Shorten it and send it again.

review-approved = ✅ Application <b>{ $number }</b> approved. The applicant will be notified.
review-rejected = ❌ Application <b>{ $number }</b> rejected. The applicant will be notified; the reason is under «My applications».
review-more-requested = 📎 Documents requested for application <b>{ $number }</b>. The applicant will be notified.

review-not-found = There is no such application.
review-own-application = This is your own application: another member of staff will review it.
review-not-yours = The application is not assigned to you: another member of staff is reviewing it, or your assignment expired. Take the next one: /review
review-already-decided = This application has already been decided.
review-document-not-cited = This document is not part of the application.

review-resets-none = No second-factor reset requests.
review-resets-title = Second-factor reset requests ({ $count }). Before approving, make sure the account's owner made the request.
review-reset-line = { $n }. { $born ->
        [max] Account ID
       *[telegram] Telegram ID
    } <code>{ $user }</code>, requested { $since } ({ $tz })
review-reset-open-button = Request #{ $n }
review-reset-approved = ✅ The reset is approved by a second staff member and takes effect on { $at } ({ $tz }). The user was told and can cancel it until then.
review-reset-not-found = There is no such reset request.
review-own-reset = You cannot approve your own reset: another member of staff will.
review-reset-decided = This request has already been decided.

# Signs that the applicant may not be the SNILS's owner.
review-warning-register-phone = ⚠️ <b>The register has this SNILS with another phone number.</b> The SNILS's owner connects through the register: their organisation's HR department corrects the number there. Approve only if the documents leave no doubt.
review-warning-confirmed-elsewhere = ⛔ <b>Another account is already confirmed with this SNILS.</b> The application cannot be approved — reject it with a reason.
review-warning-other-applicants = ⚠️ { $count ->
        [one] { $count } more applicant has
       *[other] { $count } more applicants have
    } given the same SNILS. Approving this application unlinks the others.
review-activation-unlinked = The applicant's account is no longer linked to the SNILS — the activation cannot be approved.
review-activation-confirmed-elsewhere = Another account is already confirmed with this SNILS — the activation cannot be approved. Reject the application with a reason.

review-reset-card =
    🔑 <b>Second-factor reset</b>
    { $born ->
        [max] Account ID
       *[telegram] Telegram ID
    } <code>{ $user }</code>, requested on { $since } ({ $tz })
    Takes effect no earlier than { $earliest } ({ $tz })
    Account created: { $created } ({ $tz }) · { $confirmed ->
        [yes] confirmed
       *[no] not confirmed
    }
    Name in the profile: { $profile }
    Name in the register: { $register }
    Approvals: { $approvals } of 2

    Compare the names and documents. If in doubt, reach the user through their organisation's HR department before approving.
review-reset-unknown = no data
review-reset-first-approval = ✅ Your approval is recorded. Another staff member must approve the reset too.
review-reset-second-operator = You have already approved this reset: the second approval must come from another staff member.
review-reset-ask-reason = Write the reason for the refusal in one message — the user will read it.
review-reset-rejected = ❌ The reset request is rejected; the user was told.
review-resets-back = « To the requests

## An education check's card

review-education-records = <b>Records to check</b> ({ $count }):
review-education-line = { $n }. { $title } — { $kind }, { $amount }, { $date }{ $has_ikp ->
        [yes] , ИКП { $ikp }
       *[no] {""}
    }{ $certificate ->
        [yes] {""}
       *[no] {" "}— <i>no document</i>
    }{ $changed ->
        [yes] {" "}— ⚠️ <i>changed after submission; approving will not confirm it</i>
       *[no] {""}
    }
review-education-deleted = { $n }. <i>record deleted after submission</i>
review-education-more = …and { $count } more { $count ->
        [one] record
       *[other] records
    }.
review-card-documents-more = …and { $count } more { $count ->
        [one] document
       *[other] documents
    } — see «📎 All documents of the application».
review-documents-all = 📎 All documents of the application
review-documents-page = <b>Documents of application { $number }</b> ({ $from }–{ $to } of { $count }):
review-education-all = 📚 All records of the application
review-education-page = <b>Records of application { $number }</b> ({ $from }–{ $to } of { $count }):
review-education-back = ◀️ Back
review-education-next = Next ▶️
