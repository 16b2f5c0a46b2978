//! How the bot puts text on a phone: one message per menu, edited in place.
//!
//! Every text is sent as HTML (Fluent texts carry markup, arguments are
//! escaped in `i18n`). Pressing a button replaces the message the button
//! was on instead of adding a new one, so the chat stays short.
//!
//! Every message is sent with `protect_content`: the cabinet shows
//! passports, СНИЛС and diplomas, and a menu message edited into a card
//! keeps the protection it was sent with (an edit cannot add it), so the
//! only sure way is to protect every screen from the start. Pushes, which
//! carry no personal data, are sent by delivery without it.

use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode};

use super::{Action, HandlerResult};

/// A text with the buttons under it.
pub struct Screen {
    pub text: String,
    pub keyboard: InlineKeyboardMarkup,
}

/// Telegram's limit on a message's text. Its count is of the text without
/// the HTML markup, so the markup's length is a margin, never an excess.
const TEXT_LIMIT: usize = 4096;

impl Screen {
    /// The screen cut, at a line's end, to fit one message, in case a list
    /// grew past what its screen pages (every list pages; this is the net
    /// under it, so that an overlong screen shows its start instead of
    /// failing and leaving the user with nothing). Markup stays whole:
    /// every text keeps its tags within a line.
    fn fitted(mut self) -> Screen {
        if self.text.chars().count() <= TEXT_LIMIT {
            return self;
        }
        tracing::warn!(
            chars = self.text.chars().count(),
            "a screen longer than a message was cut"
        );
        let room = TEXT_LIMIT - 2;
        let end = self
            .text
            .char_indices()
            .nth(room)
            .map_or(self.text.len(), |(at, _)| at);
        let cut = self.text[..end].rfind('\n').unwrap_or(end);
        self.text.truncate(cut);
        self.text.push_str("\n…");
        self
    }
}

/// A button that does `action` when pressed.
pub fn button(label: String, action: Action) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, action.encode())
}

/// A text with no buttons, as a new message.
pub async fn say(bot: &Bot, chat_id: ChatId, text: String) -> HandlerResult {
    bot.send_message(chat_id, text)
        .parse_mode(ParseMode::Html)
        .protect_content(true)
        .await?;
    Ok(())
}

/// A screen as a new message.
pub async fn show(bot: &Bot, chat_id: ChatId, screen: Screen) -> HandlerResult {
    let screen = screen.fitted();
    let request = bot
        .send_message(chat_id, screen.text)
        .parse_mode(ParseMode::Html)
        .protect_content(true);
    match screen.keyboard {
        keyboard if keyboard.inline_keyboard.is_empty() => request.await?,
        keyboard => request.reply_markup(keyboard).await?,
    };
    Ok(())
}

/// A screen in place of the message whose button was pressed. When that
/// message can no longer be edited (too old, deleted), it comes as a new one.
pub async fn replace(bot: &Bot, query: &CallbackQuery, screen: Screen) -> HandlerResult {
    let Some(message) = query.regular_message() else {
        return show(bot, query.from.id.into(), screen).await;
    };
    let screen = screen.fitted();
    let request = bot
        .edit_message_text(message.chat.id, message.id, screen.text.clone())
        .parse_mode(ParseMode::Html);
    // An edit without a keyboard removes the old one, as a screen without
    // buttons should.
    let edited = if screen.keyboard.inline_keyboard.is_empty() {
        request.await
    } else {
        request.reply_markup(screen.keyboard.clone()).await
    };
    match edited {
        Ok(_) => Ok(()),
        // A double tap: the screen is already what it should be.
        Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(RequestError::Api(ApiError::MessageToEditNotFound | ApiError::MessageCantBeEdited)) => {
            show(bot, message.chat.id, screen).await
        }
        Err(error) => Err(error.into()),
    }
}

/// Stops the spinner on a pressed button; Telegram expects it at once.
pub async fn answer(bot: &Bot, query: &CallbackQuery) -> HandlerResult {
    // A press carried out after the step-up code was answered back then.
    if super::step_up::is_replayed(query) {
        return Ok(());
    }
    bot.answer_callback_query(query.id.clone()).await?;
    Ok(())
}

/// Answers a pressed button with a short notice over the chat.
pub async fn answer_with(bot: &Bot, query: &CallbackQuery, text: String) -> HandlerResult {
    if super::step_up::is_replayed(query) {
        return say(bot, query.from.id.into(), text).await;
    }
    bot.answer_callback_query(query.id.clone())
        .text(text)
        .await?;
    Ok(())
}

/// Deletes a message. Best effort: one already gone, or too old for a bot
/// to delete (48 hours), stays, and that is not an error.
pub async fn delete_quietly(bot: &Bot, chat_id: ChatId, message_id: MessageId) {
    if let Err(error) = bot.delete_message(chat_id, message_id).await {
        tracing::info!(%error, "could not delete a message");
    }
}

/// [`delete_quietly`] for a message id kept in the database.
pub async fn delete_stored(bot: &Bot, chat_id: ChatId, message_id: i64) {
    if let Ok(id) = i32::try_from(message_id) {
        delete_quietly(bot, chat_id, MessageId(id)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlong_screen_is_cut_at_a_line_end_within_the_limit() {
        let line = "<b>Документ</b> — удостоверение о повышении квалификации";
        let text = vec![line; 200].join("\n");
        let screen = Screen {
            text: text.clone(),
            keyboard: InlineKeyboardMarkup::default(),
        }
        .fitted();
        assert!(screen.text.chars().count() <= TEXT_LIMIT);
        assert!(screen.text.ends_with("\n…"));
        let kept = screen.text.trim_end_matches("\n…");
        assert!(kept.lines().all(|l| l == line), "whole lines only");

        let short = Screen {
            text: line.to_owned(),
            keyboard: InlineKeyboardMarkup::default(),
        }
        .fitted();
        assert_eq!(short.text, line);
    }
}
