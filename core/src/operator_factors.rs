//! The operators' second factor and their staff session.
//!
//! Owns the table `operator_factors`. An operator need not be a
//! practitioner with an account (`second_factors` references `accounts`),
//! and the role's factor must go with the role: so it lives next to
//! `operators`, one row per operator, deleted when the role is revoked
//! (`operators::revoke`). The rules of a code are the practitioners' ones
//! (`crate::second_factor`: RFC 6238 through `crate::totp`, each code
//! once, three wrong codes lock for 30 minutes, then 2 hours, then 24
//! hours, and one lock too many blocks the factor; for an operator, until
//! IT staff revoke and grant the role again, which enrols a new factor).
//!
//! A right code opens the staff session: every staff action needs it open,
//! at most [`StaffLimits::absolute`] after the code however active, and at
//! most [`StaffLimits::idle`] after the last staff action. [`access_in`]
//! asks "operator, with an open session?" and extends the session, inside
//! each operation's transaction (`crate::review::require_operator`), so core
//! refuses a staff action without a session even if the bot did not ask.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::crypto::{RowKey, Vault};
use crate::operators;
use crate::second_factor::{self, CodeCheck, FactorError, FactorPolicy, WrongCode};
use crate::security_events::{self, Kind};
use crate::totp::{self, CodeRejection, TotpSecret};

pub const SECRET_FIELD: &str = "operator_factors.secret";

/// How long the bot waits for the code it asked for: a message typed after
/// that is not taken for a code.
pub const CODE_ASKED_FOR: Duration = Duration::minutes(10);

/// The staff session's limits (`MEDCAB_STAFF_SESSION_HOURS`,
/// `MEDCAB_STAFF_SESSION_IDLE_MINUTES`): shorter than a practitioner's,
/// since an operator's session opens every practitioner's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffLimits {
    /// From the code, however active.
    pub absolute: Duration,
    /// From the last staff action.
    pub idle: Duration,
}

pub const DEFAULT_STAFF_SESSION_HOURS: i64 = 8;
pub const DEFAULT_STAFF_SESSION_IDLE_MINUTES: i64 = 15;

impl Default for StaffLimits {
    fn default() -> StaffLimits {
        StaffLimits {
            absolute: Duration::hours(DEFAULT_STAFF_SESSION_HOURS),
            idle: Duration::minutes(DEFAULT_STAFF_SESSION_IDLE_MINUTES),
        }
    }
}

/// May this user act as staff now?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An operator with an open session (now extended).
    Open,
    NotOperator,
    /// An operator with no enrolled factor: enrol first.
    NotEnrolled,
    /// An operator whose session is closed (never opened, idle too long,
    /// or past its absolute end): the code first.
    SessionClosed,
}

/// [`access_in`] on its own connection (the bot's gate before a screen).
pub async fn access(
    db: &PgPool,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Access, sqlx::Error> {
    access_in(&mut *db.acquire().await?, user_id, now).await
}

/// Whether the user is an operator with an open staff session; an open
/// one is extended by the idle time (never past its absolute end). Inside
/// the caller's transaction, so that an operation and the check that
/// allowed it see the same state.
pub async fn access_in(
    db: &mut PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Access, sqlx::Error> {
    if !operators::is_operator_in(db, user_id).await? {
        return Ok(Access::NotOperator);
    }
    let extended = sqlx::query!(
        r#"
        UPDATE operator_factors
        SET session_idle_until =
            LEAST(session_until, $2 + session_idle_seconds * INTERVAL '1 second')
        WHERE telegram_user_id = $1 AND enrolled_at IS NOT NULL
          AND session_until > $2 AND session_idle_until > $2
        "#,
        user_id.get(),
        now,
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    if extended > 0 {
        return Ok(Access::Open);
    }
    let enrolled = sqlx::query_scalar!(
        "SELECT enrolled_at FROM operator_factors WHERE telegram_user_id = $1",
        user_id.get()
    )
    .fetch_optional(db)
    .await?
    .flatten();
    Ok(match enrolled {
        Some(_) => Access::SessionClosed,
        None => Access::NotEnrolled,
    })
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
        INSERT INTO operator_factors (telegram_user_id, secret, enrolment_sent_at)
        VALUES ($1, $2, $3)
        ON CONFLICT (telegram_user_id) DO UPDATE SET
            secret = CASE WHEN operator_factors.enrolled_at IS NULL
                          THEN operator_factors.secret ELSE EXCLUDED.secret END,
            last_accepted_step = CASE WHEN operator_factors.enrolled_at IS NULL
                                      THEN operator_factors.last_accepted_step END,
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

/// The secret is bound to its operator's row (`RowKey::id`).
fn open_secret(vault: &Vault, user_id: UserId, sealed: &[u8]) -> Result<TotpSecret, FactorError> {
    TotpSecret::from_bytes(vault.open(SECRET_FIELD, &RowKey::id(user_id.get()), sealed)?)
        .map_err(|_| FactorError::Corrupt)
}

/// Checks an operator's code. A right one completes a pending enrolment
/// and opens the staff session within `policy.staff`; wrong ones count
/// and lock as a practitioner's do. Every outcome but a malformed code is
/// in the security log.
pub async fn check_code(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    code: &str,
    now: DateTime<Utc>,
    policy: FactorPolicy,
) -> Result<CodeCheck, FactorError> {
    let mut tx = db.begin().await?;
    if !operators::is_operator_in(&mut tx, user_id).await? {
        return Err(FactorError::Missing);
    }
    let row = sqlx::query!(
        r#"
        SELECT secret, enrolled_at, last_accepted_step, failed_attempts, locked_until,
               lockouts, blocked_at
        FROM operator_factors WHERE telegram_user_id = $1 FOR UPDATE
        "#,
        user_id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(FactorError::Missing)?;
    let failed_before = match second_factor::failed_before(
        row.blocked_at,
        row.locked_until,
        row.failed_attempts,
        now,
    ) {
        Ok(failed) => failed,
        Err(refused) => {
            let details = json!({ "outcome": outcome_name(refused) });
            security_events::record(&mut tx, user_id, Kind::StaffCodeRefused, details, now).await?;
            tx.commit().await?;
            return Ok(refused);
        }
    };

    let secret = open_secret(vault, user_id, &row.secret)?;
    let outcome = match totp::verify(&secret, code, now.timestamp(), row.last_accepted_step) {
        Ok(step) => {
            let limits = policy.staff;
            let until = now + limits.absolute;
            sqlx::query!(
                r#"
                UPDATE operator_factors
                SET last_accepted_step = $2, failed_attempts = 0, locked_until = NULL,
                    lockouts = 0, enrolled_at = COALESCE(enrolled_at, $3),
                    code_asked_for = NULL, code_asked_at = NULL,
                    session_started_at = $3, session_until = $4, session_idle_until = $5,
                    session_idle_seconds = $6
                WHERE telegram_user_id = $1
                "#,
                user_id.get(),
                step,
                now,
                until,
                now + limits.idle.min(limits.absolute),
                // Saturates: an idle limit past 68 years is no limit anyway.
                i32::try_from(limits.idle.num_seconds()).unwrap_or(i32::MAX),
            )
            .execute(&mut *tx)
            .await?;
            let enrolled_now = row.enrolled_at.is_none();
            let details = json!({ "enrolled_now": enrolled_now, "until": until });
            security_events::record(&mut tx, user_id, Kind::StaffSessionOpened, details, now)
                .await?;
            CodeCheck::Accepted { enrolled_now }
        }
        Err(CodeRejection::Malformed) => CodeCheck::Malformed,
        Err(CodeRejection::Replayed) => {
            let details = json!({ "outcome": "replayed" });
            security_events::record(&mut tx, user_id, Kind::StaffCodeRefused, details, now).await?;
            CodeCheck::Replayed
        }
        Err(CodeRejection::Wrong) => {
            let wrong: WrongCode =
                second_factor::wrong_code(failed_before, row.lockouts, policy, now);
            sqlx::query!(
                r#"
                UPDATE operator_factors
                SET failed_attempts = $2, locked_until = $3, lockouts = $4, blocked_at = $5
                WHERE telegram_user_id = $1
                "#,
                user_id.get(),
                wrong.failed,
                wrong.locked_until,
                wrong.lockouts,
                wrong.blocked.then_some(now),
            )
            .execute(&mut *tx)
            .await?;
            let check = wrong.check();
            if matches!(check, CodeCheck::LockedNow { .. } | CodeCheck::BlockedNow) {
                security_events::count_lockout(security_events::Locked::Operator);
            }
            let details = json!({
                "outcome": outcome_name(check),
                "attempts": wrong.failed,
                "until": wrong.locked_until,
            });
            security_events::record(&mut tx, user_id, Kind::StaffCodeRefused, details, now).await?;
            check
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// How a refused code is named in the security log.
fn outcome_name(check: CodeCheck) -> &'static str {
    match check {
        CodeCheck::Accepted { .. } => "accepted",
        CodeCheck::Malformed => "malformed",
        CodeCheck::Wrong { .. } => "wrong",
        CodeCheck::LockedNow { .. } => "locked_now",
        CodeCheck::Locked { .. } => "locked",
        CodeCheck::BlockedNow => "blocked_now",
        CodeCheck::Blocked => "blocked",
        CodeCheck::Replayed => "replayed",
    }
}

/// Notes that the bot asked this operator for their code, and what to do
/// once it is right (`then`: a command to run again, or what to tell).
pub async fn ask_for_code(
    db: &PgPool,
    user_id: UserId,
    then: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE operator_factors SET code_asked_for = $2, code_asked_at = $3
        WHERE telegram_user_id = $1
        "#,
        user_id.get(),
        then,
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets that the code was asked for (/cancel): the next message is not
/// taken for a code. Whether one was asked for.
pub async fn cancel_code_request(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    let cancelled = sqlx::query!(
        r#"
        UPDATE operator_factors SET code_asked_for = NULL, code_asked_at = NULL
        WHERE telegram_user_id = $1 AND code_asked_for IS NOT NULL
        "#,
        user_id.get(),
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(cancelled > 0)
}

/// What the operator's code was asked for, if it was asked for lately and
/// they are still an operator: their next message is the code.
pub async fn code_asked_for(
    db: &PgPool,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    let asked = sqlx::query_scalar!(
        r#"
        SELECT f.code_asked_for FROM operator_factors f
        JOIN operators o USING (telegram_user_id)
        WHERE f.telegram_user_id = $1 AND o.revoked_at IS NULL AND f.code_asked_at > $2
        "#,
        user_id.get(),
        now - CODE_ASKED_FOR,
    )
    .fetch_optional(db)
    .await?
    .flatten();
    Ok(asked)
}

/// Remembers the message with the QR code being enrolled, sent at `now`;
/// returns the one it replaces (to be deleted: one copy of a secret in a
/// chat).
pub async fn remember_enrolment_message(
    db: &PgPool,
    user_id: UserId,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    swap_enrolment_message(db, user_id, Some((message_id, now))).await
}

/// Withdraws up to `batch` operators' QR codes sent more than
/// [`second_factor::enrolment_lifetime`] before `now` and not used, as
/// [`second_factor::withdraw_stale_enrolments`] does a practitioner's:
/// the pending secret is replaced, so the old code no longer enrols even
/// if its message stays. Returns (operator, message) to delete.
pub async fn withdraw_stale_enrolments(
    db: &PgPool,
    vault: &Vault,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // SKIP LOCKED: an enrolment being completed now is left alone.
    let stale = sqlx::query!(
        r#"
        SELECT telegram_user_id AS "operator: UserId", enrolment_message_id AS "message_id!"
        FROM operator_factors
        WHERE enrolled_at IS NULL AND enrolment_message_id IS NOT NULL
          AND enrolment_sent_at < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED
        "#,
        now - second_factor::enrolment_lifetime(),
        batch,
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in &stale {
        let secret = TotpSecret::generate();
        sqlx::query!(
            r#"
            UPDATE operator_factors
            SET secret = $2, last_accepted_step = NULL,
                enrolment_message_id = NULL, enrolment_sent_at = NULL
            WHERE telegram_user_id = $1
            "#,
            row.operator.get(),
            vault.seal(
                SECRET_FIELD,
                &RowKey::id(row.operator.get()),
                secret.as_bytes()
            ),
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(stale
        .into_iter()
        .map(|row| (row.operator, row.message_id))
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
    new: Option<(&str, DateTime<Utc>)>,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let previous = sqlx::query_scalar!(
        "SELECT enrolment_message_id FROM operator_factors WHERE telegram_user_id = $1 FOR UPDATE",
        user_id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    sqlx::query!(
        r#"
        UPDATE operator_factors SET enrolment_message_id = $2, enrolment_sent_at = $3
        WHERE telegram_user_id = $1
        "#,
        user_id.get(),
        new.map(|(message, _)| message),
        new.map(|(_, sent_at)| sent_at),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(previous)
}

/// The role is revoked: its factor and session go with it.
pub(crate) async fn remove(tx: &mut PgConnection, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM operator_factors WHERE telegram_user_id = $1",
        user_id.get()
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The secret, for tests that type the code an authenticator app shows.
pub async fn secret_for_tests(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
) -> Result<TotpSecret, FactorError> {
    let sealed = sqlx::query_scalar!(
        "SELECT secret FROM operator_factors WHERE telegram_user_id = $1",
        user_id.get()
    )
    .fetch_optional(db)
    .await?
    .ok_or(FactorError::Missing)?;
    open_secret(vault, user_id, &sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataKey;

    const OLGA: UserId = UserId::from_stored(5001);

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    async fn check(db: &PgPool, vault: &Vault, code: &str, now: DateTime<Utc>) -> CodeCheck {
        check_code(db, vault, OLGA, code, now, FactorPolicy::default())
            .await
            .unwrap()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_session_ends_when_idle_and_at_its_absolute_end(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        operators::grant(&db, OLGA, "test", start()).await.unwrap();
        assert_eq!(
            access(&db, OLGA, start()).await.unwrap(),
            Access::NotEnrolled
        );
        let secret = enrolment_secret(&db, &vault, OLGA, start()).await.unwrap();
        assert_eq!(
            access(&db, OLGA, start()).await.unwrap(),
            Access::NotEnrolled,
            "a pending enrolment opens nothing"
        );
        let code = secret.code_at(start().timestamp());
        assert_eq!(
            check(&db, &vault, &code, start()).await,
            CodeCheck::Accepted { enrolled_now: true }
        );
        // Active every 14 minutes: open until 8 hours after the code.
        let mut now = start();
        while now + Duration::minutes(14) < start() + Duration::hours(8) {
            now += Duration::minutes(14);
            assert_eq!(access(&db, OLGA, now).await.unwrap(), Access::Open);
        }
        assert_eq!(
            access(&db, OLGA, start() + Duration::hours(8))
                .await
                .unwrap(),
            Access::SessionClosed
        );
        // A new code, then 15 idle minutes close it.
        let later = start() + Duration::hours(9);
        let code = secret.code_at(later.timestamp());
        assert_eq!(
            check(&db, &vault, &code, later).await,
            CodeCheck::Accepted {
                enrolled_now: false
            }
        );
        let idle = later + Duration::minutes(15);
        assert_eq!(
            access(&db, OLGA, idle).await.unwrap(),
            Access::SessionClosed
        );
        // Revoked: the factor goes with the role.
        operators::revoke(&db, OLGA, idle).await.unwrap();
        assert_eq!(access(&db, OLGA, idle).await.unwrap(), Access::NotOperator);
        operators::grant(&db, OLGA, "test", idle).await.unwrap();
        assert_eq!(access(&db, OLGA, idle).await.unwrap(), Access::NotEnrolled);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn wrong_codes_lock_as_a_practitioners_do(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        operators::grant(&db, OLGA, "test", start()).await.unwrap();
        let secret = enrolment_secret(&db, &vault, OLGA, start()).await.unwrap();
        let now = start();
        let wrong = if secret.code_at(now.timestamp()) == "000000" {
            "111111"
        } else {
            "000000"
        };
        assert_eq!(
            check(&db, &vault, wrong, now).await,
            CodeCheck::Wrong { attempts_left: 2 }
        );
        check(&db, &vault, wrong, now).await;
        assert_eq!(
            check(&db, &vault, wrong, now).await,
            CodeCheck::LockedNow {
                until: now + Duration::minutes(30)
            }
        );
        let right = secret.code_at(now.timestamp());
        assert_eq!(
            check(&db, &vault, &right, now).await,
            CodeCheck::Locked {
                until: now + Duration::minutes(30)
            }
        );
        let kinds = security_events::kinds_for(&db, OLGA).await.unwrap();
        assert_eq!(kinds, vec!["staff_code_refused"; 4]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_operators_locks_grow_longer_until_the_role_is_granted_again(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        operators::grant(&db, OLGA, "test", start()).await.unwrap();
        let secret = enrolment_secret(&db, &vault, OLGA, start()).await.unwrap();
        let wrong = |now: DateTime<Utc>| {
            if secret.code_at(now.timestamp()) == "000000" {
                "111111"
            } else {
                "000000"
            }
        };
        let code = secret.code_at(start().timestamp());
        assert_eq!(
            check(&db, &vault, &code, start()).await,
            CodeCheck::Accepted { enrolled_now: true }
        );
        let mut now = start() + Duration::minutes(1);
        for expected in [
            Duration::minutes(30),
            Duration::hours(2),
            Duration::hours(24),
        ] {
            check(&db, &vault, wrong(now), now).await;
            check(&db, &vault, wrong(now), now).await;
            assert_eq!(
                check(&db, &vault, wrong(now), now).await,
                CodeCheck::LockedNow {
                    until: now + expected
                }
            );
            let right = secret.code_at(now.timestamp());
            assert_eq!(
                check(&db, &vault, &right, now).await,
                CodeCheck::Locked {
                    until: now + expected
                },
                "locked: the right code is not looked at"
            );
            now += expected;
        }
        // The fourth lock in a row blocks the factor, whatever comes later.
        check(&db, &vault, wrong(now), now).await;
        check(&db, &vault, wrong(now), now).await;
        assert_eq!(
            check(&db, &vault, wrong(now), now).await,
            CodeCheck::BlockedNow
        );
        let later = now + Duration::days(30);
        let right = secret.code_at(later.timestamp());
        assert_eq!(check(&db, &vault, &right, later).await, CodeCheck::Blocked);
        assert_eq!(
            access(&db, OLGA, later).await.unwrap(),
            Access::SessionClosed
        );

        // IT staff revoke and grant the role: a new factor is enrolled.
        operators::revoke(&db, OLGA, later).await.unwrap();
        operators::grant(&db, OLGA, "test", later).await.unwrap();
        let fresh = enrolment_secret(&db, &vault, OLGA, later).await.unwrap();
        let code = fresh.code_at(later.timestamp());
        assert_eq!(
            check(&db, &vault, &code, later).await,
            CodeCheck::Accepted { enrolled_now: true }
        );
        assert_eq!(access(&db, OLGA, later).await.unwrap(), Access::Open);
    }

    /// The pending secret as stored, and the QR message remembered.
    async fn pending(db: &PgPool, vault: &Vault) -> (Vec<u8>, Option<String>) {
        let row = sqlx::query!(
            "SELECT secret, enrolment_message_id FROM operator_factors WHERE telegram_user_id = $1",
            OLGA.get()
        )
        .fetch_one(db)
        .await
        .unwrap();
        let secret = open_secret(vault, OLGA, &row.secret).unwrap();
        (secret.as_bytes().to_vec(), row.enrolment_message_id)
    }

    /// Two presses at once (two QR codes sent): one secret for both, and
    /// of the two messages one stays, the other handed back to delete.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn two_presses_at_once_give_one_secret_and_leave_one_qr_code(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        operators::grant(&db, OLGA, "test", start()).await.unwrap();
        let (first, second) = tokio::join!(
            enrolment_secret(&db, &vault, OLGA, start()),
            enrolment_secret(&db, &vault, OLGA, start()),
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(first.as_bytes(), second.as_bytes());
        assert_eq!(pending(&db, &vault).await.0, first.as_bytes());

        let (one, other) = tokio::join!(
            remember_enrolment_message(&db, OLGA, "telegram:1:10", start()),
            remember_enrolment_message(&db, OLGA, "telegram:1:11", start()),
        );
        let mut handed_back = [one.unwrap(), other.unwrap()];
        handed_back.sort();
        let (_, kept) = pending(&db, &vault).await;
        let kept = kept.expect("one message remembered");
        let deleted = if kept == "telegram:1:10" {
            "telegram:1:11"
        } else {
            "telegram:1:10"
        };
        assert_eq!(handed_back, [None, Some(deleted.to_owned())]);
        // Again, on an enrolled factor (enrolling anew): one secret too.
        let code = first.code_at(start().timestamp());
        check(&db, &vault, &code, start()).await;
        let later = start() + Duration::minutes(1);
        let (first, second) = tokio::join!(
            enrolment_secret(&db, &vault, OLGA, later),
            enrolment_secret(&db, &vault, OLGA, later),
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(first.as_bytes(), second.as_bytes());
        assert_eq!(pending(&db, &vault).await.0, first.as_bytes());
    }

    /// A QR code sent a day ago is resent (the operator comes back) as the
    /// withdrawal runs: whichever comes first, the secret in the new QR
    /// code is the one that enrols.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_resend_racing_the_withdrawal_hands_out_the_secret_that_enrols(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        operators::grant(&db, OLGA, "test", start()).await.unwrap();
        enrolment_secret(&db, &vault, OLGA, start()).await.unwrap();
        remember_enrolment_message(&db, OLGA, "telegram:1:10", start())
            .await
            .unwrap();
        let day_on = start() + second_factor::enrolment_lifetime() + Duration::minutes(1);

        // The resend's secret is handed out, then the withdrawal runs
        // before its message is remembered: the code just sent is left.
        let resent = enrolment_secret(&db, &vault, OLGA, day_on).await.unwrap();
        let withdrawn = withdraw_stale_enrolments(&db, &vault, day_on, 10)
            .await
            .unwrap();
        assert_eq!(withdrawn, []);
        assert_eq!(pending(&db, &vault).await.0, resent.as_bytes());
        let previous = remember_enrolment_message(&db, OLGA, "telegram:1:11", day_on)
            .await
            .unwrap();
        assert_eq!(
            previous.as_deref(),
            Some("telegram:1:10"),
            "the old one goes"
        );

        // The withdrawal holds the row when the resend comes: the resend
        // waits, and hands out the secret the withdrawal put in.
        let two_days_on = day_on + second_factor::enrolment_lifetime() + Duration::minutes(1);
        let mut withdrawal = db.begin().await.unwrap();
        sqlx::query!(
            "SELECT 1 AS one FROM operator_factors WHERE telegram_user_id = $1 FOR UPDATE",
            OLGA.get()
        )
        .fetch_one(&mut *withdrawal)
        .await
        .unwrap();
        let replacing = TotpSecret::generate();
        sqlx::query!(
            r#"
            UPDATE operator_factors
            SET secret = $2, enrolment_message_id = NULL, enrolment_sent_at = NULL
            WHERE telegram_user_id = $1
            "#,
            OLGA.get(),
            vault.seal(SECRET_FIELD, &RowKey::id(OLGA.get()), replacing.as_bytes()),
        )
        .execute(&mut *withdrawal)
        .await
        .unwrap();
        let resending = {
            let (db, vault) = (db.clone(), vault.clone());
            tokio::spawn(async move { enrolment_secret(&db, &vault, OLGA, two_days_on).await })
        };
        // Until the resend waits for the row; one that read the secret
        // without the lock would finish first, with the old secret.
        loop {
            let waiting: i64 = sqlx::query_scalar!(
                r#"
                SELECT count(*) AS "n!" FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                "#
            )
            .fetch_one(&db)
            .await
            .unwrap();
            if waiting > 0 || resending.is_finished() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        withdrawal.commit().await.unwrap();
        let resent = resending.await.unwrap().unwrap();
        assert_eq!(resent.as_bytes(), replacing.as_bytes());
        assert_eq!(pending(&db, &vault).await.0, replacing.as_bytes());
    }
}
