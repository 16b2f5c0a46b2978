-- Answers a practitioner has given in a conversation that is not finished
-- yet (a profile being filled in, a document's details before its file).
-- DESIGN: drafts live in PostgreSQL, written the moment the user gives them,
-- sealed like any personal field; Redis holds only the position.
CREATE TABLE drafts (
    owner_id   BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    -- which conversation the draft belongs to: 'profile', 'document', …
    kind       TEXT NOT NULL,
    data       BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner_id, kind)
);
