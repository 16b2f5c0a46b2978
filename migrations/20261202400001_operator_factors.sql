-- The operators' own second factor and their staff session
-- (core::operator_factors). Next to `operators`, not in `second_factors`:
-- an operator need not be a practitioner with an account, and the role's
-- factor goes with the role (a revocation deletes the row).
--
-- The same counters as `second_factors` (the same lockout rules), plus the
-- staff session: open while now < session_until (absolute, from the code)
-- and now < session_idle_until (extended by each staff action, never past
-- session_until). The idle limit is stored with the session, so core's
-- check inside each operation needs only the time.
CREATE TABLE operator_factors (
    telegram_user_id     BIGINT PRIMARY KEY REFERENCES operators (telegram_user_id) ON DELETE CASCADE,
    secret               BYTEA NOT NULL,
    enrolled_at          TIMESTAMPTZ,
    last_accepted_step   BIGINT,
    failed_attempts      INT NOT NULL DEFAULT 0,
    locked_until         TIMESTAMPTZ,
    lockouts             INT NOT NULL DEFAULT 0,
    blocked_at           TIMESTAMPTZ,
    -- the message with the QR code being enrolled (deleted once enrolled)
    enrolment_message_id BIGINT,
    -- the bot asked for the code: what to do after it ('review', 'press' …)
    code_asked_for       TEXT,
    code_asked_at        TIMESTAMPTZ,
    session_started_at   TIMESTAMPTZ,
    session_until        TIMESTAMPTZ,
    session_idle_until   TIMESTAMPTZ,
    session_idle_seconds INT
);
