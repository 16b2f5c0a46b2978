-- Wrong codes lock code entry for longer each time (30 minutes, 2 hours,
-- 24 hours), and after a set number of locks the factor is blocked until
-- an operator resets it (core::second_factor). A right code starts the
-- escalation afresh.
ALTER TABLE second_factors
    ADD COLUMN lockouts   INT NOT NULL DEFAULT 0,
    ADD COLUMN blocked_at TIMESTAMPTZ;
