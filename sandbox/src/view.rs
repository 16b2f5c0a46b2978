//! What the control API speaks: a chat as its user sees it, users, and the
//! bodies of control requests and answers. The server serialises these and
//! [`crate::Client`] deserialises the same types.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A private chat between the bot and one user, as the user sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    /// Grows by one with every change, so the chat can be long-polled.
    pub version: u64,
    /// Set by `sendChatAction`; gone when the bot next sends a message or
    /// after 5 seconds.
    pub chat_action: Option<String>,
    /// The reply keyboard under the input field, if the bot set one.
    pub reply_keyboard: Option<ReplyKeyboard>,
    /// Every message in order, deleted ones included (flagged `deleted`).
    pub messages: Vec<ChatMessage>,
}

impl Chat {
    /// The bot's messages the user can still see (not deleted).
    pub fn bot_messages(&self) -> impl Iterator<Item = &ChatMessage> {
        self.messages
            .iter()
            .filter(|m| m.from == From::Bot && !m.deleted)
    }

    /// The newest bot message that is not deleted.
    pub fn last_bot_message(&self) -> Option<&ChatMessage> {
        self.bot_messages().last()
    }

    /// The newest visible message, whoever sent it.
    pub fn last_message(&self) -> Option<&ChatMessage> {
        self.messages.iter().rev().find(|m| !m.deleted)
    }

    pub fn message(&self, message_id: i64) -> Option<&ChatMessage> {
        self.messages.iter().find(|m| m.message_id == message_id)
    }

    /// The labels of the reply keyboard, row by row flattened.
    pub fn reply_keyboard_labels(&self) -> Vec<&str> {
        self.reply_keyboard
            .iter()
            .flat_map(|k| k.keyboard.iter().flatten())
            .map(|b| b.text.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum From {
    Bot,
    User,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// On Max, the message's `seq` in its dialog.
    pub message_id: i64,
    /// Max's id of the message (`mid.…`); none on Telegram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    pub from: From,
    /// Unix time.
    pub date: i64,
    /// The text as the user sees it, after entity parsing.
    pub text: Option<String>,
    /// The source of the text (or of the caption) as the bot sent it, when
    /// the parse mode was HTML.
    pub html: Option<String>,
    /// The caption of a document or photo, after entity parsing.
    pub caption: Option<String>,
    pub edited: bool,
    /// Deleted messages stay in the view, text and all, so tests can tell
    /// what disappeared.
    pub deleted: bool,
    pub reply_markup: Option<InlineKeyboard>,
    pub document: Option<Document>,
    pub photo: Option<Photo>,
    pub contact: Option<Contact>,
    pub protect_content: bool,
}

impl ChatMessage {
    pub fn buttons(&self) -> impl Iterator<Item = &InlineButton> {
        self.reply_markup
            .iter()
            .flat_map(|k| k.inline_keyboard.iter().flatten())
    }

    /// The labels of the inline buttons, row by row flattened.
    pub fn button_labels(&self) -> Vec<&str> {
        self.buttons().map(|b| b.text.as_str()).collect()
    }

    /// The button with this label.
    pub fn button(&self, label: &str) -> Option<&InlineButton> {
        self.buttons().find(|b| b.text == label)
    }

    /// The text, or the caption for media.
    pub fn body(&self) -> &str {
        self.text
            .as_deref()
            .or(self.caption.as_deref())
            .unwrap_or_default()
    }
}

/// An inline keyboard exactly as the bot sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InlineKeyboard {
    pub inline_keyboard: Vec<Vec<InlineButton>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InlineButton {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Other button kinds (web_app, copy_text, …), kept so that the bot gets
    /// back exactly what it sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyKeyboard {
    pub keyboard: Vec<Vec<KeyboardButton>>,
    #[serde(default)]
    pub one_time_keyboard: bool,
    #[serde(default)]
    pub is_persistent: bool,
    #[serde(default)]
    pub resize_keyboard: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_field_placeholder: Option<String>,
}

/// A reply keyboard button. The Bot API also allows a bare string; the
/// sandbox stores every button in this form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyboardButton {
    pub text: String,
    pub request_contact: bool,
    pub request_location: bool,
}

impl<'de> Deserialize<'de> for KeyboardButton {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Object {
            text: String,
            #[serde(default)]
            request_contact: bool,
            #[serde(default)]
            request_location: bool,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Object(Object),
        }
        Ok(match Repr::deserialize(deserializer)? {
            Repr::Text(text) => KeyboardButton {
                text,
                request_contact: false,
                request_location: false,
            },
            Repr::Object(o) => KeyboardButton {
                text: o.text,
                request_contact: o.request_contact,
                request_location: o.request_location,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub file_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub file_size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    pub file_id: String,
    pub file_size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub phone_number: String,
    pub first_name: String,
    pub user_id: Option<i64>,
}

/// A sandbox user (a Telegram account talking to the bot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub phone_number: Option<String>,
}

/// `POST /control/users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    /// Chosen by the sandbox when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

impl NewUser {
    pub fn named(first_name: impl Into<String>) -> Self {
        NewUser {
            first_name: first_name.into(),
            ..NewUser::default()
        }
    }

    pub fn with_id(self, id: i64) -> Self {
        NewUser {
            id: Some(id),
            ..self
        }
    }

    pub fn with_language(self, language_code: impl Into<String>) -> Self {
        NewUser {
            language_code: Some(language_code.into()),
            ..self
        }
    }

    pub fn with_phone(self, phone_number: impl Into<String>) -> Self {
        NewUser {
            phone_number: Some(phone_number.into()),
            ..self
        }
    }

    pub fn with_username(self, username: impl Into<String>) -> Self {
        NewUser {
            username: Some(username.into()),
            ..self
        }
    }
}

/// `POST /control/users/{id}/text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendText {
    pub text: String,
}

/// `POST /control/users/{id}/press`: which inline button to press.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PressButton {
    /// The message the button is on; default: the newest bot message that
    /// has a matching button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
    /// Match by callback data…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// …or by label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Send the callback even if no such button exists, as a tampering
    /// client would (`data` is then the callback data sent).
    #[serde(default)]
    pub forge: bool,
}

impl PressButton {
    pub fn data(data: impl Into<String>) -> Self {
        PressButton {
            data: Some(data.into()),
            ..PressButton::default()
        }
    }

    pub fn label(text: impl Into<String>) -> Self {
        PressButton {
            text: Some(text.into()),
            ..PressButton::default()
        }
    }

    pub fn on_message(self, message_id: i64) -> Self {
        PressButton {
            message_id: Some(message_id),
            ..self
        }
    }

    pub fn forged(self) -> Self {
        PressButton {
            forge: true,
            ..self
        }
    }
}

/// `POST /control/users/{id}/contact`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareContact {
    /// Default: the user's own phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Absent: the user's own id. `Some(None)` (JSON `null`): a contact
    /// without a Telegram account. `Some(Some(id))`: someone else's.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
}

impl ShareContact {
    /// The user's own contact, as the "share my phone number" button sends.
    pub fn own() -> Self {
        ShareContact::default()
    }
}

/// Tells an explicit `null` apart from an absent field.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Document,
    Photo,
}

/// `POST /control/users/{id}/file` in its JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadFile {
    pub file_name: String,
    pub mime_type: String,
    pub content_base64: String,
    #[serde(rename = "as")]
    pub kind: FileKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

impl UploadFile {
    pub fn new(
        kind: FileKind,
        file_name: impl Into<String>,
        mime_type: impl Into<String>,
        bytes: &[u8],
    ) -> Self {
        use base64::Engine as _;
        UploadFile {
            file_name: file_name.into(),
            mime_type: mime_type.into(),
            content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            kind,
            caption: None,
        }
    }

    pub fn with_caption(self, caption: impl Into<String>) -> Self {
        UploadFile {
            caption: Some(caption.into()),
            ..self
        }
    }
}

/// The answer to a user's text or contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub update_id: i64,
    pub message_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pressed {
    pub update_id: i64,
    pub callback_query_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    pub update_id: i64,
    pub message_id: i64,
    pub file_id: String,
}

/// How the bot answered a callback query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackAnswer {
    pub answered: bool,
    pub text: Option<String>,
    pub show_alert: bool,
}

/// A Bot API call the sandbox refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusedCall {
    pub method: String,
    pub error_code: u16,
    pub description: String,
    /// The parameters as received (file parts as `attach://<part>`).
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotCommand {
    pub command: String,
    pub description: String,
}

/// `POST /control/users/{id}/block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub blocked: bool,
}

/// `POST /control/settings` (and its answer, and `GET /control/settings`).
///
/// In a request an absent rate keeps its current value; the answer has
/// every rate filled in. Every `POST` builds the limiters afresh (all
/// buckets full).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Whether send limits apply at all (off when the sandbox starts,
    /// unless [`crate::SandboxConfig::enforce_limits`]).
    pub enforce_limits: bool,
    /// Sends per second for the whole bot; Telegram's is 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_per_second: Option<u32>,
    /// Sends per second for the whole bot when they carry
    /// `allow_paid_broadcast: true` (counted here instead of
    /// `bot_per_second`); Telegram's is 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_per_second: Option<u32>,
    /// Sends per second in one chat, paid or not; Telegram's is 1…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_per_second: Option<u32>,
    /// …with bursts of this many (the sandbox's choice: 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_burst: Option<u32>,
}

impl Settings {
    /// Limits on, rates unchanged.
    pub fn enforcing() -> Self {
        Settings {
            enforce_limits: true,
            ..Settings::default()
        }
    }

    pub fn with_bot_per_second(self, per_second: u32) -> Self {
        Settings {
            bot_per_second: Some(per_second),
            ..self
        }
    }

    pub fn with_paid_per_second(self, per_second: u32) -> Self {
        Settings {
            paid_per_second: Some(per_second),
            ..self
        }
    }

    pub fn with_chat_per_second(self, per_second: u32) -> Self {
        Settings {
            chat_per_second: Some(per_second),
            ..self
        }
    }

    pub fn with_chat_burst(self, burst: u32) -> Self {
        Settings {
            chat_burst: Some(burst),
            ..self
        }
    }
}

/// `POST /control/users/{id}/inject`: the next `count` sends
/// (`sendMessage`, `sendDocument`, `sendPhoto`) to the user's chat are
/// answered `delay_ms` late, and fail with this error and are not stored
/// (or, without `error_code`, are stored as usual).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injection {
    /// 400, 403, 429, 500 or 502; none: the send is answered as usual
    /// (after `delay_ms`, which is then required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u16>,
    /// How long the sandbox waits before answering, in milliseconds: a slow
    /// Telegram. Other chats are served meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Default: Telegram's usual wording for the code (400 `Bad Request:
    /// message text is empty`, 403 `Forbidden: bot was blocked by the
    /// user`, 429 `Too Many Requests: retry after N`, 500 `Internal Server
    /// Error`, 502 `Bad Gateway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For 429 only: `parameters.retry_after`, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// How many sends fail this way; default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl Injection {
    /// One failure with this code and Telegram's usual description.
    pub fn error(error_code: u16) -> Self {
        Injection {
            error_code: Some(error_code),
            delay_ms: None,
            description: None,
            retry_after: None,
            count: None,
        }
    }

    /// One `429 Too Many Requests: retry after N`.
    pub fn too_many_requests(retry_after: u64) -> Self {
        Injection {
            retry_after: Some(retry_after),
            ..Injection::error(429)
        }
    }

    /// One send answered as usual, but only after `delay`.
    pub fn slow(delay: std::time::Duration) -> Self {
        Injection {
            error_code: None,
            delay_ms: Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
            description: None,
            retry_after: None,
            count: None,
        }
    }

    pub fn with_description(self, description: impl Into<String>) -> Self {
        Injection {
            description: Some(description.into()),
            ..self
        }
    }

    pub fn times(self, count: u32) -> Self {
        Injection {
            count: Some(count),
            ..self
        }
    }
}

/// The answer to an injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    pub user_id: i64,
    /// Injected failures still waiting for sends to the chat, this one's
    /// included.
    pub pending: u32,
}

/// `POST /control/users/bulk`: many users at once, for benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUsers {
    pub count: u32,
    /// The first id; the others follow it one by one. Default: the next
    /// free run of ids from the sandbox's generator. A taken id in the run
    /// is 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    /// Each user's first name is the prefix followed by its number in the
    /// batch, from 1; default `"User "`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name_prefix: Option<String>,
}

impl NewUsers {
    pub fn count(count: u32) -> Self {
        NewUsers {
            count,
            ..NewUsers::default()
        }
    }

    pub fn starting_at(self, first_id: i64) -> Self {
        NewUsers {
            first_id: Some(first_id),
            ..self
        }
    }

    pub fn with_language(self, language_code: impl Into<String>) -> Self {
        NewUsers {
            language_code: Some(language_code.into()),
            ..self
        }
    }

    pub fn with_first_name_prefix(self, prefix: impl Into<String>) -> Self {
        NewUsers {
            first_name_prefix: Some(prefix.into()),
            ..self
        }
    }
}

/// The answer to `POST /control/users/bulk`: the users' ids are
/// `first_id .. first_id + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUsers {
    pub first_id: i64,
    pub count: u32,
}

impl CreatedUsers {
    pub fn ids(&self) -> std::ops::Range<i64> {
        self.first_id..self.first_id + i64::from(self.count)
    }
}

/// `GET /control/stats`: what the bot sent since the sandbox started or
/// since `POST /control/stats/reset`. Sends are `sendMessage`,
/// `sendDocument` and `sendPhoto`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Sends accepted (stored in a chat).
    pub accepted: u64,
    /// Of those, sends that carried `allow_paid_broadcast: true`.
    pub paid_broadcasts: u64,
    /// Chats that got at least one accepted send.
    pub chats_with_messages: u64,
    /// Chats that got more than one: duplicates, in a broadcast of one
    /// message per chat.
    pub chats_with_more_than_one: u64,
    /// The most accepted sends any one chat got.
    pub max_per_chat: u32,
    /// Sends answered 429, by the limits or by an injection.
    pub too_many_requests: u64,
    /// Of those, the ones answered a second or more after the first
    /// accepted send.
    pub too_many_requests_after_first_second: u64,
    /// Sends that failed by an injection (any code).
    pub injected_failures: u64,
    /// Sends to a chat that came sooner than the `retry_after` of the last
    /// 429 to that chat (injected or from the limits): the bot did not wait
    /// as it was told.
    #[serde(default)]
    pub sent_before_retry_after: u64,
    /// When the first and the last accepted send came, in milliseconds since
    /// the Unix epoch.
    pub first_send_at: Option<i64>,
    pub last_send_at: Option<i64>,
    /// Accepted sends in each second since the first one: `per_second[0]`
    /// counts those in its first second.
    pub per_second: Vec<u64>,
    /// Updates pushed to the bot's webhook (Max: its subscription).
    #[serde(default)]
    pub webhook: WebhookStats,
}

/// The webhook's requests since the start or the last statistics reset:
/// `attempted` = `acknowledged` + `failed` + those still in flight. A
/// failed one is retried, so an update may be attempted many times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookStats {
    /// Requests made.
    pub attempted: u64,
    /// Answered so that the update was acknowledged (2xx; Max: 200).
    pub acknowledged: u64,
    /// Answered otherwise, refused, timed out: the update stays pending.
    pub failed: u64,
}

impl Stats {
    /// The busiest second's count.
    pub fn max_per_second(&self) -> u64 {
        self.per_second.iter().copied().max().unwrap_or(0)
    }
}

/// A sandbox user on Max: their own ids (never a Telegram user's), and
/// the id of their dialog with the bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaxUser {
    pub id: i64,
    /// The dialog's `chat_id` (`POST /messages?chat_id=`).
    pub chat_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub phone_number: Option<String>,
}

/// What a Max user did, as the bot will get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxSent {
    /// The update's number: `GET /updates` answers a marker past it.
    pub update: i64,
    /// The message's `seq` in the dialog (the chat view's `message_id`)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
    /// …and its Max id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    /// For a pressed button: the `callback_id` to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_id: Option<String>,
    /// For an uploaded file: its token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `POST /control/max/users/{id}/start`: the user opens the bot, by a deep
/// link `https://max.ru/<bot>?start=<payload>` when a payload is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartBot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
}

/// `POST /control/max/users/{id}/inject`: the next `count` sends
/// (`POST /messages`) to the user's dialog fail with this answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxInjection {
    /// 400, 403, 404, 429, 500, 502 or 503.
    pub status: u16,
    /// The error key; default per status: `proto.payload`, `chat.denied`,
    /// `chat.not.found`, `too.many.requests`, `internal.error`,
    /// `bad.gateway`, `service.unavailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For 429 only: the `Retry-After` seconds, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl MaxInjection {
    pub fn status(status: u16) -> Self {
        MaxInjection {
            status,
            code: None,
            message: None,
            retry_after: None,
            count: None,
        }
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        MaxInjection {
            retry_after: Some(retry_after),
            ..MaxInjection::status(429)
        }
    }

    pub fn with_code(self, code: impl Into<String>) -> Self {
        MaxInjection {
            code: Some(code.into()),
            ..self
        }
    }

    pub fn times(self, count: u32) -> Self {
        MaxInjection {
            count: Some(count),
            ..self
        }
    }
}

/// `POST /control/max/settings` (and its answer): Max's request limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxSettings {
    pub enforce_limits: bool,
    /// Requests per second for the bot, every API call counted; Max's is
    /// about 30. Absent in a request: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_second: Option<u32>,
}

impl MaxSettings {
    pub fn enforcing() -> Self {
        MaxSettings {
            enforce_limits: true,
            requests_per_second: None,
        }
    }

    pub fn with_requests_per_second(self, per_second: u32) -> Self {
        MaxSettings {
            requests_per_second: Some(per_second),
            ..self
        }
    }
}
