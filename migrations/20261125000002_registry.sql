-- The register of medical workers (core::registry), as imported from the
-- federal register's CSV export with `medcab admin import-registry`. When
-- MEDCAB_REGISTRY_URL is set the bot asks the register over HTTP instead and
-- this table is not read.
--
-- Personal fields are BYTEA sealed with AES-256-GCM (core::crypto::Vault,
-- field name "registry_entries.<column>"); *_index columns are keyed HMAC
-- blind indexes (kinds "snils" and "phone", the same as every other table)
-- so a СНИЛС or a phone can be looked up without being stored in clear.

CREATE TABLE registry_entries (
    id                        BIGSERIAL PRIMARY KEY,
    -- HMAC of the 11 digits: one entry per practitioner; re-import upserts on it
    snils_index               BYTEA NOT NULL UNIQUE CHECK (octet_length(snils_index) = 32),
    -- sealed: the 11 digits
    snils                     BYTEA NOT NULL,
    -- sealed: the name as the register writes it
    full_name                 BYTEA NOT NULL,
    -- sealed: YYYY-MM-DD (a birth date with a name identifies a person)
    birth_date                BYTEA NOT NULL,
    -- HMAC of +7XXXXXXXXXX; not unique: a register may give one work phone to several people
    phone_index               BYTEA CHECK (octet_length(phone_index) = 32),
    -- sealed: +7XXXXXXXXXX
    phone                     BYTEA,
    CHECK ((phone IS NULL) = (phone_index IS NULL)),

    -- In clear: notifications are targeted by these (e.g. every cardiologist
    -- of a region whose accreditation ends this quarter). None identifies a
    -- person on its own.
    specialty                 TEXT NOT NULL,
    position                  TEXT NOT NULL,
    organisation              TEXT NOT NULL,
    region                    TEXT NOT NULL,
    accreditation_number      TEXT,
    accreditation_valid_until DATE,

    -- first import of this СНИЛС; kept on re-import
    imported_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- last import that wrote the entry
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Linking an account by the phone Telegram's contact button gives.
CREATE INDEX registry_entries_phone_index ON registry_entries (phone_index)
    WHERE phone_index IS NOT NULL;
