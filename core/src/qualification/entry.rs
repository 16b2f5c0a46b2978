//! A record as the practitioner names it: the rules' [`Record`] (kind,
//! amount, date, ИКП) with the words a person recognises it by — the title
//! of the programme, module or event, and who ran it.
//!
//! The bot asks the questions one by one and the CSV import reads a row;
//! both go through [`validate_entry`], so a bad answer and a bad row are
//! refused for the same reasons, all of them at once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::amounts::{EventZet, ModuleZet, ProgrammeHours};
use super::records::{
    CompletedOn, Education, IkpCode, Record, RecordDraft, RecordField, RecordKind, RecordProblem,
    validate,
};
use crate::profile::TextProblem;
use crate::profile::fields::{bounded_text, given};

/// Characters of a title: «ОРВИ» is a title, a paragraph is not.
pub const TITLE_CHARS: (usize, usize) = (3, 300);
/// Characters of a provider's name: «РМАНПО» … a university's full name.
pub const PROVIDER_CHARS: (usize, usize) = (2, 300);

/// The answers so far. No `Debug`: a title may name the practitioner's
/// employer, which is personal enough.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EntryDraft {
    pub title: Option<String>,
    pub provider: Option<String>,
    pub record: RecordDraft,
}

/// A field of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryField {
    Title,
    Provider,
    Record(RecordField),
}

/// What is wrong with an entry's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    #[error("{0:?} is required")]
    Missing(EntryField),
    #[error("title: {0}")]
    Title(TextProblem),
    #[error("provider: {0}")]
    Provider(TextProblem),
    #[error(transparent)]
    Record(RecordProblem),
}

impl EntryProblem {
    pub fn field(self) -> EntryField {
        match self {
            EntryProblem::Missing(field) => field,
            EntryProblem::Title(_) => EntryField::Title,
            EntryProblem::Provider(_) => EntryField::Provider,
            EntryProblem::Record(problem) => EntryField::Record(problem.field()),
        }
    }
}

/// A valid entry; only [`validate_entry`] and the store make one.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    title: String,
    provider: String,
    record: Record,
}

impl Entry {
    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn provider(&self) -> &str {
        &self.provider
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    pub fn kind(&self) -> RecordKind {
        self.record.education.kind()
    }

    /// Hours of a programme, ЗЕТ of a module or an event.
    pub fn amount(&self) -> u32 {
        self.record.education.hours()
    }

    pub fn completed_on(&self) -> NaiveDate {
        self.record.completed_on.date()
    }

    pub fn ikp(&self) -> Option<&str> {
        match &self.record.education {
            Education::Event { ikp, .. } => Some(ikp.as_str()),
            Education::Programme { .. } | Education::Module { .. } => None,
        }
    }

    /// Canonical answers (ISO date); they validate back to this entry.
    pub fn to_draft(&self) -> EntryDraft {
        EntryDraft {
            title: Some(self.title.clone()),
            provider: Some(self.provider.clone()),
            record: RecordDraft {
                kind: Some(self.kind()),
                amount: Some(self.amount().to_string()),
                completed_on: Some(self.completed_on().to_string()),
                ikp: self.ikp().map(str::to_owned),
            },
        }
    }

    /// An entry as stored: its values were checked when they were given,
    /// so only a value no kind allows makes it `None` (corrupt).
    pub(crate) fn stored(
        title: String,
        provider: String,
        kind: RecordKind,
        amount: u32,
        completed_on: NaiveDate,
        ikp: Option<String>,
    ) -> Option<Entry> {
        let education = match kind {
            RecordKind::Programme => Education::Programme {
                hours: ProgrammeHours::new(amount).ok()?,
            },
            RecordKind::Module => Education::Module {
                zet: ModuleZet::new(amount).ok()?,
            },
            RecordKind::Event => Education::Event {
                zet: EventZet::new(amount).ok()?,
                ikp: IkpCode::parse(&ikp?).ok()?,
            },
        };
        Some(Entry {
            title,
            provider,
            record: Record::new(education, CompletedOn::stored(completed_on)),
        })
    }
}

/// Checks every answer as of `today` (no date after it) and returns the
/// entry, or every problem found: the title's and the provider's first,
/// then the record's (in [`validate`]'s order).
pub fn validate_entry(draft: &EntryDraft, today: NaiveDate) -> Result<Entry, Vec<EntryProblem>> {
    let mut problems = Vec::new();
    let title = text(
        &mut problems,
        &draft.title,
        TITLE_CHARS,
        EntryField::Title,
        EntryProblem::Title,
    );
    let provider = text(
        &mut problems,
        &draft.provider,
        PROVIDER_CHARS,
        EntryField::Provider,
        EntryProblem::Provider,
    );
    let record = validate(&draft.record, today)
        .map_err(|found| problems.extend(found.into_iter().map(EntryProblem::Record)))
        .ok();
    match (title, provider, record) {
        (Some(title), Some(provider), Some(record)) if problems.is_empty() => Ok(Entry {
            title,
            provider,
            record,
        }),
        _ => Err(problems),
    }
}

fn text(
    problems: &mut Vec<EntryProblem>,
    value: &Option<String>,
    (min, max): (usize, usize),
    field: EntryField,
    wrong: fn(TextProblem) -> EntryProblem,
) -> Option<String> {
    let Some(value) = given(value) else {
        problems.push(EntryProblem::Missing(field));
        return None;
    };
    // Inner runs of spaces and line breaks become one space: a title is one
    // line of a card.
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    bounded_text(&value, min, max)
        .map_err(|problem| problems.push(wrong(problem)))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;
    use crate::qualification::AmountError;

    fn today() -> NaiveDate {
        date(2026, 12, 4)
    }

    fn draft() -> EntryDraft {
        EntryDraft {
            title: Some("  Кардиология:\n  актуальные вопросы ".into()),
            provider: Some("РМАНПО".into()),
            record: RecordDraft {
                kind: Some(RecordKind::Programme),
                amount: Some("36".into()),
                completed_on: Some("01.03.2025".into()),
                ikp: None,
            },
        }
    }

    #[test]
    fn an_entry_is_its_words_and_its_record() {
        let entry = validate_entry(&draft(), today()).expect("valid");
        assert_eq!(entry.title(), "Кардиология: актуальные вопросы");
        assert_eq!(entry.provider(), "РМАНПО");
        assert_eq!(entry.kind(), RecordKind::Programme);
        assert_eq!(entry.amount(), 36);
        assert_eq!(entry.completed_on(), date(2025, 3, 1));
        assert_eq!(entry.ikp(), None);
        assert!(validate_entry(&entry.to_draft(), today()) == Ok(entry));
    }

    #[test]
    fn every_problem_comes_with_its_field() {
        let mut bad = draft();
        bad.title = Some("ОК".into());
        bad.provider = None;
        bad.record.amount = Some("-3".into());
        let problems = validate_entry(&bad, today()).err().expect("refused");
        assert_eq!(
            problems,
            vec![
                EntryProblem::Title(TextProblem::TooShort { min: 3 }),
                EntryProblem::Missing(EntryField::Provider),
                EntryProblem::Record(RecordProblem::Amount(AmountError::NotPositive)),
            ]
        );
        assert_eq!(
            problems.iter().map(|p| p.field()).collect::<Vec<_>>(),
            [
                EntryField::Title,
                EntryField::Provider,
                EntryField::Record(RecordField::Amount)
            ]
        );
    }

    #[test]
    fn a_stored_event_needs_its_code_and_a_bound_amount() {
        let stored = |kind, amount, ikp: Option<&str>| {
            Entry::stored(
                "Съезд".into(),
                "РКО".into(),
                kind,
                amount,
                date(2025, 3, 1),
                ikp.map(str::to_owned),
            )
        };
        assert!(stored(RecordKind::Event, 6, Some("NMO-1")).is_some());
        assert!(stored(RecordKind::Event, 6, None).is_none());
        assert!(stored(RecordKind::Event, 51, Some("NMO-1")).is_none());
        assert!(stored(RecordKind::Programme, 1000, None).is_some());
        assert!(stored(RecordKind::Module, 0, None).is_none());
    }
}
