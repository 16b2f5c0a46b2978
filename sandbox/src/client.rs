//! A typed client for the control API, for tests and benchmarks.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::view::{
    Block, BotCommand, CallbackAnswer, Chat, CreatedUsers, Injected, Injection, MaxInjection,
    MaxSent, MaxSettings, MaxUser, NewUser, NewUsers, PressButton, Pressed, RefusedCall, SendText,
    Sent, Settings, ShareContact, StartBot, Stats, UploadFile, Uploaded, User,
};

/// How long [`Client::wait_for`] waits in all. A passing test never waits
/// it out; it is long enough for a debug build rendering a PDF on a
/// machine that is also compiling (seen to take more than 15 s).
const WAIT_FOR_DEADLINE: Duration = Duration::from_secs(30);
/// One long poll of the chat; short enough to stay under HTTP timeouts.
const POLL_SLICE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// `base_url` is the sandbox's [`crate::Sandbox::url`].
    pub fn new(base_url: impl Into<String>) -> Self {
        let base = base_url.into().trim_end_matches('/').to_owned();
        Client {
            http: reqwest::Client::new(),
            base,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/control{path}", self.base)
    }

    async fn answer<T: DeserializeOwned>(
        what: &str,
        response: reqwest::Response,
    ) -> anyhow::Result<T> {
        let status = response.status();
        let body = response
            .text()
            .await
            .with_context(|| format!("{what}: reading the answer"))?;
        if !status.is_success() {
            bail!("{what}: {status}: {body}");
        }
        serde_json::from_str(&body).with_context(|| format!("{what}: unexpected answer {body}"))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        Self::answer(&format!("GET {path}"), response).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> anyhow::Result<T> {
        let response = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        Self::answer(&format!("POST {path}"), response).await
    }

    pub async fn create_user(&self, user: NewUser) -> anyhow::Result<User> {
        self.post("/users", &user).await
    }

    /// Many users at once (ids `first_id .. first_id + count`), for
    /// benchmarks.
    pub async fn create_users(&self, users: NewUsers) -> anyhow::Result<CreatedUsers> {
        self.post("/users/bulk", &users).await
    }

    pub async fn users(&self) -> anyhow::Result<Vec<User>> {
        self.get("/users").await
    }

    /// The user sends a text message (a leading `/command` becomes a command).
    pub async fn send_text(&self, user_id: i64, text: impl Into<String>) -> anyhow::Result<Sent> {
        self.post(
            &format!("/users/{user_id}/text"),
            &SendText { text: text.into() },
        )
        .await
    }

    /// The user presses an inline button.
    pub async fn press(&self, user_id: i64, press: PressButton) -> anyhow::Result<Pressed> {
        self.post(&format!("/users/{user_id}/press"), &press).await
    }

    pub async fn share_contact(&self, user_id: i64, contact: ShareContact) -> anyhow::Result<Sent> {
        self.post(&format!("/users/{user_id}/contact"), &contact)
            .await
    }

    /// The user sends a document or photo.
    pub async fn upload_file(&self, user_id: i64, file: UploadFile) -> anyhow::Result<Uploaded> {
        self.post(&format!("/users/{user_id}/file"), &file).await
    }

    /// The chat as the user sees it now.
    pub async fn chat(&self, user_id: i64) -> anyhow::Result<Chat> {
        self.get(&format!("/users/{user_id}/chat")).await
    }

    /// The chat once its version is above `since`, or as it is after `timeout`.
    pub async fn chat_since(
        &self,
        user_id: i64,
        since: u64,
        timeout: Duration,
    ) -> anyhow::Result<Chat> {
        let timeout_ms = timeout.as_millis();
        self.get(&format!(
            "/users/{user_id}/chat?since={since}&timeout_ms={timeout_ms}"
        ))
        .await
    }

    /// Like [`Client::chat_since`], with only the newest `last` messages.
    pub async fn chat_tail_since(
        &self,
        user_id: i64,
        since: u64,
        timeout: Duration,
        last: usize,
    ) -> anyhow::Result<Chat> {
        let timeout_ms = timeout.as_millis();
        self.get(&format!(
            "/users/{user_id}/chat?since={since}&timeout_ms={timeout_ms}&last={last}"
        ))
        .await
    }

    /// Waits (up to 15 s) until `predicate` holds for the user's chat and
    /// returns that chat. On timeout the error lists the chat's messages.
    pub async fn wait_for(
        &self,
        user_id: i64,
        predicate: impl Fn(&Chat) -> bool,
    ) -> anyhow::Result<Chat> {
        let deadline = Instant::now() + WAIT_FOR_DEADLINE;
        let mut chat = self.chat(user_id).await?;
        loop {
            if predicate(&chat) {
                return Ok(chat);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!(
                    "the chat with user {user_id} did not reach the expected state in {} s:\n{}",
                    WAIT_FOR_DEADLINE.as_secs(),
                    describe(&chat)
                );
            }
            chat = self
                .chat_since(user_id, chat.version, left.min(POLL_SLICE))
                .await?;
        }
    }

    /// How the bot answered a callback query.
    pub async fn callback(&self, callback_query_id: &str) -> anyhow::Result<CallbackAnswer> {
        self.get(&format!("/callbacks/{callback_query_id}")).await
    }

    /// The user blocks (`true`) or unblocks the bot.
    pub async fn block(&self, user_id: i64, blocked: bool) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .post(&format!("/users/{user_id}/block"), &Block { blocked })
            .await?;
        Ok(())
    }

    /// Switches Telegram's send limits on or off, the rates unchanged.
    pub async fn set_enforce_limits(&self, enforce_limits: bool) -> anyhow::Result<()> {
        let settings = Settings {
            enforce_limits,
            ..Settings::default()
        };
        let _: Settings = self.post("/settings", &settings).await?;
        Ok(())
    }

    /// Changes the settings (rates left `None` stay as they are; the
    /// limiters start afresh) and returns them all as they now are.
    pub async fn configure(&self, settings: Settings) -> anyhow::Result<Settings> {
        self.post("/settings", &settings).await
    }

    /// The settings in effect, every rate filled in.
    pub async fn settings(&self) -> anyhow::Result<Settings> {
        self.get("/settings").await
    }

    /// Makes the next sends to the user's chat fail (see [`Injection`]).
    pub async fn inject(&self, user_id: i64, injection: Injection) -> anyhow::Result<Injected> {
        self.post(&format!("/users/{user_id}/inject"), &injection)
            .await
    }

    /// What the bot sent since the start or the last [`Client::reset_stats`].
    pub async fn stats(&self) -> anyhow::Result<Stats> {
        self.get("/stats").await
    }

    pub async fn reset_stats(&self) -> anyhow::Result<()> {
        let _: Stats = self.post("/stats/reset", &serde_json::json!({})).await?;
        Ok(())
    }

    /// Queues an update again, as Telegram does when the bot did not
    /// confirm it before it stopped.
    pub async fn redeliver(&self, update_id: i64) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .post(
                &format!("/updates/{update_id}/redeliver"),
                &serde_json::json!({}),
            )
            .await?;
        Ok(())
    }

    /// Every Bot API call the sandbox refused so far.
    pub async fn errors(&self) -> anyhow::Result<Vec<RefusedCall>> {
        self.get("/errors").await
    }

    /// The command menu for a language (`None`: the default menu).
    pub async fn commands(&self, language_code: Option<&str>) -> anyhow::Result<Vec<BotCommand>> {
        match language_code {
            Some(code) => self.get(&format!("/commands?language_code={code}")).await,
            None => self.get("/commands").await,
        }
    }

    /// The command menu one user sees in their chat with the bot, in
    /// Telegram's order of precedence (their chat's scope, all private
    /// chats, the default; each in their language first).
    pub async fn commands_of(
        &self,
        user_id: i64,
        language_code: &str,
    ) -> anyhow::Result<Vec<BotCommand>> {
        self.get(&format!(
            "/commands?user_id={user_id}&language_code={language_code}"
        ))
        .await
    }

    /// A file's bytes.
    pub async fn file(&self, file_id: &str) -> anyhow::Result<Vec<u8>> {
        self.bytes(&format!("/files/{file_id}")).await
    }

    async fn bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "GET {path}: {status}: {}",
                response.text().await.unwrap_or_default()
            );
        }
        Ok(response
            .bytes()
            .await
            .with_context(|| format!("GET {path}"))?
            .to_vec())
    }
}

impl Client {
    /// The control API's Max side (`/control/max/...`).
    pub fn max(&self) -> MaxControl<'_> {
        MaxControl { client: self }
    }

    /// Waits until `predicate` holds for the chat read at `path` (a
    /// Telegram or a Max user's).
    async fn wait_for_chat(
        &self,
        who: &str,
        path: &str,
        predicate: impl Fn(&Chat) -> bool,
    ) -> anyhow::Result<Chat> {
        let deadline = Instant::now() + WAIT_FOR_DEADLINE;
        let mut chat: Chat = self.get(path).await?;
        loop {
            if predicate(&chat) {
                return Ok(chat);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!(
                    "the chat with {who} did not reach the expected state in {} s:\n{}",
                    WAIT_FOR_DEADLINE.as_secs(),
                    describe(&chat)
                );
            }
            let timeout_ms = left.min(POLL_SLICE).as_millis();
            chat = self
                .get(&format!(
                    "{path}?since={}&timeout_ms={timeout_ms}",
                    chat.version
                ))
                .await?;
        }
    }
}

/// Acting as Max users: the same moves as on Telegram, plus starting the
/// bot (with a deep link's payload). Ids are Max ids.
#[derive(Debug, Clone, Copy)]
pub struct MaxControl<'c> {
    client: &'c Client,
}

impl MaxControl<'_> {
    pub async fn create_user(&self, user: NewUser) -> anyhow::Result<MaxUser> {
        self.client.post("/max/users", &user).await
    }

    pub async fn create_users(&self, users: NewUsers) -> anyhow::Result<CreatedUsers> {
        self.client.post("/max/users/bulk", &users).await
    }

    pub async fn users(&self) -> anyhow::Result<Vec<MaxUser>> {
        self.client.get("/max/users").await
    }

    /// The user opens the bot: `bot_started`, with the deep link's
    /// payload (`https://max.ru/<bot>?start=<payload>`) if given.
    pub async fn start(&self, user_id: i64, payload: Option<&str>) -> anyhow::Result<MaxSent> {
        let body = StartBot {
            payload: payload.map(str::to_owned),
        };
        self.client
            .post(&format!("/max/users/{user_id}/start"), &body)
            .await
    }

    pub async fn send_text(
        &self,
        user_id: i64,
        text: impl Into<String>,
    ) -> anyhow::Result<MaxSent> {
        self.client
            .post(
                &format!("/max/users/{user_id}/text"),
                &SendText { text: text.into() },
            )
            .await
    }

    /// Presses a callback button (`data` is its payload).
    pub async fn press(&self, user_id: i64, press: PressButton) -> anyhow::Result<MaxSent> {
        self.client
            .post(&format!("/max/users/{user_id}/press"), &press)
            .await
    }

    pub async fn share_contact(
        &self,
        user_id: i64,
        contact: ShareContact,
    ) -> anyhow::Result<MaxSent> {
        self.client
            .post(&format!("/max/users/{user_id}/contact"), &contact)
            .await
    }

    /// The user sends a file (`document`) or an image (`photo`).
    pub async fn upload_file(&self, user_id: i64, file: UploadFile) -> anyhow::Result<MaxSent> {
        self.client
            .post(&format!("/max/users/{user_id}/file"), &file)
            .await
    }

    pub async fn chat(&self, user_id: i64) -> anyhow::Result<Chat> {
        self.client.get(&format!("/max/users/{user_id}/chat")).await
    }

    /// Waits until `predicate` holds for the user's dialog.
    pub async fn wait_for(
        &self,
        user_id: i64,
        predicate: impl Fn(&Chat) -> bool,
    ) -> anyhow::Result<Chat> {
        self.client
            .wait_for_chat(
                &format!("Max user {user_id}"),
                &format!("/max/users/{user_id}/chat"),
                predicate,
            )
            .await
    }

    /// The user stops (`true`: the bot gets `bot_stopped`) or allows the bot.
    pub async fn block(&self, user_id: i64, blocked: bool) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .client
            .post(&format!("/max/users/{user_id}/block"), &Block { blocked })
            .await?;
        Ok(())
    }

    pub async fn inject(&self, user_id: i64, injection: MaxInjection) -> anyhow::Result<Injected> {
        self.client
            .post(&format!("/max/users/{user_id}/inject"), &injection)
            .await
    }

    /// How the bot answered a pressed button (`text`: its notification).
    pub async fn callback(&self, callback_id: &str) -> anyhow::Result<CallbackAnswer> {
        self.client
            .get(&format!("/max/callbacks/{callback_id}"))
            .await
    }

    pub async fn configure(&self, settings: MaxSettings) -> anyhow::Result<MaxSettings> {
        self.client.post("/max/settings", &settings).await
    }

    pub async fn stats(&self) -> anyhow::Result<Stats> {
        self.client.get("/max/stats").await
    }

    pub async fn reset_stats(&self) -> anyhow::Result<()> {
        let _: Stats = self
            .client
            .post("/max/stats/reset", &serde_json::json!({}))
            .await?;
        Ok(())
    }

    pub async fn errors(&self) -> anyhow::Result<Vec<RefusedCall>> {
        self.client.get("/max/errors").await
    }

    /// A file's bytes, by its token.
    pub async fn file(&self, token: &str) -> anyhow::Result<Vec<u8>> {
        self.client.bytes(&format!("/max/files/{token}")).await
    }
}

/// A readable transcript of the chat, for failure messages.
fn describe(chat: &Chat) -> String {
    let mut out = format!("version {}", chat.version);
    if let Some(action) = &chat.chat_action {
        let _ = write!(out, ", chat action {action}");
    }
    if chat.messages.is_empty() {
        out.push_str(", no messages");
    }
    for message in &chat.messages {
        let who = match message.from {
            crate::view::From::Bot => "bot",
            crate::view::From::User => "user",
        };
        let _ = write!(
            out,
            "\n  #{} {who}: {:?}",
            message.message_id,
            message.body()
        );
        if let Some(document) = &message.document {
            let _ = write!(
                out,
                " [document {:?}]",
                document.file_name.as_deref().unwrap_or("?")
            );
        }
        if message.photo.is_some() {
            out.push_str(" [photo]");
        }
        if let Some(contact) = &message.contact {
            let _ = write!(out, " [contact {}]", contact.phone_number);
        }
        let labels = message.button_labels();
        if !labels.is_empty() {
            let _ = write!(out, " buttons {labels:?}");
        }
        if message.edited {
            out.push_str(" (edited)");
        }
        if message.deleted {
            out.push_str(" (deleted)");
        }
    }
    if let Some(keyboard) = &chat.reply_keyboard {
        let labels: Vec<&str> = keyboard
            .keyboard
            .iter()
            .flatten()
            .map(|b| b.text.as_str())
            .collect();
        let _ = write!(out, "\n  reply keyboard {labels:?}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::describe;
    use crate::view::{Chat, ChatMessage, From, InlineButton, InlineKeyboard};

    #[test]
    fn a_transcript_shows_what_the_user_saw() {
        let message = |message_id, from, text: &str| ChatMessage {
            message_id,
            mid: None,
            from,
            date: 0,
            text: Some(text.to_owned()),
            html: None,
            caption: None,
            edited: false,
            deleted: false,
            reply_markup: None,
            document: None,
            photo: None,
            contact: None,
            protect_content: false,
        };
        let mut menu = message(2, From::Bot, "Меню");
        menu.edited = true;
        menu.reply_markup = Some(InlineKeyboard {
            inline_keyboard: vec![vec![InlineButton {
                text: "Да".into(),
                callback_data: Some("yes".into()),
                url: None,
                other: Default::default(),
            }]],
        });
        let chat = Chat {
            version: 3,
            chat_action: Some("typing".into()),
            reply_keyboard: None,
            messages: vec![message(1, From::User, "/start"), menu],
        };
        assert_eq!(
            describe(&chat),
            "version 3, chat action typing\n  #1 user: \"/start\"\n  #2 bot: \"Меню\" buttons [\"Да\"] (edited)"
        );
    }
}
