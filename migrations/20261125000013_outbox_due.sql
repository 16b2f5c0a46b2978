-- Claiming the next due row (core::outbox::claim_next) walks this index in
-- its order and stops at the first row that is due and not locked. The old
-- index (priority, id) made a claim step over every row held for quiet
-- hours first: with 100 000 held rows, 13 ms a claim instead of 0.05 ms.
CREATE INDEX outbox_due ON outbox (priority, available_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
DROP INDEX outbox_pending;
