//! «📄 Документы»: the practitioner's documents — the list, one document,
//! deleting it, and adding a new one question by question.
//!
//! ```text
//! user: <presses 📄 Документы>                 (after the step-up code)
//! bot:  (the same message) 📄 Ваши документы: 1. Диплом, № 107718 …
//!       [📄 Диплом 107718 0123456] [➕ Добавить документ] [« Назад в меню]
//! user: <presses ➕ Добавить документ>
//! bot:  (the same message) Какой документ добавить? [Паспорт] [СНИЛС] [Диплом] …
//! user: <presses Диплом>
//! bot:  (the same message) Диплом. Введите номер документа…
//! user: 107718 0123456                          (deleted from the chat)
//! bot:  Дата выдачи — в формате ДД.ММ.ГГГГ…
//! user: 31.02.2020
//! bot:  Такой даты нет: 31.02.2020. Проверьте день и месяц.
//! user: 30.06.2020
//! bot:  Пришлите файл: PDF, JPG или PNG до 5 МБ — документом или фото.
//! user: <setup.exe renamed diploma.pdf>
//! bot:  Это не PDF, JPG или PNG… Номер и даты сохранены — пришлите другой файл.
//! user: <diploma.pdf>
//! bot:  ✅ Документ сохранён: Диплом. [📄 К документам] [📨 Мои заявки]
//! ```
//!
//! The answers given so far live in the dialogue state (Redis), the number
//! sealed with the Vault so Redis holds no personal data in clear. A
//! document is confirmed to the user only once `documents::store` has
//! committed it to PostgreSQL; a restart resumes at the question asked, a
//! Redis flush costs the unconfirmed answers only.

use chrono::{DateTime, NaiveDate, Utc};
use medcab_core::crypto::Vault;
use medcab_core::documents::{
    self as docs, DocumentError, DocumentKind, DocumentMeta, FileRejection, MetaRejection, Stored,
    ValidUntilRule,
};
use medcab_core::domain::{PassportNumber, Snils};
use medcab_core::security_events;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{ChatAction, FileId, InlineKeyboardButton, InlineKeyboardMarkup};

use super::main_menu::{self, Section};
use super::screen::{self, Screen, button};
use super::{Action, ChatDialogue, HandlerError, HandlerResult, State, code_entry};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// The Vault field of the number kept in the dialogue state.
const DRAFT_NUMBER_FIELD: &str = "dialogue.document_number";

/// The longest number taken: real ones are under 30 characters, and a
/// number is shown in lists and buttons that must stay within Telegram's
/// limits.
const MAX_NUMBER_CHARS: usize = 50;

/// A button of this section, inside [`Action::Doc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocAction {
    /// Back to the list (leaves an unfinished addition).
    List,
    /// Start adding: pick the kind.
    Add,
    /// The kind of the document being added.
    Kind(DocumentKind),
    /// No answer to an optional question (a number of «другой документ»,
    /// an end date of a licence).
    Skip,
    /// One document's card.
    Open(i64),
    /// Asks to confirm deleting a document.
    Delete(i64),
    /// Deleting confirmed.
    ConfirmDelete(i64),
}

impl DocAction {
    pub fn encode(self) -> String {
        match self {
            DocAction::List => "list".to_owned(),
            DocAction::Add => "add".to_owned(),
            DocAction::Kind(kind) => format!("k:{}", kind.as_str()),
            DocAction::Skip => "skip".to_owned(),
            DocAction::Open(id) => format!("o:{id}"),
            DocAction::Delete(id) => format!("d:{id}"),
            DocAction::ConfirmDelete(id) => format!("rm:{id}"),
        }
    }

    pub fn parse(data: &str) -> Option<DocAction> {
        match data.split_once(':') {
            None => match data {
                "list" => Some(DocAction::List),
                "add" => Some(DocAction::Add),
                "skip" => Some(DocAction::Skip),
                _ => None,
            },
            Some(("k", kind)) => DocumentKind::parse(kind).map(DocAction::Kind),
            Some(("o", id)) => parse_id(id).map(DocAction::Open),
            Some(("d", id)) => parse_id(id).map(DocAction::Delete),
            Some(("rm", id)) => parse_id(id).map(DocAction::ConfirmDelete),
            _ => None,
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<DocAction> {
        let mut all = vec![
            DocAction::List,
            DocAction::Add,
            DocAction::Skip,
            DocAction::Open(i64::MAX),
            DocAction::Delete(1),
            DocAction::ConfirmDelete(i64::MAX),
        ];
        all.extend(DocumentKind::ALL.map(DocAction::Kind));
        all
    }
}

/// An id in callback data: plain decimal digits of a positive number,
/// nothing else (no sign, no spaces), so one id has one spelling.
pub fn parse_id(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// The question a document being added is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Number,
    IssuedOn,
    ValidUntil,
    File,
}

/// A document being added: the answers given so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    #[serde(with = "kind_code")]
    kind: DocumentKind,
    /// Sealed with the Vault ([`DRAFT_NUMBER_FIELD`]).
    number: Option<Vec<u8>>,
    issued_on: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    step: Step,
}

/// A kind is kept in the state by its stored name, which stays stable.
mod kind_code {
    use medcab_core::documents::DocumentKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &DocumentKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DocumentKind, D::Error> {
        let code = String::deserialize(d)?;
        DocumentKind::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown document kind {code:?}")))
    }
}

impl Draft {
    fn new(kind: DocumentKind) -> Draft {
        Draft {
            kind,
            number: None,
            issued_on: None,
            valid_until: None,
            step: Step::Number,
        }
    }

    fn meta(&self, vault: &Vault) -> Result<DocumentMeta, HandlerError> {
        let number = self
            .number
            .as_deref()
            .map(|sealed| vault.open_str(DRAFT_NUMBER_FIELD, sealed))
            .transpose()?;
        Ok(DocumentMeta {
            kind: self.kind,
            number,
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            issuer: None,
        })
    }

    /// The question after the issue date.
    fn after_issue_date(&self) -> Step {
        match self.kind.valid_until() {
            ValidUntilRule::Required | ValidUntilRule::Optional => Step::ValidUntil,
            ValidUntilRule::NotAsked => Step::File,
        }
    }
}

// ---------------------------------------------------------------- screens

fn kind_name(t: Texts, kind: DocumentKind) -> String {
    t.msg_with("doc-kind", [("kind", Arg::Text(kind.as_str()))])
}

fn date(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

fn max_megabytes() -> i64 {
    (docs::DEFAULT_MAX_BYTES / (1024 * 1024)) as i64
}

/// A size in megabytes, rounded up to a tenth so that a file just over the
/// limit never reads as the limit itself.
fn megabytes(t: Texts, bytes: usize) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    let text = format!("{}.{}", tenths / 10, tenths % 10);
    match t.language() {
        medcab_core::Language::Ru => text.replace('.', ","),
        medcab_core::Language::En => text,
    }
}

fn back_to_list(t: Texts) -> InlineKeyboardButton {
    button(t.msg("doc-back-to-list"), Action::Doc(DocAction::List))
}

/// The list of the practitioner's documents.
pub async fn list_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: i64,
) -> Result<Screen, HandlerError> {
    let documents = docs::list(db, &services.vault, user_id).await?;
    let today = docs::moscow_today(services.clock.now());
    let mut rows = Vec::new();
    let text = if documents.is_empty() {
        t.msg("doc-list-empty")
    } else {
        let mut text = t.msg_with(
            "doc-list-title",
            [("count", Arg::Number(documents.len() as i64))],
        );
        for (index, document) in documents.iter().enumerate() {
            let kind = kind_name(t, document.kind);
            let number = document.number.as_deref().unwrap_or_default();
            let issued = date(document.issued_on);
            let until = document.valid_until.map(date).unwrap_or_default();
            // Shown, not decided: store refuses expired documents; one that
            // ran out since is marked so the practitioner replaces it.
            let validity = match document.valid_until {
                Some(valid_until) if valid_until < today => "expired",
                Some(_) => "until",
                None => "none",
            };
            text.push_str("\n\n");
            text.push_str(&t.msg_with(
                "doc-line",
                [
                    ("index", Arg::Number(index as i64 + 1)),
                    ("kind", Arg::Text(&kind)),
                    ("has_number", Arg::Text(yes_no(!number.is_empty()))),
                    ("number", Arg::Text(number)),
                    ("issued", Arg::Text(&issued)),
                    ("validity", Arg::Text(validity)),
                    ("until", Arg::Text(&until)),
                ],
            ));
            // Button labels are plain text, not HTML: composed here so the
            // number is shown as typed, not escaped.
            let label = match &document.number {
                Some(number) => format!("📄 {kind} {number}"),
                None => format!("📄 {kind}"),
            };
            rows.push(vec![button(
                label,
                Action::Doc(DocAction::Open(document.id)),
            )]);
        }
        text
    };
    rows.push(vec![button(t.msg("doc-add"), Action::Doc(DocAction::Add))]);
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Ok(Screen {
        text,
        keyboard: InlineKeyboardMarkup::new(rows),
    })
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

fn kind_picker(t: Texts) -> Screen {
    let rows: Vec<Vec<_>> = DocumentKind::ALL
        .into_iter()
        .map(|kind| {
            vec![button(
                kind_name(t, kind),
                Action::Doc(DocAction::Kind(kind)),
            )]
        })
        .chain([vec![back_to_list(t)]])
        .collect();
    Screen {
        text: t.msg("doc-choose-kind"),
        keyboard: InlineKeyboardMarkup::new(rows),
    }
}

/// The question a draft is at, with what may be done instead of answering.
fn question(t: Texts, draft: &Draft) -> Screen {
    let kind = kind_name(t, draft.kind);
    let mut rows = Vec::new();
    let text = match draft.step {
        Step::Number => {
            if !draft.kind.number_required() {
                rows.push(vec![button(
                    t.msg("doc-skip-number"),
                    Action::Doc(DocAction::Skip),
                )]);
            }
            t.msg_with(
                "doc-ask-number",
                [
                    ("kind", Arg::Text(&kind)),
                    ("code", Arg::Text(draft.kind.as_str())),
                    ("optional", Arg::Text(yes_no(!draft.kind.number_required()))),
                ],
            )
        }
        Step::IssuedOn => t.msg_with("doc-ask-issued", [("kind", Arg::Text(&kind))]),
        Step::ValidUntil => {
            let optional = draft.kind.valid_until() == ValidUntilRule::Optional;
            if optional {
                rows.push(vec![button(
                    t.msg("doc-skip-valid-until"),
                    Action::Doc(DocAction::Skip),
                )]);
            }
            t.msg_with(
                "doc-ask-valid-until",
                [
                    ("kind", Arg::Text(&kind)),
                    ("optional", Arg::Text(yes_no(optional))),
                ],
            )
        }
        Step::File => t.msg_with(
            "doc-ask-file",
            [
                ("kind", Arg::Text(&kind)),
                ("max", Arg::Number(max_megabytes())),
            ],
        ),
    };
    rows.push(vec![back_to_list(t)]);
    Screen {
        text,
        keyboard: InlineKeyboardMarkup::new(rows),
    }
}

/// A refusal above the question asked again.
fn refused(t: Texts, draft: &Draft, reason: String) -> Screen {
    let question = question(t, draft);
    Screen {
        text: format!("{reason}\n\n{}", question.text),
        keyboard: question.keyboard,
    }
}

fn card(t: Texts, document: &docs::Document, today: NaiveDate) -> Screen {
    let kind = kind_name(t, document.kind);
    let until = document.valid_until.map(date).unwrap_or_default();
    let validity = match document.valid_until {
        Some(valid_until) if valid_until < today => "expired",
        Some(_) => "until",
        None => "none",
    };
    let text = t.msg_with(
        "doc-card",
        [
            ("kind", Arg::Text(&kind)),
            ("has_number", Arg::Text(yes_no(document.number.is_some()))),
            (
                "number",
                Arg::Text(document.number.as_deref().unwrap_or_default()),
            ),
            ("issued", Arg::Text(&date(document.issued_on))),
            ("validity", Arg::Text(validity)),
            ("until", Arg::Text(&until)),
            ("type", Arg::Text(document.file_type.extension())),
            (
                "size",
                Arg::Text(&megabytes(t, document.file_size.max(0) as usize)),
            ),
            (
                "added",
                Arg::Text(&date(docs::moscow_today(document.created_at))),
            ),
        ],
    );
    let keyboard = InlineKeyboardMarkup::new([
        vec![button(
            t.msg("doc-delete"),
            Action::Doc(DocAction::Delete(document.id)),
        )],
        vec![back_to_list(t)],
    ]);
    Screen { text, keyboard }
}

// ---------------------------------------------------------------- buttons

/// A button of the section. Each one re-checks in core that what it names
/// is the presser's: callback data is user input.
#[allow(clippy::too_many_arguments)]
pub async fn press(
    bot: Bot,
    query: CallbackQuery,
    action: DocAction,
    dialogue: ChatDialogue,
    state: State,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let user_id = query.from.id.0 as i64;
    // The section shows personal data: its buttons need the step-up session
    // too, or an old message would open documents after it ran out.
    if !code_entry::session_open(&db, &services, user_id).await? {
        return main_menu::open(bot, query, dialogue, t, Section::Documents, db, services).await;
    }
    let vault = &services.vault;
    let now = services.clock.now();
    match action {
        DocAction::List => {
            screen::answer(&bot, &query).await?;
            dialogue.exit().await?;
            let list = list_screen(t, &db, &services, user_id).await?;
            screen::replace(&bot, &query, list).await
        }
        DocAction::Add => {
            screen::answer(&bot, &query).await?;
            screen::replace(&bot, &query, kind_picker(t)).await
        }
        DocAction::Kind(kind) => {
            screen::answer(&bot, &query).await?;
            let draft = Draft::new(kind);
            let screen = question(t, &draft);
            dialogue.update(State::AddingDocument(draft)).await?;
            screen::replace(&bot, &query, screen).await
        }
        DocAction::Skip => {
            let State::AddingDocument(mut draft) = state else {
                return outdated(&bot, &query, t).await;
            };
            let next = match draft.step {
                Step::Number if !draft.kind.number_required() => Step::IssuedOn,
                Step::ValidUntil if draft.kind.valid_until() == ValidUntilRule::Optional => {
                    Step::File
                }
                // A skip button from an earlier question: nothing to skip.
                _ => return outdated(&bot, &query, t).await,
            };
            screen::answer(&bot, &query).await?;
            draft.step = next;
            let screen = question(t, &draft);
            dialogue.update(State::AddingDocument(draft)).await?;
            screen::replace(&bot, &query, screen).await
        }
        DocAction::Open(id) => match docs::get(&db, vault, user_id, id).await? {
            None => forged(&bot, &query, t, &db, id, now).await,
            Some(document) => {
                screen::answer(&bot, &query).await?;
                let today = docs::moscow_today(now);
                screen::replace(&bot, &query, card(t, &document, today)).await
            }
        },
        DocAction::Delete(id) => match docs::get(&db, vault, user_id, id).await? {
            None => forged(&bot, &query, t, &db, id, now).await,
            Some(document) => {
                screen::answer(&bot, &query).await?;
                let kind = kind_name(t, document.kind);
                let text = t.msg_with("doc-delete-ask", [("kind", Arg::Text(&kind))]);
                let keyboard = InlineKeyboardMarkup::new([[
                    button(
                        t.msg("doc-delete-confirm"),
                        Action::Doc(DocAction::ConfirmDelete(id)),
                    ),
                    button(t.msg("doc-delete-keep"), Action::Doc(DocAction::Open(id))),
                ]]);
                screen::replace(&bot, &query, Screen { text, keyboard }).await
            }
        },
        DocAction::ConfirmDelete(id) => {
            if !docs::delete(&db, vault, user_id, id, now).await? {
                return forged(&bot, &query, t, &db, id, now).await;
            }
            screen::answer(&bot, &query).await?;
            let list = list_screen(t, &db, &services, user_id).await?;
            let text = format!("{}\n\n{}", t.msg("doc-deleted"), list.text);
            screen::replace(
                &bot,
                &query,
                Screen {
                    text,
                    keyboard: list.keyboard,
                },
            )
            .await
        }
    }
}

async fn outdated(bot: &Bot, query: &CallbackQuery, t: Texts) -> HandlerResult {
    screen::answer_with(bot, query, t.msg("button-outdated")).await
}

/// A button naming a document that is not the presser's (or no longer
/// exists: core does not tell the two apart, so neither does the answer).
/// Answered as an outdated button and recorded.
async fn forged(
    bot: &Bot,
    query: &CallbackQuery,
    t: Texts,
    db: &PgPool,
    id: i64,
    now: DateTime<Utc>,
) -> HandlerResult {
    outdated(bot, query, t).await?;
    record_forged(db, query.from.id.0 as i64, "document", id, now).await
}

/// Records a button naming what is not the presser's.
pub async fn record_forged(
    db: &PgPool,
    user_id: i64,
    entity: &str,
    id: i64,
    now: DateTime<Utc>,
) -> HandlerResult {
    tracing::warn!(
        user_id,
        entity,
        id,
        "a button named what is not the presser's"
    );
    let mut conn = db.acquire().await?;
    security_events::record(
        &mut conn,
        user_id,
        security_events::Kind::ForgedCallback,
        serde_json::json!({ "entity": entity, "id": id }),
        now,
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- messages

/// A message while a document is being added: the answer to the question
/// it is at.
pub async fn receive(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    draft: Draft,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let sent_a_file = msg.document().is_some() || msg.photo().is_some();
    if draft.step != Step::File && sent_a_file {
        // The file is not lost on the user: they are told what is missing
        // first, and send it again once asked.
        let missing = match draft.step {
            Step::Number => "number",
            Step::IssuedOn => "issued",
            _ => "until",
        };
        let reason = t.msg_with("doc-file-too-early", [("missing", Arg::Text(missing))]);
        return screen::show(&bot, msg.chat.id, refused(t, &draft, reason)).await;
    }
    match draft.step {
        Step::Number => take_number(&bot, &msg, &dialogue, draft, t, &services).await,
        Step::IssuedOn | Step::ValidUntil => {
            take_date(&bot, &msg, &dialogue, draft, t, &services).await
        }
        Step::File => take_file(&bot, &msg, &dialogue, draft, t, &db, &services).await,
    }
}

async fn take_number(
    bot: &Bot,
    msg: &Message,
    dialogue: &ChatDialogue,
    mut draft: Draft,
    t: Texts,
    services: &Services,
) -> HandlerResult {
    let Some(text) = msg.text().map(str::trim) else {
        let reason = t.msg("doc-number-as-text");
        return screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await;
    };
    let number = match draft.kind {
        DocumentKind::Passport => PassportNumber::parse(text)
            .map(|number| number.to_string())
            .map_err(|_| "doc-number-passport-invalid"),
        DocumentKind::Snils => Snils::parse(text)
            .map(|number| number.to_string())
            .map_err(|_| "doc-number-snils-invalid"),
        _ if text.chars().count() > MAX_NUMBER_CHARS => Err("doc-number-too-long"),
        _ => Ok(text.to_owned()),
    };
    let number = match number {
        Ok(number) => number,
        Err(key) => {
            code_entry::forget_message(bot, msg).await;
            let reason = t.msg_with(key, [("max", Arg::Number(MAX_NUMBER_CHARS as i64))]);
            return screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await;
        }
    };
    draft.number = Some(services.vault.seal_str(DRAFT_NUMBER_FIELD, &number));
    draft.step = Step::IssuedOn;
    dialogue
        .update(State::AddingDocument(draft.clone()))
        .await?;
    // A number is personal data: kept sealed, not in the chat.
    code_entry::forget_message(bot, msg).await;
    screen::show(bot, msg.chat.id, question(t, &draft)).await
}

/// Why a typed date is not a date.
enum DateError {
    Format,
    NoSuchDate,
}

/// `ДД.ММ.ГГГГ` exactly: two digits, two digits, four digits.
fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    let [day, month, year] = parts.as_slice() else {
        return Err(DateError::Format);
    };
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(day, 2) || !digits(month, 2) || !digits(year, 4) {
        return Err(DateError::Format);
    }
    let number = |part: &str| part.parse::<u32>().map_err(|_| DateError::Format);
    let year = i32::try_from(number(year)?).map_err(|_| DateError::Format)?;
    NaiveDate::from_ymd_opt(year, number(month)?, number(day)?).ok_or(DateError::NoSuchDate)
}

async fn take_date(
    bot: &Bot,
    msg: &Message,
    dialogue: &ChatDialogue,
    mut draft: Draft,
    t: Texts,
    services: &Services,
) -> HandlerResult {
    let typed = msg.text().unwrap_or_default().trim();
    let parsed = match parse_date(typed) {
        Ok(parsed) => parsed,
        Err(error) => {
            let reason = match error {
                DateError::Format => t.msg("doc-date-format"),
                DateError::NoSuchDate => {
                    t.msg_with("doc-date-no-such", [("date", Arg::Text(typed))])
                }
            };
            return screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await;
        }
    };
    let today = docs::moscow_today(services.clock.now());
    let checked = if draft.step == Step::IssuedOn {
        // The issue date alone, by core's rules: as a kind that asks for
        // nothing else, so only what concerns this date can refuse it.
        let alone = DocumentMeta {
            kind: DocumentKind::Other,
            number: None,
            issued_on: Some(parsed),
            valid_until: None,
            issuer: None,
        };
        docs::validate(&alone, today)
    } else {
        let meta = DocumentMeta {
            valid_until: Some(parsed),
            ..draft.meta(&services.vault)?
        };
        docs::validate(&meta, today)
    };
    if let Err(rejection) = checked {
        let reason = meta_reason(t, rejection, &draft, Some(parsed));
        return screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await;
    }
    if draft.step == Step::IssuedOn {
        draft.issued_on = Some(parsed);
        draft.step = draft.after_issue_date();
    } else {
        draft.valid_until = Some(parsed);
        draft.step = Step::File;
    }
    dialogue
        .update(State::AddingDocument(draft.clone()))
        .await?;
    screen::show(bot, msg.chat.id, question(t, &draft)).await
}

/// The words for metadata core refused.
fn meta_reason(
    t: Texts,
    rejection: MetaRejection,
    draft: &Draft,
    typed: Option<NaiveDate>,
) -> String {
    let typed = typed.map(date).unwrap_or_default();
    let issued = draft.issued_on.map(date).unwrap_or_default();
    match rejection {
        MetaRejection::MissingNumber => t.msg("doc-missing-number"),
        MetaRejection::MissingIssueDate => t.msg("doc-missing-issued"),
        MetaRejection::MissingValidUntil => t.msg("doc-missing-valid-until"),
        MetaRejection::MalformedPassportNumber(_) => t.msg("doc-number-passport-invalid"),
        MetaRejection::MalformedSnils(_) => t.msg("doc-number-snils-invalid"),
        MetaRejection::IssuedInFuture => {
            let date = if typed.is_empty() { issued } else { typed };
            t.msg_with("doc-issued-in-future", [("date", Arg::Text(&date))])
        }
        MetaRejection::ValidUntilBeforeIssue => t.msg_with(
            "doc-valid-until-before-issue",
            [("until", Arg::Text(&typed)), ("issued", Arg::Text(&issued))],
        ),
        MetaRejection::Expired { valid_until } => {
            t.msg_with("doc-expired", [("date", Arg::Text(&date(valid_until)))])
        }
    }
}

/// The question to return to when core refuses the metadata at the end.
fn step_of(rejection: MetaRejection) -> Step {
    match rejection {
        MetaRejection::MissingNumber
        | MetaRejection::MalformedPassportNumber(_)
        | MetaRejection::MalformedSnils(_) => Step::Number,
        MetaRejection::MissingIssueDate | MetaRejection::IssuedInFuture => Step::IssuedOn,
        MetaRejection::MissingValidUntil
        | MetaRejection::ValidUntilBeforeIssue
        | MetaRejection::Expired { .. } => Step::ValidUntil,
    }
}

/// What Telegram says about a sent file.
struct Incoming {
    id: FileId,
    size: usize,
    name: Option<String>,
}

fn incoming(msg: &Message) -> Option<Incoming> {
    if let Some(document) = msg.document() {
        return Some(Incoming {
            id: document.file.id.clone(),
            size: document.file.size as usize,
            name: document.file_name.clone(),
        });
    }
    // Telegram sends a photo in several sizes; the largest is the scan.
    let photo = msg.photo()?.iter().max_by_key(|size| {
        (
            u64::from(size.width) * u64::from(size.height),
            size.file.size,
        )
    })?;
    Some(Incoming {
        id: photo.file.id.clone(),
        size: photo.file.size as usize,
        name: None,
    })
}

async fn take_file(
    bot: &Bot,
    msg: &Message,
    dialogue: &ChatDialogue,
    mut draft: Draft,
    t: Texts,
    db: &PgPool,
    services: &Services,
) -> HandlerResult {
    // Only private chats are served: the chat is the practitioner's own.
    let owner = msg.chat.id.0;
    let Some(file) = incoming(msg) else {
        let reason = t.msg("doc-file-expected");
        return screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await;
    };
    let max = docs::DEFAULT_MAX_BYTES;
    // Telegram states the size: a file over the limit is refused without
    // downloading it. Core checks the bytes themselves again.
    if file.size > max {
        let reason = file_reason(
            t,
            FileRejection::TooLarge {
                size: file.size,
                max,
            },
        );
        return screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await;
    }
    if let Err(error) = bot
        .send_chat_action(msg.chat.id, ChatAction::UploadDocument)
        .await
    {
        tracing::info!(%error, "could not show the upload action");
    }
    let bytes = match download(bot, &file.id).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "could not download a document");
            let reason = t.msg("doc-file-download-failed");
            return screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await;
        }
    };
    let meta = draft.meta(&services.vault)?;
    let stored = docs::store(
        db,
        &services.vault,
        owner,
        &meta,
        &bytes,
        file.name.as_deref(),
        services.clock.now(),
        max,
    )
    .await;
    match stored {
        Ok(Stored::New(_)) => {
            dialogue.exit().await?;
            let kind = kind_name(t, draft.kind);
            let keyboard = InlineKeyboardMarkup::new([
                vec![button(
                    t.msg("doc-add-another"),
                    Action::Doc(DocAction::Add),
                )],
                vec![back_to_list(t)],
                vec![button(
                    t.msg("menu-applications"),
                    Action::Open(Section::Applications),
                )],
            ]);
            let text = t.msg_with("doc-saved", [("kind", Arg::Text(&kind))]);
            screen::show(bot, msg.chat.id, Screen { text, keyboard }).await
        }
        Ok(Stored::Duplicate(existing)) => {
            let existing = docs::get(db, &services.vault, owner, existing).await?;
            let kind = existing
                .map(|document| kind_name(t, document.kind))
                .unwrap_or_default();
            let reason = t.msg_with("doc-file-duplicate", [("kind", Arg::Text(&kind))]);
            screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await
        }
        Err(DocumentError::File(rejection)) => {
            let reason = file_reason(t, rejection);
            screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await
        }
        Err(DocumentError::Meta(rejection)) => {
            // Checked as the questions were answered; a day may have passed
            // since (an accreditation ran out at midnight). Back to the
            // question concerned; the other answers stay.
            let reason = meta_reason(t, rejection, &draft, None);
            draft.step = step_of(rejection);
            dialogue
                .update(State::AddingDocument(draft.clone()))
                .await?;
            screen::show(bot, msg.chat.id, refused(t, &draft, reason)).await
        }
        Err(error) => Err(error.into()),
    }
}

fn file_reason(t: Texts, rejection: FileRejection) -> String {
    match rejection {
        FileRejection::Empty => t.msg("doc-file-empty"),
        FileRejection::TooLarge { size, max } => t.msg_with(
            "doc-file-too-large",
            [
                ("size", Arg::Text(&megabytes(t, size))),
                ("max", Arg::Number((max / (1024 * 1024)) as i64)),
            ],
        ),
        FileRejection::UnsupportedType { .. } => t.msg("doc-file-wrong-type"),
    }
}

async fn download(bot: &Bot, id: &FileId) -> Result<Vec<u8>, HandlerError> {
    let file = bot.get_file(id.clone()).await?;
    let mut bytes = Vec::with_capacity(file.size as usize);
    bot.download_file(&file.path, &mut bytes).await?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_strictly() {
        assert_eq!(
            parse_date("30.06.2020").ok(),
            NaiveDate::from_ymd_opt(2020, 6, 30)
        );
        for malformed in [
            "30.6.2020",
            "2020-06-30",
            "30.06.20",
            "30/06/2020",
            "",
            "3O.06.2020",
            "+1.06.2020",
            "30.06.2020.1",
        ] {
            assert!(
                matches!(parse_date(malformed), Err(DateError::Format)),
                "{malformed}"
            );
        }
        assert!(matches!(
            parse_date("31.02.2020"),
            Err(DateError::NoSuchDate)
        ));
        assert!(matches!(
            parse_date("29.02.2023"),
            Err(DateError::NoSuchDate)
        ));
    }

    #[test]
    fn ids_have_one_spelling() {
        assert_eq!(parse_id("42"), Some(42));
        for bad in [
            "",
            "-1",
            "+1",
            "042",
            "0",
            "1 ",
            "99999999999999999999",
            "1e3",
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_draft_keeps_its_kind_through_the_state_store() {
        let draft = Draft {
            number: Some(vec![1, 2, 3]),
            issued_on: NaiveDate::from_ymd_opt(2020, 6, 30),
            ..Draft::new(DocumentKind::QualificationUpgrade)
        };
        let json = serde_json::to_string(&draft).unwrap();
        assert!(json.contains("qualification_upgrade"), "{json}");
        assert_eq!(serde_json::from_str::<Draft>(&json).unwrap(), draft);
    }

    #[test]
    fn sizes_round_up() {
        let t = Texts::new(medcab_core::Language::Ru);
        assert_eq!(megabytes(t, 5 * 1024 * 1024 + 1), "5,1");
        assert_eq!(megabytes(t, 5 * 1024 * 1024), "5,0");
    }
}
