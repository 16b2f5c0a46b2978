-- «Запросить проверку»: an operator confirms the education records
-- (core::qualification::check).

-- Which records an education check covers, each as it was when the check
-- was (re)submitted: an approval confirms a record only if it is unchanged
-- since. Gone with its application; a record deleted later leaves its row
-- (it simply confirms nothing).
CREATE TABLE education_check_records (
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    record_id      BIGINT NOT NULL,
    -- the record's updated_at when the check was submitted
    record_version TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, record_id)
);

-- When an approved check confirmed the record as it is now; any change to
-- the record (its answers, its certificate, a re-import) clears it.
ALTER TABLE qualification_records ADD COLUMN confirmed_at TIMESTAMPTZ;
