//! Input no conversation expects gets a short hint, never silence.

use teloxide::prelude::*;

use super::{HandlerResult, screen};
use crate::i18n::Texts;

/// A message that matched no route.
pub async fn unexpected_message(bot: Bot, msg: Message, t: Texts) -> HandlerResult {
    let hint = match msg.text() {
        Some(text) if text.starts_with('/') => t.msg("unknown-command"),
        Some(_) => t.msg("unknown-text"),
        None => t.msg("unknown-message"),
    };
    screen::say(&bot, msg.chat.id, hint).await
}

/// A button whose callback data no longer means anything: from an old
/// version of the bot, or forged.
pub async fn outdated_button(bot: Bot, query: CallbackQuery, t: Texts) -> HandlerResult {
    tracing::info!(data = ?query.data, user_id = query.from.id.0, "a button with unknown data was pressed");
    screen::answer_with(&bot, &query, t.msg("button-outdated")).await
}
