//! What the Max emulator remembers, under the sandbox's one lock
//! (`State::max`): Max users and their dialogs with the bot, the update
//! queue behind `GET /updates`' marker, uploads, callbacks, limits and
//! statistics.
//!
//! A dialog's messages are the same [`ChatState`] the Telegram side keeps,
//! so the control API and the web chat read a Max chat in the same shape
//! (`view::Chat`); the Max JSON is built from it (`shapes.rs`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::num::NonZeroU32;

use axum::body::Bytes;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::Value;
use tokio::sync::watch;

use super::error::MaxError;
use crate::state::ChatState;
use crate::stats;
use crate::view::{self, MaxUser, RefusedCall};

/// Max's documented pace for a bot: about 30 requests a second.
pub(crate) const DEFAULT_REQUESTS_PER_SECOND: u32 = 30;
/// Max passes a deep link's payload only up to this length; a longer one
/// is dropped (the bot gets `bot_started` without it).
pub(crate) const MAX_START_PAYLOAD: usize = 512;

pub(crate) struct MaxState {
    /// Keyed by the user's Max id.
    pub users: BTreeMap<i64, MaxUserEntry>,
    /// A dialog's chat id → its user's id.
    pub chats: HashMap<i64, i64>,
    next_user_id: i64,
    next_chat_id: i64,
    /// Updates not yet confirmed by a marker, each with its number.
    updates: VecDeque<(i64, Value)>,
    next_update: i64,
    /// The marker the bot last passed; a poll without one goes on from here.
    confirmed: i64,
    pub updates_signal: watch::Sender<()>,
    /// The bot's webhook (`POST /subscriptions`): updates are then pushed
    /// to it (`super::webhook`) and `GET /updates` is refused.
    pub subscription: Option<Subscription>,
    /// The pushing's dialogs in flight or waiting to retry.
    pub lanes: crate::delivery::Lanes,
    /// Upload URLs given out and not used yet: id → (type, token).
    pub uploads: HashMap<String, (UploadKind, String)>,
    /// Uploaded files by token (what attachments carry).
    pub files: HashMap<String, MaxFile>,
    next_file_number: i64,
    pub callbacks: HashMap<String, Callback>,
    pub refused: VecDeque<RefusedCall>,
    pub enforce_limits: bool,
    pub limits: Limiter,
    pub stats: stats::Recorder,
    next_action_id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadKind {
    Image,
    Video,
    Audio,
    File,
}

impl UploadKind {
    pub fn parse(kind: &str) -> Option<UploadKind> {
        match kind {
            "image" => Some(UploadKind::Image),
            "video" => Some(UploadKind::Video),
            "audio" => Some(UploadKind::Audio),
            "file" => Some(UploadKind::File),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            UploadKind::Image => "image",
            UploadKind::Video => "video",
            UploadKind::Audio => "audio",
            UploadKind::File => "file",
        }
    }
}

pub(crate) struct MaxFile {
    pub kind: UploadKind,
    /// Also the `photo_id` of an image.
    pub number: i64,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub bytes: Bytes,
}

pub(crate) struct Callback {
    pub user_id: i64,
    /// The message (its seq) the button was on; none for a forged press
    /// on no message.
    pub message: Option<i64>,
    pub answer: view::CallbackAnswer,
}

/// What `POST /subscriptions` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    pub url: String,
    /// Empty: every type.
    pub update_types: Vec<String>,
    pub secret: Option<String>,
    /// When it was made, in milliseconds.
    pub time: i64,
}

impl Subscription {
    pub fn wants(&self, update: &Value) -> bool {
        self.update_types.is_empty()
            || update["update_type"]
                .as_str()
                .is_some_and(|kind| self.update_types.iter().any(|t| t == kind))
    }
}

pub(crate) struct MaxUserEntry {
    pub user: MaxUser,
    pub blocked: bool,
    pub chat: ChatState,
    pub injected: VecDeque<(MaxError, u32)>,
}

impl MaxUserEntry {
    pub fn new(user: MaxUser) -> Self {
        MaxUserEntry {
            user,
            blocked: false,
            chat: ChatState::new(),
            injected: VecDeque::new(),
        }
    }

    pub fn take_injected(&mut self) -> Option<MaxError> {
        let (error, left) = self.injected.front_mut()?;
        let error = error.clone();
        *left -= 1;
        if *left == 0 {
            self.injected.pop_front();
        }
        Some(error)
    }

    pub fn view(&self) -> view::Chat {
        let chat = &self.chat;
        view::Chat {
            version: *chat.version.borrow(),
            chat_action: chat.chat_action.as_ref().map(|a| a.action.clone()),
            reply_keyboard: None,
            messages: chat.messages.iter().map(|m| m.view.clone()).collect(),
        }
    }
}

/// The bot's request budget: one bucket of a second's worth.
pub(crate) struct Limiter {
    per_second: NonZeroU32,
    bucket: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

impl Limiter {
    pub fn new(per_second: NonZeroU32) -> Self {
        Limiter {
            per_second,
            bucket: RateLimiter::direct(Quota::per_second(per_second)),
            clock: DefaultClock::default(),
        }
    }

    pub fn per_second(&self) -> NonZeroU32 {
        self.per_second
    }

    /// Takes one request, or says how many whole seconds to wait (at least 1).
    pub fn check(&self) -> Result<(), u64> {
        let now = self.clock.now();
        self.bucket.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(now).as_secs_f64().ceil().max(1.0);
            // A second's worth of budget: the wait is a second or two.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let wait = wait as u64;
            wait
        })
    }
}

pub(crate) fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Default for MaxState {
    fn default() -> Self {
        // Max ids are not Telegram's: they start from the clock in
        // microseconds (Telegram's user ids from milliseconds), so the two
        // never meet and a restarted sandbox never reuses one the bot's
        // database remembers. Chat ids of dialogs count in their own range.
        let micros = chrono::Utc::now().timestamp_micros();
        MaxState {
            users: BTreeMap::new(),
            chats: HashMap::new(),
            next_user_id: micros,
            next_chat_id: micros + CHAT_ID_OFFSET,
            updates: VecDeque::new(),
            // Markers from the clock too: a bot's marker saved before a
            // sandbox restart is never ahead of the new queue's.
            next_update: now_millis(),
            confirmed: 0,
            updates_signal: watch::Sender::new(()),
            subscription: None,
            lanes: Default::default(),
            uploads: HashMap::new(),
            files: HashMap::new(),
            next_file_number: 1,
            callbacks: HashMap::new(),
            refused: VecDeque::new(),
            enforce_limits: false,
            limits: Limiter::new(
                NonZeroU32::new(DEFAULT_REQUESTS_PER_SECOND).expect("a positive rate"),
            ),
            stats: stats::Recorder::default(),
            next_action_id: 1,
        }
    }
}

/// Dialog chat ids sit this far above user ids, so a chat id is never
/// taken for a user id or the other way round.
const CHAT_ID_OFFSET: i64 = 1_000_000_000_000_000_000;

impl MaxState {
    pub(crate) fn next_ids(&self) -> (i64, i64) {
        (self.next_user_id, self.next_chat_id)
    }

    pub(crate) fn restore_next_ids(&mut self, (user, chat): (i64, i64)) {
        self.next_user_id = self.next_user_id.max(user);
        self.next_chat_id = self.next_chat_id.max(chat);
    }

    pub fn add_user(&mut self, new: view::NewUser) -> Result<MaxUser, String> {
        let id = match new.id {
            Some(id) if self.users.contains_key(&id) => {
                return Err(format!("Max user {id} already exists"));
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
        while self.chats.contains_key(&self.next_chat_id) {
            self.next_chat_id += 1;
        }
        let chat_id = self.next_chat_id;
        self.next_chat_id += 1;
        let user = MaxUser {
            id,
            chat_id,
            first_name: new.first_name,
            last_name: new.last_name,
            username: new.username,
            language_code: new.language_code,
            phone_number: new.phone_number,
        };
        self.insert(MaxUserEntry::new(user.clone()));
        Ok(user)
    }

    /// Creates `new.count` users with consecutive ids; returns the first.
    pub fn add_users(&mut self, new: &view::NewUsers) -> Result<i64, String> {
        if new.count == 0 || new.count > crate::state::MAX_BULK_USERS {
            return Err(format!(
                "count must be 1 to {}",
                crate::state::MAX_BULK_USERS
            ));
        }
        let count = i64::from(new.count);
        let first_id = match new.first_id {
            Some(id) if id <= 0 => return Err("a user id must be positive".into()),
            Some(id) => {
                let last = id
                    .checked_add(count - 1)
                    .ok_or("the ids run past i64::MAX")?;
                if let Some(taken) = self.users.range(id..=last).next() {
                    return Err(format!("Max user {} already exists", taken.0));
                }
                id
            }
            None => {
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
            while self.chats.contains_key(&self.next_chat_id) {
                self.next_chat_id += 1;
            }
            let chat_id = self.next_chat_id;
            self.next_chat_id += 1;
            self.insert(MaxUserEntry::new(MaxUser {
                id,
                chat_id,
                first_name: format!("{prefix}{}", number + 1),
                last_name: None,
                username: None,
                language_code: new.language_code.clone(),
                phone_number: None,
            }));
        }
        Ok(first_id)
    }

    pub(crate) fn insert(&mut self, entry: MaxUserEntry) {
        self.chats.insert(entry.user.chat_id, entry.user.id);
        self.users.insert(entry.user.id, entry);
    }

    /// The user whose dialog `chat_id` is.
    pub fn user_of_chat(&self, chat_id: i64) -> Option<i64> {
        self.chats.get(&chat_id).copied()
    }

    pub fn record_refused(&mut self, call: RefusedCall) {
        if self.refused.len() >= crate::state::MAX_REFUSED_CALLS {
            self.refused.pop_front();
        }
        self.refused.push_back(call);
    }

    /// Queues an update (its `update_type` says its kind) unless the
    /// subscription leaves its type out; returns its number.
    pub fn push_update(&mut self, update: Value) -> i64 {
        let number = self.next_update;
        self.next_update += 1;
        // A subscription that does not want its type never gets it.
        if self.subscription.as_ref().is_none_or(|s| s.wants(&update)) {
            self.updates.push_back((number, update));
            self.updates_signal.send_replace(());
        }
        number
    }

    /// `GET /updates`: confirms everything before `marker` (or before the
    /// marker last passed, when none is), then returns up to `limit`
    /// updates of the wanted `types` and the marker to pass next.
    pub fn poll(
        &mut self,
        marker: Option<i64>,
        limit: usize,
        types: &[String],
    ) -> (Vec<Value>, i64) {
        if let Some(marker) = marker {
            self.confirmed = marker;
        }
        let confirmed = self.confirmed;
        while self.updates.front().is_some_and(|(n, _)| *n < confirmed) {
            self.updates.pop_front();
        }
        let wanted = |update: &Value| {
            types.is_empty()
                || update["update_type"]
                    .as_str()
                    .is_some_and(|kind| types.iter().any(|t| t == kind))
        };
        // Updates of unwanted types are passed over with the wanted ones
        // after them (a poll asking for other types never sees them); with
        // nothing wanted the marker stays.
        let mut next = self
            .updates
            .front()
            .map_or(self.next_update, |(n, _)| *n)
            .max(confirmed);
        let mut found = Vec::new();
        for (number, update) in &self.updates {
            if found.len() >= limit {
                break;
            }
            if wanted(update) {
                found.push(update.clone());
                next = number + 1;
            }
        }
        (found, next)
    }

    /// The pending updates with the pushing's lanes, the subscription and
    /// the users (for `super::webhook`, which needs them at once).
    #[allow(clippy::type_complexity)]
    pub(crate) fn webhook_parts(
        &mut self,
    ) -> (
        &VecDeque<(i64, Value)>,
        &mut crate::delivery::Lanes,
        Option<&Subscription>,
        &BTreeMap<i64, MaxUserEntry>,
    ) {
        (
            &self.updates,
            &mut self.lanes,
            self.subscription.as_ref(),
            &self.users,
        )
    }

    /// The webhook acknowledged update `number`: it is gone (those before
    /// it stay for their own acknowledgement).
    pub(crate) fn acknowledge(&mut self, number: i64) {
        let position = self.updates.partition_point(|(n, _)| *n < number);
        if self
            .updates
            .get(position)
            .is_some_and(|(n, _)| *n == number)
        {
            self.updates.remove(position);
        }
    }

    /// Drops the pending updates the subscription does not want: it never
    /// sends them, as a poll asking for other types passes over them.
    pub(crate) fn drop_unwanted(&mut self) {
        if let Some(subscription) = &self.subscription
            && !subscription.update_types.is_empty()
        {
            self.updates
                .retain(|(_, update)| subscription.wants(update));
        }
    }

    pub fn new_upload(&mut self, kind: UploadKind) -> (String, String) {
        let id = format!(
            "{:016x}{:08x}",
            rand::random::<u64>(),
            rand::random::<u32>()
        );
        let token = format!("max-{}-{:024x}", kind.name(), rand::random::<u128>() >> 32);
        self.uploads.insert(id.clone(), (kind, token.clone()));
        (id, token)
    }

    /// Keeps a file under `token` and returns its number.
    pub fn store_file(
        &mut self,
        token: String,
        kind: UploadKind,
        file_name: Option<String>,
        mime_type: Option<String>,
        bytes: Bytes,
    ) -> i64 {
        let number = self.next_file_number;
        self.next_file_number += 1;
        self.files.insert(
            token,
            MaxFile {
                kind,
                number,
                file_name,
                mime_type,
                bytes,
            },
        );
        number
    }

    pub fn new_callback_id(&mut self) -> String {
        format!("cb.{:032x}", rand::random::<u128>())
    }

    pub fn new_action_id(&mut self) -> u64 {
        let id = self.next_action_id;
        self.next_action_id += 1;
        id
    }
}

/// A message id as Max spells it: `mid.` and the chat id and sequence
/// number in hex, so the message's chat is found from the id alone.
pub(crate) fn mid(chat_id: i64, seq: i64) -> String {
    format!(
        "mid.{:016x}{:016x}",
        chat_id.cast_unsigned(),
        seq.cast_unsigned()
    )
}

/// The chat id and sequence number a `mid` names.
pub(crate) fn parse_mid(mid: &str) -> Option<(i64, i64)> {
    let hex = mid.strip_prefix("mid.")?;
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let chat = u64::from_str_radix(&hex[..16], 16).ok()?.cast_signed();
    let seq = u64::from_str_radix(&hex[16..], 16).ok()?.cast_signed();
    Some((chat, seq))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn mids_name_their_chat_and_number() {
        let id = mid(1_000_001_764_000_000_000, 7);
        assert_eq!(parse_mid(&id), Some((1_000_001_764_000_000_000, 7)));
        assert_eq!(parse_mid("mid.xyz"), None);
        assert_eq!(parse_mid("7"), None);
    }

    #[test]
    fn the_marker_confirms_and_nothing_is_lost_or_repeated() {
        let mut state = MaxState::default();
        let first = state.push_update(json!({"update_type": "message_created", "n": 1}));
        state.push_update(json!({"update_type": "bot_started", "n": 2}));
        state.push_update(json!({"update_type": "message_created", "n": 3}));

        let (updates, marker) = state.poll(None, 2, &[]);
        assert_eq!(updates.len(), 2);
        assert_eq!(marker, first + 2);
        // The answer got lost: asking again without the new marker repeats it.
        let (again, _) = state.poll(None, 2, &[]);
        assert_eq!(again, updates);
        let (rest, marker) = state.poll(Some(marker), 100, &[]);
        assert_eq!(rest, [json!({"update_type": "message_created", "n": 3})]);
        let (none, same) = state.poll(Some(marker), 100, &[]);
        assert!(none.is_empty());
        assert_eq!(same, marker);
    }

    #[test]
    fn types_filter_without_confirming_the_others() {
        let mut state = MaxState::default();
        state.push_update(json!({"update_type": "bot_started"}));
        let second = state.push_update(json!({"update_type": "message_created"}));
        let types = ["message_created".to_owned()];
        let (updates, marker) = state.poll(None, 100, &types);
        assert_eq!(updates.len(), 1);
        assert_eq!(marker, second + 1);
    }
}
