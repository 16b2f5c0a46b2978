-- СНИЛС typed per person per hour, kept under the person's pseudonym (a
-- keyed digest of their id) so /forget, which erases the account, does not
-- reset the count: erasing and starting again must not give a caller who
-- tries other people's numbers five more tries each round. It holds no
-- personal data, and goes once its window is over (retention).
CREATE TABLE snils_tries (
    subject BYTEA       PRIMARY KEY,
    tries   INT         NOT NULL,
    since   TIMESTAMPTZ NOT NULL
);

ALTER TABLE accounts DROP COLUMN snils_tries, DROP COLUMN snils_tries_since;
