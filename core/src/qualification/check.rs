//! «Запросить проверку»: an operator confirms the education records.
//!
//! Owns the table `education_check_records` and the column
//! `qualification_records.confirmed_at`. An application of
//! [`Kind::EducationCheck`] covers the practitioner's records that are not
//! confirmed yet, each as it was when the check was submitted (its
//! `updated_at`); the certificates attached to them are the documents the
//! application cites, so the operator's card opens them like any other.
//! A resubmission (after the operator asked for more) covers the records
//! as they are then.
//!
//! An approval confirms the covered records that are unchanged since:
//! one changed meanwhile was not what the operator saw. Any later change
//! of a record clears its confirmation ([`super::store`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::store::{self, QualificationRecord, StoreError};
use crate::UserId;
use crate::applications::{self, Application, ApplicationError, Kind, Status};
use crate::crypto::Vault;

/// Opens an education check of the practitioner's unconfirmed records and
/// submits it. Refused: nothing to check ([`ApplicationError::NothingToCheck`]:
/// no records, or all confirmed), a check already open
/// ([`ApplicationError::AlreadyOpen`]).
pub async fn request(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    now: DateTime<Utc>,
) -> Result<Application, ApplicationError> {
    // Said before a number is taken: an empty check is not worth one.
    if unconfirmed(db, owner_id).await?.records == 0 {
        return Err(ApplicationError::NothingToCheck);
    }
    let id = match applications::create(db, vault, owner_id, Kind::EducationCheck, now).await {
        Ok(app) => app.id,
        // A check left as a draft (its submission failed) or sent back for
        // more is sent (again) rather than refused.
        Err(ApplicationError::AlreadyOpen { id, number }) => {
            let open = applications::get(db, vault, owner_id, id).await?;
            if !applications::may_submit(open.status) {
                return Err(ApplicationError::AlreadyOpen { id, number });
            }
            id
        }
        Err(error) => return Err(error),
    };
    applications::submit(db, vault, owner_id, id, now).await
}

/// The practitioner's records a check would cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unconfirmed {
    pub records: u64,
    /// Of them, with no certificate attached: harder to check.
    pub without_certificate: u64,
}

/// How many of the practitioner's records are not confirmed.
pub async fn unconfirmed(db: &PgPool, owner_id: UserId) -> Result<Unconfirmed, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT count(*) AS "records!",
               count(*) FILTER (WHERE document_id IS NULL) AS "without_certificate!"
        FROM qualification_records
        WHERE owner_id = $1 AND confirmed_at IS NULL
        "#,
        owner_id.get(),
    )
    .fetch_one(db)
    .await?;
    // Counts are never negative.
    Ok(Unconfirmed {
        records: u64::try_from(row.records).unwrap_or(0),
        without_certificate: u64::try_from(row.without_certificate).unwrap_or(0),
    })
}

/// Covers the practitioner's unconfirmed records by the check being
/// submitted (replacing what an earlier submission covered); the
/// certificates attached to them, for the application to cite. In the
/// submission's transaction.
pub(crate) async fn cover_records(
    tx: &mut PgConnection,
    owner_id: UserId,
    application_id: i64,
) -> Result<Vec<i64>, ApplicationError> {
    sqlx::query!(
        "DELETE FROM education_check_records WHERE application_id = $1",
        application_id,
    )
    .execute(&mut *tx)
    .await?;
    let covered = sqlx::query!(
        r#"
        INSERT INTO education_check_records (application_id, record_id, record_version)
        SELECT $1, id, updated_at FROM qualification_records
        WHERE owner_id = $2 AND confirmed_at IS NULL
        RETURNING record_id
        "#,
        application_id,
        owner_id.get(),
    )
    .fetch_all(&mut *tx)
    .await?;
    if covered.is_empty() {
        return Err(ApplicationError::NothingToCheck);
    }
    let certificates = sqlx::query_scalar!(
        r#"
        SELECT r.document_id AS "document_id!" FROM qualification_records r
        JOIN education_check_records c ON c.record_id = r.id
        WHERE c.application_id = $1 AND r.owner_id = $2 AND r.document_id IS NOT NULL
        ORDER BY r.completed_on DESC, r.id DESC
        "#,
        application_id,
        owner_id.get(),
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(certificates)
}

/// Confirms the records an approved check covered and that are unchanged
/// since; how many. In the approval's transaction.
pub(crate) async fn confirm(
    tx: &mut PgConnection,
    owner_id: UserId,
    application_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"
        UPDATE qualification_records r SET confirmed_at = $3
        FROM education_check_records c
        WHERE c.application_id = $1 AND r.id = c.record_id AND r.owner_id = $2
          AND r.updated_at = c.record_version
        "#,
        application_id,
        owner_id.get(),
        now,
    )
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}

/// A record a check covers, as the operator's card shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Covered {
    /// The record as it is now; `None` when it was deleted since.
    pub record: Option<QualificationRecord>,
    /// Changed since the check was submitted (an approval will not
    /// confirm it).
    pub changed: bool,
}

/// The records `application` (an education check) covers, the latest
/// completed first. For the card of the operator holding the application
/// (`review::view` checked that).
pub async fn covered(
    db: &PgPool,
    vault: &Vault,
    application: &Application,
) -> Result<Vec<Covered>, StoreError> {
    let rows = sqlx::query!(
        r#"
        SELECT c.record_id, c.record_version, r.updated_at AS "updated_at?"
        FROM education_check_records c
        LEFT JOIN qualification_records r ON r.id = c.record_id AND r.owner_id = $2
        WHERE c.application_id = $1
        ORDER BY r.completed_on DESC NULLS LAST, c.record_id DESC
        "#,
        application.id,
        application.owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    // One read of the practitioner's records, not one per covered row.
    let mut records: HashMap<i64, QualificationRecord> =
        store::list(db, vault, application.owner_id)
            .await?
            .into_iter()
            .map(|record| (record.id, record))
            .collect();
    Ok(rows
        .into_iter()
        .map(|row| Covered {
            changed: row.updated_at != Some(row.record_version),
            record: records.remove(&row.record_id),
        })
        .collect())
}

/// An education check not decided yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCheck {
    pub id: i64,
    pub number: String,
    pub status: Status,
}

/// The practitioner's education check not decided yet, if any.
pub async fn open_check(db: &PgPool, owner_id: UserId) -> Result<Option<OpenCheck>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, number, status FROM applications
        WHERE owner_id = $1 AND kind = 'education_check'
          AND status NOT IN ('approved', 'rejected')
        ORDER BY id DESC LIMIT 1
        "#,
        owner_id.get(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|row| {
        Some(OpenCheck {
            id: row.id,
            number: row.number,
            status: Status::parse(&row.status)?,
        })
    }))
}

/// Whether an operator is checking the records (a check submitted and not
/// decided): the portfolio shows the hours as «на проверке».
pub async fn in_review(db: &PgPool, owner_id: UserId) -> Result<bool, sqlx::Error> {
    Ok(open_check(db, owner_id)
        .await?
        .is_some_and(|open| open.status.awaits_review()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::{Event, Note};
    use crate::dates::test_date as date;
    use crate::history::Actor;
    use crate::qualification::entry::{Entry, EntryDraft, validate_entry};
    use crate::qualification::records::{RecordDraft, RecordKind};
    use crate::{DataKey, accounts};

    const ANNA: UserId = UserId::from_stored(601);
    const BORIS: UserId = UserId::from_stored(602);

    fn now() -> DateTime<Utc> {
        "2026-12-04T09:00:00Z".parse().unwrap()
    }

    /// The owner adds a programme of theirs; its id.
    async fn add_programme(
        db: &PgPool,
        vault: &Vault,
        owner: UserId,
        title: &str,
        hours: &str,
    ) -> i64 {
        let entry = programme(title, hours);
        let actor = Actor::Practitioner(owner);
        store::add(db, vault, owner, &entry, actor, now(), None)
            .await
            .unwrap()
    }

    fn programme(title: &str, hours: &str) -> Entry {
        let draft = EntryDraft {
            title: Some(title.into()),
            provider: Some("РМАНПО".into()),
            record: RecordDraft {
                kind: Some(RecordKind::Programme),
                amount: Some(hours.into()),
                completed_on: Some("01.03.2025".into()),
                ikp: None,
            },
        };
        validate_entry(&draft, date(2026, 12, 4)).unwrap()
    }

    /// An operator's step on the check, as `review` takes it.
    async fn operator(db: &PgPool, vault: &Vault, id: i64, events: Vec<Event>) -> Application {
        let mut tx = db.begin().await.unwrap();
        let mut app = applications::lock(&mut tx, vault, id)
            .await
            .unwrap()
            .unwrap();
        for event in events {
            app = applications::apply(&mut tx, vault, &app, event, None, Actor::System, now())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        app
    }

    async fn confirmed(db: &PgPool, vault: &Vault, owner: UserId) -> Vec<(String, bool)> {
        store::list(db, vault, owner)
            .await
            .unwrap()
            .into_iter()
            .map(|record| (record.entry.title().to_owned(), record.confirmed))
            .collect()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_approved_check_confirms_what_the_operator_saw(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        for user in [ANNA, BORIS] {
            accounts::open(&db, user, now()).await.unwrap();
        }
        // Nothing to check yet: no number is taken for nothing.
        let nothing = request(&db, &vault, ANNA, now()).await;
        assert!(matches!(nothing, Err(ApplicationError::NothingToCheck)));
        assert!(open_check(&db, ANNA).await.unwrap().is_none());

        let actor = Actor::Practitioner(ANNA);
        let kept = add_programme(&db, &vault, ANNA, "Кардиология", "36").await;
        let changed = add_programme(&db, &vault, ANNA, "Пульмонология", "18").await;
        add_programme(&db, &vault, BORIS, "Хирургия", "72").await;

        let app = request(&db, &vault, ANNA, now()).await.unwrap();
        assert_eq!(app.kind, Kind::EducationCheck);
        assert_eq!(app.status, Status::Submitted);
        assert!(app.number.starts_with("Н-2026-"), "{}", app.number);
        let open = open_check(&db, ANNA).await.unwrap().expect("open");
        assert_eq!((open.id, open.status), (app.id, Status::Submitted));
        assert!(in_review(&db, ANNA).await.unwrap());
        // One at a time.
        let again = request(&db, &vault, ANNA, now()).await;
        assert!(matches!(again, Err(ApplicationError::AlreadyOpen { id, .. }) if id == app.id));

        // Boris's record is not Anna's check's.
        let covered_now = covered(&db, &vault, &app).await.unwrap();
        assert_eq!(covered_now.len(), 2);
        assert!(covered_now.iter().all(|c| !c.changed && c.record.is_some()));

        // Anna changes one record while the operator looks.
        let later = now() + chrono::Duration::minutes(5);
        store::update(
            &db,
            &vault,
            ANNA,
            changed,
            &programme("Пульмонология", "24"),
            actor,
            later,
        )
        .await
        .unwrap();
        let covered_now = covered(&db, &vault, &app).await.unwrap();
        let flagged: Vec<i64> = covered_now
            .iter()
            .filter(|c| c.changed)
            .filter_map(|c| c.record.as_ref().map(|r| r.id))
            .collect();
        assert_eq!(flagged, [changed]);

        operator(
            &db,
            &vault,
            app.id,
            vec![Event::TakeForReview, Event::Approve],
        )
        .await;
        assert_eq!(
            confirmed(&db, &vault, ANNA).await,
            // Newest first: the same day, the later entered first.
            [
                ("Пульмонология".to_owned(), false),
                ("Кардиология".to_owned(), true),
            ]
        );
        assert_eq!(
            confirmed(&db, &vault, BORIS).await,
            [("Хирургия".to_owned(), false)]
        );
        assert_eq!(unconfirmed(&db, ANNA).await.unwrap().records, 1);

        // A change clears a confirmation: attaching nothing is a change too.
        store::attach_document(&db, &vault, ANNA, kept, None, actor, later)
            .await
            .unwrap();
        assert_eq!(unconfirmed(&db, ANNA).await.unwrap().records, 2);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_check_sent_back_covers_the_records_as_they_are_when_resent(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        accounts::open(&db, ANNA, now()).await.unwrap();
        add_programme(&db, &vault, ANNA, "Кардиология", "36").await;
        let app = request(&db, &vault, ANNA, now()).await.unwrap();
        let asked = Event::RequestDocuments(Note::parse("Приложите удостоверение").unwrap());
        operator(&db, &vault, app.id, vec![Event::TakeForReview, asked]).await;

        add_programme(&db, &vault, ANNA, "Неврология", "36").await;
        // The same button sends it again rather than refusing.
        let resent = request(&db, &vault, ANNA, now()).await.unwrap();
        assert_eq!(resent.id, app.id);
        assert_eq!(resent.status, Status::Submitted);
        assert_eq!(covered(&db, &vault, &resent).await.unwrap().len(), 2);
    }
}
