//! The portfolio of one practitioner, gathered from storage: what
//! [`super::portfolio`] judges, and the records behind each line, for the
//! bot's screen and the PDF export.
//!
//! Read through the module owning each table:
//! - diplomas and additional education of the profile
//!   ([`crate::profile`]: no end date, never under review — an application
//!   cites documents, not profile records);
//! - documents on file of the kinds the portfolio counts ([`crate::documents`]:
//!   diplomas, ПК certificates, the employer's confirmations, each with its
//!   valid-until and whether an undecided application cites it,
//!   [`crate::applications::awaiting_review`]); accreditation documents
//!   count through the accreditation's standing, not one by one;
//! - the hours ([`super::standing`]), counted only against a known
//!   accreditation's period: the five years assumed without one are the
//!   hours screen's guide, not a portfolio;
//! - the accreditation ([`crate::accreditation::standing`]);
//! - the education records in an operator's check: an application of
//!   [`Kind::EducationCheck`] awaiting review.
//!
//! The report on professional activity is the caller's
//! ([`ReportState`]): its own module says where it stands.

use chrono::NaiveDate;
use sqlx::PgPool;

use super::portfolio::{
    Held, ItemStatus, Portfolio, PortfolioFacts, PortfolioItem, ReportState, portfolio,
};
use super::progress::{Progress, Requirements};
use super::standing::{self, Basis, Standing, StandingError};
use super::status::AccreditationStatus;
use crate::UserId;
use crate::accreditation;
use crate::applications::{self, ApplicationError, Kind};
use crate::crypto::Vault;
use crate::documents::{self, DocumentError, DocumentKind, DocumentSummary};
use crate::profile::{self, AdditionalRecord, EducationRecord, ProfileError};
use crate::registry::Registry;

/// A document on file for a line of the portfolio, with what the rules see
/// of it.
#[derive(Clone, PartialEq, Eq)]
pub struct HeldDocument {
    pub document: DocumentSummary,
    pub held: Held,
}

/// One record behind a line of the portfolio.
#[derive(Clone, Copy)]
pub enum Piece<'a> {
    Diploma(&'a EducationRecord),
    Additional(&'a AdditionalRecord),
    Document(&'a HeldDocument),
}

impl Piece<'_> {
    /// What the rules see of it.
    pub fn held(self) -> Held {
        match self {
            Piece::Diploma(_) | Piece::Additional(_) => Held::default(),
            Piece::Document(document) => document.held,
        }
    }

    /// Its own status on `today` (the line's is the best of its pieces).
    pub fn status(self, today: NaiveDate) -> ItemStatus {
        self.held().status(today)
    }
}

/// Everything the portfolio is made from, as read on `today`.
pub struct Gathered {
    pub today: NaiveDate,
    /// The profile's diplomas.
    pub diplomas: Vec<EducationRecord>,
    /// The profile's programmes of additional education.
    pub additional: Vec<AdditionalRecord>,
    /// The documents on file the portfolio counts, oldest first.
    pub documents: Vec<HeldDocument>,
    /// The hours and the records behind them.
    pub hours: Standing,
    pub accreditation: accreditation::Standing,
    /// An education check («Запросить проверку») awaits an operator.
    pub hours_in_review: bool,
    pub report: ReportState,
}

#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error(transparent)]
    Standing(#[from] StandingError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error(transparent)]
    Application(#[from] ApplicationError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The document kinds behind a line, in the order documents are listed.
fn item_of(kind: DocumentKind) -> Option<PortfolioItem> {
    match kind {
        DocumentKind::Diploma => Some(PortfolioItem::Diploma),
        DocumentKind::QualificationUpgrade => Some(PortfolioItem::AdditionalEducation),
        DocumentKind::EmployerConfirmation => Some(PortfolioItem::EmployerConfirmation),
        _ => None,
    }
}

/// Gathers `owner_id`'s portfolio on `today`, with the report as `report`
/// says.
// Seven plain inputs the caller has at hand; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn gather(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    owner_id: UserId,
    requirements: Requirements,
    report: ReportState,
    today: NaiveDate,
) -> Result<Gathered, GatherError> {
    let awaiting = applications::awaiting_review(db, owner_id).await?;
    let documents = documents::list(db, vault, owner_id)
        .await?
        .into_iter()
        .filter(|document| item_of(document.kind).is_some())
        .map(|document| HeldDocument {
            held: Held {
                valid_until: document.valid_until,
                in_review: awaiting.cites(document.id),
            },
            document,
        })
        .collect();
    Ok(Gathered {
        today,
        diplomas: profile::list_education(db, vault, owner_id).await?,
        additional: profile::list_additional(db, vault, owner_id).await?,
        documents,
        hours: standing::standing(db, vault, registry, owner_id, requirements, today).await?,
        accreditation: accreditation::standing(db, vault, registry, owner_id, today).await?,
        hours_in_review: awaiting.includes(Kind::EducationCheck),
        report,
    })
}

impl Gathered {
    /// The records behind `item`: the profile's first, then the documents.
    /// The hours, the accreditation and the report have none here (their
    /// own fields say what they are).
    pub fn pieces(&self, item: PortfolioItem) -> Vec<Piece<'_>> {
        let mut pieces: Vec<Piece<'_>> = match item {
            PortfolioItem::Diploma => self.diplomas.iter().map(Piece::Diploma).collect(),
            PortfolioItem::AdditionalEducation => {
                self.additional.iter().map(Piece::Additional).collect()
            }
            _ => Vec::new(),
        };
        pieces.extend(
            self.documents
                .iter()
                .filter(|document| item_of(document.document.kind) == Some(item))
                .map(Piece::Document),
        );
        pieces
    }

    /// The accreditation in force, when known.
    pub fn accreditation_status(&self) -> Option<&AccreditationStatus> {
        match &self.accreditation {
            accreditation::Standing::Known(status) => Some(status),
            accreditation::Standing::Nothing | accreditation::Standing::NumberWithoutDate => None,
        }
    }

    /// The hours of the accreditation's period, when that period is known.
    pub fn progress(&self) -> Option<&Progress> {
        match self.hours.basis {
            Basis::Known(_) => Some(&self.hours.progress),
            Basis::Assumed { .. } => None,
        }
    }

    /// The portfolio's lines and what is missing, by core's rules.
    pub fn portfolio(&self) -> Portfolio {
        let helds = |item| -> Vec<Held> {
            self.pieces(item)
                .into_iter()
                .map(|piece| piece.held())
                .collect()
        };
        let diplomas = helds(PortfolioItem::Diploma);
        let additional_education = helds(PortfolioItem::AdditionalEducation);
        let employer_confirmations = helds(PortfolioItem::EmployerConfirmation);
        let facts = PortfolioFacts {
            diplomas: &diplomas,
            additional_education: &additional_education,
            accreditation: self.accreditation_status(),
            hours: self.progress(),
            hours_in_review: self.hours_in_review,
            report: self.report,
            employer_confirmations: &employer_confirmations,
        };
        portfolio(&facts, self.today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::test_support::{
        ANNA, BORIS, accounts_for, date, start, store_document, vault,
    };
    use crate::history::Actor;
    use crate::qualification::{EntryDraft, MissingItem, RecordDraft, RecordKind, store};

    async fn gather_for(db: &PgPool, vault: &Vault, owner: UserId, today: NaiveDate) -> Gathered {
        let registry = Registry::Local {
            db: db.clone(),
            vault: vault.clone(),
        };
        gather(
            db,
            vault,
            &registry,
            owner,
            Requirements::default(),
            ReportState::NotStarted,
            today,
        )
        .await
        .unwrap()
    }

    async fn add_record(db: &PgPool, vault: &Vault, owner: UserId, kind: RecordKind, amount: &str) {
        let draft = EntryDraft {
            title: Some("Кардиология".into()),
            provider: Some("РМАНПО".into()),
            record: RecordDraft {
                kind: Some(kind),
                amount: Some(amount.into()),
                completed_on: Some("01.03.2025".into()),
                ikp: None,
            },
        };
        let entry = crate::qualification::validate_entry(&draft, date(2026, 11, 25)).unwrap();
        store::add(
            db,
            vault,
            owner,
            &entry,
            Actor::Practitioner(owner),
            start(),
            None,
        )
        .await
        .unwrap();
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn nothing_on_file_is_missing_everything_the_hours_aside(db: PgPool) {
        let vault = vault();
        accounts_for(&db, &[ANNA]).await;
        let gathered = gather_for(&db, &vault, ANNA, date(2026, 11, 25)).await;
        let portfolio = gathered.portfolio();
        assert!(
            portfolio
                .entries
                .iter()
                .all(|entry| entry.status == ItemStatus::Missing)
        );
        // No known period: the missing accreditation says why no hours count.
        assert_eq!(
            portfolio.missing,
            [
                MissingItem::Absent(PortfolioItem::Diploma),
                MissingItem::Absent(PortfolioItem::AdditionalEducation),
                MissingItem::Absent(PortfolioItem::Accreditation),
                MissingItem::Absent(PortfolioItem::ActivityReport),
                MissingItem::Absent(PortfolioItem::EmployerConfirmation),
            ]
        );
        assert!(gathered.progress().is_none());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn documents_dates_reviews_and_hours_make_the_statuses(db: PgPool) {
        let vault = vault();
        accounts_for(&db, &[ANNA, BORIS]).await;
        // Stored on 25.11.2026, looked at ten days later.
        let today = date(2026, 12, 5);
        // The accreditation of 30.06.2022 — 29.06.2027: known, within its
        // last twelve months.
        store_document(
            &db,
            &vault,
            ANNA,
            DocumentKind::Accreditation,
            Some(date(2027, 6, 29)),
        )
        .await;
        store_document(&db, &vault, ANNA, DocumentKind::Diploma, None).await;
        // A confirmation that has run out since, and one running out
        // within 90 days.
        store_document(
            &db,
            &vault,
            ANNA,
            DocumentKind::EmployerConfirmation,
            Some(date(2026, 12, 1)),
        )
        .await;
        store_document(
            &db,
            &vault,
            ANNA,
            DocumentKind::EmployerConfirmation,
            Some(date(2027, 1, 10)),
        )
        .await;
        // A ПК certificate cited by a submitted periodic accreditation (as
        // are the accreditation and both confirmations)…
        let upgrade =
            store_document(&db, &vault, ANNA, DocumentKind::QualificationUpgrade, None).await;
        let app = applications::create(&db, &vault, ANNA, Kind::PeriodicAccreditation, start())
            .await
            .unwrap();
        applications::submit(&db, &vault, ANNA, app.id, start())
            .await
            .unwrap();
        // …and the hours enough, with an education check awaiting review.
        add_record(&db, &vault, ANNA, RecordKind::Programme, "144").await;
        let check = applications::create(&db, &vault, ANNA, Kind::EducationCheck, start())
            .await
            .unwrap();
        applications::submit(&db, &vault, ANNA, check.id, start())
            .await
            .unwrap();
        // Someone else's documents count for nobody else.
        store_document(&db, &vault, BORIS, DocumentKind::Diploma, None).await;

        let gathered = gather_for(&db, &vault, ANNA, today).await;
        assert_eq!(gathered.pieces(PortfolioItem::Diploma).len(), 1);
        let upgrades = gathered.pieces(PortfolioItem::AdditionalEducation);
        assert!(matches!(upgrades[..], [Piece::Document(held)] if held.document.id == upgrade));
        assert_eq!(upgrades[0].status(today), ItemStatus::UnderReview);
        let confirmations = gathered.pieces(PortfolioItem::EmployerConfirmation);
        let statuses: Vec<_> = confirmations.iter().map(|p| p.status(today)).collect();
        // A review does not revive the one that ran out.
        assert_eq!(statuses, [ItemStatus::Expired, ItemStatus::UnderReview]);

        let portfolio = gathered.portfolio();
        let status = |item| portfolio.status_of(item);
        assert_eq!(status(PortfolioItem::Diploma), ItemStatus::Current);
        assert_eq!(
            status(PortfolioItem::AdditionalEducation),
            ItemStatus::UnderReview
        );
        assert_eq!(
            status(PortfolioItem::EducationHours),
            ItemStatus::UnderReview
        );
        assert_eq!(status(PortfolioItem::Accreditation), ItemStatus::Expiring);
        assert_eq!(
            status(PortfolioItem::EmployerConfirmation),
            ItemStatus::UnderReview
        );
        assert_eq!(
            portfolio.missing,
            [MissingItem::Absent(PortfolioItem::ActivityReport)]
        );

        // Boris has his diploma only.
        let boris = gather_for(&db, &vault, BORIS, today).await;
        assert_eq!(
            boris.portfolio().status_of(PortfolioItem::Diploma),
            ItemStatus::Current
        );
        assert!(boris.pieces(PortfolioItem::EmployerConfirmation).is_empty());
    }
}
