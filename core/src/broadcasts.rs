//! Broadcasts: one notice to many practitioners, with its progress.
//!
//! Owns the table `broadcasts`. A broadcast is [`create`]d and [`fill`]ed in
//! the transaction of the change it announces (a published regulatory
//! notice, a scheduled inspection, the day's inspection reminders): the
//! recipients are selected once ([`audience::recipients`], one query), each
//! row's `not_before` is the end of that recipient's quiet hours, and the
//! outbox rows are written with [`outbox::enqueue_many`] in chunks of
//! [`CHUNK`]. For 100 000 recipients that is one SELECT and twenty INSERTs
//! in one transaction; either all rows are there or none.
//!
//! Progress is not stored but counted from the outbox rows carrying the
//! broadcast's id ([`progress`]); `total` is how many rows were written.
//! The operator who started a broadcast gets a progress message the bot
//! edits as it goes ([`set_progress_message`], [`in_progress_with_message`])
//! until nothing is pending ([`mark_finished`]).
//!
//! Measured with the ignored test `filling_for_100_000_takes_seconds` (2
//! cores, PostgreSQL 15 on the same machine, a debug build): selecting
//! 100 000 recipients takes 0.44 s; selecting them again, writing their
//! 100 000 rows (a notice with a 330-character summary) and committing
//! takes 3.7 s.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::audience::{self, Audience, Recipient};
use crate::outbox::{self, Category, Notification, Payload};
use crate::review::{self, StaffRefusal};

/// Rows per INSERT: small enough for PostgreSQL's parameters and memory,
/// large enough to keep round trips few.
pub const CHUNK: usize = 5000;

/// Why a notice or an inspection an operator sent (or cancelled) was not.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The staff check in the operation's transaction refused (and audited
    /// it): the role was revoked, or the staff session closed, since the
    /// bot's own check.
    #[error(transparent)]
    Refused(#[from] StaffRefusal),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// For an operator's source, the staff check inside `tx`; the CLI runs on
/// the server and needs none. On a refusal the caller commits `tx` (the
/// audit row) with nothing else written.
pub(crate) async fn check_source(
    tx: &mut PgConnection,
    source: Source,
    what: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), StaffRefusal>, sqlx::Error> {
    match source {
        Source::Operator(operator_id) => review::require_staff(tx, operator_id, what, now).await,
        Source::Cli => Ok(Ok(())),
    }
}

/// Who starts a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An operator, by Telegram user id.
    Operator(UserId),
    /// `medcab admin …` on the server.
    Cli,
}

impl Source {
    /// The id stored in `created_by` / `decided_by`; none for the CLI.
    pub fn operator_id(self) -> Option<UserId> {
        match self {
            Source::Operator(id) => Some(id),
            Source::Cli => None,
        }
    }
}

/// What a broadcast announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RegulatoryNotice,
    /// An inspection scheduled (or cancelled).
    Inspection,
    /// An inspection 7 days or 1 day away.
    InspectionReminder,
}

impl Kind {
    pub const ALL: [Kind; 3] = [
        Kind::RegulatoryNotice,
        Kind::Inspection,
        Kind::InspectionReminder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RegulatoryNotice => "regulatory_notice",
            Kind::Inspection => "inspection",
            Kind::InspectionReminder => "inspection_reminder",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The kind of its outbox rows.
    pub fn outbox_kind(self) -> outbox::Kind {
        match self {
            Kind::RegulatoryNotice => outbox::Kind::RegulatoryNotice,
            Kind::Inspection => outbox::Kind::Inspection,
            Kind::InspectionReminder => outbox::Kind::InspectionReminder,
        }
    }

    /// The switch in /settings that governs it.
    pub fn category(self) -> Category {
        self.outbox_kind().category()
    }
}

/// A broadcast just created, to be [`fill`]ed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    pub kind: Kind,
}

/// A broadcast written: its id and how many rows it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub broadcast_id: i64,
    pub total: u64,
}

/// Creates a broadcast of `kind` about `subject_id` (a notice's or an
/// inspection's id), inside the caller's transaction.
pub async fn create(
    tx: &mut PgConnection,
    kind: Kind,
    subject_id: i64,
    created_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Created, sqlx::Error> {
    let id = sqlx::query_scalar!(
        r#"
        INSERT INTO broadcasts (kind, subject_id, created_by, created_at)
        VALUES ($1, $2, $3, $4)
        RETURNING id
        "#,
        kind.as_str(),
        subject_id,
        created_by.map(UserId::get),
        now,
    )
    .fetch_one(tx)
    .await?;
    Ok(Created { id, kind })
}

/// Writes the broadcast's outbox rows: one per recipient `audience` reaches
/// who did not switch the category off, held until the end of their quiet
/// hours. With `dedup_prefix`, each row's dedup key is
/// `{dedup_prefix}:{chat_id}` and a recipient who already has that row is
/// skipped. Returns how many rows were written, which is added to `total`.
pub async fn fill(
    tx: &mut PgConnection,
    broadcast: Created,
    audience: &Audience,
    payload: &Payload,
    dedup_prefix: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let category = broadcast.kind.category();
    let recipients = audience::recipients(tx, audience, category).await?;
    fill_with(tx, broadcast, &recipients, payload, dedup_prefix, now).await
}

/// [`fill`] for recipients already chosen.
async fn fill_with(
    tx: &mut PgConnection,
    broadcast: Created,
    recipients: &[Recipient],
    payload: &Payload,
    dedup_prefix: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let held = broadcast.kind.category().held_in_quiet_hours();
    let mut written = 0;
    for chunk in recipients.chunks(CHUNK) {
        // Built per chunk: a payload with a long summary, cloned 100 000
        // times at once, would hold hundreds of megabytes.
        let rows: Vec<Notification> = chunk
            .iter()
            .map(|recipient| Notification {
                chat_id: recipient.chat_id,
                kind: broadcast.kind.outbox_kind(),
                payload: payload.clone(),
                not_before: if held {
                    recipient.settings.release_at(now)
                } else {
                    None
                },
                dedup_key: dedup_prefix.map(|prefix| format!("{prefix}:{}", recipient.chat_id)),
                broadcast_id: Some(broadcast.id),
            })
            .collect();
        written += outbox::enqueue_many(tx, &rows, now).await?;
    }
    sqlx::query!(
        "UPDATE broadcasts SET total = total + $2, filled_at = $3 WHERE id = $1",
        broadcast.id,
        i32::try_from(written).unwrap_or(i32::MAX),
        now,
    )
    .execute(tx)
    .await?;
    Ok(written)
}

/// [`create`] and [`fill`] in one go.
// The broadcast's parts, each plain; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn send(
    tx: &mut PgConnection,
    kind: Kind,
    subject_id: i64,
    created_by: Option<UserId>,
    audience: &Audience,
    payload: &Payload,
    dedup_prefix: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Sent, sqlx::Error> {
    let created = create(tx, kind, subject_id, created_by, now).await?;
    let total = fill(tx, created, audience, payload, dedup_prefix, now).await?;
    Ok(Sent {
        broadcast_id: created.id,
        total,
    })
}

/// A broadcast to the given chats rather than an audience (the
/// cancellation of an inspection, to those who were told of it): those of
/// them who may still receive its category, each held for their quiet
/// hours. In the caller's transaction.
pub async fn send_to(
    tx: &mut PgConnection,
    kind: Kind,
    subject_id: i64,
    created_by: Option<UserId>,
    chat_ids: &[i64],
    payload: &Payload,
    now: DateTime<Utc>,
) -> Result<Sent, sqlx::Error> {
    let created = create(tx, kind, subject_id, created_by, now).await?;
    let recipients = audience::recipients_among(tx, chat_ids, kind.category()).await?;
    let total = fill_with(tx, created, &recipients, payload, None, now).await?;
    Ok(Sent {
        broadcast_id: created.id,
        total,
    })
}

/// The broadcasts of an inspection so far: its announcement (and, once
/// cancelled, its cancellation) and its reminders, oldest first.
pub async fn of_inspection(
    tx: &mut PgConnection,
    inspection_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT id FROM broadcasts
        WHERE subject_id = $1 AND kind IN ('inspection', 'inspection_reminder')
        ORDER BY id
        "#,
        inspection_id,
    )
    .fetch_all(tx)
    .await
}

/// Withdraws what these broadcasts have not sent yet
/// ([`outbox::drop_pending_of_broadcasts`]) and takes it off their `total`,
/// so their progress ends at what was sent. Returns how many recipients
/// were withdrawn in all.
pub async fn withdraw_pending(tx: &mut PgConnection, ids: &[i64]) -> Result<u64, sqlx::Error> {
    let dropped = outbox::drop_pending_of_broadcasts(tx, ids).await?;
    let (ids, counts): (Vec<i64>, Vec<i32>) = dropped
        .iter()
        .map(|(id, n)| (*id, i32::try_from(*n).unwrap_or(i32::MAX)))
        .unzip();
    sqlx::query!(
        r#"
        UPDATE broadcasts b SET total = GREATEST(b.total - d.n, 0)
        FROM UNNEST($1::BIGINT[], $2::INT[]) AS d (id, n)
        WHERE b.id = d.id
        "#,
        &ids,
        &counts,
    )
    .execute(tx)
    .await?;
    Ok(dropped.values().sum())
}

/// Whether a broadcast of this kind about this subject was created at or
/// after `since` (a reminder already sent for its threshold).
pub(crate) async fn exists_since(
    tx: &mut PgConnection,
    kind: Kind,
    subject_id: i64,
    since: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let exists = sqlx::query_scalar!(
        r#"
        SELECT EXISTS (
            SELECT 1 FROM broadcasts
            WHERE kind = $1 AND subject_id = $2 AND created_at >= $3
        ) AS "exists!"
        "#,
        kind.as_str(),
        subject_id,
        since,
    )
    .fetch_one(tx)
    .await?;
    Ok(exists)
}

/// Removes a broadcast that wrote no rows (a scheduler's reminder everyone
/// already had), so repeated runs leave no empty broadcasts behind.
pub(crate) async fn discard_if_empty(tx: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        DELETE FROM broadcasts b
        WHERE b.id = $1 AND b.total = 0
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id)
        "#,
        id
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// How far a broadcast has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Rows written when it was filled.
    pub total: i64,
    pub sent: i64,
    /// Given up on (the chat blocked the bot, or too many failures).
    pub failed: i64,
    /// Still to be sent (held for quiet hours, waiting its turn, retrying).
    pub pending: i64,
    /// Of `pending`, those waiting for the end of their recipient's quiet
    /// hours: they go in the morning, not now.
    pub after_quiet_hours: i64,
}

impl Progress {
    /// Nothing left to send.
    pub fn is_done(&self) -> bool {
        self.pending == 0
    }

    /// Something is pending, all of it for the end of quiet hours: nothing
    /// more goes before the morning.
    pub fn only_quiet_hours_left(&self) -> bool {
        self.pending > 0 && self.pending == self.after_quiet_hours
    }
}

/// A broadcast's progress at `now`, counted from its outbox rows per
/// recipient (one with two messengers has a row on each: reached on
/// either is sent, failed only when both failed); `None` when there is no
/// such broadcast.
pub async fn progress(
    db: &PgPool,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Progress>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        WITH recipients AS (
            SELECT o.chat_id,
                   bool_or(o.sent_at IS NOT NULL) AS sent,
                   bool_or(o.sent_at IS NULL AND o.failed_at IS NULL) AS pending,
                   bool_or(o.sent_at IS NULL AND o.failed_at IS NULL
                           AND o.quiet_held AND o.available_at > $2) AS after_quiet_hours
            FROM outbox o WHERE o.broadcast_id = $1
            GROUP BY o.chat_id
        )
        SELECT b.total,
               count(r.chat_id) FILTER (WHERE r.sent) AS "sent!",
               count(r.chat_id) FILTER (WHERE NOT r.sent AND NOT r.pending) AS "failed!",
               count(r.chat_id) FILTER (WHERE NOT r.sent AND r.pending) AS "pending!",
               count(r.chat_id) FILTER (WHERE NOT r.sent AND r.after_quiet_hours)
                   AS "after_quiet_hours!"
        FROM broadcasts b
        LEFT JOIN recipients r ON true
        WHERE b.id = $1
        GROUP BY b.id
        "#,
        id,
        now,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Progress {
        total: i64::from(row.total),
        sent: row.sent,
        failed: row.failed,
        pending: row.pending,
        after_quiet_hours: row.after_quiet_hours,
    }))
}

/// Remembers the operator's message that shows the progress, to be edited:
/// `message` as the bot stores one (`telegram:<chat>:<id>` or
/// `max:<chat>:<mid>`), `reader` the operator's account (their language).
pub async fn set_progress_message(
    db: &PgPool,
    id: i64,
    reader: UserId,
    message: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE broadcasts SET progress_reader = $2, progress_message = $3
        WHERE id = $1
        "#,
        id,
        reader.get(),
        message,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// /forget of an operator: their progress messages are no longer followed
/// (the message names their chat; the broadcast and its counts stay).
pub async fn forget_reader(tx: &mut PgConnection, reader: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE broadcasts
        SET progress_reader = NULL, progress_message = NULL,
            progress_chat_id = NULL, progress_message_id = NULL
        WHERE progress_reader = $1 OR progress_chat_id = $1
        "#,
        reader.get(),
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// A broadcast whose operator is watching its progress message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub id: i64,
    pub kind: Kind,
    /// The notice's or the inspection's id.
    pub subject_id: i64,
    /// The operator's account.
    pub reader: UserId,
    /// As given to [`set_progress_message`].
    pub message: String,
    pub progress: Progress,
}

/// Unfinished broadcasts with a progress message, oldest first, each with
/// its progress: what the bot's progress task edits. One query.
pub async fn in_progress_with_message(db: &PgPool) -> Result<Vec<Watched>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH recipients AS (
            SELECT o.broadcast_id, o.chat_id,
                   bool_or(o.sent_at IS NOT NULL) AS sent,
                   bool_or(o.sent_at IS NULL AND o.failed_at IS NULL) AS pending
            FROM outbox o
            JOIN broadcasts w ON w.id = o.broadcast_id AND w.finished_at IS NULL
            GROUP BY o.broadcast_id, o.chat_id
        )
        SELECT b.id, b.kind, b.subject_id, b.total,
               b.progress_reader AS "reader!", b.progress_message AS "message!",
               count(r.chat_id) FILTER (WHERE r.sent) AS "sent!",
               count(r.chat_id) FILTER (WHERE NOT r.sent AND NOT r.pending) AS "failed!",
               count(r.chat_id) FILTER (WHERE NOT r.sent AND r.pending) AS "pending!"
        FROM broadcasts b
        LEFT JOIN recipients r ON r.broadcast_id = b.id
        WHERE b.finished_at IS NULL
          AND b.progress_reader IS NOT NULL AND b.progress_message IS NOT NULL
        GROUP BY b.id
        ORDER BY b.id
        "#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Watched {
                id: row.id,
                // The CHECK constraint allows only known kinds.
                kind: Kind::parse(&row.kind)?,
                subject_id: row.subject_id,
                reader: UserId::from_stored(row.reader),
                message: row.message,
                progress: Progress {
                    total: i64::from(row.total),
                    sent: row.sent,
                    failed: row.failed,
                    pending: row.pending,
                    // Counted at a moment (`progress`); the watcher reads
                    // that before it edits.
                    after_quiet_hours: 0,
                },
            })
        })
        .collect())
}

/// The progress message needs no more edits. Returns whether it was
/// unfinished until now.
pub async fn mark_finished(db: &PgPool, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE broadcasts SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL",
        id,
        now,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(done == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::*;

    fn payload() -> Payload {
        crate::notices::payload("Приказ № 1", "Кратко", None)
    }

    async fn rows_of(db: &PgPool, broadcast: i64) -> Vec<(i64, DateTime<Utc>, i16)> {
        sqlx::query_as(
            "SELECT chat_id, available_at, priority FROM outbox WHERE broadcast_id = $1 ORDER BY chat_id",
        )
        .bind(broadcast)
        .fetch_all(db)
        .await
        .unwrap()
    }

    #[test]
    fn kinds_round_trip_and_map_to_outbox_kinds() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.outbox_kind().as_str(), kind.as_str());
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn two_thousand_recipients_get_one_row_each_and_progress_counts_them(db: PgPool) {
        add_many(&db, 100_000, 2000).await;
        let mut tx = db.begin().await.unwrap();
        let sent = send(
            &mut tx,
            Kind::RegulatoryNotice,
            1,
            Some(UserId::from_stored(7)),
            &Audience::everyone(),
            &payload(),
            None,
            noon(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(sent.total, 2000);
        let rows = rows_of(&db, sent.broadcast_id).await;
        assert_eq!(rows.len(), 2000);
        assert!(rows.iter().all(|(_, _, priority)| *priority == 2));
        let distinct: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(distinct.len(), 2000);

        let progress = progress(&db, sent.broadcast_id, noon())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            progress,
            Progress {
                total: 2000,
                sent: 0,
                failed: 0,
                pending: 2000,
                after_quiet_hours: 0,
            }
        );
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM outbox WHERE broadcast_id = $1 ORDER BY id LIMIT 3")
                .bind(sent.broadcast_id)
                .fetch_all(&db)
                .await
                .unwrap();
        // As the delivery worker marks them (its API is not this test's).
        sqlx::query("UPDATE outbox SET sent_at = now() WHERE id = ANY($1)")
            .bind(&ids[..2])
            .execute(&db)
            .await
            .unwrap();
        sqlx::query("UPDATE outbox SET failed_at = now() WHERE id = $1")
            .bind(ids[2])
            .execute(&db)
            .await
            .unwrap();
        let progress = super::progress(&db, sent.broadcast_id, noon())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (progress.sent, progress.failed, progress.pending),
            (2, 1, 1997)
        );
        assert!(!progress.is_done());
        assert_eq!(super::progress(&db, 999, noon()).await.unwrap(), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn quiet_hours_hold_a_row_until_they_end(db: PgPool) {
        for id in [1, 2, 3] {
            add(&db, &practitioner(id)).await;
        }
        // 2: no quiet hours; 3: Vladivostok, where 23:00 Moscow is 06:00.
        settings(&db, 2, |s| s.quiet_hours = None).await;
        settings(&db, 3, |s| s.time_zone = chrono_tz::Tz::Asia__Vladivostok).await;
        let night = at("2026-11-25T20:00:00Z"); // 23:00 in Moscow
        let mut tx = db.begin().await.unwrap();
        let sent = send(
            &mut tx,
            Kind::Inspection,
            1,
            None,
            &Audience::everyone(),
            &payload(),
            None,
            night,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let rows = rows_of(&db, sent.broadcast_id).await;
        assert_eq!(
            rows.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
            [
                (1, at("2026-11-26T05:00:00Z")), // 08:00 in Moscow
                (2, night),
                (3, at("2026-11-25T22:00:00Z")), // 08:00 in Vladivostok
            ]
        );

        // The preview would have said two of three get it in the morning.
        let reach = audience::count(
            &mut db.acquire().await.unwrap(),
            &Audience::everyone(),
            Category::Inspections,
            night,
        )
        .await
        .unwrap();
        assert_eq!((reach.total, reach.after_quiet_hours), (3, 2));
        // 2's row is sent; the other two wait for the morning, and nothing
        // more goes before then.
        sqlx::query("UPDATE outbox SET sent_at = now() WHERE broadcast_id = $1 AND chat_id = 2")
            .bind(sent.broadcast_id)
            .execute(&db)
            .await
            .unwrap();
        let progress = super::progress(&db, sent.broadcast_id, night)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((progress.pending, progress.after_quiet_hours), (2, 2));
        assert!(progress.only_quiet_hours_left());
        // 08:00 in Vladivostok: 3's row is due, so it is no longer waiting.
        let progress = super::progress(&db, sent.broadcast_id, at("2026-11-25T22:00:00Z"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((progress.pending, progress.after_quiet_hours), (2, 1));
        assert!(!progress.only_quiet_hours_left());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_dedup_prefix_writes_each_recipient_once(db: PgPool) {
        for id in [1, 2] {
            add(&db, &practitioner(id)).await;
        }
        let mut tx = db.begin().await.unwrap();
        let first = send(
            &mut tx,
            Kind::InspectionReminder,
            5,
            None,
            &Audience::everyone(),
            &payload(),
            Some("inspection:5:7"),
            noon(),
        )
        .await
        .unwrap();
        add(&db, &practitioner(3)).await;
        let second = send(
            &mut tx,
            Kind::InspectionReminder,
            5,
            None,
            &Audience::everyone(),
            &payload(),
            Some("inspection:5:7"),
            noon(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((first.total, second.total), (2, 1), "only the newcomer");
        let keys: Vec<String> = sqlx::query_scalar("SELECT dedup_key FROM outbox ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(
            keys,
            ["inspection:5:7:1", "inspection:5:7:2", "inspection:5:7:3"]
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_watched_broadcast_is_listed_until_finished(db: PgPool) {
        add(&db, &practitioner(1)).await;
        let mut tx = db.begin().await.unwrap();
        let unwatched = send(
            &mut tx,
            Kind::RegulatoryNotice,
            1,
            Some(UserId::from_stored(7)),
            &Audience::everyone(),
            &payload(),
            None,
            noon(),
        )
        .await
        .unwrap();
        let watched = send(
            &mut tx,
            Kind::RegulatoryNotice,
            2,
            Some(UserId::from_stored(7)),
            &Audience::everyone(),
            &payload(),
            None,
            noon(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        set_progress_message(
            &db,
            watched.broadcast_id,
            UserId::from_stored(7),
            "max:-70:mid.42",
        )
        .await
        .unwrap();
        let listed = in_progress_with_message(&db).await.unwrap();
        assert_eq!(
            listed,
            [Watched {
                id: watched.broadcast_id,
                kind: Kind::RegulatoryNotice,
                subject_id: 2,
                reader: UserId::from_stored(7),
                message: "max:-70:mid.42".into(),
                progress: Progress {
                    total: 1,
                    sent: 0,
                    failed: 0,
                    pending: 1,
                    after_quiet_hours: 0,
                },
            }]
        );
        assert_ne!(unwatched.broadcast_id, watched.broadcast_id);
        assert!(
            mark_finished(&db, watched.broadcast_id, noon())
                .await
                .unwrap()
        );
        assert!(
            !mark_finished(&db, watched.broadcast_id, noon())
                .await
                .unwrap()
        );
        assert!(in_progress_with_message(&db).await.unwrap().is_empty());
    }

    /// `cargo test -p medcab-core --lib filling_for_100_000 -- --ignored --nocapture`
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    #[ignore = "a timing, not a check; seeds 100 000 practitioners"]
    async fn filling_for_100_000_takes_seconds(db: PgPool) {
        add_many(&db, 1, 100_000).await;
        let summary = "Изменения в порядке. ".repeat(15);
        let payload = crate::notices::payload("Приказ № 1", &summary, None);
        let started = std::time::Instant::now();
        let mut conn = db.acquire().await.unwrap();
        let selected = audience::recipients(&mut conn, &Audience::everyone(), Category::Regulation)
            .await
            .unwrap()
            .len();
        let select = started.elapsed();
        drop(conn);
        let started = std::time::Instant::now();
        let mut tx = db.begin().await.unwrap();
        let sent = send(
            &mut tx,
            Kind::RegulatoryNotice,
            1,
            None,
            &Audience::everyone(),
            &payload,
            None,
            noon(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let fill = started.elapsed();
        println!("select {selected} recipients: {select:?}; fill and commit: {fill:?}");
        assert_eq!(sent.total, 100_000);
    }
}
