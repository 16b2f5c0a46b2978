//! Consent to the processing of personal data (152-ФЗ).
//!
//! Owns the table `consents`. No personal field is asked for or stored
//! before a consent is in force; the version says which text was agreed to.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::UserId;

/// The version of the consent text in `locales/*/onboarding.ftl`. Change it
/// whenever that text changes in substance: consents name what they agreed to.
pub const TEXT_VERSION: &str = "2026-11-25";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub text_version: String,
    pub given_at: DateTime<Utc>,
}

/// Records consent; giving it again while one is in force changes nothing.
pub async fn give(db: &PgPool, user_id: UserId, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO consents (telegram_user_id, text_version, given_at)
        VALUES ($1, $2, $3)
        ON CONFLICT (telegram_user_id) WHERE withdrawn_at IS NULL DO NOTHING
        "#,
        user_id.get(),
        TEXT_VERSION,
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn in_force(db: &PgPool, user_id: UserId) -> Result<Option<Consent>, sqlx::Error> {
    sqlx::query_as!(
        Consent,
        r#"
        SELECT text_version, given_at FROM consents
        WHERE telegram_user_id = $1 AND withdrawn_at IS NULL
        "#,
        user_id.get(),
    )
    .fetch_optional(db)
    .await
}

/// Withdraws the consent in force, inside the caller's transaction (the
/// erasure of the data it covered goes with it).
pub async fn withdraw(
    tx: &mut sqlx::PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE consents SET withdrawn_at = $2 WHERE telegram_user_id = $1 AND withdrawn_at IS NULL",
        user_id.get(),
        now,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// /forget: the person's consent records stay (what was agreed to, when,
/// when withdrawn) but keyed by `subject` (their pseudonym,
/// `erasure::pseudonym`) instead of their Telegram id.
pub async fn pseudonymise(
    tx: &mut sqlx::PgConnection,
    user_id: UserId,
    subject: &[u8],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE consents SET telegram_user_id = NULL, subject = $2 WHERE telegram_user_id = $1",
        user_id.get(),
        subject,
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(done)
}

/// A pseudonymised person's consents: (given, withdrawn), oldest first,
/// for the audit.
pub async fn history_of_subject(
    db: &PgPool,
    subject: &[u8],
) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT given_at, withdrawn_at FROM consents WHERE subject = $1 ORDER BY id",
        subject,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.given_at, r.withdrawn_at))
        .collect())
}
