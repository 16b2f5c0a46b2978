//! What in a practitioner's text looks like a patient's data: the report
//! on professional activity describes work, never a patient, and refuses
//! an answer holding one of these (health data is a special category under
//! 152-ФЗ; the report goes to an employer and a commission); a referral
//! (`crate::referrals`) refuses them in its reason and its patient
//! reference too, since the chat is no place for them.
//!
//! - **СНИЛС**: written in its own shape, `XXX-XXX-XXX YY` (hyphens,
//!   dots or spaces between the groups — up to three of them —, the same
//!   before the check number) or `XXXXXXXXX YY`, refused with or without a
//!   right check number: nothing else is
//!   written so, and a mistyped СНИЛС is still a person's. Eleven digits in
//!   a row are refused only when their check number holds: eleven bare
//!   digits are as often a phone number (`89161234567`, and never after a
//!   `+`), and a random number passes the check about once in a hundred.
//! - **Полис ОМС**: sixteen digits, in a row or in groups of four, refused
//!   whatever the Luhn digit: a report has no use for a sixteen-digit
//!   number (a bank card's is no better).
//! - **A diagnosis code of МКБ-10**: a capital letter and two digits, with
//!   an optional `.` and one or two digits (`I10`, `J45.0`, `E11.9`), as a
//!   word of its own; the Cyrillic capitals that look like Latin ones
//!   (`А В Е К М Н О Р С Т Х`) count as those letters, since people type
//!   `С50` on a Russian keyboard. Lower case (`в12`), a letter inside a
//!   word (`ФЗ-323`, `COVID-19`) and more digits (`Р52623`) are not codes.
//!
//! Years (`2024`), hours (`144 часа`), orders (`№ 709н`) and phone numbers
//! written with brackets or a `+` pass. A finding names its kind and the
//! text as typed with its digits hidden but the last two (a code is shown
//! as it is: alone it identifies nobody), so the refusal can say what it
//! saw without repeating a number back into the chat.

use crate::domain::Snils;

/// What a finding looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatientDataKind {
    Snils,
    Policy,
    DiagnosisCode,
}

impl PatientDataKind {
    /// Short, for the Fluent selector.
    pub fn as_str(self) -> &'static str {
        match self {
            PatientDataKind::Snils => "snils",
            PatientDataKind::Policy => "policy",
            PatientDataKind::DiagnosisCode => "diagnosis",
        }
    }
}

/// Something in the text that looks like a patient's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: PatientDataKind,
    /// The text as typed, digits hidden but the last two (a code as it is).
    pub shown: String,
}

/// The first thing in `text` that looks like a patient's data, if any.
///
/// The text is read as a person sees it: compatibility forms folded
/// (NFKC: full-width `１１２` is `112`) and invisible format characters
/// (zero-width spaces and joiners, the soft hyphen, bidi marks) dropped,
/// so that a number cannot pass by being typed with characters that look
/// the same or not at all.
pub fn find(text: &str) -> Option<Finding> {
    use unicode_normalization::UnicodeNormalization;
    let chars: Vec<char> = text.nfkc().filter(|c| !is_invisible(*c)).collect();
    find_number(&chars).or_else(|| find_code(&chars))
}

/// A format character: shows as nothing.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}')
}

/// A run of digit groups joined by one separator each: its groups' lengths
/// and where it lies in the text.
struct Chain {
    /// (start, end) of each group, in chars.
    groups: Vec<(usize, usize)>,
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '\u{a0}' | '‑' | '–' | '—')
}

/// Separators allowed between two groups of a chain: `112 - 233`, two
/// spaces, a dot and a space.
const SEPARATORS_AT_MOST: usize = 3;

/// The digit chains of the text: groups of digits parted by one separator.
fn chains(chars: &[char]) -> Vec<Chain> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if !chars[at].is_ascii_digit() || (at > 0 && is_word_char(chars[at - 1])) {
            at += 1;
            continue;
        }
        let mut groups = Vec::new();
        let mut start = at;
        loop {
            let mut end = start;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            groups.push((start, end));
            // A few separators, then more digits: the chain goes on.
            let gap = chars[end..]
                .iter()
                .take(SEPARATORS_AT_MOST + 1)
                .take_while(|c| is_separator(**c))
                .count();
            if (1..=SEPARATORS_AT_MOST).contains(&gap)
                && chars.get(end + gap).is_some_and(char::is_ascii_digit)
            {
                start = end + gap;
            } else {
                at = end;
                break;
            }
        }
        // A number glued to letters after it (`709н`) is no bare number;
        // the chain is kept, its last group is judged by the patterns.
        out.push(Chain { groups });
    }
    out
}

/// A letter or a digit: a number or a code inside a word is neither.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn digits_of(chars: &[char], (start, end): (usize, usize)) -> String {
    chars[start..end].iter().collect()
}

/// The text from the first group's start to the last's end, digits hidden
/// but the last two.
fn masked(chars: &[char], from: usize, to: usize) -> String {
    let digits = chars[from..to]
        .iter()
        .filter(|c| c.is_ascii_digit())
        .count();
    let mut seen = 0;
    chars[from..to]
        .iter()
        .map(|&c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + 2 > digits { c } else { '•' }
            } else {
                c
            }
        })
        .collect()
}

/// Four years in a row (`2019 2020 2021 2022`) are no policy.
fn all_years(chars: &[char], groups: &[(usize, usize)]) -> bool {
    groups.iter().all(|group| {
        digits_of(chars, *group)
            .parse::<u32>()
            .is_ok_and(|year| (1900..2100).contains(&year))
    })
}

fn find_number(chars: &[char]) -> Option<Finding> {
    for chain in chains(chars) {
        let lens: Vec<usize> = chain.groups.iter().map(|(s, e)| e - s).collect();
        let ends_clear = |end: usize| chars.get(end).is_none_or(|c| !is_word_char(*c));
        let found = |kind, first: usize, last: usize| {
            let (from, _) = chain.groups[first];
            let (_, to) = chain.groups[last];
            Finding {
                kind,
                shown: masked(chars, from, to),
            }
        };
        // Windows of groups in the chain's own shapes.
        for first in 0..chain.groups.len() {
            let rest = &lens[first..];
            if rest.len() >= 4 && rest[..4] == [3, 3, 3, 2] && ends_clear(chain.groups[first + 3].1)
            {
                return Some(found(PatientDataKind::Snils, first, first + 3));
            }
            // The nine digits together, then the check number.
            if rest.len() >= 2 && rest[..2] == [9, 2] && ends_clear(chain.groups[first + 1].1) {
                return Some(found(PatientDataKind::Snils, first, first + 1));
            }
            if rest.len() >= 4
                && rest[..4] == [4, 4, 4, 4]
                && ends_clear(chain.groups[first + 3].1)
                && !all_years(chars, &chain.groups[first..first + 4])
            {
                return Some(found(PatientDataKind::Policy, first, first + 3));
            }
            let (start, end) = chain.groups[first];
            if !ends_clear(end) {
                continue;
            }
            let after_plus = start > 0 && chars[start - 1] == '+';
            match rest[0] {
                16 => return Some(found(PatientDataKind::Policy, first, first)),
                11 if !after_plus && Snils::parse(&digits_of(chars, (start, end))).is_ok() => {
                    return Some(found(PatientDataKind::Snils, first, first));
                }
                _ => {}
            }
        }
    }
    None
}

/// A Cyrillic capital that looks like a Latin one, as that letter.
fn latin_look(c: char) -> Option<char> {
    Some(match c {
        'A'..='Z' => c,
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        _ => return None,
    })
}

fn find_code(chars: &[char]) -> Option<Finding> {
    for at in 0..chars.len() {
        if latin_look(chars[at]).is_none() || (at > 0 && is_word_char(chars[at - 1])) {
            continue;
        }
        let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
        if !(digit(at + 1) && digit(at + 2)) {
            continue;
        }
        let mut end = at + 3;
        if chars.get(end) == Some(&'.') && digit(end + 1) {
            end += 2;
            if digit(end) {
                end += 1;
            }
        }
        let clear = chars.get(end).is_none_or(|c| !is_word_char(*c))
            // `E11.` at a sentence's end is the code and a full stop.
            && !(chars.get(end) == Some(&'.') && digit(end + 1));
        if clear {
            return Some(Finding {
                kind: PatientDataKind::DiagnosisCode,
                shown: chars[at..end].iter().collect(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<PatientDataKind> {
        find(text).map(|finding| finding.kind)
    }

    #[test]
    fn a_snils_in_its_shape_is_found_with_or_without_its_check_number() {
        for text in [
            "Пациент 112-233-445 95 осмотрен",
            "112-233-445 96",
            "СНИЛС 112 233 445 95.",
            "112-233-445-95",
            "(112-233-44595)",
        ] {
            if text == "(112-233-44595)" {
                // 3-3-5: not the shape; eleven digits only in a row.
                assert_eq!(kind(text), None, "{text}");
            } else {
                assert_eq!(kind(text), Some(PatientDataKind::Snils), "{text}");
            }
        }
        let finding = find("у 112-233-445 95 был").unwrap();
        assert_eq!(finding.shown, "•••-•••-••• 95");
    }

    #[test]
    fn a_snils_typed_to_slip_past_is_found_all_the_same() {
        for text in [
            "112.233.445 95",
            "112233445 95",
            "112  233  445  95",
            "112 - 233 - 445 - 95",
            // Full-width digits, and zero-width characters between digits.
            "１１２-２３３-４４５ ９５",
            "112\u{200B}-233-445\u{200D} 95",
            "1\u{200B}1\u{200B}2\u{200B}2\u{200B}3\u{200B}3\u{200B}4\u{200B}4\u{200B}5\u{200B}9\u{200B}5",
            "112\u{00AD}-233-445 95",
        ] {
            assert_eq!(kind(text), Some(PatientDataKind::Snils), "{text:?}");
        }
        assert_eq!(
            kind("полис １２３４ ５６７８ ９０１２ ３４５６"),
            Some(PatientDataKind::Policy)
        );
        assert_eq!(
            kind("диагноз\u{200B} I10"),
            Some(PatientDataKind::DiagnosisCode)
        );
        // Four separators part two numbers.
        assert_eq!(kind("112 -  233-445 95"), None);
    }

    #[test]
    fn eleven_digits_in_a_row_are_a_snils_only_when_they_check() {
        assert_eq!(kind("снилс 11223344595"), Some(PatientDataKind::Snils));
        assert_eq!(find("11223344595").unwrap().shown, "•••••••••95");
        // A phone number: the check number does not hold, or a `+` before.
        assert_eq!(kind("звоните 89161234567"), None);
        assert_eq!(kind("+11223344595"), None);
        // An old number (001-001-998 and below) has no check: any passes.
        assert_eq!(kind("00100199812"), Some(PatientDataKind::Snils));
    }

    #[test]
    fn a_policy_is_sixteen_digits_in_a_row_or_in_fours() {
        assert_eq!(
            kind("полис 1234567890123456"),
            Some(PatientDataKind::Policy)
        );
        assert_eq!(
            kind("полис 1234 5678 9012 3456"),
            Some(PatientDataKind::Policy)
        );
        assert_eq!(
            find("1234-5678-9012-3456").unwrap().shown,
            "••••-••••-••••-••56"
        );
        // Fifteen or seventeen digits are no policy.
        assert_eq!(kind("123456789012345"), None);
        assert_eq!(kind("12345678901234567"), None);
    }

    #[test]
    fn diagnosis_codes_in_latin_and_in_cyrillic_look_alikes() {
        for (text, shown) in [
            ("диагноз I10", "I10"),
            ("J45.0 у пациента", "J45.0"),
            ("(E11.9)", "E11.9"),
            ("код С50.11, ", "С50.11"),
            ("МКБ Т81.", "Т81"),
            ("K35", "K35"),
        ] {
            let finding = find(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(finding.kind, PatientDataKind::DiagnosisCode, "{text}");
            assert_eq!(finding.shown, shown, "{text}");
        }
    }

    #[test]
    fn what_a_report_usually_holds_is_no_patient_data() {
        for text in [
            "Стаж работы по специальности — 12 лет, с 2012 года.",
            "Прошла обучение 144 часа, из них 74 часа ПК.",
            "Приказ Минздрава № 709н от 2022 года, 323-ФЗ.",
            "ГОСТ Р 52623.3-2015",
            "Принимала 25 пациентов в день, 5500 приёмов в год.",
            "Телефон отделения +7 (495) 123-45-67, 8 (495) 123-45-67.",
            "в кабинете 12, корпус 2, витамин в12",
            "COVID-19, ВИЧ, ФЗ-323, СП 2.1.3678-20",
            "Р52623 и A1 и B1234",
            "Снижение смертности на 12.5% в 2023–2024 годах",
            "в 2019 2020 2021 2022 годах",
            "ОГРН 1027700132195, ИНН 7710140679",
            "",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }
}
