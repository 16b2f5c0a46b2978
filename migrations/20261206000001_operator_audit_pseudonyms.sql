-- /forget re-keys what operators saw of a practitioner from the Telegram id
-- to the person's pseudonym (core::erasure::pseudonym, a keyed HMAC), as the
-- security log already is: the audit keeps the fact that an operator saw an
-- application, and no row stays keyed by the forgotten person's id. The
-- operator's own id stays: it is the staff member's accountability record.
ALTER TABLE operator_audit ADD COLUMN owner_subject BYTEA
    CHECK (owner_subject IS NULL OR octet_length(owner_subject) = 32);
CREATE INDEX operator_audit_owner_subject ON operator_audit (owner_subject)
    WHERE owner_subject IS NOT NULL;
