-- documents.sha256 now holds a keyed digest of the file (HMAC-SHA256 under
-- the blind index key, core::documents::file_digest), no longer its plain
-- SHA-256, which let anyone holding a known file confirm from a dump that a
-- practitioner has it. SQL cannot compute the HMAC: `medcab admin reseal`
-- rewrites the old digests, and until then both kinds count as the same
-- file for deduplication.
COMMENT ON COLUMN documents.sha256 IS
    'HMAC-SHA256 of the file under the blind index key (plain SHA-256 until resealed)';
