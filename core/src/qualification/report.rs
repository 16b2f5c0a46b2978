//! The report on professional activity for the five-year period (Приказ
//! Минздрава № 709н: the report is part of the portfolio, agreed with the
//! head of the organisation or filed as not agreed): its parts, what an
//! answer may be, and where the report stands. Pure; the answers are
//! stored by `crate::activity_report`.
//!
//! Parts, in the order asked ([`ReportPart::ALL`]): the organisation and
//! department, experience in the specialty, duties, results, individual
//! achievements, mentoring, proposals. Mentoring and proposals may be
//! skipped: not every practitioner mentors, and proposals for improving
//! one's work are welcome, not demanded; the others describe the work
//! itself, which the report is about.
//!
//! An answer is text of at most [`MAX_CHARS`] characters (a page of the
//! report; Telegram's 4096 leave room for the prompt), not blank, and holds
//! no patient data ([`super::patient_data`]): the report describes work,
//! never a patient.

use super::ReportAgreement;
use super::patient_data::{self, Finding};
use super::portfolio::ReportState;

/// Characters of one answer at most.
pub const MAX_CHARS: usize = 3000;

/// A part of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportPart {
    /// The organisation and the department (подразделение).
    Organisation,
    /// Experience in the specialty (стаж).
    Experience,
    /// Duties (должностные обязанности).
    Duties,
    /// Results of the work over the period.
    Results,
    /// Individual achievements (publications, awards, methods introduced).
    Achievements,
    /// Mentoring (наставничество).
    Mentoring,
    /// Proposals for improving one's professional activity.
    Proposals,
}

impl ReportPart {
    pub const ALL: [ReportPart; 7] = [
        ReportPart::Organisation,
        ReportPart::Experience,
        ReportPart::Duties,
        ReportPart::Results,
        ReportPart::Achievements,
        ReportPart::Mentoring,
        ReportPart::Proposals,
    ];

    /// Stable: stored, and in buttons and Fluent selectors.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportPart::Organisation => "organisation",
            ReportPart::Experience => "experience",
            ReportPart::Duties => "duties",
            ReportPart::Results => "results",
            ReportPart::Achievements => "achievements",
            ReportPart::Mentoring => "mentoring",
            ReportPart::Proposals => "proposals",
        }
    }

    pub fn parse(text: &str) -> Option<ReportPart> {
        ReportPart::ALL
            .into_iter()
            .find(|part| part.as_str() == text)
    }

    /// Whether the part may be skipped.
    pub fn optional(self) -> bool {
        matches!(self, ReportPart::Mentoring | ReportPart::Proposals)
    }

    /// Its number in the report, from 1.
    pub fn number(self) -> usize {
        ReportPart::ALL
            .iter()
            .position(|part| *part == self)
            .map_or(0, |at| at + 1)
    }

    /// The part after this one, if any.
    pub fn next(self) -> Option<ReportPart> {
        ReportPart::ALL.get(self.number()).copied()
    }
}

/// An accepted answer: trimmed, within bounds, with no patient data.
#[derive(Clone, PartialEq, Eq)]
pub struct Answer(String);

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Answer({} chars)", self.0.chars().count())
    }
}

/// Why an answer is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerProblem {
    /// Nothing but spaces.
    Empty,
    /// Longer than [`MAX_CHARS`]: how long it is.
    TooLong { chars: usize, max: usize },
    /// Something looks like a patient's data.
    PatientData(Finding),
}

impl Answer {
    pub fn parse(text: &str) -> Result<Answer, AnswerProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AnswerProblem::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(AnswerProblem::TooLong {
                chars,
                max: MAX_CHARS,
            });
        }
        if let Some(finding) = patient_data::find(text) {
            return Err(AnswerProblem::PatientData(finding));
        }
        Ok(Answer(text.to_owned()))
    }

    /// A stored answer, as it was accepted.
    pub fn stored(text: String) -> Answer {
        Answer(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a part holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartState {
    Answered(Answer),
    /// Skipped on purpose (optional parts only).
    Skipped,
}

/// The answers given so far, by part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers(Vec<(ReportPart, PartState)>);

impl Answers {
    pub fn new(parts: impl IntoIterator<Item = (ReportPart, PartState)>) -> Answers {
        let mut answers = Answers::default();
        for (part, state) in parts {
            answers.set(part, state);
        }
        answers
    }

    pub fn set(&mut self, part: ReportPart, state: PartState) {
        self.0.retain(|(at, _)| *at != part);
        self.0.push((part, state));
        self.0.sort_by_key(|(part, _)| *part);
    }

    pub fn get(&self, part: ReportPart) -> Option<&PartState> {
        self.0
            .iter()
            .find(|(at, _)| *at == part)
            .map(|(_, state)| state)
    }

    pub fn answer(&self, part: ReportPart) -> Option<&str> {
        match self.get(part) {
            Some(PartState::Answered(answer)) => Some(answer.as_str()),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first part with nothing said yet (neither answered nor
    /// skipped), in the order asked.
    pub fn first_open(&self) -> Option<ReportPart> {
        ReportPart::ALL
            .into_iter()
            .find(|part| self.get(*part).is_none())
    }

    /// The next part with nothing said after `part`.
    pub fn open_after(&self, part: ReportPart) -> Option<ReportPart> {
        ReportPart::ALL
            .into_iter()
            .filter(|at| *at > part)
            .find(|at| self.get(*at).is_none())
    }

    /// The parts that must be answered and are not (skipped or not said).
    pub fn missing(&self) -> Vec<ReportPart> {
        ReportPart::ALL
            .into_iter()
            .filter(|part| match self.get(*part) {
                Some(PartState::Answered(_)) => false,
                Some(PartState::Skipped) => !part.optional(),
                None => true,
            })
            .collect()
    }

    /// Every part answered, or skipped where that is allowed.
    pub fn finished(&self) -> bool {
        let said: Vec<(ReportPart, bool)> = self
            .0
            .iter()
            .map(|(part, state)| (*part, matches!(state, PartState::Answered(_))))
            .collect();
        complete(&said)
    }

    /// How many parts hold an answer.
    pub fn answered(&self) -> usize {
        self.0
            .iter()
            .filter(|(_, state)| matches!(state, PartState::Answered(_)))
            .count()
    }
}

/// Whether every part is said, each required one answered: `said` is each
/// part said with whether it was answered (`false`: skipped).
pub fn complete(said: &[(ReportPart, bool)]) -> bool {
    ReportPart::ALL.into_iter().all(|part| {
        said.iter()
            .any(|(at, answered)| *at == part && (*answered || part.optional()))
    })
}

/// Where the report stands: nothing said, a draft, finished, or finished
/// and awaiting an operator's check. The agreement is the practitioner's
/// word (`report_agreements`), the same fact the accreditation screen
/// shows. A draft never counts as agreed ([`ReportState::agreement`]).
pub fn state(
    answered: usize,
    finished: bool,
    in_review: bool,
    agreement: ReportAgreement,
) -> ReportState {
    match (answered, finished, in_review) {
        (_, true, true) => ReportState::InReview(agreement),
        (_, true, false) => ReportState::Finished(agreement),
        (0, false, _) => ReportState::NotStarted,
        _ => ReportState::Draft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualification::patient_data::PatientDataKind;

    fn answered(text: &str) -> PartState {
        PartState::Answered(Answer::parse(text).unwrap())
    }

    #[test]
    fn codes_round_trip_and_only_mentoring_and_proposals_are_optional() {
        for part in ReportPart::ALL {
            assert_eq!(ReportPart::parse(part.as_str()), Some(part));
        }
        assert_eq!(ReportPart::parse("patients"), None);
        let optional: Vec<_> = ReportPart::ALL
            .into_iter()
            .filter(|part| part.optional())
            .collect();
        assert_eq!(optional, [ReportPart::Mentoring, ReportPart::Proposals]);
        assert_eq!(ReportPart::Organisation.number(), 1);
        assert_eq!(ReportPart::Proposals.number(), 7);
        assert_eq!(ReportPart::Mentoring.next(), Some(ReportPart::Proposals));
        assert_eq!(ReportPart::Proposals.next(), None);
    }

    #[test]
    fn an_answer_is_trimmed_bounded_and_free_of_patient_data() {
        assert_eq!(
            Answer::parse("  ГБУЗ ГП № 1, терапевтическое отделение \n")
                .unwrap()
                .as_str(),
            "ГБУЗ ГП № 1, терапевтическое отделение"
        );
        assert_eq!(Answer::parse(" \n\t "), Err(AnswerProblem::Empty));
        assert!(Answer::parse(&"я".repeat(MAX_CHARS)).is_ok());
        assert_eq!(
            Answer::parse(&"я".repeat(MAX_CHARS + 1)),
            Err(AnswerProblem::TooLong {
                chars: MAX_CHARS + 1,
                max: MAX_CHARS
            })
        );
        let Err(AnswerProblem::PatientData(finding)) =
            Answer::parse("Вела пациента с диагнозом J45.0 два года")
        else {
            panic!("a code is refused");
        };
        assert_eq!(finding.kind, PatientDataKind::DiagnosisCode);
    }

    #[test]
    fn the_report_is_finished_when_every_required_part_is_answered() {
        let mut answers = Answers::default();
        assert_eq!(answers.first_open(), Some(ReportPart::Organisation));
        for part in &ReportPart::ALL[..5] {
            answers.set(*part, answered("Текст раздела"));
        }
        assert!(!answers.finished());
        assert_eq!(answers.first_open(), Some(ReportPart::Mentoring));
        answers.set(ReportPart::Mentoring, PartState::Skipped);
        assert_eq!(
            answers.open_after(ReportPart::Mentoring),
            Some(ReportPart::Proposals)
        );
        answers.set(ReportPart::Proposals, PartState::Skipped);
        assert!(answers.finished());
        // A required part skipped (a forged press) still misses.
        answers.set(ReportPart::Results, PartState::Skipped);
        assert_eq!(answers.missing(), [ReportPart::Results]);
        assert!(!answers.finished());
        // Answered again: replaced, not added.
        answers.set(ReportPart::Results, answered("Новые результаты"));
        assert_eq!(
            answers.answer(ReportPart::Results),
            Some("Новые результаты")
        );
        assert!(answers.finished());
    }

    #[test]
    fn the_state_follows_the_answers_and_the_review() {
        let agreed = ReportAgreement::Agreed;
        assert_eq!(state(0, false, false, agreed), ReportState::NotStarted);
        assert_eq!(state(3, false, false, agreed), ReportState::Draft);
        assert_eq!(state(7, true, false, agreed), ReportState::Finished(agreed));
        assert_eq!(state(7, true, true, agreed), ReportState::InReview(agreed));
        // A draft is never agreed, whatever was said.
        assert_eq!(
            state(3, false, false, agreed).agreement(),
            ReportAgreement::NotAgreed
        );
    }
}
