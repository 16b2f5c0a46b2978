//! Where a practitioner's accreditation stands and what to do next.
//!
//! The accreditation is known from the register of medical workers (a
//! number and the valid-until day) and from the accreditation documents on
//! file (a выписка or an old свидетельство: issued on, valid until). The
//! one in force is the one that lasts longest ([`current`]), as for the
//! applications' window.
//!
//! What to do, in order ([`Stage`]):
//! 1. from twelve months before the end — when a periodic accreditation
//!    may be applied for ([`accreditation_window_opens`]) — collect the
//!    portfolio: the report on professional activity agreed with the
//!    employer, the ПК certificates, the ЗЕТ on the НМО portal;
//! 2. file in the filing month: the ФАЦ checks the documents for up to 20
//!    working days and the central commission sits monthly, about 35
//!    working days in all, so in practice two months before the month of
//!    expiry when the report is agreed with the employer, three when it is
//!    not ([`filing_month`]);
//! 3. after the filing month it is late (still possible, with less
//!    margin); after the valid-until day the accreditation has run out.
//!
//! The result is an entry in the register (ФРМР) and a «выписка», not a
//! certificate: the bot says so in its words.

use chrono::{Datelike, Months, NaiveDate};

use super::period::AccreditationPeriod;
use crate::applications::accreditation_window_opens;

/// A calendar month: the unit "file in February 2029" is said in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarMonth {
    year: i32,
    /// 1..=12.
    month: u32,
}

impl CalendarMonth {
    pub fn of(date: NaiveDate) -> CalendarMonth {
        CalendarMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1 for January … 12 for December (the bot names it in Fluent).
    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.first_day()
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    /// The month `months` earlier, across year boundaries.
    pub fn earlier(self, months: u32) -> CalendarMonth {
        CalendarMonth::of(
            self.first_day()
                .checked_sub_months(Months::new(months))
                .unwrap_or(NaiveDate::MIN),
        )
    }
}

/// Whether the report on professional activity is agreed with the head of
/// the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportAgreement {
    Agreed,
    /// Filed marked «не согласован»; the commission takes longer over it.
    NotAgreed,
}

impl ReportAgreement {
    /// Months before the month of expiry to file in.
    pub fn months_before_expiry(self) -> u32 {
        match self {
            ReportAgreement::Agreed => 2,
            ReportAgreement::NotAgreed => 3,
        }
    }
}

/// The month to file the portfolio in, for an accreditation valid until
/// `valid_until`.
pub fn filing_month(valid_until: NaiveDate, report: ReportAgreement) -> CalendarMonth {
    CalendarMonth::of(valid_until).earlier(report.months_before_expiry())
}

/// Where the accreditation is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Register,
    Document,
}

/// The register's accreditation fields of the practitioner's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegisterAccreditation {
    pub has_number: bool,
    pub valid_until: Option<NaiveDate>,
}

/// An accreditation document on file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccreditationDocument {
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
}

/// The accreditation in force and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentAccreditation {
    pub source: Source,
    pub period: AccreditationPeriod,
}

/// What is known of the accreditation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Neither the register nor a document says anything.
    Nothing,
    /// The register has an accreditation number but no date, and no
    /// document on file gives one: the bot asks for the выписка.
    NumberWithoutDate,
    Accreditation(CurrentAccreditation),
}

/// The accreditation in force: the latest valid-until of the register and
/// the documents; on a tie the register's (the system of record). A
/// document whose issue day is exactly five years before its end gives the
/// accreditation day itself (this settles a 28.02 that came from a 29.02);
/// otherwise the start is counted back from the end
/// ([`AccreditationPeriod::until`]: a выписка may be issued after the
/// decision).
pub fn current(register: RegisterAccreditation, documents: &[AccreditationDocument]) -> Known {
    let from_register = register
        .valid_until
        .map(|valid_until| CurrentAccreditation {
            source: Source::Register,
            period: AccreditationPeriod::until(valid_until),
        });
    let from_documents = documents.iter().map(|document| {
        let since = AccreditationPeriod::since(document.issued_on);
        CurrentAccreditation {
            source: Source::Document,
            period: if since.valid_until() == document.valid_until {
                since
            } else {
                AccreditationPeriod::until(document.valid_until)
            },
        }
    });
    // The register first, and `max_by_key` keeps the last of equals:
    // reversed, the register wins a tie.
    let best = from_register
        .into_iter()
        .chain(from_documents)
        .rev()
        .max_by_key(|accreditation| accreditation.period.valid_until());
    match best {
        Some(accreditation) => Known::Accreditation(accreditation),
        None if register.has_number => Known::NumberWithoutDate,
        None => Known::Nothing,
    }
}

/// What the practitioner should be doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// More than twelve months left: keep up the hours.
    Early,
    /// Within twelve months, before the filing month: collect the portfolio.
    Collecting,
    /// In the filing month: file now.
    FilingMonth,
    /// After the filing month, before the end: file at once.
    Late,
    /// After the valid-until day.
    Expired,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Early,
        Stage::Collecting,
        Stage::FilingMonth,
        Stage::Late,
        Stage::Expired,
    ];

    /// A stable code, for stored pushes and the bot's Fluent selectors.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Early => "early",
            Stage::Collecting => "collecting",
            Stage::FilingMonth => "filing_month",
            Stage::Late => "late",
            Stage::Expired => "expired",
        }
    }

    pub fn parse(code: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == code)
    }
}

/// The accreditation's standing on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccreditationStatus {
    pub source: Source,
    pub period: AccreditationPeriod,
    /// Days from today to the valid-until day: 0 on that day (still
    /// valid), negative once it has run out.
    pub days_left: i64,
    /// When to start collecting the portfolio.
    pub collect_from: NaiveDate,
    pub filing_month: CalendarMonth,
    pub report: ReportAgreement,
    pub stage: Stage,
}

/// The standing of `accreditation` on `today`, with the report `report`.
pub fn status(
    accreditation: CurrentAccreditation,
    report: ReportAgreement,
    today: NaiveDate,
) -> AccreditationStatus {
    let valid_until = accreditation.period.valid_until();
    let collect_from = accreditation_window_opens(valid_until);
    let filing_month = filing_month(valid_until, report);
    let stage = if today > valid_until {
        Stage::Expired
    } else if today > filing_month.last_day() {
        Stage::Late
    } else if today >= filing_month.first_day() {
        Stage::FilingMonth
    } else if today >= collect_from {
        Stage::Collecting
    } else {
        Stage::Early
    };
    AccreditationStatus {
        source: accreditation.source,
        period: accreditation.period,
        days_left: (valid_until - today).num_days(),
        collect_from,
        filing_month,
        report,
        stage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;

    fn month(year: i32, month: u32) -> CalendarMonth {
        CalendarMonth::of(date(year, month, 1))
    }

    fn register(valid_until: NaiveDate) -> RegisterAccreditation {
        RegisterAccreditation {
            has_number: true,
            valid_until: Some(valid_until),
        }
    }

    fn in_force(valid_until: NaiveDate) -> CurrentAccreditation {
        match current(register(valid_until), &[]) {
            Known::Accreditation(accreditation) => accreditation,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_filing_month_is_two_months_before_expiry_agreed_and_three_not() {
        use ReportAgreement::{Agreed, NotAgreed};
        // (valid until, report, the month to file in): across year ends too.
        let cases = [
            (date(2029, 5, 20), Agreed, month(2029, 3)),
            (date(2029, 5, 20), NotAgreed, month(2029, 2)),
            (date(2029, 2, 28), Agreed, month(2028, 12)),
            (date(2029, 2, 28), NotAgreed, month(2028, 11)),
            (date(2030, 1, 31), Agreed, month(2029, 11)),
            (date(2030, 1, 31), NotAgreed, month(2029, 10)),
            (date(2030, 3, 31), Agreed, month(2030, 1)),
            (date(2030, 3, 31), NotAgreed, month(2029, 12)),
        ];
        for (until, report, expected) in cases {
            assert_eq!(filing_month(until, report), expected, "{until} {report:?}");
        }
    }

    #[test]
    fn stage_codes_round_trip() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(Stage::parse("soon"), None);
    }

    #[test]
    fn calendar_months_know_their_days() {
        assert_eq!(month(2028, 2).last_day(), date(2028, 2, 29));
        assert_eq!(month(2029, 2).last_day(), date(2029, 2, 28));
        assert_eq!(month(2029, 12).last_day(), date(2029, 12, 31));
        assert_eq!(month(2029, 1).earlier(1), month(2028, 12));
        assert_eq!(
            (month(2028, 12).year(), month(2028, 12).month()),
            (2028, 12)
        );
    }

    #[test]
    fn the_stages_follow_the_calendar() {
        // Valid until 20.05.2029, report agreed: collect from 20.05.2028,
        // file in March 2029, late from April.
        let accreditation = in_force(date(2029, 5, 20));
        let on = |day| status(accreditation, ReportAgreement::Agreed, day);
        assert_eq!(on(date(2028, 5, 19)).stage, Stage::Early);
        assert_eq!(on(date(2028, 5, 20)).stage, Stage::Collecting);
        assert_eq!(on(date(2028, 5, 20)).collect_from, date(2028, 5, 20));
        assert_eq!(on(date(2029, 2, 28)).stage, Stage::Collecting);
        assert_eq!(on(date(2029, 3, 1)).stage, Stage::FilingMonth);
        assert_eq!(on(date(2029, 3, 31)).stage, Stage::FilingMonth);
        assert_eq!(on(date(2029, 4, 1)).stage, Stage::Late);
        assert_eq!(
            on(date(2029, 5, 20)).stage,
            Stage::Late,
            "the last valid day"
        );
        assert_eq!(on(date(2029, 5, 20)).days_left, 0);
        assert_eq!(on(date(2029, 5, 21)).stage, Stage::Expired);
        assert_eq!(on(date(2029, 5, 21)).days_left, -1);
        assert_eq!(on(date(2029, 5, 10)).days_left, 10);

        let not_agreed = status(accreditation, ReportAgreement::NotAgreed, date(2029, 3, 1));
        assert_eq!(
            not_agreed.stage,
            Stage::Late,
            "February was the month to file"
        );
        assert_eq!(not_agreed.filing_month, month(2029, 2));
    }

    #[test]
    fn the_longest_lasting_accreditation_is_the_one_in_force() {
        let older = AccreditationDocument {
            issued_on: date(2019, 6, 1),
            valid_until: date(2024, 6, 1),
        };
        let newer = AccreditationDocument {
            issued_on: date(2024, 2, 29),
            valid_until: date(2029, 2, 28),
        };
        let Known::Accreditation(found) = current(register(date(2024, 6, 1)), &[older, newer])
        else {
            panic!("known");
        };
        assert_eq!(found.source, Source::Document);
        assert_eq!(
            found.period.accredited_on(),
            date(2024, 2, 29),
            "the issue day five years before the end is the accreditation day"
        );

        let Known::Accreditation(tie) = current(register(date(2029, 2, 28)), &[newer]) else {
            panic!("known");
        };
        assert_eq!(tie.source, Source::Register, "the register wins a tie");

        let issued_later = AccreditationDocument {
            issued_on: date(2024, 4, 2),
            valid_until: date(2029, 3, 20),
        };
        let Known::Accreditation(counted_back) =
            current(RegisterAccreditation::default(), &[issued_later])
        else {
            panic!("known");
        };
        assert_eq!(counted_back.period.accredited_on(), date(2024, 3, 20));
    }

    #[test]
    fn a_number_without_a_date_and_nothing_at_all_are_told_apart() {
        assert_eq!(
            current(
                RegisterAccreditation {
                    has_number: true,
                    valid_until: None
                },
                &[]
            ),
            Known::NumberWithoutDate
        );
        assert_eq!(
            current(RegisterAccreditation::default(), &[]),
            Known::Nothing
        );
    }
}
