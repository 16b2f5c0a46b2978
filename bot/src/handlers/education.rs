//! «🎓 Образование» (from the profile card): diplomas and additional
//! education — added question by question, changed field by field, deleted
//! after a confirmation, each with its history.
//!
//! ```text
//! user: <presses 🎓 Образование>               (on the profile card)
//! bot:  (the same message) 🎓 Образование. Пока нет ни одной записи.
//!       [➕ Диплом] [➕ Повышение квалификации] [« К профилю]
//! user: <presses ➕ Диплом>
//! bot:  (the same message) Учебное заведение — как в дипломе…
//! user: Первый МГМУ им. И. М. Сеченова
//! bot:  Специальность по диплому…
//! user: Лечебное дело
//! bot:  Уровень образования: [среднее профессиональное] [высшее — специалитет] …
//! user: <presses высшее — специалитет>
//! bot:  Серия и номер диплома…
//! user: 107724 0012345                          (deleted from the chat)
//! bot:  Год окончания — четыре цифры…
//! user: 20I2
//! bot:  Год окончания: нужен год из четырёх цифр, например 2012.
//! bot:  Год окончания — четыре цифры…
//! user: 2012
//! bot:  Дата выдачи диплома в виде ДД.ММ.ГГГГ:
//! user: 30.06.2011
//! bot:  Дата выдачи диплома: диплом не может быть выдан раньше года окончания (2012).
//! user: 30.06.2012
//! bot:  Проверьте данные: <card> [✅ Сохранить] [✏️ Исправить поле] [✖️ Отменить]
//! user: <presses ✏️ Исправить поле, then Год окончания>, 2011
//! bot:  Проверьте данные: <the card with 2011> …
//! user: <presses ✅ Сохранить>
//! bot:  (the same message) ✅ Сохранено. 🎓 Образование 1. Первый МГМУ… [✏️ 1] [🗑 1] [🕘 1] …
//! ```
//!
//! A new record is stored only from its summary card; a changed field of a
//! stored record is stored at once.
//!
//! Every answer is written to a sealed draft in PostgreSQL as it is given
//! (`medcab_core::drafts`, kind `education`); Redis holds only which
//! question is open. After a Redis flush «🎓 Образование» offers
//! «▶️ Продолжить», and the next answer is taken as well. Every rule is
//! core's (`validate_education`, `validate_additional`); this module asks
//! and words the answers. Behind the step-up, like the rest of the profile.

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::dates::{self, DateError};
use medcab_core::drafts::Kind as DraftKind;
use medcab_core::history::{self, Actor, Entity};
use medcab_core::profile::{
    self, Additional, AdditionalDraft, AdditionalField, AdditionalProblem, AdditionalRecord,
    DateProblem, DiplomaNumberProblem, Education, EducationDraft, EducationField, EducationLevel,
    EducationProblem, EducationRecord, HoursProblem, MAX_HOURS, ProfileError, YearProblem,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::actions::Section;
use super::records::conversation::{self, Conversation};
use super::records::{self, date_problem, parse_id, text_problem, versions_text};
use super::screen::{Screen, button};
use super::{Action, ChatDialogue, HandlerError, HandlerResult, State, Turn, code_entry};
use crate::chat::{Button, Keyboard, Press, Said};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// A question about a diploma or a programme; also a field to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Question {
    Institution,
    Specialty,
    Level,
    DiplomaNumber,
    /// Before the diploma's date: a diploma dated before the graduation
    /// year is then refused at the date, where the mistake is.
    GraduationYear,
    DiplomaDate,
    Programme,
    Hours,
    StartsOn,
    EndsOn,
}

impl Question {
    const DIPLOMA: [Question; 6] = [
        Question::Institution,
        Question::Specialty,
        Question::Level,
        Question::DiplomaNumber,
        Question::GraduationYear,
        Question::DiplomaDate,
    ];
    const ADDITIONAL: [Question; 4] = [
        Question::Programme,
        Question::Hours,
        Question::StartsOn,
        Question::EndsOn,
    ];

    /// Short, for callback_data and the Fluent selector.
    fn code(self) -> &'static str {
        match self {
            Question::Institution => "in",
            Question::Specialty => "sp",
            Question::Level => "lv",
            Question::DiplomaNumber => "no",
            Question::GraduationYear => "gy",
            Question::DiplomaDate => "dd",
            Question::Programme => "pr",
            Question::Hours => "hr",
            Question::StartsOn => "st",
            Question::EndsOn => "en",
        }
    }

    fn parse(code: &str) -> Option<Question> {
        Question::DIPLOMA
            .into_iter()
            .chain(Question::ADDITIONAL)
            .find(|question| question.code() == code)
    }

    fn is_date(self) -> bool {
        matches!(
            self,
            Question::DiplomaDate | Question::StartsOn | Question::EndsOn
        )
    }

    fn of_education(field: EducationField) -> Question {
        match field {
            EducationField::Institution => Question::Institution,
            EducationField::Specialty => Question::Specialty,
            EducationField::Level => Question::Level,
            EducationField::DiplomaNumber => Question::DiplomaNumber,
            EducationField::DiplomaDate => Question::DiplomaDate,
            EducationField::GraduationYear => Question::GraduationYear,
        }
    }

    fn of_additional(field: AdditionalField) -> Question {
        match field {
            AdditionalField::Programme => Question::Programme,
            AdditionalField::Hours => Question::Hours,
            AdditionalField::StartsOn => Question::StartsOn,
            AdditionalField::EndsOn => Question::EndsOn,
        }
    }
}

/// A button of «🎓 Образование», inside [`Action::Edu`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EduAction {
    /// The list of records.
    List,
    NewDiploma,
    NewAdditional,
    /// Go on with the draft (after a Redis flush or a detour).
    Resume,
    /// Give up the draft.
    Cancel,
    /// The level of the diploma being added or changed.
    Level(EducationLevel),
    /// Choose a field of a record to change.
    Edit(i64),
    /// Change this field of a record.
    Field(i64, Question),
    /// Asks to confirm deleting a record.
    Delete(i64),
    ConfirmDelete(i64),
    /// The versions of a record.
    History(i64),
    /// Store the new record shown on its summary card.
    Save,
    /// Choose a field of the new record on the card to correct.
    Fix,
    /// Back to the summary card.
    Card,
    /// Correct this field of the new record; the answer returns to the card.
    DraftField(Question),
}

impl EduAction {
    pub fn encode(self) -> String {
        match self {
            EduAction::List => "list".to_owned(),
            EduAction::NewDiploma => "nd".to_owned(),
            EduAction::NewAdditional => "na".to_owned(),
            EduAction::Resume => "resume".to_owned(),
            EduAction::Cancel => "x".to_owned(),
            EduAction::Level(level) => format!("l:{}", level.as_str()),
            EduAction::Edit(id) => format!("e:{id}"),
            EduAction::Field(id, question) => format!("f:{id}:{}", question.code()),
            EduAction::Delete(id) => format!("d:{id}"),
            EduAction::ConfirmDelete(id) => format!("rm:{id}"),
            EduAction::History(id) => format!("h:{id}"),
            EduAction::Save => "save".to_owned(),
            EduAction::Fix => "fix".to_owned(),
            EduAction::Card => "card".to_owned(),
            EduAction::DraftField(question) => format!("df:{}", question.code()),
        }
    }

    pub fn parse(data: &str) -> Option<EduAction> {
        match data.split_once(':') {
            None => match data {
                "list" => Some(EduAction::List),
                "nd" => Some(EduAction::NewDiploma),
                "na" => Some(EduAction::NewAdditional),
                "resume" => Some(EduAction::Resume),
                "x" => Some(EduAction::Cancel),
                "save" => Some(EduAction::Save),
                "fix" => Some(EduAction::Fix),
                "card" => Some(EduAction::Card),
                _ => None,
            },
            Some(("l", level)) => EducationLevel::parse(level).map(EduAction::Level),
            Some(("f", rest)) => {
                let (id, code) = rest.split_once(':')?;
                Some(EduAction::Field(parse_id(id)?, Question::parse(code)?))
            }
            Some(("df", code)) => Question::parse(code).map(EduAction::DraftField),
            _ => records::parse_on_record(
                data,
                &[
                    ("e", EduAction::Edit),
                    ("d", EduAction::Delete),
                    ("rm", EduAction::ConfirmDelete),
                    ("h", EduAction::History),
                ],
            ),
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<EduAction> {
        let mut all = vec![
            EduAction::List,
            EduAction::NewDiploma,
            EduAction::NewAdditional,
            EduAction::Resume,
            EduAction::Cancel,
            EduAction::Edit(i64::MAX),
            EduAction::Delete(1),
            EduAction::ConfirmDelete(i64::MAX),
            EduAction::History(i64::MAX),
            EduAction::Save,
            EduAction::Fix,
            EduAction::Card,
        ];
        all.extend(EducationLevel::ALL.map(EduAction::Level));
        all.extend(
            Question::DIPLOMA
                .into_iter()
                .chain(Question::ADDITIONAL)
                .map(|question| EduAction::Field(i64::MAX, question)),
        );
        all.extend(
            Question::DIPLOMA
                .into_iter()
                .chain(Question::ADDITIONAL)
                .map(EduAction::DraftField),
        );
        all
    }
}

/// What is being filled in.
#[derive(Clone, Serialize, Deserialize)]
enum Record {
    Diploma(EducationDraft),
    Additional(AdditionalDraft),
}

/// A record being added (`editing` is `None`) or changed, kept as a sealed
/// draft in PostgreSQL. No `Debug`: it holds a diploma number.
#[derive(Clone, Serialize, Deserialize)]
pub struct Form {
    record: Record,
    editing: Option<i64>,
    /// The question open when the draft was last written: where to resume
    /// once the position in Redis is lost.
    question: Question,
    /// A new record has reached its summary card: a corrected answer
    /// returns to the card (drafts written before the card have neither).
    #[serde(default)]
    reviewed: bool,
    /// The summary card is on screen: no question is open, and a message
    /// is not an answer.
    #[serde(default)]
    on_card: bool,
}

impl Form {
    fn questions(&self) -> &'static [Question] {
        match self.record {
            Record::Diploma(_) => &Question::DIPLOMA,
            Record::Additional(_) => &Question::ADDITIONAL,
        }
    }

    /// The text slot of a question; the level is not typed.
    fn slot(&mut self, question: Question) -> Option<&mut Option<String>> {
        match (&mut self.record, question) {
            (Record::Diploma(d), Question::Institution) => Some(&mut d.institution),
            (Record::Diploma(d), Question::Specialty) => Some(&mut d.specialty),
            (Record::Diploma(d), Question::DiplomaNumber) => Some(&mut d.diploma_number),
            (Record::Diploma(d), Question::GraduationYear) => Some(&mut d.graduation_year),
            (Record::Diploma(d), Question::DiplomaDate) => Some(&mut d.diploma_date),
            (Record::Additional(a), Question::Programme) => Some(&mut a.programme),
            (Record::Additional(a), Question::Hours) => Some(&mut a.hours),
            (Record::Additional(a), Question::StartsOn) => Some(&mut a.starts_on),
            (Record::Additional(a), Question::EndsOn) => Some(&mut a.ends_on),
            _ => None,
        }
    }

    fn next_after(&self, question: Question) -> Option<Question> {
        let questions = self.questions();
        let at = questions.iter().position(|q| *q == question)?;
        questions.get(at + 1).copied()
    }
}

impl Conversation for Form {
    const KIND: DraftKind = DraftKind::Education;

    /// On the summary card no question is open: a message is no answer.
    fn position(&self) -> Option<State> {
        (!self.on_card).then_some(State::Education(self.question))
    }
}

enum Valid {
    Diploma(Education),
    Additional(Additional),
}

#[derive(Clone, Copy)]
enum Problem {
    Diploma(EducationProblem),
    Additional(AdditionalProblem),
}

impl Problem {
    fn question(self) -> Question {
        match self {
            Problem::Diploma(problem) => Question::of_education(problem.field()),
            Problem::Additional(problem) => Question::of_additional(problem.field()),
        }
    }
}

fn check(record: &Record, now: DateTime<Utc>) -> Result<Valid, Vec<Problem>> {
    let today = medcab_core::clock::moscow_today(now);
    match record {
        Record::Diploma(draft) => profile::validate_education(draft, today)
            .map(Valid::Diploma)
            .map_err(|problems| problems.into_iter().map(Problem::Diploma).collect()),
        Record::Additional(draft) => profile::validate_additional(draft, today)
            .map(Valid::Additional)
            .map_err(|problems| problems.into_iter().map(Problem::Additional).collect()),
    }
}

/// A stored record, whichever table it is in (both draw ids from one
/// sequence, so an id names one record).
enum Stored {
    Diploma(EducationRecord),
    Additional(AdditionalRecord),
}

impl Stored {
    fn form(&self, question: Question) -> Form {
        match self {
            Stored::Diploma(record) => Form {
                record: Record::Diploma(record.education.to_draft()),
                editing: Some(record.id),
                question,
                reviewed: false,
                on_card: false,
            },
            Stored::Additional(record) => Form {
                record: Record::Additional(record.additional.to_draft()),
                editing: Some(record.id),
                question,
                reviewed: false,
                on_card: false,
            },
        }
    }

    /// How the record is named in questions about it (plain text: buttons
    /// and `msg_with` escape on their own).
    fn name(&self) -> String {
        match self {
            Stored::Diploma(record) => record.education.institution().to_owned(),
            Stored::Additional(record) => record.additional.programme().to_owned(),
        }
    }
}

/// One of the practitioner's records; someone else's id is `None` (core
/// filters by owner).
async fn find(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    id: i64,
) -> Result<Option<Stored>, HandlerError> {
    let vault = &services.vault;
    if let Some(record) = profile::get_education(db, vault, user_id, id).await? {
        return Ok(Some(Stored::Diploma(record)));
    }
    Ok(profile::get_additional(db, vault, user_id, id)
        .await?
        .map(Stored::Additional))
}

// ---------------------------------------------------------------- texts

fn level_name(t: Texts, level: EducationLevel) -> String {
    t.msg_with("edu-level", [("level", Arg::Text(level.as_str()))])
}

fn label(t: Texts, question: Question) -> String {
    t.msg_with("edu-field", [("field", Arg::Text(question.code()))])
}

fn question_text(t: Texts, question: Question) -> String {
    match question {
        Question::Institution => t.msg("edu-ask-institution"),
        Question::Specialty => t.msg("edu-ask-specialty"),
        Question::Level => t.msg("edu-ask-level"),
        Question::DiplomaNumber => t.msg("edu-ask-diploma-number"),
        Question::GraduationYear => t.msg("edu-ask-graduation-year"),
        Question::DiplomaDate => t.msg("edu-ask-diploma-date"),
        Question::Programme => t.msg("edu-ask-programme"),
        Question::Hours => t.msg("edu-ask-hours"),
        Question::StartsOn => t.msg("edu-ask-starts-on"),
        Question::EndsOn => t.msg("edu-ask-ends-on"),
    }
}

/// What is wrong, prefixed with the field; `form` gives the other answer a
/// problem is about (the graduation year, the start date).
fn problem_text(t: Texts, problem: Problem, form: &Form) -> String {
    let reason = match problem {
        Problem::Diploma(EducationProblem::Missing(_))
        | Problem::Additional(AdditionalProblem::Missing(_)) => t.msg("edu-problem-missing"),
        Problem::Diploma(
            EducationProblem::Institution(text) | EducationProblem::Specialty(text),
        )
        | Problem::Additional(AdditionalProblem::Programme(text)) => text_problem(t, text),
        Problem::Diploma(EducationProblem::DiplomaNumber(number)) => match number {
            DiplomaNumberProblem::TooShort => t.msg("edu-problem-number-short"),
            DiplomaNumberProblem::TooLong => t.msg("edu-problem-number-long"),
            DiplomaNumberProblem::InvalidCharacters => t.msg("edu-problem-number-chars"),
        },
        Problem::Diploma(EducationProblem::DiplomaDate(date))
        | Problem::Additional(
            AdditionalProblem::StartsOn(date) | AdditionalProblem::EndsOn(date),
        ) => date_problem(t, date),
        Problem::Diploma(EducationProblem::DiplomaBeforeGraduation) => {
            let year = match &form.record {
                Record::Diploma(draft) => draft.graduation_year.clone().unwrap_or_default(),
                Record::Additional(_) => String::new(),
            };
            t.msg_with(
                "edu-problem-before-graduation",
                [("year", Arg::Text(year.trim()))],
            )
        }
        Problem::Diploma(EducationProblem::GraduationYear(year)) => match year {
            YearProblem::Malformed => t.msg("edu-problem-year-format"),
            YearProblem::TooEarly => t.msg("edu-problem-year-early"),
            YearProblem::InFuture => t.msg("edu-problem-year-future"),
        },
        Problem::Additional(AdditionalProblem::Hours(hours)) => match hours {
            HoursProblem::Malformed => t.msg("edu-problem-hours-format"),
            HoursProblem::Zero => t.msg("edu-problem-hours-zero"),
            HoursProblem::TooMany => t.msg_with(
                "edu-problem-hours-many",
                [("max", Arg::Number(MAX_HOURS.into()))],
            ),
        },
        Problem::Additional(AdditionalProblem::EndsBeforeStart) => {
            let start = match &form.record {
                Record::Additional(draft) => draft
                    .starts_on
                    .as_deref()
                    .and_then(|start| profile::parse_date(start).ok())
                    .map(|start| t.date(start))
                    .unwrap_or_default(),
                Record::Diploma(_) => String::new(),
            };
            t.msg_with(
                "edu-problem-ends-before-start",
                [("date", Arg::Text(&start))],
            )
        }
    };
    t.msg_with(
        "edu-problem",
        [
            ("field", Arg::Text(&label(t, problem.question()))),
            ("reason", Arg::Text(&reason)),
        ],
    )
}

// ---------------------------------------------------------------- screens

fn back_to_list(t: Texts) -> Button {
    button(t.msg("edu-back"), Action::Edu(EduAction::List))
}

/// The practitioner's diplomas and programmes, under `heading` when there
/// is news.
pub async fn list_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    heading: Option<String>,
) -> Result<Screen, HandlerError> {
    let vault = &services.vault;
    let diplomas = profile::list_education(db, vault, user_id).await?;
    let programmes = profile::list_additional(db, vault, user_id).await?;
    let mut text = heading.map(|h| format!("{h}\n\n")).unwrap_or_default();
    text.push_str(&t.msg("edu-title"));
    let mut rows = Vec::new();
    let mut index = 0_i64;
    // One row of buttons per record, numbered as in the text.
    let record_row = |index: i64, id: i64| {
        vec![
            button(
                t.msg_with("edu-edit-n", [("index", Arg::Number(index))]),
                Action::Edu(EduAction::Edit(id)),
            ),
            button(
                t.msg_with("edu-delete-n", [("index", Arg::Number(index))]),
                Action::Edu(EduAction::Delete(id)),
            ),
            button(
                t.msg_with("edu-history-n", [("index", Arg::Number(index))]),
                Action::Edu(EduAction::History(id)),
            ),
        ]
    };
    if diplomas.is_empty() && programmes.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.msg("edu-empty"));
    }
    if !diplomas.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.msg("edu-diplomas"));
        for record in &diplomas {
            index += 1;
            let education = &record.education;
            text.push('\n');
            text.push_str(&t.msg_with(
                "edu-diploma-line",
                [
                    ("index", Arg::Number(index)),
                    ("institution", Arg::Text(education.institution())),
                    ("specialty", Arg::Text(education.specialty())),
                    ("level", Arg::Text(&level_name(t, education.level()))),
                    ("year", Arg::Number(education.graduation_year().into())),
                ],
            ));
            rows.push(record_row(index, record.id));
        }
    }
    if !programmes.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.msg("edu-additionals"));
        for record in &programmes {
            index += 1;
            let additional = &record.additional;
            text.push('\n');
            text.push_str(&t.msg_with(
                "edu-additional-line",
                [
                    ("index", Arg::Number(index)),
                    ("programme", Arg::Text(additional.programme())),
                    ("hours", Arg::Number(additional.hours().into())),
                    ("start", Arg::Text(&t.date(additional.starts_on()))),
                    ("end", Arg::Text(&t.date(additional.ends_on()))),
                ],
            ));
            rows.push(record_row(index, record.id));
        }
    }
    if load(db, services, user_id).await?.is_some() {
        rows.push(vec![button(
            t.msg("edu-resume"),
            Action::Edu(EduAction::Resume),
        )]);
    }
    rows.push(vec![
        button(t.msg("edu-add-diploma"), Action::Edu(EduAction::NewDiploma)),
        button(
            t.msg("edu-add-additional"),
            Action::Edu(EduAction::NewAdditional),
        ),
    ]);
    rows.push(vec![button(
        t.msg("edu-back-to-profile"),
        Action::Open(Section::Profile),
    )]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// A question, with the level's buttons when it is the level, and a way
/// to give up.
fn question_screen(t: Texts, question: Question, before: Option<String>) -> Screen {
    let levels = match question {
        Question::Level => &EducationLevel::ALL[..],
        _ => &[],
    };
    let levels = levels
        .iter()
        .map(|level| button(level_name(t, *level), Action::Edu(EduAction::Level(*level))));
    let cancel = button(t.msg("edu-cancel"), Action::Edu(EduAction::Cancel));
    let text = match before {
        Some(before) => format!("{before}\n\n{}", question_text(t, question)),
        None => question_text(t, question),
    };
    Screen::new(text, Keyboard::column(levels.chain([cancel])))
}

/// The summary card of a new record: every answer under its label (the
/// diploma number too: it is the practitioner's own, shown to them), with
/// «✅ Сохранить» and «✏️ Исправить поле».
fn card_screen(t: Texts, valid: &Valid) -> Screen {
    let line = |question: Question, value: &str| {
        t.msg_with(
            "edu-card-line",
            [
                ("field", Arg::Text(&label(t, question))),
                ("value", Arg::Text(value)),
            ],
        )
    };
    let lines = match valid {
        Valid::Diploma(education) => vec![
            line(Question::Institution, education.institution()),
            line(Question::Specialty, education.specialty()),
            line(Question::Level, &level_name(t, education.level())),
            line(Question::DiplomaNumber, education.diploma_number()),
            line(
                Question::GraduationYear,
                &education.graduation_year().to_string(),
            ),
            line(Question::DiplomaDate, &t.date(education.diploma_date())),
        ],
        Valid::Additional(additional) => vec![
            line(Question::Programme, additional.programme()),
            line(
                Question::Hours,
                &t.msg_with(
                    "edu-card-hours",
                    [("hours", Arg::Number(additional.hours().into()))],
                ),
            ),
            line(Question::StartsOn, &t.date(additional.starts_on())),
            line(Question::EndsOn, &t.date(additional.ends_on())),
        ],
    };
    Screen {
        text: format!("{}\n\n{}", t.msg("edu-check"), lines.join("\n")),
        keyboard: Keyboard::new([
            vec![
                button(t.msg("edu-save"), Action::Edu(EduAction::Save)),
                button(t.msg("edu-fix"), Action::Edu(EduAction::Fix)),
            ],
            vec![button(t.msg("edu-cancel"), Action::Edu(EduAction::Cancel))],
        ]),
    }
}

/// A new record with every answer given: its summary card, the draft marked
/// as on the card (in PostgreSQL, so a flush loses nothing) and no question
/// open — or, when the answers are not fine together, the question to
/// answer again.
async fn review(
    t: Texts,
    db: &PgPool,
    services: &Services,
    dialogue: &ChatDialogue,
    user_id: UserId,
    mut form: Form,
) -> Result<Screen, HandlerError> {
    match check(&form.record, services.clock.now()) {
        Ok(valid) => {
            form.reviewed = true;
            form.on_card = true;
            // No question open: the position goes.
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            Ok(card_screen(t, &valid))
        }
        Err(problems) => {
            let problem = problems[0];
            form.on_card = false;
            form.question = problem.question();
            keep(db, services, dialogue, user_id, &form).await?;
            let reason = problem_text(t, problem, &form);
            Ok(question_screen(t, form.question, Some(reason)))
        }
    }
}

/// Stores a checked record: added (`editing` is `None`) or changed.
/// Whether it was stored (a record deleted meanwhile is not changed).
async fn store(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    valid: &Valid,
    editing: Option<i64>,
) -> Result<bool, HandlerError> {
    let vault = &services.vault;
    let actor = Actor::Practitioner(user_id);
    let now = services.clock.now();
    // A new record's draft goes in the transaction that stores it.
    let from_draft = Some(<Form as Conversation>::KIND);
    // Saved from another chat of the account a moment before: not again.
    let added = |added: Result<i64, ProfileError>| match added {
        Ok(_) => Ok(true),
        Err(ProfileError::DraftGone) => Ok(false),
        Err(error) => Err(error),
    };
    Ok(match (valid, editing) {
        (Valid::Diploma(education), None) => added(
            profile::add_education(db, vault, user_id, education, actor, now, from_draft).await,
        )?,
        (Valid::Additional(additional), None) => added(
            profile::add_additional(db, vault, user_id, additional, actor, now, from_draft).await,
        )?,
        (Valid::Diploma(education), Some(id)) => {
            profile::update_education(db, vault, user_id, id, education, actor, now).await?
        }
        (Valid::Additional(additional), Some(id)) => {
            profile::update_additional(db, vault, user_id, id, additional, actor, now).await?
        }
    })
}

/// The draft of a new record on its summary card, for the card's buttons;
/// `None` for anything else (a button left from an earlier screen).
async fn on_card(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<Form>, HandlerError> {
    Ok(load(db, services, user_id)
        .await?
        .filter(|form| form.editing.is_none() && form.on_card))
}

async fn keep(
    db: &PgPool,
    services: &Services,
    dialogue: &ChatDialogue,
    user_id: UserId,
    form: &Form,
) -> HandlerResult {
    conversation::keep(db, services, dialogue, user_id, form).await
}

async fn load(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<Form>, HandlerError> {
    conversation::load(db, services, user_id).await
}

/// /cancel: gives up the record being filled in, at a question
/// (`answering`) or left by a Redis flush. Whether there was one.
pub async fn cancel_draft(
    db: &PgPool,
    _services: &Services,
    user_id: UserId,
    answering: bool,
) -> Result<bool, HandlerError> {
    conversation::cancel::<Form>(db, user_id, answering).await
}

// ---------------------------------------------------------------- buttons

/// A button of the section. The step-up is re-checked first (a screen left
/// open outlives the session), and every id is checked in core against the
/// presser: someone else's record is refused and recorded.
pub async fn press(turn: Turn, press: Press, action: EduAction, state: State) -> HandlerResult {
    // The step-up gate (`step_up`) let this press through: the session is open.
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    let (user_id, t) = (*user, *t);
    let vault = &services.vault;
    let now = services.clock.now();
    match action {
        EduAction::List => {
            ui.answer(&press).await?;
            let list = list_screen(t, db, services, user_id, None).await?;
            ui.replace(&press, list).await
        }
        EduAction::Cancel => {
            ui.answer(&press).await?;
            conversation::finish::<Form>(db, dialogue, user_id).await?;
            let list = list_screen(t, db, services, user_id, None).await?;
            ui.replace(&press, list).await
        }
        EduAction::NewDiploma | EduAction::NewAdditional => {
            ui.answer(&press).await?;
            // A new record replaces an unfinished one.
            let form = if action == EduAction::NewDiploma {
                Form {
                    record: Record::Diploma(EducationDraft::default()),
                    editing: None,
                    question: Question::Institution,
                    reviewed: false,
                    on_card: false,
                }
            } else {
                Form {
                    record: Record::Additional(AdditionalDraft::default()),
                    editing: None,
                    question: Question::Programme,
                    reviewed: false,
                    on_card: false,
                }
            };
            keep(db, services, dialogue, user_id, &form).await?;
            ui.replace(&press, question_screen(t, form.question, None))
                .await
        }
        EduAction::Resume => {
            let Some(form) = load(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            ui.answer(&press).await?;
            if form.on_card {
                let card = review(t, db, services, dialogue, user_id, form).await?;
                return ui.replace(&press, card).await;
            }
            conversation::restore(dialogue, &form).await?;
            ui.replace(&press, question_screen(t, form.question, None))
                .await
        }
        EduAction::Save => {
            let Some(form) = load(db, services, user_id).await? else {
                // Stored already (a second tap) or given up: the list says
                // what there is.
                ui.answer(&press).await?;
                let list = list_screen(t, db, services, user_id, None).await?;
                return ui.replace(&press, list).await;
            };
            if form.editing.is_some() || !form.on_card {
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            let Ok(valid) = check(&form.record, now) else {
                // Fine when shown, not now (a date turned future?): asked again.
                let screen = review(t, db, services, dialogue, user_id, form).await?;
                return ui.replace(&press, screen).await;
            };
            let saved = store(db, services, user_id, &valid, None).await?;
            conversation::finish::<Form>(db, dialogue, user_id).await?;
            let said = saved.then(|| t.msg("edu-saved"));
            let list = list_screen(t, db, services, user_id, said).await?;
            ui.replace(&press, list).await
        }
        EduAction::Fix => {
            let Some(form) = on_card(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            ui.answer(&press).await?;
            let fields = form.questions().iter().map(|question| {
                let action = Action::Edu(EduAction::DraftField(*question));
                button(label(t, *question), action)
            });
            let back = button(t.msg("edu-back-to-card"), Action::Edu(EduAction::Card));
            let keyboard = Keyboard::column(fields.chain([back]));
            ui.replace(&press, Screen::new(t.msg("edu-fix-which"), keyboard))
                .await
        }
        EduAction::Card => {
            let Some(form) = on_card(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            ui.answer(&press).await?;
            let card = review(t, db, services, dialogue, user_id, form).await?;
            ui.replace(&press, card).await
        }
        EduAction::DraftField(question) => {
            let Some(mut form) = on_card(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            if !form.questions().contains(&question) {
                // A diploma's field on a programme: no button says so.
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            form.on_card = false;
            form.question = question;
            keep(db, services, dialogue, user_id, &form).await?;
            ui.replace(&press, question_screen(t, question, None)).await
        }
        EduAction::Level(level) => {
            let Some(mut form) = load(db, services, user_id)
                .await?
                .filter(|form| !form.on_card)
            else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            // The open question is the one in Redis; without it (flushed),
            // the one the draft was at.
            match state {
                State::Education(question) => form.question = question,
                State::Idle => {}
                _ => return records::outdated(&turn.ui, &press, turn.t).await,
            }
            let Record::Diploma(draft) = &mut form.record else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            if form.question != Question::Level {
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            draft.level = Some(level);
            let chosen = t.msg_with(
                "edu-level-chosen",
                [("level", Arg::Text(&level_name(t, level)))],
            );
            // The buttons go: the message now says what was chosen.
            let done = Screen {
                text: chosen,
                keyboard: Keyboard::default(),
            };
            ui.replace(&press, done).await?;
            advance(&turn, form).await
        }
        EduAction::Edit(id) => {
            let Some(stored) = find(db, services, user_id, id).await? else {
                return records::forged(&turn, &press, Entity::Education, id, now).await;
            };
            ui.answer(&press).await?;
            let questions = match stored {
                Stored::Diploma(_) => &Question::DIPLOMA[..],
                Stored::Additional(_) => &Question::ADDITIONAL[..],
            };
            let fields = questions.iter().map(|question| {
                button(
                    label(t, *question),
                    Action::Edu(EduAction::Field(id, *question)),
                )
            });
            let keyboard = Keyboard::column(fields.chain([back_to_list(t)]));
            let text = t.msg_with("edu-edit-which", [("name", Arg::Text(&stored.name()))]);
            ui.replace(&press, Screen::new(text, keyboard)).await
        }
        EduAction::Field(id, question) => {
            let Some(stored) = find(db, services, user_id, id).await? else {
                return records::forged(&turn, &press, Entity::Education, id, now).await;
            };
            let form = stored.form(question);
            if !form.questions().contains(&question) {
                // A diploma's field on a programme: no button says so.
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            keep(db, services, dialogue, user_id, &form).await?;
            ui.replace(&press, question_screen(t, question, None)).await
        }
        EduAction::Delete(id) => {
            let Some(stored) = find(db, services, user_id, id).await? else {
                return records::forged(&turn, &press, Entity::Education, id, now).await;
            };
            ui.answer(&press).await?;
            let screen = Screen {
                text: t.msg_with("edu-delete-ask", [("name", Arg::Text(&stored.name()))]),
                keyboard: Keyboard::new([[
                    button(
                        t.msg("edu-delete-confirm"),
                        Action::Edu(EduAction::ConfirmDelete(id)),
                    ),
                    button(t.msg("edu-delete-keep"), Action::Edu(EduAction::List)),
                ]]),
            };
            ui.replace(&press, screen).await
        }
        EduAction::ConfirmDelete(id) => {
            let actor = Actor::Practitioner(user_id);
            let deleted = profile::delete_education(db, vault, user_id, id, actor, now).await?
                || profile::delete_additional(db, vault, user_id, id, actor, now).await?;
            if !deleted {
                return records::forged(&turn, &press, Entity::Education, id, now).await;
            }
            ui.answer(&press).await?;
            let list = list_screen(t, db, services, user_id, Some(t.msg("edu-deleted"))).await?;
            ui.replace(&press, list).await
        }
        EduAction::History(id) => {
            // Owner-only in core: someone else's id has no versions.
            let versions = history::versions(db, vault, user_id, Entity::Education, id).await?;
            if versions.is_empty() {
                return records::forged(&turn, &press, Entity::Education, id, now).await;
            }
            ui.answer(&press).await?;
            let screen = Screen {
                text: versions_text(t, Entity::Education, &versions),
                keyboard: Keyboard::new([[back_to_list(t)]]),
            };
            ui.replace(&press, screen).await
        }
    }
}

// ---------------------------------------------------------------- messages

/// A message while a question is open: the answer to `question`.
pub async fn receive(turn: Turn, said: Said, question: Question) -> HandlerResult {
    let Some(mut form) = load(&turn.db, &turn.services, turn.user).await? else {
        // Given up meanwhile (another device, an erased account).
        turn.dialogue.exit().await?;
        let list = list_screen(turn.t, &turn.db, &turn.services, turn.user, None).await?;
        return turn.ui.show(list).await;
    };
    form.question = question;
    // A question is open, so the card is not (a stale card mark).
    form.on_card = false;
    answer(turn, said, form).await
}

/// The answer to the draft's question after a lost position: the position
/// is put back first.
pub async fn resume(turn: Turn, said: Said, form: Form) -> HandlerResult {
    conversation::restore(&turn.dialogue, &form).await?;
    answer(turn, said, form).await
}

async fn answer(turn: Turn, said: Said, mut form: Form) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let (user_id, t) = (*user, *t);
    let question = form.question;
    let Some(text) = said.text() else {
        return ui.show(question_screen(t, question, None)).await;
    };
    let value = Some(text.trim()).filter(|value| !value.is_empty());
    if question == Question::Level {
        let hint = Some(t.msg("edu-use-buttons"));
        return ui.show(question_screen(t, question, hint)).await;
    }
    if question.is_date()
        && let Some(Err(error)) = value.map(dates::parse)
    {
        // The earlier answers stay as they are; only this one is refused.
        let problem = match error {
            DateError::Shape => DateProblem::Malformed,
            DateError::NoSuchDate => DateProblem::NoSuchDate,
        };
        let reason = t.msg_with(
            "edu-problem",
            [
                ("field", Arg::Text(&label(t, question))),
                ("reason", Arg::Text(&date_problem(t, problem))),
            ],
        );
        return ui.show(question_screen(t, question, Some(reason))).await;
    }
    if let Some(slot) = form.slot(question) {
        *slot = value.map(str::to_owned);
    }
    conversation::save(db, services, user_id, &form).await?;
    if question == Question::DiplomaNumber {
        // Personal data: off the chat once stored (or refused).
        code_entry::forget(ui, &said).await;
    }
    let problems = match check(&form.record, services.clock.now()) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    };
    if let Some(problem) = problems.iter().find(|p| p.question() == question) {
        let reason = problem_text(t, *problem, &form);
        return ui.show(question_screen(t, question, Some(reason))).await;
    }
    advance(&turn, form).await
}

/// After an accepted answer: the next question when adding, then the
/// summary card (a corrected answer goes straight back to it); when
/// changing a stored record, the record stored — or, when answers that were
/// fine alone are not together, the question to answer again.
async fn advance(turn: &Turn, mut form: Form) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (user_id, t) = (*user, *t);
    let Some(id) = form.editing else {
        if !form.reviewed
            && let Some(next) = form.next_after(form.question)
        {
            form.question = next;
            keep(db, services, dialogue, user_id, &form).await?;
            return ui.show(question_screen(t, next, None)).await;
        }
        let screen = review(t, db, services, dialogue, user_id, form).await?;
        return ui.show(screen).await;
    };
    let valid = match check(&form.record, services.clock.now()) {
        Ok(valid) => valid,
        Err(problems) => {
            let problem = problems[0];
            form.question = problem.question();
            keep(db, services, dialogue, user_id, &form).await?;
            let reason = problem_text(t, problem, &form);
            let screen = question_screen(t, form.question, Some(reason));
            return ui.show(screen).await;
        }
    };
    let stored = store(db, services, user_id, &valid, Some(id)).await?;
    conversation::finish::<Form>(db, dialogue, user_id).await?;
    // A change of a record deleted meanwhile (on another device) is not
    // stored; the list says what there is.
    let heading = if stored {
        t.msg("edu-saved")
    } else {
        t.msg("edu-gone")
    };
    let list = list_screen(t, db, services, user_id, Some(heading)).await?;
    ui.show(list).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_data_is_not_an_action() {
        for data in [
            "", "l:phd", "e:", "e:0", "e:-1", "f:1", "f:1:zz", "f:x:in", "rm:1e3", "h:01",
            "list:1", "save:1", "df", "df:", "df:zz", "df:1:in", "card:x",
        ] {
            assert_eq!(EduAction::parse(data), None, "{data:?}");
        }
    }
}
