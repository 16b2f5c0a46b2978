//! Characters no person means to type or to name a file with.
//!
//! A control character (NUL, ESC, backspace …) in typed text is at best
//! invisible and unsearchable, at worst refused by PostgreSQL (a NUL). The
//! marks that reverse the direction of text are invisible too, and they are
//! how a file called `diploma` + U+202E + `fdp.exe` reads as `diplomaexe.pdf`: a name
//! that lies about what it is.

/// The invisible marks that change the direction of the text after them
/// (embeddings, overrides and isolates).
pub fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// What typed text may not hold: control characters other than line
/// breaks and tabs (notes are written in several lines; a field that must
/// be one line says so itself), and direction marks.
pub fn is_refused_in_typed_text(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_direction_mark(c)
}

/// What a stored file name may not hold: any control character, line
/// breaks included, and direction marks.
pub fn is_refused_in_file_name(c: char) -> bool {
    c.is_control() || is_direction_mark(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_direction_marks_are_refused_in_typed_text() {
        for c in [
            '\0', '\u{1b}', '\u{8}', '\u{7f}', '\u{85}', '\u{202E}', '\u{2067}', '\u{200F}',
        ] {
            assert!(is_refused_in_typed_text(c), "{c:?}");
        }
        for c in ['\n', '\r', '\t', ' ', 'Я', '№', '\u{200D}', '😀'] {
            assert!(!is_refused_in_typed_text(c), "{c:?}");
        }
    }

    #[test]
    fn a_file_name_holds_no_line_break_either() {
        for c in ['\n', '\t', '\u{202E}', '\u{2066}'] {
            assert!(is_refused_in_file_name(c), "{c:?}");
        }
        for c in [' ', '.', '-', 'Д'] {
            assert!(!is_refused_in_file_name(c), "{c:?}");
        }
    }
}
