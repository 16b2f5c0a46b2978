//! Telegram's send limits, enforced when switched on: about one message per
//! second in a chat (short bursts allowed) and 30 per second for the bot, or
//! up to 1000 per second for sends with `allow_paid_broadcast`. The rates
//! are settings (`POST /control/settings`).

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The rates the limiters are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rates {
    /// Sends per second for the whole bot (the bucket holds one second's
    /// worth, governor's default).
    pub bot_per_second: NonZeroU32,
    /// Sends per second for the whole bot when they carry
    /// `allow_paid_broadcast`, instead of `bot_per_second`.
    pub paid_per_second: NonZeroU32,
    /// Sends per second in one chat…
    pub chat_per_second: NonZeroU32,
    /// …with bursts of this many.
    pub chat_burst: NonZeroU32,
}

impl Default for Rates {
    /// Telegram's documented limits.
    fn default() -> Self {
        Rates {
            bot_per_second: NonZeroU32::new(30).unwrap(),
            paid_per_second: NonZeroU32::new(1000).unwrap(),
            chat_per_second: NonZeroU32::new(1).unwrap(),
            chat_burst: NonZeroU32::new(3).unwrap(),
        }
    }
}

pub(crate) struct Limits {
    rates: Rates,
    per_chat: DefaultKeyedRateLimiter<i64>,
    per_bot: DefaultDirectRateLimiter,
    paid: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(Rates::default())
    }
}

impl Limits {
    /// Fresh limiters (every bucket full) for `rates`.
    pub fn new(rates: Rates) -> Self {
        Limits {
            rates,
            per_chat: RateLimiter::keyed(
                Quota::per_second(rates.chat_per_second).allow_burst(rates.chat_burst),
            ),
            per_bot: RateLimiter::direct(Quota::per_second(rates.bot_per_second)),
            paid: RateLimiter::direct(Quota::per_second(rates.paid_per_second)),
            clock: DefaultClock::default(),
        }
    }

    pub fn rates(&self) -> Rates {
        self.rates
    }

    /// Takes one send in `chat_id` (counted against the paid bucket when
    /// `paid`), or says how many whole seconds to wait (Telegram's
    /// `retry_after` is never 0). The chat is checked first, so a send the
    /// chat refuses takes nothing from the bot's bucket.
    pub fn check_send(&self, chat_id: i64, paid: bool) -> Result<(), u64> {
        let now = self.clock.now();
        let bot = if paid { &self.paid } else { &self.per_bot };
        self.per_chat
            .check_key(&chat_id)
            .and_then(|()| bot.check())
            .map_err(|not_until| not_until.wait_time_from(now).as_secs_f64().ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(bot: u32, paid: u32, chat: u32, burst: u32) -> Rates {
        let n = |n| NonZeroU32::new(n).unwrap();
        Rates {
            bot_per_second: n(bot),
            paid_per_second: n(paid),
            chat_per_second: n(chat),
            chat_burst: n(burst),
        }
    }

    #[test]
    fn a_chat_gets_a_burst_of_three_then_waits() {
        let limits = Limits::default();
        for _ in 0..3 {
            assert_eq!(limits.check_send(1, false), Ok(()));
        }
        assert_eq!(limits.check_send(1, false), Err(1));
        assert_eq!(limits.check_send(1, true), Err(1), "paid or not");
        assert_eq!(
            limits.check_send(2, false),
            Ok(()),
            "other chats are not affected"
        );
    }

    #[test]
    fn the_bot_gets_thirty_per_second() {
        let limits = Limits::default();
        for chat in 0..30 {
            assert_eq!(limits.check_send(chat, false), Ok(()));
        }
        assert_eq!(limits.check_send(30, false), Err(1));
    }

    #[test]
    fn paid_broadcasts_have_their_own_bucket() {
        let limits = Limits::new(rates(2, 5, 1, 1));
        for chat in 0..2 {
            assert_eq!(limits.check_send(chat, false), Ok(()));
        }
        assert_eq!(limits.check_send(2, false), Err(1));
        for chat in 10..15 {
            assert_eq!(limits.check_send(chat, true), Ok(()));
        }
        assert_eq!(limits.check_send(15, true), Err(1));
    }
}
