//! Operators: the review staff, and the audit of what they saw and did.
//!
//! Owns the tables `operators` and `operator_audit`. The role is granted and
//! revoked by IT staff (`medcab admin grant-operator` / `revoke-operator`);
//! the bot asks [`is_operator`] again on every operator button, since a
//! callback_data is user input and a role can be revoked between two taps.
//!
//! Every time an operator is shown a practitioner's data, takes an
//! application or decides something, a row goes to `operator_audit`
//! (152-ФЗ: access to personal data is accounted for); so does every
//! operator action that was refused. Audit rows hold ids, never personal
//! data.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::UserId;
use crate::broadcasts::{self, Source};
use crate::review::StaffRefusal;

/// What became of a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Granted,
    /// Already an operator; nothing changed.
    AlreadyOperator,
}

/// What became of a revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoke {
    /// No longer an operator; the applications they held went back to the
    /// queue.
    Revoked {
        released: u64,
    },
    NotAnOperator,
}

/// Makes a Telegram user an operator. A revoked operator granted again
/// gets a fresh grant (the row records the latest one).
pub async fn grant(
    db: &PgPool,
    user_id: UserId,
    granted_by: &str,
    now: DateTime<Utc>,
) -> Result<Grant, sqlx::Error> {
    let changed = sqlx::query!(
        r#"
        INSERT INTO operators (telegram_user_id, granted_at, granted_by)
        VALUES ($1, $2, $3)
        ON CONFLICT (telegram_user_id) DO UPDATE
            SET granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by,
                revoked_at = NULL
            WHERE operators.revoked_at IS NOT NULL
        "#,
        user_id.get(),
        now,
        granted_by,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(if changed == 0 {
        Grant::AlreadyOperator
    } else {
        Grant::Granted
    })
}

/// Takes the role away. Applications the operator was reviewing are
/// released at once, so the queue does not wait for their leases to run out.
pub async fn revoke(
    db: &PgPool,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Revoke, sqlx::Error> {
    let mut tx = db.begin().await?;
    let revoked = sqlx::query!(
        "UPDATE operators SET revoked_at = $2 WHERE telegram_user_id = $1 AND revoked_at IS NULL",
        user_id.get(),
        now,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if revoked == 0 {
        return Ok(Revoke::NotAnOperator);
    }
    let released = crate::review::release_leases(&mut tx, user_id).await?;
    // The role's second factor and staff session go with it, and so does
    // the organisation it worked for.
    crate::operator_factors::remove(&mut tx, user_id).await?;
    crate::referrals::organisations::unbind(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(Revoke::Revoked { released })
}

/// Whether the user is an operator now.
pub async fn is_operator(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    is_operator_in(&mut *db.acquire().await?, user_id).await
}

/// [`is_operator`] inside a transaction, so that a decision and the check
/// that allowed it see the same state (a revocation commits before or after
/// the whole decision, never in between).
pub(crate) async fn is_operator_in(
    db: &mut PgConnection,
    user_id: UserId,
) -> Result<bool, sqlx::Error> {
    let operator = sqlx::query_scalar!(
        r#"
        SELECT EXISTS (
            SELECT 1 FROM operators WHERE telegram_user_id = $1 AND revoked_at IS NULL
        ) AS "operator!"
        "#,
        user_id.get(),
    )
    .fetch_one(db)
    .await?;
    Ok(operator)
}

/// An operator as the admin command lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub telegram_user_id: UserId,
    pub granted_at: DateTime<Utc>,
    pub granted_by: String,
}

/// The operators now, by grant date.
pub async fn list(db: &PgPool) -> Result<Vec<Operator>, sqlx::Error> {
    sqlx::query_as!(
        Operator,
        r#"
        SELECT telegram_user_id AS "telegram_user_id: UserId", granted_at, granted_by FROM operators
        WHERE revoked_at IS NULL ORDER BY granted_at, telegram_user_id
        "#
    )
    .fetch_all(db)
    .await
}

/// Everyone who holds or held the role, and whether they hold it now:
/// whose chats need the staff commands in their command menu, and whose
/// need them taken away (the bot sets both at start; `grant` and `revoke`
/// run in `medcab admin`, which tells the bot's menu when it can).
pub async fn menu_holders(db: &PgPool) -> Result<Vec<(UserId, bool)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT telegram_user_id AS "telegram_user_id: UserId", (revoked_at IS NULL) AS "active!" FROM operators
        ORDER BY telegram_user_id
        "#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.telegram_user_id, row.active))
        .collect())
}

/// What an audit row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A practitioner's data (an application, a document) was shown.
    Viewed,
    /// An application was taken from the queue.
    Claimed,
    /// An application was decided.
    Decided,
    FactorResetApproved,
    /// An operator action was refused (not an operator, not their lease,
    /// their own application …); details say which and why.
    Refused,
    /// A regulatory notice an operator wrote was published; details: the
    /// notice, its broadcast and how many rows it wrote.
    NoticePublished,
    /// A proposal from the feed was published; details as above.
    ProposalApproved,
    /// A proposal from the feed was dropped; details: the notice.
    ProposalDismissed,
    /// An inspection was scheduled; details: the inspection, its
    /// announcement's broadcast and how many rows it wrote.
    InspectionScheduled,
    /// An inspection was cancelled; details: the inspection, the
    /// cancellation's broadcast, how many it tells and how many pushes
    /// still queued were withdrawn.
    InspectionCancelled,
    /// The card of a second-factor reset request was shown (it names the
    /// practitioner and lists their documents).
    FactorResetViewed,
    /// The first of the two approvals a reset needs.
    FactorResetFirstApproved,
    /// A reset request was rejected, with a reason.
    FactorResetRejected,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Viewed => "viewed",
            AuditAction::Claimed => "claimed",
            AuditAction::Decided => "decided",
            AuditAction::FactorResetApproved => "factor_reset_approved",
            AuditAction::Refused => "refused",
            AuditAction::NoticePublished => "notice_published",
            AuditAction::ProposalApproved => "proposal_approved",
            AuditAction::ProposalDismissed => "proposal_dismissed",
            AuditAction::InspectionScheduled => "inspection_scheduled",
            AuditAction::InspectionCancelled => "inspection_cancelled",
            AuditAction::FactorResetViewed => "factor_reset_viewed",
            AuditAction::FactorResetFirstApproved => "factor_reset_first_approved",
            AuditAction::FactorResetRejected => "factor_reset_rejected",
        }
    }

    pub const ALL: [AuditAction; 13] = [
        AuditAction::Viewed,
        AuditAction::Claimed,
        AuditAction::Decided,
        AuditAction::FactorResetApproved,
        AuditAction::Refused,
        AuditAction::NoticePublished,
        AuditAction::ProposalApproved,
        AuditAction::ProposalDismissed,
        AuditAction::InspectionScheduled,
        AuditAction::InspectionCancelled,
        AuditAction::FactorResetViewed,
        AuditAction::FactorResetFirstApproved,
        AuditAction::FactorResetRejected,
    ];

    pub fn parse(text: &str) -> Option<AuditAction> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
    }
}

/// One audit row. `details` must hold no personal data: ids, statuses and
/// names of rules only.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Who acted (for a refused action: whoever tried).
    pub operator_id: UserId,
    pub action: AuditAction,
    pub application_id: Option<i64>,
    pub factor_reset_id: Option<i64>,
    /// Whose data it was, when known.
    pub owner_id: Option<UserId>,
    pub details: Value,
}

/// Writes an audit row inside the caller's transaction, so that what was
/// done and its record commit together.
pub(crate) async fn audit(
    tx: &mut PgConnection,
    entry: &AuditEntry,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO operator_audit
            (operator_id, action, application_id, factor_reset_id, owner_id, details, at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        "#,
        entry.operator_id.get(),
        entry.action.as_str(),
        entry.application_id,
        entry.factor_reset_id,
        entry.owner_id.map(UserId::get),
        entry.details,
        now,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Records something an operator published or decided that concerns no
/// one practitioner (a notice, an inspection): ids and counts only, in the
/// caller's transaction.
pub(crate) async fn audit_publishing(
    tx: &mut PgConnection,
    operator_id: UserId,
    action: AuditAction,
    details: Value,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let entry = AuditEntry {
        operator_id,
        action,
        application_id: None,
        factor_reset_id: None,
        owner_id: None,
        details,
    };
    audit(tx, &entry, now).await
}

/// The transaction of something `source` publishes or decides (`what`,
/// as the staff check names it), opened and checked: on a refusal the
/// check's audit row is committed with nothing else, and the refusal is
/// the caller's error.
pub(crate) async fn begin_publishing<E>(
    db: &PgPool,
    source: Source,
    what: &str,
    now: DateTime<Utc>,
) -> Result<Transaction<'static, Postgres>, E>
where
    E: From<sqlx::Error> + From<StaffRefusal>,
{
    let mut tx = db.begin().await?;
    if let Err(refusal) = broadcasts::check_source(&mut tx, source, what, now).await? {
        tx.commit().await?;
        return Err(refusal.into());
    }
    Ok(tx)
}

/// [`audit_publishing`] of what `source` did, if an operator did it (the
/// CLI runs on the server, and its use is not an operator's to audit).
pub(crate) async fn audit_source(
    tx: &mut PgConnection,
    source: Source,
    action: AuditAction,
    details: Value,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    match source {
        Source::Operator(operator_id) => {
            audit_publishing(tx, operator_id, action, details, now).await
        }
        Source::Cli => Ok(()),
    }
}

/// What an operator was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub operator_id: UserId,
    /// Whose data it was.
    pub owner_id: UserId,
    pub application_id: Option<i64>,
    /// A document's file, when one was sent.
    pub document_id: Option<i64>,
}

/// /forget: what operators did with the person's data stays in the audit,
/// re-keyed from their id to their pseudonym ([`crate::erasure::pseudonym`])
/// in the erasure's transaction. The operator's id stays (staff
/// accountability). How many rows were re-keyed.
pub async fn pseudonymise_owner(
    tx: &mut PgConnection,
    owner_id: UserId,
    subject: &[u8],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE operator_audit SET owner_id = NULL, owner_subject = $2 WHERE owner_id = $1",
        owner_id.get(),
        subject,
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(done)
}

/// Records that an operator was shown a practitioner's data. The bot calls
/// it for every screen and file with such data it sends an operator
/// (`crate::review::view` calls it for the application's card).
pub async fn record_view(db: &PgPool, view: View, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let mut conn = db.acquire().await?;
    record_view_in(&mut conn, view, now).await
}

pub(crate) async fn record_view_in(
    db: &mut PgConnection,
    view: View,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let details = match view.document_id {
        Some(document_id) => serde_json::json!({ "document_id": document_id }),
        None => serde_json::json!({}),
    };
    let entry = AuditEntry {
        operator_id: view.operator_id,
        action: AuditAction::Viewed,
        application_id: view.application_id,
        factor_reset_id: None,
        owner_id: Some(view.owner_id),
        details,
    };
    audit(db, &entry, now).await
}

/// An audit row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub operator_id: UserId,
    /// `None` for an action this version does not know.
    pub action: Option<AuditAction>,
    pub application_id: Option<i64>,
    pub factor_reset_id: Option<i64>,
    pub owner_id: Option<UserId>,
    pub details: Value,
    pub at: DateTime<Utc>,
}

/// Who did what with a practitioner's data, oldest first (for the security
/// officer, and for telling a practitioner who looked at their data).
pub async fn audit_for_owner(
    db: &PgPool,
    owner_id: UserId,
) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let rows = sqlx::query_as!(
        AuditRow,
        r#"
        SELECT operator_id AS "operator_id: UserId", action, application_id, factor_reset_id, owner_id AS "owner_id: UserId", details, at
        FROM operator_audit WHERE owner_id = $1 ORDER BY id
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(AuditRow::open).collect())
}

struct AuditRow {
    operator_id: UserId,
    action: String,
    application_id: Option<i64>,
    factor_reset_id: Option<i64>,
    owner_id: Option<UserId>,
    details: Value,
    at: DateTime<Utc>,
}

impl AuditRow {
    fn open(self) -> AuditRecord {
        AuditRecord {
            operator_id: self.operator_id,
            action: AuditAction::parse(&self.action),
            application_id: self.application_id,
            factor_reset_id: self.factor_reset_id,
            owner_id: self.owner_id,
            details: self.details,
            at: self.at,
        }
    }
}

/// What an operator (or someone who tried to act as one) did, oldest first.
pub async fn audit_by_operator(
    db: &PgPool,
    operator_id: UserId,
) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let rows = sqlx::query_as!(
        AuditRow,
        r#"
        SELECT operator_id AS "operator_id: UserId", action, application_id, factor_reset_id, owner_id AS "owner_id: UserId", details, at
        FROM operator_audit WHERE operator_id = $1 ORDER BY id
        "#,
        operator_id.get(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(AuditRow::open).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLGA: UserId = UserId::from_stored(5001);

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn audit_actions_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("deleted"), None);
    }

    /// Every action the code writes is one the table's CHECK allows.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_table_takes_every_action(db: PgPool) {
        let t = at("2026-11-25T10:00:00Z");
        let mut tx = db.begin().await.unwrap();
        for action in AuditAction::ALL {
            audit_publishing(&mut tx, OLGA, action, serde_json::json!({}), t)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let actions: Vec<_> = audit_by_operator(&db, OLGA)
            .await
            .unwrap()
            .into_iter()
            .map(|record| record.action)
            .collect();
        assert_eq!(actions, AuditAction::ALL.map(Some));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn grant_revoke_and_grant_again(db: PgPool) {
        let t = at("2026-11-25T10:00:00Z");
        assert!(
            !is_operator(&db, OLGA).await.unwrap(),
            "nobody is by default"
        );
        assert_eq!(grant(&db, OLGA, "root", t).await.unwrap(), Grant::Granted);
        assert_eq!(
            grant(&db, OLGA, "someone else", t).await.unwrap(),
            Grant::AlreadyOperator
        );
        assert!(is_operator(&db, OLGA).await.unwrap());
        let listed = list(&db).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            listed[0].granted_by, "root",
            "a repeated grant changes nothing"
        );

        assert_eq!(
            revoke(&db, OLGA, t).await.unwrap(),
            Revoke::Revoked { released: 0 }
        );
        assert!(
            !is_operator(&db, OLGA).await.unwrap(),
            "a revoked operator is refused"
        );
        assert_eq!(revoke(&db, OLGA, t).await.unwrap(), Revoke::NotAnOperator);
        assert!(list(&db).await.unwrap().is_empty());
        assert_eq!(
            menu_holders(&db).await.unwrap(),
            [(OLGA, false)],
            "a revoked operator's menu is still to be put right"
        );

        assert_eq!(grant(&db, OLGA, "admin", t).await.unwrap(), Grant::Granted);
        assert!(is_operator(&db, OLGA).await.unwrap());
        assert_eq!(list(&db).await.unwrap()[0].granted_by, "admin");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_view_is_audited_without_personal_data(db: PgPool) {
        let t = at("2026-11-25T10:00:00Z");
        let view = View {
            operator_id: OLGA,
            owner_id: UserId::from_stored(1001),
            application_id: Some(7),
            document_id: Some(9),
        };
        record_view(&db, view, t).await.unwrap();
        let rows = audit_for_owner(&db, UserId::from_stored(1001))
            .await
            .unwrap();
        assert_eq!(
            rows,
            [AuditRecord {
                operator_id: OLGA,
                action: Some(AuditAction::Viewed),
                application_id: Some(7),
                factor_reset_id: None,
                owner_id: Some(UserId::from_stored(1001)),
                details: serde_json::json!({ "document_id": 9 }),
                at: t,
            }]
        );
        assert_eq!(audit_by_operator(&db, OLGA).await.unwrap(), rows);
    }
}
