## "Accreditation": the periodic accreditation's dates (/accreditation)
# The dates follow core::qualification::status; only the words are here.

# The month to file in. $month is its number (1–12), $year the year.
accreditation-month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }

accreditation-month-in = in { accreditation-month }

# Days left until the end. $days is a number, 0 on the last day.
accreditation-days-left = { $days ->
    [0] today is the last day
   *[other] { $days ->
        [one] { $days } day left
       *[other] { $days } days left
    }
}

# How one files: shared by the screen and the reminders.
accreditation-filing-how = The portfolio is filed in your account of the register of medical workers (FRMR). The federal accreditation centre checks the documents within 20 working days, and the central commission decides once a month: about 35 working days in all.

accreditation-title = 🩺 <b>Accreditation</b>

# $accredited_on, $valid_until are dates; $source is register or document.
accreditation-known =
    Last accreditation: <b>{ $accredited_on }</b>, { $source ->
        [register] as the register of medical workers (FRMR) states
       *[document] from a document under "📄 Documents"
    }.
    Valid until: <b>{ $valid_until }</b> — { accreditation-days-left }.

accreditation-known-expired =
    Last accreditation: <b>{ $accredited_on }</b>, { $source ->
        [register] as the register of medical workers (FRMR) states
       *[document] from a document under "📄 Documents"
    }.
    Was valid until: <b>{ $valid_until }</b> — <b>it has run out</b>.

# What to do now. $stage is early, collecting, filing_month, late or expired;
# $collect_from, $valid_until are dates; $month, $year the month to file in.
accreditation-next =
    <b>What to do now</b>
    { $stage ->
        [early] More than a year is left. Keep up your education: five years need { $total } hours, at least { $programme } of them in professional development programmes. Start collecting the portfolio on { $collect_from }; file { accreditation-month-in }.
        [collecting] Time to collect the portfolio: the report on your professional activity for the five years, the professional development certificates, the credits on the NMO portal. File { accreditation-month-in }.
        [filing_month] <b>File this month</b> ({ accreditation-month }). { accreditation-filing-how }
        [late] <b>The month to file in ({ accreditation-month }) has passed.</b> File the portfolio as soon as you can: the accreditation is valid until { $valid_until }, and the decision takes about 35 working days.
       *[expired] <b>Without a valid accreditation you may not practise in your specialty.</b> File for accreditation as soon as you can and tell your head of department. If you have passed a new one already, add its extract under "📄 Documents": the register is updated with a delay.
    }

# $agreed is yes or no.
accreditation-report =
    Your report on professional activity { $agreed ->
        [yes] is agreed with your employer: file two months before the month the accreditation ends.
       *[no] is not agreed with your employer (or you have not said yet): file three months before the month the accreditation ends.
    }

accreditation-result = The result is an entry in the register of medical workers and an <b>extract</b> («выписка») from it (in your FRMR account or on Gosuslugi), not a certificate.

accreditation-number-without-date =
    The register of medical workers has your accreditation number but no end date, so the dates cannot be worked out.

    Add the extract of your accreditation under "📄 Documents" (kind "Accreditation certificate or register extract", with its valid-until date), and the dates and the month to file in will show here.

accreditation-nothing =
    Nothing is known of your accreditation yet: the register of medical workers has no date for it, and there is no accreditation extract or certificate under "📄 Documents".

    Add the extract of your accreditation (kind "Accreditation certificate or register extract", with its valid-until date), or wait until the accreditation appears in the register your organisation loads. Then the dates and the month to file in will show here.

# The toggle under the screen. $agreed is yes or no.
accreditation-report-button = Report agreed with the employer: { $agreed ->
        [yes] yes
       *[no] no
    }
accreditation-report-saved = Saved: the month to file in is worked out again.
