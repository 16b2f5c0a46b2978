//! An e-mail address, checked for shape only.
//!
//! Whether a mailbox exists is for a confirmation letter to find out; this
//! catches what a person can see is wrong: no `@`, a space, a missing dot.

use std::fmt;

/// An e-mail address: trimmed, with the domain lowercased.
///
/// The local part is kept as typed: servers may treat it case-sensitively,
/// and changing it would mean writing to a different mailbox. Cyrillic is
/// allowed on both sides (`иван@почта.рф`). Quoted local parts and IP
/// literals are not: nobody types them into a bot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email {
    address: String,
}

/// What is wrong with a typed e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("e-mail address is empty")]
    Empty,
    #[error("e-mail address is malformed")]
    Malformed,
    #[error("e-mail address is too long")]
    TooLong,
}

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let mut halves = trimmed.split('@');
        let (Some(local), Some(domain), None) = (halves.next(), halves.next(), halves.next())
        else {
            return Err(EmailError::Malformed);
        };
        check_local(local)?;
        let domain = domain.to_lowercase();
        check_domain(&domain)?;
        let address = format!("{local}@{domain}");
        // Lowercasing can lengthen a few letters (İ → i̇), so count again.
        if address.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        Ok(Email { address })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

super::parsed_string_impls!(Email, EmailError, as_str);

/// RFC 5322 dot-atoms, widened to Unicode letters as RFC 6531 allows.
fn check_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::Malformed);
    }
    if local.chars().count() > MAX_LOCAL_LEN {
        return Err(EmailError::TooLong);
    }
    let atoms_ok = local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
    });
    if atoms_ok {
        Ok(())
    } else {
        Err(EmailError::Malformed)
    }
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailError::Malformed);
    }
    for label in &labels {
        if label.chars().count() > MAX_LABEL_LEN {
            return Err(EmailError::TooLong);
        }
        let well_formed = !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_alphabetic() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            return Err(EmailError::Malformed);
        }
    }
    // An all-digit top level is an IP address written without brackets.
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(EmailError::Malformed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises() {
        let cases = [
            ("doctor@example.com", "doctor@example.com"),
            (
                "  Doctor.Ivanov+bot@Example.COM \n",
                "Doctor.Ivanov+bot@example.com",
            ),
            ("иван@почта.рф", "иван@почта.рф"),
            ("Иван@ПОЧТА.РФ", "Иван@почта.рф"),
            ("a@b-c.d1.ru", "a@b-c.d1.ru"),
            ("o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk"),
        ];
        for (input, expected) in cases {
            let e = Email::parse(input).unwrap_or_else(|err| panic!("{input:?}: {err}"));
            assert_eq!(e.as_str(), expected);
            assert_eq!(e.to_string(), expected);
        }
    }

    #[test]
    fn empty() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse(" \t "), Err(EmailError::Empty));
    }

    #[test]
    fn malformed() {
        for input in [
            "doctor",
            "doctor@",
            "@example.com",
            "doctor@@example.com",
            "doc@tor@example.com",
            "doctor@example",
            "doctor@example.",
            "doctor@.example.com",
            "doctor@exa mple.com",
            "doc tor@example.com",
            "doctor@example..com",
            "doctor@-example.com",
            "doctor@example-.com",
            "doctor@exam_ple.com",
            ".doctor@example.com",
            "doctor.@example.com",
            "doc..tor@example.com",
            "doctor@127.0.0.1",
            "\"doctor\"@example.com",
            "doctor@example.com,",
        ] {
            assert_eq!(Email::parse(input), Err(EmailError::Malformed), "{input:?}");
        }
    }

    #[test]
    fn too_long() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
        assert_eq!(
            Email::parse(&format!("a{local64}@example.com")),
            Err(EmailError::TooLong)
        );
        let label63 = "b".repeat(63);
        assert!(Email::parse(&format!("a@{label63}.ru")).is_ok());
        assert_eq!(
            Email::parse(&format!("a@b{label63}.ru")),
            Err(EmailError::TooLong)
        );
        // 254 exactly passes, 255 fails.
        let domain = format!("{0}.{0}.{0}.{0}.ru", "c".repeat(61));
        let at_limit = format!("aaa@{domain}");
        assert_eq!(at_limit.len(), 254);
        assert!(Email::parse(&at_limit).is_ok());
        assert_eq!(
            Email::parse(&format!("aaaa@{domain}")),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        use crate::domain::test_support::{deserialized, serialized};
        let value: Email = deserialized("Ivan@Mail.RU").unwrap();
        assert_eq!(serialized(&value), "Ivan@mail.ru");
        assert_eq!(deserialized::<Email>("Ivan@mail.ru").unwrap(), value);
        assert!(deserialized::<Email>("ivan").is_err());
        assert!(deserialized::<Email>("a@b@c.ru").is_err());
    }

    proptest! {
        #[test]
        fn valid_addresses_round_trip(
            local in "[A-Za-z0-9а-яА-ЯёЁ_+-]{1,20}(\\.[A-Za-z0-9_]{1,10}){0,2}",
            labels in prop::collection::vec("[A-Za-z0-9а-яА-Я]([A-Za-z0-9а-яА-Я-]{0,10}[A-Za-z0-9а-яА-Я])?", 1..4),
            tld in "[A-Za-zа-яА-Я]{2,6}",
        ) {
            let input = format!(" {local}@{}.{tld} ", labels.join("."));
            let e = Email::parse(&input).unwrap();
            let (l, d) = e.as_str().split_once('@').unwrap();
            prop_assert_eq!(l, local.as_str());
            prop_assert_eq!(d.to_string(), d.to_lowercase());
            prop_assert_eq!(Email::parse(&e.to_string()), Ok(e.clone()));
        }

        /// Whatever the input, a parsed address has one `@` and no spaces.
        #[test]
        fn anything_that_parses_has_the_shape(input in "\\PC{0,40}") {
            if let Ok(e) = Email::parse(&input) {
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert!(!e.as_str().chars().any(char::is_whitespace));
                prop_assert!(e.as_str().split_once('@').unwrap().1.contains('.'));
            }
        }
    }
}
