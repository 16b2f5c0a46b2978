-- A second-factor reset becomes a real recovery (core::factor_resets,
-- core::review::factor_resets): two operators approve it, each seeing what
-- proves who asks; it takes effect only after a cooling-off period counted
-- from the request, during which the practitioner is told and may cancel;
-- an operator may reject it with a reason.
--
-- pending   → waiting for operators (first_approved_by set after one)
-- approved  → both approved; applied at effective_at by the scheduler
-- done      → applied: the old factor is gone
-- rejected  → an operator refused, with a sealed reason
-- cancelled → the practitioner (or a right code) withdrew it
UPDATE factor_reset_requests SET status = 'done' WHERE status = 'approved';
ALTER TABLE factor_reset_requests DROP CONSTRAINT factor_reset_requests_status_check;
ALTER TABLE factor_reset_requests ADD CONSTRAINT factor_reset_requests_status_check
    CHECK (status IN ('pending', 'approved', 'done', 'rejected', 'cancelled'));
ALTER TABLE factor_reset_requests
    ADD COLUMN first_approved_by BIGINT,
    ADD COLUMN first_approved_at TIMESTAMPTZ,
    ADD COLUMN approved_by       BIGINT,
    ADD COLUMN effective_at      TIMESTAMPTZ,
    ADD COLUMN decided_by        BIGINT,
    ADD COLUMN reason            BYTEA,
    ADD CONSTRAINT factor_reset_two_operators CHECK (approved_by IS NULL OR approved_by <> first_approved_by);
DROP INDEX factor_reset_requests_one_pending;
CREATE UNIQUE INDEX factor_reset_requests_one_open
    ON factor_reset_requests (telegram_user_id) WHERE status IN ('pending', 'approved');
CREATE INDEX factor_reset_requests_due ON factor_reset_requests (effective_at) WHERE status = 'approved';

ALTER TABLE operator_audit DROP CONSTRAINT operator_audit_action_check;
ALTER TABLE operator_audit ADD CONSTRAINT operator_audit_action_check CHECK (action IN (
    'viewed', 'claimed', 'decided', 'factor_reset_approved', 'refused',
    'notice_published', 'proposal_approved', 'proposal_dismissed',
    'inspection_scheduled', 'inspection_cancelled',
    'factor_reset_viewed', 'factor_reset_first_approved', 'factor_reset_rejected'));
