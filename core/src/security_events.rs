//! The security log: locks, replayed codes, denied logins, erasures.
//!
//! Owns the table `security_events`. Details never hold personal data.
//! After /forget a person's events are kept under their pseudonym
//! (`subject`, see `erasure::pseudonym`), not their Telegram id.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    FactorEnrolled,
    CodeRejected,
    FactorLocked,
    CodeReplayed,
    DataErased,
    /// The practitioner answered «Это не я» to a login confirmation.
    LoginDenied,
    /// A login confirmation was answered from a chat it was not sent to
    /// (a forged callback): refused.
    LoginAnswerRefused,
    /// A button naming a document or an application that is not the
    /// presser's (forged callback_data): refused.
    ForgedCallback,
    /// An operator's command or button from someone who may not use it (not
    /// an operator, or naming what they do not hold): refused.
    OperatorActionRefused,
    /// An account was unlinked from its СНИЛС (details: why).
    AccountUnlinked,
    /// A register match unlinked applicants who had named this СНИЛС.
    SnilsReclaimed,
    /// A register match for a СНИЛС a confirmed account already holds:
    /// refused, the holder warned.
    SnilsLinkConflict,
    /// Too many СНИЛС typed in the window: refused.
    SnilsRateLimited,
    /// Self-activation asked for a СНИЛС that is in the register: refused.
    ActivationRefusedInRegister,
    /// Locked once too often: the factor is blocked until reset.
    FactorBlocked,
    /// A second-factor reset was requested (details: the request).
    FactorResetRequested,
    /// A second-factor reset request was cancelled by the practitioner.
    FactorResetCancelled,
    /// A second-factor reset took effect: the old factor is gone.
    FactorReset,
    /// The practitioner approved a login confirmation with the right number.
    LoginApproved,
    /// The practitioner picked a wrong number in a login confirmation: the
    /// login is denied (someone else's, or a reflex press).
    LoginNumberMismatch,
    /// An operator's code was not taken (wrong, replayed, locked, blocked;
    /// details: which, and until when a lock lasts).
    StaffCodeRefused,
    /// An operator's right code opened a staff session (details: until
    /// when, and whether it completed the enrolment).
    StaffSessionOpened,
    /// A practitioner opened a referral's card (details: the referral and
    /// their side): every read of one is accounted for.
    ReferralRead,
    /// A practitioner opened the file sent with a referral (details: the
    /// referral, the file and their side).
    ReferralFileRead,
    /// An API request without a valid key (missing, wrong, expired or
    /// revoked; details: which client, when the key named one).
    ApiUnauthorized,
    /// An API client over its rate (details: the client).
    ApiRateLimited,
    /// An API client asked for a login confirmation while one was pending
    /// for the practitioner (details: the client): refused.
    LoginPendingRefused,
    /// Another messenger was linked to the account by a one-time link
    /// (details: which).
    ChannelLinked,
    /// A one-time link was opened by a messenger account that has a
    /// cabinet of its own: refused (details: which messenger).
    ChannelLinkRefused,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FactorEnrolled => "factor_enrolled",
            Kind::CodeRejected => "code_rejected",
            Kind::FactorLocked => "factor_locked",
            Kind::CodeReplayed => "code_replayed",
            Kind::DataErased => "data_erased",
            Kind::LoginDenied => "login_denied",
            Kind::LoginAnswerRefused => "login_answer_refused",
            Kind::ForgedCallback => "forged_callback",
            Kind::OperatorActionRefused => "operator_action_refused",
            Kind::AccountUnlinked => "account_unlinked",
            Kind::SnilsReclaimed => "snils_reclaimed",
            Kind::SnilsLinkConflict => "snils_link_conflict",
            Kind::SnilsRateLimited => "snils_rate_limited",
            Kind::ActivationRefusedInRegister => "activation_refused_in_register",
            Kind::FactorBlocked => "factor_blocked",
            Kind::FactorResetRequested => "factor_reset_requested",
            Kind::FactorResetCancelled => "factor_reset_cancelled",
            Kind::FactorReset => "factor_reset",
            Kind::LoginApproved => "login_approved",
            Kind::LoginNumberMismatch => "login_number_mismatch",
            Kind::StaffCodeRefused => "staff_code_refused",
            Kind::StaffSessionOpened => "staff_session_opened",
            Kind::ReferralRead => "referral_read",
            Kind::ReferralFileRead => "referral_file_read",
            Kind::ApiUnauthorized => "api_unauthorized",
            Kind::ApiRateLimited => "api_rate_limited",
            Kind::LoginPendingRefused => "login_pending_refused",
            Kind::ChannelLinked => "channel_linked",
            Kind::ChannelLinkRefused => "channel_link_refused",
        }
    }
}

/// Forged buttons recorded per person in an hour at the most: a client
/// replaying them twice a second would otherwise write 170 000 rows a day
/// into a log kept a year. The first hundred show the attempt; the rest
/// say nothing new.
pub const FORGED_PER_HOUR: i64 = 100;

pub async fn record(
    db: &mut sqlx::PgConnection,
    user_id: UserId,
    kind: Kind,
    details: Value,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if kind == Kind::ForgedCallback {
        let recent = sqlx::query_scalar!(
            r#"
            SELECT count(*) AS "recent!" FROM security_events
            WHERE telegram_user_id = $1 AND kind = $2 AND at > $3
            "#,
            user_id.get(),
            kind.as_str(),
            at - chrono::Duration::hours(1),
        )
        .fetch_one(&mut *db)
        .await?;
        if recent >= FORGED_PER_HOUR {
            return Ok(());
        }
    }
    sqlx::query!(
        "INSERT INTO security_events (telegram_user_id, kind, details, at) VALUES ($1, $2, $3, $4)",
        user_id.get(),
        kind.as_str(),
        details,
        at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Events of one kind not about a person (the API's refusals) recorded
/// per hour at the most: a flood of bad keys would otherwise fill a log
/// kept a year, and the first hundred say all there is to say.
pub const UNATTRIBUTED_PER_HOUR: i64 = 100;

/// Records an event about no person (an API client's refusal), at most
/// [`UNATTRIBUTED_PER_HOUR`] an hour of its kind with the same `key` and
/// `client` in its details: a flood of junk keys does not hide a revoked
/// key still in use. Returns whether it was recorded.
pub async fn record_unattributed(
    db: &sqlx::PgPool,
    kind: Kind,
    details: Value,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let recorded = sqlx::query!(
        r#"
        INSERT INTO security_events (kind, details, at)
        SELECT $1, $2, $3
        WHERE (
            SELECT count(*) FROM security_events
            WHERE telegram_user_id IS NULL AND subject IS NULL AND kind = $1 AND at > $4
              AND details->>'key' IS NOT DISTINCT FROM $2::jsonb->>'key'
              AND details->>'client' IS NOT DISTINCT FROM $2::jsonb->>'client'
        ) < $5
        "#,
        kind.as_str(),
        details,
        at,
        at - chrono::Duration::hours(1),
        UNATTRIBUTED_PER_HOUR,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(recorded > 0)
}

/// The kinds recorded about no person, oldest first (for tests).
pub async fn unattributed_kinds(db: &sqlx::PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT kind FROM security_events WHERE telegram_user_id IS NULL AND subject IS NULL ORDER BY id"
    )
    .fetch_all(db)
    .await
}

/// The kinds recorded for a user, oldest first (for tests and the audit view).
pub async fn kinds_for(db: &sqlx::PgPool, user_id: UserId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT kind FROM security_events WHERE telegram_user_id = $1 ORDER BY id",
        user_id.get()
    )
    .fetch_all(db)
    .await
}

/// /forget: the person's events stay, keyed by `subject` instead of their
/// Telegram id.
pub async fn pseudonymise(
    db: &mut sqlx::PgConnection,
    user_id: UserId,
    subject: &[u8],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE security_events SET telegram_user_id = NULL, subject = $2 WHERE telegram_user_id = $1",
        user_id.get(),
        subject,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(done)
}

/// An event about someone already pseudonymised (the erasure itself).
pub async fn record_for_subject(
    db: &mut sqlx::PgConnection,
    subject: &[u8],
    kind: Kind,
    details: Value,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO security_events (subject, kind, details, at) VALUES ($1, $2, $3, $4)",
        subject,
        kind.as_str(),
        details,
        at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The kinds recorded under a pseudonym, oldest first.
pub async fn kinds_for_subject(
    db: &sqlx::PgPool,
    subject: &[u8],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT kind FROM security_events WHERE subject = $1 ORDER BY id",
        subject
    )
    .fetch_all(db)
    .await
}

/// Retention: deletes up to `batch` events recorded before `before`.
pub async fn purge(
    db: &sqlx::PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM security_events WHERE id IN (
            SELECT id FROM security_events WHERE at < $1 LIMIT $2
        )
        "#,
        before,
        batch,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::noon;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn forged_buttons_are_recorded_a_hundred_an_hour_at_most(db: sqlx::PgPool) {
        let mallory = UserId::from_stored(666);
        let mut conn = db.acquire().await.unwrap();
        let details = || serde_json::json!({ "entity": "referral", "id": 1 });
        for n in 0..(FORGED_PER_HOUR + 20) {
            let at = noon() + chrono::Duration::seconds(n);
            record(&mut conn, mallory, Kind::ForgedCallback, details(), at)
                .await
                .unwrap();
        }
        // Other kinds are never held back.
        record(
            &mut conn,
            mallory,
            Kind::CodeRejected,
            serde_json::json!({}),
            noon(),
        )
        .await
        .unwrap();
        let kinds = kinds_for(&db, mallory).await.unwrap();
        let forged = kinds
            .iter()
            .filter(|kind| *kind == "forged_callback")
            .count();
        assert_eq!(i64::try_from(forged).unwrap(), FORGED_PER_HOUR);
        assert_eq!(kinds.last().map(String::as_str), Some("code_rejected"));
        // An hour on, recorded again.
        let later = noon() + chrono::Duration::hours(2);
        record(&mut conn, mallory, Kind::ForgedCallback, details(), later)
            .await
            .unwrap();
        let kinds = kinds_for(&db, mallory).await.unwrap();
        let forged = kinds
            .iter()
            .filter(|kind| *kind == "forged_callback")
            .count();
        assert_eq!(i64::try_from(forged).unwrap(), FORGED_PER_HOUR + 1);
    }
}
