-- Claiming the next due row (core::outbox::claim_next) walks this index in
-- its order and stops at the first row that is due and not locked. The old
-- index (priority, id) made a claim step over every row held for quiet
-- hours first: with 100 000 held rows, 13 ms a claim instead of 0.05 ms.
CREATE INDEX outbox_due ON outbox (priority, available_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
DROP INDEX outbox_pending;

-- Every sent row leaves a dead entry in outbox_due until a vacuum; a claim
-- walks over them. In a broadcast of 100 000 that made PostgreSQL's cost per
-- message grow from 0.5 to 1.2 ms (docs/benchmarks.md). Vacuum this table
-- after 1 000 changed rows rather than after a fifth of the table.
ALTER TABLE outbox SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 10000
);
