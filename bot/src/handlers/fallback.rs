//! Input no conversation expects gets a short hint, never silence.

use super::{HandlerResult, Turn};
use crate::chat::{Press, Said};

/// A message that matched no route.
pub async fn unexpected_message(turn: Turn, said: Said) -> HandlerResult {
    let t = turn.t;
    let hint = match said.text() {
        Some(text) if text.starts_with('/') => t.msg("unknown-command"),
        Some(_) => t.msg("unknown-text"),
        None => t.msg("unknown-message"),
    };
    turn.ui.say(hint).await
}

/// A button whose callback data no longer means anything: from an old
/// version of the bot, or forged.
pub async fn outdated_button(turn: Turn, press: Press) -> HandlerResult {
    tracing::info!(data = ?press.data, user_id = turn.user.get(), "a button with unknown data was pressed");
    turn.ui
        .answer_with(&press, turn.t.msg("button-outdated"))
        .await
}
