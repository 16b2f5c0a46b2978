-- Which справка or выписка a certificate request asks for: one row per
-- certificate request, erased with it (and so with the account).
CREATE TABLE certificate_requests (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    certificate    TEXT NOT NULL CHECK (certificate IN (
                       'frmr_extract', 'accreditation_extract', 'nmo_statement'))
);
