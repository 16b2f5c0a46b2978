-- The report on professional activity for the five-year period
-- (core::activity_report): one row per part the practitioner has answered
-- or skipped, written after every answer, so that a restart or a Redis
-- flush loses nothing typed. The parts are core's
-- (qualification::report::ReportPart).
--
-- The answer is BYTEA sealed with AES-256-GCM (core::crypto::Vault, field
-- "activity_report_answers.answer", bound to owner_id and the part); NULL
-- is a part skipped on purpose (mentoring and proposals only, core's rule).
-- Whether the report is agreed with the employer is report_agreements' one
-- fact, not repeated here. Erased with the account.
CREATE TABLE activity_report_answers (
    owner_id   BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    part       TEXT NOT NULL CHECK (part IN ('organisation', 'experience', 'duties',
        'results', 'achievements', 'mentoring', 'proposals')),
    answer     BYTEA,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner_id, part)
);

-- Every change of the report is a version of history's entity
-- 'activity_report' (entity_id: the owner's telegram_user_id).
ALTER TABLE history DROP CONSTRAINT history_entity_check;
ALTER TABLE history ADD CONSTRAINT history_entity_check
    CHECK (entity IN ('profile', 'education', 'document', 'application', 'qualification',
        'activity_report'));
