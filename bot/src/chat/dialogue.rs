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

/// One chat's position in a conversation, of type `S`.
pub struct Dialogue<S> {
    positions: Arc<Positions>,
    chat: ChatRef,
    state: PhantomData<fn() -> S>,
}

impl<S> Clone for Dialogue<S> {
    fn clone(&self) -> Self {
        Dialogue {
            positions: self.positions.clone(),
            chat: self.chat,
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
    pub fn new(positions: Arc<Positions>, chat: ChatRef) -> Dialogue<S> {
        Dialogue {
            positions,
            chat,
            state: PhantomData,
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
        let Some(value) = self.positions.get(self.chat).await? else {
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
        forgive(self.chat, self.positions.set(self.chat, value).await)
    }

    /// Leaves the conversation: the chat is idle.
    pub async fn exit(&self) -> Result<(), PositionError> {
        forgive(self.chat, self.positions.remove(self.chat).await)
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
