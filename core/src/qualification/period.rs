//! The five-year period of an accreditation: from the day of the last
//! accreditation to the day it is valid until, both days included.
//!
//! Five years: «аккредитация специалиста … действительна в течение пяти
//! лет» (Приказ Минздрава № 709н; 323-ФЗ ст. 69). How a term in years is
//! counted is the Civil Code's: the term starts the day after the event
//! that opens it (ГК РФ ст. 191) and «срок, исчисляемый годами, истекает в
//! соответствующие месяц и число последнего года срока» (ст. 192 п. 1). So
//! an accreditation of 15.03.2024 runs out at the end of 15.03.2029, and
//! 15.03.2029 is still a valid day.
//!
//! A 29 February has no "corresponding day" five years on (2029 is a common
//! year). ст. 192 п. 3 settles the same gap for months — «если окончание
//! срока … приходится на такой месяц, в котором нет соответствующего
//! числа, то срок истекает в последний день этого месяца» — and courts
//! apply it to years by analogy: 29.02.2024 + 5 years is **28.02.2029**,
//! never 01.03.2029. That is what [`NaiveDate::checked_add_months`] does.
//!
//! Which days count toward the period (DESIGN.md: education «в эти пять
//! лет»): from the accreditation day itself, inclusive — the previous
//! portfolio was filed months before that day, so nothing done on it was
//! counted twice — to the valid-until day, inclusive. A record completed
//! the day before the accreditation belongs to the previous period; one
//! completed after the valid-until day belongs to none (the accreditation
//! has run out; the next one opens a new period).
//!
//! The register states only the valid-until day. Going back five years
//! from it gives the accreditation day, except that a valid-until of
//! 28.02 in a common year may have come from a 29.02 or a 28.02: going
//! back gives the 28th, so a record of that one day could count though
//! done the day before an accreditation of 29.02. Where the accreditation
//! day is known (the document on file), [`AccreditationPeriod::since`]
//! says it exactly.

use chrono::{Months, NaiveDate};

/// Years an accreditation holds.
pub const ACCREDITATION_YEARS: u32 = 5;

const PERIOD_MONTHS: Months = Months::new(ACCREDITATION_YEARS * 12);

/// The days of one accreditation, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccreditationPeriod {
    accredited_on: NaiveDate,
    valid_until: NaiveDate,
}

impl AccreditationPeriod {
    /// The period of an accreditation granted on `accredited_on`.
    pub fn since(accredited_on: NaiveDate) -> AccreditationPeriod {
        AccreditationPeriod {
            accredited_on,
            valid_until: accredited_on
                .checked_add_months(PERIOD_MONTHS)
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// The period of an accreditation valid until `valid_until` (what the
    /// register states); the start is five years before it.
    pub fn until(valid_until: NaiveDate) -> AccreditationPeriod {
        AccreditationPeriod {
            accredited_on: valid_until
                .checked_sub_months(PERIOD_MONTHS)
                .unwrap_or(NaiveDate::MIN),
            valid_until,
        }
    }

    /// The day of the accreditation: the first day of the period.
    pub fn accredited_on(self) -> NaiveDate {
        self.accredited_on
    }

    /// The last day the accreditation holds.
    pub fn valid_until(self) -> NaiveDate {
        self.valid_until
    }

    /// Whether a record completed on `day` counts toward this period.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.accredited_on <= day && day <= self.valid_until
    }

    /// Days in the period, both ends counted (1827 for most five years).
    pub fn days(self) -> i64 {
        (self.valid_until - self.accredited_on).num_days() + 1
    }

    /// The period's years, first to fifth: year `k` (0-based) runs from
    /// the accreditation day plus `k` years to the day before plus `k + 1`.
    /// The fifth also holds the valid-until day (the years are counted
    /// from one start, so a leap day does not shift them).
    pub fn years(self) -> [(NaiveDate, NaiveDate); ACCREDITATION_YEARS as usize] {
        let start = |k: u32| {
            self.accredited_on
                .checked_add_months(Months::new(k * 12))
                .unwrap_or(NaiveDate::MAX)
        };
        std::array::from_fn(|k| {
            let k = u32::try_from(k).unwrap_or(0);
            let last = if k + 1 == ACCREDITATION_YEARS {
                self.valid_until
            } else {
                start(k + 1).pred_opt().unwrap_or(NaiveDate::MIN)
            };
            (start(k), last)
        })
    }

    /// Which of [`AccreditationPeriod::years`] holds `day`, if the period
    /// does.
    pub fn year_of(self, day: NaiveDate) -> Option<usize> {
        if !self.contains(day) {
            return None;
        }
        self.years()
            .iter()
            .position(|&(first, last)| first <= day && day <= last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;

    #[test]
    fn five_years_end_on_the_same_day_and_month() {
        let period = AccreditationPeriod::since(date(2024, 3, 15));
        assert_eq!(period.valid_until(), date(2029, 3, 15));
        assert_eq!(
            period.days(),
            1827,
            "2024-03-15..=2029-03-15, 2028 a leap year"
        );
        assert_eq!(AccreditationPeriod::until(date(2029, 3, 15)), period);
    }

    #[test]
    fn both_boundary_days_count_and_their_neighbours_do_not() {
        let period = AccreditationPeriod::since(date(2024, 3, 15));
        assert!(
            !period.contains(date(2024, 3, 14)),
            "the day before: the previous period"
        );
        assert!(period.contains(date(2024, 3, 15)), "the accreditation day");
        assert!(period.contains(date(2029, 3, 15)), "the valid-until day");
        assert!(!period.contains(date(2029, 3, 16)), "after it ran out");
    }

    #[test]
    fn a_leap_day_accreditation_runs_to_the_28th_of_february() {
        let period = AccreditationPeriod::since(date(2024, 2, 29));
        assert_eq!(period.valid_until(), date(2029, 2, 28));
        assert!(period.contains(date(2029, 2, 28)));
        assert!(!period.contains(date(2029, 3, 1)));
        // Twenty years on, 2044 is a leap year again and has the day.
        assert_eq!(
            AccreditationPeriod::since(date(2039, 2, 28)).valid_until(),
            date(2044, 2, 28)
        );
        // Going back from the 28th gives the 28th (see the module's note).
        assert_eq!(
            AccreditationPeriod::until(date(2029, 2, 28)).accredited_on(),
            date(2024, 2, 28)
        );
    }

    #[test]
    fn the_years_tile_the_period() {
        let period = AccreditationPeriod::since(date(2024, 2, 29));
        let years = period.years();
        assert_eq!(years[0], (date(2024, 2, 29), date(2025, 2, 27)));
        assert_eq!(years[1], (date(2025, 2, 28), date(2026, 2, 27)));
        assert_eq!(years[4], (date(2028, 2, 29), date(2029, 2, 28)));
        for pair in years.windows(2) {
            assert_eq!(pair[0].1.succ_opt(), Some(pair[1].0), "no gap, no overlap");
        }
        assert_eq!(period.year_of(date(2024, 2, 29)), Some(0));
        assert_eq!(period.year_of(date(2025, 2, 28)), Some(1));
        assert_eq!(period.year_of(date(2029, 2, 28)), Some(4));
        assert_eq!(period.year_of(date(2029, 3, 1)), None);
        assert_eq!(period.year_of(date(2024, 2, 28)), None);
    }
}
