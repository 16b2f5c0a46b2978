-- Whether a pending row waits for the end of its recipient's quiet hours
-- (rather than for a retry or its chat's send rate): such rows are re-timed
-- when the recipient changes their quiet hours, and counted as "waiting
-- for the morning" in a broadcast's progress and in /settings.
ALTER TABLE outbox ADD COLUMN quiet_held BOOLEAN NOT NULL DEFAULT false;
