-- A row whose messenger can no longer carry it is copied to the account's
-- other messenger (`outbox::reroute`), which looks for the row's siblings
-- by recipient; /forget erases by recipient too.
CREATE INDEX outbox_chat ON outbox (chat_id);

-- The operator's progress message of a broadcast, on whichever messenger
-- the operator confirmed it: `telegram:<chat>:<id>` or `max:<chat>:<mid>`,
-- so that a restarted bot follows it on either.
ALTER TABLE broadcasts ADD COLUMN progress_message TEXT;
UPDATE broadcasts
SET progress_message = 'telegram:' || progress_chat_id || ':' || progress_message_id
WHERE progress_chat_id IS NOT NULL AND progress_message_id IS NOT NULL;
-- Whose it is (their language), whatever the messenger's chat id.
ALTER TABLE broadcasts ADD COLUMN progress_reader BIGINT;
UPDATE broadcasts SET progress_reader = progress_chat_id WHERE progress_message IS NOT NULL;
-- `progress_chat_id` and `progress_message_id` are no longer written; they
-- stay for an older instance still running during a rolling deploy (which
-- reads them and would fail without them), and go in a later release.
