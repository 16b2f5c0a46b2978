//! Everything the sandbox remembers, in memory: users and their chats with
//! the bot, pending updates, files, callback queries and command menus.
//!
//! One lock guards it all ([`Shared::state`]). Waiters (getUpdates, chat
//! long-polls) check their condition and subscribe to a `watch` channel
//! under that lock, so a change made after the check always wakes them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use axum::body::Bytes;
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;
use crate::limits::Limits;
use crate::stats;
use crate::view::{self, BotCommand, ChatMessage, FileKind, RefusedCall, ReplyKeyboard, User};

/// Messages kept per chat; older ones are forgotten (the chat view, edits
/// and replies no longer find them). The statistics count every send.
pub(crate) const MAX_STORED_MESSAGES: usize = 500;
/// Refused calls kept for `GET /control/errors`; older ones are forgotten.
pub(crate) const MAX_REFUSED_CALLS: usize = 10_000;
/// The most users one `POST /control/users/bulk` creates.
pub(crate) const MAX_BULK_USERS: u32 = 1_000_000;

/// The bot the sandbox pretends to serve.
#[derive(Debug, Clone)]
pub(crate) struct BotIdentity {
    pub id: i64,
    pub token: String,
    pub username: String,
    pub first_name: String,
}

/// What every request handler gets.
pub(crate) struct Shared {
    pub bot: BotIdentity,
    pub max_bot: crate::max::shapes::MaxBot,
    pub state: Mutex<State>,
    /// Cancelled on shutdown so that long polls end at once.
    pub shutdown: CancellationToken,
}

pub(crate) type AppState = Arc<Shared>;

pub(crate) struct State {
    pub users: BTreeMap<i64, UserEntry>,
    next_user_id: i64,
    updates: VecDeque<Value>,
    /// Every update ever queued, so that one can be delivered again.
    history: BTreeMap<i64, Value>,
    next_update_id: i64,
    /// Wakes getUpdates long polls: a new update, or a newer getUpdates call.
    pub updates_signal: watch::Sender<()>,
    /// Each getUpdates call takes a new generation; an older call still
    /// waiting is answered 409, as Telegram does with two bot instances.
    pub poll_generation: u64,
    pub allowed_updates: Vec<String>,
    /// The webhook `setWebhook` set; updates are then pushed to it
    /// (`crate::webhook`) and getUpdates is refused.
    pub webhook: Option<Webhook>,
    /// The pushing's chats in flight or waiting to retry, and its last error.
    pub webhook_lanes: crate::delivery::Lanes,
    pub files: HashMap<String, StoredFile>,
    /// file_path → file_id, for downloads.
    pub file_paths: HashMap<String, String>,
    next_file_number: u64,
    /// How the bot answered each callback query the sandbox sent.
    pub callbacks: HashMap<String, view::CallbackAnswer>,
    next_callback_number: u64,
    /// Keyed by (scope, language code); the empty language is the fallback.
    pub commands: HashMap<(String, String), Vec<BotCommand>>,
    /// The latest refused calls, oldest first.
    pub refused: VecDeque<RefusedCall>,
    pub enforce_limits: bool,
    pub limits: Limits,
    pub stats: stats::Recorder,
    next_action_id: u64,
    /// The Max side: its users, dialogs, updates and files.
    pub max: crate::max::state::MaxState,
}

/// What `setWebhook` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Webhook {
    pub url: String,
    pub secret_token: Option<String>,
    /// 1–100.
    pub max_connections: usize,
}

pub(crate) struct UserEntry {
    pub user: User,
    pub blocked: bool,
    pub chat: ChatState,
    /// Faults injected for the next sends to this chat, each with how
    /// many sends it still answers.
    pub injected: VecDeque<(Fault, u32)>,
    /// Until when the last 429 to this chat asked the bot to wait: a send
    /// sooner is counted (`sent_before_retry_after`).
    pub retry_not_before: Option<tokio::time::Instant>,
}

/// What an injection does to a send: waits `delay` before answering, then
/// fails with `error`, or (none) goes on as usual.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub delay: std::time::Duration,
    pub error: Option<ApiError>,
}

pub(crate) struct ChatState {
    /// The chat's version; every change bumps it and wakes long polls.
    pub version: watch::Sender<u64>,
    /// In order of message_id, at most [`MAX_STORED_MESSAGES`].
    pub messages: VecDeque<StoredMessage>,
    pub reply_keyboard: Option<ReplyKeyboard>,
    pub chat_action: Option<ChatAction>,
    next_message_id: i64,
}

pub(crate) struct ChatAction {
    pub action: String,
    /// Lets the 5-second expiry tell whether this action is still the
    /// current one.
    pub id: u64,
}

pub(crate) struct StoredMessage {
    pub view: ChatMessage,
    /// Bot API entities, kept for the user's messages (`bot_command`).
    pub entities: Vec<Value>,
    pub edit_date: Option<i64>,
}

pub(crate) struct StoredFile {
    pub file_id: String,
    pub file_unique_id: String,
    pub kind: FileKind,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    /// Where `/file/bot<token>/<file_path>` serves it.
    pub file_path: String,
    pub bytes: Bytes,
    /// Pixel size for photos, when the image header could be read.
    pub dimensions: Option<(u32, u32)>,
}

impl Default for State {
    fn default() -> Self {
        State {
            users: BTreeMap::new(),
            // Ids start from the clock, not from 1: the bot's database
            // outlives a sandbox restart, and reused ids would make it skip
            // new updates as redelivered ones and give a new user someone
            // else's records. Update ids must fit 32 bits (teloxide's
            // UpdateId), so they count from Unix seconds; user ids from
            // Unix milliseconds.
            next_user_id: chrono::Utc::now().timestamp_millis(),
            updates: VecDeque::new(),
            history: BTreeMap::new(),
            next_update_id: now(),
            updates_signal: watch::Sender::new(()),
            poll_generation: 0,
            allowed_updates: Vec::new(),
            webhook: None,
            webhook_lanes: Default::default(),
            files: HashMap::new(),
            file_paths: HashMap::new(),
            next_file_number: 1,
            callbacks: HashMap::new(),
            next_callback_number: 1,
            commands: HashMap::new(),
            refused: VecDeque::new(),
            enforce_limits: false,
            limits: Limits::default(),
            stats: stats::Recorder::default(),
            next_action_id: 1,
            max: Default::default(),
        }
    }
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl State {
    /// The next generated user id, for the state file.
    pub(crate) fn next_user_id(&self) -> i64 {
        self.next_user_id
    }

    /// Continues ids after a saved state's, never below the clock's.
    pub(crate) fn restore_next_user_id(&mut self, saved: i64) {
        self.next_user_id = self.next_user_id.max(saved);
    }

    pub fn add_user(&mut self, new: view::NewUser) -> Result<User, String> {
        let id = match new.id {
            Some(id) if self.users.contains_key(&id) => {
                return Err(format!("user {id} already exists"));
            }
            Some(id) if id <= 0 => return Err("a user id must be positive".into()),
            Some(id) => id,
            None => {
                while self.users.contains_key(&self.next_user_id) {
                    self.next_user_id += 1;
                }
                self.next_user_id
            }
        };
        if new.first_name.trim().is_empty() {
            return Err("first_name must not be empty".into());
        }
        let user = User {
            id,
            first_name: new.first_name,
            last_name: new.last_name,
            username: new.username,
            language_code: new.language_code,
            phone_number: new.phone_number,
        };
        self.users.insert(id, UserEntry::new(user.clone()));
        Ok(user)
    }

    /// Creates `new.count` users with consecutive ids; returns the first.
    pub fn add_users(&mut self, new: &view::NewUsers) -> Result<i64, String> {
        if new.count == 0 || new.count > MAX_BULK_USERS {
            return Err(format!("count must be 1 to {MAX_BULK_USERS}"));
        }
        let count = i64::from(new.count);
        let first_id = match new.first_id {
            Some(id) if id <= 0 => return Err("a user id must be positive".into()),
            Some(id) => {
                let last = id
                    .checked_add(count - 1)
                    .ok_or("the ids run past i64::MAX")?;
                if let Some(taken) = self.users.range(id..=last).next() {
                    return Err(format!("user {} already exists", taken.0));
                }
                id
            }
            None => {
                // The first free run of `count` ids from the generator.
                let mut id = self.next_user_id;
                while let Some((&taken, _)) = self.users.range(id..id + count).next_back() {
                    id = taken + 1;
                }
                self.next_user_id = id + count;
                id
            }
        };
        let prefix = new.first_name_prefix.as_deref().unwrap_or("User ");
        for (number, id) in (first_id..first_id + count).enumerate() {
            let user = User {
                id,
                first_name: format!("{prefix}{}", number + 1),
                last_name: None,
                username: None,
                language_code: new.language_code.clone(),
                phone_number: None,
            };
            self.users.insert(id, UserEntry::new(user));
        }
        Ok(first_id)
    }

    /// Remembers a refused call for `GET /control/errors`.
    pub fn record_refused(&mut self, call: RefusedCall) {
        if self.refused.len() >= MAX_REFUSED_CALLS {
            self.refused.pop_front();
        }
        self.refused.push_back(call);
    }

    /// Queues an update unless the bot's `allowed_updates` excludes its kind
    /// (then Telegram would not have produced it either). Returns its id.
    pub fn push_update(&mut self, kind: &str, payload: Value) -> i64 {
        let update_id = self.next_update_id;
        self.next_update_id += 1;
        let allowed =
            self.allowed_updates.is_empty() || self.allowed_updates.iter().any(|k| k == kind);
        if allowed {
            let mut update = json!({ "update_id": update_id });
            update[kind] = payload;
            self.history.insert(update_id, update.clone());
            self.updates.push_back(update);
            self.updates_signal.send_replace(());
        }
        update_id
    }

    /// Applies getUpdates' `offset` (confirming and forgetting older updates)
    /// and returns up to `limit` pending ones.
    pub fn pending_updates(&mut self, offset: Option<i64>, limit: usize) -> Vec<Value> {
        match offset {
            Some(offset) if offset < 0 => {
                let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
                while self.updates.len() > keep {
                    self.updates.pop_front();
                }
            }
            Some(offset) => {
                while self
                    .updates
                    .front()
                    .is_some_and(|u| u["update_id"].as_i64() < Some(offset))
                {
                    self.updates.pop_front();
                }
            }
            None => {}
        }
        self.updates.iter().take(limit).cloned().collect()
    }

    /// Queues an already delivered update again, in its place by id, as
    /// Telegram does when the bot did not confirm it. A bot that asks with
    /// an offset past it never sees it; a restarted bot (no offset) does.
    /// False when there never was such an update.
    pub fn redeliver(&mut self, update_id: i64) -> bool {
        let Some(update) = self.history.get(&update_id).cloned() else {
            return false;
        };
        let position = self
            .updates
            .partition_point(|u| u["update_id"].as_i64() < Some(update_id));
        if self
            .updates
            .get(position)
            .and_then(|u| u["update_id"].as_i64())
            != Some(update_id)
        {
            self.updates.insert(position, update);
            self.updates_signal.send_replace(());
        }
        true
    }

    /// The pending updates, in order of id, with the pushing's lanes and
    /// the webhook (for `crate::webhook`, which needs them at once).
    pub(crate) fn webhook_parts(
        &mut self,
    ) -> (
        &VecDeque<Value>,
        &mut crate::delivery::Lanes,
        Option<&Webhook>,
    ) {
        (
            &self.updates,
            &mut self.webhook_lanes,
            self.webhook.as_ref(),
        )
    }

    /// The webhook acknowledged the update: it is gone, as one getUpdates
    /// confirmed by its offset is (the updates before it stay).
    pub(crate) fn acknowledge(&mut self, update_id: i64) {
        let position = self
            .updates
            .partition_point(|u| u["update_id"].as_i64() < Some(update_id));
        if self
            .updates
            .get(position)
            .is_some_and(|u| u["update_id"].as_i64() == Some(update_id))
        {
            self.updates.remove(position);
        }
    }

    pub fn pending_update_count(&self) -> usize {
        self.updates.len()
    }

    pub fn drop_pending_updates(&mut self) {
        self.updates.clear();
    }

    pub fn new_callback_id(&mut self) -> String {
        let number = self.next_callback_number;
        self.next_callback_number += 1;
        format!("{}{number:06}", rand::random::<u32>())
    }

    pub fn new_action_id(&mut self) -> u64 {
        let id = self.next_action_id;
        self.next_action_id += 1;
        id
    }

    /// Stores a file and returns its id.
    pub fn store_file(
        &mut self,
        kind: FileKind,
        file_name: Option<String>,
        mime_type: Option<String>,
        bytes: Bytes,
    ) -> String {
        let number = self.next_file_number;
        self.next_file_number += 1;
        let (prefix, folder) = match kind {
            FileKind::Document => ("BQACAgIAAxkBAAI", "documents"),
            FileKind::Photo => ("AgACAgIAAxkBAAI", "photos"),
        };
        let extension = match kind {
            FileKind::Photo => "jpg".to_owned(),
            FileKind::Document => file_name
                .as_deref()
                .and_then(|name| name.rsplit_once('.'))
                .map(|(_, ext)| ext.to_ascii_lowercase())
                .filter(|ext| !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()))
                .unwrap_or_else(|| "bin".to_owned()),
        };
        let file_id = format!("{prefix}{number:05}{:016x}", rand::random::<u64>());
        let dimensions = match kind {
            FileKind::Photo => crate::files::image_dimensions(&bytes),
            FileKind::Document => None,
        };
        let file_path = format!("{folder}/file_{number}.{extension}");
        self.file_paths.insert(file_path.clone(), file_id.clone());
        self.files.insert(
            file_id.clone(),
            StoredFile {
                file_id: file_id.clone(),
                file_unique_id: format!("AgAD{number:08}"),
                kind,
                file_name,
                mime_type,
                file_path,
                bytes,
                dimensions,
            },
        );
        file_id
    }
}

impl UserEntry {
    pub fn new(user: User) -> Self {
        UserEntry {
            user,
            blocked: false,
            chat: ChatState::new(),
            injected: VecDeque::new(),
            retry_not_before: None,
        }
    }

    /// Takes the next injected fault, if one is waiting.
    pub fn take_injected(&mut self) -> Option<Fault> {
        let (error, left) = self.injected.front_mut()?;
        let error = error.clone();
        *left -= 1;
        if *left == 0 {
            self.injected.pop_front();
        }
        Some(error)
    }

    /// The chat with only its newest `last` messages (`usize::MAX`: all):
    /// a load tool watching a long chat needs no copy of its whole history
    /// on every poll.
    pub fn view_last(&self, last: usize) -> view::Chat {
        let chat = &self.chat;
        let skip = chat.messages.len().saturating_sub(last);
        view::Chat {
            version: *chat.version.borrow(),
            chat_action: chat.chat_action.as_ref().map(|a| a.action.clone()),
            reply_keyboard: chat.reply_keyboard.clone(),
            messages: chat
                .messages
                .iter()
                .skip(skip)
                .map(|m| m.view.clone())
                .collect(),
        }
    }
}

impl ChatState {
    pub fn new() -> Self {
        ChatState {
            version: watch::Sender::new(0),
            messages: VecDeque::new(),
            reply_keyboard: None,
            chat_action: None,
            next_message_id: 1,
        }
    }

    /// Records a change: bumps the version and wakes the chat's long polls.
    pub fn touch(&mut self) {
        self.version.send_modify(|version| *version += 1);
    }

    /// The id the next message will take, for the state file.
    pub(crate) fn peek_next_message_id(&self) -> i64 {
        self.next_message_id
    }

    pub(crate) fn restore_next_message_id(&mut self, saved: i64) {
        self.next_message_id = saved.max(1);
    }

    pub fn next_message_id(&mut self) -> i64 {
        let id = self.next_message_id;
        self.next_message_id += 1;
        id
    }

    /// Adds a message; a bot message also ends the chat action, as in the
    /// Telegram apps.
    pub fn push(&mut self, message: StoredMessage) {
        if message.view.from == view::From::Bot {
            self.chat_action = None;
        }
        if self.messages.len() >= MAX_STORED_MESSAGES {
            self.messages.pop_front();
        }
        self.messages.push_back(message);
        self.touch();
    }

    /// The user sent what one of the reply keyboard's buttons sends: a
    /// one-time keyboard then hides, as in the Telegram apps.
    pub fn used_reply_keyboard(&mut self, is_pressed: impl Fn(&view::KeyboardButton) -> bool) {
        let hides = self.reply_keyboard.as_ref().is_some_and(|keyboard| {
            keyboard.one_time_keyboard && keyboard.keyboard.iter().flatten().any(&is_pressed)
        });
        if hides {
            self.reply_keyboard = None;
            self.touch();
        }
    }

    /// Where `message_id` is in `messages` (kept in order of id).
    fn position(&self, message_id: i64) -> Option<usize> {
        self.messages
            .binary_search_by_key(&message_id, |m| m.view.message_id)
            .ok()
    }

    pub fn message_mut(&mut self, message_id: i64) -> Option<&mut StoredMessage> {
        let position = self.position(message_id)?;
        Some(&mut self.messages[position]).filter(|m| !m.view.deleted)
    }

    pub fn message(&self, message_id: i64) -> Option<&StoredMessage> {
        let position = self.position(message_id)?;
        Some(&self.messages[position]).filter(|m| !m.view.deleted)
    }

    /// The message just pushed.
    pub fn newest(&self) -> &StoredMessage {
        self.messages.back().expect("a message was just pushed")
    }
}

impl StoredMessage {
    /// A new message with only the sender and date filled in.
    pub fn new(message_id: i64, from: view::From) -> Self {
        StoredMessage {
            view: ChatMessage {
                message_id,
                mid: None,
                from,
                date: now(),
                text: None,
                html: None,
                caption: None,
                edited: false,
                deleted: false,
                reply_markup: None,
                document: None,
                photo: None,
                contact: None,
                protect_content: false,
            },
            entities: Vec::new(),
            edit_date: None,
        }
    }
}
