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

# A reminder of the thresholds table (12, 6, 3, 2 months, and 1 month: late).
# $months: how many months before; $days, $date: days left and the end date;
# $stage: collecting, filing_month or late; $month, $year: the month to file in.
accreditation-reminder-push =
    { $stage ->
        [filing_month] 📝 <b>Accreditation: file this month</b>
        [late] ⚠️ <b>Accreditation: the month to file in has passed</b>
       *[collecting] 🩺 <b>Accreditation: time to prepare the portfolio</b>
    }
    Your accreditation is valid until { $date } — { accreditation-days-left }.

    { $stage ->
        [filing_month] { accreditation-filing-how }
        [late] File the portfolio as soon as you can: the decision takes about 35 working days. The recommended month was { accreditation-month }.
       *[collecting] { $months ->
            [12] Start collecting the portfolio: the report on your professional activity for the five years, the professional development certificates, the credits on the NMO portal.
           *[other] Check that your education hours are enough ({ $total } hours, at least { $programme } of them in professional development programmes) and that your report on professional activity is ready.
        } File { accreditation-month-in }.
    }
    More: /accreditation

## To operators: proposed from the feed (core::notices)

feed-proposals-push =
    📥 The regulatory feed brought { $count ->
        [one] { $count } new document
       *[other] { $count } new documents
    } — look and decide whether to send: /notices
