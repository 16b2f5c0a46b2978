//! Operators approve the second-factor resets practitioners requested
//! after losing the phone with the authenticator (`crate::factor_resets`
//! records the requests).
//!
//! An approval, in one transaction: the request is marked approved, the
//! practitioner's second factor is deleted and their account goes back to
//! the second-factor step (so the bot's onboarding enrols a new
//! authenticator and no step-up session outlives the old one), the audit
//! row, and a push telling the practitioner to set up the new one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::{ReviewError, finish, require_operator};
use crate::operators::{self, AuditAction, AuditEntry};
use crate::outbox::{self, Notification, Payload};

/// The Fluent key of the push sent when a reset is approved; no arguments.
pub const APPROVED_PUSH_KEY: &str = "factor-reset-approved";

/// A request waiting for an operator: ids and a date, nothing personal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingReset {
    pub id: i64,
    pub telegram_user_id: i64,
    pub requested_at: DateTime<Utc>,
}

/// The requests waiting, oldest first, without the operator's own.
pub async fn pending_factor_resets(
    db: &PgPool,
    operator_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<PendingReset>, ReviewError> {
    let mut tx = db.begin().await?;
    let checked = require_operator(&mut tx, operator_id, "list_factor_resets", None, now).await;
    finish(tx, checked).await?;
    let pending = sqlx::query_as!(
        PendingReset,
        r#"
        SELECT id, telegram_user_id, requested_at FROM factor_reset_requests
        WHERE status = 'pending' AND telegram_user_id <> $1
        ORDER BY requested_at, id
        "#,
        operator_id,
    )
    .fetch_all(db)
    .await?;
    Ok(pending)
}

/// The operator approves a pending reset. Refused (and audited): a
/// non-operator, the operator's own request. A request decided before is
/// [`ReviewError::FactorResetDecided`].
pub async fn approve_factor_reset(
    db: &PgPool,
    operator_id: i64,
    request_id: i64,
    now: DateTime<Utc>,
) -> Result<PendingReset, ReviewError> {
    let mut tx = db.begin().await?;
    let approved = approve_in(&mut tx, operator_id, request_id, now).await;
    finish(tx, approved).await
}

async fn approve_in(
    tx: &mut PgConnection,
    operator_id: i64,
    request_id: i64,
    now: DateTime<Utc>,
) -> Result<PendingReset, ReviewError> {
    require_operator(tx, operator_id, "approve_factor_reset", None, now).await?;
    let request = sqlx::query!(
        r#"
        SELECT telegram_user_id, status, requested_at FROM factor_reset_requests
        WHERE id = $1 FOR UPDATE
        "#,
        request_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ReviewError::FactorResetNotFound)?;
    let user_id = request.telegram_user_id;
    if user_id == operator_id {
        let entry = AuditEntry {
            operator_id,
            action: AuditAction::Refused,
            application_id: None,
            factor_reset_id: Some(request_id),
            owner_id: Some(user_id),
            details: json!({ "attempted": "approve_factor_reset", "why": "own_request" }),
        };
        operators::audit(tx, &entry, now).await?;
        return Err(ReviewError::OwnFactorReset);
    }
    if request.status != "pending" {
        return Err(ReviewError::FactorResetDecided);
    }

    sqlx::query!(
        "UPDATE factor_reset_requests SET status = 'approved', decided_at = $2 WHERE id = $1",
        request_id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM second_factors WHERE telegram_user_id = $1",
        user_id
    )
    .execute(&mut *tx)
    .await?;
    // Without a factor the account must not stay 'active': the bot routes an
    // account that is not active into onboarding, which enrols a new
    // authenticator; and the step-up session of the lost phone closes.
    // (accounts.rs has no function for this step back; it belongs there.)
    sqlx::query!(
        r#"
        UPDATE accounts SET step = 'second_factor', confirmed_until = NULL
        WHERE telegram_user_id = $1 AND step = 'active'
        "#,
        user_id
    )
    .execute(&mut *tx)
    .await?;

    let entry = AuditEntry {
        operator_id,
        action: AuditAction::FactorResetApproved,
        application_id: None,
        factor_reset_id: Some(request_id),
        owner_id: Some(user_id),
        details: json!({}),
    };
    operators::audit(tx, &entry, now).await?;
    let push = Notification::new(
        user_id,
        outbox::Kind::FactorResetApproved,
        Payload {
            key: APPROVED_PUSH_KEY.to_owned(),
            args: BTreeMap::new(),
            login_challenge: None,
        },
    );
    outbox::enqueue(tx, &push, now).await?;
    Ok(PendingReset {
        id: request_id,
        telegram_user_id: user_id,
        requested_at: request.requested_at,
    })
}
