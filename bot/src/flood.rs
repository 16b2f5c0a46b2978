//! One user's flood must not delay everyone else.
//!
//! Updates of one chat are handled one after another, and the dispatcher
//! waits when a chat's queue is full: a user (or a script) sending
//! hundreds of messages at once would hold up every other chat while the
//! bot claimed, routed and answered each of them. So before any database
//! work, every update passes a per-user token bucket ([`FloodGuard::admit`]):
//! a person's bursts (an album of photos, fast taps on buttons) pass; past
//! the burst, the first refused update is answered once with a polite
//! «подождите немного», and the rest are dropped unclaimed, unhandled.
//! The notice is not repeated until the bucket would have filled up again
//! (the burst times the interval, 15 s by default), however long the flood.
//!
//! The bucket is GCRA in Redis (one Lua script, Redis's clock, like the
//! send pacing in `delivery/pacing.rs`), so every instance polling the
//! same bot shares one bucket per user. If Redis fails or is slow, the same
//! limit runs in this process's memory (governor), with a warning in the
//! log: failing open would let a flood through exactly when the bot is
//! already in trouble, failing closed would silence everyone. Keys expire
//! once a bucket is full again, so quiet users leave nothing in Redis.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::aio::ConnectionManager;

use medcab_core::Language;
use medcab_core::UserId;

use crate::chat::Ui;

use crate::delivery::pacing::LoadedScript;
use crate::i18n::Texts;

/// How long a Redis answer is waited for before the memory takes over: the
/// limiter is in front of every update, so it must not slow them down.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// How fast one user may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimits {
    /// Updates one user may send at once.
    pub burst: u32,
    /// Once the burst is spent, one more update per this interval.
    pub interval: Duration,
}

impl Default for FloodLimits {
    /// 30 at once (an album, a run of taps), then two a second: well above
    /// anyone reading the answers, well below a script.
    fn default() -> Self {
        FloodLimits {
            burst: 30,
            interval: Duration::from_millis(500),
        }
    }
}

impl FloodLimits {
    fn micros(&self) -> (i64, i64) {
        let interval = i64::try_from(self.interval.as_micros())
            .unwrap_or(i64::MAX / 4)
            .max(1);
        (interval, interval * (i64::from(self.burst.max(1)) - 1))
    }
}

/// What to do with an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Handle it.
    Go,
    /// Too many: drop it, and tell the user to slow down (once per flood).
    Notify,
    /// Too many, and the user was told: drop it silently.
    Drop,
}

/// The per-user bucket, in Redis with a fallback in memory. Cheap to clone.
#[derive(Clone)]
pub struct FloodGuard {
    limits: FloodLimits,
    redis: Option<Arc<RedisBucket>>,
    local: Arc<LocalBuckets>,
}

struct RedisBucket {
    redis: ConnectionManager,
    prefix: String,
    script: LoadedScript,
}

struct LocalBuckets {
    limiter: DefaultKeyedRateLimiter<UserId>,
    /// Users told to slow down, and when: not again before `quiet`.
    told: Mutex<HashMap<UserId, Instant>>,
    /// How long one notice covers: until the bucket is full again.
    quiet: Duration,
    /// When Redis's failure was last logged: once a minute is enough.
    warned: Mutex<Option<Instant>>,
}

impl FloodGuard {
    /// Buckets in Redis under `prefix` (shared by every instance with that
    /// prefix), in memory while Redis fails.
    pub fn redis(redis: ConnectionManager, prefix: impl Into<String>, limits: FloodLimits) -> Self {
        FloodGuard {
            limits,
            redis: Some(Arc::new(RedisBucket {
                redis,
                prefix: prefix.into(),
                script: LoadedScript::new(ADMIT),
            })),
            local: Arc::new(LocalBuckets::new(limits)),
        }
    }

    /// Buckets in this process only (`medcab sandbox` without Redis).
    pub fn local(limits: FloodLimits) -> Self {
        FloodGuard {
            limits,
            redis: None,
            local: Arc::new(LocalBuckets::new(limits)),
        }
    }

    /// Takes one update of `user_id` from its bucket, if there is room.
    pub async fn admit(&self, user_id: UserId) -> Admit {
        if let Some(redis) = &self.redis {
            let keys = [
                format!("{}flood:{user_id}", redis.prefix),
                format!("{}flood-told:{user_id}", redis.prefix),
            ];
            let (interval, tolerance) = self.limits.micros();
            let answer = tokio::time::timeout(
                REDIS_TIMEOUT,
                redis
                    .script
                    .run::<i64>(&redis.redis, &keys, &[interval, tolerance]),
            )
            .await;
            match answer {
                Ok(Ok(0)) => return Admit::Go,
                Ok(Ok(1)) => return Admit::Notify,
                Ok(Ok(_)) => return Admit::Drop,
                Ok(Err(error)) => self.local.warn(&error),
                Err(_elapsed) => self.local.warn(&"no answer within 250 ms"),
            }
        }
        self.local.admit(user_id)
    }

    /// /forget: the user's keys go from Redis: the flood bucket, and the
    /// send-pacing bucket of their chat (`{prefix}pace:chat:{id}`, see
    /// `startup::delivery_options`), which would expire within seconds
    /// anyway. A failure is logged, not fatal.
    pub async fn forget(&self, user_id: UserId) {
        self.local
            .told
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&user_id);
        let Some(redis) = &self.redis else { return };
        let mut conn = redis.redis.clone();
        let deleted = tokio::time::timeout(
            REDIS_TIMEOUT,
            redis::cmd("DEL")
                .arg(self.keys(user_id))
                .arg(format!("{}pace:chat:{user_id}", redis.prefix))
                .query_async::<()>(&mut conn),
        )
        .await;
        if !matches!(deleted, Ok(Ok(()))) {
            tracing::warn!(
                user_id = user_id.get(),
                "cannot delete a forgotten user's flood bucket"
            );
        }
    }

    /// The Redis keys that hold `user_id`'s bucket, for erasure.
    pub fn keys(&self, user_id: UserId) -> Vec<String> {
        self.redis
            .as_ref()
            .map(|redis| {
                vec![
                    format!("{}flood:{user_id}", redis.prefix),
                    format!("{}flood-told:{user_id}", redis.prefix),
                ]
            })
            .unwrap_or_default()
    }
}

impl LocalBuckets {
    fn new(limits: FloodLimits) -> Self {
        let burst = NonZeroU32::new(limits.burst.max(1)).expect("at least one");
        let quota = Quota::with_period(limits.interval.max(Duration::from_micros(1)))
            .expect("a positive interval")
            .allow_burst(burst);
        LocalBuckets {
            limiter: RateLimiter::keyed(quota),
            told: Mutex::default(),
            quiet: limits.interval * limits.burst.max(1),
            warned: Mutex::default(),
        }
    }

    fn admit(&self, user_id: UserId) -> Admit {
        let allowed = self.limiter.check_key(&user_id).is_ok();
        let mut told = self.told.lock().unwrap_or_else(|p| p.into_inner());
        // Users whose buckets are full again need no memory.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
            told.retain(|_, at| at.elapsed() < self.quiet);
        }
        if allowed {
            return Admit::Go;
        }
        match told.get(&user_id) {
            Some(at) if at.elapsed() < self.quiet => Admit::Drop,
            _ => {
                told.insert(user_id, Instant::now());
                Admit::Notify
            }
        }
    }

    fn warn(&self, error: &dyn std::fmt::Display) {
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
            *warned = Some(Instant::now());
            tracing::warn!(%error, "Redis does not answer the flood limit; limiting in memory");
        }
    }
}

/// Whether `user`'s update may be handled; the first refused one of a
/// flood is answered with «подождите немного» in the phone's language (the
/// chosen one is in the database, which a flood must not reach).
pub async fn admitted(
    ui: &Ui,
    guard: &FloodGuard,
    user_id: UserId,
    phone_language: Option<&str>,
) -> bool {
    match guard.admit(user_id).await {
        Admit::Go => true,
        Admit::Notify => {
            tracing::warn!(
                user_id = user_id.get(),
                "a user floods the bot; dropping updates"
            );
            let t = Texts::new(Language::from_telegram(phone_language));
            if let Err(error) = ui.say(t.msg("flood-slow-down")).await {
                tracing::warn!(%error, "cannot tell a flooding user to slow down");
            }
            false
        }
        Admit::Drop => false,
    }
}

/// Answers 0: go; 1: refused, tell the user; 2: refused, already told.
/// KEYS: the user's bucket, the "told" flag. ARGV: interval and tolerance
/// in microseconds. The flag lives until the bucket would be full again.
const ADMIT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then
  local ttl = math.ceil((tat - now) / 1000) + 1
  if redis.call('SET', KEYS[2], '1', 'NX', 'PX', string.format('%.0f', ttl)) then
    return 1
  end
  return 2
end
local next_tat = tat + interval
local ttl = math.ceil((next_tat - now) / 1000) + 1
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', string.format('%.0f', ttl))
return 0
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_lets_the_burst_through_then_tells_once() {
        let guard = FloodGuard::local(FloodLimits {
            burst: 3,
            interval: Duration::from_secs(60),
        });
        let local = &guard.local;
        let answers: Vec<Admit> = (0..6)
            .map(|_| local.admit(UserId::from_stored(1)))
            .collect();
        assert_eq!(
            answers,
            [
                Admit::Go,
                Admit::Go,
                Admit::Go,
                Admit::Notify,
                Admit::Drop,
                Admit::Drop
            ]
        );
        // Another user has a bucket of their own.
        assert_eq!(local.admit(UserId::from_stored(2)), Admit::Go);
    }

    #[tokio::test]
    async fn redis_shares_the_bucket_and_falls_back_to_memory() {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let Ok(client) = redis::Client::open(url) else {
            return;
        };
        let Ok(redis) = ConnectionManager::new(client).await else {
            eprintln!("no Redis: skipping");
            return;
        };
        let prefix = format!("medcab-test:{}:", uuid::Uuid::new_v4());
        let limits = FloodLimits {
            burst: 2,
            interval: Duration::from_secs(60),
        };
        // Two instances on one Redis share the user's bucket.
        let one = FloodGuard::redis(redis.clone(), prefix.clone(), limits);
        let two = FloodGuard::redis(redis.clone(), prefix.clone(), limits);
        assert_eq!(one.admit(UserId::from_stored(7)).await, Admit::Go);
        assert_eq!(two.admit(UserId::from_stored(7)).await, Admit::Go);
        assert_eq!(one.admit(UserId::from_stored(7)).await, Admit::Notify);
        assert_eq!(two.admit(UserId::from_stored(7)).await, Admit::Drop);
        assert_eq!(one.admit(UserId::from_stored(8)).await, Admit::Go);
        let mut conn = redis.clone();
        let _: () = redis::cmd("DEL")
            .arg(one.keys(UserId::from_stored(7)))
            .arg(one.keys(UserId::from_stored(8)))
            .query_async(&mut conn)
            .await
            .unwrap();
    }
}
