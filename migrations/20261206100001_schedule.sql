-- The working schedule («График», core::schedule): a practitioner's
-- appointment slots (приём) and duty shifts (дежурство), imported from the
-- clinic (`medcab admin import-schedule`) or added by the practitioner.
--
-- Times are instants (TIMESTAMPTZ) with the organisation's time zone beside
-- them (an IANA name): views, the calendar file and the feed show a slot in
-- its organisation's zone. The place (a room for an appointment, a
-- department for a shift) is BYTEA sealed with AES-256-GCM
-- (core::crypto::Vault, field "schedule_slots.place", bound to the row's id,
-- taken from the sequence before the INSERT). Kinds and times are in clear:
-- overlaps and views are found by them, and alone they identify nobody.
--
-- A cancelled slot is kept (cancelled_at): a clinic's re-import must find
-- the slot a practitioner cancelled to put it back (the clinic wins), and
-- the calendar keeps its UID. Erased with the account; retention deletes
-- slots that ended long ago (core::retention).
CREATE TABLE schedule_slots (
    id           BIGSERIAL PRIMARY KEY,
    owner_id     BIGINT NOT NULL REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('appointment', 'shift')),
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    CHECK (ends_at > starts_at),
    -- the organisation's zone, an IANA name (Europe/Moscow)
    time_zone    TEXT NOT NULL,
    -- what kind of appointment (core's AppointmentKind), appointments only
    appointment  TEXT CHECK (appointment IN ('general', 'primary', 'repeat', 'preventive',
                                             'home', 'telemedicine')),
    -- on site or on call, shifts only
    duty         TEXT CHECK (duty IN ('on_site', 'on_call')),
    CHECK ((kind = 'appointment') = (appointment IS NOT NULL)),
    CHECK ((kind = 'shift') = (duty IS NOT NULL)),
    -- sealed: the room or the department
    place        BYTEA NOT NULL,
    -- the calendar's UID: stable across moves and re-imports (an imported
    -- slot's is derived from its import key)
    uid          UUID NOT NULL UNIQUE,
    -- an imported slot's stable key: a keyed digest (the blind index key) of
    -- СНИЛС and the clinic's slot id, or of СНИЛС, kind and start; NULL for
    -- a slot the practitioner added
    import_key   BYTEA,
    -- the practitioner moved or cancelled this clinic slot since the last
    -- import: the next import overrides it and says so
    changed_by_practitioner BOOLEAN NOT NULL DEFAULT false,
    cancelled_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX schedule_slots_owner ON schedule_slots (owner_id, starts_at)
    WHERE cancelled_at IS NULL;
CREATE INDEX schedule_slots_ended ON schedule_slots (ends_at);
CREATE UNIQUE INDEX schedule_slots_import_key
    ON schedule_slots (owner_id, import_key) WHERE import_key IS NOT NULL;

-- The private subscription address of a practitioner's calendar
-- (GET /calendar/{token}.ics): only a keyed digest of the token (the blind
-- index key), so a dump opens no feed. One per practitioner; a new token
-- replaces the old, deleting the row revokes it.
CREATE TABLE calendar_feeds (
    owner_id     BIGINT PRIMARY KEY REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    token_digest BYTEA NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL
);

-- «Расписание» in /settings: a change of the schedule by the clinic.
ALTER TABLE notification_settings ADD COLUMN schedule BOOLEAN NOT NULL DEFAULT true;

-- Every change of a slot is a version of history's entity 'schedule_slot'.
ALTER TABLE history DROP CONSTRAINT history_entity_check;
ALTER TABLE history ADD CONSTRAINT history_entity_check
    CHECK (entity IN ('profile', 'education', 'document', 'application', 'qualification',
        'activity_report', 'schedule_slot'));
