//! The outbox: every notification the bot sends on its own initiative.
//!
//! Owns the table `outbox`. A business change and the notifications it
//! causes commit together ([`enqueue`] takes the change's transaction), so
//! a notification is never lost and never sent for a change that rolled
//! back. The bot's delivery workers then [`claim_next`] one row at a time,
//! each in its own transaction held across the send, and mark it in that
//! transaction ([`mark_sent`], [`mark_failed`], [`retry_at`],
//! [`hold_until`]) before committing.
//!
//! A row holds what happened ([`Push`], typed), not text: the bot words it
//! in the recipient's language at delivery.
//!
//! Messengers: a row is addressed to the recipient's account (`chat_id`,
//! which for an account born on Telegram is also its Telegram chat) and
//! names the messenger it goes through (`messenger`). A notification is
//! written as one row per messenger the SQL function `outbox_messengers`
//! (migration `20261208000001`) gives: every linked one for security
//! ([`Kind::everywhere`]), else the one /settings chose, or every one when
//! none is chosen or the chosen one is unlinked or unreachable. Delivery
//! finds the chat on that messenger (`channels`) when it sends.
//!
//! A crash between the send and the commit rolls the claim back: the row is
//! due again at once and is sent again. Delivery is at least once, and a
//! crash doubles at most the messages that were in flight (one per lane of
//! a worker), never loses one.
//!
//! Times: `available_at` is compared with the `now` the worker passes in
//! (its clock, the domain's), and [`enqueue`] writes it from the caller's
//! `now`; so rows, quiet hours and retries all live on one clock, which a
//! test can move. `sent_at` and `failed_at` are the database's `now()`: a
//! record of when the network event happened, never compared.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Language;
use crate::channels::Messenger;
use crate::notification_settings::Settings;

/// Sends that failed for a reason that may pass (a 5xx, a 401, the network)
/// before a row is given up on: with the worker's backoff (2 s doubling to
/// 10 minutes) about two hours, so an outage of Telegram or of the network
/// does not fail the rows claimed meanwhile. 429s are not counted; a 400 or
/// a 403 is given up on at once.
pub const MAX_ATTEMPTS: i32 = 20;

/// `last_error` of a row failed without a send because the recipient
/// switched its category off after it was written.
pub const SWITCHED_OFF: &str = "switched off by the recipient";

/// `last_error` of a row failed without a send because its recipient has
/// no consent in force (withdrew it with /forget, perhaps after the row was
/// written, or never gave it).
pub const NO_CONSENT: &str = "the recipient has no consent in force";

/// `last_error` of a row failed without a send because its chat is known
/// unreachable (a 403 earlier, and the user has not written since).
pub const UNREACHABLE: &str = "the chat is unreachable (the user blocked the bot)";

/// `last_error` of a row failed because its payload does not parse.
pub const UNREADABLE: &str = "the payload does not parse";

/// How long a row of a kind this version does not know (written by a newer
/// one during a rolling deploy) is left for a newer version to deliver
/// before this one looks at it again.
pub const UNKNOWN_KIND_HOLD: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Failed attempts after which an urgent row (a login confirmation) is
/// given up: it is useless once its two minutes are over, so after
/// 2 + 4 + 8 + 16 s it is given up rather than shown an hour later.
pub const URGENT_MAX_ATTEMPTS: i32 = 5;

/// The longest wait between two tries after a transient failure.
pub const BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(600);

/// What a claimed row comes to before any send, judged by what its
/// recipient wants at this moment (their settings may have changed since
/// the row was written). The delivery worker's rules, pure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Send it (paced to Telegram's limits).
    Send(Kind),
    /// Not now, through no failure, no attempt counted: due again at
    /// `until`; `quiet` when that is the end of the recipient's quiet hours.
    Hold { until: DateTime<Utc>, quiet: bool },
    /// Never: failed without a send, for this reason (`last_error`).
    Fail(&'static str),
}

/// Whether a claimed row is sent, held or failed without a send: a kind
/// this version does not know is held [`UNKNOWN_KIND_HOLD`]; a payload that
/// does not parse fails; so does a recipient without consent in force
/// (except operators' staff notices, [`Kind::FeedProposals`] and
/// [`Kind::OrganisationReferral`]), a chat
/// known unreachable, and a category switched off; a non-urgent row of a
/// category quiet hours hold, in the recipient's quiet hours, is held
/// until they end. Everything else is sent.
pub fn settle(row: &Claimed, now: DateTime<Utc>) -> Settle {
    let Some(kind) = row.kind else {
        let later = chrono::Duration::from_std(UNKNOWN_KIND_HOLD).unwrap_or(chrono::Duration::MAX);
        return Settle::Hold {
            until: now + later,
            quiet: false,
        };
    };
    if row.payload.is_none() {
        return Settle::Fail(UNREADABLE);
    }
    if !row.consented && !matches!(kind, Kind::FeedProposals | Kind::OrganisationReferral) {
        // /forget committed after the row was written (or consent was never
        // given). Operators' staff notices (the feed's proposals, their
        // organisation's referrals) are not about them as practitioners.
        return Settle::Fail(NO_CONSENT);
    }
    if row.unreachable {
        return Settle::Fail(UNREACHABLE);
    }
    if !row.settings.allows(kind.category()) {
        return Settle::Fail(SWITCHED_OFF);
    }
    if kind.held_in_quiet_hours()
        && row.priority != Priority::Urgent
        && let Some(release) = row.settings.release_at(now)
    {
        return Settle::Hold {
            until: release,
            quiet: true,
        };
    }
    Settle::Send(kind)
}

/// After a send failed for a reason that may pass (a 5xx, a 401, the
/// network): try again after a while, or give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    After(std::time::Duration),
    GiveUp,
}

/// The retry policy: `attempts` is the count with the failed one. 2 s,
/// 4 s, 8 s, … 512 s, then every 10 minutes, so a network blip passes at
/// the first retries and an outage is waited out without hammering it; up
/// to [`MAX_ATTEMPTS`] (about two hours), an urgent row up to
/// [`URGENT_MAX_ATTEMPTS`].
pub fn after_transient_failure(priority: Priority, attempts: i32) -> Retry {
    if attempts >= give_up_after(priority) {
        Retry::GiveUp
    } else {
        Retry::After(backoff(attempts))
    }
}

/// Failed attempts after which a row of this priority is given up.
pub fn give_up_after(priority: Priority) -> i32 {
    match priority {
        Priority::Urgent => URGENT_MAX_ATTEMPTS,
        Priority::Personal | Priority::Broadcast => MAX_ATTEMPTS,
    }
}

/// The wait before the next try after `attempts` failed ones.
pub fn backoff(attempts: i32) -> std::time::Duration {
    std::time::Duration::from_secs(1 << attempts.clamp(1, 10)).min(BACKOFF_MAX)
}

/// What a notification is about; decides its buttons at delivery, its
/// [`Priority`] and the [`Category`] a practitioner may switch off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// «Вход в личный кабинет: это вы?», with the answer buttons.
    LoginConfirmation,
    /// An application changed status ([`Push::ApplicationStatusChanged`]).
    ApplicationStatusChanged,
    /// About a second-factor reset: requested (with a button to cancel),
    /// approved (when it takes effect, the same button), applied (enrol a
    /// new authenticator) or rejected. Stored as `factor_reset_approved`,
    /// its first use.
    FactorReset,
    /// A change in regulation, published to those it concerns.
    RegulatoryNotice,
    /// An inspection was scheduled.
    Inspection,
    /// An inspection is 7 days or 1 day away.
    InspectionReminder,
    /// A document runs out in 90, 30 or 7 days.
    DocumentExpiring,
    /// The accreditation runs out, or periodic accreditation may be applied for.
    AccreditationExpiring,
    /// To operators: the regulatory feed brought notices to decide on.
    FeedProposals,
    /// Something happened to the account's security (unlinked, a reset
    /// pending, a link refused): a text, no buttons, never held.
    SecurityNotice,
    /// To a practitioner: a referral came, or one of theirs changed status
    /// (`crate::referrals`), with a button to open it.
    Referral,
    /// To an organisation's operators: a referral to it came or was
    /// cancelled, with a button to open it (behind the staff session).
    OrganisationReferral,
    /// The clinic changed the schedule within the next 14 days, or
    /// overrode the practitioner's change ([`Push::ScheduleChanged`]).
    ScheduleChanged,
    /// The same, for a change within the next 24 hours: not held by quiet
    /// hours ([`Kind::held_in_quiet_hours`]).
    ScheduleChangedSoon,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::LoginConfirmation,
        Kind::ApplicationStatusChanged,
        Kind::FactorReset,
        Kind::RegulatoryNotice,
        Kind::Inspection,
        Kind::InspectionReminder,
        Kind::DocumentExpiring,
        Kind::AccreditationExpiring,
        Kind::FeedProposals,
        Kind::SecurityNotice,
        Kind::Referral,
        Kind::OrganisationReferral,
        Kind::ScheduleChanged,
        Kind::ScheduleChangedSoon,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LoginConfirmation => "login_confirmation",
            Kind::ApplicationStatusChanged => "application_status_changed",
            Kind::FactorReset => "factor_reset_approved",
            Kind::RegulatoryNotice => "regulatory_notice",
            Kind::Inspection => "inspection",
            Kind::InspectionReminder => "inspection_reminder",
            Kind::DocumentExpiring => "document_expiring",
            Kind::AccreditationExpiring => "accreditation_expiring",
            Kind::FeedProposals => "feed_proposals",
            Kind::SecurityNotice => "security_notice",
            Kind::Referral => "referral",
            Kind::OrganisationReferral => "organisation_referral",
            Kind::ScheduleChanged => "schedule_changed",
            Kind::ScheduleChangedSoon => "schedule_changed_soon",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Which switch in /settings governs it.
    pub fn category(self) -> Category {
        match self {
            Kind::LoginConfirmation | Kind::FactorReset | Kind::SecurityNotice => {
                Category::Security
            }
            // An operator's own work, like a practitioner's applications.
            Kind::ApplicationStatusChanged | Kind::FeedProposals => Category::Status,
            // One's own work: never switched off (a patient would be lost),
            // held in quiet hours (emergency care is not arranged by chat).
            Kind::Referral | Kind::OrganisationReferral => Category::Status,
            Kind::RegulatoryNotice => Category::Regulation,
            Kind::Inspection | Kind::InspectionReminder => Category::Inspections,
            Kind::DocumentExpiring | Kind::AccreditationExpiring => Category::Reminders,
            Kind::ScheduleChanged | Kind::ScheduleChangedSoon => Category::Schedule,
        }
    }

    /// Whether quiet hours hold it back: its category's rule, except a
    /// schedule change within the next 24 hours, which is news tonight.
    pub fn held_in_quiet_hours(self) -> bool {
        self != Kind::ScheduleChangedSoon && self.category().held_in_quiet_hours()
    }

    /// Whether it goes to every messenger of the account, whatever
    /// /settings chose: what concerns the account's security (a login to
    /// confirm, a reset pending) must reach the person wherever they look
    /// first. The rest goes where /settings says.
    pub fn everywhere(self) -> bool {
        self.category() == Category::Security
    }

    /// Where it goes in the queue.
    pub fn priority(self) -> Priority {
        match self {
            Kind::LoginConfirmation => Priority::Urgent,
            Kind::ApplicationStatusChanged
            | Kind::FactorReset
            | Kind::SecurityNotice
            | Kind::DocumentExpiring
            | Kind::AccreditationExpiring
            | Kind::FeedProposals
            | Kind::Referral
            | Kind::OrganisationReferral => Priority::Personal,
            Kind::ScheduleChanged | Kind::ScheduleChangedSoon => Priority::Personal,
            Kind::RegulatoryNotice | Kind::Inspection | Kind::InspectionReminder => {
                Priority::Broadcast
            }
        }
    }
}

/// The order of delivery: every urgent row before any personal one, every
/// personal row before any broadcast. Within a priority, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Someone is waiting for it right now (a login form). Never held for
    /// quiet hours.
    Urgent = 0,
    /// About one practitioner's own affairs.
    Personal = 1,
    /// One notice to many; must not delay the others.
    Broadcast = 2,
}

impl Priority {
    pub fn from_i16(value: i16) -> Priority {
        match value {
            0 => Priority::Urgent,
            1 => Priority::Personal,
            _ => Priority::Broadcast,
        }
    }
}

/// What a practitioner can switch on and off in /settings, and what not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Logins and the second factor: always delivered, even in quiet hours.
    Security,
    /// One's own applications: always delivered, held in quiet hours.
    Status,
    Inspections,
    Regulation,
    Reminders,
    /// The clinic's changes to one's schedule («Расписание»).
    Schedule,
}

impl Category {
    /// Whether /settings may switch it off.
    pub fn optional(self) -> bool {
        matches!(
            self,
            Category::Inspections | Category::Regulation | Category::Reminders | Category::Schedule
        )
    }

    /// Whether quiet hours hold it back.
    pub fn held_in_quiet_hours(self) -> bool {
        self != Category::Security
    }
}

/// A notification: what happened ([`Push`]) and what its buttons answer.
/// The recipient's language is applied at delivery, by the bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// What the push tells, stored as `"key"` and `"args"`.
    #[serde(flatten)]
    pub push: Push,
    /// The login challenge the buttons answer ([`Kind::LoginConfirmation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_challenge: Option<Uuid>,
    /// The second-factor reset request the push's button cancels
    /// ([`Kind::FactorReset`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor_reset: Option<i64>,
    /// The referral the push's button opens ([`Kind::Referral`],
    /// [`Kind::OrganisationReferral`]; re-checked when pressed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<i64>,
}

impl Payload {
    /// A push without buttons to answer.
    pub fn new(push: Push) -> Payload {
        Payload {
            push,
            login_challenge: None,
            factor_reset: None,
            referral: None,
        }
    }

    /// The payload of a stored row, as [`for_chat`] returns it.
    pub fn read(stored: &Value) -> Option<Payload> {
        Payload::deserialize(stored).ok()
    }
}

/// What a push says happened, with its facts typed; core names no words:
/// the bot chooses them (`bot/src/delivery/render.rs`).
///
/// Stored as `{"key": NAME, "args": {…}}`. The names are the wire names of
/// the rows already queued (the Fluent ids they were first written with),
/// and so are the argument names and forms: a row written by an older
/// version still reads, and one written now still renders in an older one
/// during a rolling deploy. Never rename one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", content = "args")]
pub enum Push {
    /// Someone is logging in to the personal account on the site.
    #[serde(rename = "login-push")]
    LoginAttempt {
        #[serde(with = "wire::time")]
        time: DateTime<Utc>,
        device: String,
        place: String,
    },
    /// An application changed status.
    #[serde(rename = "application-status-changed")]
    ApplicationStatusChanged {
        number: String,
        #[serde(with = "wire::code")]
        status: crate::applications::Status,
    },
    /// A second-factor reset was requested: it may be approved from then.
    #[serde(rename = "factor-reset-requested-push")]
    FactorResetRequested {
        #[serde(with = "wire::date_time")]
        earliest: DateTime<Utc>,
    },
    /// The reset was approved and takes effect then.
    #[serde(rename = "factor-reset-scheduled-push")]
    FactorResetScheduled {
        #[serde(with = "wire::date_time")]
        at: DateTime<Utc>,
    },
    /// The reset took effect: a new authenticator is to be enrolled.
    #[serde(rename = "factor-reset-approved")]
    FactorResetApplied {},
    /// The reset was rejected (the reason is behind the second factor).
    #[serde(rename = "factor-reset-rejected-push")]
    FactorResetRejected {},
    /// The account was unlinked: the owner of its СНИЛС connected. Neutral:
    /// it says neither who connected nor that the СНИЛС is in the register.
    #[serde(rename = "identity-unlinked-superseded")]
    UnlinkedSuperseded {},
    /// Support staff unlinked the account.
    #[serde(rename = "identity-unlinked-by-support")]
    UnlinkedBySupport {},
    /// Another messenger was linked to the account (told on the first, so
    /// that a link the owner did not make is noticed).
    #[serde(rename = "messenger-linked-push")]
    MessengerLinked { messenger: Messenger },
    /// To a confirmed holder: another Telegram account matched their СНИЛС
    /// and phone, and was refused.
    #[serde(rename = "identity-link-conflict")]
    LinkConflict {},
    /// A change in regulation. No personal data: a notice is public.
    #[serde(rename = "regulatory-notice-push")]
    RegulatoryNotice {
        title: String,
        summary: String,
        #[serde(with = "wire::yes_no")]
        has_link: bool,
        /// Empty without a link.
        #[serde(default)]
        link: String,
    },
    /// To operators: the feed brought this many notices to decide on.
    #[serde(rename = "feed-proposals-push")]
    FeedProposals { count: i64 },
    /// An inspection was scheduled; `prepare` is what to have ready.
    #[serde(rename = "inspection-push")]
    InspectionScheduled {
        #[serde(flatten)]
        inspection: InspectionFacts,
        prepare: String,
    },
    /// An inspection is `days` away.
    #[serde(rename = "inspection-reminder-push")]
    InspectionReminder {
        #[serde(flatten)]
        inspection: InspectionFacts,
        prepare: String,
        days: i64,
    },
    /// An announced inspection was cancelled.
    #[serde(rename = "inspection-cancelled-push")]
    InspectionCancelled {
        #[serde(flatten)]
        inspection: InspectionFacts,
    },
    /// A document runs out on `date`, in `days`.
    #[serde(rename = "document-expiring-push")]
    DocumentExpiring {
        #[serde(with = "wire::code")]
        kind: crate::documents::DocumentKind,
        days: i64,
        #[serde(with = "wire::date")]
        date: NaiveDate,
    },
    /// Periodic accreditation may be applied for: the accreditation runs
    /// out on `date`, in `days`.
    #[serde(rename = "accreditation-window-push")]
    AccreditationWindow {
        days: i64,
        #[serde(with = "wire::date")]
        date: NaiveDate,
    },
    /// The accreditation runs out on `date`, in `days`.
    #[serde(rename = "accreditation-expiring-push")]
    AccreditationExpiring {
        days: i64,
        #[serde(with = "wire::date")]
        date: NaiveDate,
    },
    /// One of the accreditation's reminders
    /// ([`crate::qualification::THRESHOLDS`]): `months` before it runs out
    /// on `date` (`days` left), what to do now (`stage`: collecting, the
    /// filing month, late) and the month to file in. Replaces the two
    /// above, which stay for the rows they wrote.
    #[serde(rename = "accreditation-reminder-push")]
    AccreditationReminder {
        months: u32,
        days: i64,
        #[serde(with = "wire::date")]
        date: NaiveDate,
        #[serde(with = "wire::code")]
        stage: crate::qualification::Stage,
        #[serde(with = "wire::month")]
        filing: crate::qualification::CalendarMonth,
    },
    /// A referral came: its number and urgency only (no patient, no
    /// reason: the push shows on a locked screen).
    #[serde(rename = "referral-received-push")]
    ReferralReceived {
        number: String,
        #[serde(with = "wire::code")]
        urgency: crate::referrals::Urgency,
    },
    /// A referral changed status (accepted, declined, cancelled, expired):
    /// its number and the status; the reason is behind the second factor.
    #[serde(rename = "referral-status-push")]
    ReferralStatusChanged {
        number: String,
        #[serde(with = "wire::code")]
        status: crate::referrals::Status,
    },
    /// The clinic's import changed the schedule: `changes` within the next
    /// 14 days, the nearest on `first`; `overridden` of the practitioner's
    /// own changes replaced by the clinic's. Counts and a day only: where
    /// and what is behind the step-up.
    #[serde(rename = "schedule-changed-push")]
    ScheduleChanged {
        changes: i64,
        #[serde(default, with = "wire::optional_date")]
        first: Option<NaiveDate>,
        overridden: i64,
    },
}

/// Whom an inspection concerns and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionFacts {
    pub scope: InspectionScope,
    /// «ГКБ № 1, Москва», or the region alone.
    pub place: String,
    #[serde(with = "wire::date")]
    pub date: NaiveDate,
    #[serde(with = "wire::code")]
    pub kind: crate::inspections::InspectionKind,
}

/// What `InspectionFacts::place` names first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionScope {
    /// An organisation (with its region, when given).
    Organisation,
    /// A region alone.
    Region,
}

/// The stored forms of typed arguments, as the rows already queued have
/// them.
mod wire {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::dates::{self, Shown};

    /// An instant as `{"moment": RFC 3339, "shown": "time"}`, shown as a time.
    pub mod time {
        use chrono::{DateTime, Utc};
        use serde::{Deserializer, Serializer};

        use crate::dates::Shown;

        pub fn serialize<S: Serializer>(at: &DateTime<Utc>, out: S) -> Result<S::Ok, S::Error> {
            super::write_moment(at, Shown::Time, out)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<DateTime<Utc>, D::Error> {
            super::read_moment(input)
        }
    }

    /// An instant shown with its date.
    pub mod date_time {
        use chrono::{DateTime, Utc};
        use serde::{Deserializer, Serializer};

        use crate::dates::Shown;

        pub fn serialize<S: Serializer>(at: &DateTime<Utc>, out: S) -> Result<S::Ok, S::Error> {
            super::write_moment(at, Shown::DateTime, out)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<DateTime<Utc>, D::Error> {
            super::read_moment(input)
        }
    }

    /// A calendar date as «ДД.ММ.ГГГГ».
    pub mod date {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(date: &NaiveDate, out: S) -> Result<S::Ok, S::Error> {
            out.serialize_str(&crate::dates::date_text(*date))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<NaiveDate, D::Error> {
            let text = String::deserialize(input)?;
            NaiveDate::parse_from_str(&text, "%d.%m.%Y").map_err(serde::de::Error::custom)
        }
    }

    /// A calendar date as «ДД.ММ.ГГГГ», or an empty string for none.
    pub mod optional_date {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            date: &Option<NaiveDate>,
            out: S,
        ) -> Result<S::Ok, S::Error> {
            out.serialize_str(&date.map(crate::dates::date_text).unwrap_or_default())
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            input: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            let text = String::deserialize(input)?;
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(&text, "%d.%m.%Y")
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
    }

    /// A calendar month as «ММ.ГГГГ».
    pub mod month {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        use crate::qualification::CalendarMonth;

        pub fn serialize<S: Serializer>(month: &CalendarMonth, out: S) -> Result<S::Ok, S::Error> {
            out.serialize_str(&format!("{:02}.{:04}", month.month(), month.year()))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<CalendarMonth, D::Error> {
            let text = String::deserialize(input)?;
            NaiveDate::parse_from_str(&format!("01.{text}"), "%d.%m.%Y")
                .map(CalendarMonth::of)
                .map_err(serde::de::Error::custom)
        }
    }

    /// A value with a stable code (`as_str` / `parse`), stored as the code.
    pub mod code {
        use serde::{Deserialize, Deserializer, Serializer};

        pub trait Code: Sized + Copy {
            fn code(self) -> &'static str;
            fn from_code(code: &str) -> Option<Self>;
        }

        pub fn serialize<T: Code, S: Serializer>(value: &T, out: S) -> Result<S::Ok, S::Error> {
            out.serialize_str(value.code())
        }

        pub fn deserialize<'de, T: Code, D: Deserializer<'de>>(input: D) -> Result<T, D::Error> {
            let code = String::deserialize(input)?;
            T::from_code(&code)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown code {code:?}")))
        }

        macro_rules! codes {
            ($($type:ty),*) => {$(
                impl Code for $type {
                    fn code(self) -> &'static str {
                        self.as_str()
                    }
                    fn from_code(code: &str) -> Option<Self> {
                        <$type>::parse(code)
                    }
                }
            )*};
        }

        codes!(
            crate::applications::Status,
            crate::documents::DocumentKind,
            crate::inspections::InspectionKind,
            crate::qualification::Stage,
            crate::referrals::Urgency,
            crate::referrals::Status
        );
    }

    /// A yes-or-no as `"yes"` / `"no"`.
    pub mod yes_no {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(yes: &bool, out: S) -> Result<S::Ok, S::Error> {
            out.serialize_str(if *yes { "yes" } else { "no" })
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<bool, D::Error> {
            Ok(String::deserialize(input)? == "yes")
        }
    }

    fn write_moment<S: Serializer>(
        at: &DateTime<Utc>,
        shown: Shown,
        out: S,
    ) -> Result<S::Ok, S::Error> {
        dates::moment_arg(*at, shown).serialize(out)
    }

    fn read_moment<'de, D: Deserializer<'de>>(input: D) -> Result<DateTime<Utc>, D::Error> {
        let value = serde_json::Value::deserialize(input)?;
        dates::read_moment_arg(&value)
            .map(|(at, _)| at)
            .ok_or_else(|| serde::de::Error::custom("not an instant"))
    }
}

/// A notification to enqueue.
#[derive(Debug, Clone)]
pub struct Notification {
    pub chat_id: i64,
    pub kind: Kind,
    pub payload: Payload,
    /// Not delivered before then (the end of the recipient's quiet hours);
    /// `None`: at once.
    pub not_before: Option<DateTime<Utc>>,
    /// A second notification with the same key is not written (a reminder
    /// for one document and one threshold, whichever scheduler writes it).
    pub dedup_key: Option<String>,
    /// The broadcast it is part of, for its progress.
    pub broadcast_id: Option<i64>,
}

impl Notification {
    /// To be delivered at once, not part of a broadcast.
    pub fn new(chat_id: i64, kind: Kind, payload: Payload) -> Notification {
        Notification {
            chat_id,
            kind,
            payload,
            not_before: None,
            dedup_key: None,
            broadcast_id: None,
        }
    }
}

/// A row a worker has claimed (locked in its transaction) and must now
/// send and mark, with what delivery needs to know about its recipient.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    /// The recipient's account (for an account born on Telegram, also its
    /// Telegram chat): what their language, settings and consent are
    /// keyed by.
    pub chat_id: i64,
    /// The messenger the row goes through.
    pub messenger: Messenger,
    /// The recipient's chat on that messenger; `None` when the account no
    /// longer has that messenger (unlinked after the row was written).
    pub address: Option<i64>,
    /// `None` for a kind this version does not know (written by a newer one).
    pub kind: Option<Kind>,
    /// `None` when the stored payload does not parse.
    pub payload: Option<Payload>,
    pub priority: Priority,
    /// Sends made so far, not this one (429s are not counted).
    pub attempts: i32,
    pub broadcast_id: Option<i64>,
    /// The recipient's language: chosen, else Telegram's, else Russian.
    pub language: Language,
    /// The messenger said the person blocked the bot (Telegram's 403,
    /// Max's `chat.denied`) and they have not written since.
    pub unreachable: bool,
    /// The recipient's consent to the processing of personal data is in
    /// force (`consents`). Delivery sends nothing else to one without it.
    pub consented: bool,
    /// The recipient's notification settings (the defaults if never set).
    pub settings: Settings,
}

/// Adds a notification inside the transaction of the change it announces,
/// due at its `not_before`, else at `now` (the caller's clock; see the
/// module's docs on times): one row per messenger it goes through
/// (see the module's docs on messengers). Returns the first row's id, or `None` when a row with
/// its `dedup_key` exists (or the account has no messenger at all).
pub async fn enqueue(
    tx: &mut PgConnection,
    notification: &Notification,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let payload = serde_json::to_value(&notification.payload)
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    // The key is remembered in `outbox_dedup` (kept longer than the row);
    // the rows are written only if the key is new there.
    sqlx::query_scalar!(
        r#"
        WITH fresh AS (
            INSERT INTO outbox_dedup (key, chat_id, created_at)
            SELECT $7, $1, $5 WHERE $7::TEXT IS NOT NULL
            ON CONFLICT (key) DO NOTHING
            RETURNING key
        ), written AS (
            INSERT INTO outbox (chat_id, messenger, kind, payload, priority, created_at,
                                available_at, dedup_key, broadcast_id, quiet_held)
            SELECT $1, m, $2, $3, $4, $5, COALESCE($6, $5::TIMESTAMPTZ), $7, $8, $6 IS NOT NULL
            FROM outbox_messengers($1, $9) AS m
            WHERE $7::TEXT IS NULL OR EXISTS (SELECT 1 FROM fresh)
            ON CONFLICT (dedup_key, messenger) WHERE dedup_key IS NOT NULL DO NOTHING
            RETURNING id
        )
        SELECT min(id) FROM written
        "#,
        notification.chat_id,
        notification.kind.as_str(),
        payload,
        notification.kind.priority() as i16,
        now,
        notification.not_before,
        notification.dedup_key,
        notification.broadcast_id,
        notification.kind.everywhere(),
    )
    .fetch_one(tx)
    .await
}

/// Which of `keys` were written already (by [`enqueue`] or
/// [`enqueue_many`]; remembered after their rows are gone): for a rule that
/// must know what it sent, such as the accreditation's thresholds, where a
/// later one covers the earlier.
pub async fn written_keys(
    db: &PgPool,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let found = sqlx::query_scalar!("SELECT key FROM outbox_dedup WHERE key = ANY($1)", keys)
        .fetch_all(db)
        .await?;
    Ok(found.into_iter().collect())
}

/// Adds many notifications in one statement (a broadcast's recipients, a
/// day's reminders), each as a row per messenger it goes through
/// (see the module's docs); rows whose `dedup_key` exists are skipped.
/// Returns how many notifications were written (recipients, not rows).
/// Callers with very many rows pass them in chunks of a few thousand, to
/// keep each statement's parameters small.
pub async fn enqueue_many(
    tx: &mut PgConnection,
    notifications: &[Notification],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut chat_ids = Vec::with_capacity(notifications.len());
    let mut kinds = Vec::with_capacity(notifications.len());
    let mut payloads = Vec::with_capacity(notifications.len());
    let mut priorities = Vec::with_capacity(notifications.len());
    let mut not_before = Vec::with_capacity(notifications.len());
    let mut dedup_keys = Vec::with_capacity(notifications.len());
    let mut broadcast_ids = Vec::with_capacity(notifications.len());
    let mut everywhere = Vec::with_capacity(notifications.len());
    for notification in notifications {
        chat_ids.push(notification.chat_id);
        kinds.push(notification.kind.as_str().to_owned());
        payloads.push(
            serde_json::to_value(&notification.payload)
                .map_err(|error| sqlx::Error::Encode(Box::new(error)))?,
        );
        priorities.push(notification.kind.priority() as i16);
        not_before.push(notification.not_before.unwrap_or(now));
        dedup_keys.push(notification.dedup_key.clone());
        broadcast_ids.push(notification.broadcast_id);
        everywhere.push(notification.kind.everywhere());
    }
    // One notification may be several rows (a messenger each): what is
    // counted is notifications, the first row of each (by its dedup key,
    // else its place in the batch).
    let written = sqlx::query_scalar!(
        r#"
        WITH t AS (
            SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::JSONB[], $4::SMALLINT[],
                                 $5::TIMESTAMPTZ[], $6::TEXT[], $7::BIGINT[], $9::BOOLEAN[])
                 WITH ORDINALITY
                 AS t (chat_id, kind, payload, priority, available_at, dedup_key, broadcast_id,
                       everywhere, n)
        ),
        fresh AS (
            INSERT INTO outbox_dedup (key, chat_id, created_at)
            SELECT DISTINCT ON (dedup_key) dedup_key, chat_id, $8 FROM t
            WHERE dedup_key IS NOT NULL
            ON CONFLICT (key) DO NOTHING
            RETURNING key
        ),
        targets AS (
            SELECT t.*, m AS messenger,
                   row_number() OVER (PARTITION BY COALESCE(t.dedup_key, 'n' || t.n)
                                      ORDER BY t.n, m) = 1 AS first
            FROM t CROSS JOIN LATERAL outbox_messengers(t.chat_id, t.everywhere) AS m
            WHERE t.dedup_key IS NULL OR t.dedup_key IN (SELECT key FROM fresh)
        ),
        written AS (
            INSERT INTO outbox (chat_id, messenger, kind, payload, priority, created_at,
                                available_at, dedup_key, broadcast_id, quiet_held)
            SELECT chat_id, messenger, kind, payload, priority, $8, available_at, dedup_key,
                   broadcast_id, available_at > $8
            FROM targets
            -- Ids in the order given (the window above sorts by its text
            -- key), so delivery takes the rows in the caller's order.
            ORDER BY n, messenger
            ON CONFLICT (dedup_key, messenger) WHERE dedup_key IS NOT NULL DO NOTHING
            RETURNING 1
        )
        SELECT count(*) AS "notifications!" FROM targets WHERE first
        "#,
        &chat_ids,
        &kinds,
        &payloads,
        &priorities,
        &not_before,
        &dedup_keys as &[Option<String>],
        &broadcast_ids as &[Option<i64>],
        now,
        &everywhere,
    )
    .fetch_one(tx)
    .await?;
    Ok(u64::try_from(written).unwrap_or(0))
}

/// Claims the next due row (urgent first, then the one due longest) for the caller's
/// transaction: the row stays locked (`FOR UPDATE SKIP LOCKED`) until that
/// transaction ends, so any number of workers and lanes can claim side by
/// side and never get the same row. The caller sends the message and marks
/// the row ([`mark_sent`], [`mark_failed`], [`retry_at`], [`hold_until`])
/// in the same transaction, then commits. If the worker dies first, the
/// transaction rolls back and the row is due again at once: only a message
/// Telegram accepted just before the crash is sent twice.
///
/// "Due" is `available_at <= now`, with `now` from the worker's clock, the
/// same clock `enqueue` callers and quiet hours use (so a test moving a
/// manual clock releases held rows). Only rows of the `messengers` the
/// worker is connected to: one without Max leaves Max's rows to one with it.
///
/// Reads, without locking them, what delivery needs about the recipient:
/// the language (`telegram_users`), whether the chat is unreachable
/// (`chats`), whether the recipient's consent is in force (`consents`:
/// /forget may commit between a broadcast's reading its recipients and its
/// writing their rows) and the notification settings
/// (`notification_settings`). A
/// documented exception to "each module owns its tables": read-only joins,
/// so the claim is one round trip.
pub async fn claim_next(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    messengers: &[Messenger],
) -> Result<Option<Claimed>, sqlx::Error> {
    let messengers: Vec<&str> = messengers.iter().map(|m| m.as_str()).collect();
    let row = sqlx::query!(
        r#"
        SELECT o.id, o.chat_id, o.messenger, o.kind, o.payload, o.priority, o.attempts,
               o.broadcast_id,
               CASE WHEN ch.chat_id IS NOT NULL THEN ch.chat_id
                    -- an account born on Telegram that never wrote: its id
                    -- is its chat (as `outbox_messengers` has it)
                    WHEN o.messenger = 'telegram' AND o.chat_id < (1::BIGINT << 60)
                         AND NOT EXISTS (SELECT 1 FROM channels x WHERE x.user_id = o.chat_id)
                    THEN o.chat_id
               END AS address,
               u.language AS "language?", u.telegram_language AS "telegram_language?",
               (ch.unreachable_since IS NOT NULL
                OR (ch.chat_id IS NULL AND c.unreachable_since IS NOT NULL))
                   AS "unreachable!",
               EXISTS (SELECT 1 FROM consents k
                       WHERE k.telegram_user_id = o.chat_id AND k.withdrawn_at IS NULL)
                   AS "consented!",
               s.telegram_user_id IS NOT NULL AS "has_settings!",
               s.inspections AS "inspections?", s.regulation AS "regulation?",
               s.reminders AS "reminders?", s.quiet_from AS "quiet_from?",
               s.quiet_until AS "quiet_until?", s.time_zone AS "time_zone?",
               s.schedule AS "schedule?"
        FROM outbox o
        LEFT JOIN channels ch ON ch.user_id = o.chat_id AND ch.messenger = o.messenger
        LEFT JOIN telegram_users u ON u.id = o.chat_id
        LEFT JOIN chats c ON c.id = o.chat_id
        LEFT JOIN notification_settings s ON s.telegram_user_id = o.chat_id
        WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.available_at <= $1
          AND o.messenger = ANY($2)
        ORDER BY o.priority, o.available_at, o.id
        LIMIT 1
        FOR UPDATE OF o SKIP LOCKED
        "#,
        now,
        &messengers as &[&str],
    )
    .fetch_optional(tx)
    .await?;
    Ok(row.map(|row| Claimed {
        id: row.id,
        chat_id: row.chat_id,
        // The CHECK constraint allows only known messengers.
        messenger: Messenger::parse(&row.messenger).unwrap_or(Messenger::Telegram),
        address: row.address,
        kind: Kind::parse(&row.kind),
        payload: serde_json::from_value(row.payload).ok(),
        priority: Priority::from_i16(row.priority),
        attempts: row.attempts,
        broadcast_id: row.broadcast_id,
        language: Language::resolve(
            row.language.as_deref().and_then(|code| code.parse().ok()),
            row.telegram_language.as_deref(),
        ),
        unreachable: row.unreachable,
        consented: row.consented,
        settings: Settings::from_columns(
            row.inspections,
            row.regulation,
            row.reminders,
            row.quiet_from,
            row.quiet_until,
            row.time_zone,
            row.has_settings,
        )
        .with_schedule(row.schedule),
    }))
}

/// The message a messenger made of a row: Telegram numbers them per chat,
/// Max gives each a string id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentAs {
    Telegram(i64),
    Max(String),
}

/// The messenger accepted the row as this message; counts the attempt.
pub async fn mark_sent(
    tx: &mut PgConnection,
    id: i64,
    sent_as: &SentAs,
) -> Result<(), sqlx::Error> {
    let (telegram, max) = match sent_as {
        SentAs::Telegram(id) => (Some(*id), None),
        SentAs::Max(mid) => (None, Some(mid.as_str())),
    };
    sqlx::query!(
        r#"
        UPDATE outbox
        SET sent_at = now(), telegram_message_id = $2, max_message_id = $3, last_error = NULL,
            attempts = attempts + 1
        WHERE id = $1
        "#,
        id,
        telegram,
        max,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The row will not be delivered: Telegram refused it for good (400), the
/// chat is gone (403), it failed too often, or it was never sent (the
/// category switched off, the chat known unreachable). `attempted`: a send
/// was made and counts as an attempt.
pub async fn mark_failed(
    tx: &mut PgConnection,
    id: i64,
    error: &str,
    attempted: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE outbox
        SET failed_at = now(), last_error = $2, attempts = attempts + $3
        WHERE id = $1
        "#,
        id,
        error,
        i32::from(attempted),
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The row's messenger cannot carry it (the chat stopped the bot, or the
/// account unlinked that messenger after the row was written): the
/// notification is copied, due now, to every other messenger it would be
/// written for now (`outbox_messengers`: with the chosen one unreachable,
/// every one linked) whose chat is reachable and was linked before the
/// row was written, unless it has a row there already (written beside
/// this one for "every messenger", or copied before). So a notification is
/// lost only when no messenger of the account can carry it, and none goes
/// to a messenger linked since: the security notice of that very link
/// ("🔗 К вашему кабинету подключён Max") is written for the messengers
/// the cabinet had before, and must not reach the new one, which may not
/// be the owner's. Call it in the transaction that fails the row.
/// Returns how many copies were written.
pub async fn reroute(
    tx: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    // Siblings are the rows one `enqueue` wrote: same recipient, kind,
    // payload and moment.
    let copied = sqlx::query!(
        r#"
        INSERT INTO outbox (chat_id, messenger, kind, payload, priority, created_at,
                            available_at, dedup_key, broadcast_id, quiet_held)
        SELECT o.chat_id, m, o.kind, o.payload, o.priority, o.created_at, $2,
               o.dedup_key, o.broadcast_id, false
        FROM outbox o CROSS JOIN LATERAL outbox_messengers(o.chat_id, false) AS m
        WHERE o.id = $1 AND m <> o.messenger
          AND EXISTS (SELECT 1 FROM channels c
                      WHERE c.user_id = o.chat_id AND c.messenger = m
                        AND c.unreachable_since IS NULL
                        -- the messenger the account was born on (its
                        -- row's time is the database's) was first
                        AND (c.linked_at <= o.created_at
                             OR (m = 'telegram') = (o.chat_id < (1::BIGINT << 60))))
          AND NOT EXISTS (SELECT 1 FROM outbox s
                          WHERE s.chat_id = o.chat_id AND s.messenger = m
                            AND s.kind = o.kind AND s.created_at = o.created_at
                            AND s.payload = o.payload)
        ON CONFLICT (dedup_key, messenger) WHERE dedup_key IS NOT NULL DO NOTHING
        "#,
        id,
        now,
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(copied)
}

/// The send failed for a reason that may pass (a 429, a 5xx, the network):
/// due again at `at`. `attempted`: the failure counts towards
/// [`MAX_ATTEMPTS`] (a 429 does not: Telegram only asked us to wait).
pub async fn retry_at(
    tx: &mut PgConnection,
    id: i64,
    at: DateTime<Utc>,
    error: &str,
    attempted: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE outbox
        SET available_at = $2, last_error = $3, attempts = attempts + $4, quiet_held = false
        WHERE id = $1
        "#,
        id,
        at,
        error,
        i32::from(attempted),
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Not now, through no failure: the chat's own send rate, a kind this
/// version does not know. Due again at `at`; no attempt is counted.
pub async fn hold_until(
    tx: &mut PgConnection,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET available_at = $2, quiet_held = false WHERE id = $1",
        id,
        at
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Not now: the recipient's quiet hours, which end at `at`. No attempt is
/// counted; the row is re-timed if the recipient changes their quiet hours
/// ([`retime_held`]).
pub async fn hold_for_quiet_hours(
    tx: &mut PgConnection,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET available_at = $2, quiet_held = true WHERE id = $1",
        id,
        at
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The recipient changed their quiet hours (or zone): what waits for the
/// end of the old ones waits for the new ones' end instead, or goes now if
/// `now` is outside them. Returns how many rows were re-timed. In the
/// transaction that saves the settings.
pub async fn retime_held(
    tx: &mut PgConnection,
    chat_id: i64,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let release = settings.release_at(now);
    let retimed = sqlx::query!(
        r#"
        UPDATE outbox SET available_at = $2, quiet_held = $3
        WHERE chat_id = $1 AND quiet_held AND sent_at IS NULL AND failed_at IS NULL
          AND available_at > $4
        "#,
        chat_id,
        release.unwrap_or(now),
        release.is_some(),
        now,
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(retimed)
}

/// What waits for the end of a recipient's quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub count: i64,
    /// When the first of them goes.
    pub first_at: DateTime<Utc>,
}

/// How many of the chat's rows wait for the end of its quiet hours, if any.
pub async fn waiting_for_quiet_hours(
    db: &PgPool,
    chat_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Waiting>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT count(*) AS "count!", min(available_at) AS first_at
        FROM outbox
        WHERE chat_id = $1 AND quiet_held AND sent_at IS NULL AND failed_at IS NULL
          AND available_at > $2
        "#,
        chat_id,
        now,
    )
    .fetch_one(db)
    .await?;
    Ok(row.first_at.map(|first_at| Waiting {
        count: row.count,
        first_at,
    }))
}

/// Where a row stands, for tests and the operators' view.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub chat_id: i64,
    pub messenger: Messenger,
    pub kind: String,
    pub payload: Value,
    pub priority: Priority,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent: bool,
    pub failed: bool,
    pub telegram_message_id: Option<i64>,
    pub max_message_id: Option<String>,
    /// When it is (or was) due.
    pub available_at: DateTime<Utc>,
}

/// /forget: every row for the chat goes. What has not gone yet does not go
/// (a reminder held for the night, a notice in the queue); sent and failed
/// rows go too, because they are keyed by the chat id (a person's Telegram
/// id) and their payloads and dedup keys may name it. A broadcast's counts
/// lose that one recipient.
pub async fn erase_chat(tx: &mut PgConnection, chat_id: i64) -> Result<u64, sqlx::Error> {
    // The dedup keys name the chat too (`accreditation:{user}:…`, `…:{chat}`).
    sqlx::query!("DELETE FROM outbox_dedup WHERE chat_id = $1", chat_id)
        .execute(&mut *tx)
        .await?;
    // Again until nothing is left: a row a delivery lane held while the
    // first DELETE waited may have been copied to the other messenger
    // (`reroute`) by the time it was let go, and the copy, committed after
    // this statement began, is not in its snapshot; the next statement's
    // is fresh (READ COMMITTED).
    let mut dropped = 0;
    loop {
        let now_dropped = sqlx::query!("DELETE FROM outbox WHERE chat_id = $1", chat_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if now_dropped == 0 {
            return Ok(dropped);
        }
        dropped += now_dropped;
    }
}

/// Withdraws what these broadcasts have not sent yet (a cancelled
/// inspection's announcement or reminder held for someone's quiet hours):
/// the unsent rows are deleted, in the caller's transaction. A row a
/// worker is sending right now is waited for: if it was sent, it stays
/// (sent rows are the record of who was told). Returns, per broadcast, how
/// many recipients were withdrawn: those left with no row of it (one with
/// a row sent on another messenger was told, and is not counted).
pub async fn drop_pending_of_broadcasts(
    tx: &mut PgConnection,
    broadcast_ids: &[i64],
) -> Result<BTreeMap<i64, u64>, sqlx::Error> {
    // The statement's snapshot still shows the rows it deletes (pending
    // ones): a recipient with a settled row was told, or tried. Run until
    // it deletes nothing: a row a lane held while it waited may have been
    // copied to the recipient's other messenger (`reroute`) meanwhile, a
    // copy its snapshot did not have (as in `erase_chat`).
    let mut withdrawn = BTreeMap::new();
    loop {
        let dropped = drop_pending_once(&mut *tx, broadcast_ids).await?;
        if dropped.is_empty() {
            return Ok(withdrawn);
        }
        for (broadcast, recipients) in dropped {
            *withdrawn.entry(broadcast).or_insert(0) += recipients;
        }
    }
}

/// One pass of [`drop_pending_of_broadcasts`]: per broadcast with a row
/// deleted, the recipients withdrawn (empty: nothing was deleted).
async fn drop_pending_once(
    tx: &mut PgConnection,
    broadcast_ids: &[i64],
) -> Result<BTreeMap<i64, u64>, sqlx::Error> {
    let dropped = sqlx::query!(
        r#"
        WITH dropped AS (
            DELETE FROM outbox
            WHERE broadcast_id = ANY($1) AND sent_at IS NULL AND failed_at IS NULL
            RETURNING broadcast_id, chat_id
        )
        SELECT d.broadcast_id AS "broadcast_id!",
               count(DISTINCT d.chat_id) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM outbox o
                   WHERE o.broadcast_id = d.broadcast_id AND o.chat_id = d.chat_id
                     AND (o.sent_at IS NOT NULL OR o.failed_at IS NOT NULL)
               )) AS "recipients!"
        FROM dropped d
        GROUP BY d.broadcast_id
        "#,
        broadcast_ids,
    )
    .fetch_all(tx)
    .await?;
    Ok(dropped
        .into_iter()
        .map(|row| (row.broadcast_id, u64::try_from(row.recipients).unwrap_or(0)))
        .collect())
}

/// The chats these broadcasts reached: those with a row sent, each once,
/// in chat id order. Rows still pending or failed do not count.
pub async fn chats_sent(
    tx: &mut PgConnection,
    broadcast_ids: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT DISTINCT chat_id FROM outbox
        WHERE broadcast_id = ANY($1) AND sent_at IS NOT NULL
        ORDER BY chat_id
        "#,
        broadcast_ids,
    )
    .fetch_all(tx)
    .await
}

/// Every row for a chat, oldest first.
pub async fn for_chat(db: &PgPool, chat_id: i64) -> Result<Vec<Row>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT id, chat_id, messenger, kind, payload, priority, attempts, last_error,
               sent_at IS NOT NULL AS "sent!", failed_at IS NOT NULL AS "failed!",
               telegram_message_id, max_message_id, available_at
        FROM outbox WHERE chat_id = $1 ORDER BY id
        "#,
        chat_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Row {
            id: row.id,
            chat_id: row.chat_id,
            messenger: Messenger::parse(&row.messenger).unwrap_or(Messenger::Telegram),
            kind: row.kind,
            payload: row.payload,
            priority: Priority::from_i16(row.priority),
            attempts: row.attempts,
            last_error: row.last_error,
            sent: row.sent,
            failed: row.failed,
            telegram_message_id: row.telegram_message_id,
            max_message_id: row.max_message_id,
            available_at: row.available_at,
        })
        .collect())
}

/// Retention: deletes up to `batch` rows settled (sent or failed) before
/// `before`: personal rows (no broadcast) only; a broadcast's rows are the
/// record of who was told, which a cancelled inspection and a broadcast's
/// progress read, and go by [`purge_broadcast_rows`]. Their dedup keys
/// stay in `outbox_dedup`, so nothing is written twice.
pub async fn purge_settled(
    pool: &PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM outbox WHERE id IN (
            SELECT id FROM outbox
            WHERE coalesce(sent_at, failed_at) < $1 AND broadcast_id IS NULL
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        "#,
        before,
        batch,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(purged)
}

/// Retention: deletes up to `batch` settled rows of broadcasts, settled
/// before `before`.
pub async fn purge_broadcast_rows(
    pool: &PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM outbox WHERE id IN (
            SELECT id FROM outbox
            WHERE coalesce(sent_at, failed_at) < $1 AND broadcast_id IS NOT NULL
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        "#,
        before,
        batch,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(purged)
}

/// Retention: forgets up to `batch` dedup keys written before `before`,
/// when no outbox row holds them any more.
pub async fn purge_dedup_keys(
    pool: &PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM outbox_dedup WHERE key IN (
            SELECT d.key FROM outbox_dedup d
            WHERE d.created_at < $1
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedup_key = d.key)
            LIMIT $2
        )
        "#,
        before,
        batch,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(purged)
}

/// What waits in the outbox for one messenger, as the metrics show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backlog {
    pub messenger: Messenger,
    /// Rows neither sent nor failed (those held for quiet hours or a
    /// retry included).
    pub depth: i64,
    /// How long the longest-waiting row that is due by `now` has waited
    /// since it became due (0 when none is due): a row held for quiet
    /// hours or backing off is not late, one due and not taken is.
    pub oldest_due_seconds: f64,
}

/// The outbox's backlog per messenger, every messenger listed (0 when it
/// has nothing waiting). One statement over the pending rows only (the
/// `outbox_pending` index): cheap enough to run at every scrape.
pub async fn backlog(db: &PgPool, now: DateTime<Utc>) -> Result<Vec<Backlog>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT messenger,
               count(*) AS "depth!",
               COALESCE(EXTRACT(EPOCH FROM $1 - min(available_at) FILTER (WHERE available_at <= $1)), 0)::FLOAT8
                   AS "oldest_due_seconds!"
        FROM outbox
        WHERE sent_at IS NULL AND failed_at IS NULL
        GROUP BY messenger
        "#,
        now,
    )
    .fetch_all(db)
    .await?;
    Ok(Messenger::ALL
        .into_iter()
        .map(|messenger| {
            let row = rows.iter().find(|row| row.messenger == messenger.as_str());
            Backlog {
                messenger,
                depth: row.map_or(0, |row| row.depth),
                oldest_due_seconds: row.map_or(0.0, |row| row.oldest_due_seconds.max(0.0)),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;
    use crate::notification_settings::{self, QuietHours};

    /// A claimed row as `settle` sees it: consented, reachable, default
    /// settings.
    fn claimed(kind: Option<Kind>) -> Claimed {
        Claimed {
            id: 1,
            chat_id: 10,
            messenger: Messenger::Telegram,
            address: Some(10),
            kind,
            payload: Some(Payload::new(Push::LinkConflict {})),
            priority: kind.map_or(Priority::Personal, Kind::priority),
            attempts: 0,
            broadcast_id: None,
            language: Language::Ru,
            unreachable: false,
            consented: true,
            settings: Settings::default(),
        }
    }

    #[test]
    fn settle_sends_holds_or_fails_by_the_recipients_wishes_now() {
        let day: DateTime<Utc> = "2026-11-25T09:00:00Z".parse().unwrap(); // 12:00 МСК
        let night: DateTime<Utc> = "2026-11-25T20:00:00Z".parse().unwrap(); // 23:00 МСК
        let morning: DateTime<Utc> = "2026-11-26T05:00:00Z".parse().unwrap(); // 08:00 МСК
        let unknown = i64::try_from(UNKNOWN_KIND_HOLD.as_secs()).unwrap();
        let switched_off = |mut row: Claimed| {
            row.settings.regulation = false;
            row
        };
        let awake = |mut row: Claimed| {
            row.settings.quiet_hours = None;
            row
        };
        let modify = |f: fn(&mut Claimed)| {
            move |mut row: Claimed| {
                f(&mut row);
                row
            }
        };
        let notice = Some(Kind::RegulatoryNotice);
        let login = Some(Kind::LoginConfirmation);
        let cases: Vec<(&str, Claimed, DateTime<Utc>, Settle)> = vec![
            (
                "a notice by day",
                claimed(notice),
                day,
                Settle::Send(Kind::RegulatoryNotice),
            ),
            (
                "a notice at night waits for 08:00",
                claimed(notice),
                night,
                Settle::Hold {
                    until: morning,
                    quiet: true,
                },
            ),
            (
                "without quiet hours",
                awake(claimed(notice)),
                night,
                Settle::Send(Kind::RegulatoryNotice),
            ),
            (
                "a login at night",
                claimed(login),
                night,
                Settle::Send(Kind::LoginConfirmation),
            ),
            (
                "a kind this version does not know",
                claimed(None),
                day,
                Settle::Hold {
                    until: day + chrono::Duration::seconds(unknown),
                    quiet: false,
                },
            ),
            (
                "a payload that does not parse",
                modify(|row| row.payload = None)(claimed(notice)),
                day,
                Settle::Fail(UNREADABLE),
            ),
            (
                "no consent",
                modify(|row| row.consented = false)(claimed(notice)),
                day,
                Settle::Fail(NO_CONSENT),
            ),
            (
                "no consent, a staff notice",
                modify(|row| row.consented = false)(claimed(Some(Kind::FeedProposals))),
                day,
                Settle::Send(Kind::FeedProposals),
            ),
            (
                "no consent, an organisation's referral to its operator",
                modify(|row| row.consented = false)(claimed(Some(Kind::OrganisationReferral))),
                day,
                Settle::Send(Kind::OrganisationReferral),
            ),
            (
                "no consent, a practitioner's referral",
                modify(|row| row.consented = false)(claimed(Some(Kind::Referral))),
                day,
                Settle::Fail(NO_CONSENT),
            ),
            (
                "unreachable",
                modify(|row| row.unreachable = true)(claimed(login)),
                night,
                Settle::Fail(UNREACHABLE),
            ),
            (
                "switched off",
                switched_off(claimed(notice)),
                day,
                Settle::Fail(SWITCHED_OFF),
            ),
            (
                "switched off, at night",
                switched_off(claimed(notice)),
                night,
                Settle::Fail(SWITCHED_OFF),
            ),
            (
                "a status cannot be switched off, but waits for the morning",
                switched_off(claimed(Some(Kind::ApplicationStatusChanged))),
                night,
                Settle::Hold {
                    until: morning,
                    quiet: true,
                },
            ),
        ];
        for (what, row, now, expected) in cases {
            assert_eq!(settle(&row, now), expected, "{what}");
        }
    }

    #[test]
    fn the_retry_policy_backs_off_then_gives_up() {
        use std::time::Duration;
        let cases = [
            (Priority::Personal, 1, Retry::After(Duration::from_secs(2))),
            (Priority::Personal, 4, Retry::After(Duration::from_secs(16))),
            (
                Priority::Broadcast,
                9,
                Retry::After(Duration::from_secs(512)),
            ),
            (Priority::Broadcast, 10, Retry::After(BACKOFF_MAX)),
            (
                Priority::Personal,
                MAX_ATTEMPTS - 1,
                Retry::After(BACKOFF_MAX),
            ),
            (Priority::Personal, MAX_ATTEMPTS, Retry::GiveUp),
            (
                Priority::Urgent,
                URGENT_MAX_ATTEMPTS - 1,
                Retry::After(Duration::from_secs(16)),
            ),
            (Priority::Urgent, URGENT_MAX_ATTEMPTS, Retry::GiveUp),
        ];
        for (priority, attempts, expected) in cases {
            assert_eq!(
                after_transient_failure(priority, attempts),
                expected,
                "{priority:?} after {attempts}"
            );
        }
        // A login confirmation is given up within its two minutes; any
        // other row outlasts a two-hour outage.
        let waited: Duration = (1..URGENT_MAX_ATTEMPTS).map(backoff).sum();
        assert!(waited < Duration::from_secs(120), "{waited:?}");
        let total: Duration = (1..MAX_ATTEMPTS).map(backoff).sum();
        assert!(
            total >= Duration::from_secs(110 * 60) && total <= Duration::from_secs(130 * 60),
            "{total:?}"
        );
    }

    /// A login confirmation (urgent) or a status change (personal).
    fn note(chat_id: i64, urgent: bool) -> Notification {
        let kind = if urgent {
            Kind::LoginConfirmation
        } else {
            Kind::ApplicationStatusChanged
        };
        Notification::new(
            chat_id,
            kind,
            Payload {
                login_challenge: Some(Uuid::new_v4()),
                ..Payload::new(Push::LoginAttempt {
                    time: start(),
                    device: "Firefox".into(),
                    place: "Москва".into(),
                })
            },
        )
    }

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    async fn enqueue_all(db: &PgPool, notes: &[Notification]) -> Vec<i64> {
        let mut tx = db.begin().await.unwrap();
        let mut ids = Vec::new();
        for note in notes {
            ids.push(enqueue(&mut tx, note, start()).await.unwrap().unwrap());
        }
        tx.commit().await.unwrap();
        ids
    }

    /// Claims rows one by one in one transaction (as a worker with that
    /// many lanes would in as many), in the order they come.
    async fn claim_all(tx: &mut PgConnection, now: DateTime<Utc>) -> Vec<Claimed> {
        let mut claimed = Vec::new();
        while let Some(row) = claim_next(tx, now, &Messenger::ALL).await.unwrap() {
            // Within one transaction the lock does not hide a row from
            // itself: move it out of the way as a send would.
            mark_sent(tx, row.id, &SentAs::Telegram(1)).await.unwrap();
            claimed.push(row);
        }
        claimed
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_backlog_counts_what_waits_and_how_late_the_oldest_due_is(db: PgPool) {
        let empty = backlog(&db, start()).await.unwrap();
        assert_eq!(empty.len(), Messenger::ALL.len(), "every messenger listed");
        assert!(
            empty
                .iter()
                .all(|b| b.depth == 0 && b.oldest_due_seconds == 0.0)
        );

        let ids = enqueue_all(&db, &[note(1, false), note(2, false), note(3, false)]).await;
        // One sent: no longer waiting.
        let mut tx = db.begin().await.unwrap();
        mark_sent(&mut tx, ids[0], &SentAs::Telegram(1))
            .await
            .unwrap();
        // One held until later: waiting, but not late.
        hold_until(&mut tx, ids[1], start() + chrono::Duration::hours(1))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let later = start() + chrono::Duration::seconds(90);
        let telegram = backlog(&db, later)
            .await
            .unwrap()
            .into_iter()
            .find(|b| b.messenger == Messenger::Telegram)
            .unwrap();
        assert_eq!(telegram.depth, 2);
        assert!(
            (telegram.oldest_due_seconds - 90.0).abs() < 0.001,
            "{telegram:?}"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn two_concurrent_claimers_never_get_the_same_row(db: PgPool) {
        let notes: Vec<_> = (1..=3).map(|chat| note(chat, false)).collect();
        let ids = enqueue_all(&db, &notes).await;

        // Three transactions open at once, as three lanes: each skips what
        // the others hold instead of waiting for it or taking it too.
        let mut lanes = Vec::new();
        let mut got = Vec::new();
        for _ in 0..3 {
            let mut tx = db.begin().await.unwrap();
            got.push(
                claim_next(&mut tx, start(), &Messenger::ALL)
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            );
            lanes.push(tx);
        }
        assert_eq!(got, ids);
        let mut fourth = db.begin().await.unwrap();
        assert!(
            claim_next(&mut fourth, start(), &Messenger::ALL)
                .await
                .unwrap()
                .is_none()
        );

        // Marked and committed: nobody gets them again.
        for (tx, id) in lanes.iter_mut().zip(&ids) {
            mark_sent(tx, *id, &SentAs::Telegram(7)).await.unwrap();
        }
        for tx in lanes {
            tx.commit().await.unwrap();
        }
        assert!(
            claim_next(&mut fourth, start(), &Messenger::ALL)
                .await
                .unwrap()
                .is_none()
        );
        let rows = for_chat(&db, 1).await.unwrap();
        assert!(rows[0].sent && rows[0].attempts == 1);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_rolled_back_claim_leaves_the_row_to_others_at_once(db: PgPool) {
        let ids = enqueue_all(&db, &[note(1, false)]).await;
        let mut crashed = db.begin().await.unwrap();
        assert!(
            claim_next(&mut crashed, start(), &Messenger::ALL)
                .await
                .unwrap()
                .is_some()
        );
        let mut other = db.begin().await.unwrap();
        assert!(
            claim_next(&mut other, start(), &Messenger::ALL)
                .await
                .unwrap()
                .is_none(),
            "locked while the claim lives"
        );
        // A worker killed mid-send: its transaction never commits.
        drop(crashed);

        let mut tx = db.begin().await.unwrap();
        let again = claim_next(&mut tx, start(), &Messenger::ALL)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.id, ids[0]);
        assert_eq!(again.attempts, 0, "a rolled-back claim is no attempt");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn urgent_rows_come_first_and_payloads_round_trip(db: PgPool) {
        let notes = [note(1, false), note(2, true), note(3, false)];
        let ids = enqueue_all(&db, &notes).await;
        let mut tx = db.begin().await.unwrap();
        let claimed = claim_all(&mut tx, start()).await;
        let order: Vec<i64> = claimed.iter().map(|row| row.id).collect();
        assert_eq!(order, [ids[1], ids[0], ids[2]]);
        assert_eq!(claimed[0].payload.as_ref(), Some(&notes[1].payload));
        assert_eq!(claimed[0].kind, Some(Kind::LoginConfirmation));
        assert_eq!(claimed[0].priority, Priority::Urgent);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn sent_failed_and_later_rows_are_not_claimed_now(db: PgPool) {
        let ids = enqueue_all(
            &db,
            &[
                note(1, false),
                note(1, false),
                note(1, false),
                note(1, false),
            ],
        )
        .await;
        let later = start() + chrono::Duration::seconds(60);
        let mut tx = db.begin().await.unwrap();
        mark_sent(&mut tx, ids[0], &SentAs::Telegram(77))
            .await
            .unwrap();
        mark_failed(
            &mut tx,
            ids[1],
            "Forbidden: bot was blocked by the user",
            true,
        )
        .await
        .unwrap();
        retry_at(&mut tx, ids[2], later, "timeout", true)
            .await
            .unwrap();
        hold_until(&mut tx, ids[3], later).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        assert!(
            claim_next(&mut tx, start(), &Messenger::ALL)
                .await
                .unwrap()
                .is_none()
        );
        let due: Vec<i64> = claim_all(&mut tx, later)
            .await
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(due, ids[2..], "due again at their time");
        tx.rollback().await.unwrap();

        let rows = for_chat(&db, 1).await.unwrap();
        assert!(rows[0].sent && rows[0].telegram_message_id == Some(77));
        assert!(rows[1].failed && !rows[1].sent && rows[1].attempts == 1);
        assert_eq!(rows[2].last_error.as_deref(), Some("timeout"));
        assert_eq!((rows[2].attempts, rows[2].available_at), (1, later));
        assert!(!rows[2].sent && !rows[2].failed);
        assert_eq!((rows[3].attempts, rows[3].last_error.as_deref()), (0, None));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_claim_knows_the_recipients_language_chat_and_settings(db: PgPool) {
        use crate::telegram_users::{self, ChatKind, Visit};
        // 1: never wrote; 2: writes in English, blocked the bot, switched
        // regulatory notices off and lives in Vladivostok.
        let visit = Visit {
            user_id: UserId::from_stored(2),
            chat_id: Some(2),
            chat_kind: ChatKind::Private,
            telegram_language: Some("en"),
        };
        telegram_users::record_visit(&db, visit).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        telegram_users::mark_unreachable(&mut conn, 2)
            .await
            .unwrap();
        drop(conn);
        let settings = notification_settings::Settings {
            regulation: false,
            quiet_hours: Some(QuietHours::NIGHT),
            time_zone: chrono_tz::Asia::Vladivostok,
            ..Default::default()
        };
        notification_settings::save(&db, UserId::from_stored(2), &settings, start())
            .await
            .unwrap();
        crate::consent::give(&db, UserId::from_stored(2), start())
            .await
            .unwrap();
        enqueue_all(&db, &[note(1, false), note(2, false)]).await;

        let mut tx = db.begin().await.unwrap();
        let claimed = claim_all(&mut tx, start()).await;
        assert_eq!(claimed[0].language, Language::Ru);
        assert!(!claimed[0].unreachable);
        assert!(!claimed[0].consented, "never consented");
        assert!(claimed[1].consented);
        assert_eq!(
            claimed[0].settings,
            notification_settings::Settings::default()
        );
        assert_eq!(claimed[1].language, Language::En);
        assert!(claimed[1].unreachable);
        assert_eq!(claimed[1].settings, settings);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_claim_sees_a_consent_withdrawn_after_the_row_was_written(db: PgPool) {
        crate::consent::give(&db, UserId::from_stored(1), start())
            .await
            .unwrap();
        crate::consent::give(&db, UserId::from_stored(2), start())
            .await
            .unwrap();
        enqueue_all(&db, &[note(1, false), note(2, false)]).await;
        // /forget commits after the rows were written.
        let mut tx = db.begin().await.unwrap();
        crate::consent::withdraw(&mut tx, UserId::from_stored(1), start())
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let claimed = claim_all(&mut tx, start()).await;
        let consented: Vec<_> = claimed.iter().map(|r| (r.chat_id, r.consented)).collect();
        assert_eq!(consented, [(1, false), (2, true)]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn broadcasts_wait_behind_personal_rows_and_personal_behind_urgent(db: PgPool) {
        let mut notice = note(1, false);
        notice.kind = Kind::RegulatoryNotice;
        let notes = [notice, note(2, false), note(3, true)];
        let ids = enqueue_all(&db, &notes).await;
        let mut tx = db.begin().await.unwrap();
        let order: Vec<i64> = claim_all(&mut tx, start())
            .await
            .iter()
            .map(|row| row.id)
            .collect();
        assert_eq!(order, [ids[2], ids[1], ids[0]]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_dedup_key_is_written_once_whichever_way(db: PgPool) {
        let mut reminder = note(1, false);
        reminder.kind = Kind::DocumentExpiring;
        reminder.dedup_key = Some("document:7:30".into());
        let mut tx = db.begin().await.unwrap();
        assert!(
            enqueue(&mut tx, &reminder, Utc::now())
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            enqueue(&mut tx, &reminder, Utc::now())
                .await
                .unwrap()
                .is_none()
        );
        let mut other = reminder.clone();
        other.dedup_key = Some("document:7:7".into());
        let written = enqueue_many(&mut tx, &[reminder, other.clone(), other], Utc::now())
            .await
            .unwrap();
        assert_eq!(written, 1, "only the new key, and only once");
        tx.commit().await.unwrap();
        assert_eq!(for_chat(&db, 1).await.unwrap().len(), 2);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_row_is_due_at_its_not_before_else_at_the_callers_now(db: PgPool) {
        let mut held = note(1, false);
        held.not_before = Some(start() + chrono::Duration::hours(8));
        let mut tx = db.begin().await.unwrap();
        enqueue_many(&mut tx, &[held.clone(), note(2, false)], start())
            .await
            .unwrap();
        held.chat_id = 3;
        enqueue(&mut tx, &held, start()).await.unwrap();
        enqueue(&mut tx, &note(4, false), start()).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let early = start() - chrono::Duration::seconds(1);
        assert!(
            claim_next(&mut tx, early, &Messenger::ALL)
                .await
                .unwrap()
                .is_none()
        );
        let claimed = claim_all(&mut tx, start()).await;
        assert_eq!(
            claimed.iter().map(|r| r.chat_id).collect::<Vec<_>>(),
            [2, 4]
        );
        let later = claim_all(&mut tx, start() + chrono::Duration::hours(8)).await;
        assert_eq!(later.iter().map(|r| r.chat_id).collect::<Vec<_>>(), [1, 3]);
    }

    /// Account 7 (born on Telegram) on Telegram and Max, both linked at
    /// `linked_at`, notifications chosen to go to Max.
    async fn on_both_choosing_max(db: &PgPool, linked_at: DateTime<Utc>) {
        for (messenger, external) in [("telegram", 7_i64), ("max", 70)] {
            sqlx::query(
                "INSERT INTO channels (messenger, external_id, chat_id, user_id, linked_at) VALUES ($1, $2, $2, 7, $3)",
            )
            .bind(messenger)
            .bind(external)
            .bind(linked_at)
            .execute(db)
            .await
            .unwrap();
        }
        sqlx::query("INSERT INTO notification_settings (telegram_user_id, deliver_to, updated_at) VALUES (7, 'max', now())")
            .execute(db)
            .await
            .unwrap();
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_row_its_messenger_cannot_carry_moves_to_the_other_once(db: PgPool) {
        // Max linked after the rows below are written: Telegram, the one
        // born on, still takes copies.
        on_both_choosing_max(&db, start() + chrono::Duration::days(1)).await;
        let status = note(7, false);
        let ids = enqueue_all(&db, std::slice::from_ref(&status)).await;
        let rows = for_chat(&db, 7).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].messenger, Messenger::Max);

        // Max's chat stopped the bot: the row goes to Telegram, once.
        sqlx::query("UPDATE channels SET unreachable_since = now() WHERE messenger = 'max'")
            .execute(&db)
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        assert_eq!(reroute(&mut tx, ids[0], start()).await.unwrap(), 1);
        assert_eq!(
            reroute(&mut tx, ids[0], start()).await.unwrap(),
            0,
            "copied once"
        );
        mark_failed(&mut tx, ids[0], UNREACHABLE, false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let rows = for_chat(&db, 7).await.unwrap();
        let copy = rows
            .iter()
            .find(|r| r.messenger == Messenger::Telegram)
            .unwrap();
        assert_eq!(
            (copy.kind.as_str(), &copy.payload),
            (rows[0].kind.as_str(), &rows[0].payload)
        );
        assert!(!copy.sent && !copy.failed && copy.attempts == 0, "{copy:?}");
        // A copy Telegram cannot carry either goes nowhere: Max is still
        // unreachable.
        sqlx::query("UPDATE channels SET unreachable_since = now() WHERE messenger = 'telegram'")
            .execute(&db)
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        assert_eq!(reroute(&mut tx, copy.id, start()).await.unwrap(), 0);
        tx.rollback().await.unwrap();

        // Every messenger reachable and chosen (the default): both rows
        // were written, so a failure on one copies nothing.
        sqlx::query("UPDATE channels SET unreachable_since = NULL")
            .execute(&db)
            .await
            .unwrap();
        sqlx::query("UPDATE notification_settings SET deliver_to = NULL")
            .execute(&db)
            .await
            .unwrap();
        let mut reminder = note(7, false);
        reminder.kind = Kind::DocumentExpiring;
        reminder.dedup_key = Some("document:9:30".into());
        let id = enqueue_all(&db, &[reminder]).await[0];
        let mut tx = db.begin().await.unwrap();
        assert_eq!(
            reroute(&mut tx, id, start()).await.unwrap(),
            0,
            "a sibling exists"
        );
        tx.commit().await.unwrap();
        assert_eq!(for_chat(&db, 7).await.unwrap().len(), 4);

        // Chosen Telegram, which stopped the bot: Max, linked after the row
        // was written (as a link code's redeemer is), gets no copy; linked
        // before, it does.
        sqlx::query("UPDATE notification_settings SET deliver_to = 'telegram'")
            .execute(&db)
            .await
            .unwrap();
        let id = enqueue_all(&db, &[note(7, false)]).await[0];
        sqlx::query("UPDATE channels SET unreachable_since = now() WHERE messenger = 'telegram'")
            .execute(&db)
            .await
            .unwrap();
        let set_linked = async |at: DateTime<Utc>| {
            sqlx::query("UPDATE channels SET linked_at = $1 WHERE messenger = 'max'")
                .bind(at)
                .execute(&db)
                .await
                .unwrap();
        };
        set_linked(start() + chrono::Duration::minutes(1)).await;
        let mut tx = db.begin().await.unwrap();
        assert_eq!(
            reroute(&mut tx, id, start()).await.unwrap(),
            0,
            "linked since"
        );
        tx.rollback().await.unwrap();
        set_linked(start() - chrono::Duration::days(1)).await;
        let mut tx = db.begin().await.unwrap();
        assert_eq!(
            reroute(&mut tx, id, start()).await.unwrap(),
            1,
            "linked before"
        );
        tx.rollback().await.unwrap();
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_erasure_waiting_for_a_send_takes_the_copy_it_made_too(db: PgPool) {
        on_both_choosing_max(&db, start() - chrono::Duration::days(1)).await;
        let id = enqueue_all(&db, &[note(7, false)]).await[0];
        // A lane holds the row, sending it.
        let mut lane = db.begin().await.unwrap();
        let claimed = claim_next(&mut lane, start(), &Messenger::ALL)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, id);
        // /forget waits for it…
        let erasing = tokio::spawn({
            let db = db.clone();
            async move {
                let mut tx = db.begin().await.unwrap();
                let dropped = erase_chat(&mut tx, 7).await.unwrap();
                tx.commit().await.unwrap();
                dropped
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!erasing.is_finished(), "waits for the lane");
        // …while Max refuses it and the lane copies it to Telegram.
        sqlx::query("UPDATE channels SET unreachable_since = now() WHERE messenger = 'max'")
            .execute(&mut *lane)
            .await
            .unwrap();
        assert_eq!(reroute(&mut lane, id, start()).await.unwrap(), 1);
        mark_failed(&mut lane, id, "chat.denied", true)
            .await
            .unwrap();
        lane.commit().await.unwrap();
        assert_eq!(erasing.await.unwrap(), 2, "the row and its copy");
        assert!(for_chat(&db, 7).await.unwrap().is_empty());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn many_notifications_are_written_in_the_order_given(db: PgPool) {
        // Twelve, so that the text order of their places (1, 10, 11, 12,
        // 2, …) would show.
        let notes: Vec<_> = (1..=12).map(|chat| note(chat, false)).collect();
        let mut tx = db.begin().await.unwrap();
        assert_eq!(enqueue_many(&mut tx, &notes, start()).await.unwrap(), 12);
        tx.commit().await.unwrap();
        let chats: Vec<i64> = sqlx::query_scalar("SELECT chat_id FROM outbox ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(chats, (1..=12).collect::<Vec<i64>>());
    }
}
