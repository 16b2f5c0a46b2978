//! Answering «Вход в личный кабинет: это вы?». The push itself comes from
//! the outbox (see `delivery`); this is the press on its buttons.
//!
//! ```text
//! bot:  🔐 Вход в личный кабинет: это вы?
//!       Время: 12:00 (МСК) · Устройство: Firefox, Windows · Место: Москва
//!       Если входите вы, нажмите число, которое показано на экране входа.
//!       [37] [52] [81]
//!       [🚫 Это не я]
//! user: <presses 52, the number the portal shows>
//! bot:  (toast) Вход подтверждён
//!       (the same message, without buttons) ✅ Вход подтверждён.
//! user: <or presses another number>
//! bot:  (toast) Число не совпало — вход заблокирован
//!       (the same message, without buttons) 🚫 Число не совпало … вход
//!       заблокирован … если это были вы, войдите снова
//! user: <or presses 🚫 Это не я>
//! bot:  (toast) Вход заблокирован
//!       (the same message, without buttons) 🚫 Вход заблокирован. … смените
//!       пароль … сообщите в службу поддержки
//! user: <presses a button again, or after two minutes>
//! bot:  (toast) Вы уже ответили на этот запрос / Время на подтверждение истекло
//! ```
//!
//! The push goes to every messenger of the account; the answer on one
//! closes the others (their pushes show the same outcome, without buttons).
//!
//! The rules (the number, once, only the practitioner's own chat, not
//! after expiry) are in `medcab_core::login_confirmations`; the buttons'
//! removal at expiry is the delivery worker's (`delivery::expiry`).

use medcab_core::login_confirmations::{self, Answer, Challenge, Response, Status};
use uuid::Uuid;

use super::screen::Screen;
use super::{HandlerResult, Turn};
use crate::chat::{Keyboard, Press, StoredMessage};
use crate::i18n::{Arg, Texts};

/// One of the numbers, or [🚫 Это не я].
pub async fn answer(
    turn: Turn,
    press: Press,
    (challenge, response): (Uuid, Response),
) -> HandlerResult {
    let Turn {
        ui,
        user: presser,
        t,
        db,
        services,
        ..
    } = &turn;
    let (presser, t) = (*presser, *t);
    // The presser is who the messenger says pressed, never what the data
    // says.
    let outcome =
        login_confirmations::answer(db, challenge, presser, response, services.clock.now()).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            // Every callback is answered, even when the answer is lost.
            ui.answer(&press).await?;
            return Err(error.into());
        }
    };
    // `answered_now`: this press settled it, so the push on the person's
    // other messengers is closed too.
    let (toast, settled, mismatch, answered_now) = match outcome {
        Answer::Approved(challenge) => (t.msg("login-toast-approved"), challenge, false, true),
        Answer::Denied(challenge) => {
            tracing::warn!(%presser, challenge = %challenge.id, "a login was denied");
            (t.msg("login-toast-denied"), challenge, false, true)
        }
        Answer::Mismatch(challenge) => {
            tracing::warn!(%presser, challenge = %challenge.id, "a login was denied: a wrong number");
            (t.msg("login-toast-mismatch"), challenge, true, true)
        }
        Answer::AlreadyAnswered(challenge) => {
            (t.msg("login-toast-already"), challenge, false, false)
        }
        Answer::Expired(challenge) => (t.msg("login-toast-expired"), challenge, false, false),
        // Someone else's challenge, or none: the same answer as any
        // outdated button, so a forger learns nothing.
        Answer::NotYours => {
            tracing::warn!(%presser, %challenge, "a login answer from a foreign chat was refused");
            return ui.answer_with(&press, t.msg("button-outdated")).await;
        }
        Answer::Unknown => {
            return ui.answer_with(&press, t.msg("button-outdated")).await;
        }
    };
    ui.answer_with(&press, toast).await?;
    show_final(&turn, &press, &settled, mismatch).await?;
    if answered_now {
        close_other_pushes(&turn, &press, &settled, mismatch).await;
    }
    Ok(())
}

/// Puts the challenge's final state in place of the question, without the
/// buttons: the chat then tells what was decided.
async fn show_final(
    turn: &Turn,
    press: &Press,
    challenge: &Challenge,
    mismatch: bool,
) -> HandlerResult {
    // Without buttons the message already shows a final state (a second
    // press on an old client): editing it again would change nothing.
    if press
        .message
        .as_ref()
        .is_some_and(|shown| !shown.has_buttons)
    {
        return Ok(());
    }
    match final_screen(turn.t, challenge, mismatch) {
        Some(screen) => turn.ui.replace(press, screen).await,
        None => Ok(()),
    }
}

/// The same final state on the pushes of this challenge in the person's
/// other chats (the push goes to every messenger of the account), so no
/// question is left open on another phone. Best effort: a push that
/// cannot be edited keeps its buttons, and a press on them is told the
/// login was already answered.
async fn close_other_pushes(turn: &Turn, press: &Press, challenge: &Challenge, mismatch: bool) {
    let pushes = match login_confirmations::pushes(&turn.db, challenge.id).await {
        Ok(pushes) => pushes,
        Err(error) => {
            tracing::warn!(%error, challenge = %challenge.id, "cannot read a login's other pushes");
            return;
        }
    };
    let Some(screen) = final_screen(turn.t, challenge, mismatch) else {
        return;
    };
    let pressed = press.message.as_ref().map(|shown| &shown.id);
    for push in pushes
        .iter()
        .filter_map(|stored| StoredMessage::decode(stored))
    {
        if push.chat == turn.ui.chat() && Some(&push.message) == pressed {
            continue;
        }
        let Some(ui) = turn.services.ui_of(push.chat) else {
            continue;
        };
        if let Err(error) = ui.edit_in_place(&push.message, screen.clone()).await {
            tracing::info!(%error, challenge = %challenge.id, "another push of a login could not be closed");
        }
    }
}

/// What a settled challenge's push shows in the end; `None` while pending.
fn final_screen(t: Texts, challenge: &Challenge, mismatch: bool) -> Option<Screen> {
    let time = t.time(challenge.created_at);
    let args = [
        ("time", Arg::Text(&time)),
        ("device", Arg::Text(&challenge.device)),
        ("place", Arg::Text(&challenge.place)),
    ];
    let text = match challenge.status {
        Status::Approved => t.msg_with("login-approved", args),
        Status::Denied if mismatch => t.msg_with("login-mismatch", args),
        Status::Denied => t.msg_with("login-denied", args),
        Status::Expired => t.msg_with("login-expired", args),
        // Not reachable: a settled challenge is never pending.
        Status::Pending => return None,
    };
    // No buttons: the question is settled.
    Some(Screen {
        text,
        keyboard: Keyboard::default(),
    })
}
