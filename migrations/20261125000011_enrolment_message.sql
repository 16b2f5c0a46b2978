-- The chat message that carries the QR code and key of a second factor being
-- enrolled. It is the secret itself, so the bot deletes it once the factor
-- is enrolled (or when it sends a fresh one).
ALTER TABLE second_factors ADD COLUMN enrolment_message_id BIGINT;
