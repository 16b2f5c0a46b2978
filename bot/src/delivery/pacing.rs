//! Pacing sends to a messenger's limits, shared by every worker and
//! instance. One [`Pacer`] per messenger, each with buckets of its own
//! (Telegram's below; Max's [`Limits::max`], under its own Redis prefix).
//!
//! Telegram lets a bot send about one message per second in a chat (short
//! bursts pass), 30 per second in all, and up to 1000 per second for sends
//! marked `allow_paid_broadcast` (paid in Telegram Stars beyond the free
//! 30). A 429 answer names how long to wait, and until then every send
//! would be refused too.
//!
//! [`Pacer::acquire`] asks before each send. In Redis one Lua script checks,
//! atomically, a global pause (set by [`Pacer::pause`] on a 429), the
//! chat's bucket and the bot's bucket, and takes from both only when both
//! allow; otherwise it says how long to wait and which one blocks. Buckets
//! are GCRA (a "theoretical arrival time" per key, in microseconds of the
//! Redis server's clock, so every instance sees the same time): a bucket
//! with rate r and burst b lets b sends through at once and then one every
//! 1/r seconds. Keys expire once their bucket is full again, so an idle
//! bot leaves nothing behind.
//!
//! - Chat: 1 per second, bursts of 3 (Telegram's "about one per second").
//! - Bot: `MEDCAB_SEND_PER_SECOND` (default 30, at most 1000), with a small
//!   burst (a twentieth of a second's worth) so sends go out evenly rather
//!   than in clumps. When the rate is above Telegram's free 30, broadcasts
//!   are sent as paid broadcasts and counted in a bucket of their own at
//!   the rate less the free 30; urgent and personal sends stay in the free
//!   bucket at 30. The two together stay within the rate (at most 1000,
//!   Telegram's ceiling for all sends).
//! - Urgent sends (a login confirmation) may take two sends more than the
//!   bucket's burst: a broadcast keeping the bucket full does not make a
//!   person at a login form wait behind it.
//!
//! Redis holds only what may be lost: a flush forgets the buckets (a burst
//! may follow, and a 429 is then honoured), and if Redis does not answer,
//! each instance paces itself in memory at the same rates until it does.
//! A pause is also kept in memory and honoured by the instance that met
//! the 429 even if writing it to Redis failed.
//! `medcab sandbox` without Redis paces in memory only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use medcab_core::outbox::Priority;
use redis::aio::ConnectionManager;

/// Telegram's free rate for a bot: above it, only paid broadcasts.
pub const FREE_PER_SECOND: u32 = 30;
/// Telegram's ceiling for paid broadcasts.
pub const MAX_PER_SECOND: u32 = 1000;
/// The outbox's share of Max's rate: Max allows a bot about 30 requests a
/// second, all instances and every call together (a reply in a
/// conversation, a long poll, an answered button), so pushes take 25 and
/// leave the rest to the people in the chat. Max has no paid broadcasts.
pub const MAX_BOT_PER_SECOND: u32 = 25;

/// The rates sends are paced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sends per second for the whole bot, all instances together.
    pub per_second: u32,
    /// The least time between sends in one chat once its burst is spent.
    pub chat_interval: Duration,
    /// Sends one chat may get at once.
    pub chat_burst: u32,
}

impl Default for Limits {
    /// Telegram's: 30 per second, one per second in a chat with bursts of 3.
    fn default() -> Self {
        Limits::per_second(FREE_PER_SECOND)
    }
}

impl Limits {
    /// Telegram's chat limits with this rate for the bot (1 to 1000).
    pub fn per_second(per_second: u32) -> Limits {
        Limits {
            per_second: per_second.clamp(1, MAX_PER_SECOND),
            chat_interval: Duration::from_secs(1),
            chat_burst: 3,
        }
    }

    /// Max's: [`MAX_BOT_PER_SECOND`] for the bot, and Telegram's chat
    /// limits (Max names none; one a second with bursts of 3 is what a
    /// person can read anyway).
    pub fn max() -> Limits {
        Limits::per_second(MAX_BOT_PER_SECOND)
    }

    /// Whether a send of this priority goes as a paid broadcast: only
    /// broadcasts, and only when the rate is above the free one.
    pub fn paid(&self, priority: Priority) -> bool {
        priority == Priority::Broadcast && self.per_second > FREE_PER_SECOND
    }

    /// The bucket a send is counted in: (key suffix, interval µs, tolerance µs).
    fn bot_bucket(&self, priority: Priority) -> (&'static str, i64, i64) {
        let paid = self.paid(priority);
        let rate = if paid {
            // The free bucket runs beside this one: its 30 are part of the
            // total, so all sends together stay within `per_second`.
            self.per_second - FREE_PER_SECOND
        } else {
            self.per_second.min(FREE_PER_SECOND)
        };
        // Rounded up, so the bucket never runs faster than its rate.
        let interval = i64::from(1_000_000_u32.div_ceil(rate.max(1)));
        let mut burst = i64::from(rate.div_ceil(20).max(1));
        if priority == Priority::Urgent {
            burst += 2;
        }
        (
            if paid { "paid" } else { "bot" },
            interval,
            interval * (burst - 1),
        )
    }

    fn chat_bucket(&self) -> (i64, i64) {
        let interval = i64::try_from(self.chat_interval.as_micros())
            .unwrap_or(i64::MAX)
            .max(1);
        (interval, interval * (i64::from(self.chat_burst.max(1)) - 1))
    }
}

/// What blocks a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// A 429 paused every send.
    Pause,
    /// The chat had its share.
    Chat,
    /// The bot had its share.
    Bot,
}

/// The answer to [`Pacer::acquire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send now (the send is counted); `paid`: as a paid broadcast.
    Go { paid: bool },
    /// Nothing was taken; ask again after `wait`.
    Wait { wait: Duration, by: Bucket },
}

/// Asks before each send whether it may go now. Cheap to clone; clones
/// share the buckets.
#[derive(Clone)]
pub struct Pacer {
    limits: Limits,
    redis: Option<Arc<RedisBuckets>>,
    /// In-process buckets: the only ones without Redis, the fallback when
    /// Redis fails.
    local: Arc<Mutex<LocalBuckets>>,
    /// When Redis's failure was last logged: once a minute is enough.
    warned: Arc<Mutex<Option<Instant>>>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer")
            .field("limits", &self.limits)
            .field("redis", &self.redis.as_ref().map(|r| &r.prefix))
            .finish()
    }
}

impl Pacer {
    /// Buckets in Redis under `prefix`, shared by every instance that uses
    /// the same Redis and prefix (and the same limits).
    pub fn redis(redis: ConnectionManager, prefix: impl Into<String>, limits: Limits) -> Pacer {
        Pacer {
            limits,
            redis: Some(Arc::new(RedisBuckets {
                redis,
                prefix: prefix.into(),
                acquire: LoadedScript::new(ACQUIRE),
                pause: LoadedScript::new(PAUSE),
            })),
            local: Arc::default(),
            warned: Arc::default(),
        }
    }

    /// Buckets in this process only (one instance, no Redis).
    pub fn local(limits: Limits) -> Pacer {
        Pacer {
            limits,
            redis: None,
            local: Arc::default(),
            warned: Arc::default(),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Takes one send to `chat_id` if the pause and both buckets allow it.
    pub async fn acquire(&self, chat_id: i64, priority: Priority) -> Verdict {
        let (bot, bot_interval, bot_tolerance) = self.limits.bot_bucket(priority);
        let (chat_interval, chat_tolerance) = self.limits.chat_bucket();
        let paid = self.limits.paid(priority);
        // A 429 this instance met is honoured even if it could not be
        // shared through Redis (the pause's write failed, Redis answers
        // again now).
        let paused = self
            .local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .paused();
        if let Some(micros) = paused {
            return verdict(1, micros, paid);
        }
        if let Some(redis) = &self.redis {
            let keys = [
                format!("{}chat:{chat_id}", redis.prefix),
                format!("{}{bot}", redis.prefix),
                format!("{}pause", redis.prefix),
            ];
            let args = [chat_interval, chat_tolerance, bot_interval, bot_tolerance];
            match redis
                .acquire
                .run::<(i64, i64)>(&redis.redis, &keys, &args)
                .await
            {
                Ok((code, micros)) => return verdict(code, micros, paid),
                Err(error) => self.warn(&error, "Redis does not pace sends; pacing in memory"),
            }
        }
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        let (code, micros) = local.acquire(
            chat_id,
            bot,
            [chat_interval, chat_tolerance, bot_interval, bot_tolerance],
        );
        verdict(code, micros, paid)
    }

    /// Pauses every send for `duration` (a 429's `retry_after`); a longer
    /// pause already set stays.
    pub async fn pause(&self, duration: Duration) {
        let millis = i64::try_from(duration.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        self.local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pause(duration);
        if let Some(redis) = &self.redis {
            let keys = [format!("{}pause", redis.prefix)];
            if let Err(error) = redis.pause.run::<i64>(&redis.redis, &keys, &[millis]).await {
                self.warn(&error, "cannot share a 429's pause through Redis");
            }
        }
    }
}

impl Pacer {
    fn warn(&self, error: &redis::RedisError, what: &'static str) {
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
            *warned = Some(Instant::now());
            tracing::warn!(%error, "{what}");
        }
    }
}

fn verdict(code: i64, micros: i64, paid: bool) -> Verdict {
    let wait = Duration::from_micros(u64::try_from(micros).unwrap_or(0).max(1));
    match code {
        0 => Verdict::Go { paid },
        1 => Verdict::Wait {
            wait,
            by: Bucket::Pause,
        },
        2 => Verdict::Wait {
            wait,
            by: Bucket::Chat,
        },
        _ => Verdict::Wait {
            wait,
            by: Bucket::Bot,
        },
    }
}

/// Answers `{code, microseconds}`: 0 go; 1 paused; 2 the chat's bucket
/// blocks; 3 the bot's. KEYS: chat bucket, bot bucket, pause. ARGV: chat
/// interval and tolerance, bot interval and tolerance, in microseconds.
const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause = redis.call('PTTL', KEYS[3])
if pause > 0 then
  return {1, pause * 1000}
end
local function due(key, tolerance)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  return tat, tat - tolerance - now
end
local chat_interval, chat_tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local bot_interval, bot_tolerance = tonumber(ARGV[3]), tonumber(ARGV[4])
local chat_tat, chat_wait = due(KEYS[1], chat_tolerance)
if chat_wait > 0 then
  return {2, chat_wait}
end
local bot_tat, bot_wait = due(KEYS[2], bot_tolerance)
if bot_wait > 0 then
  return {3, bot_wait}
end
local function take(key, tat, interval)
  local next_tat = tat + interval
  local ttl = math.ceil((next_tat - now) / 1000) + 1
  redis.call('SET', key, string.format('%.0f', next_tat), 'PX', string.format('%.0f', ttl))
end
take(KEYS[1], chat_tat, chat_interval)
take(KEYS[2], bot_tat, bot_interval)
return {0, 0}
";

/// Sets the pause (KEYS[1]) for ARGV[1] milliseconds unless a longer one runs.
const PAUSE: &str = r"
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 0
";

struct RedisBuckets {
    redis: ConnectionManager,
    prefix: String,
    acquire: LoadedScript,
    pause: LoadedScript,
}

/// A Lua script run by its SHA1 (`EVALSHA`), loaded on first use and again
/// after Redis forgets it (a restart, `SCRIPT FLUSH`). What `redis::Script`
/// does, without the crate's `script` feature and its SHA1 dependency.
pub(crate) struct LoadedScript {
    source: &'static str,
    sha: Mutex<Option<String>>,
}

impl LoadedScript {
    pub(crate) fn new(source: &'static str) -> LoadedScript {
        LoadedScript {
            source,
            sha: Mutex::new(None),
        }
    }

    pub(crate) async fn run<T: redis::FromRedisValue>(
        &self,
        redis: &ConnectionManager,
        keys: &[String],
        args: &[i64],
    ) -> redis::RedisResult<T> {
        let mut redis = redis.clone();
        for _ in 0..2 {
            let known = self.sha.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let sha = match known {
                Some(sha) => sha,
                None => {
                    let sha: String = redis::cmd("SCRIPT")
                        .arg("LOAD")
                        .arg(self.source)
                        .query_async(&mut redis)
                        .await?;
                    *self.sha.lock().unwrap_or_else(|p| p.into_inner()) = Some(sha.clone());
                    sha
                }
            };
            let result = redis::cmd("EVALSHA")
                .arg(&sha)
                .arg(keys.len())
                .arg(keys)
                .arg(args)
                .query_async(&mut redis)
                .await;
            match result {
                Err(error) if error.code() == Some("NOSCRIPT") => {
                    *self.sha.lock().unwrap_or_else(|p| p.into_inner()) = None;
                }
                other => return other,
            }
        }
        redis::cmd("EVAL")
            .arg(self.source)
            .arg(keys.len())
            .arg(keys)
            .arg(args)
            .query_async(&mut redis)
            .await
    }
}

/// The same buckets in memory, on this process's monotonic clock.
#[derive(Default)]
struct LocalBuckets {
    origin: Option<Instant>,
    pause_until: i64,
    chats: HashMap<i64, i64>,
    bots: HashMap<&'static str, i64>,
}

impl LocalBuckets {
    fn now(&mut self) -> i64 {
        let origin = *self.origin.get_or_insert_with(Instant::now);
        // Start a day in, so "never used" (0) is long past.
        86_400_000_000 + i64::try_from(origin.elapsed().as_micros()).unwrap_or(i64::MAX / 2)
    }

    fn pause(&mut self, duration: Duration) {
        let until = self.now() + i64::try_from(duration.as_micros()).unwrap_or(i64::MAX / 4);
        self.pause_until = self.pause_until.max(until);
    }

    /// How much longer, in microseconds, a pause runs.
    fn paused(&mut self) -> Option<i64> {
        let now = self.now();
        (self.pause_until > now).then(|| self.pause_until - now)
    }

    /// The Lua script's logic, for one process.
    fn acquire(&mut self, chat_id: i64, bot: &'static str, args: [i64; 4]) -> (i64, i64) {
        let [chat_interval, chat_tolerance, bot_interval, bot_tolerance] = args;
        let now = self.now();
        if self.pause_until > now {
            return (1, self.pause_until - now);
        }
        let chat_tat = self.chats.get(&chat_id).copied().unwrap_or(0).max(now);
        if chat_tat - chat_tolerance - now > 0 {
            return (2, chat_tat - chat_tolerance - now);
        }
        let bot_tat = self.bots.get(bot).copied().unwrap_or(0).max(now);
        if bot_tat - bot_tolerance - now > 0 {
            return (3, bot_tat - bot_tolerance - now);
        }
        if self.chats.len() >= 10_000 {
            // Full buckets need no entry: forget them, as Redis expires them.
            self.chats.retain(|_, tat| *tat > now);
        }
        self.chats.insert(chat_id, chat_tat + chat_interval);
        self.bots.insert(bot, bot_tat + bot_interval);
        (0, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn redis_pacer(limits: Limits) -> (Pacer, String) {
        let url =
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let client = redis::Client::open(url).expect("REDIS_URL parses");
        let redis = ConnectionManager::new(client)
            .await
            .expect("Redis answers at REDIS_URL");
        let prefix = format!("medcab-test:{}:pace:", uuid::Uuid::new_v4());
        (Pacer::redis(redis, prefix.clone(), limits), prefix)
    }

    /// Both kinds of pacer, to run each test against.
    async fn pacers(limits: Limits) -> [Pacer; 2] {
        [redis_pacer(limits).await.0, Pacer::local(limits)]
    }

    fn is_go(verdict: Verdict) -> bool {
        matches!(verdict, Verdict::Go { .. })
    }

    #[tokio::test]
    async fn a_chat_gets_its_burst_then_one_a_second() {
        // A high rate, so that only the chat's bucket counts.
        for pacer in pacers(Limits::per_second(1000)).await {
            for _ in 0..3 {
                assert!(
                    is_go(pacer.acquire(1, Priority::Broadcast).await),
                    "{pacer:?}"
                );
            }
            let Verdict::Wait { wait, by } = pacer.acquire(1, Priority::Broadcast).await else {
                panic!("{pacer:?}: a fourth send in a second goes");
            };
            assert_eq!(by, Bucket::Chat);
            assert!(
                wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
                "{wait:?}"
            );
            assert!(
                is_go(pacer.acquire(2, Priority::Broadcast).await),
                "{pacer:?}: another chat is not held back"
            );
        }
    }

    #[tokio::test]
    async fn the_bot_gets_its_rate_and_nothing_is_taken_when_refused() {
        // 20 per second: a burst of one, then one every 50 ms.
        for pacer in pacers(Limits::per_second(20)).await {
            assert!(is_go(pacer.acquire(1, Priority::Broadcast).await));
            let Verdict::Wait { wait, by } = pacer.acquire(2, Priority::Broadcast).await else {
                panic!("{pacer:?}: the bot's bucket is empty");
            };
            assert_eq!(by, Bucket::Bot);
            assert!(
                wait > Duration::from_millis(30) && wait <= Duration::from_millis(50),
                "{wait:?}"
            );
            // Refused by the bot, so chat 2's bucket is untouched: it
            // still has its burst of three.
            tokio::time::sleep(wait).await;
            let mut sent = 0;
            let start = Instant::now();
            while sent < 10 {
                match pacer.acquire(2 + sent % 2, Priority::Broadcast).await {
                    Verdict::Go { paid } => {
                        assert!(!paid, "20 per second is free");
                        sent += 1;
                    }
                    Verdict::Wait { wait, by } => {
                        assert_eq!(by, Bucket::Bot, "{pacer:?}: chat 2 had a burst");
                        tokio::time::sleep(wait).await;
                    }
                }
                if sent == 6 {
                    // Chats 2 and 3 are at their bursts: use fresh ones.
                    break;
                }
            }
            let elapsed = start.elapsed();
            assert!(
                elapsed >= Duration::from_millis(240) && elapsed < Duration::from_millis(600),
                "{pacer:?}: six sends at 20/s took {elapsed:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_high_rate_paces_broadcasts_as_paid_and_the_rest_at_the_free_rate() {
        let limits = Limits::per_second(200);
        assert_eq!(limits.bot_bucket(Priority::Broadcast).0, "paid");
        assert_eq!(limits.bot_bucket(Priority::Personal).0, "bot");
        // The paid bucket has what the free one leaves of the rate.
        assert_eq!(limits.bot_bucket(Priority::Broadcast).1, 5883); // 1/170 s
        assert_eq!(limits.bot_bucket(Priority::Personal).1, 33334); // 1/30 s
        for pacer in pacers(limits).await {
            assert_eq!(
                pacer.acquire(1, Priority::Broadcast).await,
                Verdict::Go { paid: true }
            );
            assert_eq!(
                pacer.acquire(2, Priority::Personal).await,
                Verdict::Go { paid: false },
                "{pacer:?}: its own bucket"
            );
            // 170/s (200 less the free 30), a burst of 9: many broadcasts
            // go in a burst, and steadily 170 per second.
            let start = Instant::now();
            let mut sent = 0;
            let mut chat = 100;
            while start.elapsed() < Duration::from_millis(500) {
                match pacer.acquire(chat, Priority::Broadcast).await {
                    Verdict::Go { .. } => {
                        sent += 1;
                        chat += 1;
                    }
                    Verdict::Wait { wait, .. } => tokio::time::sleep(wait).await,
                }
            }
            assert!(
                (80..=100).contains(&sent),
                "{pacer:?}: {sent} in half a second"
            );
        }
    }

    #[test]
    fn all_sends_together_stay_within_the_rate() {
        for per_second in [31, 100, 200, 1000] {
            let limits = Limits::per_second(per_second);
            let rate = |priority| 1_000_000.0 / limits.bot_bucket(priority).1 as f64;
            let total = rate(Priority::Broadcast) + rate(Priority::Personal);
            assert!(
                total <= f64::from(per_second),
                "{per_second}: paid and free together {total}"
            );
            assert!(
                total >= f64::from(per_second) - 1.0,
                "{per_second}: {total}"
            );
        }
    }

    #[tokio::test]
    async fn urgent_sends_get_through_a_full_bucket() {
        for pacer in pacers(Limits::per_second(10)).await {
            assert!(is_go(pacer.acquire(1, Priority::Broadcast).await));
            assert!(!is_go(pacer.acquire(2, Priority::Broadcast).await));
            assert!(is_go(pacer.acquire(3, Priority::Urgent).await), "{pacer:?}");
        }
    }

    #[tokio::test]
    async fn a_pause_stops_every_send_and_a_shorter_one_does_not_shorten_it() {
        for pacer in pacers(Limits::default()).await {
            pacer.pause(Duration::from_secs(2)).await;
            pacer.pause(Duration::from_millis(10)).await;
            let Verdict::Wait { wait, by } = pacer.acquire(1, Priority::Urgent).await else {
                panic!("{pacer:?}: sent during a pause");
            };
            assert_eq!(by, Bucket::Pause);
            assert!(
                wait > Duration::from_millis(1900) && wait <= Duration::from_secs(2),
                "{wait:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_pause_redis_did_not_take_is_still_honoured_here() {
        let (pacer, _) = redis_pacer(Limits::default()).await;
        // What `pause` leaves when its write to Redis fails: the local
        // pause only, and Redis answering the next acquire.
        pacer.local.lock().unwrap().pause(Duration::from_secs(2));
        let Verdict::Wait { wait, by } = pacer.acquire(1, Priority::Urgent).await else {
            panic!("sent during this instance's pause");
        };
        assert_eq!(by, Bucket::Pause);
        assert!(wait > Duration::from_millis(1900), "{wait:?}");
    }

    #[tokio::test]
    async fn instances_with_one_prefix_share_the_buckets_and_other_prefixes_do_not() {
        let limits = Limits::per_second(1000);
        let (first, prefix) = redis_pacer(limits).await;
        let Some(redis) = &first.redis else {
            unreachable!()
        };
        let second = Pacer::redis(redis.redis.clone(), prefix, limits);
        let (other, _) = redis_pacer(limits).await;
        for _ in 0..3 {
            assert!(is_go(first.acquire(1, Priority::Broadcast).await));
        }
        assert!(
            !is_go(second.acquire(1, Priority::Broadcast).await),
            "another instance sees the chat's burst spent"
        );
        assert!(is_go(other.acquire(1, Priority::Broadcast).await));
        first.pause(Duration::from_secs(5)).await;
        assert!(matches!(
            second.acquire(2, Priority::Urgent).await,
            Verdict::Wait {
                by: Bucket::Pause,
                ..
            }
        ));
        assert!(is_go(other.acquire(2, Priority::Urgent).await));

        // A forgotten script is loaded again.
        let mut conn = redis.redis.clone();
        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(is_go(other.acquire(3, Priority::Urgent).await));
    }

    #[tokio::test]
    async fn keys_expire_once_their_buckets_are_full() {
        let (pacer, prefix) = redis_pacer(Limits::default()).await;
        assert!(is_go(pacer.acquire(1, Priority::Personal).await));
        let Some(redis) = &pacer.redis else {
            unreachable!()
        };
        let mut conn = redis.redis.clone();
        let ttl: i64 = redis::cmd("PTTL")
            .arg(format!("{prefix}chat:1"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!((1..=1001).contains(&ttl), "{ttl}");
    }
}
