//! Reminders before a document or the accreditation runs out.
//!
//! Owns no table: [`enqueue_due`] reads `documents`, `accounts`,
//! `registry_entries`, `chats` and `notification_settings` (read-only, one
//! query for documents and one for the register) and writes outbox rows.
//! A daily scheduler calls it; it may run any number of times a day.
//!
//! - A document with an end date: 90, 30 and 7 days before.
//! - The accreditation — a document of kind `accreditation`, or the date the
//!   register gives for a linked, confirmed practitioner: when the periodic
//!   accreditation window opens (12 months before,
//!   [`accreditation_window_opens`]: «you may apply now»), then 90, 30 and 7
//!   days before («apply now»).
//!
//! Each reminder has a dedup key — `document:{id}:{days}`, or
//! `accreditation:{user}:{valid_until}:{days}` so that the document and the
//! register stating the same date remind once — and the outbox writes a
//! key once. If a threshold's day was missed (the server was down), the
//! nearest threshold reached is sent on the next run, with the real number
//! of days left; never two thresholds in one run, nothing for what has run
//! out already. The dedup keys live in the outbox: rows must be kept at
//! least as long as the longest threshold (a year) for this to hold.
//!
//! A practitioner who switched reminders off gets none; quiet hours hold
//! them until morning. The push names the kind of document, the date and
//! the days left — never its number or anything else that identifies the
//! person.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use sqlx::PgPool;

use crate::UserId;
use crate::applications::accreditation_window_opens;
use crate::broadcasts::CHUNK;
use crate::documents::DocumentKind;
use crate::notification_settings::Settings;
use crate::outbox::{self, Category, Kind, Notification, Payload, Push};

/// Days before a document's end date when a reminder goes, farthest first.
pub const DOCUMENT_DAYS: [i64; 3] = [90, 30, 7];

/// The threshold of the accreditation window's opening, in dedup keys.
pub const WINDOW_THRESHOLD: i64 = 365;

/// The threshold due `today` for a document valid until `valid_until`: the
/// nearest one reached, or `None` before the first and once it has run out
/// (it is still valid on its last day).
pub fn document_threshold(valid_until: NaiveDate, today: NaiveDate) -> Option<i64> {
    let days_left = (valid_until - today).num_days();
    if days_left < 0 {
        return None;
    }
    DOCUMENT_DAYS
        .into_iter()
        .rev()
        .find(|&threshold| days_left <= threshold)
}

/// The same for the accreditation, with the window's opening before the
/// rest ([`WINDOW_THRESHOLD`]).
pub fn accreditation_threshold(valid_until: NaiveDate, today: NaiveDate) -> Option<i64> {
    if valid_until < today {
        return None;
    }
    document_threshold(valid_until, today)
        .or_else(|| (today >= accreditation_window_opens(valid_until)).then_some(WINDOW_THRESHOLD))
}

fn document_payload(kind: DocumentKind, days: i64, valid_until: NaiveDate) -> Payload {
    Payload::new(Push::DocumentExpiring {
        kind,
        days,
        date: valid_until,
    })
}

fn accreditation_payload(threshold: i64, days: i64, valid_until: NaiveDate) -> Payload {
    Payload::new(if threshold == WINDOW_THRESHOLD {
        Push::AccreditationWindow {
            days,
            date: valid_until,
        }
    } else {
        Push::AccreditationExpiring {
            days,
            date: valid_until,
        }
    })
}

/// An accreditation reminder for `user` and its date, if one is due.
fn accreditation_reminder(
    user: UserId,
    valid_until: NaiveDate,
    settings: &Settings,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Option<Notification> {
    let threshold = accreditation_threshold(valid_until, today)?;
    let days = (valid_until - today).num_days();
    let mut notification = Notification::new(
        user.private_chat(),
        Kind::AccreditationExpiring,
        accreditation_payload(threshold, days, valid_until),
    );
    notification.not_before = settings.release_at(now);
    notification.dedup_key = Some(format!("accreditation:{user}:{valid_until}:{threshold}"));
    Some(notification)
}

/// Writes every reminder due `today` (Moscow) not written before. Returns
/// how many rows were written.
pub async fn enqueue_due(
    db: &PgPool,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let documents_until = today + Days::new(DOCUMENT_DAYS[0].unsigned_abs());
    // A day more than twelve months: the window of a 29 February opens on
    // the 28th a year before.
    let accreditation_until = today
        .checked_add_months(Months::new(12))
        .and_then(|date| date.checked_add_days(Days::new(1)))
        .unwrap_or(NaiveDate::MAX);

    // Keyed by dedup key: the document and the register giving one date
    // make one row.
    let mut due: BTreeMap<String, Notification> = BTreeMap::new();

    let documents = sqlx::query!(
        r#"
        SELECT d.id, d.owner_id AS "owner_id: UserId", d.kind, d.valid_until AS "valid_until!",
               ns.inspections AS "inspections?", ns.regulation AS "regulation?",
               ns.reminders AS "reminders?", ns.quiet_from AS "quiet_from?",
               ns.quiet_until AS "quiet_until?", ns.time_zone AS "time_zone?",
               ns.telegram_user_id IS NOT NULL AS "has_row!"
        FROM documents d
        JOIN accounts a ON a.telegram_user_id = d.owner_id
        LEFT JOIN chats c ON c.id = d.owner_id
        LEFT JOIN notification_settings ns ON ns.telegram_user_id = d.owner_id
        WHERE a.step = 'active' AND d.deleted_at IS NULL AND c.unreachable_since IS NULL
          AND COALESCE(ns.reminders, true)
          AND d.valid_until >= $1
          AND (d.valid_until <= $2 OR (d.kind = 'accreditation' AND d.valid_until <= $3))
        ORDER BY d.id
        "#,
        today,
        documents_until,
        accreditation_until,
    )
    .fetch_all(db)
    .await?;
    for row in documents {
        let settings = Settings::from_columns(
            row.inspections,
            row.regulation,
            row.reminders,
            row.quiet_from,
            row.quiet_until,
            row.time_zone,
            row.has_row,
        );
        if !settings.allows(Category::Reminders) {
            continue;
        }
        let Some(kind) = DocumentKind::parse(&row.kind) else {
            continue;
        };
        let notification = if kind == DocumentKind::Accreditation {
            accreditation_reminder(row.owner_id, row.valid_until, &settings, today, now)
        } else {
            document_threshold(row.valid_until, today).map(|threshold| {
                let days = (row.valid_until - today).num_days();
                let mut notification = Notification::new(
                    row.owner_id.private_chat(),
                    Kind::DocumentExpiring,
                    document_payload(kind, days, row.valid_until),
                );
                notification.not_before = settings.release_at(now);
                notification.dedup_key = Some(format!("document:{}:{threshold}", row.id));
                notification
            })
        };
        if let Some(notification) = notification {
            let key = notification.dedup_key.clone().unwrap_or_default();
            due.entry(key).or_insert(notification);
        }
    }

    let register = sqlx::query!(
        r#"
        SELECT a.telegram_user_id AS "user_id: UserId",
               r.accreditation_valid_until AS "valid_until!",
               ns.inspections AS "inspections?", ns.regulation AS "regulation?",
               ns.reminders AS "reminders?", ns.quiet_from AS "quiet_from?",
               ns.quiet_until AS "quiet_until?", ns.time_zone AS "time_zone?",
               ns.telegram_user_id IS NOT NULL AS "has_row!"
        FROM accounts a
        JOIN registry_entries r ON r.snils_index = a.snils_index
        LEFT JOIN chats c ON c.id = a.telegram_user_id
        LEFT JOIN notification_settings ns ON ns.telegram_user_id = a.telegram_user_id
        WHERE a.step = 'active' AND a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
          AND c.unreachable_since IS NULL
          AND COALESCE(ns.reminders, true)
          AND r.accreditation_valid_until BETWEEN $1 AND $2
        ORDER BY a.telegram_user_id
        "#,
        today,
        accreditation_until,
    )
    .fetch_all(db)
    .await?;
    for row in register {
        let settings = Settings::from_columns(
            row.inspections,
            row.regulation,
            row.reminders,
            row.quiet_from,
            row.quiet_until,
            row.time_zone,
            row.has_row,
        );
        if !settings.allows(Category::Reminders) {
            continue;
        }
        if let Some(notification) =
            accreditation_reminder(row.user_id, row.valid_until, &settings, today, now)
        {
            let key = notification.dedup_key.clone().unwrap_or_default();
            due.entry(key).or_insert(notification);
        }
    }

    let due: Vec<Notification> = due.into_values().collect();
    let mut tx = db.begin().await?;
    let mut written = 0;
    for chunk in due.chunks(CHUNK) {
        written += outbox::enqueue_many(&mut tx, chunk, now).await?;
    }
    tx.commit().await?;
    Ok(usize::try_from(written).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;
    use crate::audience::fixtures::*;

    fn today() -> NaiveDate {
        date(2026, 11, 25)
    }

    fn days(n: i64) -> NaiveDate {
        today() + chrono::Duration::days(n)
    }

    /// A document written straight into the table (its sealed columns are
    /// placeholders; reminders never open them).
    async fn document(db: &PgPool, owner: UserId, kind: &str, valid_until: NaiveDate) -> i64 {
        sqlx::query_scalar(
            r#"
            INSERT INTO documents (owner_id, kind, number, issued_on, valid_until, file_type,
                                   file_size, file_name, content, sha256, created_at)
            VALUES ($1, $2, '\x00', '2020-01-01', $3, 'pdf', 1, '\x00', '\x00',
                    sha256(convert_to($1::TEXT || $2 || $3::TEXT || random()::TEXT, 'UTF8')),
                    now())
            RETURNING id
            "#,
        )
        .bind(owner)
        .bind(kind)
        .bind(valid_until)
        .fetch_one(db)
        .await
        .unwrap()
    }

    async fn run(db: &PgPool, day: NaiveDate) -> usize {
        let now = day.and_hms_opt(9, 0, 0).unwrap().and_utc(); // 12:00 in Moscow
        enqueue_due(db, day, now).await.unwrap()
    }

    async fn rows(db: &PgPool) -> Vec<(i64, String, String, serde_json::Value, DateTime<Utc>)> {
        sqlx::query_as(
            "SELECT chat_id, kind, dedup_key, payload, available_at FROM outbox ORDER BY id",
        )
        .fetch_all(db)
        .await
        .unwrap()
    }

    #[test]
    fn document_thresholds_fall_on_90_30_and_7_days() {
        let until = date(2027, 3, 1);
        let at = |n: i64| document_threshold(until, until - chrono::Duration::days(n));
        assert_eq!(at(91), None);
        assert_eq!(at(90), Some(90));
        assert_eq!(at(89), Some(90), "caught up");
        assert_eq!(at(31), Some(90));
        assert_eq!(at(30), Some(30));
        assert_eq!(at(8), Some(30));
        assert_eq!(at(7), Some(7));
        assert_eq!(at(0), Some(7), "the last valid day");
        assert_eq!(at(-1), None, "expired");
    }

    #[test]
    fn the_accreditation_window_opens_twelve_months_before() {
        let until = date(2027, 11, 25);
        assert_eq!(accreditation_threshold(until, date(2026, 11, 24)), None);
        assert_eq!(
            accreditation_threshold(until, date(2026, 11, 25)),
            Some(WINDOW_THRESHOLD)
        );
        assert_eq!(
            accreditation_threshold(until, date(2027, 8, 1)),
            Some(WINDOW_THRESHOLD)
        );
        assert_eq!(accreditation_threshold(until, date(2027, 8, 27)), Some(90));
        assert_eq!(accreditation_threshold(until, date(2027, 11, 18)), Some(7));
        assert_eq!(accreditation_threshold(until, date(2027, 11, 26)), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_document_reminds_on_its_thresholds_only_and_once(db: PgPool) {
        add(&db, &practitioner(1)).await;
        let licence = document(&db, UserId::from_stored(1), "licence", days(91)).await;
        assert_eq!(run(&db, today()).await, 0, "91 days: not yet");
        assert_eq!(run(&db, days(1)).await, 1, "90 days");
        assert_eq!(run(&db, days(1)).await, 0, "the same day again");
        assert_eq!(run(&db, days(2)).await, 0, "89 days: already had the 90");
        assert_eq!(run(&db, days(61)).await, 1, "30 days");
        assert_eq!(run(&db, days(84)).await, 1, "7 days");
        assert_eq!(run(&db, days(91)).await, 0, "the last day: had the 7");
        assert_eq!(run(&db, days(92)).await, 0, "expired");

        let rows = rows(&db).await;
        let keys: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(
            keys,
            [
                format!("document:{licence}:90"),
                format!("document:{licence}:30"),
                format!("document:{licence}:7"),
            ]
        );
        let payload = &rows[0].3;
        assert!(matches!(
            Payload::read(payload).unwrap().push,
            Push::DocumentExpiring { days: 90, .. }
        ));
        assert_eq!(payload["args"]["kind"], "licence");
        assert_eq!(payload["args"]["days"], 90);
        assert_eq!(
            payload["args"]["date"],
            days(91).format("%d.%m.%Y").to_string()
        );
        assert_eq!(rows[1].3["args"]["days"], 30);
        assert_eq!(rows[0].1, "document_expiring");
        let args: Vec<&String> = payload["args"].as_object().unwrap().keys().collect();
        assert_eq!(args, ["date", "days", "kind"], "nothing else, no number");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_missed_threshold_is_caught_up_once_and_never_two_at_a_time(db: PgPool) {
        add(&db, &practitioner(1)).await;
        document(&db, UserId::from_stored(1), "other", days(89)).await;
        document(&db, UserId::from_stored(1), "licence", days(20)).await;
        document(
            &db,
            UserId::from_stored(1),
            "employer_confirmation",
            days(3),
        )
        .await;
        document(&db, UserId::from_stored(1), "licence", days(-1)).await;
        assert_eq!(run(&db, today()).await, 3, "one each, expired none");
        let days_left: Vec<i64> = rows(&db)
            .await
            .iter()
            .map(|r| r.3["args"]["days"].as_i64().unwrap())
            .collect();
        assert_eq!(days_left, [89, 20, 3]);
        let keys: Vec<String> = rows(&db).await.into_iter().map(|r| r.2).collect();
        assert!(keys[0].ends_with(":90") && keys[1].ends_with(":30") && keys[2].ends_with(":7"));
        assert_eq!(run(&db, days(1)).await, 0);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn deleted_documents_inactive_accounts_and_switched_off_get_nothing(db: PgPool) {
        add(&db, &practitioner(1)).await;
        add(
            &db,
            &Practitioner {
                step: "second_factor",
                ..practitioner(2)
            },
        )
        .await;
        add(&db, &practitioner(3)).await;
        add(
            &db,
            &Practitioner {
                unreachable: true,
                ..practitioner(4)
            },
        )
        .await;
        let deleted = document(&db, UserId::from_stored(1), "licence", days(30)).await;
        sqlx::query("UPDATE documents SET deleted_at = now() WHERE id = $1")
            .bind(deleted)
            .execute(&db)
            .await
            .unwrap();
        document(&db, UserId::from_stored(1), "diploma", days(30)).await;
        for owner in [2, 3, 4].map(UserId::from_stored) {
            document(&db, owner, "licence", days(30)).await;
        }
        settings(&db, 3, |s| s.reminders = false).await;
        assert_eq!(run(&db, today()).await, 1);
        assert_eq!(rows(&db).await[0].0, 1);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn quiet_hours_hold_a_reminder_until_morning(db: PgPool) {
        add(&db, &practitioner(1)).await;
        add(&db, &practitioner(2)).await;
        settings(&db, 2, |s| s.quiet_hours = None).await;
        document(&db, UserId::from_stored(1), "licence", days(30)).await;
        document(&db, UserId::from_stored(2), "licence", days(30)).await;
        let night = at("2026-11-25T20:30:00Z"); // 23:30 in Moscow
        assert_eq!(enqueue_due(&db, today(), night).await.unwrap(), 2);
        let rows = rows(&db).await;
        assert_eq!(rows[0].4, at("2026-11-26T05:00:00Z"), "08:00 in Moscow");
        assert_eq!(rows[1].4, night);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_accreditation_reminds_from_its_window_and_once_for_one_date(db: PgPool) {
        // The register and the uploaded extract give the same date.
        let until = date(2027, 11, 1);
        add(
            &db,
            &Practitioner {
                accreditation_valid_until: Some(until),
                ..practitioner(1)
            },
        )
        .await;
        document(&db, UserId::from_stored(1), "accreditation", until).await;
        // The register only, an unconfirmed applicant's: not theirs to know.
        add(
            &db,
            &Practitioner {
                accreditation_valid_until: Some(until),
                confirmed: false,
                ..practitioner(2)
            },
        )
        .await;

        assert_eq!(run(&db, date(2026, 10, 31)).await, 0, "before the window");
        assert_eq!(run(&db, date(2026, 11, 1)).await, 1, "the window opens");
        assert_eq!(run(&db, date(2026, 11, 2)).await, 0);
        assert_eq!(run(&db, date(2027, 8, 3)).await, 1, "90 days");
        assert_eq!(run(&db, date(2027, 10, 2)).await, 1, "30 days");
        assert_eq!(run(&db, date(2027, 10, 25)).await, 1, "7 days");
        assert_eq!(run(&db, date(2027, 11, 2)).await, 0, "expired");

        let rows = rows(&db).await;
        let keys: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(
            keys,
            [
                "accreditation:1:2027-11-01:365",
                "accreditation:1:2027-11-01:90",
                "accreditation:1:2027-11-01:30",
                "accreditation:1:2027-11-01:7",
            ]
        );
        assert!(
            rows.iter()
                .all(|r| r.0 == 1 && r.1 == "accreditation_expiring")
        );
        assert!(matches!(
            Payload::read(&rows[0].3).unwrap().push,
            Push::AccreditationWindow { .. }
        ));
        assert_eq!(rows[0].3["args"]["days"], 365);
        assert_eq!(rows[0].3["args"]["date"], "01.11.2027");
        assert!(matches!(
            Payload::read(&rows[1].3).unwrap().push,
            Push::AccreditationExpiring { .. }
        ));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_renewed_accreditation_in_the_register_reminds_for_the_old_document_apart(
        db: PgPool,
    ) {
        add(
            &db,
            &Practitioner {
                accreditation_valid_until: Some(days(60)),
                ..practitioner(1)
            },
        )
        .await;
        let document_only = document(&db, UserId::from_stored(1), "accreditation", days(20)).await;
        assert!(document_only > 0);
        assert_eq!(run(&db, today()).await, 2);
        let keys: Vec<String> = rows(&db).await.into_iter().map(|r| r.2).collect();
        assert_eq!(
            keys,
            [
                format!("accreditation:1:{}:30", days(20)),
                format!("accreditation:1:{}:90", days(60)),
            ]
        );
    }
}
