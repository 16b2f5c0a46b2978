//! The shared first step for numeric identifiers: pull the digits out of
//! whatever punctuation a person wrapped them in.

/// Why the text could not be reduced to digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rejected {
    /// Nothing but whitespace.
    Empty,
    /// Something that is neither an ASCII digit nor a separator.
    InvalidCharacters,
}

/// The ASCII digits of `input`, skipping whitespace, dashes, parentheses and
/// the `extra` characters a particular identifier allows.
///
/// Phones and autocorrect turn `-` into en or em dashes and spaces into
/// non-breaking ones, so every dash and every Unicode space counts as a
/// separator. Non-ASCII digits (Arabic-Indic, full-width) are rejected rather
/// than converted: nobody in our audience types them on purpose.
///
/// Input of separators alone is not `Empty` but yields no digits, so callers
/// report it as the wrong number of digits: the user did type something.
pub(super) fn extract(input: &str, extra: &[char]) -> Result<String, Rejected> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Rejected::Empty);
    }
    let mut digits = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !(is_separator(c) || extra.contains(&c)) {
            return Err(Rejected::InvalidCharacters);
        }
    }
    Ok(digits)
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}' // hyphen
                | '\u{2011}' // non-breaking hyphen
                | '\u{2012}' // figure dash
                | '\u{2013}' // en dash
                | '\u{2014}' // em dash
                | '\u{2212}' // minus sign
                | '('
                | ')'
        )
}

/// The value of an ASCII digit. Callers pass only what `extract` returned.
pub(super) fn value(c: u8) -> u32 {
    u32::from(c - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_digits_and_drops_separators() {
        assert_eq!(
            extract(" (12)\u{a0}3\u{2013}4-5 ", &[]),
            Ok("12345".to_owned())
        );
        assert_eq!(extract("1№2", &['№']), Ok("12".to_owned()));
    }

    #[test]
    fn whitespace_only_is_empty_but_separators_only_are_not() {
        assert_eq!(extract(" \t\n", &[]), Err(Rejected::Empty));
        assert_eq!(extract("", &[]), Err(Rejected::Empty));
        assert_eq!(extract(" - ", &[]), Ok(String::new()));
    }

    #[test]
    fn rejects_letters_and_non_ascii_digits() {
        assert_eq!(extract("12a", &[]), Err(Rejected::InvalidCharacters));
        assert_eq!(extract("1.2", &[]), Err(Rejected::InvalidCharacters));
        assert_eq!(extract("١٢", &[]), Err(Rejected::InvalidCharacters));
        assert_eq!(extract("1№2", &[]), Err(Rejected::InvalidCharacters));
    }
}
