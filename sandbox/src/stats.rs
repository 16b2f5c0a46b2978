//! Delivery statistics for benchmarks (`GET /control/stats`): O(1) work per
//! send, under the state's lock like everything else.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::view::{Stats, WebhookStats};

#[derive(Default)]
pub(crate) struct Recorder {
    accepted: u64,
    paid_broadcasts: u64,
    /// Accepted sends per chat.
    per_chat: HashMap<i64, u32>,
    chats_with_more_than_one: u64,
    max_per_chat: u32,
    too_many_requests: u64,
    too_many_requests_after_first_second: u64,
    injected_failures: u64,
    sent_before_retry_after: u64,
    /// The first accepted send: the monotonic instant for the histogram,
    /// the wall clock for the answer.
    first: Option<(Instant, i64)>,
    last_at: Option<i64>,
    per_second: Vec<u64>,
    webhook: WebhookStats,
}

fn unix_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Recorder {
    pub fn accepted(&mut self, chat_id: i64, paid: bool) {
        self.accepted_at(chat_id, paid, Instant::now(), unix_millis());
    }

    fn accepted_at(&mut self, chat_id: i64, paid: bool, now: Instant, now_millis: i64) {
        self.accepted += 1;
        if paid {
            self.paid_broadcasts += 1;
        }
        let count = self.per_chat.entry(chat_id).or_insert(0);
        *count += 1;
        if *count == 2 {
            self.chats_with_more_than_one += 1;
        }
        self.max_per_chat = self.max_per_chat.max(*count);

        let (first, _) = *self.first.get_or_insert((now, now_millis));
        self.last_at = Some(now_millis);
        let second =
            usize::try_from(now.saturating_duration_since(first).as_secs()).unwrap_or(usize::MAX);
        if self.per_second.len() <= second {
            self.per_second.resize(second + 1, 0);
        }
        self.per_second[second] += 1;
    }

    /// A send answered 429, by the limits or by an injection.
    pub fn too_many_requests(&mut self) {
        self.too_many_requests_at(Instant::now());
    }

    fn too_many_requests_at(&mut self, now: Instant) {
        self.too_many_requests += 1;
        if self.first.is_some_and(|(first, _)| {
            now.saturating_duration_since(first) >= Duration::from_secs(1)
        }) {
            self.too_many_requests_after_first_second += 1;
        }
    }

    pub fn injected_failure(&mut self) {
        self.injected_failures += 1;
    }

    /// A send to a chat sooner than the last 429 to it asked.
    pub fn sent_before_retry_after(&mut self) {
        self.sent_before_retry_after += 1;
    }

    /// A webhook request made (`None`) or ended (acknowledged or not).
    pub fn webhook(&mut self, acknowledged: Option<bool>) {
        match acknowledged {
            None => self.webhook.attempted += 1,
            Some(true) => self.webhook.acknowledged += 1,
            Some(false) => self.webhook.failed += 1,
        }
    }

    pub fn view(&self) -> Stats {
        Stats {
            accepted: self.accepted,
            paid_broadcasts: self.paid_broadcasts,
            chats_with_messages: self.per_chat.len() as u64,
            chats_with_more_than_one: self.chats_with_more_than_one,
            max_per_chat: self.max_per_chat,
            too_many_requests: self.too_many_requests,
            too_many_requests_after_first_second: self.too_many_requests_after_first_second,
            injected_failures: self.injected_failures,
            sent_before_retry_after: self.sent_before_retry_after,
            first_send_at: self.first.map(|(_, millis)| millis),
            last_send_at: self.last_at,
            per_second: self.per_second.clone(),
            webhook: self.webhook,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_chats_duplicates_and_seconds() {
        let mut stats = Recorder::default();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        stats.too_many_requests_at(at(0));
        stats.accepted_at(1, false, at(0), 1_000);
        stats.accepted_at(2, true, at(10), 1_010);
        stats.accepted_at(2, false, at(900), 1_900);
        stats.too_many_requests_at(at(999));
        stats.accepted_at(2, false, at(2_500), 3_500);
        stats.too_many_requests_at(at(2_600));
        stats.injected_failure();
        stats.webhook(None);
        stats.webhook(Some(false));
        stats.webhook(None);
        stats.webhook(Some(true));

        let view = stats.view();
        assert_eq!(view.accepted, 4);
        assert_eq!(view.paid_broadcasts, 1);
        assert_eq!(view.chats_with_messages, 2);
        assert_eq!(view.chats_with_more_than_one, 1);
        assert_eq!(view.max_per_chat, 3);
        assert_eq!(view.too_many_requests, 3);
        assert_eq!(view.too_many_requests_after_first_second, 1);
        assert_eq!(view.injected_failures, 1);
        assert_eq!(view.first_send_at, Some(1_000));
        assert_eq!(view.last_send_at, Some(3_500));
        assert_eq!(view.per_second, [3, 0, 1]);
        assert_eq!(view.max_per_second(), 3);
        assert_eq!(
            view.webhook,
            WebhookStats {
                attempted: 2,
                acknowledged: 1,
                failed: 1
            }
        );
    }

    #[test]
    fn empty_stats_have_no_times() {
        let view = Recorder::default().view();
        assert_eq!(view, Stats::default());
        assert_eq!(view.max_per_second(), 0);
    }
}
