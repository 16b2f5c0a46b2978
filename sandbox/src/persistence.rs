//! Users and their chats kept in a file, so a sandbox started again (the
//! demo's `medcab sandbox`) shows the same people and conversations the
//! bot's database remembers. Pending updates, files and callback queries
//! are not kept: the bot has taken or answered them, or they are stale.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::max::state::MaxUserEntry;
use crate::state::{Shared, State, StoredMessage, UserEntry};
use crate::view::{ChatMessage, MaxUser, ReplyKeyboard, User};

/// What the file holds; `version` changes when its shape does.
#[derive(Serialize, Deserialize)]
struct Saved {
    version: u32,
    next_user_id: i64,
    users: Vec<SavedUser>,
    /// Absent in files written before the Max emulator.
    #[serde(default)]
    max: Option<SavedMax>,
}

#[derive(Serialize, Deserialize)]
struct SavedMax {
    next_user_id: i64,
    next_chat_id: i64,
    users: Vec<SavedMaxUser>,
}

#[derive(Serialize, Deserialize)]
struct SavedMaxUser {
    user: MaxUser,
    blocked: bool,
    messages: Vec<SavedMessage>,
    next_message_id: i64,
}

#[derive(Serialize, Deserialize)]
struct SavedUser {
    user: User,
    blocked: bool,
    messages: Vec<SavedMessage>,
    reply_keyboard: Option<ReplyKeyboard>,
    next_message_id: i64,
}

#[derive(Serialize, Deserialize)]
struct SavedMessage {
    view: ChatMessage,
    entities: Vec<Value>,
    edit_date: Option<i64>,
}

const VERSION: u32 = 1;

/// How often a changed state is written; a crash loses at most this much.
const SAVE_EVERY: Duration = Duration::from_secs(2);

/// Restores users and chats from `path`, if it exists.
pub(crate) fn load(path: &Path, state: &mut State) -> anyhow::Result<()> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let saved: Saved = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a sandbox state file (remove it, or start with --reset)",
            path.display()
        )
    })?;
    anyhow::ensure!(
        saved.version == VERSION,
        "{} was written by another version of the sandbox (remove it, or start with --reset)",
        path.display()
    );
    state.restore_next_user_id(saved.next_user_id);
    for saved_user in saved.users {
        let mut entry = UserEntry::new(saved_user.user);
        entry.blocked = saved_user.blocked;
        entry.chat.reply_keyboard = saved_user.reply_keyboard;
        entry.chat.messages = saved_user
            .messages
            .into_iter()
            .map(|m| StoredMessage {
                view: m.view,
                entities: m.entities,
                edit_date: m.edit_date,
            })
            .collect::<VecDeque<_>>();
        entry
            .chat
            .restore_next_message_id(saved_user.next_message_id);
        state.users.insert(entry.user.id, entry);
    }
    if let Some(max) = saved.max {
        state
            .max
            .restore_next_ids((max.next_user_id, max.next_chat_id));
        for saved_user in max.users {
            let mut entry = MaxUserEntry::new(saved_user.user);
            entry.blocked = saved_user.blocked;
            entry.chat.messages = saved_user.messages.into_iter().map(restore).collect();
            entry
                .chat
                .restore_next_message_id(saved_user.next_message_id);
            state.max.insert(entry);
        }
    }
    Ok(())
}

fn restore(m: SavedMessage) -> StoredMessage {
    StoredMessage {
        view: m.view,
        entities: m.entities,
        edit_date: m.edit_date,
    }
}

fn saved(m: &StoredMessage) -> SavedMessage {
    SavedMessage {
        view: m.view.clone(),
        entities: m.entities.clone(),
        edit_date: m.edit_date,
    }
}

fn snapshot(state: &State) -> Vec<u8> {
    let saved = Saved {
        version: VERSION,
        next_user_id: state.next_user_id(),
        users: state
            .users
            .values()
            .map(|entry| SavedUser {
                user: entry.user.clone(),
                blocked: entry.blocked,
                messages: entry
                    .chat
                    .messages
                    .iter()
                    .map(|m| SavedMessage {
                        view: m.view.clone(),
                        entities: m.entities.clone(),
                        edit_date: m.edit_date,
                    })
                    .collect(),
                reply_keyboard: entry.chat.reply_keyboard.clone(),
                next_message_id: entry.chat.peek_next_message_id(),
            })
            .collect(),
        max: Some(SavedMax {
            next_user_id: state.max.next_ids().0,
            next_chat_id: state.max.next_ids().1,
            users: state
                .max
                .users
                .values()
                .map(|entry| SavedMaxUser {
                    user: entry.user.clone(),
                    blocked: entry.blocked,
                    messages: entry.chat.messages.iter().map(saved).collect(),
                    next_message_id: entry.chat.peek_next_message_id(),
                })
                .collect(),
        }),
    };
    serde_json::to_vec(&saved).unwrap_or_default()
}

/// Writes the state whenever it changed, every [`SAVE_EVERY`], until the
/// sandbox shuts down; then once more.
pub(crate) async fn keep_saved(shared: Arc<Shared>, path: PathBuf) {
    let mut last = Vec::new();
    loop {
        let stop = tokio::select! {
            _ = shared.shutdown.cancelled() => true,
            _ = tokio::time::sleep(SAVE_EVERY) => false,
        };
        let bytes = snapshot(&*shared.state.lock().await);
        if bytes != last {
            match write_atomically(&path, &bytes) {
                Ok(()) => last = bytes,
                Err(error) => {
                    tracing::warn!(%error, path = %path.display(), "cannot save the sandbox's users")
                }
            }
        }
        if stop {
            return;
        }
    }
}

/// A crash mid-write leaves the previous file, never half of one. The
/// chats hold whatever was typed in them: readable by their owner only.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let temporary = path.with_extension("tmp");
    // A leftover keeps its old mode when opened; a new file gets 0600.
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)
}
