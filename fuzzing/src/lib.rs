//! The fuzz targets' bodies: one function per parser of outside input,
//! fed whatever bytes the fuzzer (or a corpus file) holds.
//!
//! Each hands the bytes to the real parser, as the bot or an import would,
//! and checks more than "does not panic" where a cheap property holds of
//! what the parser accepts: an identifier's written form parses back to
//! the same value, a date formats and reads back equal, a button's data
//! encodes and parses back to the same action, an item of a feed is a
//! notice an operator may publish. A broken property panics, which the
//! fuzzer reports as a crash.
//!
//! `fuzz/` (a cargo-fuzz workspace of its own, run by `scripts/fuzz`) has
//! one `fuzz_target!` per function here; `tests/corpus.rs` replays
//! `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` through them on
//! stable, as an ordinary test. [`TARGETS`] is the list both go by.

use std::fmt::Debug;

use chrono::NaiveDate;
use medcab_bot::chat::{Incoming, Press, Said, What};
use medcab_bot::handlers::Action;
use medcab_bot::handlers::commands::Command;
use medcab_core::csv_file::{self, Column, Header};
use medcab_core::documents::{self, FileRejection, FileType};
use medcab_core::domain::characters;
use medcab_core::domain::{
    DivisionCode, Email, Inn, Ogrn, OmsPolicy, OrganisationInn, PassportNumber, PersonName,
    PhoneNumber, Snils,
};
use medcab_core::notices::{self, NoticeDraft, feed};
use medcab_core::{UserId, channels, dates, licences, qualification, registry};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A target's body: whatever bytes the fuzzer gives.
pub type Target = fn(&[u8]);

/// Every target: its name (the directory of its corpus, the binary in
/// `fuzz/`) and its function.
pub const TARGETS: &[(&str, Target)] = &[
    ("identifiers", identifiers),
    ("dates", dates),
    ("registry_csv", registry_csv),
    ("education_csv", education_csv),
    ("licences_csv", licences_csv),
    ("registry_response", registry_response),
    ("callback_data", callback_data),
    ("deep_link", deep_link),
    ("file_sniffing", file_sniffing),
    ("telegram_update", telegram_update),
    ("max_update", max_update),
    ("feed", feed),
];

/// What a person typed: the messengers deliver UTF-8, so anything else is
/// read as the replacement characters it would arrive as.
fn typed(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A value serde writes reads back as itself (drafts, held inputs and
/// snapshots keep these as JSON).
fn json_round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("a parsed value serialises");
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|error| panic!("{value:?} wrote {json}, which reads back as {error}"));
    assert_eq!(&back, value, "through {json}");
}

/// A parsed identifier: its written form (`Display`) and its stored form
/// parse back to the same value, and serde carries it unchanged.
fn identifier<T, E>(input: &str, parse: fn(&str) -> Result<T, E>, stored: fn(&T) -> &str)
where
    T: std::fmt::Display + Serialize + DeserializeOwned + PartialEq + Debug,
    E: Debug,
{
    let Ok(value) = parse(input) else { return };
    let shown = value.to_string();
    assert_eq!(
        parse(&shown).ok().as_ref(),
        Some(&value),
        "{input:?} shows as {shown:?}"
    );
    let kept = stored(&value);
    assert_eq!(
        parse(kept).ok().as_ref(),
        Some(&value),
        "{input:?} is stored as {kept:?}"
    );
    json_round_trips(&value);
}

/// The typed identifiers of `core::domain` (СНИЛС, ИНН, ОГРН, ОМС policy,
/// passport, phone, e-mail, full name) and a user id as `medcab admin`
/// takes one.
pub fn identifiers(data: &[u8]) {
    let input = typed(data);
    let input = input.as_ref();
    identifier(input, Snils::parse, Snils::digits);
    identifier(input, Inn::parse, Inn::digits);
    identifier(input, OrganisationInn::parse, OrganisationInn::digits);
    identifier(input, Ogrn::parse, Ogrn::digits);
    identifier(input, OmsPolicy::parse, OmsPolicy::digits);
    identifier(input, PassportNumber::parse, PassportNumber::digits);
    identifier(input, DivisionCode::parse, DivisionCode::digits);
    identifier(input, PhoneNumber::parse, PhoneNumber::e164);
    identifier(input, Email::parse, Email::as_str);
    identifier(input, PersonName::parse, PersonName::full);
    if let Ok(name) = PersonName::parse(input) {
        let parts = [
            Some(name.surname()),
            Some(name.given_name()),
            name.patronymic(),
        ];
        let joined = parts.into_iter().flatten().collect::<Vec<_>>().join(" ");
        assert_eq!(joined, name.full(), "{input:?}");
    }
    if let Ok(id) = UserId::parse(input) {
        assert!(id.get() > 0, "{input:?} is {id}");
        assert_eq!(UserId::parse(&id.to_string()), Ok(id), "{input:?}");
        json_round_trips(&id);
    }
}

/// Typed dates and times (`ДД.ММ.ГГГГ`, `ЧЧ:ММ`, both, or the ISO date):
/// what is read formats and reads back as the same value.
pub fn dates(data: &[u8]) {
    let input = typed(data);
    let input = input.as_ref();
    if let Ok(date) = dates::parse(input) {
        let written = dates::date_text(date);
        assert_eq!(dates::parse(&written), Ok(date), "{input:?} as {written:?}");
        assert_eq!(dates::parse_written_or_iso(input), Ok(date), "{input:?}");
    }
    if let Ok(date) = dates::parse_written_or_iso(input) {
        let iso = date.format("%Y-%m-%d").to_string();
        assert_eq!(
            dates::parse_written_or_iso(&iso),
            Ok(date),
            "{input:?} as {iso:?}"
        );
        let written = dates::date_text(date);
        assert_eq!(dates::parse(&written), Ok(date), "{input:?} as {written:?}");
    }
    if let Ok(time) = dates::parse_time(input) {
        let written = time.format("%H:%M").to_string();
        assert_eq!(
            dates::parse_time(&written),
            Ok(time),
            "{input:?} as {written:?}"
        );
    }
    if let Ok(at) = dates::parse_date_time(input) {
        let written = at.format("%d.%m.%Y %H:%M").to_string();
        assert_eq!(
            dates::parse_date_time(&written),
            Ok(at),
            "{input:?} as {written:?}"
        );
    }
}

/// A CSV file opened as every import opens it ([`csv_file::open`]), its
/// header read as `C`'s columns, and each row that holds anything handed
/// to `row`. Lines go forward, and no more is read than there was.
fn csv_rows<C: Column>(
    data: &[u8],
    utf8_header: bool,
    mut row: impl FnMut(&Header<C>, &csv::ByteRecord),
) {
    let Ok(mut file) = csv_file::open(data) else {
        return;
    };
    let Ok(header) = file.reader.byte_headers() else {
        return;
    };
    let names = if utf8_header {
        match csv_file::header_utf8(header) {
            Some(names) => names,
            None => return,
        }
    } else {
        csv_file::header_text(header)
    };
    let Ok(columns) = Header::<C>::read(names) else {
        return;
    };
    let mut record = csv::ByteRecord::new();
    let mut last_line = 1;
    while let Ok(Some(line)) = file.next_row(&mut record) {
        assert!(line > last_line, "line {line} after line {last_line}");
        last_line = line;
        row(&columns, &record);
        for raw in &record {
            let _ = csv_file::text(raw);
        }
    }
    let consumed = usize::try_from(file.consumed()).expect("a count of bytes fits");
    assert!(
        consumed <= data.len(),
        "{consumed} bytes read of {}",
        data.len()
    );
}

/// A register export (`medcab admin import-registry`): each row an entry,
/// or the reason it is not one.
pub fn registry_csv(data: &[u8]) {
    csv_rows::<registry::Field>(data, true, |columns, record| match registry::import::entry(
        columns, record,
    ) {
        Ok(entry) => registered(&entry),
        Err(reason) => assert!(!reason.is_empty()),
    });
}

/// What holds of any entry of the register, from a file or an answer.
fn registered(entry: &registry::RegistryEntry) {
    assert!(!entry.full_name.is_empty());
    assert_eq!(
        entry
            .full_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        entry.full_name,
        "a name is kept with single spaces"
    );
    assert_eq!(
        Snils::parse(entry.snils.digits()).as_ref(),
        Ok(&entry.snils)
    );
}

/// The day the education rows are judged on (no completion after it).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date")
}

/// Education records from a clinic (`medcab admin import-education`).
pub fn education_csv(data: &[u8]) {
    csv_rows::<qualification::import::Column>(data, true, |columns, record| {
        if let Err(reason) = qualification::import::Row::parse(columns, record, today()) {
            assert!(!reason.is_empty());
        }
    });
}

/// The licensing register's export (`medcab admin import-licences`), its
/// header read as UTF-8 or Windows-1251.
pub fn licences_csv(data: &[u8]) {
    csv_rows::<licences::import::Field>(data, false, |columns, record| {
        if let Err(reason) = licences::import::Row::parse(columns, record) {
            assert!(!reason.is_empty());
        }
    });
}

/// The online register's answer for a СНИЛС: an entry of that СНИЛС, or
/// a corrupt answer.
pub fn registry_response(data: &[u8]) {
    let snils = Snils::parse("112-233-445 95").expect("a valid СНИЛС");
    if let Ok(entry) = registry::http::parse_body(data, &snils) {
        assert_eq!(entry.snils, snils);
        registered(&entry);
    }
}

/// A button's callback data, which anyone can forge: an action parsed
/// encodes within Telegram's 64 bytes and parses back to itself.
pub fn callback_data(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    pressed(text);
}

fn pressed(text: &str) {
    let Some(action) = Action::parse(text) else {
        return;
    };
    let encoded = action.encode();
    assert!(
        encoded.len() <= 64,
        "{text:?} is {action:?}, encoded in {} bytes",
        encoded.len()
    );
    assert_eq!(
        Action::parse(&encoded),
        Some(action),
        "{text:?} encodes as {encoded:?}"
    );
}

/// A message's text as a command, `/start` with a deep link's payload
/// among them: a payload comes through whole, as Max's «Начать» and
/// Telegram's `?start=` links deliver it, and a link code is one.
pub fn deep_link(data: &[u8]) {
    let text = typed(data);
    let text = text.as_ref();
    if let Some(command) = Command::parse(text) {
        let name = command.name();
        assert!(
            text.strip_prefix('/')
                .is_some_and(|rest| rest.starts_with(name)),
            "{text:?} read as /{name}"
        );
        started(&command);
    }
    // How the Max adapter (and a Telegram deep link) words a payload.
    if !text.is_empty() {
        let start = format!("/start {text}");
        assert_eq!(
            Command::parse(&start),
            Some(Command::Start(text.to_owned())),
            "the payload {text:?}"
        );
    }
    if channels::is_link_code(text) {
        assert_eq!(text.len(), "link-".len() + 32);
    }
}

fn started(command: &Command) {
    if let Command::Start(payload) = command
        && channels::is_link_code(payload)
    {
        assert!(payload.starts_with("link-"));
    }
}

/// A file a practitioner sent: its type told by content alone, and the
/// name it is kept under safe whatever it was called.
pub fn file_sniffing(data: &[u8]) {
    match documents::check_file(data, None, documents::DEFAULT_MAX_BYTES) {
        Ok(FileType::Pdf) => assert!(data.starts_with(b"%PDF-")),
        Ok(_) => {}
        Err(FileRejection::Empty) => assert!(data.is_empty()),
        Err(FileRejection::TooLarge { size, max }) => assert!(size > max),
        Err(FileRejection::UnsupportedType { .. }) => {}
    }
    // One byte over the limit is refused for its size, before its type.
    if !data.is_empty() {
        assert_eq!(
            documents::check_file(data, None, data.len() - 1),
            Err(FileRejection::TooLarge {
                size: data.len(),
                max: data.len() - 1
            })
        );
    }
    let name = typed(data);
    for file_type in [FileType::Pdf, FileType::Jpeg, FileType::Png] {
        let stored = documents::stored_file_name(Some(&name), file_type);
        let stem = stored
            .strip_suffix(file_type.extension())
            .and_then(|stem| stem.strip_suffix('.'))
            .unwrap_or_else(|| panic!("{name:?} is kept as {stored:?}"));
        assert!(!stem.is_empty(), "{name:?} is kept as {stored:?}");
        assert!(
            stem.chars().count() <= 100,
            "{name:?} is kept as {stored:?}"
        );
        assert!(
            !stem.contains(['/', '\\']) && !stem.chars().any(characters::is_refused_in_file_name),
            "{name:?} is kept as {stored:?}"
        );
    }
}

/// What every messenger's update, once read, gives the handlers: a held
/// input (kept as JSON until the second factor) reads back as itself, a
/// text is read as a command or not, a press as an action or not.
fn served(incoming: &Incoming) {
    match &incoming.what {
        What::Said(said) => {
            json_round_trips::<Said>(said);
            for text in said.typed() {
                if let Some(command) = Command::parse(text) {
                    started(&command);
                }
            }
        }
        What::Press(press) => {
            json_round_trips::<Press>(press);
            if let Some(data) = &press.data {
                pressed(data);
            }
        }
    }
}

/// The body of a Telegram update (what `getUpdates` lists, or a webhook
/// would post): read by teloxide, then by the Telegram adapter.
pub fn telegram_update(data: &[u8]) {
    // What the webhook route stores: a kept update has its chat, or is
    // poison.
    if let Some(arrival) = medcab_bot::inbox::intake::telegram(data) {
        assert!(arrival.poison.is_some() || arrival.update_id.is_some());
    }
    let Ok(update) = serde_json::from_slice::<teloxide::types::Update>(data) else {
        return;
    };
    if let Some(incoming) = medcab_bot::chat::telegram::incoming(&update) {
        assert_eq!(incoming.from.user.get(), incoming.from.external_id);
        served(&incoming);
    }
}

/// The body of Max's `GET /updates` (or one update of it), then the Max
/// adapter: «Начать» with a payload is `/start <payload>`.
pub fn max_update(data: &[u8]) {
    use medcab_bot::max::types::{RawUpdateList, Update};
    // What the webhook route and the poller store: never a panic, and
    // anything kept either reads as an update or is poison.
    if let Some(arrival) = medcab_bot::inbox::intake::max(data) {
        assert!(arrival.poison.is_some() || serde_json::from_slice::<Update>(data).is_ok());
    }
    let updates: Vec<Update> = match serde_json::from_slice::<RawUpdateList>(data) {
        Ok(list) => list
            .updates
            .into_iter()
            .filter_map(|update| serde_json::from_value(update).ok())
            .collect(),
        Err(_) => match serde_json::from_slice::<Update>(data) {
            Ok(update) => vec![update],
            Err(_) => return,
        },
    };
    for update in &updates {
        let Some(incoming) = medcab_bot::chat::max::incoming(update) else {
            continue;
        };
        if let Update::BotStarted { payload, .. } = update {
            let text = incoming.said().and_then(|said| said.text);
            let command = text.as_deref().and_then(Command::parse);
            assert_eq!(
                command,
                Some(Command::Start(payload.clone().unwrap_or_default())),
                "the payload {payload:?} came as {text:?}"
            );
        }
        served(&incoming);
    }
}

/// The regulatory feed (RSS, Atom or JSON Feed): every item read is a
/// notice an operator may publish as it stands.
pub fn feed(data: &[u8]) {
    if let Ok(items) = feed::parse(data) {
        for item in items {
            assert!(
                !item.key.is_empty() && item.key == item.key.trim(),
                "{item:?}"
            );
            let draft = NoticeDraft::parse::<&str>(
                &item.title,
                &item.summary,
                item.link.as_deref(),
                &[],
                &[],
            )
            .unwrap_or_else(|rejection| panic!("{item:?} is refused: {rejection:?}"));
            assert_eq!(draft.link(), item.link.as_deref(), "{item:?}");
            if let Some(link) = &item.link {
                assert_eq!(notices::parse_link(link).as_ref(), Ok(link), "{item:?}");
            }
        }
    }
    let text = typed(data);
    let _ = feed::strip_html(&text);
    assert!(feed::truncate(&text, notices::MAX_TITLE).chars().count() <= notices::MAX_TITLE);
}
