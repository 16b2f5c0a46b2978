//! Parsers shared by the profile and education: dates and bounded free text.

use chrono::NaiveDate;

use crate::dates::{self, DateError};

/// Nothing a practitioner states happened before this: a typo like 1098
/// for 1998 is caught instead of stored.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => panic!("1900-01-01 is a date"),
};

/// What is wrong with a typed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateProblem {
    #[error("the date is not ДД.ММ.ГГГГ")]
    Malformed,
    /// ДД.ММ.ГГГГ, but the calendar has no such day (31.02.1985).
    #[error("there is no such date")]
    NoSuchDate,
    #[error("the date is in the future")]
    InFuture,
    #[error("the date is before 1900")]
    TooEarly,
}

/// What is wrong with a typed free text of bounded length (in characters,
/// after trimming).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error("the text is shorter than {min} characters")]
    TooShort { min: usize },
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
}

/// Parses a date as people write it ([`crate::dates::parse`]), or as ISO
/// `ГГГГ-ММ-ДД` — the form snapshots and
/// [`crate::profile::Profile::to_draft`] write, so a stored value parses back.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateProblem> {
    dates::parse_written_or_iso(input).map_err(|error| match error {
        DateError::Shape => DateProblem::Malformed,
        DateError::NoSuchDate => DateProblem::NoSuchDate,
    })
}

/// A date that happened: parsed, not after `today` (when given), not
/// before [`EARLIEST_DATE`]. `today` is `None` for values read back from
/// storage, which were checked against the day they were given.
pub(crate) fn past_date(input: &str, today: Option<NaiveDate>) -> Result<NaiveDate, DateProblem> {
    let date = parse_date(input)?;
    if date < EARLIEST_DATE {
        return Err(DateProblem::TooEarly);
    }
    if today.is_some_and(|today| date > today) {
        return Err(DateProblem::InFuture);
    }
    Ok(date)
}

/// Trims and checks the length in characters (not bytes: Cyrillic takes two).
pub(crate) fn bounded_text(input: &str, min: usize, max: usize) -> Result<String, TextProblem> {
    let trimmed = input.trim();
    let chars = trimmed.chars().count();
    if chars < min {
        return Err(TextProblem::TooShort { min });
    }
    if chars > max {
        return Err(TextProblem::TooLong { max });
    }
    Ok(trimmed.to_owned())
}

/// A field the user left out or sent blank: `None`, so every validator
/// reports it as missing rather than as too short.
pub(crate) fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.trim().is_empty())
}

/// A required field: its text, or `missing` noted among the problems.
pub(crate) fn required<'a, P>(
    problems: &mut Vec<P>,
    value: &'a Option<String>,
    missing: P,
) -> Option<&'a str> {
    let value = given(value);
    if value.is_none() {
        problems.push(missing);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;

    #[test]
    fn dates_parse_in_both_forms() {
        assert_eq!(parse_date(" 01.05.1980 "), Ok(date(1980, 5, 1)));
        assert_eq!(parse_date("1.5.1980"), Ok(date(1980, 5, 1)));
        assert_eq!(parse_date("1980-05-01"), Ok(date(1980, 5, 1)));
        assert_eq!(parse_date("31.02.1980"), Err(DateProblem::NoSuchDate));
        assert_eq!(parse_date("1980-02-31"), Err(DateProblem::NoSuchDate));
        for bad in ["", "1980", "01/05/1980", "завтра", "01.05.80x"] {
            assert_eq!(parse_date(bad), Err(DateProblem::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn past_dates_are_bounded() {
        let today = date(2026, 11, 25);
        assert_eq!(past_date("25.11.2026", Some(today)), Ok(today));
        assert_eq!(
            past_date("26.11.2026", Some(today)),
            Err(DateProblem::InFuture)
        );
        assert_eq!(past_date("26.11.2026", None), Ok(date(2026, 11, 26)));
        assert_eq!(
            past_date("31.12.1899", Some(today)),
            Err(DateProblem::TooEarly)
        );
        assert_eq!(past_date("01.01.1900", Some(today)), Ok(EARLIEST_DATE));
    }

    #[test]
    fn text_is_trimmed_and_counted_in_characters() {
        assert_eq!(bounded_text("  Москва  ", 5, 10), Ok("Москва".into()));
        assert_eq!(
            bounded_text(" Мск ", 5, 10),
            Err(TextProblem::TooShort { min: 5 })
        );
        // 10 Cyrillic letters are 20 bytes but 10 characters.
        assert!(bounded_text(&"Я".repeat(10), 5, 10).is_ok());
        assert_eq!(
            bounded_text(&"Я".repeat(11), 5, 10),
            Err(TextProblem::TooLong { max: 10 })
        );
    }

    #[test]
    fn blank_is_not_given() {
        assert_eq!(given(&None), None);
        assert_eq!(given(&Some(" \t".into())), None);
        assert_eq!(given(&Some(" x ".into())), Some(" x "));
    }
}
