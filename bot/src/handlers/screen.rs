//! How the bot puts text on a phone: one message per menu, edited in place.
//!
//! The screens themselves ([`Screen`], buttons) and their sending are the
//! messenger-neutral [`crate::chat`]; this module adds the buttons that
//! carry an [`Action`]. The `&Bot` functions below are the older calling
//! form, kept while handlers move to [`crate::chat::Ui`].

use teloxide::prelude::*;
use teloxide::types::MessageId;

use medcab_core::UserId;

use super::{Action, HandlerError, HandlerResult};
use crate::chat::{Button, Channel, ChatRef, FileKind, MessageRef, Press, Said, Ui};

pub use crate::chat::Screen;

/// A button that does `action` when pressed.
pub fn button(label: String, action: Action) -> Button {
    Button::press(label, action.encode())
}

fn ui(bot: &Bot, chat_id: ChatId) -> Ui {
    Ui::telegram(bot.clone(), ChatRef::telegram(chat_id.0))
}

fn pressed(query: &CallbackQuery) -> Press {
    let mut press = crate::chat::telegram::press(query);
    press.replayed = super::step_up::is_replayed(&press.id);
    press
}

/// A text with no buttons, as a new message.
pub async fn say(bot: &Bot, chat_id: ChatId, text: String) -> HandlerResult {
    ui(bot, chat_id).say(text).await
}

/// A screen as a new message.
pub async fn show(bot: &Bot, chat_id: ChatId, screen: Screen) -> HandlerResult {
    ui(bot, chat_id).show(screen).await
}

/// A screen in place of the message whose button was pressed. When that
/// message can no longer be edited (too old, deleted), it comes as a new one.
pub async fn replace(bot: &Bot, query: &CallbackQuery, screen: Screen) -> HandlerResult {
    let chat = query
        .regular_message()
        .map_or_else(|| ChatId::from(query.from.id), |message| message.chat.id);
    ui(bot, chat).replace(&pressed(query), screen).await
}

/// Stops the spinner on a pressed button; Telegram expects it at once.
pub async fn answer(bot: &Bot, query: &CallbackQuery) -> HandlerResult {
    ui(bot, query.from.id.into()).answer(&pressed(query)).await
}

/// Answers a pressed button with a short notice over the chat.
pub async fn answer_with(bot: &Bot, query: &CallbackQuery, text: String) -> HandlerResult {
    ui(bot, query.from.id.into())
        .answer_with(&pressed(query), text)
        .await
}

/// Deletes a message. Best effort: one already gone, or too old for a bot
/// to delete (48 hours), stays, and that is not an error.
pub async fn delete_quietly(bot: &Bot, chat_id: ChatId, message_id: MessageId) {
    ui(bot, chat_id)
        .delete(&MessageRef::Telegram(message_id.0))
        .await;
}

/// `code_entry::forget` in the older calling form, while handlers move to
/// [`Ui`] (`code_entry` re-exports it under its old name).
pub async fn forget_message(bot: &Bot, msg: &Message) {
    if super::step_up::replaying() {
        return;
    }
    delete_quietly(bot, msg.chat.id, msg.id).await;
}

/// A held message (`step_up`) in teloxide's form, with the bot to answer
/// through, for the handlers it is replayed into that still take one. Made
/// as the Bot API would send it, so those handlers read it as they read a
/// message that came in.
pub fn old_message(ui: &Ui, user: UserId, said: &Said) -> Result<(Bot, Message), HandlerError> {
    let mut message = message_json(ui, user, said.message.as_ref());
    message["text"] = serde_json::json!(said.text);
    message["caption"] = serde_json::json!(said.caption);
    if let Some(contact) = &said.contact {
        message["contact"] = serde_json::json!({
            "phone_number": contact.phone,
            "first_name": "",
            "user_id": contact.owner.map(UserId::get),
        });
    }
    if let Some(file) = &said.file {
        match file.kind {
            FileKind::Document => {
                message["document"] = serde_json::json!({
                    "file_id": file.id,
                    "file_unique_id": file.id,
                    "file_size": file.size,
                    "file_name": file.name,
                });
            }
            FileKind::Photo => {
                message["photo"] = serde_json::json!([{
                    "file_id": file.id,
                    "file_unique_id": file.id,
                    "file_size": file.size,
                    "width": 0,
                    "height": 0,
                }]);
            }
        }
    }
    strip_nulls(&mut message);
    Ok((telegram_bot(ui)?, serde_json::from_value(message)?))
}

/// A held press (`step_up`) in teloxide's form, for the handlers it is
/// replayed into that still take one; a replayed press is marked so that
/// it is not answered again ([`super::step_up::REPLAYED`]).
pub fn old_query(
    ui: &Ui,
    user: UserId,
    press: &Press,
) -> Result<(Bot, CallbackQuery), HandlerError> {
    let id = if press.replayed {
        format!("{}{}", super::step_up::REPLAYED, press.id)
    } else {
        press.id.clone()
    };
    let mut query = serde_json::json!({
        "id": id,
        "from": { "id": user.get(), "is_bot": false, "first_name": "" },
        "chat_instance": "",
        "data": press.data,
    });
    if let Some(shown) = &press.message {
        let mut message = message_json(ui, user, Some(&shown.id));
        // A message of the bot's with a text (its content is not read),
        // which is where buttons can be.
        message["text"] = serde_json::json!("");
        if shown.has_buttons {
            // Which buttons is not read, only that there are some.
            message["reply_markup"] = serde_json::json!({
                "inline_keyboard": [[{ "text": "·", "callback_data": "·" }]],
            });
        }
        query["message"] = message;
    }
    strip_nulls(&mut query);
    Ok((telegram_bot(ui)?, serde_json::from_value(query)?))
}

fn message_json(ui: &Ui, user: UserId, message: Option<&MessageRef>) -> serde_json::Value {
    let id = match message {
        Some(MessageRef::Telegram(id)) => *id,
        // A message made up by the bot: none to delete or edit.
        _ => 0,
    };
    serde_json::json!({
        "message_id": id,
        // Not 0: teloxide reads a message dated 0 as one it cannot see.
        "date": chrono::Utc::now().timestamp(),
        "chat": { "id": ui.chat().id, "type": "private", "first_name": "" },
        "from": { "id": user.get(), "is_bot": false, "first_name": "" },
    })
}

fn strip_nulls(value: &mut serde_json::Value) {
    if let serde_json::Value::Object(map) = value {
        map.retain(|_, field| !field.is_null());
        map.values_mut().for_each(strip_nulls);
    }
}

fn telegram_bot(ui: &Ui) -> Result<Bot, HandlerError> {
    match ui.channel() {
        Channel::Telegram(bot) => Ok(bot.clone()),
        Channel::Max(_) => {
            Err("a handler not yet moved to the chat layer, reached from Max".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{SentFile, SharedContact, Shown};

    fn ui() -> Ui {
        Channel::Telegram(Bot::new("0:token")).ui(1001)
    }

    #[test]
    fn a_held_message_reads_as_it_came() {
        let user = UserId::from_stored(1001);
        let said = Said {
            message: Some(MessageRef::Telegram(7)),
            text: Some("ул. Ленина, 1".into()),
            ..Said::default()
        };
        let (_, msg) = old_message(&ui(), user, &said).unwrap();
        assert_eq!(msg.id.0, 7);
        assert_eq!(msg.chat.id.0, 1001);
        assert_eq!(msg.from.as_ref().map(|from| from.id.0), Some(1001));
        assert_eq!(msg.text(), Some("ул. Ленина, 1"));

        let said = Said {
            message: Some(MessageRef::Telegram(8)),
            caption: Some("скан".into()),
            file: Some(SentFile {
                id: "file-1".into(),
                size: 1234,
                name: Some("диплом.pdf".into()),
                kind: FileKind::Document,
            }),
            ..Said::default()
        };
        let (_, msg) = old_message(&ui(), user, &said).unwrap();
        let document = msg.document().unwrap();
        assert_eq!(document.file.id.0, "file-1");
        assert_eq!(document.file.size, 1234);
        assert_eq!(document.file_name.as_deref(), Some("диплом.pdf"));
        assert_eq!(msg.caption(), Some("скан"));
        assert_eq!(msg.text(), None);

        let said = Said {
            message: Some(MessageRef::Telegram(9)),
            file: Some(SentFile {
                id: "photo-1".into(),
                size: 99,
                name: None,
                kind: FileKind::Photo,
            }),
            ..Said::default()
        };
        let (_, msg) = old_message(&ui(), user, &said).unwrap();
        let photo = msg.photo().unwrap();
        assert_eq!(
            (photo[0].file.id.0.as_str(), photo[0].file.size),
            ("photo-1", 99)
        );

        let said = Said {
            message: None,
            contact: Some(SharedContact {
                phone: "+79991234567".into(),
                owner: Some(user),
            }),
            ..Said::default()
        };
        let (_, msg) = old_message(&ui(), user, &said).unwrap();
        let contact = msg.contact().unwrap();
        assert_eq!(contact.phone_number, "+79991234567");
        assert_eq!(contact.user_id.map(|id| id.0), Some(1001));
    }

    #[test]
    fn a_held_press_reads_as_it_came_and_is_not_answered_again() {
        let user = UserId::from_stored(1001);
        let press = Press {
            id: "q-1".into(),
            data: Some("doc:o:5".into()),
            message: Some(Shown {
                id: MessageRef::Telegram(42),
                has_buttons: true,
            }),
            replayed: true,
        };
        let (_, query) = old_query(&ui(), user, &press).unwrap();
        assert_eq!(query.id.0, "replayed:q-1");
        assert_eq!(
            pressed(&query),
            Press {
                id: query.id.0.clone(),
                ..press.clone()
            }
        );
        assert_eq!(query.regular_message().map(|m| m.chat.id.0), Some(1001));

        let press = Press {
            message: Some(Shown {
                id: MessageRef::Telegram(43),
                has_buttons: false,
            }),
            replayed: false,
            ..press
        };
        let (_, query) = old_query(&ui(), user, &press).unwrap();
        assert_eq!(pressed(&query), press);
    }
}
