//! «📚 Обучение и НМО»: the hours counted toward periodic accreditation,
//! in words, and the records behind them — added question by question,
//! changed field by field, deleted after a confirmation, each with its
//! history.
//!
//! ```text
//! user: <presses 📚 Обучение и НМО>              (in «🎓 НМО и аккредитация»)
//! bot:  (the same message) 📚 Обучение и НМО
//!       Период: 30.06.2024 — 30.06.2029 (срок аккредитации по данным регистра…).
//!       Засчитано: 0 академических часов из 144 — осталось 144.
//!       Из них по программам повышения квалификации (ПК): 0 из 74 — не хватает 74 часов.
//!       … Ориентир портала НМО — не требование закона: 0 из 250 ЗЕТ …
//!       Записей пока нет. [➕ Добавить запись] [« НМО и аккредитация]
//! user: <presses ➕ Добавить запись>
//! bot:  (the same message) Какое обучение добавить? [ПК — …] [ИОМ — …] [Мероприятие — …]
//! user: <presses ПК — повышение квалификации (часы)>
//! bot:  Название программы, модуля или мероприятия…
//! user: Кардиология: актуальные вопросы
//! bot:  Кто проводил обучение…
//! user: РМАНПО
//! bot:  Дата окончания в виде ДД.ММ.ГГГГ…
//! user: 01.03.2030
//! bot:  Дата окончания: дата не может быть в будущем.
//! user: 29.06.2024
//! bot:  Сколько академических часов в удостоверении?…
//! user: -36
//! bot:  Объём: нужно положительное число — отрицательных и нулевых часов не бывает.
//! user: 36
//! bot:  Проверьте данные: <card> ⚠️ Дата окончания вне периода (30.06.2024 — 30.06.2029)…
//!       [✅ Сохранить] [✏️ Исправить поле] [✖️ Отменить]
//! user: <presses ✅ Сохранить>
//! bot:  (the same message) ✅ Сохранено. 📚 Обучение и НМО … 1. Кардиология… — не входит в период
//!       [✏️ 1] [🗑 1] [🕘 1] …
//! ```
//!
//! The period is the accreditation in force (the register, an
//! accreditation document on file; `qualification::standing`), or the last
//! five years, said so, with how to put it right. A record outside the
//! period is kept and marked. A new record is stored only from its summary
//! card; a changed field of a stored record is stored at once. Every answer
//! is written to a sealed draft in PostgreSQL as it is given (kind
//! `qualification`; `records::conversation`), so a Redis flush loses
//! nothing. Every rule is core's; this module asks and words the answers.
//!
//! The records list pages by [`PAGE`]. «📈 График» sends the same progress
//! as a picture (`medcab_render`, on a blocking thread: rendering is CPU
//! work), protected like every screen and gone when the session ends.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use medcab_core::UserId;
use medcab_core::dates::{self, DateError};
use medcab_core::drafts::Kind as DraftKind;
use medcab_core::history::{self, Actor, Entity};
use medcab_core::profile::DateProblem;
use medcab_core::qualification;
use medcab_core::qualification::standing::{self, Basis, Unknown};
use medcab_core::qualification::status::Source;
use medcab_core::qualification::store::{self, QualificationRecord, StoreError};
use medcab_core::qualification::{
    AccreditationPeriod, AmountError, Entry, EntryDraft, EntryField, EntryProblem, IkpError,
    RecordField, RecordKind, RecordProblem, validate_entry,
};
use medcab_core::session_files::Session;
use medcab_render::{
    ChartLabels, Field, HoursColumns, HoursReport, HoursRow, Language as RenderLanguage,
    ProgressChart,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::chat::{Activity, Button, Keyboard, OutgoingFile, Press, Said};
use crate::handlers::actions::Section;
use crate::handlers::records::conversation::{self, Conversation};
use crate::handlers::records::{self, date_problem, parse_id, text_problem, versions_text};
use crate::handlers::screen::{self, Screen, button};
use crate::handlers::{Action, ChatDialogue, HandlerError, HandlerResult, State, Turn};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// Records per page of the list: five lines of a card, each at most a few
/// hundred characters, stay well inside Telegram's 4096.
pub const PAGE: usize = 5;

/// Characters of a title or a provider in a list line (the card shows all).
const LINE_CHARS: usize = 80;

/// A question about a record; also a field to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Question {
    Kind,
    Title,
    Provider,
    CompletedOn,
    Amount,
    /// An event's only.
    Ikp,
}

impl Question {
    const ALL: [Question; 6] = [
        Question::Kind,
        Question::Title,
        Question::Provider,
        Question::CompletedOn,
        Question::Amount,
        Question::Ikp,
    ];

    /// Short, for callback_data and the Fluent selector.
    fn code(self) -> &'static str {
        match self {
            Question::Kind => "kd",
            Question::Title => "ti",
            Question::Provider => "pv",
            Question::CompletedOn => "on",
            Question::Amount => "am",
            Question::Ikp => "ik",
        }
    }

    fn parse(code: &str) -> Option<Question> {
        Question::ALL
            .into_iter()
            .find(|question| question.code() == code)
    }

    fn of(field: EntryField) -> Question {
        match field {
            EntryField::Title => Question::Title,
            EntryField::Provider => Question::Provider,
            EntryField::Record(RecordField::Kind) => Question::Kind,
            EntryField::Record(RecordField::Amount) => Question::Amount,
            EntryField::Record(RecordField::CompletedOn) => Question::CompletedOn,
            EntryField::Record(RecordField::Ikp) => Question::Ikp,
        }
    }
}

/// A button of «📚 Обучение и НМО», inside [`Action::Hours`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursAction {
    /// The progress and this page of the records (0 is the first).
    Overview(u32),
    /// The progress as a picture.
    Chart,
    /// Which period a PDF report is for.
    Reports,
    /// A PDF report for this period.
    Report(ReportPeriod),
    /// «Запросить проверку»: what an operator would check (`super::check`).
    Check,
    /// Send the records for the check.
    SendCheck,
    New,
    /// Go on with the draft (after a Redis flush or a detour).
    Resume,
    /// Give up the draft.
    Cancel,
    /// The kind of the record being added.
    Kind(RecordKind),
    /// Choose a field of a record to change.
    Edit(i64),
    /// Change this field of a record.
    Field(i64, Question),
    /// Asks to confirm deleting a record.
    Delete(i64),
    ConfirmDelete(i64),
    /// The versions of a record.
    History(i64),
    /// The record's certificate and the documents to attach (`super::certificate`).
    Certificate(i64),
    /// Attach this document to this record.
    Attach(i64, i64),
    /// Take the certificate off the record.
    Detach(i64),
    /// Store the new record shown on its summary card.
    Save,
    /// Choose a field of the new record on the card to correct.
    Fix,
    /// Back to the summary card.
    Card,
    /// Correct this field of the new record; the answer returns to the card.
    DraftField(Question),
}

/// The period of a PDF report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportPeriod {
    /// The period the overview counts (the accreditation in force, or the
    /// five years assumed).
    Accreditation,
    /// A calendar year.
    Year(i32),
}

impl ReportPeriod {
    /// A year a record may fall in: four digits, nothing forged beyond.
    fn year(text: &str) -> Option<ReportPeriod> {
        let year: i32 = text.parse().ok()?;
        (1900..=9999)
            .contains(&year)
            .then_some(ReportPeriod::Year(year))
    }
}

/// Pages past this are no page (a forged number).
const MAX_PAGE: u32 = 10_000;

fn parse_page(text: &str) -> Option<u32> {
    if text == "0" {
        return Some(0);
    }
    let page = u32::try_from(parse_id(text)?).ok()?;
    (page <= MAX_PAGE).then_some(page)
}

impl HoursAction {
    pub fn encode(self) -> String {
        match self {
            HoursAction::Overview(page) => format!("o:{page}"),
            HoursAction::New => "new".to_owned(),
            HoursAction::Chart => "chart".to_owned(),
            HoursAction::Reports => "reports".to_owned(),
            HoursAction::Report(ReportPeriod::Accreditation) => "rp:a".to_owned(),
            HoursAction::Report(ReportPeriod::Year(year)) => format!("rp:{year}"),
            HoursAction::Check => "chk".to_owned(),
            HoursAction::SendCheck => "chk!".to_owned(),
            HoursAction::Resume => "resume".to_owned(),
            HoursAction::Cancel => "x".to_owned(),
            HoursAction::Kind(kind) => format!("k:{}", kind.as_str()),
            HoursAction::Edit(id) => format!("e:{id}"),
            HoursAction::Field(id, question) => format!("f:{id}:{}", question.code()),
            HoursAction::Delete(id) => format!("d:{id}"),
            HoursAction::ConfirmDelete(id) => format!("rm:{id}"),
            HoursAction::History(id) => format!("h:{id}"),
            HoursAction::Certificate(id) => format!("ct:{id}"),
            HoursAction::Attach(id, document) => format!("at:{id}:{document}"),
            HoursAction::Detach(id) => format!("dt:{id}"),
            HoursAction::Save => "save".to_owned(),
            HoursAction::Fix => "fix".to_owned(),
            HoursAction::Card => "card".to_owned(),
            HoursAction::DraftField(question) => format!("df:{}", question.code()),
        }
    }

    pub fn parse(data: &str) -> Option<HoursAction> {
        match data.split_once(':') {
            None => match data {
                "new" => Some(HoursAction::New),
                "chart" => Some(HoursAction::Chart),
                "reports" => Some(HoursAction::Reports),
                "chk" => Some(HoursAction::Check),
                "chk!" => Some(HoursAction::SendCheck),
                "resume" => Some(HoursAction::Resume),
                "x" => Some(HoursAction::Cancel),
                "save" => Some(HoursAction::Save),
                "fix" => Some(HoursAction::Fix),
                "card" => Some(HoursAction::Card),
                _ => None,
            },
            Some(("o", page)) => parse_page(page).map(HoursAction::Overview),
            Some(("rp", "a")) => Some(HoursAction::Report(ReportPeriod::Accreditation)),
            Some(("rp", year)) => ReportPeriod::year(year).map(HoursAction::Report),
            Some(("k", kind)) => RecordKind::parse(kind).map(HoursAction::Kind),
            Some(("f", rest)) => {
                let (id, code) = rest.split_once(':')?;
                Some(HoursAction::Field(parse_id(id)?, Question::parse(code)?))
            }
            Some(("df", code)) => Question::parse(code).map(HoursAction::DraftField),
            Some(("at", rest)) => {
                let (id, document) = rest.split_once(':')?;
                Some(HoursAction::Attach(parse_id(id)?, parse_id(document)?))
            }
            _ => records::parse_on_record(
                data,
                &[
                    ("e", HoursAction::Edit),
                    ("d", HoursAction::Delete),
                    ("rm", HoursAction::ConfirmDelete),
                    ("h", HoursAction::History),
                    ("ct", HoursAction::Certificate),
                    ("dt", HoursAction::Detach),
                ],
            ),
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<HoursAction> {
        let mut all = vec![
            HoursAction::Overview(0),
            HoursAction::Overview(MAX_PAGE),
            HoursAction::New,
            HoursAction::Chart,
            HoursAction::Reports,
            HoursAction::Report(ReportPeriod::Accreditation),
            HoursAction::Report(ReportPeriod::Year(2026)),
            HoursAction::Check,
            HoursAction::SendCheck,
            HoursAction::Resume,
            HoursAction::Cancel,
            HoursAction::Edit(i64::MAX),
            HoursAction::Delete(1),
            HoursAction::ConfirmDelete(i64::MAX),
            HoursAction::History(i64::MAX),
            HoursAction::Certificate(i64::MAX),
            HoursAction::Attach(i64::MAX, i64::MAX),
            HoursAction::Detach(1),
            HoursAction::Save,
            HoursAction::Fix,
            HoursAction::Card,
        ];
        all.extend(RecordKind::ALL.map(HoursAction::Kind));
        all.extend(Question::ALL.map(|question| HoursAction::Field(i64::MAX, question)));
        all.extend(Question::ALL.map(HoursAction::DraftField));
        all
    }
}

/// A record being added (`editing` is `None`) or changed, kept as a sealed
/// draft in PostgreSQL. No `Debug`: it holds what the practitioner typed.
#[derive(Clone, Serialize, Deserialize)]
pub struct Form {
    draft: EntryDraft,
    editing: Option<i64>,
    /// The question open when the draft was last written.
    question: Question,
    /// A new record has reached its summary card: a corrected answer
    /// returns to the card.
    #[serde(default)]
    reviewed: bool,
    /// The summary card is on screen: no question is open.
    #[serde(default)]
    on_card: bool,
}

impl Form {
    fn new() -> Form {
        Form {
            draft: EntryDraft::default(),
            editing: None,
            question: Question::Kind,
            reviewed: false,
            on_card: false,
        }
    }

    fn kind(&self) -> Option<RecordKind> {
        self.draft.record.kind
    }

    /// The questions of this record, in order: the ИКП for an event only.
    fn questions(&self) -> Vec<Question> {
        Question::ALL
            .into_iter()
            .filter(|question| *question != Question::Ikp || self.kind() == Some(RecordKind::Event))
            .collect()
    }

    /// What may be changed in a stored record: all but its kind (a
    /// programme's hours are not a module's ЗЕТ; another kind is another
    /// record).
    fn editable(&self) -> Vec<Question> {
        self.questions()
            .into_iter()
            .filter(|question| *question != Question::Kind)
            .collect()
    }

    /// The text slot of a question; the kind is not typed.
    fn slot(&mut self, question: Question) -> Option<&mut Option<String>> {
        let draft = &mut self.draft;
        match question {
            Question::Kind => None,
            Question::Title => Some(&mut draft.title),
            Question::Provider => Some(&mut draft.provider),
            Question::CompletedOn => Some(&mut draft.record.completed_on),
            Question::Amount => Some(&mut draft.record.amount),
            Question::Ikp => Some(&mut draft.record.ikp),
        }
    }

    fn next_after(&self, question: Question) -> Option<Question> {
        let questions = self.questions();
        let at = questions.iter().position(|q| *q == question)?;
        questions.get(at + 1).copied()
    }

    fn of(record: &QualificationRecord, question: Question) -> Form {
        Form {
            draft: record.entry.to_draft(),
            editing: Some(record.id),
            question,
            reviewed: false,
            on_card: false,
        }
    }
}

impl Conversation for Form {
    const KIND: DraftKind = DraftKind::Qualification;

    fn position(&self) -> Option<State> {
        (!self.on_card).then_some(State::Hours(self.question))
    }
}

fn check(form: &Form, now: DateTime<Utc>) -> Result<Entry, Vec<EntryProblem>> {
    validate_entry(&form.draft, medcab_core::clock::moscow_today(now))
}

// ---------------------------------------------------------------- texts

pub(crate) fn kind_name(t: Texts, kind: RecordKind) -> String {
    t.msg_with("hours-kind", [("kind", Arg::Text(kind.as_str()))])
}

fn kind_long(t: Texts, kind: RecordKind) -> String {
    t.msg_with("hours-kind-long", [("kind", Arg::Text(kind.as_str()))])
}

pub(crate) fn amount_text(t: Texts, kind: RecordKind, amount: u32) -> String {
    t.msg_with(
        "hours-amount",
        [
            ("kind", Arg::Text(kind.as_str())),
            ("amount", Arg::Number(amount.into())),
        ],
    )
}

fn label(t: Texts, question: Question) -> String {
    t.msg_with("hours-field", [("field", Arg::Text(question.code()))])
}

fn question_text(t: Texts, question: Question, kind: Option<RecordKind>) -> String {
    match question {
        Question::Kind => t.msg("hours-ask-kind"),
        Question::Title => t.msg("hours-ask-title"),
        Question::Provider => t.msg("hours-ask-provider"),
        Question::CompletedOn => t.msg("hours-ask-completed-on"),
        Question::Amount => t.msg_with(
            "hours-ask-amount",
            [(
                "kind",
                Arg::Text(kind.unwrap_or(RecordKind::Programme).as_str()),
            )],
        ),
        Question::Ikp => t.msg("hours-ask-ikp"),
    }
}

/// What is wrong, prefixed with the field.
fn problem_text(t: Texts, problem: EntryProblem, form: &Form) -> String {
    let reason = match problem {
        EntryProblem::Missing(_)
        | EntryProblem::Record(RecordProblem::Missing(_) | RecordProblem::Ikp(IkpError::Blank)) => {
            t.msg("hours-problem-missing")
        }
        EntryProblem::Title(text) | EntryProblem::Provider(text) => text_problem(t, text),
        EntryProblem::Record(RecordProblem::CompletedOn(date)) => date_problem(t, date),
        EntryProblem::Record(RecordProblem::Amount(amount)) => match amount {
            AmountError::Malformed => t.msg("hours-problem-amount-format"),
            AmountError::NotPositive => t.msg_with(
                "hours-problem-amount-positive",
                [(
                    "kind",
                    Arg::Text(form.kind().unwrap_or(RecordKind::Programme).as_str()),
                )],
            ),
            AmountError::TooMany { max } => t.msg_with(
                "hours-problem-amount-many",
                [
                    (
                        "kind",
                        Arg::Text(form.kind().unwrap_or(RecordKind::Programme).as_str()),
                    ),
                    ("max", Arg::Number(max.into())),
                ],
            ),
        },
        EntryProblem::Record(RecordProblem::Ikp(IkpError::TooLong { max })) => {
            t.msg_with("hours-problem-ikp-long", [("max", Arg::count(max))])
        }
    };
    reason_for(t, Question::of(problem.field()), &reason)
}

fn reason_for(t: Texts, question: Question, reason: &str) -> String {
    t.msg_with(
        "hours-problem",
        [
            ("field", Arg::Text(&label(t, question))),
            ("reason", Arg::Text(reason)),
        ],
    )
}

/// At most `max` characters, with an ellipsis when cut.
pub(crate) fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn period_text(t: Texts, basis: Basis) -> String {
    let period = basis.period();
    let from = t.date(period.accredited_on());
    let until = t.date(period.valid_until());
    let key = match basis {
        Basis::Known(accreditation) => match accreditation.source {
            Source::Register => "hours-period-register",
            Source::Document => "hours-period-document",
        },
        Basis::Assumed {
            because: Unknown::Nothing,
            ..
        } => "hours-period-assumed",
        Basis::Assumed {
            because: Unknown::NumberWithoutDate,
            ..
        } => "hours-period-assumed-number",
    };
    t.msg_with(
        key,
        [("from", Arg::Text(&from)), ("until", Arg::Text(&until))],
    )
}

// ---------------------------------------------------------------- screens

fn back_to_overview(t: Texts) -> Button {
    button(t.msg("hours-back"), Action::Hours(HoursAction::Overview(0)))
}

/// The practitioner's standing on `today`: what the overview says in
/// words, the chart draws and the report prints.
async fn standing_on(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    today: NaiveDate,
) -> Result<standing::Standing, HandlerError> {
    Ok(standing::standing(
        db,
        &services.vault,
        &services.registry,
        user_id,
        services.requirements,
        today,
    )
    .await?)
}

/// The period the practitioner's hours count in, as of now.
async fn basis(db: &PgPool, services: &Services, user_id: UserId) -> Result<Basis, HandlerError> {
    let known =
        standing::known_accreditation(db, &services.vault, &services.registry, user_id).await?;
    let today = medcab_core::clock::moscow_today(services.clock.now());
    Ok(Basis::of(known, today))
}

/// The progress in words and a page of the records, under `heading` when
/// there is news.
pub async fn overview_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    page: u32,
    heading: Option<String>,
) -> Result<Screen, HandlerError> {
    let today = medcab_core::clock::moscow_today(services.clock.now());
    let standing = standing_on(db, services, user_id, today).await?;
    let progress = &standing.progress;
    let period = standing.basis.period();

    let mut text = heading.map(|h| format!("{h}\n\n")).unwrap_or_default();
    text.push_str(&t.msg("hours-title"));
    text.push_str("\n\n");
    text.push_str(&period_text(t, standing.basis));
    let measure = |key: &str, measure: medcab_core::qualification::Measure| {
        t.msg_with(
            key,
            [
                ("done", Arg::Number(measure.done.into())),
                ("target", Arg::Number(measure.target.into())),
                ("left", Arg::Number(measure.remaining().into())),
            ],
        )
    };
    text.push('\n');
    text.push_str(&measure("hours-total", progress.total));
    text.push('\n');
    text.push_str(&measure("hours-programme", progress.programme));
    text.push('\n');
    text.push_str(&t.msg_with("hours-zet", [("zet", Arg::Number(progress.zet.into()))]));
    text.push('\n');
    text.push_str(&t.msg_with(
        "hours-plan",
        [
            ("done", Arg::Number(progress.plan.cycle.done.into())),
            ("target", Arg::Number(progress.plan.cycle.target.into())),
            (
                "expected",
                Arg::Number(progress.plan.expected_by_today.into()),
            ),
        ],
    ));
    let outside = progress.before_period + progress.after_period;
    if outside > 0 {
        text.push('\n');
        text.push_str(&t.msg_with("hours-outside", [("count", Arg::count(outside))]));
    }

    let records = &standing.records;
    let pages = records.len().div_ceil(PAGE).max(1);
    let page = usize::try_from(page).unwrap_or(0).min(pages - 1);
    let mut rows = Vec::new();
    text.push_str("\n\n");
    if records.is_empty() {
        text.push_str(&t.msg("hours-empty"));
    } else {
        let first = page * PAGE;
        let shown = &records[first..records.len().min(first + PAGE)];
        text.push_str(&t.msg_with(
            "hours-records",
            [
                ("first", Arg::count(first + 1)),
                ("last", Arg::count(first + shown.len())),
                ("total", Arg::count(records.len())),
            ],
        ));
        for (offset, record) in shown.iter().enumerate() {
            let index = first + offset + 1;
            let entry = &record.entry;
            let key = if period.contains(entry.completed_on()) {
                "hours-line"
            } else {
                "hours-line-outside"
            };
            text.push('\n');
            text.push_str(&t.msg_with(
                key,
                [
                    ("index", Arg::count(index)),
                    ("title", Arg::Text(&shortened(entry.title(), LINE_CHARS))),
                    ("kind", Arg::Text(&kind_name(t, entry.kind()))),
                    (
                        "amount",
                        Arg::Text(&amount_text(t, entry.kind(), entry.amount())),
                    ),
                    ("date", Arg::Text(&t.date(entry.completed_on()))),
                    (
                        "provider",
                        Arg::Text(&shortened(entry.provider(), LINE_CHARS)),
                    ),
                ],
            ));
            if record.document_id.is_some() {
                text.push_str(&t.msg("hours-line-certificate"));
            }
            if record.confirmed {
                text.push_str(&t.msg("hours-line-confirmed"));
            }
            rows.push(vec![
                button(
                    t.msg_with("hours-edit-n", [("index", Arg::count(index))]),
                    Action::Hours(HoursAction::Edit(record.id)),
                ),
                button(
                    t.msg_with("hours-delete-n", [("index", Arg::count(index))]),
                    Action::Hours(HoursAction::Delete(record.id)),
                ),
                button(
                    t.msg_with("hours-history-n", [("index", Arg::count(index))]),
                    Action::Hours(HoursAction::History(record.id)),
                ),
            ]);
        }
    }
    let labels = (t.msg("hours-page-back"), t.msg("hours-page-next"));
    let pager = screen::pager(page, pages, labels, |page| {
        Action::Hours(HoursAction::Overview(page))
    });
    rows.extend(pager);
    if load(db, services, user_id).await?.is_some() {
        rows.push(vec![button(
            t.msg("hours-resume"),
            Action::Hours(HoursAction::Resume),
        )]);
    }
    rows.push(vec![
        button(t.msg("hours-add"), Action::Hours(HoursAction::New)),
        button(t.msg("hours-chart"), Action::Hours(HoursAction::Chart)),
    ]);
    rows.push(vec![button(
        t.msg("hours-reports"),
        Action::Hours(HoursAction::Reports),
    )]);
    if let Some((line, row)) = super::check::overview_part(t, db, user_id, records).await? {
        text.push_str("\n\n");
        text.push_str(&line);
        rows.push(row);
    }
    rows.push(vec![button(t.msg("nmo-back"), Action::Open(Section::Nmo))]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// The progress as a picture, sent under the screen: the same figures as
/// the overview's words, the portal's plan drawn as a guide.
async fn send_chart(turn: &Turn, press: &Press) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    ui.answer(press).await?;
    ui.activity(Activity::UploadingPhoto).await;
    let now = services.clock.now();
    let today = medcab_core::clock::moscow_today(now);
    let standing = standing_on(db, services, user_id, today).await?;
    let chart = progress_chart(t, &standing);
    let png = tokio::task::spawn_blocking(move || chart.render_png()).await??;
    let picture =
        OutgoingFile::new("medcab-progress.png", png.bytes).caption(t.msg("hours-chart-caption"));
    let sent = ui.send_picture(picture).await?;
    screen::gone_with_session(ui, db, user_id, &sent, Session::Practitioner, now).await?;
    Ok(())
}

/// Which period a report covers: the accreditation's, this year or the
/// last.
fn reports_screen(t: Texts, this_year: i32) -> Screen {
    let year = |year: i32| {
        button(
            t.msg_with(
                "hours-report-year",
                [("year", Arg::Text(&year.to_string()))],
            ),
            Action::Hours(HoursAction::Report(ReportPeriod::Year(year))),
        )
    };
    Screen {
        text: t.msg("hours-reports-text"),
        keyboard: Keyboard::new([
            vec![button(
                t.msg("hours-report-accreditation"),
                Action::Hours(HoursAction::Report(ReportPeriod::Accreditation)),
            )],
            vec![year(this_year), year(this_year - 1)],
            vec![button(
                t.msg("hours-back"),
                Action::Hours(HoursAction::Overview(0)),
            )],
        ]),
    }
}

/// The records of `period` as a PDF for an employer: the name inside the
/// file only (its file name says what it is, not whose). Not protected:
/// it is made to be forwarded; it leaves the chat with the session.
async fn send_report(turn: &Turn, press: &Press, period: ReportPeriod) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    ui.answer(press).await?;
    ui.activity(Activity::UploadingDocument).await;
    let now = services.clock.now();
    let today = medcab_core::clock::moscow_today(now);
    let standing = standing_on(db, services, user_id, today).await?;
    let (from, until) = match period {
        ReportPeriod::Accreditation => {
            let period = standing.basis.period();
            (period.accredited_on(), period.valid_until())
        }
        ReportPeriod::Year(year) => (
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
        ),
    };
    let name = super::name_on_pdf(db, services, user_id).await?;
    let report = hours_report(t, &standing, &name, (from, until), today);
    let pdf = tokio::task::spawn_blocking(move || report.render_pdf()).await??;
    if !pdf.warnings.is_empty() {
        tracing::warn!(warnings = ?pdf.warnings, "the hours report's template warned");
    }
    let file_name = match period {
        ReportPeriod::Accreditation => t.msg("hours-report-file"),
        ReportPeriod::Year(year) => t.msg_with(
            "hours-report-file-year",
            [("year", Arg::Text(&year.to_string()))],
        ),
    };
    let caption = t.msg_with(
        "hours-report-caption",
        [
            ("from", Arg::Text(&t.date(from))),
            ("until", Arg::Text(&t.date(until))),
        ],
    );
    let file = OutgoingFile::new(file_name, pdf.bytes)
        .caption(caption)
        .shareable();
    let sent = ui.send_file(file).await?;
    // Forwarded while the session is open; gone from the chat with it.
    screen::gone_with_session(ui, db, user_id, &sent, Session::Practitioner, now).await?;
    Ok(())
}

/// The report's rows and words; the totals are core's.
fn hours_report(
    t: Texts,
    standing: &standing::Standing,
    name: &str,
    (from, until): (NaiveDate, NaiveDate),
    made_on: NaiveDate,
) -> HoursReport {
    let mut records: Vec<_> = standing
        .records
        .iter()
        .filter(|record| qualification::within(record.entry.record(), from, until))
        .collect();
    records.sort_by_key(|record| record.entry.completed_on());
    let totals = qualification::totals_between(
        records.iter().map(|record| record.entry.record()),
        from,
        until,
    );
    let rows = records
        .iter()
        .map(|record| {
            let entry = &record.entry;
            let kind = kind_name(t, entry.kind());
            HoursRow {
                date: t.date(entry.completed_on()),
                title: format!("{} ({})", entry.title(), entry.provider()),
                kind: match entry.ikp() {
                    Some(ikp) => format!("{kind}, {ikp}"),
                    None => kind,
                },
                amount: amount_text(t, entry.kind(), entry.amount()),
            }
        })
        .collect();
    let number = |value: u32| value.to_string();
    HoursReport {
        language: match t.language() {
            medcab_core::Language::Ru => RenderLanguage::Ru,
            medcab_core::Language::En => RenderLanguage::En,
        },
        title: t.msg("hours-report-title"),
        person: Field::new(t.msg("hours-report-person"), name),
        period: Field::new(
            t.msg("hours-report-period"),
            format!("{} — {}", t.date(from), t.date(until)),
        ),
        details: Vec::new(),
        columns: HoursColumns {
            date: t.msg("hours-report-column-date"),
            title: t.msg("hours-report-column-title"),
            kind: t.msg("hours-report-column-kind"),
            amount: t.msg("hours-report-column-amount"),
        },
        rows,
        no_rows: t.msg("hours-report-empty"),
        totals: vec![
            Field::new(t.msg("hours-report-total"), number(totals.hours())),
            Field::new(
                t.msg("hours-report-total-programme"),
                number(totals.programme_hours),
            ),
            Field::new(t.msg("hours-report-total-zet"), number(totals.zet)),
        ],
        footer: Some(t.msg_with(
            "hours-report-footer",
            [("date", Arg::Text(&t.date(made_on)))],
        )),
    }
}

/// The chart's figures and words.
fn progress_chart(t: Texts, standing: &standing::Standing) -> ProgressChart {
    let progress = &standing.progress;
    let period = standing.basis.period();
    let of = |key: &str, measure: medcab_core::qualification::Measure| {
        t.msg_with(
            key,
            [
                ("done", Arg::Number(measure.done.into())),
                ("target", Arg::Number(measure.target.into())),
            ],
        )
    };
    ProgressChart {
        counted_hours: f64::from(progress.total.done),
        required_hours: f64::from(progress.total.target),
        pk_hours: f64::from(progress.programme.done),
        pk_minimum: f64::from(progress.programme.target),
        zet: f64::from(progress.plan.cycle.done),
        zet_plan: f64::from(progress.plan.cycle.target),
        labels: ChartLabels {
            title: t.msg("hours-chart-title"),
            period: format!(
                "{} — {}",
                t.date(period.accredited_on()),
                t.date(period.valid_until())
            ),
            hours: t.msg("hours-chart-hours"),
            hours_value: of("hours-chart-hours-value", progress.total),
            pk: t.msg("hours-chart-pk"),
            pk_value: of("hours-chart-hours-value", progress.programme),
            zet: t.msg("hours-chart-zet"),
            zet_value: of("hours-chart-zet-value", progress.plan.cycle),
            guide_note: t.msg("hours-chart-guide"),
        },
    }
}

/// A question, with the kinds' buttons when it is the kind, and a way to
/// give up.
fn question_screen(t: Texts, form: &Form, before: Option<String>) -> Screen {
    let question = form.question;
    let kinds = match question {
        Question::Kind => &RecordKind::ALL[..],
        _ => &[],
    };
    let kinds = kinds.iter().map(|kind| {
        button(
            t.msg_with("hours-kind-button", [("kind", Arg::Text(kind.as_str()))]),
            Action::Hours(HoursAction::Kind(*kind)),
        )
    });
    let cancel = button(t.msg("hours-cancel"), Action::Hours(HoursAction::Cancel));
    let asked = question_text(t, question, form.kind());
    let text = match before {
        Some(before) => format!("{before}\n\n{asked}"),
        None => asked,
    };
    Screen::new(text, Keyboard::column(kinds.chain([cancel])))
}

/// The summary card of a new record, with a warning when its date is
/// outside the period.
fn card_screen(t: Texts, entry: &Entry, period: AccreditationPeriod) -> Screen {
    let line = |question: Question, value: &str| {
        t.msg_with(
            "hours-card-line",
            [
                ("field", Arg::Text(&label(t, question))),
                ("value", Arg::Text(value)),
            ],
        )
    };
    let mut lines = vec![
        line(Question::Kind, &kind_long(t, entry.kind())),
        line(Question::Title, entry.title()),
        line(Question::Provider, entry.provider()),
        line(Question::CompletedOn, &t.date(entry.completed_on())),
        line(
            Question::Amount,
            &amount_text(t, entry.kind(), entry.amount()),
        ),
    ];
    if let Some(ikp) = entry.ikp() {
        lines.push(line(Question::Ikp, ikp));
    }
    if !period.contains(entry.completed_on()) {
        lines.push(String::new());
        lines.push(t.msg_with(
            "hours-card-outside",
            [
                ("from", Arg::Text(&t.date(period.accredited_on()))),
                ("until", Arg::Text(&t.date(period.valid_until()))),
            ],
        ));
    }
    Screen {
        text: format!("{}\n\n{}", t.msg("hours-check"), lines.join("\n")),
        keyboard: Keyboard::new([
            vec![
                button(t.msg("hours-save"), Action::Hours(HoursAction::Save)),
                button(t.msg("hours-fix"), Action::Hours(HoursAction::Fix)),
            ],
            vec![button(
                t.msg("hours-cancel"),
                Action::Hours(HoursAction::Cancel),
            )],
        ]),
    }
}

/// A new record with every answer given: its summary card (the draft
/// marked as on the card, no question open) — or the question to answer
/// again.
async fn review(
    t: Texts,
    db: &PgPool,
    services: &Services,
    dialogue: &ChatDialogue,
    user_id: UserId,
    mut form: Form,
) -> Result<Screen, HandlerError> {
    match check(&form, services.clock.now()) {
        Ok(entry) => {
            form.reviewed = true;
            form.on_card = true;
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            let period = basis(db, services, user_id).await?.period();
            Ok(card_screen(t, &entry, period))
        }
        Err(problems) => {
            // Core names at least one problem of a refused record.
            let problem = *problems
                .first()
                .ok_or("a refused record names no problem")?;
            form.on_card = false;
            form.question = Question::of(problem.field());
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            let reason = problem_text(t, problem, &form);
            Ok(question_screen(t, &form, Some(reason)))
        }
    }
}

async fn load(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<Form>, HandlerError> {
    conversation::load(db, services, user_id).await
}

/// The draft of a new record on its summary card, for the card's buttons.
async fn on_card(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<Form>, HandlerError> {
    Ok(load(db, services, user_id)
        .await?
        .filter(|form| form.editing.is_none() && form.on_card))
}

/// /cancel: gives up the record being filled in. Whether there was one.
pub async fn cancel_draft(
    db: &PgPool,
    user_id: UserId,
    answering: bool,
) -> Result<bool, HandlerError> {
    conversation::cancel::<Form>(db, user_id, answering).await
}

async fn overview(turn: &Turn, press: &Press, heading: Option<String>) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let screen = overview_screen(*t, db, services, *user, 0, heading).await?;
    ui.replace(press, screen).await
}

// ---------------------------------------------------------------- buttons

/// A button of the section. The step-up gate let it through (the session
/// is open); every id is checked in core against the presser.
pub async fn press(turn: Turn, press: Press, action: HoursAction, state: State) -> HandlerResult {
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
    let actor = Actor::Practitioner(user_id);
    match action {
        HoursAction::Overview(page) => {
            ui.answer(&press).await?;
            let screen = overview_screen(t, db, services, user_id, page, None).await?;
            ui.replace(&press, screen).await
        }
        HoursAction::Chart => send_chart(&turn, &press).await,
        HoursAction::Reports => {
            ui.answer(&press).await?;
            let this_year = medcab_core::clock::moscow_today(now).year();
            ui.replace(&press, reports_screen(t, this_year)).await
        }
        HoursAction::Report(period) => send_report(&turn, &press, period).await,
        HoursAction::Check => {
            ui.answer(&press).await?;
            let screen = super::check::confirm_screen(t, db, user_id).await?;
            ui.replace(&press, screen).await
        }
        HoursAction::SendCheck => {
            ui.answer(&press).await?;
            let heading = super::check::send(t, db, services, user_id).await?;
            let screen = overview_screen(t, db, services, user_id, 0, Some(heading)).await?;
            ui.replace(&press, screen).await
        }
        HoursAction::Cancel => {
            ui.answer(&press).await?;
            conversation::finish::<Form>(db, dialogue, user_id).await?;
            overview(&turn, &press, None).await
        }
        HoursAction::New => {
            ui.answer(&press).await?;
            // A new record replaces an unfinished one.
            let form = Form::new();
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            ui.replace(&press, question_screen(t, &form, None)).await
        }
        HoursAction::Resume => {
            let Some(form) = load(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            ui.answer(&press).await?;
            if form.on_card {
                let card = review(t, db, services, dialogue, user_id, form).await?;
                return ui.replace(&press, card).await;
            }
            conversation::restore(dialogue, &form).await?;
            ui.replace(&press, question_screen(t, &form, None)).await
        }
        HoursAction::Save => {
            let Some(form) = load(db, services, user_id).await? else {
                // Stored already (a second tap) or given up.
                ui.answer(&press).await?;
                return overview(&turn, &press, None).await;
            };
            if form.editing.is_some() || !form.on_card {
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            let Ok(entry) = check(&form, now) else {
                let screen = review(t, db, services, dialogue, user_id, form).await?;
                return ui.replace(&press, screen).await;
            };
            let from_draft = Some(<Form as Conversation>::KIND);
            match store::add(db, vault, user_id, &entry, actor, now, from_draft).await {
                Err(StoreError::TooMany) => {
                    // The answers stay in the draft: «Продолжить» brings
                    // them back once an old record is deleted.
                    dialogue.exit().await?;
                    let full = t.msg_with(
                        "hours-too-many",
                        [("limit", Arg::count(store::MAX_RECORDS))],
                    );
                    return overview(&turn, &press, Some(full)).await;
                }
                // Saved from another chat of the account a moment before:
                // the list shows it, once.
                Err(StoreError::DraftGone) => {
                    conversation::finish::<Form>(db, dialogue, user_id).await?;
                    return overview(&turn, &press, None).await;
                }
                other => other?,
            };
            conversation::finish::<Form>(db, dialogue, user_id).await?;
            overview(&turn, &press, Some(t.msg("hours-saved"))).await
        }
        HoursAction::Fix => {
            let Some(form) = on_card(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            ui.answer(&press).await?;
            let fields = form.questions().into_iter().map(|question| {
                let action = Action::Hours(HoursAction::DraftField(question));
                button(label(t, question), action)
            });
            let back = button(
                t.msg("hours-back-to-card"),
                Action::Hours(HoursAction::Card),
            );
            let keyboard = Keyboard::column(fields.chain([back]));
            ui.replace(&press, Screen::new(t.msg("hours-fix-which"), keyboard))
                .await
        }
        HoursAction::Card => {
            let Some(form) = on_card(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            ui.answer(&press).await?;
            let card = review(t, db, services, dialogue, user_id, form).await?;
            ui.replace(&press, card).await
        }
        HoursAction::DraftField(question) => {
            let Some(mut form) = on_card(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            if !form.questions().contains(&question) {
                // An event's code on a programme: no button says so.
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            form.on_card = false;
            form.question = question;
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            ui.replace(&press, question_screen(t, &form, None)).await
        }
        HoursAction::Kind(kind) => {
            let Some(mut form) = load(db, services, user_id)
                .await?
                .filter(|form| !form.on_card && form.editing.is_none())
            else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            match state {
                State::Hours(question) => form.question = question,
                State::Idle => {}
                _ => return records::outdated(&turn.ui, &press, turn.t).await,
            }
            if form.question != Question::Kind {
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            form.draft.record.kind = Some(kind);
            // The buttons go: the message now says what was chosen.
            let done = Screen {
                text: t.msg_with(
                    "hours-kind-chosen",
                    [("kind", Arg::Text(&kind_long(t, kind)))],
                ),
                keyboard: Keyboard::default(),
            };
            ui.replace(&press, done).await?;
            advance(&turn, form).await
        }
        HoursAction::Edit(id) => {
            let Some(stored) = store::get(db, vault, user_id, id).await? else {
                return records::forged(&turn, &press, Entity::Qualification, id, now).await;
            };
            ui.answer(&press).await?;
            let fields = Form::of(&stored, Question::Title)
                .editable()
                .into_iter()
                .map(|question| {
                    button(
                        label(t, question),
                        Action::Hours(HoursAction::Field(id, question)),
                    )
                });
            let certificate = button(
                t.msg("hours-certificate-button"),
                Action::Hours(HoursAction::Certificate(id)),
            );
            let keyboard = Keyboard::column(fields.chain([certificate, back_to_overview(t)]));
            let name = shortened(stored.entry.title(), LINE_CHARS);
            let text = t.msg_with("hours-edit-which", [("name", Arg::Text(&name))]);
            ui.replace(&press, Screen::new(text, keyboard)).await
        }
        HoursAction::Certificate(id) => {
            let Some(stored) = store::get(db, vault, user_id, id).await? else {
                return records::forged(&turn, &press, Entity::Qualification, id, now).await;
            };
            ui.answer(&press).await?;
            let screen = super::certificate::screen(t, db, services, user_id, &stored).await?;
            ui.replace(&press, screen).await
        }
        HoursAction::Attach(id, _) | HoursAction::Detach(id) => {
            let document = match action {
                HoursAction::Attach(_, document) => Some(document),
                _ => None,
            };
            let done = super::certificate::attach(t, db, services, user_id, id, document).await?;
            let Some(heading) = done else {
                return records::forged(&turn, &press, Entity::Qualification, id, now).await;
            };
            ui.answer(&press).await?;
            let screen = overview_screen(t, db, services, user_id, 0, Some(heading)).await?;
            ui.replace(&press, screen).await
        }
        HoursAction::Field(id, question) => {
            let Some(stored) = store::get(db, vault, user_id, id).await? else {
                return records::forged(&turn, &press, Entity::Qualification, id, now).await;
            };
            let form = Form::of(&stored, question);
            if !form.editable().contains(&question) {
                return records::outdated(&turn.ui, &press, turn.t).await;
            }
            ui.answer(&press).await?;
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            ui.replace(&press, question_screen(t, &form, None)).await
        }
        HoursAction::Delete(id) => {
            let Some(stored) = store::get(db, vault, user_id, id).await? else {
                return records::forged(&turn, &press, Entity::Qualification, id, now).await;
            };
            ui.answer(&press).await?;
            let name = shortened(stored.entry.title(), LINE_CHARS);
            let screen = Screen {
                text: t.msg_with("hours-delete-ask", [("name", Arg::Text(&name))]),
                keyboard: Keyboard::new([[
                    button(
                        t.msg("hours-delete-confirm"),
                        Action::Hours(HoursAction::ConfirmDelete(id)),
                    ),
                    button(
                        t.msg("hours-delete-keep"),
                        Action::Hours(HoursAction::Overview(0)),
                    ),
                ]]),
            };
            ui.replace(&press, screen).await
        }
        HoursAction::ConfirmDelete(id) => {
            if !store::delete(db, vault, user_id, id, actor, now).await? {
                return records::forged(&turn, &press, Entity::Qualification, id, now).await;
            }
            ui.answer(&press).await?;
            overview(&turn, &press, Some(t.msg("hours-deleted"))).await
        }
        HoursAction::History(id) => {
            // Owner-only in core: someone else's id has no versions.
            let versions = history::versions(db, vault, user_id, Entity::Qualification, id).await?;
            if versions.is_empty() {
                return records::forged(&turn, &press, Entity::Qualification, id, now).await;
            }
            ui.answer(&press).await?;
            let screen = Screen {
                text: versions_text(t, Entity::Qualification, &versions),
                keyboard: Keyboard::new([[back_to_overview(t)]]),
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
        let screen = overview_screen(turn.t, &turn.db, &turn.services, turn.user, 0, None).await?;
        return turn.ui.show(screen).await;
    };
    form.question = question;
    form.on_card = false;
    answer(turn, said, form).await
}

/// The answer to the draft's question after a lost position.
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
        return ui.show(question_screen(t, &form, None)).await;
    };
    let value = Some(text.trim()).filter(|value| !value.is_empty());
    if question == Question::Kind {
        let hint = Some(t.msg("hours-use-buttons"));
        return ui.show(question_screen(t, &form, hint)).await;
    }
    if question == Question::CompletedOn
        && let Some(Err(error)) = value.map(dates::parse)
    {
        // Only ДД.ММ.ГГГГ as typed; the other answers stay as they are.
        let problem = match error {
            DateError::Shape => DateProblem::Malformed,
            DateError::NoSuchDate => DateProblem::NoSuchDate,
        };
        let reason = reason_for(t, question, &date_problem(t, problem));
        return ui.show(question_screen(t, &form, Some(reason))).await;
    }
    if let Some(slot) = form.slot(question) {
        *slot = value.map(str::to_owned);
    }
    conversation::save(db, services, user_id, &form).await?;
    let problems = check(&form, services.clock.now()).err().unwrap_or_default();
    if let Some(problem) = problems
        .iter()
        .find(|problem| Question::of(problem.field()) == question)
    {
        let reason = problem_text(t, *problem, &form);
        return ui.show(question_screen(t, &form, Some(reason))).await;
    }
    advance(&turn, form).await
}

/// After an accepted answer: the next question when adding, then the
/// summary card; when changing a stored record, the record stored — or the
/// question to answer again.
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
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            return ui.show(question_screen(t, &form, None)).await;
        }
        let screen = review(t, db, services, dialogue, user_id, form).await?;
        return ui.show(screen).await;
    };
    let entry = match check(&form, services.clock.now()) {
        Ok(entry) => entry,
        Err(problems) => {
            // Core names at least one problem of a refused record.
            let problem = *problems
                .first()
                .ok_or("a refused record names no problem")?;
            form.question = Question::of(problem.field());
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            let reason = problem_text(t, problem, &form);
            return ui.show(question_screen(t, &form, Some(reason))).await;
        }
    };
    let actor = Actor::Practitioner(user_id);
    let now = services.clock.now();
    let stored = store::update(db, &services.vault, user_id, id, &entry, actor, now).await?;
    conversation::finish::<Form>(db, dialogue, user_id).await?;
    let heading = if stored {
        t.msg("hours-saved")
    } else {
        t.msg("hours-gone")
    };
    let screen = overview_screen(t, db, services, user_id, 0, Some(heading)).await?;
    ui.show(screen).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_data_is_not_an_action() {
        for data in [
            "",
            "k:webinar",
            "e:",
            "e:0",
            "e:-1",
            "f:1",
            "f:1:zz",
            "f:x:ti",
            "rm:1e3",
            "h:01",
            "o:",
            "o:-1",
            "o:01",
            "o:10001",
            "o:1:2",
            "new:1",
            "save:1",
            "df",
            "df:zz",
            "card:x",
        ] {
            assert_eq!(HoursAction::parse(data), None, "{data:?}");
        }
    }

    #[test]
    fn an_event_alone_asks_for_its_code_and_the_kind_is_not_changed_later() {
        let mut form = Form::new();
        form.draft.record.kind = Some(RecordKind::Programme);
        assert_eq!(form.next_after(Question::Amount), None);
        assert!(!form.editable().contains(&Question::Kind));
        form.draft.record.kind = Some(RecordKind::Event);
        assert_eq!(form.next_after(Question::Amount), Some(Question::Ikp));
        assert_eq!(
            form.editable(),
            [
                Question::Title,
                Question::Provider,
                Question::CompletedOn,
                Question::Amount,
                Question::Ikp
            ]
        );
    }

    #[test]
    fn long_words_are_cut_for_a_list_line() {
        assert_eq!(shortened("Кардиология", 80), "Кардиология");
        let cut = shortened(&"я".repeat(100), 80);
        assert_eq!(cut.chars().count(), 80);
        assert!(cut.ends_with('…'));
    }
}
