//! While updates cannot be stored (PostgreSQL is down or unreachable),
//! the people writing are told so, once each, straight through the
//! messenger: nothing else of the bot works without the database, and a
//! silent bot looks broken. Their updates are not lost meanwhile (the
//! poller asks for them again, a webhook answers 503 and the messenger
//! sends them again), which is what the notice says.
//!
//! Kept in memory, per instance: a chat is told once until an update is
//! stored again, then once in the next outage. In the messenger's
//! language (the one chosen with /language is in the database).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use medcab_core::Language;
use medcab_core::channels::Messenger;
use medcab_core::inbox::Arrival;

use crate::chat::{self, Channel, ChatRef};
use crate::i18n::Texts;
use crate::max::types::Update as MaxUpdate;

/// At most this many chats are remembered as told; past it, an outage
/// tells nobody new (a flood of chats must not grow memory without end).
const TOLD_AT_MOST: usize = 20_000;

/// Notices on their way at once: the messenger's rate is the bot's, and
/// the bot is about to need it for the answers.
const SENDING_AT_ONCE: usize = 4;

#[derive(Clone)]
pub struct Outage {
    /// The messengers to tell through, once the bot has connected them.
    channels: Arc<OnceLock<Vec<Channel>>>,
    told: Arc<Mutex<HashSet<ChatRef>>>,
    sending: Arc<tokio::sync::Semaphore>,
}

impl Default for Outage {
    fn default() -> Outage {
        Outage {
            channels: Arc::default(),
            told: Arc::default(),
            sending: Arc::new(tokio::sync::Semaphore::new(SENDING_AT_ONCE)),
        }
    }
}

impl Outage {
    /// Tells through these from now on (set once, at start).
    pub fn tell_through(&self, channels: Vec<Channel>) {
        let _ = self.channels.set(channels);
    }

    /// Updates are stored again: the next outage tells everyone afresh.
    pub fn over(&self) {
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        if !told.is_empty() {
            tracing::info!(
                chats = told.len(),
                "updates are stored again after an outage"
            );
            told.clear();
        }
    }

    /// `arrivals` could not be stored: tells the chats not told yet, in
    /// the background (the webhook's 503 and the poller's retry do not
    /// wait for it).
    pub fn tell(&self, messenger: Messenger, arrivals: &[Arrival]) {
        let Some(channels) = self.channels.get() else {
            return;
        };
        let Some(channel) = channels.iter().find(|c| c.messenger() == messenger) else {
            return;
        };
        let mut to_tell = Vec::new();
        {
            let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
            for arrival in arrivals.iter().filter(|a| a.poison.is_none()) {
                let Some((chat, language)) = reader(messenger, &arrival.body) else {
                    continue;
                };
                if told.len() < TOLD_AT_MOST && told.insert(chat) {
                    to_tell.push((chat, language));
                }
            }
        }
        for (chat, language) in to_tell {
            let ui = channel.ui(chat.id);
            let sending = self.sending.clone();
            tokio::spawn(async move {
                let Ok(_turn) = sending.acquire_owned().await else {
                    return;
                };
                let text = Texts::new(language)
                    .on(messenger)
                    .msg("database-unavailable");
                if let Err(error) = ui.say(text).await {
                    tracing::warn!(%error, "cannot tell a chat about the outage");
                }
            });
        }
    }
}

/// The chat an update came from and the language its sender's messenger
/// reports.
fn reader(messenger: Messenger, body: &[u8]) -> Option<(ChatRef, Language)> {
    let incoming = match messenger {
        Messenger::Telegram => {
            chat::telegram::incoming(&serde_json::from_slice::<teloxide::types::Update>(body).ok()?)
        }
        Messenger::Max => chat::max::incoming(&serde_json::from_slice::<MaxUpdate>(body).ok()?),
    }?;
    Some((
        incoming.chat,
        Language::from_telegram(incoming.from.language.as_deref()),
    ))
}
