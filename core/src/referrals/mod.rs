//! Electronic referrals («направления»): a practitioner sends a patient's
//! referral to another practitioner or to an organisation in the system,
//! whose operators receive it; the receiver accepts it or declines it with
//! a reason, and the sender is told.
//!
//! Owns the tables `referrals`, `referral_files` and
//! `operator_organisations` and the sequence `referral_numbers`. The rules
//! that need no storage are in [`rules`] (re-exported here): urgency, the
//! kind of care, what a reason and a patient's reference may be, the
//! status machine, who may see a referral, expiry. [`store`] holds the
//! SQL, [`files`] the file a referral may carry, [`search`] finds
//! receivers in the register, [`organisations`] binds operators to an
//! organisation.
//!
//! # What a referral holds
//!
//! Health data is a special category under 152-ФЗ, and the chat is no
//! place for it: a referral names no patient, diagnosis, policy number or
//! СНИЛС. It is who sends, to whom, why in general words, how urgent, what
//! kind of care, and the patient's case or card number in the clinic's
//! information system, which holds the rest. The reason, the reference and
//! a decline's reason are refused when they look like a patient's data
//! (`crate::patient_data`) or a full name ([`rules::looks_like_full_name`]),
//! and are sealed (`referrals.reason`, `referrals.patient_ref`,
//! `referrals.decline_reason`, bound to the referral's id).
//!
//! A referral may carry one file (a PDF, JPEG or PNG: a test result, an
//! extract), checked by content as a document is and sealed in
//! `referral_files` ([`files`]). A card says only that one is attached,
//! its type and size; its name is never in a push.
//!
//! # Who sees it, and the record of every read
//!
//! Its sender and its receiver; for an organisation, the operators bound
//! to it ([`rules::side_of`]), each within their second-factor session
//! (the bot's gates). Anyone else naming its id is refused
//! ([`ReferralError::NotYours`], the same as for an id that does not
//! exist) and the bot records the forged button. Every read of a card is
//! recorded in the transaction that reads it: an operator's in
//! `operator_audit` (`viewed`, the referral's id in the details), as every
//! operator's view of personal data is; a practitioner's in the security
//! log (`referral_read`), which is append-only, holds no personal data, is
//! kept a year (`retention`) and survives the reader's /forget under their
//! pseudonym — what an access record needs, without a second table with
//! its own erasure and retention rules.
//!
//! # Changes
//!
//! Every status change is one transaction: the row, a version of history's
//! entity `referral` (owned by the sender: the referral is their record,
//! as an application is its applicant's), and the pushes — to the receiver
//! (or each of the organisation's operators) when it is sent or cancelled,
//! to the sender when it is accepted, declined or expired. A push names
//! the number, the urgency and the status only: it shows on a locked
//! screen. Pushes are [`crate::outbox::Kind::Referral`] (to a practitioner)
//! and [`crate::outbox::Kind::OrganisationReferral`] (to operators), both
//! of the category `Status`: a referral is one's own work, like an
//! application's status, so it cannot be switched off (a patient would be
//! lost), and it waits out quiet hours — emergency care is never arranged
//! through a chat.
//!
//! A referral still waiting at `expires_at` (its sending plus
//! `MEDCAB_REFERRAL_EXPIRY_DAYS` as configured then) is expired by the
//! scheduler ([`store::expire_due`], `FOR UPDATE SKIP LOCKED`).
//!
//! # /forget
//!
//! A referral is about a patient whom the other side may still be caring
//! for, so one side's erasure does not take the other side's copy:
//!
//! - **The sender** erases themselves: their unsent form goes (a draft);
//!   each referral they sent stays with its receiver, without the sender's
//!   link (`sender_id` NULL, `sender_erased`): the card says the sender
//!   left the service and still names the sender's organisation (an
//!   organisation names no one), which is whom to call about the patient.
//!   One still waiting is cancelled by the system — nobody is left to hear
//!   the answer — and the receiver is told. The sender's history versions
//!   go with the rest of their history.
//! - **The receiver** (a practitioner) erases themselves: each referral
//!   sent to them stays with its sender, without the receiver's link
//!   (`receiver_user_id` NULL, `receiver_erased`); one still waiting is
//!   declined by the system, without a reason, and the sender is told.
//!   Where they acted (accepted, declined), `decided_by` is cleared and the
//!   versions name them only as `erased`.
//! - A referral neither side can read any more (both erased) is deleted.
//! - The file goes where its referral goes: it stays with the side that
//!   keeps the referral, no longer linked to the one who left, and is
//!   deleted with it. A file attached to an unsent form goes with the
//!   sender, as the form does.
//!
//! # How long
//!
//! A referral still waiting is kept until it is answered or expires. A
//! closed one (accepted, declined, cancelled, expired) is deleted, with
//! its file and its versions, [`crate::retention::CLOSED_REFERRALS`]
//! after its last change ([`store::purge_closed`]); a file attached to a
//! form never sent, [`crate::retention::UNSENT_REFERRAL_FILES`] after it
//! was attached ([`files::purge_unsent`]). The periods and their reasons
//! are in `retention`.
//!
//! An organisation's referrals are unaffected by an operator's erasure
//! beyond `decided_by`: they are the organisation's.

pub mod files;
pub mod organisations;
mod rules;
pub mod search;
pub mod store;

pub use rules::{
    Care, DEFAULT_EXPIRY_DAYS, Event, MAX_EXPIRY_DAYS, PATIENT_REF_MAX_CHARS, PatientRef,
    REASON_MAX_CHARS, Reason, Receiver, Side, Status, TextProblem, TransitionError, Urgency,
    Viewer, expires_at, format_number, is_expired, looks_like_full_name, side_of, transition,
};
pub use store::{
    Card, Folder, Line, Outgoing, Page, Referral, ReferralError, To, accept, cancel, decline,
    expire_due, list, open, purge_closed, send,
};

/// The Vault fields of the sealed columns (bound to the referral's id).
pub const REASON_FIELD: &str = "referrals.reason";
pub const PATIENT_REF_FIELD: &str = "referrals.patient_ref";
pub const DECLINE_REASON_FIELD: &str = "referrals.decline_reason";
