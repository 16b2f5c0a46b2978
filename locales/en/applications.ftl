## Applications and their review (notifications carry no personal data)

application-status-changed =
    Application { $number }: { $status ->
        [submitted] submitted and waiting for review
        [in_review] under review
        [approved] approved
        [rejected] rejected
        [more_documents_needed] more documents are needed
       *[other] its status has changed
    }. Details are in "📨 My applications".
factor-reset-approved = The reset of your second factor was approved. Send /start to set up your authenticator app again.

## «Certificate or register extract»: which one

app-choose-certificate = Which certificate or extract do you need?
app-certificate = { $certificate ->
    [frmr_extract] Extract from the register of medical workers (FRMR)
    [accreditation_extract] Extract of the accreditation record
   *[nmo_statement] Statement of CME (NMO) points
}
app-certificate-line = Requested: { $certificate }.
