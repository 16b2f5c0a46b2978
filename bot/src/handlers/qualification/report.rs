//! «📝 Отчёт о деятельности»: the report on professional activity for the
//! five-year period, written part by part, each answer saved at once,
//! edited from a summary card, read part by part, made into a PDF draft
//! and sent for an operator to check.
//!
//! ```text
//! user: <presses 📝 Отчёт о деятельности>       (in «🎓 НМО и аккредитация»)
//! bot:  (the same message) 📝 Отчёт о профессиональной деятельности
//!       Период: 30.06.2024 — 30.06.2029. … семь разделов … ⚠️ В отчёте не
//!       должно быть данных пациентов … [▶️ Начать] [« НМО и аккредитация]
//! user: <presses ▶️ Начать>
//! bot:  (the same message) Раздел 1 из 7. Организация и подразделение
//!       Где вы работаете … Например: … До 3000 символов … [« К отчёту]
//! user: ГБУЗ «Городская поликлиника № 1», терапевтическое отделение
//! bot:  Раздел 2 из 7. Стаж работы по специальности …
//! user: <nothing but spaces>
//! bot:  Раздел пустой — напишите текст. Раздел 2 из 7 …
//! user: Стаж 12 лет, с 2016 года — врач-терапевт участковый
//! bot:  Раздел 3 из 7. Должностные обязанности …
//! user: Веду пациента 112-233-445 95 с диагнозом I10  (deleted from the chat)
//! bot:  ⚠️ Похоже, в ответе СНИЛС пациента: «•••-•••-••• 95». … Сообщение
//!       удалено из чата. Уже заполненные разделы сохранены. Раздел 3 из 7 …
//!       (Redis is flushed: the next message still answers part 3)
//! …
//! bot:  Раздел 6 из 7. Наставничество … [⏭ Пропустить] [« К отчёту]
//! user: <presses ⏭ Пропустить>
//! …
//! bot:  ✅ Все разделы заполнены. 📝 Отчёт … 1. Организация … — ✅ 58 символов
//!       … 6. Наставничество — ⏭ пропущен … Согласование: … без согласования …
//!       [✏️ 1] … [✏️ 7] [👁 Прочитать отчёт] [📄 Черновик в PDF]
//!       [Согласование с работодателем: нет] [📨 Отправить на проверку]
//!       [« НМО и аккредитация]
//! user: <presses Согласование с работодателем: нет>
//! bot:  (the same message) … в PDF пустой блок «СОГЛАСОВАНО» … [… : да]
//! user: <presses 📄 Черновик в PDF>
//! bot:  <the PDF: «Черновик» on every page, the parts, an empty
//!       «СОГЛАСОВАНО: должность, ФИО, подпись, дата, М.П.» block>
//! user: <presses 📨 Отправить на проверку> <presses 📨 Да, отправить>
//! bot:  (the same message) 📨 Отчёт отправлен на проверку: заявка О-2026-000001.
//!       … 🕓 На проверке … (no edit buttons until an operator decides)
//! ```
//!
//! The answers are core's `activity_report` (sealed, a history version
//! each); the question being asked is a draft (`records::conversation`,
//! kind `activity_report`), holding only which part — so a restart or a
//! Redis flush loses neither an answer nor the way on. Whether the report
//! is agreed is `report_agreements`, the accreditation screen's toggle
//! too: one fact. Every rule (the parts, the bounds, what looks like a
//! patient's data, when it may be sent) is core's.

use medcab_core::UserId;
use medcab_core::activity_report::{self, ReportError};
use medcab_core::drafts::Kind as DraftKind;
use medcab_core::qualification::patient_data::Finding;
use medcab_core::qualification::report::{
    Answer, AnswerProblem, Answers, MAX_CHARS, PartState, ReportPart,
};
use medcab_core::qualification::standing::{self, Basis};
use medcab_core::qualification::{AccreditationPeriod, ReportAgreement};
use medcab_core::session_files::Session;
use medcab_render::{
    ActivityReportDraft, Agreement, ApprovalBlock, Field, Language as RenderLanguage, Pdf,
    ReportSection,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sqlx::PgPool;

use crate::chat::{Activity, Button, Keyboard, OutgoingFile, Press, Said};
use crate::handlers::actions::Section;
use crate::handlers::code_entry;
use crate::handlers::records::conversation::{self, Conversation};
use crate::handlers::records::parse_id;
use crate::handlers::screen::{self, Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, State, Turn};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// Characters of an answer on one page of «👁 Прочитать отчёт»: a whole
/// answer (3000) would fit Telegram's 4096, but reads better in halves.
pub const PAGE_CHARS: usize = 1500;

/// Characters of the current answer shown above its question.
const NOW_CHARS: usize = 300;

/// Pages past this are no page (a forged number).
const MAX_PAGE: u32 = 100;

/// The part being asked, as a position and a draft store it (its code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asking(pub ReportPart);

impl Serialize for Asking {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for Asking {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        ReportPart::parse(&code)
            .map(Asking)
            .ok_or_else(|| serde::de::Error::custom("no such part of the report"))
    }
}

/// A button of «📝 Отчёт о деятельности», inside [`Action::Report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    /// The report's screen: the introduction, or the summary card.
    Open,
    /// Ask the first part with nothing said, and go on in order.
    Start,
    /// Answer this part again; back to the card after it.
    Ask(ReportPart),
    /// Skip this (optional) part.
    Skip(ReportPart),
    /// This page of this part, to read.
    View(ReportPart, u32),
    /// The PDF draft.
    Pdf,
    /// To be agreed with the employer (`true`) or filed without.
    Mode(bool),
    /// Asks to confirm sending for review.
    Submit,
    ConfirmSubmit,
}

fn parse_page(text: &str) -> Option<u32> {
    if text == "0" {
        return Some(0);
    }
    let page = u32::try_from(parse_id(text)?).ok()?;
    (page <= MAX_PAGE).then_some(page)
}

impl ReportAction {
    pub fn encode(self) -> String {
        match self {
            ReportAction::Open => "o".to_owned(),
            ReportAction::Start => "go".to_owned(),
            ReportAction::Ask(part) => format!("a:{}", part.as_str()),
            ReportAction::Skip(part) => format!("k:{}", part.as_str()),
            ReportAction::View(part, page) => format!("v:{}:{page}", part.as_str()),
            ReportAction::Pdf => "pdf".to_owned(),
            ReportAction::Mode(true) => "m:y".to_owned(),
            ReportAction::Mode(false) => "m:n".to_owned(),
            ReportAction::Submit => "sub".to_owned(),
            ReportAction::ConfirmSubmit => "sub:ok".to_owned(),
        }
    }

    pub fn parse(data: &str) -> Option<ReportAction> {
        match data.split_once(':') {
            None => match data {
                "o" => Some(ReportAction::Open),
                "go" => Some(ReportAction::Start),
                "pdf" => Some(ReportAction::Pdf),
                "sub" => Some(ReportAction::Submit),
                _ => None,
            },
            Some(("a", part)) => ReportPart::parse(part).map(ReportAction::Ask),
            Some(("k", part)) => ReportPart::parse(part).map(ReportAction::Skip),
            Some(("v", rest)) => {
                let (part, page) = rest.split_once(':')?;
                Some(ReportAction::View(
                    ReportPart::parse(part)?,
                    parse_page(page)?,
                ))
            }
            Some(("m", "y")) => Some(ReportAction::Mode(true)),
            Some(("m", "n")) => Some(ReportAction::Mode(false)),
            Some(("sub", "ok")) => Some(ReportAction::ConfirmSubmit),
            _ => None,
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<ReportAction> {
        let mut all = vec![
            ReportAction::Open,
            ReportAction::Start,
            ReportAction::Pdf,
            ReportAction::Mode(true),
            ReportAction::Mode(false),
            ReportAction::Submit,
            ReportAction::ConfirmSubmit,
            ReportAction::View(ReportPart::Achievements, MAX_PAGE),
        ];
        all.extend(ReportPart::ALL.map(ReportAction::Ask));
        all.extend(ReportPart::ALL.map(ReportAction::Skip));
        all
    }
}

/// The part being asked, kept as a draft (no answer in it: those are
/// core's the moment they are given).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Form {
    asking: Asking,
    /// Going through the parts in order (after an answer, the next part
    /// with nothing said); otherwise one part changed from the card.
    in_order: bool,
}

impl Conversation for Form {
    const KIND: DraftKind = DraftKind::ActivityReport;

    fn position(&self) -> Option<State> {
        Some(State::Report(self.asking))
    }
}

// ---------------------------------------------------------------- texts

fn part_name(t: Texts, part: ReportPart) -> String {
    t.msg_with("report-part", [("part", Arg::Text(part.as_str()))])
}

/// At most `max` characters, with an ellipsis when cut.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// An answer cut into pages of at most `max` characters, at a paragraph
/// or a space where there is one in the page's second half.
pub fn pages(text: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = (start + max).min(chars.len());
        if end < chars.len() {
            let window = &chars[start..end];
            let half = max / 2;
            let cut = window
                .windows(2)
                .rposition(|pair| pair == ['\n', '\n'])
                .map(|at| at + 2)
                .filter(|at| *at > half)
                .or_else(|| {
                    window
                        .iter()
                        .rposition(|c| c.is_whitespace())
                        .map(|at| at + 1)
                        .filter(|at| *at > half)
                });
            if let Some(cut) = cut {
                end = start + cut;
            }
        }
        let page: String = chars[start..end].iter().collect();
        out.push(page.trim().to_owned());
        start = end;
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

fn problem_text(t: Texts, part: ReportPart, problem: &AnswerProblem) -> String {
    match problem {
        AnswerProblem::Empty if part.optional() => t.msg("report-problem-empty-optional"),
        AnswerProblem::Empty => t.msg("report-problem-empty"),
        AnswerProblem::TooLong { chars, max } => t.msg_with(
            "report-problem-long",
            [("chars", Arg::count(*chars)), ("max", Arg::count(*max))],
        ),
        AnswerProblem::PatientData(Finding { kind, shown }) => t.msg_with(
            "report-problem-patient",
            [
                ("kind", Arg::Text(kind.as_str())),
                ("shown", Arg::Text(shown)),
            ],
        ),
    }
}

fn period_text(t: Texts, basis: Basis) -> String {
    let period = basis.period();
    let key = match basis {
        Basis::Known(_) => "report-period",
        Basis::Assumed { .. } => "report-period-assumed",
    };
    t.msg_with(
        key,
        [
            ("from", Arg::Text(&t.date(period.accredited_on()))),
            ("until", Arg::Text(&t.date(period.valid_until()))),
        ],
    )
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

// ---------------------------------------------------------------- screens

fn back_to_card(t: Texts) -> Button {
    button(t.msg("report-back"), Action::Report(ReportAction::Open))
}

/// The period the report covers, as of now.
async fn basis(db: &PgPool, services: &Services, user_id: UserId) -> Result<Basis, HandlerError> {
    let known =
        standing::known_accreditation(db, &services.vault, &services.registry, user_id).await?;
    let today = medcab_core::clock::moscow_today(services.clock.now());
    Ok(Basis::of(known, today))
}

/// The report's number in review, if it is there.
async fn in_review(db: &PgPool, user_id: UserId) -> Result<Option<String>, HandlerError> {
    let open = medcab_core::applications::open_of(
        db,
        user_id,
        medcab_core::applications::Kind::ActivityReport,
    )
    .await?;
    Ok(open
        .filter(|(_, _, status)| status.awaits_review())
        .map(|(_, number, _)| number))
}

/// The question for `part`, with what it holds now when it holds
/// something, and `before` (a problem, a word of what was done) above.
fn question_screen(
    t: Texts,
    part: ReportPart,
    answers: &Answers,
    before: Option<String>,
) -> Screen {
    let mut text = before
        .map(|before| format!("{before}\n\n"))
        .unwrap_or_default();
    text.push_str(&t.msg_with(
        "report-ask",
        [
            ("number", Arg::count(part.number())),
            ("total", Arg::count(ReportPart::ALL.len())),
            ("name", Arg::Text(&part_name(t, part))),
            (
                "prompt",
                Arg::Text(&t.msg_with("report-prompt", [("part", Arg::Text(part.as_str()))])),
            ),
            ("max", Arg::count(MAX_CHARS)),
        ],
    ));
    if part.optional() {
        text.push('\n');
        text.push_str(&t.msg("report-ask-optional"));
    }
    if let Some(now) = answers.answer(part) {
        text.push_str("\n\n");
        text.push_str(&t.msg_with(
            "report-ask-now",
            [("text", Arg::Text(&shortened(now, NOW_CHARS)))],
        ));
    }
    let mut rows = Vec::new();
    if part.optional() {
        rows.push(vec![button(
            t.msg("report-skip"),
            Action::Report(ReportAction::Skip(part)),
        )]);
    }
    rows.push(vec![back_to_card(t)]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

/// The introduction (nothing said yet) or the summary card, under
/// `heading` when there is news.
pub async fn report_screen(turn: &Turn, heading: Option<String>) -> Result<Screen, HandlerError> {
    let Turn {
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    let answers = activity_report::answers(db, &services.vault, user_id).await?;
    let basis = basis(db, services, user_id).await?;
    let back = button(t.msg("nmo-back"), Action::Open(Section::Nmo));
    let mut text = heading.map(|h| format!("{h}\n\n")).unwrap_or_default();
    text.push_str(&t.msg("report-title"));
    text.push_str("\n\n");
    text.push_str(&period_text(t, basis));
    if answers.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.msg("report-intro"));
        return Ok(Screen {
            text,
            keyboard: Keyboard::new([
                vec![button(
                    t.msg("report-start"),
                    Action::Report(ReportAction::Start),
                )],
                vec![back],
            ]),
        });
    }
    let reviewing = in_review(db, user_id).await?;
    let agreement = activity_report::agreement(db, user_id).await?;
    let agreed = agreement == ReportAgreement::Agreed;
    text.push('\n');
    text.push_str(&match &reviewing {
        Some(number) => t.msg_with("report-status-review", [("number", Arg::Text(number))]),
        None if answers.finished() => t.msg("report-status-finished"),
        None => t.msg_with(
            "report-status-draft",
            [
                ("done", Arg::count(said(&answers))),
                ("total", Arg::count(ReportPart::ALL.len())),
            ],
        ),
    });
    text.push_str("\n\n");
    for part in ReportPart::ALL {
        let (state, chars) = match answers.get(part) {
            Some(PartState::Answered(answer)) => ("answered", answer.as_str().chars().count()),
            Some(PartState::Skipped) => ("skipped", 0),
            None => ("open", 0),
        };
        text.push_str(&t.msg_with(
            "report-line",
            [
                ("number", Arg::count(part.number())),
                ("name", Arg::Text(&part_name(t, part))),
                ("state", Arg::Text(state)),
                ("chars", Arg::count(chars)),
            ],
        ));
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&t.msg_with("report-mode", [("agreed", Arg::Text(yes_no(agreed)))]));

    let mut rows = Vec::new();
    if reviewing.is_none() {
        let edits: Vec<_> = ReportPart::ALL
            .into_iter()
            .map(|part| {
                button(
                    t.msg_with("report-edit-n", [("number", Arg::count(part.number()))]),
                    Action::Report(ReportAction::Ask(part)),
                )
            })
            .collect();
        rows.extend(edits.chunks(4).map(<[_]>::to_vec));
        if answers.first_open().is_some() {
            rows.push(vec![button(
                t.msg("report-continue"),
                Action::Report(ReportAction::Start),
            )]);
        }
    }
    rows.push(vec![
        button(
            t.msg("report-read"),
            Action::Report(ReportAction::View(ReportPart::Organisation, 0)),
        ),
        button(t.msg("report-pdf"), Action::Report(ReportAction::Pdf)),
    ]);
    // The mode is part of what the operator decides on: fixed while they do.
    if reviewing.is_none() {
        rows.push(vec![button(
            t.msg_with(
                "report-mode-button",
                [("agreed", Arg::Text(yes_no(agreed)))],
            ),
            Action::Report(ReportAction::Mode(!agreed)),
        )]);
    }
    if reviewing.is_none() && answers.finished() {
        rows.push(vec![button(
            t.msg("report-submit"),
            Action::Report(ReportAction::Submit),
        )]);
    }
    rows.push(vec![back]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// Parts answered or skipped.
fn said(answers: &Answers) -> usize {
    ReportPart::ALL
        .into_iter()
        .filter(|part| answers.get(*part).is_some())
        .count()
}

/// A page of a part, to read, with the way through the whole report.
fn view_screen(t: Texts, answers: &Answers, part: ReportPart, page: u32) -> Screen {
    let (body, count) = match answers.get(part) {
        Some(PartState::Answered(answer)) => {
            let all = pages(answer.as_str(), PAGE_CHARS);
            let count = all.len();
            let at = usize::try_from(page).unwrap_or(0).min(count - 1);
            (all[at].clone(), count)
        }
        Some(PartState::Skipped) => (t.msg("report-view-skipped"), 1),
        None => (t.msg("report-view-open"), 1),
    };
    let at = usize::try_from(page).unwrap_or(0).min(count - 1);
    let text = t.msg_with(
        "report-view",
        [
            ("number", Arg::count(part.number())),
            ("name", Arg::Text(&part_name(t, part))),
            ("page", Arg::count(at + 1)),
            ("pages", Arg::count(count)),
            ("text", Arg::Text(&body)),
        ],
    );
    let page_of = |n: usize| u32::try_from(n).unwrap_or(0);
    let previous = if at > 0 {
        Some(ReportAction::View(part, page_of(at - 1)))
    } else {
        part.number()
            .checked_sub(2)
            .and_then(|before| ReportPart::ALL.get(before))
            .map(|before| ReportAction::View(*before, MAX_PAGE))
    };
    let next = if at + 1 < count {
        Some(ReportAction::View(part, page_of(at + 1)))
    } else {
        part.next().map(|after| ReportAction::View(after, 0))
    };
    let mut pager = Vec::new();
    if let Some(previous) = previous {
        pager.push(button(t.msg("report-page-back"), Action::Report(previous)));
    }
    if let Some(next) = next {
        pager.push(button(t.msg("report-page-next"), Action::Report(next)));
    }
    let mut rows = Vec::new();
    if !pager.is_empty() {
        rows.push(pager);
    }
    rows.push(vec![back_to_card(t)]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

/// The PDF draft's data: the details on top, the parts, and the empty
/// agreement block or the note that it goes without one. Used for the
/// practitioner and for the operator checking the application alike.
pub async fn draft(
    t: Texts,
    db: &PgPool,
    services: &Services,
    owner: UserId,
    answers: &Answers,
) -> Result<(ActivityReportDraft, AccreditationPeriod), HandlerError> {
    let details = activity_report::details(db, &services.vault, &services.registry, owner).await?;
    let basis = basis(db, services, owner).await?;
    let period = basis.period();
    let agreement = activity_report::agreement(db, owner).await?;
    let unknown = t.msg("report-pdf-unknown");
    let field = |key: &str, value: Option<String>| {
        Field::new(t.msg(key), value.unwrap_or_else(|| unknown.clone()))
    };
    let mut notes = vec![t.msg("report-pdf-no-patients")];
    if let Basis::Assumed { .. } = basis {
        notes.push(period_text(t, basis));
    }
    let sections = ReportPart::ALL
        .into_iter()
        .map(|part| ReportSection {
            heading: format!("{}. {}", part.number(), part_name(t, part)),
            text: match answers.get(part) {
                Some(PartState::Answered(answer)) => answer.as_str().to_owned(),
                Some(PartState::Skipped) => t.msg("report-pdf-skipped"),
                None => String::new(),
            },
        })
        .collect();
    let agreement = match agreement {
        ReportAgreement::Agreed => Agreement::WithEmployer(ApprovalBlock {
            heading: t.msg("report-pdf-approval"),
            lines: [
                "report-pdf-approval-position",
                "report-pdf-approval-name",
                "report-pdf-approval-signature",
                "report-pdf-approval-date",
            ]
            .map(|key| t.msg(key))
            .to_vec(),
            seal: t.msg("report-pdf-seal"),
        }),
        ReportAgreement::NotAgreed => Agreement::WithoutEmployer {
            note: t.msg("report-pdf-not-agreed"),
        },
    };
    let draft = ActivityReportDraft {
        language: match t.language() {
            medcab_core::Language::Ru => RenderLanguage::Ru,
            medcab_core::Language::En => RenderLanguage::En,
        },
        title: t.msg("report-pdf-title"),
        draft_mark: t.msg("report-pdf-draft"),
        details: vec![
            field("report-pdf-name", details.full_name),
            field("report-pdf-specialty", details.specialty),
            field("report-pdf-position", details.position),
            field("report-pdf-organisation", details.organisation),
            Field::new(
                t.msg("report-pdf-period"),
                format!(
                    "{} — {}",
                    t.date(period.accredited_on()),
                    t.date(period.valid_until())
                ),
            ),
        ],
        notes,
        sections,
        empty_section: t.msg("report-pdf-empty"),
        agreement,
    };
    Ok((draft, period))
}

/// Renders on a blocking thread: Typst is CPU work.
pub async fn render(draft: ActivityReportDraft) -> Result<Pdf, HandlerError> {
    let pdf = tokio::task::spawn_blocking(move || draft.render_pdf()).await??;
    if !pdf.warnings.is_empty() {
        tracing::warn!(warnings = ?pdf.warnings, "the activity report's template warned");
    }
    Ok(pdf)
}

fn period_dates(t: Texts, period: AccreditationPeriod) -> (String, String) {
    (t.date(period.accredited_on()), t.date(period.valid_until()))
}

/// The PDF draft, under the screen. Not protected: it is made to be given
/// to the employer; it leaves the chat with the session.
async fn send_pdf(turn: &Turn, press: &Press) -> HandlerResult {
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
    let answers = activity_report::answers(db, &services.vault, user_id).await?;
    let (draft, period) = draft(t, db, services, user_id, &answers).await?;
    let pdf = render(draft).await?;
    let (from, until) = period_dates(t, period);
    let caption = t.msg_with(
        "report-pdf-caption",
        [("from", Arg::Text(&from)), ("until", Arg::Text(&until))],
    );
    let file = OutgoingFile::new(t.msg("report-pdf-file"), pdf.bytes)
        .caption(caption)
        .shareable();
    let sent = ui.send_file(file).await?;
    let now = services.clock.now();
    screen::gone_with_session(ui, db, user_id, &sent, Session::Practitioner, now).await?;
    Ok(())
}

/// The question for `part`, its position kept (the draft first, then Redis).
async fn ask(turn: &Turn, form: Form, before: Option<String>) -> Result<Screen, HandlerError> {
    let Turn {
        user,
        t,
        db,
        services,
        dialogue,
        ..
    } = turn;
    conversation::keep(db, services, dialogue, *user, &form).await?;
    let answers = activity_report::answers(db, &services.vault, *user).await?;
    Ok(question_screen(*t, form.asking.0, &answers, before))
}

/// Leaves the question: the card is on screen.
async fn leave(turn: &Turn) -> HandlerResult {
    conversation::finish::<Form>(&turn.db, &turn.dialogue, turn.user).await?;
    Ok(())
}

/// After a part was said: the next part with nothing said when going in
/// order, else the card (with «all done» once nothing is left).
async fn after_saved(turn: &Turn, form: &Form, done: String) -> Result<Screen, HandlerError> {
    let answers = activity_report::answers(&turn.db, &turn.services.vault, turn.user).await?;
    if form.in_order
        && let Some(next) = answers
            .open_after(form.asking.0)
            .or_else(|| answers.first_open())
    {
        let form = Form {
            asking: Asking(next),
            in_order: true,
        };
        return ask(turn, form, Some(done)).await;
    }
    leave(turn).await?;
    let heading = if answers.finished() {
        format!("{done}\n{}", turn.t.msg("report-all-done"))
    } else {
        done
    };
    report_screen(turn, Some(heading)).await
}

/// /cancel: leaves the question being asked (the answers stay: they are
/// the report). Whether one was.
pub async fn cancel_draft(
    db: &PgPool,
    user_id: UserId,
    answering: bool,
) -> Result<bool, HandlerError> {
    conversation::cancel::<Form>(db, user_id, answering).await
}

// ---------------------------------------------------------------- buttons

/// A button of the report. The step-up gate let it through.
pub async fn press(turn: Turn, press: Press, action: ReportAction, state: State) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let (user_id, t) = (*user, *t);
    let now = services.clock.now();
    // A button left from an earlier screen: it no longer means anything.
    let outdated = || ui.answer_with(&press, t.msg("button-outdated"));
    match action {
        ReportAction::Open => {
            ui.answer(&press).await?;
            leave(&turn).await?;
            let screen = report_screen(&turn, None).await?;
            ui.replace(&press, screen).await
        }
        ReportAction::Start | ReportAction::Ask(_) => {
            if let Some(number) = in_review(db, user_id).await? {
                let text = t.msg_with("report-in-review", [("number", Arg::Text(&number))]);
                return ui.answer_with(&press, text).await;
            }
            let answers = activity_report::answers(db, &services.vault, user_id).await?;
            let form = match action {
                ReportAction::Ask(part) => Form {
                    asking: Asking(part),
                    in_order: false,
                },
                _ => Form {
                    asking: Asking(answers.first_open().unwrap_or(ReportPart::Organisation)),
                    in_order: true,
                },
            };
            ui.answer(&press).await?;
            let screen = ask(&turn, form, None).await?;
            ui.replace(&press, screen).await
        }
        ReportAction::Skip(part) => {
            // Only the part being asked is skipped: an old question's
            // button says nothing of the part now open.
            let form = conversation::load::<Form>(db, services, user_id).await?;
            let asked = match state {
                State::Report(asking) => Some(asking),
                _ => form.as_ref().map(|form| form.asking),
            };
            let Some(form) = form.filter(|_| asked == Some(Asking(part))) else {
                return outdated().await;
            };
            let saved =
                activity_report::save(db, &services.vault, user_id, part, &PartState::Skipped, now)
                    .await;
            match saved {
                Ok(()) => {}
                // A required part has no such button: forged.
                Err(ReportError::NotOptional) => {
                    return outdated().await;
                }
                Err(ReportError::InReview { number }) => {
                    leave(&turn).await?;
                    let text = t.msg_with("report-in-review", [("number", Arg::Text(&number))]);
                    return ui.answer_with(&press, text).await;
                }
                Err(error) => return Err(error.into()),
            }
            ui.answer(&press).await?;
            let done = t.msg("report-skipped");
            let screen = after_saved(&turn, &form, done).await?;
            ui.replace(&press, screen).await
        }
        ReportAction::View(part, page) => {
            ui.answer(&press).await?;
            let answers = activity_report::answers(db, &services.vault, user_id).await?;
            ui.replace(&press, view_screen(t, &answers, part, page))
                .await
        }
        ReportAction::Pdf => send_pdf(&turn, &press).await,
        ReportAction::Mode(agreed) => {
            let agreement = if agreed {
                ReportAgreement::Agreed
            } else {
                ReportAgreement::NotAgreed
            };
            match activity_report::set_agreement(db, user_id, agreement, now).await {
                Ok(()) => {}
                Err(ReportError::InReview { number }) => {
                    let text = t.msg_with("report-in-review", [("number", Arg::Text(&number))]);
                    return ui.answer_with(&press, text).await;
                }
                Err(error) => return Err(error.into()),
            }
            ui.answer_with(&press, t.msg("report-mode-saved")).await?;
            let screen = report_screen(&turn, None).await?;
            ui.replace(&press, screen).await
        }
        ReportAction::Submit => {
            ui.answer(&press).await?;
            let screen = Screen {
                text: t.msg("report-submit-ask"),
                keyboard: Keyboard::new([
                    vec![button(
                        t.msg("report-submit-confirm"),
                        Action::Report(ReportAction::ConfirmSubmit),
                    )],
                    vec![back_to_card(t)],
                ]),
            };
            ui.replace(&press, screen).await
        }
        ReportAction::ConfirmSubmit => {
            let heading = match activity_report::submit(db, &services.vault, user_id, now).await {
                Ok(app) => t.msg_with("report-submitted", [("number", Arg::Text(&app.number))]),
                Err(ReportError::InReview { number }) => {
                    t.msg_with("report-in-review", [("number", Arg::Text(&number))])
                }
                Err(ReportError::Unfinished(missing)) => {
                    let list: Vec<String> = missing
                        .iter()
                        .map(|part| format!("{}. {}", part.number(), part_name(t, *part)))
                        .collect();
                    t.msg_with(
                        "report-unfinished",
                        [
                            ("count", Arg::count(list.len())),
                            ("list", Arg::Text(&list.join(", "))),
                        ],
                    )
                }
                Err(error) => return Err(error.into()),
            };
            ui.answer(&press).await?;
            let screen = report_screen(&turn, Some(heading)).await?;
            ui.replace(&press, screen).await
        }
    }
}

// ---------------------------------------------------------------- messages

/// A message while a part is asked: its answer.
pub async fn receive(turn: Turn, said: Said, asking: Asking) -> HandlerResult {
    let form = conversation::load::<Form>(&turn.db, &turn.services, turn.user)
        .await?
        .filter(|form| form.asking == asking)
        // The position is what the chat shows; a missing draft (a flush
        // of nothing, another device) goes on in order from it.
        .unwrap_or(Form {
            asking,
            in_order: true,
        });
    answer(turn, said, form).await
}

/// The answer to the draft's part after a lost position.
pub async fn resume(turn: Turn, said: Said, form: Form) -> HandlerResult {
    conversation::restore(&turn.dialogue, &form).await?;
    answer(turn, said, form).await
}

async fn answer(turn: Turn, said: Said, form: Form) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let (user_id, t) = (*user, *t);
    let part = form.asking.0;
    let answers = activity_report::answers(db, &services.vault, user_id).await?;
    let Some(text) = said.text() else {
        let hint = Some(t.msg("report-use-text"));
        return ui.show(question_screen(t, part, &answers, hint)).await;
    };
    let answer = match Answer::parse(text) {
        Ok(answer) => answer,
        Err(problem) => {
            if let AnswerProblem::PatientData(_) = problem {
                // A patient's data does not stay in the chat either.
                code_entry::forget(ui, &said).await;
            }
            let reason = Some(problem_text(t, part, &problem));
            return ui.show(question_screen(t, part, &answers, reason)).await;
        }
    };
    let saved = activity_report::save(
        db,
        &services.vault,
        user_id,
        part,
        &PartState::Answered(answer),
        services.clock.now(),
    )
    .await;
    if let Err(ReportError::InReview { number }) = saved {
        leave(&turn).await?;
        let heading = t.msg_with("report-in-review", [("number", Arg::Text(&number))]);
        let screen = report_screen(&turn, Some(heading)).await?;
        return ui.show(screen).await;
    }
    saved?;
    let done = t.msg("report-saved");
    let screen = after_saved(&turn, &form, done).await?;
    ui.show(screen).await
}

/// The report's parts for an operator's card, each cut so that all of them
/// fit in `budget` characters; the full text is the PDF.
pub fn for_card(t: Texts, answers: &Answers, budget: usize) -> Vec<String> {
    let each = budget / ReportPart::ALL.len();
    ReportPart::ALL
        .into_iter()
        .map(|part| {
            let text = match answers.get(part) {
                Some(PartState::Answered(answer)) => shortened(answer.as_str(), each),
                Some(PartState::Skipped) => t.msg("review-report-skipped"),
                None => t.msg("report-pdf-empty"),
            };
            t.msg_with(
                "review-report-line",
                [
                    ("number", Arg::count(part.number())),
                    ("name", Arg::Text(&part_name(t, part))),
                    ("text", Arg::Text(&text)),
                ],
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_data_is_not_an_action() {
        for data in [
            "",
            "a:",
            "a:patients",
            "k:Organisation",
            "v:duties",
            "v:duties:-1",
            "v:duties:01",
            "v:duties:101",
            "v:x:0",
            "m:",
            "m:yes",
            "sub:no",
            "pdf:1",
            "o:1",
        ] {
            assert_eq!(ReportAction::parse(data), None, "{data:?}");
        }
        for action in ReportAction::examples() {
            let data = format!("rep:{}", action.encode());
            assert!(data.len() <= 64, "{data}");
            assert_eq!(ReportAction::parse(&action.encode()), Some(action));
        }
    }

    #[test]
    fn a_long_answer_is_paged_at_a_paragraph_or_a_space() {
        assert_eq!(pages("Короткий ответ.", PAGE_CHARS), ["Короткий ответ."]);
        let paragraph = "Слово ".repeat(200); // 1200 characters
        let text = format!("{paragraph}\n\n{paragraph}\n\n{paragraph}");
        let paged = pages(&text, PAGE_CHARS);
        assert_eq!(paged.len(), 3, "{paged:?}");
        for page in &paged {
            assert!(page.chars().count() <= PAGE_CHARS);
            assert!(page.starts_with("Слово"), "cut between words: {page:?}");
        }
        // No space at all: cut at the bound.
        let solid = "я".repeat(3000);
        let paged = pages(&solid, PAGE_CHARS);
        assert_eq!(paged.len(), 2);
        assert_eq!(paged.concat(), solid);
    }

    #[test]
    fn an_asked_part_round_trips_as_its_code() {
        let form = Form {
            asking: Asking(ReportPart::Mentoring),
            in_order: true,
        };
        let json = serde_json::to_string(&form).unwrap();
        assert!(json.contains("\"mentoring\""), "{json}");
        let back: Form = serde_json::from_str(&json).unwrap();
        assert_eq!(back.asking, Asking(ReportPart::Mentoring));
        assert!(serde_json::from_str::<Asking>("\"patients\"").is_err());
    }
}
