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
//! Every answer is written to a sealed draft in PostgreSQL as it is given
//! (`medcab_core::drafts`, one per practitioner); Redis holds only which
//! question is open, so no personal value sits there. A restart resumes at
//! the question asked; a Redis flush costs the position only: «📄 Документы»
//! offers «▶️ Продолжить добавление», and the next answer (a date, a file)
//! is taken as well. The draft is discarded once the document is stored,
//! or when the user gives up (/cancel, «« К документам»).

use chrono::NaiveDate;
use medcab_core::UserId;
use medcab_core::clock;
use medcab_core::dates::{self, DateError};
use medcab_core::documents::{
    self as docs, DocumentError, DocumentKind, DocumentMeta, FileRejection, MetaRejection, Stored,
    ValidUntilRule,
};
use medcab_core::domain::{PassportNumber, Snils};
use medcab_core::drafts::Kind as DraftKind;
use medcab_core::history::{self, Entity};
use medcab_core::session_files::Session;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::actions::Section;
use super::records;
use super::records::conversation::{self, Conversation};
use super::screen::{self, Screen, button};
use super::{Action, ChatDialogue, HandlerError, HandlerResult, State, Turn, code_entry};
use crate::chat::{Activity, Button, Keyboard, OutgoingFile, Press, Said};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

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
    /// Go on adding the document of the draft (after a Redis flush or a
    /// detour through the menu).
    Resume,
    /// The kind of the document being added.
    Kind(DocumentKind),
    /// No answer to an optional question (a number of «другой документ»,
    /// an end date of a licence).
    Skip,
    /// One document's card.
    Open(i64),
    /// The stored file of a document, sent back to its owner.
    File(i64),
    /// Asks to confirm deleting a document.
    Delete(i64),
    /// Deleting confirmed.
    ConfirmDelete(i64),
    /// The versions of a document (a deleted one's too: its history stays).
    History(i64),
}

impl DocAction {
    pub fn encode(self) -> String {
        match self {
            DocAction::List => "list".to_owned(),
            DocAction::Add => "add".to_owned(),
            DocAction::Resume => "resume".to_owned(),
            DocAction::Kind(kind) => format!("k:{}", kind.as_str()),
            DocAction::Skip => "skip".to_owned(),
            DocAction::Open(id) => format!("o:{id}"),
            DocAction::File(id) => format!("f:{id}"),
            DocAction::Delete(id) => format!("d:{id}"),
            DocAction::ConfirmDelete(id) => format!("rm:{id}"),
            DocAction::History(id) => format!("h:{id}"),
        }
    }

    pub fn parse(data: &str) -> Option<DocAction> {
        match data.split_once(':') {
            None => match data {
                "list" => Some(DocAction::List),
                "add" => Some(DocAction::Add),
                "resume" => Some(DocAction::Resume),
                "skip" => Some(DocAction::Skip),
                _ => None,
            },
            Some(("k", kind)) => DocumentKind::parse(kind).map(DocAction::Kind),
            _ => records::parse_on_record(
                data,
                &[
                    ("o", DocAction::Open),
                    ("f", DocAction::File),
                    ("d", DocAction::Delete),
                    ("rm", DocAction::ConfirmDelete),
                    ("h", DocAction::History),
                ],
            ),
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<DocAction> {
        let mut all = vec![
            DocAction::List,
            DocAction::Add,
            DocAction::Resume,
            DocAction::Skip,
            DocAction::Open(i64::MAX),
            DocAction::File(i64::MAX),
            DocAction::Delete(1),
            DocAction::ConfirmDelete(i64::MAX),
            DocAction::History(i64::MAX),
        ];
        all.extend(DocumentKind::ALL.map(DocAction::Kind));
        all
    }
}

/// The question a document being added is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Number,
    IssuedOn,
    ValidUntil,
    File,
}

/// A document being added: the answers given so far, kept as a sealed
/// draft in PostgreSQL ([`DraftKind::Document`]).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    #[serde(with = "kind_code")]
    kind: DocumentKind,
    number: Option<String>,
    issued_on: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    /// The question open when the draft was last written: where to resume
    /// once the position in Redis is lost.
    step: Step,
}

/// Without the number: a draft may end up in a log.
impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("kind", &self.kind)
            .field("number", &self.number.as_ref().map(|_| "<redacted>"))
            .field("issued_on", &self.issued_on)
            .field("valid_until", &self.valid_until)
            .field("step", &self.step)
            .finish()
    }
}

/// A kind is kept in the draft by its stored name, which stays stable.
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

    fn meta(&self) -> DocumentMeta {
        DocumentMeta {
            kind: self.kind,
            number: self.number.clone(),
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            issuer: None,
        }
    }

    /// The question after the issue date.
    fn after_issue_date(&self) -> Step {
        match self.kind.valid_until() {
            ValidUntilRule::Required | ValidUntilRule::Optional => Step::ValidUntil,
            ValidUntilRule::NotAsked => Step::File,
        }
    }
}

impl Conversation for Draft {
    const KIND: DraftKind = DraftKind::Document;

    fn position(&self) -> Option<State> {
        Some(State::AddingDocument(self.step))
    }

    /// The file is an answer too.
    fn takes(_: &crate::chat::Said) -> bool {
        true
    }
}

// ---------------------------------------------------------------- screens

fn kind_name(t: Texts, kind: DocumentKind) -> String {
    t.msg_with("doc-kind", [("kind", Arg::Text(kind.as_str()))])
}

fn max_megabytes(max_bytes: usize) -> Arg<'static> {
    Arg::count(max_bytes / (1024 * 1024))
}

/// The practitioner's unfinished document, if any.
async fn load_draft(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<Draft>, HandlerError> {
    conversation::load(db, services, user_id).await
}

async fn keep(
    db: &PgPool,
    services: &Services,
    dialogue: &ChatDialogue,
    user_id: UserId,
    draft: &Draft,
) -> HandlerResult {
    conversation::keep(db, services, dialogue, user_id, draft).await
}

/// /cancel: gives up the document being added, if one is — at a question
/// (`adding`), or left by a Redis flush. Whether there was one.
pub async fn cancel_draft(
    db: &PgPool,
    _services: &Services,
    user_id: UserId,
    adding: bool,
) -> Result<bool, HandlerError> {
    conversation::cancel::<Draft>(db, user_id, adding).await
}

fn back_to_list(t: Texts) -> Button {
    button(t.msg("doc-back-to-list"), Action::Doc(DocAction::List))
}

/// The list of the practitioner's documents.
pub async fn list_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Screen, HandlerError> {
    let documents = docs::list(db, &services.vault, user_id).await?;
    let today = clock::moscow_today(services.clock.now());
    let mut rows = Vec::new();
    let text = if documents.is_empty() {
        t.msg("doc-list-empty")
    } else {
        let mut text = t.msg_with("doc-list-title", [("count", Arg::count(documents.len()))]);
        for (index, document) in documents.iter().enumerate() {
            let kind = kind_name(t, document.kind);
            let number = document.number.as_deref().unwrap_or_default();
            let issued = t.date(document.issued_on);
            let until = document
                .valid_until
                .map(|day| t.date(day))
                .unwrap_or_default();
            // Shown, not decided: store refuses expired documents; one that
            // ran out since is marked so the practitioner replaces it.
            let validity = match document.valid_until {
                Some(valid_until) if docs::is_expired(valid_until, today) => "expired",
                Some(_) => "until",
                None => "none",
            };
            text.push_str("\n\n");
            text.push_str(&t.msg_with(
                "doc-line",
                [
                    ("index", Arg::count(index + 1)),
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
    if load_draft(db, services, user_id).await?.is_some() {
        rows.push(vec![button(
            t.msg("doc-resume"),
            Action::Doc(DocAction::Resume),
        )]);
    }
    rows.push(vec![button(t.msg("doc-add"), Action::Doc(DocAction::Add))]);
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

fn kind_picker(t: Texts) -> Screen {
    let kinds = DocumentKind::ALL
        .into_iter()
        .map(|kind| button(kind_name(t, kind), Action::Doc(DocAction::Kind(kind))));
    Screen::new(
        t.msg("doc-choose-kind"),
        Keyboard::column(kinds.chain([back_to_list(t)])),
    )
}

/// The question a draft is at, with what may be done instead of answering.
fn question(t: Texts, draft: &Draft, max_bytes: usize) -> Screen {
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
                ("max", max_megabytes(max_bytes)),
            ],
        ),
    };
    rows.push(vec![back_to_list(t)]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

/// A refusal above the question asked again.
fn refused(t: Texts, draft: &Draft, max_bytes: usize, reason: String) -> Screen {
    let question = question(t, draft, max_bytes);
    Screen {
        text: format!("{reason}\n\n{}", question.text),
        keyboard: question.keyboard,
    }
}

fn card(t: Texts, document: &docs::Document, today: NaiveDate) -> Screen {
    let kind = kind_name(t, document.kind);
    let until = document
        .valid_until
        .map(|day| t.date(day))
        .unwrap_or_default();
    let validity = match document.valid_until {
        Some(valid_until) if docs::is_expired(valid_until, today) => "expired",
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
            ("issued", Arg::Text(&t.date(document.issued_on))),
            ("validity", Arg::Text(validity)),
            ("until", Arg::Text(&until)),
            ("type", Arg::Text(document.file_type.extension())),
            (
                "size",
                Arg::Text(&t.size(u64::try_from(document.file_size).unwrap_or_default())),
            ),
            ("added", Arg::Text(&t.day_of(document.created_at))),
        ],
    );
    let keyboard = Keyboard::new([
        vec![button(
            t.msg("doc-file"),
            Action::Doc(DocAction::File(document.id)),
        )],
        vec![
            button(
                t.msg("doc-delete"),
                Action::Doc(DocAction::Delete(document.id)),
            ),
            button(
                t.msg("record-history"),
                Action::Doc(DocAction::History(document.id)),
            ),
        ],
        vec![back_to_list(t)],
    ]);
    Screen { text, keyboard }
}

// ---------------------------------------------------------------- buttons

/// A button of the section. Each one re-checks in core that what it names
/// is the presser's: callback data is user input.
pub async fn press(turn: Turn, press: Press, action: DocAction, state: State) -> HandlerResult {
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
        DocAction::List => {
            ui.answer(&press).await?;
            // Back to the list gives the addition up.
            conversation::finish::<Draft>(db, dialogue, user_id).await?;
            let list = list_screen(t, db, services, user_id).await?;
            ui.replace(&press, list).await
        }
        DocAction::Add => {
            ui.answer(&press).await?;
            ui.replace(&press, kind_picker(t)).await
        }
        DocAction::Kind(kind) => {
            ui.answer(&press).await?;
            // A new addition replaces an unfinished one.
            let draft = Draft::new(kind);
            keep(db, services, dialogue, user_id, &draft).await?;
            let screen = question(t, &draft, services.max_document_bytes);
            ui.replace(&press, screen).await
        }
        DocAction::Resume => {
            let Some(draft) = load_draft(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            ui.answer(&press).await?;
            conversation::restore(dialogue, &draft).await?;
            let screen = question(t, &draft, services.max_document_bytes);
            ui.replace(&press, screen).await
        }
        DocAction::Skip => {
            let Some(mut draft) = load_draft(db, services, user_id).await? else {
                return records::outdated(&turn.ui, &press, turn.t).await;
            };
            // The open question is the one in Redis; without it (flushed),
            // the one the draft was at.
            match state {
                State::AddingDocument(step) => draft.step = step,
                State::Idle => {}
                _ => return records::outdated(&turn.ui, &press, turn.t).await,
            }
            let next = match draft.step {
                Step::Number if !draft.kind.number_required() => Step::IssuedOn,
                Step::ValidUntil if draft.kind.valid_until() == ValidUntilRule::Optional => {
                    Step::File
                }
                // A skip button from an earlier question: nothing to skip.
                _ => return records::outdated(&turn.ui, &press, turn.t).await,
            };
            ui.answer(&press).await?;
            draft.step = next;
            keep(db, services, dialogue, user_id, &draft).await?;
            let screen = question(t, &draft, services.max_document_bytes);
            ui.replace(&press, screen).await
        }
        DocAction::Open(id) => match docs::get(db, vault, user_id, id).await? {
            None => records::forged(&turn, &press, Entity::Document, id, now).await,
            Some(document) => {
                ui.answer(&press).await?;
                let today = clock::moscow_today(now);
                ui.replace(&press, card(t, &document, today)).await
            }
        },
        DocAction::File(id) => send_file(&turn, &press, id).await,
        DocAction::Delete(id) => match docs::get(db, vault, user_id, id).await? {
            None => records::forged(&turn, &press, Entity::Document, id, now).await,
            Some(document) => {
                ui.answer(&press).await?;
                let kind = kind_name(t, document.kind);
                let text = t.msg_with("doc-delete-ask", [("kind", Arg::Text(&kind))]);
                let keyboard = Keyboard::new([[
                    button(
                        t.msg("doc-delete-confirm"),
                        Action::Doc(DocAction::ConfirmDelete(id)),
                    ),
                    button(t.msg("doc-delete-keep"), Action::Doc(DocAction::Open(id))),
                ]]);
                ui.replace(&press, Screen { text, keyboard }).await
            }
        },
        DocAction::History(id) => {
            // Owner-only in core: someone else's id has no versions.
            let versions = history::versions(db, vault, user_id, Entity::Document, id).await?;
            if versions.is_empty() {
                return records::forged(&turn, &press, Entity::Document, id, now).await;
            }
            ui.answer(&press).await?;
            let back = match docs::get(db, vault, user_id, id).await? {
                Some(_) => button(t.msg("doc-back-to-card"), Action::Doc(DocAction::Open(id))),
                None => back_to_list(t),
            };
            let screen = Screen {
                text: records::versions_text(t, Entity::Document, &versions),
                keyboard: Keyboard::new([[back]]),
            };
            ui.replace(&press, screen).await
        }
        DocAction::ConfirmDelete(id) => {
            if !docs::delete(db, vault, user_id, id, now).await? {
                return records::forged(&turn, &press, Entity::Document, id, now).await;
            }
            ui.answer(&press).await?;
            let list = list_screen(t, db, services, user_id).await?;
            let text = format!("{}\n\n{}", t.msg("doc-deleted"), list.text);
            let screen = Screen {
                text,
                keyboard: list.keyboard,
            };
            ui.replace(&press, screen).await
        }
    }
}

/// A document's stored file, back to its owner alone (core reads it by
/// owner), protected from forwarding and saving like every screen.
async fn send_file(turn: &Turn, press: &Press, id: i64) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (owner, t) = (*user, *t);
    let now = services.clock.now();
    let Some(document) = docs::get(db, &services.vault, owner, id).await? else {
        return records::forged(turn, press, Entity::Document, id, now).await;
    };
    ui.answer(press).await?;
    ui.activity(Activity::UploadingDocument).await;
    let Some(content) = docs::content(db, &services.vault, owner, id).await? else {
        // Deleted between the two reads (another device).
        return ui.say(t.msg("button-outdated")).await;
    };
    let caption = kind_name(t, document.kind);
    let file = OutgoingFile::new(document.file_name.clone(), content).caption(caption);
    let sent = ui.send_file(file).await?;
    // Leaves the chat with the session that allowed it.
    screen::gone_with_session(ui, db, owner, &sent, Session::Practitioner, now).await?;
    Ok(())
}

// ---------------------------------------------------------------- messages

/// A message while a document is being added: the answer to the question
/// open (`step`), added to the draft in PostgreSQL.
pub async fn receive(turn: Turn, said: Said, step: Step) -> HandlerResult {
    let Some(mut draft) = load_draft(&turn.db, &turn.services, turn.user).await? else {
        // Given up meanwhile (another device, an erased account): back to
        // the list, where a new addition starts.
        turn.dialogue.exit().await?;
        let list = list_screen(turn.t, &turn.db, &turn.services, turn.user).await?;
        return turn.ui.show(list).await;
    };
    draft.step = step;
    answer(turn, said, draft).await
}

/// The answer to the question a draft was at, after a lost position: the
/// position is put back first.
pub async fn resume(turn: Turn, said: Said, draft: Draft) -> HandlerResult {
    conversation::restore(&turn.dialogue, &draft).await?;
    answer(turn, said, draft).await
}

async fn answer(turn: Turn, said: Said, draft: Draft) -> HandlerResult {
    let t = turn.t;
    let max = turn.services.max_document_bytes;
    if draft.step != Step::File && said.has_file() {
        // The file is not lost on the user: they are told what is missing
        // first, and send it again once asked.
        let missing = match draft.step {
            Step::Number => "number",
            Step::IssuedOn => "issued",
            _ => "until",
        };
        let reason = t.msg_with("doc-file-too-early", [("missing", Arg::Text(missing))]);
        // A scan of a passport or a diploma: not left in the chat.
        code_entry::forget(&turn.ui, &said).await;
        return turn.ui.show(refused(t, &draft, max, reason)).await;
    }
    match draft.step {
        Step::Number => take_number(&turn, &said, draft).await,
        Step::IssuedOn | Step::ValidUntil => take_date(&turn, &said, draft).await,
        Step::File => take_file(&turn, &said, draft).await,
    }
}

async fn take_number(turn: &Turn, said: &Said, mut draft: Draft) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let t = *t;
    let max = services.max_document_bytes;
    let Some(text) = said.text().map(str::trim) else {
        let reason = t.msg("doc-number-as-text");
        return ui.show(refused(t, &draft, max, reason)).await;
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
            code_entry::forget(ui, said).await;
            let reason = t.msg_with(key, [("max", Arg::count(MAX_NUMBER_CHARS))]);
            return ui.show(refused(t, &draft, max, reason)).await;
        }
    };
    draft.number = Some(number);
    draft.step = Step::IssuedOn;
    keep(db, services, dialogue, *user, &draft).await?;
    // A number is personal data: kept sealed, not in the chat.
    code_entry::forget(ui, said).await;
    ui.show(question(t, &draft, max)).await
}

async fn take_date(turn: &Turn, said: &Said, mut draft: Draft) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let t = *t;
    let max = services.max_document_bytes;
    let typed = said.text().unwrap_or_default().trim();
    let parsed = match dates::parse(typed) {
        Ok(parsed) => parsed,
        Err(error) => {
            let reason = match error {
                DateError::Shape => t.msg("doc-date-format"),
                DateError::NoSuchDate => {
                    t.msg_with("doc-date-no-such", [("date", Arg::Text(typed))])
                }
            };
            return ui.show(refused(t, &draft, max, reason)).await;
        }
    };
    let today = clock::moscow_today(services.clock.now());
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
            ..draft.meta()
        };
        docs::validate(&meta, today)
    };
    if let Err(rejection) = checked {
        let reason = meta_reason(t, rejection, &draft, Some(parsed));
        return ui.show(refused(t, &draft, max, reason)).await;
    }
    if draft.step == Step::IssuedOn {
        draft.issued_on = Some(parsed);
        draft.step = draft.after_issue_date();
    } else {
        draft.valid_until = Some(parsed);
        draft.step = Step::File;
    }
    keep(db, services, dialogue, *user, &draft).await?;
    ui.show(question(t, &draft, max)).await
}

/// The words for metadata core refused.
fn meta_reason(
    t: Texts,
    rejection: MetaRejection,
    draft: &Draft,
    typed: Option<NaiveDate>,
) -> String {
    let typed = typed.map(|day| t.date(day)).unwrap_or_default();
    let issued = draft.issued_on.map(|day| t.date(day)).unwrap_or_default();
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
            t.msg_with("doc-expired", [("date", Arg::Text(&t.date(valid_until)))])
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

async fn take_file(turn: &Turn, said: &Said, mut draft: Draft) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    // Only private chats are served: the chat is the practitioner's own.
    let (owner, t) = (*user, *t);
    let max = services.max_document_bytes;
    let Some(file) = &said.file else {
        let reason = t.msg("doc-file-expected");
        return ui.show(refused(t, &draft, max, reason)).await;
    };
    // The messenger states the size: a file over the limit is refused
    // without downloading it. Core checks the bytes themselves again.
    let size = usize::try_from(file.size).unwrap_or(usize::MAX);
    if size > max {
        code_entry::forget(ui, said).await;
        let reason = file_reason(t, FileRejection::TooLarge { size, max });
        return ui.show(refused(t, &draft, max, reason)).await;
    }
    ui.activity(Activity::UploadingDocument).await;
    let downloaded = ui.download(file).await;
    // Whatever becomes of it, the file leaves the chat: stored, it is
    // sealed and opened from its card; refused, it is sent again.
    code_entry::forget(ui, said).await;
    let bytes = match downloaded {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "could not download a document");
            let reason = t.msg("doc-file-download-failed");
            return ui.show(refused(t, &draft, max, reason)).await;
        }
    };
    let meta = draft.meta();
    let stored = docs::store_within(
        db,
        &services.vault,
        owner,
        &meta,
        &bytes,
        file.name.as_deref(),
        services.clock.now(),
        max,
        services.document_quota,
    )
    .await;
    match stored {
        Ok(Stored::New(_)) => {
            // Stored: the answers have served. (A failure here leaves a
            // draft offered for resumption, never a lost document.)
            conversation::finish::<Draft>(db, dialogue, owner).await?;
            let kind = kind_name(t, draft.kind);
            let keyboard = Keyboard::new([
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
            ui.show(Screen { text, keyboard }).await
        }
        Ok(Stored::Duplicate(existing)) => {
            let existing = docs::get(db, &services.vault, owner, existing).await?;
            let kind = existing
                .map(|document| kind_name(t, document.kind))
                .unwrap_or_default();
            let reason = t.msg_with("doc-file-duplicate", [("kind", Arg::Text(&kind))]);
            ui.show(refused(t, &draft, max, reason)).await
        }
        Err(DocumentError::File(rejection)) => {
            let reason = file_reason(t, rejection);
            ui.show(refused(t, &draft, max, reason)).await
        }
        // Full: the answers stay in the draft for when room is made.
        Err(DocumentError::OverQuota {
            count,
            bytes: used,
            quota,
        }) => {
            let reason = if count >= quota.max_count {
                t.msg_with(
                    "doc-quota-count",
                    [
                        ("count", Arg::Number(i64::from(count))),
                        ("max", Arg::Number(i64::from(quota.max_count))),
                    ],
                )
            } else {
                t.msg_with(
                    "doc-quota-size",
                    [
                        ("used", Arg::Text(&t.size(used))),
                        ("size", Arg::Text(&t.size(bytes.len() as u64))),
                        ("max", Arg::total(quota.max_total_bytes / (1024 * 1024))),
                    ],
                )
            };
            ui.show(refused(t, &draft, max, reason)).await
        }
        Err(DocumentError::Meta(rejection)) => {
            // Checked as the questions were answered; a day may have passed
            // since (an accreditation ran out at midnight). Back to the
            // question concerned; the other answers stay.
            let reason = meta_reason(t, rejection, &draft, None);
            draft.step = step_of(rejection);
            keep(db, services, dialogue, owner, &draft).await?;
            ui.show(refused(t, &draft, max, reason)).await
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
                ("size", Arg::Text(&t.size(size as u64))),
                ("max", Arg::count(max / (1024 * 1024))),
            ],
        ),
        FileRejection::UnsupportedType { .. } => t.msg("doc-file-wrong-type"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_keeps_its_kind_through_the_draft_store() {
        let draft = Draft {
            number: Some("107718 0123456".into()),
            issued_on: NaiveDate::from_ymd_opt(2020, 6, 30),
            ..Draft::new(DocumentKind::QualificationUpgrade)
        };
        let json = serde_json::to_string(&draft).unwrap();
        assert!(json.contains("qualification_upgrade"), "{json}");
        assert_eq!(serde_json::from_str::<Draft>(&json).unwrap(), draft);
        assert!(
            !format!("{draft:?}").contains("107718"),
            "the number stays out of logs"
        );
    }
}
