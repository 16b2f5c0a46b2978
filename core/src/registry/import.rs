//! Loading the register from a CSV export (`medcab admin import-registry`).
//!
//! The format is in docs/registry.md. A row that cannot be an entry is
//! skipped and reported by its line; only a file that cannot be read at all
//! (no header, an unknown header, an I/O or database error) stops the import.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use sqlx::PgPool;

use super::{
    Field, PHONE_INDEX, RegistryEntry, SEALED_BIRTH_DATE, SEALED_FULL_NAME, SEALED_PHONE,
    SEALED_SNILS, SNILS_INDEX, parse_entry,
};
use crate::crypto::{RowKey, Vault};
use crate::csv_file::{self, FirstLines, Header, HeaderProblems};
use zeroize::Zeroizing;

/// Rows sent to PostgreSQL in one statement. Large enough that round trips
/// stop mattering, small enough that a statement stays a few hundred KB.
const BATCH_ROWS: usize = 1000;

/// What an import did: entries for a СНИЛС the table did not have,
/// entries that replaced a different one with the same СНИЛС, and entries
/// equal to the one stored, not written at all (a re-import of an
/// unchanged register writes nothing).
pub use crate::csv_file::{ImportReport, SkippedRow};

/// Why an import stopped. Nothing of it was stored: the whole import is one
/// transaction.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty: expected a header line")]
    Empty,
    #[error("the header line is not UTF-8 text: save the file as CSV UTF-8")]
    HeaderNotUtf8,
    #[error("{}", csv_file::describe_header::<Field>(missing, unknown, repeated))]
    Header {
        /// Required columns the header lacks, by their English name.
        missing: Vec<String>,
        /// Columns the header has that the register does not.
        unknown: Vec<String>,
        /// Columns named twice.
        repeated: Vec<String>,
    },
    // The causes are sources, not part of the message: `{:#}` (how the
    // binary prints errors) would show them twice.
    #[error("cannot read the file")]
    Read(#[source] std::io::Error),
    #[error("cannot store the entries")]
    Database(#[from] sqlx::Error),
}

impl From<HeaderProblems> for ImportError {
    fn from(problems: HeaderProblems) -> Self {
        let (missing, unknown, repeated) = problems.split();
        ImportError::Header {
            missing,
            unknown,
            repeated,
        }
    }
}

/// Imports a CSV export of the register into `registry_entries`: new СНИЛС
/// are inserted, known ones updated in place. Bad rows are skipped and
/// reported; the rest is stored in one transaction, so a fatal error leaves
/// the table as it was.
///
/// `on_progress` is told how many bytes of `input` have been consumed, after
/// every batch. `input` is read synchronously: this is for the command line
/// and tests, not for a request handler.
pub async fn import_csv<R: Read>(
    db: &PgPool,
    vault: &Vault,
    input: R,
    mut on_progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut file = csv_file::open(input)
        .map_err(|error| error.into_import(ImportError::Empty, ImportError::Read))?;
    let header = file.reader.byte_headers().map_err(read_error)?;
    let names = csv_file::header_utf8(header).ok_or(ImportError::HeaderNotUtf8)?;
    let columns = Header::<Field>::read(names)?;

    let mut report = ImportReport::default();
    let mut batch = Batch::default();
    // СНИЛС blind index → the line that gave it: a practitioner twice in one
    // file is a mistake in the file, and which row should win is not ours
    // to guess.
    let mut seen = FirstLines::default();
    let mut record = csv::ByteRecord::new();
    let mut tx = db.begin().await?;

    while let Some(line) = file.next_row(&mut record).map_err(read_error)? {
        let entry = match entry(&columns, &record) {
            Ok(entry) => entry,
            Err(reason) => {
                report.skipped.push(SkippedRow { line, reason });
                continue;
            }
        };
        let snils_index = vault.blind_index(SNILS_INDEX, entry.snils.digits());
        if let Some(first) = seen.earlier(snils_index.clone(), line) {
            report.skipped.push(SkippedRow {
                line,
                reason: format!(
                    "{}: the same СНИЛС is on line {first}; only that row is imported",
                    columns.name(Field::Snils),
                ),
            });
            continue;
        }
        batch.push(vault, snils_index, entry);
        if batch.len() >= BATCH_ROWS {
            batch.store(&mut tx, &mut report).await?;
            on_progress(file.consumed());
        }
    }
    batch.store(&mut tx, &mut report).await?;
    tx.commit().await?;
    on_progress(file.consumed());
    Ok(report)
}

fn read_error(error: csv::Error) -> ImportError {
    ImportError::Read(csv_file::read_error(error))
}

/// The entry in a row, or the reason it is not one.
pub fn entry(columns: &Header<Field>, record: &csv::ByteRecord) -> Result<RegistryEntry, String> {
    let mut values: HashMap<Field, &str> = HashMap::with_capacity(record.len());
    for (field, raw) in columns.cells(record)? {
        let value = std::str::from_utf8(raw).map_err(|_| {
            format!(
                "{}: not UTF-8 text (save the file as CSV UTF-8)",
                columns.name(field)
            )
        })?;
        values.insert(field, value);
    }
    parse_entry(|field| values.get(&field).copied())
        .map_err(|error| format!("{}: {}", columns.name(error.field), error.problem))
}

/// Sealed rows waiting to be stored, column by column, as UNNEST wants them.
#[derive(Default)]
struct Batch {
    snils_index: Vec<Vec<u8>>,
    snils: Vec<Vec<u8>>,
    full_name: Vec<Vec<u8>>,
    birth_date: Vec<Vec<u8>>,
    phone_index: Vec<Option<Vec<u8>>>,
    phone: Vec<Option<Vec<u8>>>,
    specialty: Vec<String>,
    position: Vec<String>,
    organisation: Vec<String>,
    organisation_inn: Vec<Option<String>>,
    organisation_ogrn: Vec<Option<String>>,
    region: Vec<String>,
    accreditation_number: Vec<Option<String>>,
    accreditation_valid_until: Vec<Option<NaiveDate>>,
    content_digest: Vec<Vec<u8>>,
    /// The surname's blind index, by which referrals find a receiver
    /// (`referrals::search`).
    surname_index: Vec<Option<Vec<u8>>>,
}

/// A keyed digest of everything an entry says, to tell an unchanged row on
/// a re-import. Keyed (the blind index key), so the digest of a guessed
/// entry cannot be checked against a dump; each field is tagged and
/// length-prefixed, so different entries never encode alike.
fn content_digest(vault: &Vault, entry: &RegistryEntry) -> Vec<u8> {
    let mut encoded = Zeroizing::new(Vec::new());
    let mut put = |value: Option<&str>| match value {
        None => encoded.push(0),
        Some(value) => {
            encoded.push(1);
            encoded.extend_from_slice(&(value.len() as u64).to_be_bytes());
            encoded.extend_from_slice(value.as_bytes());
        }
    };
    put(Some(entry.snils.digits()));
    put(Some(&entry.full_name));
    put(Some(&entry.birth_date.to_string()));
    put(entry.phone.as_ref().map(|phone| phone.e164()));
    put(Some(&entry.specialty));
    put(Some(&entry.position));
    put(Some(&entry.organisation));
    put(Some(&entry.region));
    put(entry.accreditation_number.as_deref());
    put(entry
        .accreditation_valid_until
        .map(|date| date.to_string())
        .as_deref());
    // Added later, and only when given: an entry without them digests as
    // it did before they existed, so a re-import of an old file rewrites
    // nothing; with them the encoding is longer, so never alike.
    let inn = entry.organisation_inn.as_ref().map(|inn| inn.digits());
    let ogrn = entry.organisation_ogrn.as_ref().map(|ogrn| ogrn.digits());
    if inn.is_some() || ogrn.is_some() {
        put(inn);
        put(ogrn);
    }
    vault.keyed_digest(CONTENT_DIGEST, &encoded)
}

const CONTENT_DIGEST: &str = "registry entry content";

impl Batch {
    fn len(&self) -> usize {
        self.snils_index.len()
    }

    fn push(&mut self, vault: &Vault, snils_index: Vec<u8>, entry: RegistryEntry) {
        // Sealed for the row's natural key (see `find_local`).
        let row = RowKey::bytes(&snils_index);
        self.content_digest.push(content_digest(vault, &entry));
        self.surname_index
            .push(crate::referrals::search::surname_index(
                vault,
                &entry.full_name,
            ));
        self.snils_index.push(snils_index);
        self.snils
            .push(vault.seal_str(SEALED_SNILS, &row, entry.snils.digits()));
        self.full_name
            .push(vault.seal_str(SEALED_FULL_NAME, &row, &entry.full_name));
        self.birth_date.push(vault.seal_str(
            SEALED_BIRTH_DATE,
            &row,
            &entry.birth_date.format("%Y-%m-%d").to_string(),
        ));
        self.phone_index.push(
            entry
                .phone
                .as_ref()
                .map(|phone| vault.blind_index(PHONE_INDEX, phone.e164())),
        );
        self.phone.push(
            entry
                .phone
                .as_ref()
                .map(|phone| vault.seal_str(SEALED_PHONE, &row, phone.e164())),
        );
        self.specialty.push(entry.specialty);
        self.position.push(entry.position);
        self.organisation.push(entry.organisation);
        self.organisation_inn
            .push(entry.organisation_inn.map(|inn| inn.digits().to_owned()));
        self.organisation_ogrn
            .push(entry.organisation_ogrn.map(|ogrn| ogrn.digits().to_owned()));
        self.region.push(entry.region);
        self.accreditation_number.push(entry.accreditation_number);
        self.accreditation_valid_until
            .push(entry.accreditation_valid_until);
    }

    /// Upserts the rows in one statement and empties the batch.
    async fn store(
        &mut self,
        tx: &mut sqlx::PgConnection,
        report: &mut ImportReport,
    ) -> Result<(), sqlx::Error> {
        if self.len() == 0 {
            return Ok(());
        }
        let batch = std::mem::take(self);
        // `xmax = 0` holds for a row this statement inserted and not for one
        // it updated: the one way to tell them apart in a single upsert. A
        // row whose content digest is unchanged is not updated (the WHERE)
        // and returns nothing: it is neither resealed nor rewritten.
        let inserted = sqlx::query_scalar!(
            r#"
            INSERT INTO registry_entries (
                snils_index, snils, full_name, birth_date, phone_index, phone,
                specialty, position, organisation, region,
                accreditation_number, accreditation_valid_until, content_digest,
                organisation_inn, organisation_ogrn, surname_index
            )
            SELECT * FROM UNNEST(
                $1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[],
                $7::text[], $8::text[], $9::text[], $10::text[],
                $11::text[], $12::date[], $13::bytea[], $14::text[], $15::text[],
                $16::bytea[]
            )
            ON CONFLICT (snils_index) DO UPDATE SET
                snils = EXCLUDED.snils,
                full_name = EXCLUDED.full_name,
                birth_date = EXCLUDED.birth_date,
                phone_index = EXCLUDED.phone_index,
                phone = EXCLUDED.phone,
                specialty = EXCLUDED.specialty,
                position = EXCLUDED.position,
                organisation = EXCLUDED.organisation,
                region = EXCLUDED.region,
                accreditation_number = EXCLUDED.accreditation_number,
                accreditation_valid_until = EXCLUDED.accreditation_valid_until,
                content_digest = EXCLUDED.content_digest,
                organisation_inn = EXCLUDED.organisation_inn,
                organisation_ogrn = EXCLUDED.organisation_ogrn,
                surname_index = EXCLUDED.surname_index,
                updated_at = now()
            -- A row imported before surnames were indexed is written once
            -- more, to index it.
            WHERE registry_entries.content_digest IS DISTINCT FROM EXCLUDED.content_digest
               OR registry_entries.surname_index IS NULL
            RETURNING (xmax = 0) AS "inserted!"
            "#,
            &batch.snils_index,
            &batch.snils,
            &batch.full_name,
            &batch.birth_date,
            &batch.phone_index as &[Option<Vec<u8>>],
            &batch.phone as &[Option<Vec<u8>>],
            &batch.specialty,
            &batch.position,
            &batch.organisation,
            &batch.region,
            &batch.accreditation_number as &[Option<String>],
            &batch.accreditation_valid_until as &[Option<NaiveDate>],
            &batch.content_digest,
            &batch.organisation_inn as &[Option<String>],
            &batch.organisation_ogrn as &[Option<String>],
            &batch.surname_index as &[Option<Vec<u8>>],
        )
        .fetch_all(&mut *tx)
        .await?;
        let new = inserted.iter().filter(|&&inserted| inserted).count() as u64;
        report.inserted += new;
        report.updated += inserted.len() as u64 - new;
        report.unchanged += batch.snils_index.len() as u64 - inserted.len() as u64;
        Ok(())
    }
}
