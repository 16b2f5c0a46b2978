//! Telegram's send limits, enforced when switched on: about one message per
//! second in a chat (short bursts allowed) and 30 per second for the bot.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

const PER_CHAT_PER_SECOND: NonZeroU32 = NonZeroU32::new(1).unwrap();
const PER_CHAT_BURST: NonZeroU32 = NonZeroU32::new(3).unwrap();
const PER_BOT_PER_SECOND: NonZeroU32 = NonZeroU32::new(30).unwrap();

pub(crate) struct Limits {
    per_chat: DefaultKeyedRateLimiter<i64>,
    per_bot: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_chat: RateLimiter::keyed(
                Quota::per_second(PER_CHAT_PER_SECOND).allow_burst(PER_CHAT_BURST),
            ),
            per_bot: RateLimiter::direct(Quota::per_second(PER_BOT_PER_SECOND)),
            clock: DefaultClock::default(),
        }
    }
}

impl Limits {
    /// Takes one send in `chat_id`, or says how many whole seconds to wait
    /// (Telegram's `retry_after` is never 0).
    pub fn check_send(&self, chat_id: i64) -> Result<(), u64> {
        let now = self.clock.now();
        self.per_chat
            .check_key(&chat_id)
            .and_then(|()| self.per_bot.check())
            .map_err(|not_until| not_until.wait_time_from(now).as_secs_f64().ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_gets_a_burst_of_three_then_waits() {
        let limits = Limits::default();
        for _ in 0..3 {
            assert_eq!(limits.check_send(1), Ok(()));
        }
        assert_eq!(limits.check_send(1), Err(1));
        assert_eq!(limits.check_send(2), Ok(()), "other chats are not affected");
    }

    #[test]
    fn the_bot_gets_thirty_per_second() {
        let limits = Limits::default();
        for chat in 0..30 {
            assert_eq!(limits.check_send(chat), Ok(()));
        }
        assert_eq!(limits.check_send(30), Err(1));
    }
}
