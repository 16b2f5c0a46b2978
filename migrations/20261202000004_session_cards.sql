-- The message that shows a card with personal data while the step-up
-- session is open: when the session ends, the scheduler edits it to a
-- closed placeholder (the bot's scheduler, `close_cards`), so what it showed
-- does not stay on the screen of a phone left unlocked.
ALTER TABLE accounts ADD COLUMN session_card_message_id BIGINT;
CREATE INDEX accounts_session_cards ON accounts (confirmed_until) WHERE session_card_message_id IS NOT NULL;
