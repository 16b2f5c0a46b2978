## «🎓 CME and accreditation» and «📚 Education and CME»: hours toward periodic accreditation

nmo-title = <b>🎓 CME and accreditation</b>
nmo-intro = Everything for periodic accreditation: education, hours and credits over the five-year period.
nmo-hours-button = 📚 Education and CME
nmo-accreditation-button = 🩺 Accreditation
nmo-back = « CME and accreditation

hours-title = <b>📚 Education and CME</b>

hours-period-register = Period: { $from } — { $until } (the accreditation's term in the register of medical workers).
hours-period-document = Period: { $from } — { $until } (from the accreditation extract in «Documents»).
hours-period-assumed =
    The accreditation's term is not known, so hours are counted over the last five years: { $from } — { $until }.
    To count over your own period, add the accreditation extract in «📄 Documents» (kind «Accreditation certificate or register extract», with its valid-until date).
hours-period-assumed-number =
    The register has the accreditation number but no date, so hours are counted over the last five years: { $from } — { $until }.
    To count over your own period, add the accreditation extract in «📄 Documents» (kind «Accreditation certificate or register extract», with its valid-until date).

hours-total =
    Counted: { $done } academic { $done ->
        [one] hour
       *[other] hours
    } of { $target }{ $left ->
        [0] {""} — the requirement is met ✅
       *[other] {""} — { $left } to go
    }.
hours-programme =
    Of them in professional development programmes: { $done } of { $target }{ $left ->
        [0] {""} ✅
       *[other] {""} — { $left } { $left ->
            [one] hour
           *[other] hours
        } short
    }.
hours-zet = CME modules and events: { $zet } credits (1 credit = 1 academic hour).
hours-plan = <i>The CME portal's guide, not a legal requirement:</i> { $done } of { $target } credits per cycle; by today the plan expects { $expected }.
hours-outside =
    Outside the period: { $count } { $count ->
        [one] record
       *[other] records
    } (before it began or after it ended).
hours-empty = No records yet. Add professional development certificates, CME modules and events.
hours-records = <b>Records</b> ({ $first }–{ $last } of { $total }):
hours-line = { $index }. { $title } — { $kind }, { $amount }, { $date }; { $provider }
hours-line-outside = { $index }. { $title } — { $kind }, { $amount }, { $date }; { $provider } — <i>outside the period</i>

hours-kind =
    { $kind ->
        [programme] programme
        [module] module
       *[event] event
    }
hours-kind-long =
    { $kind ->
        [programme] professional development programme
        [module] interactive educational module
       *[event] educational event
    }
hours-kind-button =
    { $kind ->
        [programme] Programme — professional development (hours)
        [module] Module — interactive (credits)
       *[event] Event — conference, seminar (credits)
    }
hours-amount =
    { $kind ->
        [programme] { $amount } { $amount ->
            [one] hour
           *[other] hours
        }
       *[other] { $amount } { $amount ->
            [one] credit
           *[other] credits
        }
    }

hours-add = ➕ Add a record
hours-resume = ▶️ Continue
hours-edit-n = ✏️ { $index }
hours-delete-n = 🗑 { $index }
hours-history-n = 🕘 { $index }
hours-page-back = ◀️ Back
hours-page-next = Next ▶️
hours-back = « To education
hours-cancel = ✖️ Cancel
hours-saved = ✅ Saved.
hours-too-many = You already have { $limit } education records, the most kept. Delete old ones, then press «Continue»: your answers are kept.
hours-gone = This record has been deleted — the changes were not saved.
hours-deleted = 🗑 Record deleted.
hours-delete-ask = Delete the record «{ $name }»? It stays in the history of changes.
hours-delete-confirm = 🗑 Yes, delete
hours-delete-keep = Keep
hours-edit-which = What to change in the record «{ $name }»?
hours-use-buttons = Choose the kind of education with a button.
hours-kind-chosen = Kind of education: { $kind }

hours-ask-kind = What kind of education to add?
hours-ask-title = The title of the programme, module or event — as on the certificate or the CME portal:
hours-ask-provider = Who provided it (organisation, department, event organiser):
hours-ask-completed-on = The date it ended, as DD.MM.YYYY, e.g. 28.02.2025:
hours-ask-amount =
    { $kind ->
        [programme] How many academic hours does the certificate state? A whole number, e.g. 36:
       *[other] How many credits were awarded? A whole number, e.g. 6:
    }
hours-ask-ikp = The individual confirmation code the organiser gave you:

hours-check = <b>Check the details</b> — if everything is right, save the record:
hours-card-line = <b>{ $field }:</b> { $value }
hours-card-outside = ⚠️ The end date is outside the period ({ $from } — { $until }): the record is kept, but does not count toward this period.
hours-save = ✅ Save
hours-fix = ✏️ Correct a field
hours-fix-which = Which field to correct?
hours-back-to-card = « Back to the details

hours-field =
    { $field ->
        [kd] Kind
        [ti] Title
        [pv] Provider
        [on] End date
        [am] Amount
       *[ik] Confirmation code
    }

hours-problem = { $field }: { $reason }
hours-problem-missing = this field is required.
hours-problem-amount-format = a whole number is needed, e.g. 36.
hours-problem-amount-positive =
    { $kind ->
        [programme] a positive number is needed — there are no negative or zero hours.
       *[other] a positive number of ЗЕТ is needed — at least 1.
    }
hours-problem-amount-many =
    { $kind ->
        [programme] more than { $max } hours for one programme does not happen — check the number.
       *[other] more than { $max } credits for one record does not happen — check the number.
    }
hours-problem-ikp-long = the code is longer than { $max } characters — check that only the code was copied.

hours-chart = 📈 Chart
hours-chart-caption = 📈 Progress toward periodic accreditation
hours-chart-title = Progress toward periodic accreditation
hours-chart-hours = Hours in the period
hours-chart-pk = Of them, CPD programmes
hours-chart-zet = CME portal guide
hours-chart-hours-value = { $done } of { $target } hours
hours-chart-zet-value = { $done } of { $target } credits
hours-chart-guide = The grey dashed bar is the CME portal's plan (250 credits in five years), not a legal requirement.
hours-reports = 📄 Education report (PDF)
hours-reports-text =
    📄 <b>Education report</b>
    For which period? The report lists the records with their hours and the totals; your name is only inside the file. You can forward it to your employer.
hours-report-accreditation = For the accreditation period
hours-report-year = For { $year }
hours-report-file = Education report.pdf
hours-report-file-year = Education report { $year }.pdf
hours-report-caption = 📄 Education report for { $from } — { $until }
hours-report-title = Education report for a period
hours-report-person = Name
hours-report-period = Period
hours-report-column-date = Date
hours-report-column-title = Programme, module or event (provider)
hours-report-column-kind = Kind
hours-report-column-amount = Amount
hours-report-empty = There are no education records for this period.
hours-report-total = Total, academic hours (CPD and credits)
hours-report-total-programme = Of them, CPD programme hours
hours-report-total-zet = Of them, CME module and event credits
hours-report-footer = Made in the practitioner's personal account on { $date }.

## «🔎 Ask for a check» (the records confirmed by an operator)

hours-line-confirmed = {" "}✔️
hours-line-certificate = {" "}📎
hours-check-button = 🔎 Ask for a check
hours-check-hint = Records without ✔️ are not checked yet. A staff member checks them against the certificates.
hours-check-confirm =
    🔎 <b>Check of the records</b>

    A staff member will compare { $count } { $count ->
        [one] record
       *[other] records
    } with the attached documents and confirm { $count ->
        [one] it
       *[other] them
    }. A confirmed record is marked ✔️; changing it later removes the mark.{ $without ->
        [0] {""}
       *[other] {" "}Without a document: { $without } { $without ->
            [one] record
           *[other] records
        }; these are harder to check — attach the certificate with ✏️ by the record.
    }

    The application's status is in «📨 My applications».
hours-check-send = ✅ Send for the check
hours-check-sent = ✅ Application { $number } submitted: a staff member will check the records. Its status is in «📨 My applications».
hours-check-nothing = Every record is already confirmed: nothing to check. New records can be sent when there are some.
hours-check-already = The records are already being checked: application { $number }.
hours-check-open = 🔎 Records being checked: application { $number } — { $status }.
hours-check-open-button = 📨 Application { $number }

## The certificate of a record

hours-certificate-button = 📎 Certificate
hours-certificate-title = 📎 <b>Certificate of the record</b> «{ $title }»
hours-certificate-none = No document is attached now.
hours-certificate-attached = Attached: { $kind }, issued { $issued }.
hours-certificate-choose = Choose a document from «📄 Documents»:
hours-certificate-line = { $n }. { $kind }{ $has_number ->
        [yes] , No. { $number }
       *[no] {""}
    }, issued { $issued }
hours-certificate-no-documents = No suitable documents. Add the certificate in «📄 Documents» (kind «Certificate of professional development» or «Other document») and come back.
hours-certificate-attach-n = 📎 { $n }
hours-certificate-detach = ✖️ Detach the document
hours-certificate-back = « Back to the record
hours-certificate-done = ✅ The certificate is attached to the record.
hours-certificate-detached = The document is detached from the record; it stays in «📄 Documents».
