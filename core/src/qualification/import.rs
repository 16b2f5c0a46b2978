//! Education records from the clinic: `medcab admin import-education
//! FILE.csv`. The format is in docs/education-import.md, beside the
//! register's.
//!
//! Each row names the practitioner by СНИЛС (found through the accounts'
//! blind index: only a confirmed account) and is checked by the same rules
//! as an answer in the bot ([`validate_entry`]). A row that cannot be a
//! record is skipped and reported by its line; only a file that cannot be
//! read at all stops the import, and then nothing is stored (one
//! transaction).
//!
//! A row's stable key is its СНИЛС and the clinic's own number of the
//! record when the file has one (`record_number`), so that a corrected date
//! or title updates the record instead of adding a second one; without it,
//! the СНИЛС, kind, completion date and — for an event — its ИКП, or for a
//! programme or a module its title (letter case and runs of spaces aside).
//! Kept as a keyed digest: a re-import finds the record it made and
//! updates it, or leaves it untouched when nothing changed.

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use super::entry::{Entry, EntryDraft, EntryField, EntryProblem, validate_entry};
use super::records::{RecordDraft, RecordField, RecordKind, RecordProblem};
use super::store::{self, StoreError};
use crate::UserId;
use crate::accounts;
use crate::crypto::Vault;
use crate::csv_file::{self, FirstLines, Header, HeaderProblems};
/// What an import did: records the file brought for the first time,
/// records of an earlier import that the file changed, and records equal
/// to what is stored, not written at all.
pub use crate::csv_file::{ImportReport, SkippedRow};
use crate::domain::Snils;
use crate::history::{Action, Actor};

/// Rows between two reports of progress.
const PROGRESS_EVERY: u64 = 200;

const IMPORT_KEY: &str = "qualification import key";

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty: expected a header line")]
    Empty,
    #[error("the header line is not UTF-8 text: save the file as CSV UTF-8")]
    HeaderNotUtf8,
    #[error("the header is not recognised: {0}; expected {expected} (or the Russian names)", expected = csv_file::expected_header::<Column>(","))]
    Header(HeaderProblems),
    #[error("cannot read the file")]
    Read(#[source] std::io::Error),
    #[error("cannot store the records")]
    Database(#[from] sqlx::Error),
    #[error("cannot store the records")]
    Store(#[from] StoreError),
}

/// A column of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Snils,
    Kind,
    Title,
    Provider,
    CompletedOn,
    Amount,
    Ikp,
    /// The clinic's own identifier of the record, optional.
    RecordNumber,
}

/// The longest record number a clinic's system is taken to give.
const RECORD_NUMBER_MAX: usize = 64;

impl csv_file::Column for Column {
    const ALL: &'static [Column] = &[
        Column::Snils,
        Column::Kind,
        Column::Title,
        Column::Provider,
        Column::CompletedOn,
        Column::Amount,
        Column::Ikp,
        Column::RecordNumber,
    ];

    fn name(self) -> &'static str {
        match self {
            Column::Snils => "snils",
            Column::Kind => "kind",
            Column::Title => "title",
            Column::Provider => "provider",
            Column::CompletedOn => "completed_on",
            Column::Amount => "amount",
            Column::Ikp => "ikp",
            Column::RecordNumber => "record_number",
        }
    }

    fn russian_name(self) -> &'static str {
        match self {
            Column::Snils => "СНИЛС",
            Column::Kind => "Вид",
            Column::Title => "Название",
            Column::Provider => "Организатор",
            Column::CompletedOn => "Дата окончания",
            Column::Amount => "Часы или ЗЕТ",
            Column::Ikp => "ИКП",
            Column::RecordNumber => "Номер записи",
        }
    }

    fn is_required(self) -> bool {
        !matches!(self, Column::Ikp | Column::RecordNumber)
    }
}

impl Column {
    fn of(field: EntryField) -> Column {
        match field {
            EntryField::Title => Column::Title,
            EntryField::Provider => Column::Provider,
            EntryField::Record(RecordField::Kind) => Column::Kind,
            EntryField::Record(RecordField::Amount) => Column::Amount,
            EntryField::Record(RecordField::CompletedOn) => Column::CompletedOn,
            EntryField::Record(RecordField::Ikp) => Column::Ikp,
        }
    }
}

/// The kind as a clinic writes it: the code, or its Russian short name.
fn parse_kind(text: &str) -> Option<RecordKind> {
    let text = text.trim().to_lowercase();
    RecordKind::parse(&text).or(match text.as_str() {
        "пк" | "повышение квалификации" => Some(RecordKind::Programme),
        "иом" | "модуль" => Some(RecordKind::Module),
        "мероприятие" | "образовательное мероприятие" => {
            Some(RecordKind::Event)
        }
        _ => None,
    })
}

/// Imports the records of a CSV file as of `now` (no completion date after
/// Moscow's today). `on_progress` is told how many bytes have been read.
pub async fn import_csv<R: Read>(
    db: &PgPool,
    vault: &Vault,
    input: R,
    now: DateTime<Utc>,
    mut on_progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let today = crate::clock::moscow_today(now);
    let mut file = csv_file::open(input)
        .map_err(|error| error.into_import(ImportError::Empty, ImportError::Read))?;
    let header = file.reader.byte_headers().map_err(read_error)?;
    let names = csv_file::header_utf8(header).ok_or(ImportError::HeaderNotUtf8)?;
    let columns = Header::<Column>::read(names).map_err(ImportError::Header)?;

    let mut report = ImportReport::default();
    // Import key → the line that gave it: the same record twice in one file
    // is the file's mistake.
    let mut seen = FirstLines::default();
    // СНИЛС blind index → the account (or none), asked once per person.
    let mut owners: HashMap<String, Option<UserId>> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0_u64;
    let mut tx = db.begin().await?;
    while let Some(line) = file.next_row(&mut record).map_err(read_error)? {
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY) {
            on_progress(file.consumed());
        }
        let Row {
            snils,
            entry,
            number,
        } = match Row::parse(&columns, &record, today) {
            Ok(row) => row,
            Err(reason) => {
                report.skipped.push(SkippedRow { line, reason });
                continue;
            }
        };
        let owner = match owners.get(snils.digits()) {
            Some(owner) => *owner,
            None => {
                let owner = accounts::confirmed_by_snils(db, vault, &snils).await?;
                owners.insert(snils.digits().to_owned(), owner);
                owner
            }
        };
        let Some(owner) = owner else {
            report.skipped.push(SkippedRow {
                line,
                reason: format!(
                    "{}: no confirmed account has this СНИЛС; import the row once the practitioner has connected",
                    columns.name(Column::Snils)
                ),
            });
            continue;
        };
        let key = import_key(vault, &snils, &entry, number.as_deref());
        if let Some(first) = seen.earlier(key.clone(), line) {
            let same = if number.is_some() {
                "СНИЛС and record number"
            } else {
                "СНИЛС, kind, date, ИКП or title"
            };
            report.skipped.push(SkippedRow {
                line,
                reason: format!(
                    "the same record ({same}) is on line {first}; only that row is imported"
                ),
            });
            continue;
        }
        match store::lock_imported(&mut tx, vault, owner, &key).await? {
            None => {
                let id = match store::insert(&mut tx, vault, owner, &entry, Some(&key), now).await {
                    Err(StoreError::TooMany) => {
                        report.skipped.push(SkippedRow {
                            line,
                            reason: format!(
                                "the practitioner has {} education records already, the most kept; delete old ones first",
                                store::MAX_RECORDS
                            ),
                        });
                        continue;
                    }
                    other => other?,
                };
                let snapshot = store::snapshot(&entry, None, true);
                let change = (Actor::System, Action::Created);
                store::version(&mut tx, vault, owner, id, change, &snapshot, now).await?;
                report.inserted += 1;
            }
            Some(stored) if stored.entry == entry => report.unchanged += 1,
            Some(stored) => {
                store::rewrite(
                    &mut tx,
                    vault,
                    owner,
                    stored.id,
                    &entry,
                    (Actor::System, Action::Updated),
                    now,
                )
                .await?;
                report.updated += 1;
            }
        }
    }
    tx.commit().await?;
    on_progress(file.consumed());
    Ok(report)
}

/// The row's stable key (see the module's documentation), keyed so that a
/// dump does not confirm a guessed record. The parts are length-prefixed,
/// and a numbered key has two parts where the other has four, so the two
/// kinds of key never meet.
fn import_key(vault: &Vault, snils: &Snils, entry: &Entry, number: Option<&str>) -> Vec<u8> {
    let what = match entry.ikp() {
        Some(ikp) => ikp.to_owned(),
        None => entry
            .title()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    };
    let completed_on = entry.completed_on().to_string();
    let parts: Vec<&str> = match number {
        Some(number) => vec![snils.digits(), number],
        None => vec![snils.digits(), entry.kind().as_str(), &completed_on, &what],
    };
    vault.keyed_digest_of_parts(IMPORT_KEY, &parts)
}

fn read_error(error: csv::Error) -> ImportError {
    ImportError::Read(csv_file::read_error(error))
}

impl Row {
    pub fn parse(
        columns: &Header<Column>,
        record: &csv::ByteRecord,
        today: NaiveDate,
    ) -> Result<Row, String> {
        let values = columns.utf8_values(record)?;
        let snils_text = values.get(&Column::Snils).cloned().unwrap_or_default();
        let snils = Snils::parse(&snils_text)
            .map_err(|error| format!("{}: {error}", columns.name(Column::Snils)))?;
        let number = values.get(&Column::RecordNumber).cloned();
        if number
            .as_ref()
            .is_some_and(|number| number.chars().count() > RECORD_NUMBER_MAX)
        {
            return Err(format!(
                "{}: longer than {RECORD_NUMBER_MAX} characters",
                columns.name(Column::RecordNumber)
            ));
        }
        let kind = match values.get(&Column::Kind) {
            None => None,
            Some(text) => Some(parse_kind(text).ok_or_else(|| {
                format!(
                    "{}: {text:?} is not a kind; write programme (ПК), module (ИОМ) or event (мероприятие)",
                    columns.name(Column::Kind)
                )
            })?),
        };
        let draft = EntryDraft {
            title: values.get(&Column::Title).cloned(),
            provider: values.get(&Column::Provider).cloned(),
            record: RecordDraft {
                kind,
                amount: values.get(&Column::Amount).cloned(),
                completed_on: values.get(&Column::CompletedOn).cloned(),
                // Only an event has a code; one given for another kind is
                // left out rather than refused.
                ikp: values
                    .get(&Column::Ikp)
                    .cloned()
                    .filter(|_| kind == Some(RecordKind::Event)),
            },
        };
        let entry = validate_entry(&draft, today).map_err(|problems| {
            problems
                .into_iter()
                .map(|problem| {
                    format!(
                        "{}: {}",
                        columns.name(Column::of(problem.field())),
                        reason(problem)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        Ok(Row {
            snils,
            entry,
            number,
        })
    }
}

/// A row read: whose, the record, and the clinic's number of it if given.
pub struct Row {
    snils: Snils,
    entry: Entry,
    number: Option<String>,
}

/// A problem in words for the person who made the file.
fn reason(problem: EntryProblem) -> String {
    match problem {
        EntryProblem::Missing(_) | EntryProblem::Record(RecordProblem::Missing(_)) => {
            "required".to_owned()
        }
        EntryProblem::Record(RecordProblem::CompletedOn(date)) => match date {
            crate::profile::DateProblem::Malformed => {
                "not a date (DD.MM.YYYY or YYYY-MM-DD)".to_owned()
            }
            other => other.to_string(),
        },
        EntryProblem::Record(RecordProblem::Amount(amount)) => format!("{amount}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_as_clinics_write_them() {
        assert_eq!(parse_kind("ПК"), Some(RecordKind::Programme));
        assert_eq!(parse_kind(" иом "), Some(RecordKind::Module));
        assert_eq!(parse_kind("Мероприятие"), Some(RecordKind::Event));
        assert_eq!(parse_kind("event"), Some(RecordKind::Event));
        assert_eq!(parse_kind("вебинар"), None);
    }
}
