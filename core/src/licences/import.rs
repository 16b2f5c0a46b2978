//! Loading the licences from a CSV export of the licensing register
//! (`medcab admin import-licences`). The format is in docs/licences.md: the
//! file is opened by [`crate::csv_file`] (`;` or `,`, UTF-8 with or without
//! a byte order mark, or Windows-1251), a row that cannot be a licence is
//! skipped and reported by its line, and a re-import updates a licence by
//! its organisation's ОГРН and its number. Only a file that cannot be read
//! at all (no header, an unknown header, an I/O or database error) stops
//! the import; then nothing of it is stored (one transaction).

use std::io::Read;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{LicenceStatus, name_key};
use crate::csv_file::{self, Column, FirstLines, Header, HeaderProblems};
/// What an import did: licences the table did not have, licences whose
/// status, works, ИНН or name changed, and licences as they were (their
/// import date is moved on all the same).
pub use crate::csv_file::{ImportReport, SkippedRow};
use crate::domain::{Ogrn, OrganisationInn};

/// Rows between two reports of progress.
const PROGRESS_EVERY: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty: expected a header line")]
    Empty,
    #[error("{}", csv_file::describe_header::<Field>(missing, unknown, repeated))]
    Header {
        missing: Vec<String>,
        unknown: Vec<String>,
        repeated: Vec<String>,
    },
    #[error("cannot read the file")]
    Read(#[source] std::io::Error),
    #[error("cannot store the licences")]
    Database(#[from] sqlx::Error),
}

/// The columns of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Ogrn,
    Inn,
    Number,
    Status,
    Works,
    Organisation,
}

impl Column for Field {
    const ALL: &'static [Field] = &[
        Field::Ogrn,
        Field::Inn,
        Field::Number,
        Field::Status,
        Field::Works,
        Field::Organisation,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Ogrn => "ogrn",
            Field::Inn => "inn",
            Field::Number => "number",
            Field::Status => "status",
            Field::Works => "works",
            Field::Organisation => "organisation",
        }
    }

    fn russian_name(self) -> &'static str {
        match self {
            Field::Ogrn => "ОГРН",
            Field::Inn => "ИНН",
            Field::Number => "Номер лицензии",
            Field::Status => "Статус",
            Field::Works => "Виды работ",
            Field::Organisation => "Организация",
        }
    }

    fn is_required(self) -> bool {
        !matches!(self, Field::Works | Field::Organisation)
    }
}

/// One row, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    ogrn: Ogrn,
    inn: OrganisationInn,
    number: String,
    organisation: Option<String>,
    status: LicenceStatus,
    works: Vec<String>,
}

/// Works in one cell: separated by `;`, `|` or line breaks (Alt+Enter in
/// Excel), never by commas, which the works' own names carry.
fn works(cell: &str) -> Vec<String> {
    cell.split([';', '|', '\n'])
        .map(|work| work.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|work| !work.is_empty())
        .collect()
}

impl From<HeaderProblems> for ImportError {
    // Unknown columns are refused, as the register's import does: a
    // misspelt «Виды работ» would otherwise drop every work unsaid.
    fn from(problems: HeaderProblems) -> Self {
        let (missing, unknown, repeated) = problems.split();
        ImportError::Header {
            missing,
            unknown,
            repeated,
        }
    }
}

impl Row {
    pub fn parse(columns: &Header<Field>, record: &csv::ByteRecord) -> Result<Row, String> {
        let values = columns.values(record)?;
        let required = |field: Field| {
            values
                .get(&field)
                .map(String::as_str)
                .ok_or_else(|| format!("{}: required, but empty", columns.name(field)))
        };
        let refuse = |field: Field| {
            move |problem: &dyn std::fmt::Display| format!("{}: {problem}", columns.name(field))
        };
        let status_text = required(Field::Status)?;
        Ok(Row {
            ogrn: Ogrn::parse(required(Field::Ogrn)?).map_err(|e| refuse(Field::Ogrn)(&e))?,
            inn: OrganisationInn::parse(required(Field::Inn)?)
                .map_err(|e| refuse(Field::Inn)(&e))?,
            number: required(Field::Number)?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            organisation: values
                .get(&Field::Organisation)
                .map(|name| name.split_whitespace().collect::<Vec<_>>().join(" ")),
            status: LicenceStatus::parse(status_text).ok_or_else(|| {
                format!(
                    "{}: «{status_text}» is none of active, suspended, terminated (действует, приостановлена, прекращена)",
                    columns.name(Field::Status)
                )
            })?,
            works: values
                .get(&Field::Works)
                .map(|cell| works(cell))
                .unwrap_or_default(),
        })
    }
}

fn read_error(error: csv::Error) -> ImportError {
    ImportError::Read(csv_file::read_error(error))
}

/// Imports the licences in `input` as of `now` (their import date).
/// `on_progress` is told how many bytes have been read, every few hundred
/// rows and at the end. `input` is read synchronously: for the command line
/// and tests.
pub async fn import_csv<R: Read>(
    db: &PgPool,
    input: R,
    now: DateTime<Utc>,
    mut on_progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut file = csv_file::open(input)
        .map_err(|error| error.into_import(ImportError::Empty, ImportError::Read))?;
    let header = file.reader.byte_headers().map_err(read_error)?;
    let columns = Header::<Field>::read(csv_file::header_text(header))?;
    let mut report = ImportReport::default();
    // (ОГРН, number) → its first line: one licence twice in a file is the
    // file's mistake, and which row is right is not ours to guess.
    let mut seen = FirstLines::default();
    let mut record = csv::ByteRecord::new();
    let mut tx = db.begin().await?;
    let mut rows = 0;
    while let Some(line) = file.next_row(&mut record).map_err(read_error)? {
        let row = match Row::parse(&columns, &record) {
            Ok(row) => row,
            Err(reason) => {
                report.skipped.push(SkippedRow { line, reason });
                continue;
            }
        };
        let key = (row.ogrn.digits().to_owned(), row.number.clone());
        if let Some(first) = seen.earlier(key, line) {
            report.skipped.push(SkippedRow {
                line,
                reason: format!(
                    "{}: the same licence of this ОГРН is on line {first}; only that row is imported",
                    columns.name(Field::Number),
                ),
            });
            continue;
        }
        store(&mut tx, &row, now, &mut report).await?;
        rows += 1;
        if rows % PROGRESS_EVERY == 0 {
            on_progress(file.consumed());
        }
    }
    tx.commit().await?;
    on_progress(file.consumed());
    Ok(report)
}

/// Inserts a licence, or updates the one with its ОГРН and number.
async fn store(
    tx: &mut PgConnection,
    row: &Row,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> Result<(), sqlx::Error> {
    let stored = sqlx::query!(
        r#"
        SELECT inn, organisation, status, works FROM organisation_licences
        WHERE ogrn = $1 AND number = $2
        FOR UPDATE
        "#,
        row.ogrn.digits(),
        row.number,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let status = row.status.as_str();
    let key = row.organisation.as_deref().map(name_key);
    match stored {
        None => {
            sqlx::query!(
                r#"
                INSERT INTO organisation_licences
                    (ogrn, inn, number, organisation, name_key, status, works, imported_at, changed_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                "#,
                row.ogrn.digits(),
                row.inn.digits(),
                row.number,
                row.organisation,
                key,
                status,
                &row.works,
                now,
            )
            .execute(&mut *tx)
            .await?;
            report.inserted += 1;
        }
        Some(stored) => {
            let same = stored.inn == row.inn.digits()
                && stored.organisation == row.organisation
                && stored.status == status
                && stored.works == row.works;
            sqlx::query!(
                r#"
                UPDATE organisation_licences
                SET inn = $3, organisation = $4, name_key = $5, status = $6, works = $7,
                    imported_at = $8, changed_at = CASE WHEN $9 THEN changed_at ELSE $8 END
                WHERE ogrn = $1 AND number = $2
                "#,
                row.ogrn.digits(),
                row.number,
                row.inn.digits(),
                row.organisation,
                key,
                status,
                &row.works,
                now,
                same,
            )
            .execute(&mut *tx)
            .await?;
            if same {
                report.unchanged += 1;
            } else {
                report.updated += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn works_split_on_semicolons_bars_and_line_breaks_never_commas() {
        assert_eq!(
            works("терапии;  кардиологии, детской | \nрентгенологии;;"),
            ["терапии", "кардиологии, детской", "рентгенологии"]
        );
        assert!(works(" ; ").is_empty());
    }
}
