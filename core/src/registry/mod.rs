//! The register of medical workers: who practises, in which specialty and
//! organisation, and until when the accreditation holds.
//!
//! Owns the table `registry_entries`, a local copy of the federal register
//! loaded with [`import_csv`] (`medcab admin import-registry`). Where the
//! register can be asked online, [`HttpRegistry`] asks it instead; both sit
//! behind [`Registry`], so the rest of the bot does not care which.
//!
//! Personal fields (СНИЛС, name, birth date, phone) are sealed with the
//! [`Vault`]; the СНИЛС and the phone are found through blind indexes of the
//! kinds `"snils"` and `"phone"`, the same ones every other table uses.
//! The formats are documented in docs/registry.md.

pub mod http;
pub mod import;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::UserId;
use crate::crypto::{RowKey, Vault};
use crate::csv_file::Column as _;
use crate::domain::{Ogrn, OrganisationInn, PhoneNumber, Snils};
use crate::qualification::RegisterAccreditation;

pub use http::HttpRegistry;
pub use import::{ImportError, ImportReport, SkippedRow, import_csv};

/// One practitioner as the register knows them.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    pub snils: Snils,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub phone: Option<PhoneNumber>,
    pub specialty: String,
    pub position: String,
    pub organisation: String,
    /// The organisation's identifiers, when the export gives them: how its
    /// licence is found ([`crate::licences`]).
    pub organisation_inn: Option<OrganisationInn>,
    pub organisation_ogrn: Option<Ogrn>,
    pub region: String,
    pub accreditation_number: Option<String>,
    pub accreditation_valid_until: Option<NaiveDate>,
}

/// Only the fields that identify nobody: entries end up in logs and test
/// failures, personal data must not.
impl fmt::Debug for RegistryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryEntry")
            .field("snils", &"<redacted>")
            .field("full_name", &"<redacted>")
            .field("birth_date", &"<redacted>")
            .field("phone", &self.phone.as_ref().map(|_| "<redacted>"))
            .field("specialty", &self.specialty)
            .field("position", &self.position)
            .field("organisation", &self.organisation)
            .field("organisation_inn", &self.organisation_inn)
            .field("organisation_ogrn", &self.organisation_ogrn)
            .field("region", &self.region)
            .field("accreditation_number", &self.accreditation_number)
            .field("accreditation_valid_until", &self.accreditation_valid_until)
            .finish()
    }
}

/// Where entries come from: the imported copy, or the register online
/// (when `MEDCAB_REGISTRY_URL` is set).
// The Vault carries AES's expanded key (1 KB). One Registry is built at
// startup and shared, so its size costs nothing, while boxing the Vault
// would make every `Registry::Local { db, vault }` spell out a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum Registry {
    Local { db: PgPool, vault: Vault },
    Http(HttpRegistry),
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Registry::Local { .. } => f.write_str("Registry::Local"),
            Registry::Http(http) => f.debug_tuple("Registry::Http").field(http).finish(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The register cannot answer now (network, timeout, 5xx after retries,
    /// the database down). Worth trying again later.
    #[error("the register of medical workers is unavailable: {0}")]
    Unavailable(String),
    /// The register answered with an entry that cannot be read: it does not
    /// decrypt (a different MEDCAB_DATA_KEY) or does not parse.
    #[error("the register of medical workers gave an unreadable entry: {0}")]
    Corrupt(String),
}

impl Registry {
    /// The practitioner with this СНИЛС, or `None` when the register has
    /// no such person.
    pub async fn find(&self, snils: &Snils) -> Result<Option<RegistryEntry>, RegistryError> {
        match self {
            Registry::Local { db, vault } => find_local(db, vault, snils).await,
            Registry::Http(http) => http.find(snils).await,
        }
    }
}

impl Registry {
    /// What the register says of the accreditation of a linked, confirmed
    /// practitioner (an unconfirmed applicant's claim to a СНИЛС shows them
    /// nothing of its entry). Every screen and count asks this one
    /// function, so the «Аккредитация» screen, the hours and the portfolio
    /// never disagree on the period. The imported copy is read without
    /// opening anything (the number and the date are in clear); the
    /// register online is asked by the account's СНИЛС.
    pub async fn accreditation_of(
        &self,
        db: &PgPool,
        vault: &Vault,
        user_id: UserId,
    ) -> Result<RegisterAccreditation, RegistryError> {
        match self {
            Registry::Local { db, .. } => local_accreditation_of(db, user_id)
                .await
                .map_err(|error| RegistryError::Unavailable(format!("the database: {error}"))),
            Registry::Http(http) => {
                let confirmed =
                    crate::accounts::is_confirmed(db, user_id)
                        .await
                        .map_err(|error| {
                            RegistryError::Unavailable(format!("the database: {error}"))
                        })?;
                if !confirmed {
                    return Ok(RegisterAccreditation::default());
                }
                let snils = crate::accounts::snils(db, vault, user_id)
                    .await
                    .map_err(|error| RegistryError::Corrupt(format!("the account: {error}")))?;
                let Some(snils) = snils else {
                    return Ok(RegisterAccreditation::default());
                };
                Ok(http
                    .find(&snils)
                    .await?
                    .map(|entry| RegisterAccreditation {
                        has_number: entry.accreditation_number.is_some(),
                        valid_until: entry.accreditation_valid_until,
                    })
                    .unwrap_or_default())
            }
        }
    }
}

/// [`Registry::accreditation_of`] from the imported copy. Also what the
/// day's reminders read, in one query for everybody (`reminders.rs`): with
/// the register online only, they go by the documents on file.
async fn local_accreditation_of(
    db: &PgPool,
    user_id: UserId,
) -> Result<RegisterAccreditation, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT r.accreditation_number IS NOT NULL AS "has_number!",
               r.accreditation_valid_until
        FROM accounts a
        JOIN registry_entries r ON r.snils_index = a.snils_index
        WHERE a.telegram_user_id = $1 AND a.linked_at IS NOT NULL
          AND a.confirmed_at IS NOT NULL
        "#,
        user_id.get(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row
        .map(|row| RegisterAccreditation {
            has_number: row.has_number,
            valid_until: row.accreditation_valid_until,
        })
        .unwrap_or_default())
}

/// Blind index kinds shared with every table that stores a СНИЛС or a phone.
pub(crate) const SNILS_INDEX: &str = "snils";
pub(crate) const PHONE_INDEX: &str = "phone";

/// Vault field names: binding a ciphertext to its column means one cannot
/// be copied into another and still open.
pub(crate) const SEALED_SNILS: &str = "registry_entries.snils";
pub(crate) const SEALED_FULL_NAME: &str = "registry_entries.full_name";
pub(crate) const SEALED_BIRTH_DATE: &str = "registry_entries.birth_date";
pub(crate) const SEALED_PHONE: &str = "registry_entries.phone";

async fn find_local(
    db: &PgPool,
    vault: &Vault,
    snils: &Snils,
) -> Result<Option<RegistryEntry>, RegistryError> {
    let index = vault.blind_index(SNILS_INDEX, snils.digits());
    let row = sqlx::query!(
        r#"
        SELECT snils, full_name, birth_date, phone, specialty, position, organisation,
               organisation_inn, organisation_ogrn,
               region, accreditation_number, accreditation_valid_until
        FROM registry_entries
        WHERE snils_index = $1
        "#,
        index,
    )
    .fetch_optional(db)
    .await
    .map_err(|error| RegistryError::Unavailable(format!("the database: {error}")))?;
    let Some(row) = row else {
        return Ok(None);
    };

    // An entry is sealed for its row's natural key, the СНИЛС's index (its
    // `id` is unknown before the import's upsert).
    let row_key = RowKey::bytes(&index);
    let open = |field: &'static str, sealed: &[u8]| {
        vault
            .open_str(field, &row_key, sealed)
            .map_err(|error| RegistryError::Corrupt(format!("{field}: {error}")))
    };
    let snils_text = open(SEALED_SNILS, &row.snils)?;
    let full_name = open(SEALED_FULL_NAME, &row.full_name)?;
    let birth_date = open(SEALED_BIRTH_DATE, &row.birth_date)?;
    let phone = row
        .phone
        .as_deref()
        .map(|sealed| open(SEALED_PHONE, sealed))
        .transpose()?;

    let text = |field: Field| -> Option<&str> {
        match field {
            Field::Snils => Some(&snils_text),
            Field::FullName => Some(&full_name),
            Field::BirthDate => Some(&birth_date),
            Field::Phone => phone.as_deref(),
            Field::Specialty => Some(&row.specialty),
            Field::Position => Some(&row.position),
            Field::Organisation => Some(&row.organisation),
            Field::OrganisationInn => row.organisation_inn.as_deref(),
            Field::OrganisationOgrn => row.organisation_ogrn.as_deref(),
            Field::Region => Some(&row.region),
            Field::AccreditationNumber => row.accreditation_number.as_deref(),
            // Stored as a DATE; it goes through the same parser as the rest.
            Field::AccreditationValidUntil => None,
        }
    };
    let mut entry = parse_entry(text).map_err(|error| {
        RegistryError::Corrupt(format!("{}: {}", error.field.name(), error.problem))
    })?;
    entry.accreditation_valid_until = row.accreditation_valid_until;
    // The index is a hash: a row sealed for another СНИЛС (a copied row, a
    // collision) must not pass as this person.
    if entry.snils.digits() != snils.digits() {
        return Err(RegistryError::Corrupt(
            "the entry found is sealed for another СНИЛС".into(),
        ));
    }
    Ok(Some(entry))
}

/// The columns of the register, in the documented CSV order. The same names
/// are the JSON keys of the HTTP register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Snils,
    FullName,
    BirthDate,
    Phone,
    Specialty,
    Position,
    Organisation,
    Region,
    AccreditationNumber,
    AccreditationValidUntil,
    OrganisationInn,
    OrganisationOgrn,
}

impl crate::csv_file::Column for Field {
    const ALL: &'static [Field] = &[
        Field::Snils,
        Field::FullName,
        Field::BirthDate,
        Field::Phone,
        Field::Specialty,
        Field::Position,
        Field::Organisation,
        Field::Region,
        Field::AccreditationNumber,
        Field::AccreditationValidUntil,
        Field::OrganisationInn,
        Field::OrganisationOgrn,
    ];

    /// The CSV header name and the JSON key.
    fn name(self) -> &'static str {
        match self {
            Field::Snils => "snils",
            Field::FullName => "full_name",
            Field::BirthDate => "birth_date",
            Field::Phone => "phone",
            Field::Specialty => "specialty",
            Field::Position => "position",
            Field::Organisation => "organisation",
            Field::Region => "region",
            Field::AccreditationNumber => "accreditation_number",
            Field::AccreditationValidUntil => "accreditation_valid_until",
            Field::OrganisationInn => "organisation_inn",
            Field::OrganisationOgrn => "organisation_ogrn",
        }
    }

    /// The CSV header name in a Russian export.
    fn russian_name(self) -> &'static str {
        match self {
            Field::Snils => "СНИЛС",
            Field::FullName => "ФИО",
            Field::BirthDate => "Дата рождения",
            Field::Phone => "Телефон",
            Field::Specialty => "Специальность",
            Field::Position => "Должность",
            Field::Organisation => "Организация",
            Field::Region => "Регион",
            Field::AccreditationNumber => "Номер аккредитации",
            Field::AccreditationValidUntil => "Аккредитация действует до",
            Field::OrganisationInn => "ИНН организации",
            Field::OrganisationOgrn => "ОГРН организации",
        }
    }

    /// A practitioner is not an entry without these.
    fn is_required(self) -> bool {
        !matches!(
            self,
            Field::Phone
                | Field::AccreditationNumber
                | Field::AccreditationValidUntil
                | Field::OrganisationInn
                | Field::OrganisationOgrn
        )
    }
}

/// Why a field of an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: Field,
    pub problem: String,
}

/// Parses an entry from its fields as text, the way a CSV row or a JSON
/// body carries them. `text` gives a field's value, `None` when absent;
/// values are trimmed here and an empty one counts as absent.
pub(crate) fn parse_entry<'a>(
    text: impl Fn(Field) -> Option<&'a str>,
) -> Result<RegistryEntry, FieldError> {
    let optional = |field: Field| text(field).map(str::trim).filter(|value| !value.is_empty());
    let required = |field: Field| {
        optional(field).ok_or_else(|| FieldError {
            field,
            problem: "required, but empty".into(),
        })
    };
    let refuse = |field: Field| {
        move |problem: &dyn fmt::Display| FieldError {
            field,
            problem: problem.to_string(),
        }
    };
    // Registers pad names and places with double spaces; one is enough.
    let words = |field: Field| -> Result<String, FieldError> {
        Ok(required(field)?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "))
    };

    Ok(RegistryEntry {
        snils: Snils::parse(required(Field::Snils)?).map_err(|e| refuse(Field::Snils)(&e))?,
        full_name: words(Field::FullName)?,
        birth_date: parse_date(required(Field::BirthDate)?)
            .map_err(|e| refuse(Field::BirthDate)(&e))?,
        phone: optional(Field::Phone)
            .map(PhoneNumber::parse)
            .transpose()
            .map_err(|e| refuse(Field::Phone)(&e))?,
        specialty: words(Field::Specialty)?,
        position: words(Field::Position)?,
        organisation: words(Field::Organisation)?,
        organisation_inn: optional(Field::OrganisationInn)
            .map(OrganisationInn::parse)
            .transpose()
            .map_err(|e| refuse(Field::OrganisationInn)(&e))?,
        organisation_ogrn: optional(Field::OrganisationOgrn)
            .map(Ogrn::parse)
            .transpose()
            .map_err(|e| refuse(Field::OrganisationOgrn)(&e))?,
        region: words(Field::Region)?,
        accreditation_number: optional(Field::AccreditationNumber).map(str::to_owned),
        accreditation_valid_until: optional(Field::AccreditationValidUntil)
            .map(parse_date)
            .transpose()
            .map_err(|e| refuse(Field::AccreditationValidUntil)(&e))?,
    })
}

#[derive(Debug, thiserror::Error)]
#[error("expected a date as YYYY-MM-DD or DD.MM.YYYY")]
pub(crate) struct BadDate;

/// `YYYY-MM-DD` (ISO, what the JSON and our own files carry) or
/// `DD.MM.YYYY` (what Russian Excel writes).
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, BadDate> {
    let text = text.trim();
    // chrono accepts one-digit days and months and signed years; a register
    // with those is more likely broken than creative.
    let shaped = |pattern: &str| {
        text.len() == pattern.len()
            && text.bytes().zip(pattern.bytes()).all(|(b, p)| match p {
                b'd' => b.is_ascii_digit(),
                separator => b == separator,
            })
    };
    let format = if shaped("dddd-dd-dd") {
        "%Y-%m-%d"
    } else if shaped("dd.dd.dddd") {
        "%d.%m.%Y"
    } else {
        return Err(BadDate);
    };
    NaiveDate::parse_from_str(text, format).map_err(|_| BadDate)
}
