-- A keyed digest of a register entry's content (HMAC-SHA256 under the blind
-- index key over every field, core::registry::import), so a re-import can
-- tell an unchanged row and leave it alone instead of sealing it again.
-- NULL for rows imported before: the next import rewrites them once.
ALTER TABLE registry_entries ADD COLUMN content_digest BYTEA
    CHECK (octet_length(content_digest) = 32);
