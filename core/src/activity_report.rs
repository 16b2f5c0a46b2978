//! The practitioner's report on professional activity for the five-year
//! period, as they write it part by part (the rules are
//! [`crate::qualification::report`]).
//!
//! Owns the table `activity_report_answers`: one row per part answered
//! (sealed, bound to the owner and the part) or skipped, written after
//! every answer in the transaction of its history version (entity
//! `activity_report`, whose id is the owner's; the snapshot is the whole
//! report). Whether the report is agreed with the employer is not kept
//! here: it is `report_agreements` (`crate::accreditation`), the one fact
//! that also moves the filing month, written from the report's mode and
//! from the accreditation screen alike.
//!
//! Submitted as an application of kind «О» ([`Kind::ActivityReport`]) for
//! an operator to check; while it awaits review the report cannot be
//! changed, so the operator reads what was sent. Nothing here marks the
//! report agreed or signed: that is the employer's pen.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::PgPool;

use crate::applications::{self, Application, ApplicationError, Kind, Status};
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::history::{self, Action, Actor, Change, Entity, HistoryError};
use crate::qualification::report::{self, Answer, Answers, PartState, ReportPart};
use crate::qualification::{ReportAgreement, ReportState};
use crate::registry::Registry;
use crate::{UserId, accounts, accreditation, profile};

pub const ANSWER_FIELD: &str = "activity_report_answers.answer";

fn row_key(owner_id: UserId, part: ReportPart) -> RowKey {
    RowKey::id(owner_id.get()).and_text(part.as_str())
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("an answer does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error("history: {0}")]
    History(#[from] HistoryError),
    #[error("application: {0}")]
    Application(#[from] ApplicationError),
    #[error("a stored part does not parse")]
    Corrupt,
    /// A required part cannot be skipped (a forged button).
    #[error("this part cannot be skipped")]
    NotOptional,
    /// Submitted and awaiting an operator's check: not to be changed
    /// until it is decided.
    #[error("the report is in review as {number}")]
    InReview { number: String },
    /// Not every required part is answered.
    #[error("parts missing: {0:?}")]
    Unfinished(Vec<ReportPart>),
    #[error("the practitioner has no account")]
    NoAccount,
    #[error("profile: {0}")]
    Profile(#[from] profile::ProfileError),
    #[error("account: {0}")]
    Account(#[from] accounts::AccountError),
}

/// The answers given so far.
pub async fn answers(db: &PgPool, vault: &Vault, owner_id: UserId) -> Result<Answers, ReportError> {
    let rows = sqlx::query!(
        "SELECT part, answer FROM activity_report_answers WHERE owner_id = $1",
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    let mut answers = Answers::default();
    for row in rows {
        let part = ReportPart::parse(&row.part).ok_or(ReportError::Corrupt)?;
        let state = match row.answer {
            Some(sealed) => PartState::Answered(Answer::stored(vault.open_str(
                ANSWER_FIELD,
                &row_key(owner_id, part),
                &sealed,
            )?)),
            None => PartState::Skipped,
        };
        answers.set(part, state);
    }
    Ok(answers)
}

/// The same, for an operator reviewing the report's application (the
/// caller has checked the reader, as every `*_for_review` read).
pub async fn answers_for_review(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Answers, ReportError> {
    answers(db, vault, owner_id).await
}

/// The report's application awaiting review, if one is: its number.
async fn in_review(db: &PgPool, owner_id: UserId) -> Result<Option<String>, ReportError> {
    Ok(applications::open_of(db, owner_id, Kind::ActivityReport)
        .await?
        .filter(|(_, _, status)| status.awaits_review())
        .map(|(_, number, _)| number))
}

/// Writes one part: an answer, or skipped (optional parts only). Refused
/// while the report awaits review. A version of the whole report goes to
/// history in the same transaction.
pub async fn save(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    part: ReportPart,
    state: &PartState,
    now: DateTime<Utc>,
) -> Result<(), ReportError> {
    if *state == PartState::Skipped && !part.optional() {
        return Err(ReportError::NotOptional);
    }
    if let Some(number) = in_review(db, owner_id).await? {
        return Err(ReportError::InReview { number });
    }
    let mut answers = answers(db, vault, owner_id).await?;
    let first = answers.is_empty();
    answers.set(part, state.clone());
    let sealed = match state {
        PartState::Answered(answer) => {
            Some(vault.seal_str(ANSWER_FIELD, &row_key(owner_id, part), answer.as_str()))
        }
        PartState::Skipped => None,
    };
    let mut tx = db.begin().await?;
    let written = sqlx::query!(
        r#"
        INSERT INTO activity_report_answers (owner_id, part, answer, updated_at)
        SELECT telegram_user_id, $2, $3, $4 FROM accounts WHERE telegram_user_id = $1
        ON CONFLICT (owner_id, part) DO UPDATE SET answer = EXCLUDED.answer,
            updated_at = EXCLUDED.updated_at
        "#,
        owner_id.get(),
        part.as_str(),
        sealed,
        now,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if written == 0 {
        return Err(ReportError::NoAccount);
    }
    let snapshot = snapshot(&answers);
    let change = Change {
        owner_id,
        entity: Entity::ActivityReport,
        entity_id: owner_id.get(),
        actor: Actor::Practitioner(owner_id),
        action: if first {
            Action::Created
        } else {
            Action::Updated
        },
        snapshot: &snapshot,
    };
    history::record_per_sitting(&mut tx, vault, change, now, SITTING).await?;
    tx.commit().await?;
    Ok(())
}

/// Answers given less than this apart are one sitting: one version of the
/// report in history ([`history::record_per_sitting`]).
const SITTING: chrono::Duration = chrono::Duration::minutes(30);

/// The report as history keeps it: each part said, its text or `null`
/// when skipped.
fn snapshot(answers: &Answers) -> Value {
    let mut parts = Map::new();
    for part in ReportPart::ALL {
        match answers.get(part) {
            Some(PartState::Answered(answer)) => {
                parts.insert(part.as_str().to_owned(), Value::from(answer.as_str()));
            }
            Some(PartState::Skipped) => {
                parts.insert(part.as_str().to_owned(), Value::Null);
            }
            None => {}
        }
    }
    Value::Object(parts)
}

/// Where the report stands, for the portfolio and the report's screen:
/// read without opening a sealed answer.
pub async fn state(db: &PgPool, owner_id: UserId) -> Result<ReportState, ReportError> {
    let rows = sqlx::query!(
        r#"SELECT part, answer IS NOT NULL AS "answered!" FROM activity_report_answers WHERE owner_id = $1"#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    let mut said = Vec::with_capacity(rows.len());
    for row in rows {
        let part = ReportPart::parse(&row.part).ok_or(ReportError::Corrupt)?;
        said.push((part, row.answered));
    }
    let answered = said.iter().filter(|(_, answered)| *answered).count();
    let agreement = agreement(db, owner_id).await?;
    let reviewing = in_review(db, owner_id).await?.is_some();
    Ok(report::state(
        answered,
        report::complete(&said),
        reviewing,
        agreement,
    ))
}

/// The report's mode: to be agreed with the employer, or filed without
/// (the same fact as the accreditation screen's toggle).
pub async fn agreement(db: &PgPool, owner_id: UserId) -> Result<ReportAgreement, ReportError> {
    Ok(accreditation::report_agreement(db, owner_id).await?)
}

/// Sets the report's mode; the filing month moves with it. Refused while
/// the report awaits review, like its answers: the operator decides on the
/// mode they were sent. The accreditation screen's toggle comes here too.
pub async fn set_agreement(
    db: &PgPool,
    owner_id: UserId,
    agreement: ReportAgreement,
    now: DateTime<Utc>,
) -> Result<(), ReportError> {
    if let Some(number) = in_review(db, owner_id).await? {
        return Err(ReportError::InReview { number });
    }
    if !accreditation::set_report_agreement(db, owner_id, agreement, now).await? {
        return Err(ReportError::NoAccount);
    }
    Ok(())
}

/// Submits the finished report for an operator to check: the open
/// application of kind «О» if there is one (a draft, or one the operator
/// asked more of), else a new one. Refused when a required part is
/// missing, or while it is already awaiting review.
pub async fn submit(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    now: DateTime<Utc>,
) -> Result<Application, ReportError> {
    let answers = answers(db, vault, owner_id).await?;
    if !answers.finished() {
        return Err(ReportError::Unfinished(answers.missing()));
    }
    let open = applications::open_of(db, owner_id, Kind::ActivityReport).await?;
    let id = match open {
        Some((_, number, status)) if status.awaits_review() => {
            return Err(ReportError::InReview { number });
        }
        Some((id, _, Status::Draft | Status::MoreDocumentsNeeded)) => id,
        _ => {
            applications::create(db, vault, owner_id, Kind::ActivityReport, now)
                .await?
                .id
        }
    };
    Ok(applications::submit(db, vault, owner_id, id, now).await?)
}

/// Who the report is of, for the top of its PDF: the register's entry for
/// a confirmed account (name, specialty, position, organisation), else the
/// profile's name alone. The register down: the profile's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub full_name: Option<String>,
    pub specialty: Option<String>,
    pub position: Option<String>,
    pub organisation: Option<String>,
}

pub async fn details(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    owner_id: UserId,
) -> Result<Details, ReportError> {
    let profile_name = profile::get(db, vault, owner_id)
        .await?
        .map(|profile| profile.full_name().to_string());
    let mut details = Details {
        full_name: profile_name,
        ..Details::default()
    };
    if !accounts::is_confirmed(db, owner_id).await? {
        return Ok(details);
    }
    let Some(snils) = accounts::snils(db, vault, owner_id).await? else {
        return Ok(details);
    };
    match registry.find(&snils).await {
        Ok(Some(entry)) => {
            details.full_name = details.full_name.or(Some(entry.full_name));
            details.specialty = Some(entry.specialty);
            details.position = Some(entry.position);
            details.organisation = Some(entry.organisation);
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "the report goes without the register's details"),
    }
    Ok(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataKey;
    use crate::history::versions;
    use chrono::TimeZone as _;

    const ANNA: UserId = UserId::from_stored(7);

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn answer(text: &str) -> PartState {
        PartState::Answered(Answer::parse(text).unwrap())
    }

    async fn write_all(db: &PgPool, vault: &Vault) {
        for part in ReportPart::ALL {
            let state = if part.optional() {
                PartState::Skipped
            } else {
                answer(&format!("Раздел {}", part.number()))
            };
            save(db, vault, ANNA, part, &state, now()).await.unwrap();
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn answers_are_sealed_versioned_and_read_back(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        accounts::open(&db, ANNA, now()).await.unwrap();
        assert_eq!(state(&db, ANNA).await.unwrap(), ReportState::NotStarted);

        let text = "ГБУЗ ГП № 1, терапевтическое отделение";
        save(
            &db,
            &vault,
            ANNA,
            ReportPart::Organisation,
            &answer(text),
            now(),
        )
        .await
        .unwrap();
        let stored: Vec<u8> = sqlx::query_scalar!(
            r#"SELECT answer AS "answer!" FROM activity_report_answers WHERE owner_id = $1"#,
            ANNA.get()
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert!(
            !String::from_utf8_lossy(&stored).contains("ГБУЗ"),
            "sealed at rest"
        );
        let read = answers(&db, &vault, ANNA).await.unwrap();
        assert_eq!(read.answer(ReportPart::Organisation), Some(text));
        assert_eq!(state(&db, ANNA).await.unwrap(), ReportState::Draft);

        // A required part cannot be skipped; an optional one can.
        assert!(matches!(
            save(
                &db,
                &vault,
                ANNA,
                ReportPart::Duties,
                &PartState::Skipped,
                now()
            )
            .await,
            Err(ReportError::NotOptional)
        ));
        save(
            &db,
            &vault,
            ANNA,
            ReportPart::Mentoring,
            &PartState::Skipped,
            now(),
        )
        .await
        .unwrap();
        let history = versions(&db, &vault, ANNA, Entity::ActivityReport, ANNA.get())
            .await
            .unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].action, Action::Created);
        assert_eq!(history[1].snapshot["organisation"], text);
        assert_eq!(history[1].snapshot["mentoring"], Value::Null);

        // Another's answers open under their own key only.
        let other = UserId::from_stored(8);
        assert!(answers(&db, &vault, other).await.unwrap().is_empty());
        assert!(matches!(
            save(&db, &vault, other, ReportPart::Duties, &answer("x"), now()).await,
            Err(ReportError::NoAccount)
        ));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_finished_report_is_submitted_once_and_kept_while_in_review(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        accounts::open(&db, ANNA, now()).await.unwrap();
        save(
            &db,
            &vault,
            ANNA,
            ReportPart::Organisation,
            &answer("ГП № 1"),
            now(),
        )
        .await
        .unwrap();
        let Err(ReportError::Unfinished(missing)) = submit(&db, &vault, ANNA, now()).await else {
            panic!("an unfinished report is not submitted");
        };
        assert_eq!(
            missing,
            [
                ReportPart::Experience,
                ReportPart::Duties,
                ReportPart::Results,
                ReportPart::Achievements,
                ReportPart::Mentoring,
                ReportPart::Proposals
            ]
        );
        write_all(&db, &vault).await;
        assert_eq!(
            state(&db, ANNA).await.unwrap(),
            ReportState::Finished(ReportAgreement::NotAgreed)
        );
        // The mode is report_agreements' one fact.
        set_agreement(&db, ANNA, ReportAgreement::Agreed, now())
            .await
            .unwrap();
        assert_eq!(
            accreditation::report_agreement(&db, ANNA).await.unwrap(),
            ReportAgreement::Agreed
        );

        let app = submit(&db, &vault, ANNA, now()).await.unwrap();
        assert_eq!(app.kind, Kind::ActivityReport);
        assert_eq!(app.status, Status::Submitted);
        assert!(app.number.starts_with("О-2026-"), "{}", app.number);
        assert_eq!(
            state(&db, ANNA).await.unwrap(),
            ReportState::InReview(ReportAgreement::Agreed)
        );
        assert!(matches!(
            submit(&db, &vault, ANNA, now()).await,
            Err(ReportError::InReview { number }) if number == app.number
        ));
        assert!(matches!(
            save(
                &db,
                &vault,
                ANNA,
                ReportPart::Results,
                &answer("Другое"),
                now()
            )
            .await,
            Err(ReportError::InReview { .. })
        ));
        assert_eq!(
            answers(&db, &vault, ANNA)
                .await
                .unwrap()
                .answer(ReportPart::Results),
            Some("Раздел 4")
        );
    }
}
