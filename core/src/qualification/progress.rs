//! Progress toward periodic accreditation in one period, two ways:
//!
//! - **the law** (Приказ № 709н): at least [`TOTAL_HOURS`] academic hours
//!   in the five years, of them at least the ПК minimum in programmes of
//!   professional development — 74 by default, 72 also cited, so it is a
//!   setting ([`Requirements`]); the rest may be ЗЕТ from the НМО portal
//!   (1 ЗЕТ = 1 academic hour);
//! - **the НМО portal's plan**: 250 ЗЕТ per five-year cycle, about 50 a
//!   year ([`PortalPlan`]). A guide the portal draws its own progress bar
//!   by, not a legal threshold: the bot shows it apart and says so.
//!
//! Only records completed inside the period count
//! ([`super::AccreditationPeriod::contains`]); those outside are counted
//! apart so the bot can say why they are missing from the total.

use chrono::NaiveDate;

use super::period::{ACCREDITATION_YEARS, AccreditationPeriod};
use super::records::Record;

/// Academic hours the law asks for in five years.
pub const TOTAL_HOURS: u32 = 144;

/// The ПК minimum most often cited.
pub const DEFAULT_PROGRAMME_HOURS: u32 = 74;

/// The other ПК minimum cited.
pub const ALTERNATIVE_PROGRAMME_HOURS: u32 = 72;

/// What the law asks for, with the ПК minimum as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements {
    pub total_hours: u32,
    pub programme_hours: u32,
}

/// A ПК minimum that is not one of the cited values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the ПК minimum must be 72 or 74 hours, not {0}")]
pub struct UnknownProgrammeMinimum(pub u32);

impl Requirements {
    /// 144 hours, with `programme_hours` of ПК. Only the two cited values
    /// are accepted: a setting of 7 or 740 is a typo, not a reading of the
    /// law.
    pub fn with_programme_minimum(
        programme_hours: u32,
    ) -> Result<Requirements, UnknownProgrammeMinimum> {
        match programme_hours {
            DEFAULT_PROGRAMME_HOURS | ALTERNATIVE_PROGRAMME_HOURS => Ok(Requirements {
                total_hours: TOTAL_HOURS,
                programme_hours,
            }),
            other => Err(UnknownProgrammeMinimum(other)),
        }
    }
}

impl Default for Requirements {
    fn default() -> Requirements {
        Requirements {
            total_hours: TOTAL_HOURS,
            programme_hours: DEFAULT_PROGRAMME_HOURS,
        }
    }
}

/// The НМО portal's plan for a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalPlan {
    pub zet: u32,
    pub zet_per_year: u32,
}

impl PortalPlan {
    pub const NMO_PORTAL: PortalPlan = PortalPlan {
        zet: 250,
        zet_per_year: 50,
    };
}

/// One measure against its target, for a sentence («96 из 144») and for a
/// bar of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub done: u32,
    pub target: u32,
}

impl Measure {
    pub fn reached(self) -> bool {
        self.done >= self.target
    }

    /// What is still to do; zero once reached.
    pub fn remaining(self) -> u32 {
        self.target.saturating_sub(self.done)
    }

    /// Done as a share of the target in per mille, capped at 1000: a bar
    /// never runs past its end (the sentence says the real number).
    pub fn per_mille(self) -> u32 {
        if self.target == 0 {
            return 1000;
        }
        let share = u64::from(self.done) * 1000 / u64::from(self.target);
        u32::try_from(share.min(1000)).unwrap_or(1000)
    }
}

/// What one year of the period brought, for the chart's bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearTotals {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub programme_hours: u32,
    pub zet: u32,
}

/// The portal's plan as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanProgress {
    /// Everything counted, against the plan's 250.
    pub cycle: Measure,
    /// What the plan expects by "today": 50 a year, pro rata by days
    /// elapsed in the period (the whole plan once the period is over).
    pub expected_by_today: u32,
}

/// Progress in one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub period: AccreditationPeriod,
    /// ПК hours and ЗЕТ together, against the 144.
    pub total: Measure,
    /// ПК hours, against the minimum.
    pub programme: Measure,
    /// ЗЕТ of modules and events (the part of the total from the portal).
    pub zet: u32,
    /// Records that counted.
    pub counted_records: usize,
    /// Records completed before the period started (the previous period's).
    pub before_period: usize,
    /// Records completed after the period's last day.
    pub after_period: usize,
    /// The period year by year.
    pub years: [YearTotals; ACCREDITATION_YEARS as usize],
    pub plan: PlanProgress,
}

impl Progress {
    /// Whether the education meets the law: the total and the ПК minimum.
    pub fn sufficient(&self) -> bool {
        self.total.reached() && self.programme.reached()
    }
}

/// Counts `records` toward `period` as of `today`.
pub fn progress(
    period: AccreditationPeriod,
    records: &[Record],
    requirements: Requirements,
    plan: PortalPlan,
    today: NaiveDate,
) -> Progress {
    let mut years = period.years().map(|(first_day, last_day)| YearTotals {
        first_day,
        last_day,
        ..YearTotals::default()
    });
    let (mut programme_hours, mut zet) = (0u32, 0u32);
    let (mut counted_records, mut before_period, mut after_period) = (0, 0, 0);
    for record in records {
        let day = record.completed_on.date();
        let Some(year) = period.year_of(day) else {
            if day < period.accredited_on() {
                before_period += 1;
            } else {
                after_period += 1;
            }
            continue;
        };
        counted_records += 1;
        let (hours, record_zet) = (record.education.programme_hours(), record.education.zet());
        // Amounts are bounded per record; saturating keeps a flood of
        // records from wrapping round to a small number.
        programme_hours = programme_hours.saturating_add(hours);
        zet = zet.saturating_add(record_zet);
        years[year].programme_hours = years[year].programme_hours.saturating_add(hours);
        years[year].zet = years[year].zet.saturating_add(record_zet);
    }
    let total = programme_hours.saturating_add(zet);
    Progress {
        period,
        total: Measure {
            done: total,
            target: requirements.total_hours,
        },
        programme: Measure {
            done: programme_hours,
            target: requirements.programme_hours,
        },
        zet,
        counted_records,
        before_period,
        after_period,
        years,
        plan: PlanProgress {
            cycle: Measure {
                done: total,
                target: plan.zet,
            },
            expected_by_today: expected_by(period, plan, today),
        },
    }
}

/// The plan's share for the days elapsed, rounded down.
fn expected_by(period: AccreditationPeriod, plan: PortalPlan, today: NaiveDate) -> u32 {
    if today < period.accredited_on() {
        return 0;
    }
    let elapsed = ((today - period.accredited_on()).num_days() + 1).min(period.days());
    let share = i64::from(plan.zet) * elapsed / period.days().max(1);
    u32::try_from(share).unwrap_or(plan.zet)
}

/// What records completed from `from` to `until` (both days included)
/// add up to: the totals of a report for a period a practitioner chose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub records: usize,
    pub programme_hours: u32,
    pub zet: u32,
}

impl Totals {
    /// ПК hours and ЗЕТ together (1 ЗЕТ is 1 academic hour).
    pub fn hours(self) -> u32 {
        self.programme_hours.saturating_add(self.zet)
    }
}

/// Whether `record` falls between `from` and `until`, both days included.
pub fn within(record: &Record, from: NaiveDate, until: NaiveDate) -> bool {
    (from..=until).contains(&record.completed_on.date())
}

/// The [`Totals`] of the records between `from` and `until`.
pub fn totals_between<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    from: NaiveDate,
    until: NaiveDate,
) -> Totals {
    records
        .into_iter()
        .filter(|record| within(record, from, until))
        .fold(Totals::default(), |totals, record| Totals {
            records: totals.records + 1,
            programme_hours: totals
                .programme_hours
                .saturating_add(record.education.programme_hours()),
            zet: totals.zet.saturating_add(record.education.zet()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;
    use crate::qualification::amounts::{EventZet, ModuleZet, ProgrammeHours};
    use crate::qualification::records::{CompletedOn, Education, IkpCode};

    fn programme(hours: u32, on: NaiveDate) -> Record {
        Record::new(
            Education::Programme {
                hours: ProgrammeHours::new(hours).unwrap(),
            },
            CompletedOn::stored(on),
        )
    }

    fn module(zet: u32, on: NaiveDate) -> Record {
        Record::new(
            Education::Module {
                zet: ModuleZet::new(zet).unwrap(),
            },
            CompletedOn::stored(on),
        )
    }

    fn event(zet: u32, on: NaiveDate) -> Record {
        Record::new(
            Education::Event {
                zet: EventZet::new(zet).unwrap(),
                ikp: IkpCode::parse("ИКП-1").unwrap(),
            },
            CompletedOn::stored(on),
        )
    }

    fn count(period: AccreditationPeriod, records: &[Record]) -> Progress {
        count_on(period, records, period.valid_until())
    }

    fn count_on(period: AccreditationPeriod, records: &[Record], today: NaiveDate) -> Progress {
        progress(
            period,
            records,
            Requirements::default(),
            PortalPlan::NMO_PORTAL,
            today,
        )
    }

    #[test]
    fn hand_computed_period_with_a_boundary_day_in_and_out() {
        // Accredited 15.03.2024, valid until 15.03.2029.
        let period = AccreditationPeriod::since(date(2024, 3, 15));
        let records = [
            programme(36, date(2024, 3, 14)), // the day before: not counted
            programme(36, date(2024, 3, 15)), // the first day
            programme(40, date(2026, 6, 1)),
            module(30, date(2027, 1, 10)),
            event(6, date(2028, 11, 20)),
            module(32, date(2029, 3, 15)), // the last day
            event(6, date(2029, 3, 16)),   // after: not counted
        ];
        let progress = count(period, &records);
        assert_eq!(
            progress.programme,
            Measure {
                done: 76,
                target: 74
            }
        );
        assert_eq!(progress.zet, 30 + 6 + 32);
        assert_eq!(
            progress.total,
            Measure {
                done: 144,
                target: 144
            }
        );
        assert!(progress.sufficient());
        assert_eq!(
            (
                progress.counted_records,
                progress.before_period,
                progress.after_period
            ),
            (5, 1, 1)
        );
        let by_year: Vec<(u32, u32)> = progress
            .years
            .iter()
            .map(|y| (y.programme_hours, y.zet))
            .collect();
        assert_eq!(by_year, [(36, 0), (0, 0), (40, 30), (0, 0), (0, 38)]);
    }

    #[test]
    fn programme_hours_below_the_minimum_are_not_enough_whatever_the_total() {
        let period = AccreditationPeriod::since(date(2022, 9, 1));
        let records = [
            programme(36, date(2023, 2, 1)),
            programme(36, date(2025, 2, 1)),
            module(50, date(2024, 5, 5)),
            module(50, date(2026, 5, 5)),
        ];
        let progress = count(period, &records);
        assert_eq!(progress.total.done, 172);
        assert!(progress.total.reached());
        assert_eq!(
            progress.programme,
            Measure {
                done: 72,
                target: 74
            }
        );
        assert_eq!(progress.programme.remaining(), 2);
        assert!(!progress.sufficient(), "72 ПК hours under the default 74");

        let lenient = progress_with(period, &records, 72);
        assert!(
            lenient.sufficient(),
            "72 is enough where the setting says 72"
        );
    }

    fn progress_with(period: AccreditationPeriod, records: &[Record], minimum: u32) -> Progress {
        progress(
            period,
            records,
            Requirements::with_programme_minimum(minimum).unwrap(),
            PortalPlan::NMO_PORTAL,
            period.valid_until(),
        )
    }

    #[test]
    fn the_programme_minimum_is_72_or_74_only() {
        assert_eq!(
            Requirements::with_programme_minimum(74),
            Ok(Requirements::default())
        );
        assert_eq!(
            Requirements::with_programme_minimum(72).map(|r| r.programme_hours),
            Ok(72)
        );
        assert_eq!(
            Requirements::with_programme_minimum(740),
            Err(UnknownProgrammeMinimum(740))
        );
    }

    #[test]
    fn a_leap_day_period_counts_its_last_day_and_not_the_first_of_march() {
        let period = AccreditationPeriod::since(date(2024, 2, 29));
        let records = [
            programme(74, date(2024, 2, 29)),
            module(70, date(2029, 2, 28)),
            module(70, date(2029, 3, 1)),
        ];
        let progress = count(period, &records);
        assert_eq!(progress.total.done, 144);
        assert_eq!(progress.after_period, 1);
        assert_eq!(progress.years[0].programme_hours, 74);
        assert_eq!(progress.years[4].zet, 70);
    }

    #[test]
    fn the_portal_plan_is_pro_rata_and_capped_for_the_chart() {
        let period = AccreditationPeriod::since(date(2024, 3, 15));
        let records = [
            programme(144, date(2025, 1, 1)),
            module(20, date(2025, 2, 1)),
        ];
        // By 15.03.2026, 731 of the 1827 days have begun (two years and the
        // first day of the third): 250 × 731 / 1827 = 100.03, so 100.
        let halfway = count_on(period, &records, date(2026, 3, 15));
        assert_eq!(halfway.plan.expected_by_today, 100);
        assert_eq!(
            halfway.plan.cycle,
            Measure {
                done: 164,
                target: 250
            }
        );
        assert_eq!(halfway.plan.cycle.per_mille(), 656);
        assert_eq!(
            halfway.total.per_mille(),
            1000,
            "164 of 144: the bar is full"
        );
        let before = count_on(period, &records, date(2024, 1, 1));
        assert_eq!(before.plan.expected_by_today, 0);
        let after = count_on(period, &records, date(2031, 1, 1));
        assert_eq!(after.plan.expected_by_today, 250);
    }

    #[test]
    fn nothing_recorded_is_nothing_counted() {
        let period = AccreditationPeriod::since(date(2024, 3, 15));
        let progress = count(period, &[]);
        assert_eq!(
            progress.total,
            Measure {
                done: 0,
                target: 144
            }
        );
        assert_eq!(progress.total.remaining(), 144);
        assert_eq!(progress.total.per_mille(), 0);
        assert!(!progress.sufficient());
    }

    #[test]
    fn a_reports_totals_count_both_boundary_days_and_nothing_outside() {
        let records = [
            programme(36, date(2025, 12, 31)),
            programme(18, date(2026, 1, 1)),
            module(2, date(2026, 6, 15)),
            event(3, date(2026, 12, 31)),
            programme(72, date(2027, 1, 1)),
        ];
        let totals = totals_between(&records, date(2026, 1, 1), date(2026, 12, 31));
        assert_eq!(
            totals,
            Totals {
                records: 3,
                programme_hours: 18,
                zet: 5
            }
        );
        assert_eq!(totals.hours(), 23);
        assert_eq!(
            totals_between(&records, date(2030, 1, 1), date(2030, 12, 31)),
            Totals::default()
        );
    }
}
