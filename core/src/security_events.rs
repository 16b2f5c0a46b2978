//! The security log: locks, replayed codes, denied logins, erasures.
//!
//! Owns the table `security_events`. Details never hold personal data.
//! After /forget a person's events are kept under their pseudonym
//! (`subject`, see `erasure::pseudonym`), not their Telegram id.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    FactorEnrolled,
    CodeRejected,
    FactorLocked,
    CodeReplayed,
    DataErased,
    /// The practitioner answered «Это не я» to a login confirmation.
    LoginDenied,
    /// A login confirmation was answered from a chat it was not sent to
    /// (a forged callback): refused.
    LoginAnswerRefused,
    /// A button naming a document or an application that is not the
    /// presser's (forged callback_data): refused.
    ForgedCallback,
    /// An operator's command or button from someone who may not use it (not
    /// an operator, or naming what they do not hold): refused.
    OperatorActionRefused,
    /// An account was unlinked from its СНИЛС (details: why).
    AccountUnlinked,
    /// A register match unlinked applicants who had named this СНИЛС.
    SnilsReclaimed,
    /// A register match for a СНИЛС a confirmed account already holds:
    /// refused, the holder warned.
    SnilsLinkConflict,
    /// Too many СНИЛС typed in the window: refused.
    SnilsRateLimited,
    /// Self-activation asked for a СНИЛС that is in the register: refused.
    ActivationRefusedInRegister,
    /// Locked once too often: the factor is blocked until reset.
    FactorBlocked,
    /// A second-factor reset was requested (details: the request).
    FactorResetRequested,
    /// A second-factor reset request was cancelled by the practitioner.
    FactorResetCancelled,
    /// A second-factor reset took effect: the old factor is gone.
    FactorReset,
    /// The practitioner approved a login confirmation with the right number.
    LoginApproved,
    /// The practitioner picked a wrong number in a login confirmation: the
    /// login is denied (someone else's, or a reflex press).
    LoginNumberMismatch,
    /// An operator's code was not taken (wrong, replayed, locked, blocked;
    /// details: which, and until when a lock lasts).
    StaffCodeRefused,
    /// An operator's right code opened a staff session (details: until
    /// when, and whether it completed the enrolment).
    StaffSessionOpened,
    /// A practitioner opened a referral's card (details: the referral and
    /// their side): every read of one is accounted for.
    ReferralRead,
    /// A practitioner opened the file sent with a referral (details: the
    /// referral, the file and their side).
    ReferralFileRead,
    /// An API request without a valid key (missing, wrong, expired or
    /// revoked; details: which client, when the key named one).
    ApiUnauthorized,
    /// An API client over its rate (details: the client).
    ApiRateLimited,
    /// An API client asked for a login confirmation while one was pending
    /// for the practitioner (details: the client): refused.
    LoginPendingRefused,
    /// Another messenger was linked to the account by a one-time link
    /// (details: which).
    ChannelLinked,
    /// A one-time link was opened by a messenger account that has a
    /// cabinet of its own: refused (details: which messenger).
    ChannelLinkRefused,
    /// A request to a webhook route without the right secret (details:
    /// which messenger's route, and whether the secret was missing).
    WebhookRefused,
}

impl Kind {
    /// Every kind, in declaration order (the index of a kind's count).
    pub const ALL: [Kind; 30] = [
        Kind::FactorEnrolled,
        Kind::CodeRejected,
        Kind::FactorLocked,
        Kind::CodeReplayed,
        Kind::DataErased,
        Kind::LoginDenied,
        Kind::LoginAnswerRefused,
        Kind::ForgedCallback,
        Kind::OperatorActionRefused,
        Kind::AccountUnlinked,
        Kind::SnilsReclaimed,
        Kind::SnilsLinkConflict,
        Kind::SnilsRateLimited,
        Kind::ActivationRefusedInRegister,
        Kind::FactorBlocked,
        Kind::FactorResetRequested,
        Kind::FactorResetCancelled,
        Kind::FactorReset,
        Kind::LoginApproved,
        Kind::LoginNumberMismatch,
        Kind::StaffCodeRefused,
        Kind::StaffSessionOpened,
        Kind::ReferralRead,
        Kind::ReferralFileRead,
        Kind::ApiUnauthorized,
        Kind::ApiRateLimited,
        Kind::LoginPendingRefused,
        Kind::ChannelLinked,
        Kind::ChannelLinkRefused,
        Kind::WebhookRefused,
    ];

    /// Whether the event is something refused (a forged button, a wrong or
    /// replayed code, a request without a key …): what the metrics count
    /// as refusals ([`counts`]). The others record what happened as asked.
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            Kind::CodeRejected
                | Kind::CodeReplayed
                | Kind::LoginDenied
                | Kind::LoginAnswerRefused
                | Kind::ForgedCallback
                | Kind::OperatorActionRefused
                | Kind::SnilsLinkConflict
                | Kind::SnilsRateLimited
                | Kind::ActivationRefusedInRegister
                | Kind::LoginNumberMismatch
                | Kind::StaffCodeRefused
                | Kind::ApiUnauthorized
                | Kind::ApiRateLimited
                | Kind::LoginPendingRefused
                | Kind::ChannelLinkRefused
                | Kind::WebhookRefused
        )
    }

    fn index(self) -> usize {
        // `ALL` lists every kind: a new one missing there fails the test
        // `every_kind_is_counted_apart`, not a scrape.
        Kind::ALL.iter().position(|kind| *kind == self).unwrap_or(0)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FactorEnrolled => "factor_enrolled",
            Kind::CodeRejected => "code_rejected",
            Kind::FactorLocked => "factor_locked",
            Kind::CodeReplayed => "code_replayed",
            Kind::DataErased => "data_erased",
            Kind::LoginDenied => "login_denied",
            Kind::LoginAnswerRefused => "login_answer_refused",
            Kind::ForgedCallback => "forged_callback",
            Kind::OperatorActionRefused => "operator_action_refused",
            Kind::AccountUnlinked => "account_unlinked",
            Kind::SnilsReclaimed => "snils_reclaimed",
            Kind::SnilsLinkConflict => "snils_link_conflict",
            Kind::SnilsRateLimited => "snils_rate_limited",
            Kind::ActivationRefusedInRegister => "activation_refused_in_register",
            Kind::FactorBlocked => "factor_blocked",
            Kind::FactorResetRequested => "factor_reset_requested",
            Kind::FactorResetCancelled => "factor_reset_cancelled",
            Kind::FactorReset => "factor_reset",
            Kind::LoginApproved => "login_approved",
            Kind::LoginNumberMismatch => "login_number_mismatch",
            Kind::StaffCodeRefused => "staff_code_refused",
            Kind::StaffSessionOpened => "staff_session_opened",
            Kind::ReferralRead => "referral_read",
            Kind::ReferralFileRead => "referral_file_read",
            Kind::ApiUnauthorized => "api_unauthorized",
            Kind::ApiRateLimited => "api_rate_limited",
            Kind::LoginPendingRefused => "login_pending_refused",
            Kind::ChannelLinked => "channel_linked",
            Kind::ChannelLinkRefused => "channel_link_refused",
            Kind::WebhookRefused => "webhook_refused",
        }
    }
}

/// Who a second factor was locked for ([`count_lockout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locked {
    Practitioner,
    Operator,
}

impl Locked {
    pub const ALL: [Locked; 2] = [Locked::Practitioner, Locked::Operator];

    pub fn as_str(self) -> &'static str {
        match self {
            Locked::Practitioner => "practitioner",
            Locked::Operator => "operator",
        }
    }
}

/// This process's counts of events, by kind, since it started: every event
/// asked to be recorded, those a limiter then held back included (a flood
/// shows as a flood here, whatever the log kept). Read by the metrics at
/// scrape time; they name no person.
static COUNTS: [AtomicU64; Kind::ALL.len()] = [const { AtomicU64::new(0) }; Kind::ALL.len()];

/// This process's lockouts of a second factor (a lock or a block begun),
/// practitioners' and operators'.
static LOCKOUTS: [AtomicU64; Locked::ALL.len()] = [const { AtomicU64::new(0) }; Locked::ALL.len()];

fn count(kind: Kind) {
    COUNTS[kind.index()].fetch_add(1, Ordering::Relaxed);
}

/// A second factor locked (or blocked) now: counted for the metrics. The
/// lock itself, with its details, is the event the caller records.
pub fn count_lockout(who: Locked) {
    let index = Locked::ALL.iter().position(|w| *w == who).unwrap_or(0);
    LOCKOUTS[index].fetch_add(1, Ordering::Relaxed);
}

/// Every kind with this process's count of its events so far.
pub fn counts() -> Vec<(Kind, u64)> {
    Kind::ALL
        .into_iter()
        .map(|kind| (kind, COUNTS[kind.index()].load(Ordering::Relaxed)))
        .collect()
}

/// This process's lockouts so far, for each who.
pub fn lockouts() -> Vec<(Locked, u64)> {
    Locked::ALL
        .into_iter()
        .zip(&LOCKOUTS)
        .map(|(who, count)| (who, count.load(Ordering::Relaxed)))
        .collect()
}

/// Forged buttons recorded per person in an hour at the most: a client
/// replaying them twice a second would otherwise write 170 000 rows a day
/// into a log kept a year. The first hundred show the attempt; the rest
/// say nothing new.
pub const FORGED_PER_HOUR: i64 = 100;

pub async fn record(
    db: &mut sqlx::PgConnection,
    user_id: UserId,
    kind: Kind,
    details: Value,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    count(kind);
    if kind == Kind::ForgedCallback {
        let recent = sqlx::query_scalar!(
            r#"
            SELECT count(*) AS "recent!" FROM security_events
            WHERE telegram_user_id = $1 AND kind = $2 AND at > $3
            "#,
            user_id.get(),
            kind.as_str(),
            at - chrono::Duration::hours(1),
        )
        .fetch_one(&mut *db)
        .await?;
        if recent >= FORGED_PER_HOUR {
            return Ok(());
        }
    }
    sqlx::query!(
        "INSERT INTO security_events (telegram_user_id, kind, details, at) VALUES ($1, $2, $3, $4)",
        user_id.get(),
        kind.as_str(),
        details,
        at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Events of one kind not about a person (the API's refusals) recorded
/// per hour at the most: a flood of bad keys would otherwise fill a log
/// kept a year, and the first hundred say all there is to say.
pub const UNATTRIBUTED_PER_HOUR: i64 = 100;

/// Events of one kind not about a person that one process writes in a
/// minute at the most ([`Unattributed`]): past it a flood of bad keys costs
/// a counter, not a query, and the count is written once the minute is
/// over. Twenty a minute still show the attempt and its pace.
pub const UNATTRIBUTED_PER_MINUTE: u32 = 20;

/// The window of [`UNATTRIBUTED_PER_MINUTE`].
const WINDOW: Duration = Duration::minutes(1);

/// What is counted apart: the kind, and the `key` and `client` of the
/// details (which refusal, whose key), so that junk keys do not hide a
/// revoked key still in use. Few values: the kinds, four `key`s, the
/// clients there are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Group {
    kind: Kind,
    key: Option<String>,
    client: Option<String>,
}

impl Group {
    fn of(kind: Kind, details: &Value) -> Group {
        let field = |name: &str| details.get(name).and_then(Value::as_str).map(str::to_owned);
        Group {
            kind,
            key: field("key"),
            client: field("client"),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    written: u32,
    suppressed: u64,
}

/// What was held back in a minute that is over: written as one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    pub kind: Kind,
    /// The group's `key` and `client`, with the count and the minute.
    pub details: Value,
    pub at: DateTime<Utc>,
}

/// How many counts not written a limiter keeps for the next try.
pub const UNWRITTEN_KEPT: usize = 1000;

/// The in-process limiter in front of [`record_unattributed`]: per group
/// (kind, `key`, `client`), at most `per_minute` events a minute go on to
/// the database; the rest are counted, and the count comes back, once the
/// minute is over, as a [`Suppressed`] row to write. Time is the caller's
/// (the domain's clock). Each instance counts its own; the database's
/// hourly cap ([`UNATTRIBUTED_PER_HOUR`]) bounds them all together.
#[derive(Debug)]
pub struct Unattributed {
    per_minute: u32,
    windows: Mutex<HashMap<Group, Window>>,
    /// Counts of minutes over that could not be written (the database
    /// failed): given out again with the next ones.
    unwritten: Mutex<Vec<Suppressed>>,
}

/// Whether an event may be written, and what to write with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Admit {
    /// Write it (else it is held back, counted).
    pub write: bool,
    /// The counts of minutes that are over, to write first (whether or
    /// not this event is).
    pub ended: Vec<Suppressed>,
}

impl Default for Unattributed {
    fn default() -> Self {
        Unattributed::new(UNATTRIBUTED_PER_MINUTE)
    }
}

impl Unattributed {
    pub fn new(per_minute: u32) -> Unattributed {
        Unattributed {
            per_minute,
            windows: Mutex::new(HashMap::new()),
            unwritten: Mutex::new(Vec::new()),
        }
    }

    /// Counts an event of `kind` with `details` at `at`.
    pub fn admit(&self, kind: Kind, details: &Value, at: DateTime<Utc>) -> Admit {
        // A panic elsewhere while the lock was held leaves counts, still
        // good to use.
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Every group's minute that is over gives its count now, not only
        // this group's: a flood that moved on to another key is told too.
        let mut ended = self.take_unwritten();
        ended.extend(Self::take_ended(&mut windows, at));
        let group = Group::of(kind, details);
        let window = windows.entry(group).or_insert(Window {
            started: at,
            written: 0,
            suppressed: 0,
        });
        let write = window.written < self.per_minute;
        if write {
            window.written += 1;
        } else {
            window.suppressed += 1;
        }
        Admit { write, ended }
    }

    /// Counts that could not be written, to be given out again (at most
    /// [`UNWRITTEN_KEPT`]: a database down for long does not grow it
    /// without end; the oldest go first).
    pub fn give_back(&self, summaries: Vec<Suppressed>) {
        let mut unwritten = self
            .unwritten
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        unwritten.extend(summaries);
        let excess = unwritten.len().saturating_sub(UNWRITTEN_KEPT);
        unwritten.drain(..excess);
    }

    fn take_unwritten(&self) -> Vec<Suppressed> {
        std::mem::take(
            &mut *self
                .unwritten
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The event admitted was not written after all (the database's
    /// hourly cap, or the database failed): counted as held back.
    pub fn not_written(&self, kind: Kind, details: &Value) {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(window) = windows.get_mut(&Group::of(kind, details)) {
            window.suppressed += 1;
        }
    }

    /// The counts of minutes over by `at` (for a caller with no event to
    /// write, such as a periodic flush).
    pub fn ended(&self, at: DateTime<Utc>) -> Vec<Suppressed> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut ended = self.take_unwritten();
        ended.extend(Self::take_ended(&mut windows, at));
        ended
    }

    /// Every count held, over or not (the process is stopping).
    pub fn drain(&self) -> Vec<Suppressed> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let latest = windows.values().map(|w| w.started).max();
        let mut held = self.take_unwritten();
        if let Some(latest) = latest {
            held.extend(Self::take_ended(&mut windows, latest + WINDOW));
        }
        held
    }

    fn take_ended(windows: &mut HashMap<Group, Window>, at: DateTime<Utc>) -> Vec<Suppressed> {
        let mut ended = Vec::new();
        windows.retain(|group, window| {
            if at < window.started + WINDOW {
                return true;
            }
            if window.suppressed > 0 {
                ended.push(Suppressed {
                    kind: group.kind,
                    details: json!({
                        "key": group.key,
                        "client": group.client,
                        "suppressed": window.suppressed,
                        "from": window.started,
                        "until": window.started + WINDOW,
                    }),
                    at,
                });
            }
            false
        });
        ended
    }
}

/// Records an event about no person (an API client's refusal), through
/// the in-process `limiter` (at most [`UNATTRIBUTED_PER_MINUTE`] a minute
/// of a group, the count of the rest written once the minute is over),
/// then at most [`UNATTRIBUTED_PER_HOUR`] an hour of its kind with the same
/// `key` and `client` in its details: a flood of junk keys does not hide a
/// revoked key still in use. Returns whether it was recorded.
pub async fn record_unattributed(
    db: &sqlx::PgPool,
    limiter: &Unattributed,
    kind: Kind,
    details: Value,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    count(kind);
    let Admit { write, ended } = limiter.admit(kind, &details, at);
    // Counts not written are given back (`record_suppressed`); the event
    // is still tried.
    let summaries = record_suppressed(db, limiter, ended).await;
    if !write {
        return summaries.map(|()| false);
    }
    let recorded = sqlx::query!(
        r#"
        INSERT INTO security_events (kind, details, at)
        SELECT $1, $2, $3
        WHERE (
            SELECT count(*) FROM security_events
            WHERE telegram_user_id IS NULL AND subject IS NULL AND kind = $1 AND at > $4
              AND details->>'key' IS NOT DISTINCT FROM $2::jsonb->>'key'
              AND details->>'client' IS NOT DISTINCT FROM $2::jsonb->>'client'
              AND NOT details ? 'suppressed'
        ) < $5
        "#,
        kind.as_str(),
        details,
        at,
        at - chrono::Duration::hours(1),
        UNATTRIBUTED_PER_HOUR,
    )
    .execute(db)
    .await;
    let recorded = match recorded {
        Ok(done) => done.rows_affected(),
        Err(error) => {
            limiter.not_written(kind, &details);
            return Err(error);
        }
    };
    if recorded == 0 {
        limiter.not_written(kind, &details);
    }
    summaries?;
    Ok(recorded > 0)
}

/// Writes the counts of events held back ([`Unattributed`]): one row a
/// group and minute at the most, so not capped again; all in one
/// statement, and given back to `limiter` when it fails, to be written
/// with the next.
pub async fn record_suppressed(
    db: &sqlx::PgPool,
    limiter: &Unattributed,
    summaries: Vec<Suppressed>,
) -> Result<(), sqlx::Error> {
    if summaries.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = summaries.iter().map(|s| s.kind.as_str()).collect();
    let details: Vec<Value> = summaries.iter().map(|s| s.details.clone()).collect();
    let at: Vec<DateTime<Utc>> = summaries.iter().map(|s| s.at).collect();
    let written = sqlx::query!(
        r#"
        INSERT INTO security_events (kind, details, at)
        SELECT * FROM UNNEST($1::TEXT[], $2::JSONB[], $3::TIMESTAMPTZ[])
        "#,
        &kinds as &[&str],
        &details,
        &at,
    )
    .execute(db)
    .await;
    if let Err(error) = written {
        limiter.give_back(summaries);
        return Err(error);
    }
    Ok(())
}

/// The kinds recorded about no person, oldest first (for tests).
pub async fn unattributed_kinds(db: &sqlx::PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT kind FROM security_events WHERE telegram_user_id IS NULL AND subject IS NULL ORDER BY id"
    )
    .fetch_all(db)
    .await
}

/// The kinds recorded for a user, oldest first (for tests and the audit view).
pub async fn kinds_for(db: &sqlx::PgPool, user_id: UserId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT kind FROM security_events WHERE telegram_user_id = $1 ORDER BY id",
        user_id.get()
    )
    .fetch_all(db)
    .await
}

/// /forget: the person's events stay, keyed by `subject` instead of their
/// Telegram id.
pub async fn pseudonymise(
    db: &mut sqlx::PgConnection,
    user_id: UserId,
    subject: &[u8],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE security_events SET telegram_user_id = NULL, subject = $2 WHERE telegram_user_id = $1",
        user_id.get(),
        subject,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(done)
}

/// An event about someone already pseudonymised (the erasure itself).
pub async fn record_for_subject(
    db: &mut sqlx::PgConnection,
    subject: &[u8],
    kind: Kind,
    details: Value,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    count(kind);
    sqlx::query!(
        "INSERT INTO security_events (subject, kind, details, at) VALUES ($1, $2, $3, $4)",
        subject,
        kind.as_str(),
        details,
        at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The kinds recorded under a pseudonym, oldest first.
pub async fn kinds_for_subject(
    db: &sqlx::PgPool,
    subject: &[u8],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT kind FROM security_events WHERE subject = $1 ORDER BY id",
        subject
    )
    .fetch_all(db)
    .await
}

/// Retention: deletes up to `batch` events recorded before `before`.
pub async fn purge(
    db: &sqlx::PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM security_events WHERE id IN (
            SELECT id FROM security_events WHERE at < $1 LIMIT $2
        )
        "#,
        before,
        batch,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::noon;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn forged_buttons_are_recorded_a_hundred_an_hour_at_most(db: sqlx::PgPool) {
        let mallory = UserId::from_stored(666);
        let mut conn = db.acquire().await.unwrap();
        let details = || serde_json::json!({ "entity": "referral", "id": 1 });
        for n in 0..(FORGED_PER_HOUR + 20) {
            let at = noon() + chrono::Duration::seconds(n);
            record(&mut conn, mallory, Kind::ForgedCallback, details(), at)
                .await
                .unwrap();
        }
        // Other kinds are never held back.
        record(
            &mut conn,
            mallory,
            Kind::CodeRejected,
            serde_json::json!({}),
            noon(),
        )
        .await
        .unwrap();
        let kinds = kinds_for(&db, mallory).await.unwrap();
        let forged = kinds
            .iter()
            .filter(|kind| *kind == "forged_callback")
            .count();
        assert_eq!(i64::try_from(forged).unwrap(), FORGED_PER_HOUR);
        assert_eq!(kinds.last().map(String::as_str), Some("code_rejected"));
        // An hour on, recorded again.
        let later = noon() + chrono::Duration::hours(2);
        record(&mut conn, mallory, Kind::ForgedCallback, details(), later)
            .await
            .unwrap();
        let kinds = kinds_for(&db, mallory).await.unwrap();
        let forged = kinds
            .iter()
            .filter(|kind| *kind == "forged_callback")
            .count();
        assert_eq!(i64::try_from(forged).unwrap(), FORGED_PER_HOUR + 1);
    }

    #[test]
    fn every_kind_is_counted_apart() {
        let names: std::collections::HashSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
        for (index, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), index, "{kind:?}");
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn events_held_back_are_counted_all_the_same(db: sqlx::PgPool) {
        let before = |kind: Kind| {
            counts()
                .into_iter()
                .find(|(k, _)| *k == kind)
                .map_or(0, |(_, n)| n)
        };
        let unauthorized = before(Kind::ApiUnauthorized);
        let limiter = Unattributed::new(2);
        for _ in 0..5 {
            record_unattributed(
                &db,
                &limiter,
                Kind::ApiUnauthorized,
                serde_json::json!({ "key": "unknown" }),
                noon(),
            )
            .await
            .unwrap();
        }
        assert_eq!(unattributed_kinds(&db).await.unwrap().len(), 2);
        // Other tests of this process count too: at least these five.
        assert!(before(Kind::ApiUnauthorized) >= unauthorized + 5);
        assert!(Kind::ApiUnauthorized.is_refusal());
        assert!(!Kind::LoginApproved.is_refusal());

        let locks = lockouts();
        count_lockout(Locked::Operator);
        let after = lockouts();
        assert!(after[1].1 > locks[1].1, "{after:?}");
    }

    #[test]
    fn the_limiter_lets_a_few_a_minute_through_and_counts_the_rest() {
        let limiter = Unattributed::new(3);
        let junk = serde_json::json!({ "key": "unknown" });
        let revoked = serde_json::json!({ "key": "revoked", "client": "lk-portal" });
        let at = |seconds| noon() + Duration::seconds(seconds);
        let written = (0..100)
            .filter(|n| {
                limiter
                    .admit(Kind::ApiUnauthorized, &junk, at(*n / 10))
                    .write
            })
            .count();
        assert_eq!(written, 3);
        // A revoked key is counted apart from the junk, and so is a kind.
        assert!(limiter.admit(Kind::ApiUnauthorized, &revoked, at(30)).write);
        assert!(limiter.admit(Kind::ApiRateLimited, &junk, at(30)).write);
        // Nothing is over yet.
        assert_eq!(limiter.ended(at(59)), []);
        // The minute over: its count, once, with the next event of any kind.
        let next = limiter.admit(Kind::ApiRateLimited, &junk, at(61));
        assert!(next.write);
        assert_eq!(
            next.ended,
            [Suppressed {
                kind: Kind::ApiUnauthorized,
                details: serde_json::json!({
                    "key": "unknown",
                    "client": null,
                    "suppressed": 97,
                    "from": noon(),
                    "until": noon() + Duration::minutes(1),
                }),
                at: at(61),
            }]
        );
        assert_eq!(limiter.ended(at(200)), [], "the others held nothing back");
        // Held at the stop: given whatever the minute.
        for n in 0..5 {
            limiter.admit(Kind::ApiUnauthorized, &junk, at(300 + n));
        }
        let held = limiter.drain();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].details["suppressed"], 2);
        assert_eq!(limiter.drain(), []);

        // Counts the database did not take come out again, with the next.
        limiter.give_back(held.clone());
        let again = limiter.admit(Kind::ApiUnauthorized, &junk, at(900));
        assert_eq!(again.ended, held);
        assert_eq!(limiter.drain(), [], "once");
        // A database down for long keeps the newest of them only.
        limiter.give_back(vec![held[0].clone(); UNWRITTEN_KEPT + 5]);
        assert_eq!(limiter.ended(at(900)).len(), UNWRITTEN_KEPT);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_thousand_bad_keys_write_a_few_rows_and_then_their_count(db: sqlx::PgPool) {
        let limiter = Unattributed::default();
        let junk = || serde_json::json!({ "key": "unknown" });
        for n in 0..1000 {
            let at = noon() + Duration::milliseconds(n * 50);
            record_unattributed(&db, &limiter, Kind::ApiUnauthorized, junk(), at)
                .await
                .unwrap();
        }
        let cap = usize::try_from(UNATTRIBUTED_PER_MINUTE).unwrap();
        assert_eq!(unattributed_kinds(&db).await.unwrap().len(), cap);
        // A minute on, the next refusal comes after the count of the rest.
        let later = noon() + Duration::seconds(61);
        let recorded = record_unattributed(&db, &limiter, Kind::ApiUnauthorized, junk(), later)
            .await
            .unwrap();
        assert!(recorded);
        let details: Vec<Value> = sqlx::query_scalar(
            "SELECT details FROM security_events WHERE telegram_user_id IS NULL ORDER BY id",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        assert_eq!(details.len(), cap + 2);
        assert_eq!(details[cap]["suppressed"], 1000 - UNATTRIBUTED_PER_MINUTE);
        assert_eq!(details[cap]["key"], "unknown");
        assert_eq!(details[cap + 1], junk());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn past_the_hourly_cap_the_database_refuses_and_the_count_says_so(db: sqlx::PgPool) {
        // Many instances (a limiter each) together: the hour's cap holds.
        let junk = || serde_json::json!({ "key": "unknown" });
        let per_hour = usize::try_from(UNATTRIBUTED_PER_HOUR).unwrap();
        let instances: Vec<_> = (0..(per_hour / 10 + 2))
            .map(|_| Unattributed::new(10))
            .collect();
        for limiter in &instances {
            for _ in 0..10 {
                record_unattributed(&db, limiter, Kind::ApiUnauthorized, junk(), noon())
                    .await
                    .unwrap();
            }
        }
        assert_eq!(unattributed_kinds(&db).await.unwrap().len(), per_hour);
        let held: u64 = instances
            .iter()
            .flat_map(Unattributed::drain)
            .map(|summary| summary.details["suppressed"].as_u64().unwrap())
            .sum();
        assert_eq!(held, 20, "those the database refused are counted");
    }
}
