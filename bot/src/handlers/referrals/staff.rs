//! /referrals: an organisation's incoming referrals, for its operators
//! (bound with `medcab admin grant-operator --organisation OGRN`). Every
//! command, button and typed reason passes the staff gate (`staff`), as
//! every operator action does; core checks again that the referral is the
//! operator's organisation's, and audits the read.
//!
//! ```text
//! operator: /referrals
//! bot:  📥 Входящие организации (1): 1. НП-2026-000001 · плановая · …
//!       [📨 НП-2026-000001]
//! operator: <presses 📨 НП-2026-000001>
//! bot:  📨 Направление НП-2026-000001 … [✅ Принять] [❌ Отклонить]
//! operator: <presses ✅ Принять>
//! bot:  ✅ Направление НП-2026-000001 принято. Отправитель получит уведомление.
//! not bound: /referrals
//! bot:  Вы не привязаны к организации: направления организаций …
//! ```

use medcab_core::UserId;
use medcab_core::history::Entity;
use medcab_core::referrals::{self, Folder, Reason, ReferralError, Side, Status, Viewer};
use sqlx::PgPool;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;

use super::{RefAction, card_screen, list_screen, problem_text};
use crate::chat::{Button, Keyboard};
use crate::handlers::commands::Command;
use crate::handlers::records;
use crate::handlers::screen::{self, Screen, button};
use crate::handlers::staff::{self as gate, Gate, Then};
use crate::handlers::{Action, ChatDialogue, HandlerError, HandlerResult, State, code_entry};
use crate::i18n::{Arg, Texts};

/// The operators' routes: the command, the typed reason, the buttons.
pub fn routes() -> UpdateHandler<HandlerError> {
    let commands =
        crate::handlers::command().branch(dptree::case![Command::Referrals].endpoint(command));
    let notes = dptree::filter(|msg: Message| !msg.text().is_some_and(|t| t.starts_with('/')))
        .branch(dptree::case![State::ReferralNote { referral }].endpoint(receive_reason));
    let actions = dptree::filter_map(Action::from_press)
        .branch(dptree::case![Action::OrgRef(action)].endpoint(press));
    dptree::entry()
        .branch(crate::handlers::said().branch(commands).branch(notes))
        .branch(crate::handlers::pressed().branch(actions))
}

fn staff(action: RefAction) -> Action {
    Action::OrgRef(action)
}

fn back_to_list(t: Texts) -> Button {
    button(t.msg("ref-back-to-incoming"), staff(RefAction::Incoming(0)))
}

/// The organisation's inbox page, or why there is none.
async fn inbox(
    t: Texts,
    db: &PgPool,
    operator: UserId,
    page: usize,
) -> Result<Screen, HandlerError> {
    let Some(ogrn) = referrals::organisations::of_operator(db, operator).await? else {
        return Ok(Screen {
            text: t.msg("ref-staff-unbound"),
            keyboard: Keyboard::default(),
        });
    };
    let listed = referrals::list(db, &Folder::Organisation(ogrn), page).await?;
    let back = button(t.msg("ref-staff-refresh"), staff(RefAction::Incoming(0)));
    let mut screen = list_screen(t, &listed, true, staff, back);
    screen.text = format!("{}\n{}", t.msg("ref-staff-title"), screen.text);
    Ok(screen)
}

/// /referrals
pub async fn command(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    turn: crate::handlers::Turn,
) -> HandlerResult {
    let Gate::Open(operator) = gate::for_message(&turn, "referrals", Then::Referrals).await? else {
        return Ok(());
    };
    dialogue.exit().await?;
    let screen = inbox(t, &db, operator, 0).await?;
    screen::show(&bot, msg.chat.id, screen).await
}

/// An operator's button on an organisation's referral.
pub async fn press(
    bot: Bot,
    query: CallbackQuery,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    action: RefAction,
    turn: crate::handlers::Turn,
) -> HandlerResult {
    let services = turn.services.clone();
    let press = crate::chat::telegram::press(&query);
    let Gate::Open(operator) = gate::for_press(&turn, &press, "referral").await? else {
        return Ok(());
    };
    let viewer = Viewer::Operator {
        id: operator,
        // Read by core inside each operation.
        organisation: None,
    };
    let now = services.clock.now();
    let vault = &services.vault;
    match action {
        RefAction::Menu | RefAction::Incoming(_) => {
            screen::answer(&bot, &query).await?;
            dialogue.exit().await?;
            let page = match action {
                RefAction::Incoming(page) => page,
                _ => 0,
            };
            let screen = inbox(t, &db, operator, page).await?;
            screen::replace(&bot, &query, screen).await
        }
        RefAction::Open(id) => match referrals::open(&db, vault, &viewer, id, now).await {
            Ok(card) => {
                screen::answer(&bot, &query).await?;
                screen::replace(&bot, &query, card_screen(t, &card, staff, back_to_list(t))).await
            }
            Err(ReferralError::NotYours) => forged(&bot, &query, t, &db, id, now).await,
            Err(error) => Err(error.into()),
        },
        RefAction::Accept(id) => match referrals::accept(&db, vault, &viewer, id, now).await {
            Ok(referral) => {
                screen::answer(&bot, &query).await?;
                let text = t.msg_with("ref-accepted", [("number", Arg::Text(&referral.number))]);
                let keyboard = Keyboard::new([[back_to_list(t)]]);
                screen::replace(&bot, &query, Screen { text, keyboard }).await
            }
            Err(ReferralError::NotYours) => forged(&bot, &query, t, &db, id, now).await,
            Err(ReferralError::Transition(_)) => {
                screen::answer_with(&bot, &query, t.msg("ref-already-answered")).await
            }
            Err(error) => Err(error.into()),
        },
        RefAction::Decline(id) => match referrals::open(&db, vault, &viewer, id, now).await {
            Ok(card) if card.side == Side::Receiver && card.referral.status == Status::Sent => {
                screen::answer(&bot, &query).await?;
                dialogue
                    .update(State::ReferralNote { referral: id })
                    .await?;
                let text = t.msg_with(
                    "ref-ask-decline",
                    [("number", Arg::Text(&card.referral.number))],
                );
                let keyboard = Keyboard::new([[button(
                    t.msg("ref-decline-keep"),
                    staff(RefAction::Open(id)),
                )]]);
                screen::replace(&bot, &query, Screen { text, keyboard }).await
            }
            Ok(_) => records::outdated(&bot, &query, t).await,
            Err(ReferralError::NotYours) => forged(&bot, &query, t, &db, id, now).await,
            Err(error) => Err(error.into()),
        },
        RefAction::File(id) => {
            let session = medcab_core::session_files::Session::Staff;
            super::file::send(&bot, &query, t, &db, &services, &viewer, session, id).await
        }
        // A sender's buttons and the form are no operator's.
        RefAction::Outgoing(_)
        | RefAction::Cancel(_)
        | RefAction::ConfirmCancel(_)
        | RefAction::Form(_) => records::outdated(&bot, &query, t).await,
    }
}

async fn forged(
    bot: &Bot,
    query: &CallbackQuery,
    t: Texts,
    db: &PgPool,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> HandlerResult {
    records::forged(bot, query, t, db, Entity::Referral, id, now).await
}

/// The reason of a refusal, typed by an operator.
pub async fn receive_reason(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    referral: i64,
    turn: crate::handlers::Turn,
) -> HandlerResult {
    let services = turn.services.clone();
    let Some(operator) = gate::for_typed_answer(&turn, "referral_decline").await? else {
        return Ok(());
    };
    let Some(text) = msg.text() else {
        return screen::say(&bot, msg.chat.id, t.msg("ref-text-expected")).await;
    };
    code_entry::forget_message(&bot, &msg).await;
    let reason = match Reason::parse(text) {
        Ok(reason) => reason,
        Err(problem) => {
            let text = format!(
                "{}\n\n{}",
                problem_text(t, &problem),
                t.msg("ref-ask-decline-again")
            );
            return screen::say(&bot, msg.chat.id, text).await;
        }
    };
    dialogue.exit().await?;
    let viewer = Viewer::Operator {
        id: operator,
        organisation: None,
    };
    let now = services.clock.now();
    match referrals::decline(&db, &services.vault, &viewer, referral, &reason, now).await {
        Ok(declined) => {
            let text = t.msg_with("ref-declined", [("number", Arg::Text(&declined.number))]);
            let keyboard = Keyboard::new([[back_to_list(t)]]);
            screen::show(&bot, msg.chat.id, Screen { text, keyboard }).await
        }
        Err(ReferralError::NotYours) => {
            records::record_forged(&db, operator, Entity::Referral, referral, now).await?;
            screen::say(&bot, msg.chat.id, t.msg("button-outdated")).await
        }
        Err(ReferralError::Transition(_)) => {
            screen::say(&bot, msg.chat.id, t.msg("ref-already-answered")).await
        }
        Err(error) => Err(error.into()),
    }
}
