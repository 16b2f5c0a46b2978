-- When the operator's enrolment QR code was sent: one left unused for a day
-- is withdrawn and a new secret issued (as `second_factors.enrolment_sent_at`
-- does for practitioners).
ALTER TABLE operator_factors ADD COLUMN enrolment_sent_at TIMESTAMPTZ;
