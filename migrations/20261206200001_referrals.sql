-- Electronic referrals («направления», core::referrals): one practitioner
-- sends a referral to another practitioner or to an organisation, whose
-- operators receive it.
--
-- A referral holds no patient's name, diagnosis, policy number or СНИЛС
-- (core refuses them): the reason in general words, the urgency, the kind
-- of care, and a reference to the patient in the clinic's information
-- system. The reason, that reference and a decline's reason are still
-- health-related free text, so they are BYTEA sealed with AES-256-GCM
-- (core::crypto::Vault, fields "referrals.<column>", bound to the id taken
-- from the sequence before the INSERT).
--
-- The form being filled in is a draft (core::drafts, kind 'referral'); a
-- row here is a referral from its sending on.

-- Which organisation an operator works for (`medcab admin grant-operator
-- --organisation OGRN`): the operators of an organisation receive and
-- decide the referrals sent to it. One organisation per operator. A
-- revoked operator's row stays (revoked operators receive nothing: every
-- read joins `operators` for `revoked_at IS NULL`) and goes with a new grant.
CREATE TABLE operator_organisations (
    operator_id BIGINT PRIMARY KEY REFERENCES operators (telegram_user_id) ON DELETE CASCADE,
    ogrn        TEXT NOT NULL CHECK (ogrn ~ '^[0-9]{13}$'),
    bound_at    TIMESTAMPTZ NOT NULL,
    bound_by    TEXT NOT NULL
);
CREATE INDEX operator_organisations_ogrn ON operator_organisations (ogrn);

-- Numbers like «НП-2026-000123».
CREATE SEQUENCE referral_numbers;

CREATE TABLE referrals (
    id                    BIGSERIAL PRIMARY KEY,
    number                TEXT NOT NULL UNIQUE,
    -- the sending practitioner (telegram_user_id); NULL once they used
    -- /forget (the receiver's copy stays, see core::referrals)
    sender_id             BIGINT REFERENCES accounts (telegram_user_id) ON DELETE SET NULL,
    -- the sender's organisation as the register named it at sending: who
    -- to call about the patient, kept when the sender is forgotten. An
    -- organisation's name identifies no person.
    sender_organisation   TEXT NOT NULL,
    receiver_kind         TEXT NOT NULL CHECK (receiver_kind IN ('practitioner', 'organisation')),
    -- a practitioner receiver; NULL for an organisation, and once the
    -- receiver used /forget
    receiver_user_id      BIGINT REFERENCES accounts (telegram_user_id) ON DELETE SET NULL,
    -- an organisation receiver: its ОГРН, and its name at sending
    receiver_ogrn         TEXT CHECK (receiver_ogrn ~ '^[0-9]{13}$'),
    receiver_organisation TEXT NOT NULL,
    CHECK ((receiver_kind = 'organisation') = (receiver_ogrn IS NOT NULL)),
    CHECK (receiver_kind = 'practitioner' OR receiver_user_id IS NULL),
    urgency               TEXT NOT NULL CHECK (urgency IN ('emergency', 'urgent', 'planned')),
    care                  TEXT NOT NULL CHECK (care IN ('consultation', 'examination',
        'hospitalisation', 'high_tech', 'rehabilitation', 'palliative')),
    -- sealed: the reason in general words, the patient's case or card number
    reason                BYTEA NOT NULL,
    patient_ref           BYTEA NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'declined',
        'cancelled', 'expired')),
    -- sealed: why it was declined (NULL otherwise)
    decline_reason        BYTEA,
    sent_at               TIMESTAMPTZ NOT NULL,
    -- sent_at + MEDCAB_REFERRAL_EXPIRY_DAYS as configured at sending; the
    -- scheduler expires what is still 'sent' past it
    expires_at            TIMESTAMPTZ NOT NULL CHECK (expires_at > sent_at),
    decided_at            TIMESTAMPTZ,
    -- who accepted or declined (the receiver, or an operator of the
    -- organisation); NULL for the system and once that person is forgotten
    decided_by            BIGINT,
    -- a side used /forget: the card says so instead of a name
    sender_erased         BOOLEAN NOT NULL DEFAULT false,
    receiver_erased       BOOLEAN NOT NULL DEFAULT false
);
-- «Исходящие», «Входящие» (a practitioner's, an organisation's): newest first.
CREATE INDEX referrals_outgoing ON referrals (sender_id, sent_at DESC, id DESC)
    WHERE sender_id IS NOT NULL;
CREATE INDEX referrals_incoming ON referrals (receiver_user_id, sent_at DESC, id DESC)
    WHERE receiver_user_id IS NOT NULL;
CREATE INDEX referrals_incoming_organisation ON referrals (receiver_ogrn, sent_at DESC, id DESC)
    WHERE receiver_ogrn IS NOT NULL;
-- The scheduler's expiry.
CREATE INDEX referrals_expiring ON referrals (expires_at) WHERE status = 'sent';

-- Every status change of a referral is a version of history's entity
-- 'referral' (owned by the sender). A person who used /forget stays in
-- others' records' versions only as 'erased': that someone did it, not who.
ALTER TABLE history DROP CONSTRAINT history_entity_check;
ALTER TABLE history ADD CONSTRAINT history_entity_check
    CHECK (entity IN ('profile', 'education', 'document', 'application', 'qualification',
        'activity_report', 'schedule_slot', 'referral'));
ALTER TABLE history DROP CONSTRAINT history_actor_kind_check;
ALTER TABLE history ADD CONSTRAINT history_actor_kind_check
    CHECK (actor_kind IN ('practitioner', 'operator', 'system', 'erased'));
ALTER TABLE history DROP CONSTRAINT history_check;
ALTER TABLE history ADD CONSTRAINT history_check
    CHECK ((actor_kind IN ('system', 'erased')) = (actor_id IS NULL));

-- A receiver is found by surname among confirmed accounts. The name is
-- sealed, so the register keeps a blind index (HMAC, core::crypto) of the
-- surname, normalised (lower case, ё as е), written by the import; rows
-- imported before are indexed by the next import of the register.
ALTER TABLE registry_entries
    ADD COLUMN surname_index BYTEA CHECK (octet_length(surname_index) = 32);
CREATE INDEX registry_entries_surname_index ON registry_entries (surname_index)
    WHERE surname_index IS NOT NULL;
