//! The internal passport of a citizen of Russia: its series and number, and
//! the code of the division that issued it.
//!
//! Neither carries a check digit, so a typo of the right length cannot be
//! caught here; the bot should show the parsed value back for confirmation.

use std::fmt;

use super::digits::{self, Rejected};

/// Series (4 digits) and number (6 digits) of an internal passport.
///
/// Accepts `4510 123456`, `45 10 123456`, `4510123456`, `45 10 № 123456`.
/// Displays as printed in the passport: `45 10 123456`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PassportNumber {
    digits: String,
}

/// What is wrong with a typed passport series and number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PassportError {
    #[error("passport number is empty")]
    Empty,
    #[error("passport series and number may contain only digits, spaces and №")]
    InvalidCharacters,
    #[error("passport series and number must have 10 digits, got {digits}")]
    WrongLength { digits: usize },
}

impl PassportNumber {
    pub fn parse(input: &str) -> Result<Self, PassportError> {
        let digits = digits::extract(input, &['№']).map_err(|e| match e {
            Rejected::Empty => PassportError::Empty,
            Rejected::InvalidCharacters => PassportError::InvalidCharacters,
        })?;
        if digits.len() != 10 {
            return Err(PassportError::WrongLength {
                digits: digits.len(),
            });
        }
        Ok(PassportNumber { digits })
    }

    /// The four digits of the series, without the space printed inside it.
    pub fn series(&self) -> &str {
        &self.digits[..4]
    }

    /// The six digits of the number.
    pub fn number(&self) -> &str {
        &self.digits[4..]
    }

    /// Series and number as ten digits, as stored.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.digits;
        write!(f, "{} {} {}", &d[..2], &d[2..4], &d[4..])
    }
}

super::parsed_string_impls!(PassportNumber, PassportError, digits);

/// Код подразделения: the code of the division that issued a passport.
///
/// Accepts `770-001`, `770001`, `770 001`. Displays as `770-001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DivisionCode {
    digits: String,
}

/// What is wrong with a typed division code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("division code is empty")]
    Empty,
    #[error("division code may contain only digits and a dash")]
    InvalidCharacters,
    #[error("division code must have 6 digits, got {digits}")]
    WrongLength { digits: usize },
}

impl DivisionCode {
    pub fn parse(input: &str) -> Result<Self, DivisionCodeError> {
        let digits = digits::extract(input, &[]).map_err(|e| match e {
            Rejected::Empty => DivisionCodeError::Empty,
            Rejected::InvalidCharacters => DivisionCodeError::InvalidCharacters,
        })?;
        if digits.len() != 6 {
            return Err(DivisionCodeError::WrongLength {
                digits: digits.len(),
            });
        }
        Ok(DivisionCode { digits })
    }

    /// The six digits without the dash, as stored.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.digits[..3], &self.digits[3..])
    }
}

super::parsed_string_impls!(DivisionCode, DivisionCodeError, digits);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn passport_accepts_the_common_forms() {
        for input in [
            "4510 123456",
            "45 10 123456",
            "4510123456",
            "45 10 № 123456",
            "45 10 №123456",
            " 4510-123456 ",
        ] {
            let p = PassportNumber::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(p.series(), "4510");
            assert_eq!(p.number(), "123456");
            assert_eq!(p.digits(), "4510123456");
            assert_eq!(p.to_string(), "45 10 123456");
        }
    }

    #[test]
    fn passport_errors() {
        assert_eq!(PassportNumber::parse(""), Err(PassportError::Empty));
        assert_eq!(PassportNumber::parse("  "), Err(PassportError::Empty));
        assert_eq!(
            PassportNumber::parse("45 10 N 123456"),
            Err(PassportError::InvalidCharacters)
        );
        assert_eq!(
            PassportNumber::parse("серия 4510 номер 123456"),
            Err(PassportError::InvalidCharacters)
        );
        assert_eq!(
            PassportNumber::parse("4510 12345"),
            Err(PassportError::WrongLength { digits: 9 })
        );
        assert_eq!(
            PassportNumber::parse("4510 1234567"),
            Err(PassportError::WrongLength { digits: 11 })
        );
        assert_eq!(
            PassportNumber::parse("№"),
            Err(PassportError::WrongLength { digits: 0 })
        );
    }

    #[test]
    fn division_code_accepts_the_common_forms() {
        for input in ["770-001", "770001", "770 001", " 770–001 "] {
            let c = DivisionCode::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(c.digits(), "770001");
            assert_eq!(c.to_string(), "770-001");
        }
    }

    #[test]
    fn division_code_errors() {
        assert_eq!(DivisionCode::parse(""), Err(DivisionCodeError::Empty));
        assert_eq!(
            DivisionCode::parse("770/001"),
            Err(DivisionCodeError::InvalidCharacters)
        );
        // № belongs to passport numbers, not to division codes.
        assert_eq!(
            DivisionCode::parse("№770-001"),
            Err(DivisionCodeError::InvalidCharacters)
        );
        assert_eq!(
            DivisionCode::parse("770-01"),
            Err(DivisionCodeError::WrongLength { digits: 5 })
        );
        assert_eq!(
            DivisionCode::parse("770-0011"),
            Err(DivisionCodeError::WrongLength { digits: 7 })
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        use crate::domain::test_support::{deserialized, serialized};
        let value: PassportNumber = deserialized("45 10 № 123456").unwrap();
        assert_eq!(serialized(&value), "4510123456");
        assert_eq!(deserialized::<PassportNumber>("4510123456").unwrap(), value);
        assert!(deserialized::<PassportNumber>("45 10 12345").is_err());
        let value: DivisionCode = deserialized("770 001").unwrap();
        assert_eq!(serialized(&value), "770001");
        assert_eq!(deserialized::<DivisionCode>("770001").unwrap(), value);
        assert!(deserialized::<DivisionCode>("77-001").is_err());
    }

    proptest! {
        #[test]
        fn passport_round_trips(series in 0..10_000_u32, number in 0..1_000_000_u32) {
            let series = format!("{series:04}");
            let number = format!("{number:06}");
            for form in [
                format!("{series} {number}"),
                format!("{} {} {number}", &series[..2], &series[2..]),
                format!("{series}{number}"),
                format!("{} {} № {number}", &series[..2], &series[2..]),
            ] {
                let p = PassportNumber::parse(&form).unwrap();
                prop_assert_eq!(p.series(), series.as_str());
                prop_assert_eq!(p.number(), number.as_str());
                prop_assert_eq!(PassportNumber::parse(&p.to_string()), Ok(p.clone()));
            }
        }

        #[test]
        fn division_code_round_trips(code in 0..1_000_000_u32) {
            let code = format!("{code:06}");
            for form in [code.clone(), format!("{}-{}", &code[..3], &code[3..]), format!("{} {}", &code[..3], &code[3..])] {
                let c = DivisionCode::parse(&form).unwrap();
                prop_assert_eq!(c.digits(), code.as_str());
                prop_assert_eq!(DivisionCode::parse(&c.to_string()), Ok(c.clone()));
            }
        }
    }
}
