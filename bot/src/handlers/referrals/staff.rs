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

use super::{RefAction, card_screen, list_screen, problem_text};
use crate::chat::{Button, Keyboard, Press, Said};
use crate::handlers::commands::Command;
use crate::handlers::records;
use crate::handlers::screen::{Screen, button};
use crate::handlers::staff::{self as gate, Gate, Then};
use crate::handlers::{Action, HandlerError, HandlerResult, Routes, State, Turn, code_entry};
use crate::i18n::{Arg, Texts};

/// The operators' routes: the command, the typed reason, the buttons.
pub fn routes() -> Routes {
    let commands =
        crate::handlers::command().branch(dptree::case![Command::Referrals].endpoint(command));
    let notes = dptree::filter(|said: Said| !said.text().is_some_and(|t| t.starts_with('/')))
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
pub async fn command(turn: Turn) -> HandlerResult {
    let Gate::Open(operator) = gate::for_message(&turn, "referrals", Then::Referrals).await? else {
        return Ok(());
    };
    let Turn {
        ui,
        t,
        db,
        dialogue,
        ..
    } = &turn;
    dialogue.exit().await?;
    let screen = inbox(*t, db, operator, 0).await?;
    ui.show(screen).await
}

/// An operator's button on an organisation's referral.
pub async fn press(turn: Turn, press: Press, action: RefAction) -> HandlerResult {
    let Turn {
        ui,
        t,
        db,
        services,
        dialogue,
        ..
    } = &turn;
    let t = *t;
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
            ui.answer(&press).await?;
            dialogue.exit().await?;
            let page = match action {
                RefAction::Incoming(page) => page,
                _ => 0,
            };
            let screen = inbox(t, db, operator, page).await?;
            ui.replace(&press, screen).await
        }
        RefAction::Open(id) => match referrals::open(db, vault, &viewer, id, now).await {
            Ok(card) => {
                ui.answer(&press).await?;
                ui.replace(&press, card_screen(t, &card, staff, back_to_list(t)))
                    .await
            }
            Err(ReferralError::NotYours) => forged(&turn, &press, id, now).await,
            Err(error) => Err(error.into()),
        },
        RefAction::Accept(id) => match referrals::accept(db, vault, &viewer, id, now).await {
            Ok(referral) => {
                ui.answer(&press).await?;
                let text = t.msg_with("ref-accepted", [("number", Arg::Text(&referral.number))]);
                let keyboard = Keyboard::new([[back_to_list(t)]]);
                ui.replace(&press, Screen { text, keyboard }).await
            }
            Err(ReferralError::NotYours) => forged(&turn, &press, id, now).await,
            Err(ReferralError::Transition(_)) => {
                ui.answer_with(&press, t.msg("ref-already-answered")).await
            }
            Err(error) => Err(error.into()),
        },
        RefAction::Decline(id) => match referrals::open(db, vault, &viewer, id, now).await {
            Ok(card) if card.side == Side::Receiver && card.referral.status == Status::Sent => {
                ui.answer(&press).await?;
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
                ui.replace(&press, Screen { text, keyboard }).await
            }
            Ok(_) => records::outdated(ui, &press, t).await,
            Err(ReferralError::NotYours) => forged(&turn, &press, id, now).await,
            Err(error) => Err(error.into()),
        },
        RefAction::File(id) => {
            let session = medcab_core::session_files::Session::Staff;
            super::file::send(&turn, &press, &viewer, session, id).await
        }
        // A sender's buttons and the form are no operator's.
        RefAction::Outgoing(_)
        | RefAction::Cancel(_)
        | RefAction::ConfirmCancel(_)
        | RefAction::Form(_) => records::outdated(ui, &press, t).await,
    }
}

async fn forged(
    turn: &Turn,
    press: &Press,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> HandlerResult {
    records::forged(turn, press, Entity::Referral, id, now).await
}

/// The reason of a refusal, typed by an operator.
pub async fn receive_reason(turn: Turn, said: Said, referral: i64) -> HandlerResult {
    let Turn {
        ui,
        t,
        db,
        services,
        dialogue,
        ..
    } = &turn;
    let t = *t;
    let Some(operator) = gate::for_typed_answer(&turn, "referral_decline").await? else {
        return Ok(());
    };
    let Some(text) = said.text() else {
        return ui.say(t.msg("ref-text-expected")).await;
    };
    code_entry::forget(ui, &said).await;
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
    dialogue.exit().await?;
    let viewer = Viewer::Operator {
        id: operator,
        organisation: None,
    };
    let now = services.clock.now();
    match referrals::decline(db, &services.vault, &viewer, referral, &reason, now).await {
        Ok(declined) => {
            let text = t.msg_with("ref-declined", [("number", Arg::Text(&declined.number))]);
            let keyboard = Keyboard::new([[back_to_list(t)]]);
            ui.show(Screen { text, keyboard }).await
        }
        Err(ReferralError::NotYours) => {
            records::record_forged(db, operator, Entity::Referral, referral, now).await?;
            ui.say(t.msg("button-outdated")).await
        }
        Err(ReferralError::Transition(_)) => ui.say(t.msg("ref-already-answered")).await,
        Err(error) => Err(error.into()),
    }
}
