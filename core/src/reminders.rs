//! Reminders before a document or the accreditation runs out.
//!
//! Owns no table: [`enqueue_due`] reads `documents`, `accounts`,
//! `registry_entries`, `report_agreements`, `chats` and
//! `notification_settings` (read-only, one query for documents and one for
//! the accreditations) and writes outbox rows. A daily scheduler calls it;
//! it may run any number of times a day.
//!
//! - A document with an end date, other than an accreditation: 90, 30 and
//!   7 days before, dedup key `document:{id}:{days}`. If a threshold's day
//!   was missed (the server was down), the nearest threshold reached is
//!   sent on the next run, with the real number of days left; never two
//!   thresholds in one run, nothing for what has run out already.
//! - The accreditation in force ([`qualification::current`]: the register's
//!   date for a linked, confirmed practitioner, or an accreditation
//!   document on file, whichever lasts longer; an older accreditation it
//!   replaced reminds no more): the thresholds of
//!   [`qualification::THRESHOLDS`] — 12, 6, 3, 2 months, and 1 month
//!   flagged late — chosen by [`qualification::due`], which fires each once
//!   and, after a jump past several, only the latest. Dedup key
//!   `accreditation:{user}:{valid_until}:{12m|6m|…}`: the document and the
//!   register stating one date remind once, and a renewed accreditation
//!   (a new date) starts afresh. What was sent is read back from the
//!   outbox's remembered keys ([`outbox::written_keys`]), the keys of the
//!   previous version's reminders (365, 90, 30, 7 days) included
//!   ([`LEGACY_KEYS`]), so an upgrade sends nobody a reminder they had in
//!   other words. The push says what to do now (collect, file this month,
//!   late) with the month to file in, from [`qualification::status`] and
//!   the practitioner's word on their report.
//!
//! The dedup keys live in the outbox: they must be kept at least as long
//! as the longest threshold (a year) for this to hold (retention keeps
//! them 400 days).
//!
//! A practitioner who switched reminders off gets none; quiet hours hold
//! them until morning. The push names the kind of document, the date and
//! the days left — never its number or anything else that identifies the
//! person.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use sqlx::PgPool;

use crate::UserId;
use crate::accreditation;
use crate::audience::settings_of;
use crate::broadcasts::CHUNK;
use crate::documents::DocumentKind;
use crate::notification_settings::Settings;
use crate::outbox::{self, Category, Kind, Notification, Payload, Push};
use crate::qualification::{
    self, AccreditationDocument, CurrentAccreditation, Known, RegisterAccreditation, Stage,
    THRESHOLDS, Threshold,
};

/// Days before a document's end date when a reminder goes, farthest first.
pub const DOCUMENT_DAYS: [i64; 3] = [90, 30, 7];

/// The previous version's accreditation reminders, by the days in their
/// dedup keys, and the threshold of today's table each stands for: the
/// window's opening was the twelve months; 90 days, about three months;
/// 30 and 7 days, the last month. A practitioner who had one is not told
/// it again, nor anything it covers.
pub const LEGACY_KEYS: [(i64, u32); 4] = [(365, 12), (90, 3), (30, 1), (7, 1)];

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

fn document_payload(kind: DocumentKind, days: i64, valid_until: NaiveDate) -> Payload {
    Payload::new(Push::DocumentExpiring {
        kind,
        days,
        date: valid_until,
    })
}

/// The dedup key of an accreditation threshold.
fn accreditation_key(user: UserId, valid_until: NaiveDate, threshold: Threshold) -> String {
    format!("accreditation:{user}:{valid_until}:{}", threshold.key())
}

/// Every key that, once written, means `threshold` (or one it covers) was
/// told: today's and the previous version's.
fn keys_covering(user: UserId, valid_until: NaiveDate) -> Vec<(String, Threshold)> {
    let today = THRESHOLDS
        .into_iter()
        .map(|threshold| (accreditation_key(user, valid_until, threshold), threshold));
    let legacy = LEGACY_KEYS.into_iter().filter_map(|(days, months)| {
        let threshold = THRESHOLDS.into_iter().find(|t| t.months == months)?;
        Some((
            format!("accreditation:{user}:{valid_until}:{days}"),
            threshold,
        ))
    });
    today.chain(legacy).collect()
}

/// A practitioner whose accreditation may be reminded today.
struct Candidate {
    user: UserId,
    accreditation: CurrentAccreditation,
    settings: Settings,
}

/// The reminder of `threshold` for a candidate, worded for the stage the
/// accreditation is at with their report.
fn accreditation_reminder(
    candidate: &Candidate,
    threshold: Threshold,
    report: qualification::ReportAgreement,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Notification {
    let status = qualification::status(candidate.accreditation, report, today);
    let valid_until = status.period.valid_until();
    // The table's last threshold is late whatever the calendar says.
    let stage = if threshold.late {
        Stage::Late
    } else {
        status.stage
    };
    let mut notification = Notification::new(
        candidate.user.private_chat(),
        Kind::AccreditationExpiring,
        Payload::new(Push::AccreditationReminder {
            months: threshold.months,
            days: status.days_left,
            date: valid_until,
            stage,
            filing: status.filing_month,
        }),
    );
    notification.not_before = candidate.settings.release_at(now);
    notification.dedup_key = Some(accreditation_key(candidate.user, valid_until, threshold));
    notification
}

/// Writes every reminder due `today` (Moscow) not written before. Returns
/// how many rows were written.
pub async fn enqueue_due(
    db: &PgPool,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let mut due = document_reminders(db, today, now).await?;
    due.extend(accreditation_reminders(db, today, now).await?);
    let mut tx = db.begin().await?;
    let mut written = 0;
    for chunk in due.chunks(CHUNK) {
        written += outbox::enqueue_many(&mut tx, chunk, now).await?;
    }
    tx.commit().await?;
    Ok(usize::try_from(written).unwrap_or(usize::MAX))
}

/// The documents' own reminders (not the accreditation's).
async fn document_reminders(
    db: &PgPool,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Notification>, sqlx::Error> {
    let documents_until = today + Days::new(DOCUMENT_DAYS[0].unsigned_abs());
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
          AND d.kind <> 'accreditation'
          AND d.valid_until BETWEEN $1 AND $2
        ORDER BY d.id
        "#,
        today,
        documents_until,
    )
    .fetch_all(db)
    .await?;
    let mut due = Vec::new();
    for row in documents {
        let settings = settings_of!(row);
        if !settings.allows(Category::Reminders) {
            continue;
        }
        let Some(kind) = DocumentKind::parse(&row.kind) else {
            continue;
        };
        if let Some(threshold) = document_threshold(row.valid_until, today) {
            let days = (row.valid_until - today).num_days();
            let mut notification = Notification::new(
                row.owner_id.private_chat(),
                Kind::DocumentExpiring,
                document_payload(kind, days, row.valid_until),
            );
            notification.not_before = settings.release_at(now);
            notification.dedup_key = Some(format!("document:{}:{threshold}", row.id));
            due.push(notification);
        }
    }
    Ok(due)
}

/// The practitioners whose accreditation in force ends within the table's
/// farthest threshold (and has not ended), with what the rules need.
async fn accreditation_candidates(
    db: &PgPool,
    today: NaiveDate,
) -> Result<Vec<Candidate>, sqlx::Error> {
    // A day more than the farthest threshold: twelve months before a
    // 29 February is the 28th.
    let farthest = THRESHOLDS
        .into_iter()
        .map(|threshold| threshold.months)
        .max()
        .unwrap_or(12);
    let until = today
        .checked_add_months(Months::new(farthest))
        .and_then(|date| date.checked_add_days(Days::new(1)))
        .unwrap_or(NaiveDate::MAX);
    // Every date of every active practitioner, grouped; only those whose
    // latest date is in range come back (the one in force is the latest,
    // and `qualification::current` picks it from what is returned).
    let rows = sqlx::query!(
        r#"
        WITH dates AS (
            SELECT d.owner_id AS user_id, d.issued_on, d.valid_until AS "valid_until"
            FROM documents d
            WHERE d.kind = 'accreditation' AND d.deleted_at IS NULL
              AND d.valid_until IS NOT NULL
            UNION ALL
            SELECT a.telegram_user_id, NULL, r.accreditation_valid_until
            FROM accounts a JOIN registry_entries r ON r.snils_index = a.snils_index
            WHERE a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
              AND r.accreditation_valid_until IS NOT NULL
        ),
        grouped AS (
            SELECT user_id,
                   max(valid_until) FILTER (WHERE issued_on IS NULL) AS register_until,
                   array_remove(array_agg(issued_on ORDER BY issued_on, valid_until), NULL)
                       AS issued,
                   array_remove(array_agg(CASE WHEN issued_on IS NOT NULL THEN valid_until END
                                          ORDER BY issued_on, valid_until), NULL) AS until
            FROM dates GROUP BY user_id
            HAVING max(valid_until) BETWEEN $1 AND $2
        )
        SELECT g.user_id AS "user_id!: UserId", g.register_until,
               g.issued AS "issued!", g.until AS "until!",
               ns.inspections AS "inspections?", ns.regulation AS "regulation?",
               ns.reminders AS "reminders?", ns.quiet_from AS "quiet_from?",
               ns.quiet_until AS "quiet_until?", ns.time_zone AS "time_zone?",
               ns.telegram_user_id IS NOT NULL AS "has_row!"
        FROM grouped g
        JOIN accounts a ON a.telegram_user_id = g.user_id
        LEFT JOIN chats c ON c.id = g.user_id
        LEFT JOIN notification_settings ns ON ns.telegram_user_id = g.user_id
        WHERE a.step = 'active' AND c.unreachable_since IS NULL
          AND COALESCE(ns.reminders, true)
        ORDER BY g.user_id
        "#,
        today,
        until,
    )
    .fetch_all(db)
    .await?;
    let mut candidates = Vec::new();
    for row in rows {
        let settings = settings_of!(row);
        if !settings.allows(Category::Reminders) {
            continue;
        }
        let register = RegisterAccreditation {
            has_number: false,
            valid_until: row.register_until,
        };
        let documents: Vec<AccreditationDocument> = row
            .issued
            .iter()
            .zip(&row.until)
            .map(|(&issued_on, &valid_until)| AccreditationDocument {
                issued_on,
                valid_until,
            })
            .collect();
        if let Known::Accreditation(accreditation) = qualification::current(register, &documents) {
            candidates.push(Candidate {
                user: row.user_id,
                accreditation,
                settings,
            });
        }
    }
    Ok(candidates)
}

/// The accreditation reminders due today, each threshold once.
async fn accreditation_reminders(
    db: &PgPool,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Notification>, sqlx::Error> {
    let candidates = accreditation_candidates(db, today).await?;
    let mut due = Vec::new();
    for chunk in candidates.chunks(CHUNK / 8) {
        // What each was told already, for `qualification::due`.
        let covering: Vec<Vec<(String, Threshold)>> = chunk
            .iter()
            .map(|c| keys_covering(c.user, c.accreditation.period.valid_until()))
            .collect();
        let keys: Vec<String> = covering
            .iter()
            .flatten()
            .map(|(key, _)| key.clone())
            .collect();
        let written = outbox::written_keys(db, &keys).await?;
        let users: Vec<UserId> = chunk.iter().map(|c| c.user).collect();
        let reports = accreditation::report_agreements(db, &users).await?;
        for (candidate, covering) in chunk.iter().zip(covering) {
            let sent: Vec<Threshold> = covering
                .into_iter()
                .filter(|(key, _)| written.contains(key))
                .map(|(_, threshold)| threshold)
                .collect();
            let valid_until = candidate.accreditation.period.valid_until();
            if let Some(threshold) = qualification::due(valid_until, today, &sent) {
                let report = reports.of(candidate.user);
                due.push(accreditation_reminder(
                    candidate, threshold, report, today, now,
                ));
            }
        }
    }
    Ok(due)
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

    fn pushed(row: &(i64, String, String, serde_json::Value, DateTime<Utc>)) -> Push {
        Payload::read(&row.3).unwrap().push
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_accreditation_reminds_at_each_threshold_once_for_one_date(db: PgPool) {
        // The register and the uploaded extract give the same date.
        let until = date(2027, 11, 1);
        add_accredited(&db, 1, until).await;
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

        assert_eq!(run(&db, date(2026, 10, 31)).await, 0, "before 12 months");
        assert_eq!(run(&db, date(2026, 11, 1)).await, 1, "12 months");
        assert_eq!(run(&db, date(2026, 11, 2)).await, 0);
        assert_eq!(run(&db, date(2027, 4, 30)).await, 0);
        assert_eq!(run(&db, date(2027, 5, 1)).await, 1, "6 months");
        assert_eq!(run(&db, date(2027, 8, 1)).await, 1, "3 months");
        assert_eq!(run(&db, date(2027, 8, 1)).await, 0, "the same day again");
        assert_eq!(run(&db, date(2027, 9, 1)).await, 1, "2 months");
        assert_eq!(run(&db, date(2027, 10, 1)).await, 1, "1 month");
        assert_eq!(run(&db, date(2027, 10, 31)).await, 0);
        assert_eq!(run(&db, date(2027, 11, 2)).await, 0, "expired");

        let rows = rows(&db).await;
        let keys: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(
            keys,
            [
                "accreditation:1:2027-11-01:12m",
                "accreditation:1:2027-11-01:6m",
                "accreditation:1:2027-11-01:3m",
                "accreditation:1:2027-11-01:2m",
                "accreditation:1:2027-11-01:1m",
            ]
        );
        assert!(
            rows.iter()
                .all(|r| r.0 == 1 && r.1 == "accreditation_expiring")
        );
        // Not said of the report: filed three months before November,
        // in August.
        let stages: Vec<(u32, Stage)> = rows
            .iter()
            .map(|row| match pushed(row) {
                Push::AccreditationReminder {
                    months,
                    stage,
                    filing,
                    date: pushed_until,
                    ..
                } => {
                    assert_eq!((filing.year(), filing.month()), (2027, 8));
                    assert_eq!(pushed_until, until);
                    (months, stage)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            stages,
            [
                (12, Stage::Collecting),
                (6, Stage::Collecting),
                (3, Stage::FilingMonth),
                (2, Stage::Late),
                (1, Stage::Late),
            ]
        );
        assert_eq!(
            rows[0].3["args"],
            serde_json::json!({"months": 12, "days": 365, "date": "01.11.2027",
                "stage": "collecting", "filing": "08.2027"}),
            "as stored: nothing else, no number"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_jump_past_several_thresholds_reminds_the_latest_only(db: PgPool) {
        let until = date(2027, 11, 1);
        add_accredited(&db, 1, until).await;
        sqlx::query("INSERT INTO report_agreements VALUES (1, true, now())")
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(run(&db, date(2027, 9, 15)).await, 1, "past 12, 6, 3 and 2");
        assert_eq!(run(&db, date(2027, 5, 2)).await, 0, "the clock set back");
        assert_eq!(run(&db, date(2027, 9, 16)).await, 0);
        let rows = rows(&db).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].2, "accreditation:1:2027-11-01:2m");
        assert!(
            matches!(
                pushed(&rows[0]),
                Push::AccreditationReminder {
                    months: 2,
                    days: 47,
                    stage: Stage::FilingMonth,
                    ..
                }
            ),
            "agreed: September is the month to file: {:?}",
            pushed(&rows[0])
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_accreditation_reminder_waits_for_the_end_of_quiet_hours(db: PgPool) {
        add_accredited(&db, 1, date(2027, 11, 25)).await;
        let night = at("2026-11-25T20:30:00Z"); // 23:30 in Moscow
        assert_eq!(enqueue_due(&db, today(), night).await.unwrap(), 1);
        assert_eq!(rows(&db).await[0].4, at("2026-11-26T05:00:00Z"), "08:00");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_previous_versions_reminders_count_as_sent(db: PgPool) {
        let until = date(2027, 11, 1);
        add_accredited(&db, 1, until).await;
        // The window's push and the 90 days' went out before the upgrade.
        for days in [365, 90] {
            sqlx::query(
                "INSERT INTO outbox_dedup (key, chat_id, created_at) VALUES ($1, 1, now())",
            )
            .bind(format!("accreditation:1:2027-11-01:{days}"))
            .execute(&db)
            .await
            .unwrap();
        }
        assert_eq!(
            run(&db, date(2027, 8, 10)).await,
            0,
            "3 months: had the 90 days"
        );
        assert_eq!(run(&db, date(2027, 9, 1)).await, 1, "2 months");
        assert_eq!(rows(&db).await[0].2, "accreditation:1:2027-11-01:2m");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn only_the_accreditation_in_force_reminds(db: PgPool) {
        // Renewed in the register; the old extract is still on file.
        add_accredited(&db, 1, days(60)).await;
        document(&db, UserId::from_stored(1), "accreditation", days(20)).await;
        // One practitioner with an extract only, one renewed far ahead.
        add(
            &db,
            &Practitioner {
                accreditation_valid_until: None,
                ..practitioner(2)
            },
        )
        .await;
        document(&db, UserId::from_stored(2), "accreditation", days(100)).await;
        add_accredited(&db, 3, days(1500)).await;
        document(&db, UserId::from_stored(3), "accreditation", days(10)).await;
        assert_eq!(run(&db, today()).await, 2);
        let keys: Vec<String> = rows(&db).await.into_iter().map(|r| r.2).collect();
        assert_eq!(
            keys,
            [
                format!("accreditation:1:{}:2m", days(60)),
                format!("accreditation:2:{}:6m", days(100)),
            ]
        );
    }
}
