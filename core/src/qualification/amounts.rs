//! How much an education record is worth: academic hours of a programme of
//! professional development (ПК), ЗЕТ of an interactive module (ИОМ) or of
//! an educational event. 1 ЗЕТ is one academic hour, so the two add up;
//! they are still separate types, because the law counts ПК hours apart
//! (at least 74 of the 144) and a typed-in number must not slip from one
//! column to the other.
//!
//! Amounts are whole numbers: the НМО portal credits whole ЗЕТ and a
//! programme states whole academic hours. The upper bounds are not legal
//! limits but a guard against a slipped digit (a 360 for a 36, a 1440 for a
//! 144), set well above anything real for each kind:
//!
//! | kind                 | unit | at most | why                                   |
//! |----------------------|------|---------|---------------------------------------|
//! | programme (ПК)       | hour | 1000    | ПК run 16–576 hours; more is a typo   |
//! | interactive module   | ЗЕТ  | 100     | portal modules are worth 1–36 ЗЕТ     |
//! | educational event    | ЗЕТ  | 50      | a congress of several days, ~6 a day  |

use std::fmt;

/// What is wrong with a typed amount of hours or ЗЕТ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a whole number (letters, a sign, a fraction, nothing at all).
    #[error("not a whole number")]
    Malformed,
    /// Zero or negative: a record that counts nothing is not a record.
    #[error("the amount is not positive")]
    NotPositive,
    /// More than the kind's sane maximum.
    #[error("more than {max}")]
    TooMany { max: u32 },
}

/// Reads a whole positive number of at most `max`: digits only, spaces
/// around ignored. A leading minus is "not positive" rather than
/// "malformed", so the bot can say which.
fn parse_amount(input: &str, max: u32) -> Result<u32, AmountError> {
    let input = input.trim();
    if let Some(rest) = input.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(AmountError::NotPositive);
    }
    if input.is_empty() || !input.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::Malformed);
    }
    // Only digits are left: overflow is the one failure, and it is too many.
    let amount = input.parse::<u32>().unwrap_or(u32::MAX);
    checked_amount(amount, max)
}

fn checked_amount(amount: u32, max: u32) -> Result<u32, AmountError> {
    match amount {
        0 => Err(AmountError::NotPositive),
        a if a > max => Err(AmountError::TooMany { max }),
        a => Ok(a),
    }
}

macro_rules! amount {
    ($(#[$doc:meta])* $name:ident, max = $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The largest amount accepted.
            pub const MAX: u32 = $max;

            /// Reads a typed amount.
            pub fn parse(input: &str) -> Result<$name, AmountError> {
                parse_amount(input, Self::MAX).map($name)
            }

            /// Checks a number that arrived already as a number (an import,
            /// a stored row).
            pub fn new(amount: u32) -> Result<$name, AmountError> {
                checked_amount(amount, Self::MAX).map($name)
            }

            pub fn get(self) -> u32 {
                self.0
            }
        }

        /// The number alone: the unit is a word, and words are the bot's
        /// (Fluent plurals: 1 час, 2 часа, 5 часов).
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

amount!(
    /// Academic hours of a programme of professional development (ПК), as
    /// the удостоверение states them.
    ProgrammeHours,
    max = 1000
);

amount!(
    /// ЗЕТ of an interactive educational module (ИОМ) on the НМО portal.
    ModuleZet,
    max = 100
);

amount!(
    /// ЗЕТ of an educational event (a conference, a congress, a seminar).
    EventZet,
    max = 50
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_positive_amounts_are_read() {
        assert_eq!(
            ProgrammeHours::parse(" 36 ").map(ProgrammeHours::get),
            Ok(36)
        );
        assert_eq!(
            ProgrammeHours::parse("1000").map(ProgrammeHours::get),
            Ok(1000)
        );
        assert_eq!(ModuleZet::parse("5").map(ModuleZet::get), Ok(5));
        assert_eq!(EventZet::parse("50").map(EventZet::get), Ok(50));
        assert_eq!(
            ProgrammeHours::parse("036").map(ProgrammeHours::get),
            Ok(36)
        );
    }

    #[test]
    fn absurd_hours_are_refused_per_kind() {
        assert_eq!(
            ProgrammeHours::parse("1440"),
            Err(AmountError::TooMany { max: 1000 })
        );
        assert_eq!(
            ProgrammeHours::parse("99999999999999999999"),
            Err(AmountError::TooMany { max: 1000 }),
            "overflow is too many, not malformed"
        );
        assert_eq!(
            ModuleZet::parse("101"),
            Err(AmountError::TooMany { max: 100 })
        );
        assert_eq!(EventZet::parse("51"), Err(AmountError::TooMany { max: 50 }));
        assert_eq!(EventZet::new(60), Err(AmountError::TooMany { max: 50 }));
    }

    #[test]
    fn zero_and_negative_are_not_positive() {
        assert_eq!(ProgrammeHours::parse("0"), Err(AmountError::NotPositive));
        assert_eq!(ProgrammeHours::parse("-36"), Err(AmountError::NotPositive));
        assert_eq!(ModuleZet::new(0), Err(AmountError::NotPositive));
    }

    #[test]
    fn anything_but_a_whole_number_is_malformed() {
        for bad in [
            "",
            " ",
            "36,5",
            "36.5",
            "+36",
            "36 ч",
            "тридцать",
            "-",
            "3 6",
            "٣٦",
        ] {
            assert_eq!(
                ProgrammeHours::parse(bad),
                Err(AmountError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn amounts_show_the_number_alone() {
        assert_eq!(ProgrammeHours::new(36).unwrap().to_string(), "36");
        assert_eq!(ModuleZet::new(2).unwrap().to_string(), "2");
    }
}
