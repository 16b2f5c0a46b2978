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
//! The rules (the number, once, only the practitioner's own chat, not
//! after expiry) are in `medcab_core::login_confirmations`; the buttons'
//! removal at expiry is the delivery worker's (`delivery::expiry`).

use medcab_core::login_confirmations::{self, Answer, Challenge, Response, Status};
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;
use uuid::Uuid;

use super::HandlerResult;
use super::screen::{self, Screen};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;
use crate::user_ids::StoredId;

/// One of the numbers, or [🚫 Это не я].
pub async fn answer(
    bot: Bot,
    query: CallbackQuery,
    (challenge, response): (Uuid, Response),
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    // The presser is who Telegram says pressed, never what the data says.
    let presser = query.from.stored()?;
    let outcome =
        login_confirmations::answer(&db, challenge, presser, response, services.clock.now()).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            // Every callback is answered, even when the answer is lost.
            screen::answer(&bot, &query).await?;
            return Err(error.into());
        }
    };
    let (toast, settled, mismatch) = match outcome {
        Answer::Approved(challenge) => (t.msg("login-toast-approved"), challenge, false),
        Answer::Denied(challenge) => {
            tracing::warn!(%presser, challenge = %challenge.id, "a login was denied");
            (t.msg("login-toast-denied"), challenge, false)
        }
        Answer::Mismatch(challenge) => {
            tracing::warn!(%presser, challenge = %challenge.id, "a login was denied: a wrong number");
            (t.msg("login-toast-mismatch"), challenge, true)
        }
        Answer::AlreadyAnswered(challenge) => (t.msg("login-toast-already"), challenge, false),
        Answer::Expired(challenge) => (t.msg("login-toast-expired"), challenge, false),
        // Someone else's challenge, or none: the same answer as any
        // outdated button, so a forger learns nothing.
        Answer::NotYours => {
            tracing::warn!(%presser, %challenge, "a login answer from a foreign chat was refused");
            return screen::answer_with(&bot, &query, t.msg("button-outdated")).await;
        }
        Answer::Unknown => {
            return screen::answer_with(&bot, &query, t.msg("button-outdated")).await;
        }
    };
    screen::answer_with(&bot, &query, toast).await?;
    show_final(&bot, &query, t, &settled, mismatch).await
}

/// Puts the challenge's final state in place of the question, without the
/// buttons: the chat then tells what was decided.
async fn show_final(
    bot: &Bot,
    query: &CallbackQuery,
    t: Texts,
    challenge: &Challenge,
    mismatch: bool,
) -> HandlerResult {
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
        Status::Pending => return Ok(()),
    };
    // Without buttons the message already shows a final state (a second
    // press on an old client): editing it again would change nothing.
    if query
        .regular_message()
        .is_some_and(|message| message.reply_markup().is_none())
    {
        return Ok(());
    }
    // No buttons: the question is settled.
    let screen = Screen {
        text,
        keyboard: InlineKeyboardMarkup::default(),
    };
    screen::replace(bot, query, screen).await
}
