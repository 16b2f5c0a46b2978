//! Messages with personal data shown in a chat for the length of a session:
//! files and cards.
//!
//! A practitioner's document opened from its card, or a practitioner's
//! document an operator opened from a review card, is a message in the
//! chat like any other: it would stay there after the session that allowed
//! it ended. So would every card that showed a passport or a diploma. Each
//! is remembered here when shown and handed to the scheduler once that
//! session is over (the practitioner's step-up session, or the operator's
//! staff session): a file is deleted, a card edited to a closed placeholder.

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

impl Session {
    fn from_code(code: &str) -> Session {
        match code {
            "staff" => Session::Staff,
            _ => Session::Practitioner,
        }
    }
}

/// What a remembered message is, and so what becomes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// A file: deleted.
    File,
    /// A screen: edited to a closed placeholder (a file's message cannot be
    /// edited to text, a card's can and keeps the way back to the menu).
    Card,
}

impl Shown {
    fn code(self) -> &'static str {
        match self {
            Shown::File => "file",
            Shown::Card => "card",
        }
    }
}

/// A remembered message whose session has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub user_id: UserId,
    /// The message with its chat, as the bot stored it (opaque here).
    pub message_id: String,
    pub session: Session,
    pub shown: Shown,
}

/// Remembers a sent file, to be deleted when `session` of `user_id` ends.
pub async fn remember(
    db: &PgPool,
    user_id: UserId,
    message_id: &str,
    session: Session,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    remember_shown(db, user_id, message_id, session, Shown::File, now).await
}

/// Remembers a card with personal data, to be closed when `session` of
/// `user_id` ends. A message remembered already stays as it was (a file
/// stays a file).
pub async fn remember_card(
    db: &PgPool,
    user_id: UserId,
    message_id: &str,
    session: Session,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    remember_shown(db, user_id, message_id, session, Shown::Card, now).await
}

async fn remember_shown(
    db: &PgPool,
    user_id: UserId,
    message_id: &str,
    session: Session,
    shown: Shown,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO session_files (telegram_user_id, message_id, session, sent_at, kind)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT DO NOTHING
        "#,
        user_id.get(),
        message_id,
        session.code(),
        now,
        shown.code(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The messages whose session has ended, forgotten here (each is deleted
/// or closed once, by whichever instance takes it), at most `limit`. A session that
/// no longer exists (an operator removed, an account erased) has ended.
pub async fn take_ended(
    db: &PgPool,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Ended>, sqlx::Error> {
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
        RETURNING f.telegram_user_id AS "user_id: UserId", f.message_id, f.session, f.kind
        "#,
        now,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Ended {
            user_id: row.user_id,
            message_id: row.message_id,
            session: Session::from_code(&row.session),
            shown: if row.kind == "card" {
                Shown::Card
            } else {
                Shown::File
            },
        })
        .collect())
}
