-- The outbox's dedup keys (a reminder written once per document and
-- threshold, an inspection's announcement once per recipient) move to a
-- table of their own, so that sent outbox rows can be deleted after their
-- retention period without a reminder being written again. `chat_id` says
-- whose key it is, so /forget can delete the keys naming a person.
CREATE TABLE outbox_dedup (
    key        text PRIMARY KEY,
    chat_id    bigint NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX outbox_dedup_chat ON outbox_dedup (chat_id);
CREATE INDEX outbox_dedup_created ON outbox_dedup (created_at);

INSERT INTO outbox_dedup (key, chat_id, created_at)
SELECT dedup_key, chat_id, created_at FROM outbox WHERE dedup_key IS NOT NULL
ON CONFLICT (key) DO NOTHING;

-- Retention deletes by age.
CREATE INDEX outbox_settled ON outbox (coalesce(sent_at, failed_at))
    WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL;
CREATE INDEX security_events_at ON security_events (at);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);
