-- The versions every practitioner's record goes through (core::history) and
-- the practitioner's documents (core::documents).
--
-- Personal fields are BYTEA sealed with AES-256-GCM (core::crypto::Vault,
-- field name "<table>.<column>").

-- One row per change of a profile, an education record, a document or an
-- application: who changed it, when, how, and what it looked like after.
-- No foreign key to the owner: history outlives the row it describes (a
-- deleted document keeps its versions), and /forget erases it explicitly
-- (history::erase_owner).
CREATE TABLE history (
    id         BIGSERIAL PRIMARY KEY,
    -- the practitioner the record belongs to (telegram_user_id); only they
    -- read it through history::versions
    owner_id   BIGINT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('profile', 'education', 'document', 'application')),
    entity_id  BIGINT NOT NULL,
    -- 1, 2, … per record, without gaps
    version    INT NOT NULL CHECK (version > 0),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('practitioner', 'operator', 'system')),
    -- the telegram_user_id of a practitioner or an operator; none for the system
    actor_id   BIGINT,
    CHECK ((actor_kind = 'system') = (actor_id IS NULL)),
    action     TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted', 'status_changed', 'restored')),
    -- sealed JSON ("history.snapshot"): the record as it stood after the
    -- change; it holds personal data. Never a document's file.
    snapshot   BYTEA NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    UNIQUE (entity, entity_id, version)
);
-- /forget and "everything of this practitioner".
CREATE INDEX history_owner ON history (owner_id);

-- A document a practitioner submitted: its metadata and its file, sealed.
CREATE TABLE documents (
    id          BIGSERIAL PRIMARY KEY,
    -- the practitioner's telegram_user_id; /forget deletes the rows
    -- (documents::erase_owner), and erasing the account takes them anyway
    owner_id    BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('passport', 'snils', 'diploma', 'accreditation',
                                              'qualification_upgrade', 'licence',
                                              'employer_confirmation', 'other')),
    -- sealed; required for every kind but 'other' (checked in core)
    number      BYTEA,
    issued_on   DATE NOT NULL,
    -- in clear: reminders before an accreditation runs out are found by it,
    -- and a date alone identifies nobody
    valid_until DATE,
    CHECK (valid_until IS NULL OR valid_until >= issued_on),
    -- sealed
    issuer      BYTEA,
    -- detected from the content, never from the name
    file_type   TEXT NOT NULL CHECK (file_type IN ('pdf', 'jpeg', 'png')),
    file_size   BIGINT NOT NULL CHECK (file_size > 0),
    -- sealed: a name like "Иванова_паспорт.pdf" is personal data too
    file_name   BYTEA NOT NULL,
    -- sealed ("documents.content"): the file itself, at most a few MB
    content     BYTEA NOT NULL,
    -- SHA-256 of the file as sent (before sealing): the same file sent twice
    -- is recognised, and the file can be proven unchanged
    sha256      BYTEA NOT NULL CHECK (octet_length(sha256) = 32),
    created_at  TIMESTAMPTZ NOT NULL,
    -- deleted by the practitioner; kept for the history and the applications
    -- that cite it, until /forget
    deleted_at  TIMESTAMPTZ
);
-- The same file twice is one document (while the first is not deleted).
CREATE UNIQUE INDEX documents_same_file ON documents (owner_id, sha256) WHERE deleted_at IS NULL;
-- "My documents".
CREATE INDEX documents_owner ON documents (owner_id, id) WHERE deleted_at IS NULL;
-- Reminders before a document runs out.
CREATE INDEX documents_valid_until ON documents (valid_until)
    WHERE valid_until IS NOT NULL AND deleted_at IS NULL;
