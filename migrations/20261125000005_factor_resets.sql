-- A practitioner who lost the phone with the authenticator asks for the
-- second factor to be reset. An operator decides (the review queue is built
-- with the operators' side); until then the request waits here, pending.
CREATE TABLE factor_reset_requests (
    id               BIGSERIAL PRIMARY KEY,
    telegram_user_id BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at     TIMESTAMPTZ NOT NULL,
    decided_at       TIMESTAMPTZ
);
-- At most one request waits per account.
CREATE UNIQUE INDEX factor_reset_requests_one_pending
    ON factor_reset_requests (telegram_user_id) WHERE status = 'pending';
