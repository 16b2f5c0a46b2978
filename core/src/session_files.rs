//! Files with personal data sent into a chat for the length of a session.
//!
//! A practitioner's document opened from its card, or a practitioner's
//! document an operator opened from a review card, is a message in the
//! chat like any other: it would stay there after the session that allowed
//! it ended. Each is remembered here when sent and handed to the scheduler
//! to delete once that session is over (the practitioner's step-up session,
//! or the operator's staff session), as the card that showed it is closed.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::UserId;

/// Whose session a file was sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// The practitioner's own step-up session.
    Practitioner,
    /// An operator's staff session.
    Staff,
}

impl Session {
    fn code(self) -> &'static str {
        match self {
            Session::Practitioner => "practitioner",
            Session::Staff => "staff",
        }
    }
}

/// Remembers a sent file, to be deleted when `session` of `user_id` ends.
pub async fn remember(
    db: &PgPool,
    user_id: UserId,
    message_id: i64,
    session: Session,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO session_files (telegram_user_id, message_id, session, sent_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING
        "#,
        user_id.get(),
        message_id,
        session.code(),
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The files whose session has ended, forgotten here (each is deleted
/// once, by whichever instance takes it), at most `limit`. A session that
/// no longer exists (an operator removed, an account erased) has ended.
pub async fn take_ended(
    db: &PgPool,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(UserId, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH ended AS (
            SELECT f.telegram_user_id, f.message_id FROM session_files f
            LEFT JOIN accounts a ON a.telegram_user_id = f.telegram_user_id
            LEFT JOIN operator_factors o ON o.telegram_user_id = f.telegram_user_id
            WHERE CASE f.session
                WHEN 'staff' THEN o.session_until IS NULL OR o.session_until <= $1
                                  OR o.session_idle_until IS NULL OR o.session_idle_until <= $1
                ELSE a.confirmed_until IS NULL OR a.confirmed_until <= $1
            END
            LIMIT $2
            FOR UPDATE OF f SKIP LOCKED
        )
        DELETE FROM session_files f USING ended
        WHERE f.telegram_user_id = ended.telegram_user_id AND f.message_id = ended.message_id
        RETURNING f.telegram_user_id AS "user_id: UserId", f.message_id
        "#,
        now,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.user_id, row.message_id))
        .collect())
}
