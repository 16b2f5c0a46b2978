//! A Russian mobile phone number.

use std::fmt;

use super::digits::{self, Rejected};

/// A Russian mobile number, held as `+79XXXXXXXXX`.
///
/// Accepts `+7 999 123-45-67`, `8 (999) 123-45-67`, `8-999-123-45-67`,
/// `79991234567`, `9991234567`, `+7(999)1234567`, and what Telegram's
/// contact button sends (`79991234567` or `+79991234567`). Displays as
/// `+7 999 123-45-67`.
///
/// Kazakhstan shares country code 7; its numbers (national codes 6xx, 7xx)
/// are reported as `NotMobile`, like Russian landlines, because from the
/// digits alone they are "+7 but not 9".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    e164: String,
}

/// What is wrong with a typed phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number may contain only digits, spaces, dashes, parentheses and a leading +")]
    InvalidCharacters,
    /// The count of all digits typed, country code or trunk prefix included.
    #[error("phone number has {digits} digits, expected 10 or 11")]
    WrongLength { digits: usize },
    #[error("phone number is not Russian (+7)")]
    NotRussian,
    #[error("phone number is not a Russian mobile (+7 9XX)")]
    NotMobile,
}

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let digits = digits::extract(rest, &[]).map_err(|e| match e {
            // `+` alone is something typed, just without digits.
            Rejected::Empty if international => PhoneError::WrongLength { digits: 0 },
            Rejected::Empty => PhoneError::Empty,
            Rejected::InvalidCharacters => PhoneError::InvalidCharacters,
        })?;
        let wrong_length = PhoneError::WrongLength {
            digits: digits.len(),
        };
        let national = if international {
            // After `+` the country code is certain, so it is judged before
            // the length: `+44…` is foreign whatever its length.
            match digits.as_bytes().first() {
                None => return Err(wrong_length),
                Some(b'7') if digits.len() == 11 => &digits[1..],
                Some(b'7') => return Err(wrong_length),
                Some(_) => return Err(PhoneError::NotRussian),
            }
        } else {
            match (digits.len(), digits.as_bytes().first()) {
                (10, _) => &digits[..],
                // 8 is the domestic trunk prefix, still how most people
                // write their own number.
                (11, Some(b'7' | b'8')) => &digits[1..],
                (11, _) => return Err(PhoneError::NotRussian),
                _ => return Err(wrong_length),
            }
        };
        if !national.starts_with('9') {
            return Err(PhoneError::NotMobile);
        }
        Ok(PhoneNumber {
            e164: format!("+7{national}"),
        })
    }

    /// `+79991234567`: the form for storage and for SMS gateways.
    pub fn e164(&self) -> &str {
        &self.e164
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.e164[2..];
        write!(f, "+7 {} {}-{}-{}", &n[..3], &n[3..6], &n[6..8], &n[8..])
    }
}

super::parsed_string_impls!(PhoneNumber, PhoneError, e164);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_common_forms() {
        for input in [
            "+7 999 123-45-67",
            "8 (999) 123-45-67",
            "8-999-123-45-67",
            "79991234567",
            "+79991234567",
            "9991234567",
            "+7(999)1234567",
            "  +7 (999) 123 45 67\n",
            "8\u{a0}999\u{a0}123\u{2013}45\u{2013}67",
        ] {
            let p = PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(p.e164(), "+79991234567", "{input:?}");
            assert_eq!(p.to_string(), "+7 999 123-45-67");
        }
    }

    #[test]
    fn each_error() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse("   "), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("+7 999 123-45-6x"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(
            PhoneNumber::parse("7+9991234567"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(
            PhoneNumber::parse("++79991234567"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(
            PhoneNumber::parse("+"),
            Err(PhoneError::WrongLength { digits: 0 })
        );
        assert_eq!(
            PhoneNumber::parse("+7 999 123-45-6"),
            Err(PhoneError::WrongLength { digits: 10 })
        );
        assert_eq!(
            PhoneNumber::parse("8 999 123-45-678"),
            Err(PhoneError::WrongLength { digits: 12 })
        );
        assert_eq!(
            PhoneNumber::parse("123-45-67"),
            Err(PhoneError::WrongLength { digits: 7 })
        );
        assert_eq!(
            PhoneNumber::parse("+44 20 7946 0958"),
            Err(PhoneError::NotRussian)
        );
        assert_eq!(
            PhoneNumber::parse("+380 50 123 4567"),
            Err(PhoneError::NotRussian)
        );
        assert_eq!(
            PhoneNumber::parse("+8 999 123-45-67"),
            Err(PhoneError::NotRussian)
        );
        assert_eq!(
            PhoneNumber::parse("12025550100"),
            Err(PhoneError::NotRussian)
        );
        assert_eq!(
            PhoneNumber::parse("+7 495 123-45-67"),
            Err(PhoneError::NotMobile)
        );
        assert_eq!(
            PhoneNumber::parse("8 (800) 555-35-35"),
            Err(PhoneError::NotMobile)
        );
        assert_eq!(PhoneNumber::parse("4951234567"), Err(PhoneError::NotMobile));
        // Kazakhstan, +7 7xx.
        assert_eq!(
            PhoneNumber::parse("+7 701 123 45 67"),
            Err(PhoneError::NotMobile)
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        use crate::domain::test_support::{deserialized, serialized};
        let value: PhoneNumber = deserialized("8 (999) 123-45-67").unwrap();
        assert_eq!(serialized(&value), "+79991234567");
        assert_eq!(deserialized::<PhoneNumber>("+79991234567").unwrap(), value);
        assert!(deserialized::<PhoneNumber>("+74951234567").is_err());
    }

    proptest! {
        /// Every accepted form of one number lands on the same `e164`, and
        /// Display parses back to it.
        #[test]
        fn all_forms_normalise_to_the_same_number(
            rest in "[0-9]{9}",
            space in prop::sample::select(vec![" ", "", "\u{a0}"]),
            dash in prop::sample::select(vec!["-", "", " ", "\u{2013}"]),
        ) {
            let n = format!("9{rest}");
            let (code, a, b, c) = (&n[..3], &n[3..6], &n[6..8], &n[8..]);
            let expected = format!("+7{n}");
            let forms = [
                format!("+7{space}{code}{space}{a}{dash}{b}{dash}{c}"),
                format!("8{space}({code}){space}{a}{dash}{b}{dash}{c}"),
                format!("8-{code}-{a}-{b}-{c}"),
                format!("7{n}"),
                format!("+7{n}"),
                n.clone(),
                format!("+7({code}){a}{b}{c}"),
                format!(" {n} "),
            ];
            for form in &forms {
                let p = PhoneNumber::parse(form);
                prop_assert!(p.is_ok(), "{:?}: {:?}", form, p);
                let p = p.unwrap();
                prop_assert_eq!(p.e164(), expected.as_str(), "{:?}", form);
                prop_assert_eq!(PhoneNumber::parse(&p.to_string()), Ok(p.clone()));
                prop_assert_eq!(PhoneNumber::parse(p.e164()), Ok(p.clone()));
            }
        }

        /// Whatever digits are typed, a parsed number is `+79` and nine more.
        #[test]
        fn anything_that_parses_is_a_mobile_number(
            plus in any::<bool>(), digits in "[0-9]{0,13}",
        ) {
            let input = if plus { format!("+{digits}") } else { digits };
            if let Ok(p) = PhoneNumber::parse(&input) {
                let e = p.e164();
                prop_assert!(e.len() == 12 && e.starts_with("+79"), "{}", e);
                prop_assert!(e[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!(input.ends_with(&e[2..]), "{} from {}", e, input);
            }
        }
    }
}
