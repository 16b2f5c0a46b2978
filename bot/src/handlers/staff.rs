//! Who may act as staff. Every operator action (a command, a typed answer,
//! a button: a callback_data is user input) asks [`allowed`] again, since
//! the role may have been revoked a moment ago; a refusal is recorded in
//! the security log for the security officer.

use chrono::{DateTime, Utc};
use medcab_core::operators;
use medcab_core::security_events::{self, Kind as SecurityKind};
use sqlx::PgPool;

use super::HandlerError;

/// Whether `user_id` is an operator now; a refusal is recorded.
pub(super) async fn allowed(
    db: &PgPool,
    user_id: i64,
    attempted: &str,
    now: DateTime<Utc>,
) -> Result<bool, HandlerError> {
    if operators::is_operator(db, user_id).await? {
        return Ok(true);
    }
    record_refusal(db, user_id, attempted, "not_operator", now).await?;
    Ok(false)
}

/// Records an operator action that was refused, and why (no personal data).
pub(super) async fn record_refusal(
    db: &PgPool,
    user_id: i64,
    attempted: &str,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    tracing::warn!(user_id, attempted, why, "an operator action was refused");
    let mut conn = db.acquire().await?;
    let details = serde_json::json!({ "attempted": attempted, "why": why });
    security_events::record(
        &mut conn,
        user_id,
        SecurityKind::OperatorActionRefused,
        details,
        now,
    )
    .await
}
