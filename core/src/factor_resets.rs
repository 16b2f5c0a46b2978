//! Requests to reset the second factor after a lost phone.
//!
//! Owns the table `factor_reset_requests`. A reset is never self-service:
//! whoever holds the Telegram account but not the authenticator could be a
//! thief with the phone. An operator decides; until then the request waits.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Records a request, or returns the one already waiting.
pub async fn request(
    db: &PgPool,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO factor_reset_requests (telegram_user_id, requested_at)
        VALUES ($1, $2)
        ON CONFLICT (telegram_user_id) WHERE status = 'pending' DO NOTHING
        "#,
        user_id,
        now,
    )
    .execute(db)
    .await?;
    pending_since(db, user_id)
        .await
        .map(|since| since.unwrap_or(now))
}

/// When the waiting request was made, if one waits.
pub async fn pending_since(
    db: &PgPool,
    user_id: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT requested_at FROM factor_reset_requests WHERE telegram_user_id = $1 AND status = 'pending'",
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Closes a waiting request without a reset (the account was unlinked).
pub(crate) async fn cancel_pending(
    tx: &mut sqlx::PgConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE factor_reset_requests SET status = 'rejected', decided_at = $2
        WHERE telegram_user_id = $1 AND status = 'pending'
        "#,
        user_id,
        now,
    )
    .execute(tx)
    .await?;
    Ok(())
}
