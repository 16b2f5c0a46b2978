//! The languages medcab speaks.

use std::fmt;
use std::str::FromStr;

/// A language of the interface. Russian is the default; English the second.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Language {
    #[default]
    Ru,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Ru, Language::En];

    /// The two-letter code, as stored and as Telegram uses it.
    pub fn code(self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    /// The language to speak to a user who has not chosen one, from the
    /// `language_code` Telegram reports (an IETF tag such as `en-GB`).
    /// Anything but English falls back to Russian: the product is for
    /// practitioners in Russia, whatever their phone's locale.
    pub fn from_telegram(language_code: Option<&str>) -> Language {
        match language_code {
            Some(code) if primary_subtag(code).eq_ignore_ascii_case("en") => Language::En,
            _ => Language::Ru,
        }
    }

    /// The user's choice wins; otherwise Telegram's language decides.
    pub fn resolve(chosen: Option<Language>, telegram_code: Option<&str>) -> Language {
        chosen.unwrap_or_else(|| Language::from_telegram(telegram_code))
    }
}

fn primary_subtag(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or(tag)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: expected ru or en")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ru" => Ok(Language::Ru),
            "en" => Ok(Language::En),
            other => Err(UnknownLanguage(other.to_owned())),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_phones_get_english() {
        assert_eq!(Language::from_telegram(Some("en")), Language::En);
        assert_eq!(Language::from_telegram(Some("en-GB")), Language::En);
        assert_eq!(Language::from_telegram(Some("EN_us")), Language::En);
    }

    #[test]
    fn everyone_else_gets_russian() {
        assert_eq!(Language::from_telegram(Some("ru")), Language::Ru);
        assert_eq!(Language::from_telegram(Some("uk")), Language::Ru);
        assert_eq!(Language::from_telegram(Some("de")), Language::Ru);
        assert_eq!(Language::from_telegram(Some("eng")), Language::Ru);
        assert_eq!(Language::from_telegram(None), Language::Ru);
    }

    #[test]
    fn a_choice_beats_telegram() {
        assert_eq!(
            Language::resolve(Some(Language::Ru), Some("en")),
            Language::Ru
        );
        assert_eq!(Language::resolve(None, Some("en")), Language::En);
    }

    #[test]
    fn codes_round_trip() {
        for language in Language::ALL {
            assert_eq!(language.code().parse::<Language>(), Ok(language));
        }
        assert!("fr".parse::<Language>().is_err());
    }
}
