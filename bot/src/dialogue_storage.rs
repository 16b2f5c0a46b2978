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
//! is an error [`enter`] turns into the default position (Idle), telling
//! the user once per outage that their place in the conversation could not
//! be restored. teloxide's own `enter_dialogue` would drop the update
//! silently instead.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use serde::Serialize;
use serde::de::DeserializeOwned;
use teloxide::dispatching::UpdateHandler;
use teloxide::dispatching::dialogue::Storage;
use teloxide::prelude::*;
use teloxide::types::ChatId;

use crate::handlers::{ChatDialogue, Dialogues, HandlerError, State};
use crate::i18n::Texts;

/// How long an untouched conversation position is kept.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a Redis call may take before it counts as failed: every update
/// waits for its position, so a hung Redis must not hang the bot.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum RedisStorageError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {REDIS_TIMEOUT:?}")]
    Timeout,
    #[error("a stored dialogue does not decode: {0}")]
    Decode(#[from] serde_json::Error),
}

pub struct RedisStorage {
    redis: ConnectionManager,
    prefix: String,
    ttl: Duration,
}

impl RedisStorage {
    pub fn new(redis: ConnectionManager, prefix: impl Into<String>, ttl: Duration) -> Arc<Self> {
        Arc::new(RedisStorage {
            redis,
            prefix: prefix.into(),
            ttl,
        })
    }

    fn key(&self, chat_id: ChatId) -> String {
        format!("{}dialogue:{}", self.prefix, chat_id.0)
    }
}

/// `call` within [`REDIS_TIMEOUT`].
async fn bounded<T>(
    call: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, RedisStorageError> {
    match tokio::time::timeout(REDIS_TIMEOUT, call).await {
        Ok(answer) => Ok(answer?),
        Err(_elapsed) => Err(RedisStorageError::Timeout),
    }
}

/// A write that failed: the position is lost, as in a flush, and the
/// update is still answered.
fn forgive(
    chat_id: ChatId,
    result: Result<(), RedisStorageError>,
) -> Result<(), RedisStorageError> {
    if let Err(error) = result {
        tracing::warn!(chat_id = chat_id.0, %error, "cannot keep a conversation position");
    }
    Ok(())
}

impl<D> Storage<D> for RedisStorage
where
    D: Serialize + DeserializeOwned + Send + 'static,
{
    type Error = RedisStorageError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        D: Send + 'static,
    {
        Box::pin(async move {
            let mut redis = self.redis.clone();
            let key = self.key(chat_id);
            forgive(chat_id, bounded(redis.del::<_, ()>(key)).await)
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: D,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        D: Send + 'static,
    {
        Box::pin(async move {
            let value = serde_json::to_string(&dialogue)?;
            let mut redis = self.redis.clone();
            let key = self.key(chat_id);
            let written = bounded(redis.set_ex::<_, _, ()>(key, value, self.ttl.as_secs())).await;
            forgive(chat_id, written)
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<D>, Self::Error>> {
        Box::pin(async move {
            let mut redis = self.redis.clone();
            let key = self.key(chat_id);
            let value: Option<String> = bounded(redis.get(key)).await?;
            match value {
                None => Ok(None),
                Some(value) => match serde_json::from_str(&value) {
                    Ok(dialogue) => Ok(Some(dialogue)),
                    // A position written by an older version of the bot:
                    // start the user afresh rather than fail every update.
                    Err(error) => {
                        tracing::warn!(chat_id = chat_id.0, %error, "dropping an undecodable dialogue");
                        Ok(None)
                    }
                },
            }
        })
    }
}

/// Chats told, during the current outage, that their position could not
/// be read: told once, not on every update. A chat leaves it when its
/// position reads again.
#[derive(Clone, Default)]
pub struct LostPositions(Arc<Mutex<HashSet<i64>>>);

impl LostPositions {
    /// Whether this chat is to be told now (the first failure it meets).
    fn first(&self, chat_id: ChatId) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(chat_id.0)
    }

    fn recovered(&self, chat_id: ChatId) {
        let mut lost = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !lost.is_empty() {
            lost.remove(&chat_id.0);
        }
    }
}

/// In place of teloxide's `enter_dialogue`: the chat's [`ChatDialogue`]
/// and its [`State`], which is Idle when the storage cannot be read (with
/// a word to the user, once), so an update is never dropped for Redis.
pub fn enter() -> UpdateHandler<HandlerError> {
    dptree::filter_map(|storage: Arc<Dialogues>, update: Update| {
        update
            .chat()
            .map(|chat| ChatDialogue::new(storage, chat.id))
    })
    .map_async(read)
}

async fn read(dialogue: ChatDialogue, bot: Bot, t: Texts, lost: LostPositions) -> State {
    let chat_id = dialogue.chat_id();
    match dialogue.get().await {
        Ok(state) => {
            lost.recovered(chat_id);
            state.unwrap_or_default()
        }
        Err(error) => {
            tracing::warn!(chat_id = chat_id.0, %error, "cannot read a conversation position; going on from Idle");
            if lost.first(chat_id)
                && let Err(error) = bot
                    .send_message(chat_id, t.msg("position-unavailable"))
                    .parse_mode(teloxide::types::ParseMode::Html)
                    .await
            {
                tracing::warn!(%error, "cannot say that the position was lost");
            }
            State::default()
        }
    }
}
