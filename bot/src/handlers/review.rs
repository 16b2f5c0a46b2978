//! The review desk: operators take applications from the queue, look at
//! them with their documents and decide; and they approve second-factor
//! resets. Whether the user is an operator is asked again on every command
//! and every button: callback_data is user input, and a role can be revoked
//! between two taps. Core checks it once more inside each operation.
//!
//! ```text
//! operator: /review
//! bot:      📋 Заявка А-2026-000001 — Активация личного кабинета
//!           Подана: 25.11.2026 12:00 (МСК) · Статус: на рассмотрении …
//!           Документы: 1. Паспорт, № 4510 123456, выдан 30.06.2020 …
//!           [📄 1. Паспорт] [📄 2. СНИЛС] …
//!           [✅ Одобрить] [❌ Отклонить] [📎 Запросить документы] [⏭ Следующая]
//! operator: <presses 📄 1. Паспорт>
//! bot:      <the file, protected from forwarding and saving>
//! operator: <presses ❌ Отклонить>
//! bot:      (the same message) Напишите причину отказа одним сообщением …
//! operator: Скан диплома не читается
//! bot:      ❌ Заявка А-2026-000001 отклонена. … [⏭ Следующая заявка]
//! operator: /resets
//! bot:      Запросы на сброс второго фактора: 1. … [Одобрить сброс №1]
//! not an operator: /review
//! bot:      Это действие доступно только сотрудникам, проверяющим заявки.
//! ```

use chrono::{DateTime, Utc};
use dptree::case;
use medcab_core::UserId;
use medcab_core::accounts::ConfirmError;
use medcab_core::activity_report;
use medcab_core::applications::certificates::{self, Certificate};
use medcab_core::applications::{ApplicationError, Kind, Note, NoteError, Status};
use medcab_core::channels;
use medcab_core::documents::{self, Document};
use medcab_core::operators::{self, View};
use medcab_core::qualification::ReportAgreement;
use medcab_core::qualification::check;
use medcab_core::review::{self, Decision, IdentityWarning, ReviewCard, ReviewError};
use medcab_core::session_files;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::commands::Command;
use super::qualification::hours;
use super::qualification::report;
use super::screen::{Screen, button};
use super::staff::{self, Gate, Then, record_refusal};
use super::{Action, HandlerError, HandlerResult, Routes, State, Turn};
use crate::chat::{Activity, Button, Keyboard, OutgoingFile, Press, Said};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// Resets listed on one screen: a message holds 4096 characters and a
/// keyboard has its limits; the rest come once these are decided.
const RESETS_SHOWN: usize = 20;

/// Characters of an activity report's answers on its card (all parts
/// together): with the card's own lines it stays inside Telegram's 4096;
/// the whole report is the PDF.
const REPORT_ON_CARD: usize = 2100;

/// An operator's button. Ids in it are only claims: each is re-checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpAction {
    /// The next application of the queue (from a screen without a card).
    Next,
    /// «🔄 Проверить очередь» on the empty queue: the next application, or
    /// a word that the queue is still empty (the same screen again would
    /// change nothing the operator can see).
    Refresh,
    /// «⏭ Следующая» on the card of an application: while it is undecided
    /// the operator holds it, and it is the one that comes back.
    Skip(i64),
    /// Send this document of the application.
    Document {
        application: i64,
        document: i64,
    },
    Approve(i64),
    Reject(i64),
    MoreDocuments(i64),
    /// The card of a reset request: who asks, and what proves it.
    OpenReset(i64),
    ApproveReset(i64),
    RejectReset(i64),
    /// Back to the list of reset requests.
    Resets,
    /// The activity report of this application («О») as its PDF.
    ReportPdf(i64),
    /// A page of the records an education check («Н») covers, beyond the
    /// card's first ones.
    CheckRecords {
        application: i64,
        page: u16,
    },
    /// A page of the documents an application cites, beyond the card's
    /// first ones.
    Documents {
        application: i64,
        page: u16,
    },
    /// «« Назад к заявке»: the card of the application the operator holds
    /// again (from a page of its records, or from the question of a
    /// decision's reason).
    Card(i64),
}

impl OpAction {
    /// The part after `op:` in callback_data.
    pub fn encode(self) -> String {
        match self {
            OpAction::Next => "next".to_owned(),
            OpAction::Refresh => "refresh".to_owned(),
            OpAction::Skip(id) => format!("next:{id}"),
            OpAction::Document {
                application,
                document,
            } => format!("doc:{application}:{document}"),
            OpAction::Approve(id) => format!("ok:{id}"),
            OpAction::Reject(id) => format!("no:{id}"),
            OpAction::MoreDocuments(id) => format!("more:{id}"),
            OpAction::OpenReset(id) => format!("rcard:{id}"),
            OpAction::ApproveReset(id) => format!("reset:{id}"),
            OpAction::RejectReset(id) => format!("rno:{id}"),
            OpAction::Resets => "resets".to_owned(),
            OpAction::ReportPdf(id) => format!("rpdf:{id}"),
            OpAction::CheckRecords { application, page } => format!("crec:{application}:{page}"),
            OpAction::Card(id) => format!("card:{id}"),
            OpAction::Documents { application, page } => format!("docs:{application}:{page}"),
        }
    }

    pub fn parse(data: &str) -> Option<OpAction> {
        if data == "next" {
            return Some(OpAction::Next);
        }
        if data == "resets" {
            return Some(OpAction::Resets);
        }
        if data == "refresh" {
            return Some(OpAction::Refresh);
        }
        let (verb, rest) = data.split_once(':')?;
        match verb {
            "next" => id(rest).map(OpAction::Skip),
            "doc" => {
                let (application, document) = rest.split_once(':')?;
                Some(OpAction::Document {
                    application: id(application)?,
                    document: id(document)?,
                })
            }
            "ok" => id(rest).map(OpAction::Approve),
            "no" => id(rest).map(OpAction::Reject),
            "more" => id(rest).map(OpAction::MoreDocuments),
            "rcard" => id(rest).map(OpAction::OpenReset),
            "reset" => id(rest).map(OpAction::ApproveReset),
            "rno" => id(rest).map(OpAction::RejectReset),
            "rpdf" => id(rest).map(OpAction::ReportPdf),
            "card" => id(rest).map(OpAction::Card),
            "docs" => {
                let (application, page) = rest.split_once(':')?;
                Some(OpAction::Documents {
                    application: id(application)?,
                    page: page_number(page)?,
                })
            }
            "crec" => {
                let (application, page) = rest.split_once(':')?;
                Some(OpAction::CheckRecords {
                    application: id(application)?,
                    page: page_number(page)?,
                })
            }
            _ => None,
        }
    }

    /// What was attempted, for the security log.
    fn name(self) -> &'static str {
        match self {
            OpAction::Next | OpAction::Refresh | OpAction::Skip(_) | OpAction::Card(_) => "claim",
            OpAction::Document { .. } | OpAction::Documents { .. } => "document",
            OpAction::Approve(_) => "approve",
            OpAction::Reject(_) => "reject",
            OpAction::MoreDocuments(_) => "more_documents",
            OpAction::OpenReset(_) => "view_factor_reset",
            OpAction::ApproveReset(_) => "approve_factor_reset",
            OpAction::RejectReset(_) => "reject_factor_reset",
            OpAction::Resets => "resets",
            OpAction::ReportPdf(_) => "view_activity_report",
            OpAction::CheckRecords { .. } => "view_education_check",
        }
    }

    /// One of each, for the round-trip test of callback_data.
    #[cfg(test)]
    pub fn examples() -> Vec<OpAction> {
        let big = i64::MAX;
        vec![
            OpAction::Next,
            OpAction::Refresh,
            OpAction::Skip(1),
            OpAction::Document {
                application: big,
                document: big,
            },
            OpAction::Approve(big),
            OpAction::Reject(7),
            OpAction::MoreDocuments(42),
            OpAction::OpenReset(big),
            OpAction::ApproveReset(big),
            OpAction::RejectReset(big),
            OpAction::Resets,
            OpAction::ReportPdf(big),
            OpAction::CheckRecords {
                application: big,
                page: u16::MAX,
            },
            OpAction::CheckRecords {
                application: 1,
                page: 0,
            },
            OpAction::Card(big),
            OpAction::Documents {
                application: big,
                page: u16::MAX,
            },
        ]
    }
}

/// A positive id written in plain digits: one spelling per id, so a
/// forged variant cannot pass for a known button.
fn id(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// A page number in plain digits, one spelling each ("0", "12"; not "012").
fn page_number(text: &str) -> Option<u16> {
    if text == "0" {
        return Some(0);
    }
    id(text).and_then(|n| u16::try_from(n).ok())
}

/// What the next text message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoteFor {
    /// The reason of a refusal.
    Reject,
    /// What documents are still needed.
    MoreDocuments,
}

/// The operators' routes. They come before onboarding: review staff need
/// not be practitioners with an account of their own.
pub fn routes() -> Routes {
    let commands = super::command()
        .branch(case![Command::Review].endpoint(review_command))
        .branch(case![Command::Resets].endpoint(resets_command));
    // Another command while a note is asked for is that command, not the note.
    let notes = dptree::filter(|said: Said| !said.text().is_some_and(|t| t.starts_with('/')))
        .branch(case![State::ReviewNote { application, note }].endpoint(receive_note))
        .branch(case![State::ResetNote { request }].endpoint(receive_reset_reason));
    let actions =
        dptree::filter_map(Action::from_press).branch(case![Action::Op(op)].endpoint(press));
    dptree::entry()
        .branch(crate::handlers::said().branch(commands).branch(notes))
        .branch(crate::handlers::pressed().branch(actions))
}

/// /review: the application the operator holds, or the next of the queue.
pub async fn review_command(turn: Turn) -> HandlerResult {
    let Gate::Open(operator) = staff::for_message(&turn, "review", Then::Review).await? else {
        return Ok(());
    };
    let Turn {
        ui,
        t,
        db,
        services,
        dialogue,
        ..
    } = turn;
    dialogue.exit().await?;
    let (screen, _) = next_screen(t, &db, &services, operator).await?;
    ui.show(screen).await
}

/// An operator's button.
pub async fn press(turn: Turn, press: Press, op: OpAction) -> HandlerResult {
    let Gate::Open(operator) = staff::for_press(&turn, &press, op.name()).await? else {
        return Ok(());
    };
    let Turn {
        ui,
        t,
        db,
        services,
        dialogue,
        ..
    } = &turn;
    let (t, press) = (*t, &press);
    let now = services.clock.now();
    match op {
        OpAction::Next => {
            ui.answer(press).await?;
            dialogue.exit().await?;
            let (screen, _) = next_screen(t, db, services, operator).await?;
            ui.replace(press, screen).await
        }
        OpAction::Refresh => {
            dialogue.exit().await?;
            let (mut screen, shown) = next_screen(t, db, services, operator).await?;
            if shown != Shown::Empty {
                ui.answer(press).await?;
                return ui.replace(press, screen).await;
            }
            // Still empty: said at once, and the screen says when it was
            // checked, so the tap visibly did something.
            ui.answer_with(press, t.msg("review-queue-still-empty"))
                .await?;
            let checked = t.time(now);
            screen.text = format!(
                "{}\n{}",
                screen.text,
                t.msg_with("review-queue-checked", [("time", Arg::Text(&checked))])
            );
            ui.replace(press, screen).await
        }
        OpAction::Skip(current) => {
            dialogue.exit().await?;
            let screen = next_screen(t, db, services, operator).await;
            match screen {
                // The same card would come back: say why instead of seeming
                // to ignore the tap, and leave the card as it is.
                Ok((_, Shown::Card(id))) if id == current => {
                    ui.answer_with(press, t.msg("review-decide-first")).await
                }
                Ok((screen, _)) => {
                    ui.answer(press).await?;
                    ui.replace(press, screen).await
                }
                Err(error) => Err(error),
            }
        }
        OpAction::Documents { application, page } => {
            documents_page(&turn, press, application, page).await
        }
        OpAction::Card(_) => {
            // The queue gives the operator the application they hold first:
            // its card, or — the lease gone meanwhile — what comes next.
            ui.answer(press).await?;
            dialogue.exit().await?;
            let (screen, _) = next_screen(t, db, services, operator).await?;
            ui.replace(press, screen).await
        }
        OpAction::Document {
            application,
            document,
        } => send_document(&turn, press, application, document).await,
        OpAction::ReportPdf(application) => send_report(&turn, press, application).await,
        OpAction::CheckRecords { application, page } => {
            check_records(&turn, press, application, page).await
        }
        OpAction::Approve(application) => {
            let decided = review::decide(
                db,
                &services.vault,
                operator,
                application,
                Decision::Approve,
                now,
            )
            .await;
            match decided {
                Ok(app) => {
                    ui.answer(press).await?;
                    let text = t.msg_with("review-approved", [("number", Arg::Text(&app.number))]);
                    ui.replace(press, after_decision(t, text)).await
                }
                Err(error) => ui.answer_with(press, problem(t, error)?).await,
            }
        }
        OpAction::Reject(application) | OpAction::MoreDocuments(application) => {
            ui.answer(press).await?;
            let (note, key) = match op {
                OpAction::Reject(_) => (NoteFor::Reject, "review-ask-reason"),
                _ => (NoteFor::MoreDocuments, "review-ask-documents"),
            };
            dialogue
                .update(State::ReviewNote { application, note })
                .await?;
            let keyboard = Keyboard::new([[button(
                t.msg("review-back-to-card"),
                Action::Op(OpAction::Card(application)),
            )]]);
            let screen = Screen {
                text: t.msg(key),
                keyboard,
            };
            ui.replace(press, screen).await
        }
        OpAction::Resets => {
            ui.answer(press).await?;
            dialogue.exit().await?;
            let screen = resets_screen(t, db, operator, now, None).await?;
            ui.replace(press, screen).await
        }
        OpAction::OpenReset(request) => {
            let card = review::reset_card(
                db,
                &services.vault,
                &services.registry,
                operator,
                request,
                now,
                services.reset,
            )
            .await;
            match card {
                Ok(card) => {
                    ui.answer(press).await?;
                    ui.replace(press, reset_card_screen(t, &card)).await
                }
                Err(error) => ui.answer_with(press, problem(t, error)?).await,
            }
        }
        OpAction::ApproveReset(request) => {
            match review::approve_factor_reset(db, operator, request, now, services.reset).await {
                Ok(approval) => {
                    ui.answer(press).await?;
                    let heading = match approval {
                        review::Approval::First => t.msg("review-reset-first-approval"),
                        review::Approval::Scheduled { effective_at } => t.msg_with(
                            "review-reset-approved",
                            [("at", Arg::Text(&t.date_time(effective_at)))],
                        ),
                    };
                    let screen = resets_screen(t, db, operator, now, Some(heading)).await?;
                    ui.replace(press, screen).await
                }
                Err(error) => ui.answer_with(press, problem(t, error)?).await,
            }
        }
        OpAction::RejectReset(request) => {
            ui.answer(press).await?;
            dialogue.update(State::ResetNote { request }).await?;
            let keyboard = Keyboard::new([[button(
                t.msg("review-back-to-card"),
                Action::Op(OpAction::OpenReset(request)),
            )]]);
            let screen = Screen {
                text: t.msg("review-reset-ask-reason"),
                keyboard,
            };
            ui.replace(press, screen).await
        }
    }
}

/// The text after «❌ Отклонить» or «📎 Запросить документы».
pub async fn receive_note(
    turn: Turn,
    said: Said,
    (application, note): (i64, NoteFor),
) -> HandlerResult {
    let now = turn.services.clock.now();
    // Without a session the note waits: after the code it is sent again.
    let Some(operator) = staff::for_typed_answer(&turn, "note").await? else {
        return Ok(());
    };
    let Turn {
        ui,
        t,
        db,
        services,
        dialogue,
        ..
    } = turn;
    let parsed = match typed_note(t, &said) {
        Ok(parsed) => parsed,
        Err(problem) => return ui.say(problem).await,
    };
    let (decision, key) = match note {
        NoteFor::Reject => (Decision::Reject { reason: parsed }, "review-rejected"),
        NoteFor::MoreDocuments => (
            Decision::MoreDocuments { what: parsed },
            "review-more-requested",
        ),
    };
    dialogue.exit().await?;
    let decided = review::decide(&db, &services.vault, operator, application, decision, now).await;
    let text = match decided {
        Ok(app) => t.msg_with(key, [("number", Arg::Text(&app.number))]),
        Err(error) => problem(t, error)?,
    };
    ui.show(after_decision(t, text)).await
}

/// An operator's typed note (a reason, what documents are needed), or what
/// to tell them when it cannot be one; the question stays open.
fn typed_note(t: Texts, said: &Said) -> Result<Note, String> {
    match said.text().map(Note::parse) {
        Some(Ok(note)) => Ok(note),
        Some(Err(NoteError::TooLong { max })) => {
            Err(t.msg_with("review-note-too-long", [("max", Arg::count(max))]))
        }
        Some(Err(NoteError::Empty)) | None => Err(t.msg("review-note-text-only")),
    }
}

/// The reason typed after «❌ Отклонить» on a reset's card.
pub async fn receive_reset_reason(turn: Turn, said: Said, request: i64) -> HandlerResult {
    let now = turn.services.clock.now();
    // Without a session the reason waits: after the code it is sent again.
    let attempted = "reject_factor_reset";
    let Some(operator) = staff::for_typed_answer(&turn, attempted).await? else {
        return Ok(());
    };
    let Turn {
        ui,
        t,
        db,
        services,
        dialogue,
        ..
    } = turn;
    let reason = match typed_note(t, &said) {
        Ok(reason) => reason,
        Err(problem) => return ui.say(problem).await,
    };
    dialogue.exit().await?;
    let rejected =
        review::reject_factor_reset(&db, &services.vault, operator, request, &reason, now).await;
    let heading = match rejected {
        Ok(_) => t.msg("review-reset-rejected"),
        Err(error) => problem(t, error)?,
    };
    let screen = resets_screen(t, &db, operator, now, Some(heading)).await?;
    ui.show(screen).await
}

/// /resets: the second-factor resets waiting for an operator.
pub async fn resets_command(turn: Turn) -> HandlerResult {
    let Gate::Open(operator) = staff::for_message(&turn, "resets", Then::Resets).await? else {
        return Ok(());
    };
    let now = turn.services.clock.now();
    let screen = resets_screen(turn.t, &turn.db, operator, now, None).await?;
    turn.ui.show(screen).await
}

/// What [`next_screen`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// The card of this application.
    Card(i64),
    /// The queue is empty.
    Empty,
    /// A refusal.
    Refusal,
}

/// The card of the application the operator holds or is given now, or a
/// word that there is nothing to review.
async fn next_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    operator: UserId,
) -> Result<(Screen, Shown), HandlerError> {
    let now = services.clock.now();
    let claimed =
        review::claim_next(db, &services.vault, operator, now, review::default_lease()).await;
    let claim = match claimed {
        Ok(Some(claim)) => claim,
        Ok(None) => return Ok((queue_empty(t), Shown::Empty)),
        Err(error) => return Ok((after_decision(t, problem(t, error)?), Shown::Refusal)),
    };
    let id = claim.application.id;
    let card = match review::view(db, &services.vault, &services.registry, operator, id, now).await
    {
        Ok(card) => card,
        Err(error) => return Ok((after_decision(t, problem(t, error)?), Shown::Refusal)),
    };
    // What the application's kind carries beyond documents: the card is
    // the operator's only view of it (the view above checked the operator).
    let specifics = match card.application.kind {
        Kind::CertificateRequest => certificates::of_for_review(db, id)
            .await?
            .map_or(Specifics::None, Specifics::Certificate),
        Kind::EducationCheck => {
            Specifics::Education(check::covered(db, &services.vault, &card.application).await?)
        }
        _ => Specifics::None,
    };
    let mut screen = card_screen(t, &card, specifics);
    // An activity report: its parts, cut to fit the card, and the whole
    // as a PDF on a button.
    if card.application.kind == Kind::ActivityReport {
        let owner = card.application.owner_id;
        let answers = activity_report::answers_for_review(db, &services.vault, owner).await?;
        let agreed = activity_report::agreement(db, owner).await? == ReportAgreement::Agreed;
        let mut part = format!("\n\n{}", t.msg("review-report-heading"));
        for line in report::for_card(t, &answers, REPORT_ON_CARD) {
            part.push('\n');
            part.push_str(&line);
        }
        part.push('\n');
        part.push_str(&t.msg_with(
            "review-report-mode",
            [("agreed", Arg::Text(if agreed { "yes" } else { "no" }))],
        ));
        screen.text.push_str(&part);
        let mut rows = screen.keyboard.rows;
        rows.insert(
            0,
            vec![button(
                t.msg("review-report-pdf"),
                Action::Op(OpAction::ReportPdf(id)),
            )],
        );
        screen.keyboard = Keyboard::new(rows);
    }
    Ok((screen, Shown::Card(id)))
}

/// What a card shows of its kind beyond the documents.
enum Specifics {
    None,
    /// Which справка or выписка is asked for.
    Certificate(Certificate),
    /// The education records to confirm.
    Education(Vec<check::Covered>),
}

/// Documents listed (with a button each) on a card; the rest are counted
/// and paged. An education check cites a certificate per record, so a
/// card could otherwise pass Telegram's 4096 characters.
const CARD_DOCUMENTS: usize = 8;

/// One button per document in `range` (numbered across the whole list).
fn document_buttons(
    t: Texts,
    application: i64,
    documents: &[Document],
    range: std::ops::Range<usize>,
) -> Vec<Vec<Button>> {
    documents
        .iter()
        .enumerate()
        .skip(range.start)
        .take(range.len())
        .map(|(n, document)| {
            let kind = document_kind(t, document.kind);
            let label = t.msg_with(
                "review-document-button",
                [("n", Arg::count(n + 1)), ("kind", Arg::Text(&kind))],
            );
            let action = OpAction::Document {
                application,
                document: document.id,
            };
            vec![button(label, Action::Op(action))]
        })
        .collect()
}

/// A page of an application's documents, [`CARD_DOCUMENTS`] to a page,
/// each with its button, to the operator holding it.
async fn documents_page(turn: &Turn, press: &Press, application: i64, page: u16) -> HandlerResult {
    let t = turn.t;
    let Some(card) = held(turn, press, application).await? else {
        return Ok(());
    };
    let documents = &card.documents;
    let list = CardPage {
        card: &card,
        heading: "review-documents-page",
        per_page: CARD_DOCUMENTS,
        total: documents.len(),
    };
    let (_, range, _) = list.range(page);
    let lines = documents
        .iter()
        .enumerate()
        .skip(range.start)
        .take(range.len())
        .map(|(n, document)| document_line(t, n + 1, document))
        .collect();
    let rows = document_buttons(t, application, documents, range);
    let to_page = |page| OpAction::Documents { application, page };
    list.show(turn, press, page, lines, rows, to_page).await
}

/// Records listed on an education check's card; the rest are counted. Ten
/// short lines keep the card well inside Telegram's 4096 characters.
const CARD_RECORDS: usize = 10;

/// Characters of a record's title on the card.
const CARD_TITLE_CHARS: usize = 60;

/// The records an education check covers, for its card: the first
/// [`CARD_RECORDS`], the rest counted (a button pages through them all).
fn education_text(t: Texts, covered: &[check::Covered]) -> String {
    let mut lines = vec![t.msg_with(
        "review-education-records",
        [("count", Arg::count(covered.len()))],
    )];
    lines.extend(education_lines(t, covered, 0..CARD_RECORDS));
    if covered.len() > CARD_RECORDS {
        lines.push(t.msg_with(
            "review-education-more",
            [("count", Arg::count(covered.len() - CARD_RECORDS))],
        ));
    }
    lines.join("\n")
}

/// The lines of the covered records in `range` (numbered from 1 across
/// the whole list), as far as there are any.
fn education_lines(
    t: Texts,
    covered: &[check::Covered],
    range: std::ops::Range<usize>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (n, covered) in covered
        .iter()
        .enumerate()
        .skip(range.start)
        .take(range.len())
    {
        let Some(record) = &covered.record else {
            lines.push(t.msg_with("review-education-deleted", [("n", Arg::count(n + 1))]));
            continue;
        };
        let entry = &record.entry;
        let ikp = entry.ikp().unwrap_or_default();
        lines.push(t.msg_with(
            "review-education-line",
            [
                ("n", Arg::count(n + 1)),
                (
                    "title",
                    Arg::Text(&hours::shortened(entry.title(), CARD_TITLE_CHARS)),
                ),
                ("kind", Arg::Text(&hours::kind_name(t, entry.kind()))),
                (
                    "amount",
                    Arg::Text(&hours::amount_text(t, entry.kind(), entry.amount())),
                ),
                ("date", Arg::Text(&t.date(entry.completed_on()))),
                (
                    "has_ikp",
                    Arg::Text(if ikp.is_empty() { "no" } else { "yes" }),
                ),
                ("ikp", Arg::Text(ikp)),
                (
                    "certificate",
                    Arg::Text(if record.document_id.is_some() {
                        "yes"
                    } else {
                        "no"
                    }),
                ),
                (
                    "changed",
                    Arg::Text(if covered.changed { "yes" } else { "no" }),
                ),
            ],
        ));
    }
    lines
}

/// A page of an education check's records, [`CARD_RECORDS`] to a page,
/// to the operator holding it.
async fn check_records(turn: &Turn, press: &Press, application: i64, page: u16) -> HandlerResult {
    let t = turn.t;
    let held = held_of_kind(turn, press, application, Kind::EducationCheck);
    let Some(card) = held.await? else {
        return Ok(());
    };
    let covered = check::covered(&turn.db, &turn.services.vault, &card.application).await?;
    let list = CardPage {
        card: &card,
        heading: "review-education-page",
        per_page: CARD_RECORDS,
        total: covered.len(),
    };
    let (_, range, _) = list.range(page);
    let lines = education_lines(t, &covered, range);
    let to_page = |page| OpAction::CheckRecords { application, page };
    list.show(turn, press, page, lines, Vec::new(), to_page)
        .await
}

fn queue_empty(t: Texts) -> Screen {
    Screen {
        text: t.msg("review-queue-empty"),
        keyboard: Keyboard::new([[button(
            t.msg("review-refresh"),
            Action::Op(OpAction::Refresh),
        )]]),
    }
}

/// A result (or a refusal) with the way on to the next application.
fn after_decision(t: Texts, text: String) -> Screen {
    Screen {
        text,
        keyboard: Keyboard::new([[button(
            t.msg("review-next-application"),
            Action::Op(OpAction::Next),
        )]]),
    }
}

/// Refusals worded for the operator; anything else is an error.
fn problem(t: Texts, error: ReviewError) -> Result<String, HandlerError> {
    let key = match error {
        ReviewError::NotOperator => "review-operators-only",
        ReviewError::NotFound => "review-not-found",
        ReviewError::OwnApplication => "review-own-application",
        ReviewError::NotLeaseHolder => "review-not-yours",
        ReviewError::Application(ApplicationError::Transition(ref refused))
            if refused.from.is_final() || refused.from == Status::MoreDocumentsNeeded =>
        {
            "review-already-decided"
        }
        // Submitted, not taken for review: nobody holds it yet.
        ReviewError::Application(ApplicationError::Transition(_)) => "review-not-yours",
        ReviewError::FactorResetNotFound => "review-reset-not-found",
        ReviewError::OwnFactorReset => "review-own-reset",
        ReviewError::FactorResetDecided => "review-reset-decided",
        ReviewError::SecondOperatorRequired => "review-reset-second-operator",
        ReviewError::Application(ApplicationError::NotConfirmable(ConfirmError::NotLinked)) => {
            "review-activation-unlinked"
        }
        ReviewError::Application(ApplicationError::NotConfirmable(
            ConfirmError::TakenByConfirmed,
        )) => "review-activation-confirmed-elsewhere",
        error => return Err(error.into()),
    };
    Ok(t.msg(key))
}

fn document_kind(t: Texts, kind: documents::DocumentKind) -> String {
    // The practitioner's name for it («📄 Документы»): one name on both sides.
    t.msg_with("doc-kind", [("kind", Arg::Text(kind.as_str()))])
}

fn document_line(t: Texts, n: usize, document: &Document) -> String {
    let kind = document_kind(t, document.kind);
    let number = document
        .number
        .clone()
        .unwrap_or_else(|| t.msg("review-no-number"));
    let issued = t.date(document.issued_on);
    let mut args = vec![
        ("n", Arg::count(n)),
        ("kind", Arg::Text(&kind)),
        ("number", Arg::Text(&number)),
        ("issued", Arg::Text(&issued)),
    ];
    let until = document.valid_until.map(|day| t.date(day));
    let key = match &until {
        Some(until) => {
            args.push(("until", Arg::Text(until)));
            "review-card-document-until"
        }
        None => "review-card-document",
    };
    t.msg_with(key, args)
}

/// The application as the operator holding it sees it, with its buttons.
fn card_screen(t: Texts, card: &ReviewCard, specifics: Specifics) -> Screen {
    let app = &card.application;
    let more_records =
        matches!(&specifics, Specifics::Education(covered) if covered.len() > CARD_RECORDS);
    let submitted = app
        .submitted_at
        .map(|at| t.date_time(at))
        .unwrap_or_else(|| "—".to_owned());
    // A lease lasts minutes: the time alone says it.
    let until = app
        .lease
        .map(|lease| t.time(lease.until))
        .unwrap_or_else(|| "—".to_owned());
    let owner = app.owner_id.to_string();
    // The name is what the practitioner typed (or the register's): escaped
    // by msg_with like every argument.
    let name = card.practitioner_name.as_deref().unwrap_or_default();
    let has_name = if name.is_empty() { "no" } else { "yes" };
    // The kind and the status as «📨 Мои заявки» names them.
    let kind = t.msg_with("app-kind", [("kind", Arg::Text(app.kind.as_str()))]);
    let status = t.msg_with("app-status", [("status", Arg::Text(app.status.as_str()))]);
    let mut text = t.msg_with(
        "review-card",
        [
            ("number", Arg::Text(&app.number)),
            ("kind", Arg::Text(&kind)),
            ("submitted", Arg::Text(&submitted)),
            ("status", Arg::Text(&status)),
            ("has_name", Arg::Text(has_name)),
            ("name", Arg::Text(name)),
            ("owner", Arg::Text(&owner)),
            ("born", Arg::Text(channels::born_on(app.owner_id).as_str())),
            ("until", Arg::Text(&until)),
        ],
    );
    match specifics {
        Specifics::None => {}
        Specifics::Certificate(certificate) => {
            let name = t.msg_with(
                "app-certificate",
                [("certificate", Arg::Text(certificate.as_str()))],
            );
            text.push('\n');
            text.push_str(&t.msg_with("app-certificate-line", [("certificate", Arg::Text(&name))]));
        }
        Specifics::Education(covered) => {
            text.push_str("\n\n");
            text.push_str(&education_text(t, &covered));
        }
    }
    text.push_str("\n\n");
    if card.documents.is_empty() {
        text.push_str(&t.msg("review-card-no-documents"));
    } else {
        text.push_str(&t.msg("review-card-documents"));
        for (n, document) in card.documents.iter().enumerate().take(CARD_DOCUMENTS) {
            text.push('\n');
            text.push_str(&document_line(t, n + 1, document));
        }
        if card.documents.len() > CARD_DOCUMENTS {
            text.push('\n');
            text.push_str(&t.msg_with(
                "review-card-documents-more",
                [("count", Arg::count(card.documents.len() - CARD_DOCUMENTS))],
            ));
        }
    }
    if let Some(requested) = &app.requested {
        // A resubmission: what was asked, and what came in answer to it.
        let added: Vec<String> = card
            .documents
            .iter()
            .enumerate()
            .filter(|(_, document)| app.added_document_ids.contains(&document.id))
            .map(|(n, document)| format!("{}. {}", n + 1, document_kind(t, document.kind)))
            .collect();
        let has_added = if added.is_empty() { "no" } else { "yes" };
        text.push_str("\n\n");
        text.push_str(&t.msg_with(
            "review-card-resubmitted",
            [
                ("requested", Arg::Text(requested)),
                ("has_added", Arg::Text(has_added)),
                ("added", Arg::Text(&added.join(", "))),
            ],
        ));
    }
    for warning in &card.warnings {
        text.push_str("\n\n");
        text.push_str(&match warning {
            IdentityWarning::RegisterKnowsAnotherPhone => t.msg("review-warning-register-phone"),
            IdentityWarning::ConfirmedElsewhere => t.msg("review-warning-confirmed-elsewhere"),
            IdentityWarning::OtherApplicants(n) => t.msg_with(
                "review-warning-other-applicants",
                [("count", Arg::count(*n))],
            ),
        });
    }
    if !card.missing.is_empty() {
        let missing: Vec<String> = card
            .missing
            .iter()
            .map(|kind| document_kind(t, *kind))
            .collect();
        text.push_str("\n\n");
        text.push_str(&t.msg_with(
            "review-card-missing",
            [("list", Arg::Text(&missing.join(", ")))],
        ));
    }

    let mut rows = document_buttons(t, app.id, &card.documents, 0..CARD_DOCUMENTS);
    if card.documents.len() > CARD_DOCUMENTS {
        rows.push(vec![button(
            t.msg("review-documents-all"),
            Action::Op(OpAction::Documents {
                application: app.id,
                page: 0,
            }),
        )]);
    }
    if more_records {
        rows.push(vec![button(
            t.msg("review-education-all"),
            Action::Op(OpAction::CheckRecords {
                application: app.id,
                page: 0,
            }),
        )]);
    }
    rows.push(vec![
        button(
            t.msg("review-approve"),
            Action::Op(OpAction::Approve(app.id)),
        ),
        button(t.msg("review-reject"), Action::Op(OpAction::Reject(app.id))),
    ]);
    rows.push(vec![
        button(
            t.msg("review-request-documents"),
            Action::Op(OpAction::MoreDocuments(app.id)),
        ),
        button(t.msg("review-skip"), Action::Op(OpAction::Skip(app.id))),
    ]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

/// A document's file, to the operator holding the application that cites
/// it, protected from forwarding and saving; the view is audited.
async fn send_document(
    turn: &Turn,
    press: &Press,
    application: i64,
    document: i64,
) -> HandlerResult {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        services,
        ..
    } = turn;
    let (operator, t) = (*operator, *t);
    let now = services.clock.now();
    // The card's checks decide: the operator holds the application, it is
    // not their own, and the document is among those it cites.
    let card = match review::view(
        db,
        &services.vault,
        &services.registry,
        operator,
        application,
        now,
    )
    .await
    {
        Ok(card) => card,
        Err(error) => return ui.answer_with(press, problem(t, error)?).await,
    };
    let Some(cited) = card.documents.iter().find(|d| d.id == document) else {
        record_refusal(db, operator, "document", "not_cited", now).await?;
        return ui
            .answer_with(press, t.msg("review-document-not-cited"))
            .await;
    };
    ui.answer(press).await?;
    ui.activity(Activity::UploadingDocument).await;
    let Some(content) = documents::content_for_review(db, &services.vault, document).await? else {
        return ui.say(t.msg("review-not-found")).await;
    };
    let view = View {
        operator_id: operator,
        owner_id: card.application.owner_id,
        application_id: Some(application),
        document_id: Some(document),
    };
    operators::record_view(db, view, now).await?;
    let kind = document_kind(t, cited.kind);
    let caption = t.msg_with(
        "review-document-caption",
        [
            ("kind", Arg::Text(&kind)),
            ("number", Arg::Text(&card.application.number)),
        ],
    );
    // The file is a practitioner's personal document: not to be
    // forwarded or saved out of the chat (sent protected), and gone from it
    // when the operator's staff session ends.
    let file = OutgoingFile::new(cited.file_name.clone(), content).caption(caption);
    let sent = ui.send_file(file).await?;
    // Telegram's ids only: a Max message id is text.
    {
        let sent = ui.stored(&sent);
        let session = session_files::Session::Staff;
        session_files::remember(db, operator, &sent, session, now).await?;
    }
    Ok(())
}

/// The card of an application the operator holds: the card's checks
/// decide (the operator holds it, it is not their own). `None` once the
/// press has been answered with the refusal.
async fn held(
    turn: &Turn,
    press: &Press,
    application: i64,
) -> Result<Option<ReviewCard>, HandlerError> {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        services,
        ..
    } = turn;
    let now = services.clock.now();
    let viewed = review::view(
        db,
        &services.vault,
        &services.registry,
        *operator,
        application,
        now,
    )
    .await;
    match viewed {
        Ok(card) => Ok(Some(card)),
        Err(error) => {
            ui.answer_with(press, problem(*t, error)?).await?;
            Ok(None)
        }
    }
}

/// [`held`], if the application is of `kind`; a press for another kind
/// is refused and recorded.
async fn held_of_kind(
    turn: &Turn,
    press: &Press,
    application: i64,
    kind: Kind,
) -> Result<Option<ReviewCard>, HandlerError> {
    let Some(card) = held(turn, press, application).await? else {
        return Ok(None);
    };
    if card.application.kind != kind {
        let attempted = match kind {
            Kind::ActivityReport => "view_activity_report",
            _ => "view_education_check",
        };
        let now = turn.services.clock.now();
        record_refusal(&turn.db, turn.user, attempted, "another_kind", now).await?;
        turn.ui
            .answer_with(press, turn.t.msg("button-outdated"))
            .await?;
        return Ok(None);
    }
    Ok(Some(card))
}

/// A page of a card's list (records or documents), [`CARD_RECORDS`] /
/// [`CARD_DOCUMENTS`] to a page: its lines under `heading` (a key given
/// the application's number and the range), `rows` (buttons of the page's
/// items) above «◀️ ▶️» and «« Назад к заявке». The view is audited like
/// the card's.
struct CardPage<'a> {
    card: &'a ReviewCard,
    heading: &'static str,
    per_page: usize,
    total: usize,
}

impl CardPage<'_> {
    /// The page shown (a page past the end is the last) and its range.
    fn range(&self, page: u16) -> (usize, std::ops::Range<usize>, usize) {
        let pages = self.total.div_ceil(self.per_page).max(1);
        let page = usize::from(page).min(pages - 1);
        let first = page * self.per_page;
        (page, first..(first + self.per_page).min(self.total), pages)
    }

    async fn show(
        &self,
        turn: &Turn,
        press: &Press,
        page: u16,
        lines: Vec<String>,
        mut rows: Vec<Vec<Button>>,
        to_page: impl Fn(u16) -> OpAction,
    ) -> HandlerResult {
        let Turn {
            ui,
            user,
            t,
            db,
            services,
            ..
        } = turn;
        let t = *t;
        let (page, range, pages) = self.range(page);
        ui.answer(press).await?;
        let application = &self.card.application;
        let view = View {
            operator_id: *user,
            owner_id: application.owner_id,
            application_id: Some(application.id),
            document_id: None,
        };
        operators::record_view(db, view, services.clock.now()).await?;
        let mut text = vec![t.msg_with(
            self.heading,
            [
                ("number", Arg::Text(&application.number)),
                ("from", Arg::count(range.start + 1)),
                ("to", Arg::count(range.end)),
                ("count", Arg::count(self.total)),
            ],
        )];
        text.extend(lines);
        let number = |page: usize| u16::try_from(page).unwrap_or(u16::MAX);
        let mut pager = Vec::new();
        if page > 0 {
            let back = Action::Op(to_page(number(page - 1)));
            pager.push(button(t.msg("review-education-back"), back));
        }
        if page + 1 < pages {
            let next = Action::Op(to_page(number(page + 1)));
            pager.push(button(t.msg("review-education-next"), next));
        }
        if !pager.is_empty() {
            rows.push(pager);
        }
        rows.push(vec![button(
            t.msg("review-back-to-card"),
            Action::Op(OpAction::Card(application.id)),
        )]);
        let screen = Screen {
            text: text.join("\n"),
            keyboard: Keyboard::new(rows),
        };
        ui.replace(press, screen).await
    }
}

/// The activity report of an application the operator holds, as its PDF:
/// protected (it is the practitioner's), the view audited, gone with the
/// staff session.
async fn send_report(turn: &Turn, press: &Press, application: i64) -> HandlerResult {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        services,
        ..
    } = turn;
    let (operator, t) = (*operator, *t);
    let now = services.clock.now();
    let held = held_of_kind(turn, press, application, Kind::ActivityReport);
    let Some(card) = held.await? else {
        return Ok(());
    };
    ui.answer(press).await?;
    ui.activity(Activity::UploadingDocument).await;
    let owner = card.application.owner_id;
    let answers = activity_report::answers_for_review(db, &services.vault, owner).await?;
    let (draft, _) = report::draft(t, db, services, owner, &answers).await?;
    let pdf = report::render(draft).await?;
    let view = View {
        operator_id: operator,
        owner_id: owner,
        application_id: Some(application),
        document_id: None,
    };
    operators::record_view(db, view, now).await?;
    let caption = t.msg_with(
        "review-report-caption",
        [("number", Arg::Text(&card.application.number))],
    );
    let file = OutgoingFile::new(t.msg("report-pdf-file"), pdf.bytes).caption(caption);
    let sent = ui.send_file(file).await?;
    // Telegram's ids only: a Max message id is text.
    {
        let sent = ui.stored(&sent);
        let session = session_files::Session::Staff;
        session_files::remember(db, operator, &sent, session, now).await?;
    }
    Ok(())
}

/// The pending resets, each with its button, under an optional heading.
async fn resets_screen(
    t: Texts,
    db: &PgPool,
    operator: UserId,
    now: DateTime<Utc>,
    heading: Option<String>,
) -> Result<Screen, HandlerError> {
    let pending = review::pending_factor_resets(db, operator, now).await?;
    let mut text = heading.map(|h| h + "\n\n").unwrap_or_default();
    if pending.is_empty() {
        text.push_str(&t.msg("review-resets-none"));
        return Ok(Screen {
            text,
            keyboard: Keyboard::default(),
        });
    }
    text.push_str(&t.msg_with(
        "review-resets-title",
        [("count", Arg::count(pending.len()))],
    ));
    let mut rows = Vec::new();
    for (n, request) in pending.iter().take(RESETS_SHOWN).enumerate() {
        let n = i64::try_from(n + 1).unwrap_or(i64::MAX);
        let since = t.date_time(request.requested_at);
        let user = request.telegram_user_id.to_string();
        text.push('\n');
        text.push_str(&t.msg_with(
            "review-reset-line",
            [
                ("n", Arg::Number(n)),
                ("since", Arg::Text(&since)),
                ("user", Arg::Text(&user)),
                (
                    "born",
                    Arg::Text(channels::born_on(request.telegram_user_id).as_str()),
                ),
            ],
        ));
        rows.push(vec![button(
            t.msg_with("review-reset-open-button", [("n", Arg::Number(n))]),
            Action::Op(OpAction::OpenReset(request.id)),
        )]);
    }
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// A reset request as the operator weighs it, with its decisions.
fn reset_card_screen(t: Texts, card: &review::ResetCard) -> Screen {
    let request = &card.request;
    let user = request.telegram_user_id.to_string();
    let since = t.date_time(request.requested_at);
    let earliest = t.date_time(card.earliest);
    let created = card
        .account_created_at
        .map(|at| t.date_time(at))
        .unwrap_or_else(|| "—".to_owned());
    let none = t.msg("review-reset-unknown");
    let profile_name = card.profile_name.clone().unwrap_or_else(|| none.clone());
    let register_name = card.register_name.clone().unwrap_or_else(|| none.clone());
    let approvals = if request.first_approved_by.is_some() {
        1
    } else {
        0
    };
    let mut text = t.msg_with(
        "review-reset-card",
        [
            ("user", Arg::Text(&user)),
            (
                "born",
                Arg::Text(channels::born_on(request.telegram_user_id).as_str()),
            ),
            ("since", Arg::Text(&since)),
            ("earliest", Arg::Text(&earliest)),
            ("created", Arg::Text(&created)),
            (
                "confirmed",
                Arg::Text(if card.confirmed { "yes" } else { "no" }),
            ),
            ("profile", Arg::Text(&profile_name)),
            ("register", Arg::Text(&register_name)),
            ("approvals", Arg::Number(approvals)),
        ],
    );
    text.push_str("\n\n");
    if card.documents.is_empty() {
        text.push_str(&t.msg("review-card-no-documents"));
    } else {
        text.push_str(&t.msg("review-card-documents"));
        for (n, document) in card.documents.iter().enumerate() {
            let kind = document_kind(t, document.kind);
            let number = document
                .number
                .clone()
                .unwrap_or_else(|| t.msg("review-no-number"));
            let issued = t.date(document.issued_on);
            text.push('\n');
            text.push_str(&t.msg_with(
                "review-card-document",
                [
                    ("n", Arg::count(n + 1)),
                    ("kind", Arg::Text(&kind)),
                    ("number", Arg::Text(&number)),
                    ("issued", Arg::Text(&issued)),
                ],
            ));
        }
    }
    Screen {
        text,
        keyboard: Keyboard::new([
            vec![
                button(
                    t.msg("review-approve"),
                    Action::Op(OpAction::ApproveReset(request.id)),
                ),
                button(
                    t.msg("review-reject"),
                    Action::Op(OpAction::RejectReset(request.id)),
                ),
            ],
            vec![button(
                t.msg("review-resets-back"),
                Action::Op(OpAction::Resets),
            )],
        ]),
    }
}
