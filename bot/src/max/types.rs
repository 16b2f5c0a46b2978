//! The Max Bot API's objects the bot sends and reads, after the contract
//! (`../shared/max-bot-api/openapi.json`). Responses never deny unknown
//! fields (Max adds fields between versions) and keep unknown kinds of
//! updates, attachments and buttons as `Other`; requests leave out what is
//! not set, since the API refuses fields it does not know. Times are
//! milliseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

/// A Max account (a person or a bot).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub user_id: i64,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub last_activity_time: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BotInfo {
    pub user_id: i64,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub is_bot: bool,
}

/// `GET /chats/{chatId}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Chat {
    pub chat_id: i64,
    /// `dialog`, `chat` or `channel` (kept as text: Max may add kinds).
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub last_event_time: Option<i64>,
    #[serde(default)]
    pub dialog_with_user: Option<User>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Recipient {
    #[serde(default)]
    pub chat_id: Option<i64>,
    #[serde(default)]
    pub chat_type: Option<String>,
    #[serde(default)]
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Message {
    #[serde(default)]
    pub sender: Option<User>,
    pub recipient: Recipient,
    pub timestamp: i64,
    pub body: MessageBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageBody {
    /// The message's id, for `PUT`/`DELETE /messages?message_id=`.
    pub mid: String,
    #[serde(default)]
    pub seq: i64,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Option<Vec<Attachment>>,
}

/// What a message carries besides its text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Attachment {
    Image {
        payload: PhotoPayload,
    },
    File {
        payload: FilePayload,
        #[serde(default)]
        filename: Option<String>,
        #[serde(default)]
        size: Option<u64>,
    },
    Contact {
        payload: ContactPayload,
    },
    InlineKeyboard {
        payload: Keyboard,
    },
    /// A kind the bot does not handle (video, sticker, location, …).
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PhotoPayload {
    #[serde(default)]
    pub photo_id: Option<i64>,
    #[serde(default)]
    pub token: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FilePayload {
    pub url: String,
    #[serde(default)]
    pub token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContactPayload {
    /// The contact as a vCard; the phone number is its `TEL` line.
    #[serde(default)]
    pub vcf_info: Option<String>,
    /// The Max account shared, when it is one.
    #[serde(default)]
    pub max_info: Option<User>,
}

impl ContactPayload {
    /// The phone number of the vCard's first `TEL` line.
    pub fn phone_number(&self) -> Option<&str> {
        self.vcf_info.as_deref()?.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = name.split(';').next()?;
            name.eq_ignore_ascii_case("TEL")
                .then(|| value.trim())
                .filter(|v| !v.is_empty())
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyboard {
    pub buttons: Vec<Vec<Button>>,
}

/// An inline keyboard button. Payloads are at most 1024 characters, texts
/// 1 to 128, URLs 2048 (the contract's limits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Button {
    /// Sends `payload` to the bot as a `message_callback`.
    Callback {
        text: String,
        payload: String,
    },
    Link {
        text: String,
        url: String,
    },
    /// Asks for the user's phone number; it comes back as a contact.
    RequestContact {
        text: String,
    },
    /// A kind received but not sent by medcab. Never send one: it would
    /// serialise as `{"type": "other"}`, which the API refuses.
    #[serde(other)]
    Other,
}

/// `POST /messages` and `PUT /messages` (and an answer's `message`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewMessageBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// In an edit: `None` keeps the message's attachments, an empty list
    /// removes them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentRequest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
    /// `false`: delivered without a sound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
}

impl NewMessageBody {
    /// A text in Max's HTML (`b i u s code pre a mark h1`).
    pub fn html(text: impl Into<String>) -> Self {
        NewMessageBody {
            text: Some(text.into()),
            format: Some(TextFormat::Html),
            ..NewMessageBody::default()
        }
    }

    pub fn plain(text: impl Into<String>) -> Self {
        NewMessageBody {
            text: Some(text.into()),
            ..NewMessageBody::default()
        }
    }

    /// Adds an attachment (a keyboard, an uploaded file or image).
    pub fn with(mut self, attachment: AttachmentRequest) -> Self {
        self.attachments
            .get_or_insert_with(Vec::new)
            .push(attachment);
        self
    }

    pub fn with_keyboard(self, buttons: Vec<Vec<Button>>) -> Self {
        self.with(AttachmentRequest::InlineKeyboard {
            payload: Keyboard { buttons },
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    Html,
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AttachmentRequest {
    Image { payload: UploadedInfo },
    File { payload: UploadedInfo },
    InlineKeyboard { payload: Keyboard },
}

/// An uploaded file's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedInfo {
    pub token: String,
}

/// `POST /uploads?type=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadType {
    Image,
    File,
}

impl UploadType {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadType::Image => "image",
            UploadType::File => "file",
        }
    }
}

/// A file uploaded and ready to be attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub kind: UploadType,
    pub token: String,
}

impl Uploaded {
    pub fn attachment(&self) -> AttachmentRequest {
        let payload = UploadedInfo {
            token: self.token.clone(),
        };
        match self.kind {
            UploadType::Image => AttachmentRequest::Image { payload },
            UploadType::File => AttachmentRequest::File { payload },
        }
    }
}

/// `POST /answers?callback_id=`: a one-off notification, and/or the
/// message the button was on replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallbackAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<NewMessageBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
}

/// `POST /chats/{chatId}/actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderAction {
    TypingOn,
    SendingPhoto,
    SendingFile,
}

/// A pressed button.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Callback {
    pub timestamp: i64,
    /// What to answer (`POST /answers?callback_id=`).
    pub callback_id: String,
    #[serde(default)]
    pub payload: Option<String>,
    pub user: User,
}

/// `GET /updates`: the updates, each as sent, and the marker to pass next.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RawUpdateList {
    pub updates: Vec<serde_json::Value>,
    #[serde(default)]
    pub marker: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "update_type", rename_all = "snake_case")]
pub enum Update {
    MessageCreated {
        timestamp: i64,
        message: Message,
        #[serde(default)]
        user_locale: Option<String>,
    },
    MessageCallback {
        timestamp: i64,
        callback: Callback,
        #[serde(default)]
        message: Option<Message>,
        #[serde(default)]
        user_locale: Option<String>,
    },
    /// The user opened the bot, by a deep link when `payload` is set.
    BotStarted {
        timestamp: i64,
        chat_id: i64,
        user: User,
        #[serde(default)]
        payload: Option<String>,
        #[serde(default)]
        user_locale: Option<String>,
    },
    /// The user stopped (blocked) the bot.
    BotStopped {
        timestamp: i64,
        chat_id: i64,
        user: User,
    },
    /// Any other kind (edits, group events, …).
    #[serde(other)]
    Other,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknown_fields_and_kinds_are_read_not_refused() {
        let list: RawUpdateList = serde_json::from_value(json!({
            "updates": [
                {"update_type": "dialog_muted", "timestamp": 1, "chat_id": 2, "muted_until": 3},
                {"update_type": "bot_started", "timestamp": 1, "chat_id": 2, "payload": "x",
                 "user": {"user_id": 5, "first_name": "A", "is_bot": false, "new_field": 1}},
            ],
            "marker": 7,
            "something_new": true,
        }))
        .unwrap();
        assert_eq!(list.marker, Some(7));
        let updates: Vec<Update> = list
            .updates
            .into_iter()
            .map(|update| serde_json::from_value(update).unwrap())
            .collect();
        assert_eq!(updates[0], Update::Other);
        assert!(matches!(&updates[1], Update::BotStarted { payload: Some(p), .. } if p == "x"));
        let attachment: Attachment =
            serde_json::from_value(json!({"type": "sticker", "payload": {}})).unwrap();
        assert_eq!(attachment, Attachment::Other);
    }

    #[test]
    fn requests_leave_out_what_is_not_set() {
        let body = NewMessageBody::html("<b>Hi</b>").with_keyboard(vec![vec![
            Button::Callback {
                text: "Да".into(),
                payload: "yes".into(),
            },
            Button::RequestContact {
                text: "Телефон".into(),
            },
        ]]);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "text": "<b>Hi</b>",
                "format": "html",
                "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [[
                    {"type": "callback", "text": "Да", "payload": "yes"},
                    {"type": "request_contact", "text": "Телефон"},
                ]]}}],
            })
        );
        assert_eq!(
            serde_json::to_value(CallbackAnswer::default()).unwrap(),
            json!({})
        );
    }

    #[test]
    fn a_contact_gives_its_phone_number() {
        let contact = ContactPayload {
            vcf_info: Some(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Анна\r\nTEL;TYPE=cell:+79990001122\r\nEND:VCARD\r\n"
                    .into(),
            ),
            max_info: None,
        };
        assert_eq!(contact.phone_number(), Some("+79990001122"));
        assert_eq!(
            ContactPayload {
                vcf_info: None,
                max_info: None
            }
            .phone_number(),
            None
        );
    }
}
