## «📝 Activity report»: the report on professional activity for the five-year period
# Parts, the answer's bounds and the patient-data check are core::qualification::report's.
# $part is a part's code: organisation, experience, duties, results, achievements, mentoring, proposals.

nmo-report-button = 📝 Activity report

report-title = <b>📝 Report on professional activity</b>
report-intro =
    The report for the five-year period is part of the portfolio for periodic accreditation. We will fill it in part by part — every answer is saved at once, so you can stop and go on later.

    There are seven parts: organisation and department, experience, duties, results, individual achievements, mentoring and proposals. Mentoring and proposals may be skipped.

    ⚠️ <b>The report must hold no patient data</b> — no names, no СНИЛС, no policy numbers, no diagnosis codes. Describe the work in general terms: “1,200 patients with arterial hypertension treated”. An answer that looks like a patient's data is not accepted.

    The bot prepares a draft only: the agreement mark, the signature and the seal are put on paper by the employer.
report-start = ▶️ Start
report-continue = ▶️ Continue
report-period = Period: { $from } — { $until }.
report-period-assumed = Period: { $from } — { $until } (the accreditation's term is unknown, so the last five years are taken; add the accreditation extract in «📄 Documents»).

report-part =
    { $part ->
        [organisation] Organisation and department
        [experience] Experience in the specialty
        [duties] Duties
        [results] Results of professional activity
        [achievements] Individual achievements
        [mentoring] Mentoring
       *[proposals] Proposals for improving the work
    }

report-ask =
    <b>Part { $number } of { $total }. { $name }</b>
    { $prompt }

    <i>Up to { $max } characters, no patient data.</i>
report-ask-optional = <i>This part is optional: if there is nothing to say, press «⏭ Skip».</i>
report-ask-now = Now in this part: “{ $text }”. Send a new text to replace it.
report-prompt =
    { $part ->
        [organisation] Where you work: the organisation's full name, the department (ward, office), its beds or capacity, what it does. For example: “City Polyclinic No. 1, therapy department, serving 25,000 registered residents”.
        [experience] Your total experience and in the specialty, where you worked during the period. For example: “12 years in general medicine, at Polyclinic No. 1 since 2016 as a district physician”.
        [duties] What your job description makes your duties. For example: “Seeing the district's adult patients, follow-up care, preventive check-ups, temporary disability assessment”.
        [results] What was done in the period — in general terms, in figures. For example: “24,000 patients seen, 650 under follow-up care, the district's check-up coverage up from 45 to 68%”.
        [achievements] Publications, talks, awards, methods learned and introduced, competitions. For example: “Started a school for patients with diabetes, a talk at the regional physicians' conference, 2025”.
        [mentoring] Whom you taught and how: residents, young specialists, nurses. For example: “Mentor of two young physicians in 2024–2025”.
       *[proposals] What you propose to improve in your work or your department's. For example: “Book follow-up visits online, set aside hours for patients discharged from hospital”.
    }

report-skip = ⏭ Skip
report-back = « To the report
report-use-text = The answer is needed as text, in one message.

report-problem-empty = The part is empty — write some text.
report-problem-empty-optional = The part is empty — write some text or press «⏭ Skip».
report-problem-long = Too long: { $chars } { $chars ->
        [one] character
       *[other] characters
    }, and at most { $max } { $max ->
        [one] character
       *[other] characters
    } are allowed. Shorten the text and send it again.
report-problem-patient =
    ⚠️ The answer seems to hold a patient's { $kind ->
        [snils] СНИЛС
        [policy] ОМС policy number
       *[diagnosis] ICD-10 diagnosis code
    }: “{ $shown }”. The activity report must hold no patient data — write in general terms, without numbers and codes.
    { $messenger ->
        [Max] Delete that message from the chat. The parts already filled in are saved.
       *[other] The message was deleted from the chat. The parts already filled in are saved.
    }
report-in-review = The report is in review (application { $number }) — it can be changed once an operator has decided.

report-saved = ✅ Saved.
report-skipped = ⏭ Part skipped.
report-all-done = ✅ Every part is filled in. Check the report, download the PDF draft and send it for review.
report-status-draft = { $done } of { $total } { $total ->
        [one] part
       *[other] parts
    } filled in.
report-status-finished = ✅ Every part is filled in.
report-status-review = 🕓 In review: application { $number }. While it is checked, the report does not change.
report-line =
    { $number }. { $name } — { $state ->
        [answered] ✅ { $chars } { $chars ->
            [one] character
           *[other] characters
        }
        [skipped] ⏭ skipped
       *[open] ✏️ not filled in
    }
report-edit-n = ✏️ { $number }
report-mode =
    { $agreed ->
        [yes] Agreement: the report is to be agreed with the employer — the PDF has an empty «СОГЛАСОВАНО» block for the signature and seal; file two months before the term ends.
       *[no] Agreement: the report is filed without the employer's agreement — file a month earlier, three months before the term ends.
    }
report-mode-button = Agreed with the employer: { $agreed ->
        [yes] yes
       *[no] no
    }
report-mode-saved = Saved: the filing month is counted again.
report-read = 👁 Read the report
report-pdf = 📄 PDF draft
report-submit = 📨 Send for review
report-submit-ask =
    Send the report to an operator for review? While it is checked, it cannot be changed. The operator will check the report and answer in «📨 My applications».
report-submit-confirm = 📨 Yes, send
report-submitted = 📨 The report was sent for review: application { $number }.
report-unfinished = First fill in { $count ->
        [one] the part
       *[other] the parts
    }: { $list }.

report-view =
    <b>{ $number }. { $name }</b>{ $pages ->
        [1] {""}
       *[other] {""} (page { $page } of { $pages })
    }

    { $text }
report-view-skipped = The part was skipped.
report-view-open = The part is not filled in yet.
report-page-back = ◀️ Back
report-page-next = Next ▶️

report-pdf-file = Report on professional activity (draft).pdf
report-pdf-caption = 📄 Draft of the report on professional activity for { $from } — { $until }. The agreement, signature and seal are the employer's, on paper.
report-pdf-title = Report on professional activity
report-pdf-draft = Draft
report-pdf-name = Full name
report-pdf-specialty = Specialty
report-pdf-position = Position
report-pdf-organisation = Organisation
report-pdf-period = Period
report-pdf-unknown = —
report-pdf-empty = not filled in
report-pdf-skipped = This part was not filled in.
report-pdf-no-patients = The report holds no personal data of patients.
report-pdf-approval = СОГЛАСОВАНО (AGREED)
report-pdf-approval-position = position
report-pdf-approval-name = full name
report-pdf-approval-signature = signature
report-pdf-approval-date = date
report-pdf-seal = Seal
report-pdf-not-agreed = The report is filed without the agreement of the head of the organisation.

## The operator's card of an application «О» (/review)
review-report-heading = <b>Activity report</b> — in short; the full text is on «📄 Report (PDF)»:
review-report-line = <b>{ $number }. { $name }:</b> { $text }
review-report-skipped = skipped
review-report-mode =
    { $agreed ->
        [yes] Agreement: to be agreed with the employer.
       *[no] Agreement: filed without the employer's agreement.
    }
review-report-pdf = 📄 Report (PDF)
review-report-caption = 📄 Report on professional activity, application { $number }
