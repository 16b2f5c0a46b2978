-- /forget keeps the consent record (152-ФЗ: proof of what was agreed to and
-- when it was withdrawn) and the security log (audit), but after it no row
-- may be keyed by the person's Telegram id. Their rows get `subject`, the
-- keyed HMAC of the id (the Vault's blind index, kind 'telegram_user'):
-- stable, so an auditor holding the data key can find one person's records
-- from a known id, and useless to anyone without the key.
ALTER TABLE consents ALTER COLUMN telegram_user_id DROP NOT NULL;
ALTER TABLE consents ADD COLUMN subject bytea;
ALTER TABLE consents ADD CONSTRAINT consents_keyed
    CHECK (telegram_user_id IS NOT NULL OR subject IS NOT NULL);
CREATE INDEX consents_subject ON consents (subject) WHERE subject IS NOT NULL;

ALTER TABLE security_events ADD COLUMN subject bytea;
CREATE INDEX security_events_subject ON security_events (subject) WHERE subject IS NOT NULL;
