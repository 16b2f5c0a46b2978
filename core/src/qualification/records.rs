//! An education record that counts toward periodic accreditation: what was
//! done ([`Education`]: a ПК programme in hours, an interactive module or
//! an educational event in ЗЕТ) and when it was completed
//! ([`CompletedOn`]).
//!
//! A record is entered question by question, so [`validate`] takes a
//! [`RecordDraft`] of typed answers and returns every problem at once, with
//! the field each belongs to, for the bot's summary card; the CSV import
//! uses the same rules, so a bad row is refused for the same reason a bad
//! answer is.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::amounts::{AmountError, EventZet, ModuleZet, ProgrammeHours};
use crate::profile::{DateProblem, EARLIEST_DATE, parse_date};

/// The kinds of record, as stored and as named in buttons (serde writes
/// the same codes as [`RecordKind::as_str`], for a draft kept in `drafts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Программа повышения квалификации, with an удостоверение and hours.
    Programme,
    /// Интерактивный образовательный модуль (ИОМ) on the НМО portal.
    Module,
    /// An educational event (conference, congress, seminar), confirmed by
    /// its individual code (ИКП).
    Event,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [RecordKind::Programme, RecordKind::Module, RecordKind::Event];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Programme => "programme",
            RecordKind::Module => "module",
            RecordKind::Event => "event",
        }
    }

    pub fn parse(text: &str) -> Option<RecordKind> {
        RecordKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// The individual confirmation code (ИКП) an event gives each participant
/// to enter on the НМО portal. Its form differs from organiser to
/// organiser, so it is free text: trimmed, not blank, bounded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IkpCode(String);

/// What is wrong with a typed ИКП.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IkpError {
    #[error("the code is blank")]
    Blank,
    #[error("the code is longer than {max} characters")]
    TooLong { max: usize },
}

impl IkpCode {
    /// Longer than any code seen, short enough for one line of a card.
    pub const MAX_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<IkpCode, IkpError> {
        let code = input.trim();
        if code.is_empty() {
            return Err(IkpError::Blank);
        }
        if code.chars().count() > Self::MAX_CHARS {
            return Err(IkpError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(IkpCode(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The day a programme, module or event was completed: a real day, not
/// before [`EARLIEST_DATE`], not after "today" — education is recorded
/// once done, and a future date is a typo that would count hours not yet
/// earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompletedOn(NaiveDate);

impl CompletedOn {
    /// Reads `ДД.ММ.ГГГГ` (or the stored ISO form) as of `today`.
    pub fn parse(input: &str, today: NaiveDate) -> Result<CompletedOn, DateProblem> {
        CompletedOn::new(parse_date(input)?, today)
    }

    /// Checks a date that arrived already as a date (an import).
    pub fn new(date: NaiveDate, today: NaiveDate) -> Result<CompletedOn, DateProblem> {
        if date < EARLIEST_DATE {
            return Err(DateProblem::TooEarly);
        }
        if date > today {
            return Err(DateProblem::InFuture);
        }
        Ok(CompletedOn(date))
    }

    /// A date read back from storage, checked the day it was given: no
    /// "today" to compare with now.
    pub fn stored(date: NaiveDate) -> CompletedOn {
        CompletedOn(date)
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// What was done, with its worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Education {
    Programme { hours: ProgrammeHours },
    Module { zet: ModuleZet },
    Event { zet: EventZet, ikp: IkpCode },
}

impl Education {
    pub fn kind(&self) -> RecordKind {
        match self {
            Education::Programme { .. } => RecordKind::Programme,
            Education::Module { .. } => RecordKind::Module,
            Education::Event { .. } => RecordKind::Event,
        }
    }

    /// ПК hours: the part the law counts apart.
    pub fn programme_hours(&self) -> u32 {
        match self {
            Education::Programme { hours } => hours.get(),
            Education::Module { .. } | Education::Event { .. } => 0,
        }
    }

    /// ЗЕТ from the НМО portal (modules and events).
    pub fn zet(&self) -> u32 {
        match self {
            Education::Programme { .. } => 0,
            Education::Module { zet } => zet.get(),
            Education::Event { zet, .. } => zet.get(),
        }
    }

    /// Academic hours toward the 144: ПК hours and ЗЕТ alike, since
    /// 1 ЗЕТ is one academic hour.
    pub fn hours(&self) -> u32 {
        self.programme_hours() + self.zet()
    }
}

/// A complete, valid record; only [`validate`] (or [`Record::new`] from
/// checked parts) makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub education: Education,
    pub completed_on: CompletedOn,
}

impl Record {
    pub fn new(education: Education, completed_on: CompletedOn) -> Record {
        Record {
            education,
            completed_on,
        }
    }
}

/// A record as typed, answer by answer; kept sealed in `drafts` between
/// answers, as the profile's drafts are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordDraft {
    pub kind: Option<RecordKind>,
    /// Hours for a programme, ЗЕТ for a module or an event.
    pub amount: Option<String>,
    pub completed_on: Option<String>,
    /// Asked only for an event.
    pub ikp: Option<String>,
}

/// The questions of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordField {
    Kind,
    Amount,
    CompletedOn,
    Ikp,
}

/// What is wrong with a draft; each problem names its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    #[error("{0:?} is required")]
    Missing(RecordField),
    #[error("amount: {0}")]
    Amount(AmountError),
    #[error("completed on: {0}")]
    CompletedOn(DateProblem),
    #[error("ИКП: {0}")]
    Ikp(IkpError),
}

impl RecordProblem {
    pub fn field(self) -> RecordField {
        match self {
            RecordProblem::Missing(field) => field,
            RecordProblem::Amount(_) => RecordField::Amount,
            RecordProblem::CompletedOn(_) => RecordField::CompletedOn,
            RecordProblem::Ikp(_) => RecordField::Ikp,
        }
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.trim().is_empty())
}

/// Checks every answer as of `today` and returns the record, or every
/// problem found. Without a kind the amount cannot be judged (its bound
/// depends on it), so only the kind and the date are reported then. An ИКП
/// typed for a programme or a module is ignored: the question is not asked
/// for them, so an answer can only be left over from a changed kind.
pub fn validate(draft: &RecordDraft, today: NaiveDate) -> Result<Record, Vec<RecordProblem>> {
    let mut problems = Vec::new();
    if draft.kind.is_none() {
        problems.push(RecordProblem::Missing(RecordField::Kind));
    }
    let amount = given(&draft.amount);
    if amount.is_none() {
        problems.push(RecordProblem::Missing(RecordField::Amount));
    }
    let completed_on = match given(&draft.completed_on) {
        None => {
            problems.push(RecordProblem::Missing(RecordField::CompletedOn));
            None
        }
        Some(text) => CompletedOn::parse(text, today)
            .map_err(|e| problems.push(RecordProblem::CompletedOn(e)))
            .ok(),
    };
    let education = match (draft.kind, amount) {
        (Some(RecordKind::Programme), Some(amount)) => ProgrammeHours::parse(amount)
            .map(|hours| Education::Programme { hours })
            .map_err(|e| problems.push(RecordProblem::Amount(e)))
            .ok(),
        (Some(RecordKind::Module), Some(amount)) => ModuleZet::parse(amount)
            .map(|zet| Education::Module { zet })
            .map_err(|e| problems.push(RecordProblem::Amount(e)))
            .ok(),
        (Some(RecordKind::Event), amount) => {
            let zet = amount.and_then(|amount| {
                EventZet::parse(amount)
                    .map_err(|e| problems.push(RecordProblem::Amount(e)))
                    .ok()
            });
            let ikp = match given(&draft.ikp) {
                None => {
                    problems.push(RecordProblem::Missing(RecordField::Ikp));
                    None
                }
                Some(text) => IkpCode::parse(text)
                    .map_err(|e| problems.push(RecordProblem::Ikp(e)))
                    .ok(),
            };
            zet.zip(ikp).map(|(zet, ikp)| Education::Event { zet, ikp })
        }
        _ => None,
    };
    match (education, completed_on) {
        (Some(education), Some(completed_on)) if problems.is_empty() => {
            Ok(Record::new(education, completed_on))
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;

    fn today() -> NaiveDate {
        date(2026, 12, 4)
    }

    fn draft(kind: RecordKind, amount: &str, on: &str) -> RecordDraft {
        RecordDraft {
            kind: Some(kind),
            amount: Some(amount.into()),
            completed_on: Some(on.into()),
            ikp: None,
        }
    }

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.as_str())
            );
        }
        assert_eq!(RecordKind::parse("ПК"), None);
    }

    #[test]
    fn a_programme_counts_hours_and_a_module_zet() {
        let programme =
            validate(&draft(RecordKind::Programme, "36", "01.03.2025"), today()).expect("valid");
        assert_eq!(programme.education.programme_hours(), 36);
        assert_eq!(programme.education.zet(), 0);
        assert_eq!(programme.education.hours(), 36);
        assert_eq!(programme.completed_on.date(), date(2025, 3, 1));

        let module = validate(&draft(RecordKind::Module, "3", "2025-03-01"), today())
            .expect("the stored ISO form reads too");
        assert_eq!(module.education.programme_hours(), 0);
        assert_eq!(module.education.hours(), 3);
    }

    #[test]
    fn an_event_needs_its_ikp() {
        let mut event = draft(RecordKind::Event, "6", "15.10.2026");
        assert_eq!(
            validate(&event, today()),
            Err(vec![RecordProblem::Missing(RecordField::Ikp)])
        );
        event.ikp = Some("   ".into());
        assert_eq!(
            validate(&event, today()),
            Err(vec![RecordProblem::Missing(RecordField::Ikp)]),
            "blank is not answered, as for every other question"
        );
        assert_eq!(IkpCode::parse(" "), Err(IkpError::Blank));
        event.ikp = Some("x".repeat(65));
        assert_eq!(
            validate(&event, today()),
            Err(vec![RecordProblem::Ikp(IkpError::TooLong { max: 64 })])
        );
        event.ikp = Some(" NMO-2026-AB12CD ".into());
        let record = validate(&event, today()).expect("valid");
        assert_eq!(
            record.education,
            Education::Event {
                zet: EventZet::new(6).unwrap(),
                ikp: IkpCode::parse("NMO-2026-AB12CD").unwrap(),
            }
        );
    }

    #[test]
    fn a_future_date_is_refused_and_today_is_accepted() {
        assert_eq!(
            validate(&draft(RecordKind::Programme, "36", "05.12.2026"), today()),
            Err(vec![RecordProblem::CompletedOn(DateProblem::InFuture)])
        );
        assert!(validate(&draft(RecordKind::Programme, "36", "04.12.2026"), today()).is_ok());
        assert_eq!(
            CompletedOn::new(date(1899, 12, 31), today()),
            Err(DateProblem::TooEarly)
        );
        assert_eq!(
            CompletedOn::parse("31.02.2026", today()),
            Err(DateProblem::NoSuchDate)
        );
    }

    #[test]
    fn absurd_and_negative_amounts_are_refused_with_the_kinds_bound() {
        assert_eq!(
            validate(&draft(RecordKind::Programme, "1440", "01.03.2025"), today()),
            Err(vec![RecordProblem::Amount(AmountError::TooMany {
                max: 1000
            })])
        );
        assert_eq!(
            validate(&draft(RecordKind::Module, "144", "01.03.2025"), today()),
            Err(vec![RecordProblem::Amount(AmountError::TooMany {
                max: 100
            })])
        );
        assert_eq!(
            validate(&draft(RecordKind::Module, "-5", "01.03.2025"), today()),
            Err(vec![RecordProblem::Amount(AmountError::NotPositive)])
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = validate(
            &RecordDraft {
                kind: Some(RecordKind::Event),
                amount: Some("0".into()),
                completed_on: Some("завтра".into()),
                ikp: None,
            },
            today(),
        )
        .unwrap_err();
        assert_eq!(
            problems,
            vec![
                RecordProblem::CompletedOn(DateProblem::Malformed),
                RecordProblem::Amount(AmountError::NotPositive),
                RecordProblem::Missing(RecordField::Ikp),
            ]
        );
        let fields: Vec<RecordField> = problems.iter().map(|p| p.field()).collect();
        assert_eq!(
            fields,
            [
                RecordField::CompletedOn,
                RecordField::Amount,
                RecordField::Ikp
            ]
        );
        assert_eq!(
            validate(&RecordDraft::default(), today()).unwrap_err(),
            vec![
                RecordProblem::Missing(RecordField::Kind),
                RecordProblem::Missing(RecordField::Amount),
                RecordProblem::Missing(RecordField::CompletedOn),
            ]
        );
    }

    #[test]
    fn a_draft_reads_back_as_stored() {
        let mut event = draft(RecordKind::Event, "6", "15.10.2026");
        event.ikp = Some("NMO-1".into());
        let stored = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<RecordDraft>(&stored).unwrap(), event);
        assert_eq!(
            serde_json::from_str::<RecordDraft>(r#"{"kind":"module"}"#).unwrap(),
            RecordDraft {
                kind: Some(RecordKind::Module),
                ..RecordDraft::default()
            }
        );
    }

    #[test]
    fn a_left_over_ikp_does_not_spoil_a_programme() {
        let mut programme = draft(RecordKind::Programme, "72", "01.03.2025");
        programme.ikp = Some("left over".into());
        assert!(validate(&programme, today()).is_ok());
    }
}
