-- Education that counts toward periodic accreditation (core::qualification::store):
-- ПК programmes in hours, interactive modules (ИОМ) and educational events in
-- ЗЕТ, entered by the practitioner or imported by the clinic
-- (`medcab admin import-education`).
--
-- Free text is BYTEA sealed with AES-256-GCM (core::crypto::Vault, field name
-- "qualification_records.<column>", bound to the row's id, which is taken from
-- the sequence before the INSERT). The kind, the amount and the date are in
-- clear: progress is counted from them, and alone they identify nobody.
CREATE TABLE qualification_records (
    id           BIGSERIAL PRIMARY KEY,
    owner_id     BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('programme', 'module', 'event')),
    -- academic hours of a programme, ЗЕТ of a module or an event; each kind's
    -- own bound is core's (ProgrammeHours, ModuleZet, EventZet)
    amount       INT NOT NULL CHECK (amount BETWEEN 1 AND 1000),
    completed_on DATE NOT NULL,
    -- sealed
    title        BYTEA NOT NULL,
    provider     BYTEA NOT NULL,
    -- sealed; the individual confirmation code, events only
    ikp          BYTEA,
    CHECK ((kind = 'event') = (ikp IS NOT NULL)),
    -- the certificate on file; a document deleted for good leaves the record
    document_id  BIGINT REFERENCES documents (id) ON DELETE SET NULL,
    -- an imported row's stable key: a keyed digest (the blind index key) of
    -- СНИЛС, kind, date and ИКП or title, so a re-import updates the row it
    -- made; NULL for what the practitioner entered
    import_key   BYTEA,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX qualification_records_owner ON qualification_records (owner_id, completed_on, id);
CREATE UNIQUE INDEX qualification_records_import_key
    ON qualification_records (owner_id, import_key) WHERE import_key IS NOT NULL;

-- Their versions are history's entity 'qualification'.
ALTER TABLE history DROP CONSTRAINT history_entity_check;
ALTER TABLE history ADD CONSTRAINT history_entity_check
    CHECK (entity IN ('profile', 'education', 'document', 'application', 'qualification'));
