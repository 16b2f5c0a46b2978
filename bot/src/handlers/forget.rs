//! /forget: withdraw consent and erase personal data, after a confirmation.
//!
//! ```text
//! user: /forget
//! bot:  Удалить ваши персональные данные? … [🗑 Удалить мои данные] [Отмена]
//! user: <presses 🗑 Удалить мои данные>
//! bot:  (the same message) Согласие отозвано, персональные данные удалены. …
//! ```

use medcab_core::erasure::{self, Erased};
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::screen::{self, Screen, button};
use super::{Action, ChatDialogue, HandlerResult};
use crate::flood::FloodGuard;
use crate::i18n::Texts;
use crate::startup::Services;

/// /forget: nothing is erased before the user confirms.
pub async fn ask(bot: Bot, msg: Message, t: Texts) -> HandlerResult {
    let keyboard = InlineKeyboardMarkup::new([[
        button(t.msg("forget-confirm"), Action::Forget(true)),
        button(t.msg("forget-keep"), Action::Forget(false)),
    ]]);
    screen::show(
        &bot,
        msg.chat.id,
        Screen {
            text: t.msg("forget-ask"),
            keyboard,
        },
    )
    .await
}

/// [🗑 Удалить мои данные] or [Отмена]. Only the presser's own data can be
/// erased: the user comes from the callback, never from its data.
// dptree injects each dependency as an argument; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    bot: Bot,
    query: CallbackQuery,
    erase: bool,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    services: Services,
    flood: FloodGuard,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let text = if !erase {
        t.msg("forget-kept")
    } else {
        // The user's Redis keys: the position (a failure to delete it is
        // logged, and it expires in a day) and the flood bucket.
        dialogue.exit().await?;
        flood.forget(query.from.id.0 as i64).await;
        match erasure::forget(
            &db,
            &services.vault,
            query.from.id.0 as i64,
            services.clock.now(),
        )
        .await?
        {
            Erased::Erased => t.msg("forget-done"),
            Erased::NothingStored => t.msg("forget-nothing"),
        }
    };
    screen::replace(
        &bot,
        &query,
        Screen {
            text,
            keyboard: InlineKeyboardMarkup::default(),
        },
    )
    .await
}
