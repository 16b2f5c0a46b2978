-- Whether a practitioner's report on professional activity is agreed with
-- the head of their organisation, as they said on the accreditation
-- screen: it moves the month to file the portfolio in (two months before
-- the expiry month when agreed, three when not). One row per practitioner,
-- written on their first answer; none means not said (taken as not
-- agreed, the earlier month). Erased with the account.
CREATE TABLE report_agreements (
    telegram_user_id BIGINT PRIMARY KEY REFERENCES accounts (telegram_user_id) ON DELETE CASCADE,
    agreed           BOOLEAN NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
