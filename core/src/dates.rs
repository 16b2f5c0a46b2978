//! Dates and times as people write and read them.
//!
//! One way in: [`parse`] reads a typed `ДД.ММ.ГГГГ` and says what is wrong
//! with it ([`DateError`]: not that shape, or no such day). One way out: a
//! [`Reader`] — the language and the time zone of whoever reads — formats
//! every date and time a person sees. Instants are stored in UTC and shown
//! in the reader's zone (their /settings zone, Moscow unless they chose
//! another), so 19:39 UTC reads 22:39 to a Muscovite and a moment after
//! 21:00 UTC already has tomorrow's date. Calendar dates (a birthday, a
//! document's validity) belong to no zone and are shown as they are.
//!
//! Pushes are rendered at delivery, so core puts an instant into an
//! outbox row as [`moment_arg`], not as text: the recipient's zone is
//! applied when the row is sent ([`read_moment_arg`]).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::Language;

/// What is wrong with a typed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not `ДД.ММ.ГГГГ` (letters, other separators, a two-digit year…).
    #[error("the date is not ДД.ММ.ГГГГ")]
    Shape,
    /// The right shape, but the calendar has no such day (31.02, 29.02 of
    /// a common year, month 13).
    #[error("there is no such date")]
    NoSuchDate,
}

/// Reads a date as people in Russia write it: `ДД.ММ.ГГГГ`, a one-digit
/// day or month allowed (`1.5.1980`), the year in four digits, spaces
/// around ignored. Whether the date is plausible (not in the future, not
/// before 1900) is the caller's rule.
pub fn parse(input: &str) -> Result<NaiveDate, DateError> {
    let mut parts = input.trim().split('.');
    let (Some(day), Some(month), Some(year), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DateError::Shape);
    };
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(day, 1..=2) || !digits(month, 1..=2) || !digits(year, 4..=4) {
        return Err(DateError::Shape);
    }
    // Only ASCII digits of bounded length are left: these cannot fail.
    let number = |part: &str| part.parse::<u32>().map_err(|_| DateError::Shape);
    let year = i32::try_from(number(year)?).map_err(|_| DateError::Shape)?;
    NaiveDate::from_ymd_opt(year, number(month)?, number(day)?).ok_or(DateError::NoSuchDate)
}

/// What is wrong with a typed time or date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateTimeError {
    /// Not `ДД.ММ.ГГГГ ЧЧ:ММ` (or `ЧЧ:ММ` where a time alone is asked).
    #[error("the date and time are not ДД.ММ.ГГГГ ЧЧ:ММ")]
    Shape,
    /// The right shape, but the calendar has no such day (30.02).
    #[error("there is no such date")]
    NoSuchDate,
    /// The right shape, but no such time of day (25:00, 09:60).
    #[error("there is no such time")]
    NoSuchTime,
}

/// Reads a time of day as people write it: `ЧЧ:ММ` (a one-digit hour
/// allowed, `9:05`; a dot for the colon too, `9.05`), spaces around
/// ignored. `24:00` is no time of a day.
pub fn parse_time(input: &str) -> Result<NaiveTime, DateTimeError> {
    let input = input.trim();
    let (hours, minutes) = input.split_once([':', '.']).ok_or(DateTimeError::Shape)?;
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, 1..=2) || !digits(minutes, 2..=2) {
        return Err(DateTimeError::Shape);
    }
    let number = |part: &str| part.parse::<u32>().map_err(|_| DateTimeError::Shape);
    NaiveTime::from_hms_opt(number(hours)?, number(minutes)?, 0).ok_or(DateTimeError::NoSuchTime)
}

/// Reads a date and a time, `ДД.ММ.ГГГГ ЧЧ:ММ` ([`parse`] and
/// [`parse_time`] with spaces between): what clinics' spreadsheets export
/// and what a practitioner types for a slot. A 30 February is
/// [`DateTimeError::NoSuchDate`], not a wrong shape.
pub fn parse_date_time(input: &str) -> Result<NaiveDateTime, DateTimeError> {
    let mut parts = input.split_whitespace();
    let (Some(date), Some(time), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(DateTimeError::Shape);
    };
    let date = parse(date).map_err(|error| match error {
        DateError::Shape => DateTimeError::Shape,
        DateError::NoSuchDate => DateTimeError::NoSuchDate,
    })?;
    Ok(date.and_time(parse_time(time)?))
}

/// [`parse`], or else the ISO form `ГГГГ-ММ-ДД` exactly — what storage
/// and snapshots write, and what scripts pass to `medcab admin`, so a
/// stored value reads back. A typed value is told apart as [`parse`] does.
pub fn parse_written_or_iso(input: &str) -> Result<NaiveDate, DateError> {
    let input = input.trim();
    match parse(input) {
        Err(DateError::Shape) if is_iso(input) => {
            NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| DateError::NoSuchDate)
        }
        written => written,
    }
}

fn is_iso(input: &str) -> bool {
    let bytes = input.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// A calendar date as people read it, `ДД.ММ.ГГГГ`: the same for every
/// reader (a date belongs to no zone), so core may write it into a push.
pub fn date_text(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// Moscow's offset: UTC+3 all year since 2014. Rules that go by "today"
/// in Moscow (a document's validity, the accreditation window) use it
/// through [`crate::clock::moscow_today`].
pub(crate) fn moscow_offset() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).expect("UTC+3 is a valid offset")
}

/// Who reads a text: their language and time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub language: Language,
    pub zone: Tz,
}

impl Reader {
    pub fn new(language: Language, zone: Tz) -> Reader {
        Reader { language, zone }
    }

    /// A reader in Moscow: staff, and anyone who never chose a zone.
    pub fn moscow(language: Language) -> Reader {
        Reader::new(language, Tz::Europe__Moscow)
    }

    /// `ДД.ММ.ГГГГ`, the form people write and read in Russia.
    pub fn date(&self, date: NaiveDate) -> String {
        date_text(date)
    }

    /// The reader's date at the instant `at`.
    pub fn day_of(&self, at: DateTime<Utc>) -> String {
        self.date(self.local_date(at))
    }

    /// `ДД.ММ.ГГГГ ЧЧ:ММ` in the reader's zone.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone)
            .format("%d.%m.%Y %H:%M")
            .to_string()
    }

    /// `ЧЧ:ММ` in the reader's zone.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone).format("%H:%M").to_string()
    }

    /// The calendar date in the reader's zone at `at`.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// Hours the reader's zone is ahead of Moscow: how Russians name a
    /// zone («МСК+3» for Omsk, «МСК−1» for Kaliningrad), so the label next
    /// to a time names the reader's zone. Russia keeps one offset all year
    /// since 2014: any instant gives it.
    pub fn hours_from_moscow(&self) -> i32 {
        let reference = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default();
        let offset = self.zone.offset_from_utc_datetime(&reference.naive_utc());
        offset.fix().local_minus_utc() / 3600 - 3
    }

    /// A decimal number with one digit after the separator, as the
    /// reader's language writes it: «5,1» in Russian, "5.1" in English.
    pub fn tenths(&self, tenths: u64) -> String {
        let separator = match self.language {
            Language::Ru => ',',
            Language::En => '.',
        };
        format!("{}{separator}{}", tenths / 10, tenths % 10)
    }
}

/// How an instant in a push is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// `ЧЧ:ММ`.
    Time,
    /// `ДД.ММ.ГГГГ ЧЧ:ММ`.
    DateTime,
}

impl Shown {
    fn as_str(self) -> &'static str {
        match self {
            Shown::Time => "time",
            Shown::DateTime => "date_time",
        }
    }

    fn parse(text: &str) -> Option<Shown> {
        match text {
            "time" => Some(Shown::Time),
            "date_time" => Some(Shown::DateTime),
            _ => None,
        }
    }
}

/// An instant as an outbox argument: `{"moment": RFC 3339, "shown": …}`,
/// shown in the recipient's zone when the push is delivered.
pub fn moment_arg(at: DateTime<Utc>, shown: Shown) -> Value {
    json!({ "moment": at.to_rfc3339(), "shown": shown.as_str() })
}

/// The instant of a [`moment_arg`], if `value` is one.
pub fn read_moment_arg(value: &Value) -> Option<(DateTime<Utc>, Shown)> {
    let at = DateTime::parse_from_rfc3339(value.get("moment")?.as_str()?).ok()?;
    let shown = Shown::parse(value.get("shown")?.as_str()?)?;
    Some((at.to_utc(), shown))
}

impl Reader {
    /// A [`moment_arg`] as this reader reads it.
    pub fn moment(&self, at: DateTime<Utc>, shown: Shown) -> String {
        match shown {
            Shown::Time => self.time(at),
            Shown::DateTime => self.date_time(at),
        }
    }
}

/// A calendar day, for tests: `test_date(1985, 3, 14)`.
#[cfg(test)]
pub fn test_date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    use test_date as date;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn dates_are_read_as_people_write_them() {
        assert_eq!(parse("14.03.1985"), Ok(date(1985, 3, 14)));
        assert_eq!(parse(" 1.5.1980 "), Ok(date(1980, 5, 1)));
        assert_eq!(parse("29.02.2024"), Ok(date(2024, 2, 29)));
    }

    #[test]
    fn a_wrong_shape_and_a_day_that_does_not_exist_are_told_apart() {
        for shape in [
            "",
            "1985",
            "1985-03-14",
            "14/03/1985",
            "14.03.85",
            "3O.06.2020",
            "+1.06.2020",
            "30.06.2020.1",
            "030.06.2020",
            "завтра",
            "14.03.19850",
        ] {
            assert_eq!(parse(shape), Err(DateError::Shape), "{shape:?}");
        }
        for no_such in ["31.02.1985", "29.02.2023", "00.01.2000", "01.13.2000"] {
            assert_eq!(parse(no_such), Err(DateError::NoSuchDate), "{no_such:?}");
        }
    }

    #[test]
    fn times_and_dates_with_times_are_read_as_people_write_them() {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_time("09:05"), Ok(hm(9, 5)));
        assert_eq!(parse_time(" 9.05 "), Ok(hm(9, 5)));
        assert_eq!(parse_time("0:00"), Ok(hm(0, 0)));
        for shape in [
            "", "9", "9:5", "09:005", "09-05", "утро", "+9:05", "09:05:00",
        ] {
            assert_eq!(parse_time(shape), Err(DateTimeError::Shape), "{shape:?}");
        }
        for no_such in ["24:00", "25:00", "09:60"] {
            assert_eq!(
                parse_time(no_such),
                Err(DateTimeError::NoSuchTime),
                "{no_such:?}"
            );
        }
        assert_eq!(
            parse_date_time(" 07.12.2026   9:00 "),
            Ok(date(2026, 12, 7).and_time(hm(9, 0)))
        );
        assert_eq!(
            parse_date_time("30.02.2026 09:00"),
            Err(DateTimeError::NoSuchDate)
        );
        assert_eq!(
            parse_date_time("07.12.2026 25:00"),
            Err(DateTimeError::NoSuchTime)
        );
        for shape in [
            "07.12.2026",
            "07.12.2026 09:00 10:00",
            "2026-12-07 09:00",
            "09:00",
        ] {
            assert_eq!(
                parse_date_time(shape),
                Err(DateTimeError::Shape),
                "{shape:?}"
            );
        }
    }

    #[test]
    fn stored_iso_dates_read_back() {
        assert_eq!(parse_written_or_iso("1985-03-14"), Ok(date(1985, 3, 14)));
        assert_eq!(parse_written_or_iso("14.03.1985"), Ok(date(1985, 3, 14)));
        assert_eq!(
            parse_written_or_iso("1985-02-31"),
            Err(DateError::NoSuchDate)
        );
        assert_eq!(parse_written_or_iso("1985-3-14"), Err(DateError::Shape));
        assert_eq!(
            parse_written_or_iso("31.02.1985"),
            Err(DateError::NoSuchDate)
        );
    }

    #[test]
    fn instants_read_in_the_readers_zone() {
        let moscow = Reader::moscow(Language::Ru);
        // 19:39 UTC is 22:39 in Moscow.
        assert_eq!(moscow.time(at("2026-11-25T19:39:00Z")), "22:39");
        // After 21:00 UTC it is already tomorrow in Moscow.
        assert_eq!(
            moscow.date_time(at("2026-11-25T21:30:00Z")),
            "26.11.2026 00:30"
        );
        assert_eq!(moscow.day_of(at("2026-11-25T21:30:00Z")), "26.11.2026");
        assert_eq!(moscow.day_of(at("2026-11-25T20:59:59Z")), "25.11.2026");
        let vladivostok = Reader::new(Language::Ru, Tz::Asia__Vladivostok);
        assert_eq!(
            vladivostok.date_time(at("2026-11-25T19:30:00Z")),
            "26.11.2026 05:30"
        );
        assert_eq!(moscow.date(date(1985, 3, 14)), "14.03.1985");
    }

    #[test]
    fn zones_are_counted_from_moscow() {
        let shift = |zone| Reader::new(Language::Ru, zone).hours_from_moscow();
        assert_eq!(shift(Tz::Europe__Moscow), 0);
        assert_eq!(shift(Tz::Asia__Omsk), 3);
        assert_eq!(shift(Tz::Europe__Kaliningrad), -1);
        assert_eq!(shift(Tz::Asia__Kamchatka), 9);
    }

    #[test]
    fn decimals_follow_the_language() {
        assert_eq!(Reader::moscow(Language::Ru).tenths(51), "5,1");
        assert_eq!(Reader::moscow(Language::En).tenths(51), "5.1");
        assert_eq!(Reader::moscow(Language::Ru).tenths(3), "0,3");
    }

    #[test]
    fn a_moment_in_a_push_waits_for_its_reader() {
        let moment = at("2026-11-25T19:39:00Z");
        let arg = moment_arg(moment, Shown::Time);
        assert_eq!(read_moment_arg(&arg), Some((moment, Shown::Time)));
        assert_eq!(read_moment_arg(&Value::from("22:39")), None);
        assert_eq!(
            Reader::moscow(Language::En).moment(moment, Shown::DateTime),
            "25.11.2026 22:39"
        );
    }
}
