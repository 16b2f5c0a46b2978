-- Files with personal data the bot sent into a chat during a session (a
-- practitioner's own document opened from its card, a document an operator
-- opened from a review card). The card that showed them is closed when the
-- session ends; the files go too, so a phone left unlocked on the table
-- shows no passport scan. Telegram lets a bot delete its own messages for
-- 48 hours, well beyond a session's longest life.
CREATE TABLE session_files (
    telegram_user_id BIGINT      NOT NULL,
    message_id       BIGINT      NOT NULL,
    -- whose session: the practitioner's step-up session or the staff one
    session          TEXT        NOT NULL CHECK (session IN ('practitioner', 'staff')),
    sent_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (telegram_user_id, message_id)
);
