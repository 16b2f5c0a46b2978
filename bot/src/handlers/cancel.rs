//! /cancel: leave whatever conversation the chat is in.
//!
//! ```text
//! user: /language
//! bot:  Выберите язык интерфейса: [🇷🇺 Русский] [🇬🇧 English]
//! user: /cancel
//! bot:  Действие прервано. Откройте /menu, чтобы продолжить.
//! user: /cancel
//! bot:  Сейчас нечего прерывать. Откройте /menu, чтобы выбрать раздел.
//! ```

use teloxide::prelude::*;

use super::{ChatDialogue, HandlerResult, State, screen};
use crate::i18n::Texts;

pub async fn cancel(bot: Bot, msg: Message, dialogue: ChatDialogue, t: Texts) -> HandlerResult {
    let state = dialogue.get().await?.unwrap_or_default();
    dialogue.exit().await?;
    let text = if state == State::Idle {
        t.msg("cancel-nothing")
    } else {
        t.msg("cancel-done")
    };
    screen::say(&bot, msg.chat.id, text).await
}
