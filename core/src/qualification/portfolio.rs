//! The portfolio for periodic accreditation: everything a practitioner has
//! for it in one list, each item with its status, and what is still
//! missing for filing.
//!
//! The items, in the order the list shows them ([`PortfolioItem::ALL`]):
//! diplomas, additional education (удостоверения ПК, дипломы о
//! переподготовке), education hours in the period, the accreditation being
//! renewed, the report on professional activity, the employer's
//! confirmation. Every one is needed for filing (Приказ № 709н: copies of
//! the documents of education and qualification, the report, the
//! education of the five years; the employer's confirmation and the
//! current accreditation as the applications ask).
//!
//! Statuses ([`ItemStatus`]), for one held document:
//! - истёк: its valid-until day is past;
//! - на проверке: an operator is checking it (it is cited by an
//!   application under review), and it has not run out;
//! - истекает: it runs out within [`EXPIRING_DAYS`] (the documents'
//!   first reminder), or, for the accreditation, its twelve months before
//!   the end have begun;
//! - актуально: otherwise.
//!
//! Of several documents of one item the best counts (актуально, then на
//! проверке, then истекает, then истёк): an expired old diploma next to a
//! valid new one is no problem, and a new confirmation on review replaces
//! an expiring one. Nothing held is «не хватает».

use chrono::NaiveDate;

use super::progress::Progress;
use super::status::{AccreditationStatus, ReportAgreement, Stage};
use crate::reminders::DOCUMENT_DAYS;

/// Days before its end when a document is shown as running out.
pub const EXPIRING_DAYS: i64 = DOCUMENT_DAYS[0];

/// One line of the portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortfolioItem {
    Diploma,
    AdditionalEducation,
    EducationHours,
    Accreditation,
    ActivityReport,
    EmployerConfirmation,
}

impl PortfolioItem {
    pub const ALL: [PortfolioItem; 6] = [
        PortfolioItem::Diploma,
        PortfolioItem::AdditionalEducation,
        PortfolioItem::EducationHours,
        PortfolioItem::Accreditation,
        PortfolioItem::ActivityReport,
        PortfolioItem::EmployerConfirmation,
    ];

    /// A stable code, for the bot's Fluent selectors.
    pub fn as_str(self) -> &'static str {
        match self {
            PortfolioItem::Diploma => "diploma",
            PortfolioItem::AdditionalEducation => "additional",
            PortfolioItem::EducationHours => "hours",
            PortfolioItem::Accreditation => "accreditation",
            PortfolioItem::ActivityReport => "report",
            PortfolioItem::EmployerConfirmation => "employer",
        }
    }
}

/// An item's status, as the list shows it; ordered best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemStatus {
    /// Актуально.
    Current,
    /// На проверке.
    UnderReview,
    /// Истекает.
    Expiring,
    /// Истёк.
    Expired,
    /// Не хватает.
    Missing,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 5] = [
        ItemStatus::Current,
        ItemStatus::UnderReview,
        ItemStatus::Expiring,
        ItemStatus::Expired,
        ItemStatus::Missing,
    ];

    /// A stable code, for the bot's Fluent selectors.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Current => "current",
            ItemStatus::UnderReview => "review",
            ItemStatus::Expiring => "expiring",
            ItemStatus::Expired => "expired",
            ItemStatus::Missing => "missing",
        }
    }
}

/// A document (or a record) on file for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held {
    /// Its last valid day, if it has one (a diploma has none).
    pub valid_until: Option<NaiveDate>,
    /// Cited by an application an operator has not decided yet.
    pub in_review: bool,
}

impl Held {
    /// This document's status on `today`.
    pub fn status(self, today: NaiveDate) -> ItemStatus {
        match self.valid_until {
            Some(until) if until < today => ItemStatus::Expired,
            _ if self.in_review => ItemStatus::UnderReview,
            Some(until) if (until - today).num_days() <= EXPIRING_DAYS => ItemStatus::Expiring,
            _ => ItemStatus::Current,
        }
    }
}

/// Where the report on professional activity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportState {
    NotStarted,
    /// Some sections answered, not finished.
    Draft,
    /// Finished, agreed with the employer or marked as not agreed.
    Finished(ReportAgreement),
    /// Finished and submitted for an operator to check.
    InReview(ReportAgreement),
}

impl ReportState {
    /// The agreement that decides the filing month. Until a finished
    /// report says it is agreed, the earlier month (not agreed) is shown:
    /// filing a month early costs nothing, filing late may cost the right
    /// to work.
    pub fn agreement(self) -> ReportAgreement {
        match self {
            ReportState::Finished(agreement) | ReportState::InReview(agreement) => agreement,
            ReportState::NotStarted | ReportState::Draft => ReportAgreement::NotAgreed,
        }
    }

    fn status(self) -> ItemStatus {
        match self {
            ReportState::NotStarted | ReportState::Draft => ItemStatus::Missing,
            ReportState::Finished(_) => ItemStatus::Current,
            ReportState::InReview(_) => ItemStatus::UnderReview,
        }
    }
}

/// What the portfolio is made from.
#[derive(Debug, Clone, Copy)]
pub struct PortfolioFacts<'a> {
    /// Diplomas in the profile and diploma documents on file.
    pub diplomas: &'a [Held],
    /// Additional education in the profile and qualification-upgrade
    /// documents on file.
    pub additional_education: &'a [Held],
    /// The accreditation in force, if known (none: it is missing, and no
    /// period can be counted).
    pub accreditation: Option<&'a AccreditationStatus>,
    /// The hours of the accreditation's period, if it is known.
    pub hours: Option<&'a Progress>,
    /// The education records are in an operator's check
    /// («Запросить проверку»).
    pub hours_in_review: bool,
    pub report: ReportState,
    pub employer_confirmations: &'a [Held],
}

/// What is missing for filing, each named so the bot can say it plainly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissingItem {
    /// Nothing on file for the item.
    Absent(PortfolioItem),
    /// What is on file has run out; a fresh one is needed.
    Expired(PortfolioItem),
    /// The report is begun but not finished.
    ReportUnfinished,
    /// Academic hours short of the total (144).
    Hours { short_by: u32 },
    /// ПК hours short of the minimum.
    ProgrammeHours { short_by: u32 },
}

/// One line of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortfolioEntry {
    pub item: PortfolioItem,
    pub status: ItemStatus,
}

/// The portfolio on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portfolio {
    /// Every item, in [`PortfolioItem::ALL`]'s order.
    pub entries: Vec<PortfolioEntry>,
    /// What is missing for filing, in the same order; empty when ready.
    pub missing: Vec<MissingItem>,
}

impl Portfolio {
    pub fn ready_to_file(&self) -> bool {
        self.missing.is_empty()
    }

    pub fn status_of(&self, item: PortfolioItem) -> ItemStatus {
        self.entries
            .iter()
            .find(|entry| entry.item == item)
            .map_or(ItemStatus::Missing, |entry| entry.status)
    }
}

fn best(held: &[Held], today: NaiveDate) -> ItemStatus {
    held.iter()
        .map(|held| held.status(today))
        .min()
        .unwrap_or(ItemStatus::Missing)
}

fn accreditation_status(accreditation: Option<&AccreditationStatus>) -> ItemStatus {
    match accreditation.map(|a| a.stage) {
        None => ItemStatus::Missing,
        Some(Stage::Expired) => ItemStatus::Expired,
        Some(Stage::Early) => ItemStatus::Current,
        Some(Stage::Collecting | Stage::FilingMonth | Stage::Late) => ItemStatus::Expiring,
    }
}

fn hours_status(hours: Option<&Progress>, in_review: bool) -> ItemStatus {
    match hours {
        Some(progress) if progress.sufficient() && in_review => ItemStatus::UnderReview,
        Some(progress) if progress.sufficient() => ItemStatus::Current,
        _ => ItemStatus::Missing,
    }
}

/// The portfolio from `facts` on `today`.
pub fn portfolio(facts: &PortfolioFacts<'_>, today: NaiveDate) -> Portfolio {
    let entries: Vec<PortfolioEntry> = PortfolioItem::ALL
        .into_iter()
        .map(|item| PortfolioEntry {
            item,
            status: match item {
                PortfolioItem::Diploma => best(facts.diplomas, today),
                PortfolioItem::AdditionalEducation => best(facts.additional_education, today),
                PortfolioItem::EducationHours => hours_status(facts.hours, facts.hours_in_review),
                PortfolioItem::Accreditation => accreditation_status(facts.accreditation),
                PortfolioItem::ActivityReport => facts.report.status(),
                PortfolioItem::EmployerConfirmation => best(facts.employer_confirmations, today),
            },
        })
        .collect();

    let mut missing = Vec::new();
    for entry in &entries {
        match (entry.item, entry.status) {
            // With no period to count in, the missing accreditation says why.
            (PortfolioItem::EducationHours, ItemStatus::Missing) => {
                if let Some(progress) = facts.hours {
                    if !progress.total.reached() {
                        missing.push(MissingItem::Hours {
                            short_by: progress.total.remaining(),
                        });
                    }
                    if !progress.programme.reached() {
                        missing.push(MissingItem::ProgrammeHours {
                            short_by: progress.programme.remaining(),
                        });
                    }
                }
            }
            (PortfolioItem::ActivityReport, ItemStatus::Missing)
                if facts.report == ReportState::Draft =>
            {
                missing.push(MissingItem::ReportUnfinished);
            }
            // The accreditation that ran out is the one being renewed:
            // filing is what it needs, not a fresh document.
            (PortfolioItem::Accreditation, ItemStatus::Expired) => {}
            (item, ItemStatus::Missing) => missing.push(MissingItem::Absent(item)),
            (item, ItemStatus::Expired) => missing.push(MissingItem::Expired(item)),
            _ => {}
        }
    }
    Portfolio { entries, missing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;
    use crate::qualification::amounts::{ModuleZet, ProgrammeHours};
    use crate::qualification::period::AccreditationPeriod;
    use crate::qualification::progress::{PortalPlan, Requirements, progress};
    use crate::qualification::records::{CompletedOn, Education, Record};
    use crate::qualification::status::{CurrentAccreditation, Source, status};

    fn today() -> NaiveDate {
        date(2028, 9, 1)
    }

    fn period() -> AccreditationPeriod {
        AccreditationPeriod::since(date(2024, 3, 15))
    }

    fn accreditation(on: NaiveDate) -> AccreditationStatus {
        status(
            CurrentAccreditation {
                source: Source::Register,
                period: period(),
            },
            ReportAgreement::Agreed,
            on,
        )
    }

    fn hours(programme: u32, zet: u32) -> Progress {
        let records = [
            Record::new(
                Education::Programme {
                    hours: ProgrammeHours::new(programme).unwrap(),
                },
                CompletedOn::stored(date(2025, 1, 1)),
            ),
            Record::new(
                Education::Module {
                    zet: ModuleZet::new(zet).unwrap(),
                },
                CompletedOn::stored(date(2026, 1, 1)),
            ),
        ];
        progress(
            period(),
            &records,
            Requirements::default(),
            PortalPlan::NMO_PORTAL,
            today(),
        )
    }

    const DIPLOMA: Held = Held {
        valid_until: None,
        in_review: false,
    };

    #[test]
    fn one_documents_status_follows_its_dates_and_review() {
        use ItemStatus::{Current, Expired, Expiring, UnderReview};
        let today = today();
        // (valid until, in review, status, why): today is 01.09.2028.
        let cases = [
            (None, false, Current, "no end date"),
            (Some(date(2028, 11, 30)), false, Expiring, "within 90 days"),
            (Some(date(2028, 12, 1)), false, Current, "beyond 90 days"),
            (Some(today), false, Expiring, "its last day"),
            (Some(date(2028, 8, 31)), false, Expired, "ended yesterday"),
            (
                Some(date(2028, 8, 31)),
                true,
                Expired,
                "a review does not revive it",
            ),
            (Some(date(2028, 10, 1)), true, UnderReview, "in review"),
        ];
        for (valid_until, in_review, expected, why) in cases {
            let held = Held {
                valid_until,
                in_review,
            };
            assert_eq!(held.status(today), expected, "{why}");
        }
    }

    #[test]
    fn a_complete_portfolio_is_ready_to_file() {
        let accreditation = accreditation(today());
        let hours = hours(74, 70);
        let confirmation = [Held {
            valid_until: Some(date(2029, 6, 1)),
            in_review: false,
        }];
        let facts = PortfolioFacts {
            diplomas: &[DIPLOMA],
            additional_education: &[DIPLOMA],
            accreditation: Some(&accreditation),
            hours: Some(&hours),
            hours_in_review: true,
            report: ReportState::Finished(ReportAgreement::NotAgreed),
            employer_confirmations: &confirmation,
        };
        let portfolio = portfolio(&facts, today());
        assert!(portfolio.ready_to_file(), "{:?}", portfolio.missing);
        let statuses: Vec<ItemStatus> = portfolio.entries.iter().map(|e| e.status).collect();
        assert_eq!(
            statuses,
            [
                ItemStatus::Current,
                ItemStatus::Current,
                ItemStatus::UnderReview,
                ItemStatus::Expiring, // within twelve months of 15.03.2029
                ItemStatus::Current,
                ItemStatus::Current,
            ]
        );
    }

    #[test]
    fn what_is_missing_is_named_item_by_item() {
        let hours = hours(36, 50);
        let old_confirmation = [Held {
            valid_until: Some(date(2028, 1, 1)),
            in_review: false,
        }];
        let facts = PortfolioFacts {
            diplomas: &[],
            additional_education: &[DIPLOMA],
            accreditation: None,
            hours: Some(&hours),
            hours_in_review: false,
            report: ReportState::Draft,
            employer_confirmations: &old_confirmation,
        };
        let portfolio = portfolio(&facts, today());
        assert_eq!(
            portfolio.missing,
            [
                MissingItem::Absent(PortfolioItem::Diploma),
                MissingItem::Hours { short_by: 58 },
                MissingItem::ProgrammeHours { short_by: 38 },
                MissingItem::Absent(PortfolioItem::Accreditation),
                MissingItem::ReportUnfinished,
                MissingItem::Expired(PortfolioItem::EmployerConfirmation),
            ]
        );
        assert_eq!(
            portfolio.status_of(PortfolioItem::EducationHours),
            ItemStatus::Missing
        );
        assert_eq!(
            portfolio.status_of(PortfolioItem::ActivityReport),
            ItemStatus::Missing
        );
    }

    #[test]
    fn the_best_document_of_an_item_counts() {
        let confirmations = [
            Held {
                valid_until: Some(date(2028, 1, 1)),
                in_review: false,
            },
            Held {
                valid_until: Some(date(2028, 9, 20)),
                in_review: false,
            },
            Held {
                valid_until: Some(date(2029, 9, 1)),
                in_review: true,
            },
        ];
        assert_eq!(best(&confirmations, today()), ItemStatus::UnderReview);
        assert_eq!(best(&confirmations[..2], today()), ItemStatus::Expiring);
        assert_eq!(best(&[], today()), ItemStatus::Missing);
    }

    #[test]
    fn an_expired_accreditation_is_shown_but_is_what_filing_renews() {
        let accreditation = accreditation(date(2029, 4, 1));
        let hours = hours(74, 70);
        let facts = PortfolioFacts {
            diplomas: &[DIPLOMA],
            additional_education: &[DIPLOMA],
            accreditation: Some(&accreditation),
            hours: Some(&hours),
            hours_in_review: false,
            report: ReportState::InReview(ReportAgreement::Agreed),
            employer_confirmations: &[DIPLOMA],
        };
        let portfolio = portfolio(&facts, date(2029, 4, 1));
        assert_eq!(
            portfolio.status_of(PortfolioItem::Accreditation),
            ItemStatus::Expired
        );
        assert_eq!(
            portfolio.status_of(PortfolioItem::ActivityReport),
            ItemStatus::UnderReview
        );
        assert!(portfolio.ready_to_file());
    }

    #[test]
    fn an_unknown_report_files_in_the_earlier_month() {
        assert_eq!(
            ReportState::NotStarted.agreement(),
            ReportAgreement::NotAgreed
        );
        assert_eq!(ReportState::Draft.agreement(), ReportAgreement::NotAgreed);
        assert_eq!(
            ReportState::Finished(ReportAgreement::Agreed).agreement(),
            ReportAgreement::Agreed
        );
    }
}
