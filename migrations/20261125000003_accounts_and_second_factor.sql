-- A practitioner's way in: consent, the account being linked, the second
-- factor and its counters, and the security log.
--
-- Personal fields are BYTEA sealed with AES-256-GCM (core::crypto::Vault);
-- *_index columns are keyed HMAC blind indexes for equality lookups.

-- Consent to the processing of personal data (152-ФЗ), before any is asked.
-- Kept after withdrawal: it proves what was agreed to and when.
CREATE TABLE consents (
    id               BIGSERIAL PRIMARY KEY,
    telegram_user_id BIGINT NOT NULL,
    text_version     TEXT NOT NULL,
    given_at         TIMESTAMPTZ NOT NULL,
    withdrawn_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX consents_one_in_force ON consents (telegram_user_id) WHERE withdrawn_at IS NULL;

-- A Telegram user on the way to (or with) a linked practitioner account.
-- The step is the system of record for onboarding: a Redis flush or a
-- restart resumes from here.
CREATE TABLE accounts (
    telegram_user_id BIGINT PRIMARY KEY,
    step             TEXT NOT NULL CHECK (step IN ('phone', 'snils', 'second_factor', 'active')),
    phone            BYTEA,
    phone_index      BYTEA,
    snils            BYTEA,
    snils_index      BYTEA,
    created_at       TIMESTAMPTZ NOT NULL,
    linked_at        TIMESTAMPTZ,
    -- step-up: sections with personal data open until then (idle timeout)
    confirmed_until  TIMESTAMPTZ
);
-- One Telegram account per practitioner.
CREATE UNIQUE INDEX accounts_snils_linked ON accounts (snils_index) WHERE linked_at IS NOT NULL;

-- The TOTP second factor. Counters live here, not in Redis: a lockout must
-- survive a restart and a flush.
CREATE TABLE second_factors (
    telegram_user_id   BIGINT PRIMARY KEY REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    secret             BYTEA NOT NULL,
    enrolled_at        TIMESTAMPTZ,
    last_accepted_step BIGINT,
    failed_attempts    INT NOT NULL DEFAULT 0,
    locked_until       TIMESTAMPTZ
);

-- What happened, for the security officer: locks, replays, denied logins.
-- No personal data in details.
CREATE TABLE security_events (
    id               BIGSERIAL PRIMARY KEY,
    telegram_user_id BIGINT,
    kind             TEXT NOT NULL,
    details          JSONB NOT NULL DEFAULT '{}',
    at               TIMESTAMPTZ NOT NULL
);
CREATE INDEX security_events_user ON security_events (telegram_user_id, at);
