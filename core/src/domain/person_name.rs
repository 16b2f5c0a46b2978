//! A person's full name as written in Russian documents.

use std::fmt;

/// Surname, given name and an optional patronymic, in that order.
///
/// Whitespace is collapsed to single spaces; nothing else is changed, not
/// even the case: names are unusual often enough that "fixing" one would
/// make it disagree with the passport. A fourth part is allowed for
/// patronymics written in two words (`Алиев Рашид Гейдар оглы`); the
/// patronymic is then both words. The list of such suffixes (оглы, кызы,
/// улы, уулу, гызы, …) is not closed, so the fourth part is not checked
/// against one.
///
/// Letters are Cyrillic (ё included) or Latin, with hyphens inside a part
/// (`Римский-Корсаков`) and apostrophes (`д'Артаньян`, `O’Brien`). One part
/// may not mix the two scripts: a Latin `a` in a Cyrillic surname looks
/// right and matches nothing when searched for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName {
    full: String,
    /// Byte offsets in `full` where the surname and the given name end.
    surname_end: usize,
    given_name_end: usize,
}

/// What is wrong with a typed full name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    #[error("name is empty")]
    Empty,
    #[error("name needs at least a surname and a given name")]
    TooFewParts,
    #[error("name has more than four parts")]
    TooManyParts,
    #[error("name may contain only letters, hyphens and apostrophes")]
    InvalidCharacters,
    #[error("a part of the name is longer than 50 characters")]
    TooLong,
}

const MAX_PART_CHARS: usize = 50;
const MAX_PARTS: usize = 4;

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, PersonNameError> {
        let parts: Vec<&str> = input.split_whitespace().collect();
        if parts.is_empty() {
            return Err(PersonNameError::Empty);
        }
        // Characters first: "Иванов И. И." or a pasted date is better
        // answered with "letters only" than with a count of parts.
        for part in &parts {
            check_part(part)?;
        }
        if parts.len() < 2 {
            return Err(PersonNameError::TooFewParts);
        }
        if parts.len() > MAX_PARTS {
            return Err(PersonNameError::TooManyParts);
        }
        let surname_end = parts[0].len();
        let given_name_end = surname_end + 1 + parts[1].len();
        Ok(PersonName {
            full: parts.join(" "),
            surname_end,
            given_name_end,
        })
    }

    pub fn surname(&self) -> &str {
        &self.full[..self.surname_end]
    }

    pub fn given_name(&self) -> &str {
        &self.full[self.surname_end + 1..self.given_name_end]
    }

    /// Everything after the given name: one word, or two for `… оглы`.
    pub fn patronymic(&self) -> Option<&str> {
        self.full.get(self.given_name_end + 1..)
    }

    /// The whole name, parts separated by single spaces.
    pub fn full(&self) -> &str {
        &self.full
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

super::parsed_string_impls!(PersonName, PersonNameError, full);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Cyrillic,
    Latin,
}

fn script(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    match c {
        '\u{0400}'..='\u{052F}' => Some(Script::Cyrillic),
        'A'..='Z' | 'a'..='z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => {
            Some(Script::Latin)
        }
        _ => None,
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

/// A part is letters of one script, with single hyphens between letters and
/// apostrophes anywhere but next to another mark.
fn check_part(part: &str) -> Result<(), PersonNameError> {
    let mut part_script = None;
    let mut previous_was_mark = false;
    for c in part.chars() {
        if let Some(s) = script(c) {
            if *part_script.get_or_insert(s) != s {
                return Err(PersonNameError::InvalidCharacters);
            }
            previous_was_mark = false;
        } else if c == '-' || is_apostrophe(c) {
            if previous_was_mark {
                return Err(PersonNameError::InvalidCharacters);
            }
            previous_was_mark = true;
        } else {
            return Err(PersonNameError::InvalidCharacters);
        }
    }
    if part_script.is_none() || part.starts_with('-') || part.ends_with('-') {
        return Err(PersonNameError::InvalidCharacters);
    }
    if part.chars().count() > MAX_PART_CHARS {
        return Err(PersonNameError::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn three_parts() {
        let n = PersonName::parse("  Иванов   Иван\tИванович \n").unwrap();
        assert_eq!(n.surname(), "Иванов");
        assert_eq!(n.given_name(), "Иван");
        assert_eq!(n.patronymic(), Some("Иванович"));
        assert_eq!(n.full(), "Иванов Иван Иванович");
        assert_eq!(n.to_string(), "Иванов Иван Иванович");
    }

    #[test]
    fn two_and_four_parts() {
        let n = PersonName::parse("Smith John").unwrap();
        assert_eq!(
            (n.surname(), n.given_name(), n.patronymic()),
            ("Smith", "John", None)
        );
        let n = PersonName::parse("Алиев Рашид Гейдар оглы").unwrap();
        assert_eq!(n.surname(), "Алиев");
        assert_eq!(n.given_name(), "Рашид");
        assert_eq!(n.patronymic(), Some("Гейдар оглы"));
        let n = PersonName::parse("Мамедова Лейла Ильхам Кызы").unwrap();
        assert_eq!(n.patronymic(), Some("Ильхам Кызы"));
    }

    #[test]
    fn keeps_case_hyphens_apostrophes_and_yo() {
        for input in [
            "Римский-Корсаков Николай Андреевич",
            "д'Артаньян Шарль",
            "O’Brien Seán",
            "Müller-Lüdenscheidt Hans",
            "Ёлкина Алёна Петровна",
            "иванов иван",
            "ИВАНОВ ИВАН ИВАНОВИЧ",
            "МакДональд Ольга",
        ] {
            let n = PersonName::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(n.full(), input);
        }
    }

    #[test]
    fn each_error() {
        assert_eq!(PersonName::parse(""), Err(PersonNameError::Empty));
        assert_eq!(PersonName::parse(" \u{a0}\t"), Err(PersonNameError::Empty));
        assert_eq!(
            PersonName::parse("Иванов"),
            Err(PersonNameError::TooFewParts)
        );
        assert_eq!(
            PersonName::parse("А Б В Г Д"),
            Err(PersonNameError::TooManyParts)
        );
        for input in [
            "Иванов И. И.",
            "Иванов Иван 1980",
            "Иванов, Иван",
            "-Иванов Иван",
            "Иванов- Иван",
            "Римский--Корсаков Николай",
            "Иванов ' Иван",
            "Ивaнов Иван",
            "Иванов Иван 🙂",
        ] {
            assert_eq!(
                PersonName::parse(input),
                Err(PersonNameError::InvalidCharacters),
                "{input:?}"
            );
        }
        let long = "Я".repeat(51);
        assert_eq!(
            PersonName::parse(&format!("{long} Иван")),
            Err(PersonNameError::TooLong)
        );
        assert!(PersonName::parse(&format!("{} Иван", "Я".repeat(50))).is_ok());
    }

    #[test]
    fn serde_goes_through_parse() {
        use crate::domain::test_support::{deserialized, serialized};
        let value: PersonName = deserialized(" Петров  Пётр ").unwrap();
        assert_eq!(serialized(&value), "Петров Пётр");
        assert_eq!(deserialized::<PersonName>("Петров Пётр").unwrap(), value);
        assert!(deserialized::<PersonName>("Петров").is_err());
    }

    fn part() -> impl Strategy<Value = String> {
        prop_oneof![
            "[А-ЯЁ][а-яё]{1,15}(-[А-ЯЁ][а-яё]{1,15})?",
            "[A-Z][a-z]{0,10}('[A-Z][a-z]{1,10})?",
        ]
    }

    proptest! {
        #[test]
        fn valid_names_round_trip(
            parts in prop::collection::vec(part(), 2..=4),
            gaps in prop::collection::vec("[ \t\u{a0}]{1,3}", 3),
        ) {
            let mut input = String::from(" ");
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    input.push_str(&gaps[i - 1]);
                }
                input.push_str(p);
            }
            let n = PersonName::parse(&input).unwrap();
            prop_assert_eq!(n.surname(), parts[0].as_str());
            prop_assert_eq!(n.given_name(), parts[1].as_str());
            let patronymic = (parts.len() > 2).then(|| parts[2..].join(" "));
            prop_assert_eq!(n.patronymic(), patronymic.as_deref());
            prop_assert_eq!(n.full(), parts.join(" "));
            prop_assert_eq!(PersonName::parse(&n.to_string()), Ok(n.clone()));
        }
    }
}
