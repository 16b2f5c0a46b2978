-- Each lease of a chat has its own token, and renewing or marking done
-- checks the token, not only the instance: an instance that stalled past
-- its lease and then leased the chat again must not let the stalled task
-- go on beside the new one (both would be the same holder).
ALTER TABLE inbox_leases ADD COLUMN token UUID NOT NULL DEFAULT gen_random_uuid();
