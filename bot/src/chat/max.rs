//! The Max adapter: Max's updates into [`Incoming`], and a [`super::Ui`]'s
//! calls into Max Bot API requests (through our thin `crate::max` client).
//!
//! What differs from Telegram, and how it is met here:
//! - a text is at most [`TEXT_LIMIT`] characters (Telegram: 4096);
//! - updates have no id of their own: a message is keyed by its `mid`, a
//!   press by its `callback_id`, a start by its chat and time (a stable
//!   64-bit digest of those, so a redelivered one is claimed once);
//! - «Начать» with a deep link's payload comes as `bot_started`: it is read
//!   as `/start <payload>`, as Telegram's deep links are;
//! - a file is downloaded from the URL the update carries, and uploaded
//!   before it is sent;
//! - Max has no content protection and no per-chat command menu: a screen
//!   is sent as is (personal cards are still closed when the session ends)
//!   and [`super::Ui::set_menu`] does nothing.

use sha2::{Digest, Sha256};

use super::{
    Activity, ChatRef, Does, Failure, FileKind, Incoming, Keyboard, MessageRef, Messenger,
    OWN_CONTACT, OutgoingFile, Press, Said, Screen, Sender, SentFile, SharedContact, Shown, What,
};
use crate::max::types::{
    self, Attachment, Button, CallbackAnswer, NewMessageBody, SenderAction, Update, UploadType,
};
use crate::max::{MaxClient, MaxErrorKind, To};

/// Max's limit on a message's text.
pub const TEXT_LIMIT: usize = 4000;

/// The update as a handler reads it, before its sender is given an
/// account (`handlers::identify`): `from.user` is a placeholder until then.
/// `None` for what medcab does not serve (group chats, bots, other kinds).
pub fn incoming(update: &Update) -> Option<Incoming> {
    match update {
        Update::MessageCreated {
            message,
            user_locale,
            ..
        } => {
            let sender = message.sender.as_ref()?;
            if sender.is_bot || message.recipient.chat_type.as_deref() != Some("dialog") {
                return None;
            }
            let chat_id = message.recipient.chat_id?;
            Some(Incoming {
                update_id: key(&["message", &message.body.mid]),
                chat: ChatRef {
                    messenger: Messenger::Max,
                    id: chat_id,
                },
                from: from(sender, user_locale.clone()),
                what: What::Said(said(message)),
            })
        }
        Update::MessageCallback {
            callback,
            message,
            user_locale,
            ..
        } => {
            // A button of a message forwarded into a group is not pressed in
            // the person's own chat: served only in a dialog, as messages are.
            let message_of = message.as_ref()?;
            if callback.user.is_bot || message_of.recipient.chat_type.as_deref() != Some("dialog") {
                return None;
            }
            let chat_id = message_of.recipient.chat_id?;
            Some(Incoming {
                update_id: key(&["callback", &callback.callback_id]),
                chat: ChatRef {
                    messenger: Messenger::Max,
                    id: chat_id,
                },
                from: from(&callback.user, user_locale.clone()),
                what: What::Press(Press {
                    id: callback.callback_id.clone(),
                    data: callback.payload.clone(),
                    message: message.as_ref().map(|message| Shown {
                        id: MessageRef::Max(message.body.mid.clone()),
                        has_buttons: message
                            .body
                            .attachments
                            .iter()
                            .flatten()
                            .any(|a| matches!(a, Attachment::InlineKeyboard { .. })),
                    }),
                    replayed: false,
                }),
            })
        }
        Update::BotStarted {
            timestamp,
            chat_id,
            user,
            payload,
            user_locale,
        } => Some(Incoming {
            update_id: key(&["started", &chat_id.to_string(), &timestamp.to_string()]),
            chat: ChatRef {
                messenger: Messenger::Max,
                id: *chat_id,
            },
            from: from(user, user_locale.clone()),
            what: What::Said(Said {
                text: Some(match payload {
                    Some(payload) if !payload.is_empty() => format!("/start {payload}"),
                    _ => "/start".to_owned(),
                }),
                ..Said::default()
            }),
        }),
        Update::BotStopped { .. } | Update::Other => None,
    }
}

/// A stable 63-bit key of an update from its parts (not std's hasher,
/// which may change between Rust versions and would let a redelivery
/// after an upgrade through).
pub(crate) fn key(parts: &[&str]) -> i64 {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part.as_bytes());
    }
    let bytes: [u8; 8] = digest.finalize()[..8]
        .try_into()
        .expect("a SHA-256 digest has 8 bytes");
    i64::try_from(u64::from_be_bytes(bytes) >> 1).expect("63 bits fit an i64")
}

fn from(user: &types::User, locale: Option<String>) -> Sender {
    Sender {
        // Given by `handlers::identify` from `channels`.
        user: OWN_CONTACT,
        external_id: user.user_id,
        first_name: user.first_name.clone(),
        language: locale,
    }
}

fn said(message: &types::Message) -> Said {
    let attachments = message.body.attachments.iter().flatten();
    let mut said = Said {
        // Max lets a bot delete only its own messages ("A bot can change
        // only its own messages"): a person's message is not one the bot
        // can take off the chat, so none is named for deletion.
        message: None,
        text: message.body.text.clone().filter(|text| !text.is_empty()),
        ..Said::default()
    };
    for attachment in attachments {
        match attachment {
            Attachment::Contact { payload } => {
                said.contact = payload.phone_number().map(|phone| SharedContact {
                    phone: phone.to_owned(),
                    // Max's contact names its owner; only the sender's own
                    // is taken. The owner's account is theirs when the ids
                    // match (resolved against the sender in `identify`).
                    owner: payload
                        .max_info
                        .as_ref()
                        .filter(|owner| Some(owner.user_id) == sender_id(message))
                        .map(|_| OWN_CONTACT),
                });
            }
            Attachment::File {
                payload,
                filename,
                size,
            } => {
                said.file = Some(SentFile {
                    id: payload.url.clone(),
                    size: size.unwrap_or(0),
                    name: filename.clone(),
                    kind: FileKind::Document,
                });
            }
            Attachment::Image { payload } => {
                said.file = Some(SentFile {
                    id: payload.url.clone(),
                    size: 0,
                    name: None,
                    kind: FileKind::Photo,
                });
            }
            Attachment::InlineKeyboard { .. } | Attachment::Other => {}
        }
    }
    // A text that came with a file is its caption, as on Telegram.
    if said.file.is_some() {
        said.caption = said.text.take();
    }
    said
}

fn sender_id(message: &types::Message) -> Option<i64> {
    message.sender.as_ref().map(|sender| sender.user_id)
}

fn mid(message: &MessageRef) -> Result<&str, Failure> {
    match message {
        MessageRef::Max(mid) => Ok(mid),
        MessageRef::Telegram(_) => Err("a Telegram message given to Max".into()),
    }
}

fn buttons(keyboard: Keyboard) -> Vec<Vec<Button>> {
    keyboard
        .rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|button| match button.does {
                    Does::Press(payload) => Button::Callback {
                        text: button.label,
                        payload,
                    },
                    Does::Link(url) => Button::Link {
                        text: button.label,
                        url: url.to_string(),
                    },
                })
                .collect()
        })
        .filter(|row: &Vec<Button>| !row.is_empty())
        .collect()
}

fn body(screen: Screen) -> NewMessageBody {
    let screen = screen.fitted(TEXT_LIMIT);
    let body = NewMessageBody::html(screen.text);
    if screen.keyboard.is_empty() {
        body
    } else {
        body.with_keyboard(buttons(screen.keyboard))
    }
}

pub(super) async fn post(
    client: &MaxClient,
    chat: ChatRef,
    screen: Screen,
) -> Result<MessageRef, Failure> {
    let sent = client
        .send_message(To::Chat(chat.id), &body(screen))
        .await?;
    Ok(MessageRef::Max(sent.body.mid))
}

/// A notification from the outbox, with Max's own error, which delivery
/// reads to decide what next.
pub(crate) async fn push(
    client: &MaxClient,
    chat: ChatRef,
    screen: Screen,
) -> Result<MessageRef, crate::max::MaxError> {
    let sent = client
        .send_message(To::Chat(chat.id), &body(screen))
        .await?;
    Ok(MessageRef::Max(sent.body.mid))
}

pub(super) async fn edit(
    client: &MaxClient,
    chat: ChatRef,
    message: &MessageRef,
    screen: Screen,
) -> Result<MessageRef, Failure> {
    // An edit sends the whole message: an empty keyboard removes the old.
    let mut body = body(screen.clone());
    if screen.keyboard.is_empty() {
        body.attachments = Some(Vec::new());
    }
    match client.edit_message(mid(message)?, &body).await {
        Ok(()) => Ok(message.clone()),
        Err(error) if error.kind == crate::max::MaxErrorKind::NotFound => {
            post(client, chat, screen).await
        }
        Err(error) => Err(error.into()),
    }
}

/// [`edit`] without posting anew when the message is gone.
pub(super) async fn edit_in_place(
    client: &MaxClient,
    message: &MessageRef,
    screen: Screen,
) -> Result<(), Failure> {
    let without_buttons = screen.keyboard.is_empty();
    let mut body = body(screen);
    if without_buttons {
        body.attachments = Some(Vec::new());
    }
    client.edit_message(mid(message)?, &body).await?;
    Ok(())
}

pub(super) async fn answer(
    client: &MaxClient,
    press: &Press,
    text: Option<String>,
) -> Result<bool, Failure> {
    let answer = CallbackAnswer {
        message: None,
        notification: Some(text.unwrap_or_default()),
    };
    match client.answer_callback(&press.id, &answer).await {
        Ok(()) => Ok(true),
        // Answered already (a press handled again after its instance died)
        // or no longer known: as Telegram's "query is too old", the
        // notice goes as a message. Max documents no error of its own for
        // this; a wrong request would be refused the same way, so it is
        // logged.
        Err(error)
            if matches!(
                error.kind,
                MaxErrorKind::NotFound | MaxErrorKind::BadRequest
            ) =>
        {
            tracing::warn!(%error, "a press can no longer be answered");
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

pub(super) async fn delete(client: &MaxClient, message: &MessageRef) -> Result<(), Failure> {
    client.delete_message(mid(message)?).await?;
    Ok(())
}

pub(super) async fn activity(
    client: &MaxClient,
    chat: ChatRef,
    activity: Activity,
) -> Result<(), Failure> {
    let action = match activity {
        Activity::Typing => SenderAction::TypingOn,
        Activity::UploadingDocument => SenderAction::SendingFile,
        Activity::UploadingPhoto => SenderAction::SendingPhoto,
    };
    client.send_action(chat.id, action).await?;
    Ok(())
}

pub(super) async fn send_file(
    client: &MaxClient,
    chat: ChatRef,
    file: OutgoingFile,
    picture: bool,
) -> Result<MessageRef, Failure> {
    let (kind, mime) = if picture {
        (UploadType::Image, "image/png")
    } else {
        (UploadType::File, mime_of(&file.name))
    };
    let uploaded = client.upload(kind, &file.name, mime, file.bytes).await?;
    let text = file.caption.unwrap_or_default();
    let mut body = NewMessageBody::html(text.clone()).with(uploaded.attachment());
    if text.is_empty() {
        body.text = None;
        body.format = None;
    }
    if !file.keyboard.is_empty() {
        body = body.with_keyboard(buttons(file.keyboard));
    }
    let sent = client.send_message(To::Chat(chat.id), &body).await?;
    Ok(MessageRef::Max(sent.body.mid))
}

fn mime_of(name: &str) -> &'static str {
    match name
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("pdf") => "application/pdf",
        Some("ics") => "text/calendar",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

pub(super) async fn download(client: &MaxClient, file: &SentFile) -> Result<Vec<u8>, Failure> {
    Ok(client.download(&file.id).await?)
}

pub(super) async fn ask_contact(
    client: &MaxClient,
    chat: ChatRef,
    text: String,
    button: String,
) -> Result<(), Failure> {
    let body = NewMessageBody::html(text)
        .with_keyboard(vec![vec![Button::RequestContact { text: button }]]);
    client.send_message(To::Chat(chat.id), &body).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_keys_are_stable_and_distinct() {
        assert_eq!(key(&["message", "mid.1"]), key(&["message", "mid.1"]));
        assert_ne!(key(&["message", "mid.1"]), key(&["callback", "mid.1"]));
        // The length prefix: ("ab","c") is not ("a","bc").
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert!(key(&["message", "mid.1"]) >= 0);
    }

    #[test]
    fn a_start_with_a_payload_reads_as_start_with_it() {
        let update: Update = serde_json::from_value(serde_json::json!({
            "update_type": "bot_started", "timestamp": 1, "chat_id": 5,
            "user": {"user_id": 9, "first_name": "Анна"}, "payload": "link-abc",
            "user_locale": "ru"
        }))
        .unwrap();
        let incoming = incoming(&update).unwrap();
        assert_eq!(incoming.chat.id, 5);
        assert_eq!(incoming.from.external_id, 9);
        assert_eq!(incoming.said().unwrap().text(), Some("/start link-abc"));
    }

    #[test]
    fn a_file_with_text_has_it_as_its_caption() {
        let update: Update = serde_json::from_value(serde_json::json!({
            "update_type": "message_created", "timestamp": 1,
            "message": {
                "sender": {"user_id": 9, "first_name": "Анна"},
                "recipient": {"chat_id": 5, "chat_type": "dialog"},
                "timestamp": 1,
                "body": {"mid": "mid.1", "seq": 1, "text": "диплом",
                         "attachments": [{"type": "file", "filename": "d.pdf", "size": 12,
                                          "payload": {"url": "https://files/1", "token": "t"}}]}
            }
        }))
        .unwrap();
        let said = incoming(&update).unwrap().said().unwrap();
        assert_eq!(said.caption.as_deref(), Some("диплом"));
        assert_eq!(said.text, None);
        let file = said.file.unwrap();
        assert_eq!((file.id.as_str(), file.size), ("https://files/1", 12));
    }

    #[test]
    fn group_chats_and_bots_are_not_served() {
        let update: Update = serde_json::from_value(serde_json::json!({
            "update_type": "message_created", "timestamp": 1,
            "message": {
                "sender": {"user_id": 9, "first_name": "Анна"},
                "recipient": {"chat_id": -5, "chat_type": "chat"},
                "timestamp": 1,
                "body": {"mid": "mid.1", "seq": 1, "text": "hi"}
            }
        }))
        .unwrap();
        assert!(incoming(&update).is_none());
    }
}
