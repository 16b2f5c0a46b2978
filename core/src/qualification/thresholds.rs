//! When the accreditation reminds: one table, [`THRESHOLDS`], read by the
//! scheduler and by the tests alike.
//!
//! | before the end | what it says                          |
//! |----------------|---------------------------------------|
//! | 12 months      | start collecting the portfolio        |
//! | 6 months       | check the hours and the report        |
//! | 3 months       | file now if the report is not agreed  |
//! | 2 months       | file now                              |
//! | 1 month        | late: file at once                    |
//!
//! Each threshold's day is the valid-until day so many calendar months
//! earlier (31.08 less 6 months is the last day of February). Each fires
//! once: [`due`] is told which were sent and never repeats one. A clock
//! that jumps past several thresholds at once (the server was down, or a
//! test moved it) fires only the latest one reached: the earlier ones'
//! advice is out of date by then, and three pushes in a row about one
//! date would be noise. Nothing fires after the valid-until day.

use chrono::{Months, NaiveDate};

/// One reminder before the accreditation runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Threshold {
    /// Calendar months before the valid-until day.
    pub months: u32,
    /// Whether filing is already late at this point.
    pub late: bool,
}

impl Threshold {
    /// The first day this threshold is reached.
    pub fn day(self, valid_until: NaiveDate) -> NaiveDate {
        valid_until
            .checked_sub_months(Months::new(self.months))
            .unwrap_or(NaiveDate::MIN)
    }

    /// A stable name for dedup keys and stored "already sent" marks:
    /// `12m`, `6m` ….
    pub fn key(self) -> String {
        format!("{}m", self.months)
    }

    /// The threshold of a [`Threshold::key`], if the table has it.
    pub fn parse_key(key: &str) -> Option<Threshold> {
        THRESHOLDS
            .into_iter()
            .find(|threshold| threshold.key() == key)
    }
}

/// The reminders, farthest first.
pub const THRESHOLDS: [Threshold; 5] = [
    Threshold {
        months: 12,
        late: false,
    },
    Threshold {
        months: 6,
        late: false,
    },
    Threshold {
        months: 3,
        late: false,
    },
    Threshold {
        months: 2,
        late: false,
    },
    Threshold {
        months: 1,
        late: true,
    },
];

/// The threshold to send `today` for an accreditation valid until
/// `valid_until`, given the thresholds already `sent` for that date: the
/// latest reached, unless it or a later one was sent already.
pub fn due(valid_until: NaiveDate, today: NaiveDate, sent: &[Threshold]) -> Option<Threshold> {
    if today > valid_until {
        return None;
    }
    let latest = THRESHOLDS
        .into_iter()
        .filter(|threshold| threshold.day(valid_until) <= today)
        .min_by_key(|threshold| threshold.months)?;
    // A clock set back must not bring an earlier, skipped threshold back.
    let covered = sent.iter().any(|sent| sent.months <= latest.months);
    (!covered).then_some(latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;

    fn months(threshold: Option<Threshold>) -> Option<u32> {
        threshold.map(|t| t.months)
    }

    #[test]
    fn the_table_is_farthest_first_and_only_the_last_is_late() {
        let months: Vec<u32> = THRESHOLDS.iter().map(|t| t.months).collect();
        assert_eq!(months, [12, 6, 3, 2, 1]);
        let late: Vec<bool> = THRESHOLDS.iter().map(|t| t.late).collect();
        assert_eq!(late, [false, false, false, false, true]);
        for threshold in THRESHOLDS {
            assert_eq!(Threshold::parse_key(&threshold.key()), Some(threshold));
        }
        assert_eq!(Threshold::parse_key("365"), None);
    }

    #[test]
    fn each_threshold_fires_once_on_its_day_as_days_go_by() {
        let until = date(2029, 5, 20);
        let mut sent = Vec::new();
        let mut fired = Vec::new();
        let mut day = date(2028, 1, 1);
        while day <= date(2029, 6, 30) {
            if let Some(threshold) = due(until, day, &sent) {
                sent.push(threshold);
                fired.push((threshold.months, day));
            }
            day = day.succ_opt().unwrap();
        }
        assert_eq!(
            fired,
            [
                (12, date(2028, 5, 20)),
                (6, date(2028, 11, 20)),
                (3, date(2029, 2, 20)),
                (2, date(2029, 3, 20)),
                (1, date(2029, 4, 20)),
            ]
        );
    }

    #[test]
    fn a_jump_past_several_fires_only_the_latest() {
        let until = date(2029, 5, 20);
        assert_eq!(months(due(until, date(2029, 3, 25), &[])), Some(2));
        let sent = [THRESHOLDS[0]];
        assert_eq!(months(due(until, date(2029, 3, 25), &sent)), Some(2));
        // Then the clock goes back to December: the 6 months are not sent.
        let sent = [THRESHOLDS[0], THRESHOLDS[3]];
        assert_eq!(due(until, date(2028, 12, 1), &sent), None);
        assert_eq!(months(due(until, date(2029, 4, 20), &sent)), Some(1));
    }

    #[test]
    fn nothing_before_twelve_months_nor_after_the_end() {
        let until = date(2029, 5, 20);
        assert_eq!(due(until, date(2028, 5, 19), &[]), None);
        assert_eq!(
            months(due(until, until, &[])),
            Some(1),
            "the last valid day"
        );
        assert_eq!(due(until, date(2029, 5, 21), &[]), None);
    }

    #[test]
    fn a_month_end_threshold_falls_on_the_shorter_months_last_day() {
        let until = date(2029, 8, 31);
        assert_eq!(THRESHOLDS[1].day(until), date(2029, 2, 28));
        assert_eq!(THRESHOLDS[2].day(until), date(2029, 5, 31));
        assert_eq!(
            months(due(until, date(2029, 2, 28), &[THRESHOLDS[0]])),
            Some(6)
        );
        // A leap-day end: twelve months before is the 28th.
        assert_eq!(THRESHOLDS[0].day(date(2028, 2, 29)), date(2027, 2, 28));
    }
}
