-- Every card with personal data shown in a session is closed when the
-- session ends, not only the newest one: a card posted after a typed
-- answer or after the code leaves the one before it in the chat. Cards join
-- the files of `session_files` (one row per message shown in a session;
-- `kind` says whether the scheduler deletes it or edits it to a closed
-- placeholder), and an operator's cards are closed with their staff
-- session as a practitioner's are with theirs.
ALTER TABLE session_files
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'file' CHECK (kind IN ('file', 'card'));
INSERT INTO session_files (telegram_user_id, message_id, session, sent_at, kind)
SELECT telegram_user_id, session_card_message_id, 'practitioner', now(), 'card'
FROM accounts WHERE session_card_message_id IS NOT NULL
ON CONFLICT DO NOTHING;
DROP INDEX accounts_session_cards;
ALTER TABLE accounts DROP COLUMN session_card_message_id;
