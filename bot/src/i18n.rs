//! Every word a user reads, from the Fluent files in `locales/`.
//!
//! The files are embedded in the binary. All texts are HTML in Telegram's
//! subset, so string arguments are escaped here and no handler can forget
//! to. A key missing in a language is a bug: the unit tests below scan the
//! code for every key it uses and check both languages have it.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use medcab_core::Language;
use medcab_core::channels::Messenger;
use medcab_core::dates::{Reader, Shown};
use teloxide::utils::html;

/// The Fluent sources of one language, in the order they are loaded.
fn sources(language: Language) -> &'static [&'static str] {
    match language {
        Language::Ru => &[
            include_str!("../../locales/ru/main.ftl"),
            include_str!("../../locales/ru/dates.ftl"),
            include_str!("../../locales/ru/onboarding.ftl"),
            include_str!("../../locales/ru/security.ftl"),
            include_str!("../../locales/ru/applications.ftl"),
            include_str!("../../locales/ru/profile.ftl"),
            include_str!("../../locales/ru/documents.ftl"),
            include_str!("../../locales/ru/review.ftl"),
            include_str!("../../locales/ru/education.ftl"),
            include_str!("../../locales/ru/notifications.ftl"),
            include_str!("../../locales/ru/accreditation.ftl"),
            include_str!("../../locales/ru/settings.ftl"),
            include_str!("../../locales/ru/broadcast.ftl"),
            include_str!("../../locales/ru/identity.ftl"),
            include_str!("../../locales/ru/availability.ftl"),
            include_str!("../../locales/ru/staff.ftl"),
            include_str!("../../locales/ru/qualification.ftl"),
            include_str!("../../locales/ru/portfolio.ftl"),
            include_str!("../../locales/ru/organisation.ftl"),
            include_str!("../../locales/ru/report.ftl"),
            include_str!("../../locales/ru/referrals.ftl"),
            include_str!("../../locales/ru/schedule.ftl"),
        ],
        Language::En => &[
            include_str!("../../locales/en/main.ftl"),
            include_str!("../../locales/en/dates.ftl"),
            include_str!("../../locales/en/onboarding.ftl"),
            include_str!("../../locales/en/security.ftl"),
            include_str!("../../locales/en/applications.ftl"),
            include_str!("../../locales/en/profile.ftl"),
            include_str!("../../locales/en/documents.ftl"),
            include_str!("../../locales/en/review.ftl"),
            include_str!("../../locales/en/education.ftl"),
            include_str!("../../locales/en/notifications.ftl"),
            include_str!("../../locales/en/accreditation.ftl"),
            include_str!("../../locales/en/settings.ftl"),
            include_str!("../../locales/en/broadcast.ftl"),
            include_str!("../../locales/en/identity.ftl"),
            include_str!("../../locales/en/availability.ftl"),
            include_str!("../../locales/en/staff.ftl"),
            include_str!("../../locales/en/qualification.ftl"),
            include_str!("../../locales/en/portfolio.ftl"),
            include_str!("../../locales/en/organisation.ftl"),
            include_str!("../../locales/en/report.ftl"),
            include_str!("../../locales/en/referrals.ftl"),
            include_str!("../../locales/en/schedule.ftl"),
        ],
    }
}

pub struct Locales {
    ru: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

static LOCALES: LazyLock<Locales> = LazyLock::new(|| match Locales::load() {
    Ok(locales) => locales,
    // The files are compiled in and checked by tests; this cannot happen in
    // a binary that passed them.
    Err(problem) => panic!("the embedded Fluent files are broken: {problem}"),
});

impl Locales {
    fn load() -> Result<Locales, String> {
        Ok(Locales {
            ru: bundle(Language::Ru)?,
            en: bundle(Language::En)?,
        })
    }

    fn bundle(&self, language: Language) -> &FluentBundle<FluentResource> {
        match language {
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }
}

fn bundle(language: Language) -> Result<FluentBundle<FluentResource>, String> {
    let langid = language
        .code()
        .parse()
        .map_err(|e| format!("{language}: bad language id: {e}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Unicode isolation marks around arguments would show up in Telegram
    // and count against its length limits.
    bundle.set_use_isolating(false);
    for source in sources(language) {
        let resource = FluentResource::try_new((*source).to_owned())
            .map_err(|(_, errors)| format!("{language}: {errors:?}"))?;
        bundle
            .add_resource(resource)
            .map_err(|errors| format!("{language}: {errors:?}"))?;
    }
    Ok(bundle)
}

/// The texts for one reader: their language, and their time zone for
/// every date and time shown ([`Reader`]). Cheap to copy; pass it to
/// handlers.
#[derive(Clone, Copy)]
pub struct Texts {
    language: Language,
    reader: Reader,
    /// The messenger the reader is on: texts that name it (`$messenger`)
    /// say Telegram or Max.
    messenger: Messenger,
    locales: &'static Locales,
}

impl Texts {
    /// Texts for a reader in Moscow (staff, a user who never chose a zone).
    pub fn new(language: Language) -> Texts {
        Texts {
            language,
            reader: Reader::moscow(language),
            messenger: Messenger::Telegram,
            locales: &LOCALES,
        }
    }

    /// The same texts for a reader on `messenger`.
    pub fn on(self, messenger: Messenger) -> Texts {
        Texts { messenger, ..self }
    }

    /// The same texts for a reader in `zone`.
    pub fn in_zone(self, zone: Tz) -> Texts {
        Texts {
            reader: Reader::new(self.language, zone),
            ..self
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    pub fn reader(&self) -> Reader {
        self.reader
    }

    /// A calendar date, `ДД.ММ.ГГГГ`.
    pub fn date(&self, date: NaiveDate) -> String {
        self.reader.date(date)
    }

    /// The reader's date at an instant.
    pub fn day_of(&self, at: DateTime<Utc>) -> String {
        self.reader.day_of(at)
    }

    /// `ДД.ММ.ГГГГ ЧЧ:ММ` in the reader's zone.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        self.reader.date_time(at)
    }

    /// `ЧЧ:ММ` in the reader's zone.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        self.reader.moment(at, Shown::Time)
    }

    /// A file's size as people read it: whole КБ below 1 МБ, else МБ to a
    /// tenth with the language's decimal separator («12 КБ», «5,1 МБ»).
    /// Rounded up, so a file just over a limit never reads as the limit.
    pub fn size(&self, bytes: u64) -> String {
        const KIB: u64 = 1024;
        const MIB: u64 = 1024 * 1024;
        let kilobytes = bytes.div_ceil(KIB);
        if kilobytes < KIB {
            let n = i64::try_from(kilobytes).unwrap_or(i64::MAX);
            return self.msg_with("size-kilobytes", [("n", Arg::Number(n))]);
        }
        let tenths = self.reader.tenths((bytes * 10).div_ceil(MIB));
        self.msg_with("size-megabytes", [("n", Arg::Text(&tenths))])
    }

    /// A text without arguments.
    pub fn msg(&self, key: &str) -> String {
        self.msg_with(key, [])
    }

    /// A text with arguments; string arguments are HTML-escaped.
    pub fn msg_with<'a>(
        &self,
        key: &str,
        args: impl IntoIterator<Item = (&'a str, Arg<'a>)>,
    ) -> String {
        // Every text may name the reader's zone next to a time: `$tz`.
        let mut fluent_args = FluentArgs::new();
        fluent_args.set("tz", self.zone_label());
        // And the messenger they read it in: `$messenger`.
        fluent_args.set("messenger", self.messenger.name());
        for (name, arg) in args {
            let value: FluentValue = match arg {
                Arg::Text(text) => html::escape(text).into(),
                Arg::Number(n) => n.into(),
                Arg::Rendered(text) => text.into(),
            };
            fluent_args.set(name, value);
        }
        self.format(key, Some(&fluent_args))
    }

    /// «МСК», «МСК+3»: the reader's zone as it stands next to a time.
    pub fn zone_label(&self) -> String {
        let shift = self.reader.hours_from_moscow();
        let signed = match shift {
            0 => String::new(),
            1.. => format!("+{shift}"),
            _ => format!("\u{2212}{}", -shift),
        };
        let mut args = FluentArgs::new();
        args.set("shift", shift);
        args.set("signed", signed);
        self.format("time-zone-label", Some(&args))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.locales.bundle(self.language);
        let Some(pattern) = bundle.get_message(key).and_then(|message| message.value()) else {
            tracing::error!(key, language = %self.language, "missing text");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::error!(key, language = %self.language, ?errors, "text formatted with errors");
        }
        text.into_owned()
    }
}

/// An argument to a text.
pub enum Arg<'a> {
    /// What a person typed or a record holds: escaped for HTML.
    Text(&'a str),
    Number(i64),
    /// A text [`Texts::msg`] or [`Texts::msg_with`] rendered already (its
    /// own arguments were escaped there), put inside another as it is:
    /// escaping it again would show `&amp;` for a `&`. Never typed text.
    Rendered(&'a str),
}

impl Arg<'_> {
    /// A count of things (a list's length, a limit in characters) as a
    /// number to show; one past `i64::MAX` shows as `i64::MAX`, which no
    /// count in memory reaches.
    pub fn count(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// A count from the database or the outbox, unsigned.
    pub fn total(n: u64) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        assert!(matches!(Arg::count(3), Arg::Number(3)));
        assert!(matches!(Arg::count(usize::MAX), Arg::Number(i64::MAX)));
        assert!(matches!(Arg::total(u64::MAX), Arg::Number(i64::MAX)));
        assert!(matches!(Arg::total(7), Arg::Number(7)));
    }

    #[test]
    fn a_rendered_text_goes_inside_another_as_it_is_and_typed_text_escaped() {
        let t = Texts::new(medcab_core::Language::Ru);
        let inner = t.msg_with(
            "app-certificate-line",
            [("certificate", Arg::Text("A & B"))],
        );
        assert!(inner.contains("A &amp; B"), "{inner}");
        let outer = t.msg_with(
            "app-certificate-line",
            [("certificate", Arg::Rendered(&inner))],
        );
        assert!(outer.contains("A &amp; B"), "{outer}");
        assert!(!outer.contains("&amp;amp;"), "{outer}");
    }

    fn keys(language: Language) -> BTreeSet<String> {
        sources(language)
            .iter()
            .flat_map(|source| {
                let resource = FluentResource::try_new((*source).to_owned()).expect("parses");
                resource
                    .entries()
                    .filter_map(|entry| match entry {
                        fluent_syntax::ast::Entry::Message(message) => {
                            Some(message.id.name.to_owned())
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }

    /// Every `msg("key")` and `msg_with("key", …)` in the bot's code.
    fn keys_used_in_code() -> BTreeSet<String> {
        let pattern = regex::Regex::new(r#"\.msg(?:_with)?\(\s*"([a-z0-9-]+)""#).unwrap();
        let mut files = Vec::new();
        rust_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut used = BTreeSet::new();
        for file in files {
            let code = std::fs::read_to_string(&file).unwrap();
            used.extend(pattern.captures_iter(&code).map(|c| c[1].to_owned()));
        }
        used
    }

    #[test]
    fn both_languages_load() {
        assert!(Locales::load().is_ok());
    }

    #[test]
    fn every_key_used_in_code_exists_in_both_languages() {
        let used = keys_used_in_code();
        assert!(used.len() > 10, "the scan found too few keys: {used:?}");
        for language in Language::ALL {
            let known = keys(language);
            let missing: Vec<_> = used.difference(&known).collect();
            assert!(missing.is_empty(), "missing in {language}: {missing:?}");
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        assert_eq!(keys(Language::Ru), keys(Language::En));
    }

    #[test]
    fn arguments_are_escaped_and_placed() {
        let text = Texts::new(Language::Ru)
            .msg_with("start-greeting", [("name", Arg::Text("<Анна & Co>"))]);
        assert!(
            text.starts_with("Здравствуйте, &lt;Анна &amp; Co&gt;!"),
            "{text}"
        );
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        let ru = Texts::new(Language::Ru);
        let en = Texts::new(Language::En);
        // A 12 KB scan is not «0,1 МБ».
        assert_eq!(ru.size(12 * 1024), "12 КБ");
        assert_eq!(en.size(12 * 1024), "12 KB");
        assert_eq!(ru.size(1), "1 КБ");
        assert_eq!(ru.size(1024 * 1024 - 1), "1,0 МБ");
        assert_eq!(ru.size(5 * 1024 * 1024), "5,0 МБ");
        assert_eq!(ru.size(5 * 1024 * 1024 + 1), "5,1 МБ");
        assert_eq!(en.size(5 * 1024 * 1024 + 1), "5.1 MB");
    }

    #[test]
    fn the_zone_next_to_a_time_is_the_readers() {
        let key = "code-locked";
        let until = || [("until", Arg::Text("01:39"))];
        let moscow = Texts::new(Language::Ru);
        assert!(moscow.msg_with(key, until()).contains("01:39 (МСК)"));
        let omsk = moscow.in_zone(Tz::Asia__Omsk).msg_with(key, until());
        assert!(omsk.contains("01:39 (МСК+3)"), "{omsk}");
        let kaliningrad = moscow
            .in_zone(Tz::Europe__Kaliningrad)
            .msg_with(key, until());
        assert!(
            kaliningrad.contains("01:39 (МСК\u{2212}1)"),
            "{kaliningrad}"
        );
        let english = Texts::new(Language::En).msg_with(key, until());
        assert!(english.contains("01:39 (Moscow time)"), "{english}");
    }

    #[test]
    fn times_are_shown_in_the_readers_zone() {
        let at = DateTime::parse_from_rfc3339("2026-11-25T19:39:00Z")
            .unwrap()
            .to_utc();
        let moscow = Texts::new(Language::Ru);
        assert_eq!(moscow.time(at), "22:39");
        assert_eq!(moscow.date_time(at), "25.11.2026 22:39");
        let omsk = moscow.in_zone(Tz::Asia__Omsk);
        assert_eq!(omsk.date_time(at), "26.11.2026 01:39");
        assert_eq!(omsk.day_of(at), "26.11.2026");
    }

    #[test]
    fn a_missing_key_shows_the_key_not_a_panic() {
        // Through a variable, so the scan above does not count it as used.
        let key = "no-such-key";
        assert_eq!(Texts::new(Language::En).msg(key), key);
    }
}
