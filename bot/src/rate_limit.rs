//! Requests per minute for each API client, so one portal (or a stolen
//! key) cannot flood practitioners with pushes or the database with reads.
//!
//! The count lives in Redis when the server has it (`medcab run` always
//! does), so every instance behind a load balancer shares one budget per
//! client; the window is one calendar minute of Redis keys
//! `<prefix>api-rate:<client>:<minute>`, which expire by themselves. A
//! fixed window lets a client spend up to twice its rate across a minute's
//! boundary: for a ceiling against abuse that is precise enough, and it is
//! one round trip (INCR + EXPIRE) per request. Without Redis (tests that
//! do not give one), or while it fails, the same count is kept in memory:
//! per instance, but still a limit — a failing Redis must not open the gate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;

/// A request a client may make now, or how long until it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the rate: try again after this long.
    Limited {
        retry_after: Duration,
    },
}

#[derive(Clone)]
pub struct RateLimit {
    per_minute: u32,
    redis: Option<(ConnectionManager, String)>,
    /// Per client: the minute counted and the requests in it.
    local: Arc<Mutex<HashMap<i64, (u64, u32)>>>,
}

impl RateLimit {
    /// Counted in this process only.
    pub fn local(per_minute: u32) -> RateLimit {
        RateLimit {
            per_minute: per_minute.max(1),
            redis: None,
            local: Arc::default(),
        }
    }

    /// Shared by every instance through Redis, keys under `prefix`.
    pub fn redis(per_minute: u32, redis: ConnectionManager, prefix: &str) -> RateLimit {
        RateLimit {
            redis: Some((redis, format!("{prefix}api-rate:"))),
            ..RateLimit::local(per_minute)
        }
    }

    /// Counts a request of `client` and says whether it may go.
    pub async fn check(&self, client: i64) -> Verdict {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let minute = now / 60;
        let count = match self.count_in_redis(client, minute).await {
            Some(count) => count,
            None => self.count_locally(client, minute),
        };
        if count <= self.per_minute {
            Verdict::Allowed
        } else {
            Verdict::Limited {
                retry_after: Duration::from_secs(60 - now % 60),
            }
        }
    }

    async fn count_in_redis(&self, client: i64, minute: u64) -> Option<u32> {
        let (redis, prefix) = self.redis.as_ref()?;
        let key = format!("{prefix}{client}:{minute}");
        let counted: Result<(u32, i32), _> = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .expire(&key, 120)
            .query_async(&mut redis.clone())
            .await;
        match counted {
            Ok((count, _)) => Some(count),
            Err(error) => {
                tracing::warn!(%error, "cannot count API requests in Redis; counting in memory");
                None
            }
        }
    }

    fn count_locally(&self, client: i64, minute: u64) -> u32 {
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the clients of past minutes, so the map stays small.
        local.retain(|_, (counted, _)| *counted == minute);
        let entry = local.entry(client).or_insert((minute, 0));
        entry.1 = entry.1.saturating_add(1);
        entry.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_client_over_its_rate_waits_and_others_do_not() {
        let limit = RateLimit::local(3);
        for _ in 0..3 {
            assert_eq!(limit.check(1).await, Verdict::Allowed);
        }
        // A minute boundary may pass between the calls; then the count
        // starts over, so only insist when it did not.
        let minute = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 60;
        let verdict = limit.check(1).await;
        let same_minute = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 60
            == minute;
        if same_minute {
            let Verdict::Limited { retry_after } = verdict else {
                panic!("limited: {verdict:?}");
            };
            assert!(
                retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(60)
            );
        }
        assert_eq!(limit.check(2).await, Verdict::Allowed);
    }
}
