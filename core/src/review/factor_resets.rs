//! Operators decide the second-factor resets practitioners requested after
//! losing the phone with the authenticator (`crate::factor_resets` records
//! the requests and applies the approved ones when their time comes).
//!
//! The rules:
//! - The card of a request shows what proves who asks: the profile's name,
//!   the register's name (by the account's СНИЛС), the documents on file,
//!   the account's age and whether it is confirmed. Its view is audited.
//! - A reset needs two different operators: the first approval is recorded
//!   and the request waits; the second (never by the first, nor by the
//!   practitioner themselves) schedules it for the end of the cooling-off
//!   period, or now if that has passed, and tells the practitioner when.
//! - Either may reject it instead, with a reason the practitioner reads.
//! - Every refusal (own request, the same operator twice, a decided
//!   request) is audited.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::{ReviewError, finish, require_operator};
use crate::UserId;
use crate::accounts;
use crate::applications::Note;
use crate::crypto::{RowKey, Vault};
use crate::documents::{self, DocumentSummary};
use crate::factor_resets::{self, REASON_FIELD, ResetPolicy};
use crate::operators::{self, AuditAction, AuditEntry};
use crate::outbox::{self, Push};
use crate::profile;
use crate::registry::Registry;
use crate::security_events::{self, Kind};

/// A request waiting for an operator: ids and dates, nothing personal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingReset {
    pub id: i64,
    pub telegram_user_id: UserId,
    pub requested_at: DateTime<Utc>,
    /// One operator approved it already (not necessarily this one).
    pub first_approved_by: Option<UserId>,
}

/// What an operator weighs before approving a reset.
#[derive(Debug, Clone)]
pub struct ResetCard {
    pub request: PendingReset,
    /// When it could take effect at the earliest.
    pub earliest: DateTime<Utc>,
    pub profile_name: Option<String>,
    /// `None` when the register does not know the СНИЛС (or did not answer).
    pub register_name: Option<String>,
    pub documents: Vec<DocumentSummary>,
    pub account_created_at: Option<DateTime<Utc>>,
    /// Matched in the register or activated by an operator.
    pub confirmed: bool,
}

/// What became of an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// The first of two: another operator must approve too.
    First,
    /// The second: the reset takes effect then.
    Scheduled { effective_at: DateTime<Utc> },
}

/// The requests waiting, oldest first, without the operator's own.
pub async fn pending_factor_resets(
    db: &PgPool,
    operator_id: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<PendingReset>, ReviewError> {
    let mut tx = db.begin().await?;
    let checked = require_operator(&mut tx, operator_id, "list_factor_resets", None, now).await;
    finish(tx, checked).await?;
    let pending = sqlx::query_as!(
        PendingReset,
        r#"
        SELECT id, telegram_user_id AS "telegram_user_id: UserId", requested_at, first_approved_by AS "first_approved_by: UserId" FROM factor_reset_requests
        WHERE status = 'pending' AND telegram_user_id <> $1
        ORDER BY requested_at, id
        "#,
        operator_id.get(),
    )
    .fetch_all(db)
    .await?;
    Ok(pending)
}

/// The card of a pending request (see the module's rules); audited.
pub async fn reset_card(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    operator_id: UserId,
    request_id: i64,
    now: DateTime<Utc>,
    policy: ResetPolicy,
) -> Result<ResetCard, ReviewError> {
    let mut tx = db.begin().await?;
    let checked = async {
        require_operator(&mut tx, operator_id, "view_factor_reset", None, now).await?;
        let request =
            pending_request(&mut tx, operator_id, request_id, "view_factor_reset", now).await?;
        let entry = AuditEntry {
            operator_id,
            action: AuditAction::FactorResetViewed,
            application_id: None,
            factor_reset_id: Some(request_id),
            owner_id: Some(request.telegram_user_id),
            details: json!({}),
        };
        operators::audit(&mut tx, &entry, now).await?;
        Ok(request)
    }
    .await;
    let request = finish(tx, checked).await?;

    let user_id = request.telegram_user_id;
    let profile_name = profile::get(db, vault, user_id)
        .await?
        .map(|profile| profile.full_name().to_string());
    let register_name = match accounts::snils(db, vault, user_id).await? {
        Some(snils) => match registry.find(&snils).await {
            Ok(entry) => entry.map(|entry| entry.full_name),
            Err(error) => {
                tracing::warn!(%error, "the reset card goes without the register's name");
                None
            }
        },
        None => None,
    };
    Ok(ResetCard {
        request,
        earliest: request.requested_at + policy.cooling_off,
        profile_name,
        register_name,
        documents: documents::list(db, vault, user_id).await?,
        account_created_at: accounts::created_at(db, user_id).await?,
        confirmed: accounts::is_confirmed(db, user_id).await?,
    })
}

/// The operator approves a pending reset (see the module's rules).
pub async fn approve_factor_reset(
    db: &PgPool,
    operator_id: UserId,
    request_id: i64,
    now: DateTime<Utc>,
    policy: ResetPolicy,
) -> Result<Approval, ReviewError> {
    let mut tx = db.begin().await?;
    let approved = approve_in(&mut tx, operator_id, request_id, now, policy).await;
    finish(tx, approved).await
}

async fn approve_in(
    tx: &mut PgConnection,
    operator_id: UserId,
    request_id: i64,
    now: DateTime<Utc>,
    policy: ResetPolicy,
) -> Result<Approval, ReviewError> {
    require_operator(tx, operator_id, "approve_factor_reset", None, now).await?;
    let request = pending_request(tx, operator_id, request_id, "approve_factor_reset", now).await?;
    let Some(first) = request.first_approved_by else {
        sqlx::query!(
            r#"
            UPDATE factor_reset_requests SET first_approved_by = $2, first_approved_at = $3
            WHERE id = $1
            "#,
            request_id,
            operator_id.get(),
            now,
        )
        .execute(&mut *tx)
        .await?;
        audit(
            tx,
            operator_id,
            AuditAction::FactorResetFirstApproved,
            &request,
            now,
        )
        .await?;
        return Ok(Approval::First);
    };
    if first == operator_id {
        refuse(
            tx,
            operator_id,
            &request,
            "approve_factor_reset",
            "second_approval_by_the_same_operator",
            now,
        )
        .await?;
        return Err(ReviewError::SecondOperatorRequired);
    }
    let effective_at = (request.requested_at + policy.cooling_off).max(now);
    sqlx::query!(
        r#"
        UPDATE factor_reset_requests SET status = 'approved', approved_by = $2, effective_at = $3
        WHERE id = $1
        "#,
        request_id,
        operator_id.get(),
        effective_at,
    )
    .execute(&mut *tx)
    .await?;
    audit(
        tx,
        operator_id,
        AuditAction::FactorResetApproved,
        &request,
        now,
    )
    .await?;
    let push = factor_resets::push(
        request.telegram_user_id,
        Push::FactorResetScheduled { at: effective_at },
        Some(request_id),
    );
    outbox::enqueue(tx, &push, now).await?;
    Ok(Approval::Scheduled { effective_at })
}

/// The operator rejects a pending reset with a reason the practitioner
/// reads (sealed: it may name them).
pub async fn reject_factor_reset(
    db: &PgPool,
    vault: &Vault,
    operator_id: UserId,
    request_id: i64,
    reason: &Note,
    now: DateTime<Utc>,
) -> Result<PendingReset, ReviewError> {
    let mut tx = db.begin().await?;
    let rejected = async {
        require_operator(&mut tx, operator_id, "reject_factor_reset", None, now).await?;
        let request =
            pending_request(&mut tx, operator_id, request_id, "reject_factor_reset", now).await?;
        sqlx::query!(
            r#"
            UPDATE factor_reset_requests
            SET status = 'rejected', decided_at = $2, decided_by = $3, reason = $4
            WHERE id = $1
            "#,
            request_id,
            now,
            operator_id.get(),
            vault.seal_str(REASON_FIELD, &RowKey::id(request_id), reason.as_str()),
        )
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            operator_id,
            AuditAction::FactorResetRejected,
            &request,
            now,
        )
        .await?;
        let push =
            factor_resets::push(request.telegram_user_id, Push::FactorResetRejected {}, None);
        outbox::enqueue(&mut tx, &push, now).await?;
        Ok(request)
    }
    .await;
    finish(tx, rejected).await
}

/// The request, locked, if this operator may decide it: pending, and not
/// their own. Refusals are audited (by the caller's commit).
async fn pending_request(
    tx: &mut PgConnection,
    operator_id: UserId,
    request_id: i64,
    attempted: &str,
    now: DateTime<Utc>,
) -> Result<PendingReset, ReviewError> {
    let row = sqlx::query!(
        r#"
        SELECT telegram_user_id AS "telegram_user_id: UserId", status, requested_at, first_approved_by AS "first_approved_by: UserId"
        FROM factor_reset_requests WHERE id = $1 FOR UPDATE
        "#,
        request_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ReviewError::FactorResetNotFound)?;
    let request = PendingReset {
        id: request_id,
        telegram_user_id: row.telegram_user_id,
        requested_at: row.requested_at,
        first_approved_by: row.first_approved_by,
    };
    if request.telegram_user_id == operator_id {
        refuse(tx, operator_id, &request, attempted, "own_request", now).await?;
        return Err(ReviewError::OwnFactorReset);
    }
    if row.status != "pending" {
        return Err(ReviewError::FactorResetDecided);
    }
    Ok(request)
}

async fn audit(
    tx: &mut PgConnection,
    operator_id: UserId,
    action: AuditAction,
    request: &PendingReset,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let entry = AuditEntry {
        operator_id,
        action,
        application_id: None,
        factor_reset_id: Some(request.id),
        owner_id: Some(request.telegram_user_id),
        details: json!({}),
    };
    operators::audit(tx, &entry, now).await
}

/// A refusal, in the operators' audit and in the security log: an
/// operator deciding their own reset, or approving one twice, is trying
/// to take a factor alone.
async fn refuse(
    tx: &mut PgConnection,
    operator_id: UserId,
    request: &PendingReset,
    attempted: &str,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let details = json!({ "attempted": attempted, "why": why, "factor_reset": request.id });
    let entry = AuditEntry {
        operator_id,
        action: AuditAction::Refused,
        application_id: None,
        factor_reset_id: Some(request.id),
        owner_id: Some(request.telegram_user_id),
        details: details.clone(),
    };
    operators::audit(tx, &entry, now).await?;
    security_events::record(tx, operator_id, Kind::OperatorActionRefused, details, now).await
}
