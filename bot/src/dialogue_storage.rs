//! Where each chat's position in a conversation is kept.
//!
//! Redis, because a position may be lost: a flush costs a user the step
//! they were on, never data (that is in PostgreSQL). Keys carry a prefix, so
//! several deployments or parallel tests share one Redis, and expire, so a
//! user who goes silent does not come back to a half-finished question
//! weeks later.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use serde::Serialize;
use serde::de::DeserializeOwned;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

/// How long an untouched conversation position is kept.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, thiserror::Error)]
pub enum RedisStorageError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
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
            let _: () = redis.del(self.key(chat_id)).await?;
            Ok(())
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
            let _: () = redis
                .set_ex(self.key(chat_id), value, self.ttl.as_secs())
                .await?;
            Ok(())
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<D>, Self::Error>> {
        Box::pin(async move {
            let mut redis = self.redis.clone();
            let value: Option<String> = redis.get(self.key(chat_id)).await?;
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
