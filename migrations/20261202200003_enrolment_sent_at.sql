-- When the QR code of a pending second factor was sent: one left unused for
-- a day is withdrawn (the message deleted, the pending secret replaced).
ALTER TABLE second_factors ADD COLUMN enrolment_sent_at TIMESTAMPTZ;
