//! Max Bot API objects (User, Message, Update, …) in the contract's JSON
//! shapes, built from the sandbox's state. Times are milliseconds.

use serde_json::{Map, Value, json};

use super::state::{MaxFile, mid, now_millis};
use crate::state::StoredMessage;
use crate::view::{self, InlineButton, InlineKeyboard, MaxUser};

/// The bot the Max side pretends to be.
#[derive(Debug, Clone)]
pub(crate) struct MaxBot {
    pub id: i64,
    pub token: String,
    pub username: String,
    pub name: String,
}

pub(crate) fn user(user: &MaxUser) -> Value {
    let name = match &user.last_name {
        Some(last) => format!("{} {last}", user.first_name),
        None => user.first_name.clone(),
    };
    json!({
        "user_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "is_bot": false,
        "last_activity_time": now_millis(),
        "name": name,
    })
}

pub(crate) fn bot_user(bot: &MaxBot) -> Value {
    json!({
        "user_id": bot.id,
        "first_name": bot.name,
        "last_name": null,
        "username": bot.username,
        "is_bot": true,
        "last_activity_time": now_millis(),
        "name": bot.name,
    })
}

pub(crate) fn me(bot: &MaxBot) -> Value {
    let mut me = bot_user(bot);
    me["description"] = Value::Null;
    me["commands"] = Value::Null;
    me
}

/// Where the sandbox serves a file the user sent (as Max's CDN would).
pub(crate) fn file_url(base: &str, token: &str) -> String {
    format!("{base}/max-file/{token}")
}

/// A message of the dialog `user` has with the bot.
pub(crate) fn message(
    bot: &MaxBot,
    user: &MaxUser,
    message: &StoredMessage,
    files: &std::collections::HashMap<String, MaxFile>,
    base: &str,
) -> Value {
    let view = &message.view;
    let from_bot = view.from == view::From::Bot;
    let mut attachments = Vec::new();
    if let Some(document) = &view.document {
        attachments.push(json!({
            "type": "file",
            "payload": { "url": file_url(base, &document.file_id), "token": document.file_id },
            "filename": document.file_name.clone().unwrap_or_default(),
            "size": document.file_size,
        }));
    }
    if let Some(photo) = &view.photo {
        let photo_id = files.get(&photo.file_id).map_or(0, |f| f.number);
        attachments.push(json!({
            "type": "image",
            "payload": { "photo_id": photo_id, "token": photo.file_id, "url": file_url(base, &photo.file_id) },
        }));
    }
    if let Some(contact) = &view.contact {
        let vcf = format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{}\r\nTEL;TYPE=cell:{}\r\nEND:VCARD\r\n",
            contact.first_name, contact.phone_number
        );
        let max_info = (contact.user_id == Some(user.id)).then(|| self::user(user));
        attachments.push(json!({
            "type": "contact",
            "payload": { "vcf_info": vcf, "max_info": max_info },
        }));
    }
    if let Some(keyboard) = &view.reply_markup {
        attachments.push(json!({
            "type": "inline_keyboard",
            "payload": { "buttons": buttons(keyboard) },
        }));
    }
    let (sender, recipient_user) = if from_bot {
        (bot_user(bot), user.id)
    } else {
        (self::user(user), bot.id)
    };
    json!({
        "sender": sender,
        "recipient": { "chat_id": user.chat_id, "chat_type": "dialog", "user_id": recipient_user },
        "timestamp": view.date * 1000,
        "body": {
            "mid": mid(user.chat_id, view.message_id),
            "seq": view.message_id,
            "text": view.text.clone().or_else(|| view.caption.clone()),
            "attachments": if attachments.is_empty() { Value::Null } else { Value::Array(attachments) },
            "markup": null,
        },
        "stat": null,
        "url": null,
    })
}

/// The dialog as `GET /chats/{chatId}` shows it.
pub(crate) fn chat(user: &MaxUser, last_event_time: i64, messages_count: usize) -> Value {
    json!({
        "chat_id": user.chat_id,
        "type": "dialog",
        "status": "active",
        "title": null,
        "icon": null,
        "last_event_time": last_event_time,
        "participants_count": 2,
        "owner_id": null,
        "participants": null,
        "is_public": false,
        "link": null,
        "description": null,
        "dialog_with_user": self::user(user),
        "messages_count": messages_count,
        "pinned_message": null,
    })
}

/// An update of `kind` with its timestamp, the rest from `fields`.
pub(crate) fn update(kind: &str, fields: Value) -> Value {
    let mut update = json!({ "update_type": kind, "timestamp": now_millis() });
    if let (Some(update), Value::Object(fields)) = (update.as_object_mut(), fields) {
        update.extend(fields);
    }
    update
}

/// Max buttons (as the bot sent them) in the chat view's form: a callback
/// button's `payload` is the view's `callback_data`, a link's `url` its
/// `url`; every other field, `type` included, is kept in `other`, so the
/// buttons come back to the bot exactly as sent.
pub(crate) fn keyboard(buttons: &Value) -> InlineKeyboard {
    let rows = buttons.as_array().into_iter().flatten();
    InlineKeyboard {
        inline_keyboard: rows
            .map(|row| {
                row.as_array()
                    .into_iter()
                    .flatten()
                    .map(|button| {
                        let mut other: Map<String, Value> =
                            button.as_object().cloned().unwrap_or_default();
                        let text = other
                            .remove("text")
                            .and_then(|t| t.as_str().map(str::to_owned))
                            .unwrap_or_default();
                        let callback_data = (other.get("type") == Some(&json!("callback")))
                            .then(|| other.remove("payload"))
                            .flatten()
                            .and_then(|p| p.as_str().map(str::to_owned));
                        let url = other
                            .remove("url")
                            .and_then(|u| u.as_str().map(str::to_owned));
                        InlineButton {
                            text,
                            callback_data,
                            url,
                            other,
                        }
                    })
                    .collect()
            })
            .collect(),
    }
}

/// The view's keyboard back in Max's form.
pub(crate) fn buttons(keyboard: &InlineKeyboard) -> Value {
    Value::Array(
        keyboard
            .inline_keyboard
            .iter()
            .map(|row| {
                Value::Array(
                    row.iter()
                        .map(|button| {
                            let mut object = button.other.clone();
                            object.insert("text".into(), button.text.clone().into());
                            if let Some(payload) = &button.callback_data {
                                object.insert("payload".into(), payload.clone().into());
                            }
                            if let Some(url) = &button.url {
                                object.insert("url".into(), url.clone().into());
                            }
                            Value::Object(object)
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_survive_the_view() {
        let sent = json!([
            [{"type": "callback", "text": "Да", "payload": "yes", "intent": "positive"}],
            [{"type": "link", "text": "Max", "url": "https://max.ru"}, {"type": "request_contact", "text": "Телефон"}],
        ]);
        let view = keyboard(&sent);
        assert_eq!(
            view.inline_keyboard[0][0].callback_data.as_deref(),
            Some("yes")
        );
        assert_eq!(
            view.inline_keyboard[1][0].url.as_deref(),
            Some("https://max.ru")
        );
        assert_eq!(view.inline_keyboard[1][1].callback_data, None);
        assert_eq!(buttons(&view), sent);
    }
}
