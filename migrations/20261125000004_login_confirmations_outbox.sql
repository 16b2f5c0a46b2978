-- Confirming a login elsewhere (core::login_confirmations) and the outbox
-- every notification goes through (core::outbox).

-- A portal asked "is this you logging in?"; the practitioner answers with a
-- button. 'expired' is not stored: a pending challenge past expires_at is
-- expired, by the clock of whoever reads it.
CREATE TABLE login_challenges (
    id               UUID PRIMARY KEY,
    -- erasing an account (/forget) takes its challenges with it
    telegram_user_id BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    -- as the portal describes the login; shown in the push (device, place),
    -- kept for the security officer (ip, never shown in a push)
    device           TEXT NOT NULL,
    place            TEXT NOT NULL,
    ip               TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied')),
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    answered_at      TIMESTAMPTZ,
    CHECK (expires_at > created_at),
    -- answered exactly when no longer pending
    CHECK ((status = 'pending') = (answered_at IS NULL))
);
CREATE INDEX login_challenges_user ON login_challenges (telegram_user_id, created_at);

-- Every outgoing notification: written in the same transaction as the
-- change it announces, delivered by the bot's delivery worker.
--
-- payload is the Fluent key and its arguments, never rendered text, so the
-- recipient's language is applied at delivery.
--
-- Delivery timing (available_at, sent_at, failed_at) is wall-clock time from
-- the database's now(): it is about the network, not a rule of the domain.
CREATE TABLE outbox (
    id                  BIGSERIAL PRIMARY KEY,
    chat_id             BIGINT NOT NULL,
    kind                TEXT NOT NULL,
    payload             JSONB NOT NULL,
    -- urgent rows are delivered first (a login waits for its answer)
    urgent              BOOLEAN NOT NULL DEFAULT false,
    created_at          TIMESTAMPTZ NOT NULL,
    -- a row is not claimed before this: a claim leases it until then, a
    -- failed attempt backs off until then
    available_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts            INT NOT NULL DEFAULT 0,
    last_error          TEXT,
    sent_at             TIMESTAMPTZ,
    telegram_message_id BIGINT,
    -- given up on: the chat blocked the bot, or too many failed attempts
    failed_at           TIMESTAMPTZ,
    CHECK (sent_at IS NULL OR failed_at IS NULL)
);
-- What is still to deliver, in the order delivery takes it.
CREATE INDEX outbox_pending ON outbox (urgent DESC, id) WHERE sent_at IS NULL AND failed_at IS NULL;
