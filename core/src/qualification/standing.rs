//! The practitioner's hours as of today: the stored records counted
//! ([`super::progress`]) against the period of the accreditation in force
//! ([`super::status::current`], from the register and the accreditation
//! documents on file).
//!
//! When neither says when the accreditation runs out, the five years up to
//! today are assumed ([`Basis::Assumed`]): the bot says so, and how to put
//! it right (the выписка added in «Документы», or the register corrected).

use chrono::NaiveDate;
use sqlx::PgPool;

use super::period::AccreditationPeriod;
use super::progress::{PortalPlan, Progress, Requirements, progress};
use super::records::Record;
use super::status::{CurrentAccreditation, Known};
use super::store::{self, QualificationRecord, StoreError};
use crate::UserId;
use crate::crypto::Vault;
use crate::registry::Registry;

/// Why no accreditation period is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// Neither the register nor a document on file names an accreditation.
    Nothing,
    /// The register has its number but no date, and no document gives one.
    NumberWithoutDate,
}

/// Which period the hours are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Known(CurrentAccreditation),
    /// The five years up to today, for want of a known accreditation.
    Assumed {
        because: Unknown,
        period: AccreditationPeriod,
    },
}

impl Basis {
    pub fn period(self) -> AccreditationPeriod {
        match self {
            Basis::Known(accreditation) => accreditation.period,
            Basis::Assumed { period, .. } => period,
        }
    }

    /// The basis for what is known, as of `today`.
    pub fn of(known: Known, today: NaiveDate) -> Basis {
        let assumed = |because| Basis::Assumed {
            because,
            period: AccreditationPeriod::until(today),
        };
        match known {
            Known::Accreditation(accreditation) => Basis::Known(accreditation),
            Known::NumberWithoutDate => assumed(Unknown::NumberWithoutDate),
            Known::Nothing => assumed(Unknown::Nothing),
        }
    }
}

/// The records, the period and the progress in it.
pub struct Standing {
    pub basis: Basis,
    pub progress: Progress,
    /// Every record, the latest completed first.
    pub records: Vec<QualificationRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum StandingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The practitioner's standing on `today`.
pub async fn standing(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    owner_id: UserId,
    requirements: Requirements,
    today: NaiveDate,
) -> Result<Standing, StandingError> {
    let known = known_accreditation(db, vault, registry, owner_id).await?;
    let basis = Basis::of(known, today);
    let records = store::list(db, vault, owner_id).await?;
    let counted: Vec<Record> = records
        .iter()
        .map(|record| record.entry.record().clone())
        .collect();
    let progress = progress(
        basis.period(),
        &counted,
        requirements,
        PortalPlan::NMO_PORTAL,
        today,
    );
    Ok(Standing {
        basis,
        progress,
        records,
    })
}

/// What the register (for a confirmed account) and the documents on file
/// say of the accreditation: [`crate::accreditation::known`], the one
/// reading the «Аккредитация» screen and the reminders' rules share.
pub async fn known_accreditation(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    owner_id: UserId,
) -> Result<Known, StandingError> {
    Ok(crate::accreditation::known(db, vault, registry, owner_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;

    #[test]
    fn without_an_accreditation_the_last_five_years_are_assumed() {
        let today = date(2026, 12, 4);
        let basis = Basis::of(Known::Nothing, today);
        assert_eq!(
            basis,
            Basis::Assumed {
                because: Unknown::Nothing,
                period: AccreditationPeriod::until(today),
            }
        );
        assert_eq!(basis.period().accredited_on(), date(2021, 12, 4));
        assert_eq!(basis.period().valid_until(), today);
        assert!(matches!(
            Basis::of(Known::NumberWithoutDate, today),
            Basis::Assumed {
                because: Unknown::NumberWithoutDate,
                ..
            }
        ));
    }
}
