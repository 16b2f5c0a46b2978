-- A practitioner's profile, basic education and additional education
-- (core::profile).
--
-- Personal fields are BYTEA sealed with AES-256-GCM (core::crypto::Vault,
-- field name "<table>.<column>"). Every table hangs off accounts with
-- ON DELETE CASCADE, so /forget (which deletes the account) takes them all;
-- their versions live in `history` and are erased there.
--
-- No blind index on the passport or the ИНН, and no uniqueness: identity is
-- already unique by СНИЛС, checked against the register when the account was
-- linked, while a passport or an ИНН is only typed, never verified. A UNIQUE
-- index would let one practitioner's typo (or malice) lock the real holder
-- out, and its refusal would tell the typist that the number belongs to a
-- registered practitioner. An index nobody queries would only make rows
-- linkable in a dump; one can be computed later from the sealed values.

-- One per practitioner. Every column but the timestamps is sealed, the dates
-- too (ISO text): a birth date next to an account is personal data.
CREATE TABLE profiles (
    telegram_user_id   BIGINT PRIMARY KEY REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    full_name          BYTEA NOT NULL,
    birth_date         BYTEA NOT NULL,
    address            BYTEA NOT NULL,
    email              BYTEA,
    inn                BYTEA,
    -- series and number, ten digits
    passport           BYTEA NOT NULL,
    passport_issued_on BYTEA NOT NULL,
    -- six digits
    division_code      BYTEA NOT NULL,
    passport_issued_by BYTEA NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

-- Basic and additional education share one sequence of ids, because both
-- are versioned as history's entity 'education': one id names one record.
CREATE SEQUENCE education_ids;

-- Diplomas: a college, a university, a residency.
CREATE TABLE education (
    id              BIGINT PRIMARY KEY DEFAULT nextval('education_ids'),
    owner_id        BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    -- sealed free text
    institution     BYTEA NOT NULL,
    specialty       BYTEA NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('secondary_vocational', 'specialist', 'residency',
                                                   'master', 'bachelor', 'postgraduate', 'internship')),
    -- sealed
    diploma_number  BYTEA NOT NULL,
    -- in clear: the list is ordered by them, and a date alone identifies nobody
    diploma_date    DATE NOT NULL,
    graduation_year INT NOT NULL CHECK (graduation_year BETWEEN 1900 AND 2200),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX education_owner ON education (owner_id, id);

-- Qualification upgrades and retraining: a programme of so many hours.
CREATE TABLE additional_education (
    id         BIGINT PRIMARY KEY DEFAULT nextval('education_ids'),
    owner_id   BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    -- sealed free text
    programme  BYTEA NOT NULL,
    hours      INT NOT NULL CHECK (hours BETWEEN 1 AND 10000),
    starts_on  DATE NOT NULL,
    ends_on    DATE NOT NULL CHECK (ends_on >= starts_on),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX additional_education_owner ON additional_education (owner_id, id);
