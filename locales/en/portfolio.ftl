## «🗂 Portfolio»: everything for periodic accreditation in one list
# Statuses and what is missing come from core::qualification::portfolio; only the words are here.

portfolio-button = 🗂 Portfolio
portfolio-title = <b>🗂 Portfolio for periodic accreditation</b>
portfolio-intro = Everything filed for periodic accreditation, and where each stands on { $date }.

# $item — a portfolio item.
portfolio-item = { $item ->
    [diploma] Diploma
    [additional] Professional development, retraining
    [hours] Education in the period
    [accreditation] Accreditation
    [report] Report on professional activity
   *[employer] Employer's confirmation
}

# $status — current, review, expiring, expired or missing.
portfolio-status = { $status ->
    [current] current
    [review] under review
    [expiring] expiring
    [expired] expired
   *[missing] missing
}
portfolio-status-mark = { $status ->
    [current] ✅
    [review] 🔍
    [expiring] ⏳
    [expired] ⛔
   *[missing] ❗
}

# A line of the list: $mark — the status's sign, $detail — a detail (may be empty).
portfolio-line = { $mark } <b>{ $item }</b> — { $status }{ $detail }
portfolio-detail-until = , until { $date }
portfolio-detail-count = { $count ->
    [one] , { $count } document
   *[other] , { $count } documents
}
portfolio-detail-hours = : { $done } of { $target } academic hours, of them PD { $programme } of { $minimum }
portfolio-detail-no-period = : nothing to count them in — the accreditation's term is unknown
portfolio-detail-accreditation = , valid until { $date }

portfolio-ready = ✅ <b>Everything needed for filing is there.</b>
portfolio-missing-heading = <b>Still missing for filing:</b>
portfolio-missing-line = • { $what }
portfolio-missing-absent = { $item ->
    [diploma] a diploma
    [additional] a professional development certificate or a retraining diploma
    [hours] education in the accreditation period
    [accreditation] the current accreditation: an extract in «📄 Documents» or an entry in the register
    [report] the report on professional activity
   *[employer] the employer's confirmation (a certificate of employment)
}
portfolio-missing-expired = { $item ->
    [diploma] a valid diploma — the one on file has expired
    [additional] a valid professional development certificate — the one on file has expired
    [employer] a fresh employer's confirmation — the one on file has expired
   *[other] a valid document — the one on file has expired
}
portfolio-missing-report-unfinished = a finished report on professional activity: a draft is begun, not finished
portfolio-missing-hours = { $hours ->
    [one] { $hours } academic hour of education out of 144
   *[other] { $hours } academic hours of education out of 144
}
portfolio-missing-programme = { $hours ->
    [one] { $hours } hour of professional development programmes (PD)
   *[other] { $hours } hours of professional development programmes (PD)
}

# Buttons leading to where a gap is closed.
portfolio-fix = { $item ->
    [diploma] ➕ Diploma
    [additional] ➕ PD certificate
    [hours] 📚 Education and CME
    [accreditation] ➕ Accreditation extract
   *[employer] ➕ Certificate of employment
}
portfolio-records-button = 📋 Portfolio documents
portfolio-export = 📄 Portfolio (PDF)
portfolio-back = « Portfolio

portfolio-records-title = <b>📋 Portfolio documents</b> ({ $first }–{ $last } of { $total }):
portfolio-records-empty =
    <b>📋 Portfolio documents</b>

    No diplomas, certificates or confirmations yet. Diplomas and professional development are added in the profile («🎓 Education») or in «📄 Documents»; the certificate of employment in «📄 Documents».
portfolio-page-back = ◀️ Back
portfolio-page-next = Next ▶️

# Record lines: the profile's diplomas and programmes, documents.
portfolio-record-diploma = { $index }. { $mark } Diploma: { $institution }, “{ $specialty }”, { $year } — { $status }
portfolio-record-additional = { $index }. { $mark } Professional development: “{ $programme }”, { $hours ->
    [one] { $hours } hour
   *[other] { $hours } hours
} — { $status }
portfolio-record-document = { $index }. { $mark } { $kind }{ $has_number ->
    [yes] , No. { $number }
   *[no] {""}
}, issued { $issued }{ $has_until ->
    [yes] , valid until { $until }
   *[no] {""}
} — { $status }

## The portfolio PDF: the name only inside the file
portfolio-pdf-title = Portfolio for periodic accreditation
portfolio-pdf-person = Full name
portfolio-pdf-period = Period
portfolio-pdf-period-unknown = the accreditation's term is unknown
portfolio-pdf-valid-until = Accreditation valid until
portfolio-pdf-filing = File in
portfolio-pdf-list = Contents
portfolio-pdf-column-number = No.
portfolio-pdf-column-item = Document
portfolio-pdf-column-status = Status
portfolio-pdf-empty = The portfolio is empty so far.
portfolio-pdf-total-hours = Hours in the period
portfolio-pdf-total-programme = Of them PD
portfolio-pdf-total-zet = Of them CME modules and events, credits
portfolio-pdf-total-ready = Items in order
portfolio-pdf-of = { $done } of { $target }
portfolio-pdf-missing = Missing for filing
portfolio-pdf-records = Documents and records
portfolio-pdf-footer = Made on { $date }; statuses as of that day.
portfolio-pdf-field-institution = Institution
portfolio-pdf-field-specialty = Specialty
portfolio-pdf-field-level = Level
portfolio-pdf-field-number = Number
portfolio-pdf-field-issued = Issued
portfolio-pdf-field-until = Valid until
portfolio-pdf-field-programme = Programme
portfolio-pdf-field-hours = Hours
portfolio-pdf-field-dates = Studied
portfolio-pdf-field-source = Source
portfolio-pdf-source = { $source ->
    [register] the register of medical workers
   *[document] an extract in «Documents»
}
portfolio-pdf-file = Portfolio.pdf
portfolio-pdf-caption = 📄 Portfolio for periodic accreditation as of { $date }
