-- A message the bot will delete or edit later (a session's card or file,
-- an enrolment QR code) is kept as the messenger names it, with its chat:
-- `telegram:<chat>:<message>` or `max:<chat>:<mid>` (Max's ids are text,
-- and a Telegram chat linked to an account born on Max is not that
-- account's id). Until now only Telegram's numbers, in the account's own
-- chat, could be kept.
ALTER TABLE session_files
    ALTER COLUMN message_id TYPE TEXT
    USING 'telegram:' || telegram_user_id || ':' || message_id;
ALTER TABLE second_factors
    ALTER COLUMN enrolment_message_id TYPE TEXT
    USING 'telegram:' || telegram_user_id || ':' || enrolment_message_id;
ALTER TABLE operator_factors
    ALTER COLUMN enrolment_message_id TYPE TEXT
    USING 'telegram:' || telegram_user_id || ':' || enrolment_message_id;
