-- The portals' API keys, one per client (core::api_clients), and what the
-- login confirmations (core::login_confirmations) keep for number matching,
-- expiry and the client that asked.

-- A portal allowed to call /api/v1. Only the SHA-256 of its key is kept: a
-- copy of the database does not let anyone call the API. The key itself is
-- printed once, by `medcab admin api-client add`.
CREATE TABLE api_clients (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    key_hash     BYTEA NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at   TIMESTAMPTZ NOT NULL,
    -- NULL: does not expire
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    -- updated at most once a minute, so a busy client does not write on
    -- every request
    last_used_at TIMESTAMPTZ
);

-- Which client asked: a challenge is readable only by it. NULL for those
-- made before clients existed (readable by nobody).
ALTER TABLE login_challenges
    ADD COLUMN api_client_id BIGINT REFERENCES api_clients (id) ON DELETE SET NULL;

-- The two digits the portal shows and the practitioner picks among three
-- buttons. Rows made before number matching get 10: their pushes carry the
-- old «Это я» buttons, which no longer parse, so nobody can approve them.
ALTER TABLE login_challenges
    ADD COLUMN match_number SMALLINT NOT NULL DEFAULT 10 CHECK (match_number BETWEEN 10 AND 99);
ALTER TABLE login_challenges ALTER COLUMN match_number DROP DEFAULT;

-- The IP address is personal data: sealed by the Vault like every other
-- personal field, and dropped (NULL) once the challenge is closed. The
-- clear addresses of earlier rows are dropped here: each challenge lived at
-- most ten minutes, so they are past their use.
ALTER TABLE login_challenges DROP COLUMN ip;
ALTER TABLE login_challenges ADD COLUMN ip BYTEA;

-- The push as Telegram took it (the chat is the practitioner's private
-- one, telegram_user_id): the expiry job removes its buttons.
ALTER TABLE login_challenges ADD COLUMN push_message_id BIGINT;

-- When the expiry job closed the challenge (its time was over: the push
-- edited if unanswered, the IP dropped). NULL: still to close.
ALTER TABLE login_challenges ADD COLUMN closed_at TIMESTAMPTZ;
CREATE INDEX login_challenges_to_close ON login_challenges (expires_at) WHERE closed_at IS NULL;

-- At most one pending challenge per practitioner is checked under an
-- advisory lock in core (pending depends on the clock, so no index can say it).
