//! The TOTP second factor of an account: enrolment, code checks, lockout.
//!
//! Owns the table `second_factors`. Rules (RFC 6238, OWASP ASVS V2.8):
//! 30-second steps, one step of drift either way, a code accepted once
//! (the last accepted step is stored), and after three wrong codes code
//! entry is locked: 30 minutes the first time, then 2 hours, then 24 hours
//! each time; after [`FactorPolicy::lockouts_before_reset`] locks in a row
//! the factor is blocked until an operator resets it. A right code starts
//! the escalation afresh. Counters are in PostgreSQL, so a restart or a
//! Redis flush does not reset them.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::UserId;
use crate::accounts;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::security_events::{self, Kind};
use crate::totp::{self, CodeRejection, TotpSecret};

pub const SECRET_FIELD: &str = "second_factors.secret";
pub const MAX_WRONG_CODES: i32 = 3;

/// How long the `n`-th lock in a row lasts (1-based): 30 minutes, 2 hours,
/// then 24 hours.
pub fn lock_duration(n: i32) -> Duration {
    match n {
        ..=1 => Duration::minutes(30),
        2 => Duration::hours(2),
        _ => Duration::hours(24),
    }
}

/// The rules a code is checked by, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorPolicy {
    /// The session a right code opens.
    pub session: accounts::SessionLimits,
    /// Locks in a row after which the factor is blocked until reset
    /// (`MEDCAB_LOCKOUTS_BEFORE_RESET`).
    pub lockouts_before_reset: i32,
    /// The operators' staff session a right operator's code opens.
    pub staff: crate::operator_factors::StaffLimits,
}

pub const DEFAULT_LOCKOUTS_BEFORE_RESET: i32 = 4;

impl Default for FactorPolicy {
    fn default() -> FactorPolicy {
        FactorPolicy {
            session: accounts::SessionLimits::default(),
            lockouts_before_reset: DEFAULT_LOCKOUTS_BEFORE_RESET,
            staff: crate::operator_factors::StaffLimits::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FactorError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("the stored secret does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error("the stored secret is unusable")]
    Corrupt,
    #[error("no second factor is being enrolled or enrolled")]
    Missing,
}

/// What became of a code the user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right. `enrolled_now` when this code completed the enrolment.
    Accepted { enrolled_now: bool },
    /// Not six digits: not counted as an attempt.
    Malformed,
    /// Wrong; so many tries remain before the lock.
    Wrong { attempts_left: i32 },
    /// Wrong, and that was the last try: locked until then.
    LockedNow { until: DateTime<Utc> },
    /// Code entry is locked; the code was not even looked at.
    Locked { until: DateTime<Utc> },
    /// Wrong, and that lock was one too many: the factor is blocked until
    /// an operator resets it.
    BlockedNow,
    /// The factor is blocked; only a reset helps.
    Blocked,
    /// A code that was already used.
    Replayed,
}

/// Before a code is looked at: the wrong codes so far, or why it is not
/// looked at (blocked, or locked until then). Shared with the operators'
/// factor (`crate::operator_factors`), which keeps the same counters.
pub(crate) fn failed_before(
    blocked_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
    failed_attempts: i32,
    now: DateTime<Utc>,
) -> Result<i32, CodeCheck> {
    if blocked_at.is_some() {
        return Err(CodeCheck::Blocked);
    }
    if let Some(until) = locked_until.filter(|until| now < *until) {
        return Err(CodeCheck::Locked { until });
    }
    // A lock that has run out starts the count afresh.
    Ok(if locked_until.is_some() {
        0
    } else {
        failed_attempts
    })
}

/// The counters after a wrong code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WrongCode {
    pub failed: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub lockouts: i32,
    pub blocked: bool,
}

impl WrongCode {
    /// What the user is told.
    pub(crate) fn check(self) -> CodeCheck {
        match self.locked_until {
            Some(until) => CodeCheck::LockedNow { until },
            None if self.blocked => CodeCheck::BlockedNow,
            None => CodeCheck::Wrong {
                attempts_left: MAX_WRONG_CODES - self.failed,
            },
        }
    }
}

/// The escalation: the third wrong code locks (longer each time in a row),
/// and one lock too many blocks the factor.
pub(crate) fn wrong_code(
    failed_before: i32,
    lockouts_before: i32,
    policy: FactorPolicy,
    now: DateTime<Utc>,
) -> WrongCode {
    let failed = failed_before + 1;
    let locks = failed >= MAX_WRONG_CODES;
    let lockouts = lockouts_before + i32::from(locks);
    let blocked = locks && lockouts >= policy.lockouts_before_reset;
    let locked_until = (locks && !blocked).then(|| now + lock_duration(lockouts));
    WrongCode {
        failed,
        locked_until,
        lockouts,
        blocked,
    }
}

/// The secret to enrol: the pending one if enrolment was started before
/// (the QR code already scanned stays valid), or a fresh one; `now` is
/// when its QR code goes out. One statement decides it under the row's
/// lock, so two presses at once get the same secret (two secrets would
/// leave a QR code in the chat that no longer enrols), and a withdrawal
/// of the stale QR code racing it either comes first (its new secret is
/// the one handed out) or finds the code just sent and leaves it (the
/// sending time is written here, before the message exists).
pub async fn enrolment_secret(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<TotpSecret, FactorError> {
    let fresh = TotpSecret::generate();
    let sealed = sqlx::query_scalar!(
        r#"
        INSERT INTO second_factors (telegram_user_id, secret, enrolment_sent_at)
        VALUES ($1, $2, $3)
        ON CONFLICT (telegram_user_id) DO UPDATE SET
            secret = CASE WHEN second_factors.enrolled_at IS NULL
                          THEN second_factors.secret ELSE EXCLUDED.secret END,
            last_accepted_step = CASE WHEN second_factors.enrolled_at IS NULL
                                      THEN second_factors.last_accepted_step END,
            enrolled_at = NULL,
            enrolment_sent_at = EXCLUDED.enrolment_sent_at
        RETURNING secret
        "#,
        user_id.get(),
        vault.seal(SECRET_FIELD, &RowKey::id(user_id.get()), fresh.as_bytes()),
        now,
    )
    .fetch_one(db)
    .await?;
    open_secret(vault, user_id, &sealed)
}

fn open_secret(vault: &Vault, user_id: UserId, sealed: &[u8]) -> Result<TotpSecret, FactorError> {
    TotpSecret::from_bytes(vault.open(SECRET_FIELD, &RowKey::id(user_id.get()), sealed)?)
        .map_err(|_| FactorError::Corrupt)
}

/// Checks a code, for enrolment or for a step-up. A right code completes a
/// pending enrolment (the account becomes active) and opens the step-up
/// session within `session`'s limits.
pub async fn check_code(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    code: &str,
    now: DateTime<Utc>,
    policy: FactorPolicy,
) -> Result<CodeCheck, FactorError> {
    let mut tx = db.begin().await?;
    // Serialises concurrent attempts: two codes sent at once must not both
    // see two attempts left.
    let row = sqlx::query!(
        r#"
        SELECT secret, enrolled_at, last_accepted_step, failed_attempts, locked_until,
               lockouts, blocked_at
        FROM second_factors WHERE telegram_user_id = $1 FOR UPDATE
        "#,
        user_id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(FactorError::Missing)?;

    let failed_before =
        match failed_before(row.blocked_at, row.locked_until, row.failed_attempts, now) {
            Ok(failed) => failed,
            Err(refused) => return Ok(refused),
        };

    let secret = open_secret(vault, user_id, &row.secret)?;
    let outcome = match totp::verify(&secret, code, now.timestamp(), row.last_accepted_step) {
        Ok(step) => {
            sqlx::query!(
                r#"
                UPDATE second_factors
                SET last_accepted_step = $2, failed_attempts = 0, locked_until = NULL,
                    lockouts = 0, enrolled_at = COALESCE(enrolled_at, $3)
                WHERE telegram_user_id = $1
                "#,
                user_id.get(),
                step,
                now,
            )
            .execute(&mut *tx)
            .await?;
            let enrolled_now = row.enrolled_at.is_none();
            if enrolled_now {
                accounts::activate(&mut tx, user_id).await?;
                security_events::record(&mut tx, user_id, Kind::FactorEnrolled, json!({}), now)
                    .await?;
            }
            accounts::open_session(&mut tx, user_id, now, policy.session).await?;
            CodeCheck::Accepted { enrolled_now }
        }
        Err(CodeRejection::Malformed) => CodeCheck::Malformed,
        Err(CodeRejection::Replayed) => {
            security_events::record(&mut tx, user_id, Kind::CodeReplayed, json!({}), now).await?;
            CodeCheck::Replayed
        }
        Err(CodeRejection::Wrong) => {
            let WrongCode {
                failed,
                locked_until,
                lockouts,
                blocked,
            } = wrong_code(failed_before, row.lockouts, policy, now);
            sqlx::query!(
                r#"
                UPDATE second_factors
                SET failed_attempts = $2, locked_until = $3, lockouts = $4, blocked_at = $5
                WHERE telegram_user_id = $1
                "#,
                user_id.get(),
                failed,
                locked_until,
                lockouts,
                blocked.then_some(now),
            )
            .execute(&mut *tx)
            .await?;
            if blocked || locked_until.is_some() {
                security_events::count_lockout(security_events::Locked::Practitioner);
            }
            match locked_until {
                None if blocked => {
                    let details = json!({ "lockouts": lockouts });
                    security_events::record(&mut tx, user_id, Kind::FactorBlocked, details, now)
                        .await?;
                    CodeCheck::BlockedNow
                }
                Some(until) => {
                    let details = json!({ "until": until, "attempts": failed });
                    security_events::record(&mut tx, user_id, Kind::FactorLocked, details, now)
                        .await?;
                    CodeCheck::LockedNow { until }
                }
                None => {
                    security_events::record(&mut tx, user_id, Kind::CodeRejected, json!({}), now)
                        .await?;
                    CodeCheck::Wrong {
                        attempts_left: MAX_WRONG_CODES - failed,
                    }
                }
            }
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Whether the user has an enrolled second factor (an authenticator that
/// produced a right code once).
pub async fn is_enrolled(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    let enrolled = sqlx::query_scalar!(
        r#"SELECT enrolled_at IS NOT NULL AS "enrolled!" FROM second_factors WHERE telegram_user_id = $1"#,
        user_id.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(enrolled.unwrap_or(false))
}

/// Removes the second factor (the account was unlinked from its СНИЛС, so
/// what it protected is gone): a new link enrols a new one.
pub(crate) async fn remove(
    tx: &mut sqlx::PgConnection,
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM second_factors WHERE telegram_user_id = $1",
        user_id.get()
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Remembers the message that shows the secret being enrolled, and returns
/// the one it replaces (to be deleted: only one copy of a secret in a chat).
pub async fn remember_enrolment_message(
    db: &PgPool,
    user_id: UserId,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    let previous = swap_enrolment_message(db, user_id, Some(message_id)).await?;
    sqlx::query!(
        "UPDATE second_factors SET enrolment_sent_at = $2 WHERE telegram_user_id = $1",
        user_id.get(),
        now,
    )
    .execute(db)
    .await?;
    Ok(previous)
}

/// How long a QR code of a pending enrolment stays valid unused: a day to
/// install an authenticator is plenty, and a secret lying in a chat longer
/// is a secret someone else may find.
pub fn enrolment_lifetime() -> Duration {
    Duration::hours(24)
}

/// Withdraws up to `batch` QR codes sent more than [`enrolment_lifetime`]
/// before `now` and not used (the factor still pending): each pending
/// secret is replaced by a new one, so the old QR code no longer works even
/// if its message stays, and is forgotten as a message. Returns (user,
/// message) for the caller to delete from the chats; the user who comes
/// back gets a fresh QR code.
pub async fn withdraw_stale_enrolments(
    db: &PgPool,
    vault: &Vault,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // SKIP LOCKED: an enrolment being completed right now is left alone,
    // and two instances withdraw different ones.
    let stale = sqlx::query!(
        r#"
        SELECT telegram_user_id AS "telegram_user_id: UserId", enrolment_message_id AS "message_id!"
        FROM second_factors
        WHERE enrolled_at IS NULL AND enrolment_message_id IS NOT NULL
          AND enrolment_sent_at < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED
        "#,
        now - enrolment_lifetime(),
        batch,
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in &stale {
        let secret = TotpSecret::generate();
        sqlx::query!(
            r#"
            UPDATE second_factors
            SET secret = $2, last_accepted_step = NULL,
                enrolment_message_id = NULL, enrolment_sent_at = NULL
            WHERE telegram_user_id = $1
            "#,
            row.telegram_user_id.get(),
            vault.seal(
                SECRET_FIELD,
                &RowKey::id(row.telegram_user_id.get()),
                secret.as_bytes()
            ),
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(stale
        .into_iter()
        .map(|row| (row.telegram_user_id, row.message_id))
        .collect())
}

/// The message that showed the secret, now to be deleted; forgotten here.
pub async fn take_enrolment_message(
    db: &PgPool,
    user_id: UserId,
) -> Result<Option<String>, sqlx::Error> {
    swap_enrolment_message(db, user_id, None).await
}

async fn swap_enrolment_message(
    db: &PgPool,
    user_id: UserId,
    new: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let previous = sqlx::query_scalar!(
        "SELECT enrolment_message_id FROM second_factors WHERE telegram_user_id = $1 FOR UPDATE",
        user_id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    sqlx::query!(
        "UPDATE second_factors SET enrolment_message_id = $2 WHERE telegram_user_id = $1",
        user_id.get(),
        new,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataKey;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// A wrong code for `secret` at `now`.
    fn wrong(secret: &TotpSecret, now: DateTime<Utc>) -> &'static str {
        if secret.code_at(now.timestamp()) == "000000" {
            "111111"
        } else {
            "000000"
        }
    }

    /// Three wrong codes at `now`: the outcome of the third.
    async fn three_wrong(
        db: &PgPool,
        vault: &Vault,
        secret: &TotpSecret,
        now: DateTime<Utc>,
    ) -> CodeCheck {
        let policy = FactorPolicy::default();
        let mut last = CodeCheck::Malformed;
        for _ in 0..MAX_WRONG_CODES {
            last = check_code(
                db,
                vault,
                UserId::from_stored(1),
                wrong(secret, now),
                now,
                policy,
            )
            .await
            .unwrap();
        }
        last
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn locks_grow_longer_until_the_factor_must_be_reset(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        accounts::open(&db, UserId::from_stored(1), start())
            .await
            .unwrap();
        let secret = enrolment_secret(&db, &vault, UserId::from_stored(1), start())
            .await
            .unwrap();
        let policy = FactorPolicy::default();
        let mut now = start();
        for expected in [
            Duration::minutes(30),
            Duration::hours(2),
            Duration::hours(24),
        ] {
            assert_eq!(
                three_wrong(&db, &vault, &secret, now).await,
                CodeCheck::LockedNow {
                    until: now + expected
                }
            );
            // Locked: the right code is not even looked at.
            let right = secret.code_at(now.timestamp());
            assert_eq!(
                check_code(&db, &vault, UserId::from_stored(1), &right, now, policy)
                    .await
                    .unwrap(),
                CodeCheck::Locked {
                    until: now + expected
                }
            );
            now += expected;
        }
        // The fourth lock in a row blocks the factor for good.
        assert_eq!(
            three_wrong(&db, &vault, &secret, now).await,
            CodeCheck::BlockedNow
        );
        let later = now + Duration::days(30);
        let right = secret.code_at(later.timestamp());
        assert_eq!(
            check_code(&db, &vault, UserId::from_stored(1), &right, later, policy)
                .await
                .unwrap(),
            CodeCheck::Blocked
        );
        let kinds = security_events::kinds_for(&db, UserId::from_stored(1))
            .await
            .unwrap();
        assert_eq!(
            kinds.iter().filter(|kind| *kind == "factor_locked").count(),
            3
        );
        assert_eq!(kinds.last().map(String::as_str), Some("factor_blocked"));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_right_code_starts_the_escalation_afresh(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        accounts::open(&db, UserId::from_stored(1), start())
            .await
            .unwrap();
        let secret = enrolment_secret(&db, &vault, UserId::from_stored(1), start())
            .await
            .unwrap();
        let policy = FactorPolicy::default();
        let now = start();
        three_wrong(&db, &vault, &secret, now).await;
        let after = now + Duration::minutes(30);
        let right = secret.code_at(after.timestamp());
        assert!(matches!(
            check_code(&db, &vault, UserId::from_stored(1), &right, after, policy)
                .await
                .unwrap(),
            CodeCheck::Accepted { .. }
        ));
        // The next lock is the first again: 30 minutes.
        let later = after + Duration::minutes(5);
        assert_eq!(
            three_wrong(&db, &vault, &secret, later).await,
            CodeCheck::LockedNow {
                until: later + Duration::minutes(30)
            }
        );
    }

    /// Two QR codes asked for at once (a double tap on /start): one secret,
    /// the one stored, so the QR code left in the chat enrols.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn two_enrolments_at_once_give_one_secret(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        let anna = UserId::from_stored(1);
        accounts::open(&db, anna, start()).await.unwrap();
        let (first, second) = tokio::join!(
            enrolment_secret(&db, &vault, anna, start()),
            enrolment_secret(&db, &vault, anna, start()),
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(first.as_bytes(), second.as_bytes());
        let stored = sqlx::query_scalar!(
            "SELECT secret FROM second_factors WHERE telegram_user_id = $1",
            anna.get()
        )
        .fetch_one(&db)
        .await
        .unwrap();
        let stored = open_secret(&vault, anna, &stored).unwrap();
        assert_eq!(stored.as_bytes(), first.as_bytes());
    }
}
