//! ИНН: the taxpayer number — a person's twelve digits ([`Inn`]), an
//! organisation's ten ([`OrganisationInn`]), each with its check digits.

use std::fmt;

use super::digits::{self, Rejected};

/// A person's ИНН: ten digits and two check digits.
///
/// Written without separators by convention, but a person may group it, so
/// spaces and dashes are skipped. Displays as the bare 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Inn {
    digits: String,
}

/// What is wrong with a typed ИНН.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InnError {
    #[error("INN is empty")]
    Empty,
    #[error("INN may contain only digits")]
    InvalidCharacters,
    /// A 10-digit ИНН belongs to an organisation; it lands here too.
    #[error("a person's INN must have 12 digits, got {digits}")]
    WrongLength { digits: usize },
    #[error("INN check digits do not match")]
    Checksum,
}

const LEN: usize = 12;
const WEIGHTS_11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const WEIGHTS_12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

impl Inn {
    pub fn parse(input: &str) -> Result<Self, InnError> {
        let digits = digits::extract(input, &[]).map_err(|e| match e {
            Rejected::Empty => InnError::Empty,
            Rejected::InvalidCharacters => InnError::InvalidCharacters,
        })?;
        if digits.len() != LEN {
            return Err(InnError::WrongLength {
                digits: digits.len(),
            });
        }
        let d = digits.as_bytes();
        if check_digit(&d[..10], &WEIGHTS_11) != digits::value(d[10])
            || check_digit(&d[..11], &WEIGHTS_12) != digits::value(d[11])
        {
            return Err(InnError::Checksum);
        }
        Ok(Inn { digits })
    }

    /// The 12 digits.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

super::parsed_string_impls!(Inn, InnError, digits);

/// An organisation's ИНН: nine digits and a check digit (weights 2, 4, 10,
/// 3, 5, 9, 4, 6, 8; the sum mod 11 mod 10). What the registers of
/// organisations and licences key them by, beside the ОГРН.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganisationInn {
    digits: String,
}

/// What is wrong with an organisation's ИНН.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OrganisationInnError {
    #[error("INN is empty")]
    Empty,
    #[error("INN may contain only digits")]
    InvalidCharacters,
    /// A 12-digit ИНН is a person's (an ИП's); it lands here too.
    #[error("an organisation's INN must have 10 digits, got {digits}")]
    WrongLength { digits: usize },
    #[error("INN check digit does not match")]
    Checksum,
}

const ORGANISATION_LEN: usize = 10;
const WEIGHTS_10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];

impl OrganisationInn {
    pub fn parse(input: &str) -> Result<Self, OrganisationInnError> {
        let digits = digits::extract(input, &[]).map_err(|e| match e {
            Rejected::Empty => OrganisationInnError::Empty,
            Rejected::InvalidCharacters => OrganisationInnError::InvalidCharacters,
        })?;
        if digits.len() != ORGANISATION_LEN {
            return Err(OrganisationInnError::WrongLength {
                digits: digits.len(),
            });
        }
        let d = digits.as_bytes();
        if check_digit(&d[..9], &WEIGHTS_10) != digits::value(d[9]) {
            return Err(OrganisationInnError::Checksum);
        }
        Ok(OrganisationInn { digits })
    }

    /// The 10 digits.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for OrganisationInn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

super::parsed_string_impls!(OrganisationInn, OrganisationInnError, digits);

fn weighted_sum(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(&b, w)| digits::value(b) * w)
        .sum()
}

/// `mod 10` folds a remainder of 10 onto 0: that is the rule, not a slip.
fn check_digit(digits: &[u8], weights: &[u32]) -> u32 {
    weighted_sum(digits, weights) % 11 % 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid(first_ten: u64) -> String {
        let mut s = format!("{first_ten:010}");
        let n11 = check_digit(s.as_bytes(), &WEIGHTS_11);
        s.push(char::from_digit(n11, 10).unwrap());
        let n12 = check_digit(s.as_bytes(), &WEIGHTS_12);
        s.push(char::from_digit(n12, 10).unwrap());
        s
    }

    fn with_digit(s: &str, i: usize, d: u8) -> String {
        let mut bytes = s.as_bytes().to_vec();
        bytes[i] = b'0' + d;
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn accepts_the_example_and_groupings() {
        for input in [
            "500100732259",
            " 500100732259 ",
            "5001 0073 2259",
            "50-01-007322-59",
        ] {
            let inn = Inn::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(inn.digits(), "500100732259");
            assert_eq!(inn.to_string(), "500100732259");
        }
        assert_eq!(valid(5_001_007_322), "500100732259");
    }

    #[test]
    fn each_error() {
        assert_eq!(Inn::parse(""), Err(InnError::Empty));
        assert_eq!(Inn::parse(" \t"), Err(InnError::Empty));
        assert_eq!(Inn::parse("5001OO732259"), Err(InnError::InvalidCharacters));
        assert_eq!(
            Inn::parse("ИНН 500100732259"),
            Err(InnError::InvalidCharacters)
        );
        // An organisation's ИНН (ten digits) is not a person's.
        assert_eq!(
            Inn::parse("7707083893"),
            Err(InnError::WrongLength { digits: 10 })
        );
        assert_eq!(
            Inn::parse("5001007322590"),
            Err(InnError::WrongLength { digits: 13 })
        );
        assert_eq!(Inn::parse("500100732258"), Err(InnError::Checksum));
        assert_eq!(Inn::parse("500100732249"), Err(InnError::Checksum));
    }

    #[test]
    fn serde_goes_through_parse() {
        use crate::domain::test_support::{deserialized, serialized};
        let value: Inn = deserialized("5001 0073 2259").unwrap();
        assert_eq!(serialized(&value), "500100732259");
        assert_eq!(deserialized::<Inn>("500100732259").unwrap(), value);
        assert!(deserialized::<Inn>("500100732258").is_err());
    }

    /// Each check digit alone is blind to some single-digit changes: its
    /// remainder mod 11 always moves (11 is prime, weights and differences
    /// are non-zero mod 11), but `mod 10` merges remainders 10 and 0. So the
    /// eleventh digit misses a change exactly when `w·δ ≡ ±1 (mod 11)` and
    /// the remainder crosses between 10 and 0.
    ///
    /// The twelfth digit then sees the same change with its own weight `w'`
    /// (the eleventh digit did not move), and it misses only when `w'·δ ≡ ±1`
    /// too, which needs `w' ≡ ±w (mod 11)`. No position has that, so for a
    /// 12-digit ИНН every single-digit change is caught. This checks it over
    /// every position, digit pair and pair of remainders, a superset of what
    /// real numbers reach.
    #[test]
    fn no_single_digit_change_of_the_first_ten_escapes_both_checks() {
        let mut eleventh_alone_misses = 0;
        for (i, (&w11, &w12)) in WEIGHTS_11.iter().zip(&WEIGHTS_12).enumerate() {
            assert_ne!(w11 % 11, w12 % 11, "position {i}");
            assert_ne!((w11 + w12) % 11, 0, "position {i}");
            for old in 0..=9_i64 {
                for new in (0..=9).filter(|&d| d != old) {
                    let delta = new - old;
                    for r11 in 0..11_i64 {
                        let moved11 = (r11 + i64::from(w11) * delta).rem_euclid(11);
                        assert_ne!(moved11, r11);
                        if moved11 % 10 != r11 % 10 {
                            continue;
                        }
                        eleventh_alone_misses += 1;
                        for r12 in 0..11_i64 {
                            let moved12 = (r12 + i64::from(w12) * delta).rem_euclid(11);
                            assert_ne!(moved12 % 10, r12 % 10, "position {i} δ={delta}");
                        }
                    }
                }
            }
        }
        // The eleventh digit alone does have blind spots; the twelfth covers them.
        assert!(eleventh_alone_misses > 0);
    }

    /// A real instance of the eleventh digit's blind spot, caught by the
    /// twelfth.
    #[test]
    fn the_twelfth_digit_catches_what_the_eleventh_misses() {
        let found = (0..1_000_000_u64).find_map(|n| {
            let s = valid(n * 7_919 % 10_000_000_000);
            (0..10).find_map(|i| {
                (0..=9_u8)
                    .filter(|&d| s.as_bytes()[i] != b'0' + d)
                    .map(|d| with_digit(&s, i, d))
                    .find(|c| {
                        check_digit(&c.as_bytes()[..10], &WEIGHTS_11)
                            == digits::value(c.as_bytes()[10])
                    })
                    .map(|c| (s.clone(), c))
            })
        });
        let (valid_inn, changed) = found.expect("the eleventh digit has blind spots");
        assert!(Inn::parse(&valid_inn).is_ok());
        assert_eq!(Inn::parse(&changed), Err(InnError::Checksum));
    }

    proptest! {
        #[test]
        fn valid_numbers_parse_and_round_trip(first_ten in 0..10_000_000_000_u64) {
            let s = valid(first_ten);
            let inn = Inn::parse(&s).unwrap();
            prop_assert_eq!(inn.digits(), s.as_str());
            prop_assert_eq!(Inn::parse(&inn.to_string()), Ok(inn.clone()));
            let grouped = format!(" {} {} {} ", &s[..4], &s[4..8], &s[8..]);
            prop_assert_eq!(Inn::parse(&grouped), Ok(inn));
        }

        #[test]
        fn any_change_of_a_check_digit_is_caught(
            first_ten in 0..10_000_000_000_u64, i in 10..12_usize, d in 0..=9_u8,
        ) {
            let s = valid(first_ten);
            prop_assume!(s.as_bytes()[i] != b'0' + d);
            prop_assert_eq!(Inn::parse(&with_digit(&s, i, d)), Err(InnError::Checksum));
        }

        /// The general statement, "caught unless the recomputed check digits
        /// equal the old ones", with the recomputation done independently of
        /// `parse`. The test above shows the exception never happens.
        #[test]
        fn a_change_of_the_first_ten_is_caught_unless_the_checks_coincide(
            first_ten in 0..10_000_000_000_u64, i in 0..10_usize, d in 0..=9_u8,
        ) {
            let s = valid(first_ten);
            prop_assume!(s.as_bytes()[i] != b'0' + d);
            let changed = with_digit(&s, i, d);
            let coincides = valid(changed[..10].parse().unwrap()) == changed;
            prop_assert!(!coincides);
            prop_assert_eq!(Inn::parse(&changed), Err(InnError::Checksum));
        }
    }

    #[test]
    fn an_organisations_inn_has_ten_digits_and_its_check_digit() {
        for valid in ["7707083893", "7736050003", "77 0708 3893"] {
            let inn = OrganisationInn::parse(valid).unwrap();
            assert_eq!(inn.digits().len(), 10, "{valid}");
        }
        assert_eq!(
            OrganisationInn::parse("7707083894"),
            Err(OrganisationInnError::Checksum)
        );
        assert_eq!(
            OrganisationInn::parse("500100732259"),
            Err(OrganisationInnError::WrongLength { digits: 12 }),
            "a person's"
        );
        assert_eq!(
            OrganisationInn::parse(" "),
            Err(OrganisationInnError::Empty)
        );
        assert_eq!(
            OrganisationInn::parse("77070838x3"),
            Err(OrganisationInnError::InvalidCharacters)
        );
        // A person's parser still refuses an organisation's number.
        assert_eq!(
            Inn::parse("7707083893"),
            Err(InnError::WrongLength { digits: 10 })
        );
    }

    #[test]
    fn any_single_digit_change_of_an_organisations_inn_is_caught_but_a_rare_one() {
        let valid = "7707083893";
        let mut caught = 0;
        let mut changes = 0;
        for i in 0..10 {
            for d in b'0'..=b'9' {
                let mut bytes = valid.as_bytes().to_vec();
                if bytes[i] == d {
                    continue;
                }
                bytes[i] = d;
                changes += 1;
                if OrganisationInn::parse(std::str::from_utf8(&bytes).unwrap()).is_err() {
                    caught += 1;
                }
            }
        }
        // The check digit itself: every change caught; the others lose
        // only what mod 11 mod 10 folds together.
        assert!(caught * 10 >= changes * 8, "{caught} of {changes}");
    }
}
