-- The messengers an account talks through. An account born on Telegram
-- keeps its Telegram user id as its id (every table keyed by a person
-- stores it); one born on Max gets an id from 2^60 up, past any Telegram
-- id (they have at most 52 significant bits), so the two never meet.
CREATE TABLE channels (
    messenger         TEXT        NOT NULL CHECK (messenger IN ('telegram', 'max')),
    -- the messenger's own id of the person
    external_id       BIGINT      NOT NULL,
    -- the private chat with the bot on that messenger
    chat_id           BIGINT      NOT NULL,
    user_id           BIGINT      NOT NULL,
    linked_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- set when the messenger says the person blocked the bot
    unreachable_since TIMESTAMPTZ,
    PRIMARY KEY (messenger, external_id),
    -- one account of each messenger per person
    UNIQUE (user_id, messenger)
);

CREATE SEQUENCE max_born_accounts START 1;

-- One-time codes that link a second messenger to an account: only their
-- keyed digest is kept, and they expire within minutes.
CREATE TABLE channel_link_codes (
    digest     BYTEA       PRIMARY KEY,
    user_id    BIGINT      NOT NULL,
    -- the messenger the code is to be opened in
    messenger  TEXT        NOT NULL CHECK (messenger IN ('telegram', 'max')),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX channel_link_codes_user ON channel_link_codes (user_id);

-- Updates are claimed per messenger: Max's keys are its own.
ALTER TABLE processed_updates ADD COLUMN messenger TEXT NOT NULL DEFAULT 'telegram'
    CHECK (messenger IN ('telegram', 'max'));
ALTER TABLE processed_updates DROP CONSTRAINT processed_updates_pkey;
ALTER TABLE processed_updates ADD PRIMARY KEY (messenger, update_id);

-- Every Telegram user seen so far is their own account's Telegram channel.
INSERT INTO channels (messenger, external_id, chat_id, user_id, unreachable_since)
SELECT 'telegram', u.id, u.id, u.id, c.unreachable_since
FROM telegram_users u
LEFT JOIN chats c ON c.id = u.id;
