//! Time, as the domain sees it: from the system in production, set by hand
//! in tests (lockouts, TOTP steps, expiry).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Where "now" comes from. Pass it around; never call `Utc::now()` in a rule.
#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock that stands still at `start` until moved with [`Clock::advance`]
    /// or [`Clock::set`]. Clones share the same time.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock(Source::Manual(Arc::new(Mutex::new(start))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Source::System => Utc::now(),
            Source::Manual(time) => *time.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Moves a manual clock forward; a system clock cannot be moved.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(time) = &self.0 {
            *time.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += by;
        }
    }

    pub fn set(&self, to: DateTime<Utc>) {
        if let Source::Manual(time) = &self.0 {
            *time.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
        }
    }
}

/// The date in Moscow at `at`: "today" for the rules that go by Moscow, as
/// federal registers and review staff do (a document's validity, the
/// accreditation window, an inspection's day). What a person *reads* is
/// formatted in their own zone by [`crate::dates::Reader`].
pub fn moscow_today(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&crate::dates::moscow_offset())
        .date_naive()
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Manual(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let start = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Clock::manual(start);
        let shared = clock.clone();
        assert_eq!(clock.now(), start);
        shared.advance(Duration::minutes(30));
        assert_eq!(clock.now(), start + Duration::minutes(30));
    }

    #[test]
    fn moscow_is_three_hours_ahead_all_year() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(moscow_today(at("2026-11-25T20:59:59Z")), date(2026, 11, 25));
        assert_eq!(moscow_today(at("2026-11-25T21:00:00Z")), date(2026, 11, 26));
        assert_eq!(moscow_today(at("2026-07-01T21:00:00Z")), date(2026, 7, 2));
    }
}
