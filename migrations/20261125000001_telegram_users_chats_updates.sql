-- Who talks to the bot, where, and which updates have been handled.
--
-- Deliberately no names: the greeting takes the name from each update, so
-- we keep nothing about a Telegram user that we do not need.

CREATE TABLE telegram_users (
    id                BIGINT PRIMARY KEY,
    -- language_code as Telegram reports it; the fallback when none is chosen
    telegram_language TEXT,
    -- chosen with /language; NULL means "follow Telegram"
    language          TEXT CHECK (language IN ('ru', 'en')),
    first_seen_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE chats (
    id                BIGINT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('private', 'group', 'supergroup', 'channel')),
    first_seen_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- set when Telegram answers 403 (the user blocked the bot); delivery skips such chats
    unreachable_since TIMESTAMPTZ
);

-- Telegram delivers updates at least once. An update is claimed here before
-- it is handled, so a redelivered one is recognised and not applied again.
CREATE TABLE processed_updates (
    update_id    BIGINT PRIMARY KEY,
    chat_id      BIGINT,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- For pruning: update ids older than Telegram's 24-hour redelivery window are useless.
CREATE INDEX processed_updates_processed_at ON processed_updates (processed_at);
