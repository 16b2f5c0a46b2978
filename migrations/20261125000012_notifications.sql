-- Push notifications at scale: what practitioners chose to receive, the
-- notices operators publish (inspections, regulatory changes), broadcasts
-- with their progress, and the outbox's new columns (priority, dedup key,
-- broadcast).

-- What a practitioner wants pushed, and when (core::notification_settings).
-- No row means the defaults: every category on, quiet 22:00–08:00 Moscow
-- time. Security notices (login confirmations, factor resets) and the
-- status of one's own applications cannot be switched off.
CREATE TABLE notification_settings (
    telegram_user_id BIGINT PRIMARY KEY,
    inspections      BOOLEAN NOT NULL DEFAULT true,
    regulation       BOOLEAN NOT NULL DEFAULT true,
    reminders        BOOLEAN NOT NULL DEFAULT true,
    -- local time, minutes after midnight; both NULL: no quiet hours
    quiet_from       SMALLINT CHECK (quiet_from BETWEEN 0 AND 1439),
    quiet_until      SMALLINT CHECK (quiet_until BETWEEN 0 AND 1439),
    CHECK ((quiet_from IS NULL) = (quiet_until IS NULL)),
    CHECK (quiet_from IS NULL OR quiet_from <> quiet_until),
    -- an IANA zone name, e.g. Europe/Moscow, Asia/Yekaterinburg
    time_zone        TEXT NOT NULL DEFAULT 'Europe/Moscow',
    updated_at       TIMESTAMPTZ NOT NULL
);

-- A change in regulation («изменение в нормативных документах»): written
-- by an operator or the CLI and published at once, or taken from the
-- configured feed as 'proposed' for an operator to publish or dismiss.
-- Public texts: nothing here is personal.
CREATE TABLE regulatory_notices (
    id            BIGSERIAL PRIMARY KEY,
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary       TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 1500),
    link          TEXT CHECK (length(link) <= 500),
    -- targeting; an empty array means everyone
    specialties   TEXT[] NOT NULL DEFAULT '{}',
    regions       TEXT[] NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL CHECK (status IN ('proposed', 'published', 'dismissed')),
    source        TEXT NOT NULL CHECK (source IN ('operator', 'cli', 'feed')),
    -- the feed's URL and the item's id (or link): a feed item becomes a
    -- notice once, however often the feed is read
    feed_item_key TEXT UNIQUE,
    -- the operator's telegram_user_id; NULL for the CLI and the feed
    created_by    BIGINT,
    created_at    TIMESTAMPTZ NOT NULL,
    decided_by    BIGINT,
    decided_at    TIMESTAMPTZ,
    CHECK ((status = 'proposed') = (decided_at IS NULL))
);
CREATE INDEX regulatory_notices_proposed ON regulatory_notices (id) WHERE status = 'proposed';

-- An inspection («проверка») of an organisation or of a whole region.
CREATE TABLE inspections (
    id              BIGSERIAL PRIMARY KEY,
    -- whom it concerns: practitioners of this organisation, or of this
    -- region (as the register writes them); at least one is set
    organisation    TEXT CHECK (length(organisation) BETWEEN 1 AND 300),
    region          TEXT CHECK (length(region) BETWEEN 1 AND 200),
    CHECK (organisation IS NOT NULL OR region IS NOT NULL),
    inspection_date DATE NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('planned_onsite', 'planned_documentary',
                                                  'unplanned_onsite', 'unplanned_documentary')),
    -- what to prepare, as the operator wrote it
    prepare         TEXT NOT NULL CHECK (length(prepare) BETWEEN 1 AND 1500),
    created_by      BIGINT,
    created_at      TIMESTAMPTZ NOT NULL,
    -- cancelled inspections send no reminders
    cancelled_at    TIMESTAMPTZ
);
CREATE INDEX inspections_upcoming ON inspections (inspection_date) WHERE cancelled_at IS NULL;

-- One notice sent to many: its progress is counted from its outbox rows.
CREATE TABLE broadcasts (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('regulatory_notice', 'inspection',
                                                      'inspection_reminder')),
    -- regulatory_notices.id or inspections.id
    subject_id          BIGINT NOT NULL,
    -- recipients selected when the outbox was filled
    total               INT NOT NULL DEFAULT 0,
    created_by          BIGINT,
    created_at          TIMESTAMPTZ NOT NULL,
    filled_at           TIMESTAMPTZ,
    -- the operator's progress message, edited as the broadcast goes
    progress_chat_id    BIGINT,
    progress_message_id INT,
    finished_at         TIMESTAMPTZ
);

-- Order of delivery: 0 urgent (a login waits for its answer), 1 personal
-- (one practitioner's application, reminder or reset), 2 broadcast. A
-- status change must not wait behind a notice to 100 000 people.
ALTER TABLE outbox ADD COLUMN priority SMALLINT NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2);
UPDATE outbox SET priority = 0 WHERE urgent;
DROP INDEX outbox_pending;
ALTER TABLE outbox DROP COLUMN urgent;
CREATE INDEX outbox_pending ON outbox (priority, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- A row a scheduler may try to write more than once (a reminder for one
-- document and one threshold): the second write is ignored.
ALTER TABLE outbox ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX outbox_dedup_key ON outbox (dedup_key) WHERE dedup_key IS NOT NULL;

ALTER TABLE outbox ADD COLUMN broadcast_id BIGINT REFERENCES broadcasts (id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id) WHERE broadcast_id IS NOT NULL;
