//! The single number of an ОМС (compulsory medical insurance) policy.

use std::fmt;

use super::digits::{self, Rejected};

/// Единый номер полиса ОМС: 16 digits, the last a Luhn check digit.
///
/// For example `7700 0012 3456 7895`: the Luhn digit of
/// `770000123456789` is 5. Accepts the digits bare or grouped by spaces or
/// dashes; displays them in groups of four, as easier to compare by eye.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OmsPolicy {
    digits: String,
}

/// What is wrong with a typed policy number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OmsPolicyError {
    #[error("OMS policy number is empty")]
    Empty,
    #[error("OMS policy number may contain only digits")]
    InvalidCharacters,
    #[error("OMS policy number must have 16 digits, got {digits}")]
    WrongLength { digits: usize },
    #[error("OMS policy check digit does not match")]
    Checksum,
}

const LEN: usize = 16;

impl OmsPolicy {
    pub fn parse(input: &str) -> Result<Self, OmsPolicyError> {
        let digits = digits::extract(input, &[]).map_err(|e| match e {
            Rejected::Empty => OmsPolicyError::Empty,
            Rejected::InvalidCharacters => OmsPolicyError::InvalidCharacters,
        })?;
        if digits.len() != LEN {
            return Err(OmsPolicyError::WrongLength {
                digits: digits.len(),
            });
        }
        if !luhn_sum(digits.as_bytes()).is_multiple_of(10) {
            return Err(OmsPolicyError::Checksum);
        }
        Ok(OmsPolicy { digits })
    }

    /// The 16 digits.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for OmsPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.digits;
        write!(f, "{} {} {} {}", &d[..4], &d[4..8], &d[8..12], &d[12..])
    }
}

super::parsed_string_impls!(OmsPolicy, OmsPolicyError, digits);

/// Luhn: from the right, every second digit is doubled and its digits
/// summed. Doubling-then-digit-summing permutes 0..=9, which is why every
/// single-digit substitution changes the sum mod 10.
fn luhn_sum(digits: &[u8]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| {
            let d = digits::value(b);
            if i % 2 == 1 { luhn_double(d) } else { d }
        })
        .sum()
}

fn luhn_double(d: u32) -> u32 {
    let doubled = 2 * d;
    if doubled > 9 { doubled - 9 } else { doubled }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The check digit for a 15-digit body, computed independently of
    /// `luhn_sum`: the body's own rightmost digit is the first doubled.
    fn luhn_digit(body: &str) -> u32 {
        let sum: u32 = body
            .chars()
            .rev()
            .enumerate()
            .map(|(i, c)| {
                let d = c.to_digit(10).unwrap();
                if i % 2 == 0 {
                    (2 * d) / 10 + (2 * d) % 10
                } else {
                    d
                }
            })
            .sum();
        (10 - sum % 10) % 10
    }

    fn valid(body: u64) -> String {
        let body = format!("{body:015}");
        format!("{body}{}", luhn_digit(&body))
    }

    fn with_digit(s: &str, i: usize, d: u8) -> String {
        let mut bytes = s.as_bytes().to_vec();
        bytes[i] = b'0' + d;
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_documented_example() {
        assert_eq!(luhn_digit("770000123456789"), 5);
        assert_eq!(valid(770_000_123_456_789), "7700001234567895");
        for input in [
            "7700001234567895",
            "7700 0012 3456 7895",
            " 7700-0012-3456-7895 ",
        ] {
            let p = OmsPolicy::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(p.digits(), "7700001234567895");
            assert_eq!(p.to_string(), "7700 0012 3456 7895");
        }
    }

    #[test]
    fn each_error() {
        assert_eq!(OmsPolicy::parse(""), Err(OmsPolicyError::Empty));
        assert_eq!(OmsPolicy::parse("\n"), Err(OmsPolicyError::Empty));
        assert_eq!(
            OmsPolicy::parse("7700 0012 3456 789S"),
            Err(OmsPolicyError::InvalidCharacters)
        );
        assert_eq!(
            OmsPolicy::parse("7700 0012 3456 789"),
            Err(OmsPolicyError::WrongLength { digits: 15 })
        );
        assert_eq!(
            OmsPolicy::parse("7700 0012 3456 78950"),
            Err(OmsPolicyError::WrongLength { digits: 17 })
        );
        assert_eq!(
            OmsPolicy::parse("7700 0012 3456 7894"),
            Err(OmsPolicyError::Checksum)
        );
        // Two adjacent digits swapped: 7895 → 7859.
        assert_eq!(
            OmsPolicy::parse("7700 0012 3456 7859"),
            Err(OmsPolicyError::Checksum)
        );
    }

    #[test]
    fn luhn_doubling_permutes_the_digits() {
        let mut images: Vec<u32> = (0..=9).map(luhn_double).collect();
        images.sort_unstable();
        assert_eq!(images, (0..=9).collect::<Vec<_>>());
    }

    #[test]
    fn serde_goes_through_parse() {
        use crate::domain::test_support::{deserialized, serialized};
        let value: OmsPolicy = deserialized("7700 0012 3456 7895").unwrap();
        assert_eq!(serialized(&value), "7700001234567895");
        assert_eq!(
            deserialized::<OmsPolicy>("7700001234567895").unwrap(),
            value
        );
        assert!(deserialized::<OmsPolicy>("7700001234567894").is_err());
    }

    proptest! {
        #[test]
        fn valid_numbers_parse_and_round_trip(body in 0..1_000_000_000_000_000_u64) {
            let s = valid(body);
            let p = OmsPolicy::parse(&s).unwrap();
            prop_assert_eq!(p.digits(), s.as_str());
            prop_assert_eq!(OmsPolicy::parse(&p.to_string()), Ok(p.clone()));
        }

        /// Luhn catches every single-digit substitution, check digit or not.
        #[test]
        fn any_single_digit_change_is_caught(
            body in 0..1_000_000_000_000_000_u64, i in 0..16_usize, d in 0..=9_u8,
        ) {
            let s = valid(body);
            prop_assume!(s.as_bytes()[i] != b'0' + d);
            prop_assert_eq!(OmsPolicy::parse(&with_digit(&s, i, d)), Err(OmsPolicyError::Checksum));
        }
    }
}
