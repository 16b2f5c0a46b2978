//! The licences of medical organisations: the organisation's, not the
//! practitioner's (an employed practitioner holds none). Since 2021 a
//! licence is an entry in a register with no end date, so nothing here has
//! "days left": a licence is active, suspended or terminated.
//!
//! Owns the table `organisation_licences`, loaded from the licensing
//! register's export by [`import_csv`] (`medcab admin import-licences`,
//! docs/licences.md); a re-import updates by ОГРН + number. No personal data:
//! nothing is sealed.
//!
//! A practitioner's organisation is the one their register entry names
//! ([`organisation_card`]): its licences are found by the entry's ОГРН,
//! then its ИНН, and only when the entry gives neither, by the exact name,
//! normalised ([`name_key`]: letter case, quotes, spaces).

pub mod import;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::UserId;
use crate::accounts::{self, AccountError};
use crate::crypto::Vault;
use crate::domain::{Ogrn, OrganisationInn};
use crate::registry::{Registry, RegistryError};

pub use import::{ImportError, ImportReport, import_csv};

/// Where a licence stands in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LicenceStatus {
    /// Действует.
    Active,
    /// Приостановлена.
    Suspended,
    /// Прекращена.
    Terminated,
}

impl LicenceStatus {
    pub const ALL: [LicenceStatus; 3] = [
        LicenceStatus::Active,
        LicenceStatus::Suspended,
        LicenceStatus::Terminated,
    ];

    /// The stored form, the CSV's English word and the bot's selector.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceStatus::Active => "active",
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Terminated => "terminated",
        }
    }

    /// The stored form, or the words a Russian export writes: «действует»,
    /// «действующая», «приостановлена», «прекращена» (letter case aside).
    pub fn parse(text: &str) -> Option<LicenceStatus> {
        let word = text.trim().to_lowercase();
        let status = match word.as_str() {
            "active" | "действует" | "действующая" => LicenceStatus::Active,
            "suspended" | "приостановлена" | "приостановлено" => {
                LicenceStatus::Suspended
            }
            "terminated" | "прекращена" | "прекращено" => {
                LicenceStatus::Terminated
            }
            _ => return None,
        };
        Some(status)
    }
}

/// One licence as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    pub ogrn: String,
    pub inn: String,
    pub number: String,
    /// The licensee's name, when the export gave it.
    pub organisation: Option<String>,
    pub status: LicenceStatus,
    /// The licensed works, in the register's order.
    pub works: Vec<String>,
    /// The last import that listed it.
    pub imported_at: DateTime<Utc>,
}

/// A name as the fallback match compares it: lower case, without quotes
/// of any kind («», "", “”, „, '), spaces collapsed. «ГБУЗ "ГП № 5"» and
/// «гбуз  «гп № 5»» are one name.
pub fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '«' | '»' | '"' | '“' | '”' | '„' | '\'' | '‘' | '’'))
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// How the licences were matched to the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Ogrn,
    Inn,
    /// The register gave no identifier: the exact name, normalised.
    Name,
}

/// The organisation as the register entry names it.
#[derive(Debug, Clone, Copy)]
pub struct OrganisationRef<'a> {
    pub name: &'a str,
    pub inn: Option<&'a OrganisationInn>,
    pub ogrn: Option<&'a Ogrn>,
}

/// Licences found for an organisation, active first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub by: MatchedBy,
    pub licences: Vec<Licence>,
}

struct Row {
    ogrn: String,
    inn: String,
    number: String,
    organisation: Option<String>,
    status: String,
    works: Vec<String>,
    imported_at: DateTime<Utc>,
}

impl Row {
    fn open(self) -> Result<Licence, sqlx::Error> {
        Ok(Licence {
            status: LicenceStatus::parse(&self.status)
                .ok_or_else(|| sqlx::Error::Decode("an unknown licence status".into()))?,
            ogrn: self.ogrn,
            inn: self.inn,
            number: self.number,
            organisation: self.organisation,
            works: self.works,
            imported_at: self.imported_at,
        })
    }
}

async fn by_ogrn(db: &PgPool, ogrn: &Ogrn) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        r#"
        SELECT ogrn, inn, number, organisation, status, works, imported_at
        FROM organisation_licences WHERE ogrn = $1
        "#,
        ogrn.digits(),
    )
    .fetch_all(db)
    .await
}

async fn by_inn(db: &PgPool, inn: &OrganisationInn) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        r#"
        SELECT ogrn, inn, number, organisation, status, works, imported_at
        FROM organisation_licences WHERE inn = $1
        "#,
        inn.digits(),
    )
    .fetch_all(db)
    .await
}

async fn by_name(db: &PgPool, name: &str) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        r#"
        SELECT ogrn, inn, number, organisation, status, works, imported_at
        FROM organisation_licences WHERE name_key = $1
        "#,
        name_key(name),
    )
    .fetch_all(db)
    .await
}

/// The licences of `organisation`: by its ОГРН, then its ИНН; by its name
/// only when neither is given. `None`: no licence found.
pub async fn of_organisation(
    db: &PgPool,
    organisation: OrganisationRef<'_>,
) -> Result<Option<Found>, sqlx::Error> {
    let mut found = None;
    if let Some(ogrn) = organisation.ogrn {
        found = Some((MatchedBy::Ogrn, by_ogrn(db, ogrn).await?));
    }
    if found.as_ref().is_none_or(|(_, rows)| rows.is_empty())
        && let Some(inn) = organisation.inn
    {
        found = Some((MatchedBy::Inn, by_inn(db, inn).await?));
    }
    if organisation.ogrn.is_none() && organisation.inn.is_none() {
        let rows = by_name(db, organisation.name).await?;
        // «Поликлиника № 1» is the name of many organisations: a name that
        // several ОГРН answer to names none of them for sure, and someone
        // else's licence is worse than none.
        let mut ogrns: Vec<&str> = rows.iter().map(|row| row.ogrn.as_str()).collect();
        ogrns.sort_unstable();
        ogrns.dedup();
        if ogrns.len() > 1 {
            return Ok(None);
        }
        found = Some((MatchedBy::Name, rows));
    }
    let Some((by, rows)) = found.filter(|(_, rows)| !rows.is_empty()) else {
        return Ok(None);
    };
    let mut licences = rows
        .into_iter()
        .map(Row::open)
        .collect::<Result<Vec<_>, _>>()?;
    licences.sort_by(|a, b| (a.status, &a.number).cmp(&(b.status, &b.number)));
    Ok(Some(Found { by, licences }))
}

/// What «🏥 Организация» shows a practitioner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Card {
    /// Not a confirmed account: nothing from the register.
    NotConfirmed,
    /// Confirmed, but the register has no entry (or cannot be asked now).
    NotInRegister,
    Organisation {
        name: String,
        region: String,
        /// `None`: «лицензия не найдена».
        found: Option<Found>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The practitioner's organisation and its licences, for a confirmed
/// account only: an applicant who typed someone's СНИЛС learns nothing of
/// its owner's employer. A register that cannot answer now is logged and
/// shown as no entry.
pub async fn organisation_card(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: UserId,
) -> Result<Card, CardError> {
    if !accounts::is_confirmed(db, user_id).await? {
        return Ok(Card::NotConfirmed);
    }
    let Some(snils) = accounts::snils(db, vault, user_id).await? else {
        return Ok(Card::NotConfirmed);
    };
    let entry = match registry.find(&snils).await {
        Ok(Some(entry)) => entry,
        Ok(None) => return Ok(Card::NotInRegister),
        Err(error @ (RegistryError::Unavailable(_) | RegistryError::Corrupt(_))) => {
            tracing::warn!(%error, "the register cannot name the organisation");
            return Ok(Card::NotInRegister);
        }
    };
    let found = of_organisation(
        db,
        OrganisationRef {
            name: &entry.organisation,
            inn: entry.organisation_inn.as_ref(),
            ogrn: entry.organisation_ogrn.as_ref(),
        },
    )
    .await?;
    Ok(Card::Organisation {
        name: entry.organisation,
        region: entry.region,
        found,
    })
}

#[cfg(test)]
mod tests;
