-- Every update a messenger brings is stored here before it is acknowledged
-- (a webhook's 200, the next poll's offset), and handled from here by
-- whichever instance leases its chat (core::inbox).
CREATE TABLE inbox (
    id BIGSERIAL PRIMARY KEY,
    messenger TEXT NOT NULL CHECK (messenger IN ('telegram', 'max')),
    -- The messenger's id of the update (Max's: a digest of its parts);
    -- NULL for a body that did not parse, which has none to read.
    update_id BIGINT,
    -- The chat whose order it keeps; 0 for an update of no chat.
    chat_id BIGINT NOT NULL,
    -- Sealed (the row's seal_key in the associated data): an update carries
    -- what people typed. Cleared once handled.
    seal_key UUID NOT NULL,
    body BYTEA,
    received_at TIMESTAMPTZ NOT NULL,
    handled_at TIMESTAMPTZ,
    -- Times a lease over this update was taken from an instance that had
    -- stopped answering (it may have died handling it).
    attempts INT NOT NULL DEFAULT 0,
    -- Why it is not handled: a body that did not parse, an update that
    -- outlived its attempts. Kept (sealed) for an engineer to read.
    poison TEXT
);

-- A redelivery (a webhook retried, a poll repeated) is stored once.
CREATE UNIQUE INDEX inbox_update ON inbox (messenger, update_id) WHERE update_id IS NOT NULL;
-- What is waiting, chat by chat, in arrival order.
CREATE INDEX inbox_waiting ON inbox (messenger, chat_id, id) WHERE handled_at IS NULL AND poison IS NULL;
-- Retention and erasure.
CREATE INDEX inbox_chat ON inbox (chat_id);
CREATE INDEX inbox_handled ON inbox (handled_at) WHERE handled_at IS NOT NULL;
-- What the metrics read at every scrape: what is not handled yet.
CREATE INDEX inbox_unhandled ON inbox (messenger, received_at) WHERE handled_at IS NULL;

-- Which instance handles a chat's updates now: one at a time, so a chat's
-- updates are handled in order; a lease not renewed runs out, so a dead
-- instance holds no chat for long.
CREATE TABLE inbox_leases (
    messenger TEXT NOT NULL,
    chat_id BIGINT NOT NULL,
    holder UUID NOT NULL,
    until TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (messenger, chat_id)
);
