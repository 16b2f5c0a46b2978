//! ОГРН: the primary state registration number of an organisation,
//! thirteen digits, the last a check digit.

use std::fmt;

use super::digits::{self, Rejected};

/// An organisation's ОГРН: twelve digits and a check digit, the remainder of
/// the twelve-digit number divided by 11, its last digit (a remainder of 10
/// is 0). An ИП's ОГРНИП has fifteen digits and is not one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ogrn {
    digits: String,
}

/// What is wrong with an ОГРН.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OgrnError {
    #[error("OGRN is empty")]
    Empty,
    #[error("OGRN may contain only digits")]
    InvalidCharacters,
    #[error("OGRN must have 13 digits, got {digits}")]
    WrongLength { digits: usize },
    #[error("OGRN check digit does not match")]
    Checksum,
}

const LEN: usize = 13;

impl Ogrn {
    pub fn parse(input: &str) -> Result<Self, OgrnError> {
        let digits = digits::extract(input, &[]).map_err(|e| match e {
            Rejected::Empty => OgrnError::Empty,
            Rejected::InvalidCharacters => OgrnError::InvalidCharacters,
        })?;
        if digits.len() != LEN {
            return Err(OgrnError::WrongLength {
                digits: digits.len(),
            });
        }
        let first: u64 = digits[..12]
            .parse()
            .map_err(|_| OgrnError::InvalidCharacters)?;
        let check = u32::try_from(first % 11 % 10).unwrap_or(u32::MAX);
        if check != digits::value(digits.as_bytes()[12]) {
            return Err(OgrnError::Checksum);
        }
        Ok(Ogrn { digits })
    }

    /// The 13 digits.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for Ogrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

super::parsed_string_impls!(Ogrn, OgrnError, digits);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid(first: u64) -> String {
        format!("{first:012}{}", first % 11 % 10)
    }

    #[test]
    fn known_numbers_parse_and_broken_ones_say_why() {
        for ogrn in ["1027700132195", "1027739609391", "1 027700 132195"] {
            assert_eq!(Ogrn::parse(ogrn).unwrap().digits().len(), 13, "{ogrn}");
        }
        assert_eq!(Ogrn::parse("1027700132196"), Err(OgrnError::Checksum));
        assert_eq!(
            Ogrn::parse("304500116000157"),
            Err(OgrnError::WrongLength { digits: 15 }),
            "an ИП's ОГРНИП"
        );
        assert_eq!(Ogrn::parse(""), Err(OgrnError::Empty));
        assert_eq!(
            Ogrn::parse("10277OO132195"),
            Err(OgrnError::InvalidCharacters)
        );
    }

    #[test]
    fn a_remainder_of_ten_checks_as_zero() {
        // A twelve-digit start whose remainder by 11 is 10.
        let first = (0..100u64)
            .map(|n| 100_000_000_000 + n)
            .find(|n| n % 11 == 10)
            .unwrap();
        assert!(Ogrn::parse(&format!("{first}0")).is_ok());
        assert_eq!(Ogrn::parse(&format!("{first}1")), Err(OgrnError::Checksum));
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip(first in 0..1_000_000_000_000_u64) {
            let text = valid(first);
            let ogrn = Ogrn::parse(&text).unwrap();
            prop_assert_eq!(ogrn.to_string(), text);
        }

        #[test]
        fn a_wrong_check_digit_is_caught(first in 0..1_000_000_000_000_u64, wrong in 0..10_u64) {
            prop_assume!(wrong != first % 11 % 10);
            prop_assert_eq!(
                Ogrn::parse(&format!("{first:012}{wrong}")),
                Err(OgrnError::Checksum)
            );
        }
    }
}
