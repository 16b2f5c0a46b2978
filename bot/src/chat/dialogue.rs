//! Where each chat's position in a conversation is kept.
//!
//! Redis, because a position may be lost: a flush costs a user the step
//! they were on, never data (that is in PostgreSQL). Keys carry a prefix, so
//! several deployments or parallel tests share one Redis, and expire, so a
//! user who goes silent does not come back to a half-finished question
//! weeks later.
//!
//! Redis may also be down or slow; the bot must go on answering. So every
//! call here gives up after [`REDIS_TIMEOUT`]; a failed write is logged and
//! forgotten (the position is lost, as in a flush: the user starts that
//! step again, the draft in PostgreSQL keeps what was typed); a failed read
//! is an error the route table turns into the default position (Idle),
//! telling the user once per outage that their place in the conversation
//! could not be restored ([`LostPositions`]).
//!
//! **An update handled again starts where it first started.** The first
//! write of a position by an update keeps, in the same Redis transaction,
//! the position it replaced and the update's id (the chat's *undo*). An
//! instance that dies after the write but before the update is marked
//! handled leaves the chat one step on; the instance that takes the chat
//! over puts the position back ([`Positions::undo`]) before handling the
//! update again, so a typed answer is applied to the step it answered, not
//! also to the next one. Each chat is handled by one instance at a time
//! (the inbox's lease), so the read of the old position and the write are
//! not raced.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{ChatRef, Messenger};

/// How long an untouched conversation position is kept.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a Redis call may take before it counts as failed: every update
/// waits for its position, so a hung Redis must not hang the bot.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum PositionError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {REDIS_TIMEOUT:?}")]
    Timeout,
    #[error("a position does not encode: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The store of every chat's position.
pub enum Positions {
    Redis {
        redis: ConnectionManager,
        prefix: String,
        ttl: Duration,
    },
    /// For a bot without Redis (a quick local run): positions live as long
    /// as the process.
    Memory(Mutex<HashMap<String, String>>),
}

impl Positions {
    pub fn redis(redis: ConnectionManager, prefix: impl Into<String>) -> Arc<Positions> {
        Arc::new(Positions::Redis {
            redis,
            prefix: prefix.into(),
            ttl: DEFAULT_TTL,
        })
    }

    pub fn memory() -> Arc<Positions> {
        Arc::new(Positions::Memory(Mutex::default()))
    }

    /// A chat's key. Telegram's keep the form they had before Max came.
    fn key(&self, chat: ChatRef) -> String {
        let prefix = match self {
            Positions::Redis { prefix, .. } => prefix.as_str(),
            Positions::Memory(_) => "",
        };
        match chat.messenger {
            Messenger::Telegram => format!("{prefix}dialogue:{}", chat.id),
            Messenger::Max => format!("{prefix}dialogue:max:{}", chat.id),
        }
    }

    async fn get(&self, chat: ChatRef) -> Result<Option<String>, PositionError> {
        let key = self.key(chat);
        match self {
            Positions::Redis { redis, .. } => bounded(redis.clone().get(key)).await,
            Positions::Memory(map) => Ok(lock(map).get(&key).cloned()),
        }
    }

    async fn set(&self, chat: ChatRef, value: String) -> Result<(), PositionError> {
        let key = self.key(chat);
        match self {
            Positions::Redis { redis, ttl, .. } => {
                bounded(redis.clone().set_ex::<_, _, ()>(key, value, ttl.as_secs())).await
            }
            Positions::Memory(map) => {
                lock(map).insert(key, value);
                Ok(())
            }
        }
    }

    async fn remove(&self, chat: ChatRef) -> Result<(), PositionError> {
        let key = self.key(chat);
        match self {
            Positions::Redis { redis, .. } => bounded(redis.clone().del::<_, ()>(key)).await,
            Positions::Memory(map) => {
                lock(map).remove(&key);
                Ok(())
            }
        }
    }

    /// The key of a chat's undo: the update that last moved its position,
    /// and the position before.
    fn undo_key(&self, chat: ChatRef) -> String {
        format!("{}:undo", self.key(chat))
    }

    /// Writes `value` (`None`: removes the position), keeping in the same
    /// transaction `previous` as the undo of `update`.
    async fn set_keeping_undo(
        &self,
        chat: ChatRef,
        value: Option<String>,
        update: i64,
        previous: Option<&str>,
    ) -> Result<(), PositionError> {
        let (key, undo_key) = (self.key(chat), self.undo_key(chat));
        let undo = format!("{update}\n{}", previous.unwrap_or(""));
        match self {
            Positions::Redis { redis, ttl, .. } => {
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .set_ex(&undo_key, undo, ttl.as_secs())
                    .ignore();
                match value {
                    Some(value) => pipe.set_ex(&key, value, ttl.as_secs()).ignore(),
                    None => pipe.del(&key).ignore(),
                };
                bounded(pipe.query_async::<()>(&mut redis.clone())).await
            }
            Positions::Memory(map) => {
                let mut map = lock(map);
                map.insert(undo_key, undo);
                match value {
                    Some(value) => map.insert(key, value),
                    None => map.remove(&key),
                };
                Ok(())
            }
        }
    }

    /// Puts back the position `update` replaced, if `update` was the last
    /// to move it (it is being handled again: its instance died after
    /// moving it); whether it did.
    pub async fn undo(&self, chat: ChatRef, update: i64) -> Result<bool, PositionError> {
        let undo_key = self.undo_key(chat);
        let kept = match self {
            Positions::Redis { redis, .. } => {
                bounded(redis.clone().get::<_, Option<String>>(&undo_key)).await?
            }
            Positions::Memory(map) => lock(map).get(&undo_key).cloned(),
        };
        let Some(previous) = kept.as_deref().and_then(|kept| {
            let (by, previous) = kept.split_once('\n')?;
            (by.parse() == Ok(update)).then_some(previous)
        }) else {
            return Ok(false);
        };
        match previous {
            "" => self.remove(chat).await?,
            previous => self.set(chat, previous.to_owned()).await?,
        }
        Ok(true)
    }

    /// Removes the position and its undo (/forget: nothing keyed by the
    /// chat is left).
    async fn erase(&self, chat: ChatRef) -> Result<(), PositionError> {
        let (key, undo_key) = (self.key(chat), self.undo_key(chat));
        match self {
            Positions::Redis { redis, .. } => {
                bounded(redis.clone().del::<_, ()>(&[key, undo_key])).await
            }
            Positions::Memory(map) => {
                let mut map = lock(map);
                map.remove(&key);
                map.remove(&undo_key);
                Ok(())
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `call` within [`REDIS_TIMEOUT`].
async fn bounded<T>(call: impl Future<Output = redis::RedisResult<T>>) -> Result<T, PositionError> {
    match tokio::time::timeout(REDIS_TIMEOUT, call).await {
        Ok(answer) => Ok(answer?),
        Err(_elapsed) => Err(PositionError::Timeout),
    }
}

/// A write that failed: the position is lost, as in a flush, and the
/// update is still answered.
fn forgive(chat: ChatRef, result: Result<(), PositionError>) -> Result<(), PositionError> {
    if let Err(error) = result {
        tracing::warn!(chat_id = chat.id, %error, "cannot keep a conversation position");
    }
    Ok(())
}

/// One chat's position in a conversation, of type `S`, as one update
/// sees and moves it.
pub struct Dialogue<S> {
    positions: Arc<Positions>,
    chat: ChatRef,
    /// The update being handled, whose first write keeps the undo.
    update: Option<i64>,
    /// The position as this update first read it (`Some(None)`: none),
    /// until its first write has kept it as the undo.
    before: Arc<Mutex<Before>>,
    state: PhantomData<fn() -> S>,
}

/// What a [`Dialogue`]'s first write keeps as the undo.
#[derive(Default)]
enum Before {
    /// Not read yet: the first write reads it.
    #[default]
    Unread,
    Read(Option<String>),
    /// Kept (or no update to keep it for).
    Kept,
}

impl<S> Clone for Dialogue<S> {
    fn clone(&self) -> Self {
        Dialogue {
            positions: self.positions.clone(),
            chat: self.chat,
            update: self.update,
            before: self.before.clone(),
            state: PhantomData,
        }
    }
}

impl<S> std::fmt::Debug for Dialogue<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialogue")
            .field("chat", &self.chat)
            .finish()
    }
}

impl<S: Serialize + DeserializeOwned> Dialogue<S> {
    /// The position outside any update's handling: its writes keep no
    /// undo.
    pub fn new(positions: Arc<Positions>, chat: ChatRef) -> Dialogue<S> {
        Dialogue {
            positions,
            chat,
            update: None,
            before: Arc::new(Mutex::new(Before::Kept)),
            state: PhantomData,
        }
    }

    /// The position as update `update` sees it: its first write keeps the
    /// undo ([`Positions::undo`]).
    pub fn for_update(positions: Arc<Positions>, chat: ChatRef, update: i64) -> Dialogue<S> {
        Dialogue {
            update: Some(update),
            before: Arc::default(),
            ..Dialogue::new(positions, chat)
        }
    }

    pub fn chat(&self) -> ChatRef {
        self.chat
    }

    /// The position, `None` when there is none. An error only when the
    /// store cannot be read; a position written by an older version of the
    /// bot reads as none (the user starts afresh rather than fail every
    /// update).
    pub async fn get(&self) -> Result<Option<S>, PositionError> {
        let value = self.positions.get(self.chat).await?;
        {
            let mut before = lock(&self.before);
            if matches!(*before, Before::Unread) {
                *before = Before::Read(value.clone());
            }
        }
        let Some(value) = value else {
            return Ok(None);
        };
        match serde_json::from_str(&value) {
            Ok(state) => Ok(Some(state)),
            Err(error) => {
                tracing::warn!(chat_id = self.chat.id, %error, "dropping an undecodable dialogue");
                Ok(None)
            }
        }
    }

    pub async fn update(&self, state: impl Into<S>) -> Result<(), PositionError> {
        let value = serde_json::to_string(&state.into())?;
        forgive(self.chat, self.write(Some(value)).await)
    }

    /// Leaves the conversation: the chat is idle.
    pub async fn exit(&self) -> Result<(), PositionError> {
        forgive(self.chat, self.write(None).await)
    }

    /// Removes the position and its undo: nothing in Redis names the chat
    /// (/forget).
    pub async fn erase(&self) -> Result<(), PositionError> {
        forgive(self.chat, self.positions.erase(self.chat).await)
    }

    /// The first write of an update keeps the undo with it; later ones
    /// only write.
    async fn write(&self, value: Option<String>) -> Result<(), PositionError> {
        let Some(update) = self.update else {
            return self.plain_write(value).await;
        };
        let before = std::mem::replace(&mut *lock(&self.before), Before::Kept);
        let previous = match before {
            Before::Kept => return self.plain_write(value).await,
            Before::Read(previous) => previous,
            Before::Unread => match self.positions.get(self.chat).await {
                Ok(previous) => previous,
                Err(error) => {
                    *lock(&self.before) = Before::Unread;
                    return Err(error);
                }
            },
        };
        let written = self
            .positions
            .set_keeping_undo(self.chat, value, update, previous.as_deref())
            .await;
        if written.is_err() {
            // Not written: the next write keeps the undo.
            *lock(&self.before) = Before::Read(previous);
        }
        written
    }

    async fn plain_write(&self, value: Option<String>) -> Result<(), PositionError> {
        match value {
            Some(value) => self.positions.set(self.chat, value).await,
            None => self.positions.remove(self.chat).await,
        }
    }
}

/// Chats told, during the current outage, that their position could not
/// be read: told once, not on every update. A chat leaves it when its
/// position reads again.
#[derive(Clone, Default)]
pub struct LostPositions(Arc<Mutex<HashSet<ChatRef>>>);

impl LostPositions {
    /// Whether this chat is to be told now (the first failure it meets).
    pub fn first(&self, chat: ChatRef) -> bool {
        lock(&self.0).insert(chat)
    }

    pub fn recovered(&self, chat: ChatRef) {
        let mut lost = lock(&self.0);
        if !lost.is_empty() {
            lost.remove(&chat);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat() -> ChatRef {
        ChatRef {
            messenger: Messenger::Telegram,
            id: 7001,
        }
    }

    #[tokio::test]
    async fn an_update_handled_again_starts_from_the_position_it_first_found() {
        let positions = Positions::memory();
        let step = |update| Dialogue::<u32>::for_update(positions.clone(), chat(), update);
        // Update 1 starts the conversation, update 2 moves it on twice.
        let first = step(1);
        assert_eq!(first.get().await.unwrap(), None);
        first.update(1u32).await.unwrap();
        let second = step(2);
        assert_eq!(second.get().await.unwrap(), Some(1));
        second.update(2u32).await.unwrap();
        second.update(3u32).await.unwrap();
        // Update 1 is not the last to have moved it: nothing to undo.
        assert!(!positions.undo(chat(), 1).await.unwrap());
        // Update 2's instance died before marking it handled: back to
        // where update 2 found it, not to its intermediate write.
        assert!(positions.undo(chat(), 2).await.unwrap());
        assert_eq!(step(2).get().await.unwrap(), Some(1));

        // An update that left the conversation is undone too, and one
        // that started it from nothing goes back to nothing.
        let third = step(3);
        third.exit().await.unwrap();
        assert!(positions.undo(chat(), 3).await.unwrap());
        assert_eq!(step(3).get().await.unwrap(), Some(1));
        let fresh = ChatRef { id: 7002, ..chat() };
        let started = Dialogue::<u32>::for_update(positions.clone(), fresh, 9);
        started.update(5u32).await.unwrap();
        assert!(positions.undo(fresh, 9).await.unwrap());
        assert_eq!(started.get().await.unwrap(), None);

        // Erased: no key of the chat is left.
        step(4).erase().await.unwrap();
        assert!(!positions.undo(chat(), 3).await.unwrap());
        let Positions::Memory(map) = &*positions else {
            unreachable!()
        };
        assert!(lock(map).keys().all(|key| !key.contains("7001")));
    }
}
