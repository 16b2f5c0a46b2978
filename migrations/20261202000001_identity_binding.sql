-- A СНИЛС belongs to its owner, not to whoever typed it first.
--
-- Until now one linked account held a СНИЛС, confirmed or not, so an
-- applicant who typed a registered practitioner's СНИЛС locked the owner
-- out. Now only a confirmed account (matched in the register on СНИЛС and
-- the owner's own phone, or approved by an operator) holds it; unconfirmed
-- applicants may share it until one of them is confirmed, and a register
-- match unlinks them (core::identity).
DROP INDEX accounts_snils_linked;
CREATE UNIQUE INDEX accounts_snils_confirmed ON accounts (snils_index) WHERE confirmed_at IS NOT NULL;
CREATE INDEX accounts_snils_linked ON accounts (snils_index) WHERE linked_at IS NOT NULL;

-- СНИЛС numbers typed in the current window (core::identity's limit), so
-- the bot cannot be used to try СНИЛС after СНИЛС. On the account: erased
-- with it.
ALTER TABLE accounts
    ADD COLUMN snils_tries       INT NOT NULL DEFAULT 0,
    ADD COLUMN snils_tries_since TIMESTAMPTZ;

-- The absolute limit of a step-up session: it ends then, however active.
ALTER TABLE accounts ADD COLUMN session_started_at TIMESTAMPTZ;
