-- A resubmission after the operator asked for more documents: what was
-- asked (the operator's note, sealed under `applications.requested`: it
-- may name someone) and which documents the practitioner added for it, so
-- that the next review card says both. The note in `reason` is cleared by
-- the resubmission, as before.
ALTER TABLE applications
    ADD COLUMN requested BYTEA,
    ADD COLUMN added_document_ids BIGINT[] NOT NULL DEFAULT '{}';
