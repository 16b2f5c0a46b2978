//! Resetting a lost second factor: a recovery slower and better checked
//! than the factor it replaces.
//!
//! Owns the table `factor_reset_requests`. Whoever holds the Telegram
//! account but not the authenticator could be a thief with the phone, so a
//! reset is never self-service:
//! - the request is recorded and the practitioner is told at once, on every
//!   channel, with a button to cancel it;
//! - two different operators approve it, each seeing what proves who asks
//!   (`crate::review::factor_resets`), or one rejects it with a reason;
//! - it takes effect only once the cooling-off period since the request
//!   has passed ([`ResetPolicy::cooling_off`], `MEDCAB_RESET_COOLING_OFF_HOURS`),
//!   applied by the scheduler ([`apply_due`]); until then the practitioner
//!   may cancel it, and is told again when it is approved;
//! - applied, the old factor is deleted, the account goes back to the
//!   second-factor step (the bot enrols a new authenticator) and no session
//!   outlives the old factor.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::accounts;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::outbox::{self, Notification, Payload, Push};
use crate::security_events::{self, Kind};

pub(crate) const REASON_FIELD: &str = "factor_reset_requests.reason";

/// How long a reset waits after its request, whatever the operators do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetPolicy {
    pub cooling_off: Duration,
}

impl Default for ResetPolicy {
    fn default() -> ResetPolicy {
        ResetPolicy {
            cooling_off: Duration::hours(24),
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for operators; `first_approved` once one approved.
    Pending { first_approved: bool },
    /// Both approved: applied at `effective_at`.
    Approved { effective_at: DateTime<Utc> },
}

/// The request that is open (pending or approved), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenReset {
    pub id: i64,
    pub requested_at: DateTime<Utc>,
    /// The earliest it can take effect: the request plus the cooling-off.
    pub earliest: DateTime<Utc>,
    pub status: Status,
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored reason does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
}

/// Records a request, or returns the one already open. A new request is
/// told to the practitioner (a push with a cancel button) and recorded in
/// the security log, in one transaction.
pub async fn request(
    db: &PgPool,
    user_id: UserId,
    now: DateTime<Utc>,
    policy: ResetPolicy,
) -> Result<OpenReset, sqlx::Error> {
    let mut tx = db.begin().await?;
    let inserted = sqlx::query_scalar!(
        r#"
        INSERT INTO factor_reset_requests (telegram_user_id, requested_at)
        VALUES ($1, $2)
        ON CONFLICT (telegram_user_id) WHERE status IN ('pending', 'approved') DO NOTHING
        RETURNING id
        "#,
        user_id.get(),
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = inserted {
        let earliest = now + policy.cooling_off;
        security_events::record(
            &mut tx,
            user_id,
            Kind::FactorResetRequested,
            json!({ "request": id }),
            now,
        )
        .await?;
        outbox::enqueue(
            &mut tx,
            &push(user_id, Push::FactorResetRequested { earliest }, Some(id)),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(open_request(db, user_id, policy)
        .await?
        .expect("a request was just recorded or found open"))
}

/// The open request of this practitioner.
pub async fn open_request(
    db: &PgPool,
    user_id: UserId,
    policy: ResetPolicy,
) -> Result<Option<OpenReset>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, requested_at, status, first_approved_by, effective_at
        FROM factor_reset_requests
        WHERE telegram_user_id = $1 AND status IN ('pending', 'approved')
        "#,
        user_id.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| OpenReset {
        id: row.id,
        requested_at: row.requested_at,
        earliest: row.requested_at + policy.cooling_off,
        status: match row.effective_at {
            Some(effective_at) if row.status == "approved" => Status::Approved { effective_at },
            _ => Status::Pending {
                first_approved: row.first_approved_by.is_some(),
            },
        },
    }))
}

/// When the request that is waiting was made, if one waits.
pub async fn pending_since(
    db: &PgPool,
    user_id: UserId,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    Ok(open_request(db, user_id, ResetPolicy::default())
        .await?
        .map(|open| open.requested_at))
}

/// The reason of the practitioner's latest request, when an operator
/// rejected it (and nothing was asked since).
pub async fn last_rejection(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
) -> Result<Option<String>, ResetError> {
    let row = sqlx::query!(
        r#"
        SELECT id, status, reason FROM factor_reset_requests
        WHERE telegram_user_id = $1 ORDER BY id DESC LIMIT 1
        "#,
        user_id.get()
    )
    .fetch_optional(db)
    .await?;
    match row {
        Some(row) if row.status == "rejected" => Ok(row
            .reason
            .map(|sealed| vault.open_str(REASON_FIELD, &RowKey::id(row.id), &sealed))
            .transpose()?),
        _ => Ok(None),
    }
}

/// The practitioner withdraws their open request (or someone who holds the
/// chat does: cancelling can only keep the old factor). True when one was
/// open. Recorded in the security log.
pub async fn cancel(
    db: &PgPool,
    user_id: UserId,
    request_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let cancelled = sqlx::query!(
        r#"
        UPDATE factor_reset_requests SET status = 'cancelled', decided_at = $3
        WHERE id = $1 AND telegram_user_id = $2 AND status IN ('pending', 'approved')
        "#,
        request_id,
        user_id.get(),
        now,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if cancelled {
        let details = json!({ "request": request_id });
        security_events::record(&mut tx, user_id, Kind::FactorResetCancelled, details, now).await?;
    }
    tx.commit().await?;
    Ok(cancelled)
}

/// Applies the approved resets whose time has come: each in its own
/// transaction, taken with `FOR UPDATE SKIP LOCKED` so two instances never
/// apply one twice. Returns how many were applied.
pub async fn apply_due(db: &PgPool, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut applied = 0;
    loop {
        let mut tx = db.begin().await?;
        let due = sqlx::query!(
            r#"
            SELECT id, telegram_user_id AS "telegram_user_id: UserId" FROM factor_reset_requests
            WHERE status = 'approved' AND effective_at <= $1
            ORDER BY effective_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
            "#,
            now,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(due) = due else {
            return Ok(applied);
        };
        apply(&mut tx, due.id, due.telegram_user_id, now).await?;
        tx.commit().await?;
        applied += 1;
    }
}

async fn apply(
    tx: &mut PgConnection,
    request_id: i64,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE factor_reset_requests SET status = 'done', decided_at = $2 WHERE id = $1",
        request_id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    crate::second_factor::remove(tx, user_id).await?;
    // Without a factor the account must not stay 'active': the bot routes
    // an account that is not active into onboarding, which enrols a new
    // authenticator; and the step-up session of the lost phone closes.
    accounts::back_to_second_factor(tx, user_id).await?;
    let details = json!({ "request": request_id });
    security_events::record(tx, user_id, Kind::FactorReset, details, now).await?;
    outbox::enqueue(tx, &push(user_id, Push::FactorResetApplied {}, None), now).await?;
    Ok(())
}

/// A push to the practitioner about their reset; with a request, it
/// carries the button that cancels it.
pub(crate) fn push(user_id: UserId, push: Push, cancellable: Option<i64>) -> Notification {
    Notification::new(
        user_id.private_chat(),
        outbox::Kind::FactorReset,
        Payload {
            factor_reset: cancellable,
            ..Payload::new(push)
        },
    )
}

/// Closes a waiting request without a reset (the account was unlinked).
pub(crate) async fn cancel_pending(
    tx: &mut sqlx::PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE factor_reset_requests SET status = 'cancelled', decided_at = $2
        WHERE telegram_user_id = $1 AND status IN ('pending', 'approved')
        "#,
        user_id.get(),
        now,
    )
    .execute(tx)
    .await?;
    Ok(())
}
