## Push texts: no personal data, they show on a locked screen

# Parts of the texts below. Messages rather than terms, so that they see the
# push's own arguments ($days, $kind, $scope, $place). The kind of document is
# doc-kind from documents.ftl.

# When: "today", "tomorrow", "in 7 days". $days is a number.
push-when = { $days ->
    [0] today
    [1] tomorrow
   *[other] in { $days } { $days ->
        [one] day
       *[other] days
    }
}

push-inspection-kind = { $kind ->
    [planned_onsite] scheduled on-site
    [planned_documentary] scheduled desk-based
    [unplanned_onsite] unscheduled on-site
   *[unplanned_documentary] unscheduled desk-based
}

push-inspection-place = { $scope ->
    [organisation] Organisation
   *[region] Region
}: { $place }

## Regulatory changes (core::notices)

regulatory-notice-push =
    📜 <b>{ $title }</b>

    { $summary }{ $has_link ->
        [yes] {"\u000A\u000A"}🔗 { $link }
       *[no] {""}
    }

## Inspections (core::inspections)

inspection-push =
    🔎 <b>Inspection scheduled</b>: { push-inspection-kind }
    { push-inspection-place }
    Date: <b>{ $date }</b>

    What to prepare: { $prepare }

inspection-reminder-push =
    ⏰ <b>Inspection { push-when }, { $date }</b>: { push-inspection-kind }
    { push-inspection-place }

    What to prepare: { $prepare }

inspection-cancelled-push =
    ✖️ <b>Inspection cancelled</b>: { push-inspection-kind }, was due on { $date }
    { push-inspection-place }

## Documents and accreditation running out (core::reminders)

document-expiring-push =
    ⏳ Your document "{ doc-kind }" expires <b>{ push-when }</b> ({ $date }).
    Once you have the new one, add it under "📄 Documents".

accreditation-window-push =
    🩺 <b>You may now apply for periodic accreditation.</b>
    Your current accreditation is valid until { $date }; applications open 12 months before it ends, and that time has come. Apply under "📨 My applications".

accreditation-expiring-push =
    ⚠️ <b>Your accreditation expires { push-when }</b> ({ $date }).
    Without a valid accreditation you may not keep practising in your specialty. Apply for periodic accreditation under "📨 My applications" if you have not yet.

## To operators: proposed from the feed (core::notices)

feed-proposals-push =
    📥 The regulatory feed brought { $count ->
        [one] { $count } new document
       *[other] { $count } new documents
    } — look and decide whether to send: /notices
