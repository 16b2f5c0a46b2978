//! Which messengers a lane may take a row of now.
//!
//! A worker connected to Telegram and to Max sends through two sets of
//! limits that have nothing to do with each other: a 429 from Max, or Max's
//! bucket spent by a broadcast, must not hold back a Telegram row (nor the
//! other way round). So each lane asks [`Gates::open`] before it claims,
//! and claims only rows of the messengers open now:
//!
//! - a messenger **rests** after its whole bot was told to wait (a 429, a
//!   pause another instance met, its bucket spent for longer than a lane
//!   holds a row): no lane takes its rows until then;
//! - a messenger is **saturated** while all but one of the lanes hold one
//!   of its rows waiting for its bucket: the last lane is left to the other
//!   messenger, whose rows would otherwise queue behind a pacer they do
//!   not use.
//!
//! A worker with one messenger holds rows with every lane (as pacing wants
//! at 1000 a second) and rests when it rests; the rule changes nothing for
//! it. What the gates know is this process's: other instances learn of a
//! pause through the pacer's Redis, and each lane's next `acquire` says.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use medcab_core::channels::Messenger;

pub(super) struct Gates {
    served: Vec<Messenger>,
    lanes: usize,
    rests: Mutex<HashMap<Messenger, Instant>>,
    /// Lanes holding a row of the messenger while its bot bucket refills.
    holding: HashMap<Messenger, AtomicUsize>,
}

/// What a lane may do now.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Open {
    /// Claim a row of one of these; `rest_ends`: when the soonest resting
    /// messenger may be claimed again (a lane that finds nothing to claim
    /// looks again then, not only at the next poll).
    Claim {
        messengers: Vec<Messenger>,
        rest_ends: Option<Duration>,
    },
    /// Every messenger rests: nothing to claim for this long.
    Rest(Duration),
}

impl Gates {
    pub(super) fn new(served: Vec<Messenger>, lanes: usize) -> Gates {
        let holding = served
            .iter()
            .map(|messenger| (*messenger, AtomicUsize::new(0)))
            .collect();
        Gates {
            served,
            lanes: lanes.max(1),
            rests: Mutex::new(HashMap::new()),
            holding,
        }
    }

    pub(super) fn open(&self) -> Open {
        let now = Instant::now();
        let mut rests = self.rests.lock().unwrap_or_else(|p| p.into_inner());
        rests.retain(|_, until| *until > now);
        let awake: Vec<Messenger> = self
            .served
            .iter()
            .copied()
            .filter(|messenger| !rests.contains_key(messenger))
            .collect();
        let all_resting = awake.is_empty();
        let open: Vec<Messenger> = awake
            .into_iter()
            .filter(|messenger| !self.saturated(*messenger))
            .collect();
        let rest_ends = rests
            .values()
            .min()
            .map(|soonest| soonest.saturating_duration_since(now));
        match rest_ends {
            // Every messenger rests: till the first opens. One rests and
            // the other is saturated: its lanes free up within a hold, so
            // look again by the poll, not after the whole rest.
            Some(wait) if all_resting => Open::Rest(wait),
            Some(wait) if open.is_empty() => Open::Rest(wait.min(super::POLL)),
            // Saturated but not resting: the lanes holding its rows free up
            // within a hold, and an empty list claims nothing.
            _ => Open::Claim {
                messengers: open,
                rest_ends,
            },
        }
    }

    /// No lane takes the messenger's rows for `wait`; a longer rest already
    /// set stays.
    pub(super) fn rest(&self, messenger: Messenger, wait: Duration) {
        // Callers cap their waits (`MAX_RETRY_AFTER`); this only keeps an
        // absurd one from overflowing the clock.
        let now = Instant::now();
        let until = now
            .checked_add(wait)
            .unwrap_or(now + super::MAX_RETRY_AFTER);
        let mut rests = self.rests.lock().unwrap_or_else(|p| p.into_inner());
        let entry = rests.entry(messenger).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// A lane may hold a row of `messenger` while its bot bucket refills:
    /// `None` when that would leave no lane for the other messengers (the
    /// row goes back, and the messenger rests instead).
    pub(super) fn hold(&self, messenger: Messenger) -> Option<Holding<'_>> {
        let counter = self.holding.get(&messenger)?;
        let limit = self.hold_limit();
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                (held < limit).then_some(held + 1)
            })
            .ok()
            .map(|_| Holding { counter })
    }

    /// Every lane that may hold a row of the messenger does (with one
    /// lane and two messengers none may: its rows are claimed, and rest
    /// the messenger when they must wait).
    fn saturated(&self, messenger: Messenger) -> bool {
        let limit = self.hold_limit();
        limit > 0
            && self
                .holding
                .get(&messenger)
                .is_some_and(|held| held.load(Ordering::Acquire) >= limit)
    }

    /// Lanes that may hold rows of one messenger at once.
    fn hold_limit(&self) -> usize {
        if self.served.len() > 1 {
            self.lanes.saturating_sub(1)
        } else {
            self.lanes
        }
    }
}

/// A lane holding a row while its messenger's bucket refills; dropped when
/// the lane lets go of it.
pub(super) struct Holding<'a> {
    counter: &'a AtomicUsize,
}

impl Drop for Holding<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: [Messenger; 2] = [Messenger::Telegram, Messenger::Max];

    fn claim(messengers: &[Messenger], rest_ends: Option<Duration>) -> Open {
        Open::Claim {
            messengers: messengers.to_vec(),
            rest_ends,
        }
    }

    #[test]
    fn a_resting_messenger_is_not_claimed_and_the_other_still_is() {
        let gates = Gates::new(BOTH.to_vec(), 4);
        assert_eq!(gates.open(), claim(&BOTH, None));
        gates.rest(Messenger::Max, Duration::from_secs(5));
        match gates.open() {
            Open::Claim {
                messengers,
                rest_ends: Some(wait),
            } => {
                assert_eq!(messengers, [Messenger::Telegram]);
                assert!(wait > Duration::from_secs(4), "{wait:?}");
            }
            other => panic!("{other:?}"),
        }
        // A shorter rest does not shorten the one set.
        gates.rest(Messenger::Max, Duration::from_millis(1));
        assert!(
            matches!(gates.open(), Open::Claim { messengers, .. } if messengers == [Messenger::Telegram])
        );
        gates.rest(Messenger::Telegram, Duration::from_millis(300));
        match gates.open() {
            Open::Rest(wait) => {
                assert!(wait <= Duration::from_millis(300), "{wait:?}");
                assert!(wait > Duration::from_millis(200), "{wait:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_rest_ends_by_itself() {
        let gates = Gates::new(vec![Messenger::Max], 2);
        gates.rest(Messenger::Max, Duration::from_millis(30));
        assert!(matches!(gates.open(), Open::Rest(_)));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(gates.open(), claim(&[Messenger::Max], None));
    }

    #[test]
    fn one_lane_is_always_left_to_the_other_messenger() {
        let gates = Gates::new(BOTH.to_vec(), 3);
        let first = gates.hold(Messenger::Max).expect("a first hold");
        let second = gates.hold(Messenger::Max).expect("a second hold");
        assert!(
            gates.hold(Messenger::Max).is_none(),
            "the third lane is Telegram's"
        );
        assert!(
            matches!(gates.open(), Open::Claim { messengers, .. } if messengers == [Messenger::Telegram])
        );
        drop(first);
        assert_eq!(gates.open(), claim(&BOTH, None));
        assert!(gates.hold(Messenger::Max).is_some());
        drop(second);
    }

    #[test]
    fn one_lane_for_two_messengers_claims_both_and_holds_neither() {
        let gates = Gates::new(BOTH.to_vec(), 1);
        assert!(gates.hold(Messenger::Max).is_none());
        assert_eq!(gates.open(), claim(&BOTH, None));
    }

    #[test]
    fn with_one_messenger_every_lane_may_hold() {
        let gates = Gates::new(vec![Messenger::Telegram], 2);
        let holds: Vec<_> = (0..2)
            .map(|_| gates.hold(Messenger::Telegram).expect("a hold"))
            .collect();
        assert!(gates.hold(Messenger::Telegram).is_none());
        assert!(gates.hold(Messenger::Max).is_none(), "not served");
        drop(holds);
        assert!(gates.hold(Messenger::Telegram).is_some());
    }
}
