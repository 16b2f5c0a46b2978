-- Whether the practitioner behind an account is confirmed: the register
-- matched their СНИЛС and phone, or an operator approved their activation
-- application. NULL for an applicant who is not in the register: linked to
-- the СНИЛС they gave (one Telegram account per СНИЛС still holds through
-- accounts_snils_linked), enrolled, but waiting for the activation.
--
-- Not to be confused with confirmed_until, the step-up session.
ALTER TABLE accounts ADD COLUMN confirmed_at TIMESTAMPTZ;

-- Until now the register was the only way to link, so every linked
-- account was matched there; and an approved activation confirmed its owner.
UPDATE accounts SET confirmed_at = linked_at WHERE linked_at IS NOT NULL;
UPDATE accounts SET confirmed_at = decided.at
FROM (
    SELECT owner_id, min(decided_at) AS at FROM applications
    WHERE kind = 'activation' AND status = 'approved'
    GROUP BY owner_id
) AS decided
WHERE accounts.telegram_user_id = decided.owner_id AND accounts.confirmed_at IS NULL;
