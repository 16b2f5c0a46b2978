//! «📮 Направления»: electronic referrals — the incoming and outgoing
//! lists, a referral's card with its answers, and a new referral filled in
//! question by question ([`form`]). Operators of an organisation work its
//! incoming referrals with /referrals ([`staff`]).
//!
//! ```text
//! user: <presses 📮 Направления>                (after the step-up code)
//! bot:  (the same message) 📮 Направления. Входящих ждут ответа: 1.
//!       [📥 Входящие] [📤 Исходящие] [➕ Новое направление] [« Назад в меню]
//! user: <presses 📥 Входящие>
//! bot:  📥 Входящие (1): 1. НП-2026-000001 · экстренная · консультация
//!       ГБУЗ ГП № 1 · 01.12.2026 10:00 · ⏳ ждёт ответа
//!       [📨 НП-2026-000001] [« Направления]
//! user: <presses 📨 НП-2026-000001>
//! bot:  📨 Направление НП-2026-000001 … Причина: … Пациент в МИС: ИБ № 7
//!       [✅ Принять] [❌ Отклонить] [« Входящие]
//! user: <presses ❌ Отклонить>
//! bot:  Напишите причину отказа в общих словах…
//! user: Нет свободных мест до конца месяца      (deleted from the chat)
//! bot:  ❌ Направление НП-2026-000001 отклонено. Отправитель получит уведомление.
//! ```
//!
//! Every card is core's read (`referrals::open`), which checks that the
//! presser is a side of the referral and records the read; a button naming
//! someone else's referral is answered as outdated and recorded as a
//! forged button. Every view is protected from forwarding (`screen`).

mod file;
pub mod form;
pub mod staff;

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::history::Entity;
use medcab_core::referrals::{
    self, Card, Care, Folder, Line, Page, Reason, ReferralError, Side, Status, TextProblem,
    Urgency, Viewer,
};
use sqlx::PgPool;

use super::records;
use super::screen::{Screen, button};
use super::{Action, HandlerError, HandlerResult, State, Turn, code_entry};
use crate::chat::{Button, Keyboard, Press, Said};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

pub use form::{Form, Question};

/// A button of the section, inside [`Action::Ref`] (a practitioner's) or
/// [`Action::OrgRef`] (an operator's, for their organisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefAction {
    /// The section's screen.
    Menu,
    /// «Входящие», a page.
    Incoming(usize),
    /// «Исходящие», a page.
    Outgoing(usize),
    /// One referral's card.
    Open(i64),
    Accept(i64),
    /// Asks for the reason of a refusal.
    Decline(i64),
    /// Asks to confirm withdrawing one's own referral.
    Cancel(i64),
    ConfirmCancel(i64),
    /// The file sent with this referral.
    File(i64),
    /// A button of the form being filled in.
    Form(form::FormAction),
}

impl RefAction {
    pub fn encode(&self) -> String {
        match self {
            RefAction::Menu => "menu".to_owned(),
            RefAction::Incoming(page) => format!("in:{page}"),
            RefAction::Outgoing(page) => format!("out:{page}"),
            RefAction::Open(id) => format!("o:{id}"),
            RefAction::Accept(id) => format!("ok:{id}"),
            RefAction::Decline(id) => format!("no:{id}"),
            RefAction::Cancel(id) => format!("c:{id}"),
            RefAction::ConfirmCancel(id) => format!("cc:{id}"),
            RefAction::File(id) => format!("fl:{id}"),
            RefAction::Form(action) => format!("f:{}", action.encode()),
        }
    }

    pub fn parse(data: &str) -> Option<RefAction> {
        if data == "menu" {
            return Some(RefAction::Menu);
        }
        let (code, rest) = data.split_once(':')?;
        match code {
            "in" => parse_page(rest).map(RefAction::Incoming),
            "out" => parse_page(rest).map(RefAction::Outgoing),
            "f" => form::FormAction::parse(rest).map(RefAction::Form),
            _ => records::parse_on_record(
                data,
                &[
                    ("o", RefAction::Open),
                    ("ok", RefAction::Accept),
                    ("no", RefAction::Decline),
                    ("c", RefAction::Cancel),
                    ("cc", RefAction::ConfirmCancel),
                    ("fl", RefAction::File),
                ],
            ),
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<RefAction> {
        let mut all = vec![
            RefAction::Menu,
            RefAction::Incoming(0),
            RefAction::Incoming(999),
            RefAction::Outgoing(3),
            RefAction::Open(i64::MAX),
            RefAction::Accept(i64::MAX),
            RefAction::Decline(i64::MAX),
            RefAction::Cancel(i64::MAX),
            RefAction::ConfirmCancel(i64::MAX),
            RefAction::File(i64::MAX),
        ];
        all.extend(
            form::FormAction::examples()
                .into_iter()
                .map(RefAction::Form),
        );
        all
    }
}

/// A page number in callback data: decimal digits, no leading zero but "0".
pub(super) fn parse_page(text: &str) -> Option<usize> {
    if text == "0" {
        return Some(0);
    }
    records::parse_id(text).and_then(|n| usize::try_from(n).ok())
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

pub(super) fn urgency_name(t: Texts, urgency: Urgency) -> String {
    t.msg_with("ref-urgency", [("urgency", Arg::Text(urgency.as_str()))])
}

pub(super) fn care_name(t: Texts, care: Care) -> String {
    t.msg_with("ref-care", [("care", Arg::Text(care.as_str()))])
}

fn status_name(t: Texts, status: Status) -> String {
    t.msg_with("ref-status", [("status", Arg::Text(status.as_str()))])
}

/// The refusal of a typed text, in words.
pub(super) fn problem_text(t: Texts, problem: &TextProblem) -> String {
    match problem {
        TextProblem::Empty => t.msg("ref-text-empty"),
        TextProblem::TooLong { max } => {
            t.msg_with("ref-text-too-long", [("max", Arg::count(*max))])
        }
        TextProblem::PatientData(finding) => t.msg_with(
            "ref-text-patient-data",
            [
                ("kind", Arg::Text(finding.kind.as_str())),
                ("shown", Arg::Text(&finding.shown)),
            ],
        ),
        TextProblem::PersonName => t.msg("ref-text-name"),
        TextProblem::NotAReference => t.msg("ref-text-not-reference"),
    }
}

// ---------------------------------------------------------------- screens

/// The section's screen: the two lists and a new referral.
pub async fn section_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Screen, HandlerError> {
    let incoming = referrals::list(db, &Folder::Incoming(user_id), 0).await?;
    let mut rows = vec![
        vec![
            button(t.msg("ref-incoming"), Action::Ref(RefAction::Incoming(0))),
            button(t.msg("ref-outgoing"), Action::Ref(RefAction::Outgoing(0))),
        ],
        vec![button(
            t.msg("ref-new"),
            Action::Ref(RefAction::Form(form::FormAction::New)),
        )],
    ];
    if form::has_draft(db, services, user_id).await? {
        rows.push(vec![button(
            t.msg("ref-resume"),
            Action::Ref(RefAction::Form(form::FormAction::Resume)),
        )]);
    }
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Ok(Screen {
        text: t.msg_with("ref-section", [("total", Arg::Number(incoming.total))]),
        keyboard: Keyboard::new(rows),
    })
}

/// A list's page: a line and a button per referral, newest first, and
/// «◀ ▶» between pages. `wrap` makes the buttons a practitioner's or an
/// operator's; `folder_action` the action of another page of this list.
pub(super) fn list_screen(
    t: Texts,
    page: &Page,
    incoming: bool,
    wrap: fn(RefAction) -> Action,
    back: Button,
) -> Screen {
    let title = if incoming {
        "ref-incoming-title"
    } else {
        "ref-outgoing-title"
    };
    let mut text = t.msg_with(title, [("total", Arg::Number(page.total))]);
    let mut rows = Vec::new();
    if page.lines.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.msg("ref-list-empty"));
    }
    for (index, line) in page.lines.iter().enumerate() {
        text.push_str("\n\n");
        text.push_str(&line_text(
            t,
            index + 1 + page.page * referrals::store::PAGE,
            line,
        ));
        // A label is plain text: the number as it is.
        rows.push(vec![button(
            format!("📨 {}", line.number),
            wrap(RefAction::Open(line.id)),
        )]);
    }
    let folder = |page: usize| {
        if incoming {
            RefAction::Incoming(page)
        } else {
            RefAction::Outgoing(page)
        }
    };
    let mut paging = Vec::new();
    if page.page > 0 {
        paging.push(button("◀".to_owned(), wrap(folder(page.page - 1))));
    }
    if page.page + 1 < page.pages() {
        paging.push(button("▶".to_owned(), wrap(folder(page.page + 1))));
    }
    if !paging.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.msg_with(
            "ref-page",
            [
                ("page", Arg::count(page.page + 1)),
                ("pages", Arg::count(page.pages())),
            ],
        ));
        rows.push(paging);
    }
    rows.push(vec![back]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

fn line_text(t: Texts, index: usize, line: &Line) -> String {
    t.msg_with(
        "ref-line",
        [
            ("index", Arg::count(index)),
            ("number", Arg::Text(&line.number)),
            ("urgency", Arg::Text(&urgency_name(t, line.urgency))),
            ("care", Arg::Text(&care_name(t, line.care))),
            ("counterpart", Arg::Text(&line.counterpart)),
            ("sent", Arg::Text(&t.date_time(line.sent_at))),
            ("status", Arg::Text(&status_name(t, line.status))),
        ],
    )
}

/// A referral's card, with the buttons its reader's side may press.
pub(super) fn card_screen(
    t: Texts,
    card: &Card,
    wrap: fn(RefAction) -> Action,
    back: Button,
) -> Screen {
    let referral = &card.referral;
    let to_organisation = matches!(referral.receiver, referrals::Receiver::Organisation { .. });
    let sender = match (&card.sender_name, referral.sender_erased) {
        (_, true) => t.msg("ref-party-erased"),
        (Some(name), false) => name.clone(),
        (None, false) => t.msg("ref-party-unknown"),
    };
    let receiver = if to_organisation {
        t.msg("ref-party-organisation")
    } else {
        match (&card.receiver_name, referral.receiver_erased) {
            (_, true) => t.msg("ref-party-erased"),
            (Some(name), false) => name.clone(),
            (None, false) => t.msg("ref-party-unknown"),
        }
    };
    let decline = referral.decline_reason.as_deref().unwrap_or_default();
    let text = t.msg_with(
        "ref-card",
        [
            ("number", Arg::Text(&referral.number)),
            ("status", Arg::Text(&status_name(t, referral.status))),
            ("sender", Arg::Text(&sender)),
            ("sender_org", Arg::Text(&referral.sender_organisation)),
            ("receiver", Arg::Text(&receiver)),
            ("receiver_org", Arg::Text(&referral.receiver_organisation)),
            ("urgency", Arg::Text(&urgency_name(t, referral.urgency))),
            ("care", Arg::Text(&care_name(t, referral.care))),
            ("reason", Arg::Text(&referral.reason)),
            ("patient", Arg::Text(&referral.patient_ref)),
            ("sent", Arg::Text(&t.date_time(referral.sent_at))),
            (
                "waiting",
                Arg::Text(yes_no(referral.status == Status::Sent)),
            ),
            ("until", Arg::Text(&t.date_time(referral.expires_at))),
        ],
    );
    let text = if decline.is_empty() {
        text
    } else {
        let line = t.msg_with("ref-card-decline", [("decline", Arg::Text(decline))]);
        format!("{text}\n{line}")
    };
    let mut rows = Vec::new();
    let text = match card.file {
        Some(attached) => {
            rows.push(vec![button(
                t.msg("ref-open-file"),
                wrap(RefAction::File(referral.id)),
            )]);
            format!("{text}\n{}", file::card_line(t, attached))
        }
        None => text,
    };
    if referral.status == Status::Sent {
        match card.side {
            Side::Receiver => rows.push(vec![
                button(t.msg("ref-accept"), wrap(RefAction::Accept(referral.id))),
                button(t.msg("ref-decline"), wrap(RefAction::Decline(referral.id))),
            ]),
            Side::Sender => rows.push(vec![button(
                t.msg("ref-cancel"),
                wrap(RefAction::Cancel(referral.id)),
            )]),
            Side::System => {}
        }
    }
    rows.push(vec![back]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

fn practitioner(action: RefAction) -> Action {
    Action::Ref(action)
}

fn back_to_section(t: Texts) -> Button {
    button(t.msg("ref-back-to-section"), Action::Ref(RefAction::Menu))
}

fn back_to_list(t: Texts, side: Side) -> Button {
    match side {
        Side::Sender => button(
            t.msg("ref-back-to-outgoing"),
            Action::Ref(RefAction::Outgoing(0)),
        ),
        _ => button(
            t.msg("ref-back-to-incoming"),
            Action::Ref(RefAction::Incoming(0)),
        ),
    }
}

// ---------------------------------------------------------------- buttons

/// A practitioner's button of the section. The step-up gate (`step_up`)
/// let it through: the session is open. Each one naming a referral is
/// re-checked in core.
pub async fn press(turn: Turn, press: Press, action: RefAction, state: State) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    let (user_id, t) = (*user, *t);
    let viewer = Viewer::Practitioner(user_id);
    let now = services.clock.now();
    let vault = &services.vault;
    match action {
        RefAction::Menu => {
            ui.answer(&press).await?;
            dialogue.exit().await?;
            let screen = section_screen(t, db, services, user_id).await?;
            ui.replace(&press, screen).await
        }
        RefAction::Incoming(page) | RefAction::Outgoing(page) => {
            ui.answer(&press).await?;
            let incoming = matches!(action, RefAction::Incoming(_));
            let folder = if incoming {
                Folder::Incoming(user_id)
            } else {
                Folder::Outgoing(user_id)
            };
            let listed = referrals::list(db, &folder, page).await?;
            let screen = list_screen(t, &listed, incoming, practitioner, back_to_section(t));
            ui.replace(&press, screen).await
        }
        RefAction::Open(id) => match referrals::open(db, vault, &viewer, id, now).await {
            Ok(card) => {
                ui.answer(&press).await?;
                let back = back_to_list(t, card.side);
                ui.replace(&press, card_screen(t, &card, practitioner, back))
                    .await
            }
            Err(ReferralError::NotYours) => forged(&turn, &press, id, now).await,
            Err(error) => Err(error.into()),
        },
        RefAction::Accept(id) => match referrals::accept(db, vault, &viewer, id, now).await {
            Ok(referral) => {
                ui.answer(&press).await?;
                let text = t.msg_with("ref-accepted", [("number", Arg::Text(&referral.number))]);
                let keyboard = Keyboard::new([[back_to_list(t, Side::Receiver)]]);
                ui.replace(&press, Screen { text, keyboard }).await
            }
            Err(error) => refused(&turn, &press, id, error, now).await,
        },
        RefAction::Decline(id) => {
            // Only a side that may decline is asked for a reason.
            match referrals::open(db, vault, &viewer, id, now).await {
                Ok(card) if card.side == Side::Receiver && card.referral.status == Status::Sent => {
                    ui.answer(&press).await?;
                    dialogue
                        .update(State::Referral(Question::DeclineReason { referral: id }))
                        .await?;
                    let keyboard = Keyboard::new([[button(
                        t.msg("ref-decline-keep"),
                        Action::Ref(RefAction::Open(id)),
                    )]]);
                    let text = t.msg_with(
                        "ref-ask-decline",
                        [("number", Arg::Text(&card.referral.number))],
                    );
                    ui.replace(&press, Screen { text, keyboard }).await
                }
                Ok(_) => records::outdated(ui, &press, t).await,
                Err(ReferralError::NotYours) => forged(&turn, &press, id, now).await,
                Err(error) => Err(error.into()),
            }
        }
        RefAction::Cancel(id) => match referrals::open(db, vault, &viewer, id, now).await {
            Ok(card) if card.side == Side::Sender && card.referral.status == Status::Sent => {
                ui.answer(&press).await?;
                let text = t.msg_with(
                    "ref-cancel-ask",
                    [("number", Arg::Text(&card.referral.number))],
                );
                let keyboard = Keyboard::new([[
                    button(
                        t.msg("ref-cancel-confirm"),
                        Action::Ref(RefAction::ConfirmCancel(id)),
                    ),
                    button(t.msg("ref-cancel-keep"), Action::Ref(RefAction::Open(id))),
                ]]);
                ui.replace(&press, Screen { text, keyboard }).await
            }
            Ok(_) => records::outdated(ui, &press, t).await,
            Err(ReferralError::NotYours) => forged(&turn, &press, id, now).await,
            Err(error) => Err(error.into()),
        },
        RefAction::ConfirmCancel(id) => {
            match referrals::cancel(db, vault, user_id, id, now).await {
                Ok(referral) => {
                    ui.answer(&press).await?;
                    let text =
                        t.msg_with("ref-cancelled", [("number", Arg::Text(&referral.number))]);
                    let keyboard = Keyboard::new([[back_to_list(t, Side::Sender)]]);
                    ui.replace(&press, Screen { text, keyboard }).await
                }
                Err(error) => refused(&turn, &press, id, error, now).await,
            }
        }
        RefAction::File(id) => {
            let session = medcab_core::session_files::Session::Practitioner;
            file::send(&turn, &press, &viewer, session, id).await
        }
        RefAction::Form(action) => form::press(turn, press, action, state).await,
    }
}

/// A decision core refused: someone else's referral (recorded), or one
/// already answered (the button is outdated).
async fn refused(
    turn: &Turn,
    press: &Press,
    id: i64,
    error: ReferralError,
    now: DateTime<Utc>,
) -> HandlerResult {
    match error {
        ReferralError::NotYours => forged(turn, press, id, now).await,
        ReferralError::Transition(_) => {
            turn.ui
                .answer_with(press, turn.t.msg("ref-already-answered"))
                .await
        }
        error => Err(error.into()),
    }
}

async fn forged(turn: &Turn, press: &Press, id: i64, now: DateTime<Utc>) -> HandlerResult {
    records::forged(turn, press, Entity::Referral, id, now).await
}

// ---------------------------------------------------------------- messages

/// A message while a question of the section is open: an answer of the
/// form, or a refusal's reason.
pub async fn receive(turn: Turn, said: Said, question: Question) -> HandlerResult {
    match question {
        Question::DeclineReason { referral } => decline_with(&turn, &said, referral).await,
        question => form::receive(turn, said, question).await,
    }
}

async fn decline_with(turn: &Turn, said: &Said, id: i64) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (user_id, t) = (*user, *t);
    let Some(text) = said.text() else {
        return ui.say(t.msg("ref-text-expected")).await;
    };
    let now = services.clock.now();
    // What was typed is health-related: off the chat once read.
    code_entry::forget(ui, said).await;
    let reason = match Reason::parse(text) {
        Ok(reason) => reason,
        Err(problem) => {
            let text = format!(
                "{}\n\n{}",
                problem_text(t, &problem),
                t.msg("ref-ask-decline-again")
            );
            return ui.say(text).await;
        }
    };
    let viewer = Viewer::Practitioner(user_id);
    dialogue.exit().await?;
    match referrals::decline(db, &services.vault, &viewer, id, &reason, now).await {
        Ok(referral) => {
            let text = t.msg_with("ref-declined", [("number", Arg::Text(&referral.number))]);
            let keyboard = Keyboard::new([[back_to_list(t, Side::Receiver)]]);
            ui.show(Screen { text, keyboard }).await
        }
        Err(ReferralError::NotYours) => {
            records::record_forged(db, user_id, Entity::Referral, id, now).await?;
            ui.say(t.msg("button-outdated")).await
        }
        Err(ReferralError::Transition(_)) => ui.say(t.msg("ref-already-answered")).await,
        Err(error) => Err(error.into()),
    }
}
