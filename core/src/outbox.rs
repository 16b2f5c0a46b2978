//! The outbox: every notification the bot sends on its own initiative.
//!
//! Owns the table `outbox`. A business change and the notifications it
//! causes commit together ([`enqueue`] takes the change's transaction), so
//! a notification is never lost and never sent for a change that rolled
//! back. The bot's delivery worker then [`claim_batch`]es rows, sends them
//! and marks each [`mark_sent`] or [`mark_failed`].
//!
//! A row holds a Fluent key and its arguments, not rendered text: the
//! recipient's language is applied at delivery.
//!
//! A claim is a lease: the claimed rows become unavailable for
//! [`LEASE_SECONDS`]. A worker that dies between sending a row and marking
//! it lets the lease run out, and that row alone is sent again: delivery is
//! at least once, and at most one message per crash is doubled.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use sqlx::PgPool;
use uuid::Uuid;

/// How long a claimed row is reserved for the worker that claimed it. Far
/// longer than a send takes; only a crashed worker lets it run out.
pub const LEASE_SECONDS: i32 = 60;

/// Attempts before a row is given up on (a blocked chat is given up at once).
pub const MAX_ATTEMPTS: i32 = 5;

/// What a notification is about; decides its buttons at delivery, its
/// [`Priority`] and the [`Category`] a practitioner may switch off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// «Вход в личный кабинет: это вы?», with the answer buttons.
    LoginConfirmation,
    /// An application changed status (`crate::applications::PUSH_KEY`).
    ApplicationStatusChanged,
    /// An operator approved a second-factor reset: enrol a new one.
    FactorResetApproved,
    /// A change in regulation, published to those it concerns.
    RegulatoryNotice,
    /// An inspection was scheduled.
    Inspection,
    /// An inspection is 7 days or 1 day away.
    InspectionReminder,
    /// A document runs out in 90, 30 or 7 days.
    DocumentExpiring,
    /// The accreditation runs out, or periodic accreditation may be applied for.
    AccreditationExpiring,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::LoginConfirmation,
        Kind::ApplicationStatusChanged,
        Kind::FactorResetApproved,
        Kind::RegulatoryNotice,
        Kind::Inspection,
        Kind::InspectionReminder,
        Kind::DocumentExpiring,
        Kind::AccreditationExpiring,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LoginConfirmation => "login_confirmation",
            Kind::ApplicationStatusChanged => "application_status_changed",
            Kind::FactorResetApproved => "factor_reset_approved",
            Kind::RegulatoryNotice => "regulatory_notice",
            Kind::Inspection => "inspection",
            Kind::InspectionReminder => "inspection_reminder",
            Kind::DocumentExpiring => "document_expiring",
            Kind::AccreditationExpiring => "accreditation_expiring",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Which switch in /settings governs it.
    pub fn category(self) -> Category {
        match self {
            Kind::LoginConfirmation | Kind::FactorResetApproved => Category::Security,
            Kind::ApplicationStatusChanged => Category::Status,
            Kind::RegulatoryNotice => Category::Regulation,
            Kind::Inspection | Kind::InspectionReminder => Category::Inspections,
            Kind::DocumentExpiring | Kind::AccreditationExpiring => Category::Reminders,
        }
    }

    /// Where it goes in the queue.
    pub fn priority(self) -> Priority {
        match self {
            Kind::LoginConfirmation => Priority::Urgent,
            Kind::ApplicationStatusChanged
            | Kind::FactorResetApproved
            | Kind::DocumentExpiring
            | Kind::AccreditationExpiring => Priority::Personal,
            Kind::RegulatoryNotice | Kind::Inspection | Kind::InspectionReminder => {
                Priority::Broadcast
            }
        }
    }
}

/// The order of delivery: every urgent row before any personal one, every
/// personal row before any broadcast. Within a priority, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Someone is waiting for it right now (a login form). Never held for
    /// quiet hours.
    Urgent = 0,
    /// About one practitioner's own affairs.
    Personal = 1,
    /// One notice to many; must not delay the others.
    Broadcast = 2,
}

impl Priority {
    pub fn from_i16(value: i16) -> Priority {
        match value {
            0 => Priority::Urgent,
            1 => Priority::Personal,
            _ => Priority::Broadcast,
        }
    }
}

/// What a practitioner can switch on and off in /settings, and what not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Logins and the second factor: always delivered, even in quiet hours.
    Security,
    /// One's own applications: always delivered, held in quiet hours.
    Status,
    Inspections,
    Regulation,
    Reminders,
}

impl Category {
    /// Whether /settings may switch it off.
    pub fn optional(self) -> bool {
        matches!(
            self,
            Category::Inspections | Category::Regulation | Category::Reminders
        )
    }

    /// Whether quiet hours hold it back.
    pub fn held_in_quiet_hours(self) -> bool {
        self != Category::Security
    }
}

/// The text of a notification, to be rendered in the recipient's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// The Fluent key.
    pub key: String,
    /// Its arguments: strings (escaped when rendered) or integers.
    #[serde(default)]
    pub args: BTreeMap<String, Value>,
    /// The login challenge the buttons answer ([`Kind::LoginConfirmation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_challenge: Option<Uuid>,
}

/// A notification to enqueue.
#[derive(Debug, Clone)]
pub struct Notification {
    pub chat_id: i64,
    pub kind: Kind,
    pub payload: Payload,
    /// Not delivered before then (the end of the recipient's quiet hours);
    /// `None`: at once.
    pub not_before: Option<DateTime<Utc>>,
    /// A second notification with the same key is not written (a reminder
    /// for one document and one threshold, whichever scheduler writes it).
    pub dedup_key: Option<String>,
    /// The broadcast it is part of, for its progress.
    pub broadcast_id: Option<i64>,
}

impl Notification {
    /// To be delivered at once, not part of a broadcast.
    pub fn new(chat_id: i64, kind: Kind, payload: Payload) -> Notification {
        Notification {
            chat_id,
            kind,
            payload,
            not_before: None,
            dedup_key: None,
            broadcast_id: None,
        }
    }
}

/// A row a worker has claimed and must now send and mark.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub chat_id: i64,
    /// `None` for a kind this version does not know (written by a newer one).
    pub kind: Option<Kind>,
    /// `None` when the stored payload does not parse.
    pub payload: Option<Payload>,
    pub priority: Priority,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

/// Adds a notification inside the transaction of the change it announces.
/// Returns its id, or `None` when a row with its `dedup_key` exists.
pub async fn enqueue(
    tx: &mut PgConnection,
    notification: &Notification,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let payload = serde_json::to_value(&notification.payload)
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    sqlx::query_scalar!(
        r#"
        INSERT INTO outbox (chat_id, kind, payload, priority, created_at, available_at,
                            dedup_key, broadcast_id)
        VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8)
        ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
        RETURNING id
        "#,
        notification.chat_id,
        notification.kind.as_str(),
        payload,
        notification.kind.priority() as i16,
        now,
        notification.not_before,
        notification.dedup_key,
        notification.broadcast_id,
    )
    .fetch_optional(tx)
    .await
}

/// Adds many notifications in one statement (a broadcast's recipients, a
/// day's reminders); rows whose `dedup_key` exists are skipped. Returns how
/// many were written. Callers with very many rows pass them in chunks of a
/// few thousand, to keep each statement's parameters small.
pub async fn enqueue_many(
    tx: &mut PgConnection,
    notifications: &[Notification],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut chat_ids = Vec::with_capacity(notifications.len());
    let mut kinds = Vec::with_capacity(notifications.len());
    let mut payloads = Vec::with_capacity(notifications.len());
    let mut priorities = Vec::with_capacity(notifications.len());
    let mut not_before = Vec::with_capacity(notifications.len());
    let mut dedup_keys = Vec::with_capacity(notifications.len());
    let mut broadcast_ids = Vec::with_capacity(notifications.len());
    for notification in notifications {
        chat_ids.push(notification.chat_id);
        kinds.push(notification.kind.as_str().to_owned());
        payloads.push(
            serde_json::to_value(&notification.payload)
                .map_err(|error| sqlx::Error::Encode(Box::new(error)))?,
        );
        priorities.push(notification.kind.priority() as i16);
        not_before.push(notification.not_before.unwrap_or(now));
        dedup_keys.push(notification.dedup_key.clone());
        broadcast_ids.push(notification.broadcast_id);
    }
    let written = sqlx::query!(
        r#"
        INSERT INTO outbox (chat_id, kind, payload, priority, created_at, available_at,
                            dedup_key, broadcast_id)
        SELECT chat_id, kind, payload, priority, $8, available_at, dedup_key, broadcast_id
        FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::JSONB[], $4::SMALLINT[],
                    $5::TIMESTAMPTZ[], $6::TEXT[], $7::BIGINT[])
             AS t (chat_id, kind, payload, priority, available_at, dedup_key, broadcast_id)
        ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
        "#,
        &chat_ids,
        &kinds,
        &payloads,
        &priorities,
        &not_before,
        &dedup_keys as &[Option<String>],
        &broadcast_ids as &[Option<i64>],
        now,
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(written)
}

/// Claims up to `limit` rows that are due, urgent ones first, then oldest
/// first. Rows another transaction is claiming are skipped, not waited for
/// (`FOR UPDATE SKIP LOCKED`), so any number of workers can run; once this
/// transaction commits, the rows are leased for [`LEASE_SECONDS`].
pub async fn claim_batch(tx: &mut PgConnection, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        UPDATE outbox
        SET attempts = attempts + 1,
            available_at = now() + make_interval(secs => $2)
        WHERE id IN (
            SELECT id FROM outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND available_at <= now()
            ORDER BY priority, id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, chat_id, kind, payload, priority, attempts
        "#,
        limit,
        f64::from(LEASE_SECONDS),
    )
    .fetch_all(tx)
    .await?;
    let mut claimed: Vec<Claimed> = rows
        .into_iter()
        .map(|row| Claimed {
            id: row.id,
            chat_id: row.chat_id,
            kind: Kind::parse(&row.kind),
            payload: serde_json::from_value(row.payload).ok(),
            priority: Priority::from_i16(row.priority),
            attempts: row.attempts,
        })
        .collect();
    // RETURNING keeps no order; deliver in the order the rows were chosen.
    claimed.sort_by_key(|row| (row.priority, row.id));
    Ok(claimed)
}

/// The row was delivered as this Telegram message.
pub async fn mark_sent(db: &PgPool, id: i64, telegram_message_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE outbox SET sent_at = now(), telegram_message_id = $2, last_error = NULL
        WHERE id = $1
        "#,
        id,
        telegram_message_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The row will not be delivered (the chat is gone, or it failed too often).
pub async fn mark_failed(db: &PgPool, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET failed_at = now(), last_error = $2 WHERE id = $1",
        id,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The attempt failed for a reason that may pass: try again after `after`.
pub async fn retry_later(
    db: &PgPool,
    id: i64,
    error: &str,
    after: std::time::Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE outbox SET available_at = now() + make_interval(secs => $3), last_error = $2
        WHERE id = $1
        "#,
        id,
        error,
        after.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Where a row stands, for tests and the operators' view.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub chat_id: i64,
    pub kind: String,
    pub payload: Value,
    pub priority: Priority,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent: bool,
    pub failed: bool,
    pub telegram_message_id: Option<i64>,
}

/// Every row for a chat, oldest first.
pub async fn for_chat(db: &PgPool, chat_id: i64) -> Result<Vec<Row>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT id, chat_id, kind, payload, priority, attempts, last_error,
               sent_at IS NOT NULL AS "sent!", failed_at IS NOT NULL AS "failed!",
               telegram_message_id
        FROM outbox WHERE chat_id = $1 ORDER BY id
        "#,
        chat_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Row {
            id: row.id,
            chat_id: row.chat_id,
            kind: row.kind,
            payload: row.payload,
            priority: Priority::from_i16(row.priority),
            attempts: row.attempts,
            last_error: row.last_error,
            sent: row.sent,
            failed: row.failed,
            telegram_message_id: row.telegram_message_id,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A login confirmation (urgent) or a status change (personal).
    fn note(chat_id: i64, urgent: bool) -> Notification {
        let kind = if urgent {
            Kind::LoginConfirmation
        } else {
            Kind::ApplicationStatusChanged
        };
        Notification::new(
            chat_id,
            kind,
            Payload {
                key: "login-push".into(),
                args: BTreeMap::from([("device".into(), Value::from("Firefox"))]),
                login_challenge: Some(Uuid::new_v4()),
            },
        )
    }

    async fn enqueue_all(db: &PgPool, notes: &[Notification]) -> Vec<i64> {
        let mut tx = db.begin().await.unwrap();
        let mut ids = Vec::new();
        for note in notes {
            ids.push(enqueue(&mut tx, note, Utc::now()).await.unwrap().unwrap());
        }
        tx.commit().await.unwrap();
        ids
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn two_concurrent_claimers_never_get_the_same_row(db: PgPool) {
        let notes: Vec<_> = (1..=6).map(|chat| note(chat, false)).collect();
        let ids = enqueue_all(&db, &notes).await;

        // Both transactions are open at once: the second skips what the
        // first holds instead of waiting for it or taking it too.
        let mut first = db.begin().await.unwrap();
        let mut second = db.begin().await.unwrap();
        let a = claim_batch(&mut first, 4).await.unwrap();
        let b = claim_batch(&mut second, 4).await.unwrap();
        let a_ids: Vec<i64> = a.iter().map(|row| row.id).collect();
        let b_ids: Vec<i64> = b.iter().map(|row| row.id).collect();
        assert_eq!(a_ids, ids[..4]);
        assert_eq!(b_ids, ids[4..]);
        first.commit().await.unwrap();
        second.commit().await.unwrap();

        // Committed claims are leased: nobody else gets them now.
        let mut third = db.begin().await.unwrap();
        assert!(claim_batch(&mut third, 10).await.unwrap().is_empty());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_rolled_back_claim_leaves_the_rows_to_others(db: PgPool) {
        let ids = enqueue_all(&db, &[note(1, false)]).await;
        let mut crashed = db.begin().await.unwrap();
        assert_eq!(claim_batch(&mut crashed, 10).await.unwrap().len(), 1);
        crashed.rollback().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let again = claim_batch(&mut tx, 10).await.unwrap();
        assert_eq!(again.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
        assert_eq!(again[0].attempts, 1, "a rolled-back claim is no attempt");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn urgent_rows_come_first_and_payloads_round_trip(db: PgPool) {
        let notes = [note(1, false), note(2, true), note(3, false)];
        let ids = enqueue_all(&db, &notes).await;
        let mut tx = db.begin().await.unwrap();
        let claimed = claim_batch(&mut tx, 10).await.unwrap();
        let order: Vec<i64> = claimed.iter().map(|row| row.id).collect();
        assert_eq!(order, [ids[1], ids[0], ids[2]]);
        assert_eq!(claimed[0].payload.as_ref(), Some(&notes[1].payload));
        assert_eq!(claimed[0].kind, Some(Kind::LoginConfirmation));
        assert_eq!(claimed[0].priority, Priority::Urgent);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn sent_and_failed_rows_are_not_claimed_again(db: PgPool) {
        let ids = enqueue_all(&db, &[note(1, false), note(1, false), note(1, false)]).await;
        mark_sent(&db, ids[0], 77).await.unwrap();
        mark_failed(&db, ids[1], "Forbidden: bot was blocked by the user")
            .await
            .unwrap();
        retry_later(&db, ids[2], "timeout", std::time::Duration::from_secs(60))
            .await
            .unwrap();

        let mut tx = db.begin().await.unwrap();
        assert!(claim_batch(&mut tx, 10).await.unwrap().is_empty());
        tx.commit().await.unwrap();

        let rows = for_chat(&db, 1).await.unwrap();
        assert!(rows[0].sent && rows[0].telegram_message_id == Some(77));
        assert!(rows[1].failed && !rows[1].sent);
        assert_eq!(rows[2].last_error.as_deref(), Some("timeout"));
        assert!(!rows[2].sent && !rows[2].failed);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_retry_becomes_due_after_its_backoff(db: PgPool) {
        let ids = enqueue_all(&db, &[note(1, false)]).await;
        retry_later(&db, ids[0], "timeout", std::time::Duration::ZERO)
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        assert_eq!(claim_batch(&mut tx, 10).await.unwrap().len(), 1);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn broadcasts_wait_behind_personal_rows_and_personal_behind_urgent(db: PgPool) {
        let mut notice = note(1, false);
        notice.kind = Kind::RegulatoryNotice;
        let notes = [notice, note(2, false), note(3, true)];
        let ids = enqueue_all(&db, &notes).await;
        let mut tx = db.begin().await.unwrap();
        let order: Vec<i64> = claim_batch(&mut tx, 10)
            .await
            .unwrap()
            .iter()
            .map(|row| row.id)
            .collect();
        assert_eq!(order, [ids[2], ids[1], ids[0]]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_dedup_key_is_written_once_whichever_way(db: PgPool) {
        let mut reminder = note(1, false);
        reminder.kind = Kind::DocumentExpiring;
        reminder.dedup_key = Some("document:7:30".into());
        let mut tx = db.begin().await.unwrap();
        assert!(
            enqueue(&mut tx, &reminder, Utc::now())
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            enqueue(&mut tx, &reminder, Utc::now())
                .await
                .unwrap()
                .is_none()
        );
        let mut other = reminder.clone();
        other.dedup_key = Some("document:7:7".into());
        let written = enqueue_many(&mut tx, &[reminder, other.clone(), other], Utc::now())
            .await
            .unwrap();
        assert_eq!(written, 1, "only the new key, and only once");
        tx.commit().await.unwrap();
        assert_eq!(for_chat(&db, 1).await.unwrap().len(), 2);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_row_held_until_later_is_not_claimed_before(db: PgPool) {
        let mut held = note(1, false);
        held.not_before = Some(Utc::now() + chrono::Duration::hours(8));
        let mut tx = db.begin().await.unwrap();
        enqueue_many(&mut tx, &[held, note(2, false)], Utc::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let claimed = claim_batch(&mut tx, 10).await.unwrap();
        assert_eq!(claimed.iter().map(|r| r.chat_id).collect::<Vec<_>>(), [2]);
    }
}
