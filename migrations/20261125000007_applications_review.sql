-- Applications («заявки») and their review by operators
-- (core::applications, core::review, core::operators).

-- Every application number takes the next value, whatever its kind or year:
-- the number stays unique even if the letter or the year were misread.
CREATE SEQUENCE application_numbers AS BIGINT;

CREATE TABLE applications (
    id                BIGSERIAL PRIMARY KEY,
    -- erasing an account (/forget) takes its applications with it
    owner_id          BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN (
                          'activation', 'periodic_accreditation',
                          'certificate_request', 'personal_data_update')),
    -- human-readable, e.g. А-2026-000123 (letter by kind, year, sequence)
    number            TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN (
                          'draft', 'submitted', 'in_review',
                          'approved', 'rejected', 'more_documents_needed')),
    -- sealed (Vault field "applications.reason"): an operator's free text may
    -- name a person; the reason for a refusal, or what more is needed
    reason            BYTEA,
    -- the practitioner's documents the last submission relied on (ids of
    -- the documents table; no foreign key: a document deleted later must
    -- not rewrite what was submitted)
    document_ids      BIGINT[] NOT NULL DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL,
    -- the last (re)submission: the promised review time counts from here
    submitted_at      TIMESTAMPTZ,
    -- the last operator's decision (approved, rejected, more documents)
    decided_at        TIMESTAMPTZ,
    -- a delayed application can be escalated once, ever
    escalated_at      TIMESTAMPTZ,
    -- the review lease: who reviews it, and until when others keep off;
    -- a lease that ran out lets another operator take the application over
    lease_operator_id BIGINT,
    lease_until       TIMESTAMPTZ,
    CHECK ((lease_operator_id IS NULL) = (lease_until IS NULL)),
    CHECK ((reason IS NULL) OR status IN ('rejected', 'more_documents_needed')),
    CHECK (status = 'draft' OR submitted_at IS NOT NULL)
);
CREATE INDEX applications_owner ON applications (owner_id, created_at);
-- The review queue: escalated first, then oldest submission first.
CREATE INDEX applications_queue ON applications ((escalated_at IS NULL), submitted_at, id)
    WHERE status IN ('submitted', 'in_review');
-- One open application of a kind per practitioner (certificate requests
-- excepted: several certificates may be wanted at once).
CREATE UNIQUE INDEX applications_one_open_per_kind ON applications (owner_id, kind)
    WHERE status NOT IN ('approved', 'rejected') AND kind <> 'certificate_request';

-- Telegram users who review applications. Granted and revoked with
-- `medcab admin grant-operator` / `revoke-operator`; a revoked row is kept
-- (who was an operator, and when) and a new grant reopens it.
CREATE TABLE operators (
    telegram_user_id BIGINT PRIMARY KEY,
    granted_at       TIMESTAMPTZ NOT NULL,
    -- who granted it (the admin command says, e.g. the shell user)
    granted_by       TEXT NOT NULL,
    revoked_at       TIMESTAMPTZ
);

-- Every time an operator was shown, took or decided something of a
-- practitioner's (152-ФЗ: access to personal data is accounted for), and
-- every operator action that was refused. No personal data in details.
-- No foreign keys: the audit outlives an erased account or application.
CREATE TABLE operator_audit (
    id             BIGSERIAL PRIMARY KEY,
    -- who acted (for a refused action, whoever tried)
    operator_id    BIGINT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN (
                       'viewed', 'claimed', 'decided', 'factor_reset_approved', 'refused')),
    application_id BIGINT,
    factor_reset_id BIGINT,
    -- whose data it was
    owner_id       BIGINT,
    details        JSONB NOT NULL DEFAULT '{}',
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX operator_audit_owner ON operator_audit (owner_id, at);
CREATE INDEX operator_audit_operator ON operator_audit (operator_id, at);
