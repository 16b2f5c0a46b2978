-- Delivery per messenger: every outbox row names the messenger it goes
-- through; `chat_id` stays the recipient's account (whose id, for an
-- account born on Telegram, is also its Telegram chat). A notification to
-- an account with two messengers is one row per messenger, so one
-- deduplication key now covers a row per messenger.
ALTER TABLE outbox ADD COLUMN messenger TEXT NOT NULL DEFAULT 'telegram'
    CHECK (messenger IN ('telegram', 'max'));
-- The message the messenger made of it: Telegram's number, or Max's mid.
ALTER TABLE outbox ADD COLUMN max_message_id TEXT;
DROP INDEX outbox_dedup_key;
CREATE UNIQUE INDEX outbox_dedup_key ON outbox (dedup_key, messenger) WHERE dedup_key IS NOT NULL;

-- Where notifications go for an account with more than one messenger:
-- NULL, every one; else only this one (security notices and login
-- confirmations still go to every one).
ALTER TABLE notification_settings ADD COLUMN deliver_to TEXT
    CHECK (deliver_to IN ('telegram', 'max'));

-- A login confirmation is pushed to every messenger of the account: each
-- push's message, `telegram:<chat>:<id>` or `max:<chat>:<mid>`, so that an
-- answer on one closes the others and expiry closes them all.
ALTER TABLE login_challenges ADD COLUMN push_messages TEXT[] NOT NULL DEFAULT '{}';
UPDATE login_challenges
SET push_messages = ARRAY['telegram:' || telegram_user_id || ':' || push_message_id]
WHERE push_message_id IS NOT NULL;
ALTER TABLE login_challenges DROP COLUMN push_message_id;

-- The messengers a notification to `account` is written for: every
-- messenger of the account when `everywhere` (security), else the one
-- its settings choose, unless that one is not linked or is known
-- unreachable (then every one, so nothing is lost to a stale choice). An
-- account born on Telegram that has no channel row yet (it never wrote:
-- an operator, a practitioner loaded by the CLI) is its Telegram chat.
CREATE FUNCTION outbox_messengers(account BIGINT, everywhere BOOLEAN)
RETURNS SETOF TEXT LANGUAGE sql STABLE AS $$
    WITH linked AS (
        SELECT messenger, unreachable_since IS NULL AS reachable
        FROM channels WHERE user_id = account
    ), chosen AS (
        SELECT s.deliver_to FROM notification_settings s
        WHERE s.telegram_user_id = account AND NOT everywhere
          AND EXISTS (SELECT 1 FROM linked l WHERE l.messenger = s.deliver_to AND l.reachable)
    )
    SELECT messenger FROM linked
    WHERE NOT EXISTS (SELECT 1 FROM chosen) OR messenger = (SELECT deliver_to FROM chosen)
    UNION ALL
    SELECT 'telegram' WHERE NOT EXISTS (SELECT 1 FROM linked) AND account < (1::BIGINT << 60)
$$;

-- Delivery marked a Telegram chat that blocked the bot in `chats` only
-- until now; the mark is read from `channels` from here on.
UPDATE channels ch SET unreachable_since = c.unreachable_since
FROM chats c
WHERE ch.messenger = 'telegram' AND c.id = ch.chat_id
  AND c.unreachable_since IS NOT NULL AND ch.unreachable_since IS NULL;

-- A worker claims only the rows of the messengers it is connected to:
-- one without Max does not walk past Max's rows to find its own.
CREATE INDEX outbox_due_by_messenger ON outbox (messenger, priority, available_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
