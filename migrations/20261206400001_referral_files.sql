-- A file attached to a referral (core::referrals::files): one PDF, JPEG or
-- PNG, checked by content like a document, at most the documents' size.
--
-- The file is the patient's health data: its content and its name are
-- BYTEA sealed with AES-256-GCM (core::crypto::Vault, fields
-- "referral_files.content" and "referral_files.file_name", bound to the id
-- taken from the sequence before the INSERT). `digest` is a keyed digest
-- (HMAC under the index key), never a plain hash, which would confirm to
-- anyone holding a known file that it was sent.
--
-- While the referral is a draft the row has no referral (`referral_id`
-- NULL) and the draft holds only its id; `referrals::send` links it in the
-- referral's transaction. A draft has at most one file: a new one
-- replaces it.
CREATE TABLE referral_files (
    id          BIGSERIAL PRIMARY KEY,
    -- the sender who attached it; NULL once they used /forget (a linked
    -- file stays with its referral, as the referral stays with its
    -- receiver; a draft's file goes with the sender, see the CHECK below)
    owner_id    BIGINT REFERENCES accounts (telegram_user_id) ON DELETE SET NULL,
    -- the referral it was sent with; the file goes where the referral goes
    referral_id BIGINT UNIQUE REFERENCES referrals (id) ON DELETE CASCADE,
    -- a draft's file always has its owner: an erasure that forgot to
    -- delete it fails instead of leaving it behind
    CHECK (referral_id IS NOT NULL OR owner_id IS NOT NULL),
    file_type   TEXT NOT NULL CHECK (file_type IN ('pdf', 'jpeg', 'png')),
    file_size   BIGINT NOT NULL CHECK (file_size > 0),
    file_name   BYTEA NOT NULL,
    content     BYTEA NOT NULL,
    digest      BYTEA NOT NULL CHECK (octet_length(digest) = 32),
    created_at  TIMESTAMPTZ NOT NULL
);
-- One file per draft, and the retention of the abandoned ones.
CREATE UNIQUE INDEX referral_files_draft ON referral_files (owner_id)
    WHERE referral_id IS NULL;
CREATE INDEX referral_files_unsent ON referral_files (created_at)
    WHERE referral_id IS NULL;
CREATE INDEX referral_files_owner ON referral_files (owner_id)
    WHERE owner_id IS NOT NULL;

-- The retention of closed referrals (core::retention): by their last change.
CREATE INDEX referrals_closed ON referrals (decided_at) WHERE status <> 'sent';
