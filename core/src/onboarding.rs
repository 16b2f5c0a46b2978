//! The way from a stranger to an active practitioner account:
//! consent → own phone → СНИЛС → match in the register → second factor.
//!
//! Each step is stored the moment the user completes it (tables of
//! `consent` and `accounts`), so the position is always derived from
//! PostgreSQL: a user who vanishes for days, a bot restart or a Redis flush
//! all resume where the user was.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::accounts::{self, AccountError, Link, Step};
use crate::consent;
use crate::crypto::Vault;
use crate::domain::{PhoneError, PhoneNumber, Snils};
use crate::registry::{Registry, RegistryError};

/// Where a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Nothing personal may be asked yet.
    NeedsConsent,
    Onboarding(Step),
}

impl Position {
    pub fn is_active(self) -> bool {
        self == Position::Onboarding(Step::Active)
    }
}

pub async fn position(db: &PgPool, user_id: i64) -> Result<Position, sqlx::Error> {
    if consent::in_force(db, user_id).await?.is_none() {
        return Ok(Position::NeedsConsent);
    }
    Ok(match accounts::step(db, user_id).await? {
        Some(step) => Position::Onboarding(step),
        // Consent without an account: opened on the next step.
        None => Position::Onboarding(Step::Phone),
    })
}

/// The user agreed to the processing of personal data.
pub async fn accept_consent(
    db: &PgPool,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    consent::give(db, user_id, now).await?;
    accounts::open(db, user_id, now).await
}

/// A contact the user shared with Telegram's button.
pub struct SharedContact<'a> {
    pub phone_number: &'a str,
    /// The Telegram user the contact belongs to, if it has one.
    pub owner_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactRejection {
    /// Someone else's contact: we need a phone the user owns.
    NotOwn,
    Invalid(PhoneError),
}

/// Takes the user's own phone number. Only a contact whose owner is the
/// sender proves the number is theirs (Telegram verified it).
pub async fn submit_contact(
    db: &PgPool,
    vault: &Vault,
    user_id: i64,
    contact: SharedContact<'_>,
) -> Result<Result<PhoneNumber, ContactRejection>, sqlx::Error> {
    if contact.owner_id != Some(user_id) {
        return Ok(Err(ContactRejection::NotOwn));
    }
    let phone = match PhoneNumber::parse(contact.phone_number) {
        Ok(phone) => phone,
        Err(error) => return Ok(Err(ContactRejection::Invalid(error))),
    };
    accounts::set_phone(db, vault, user_id, &phone).await?;
    Ok(Ok(phone))
}

/// What the register said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryMatch {
    /// Linked; the second factor is next. Carries the name to greet with.
    Linked { full_name: String },
    /// No entry with this СНИЛС and this phone. One answer for both "no
    /// such СНИЛС" and "another phone", so the bot cannot be used to learn
    /// who is in the register.
    NoMatch,
    /// The practitioner is already linked to another Telegram account.
    TakenByAnother,
    /// The register did not answer; the СНИЛС is kept for a retry.
    Unavailable,
}

#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("the register holds an unreadable entry: {0}")]
    Corrupt(String),
}

/// Stores the СНИЛС (so nothing is lost if the register is down) and looks
/// the practitioner up.
pub async fn submit_snils(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: i64,
    snils: &Snils,
    now: DateTime<Utc>,
) -> Result<RegistryMatch, OnboardingError> {
    accounts::set_snils(db, vault, user_id, snils).await?;
    match_registry(db, vault, registry, user_id, now).await
}

/// Looks the stored СНИЛС and phone up in the register and links on a match.
pub async fn match_registry(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<RegistryMatch, OnboardingError> {
    let (Some(snils), Some(phone)) = (
        accounts::snils(db, vault, user_id).await?,
        accounts::phone(db, vault, user_id).await?,
    ) else {
        return Ok(RegistryMatch::NoMatch);
    };
    let entry = match registry.find(&snils).await {
        Ok(entry) => entry,
        Err(RegistryError::Unavailable(reason)) => {
            tracing::warn!(%reason, "the register is unavailable");
            return Ok(RegistryMatch::Unavailable);
        }
        Err(RegistryError::Corrupt(reason)) => return Err(OnboardingError::Corrupt(reason)),
    };
    let Some(entry) = entry.filter(|entry| entry.phone.as_ref() == Some(&phone)) else {
        return Ok(RegistryMatch::NoMatch);
    };
    Ok(match accounts::link_confirmed(db, user_id, now).await? {
        Link::Linked => RegistryMatch::Linked {
            full_name: entry.full_name,
        },
        Link::TakenByAnother => RegistryMatch::TakenByAnother,
    })
}

/// What became of a request to connect without the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applying {
    /// Linked, not confirmed: the second factor is next, then an
    /// activation application with documents.
    Linked,
    /// Another Telegram account holds this СНИЛС, confirmed or not.
    TakenByAnother,
    /// Not at the СНИЛС step with a СНИЛС stored (an old button, or a
    /// second press): nothing changed; the bot shows where the user is.
    NotNow,
}

/// The register did not know the user, and they chose to apply for
/// activation instead: the account is linked to the СНИЛС and phone they
/// gave, unconfirmed (see `accounts::link`). Nothing is decided about who
/// they are until an operator approves the activation.
pub async fn apply_for_activation(
    db: &PgPool,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Applying, sqlx::Error> {
    if accounts::step(db, user_id).await? != Some(Step::Snils)
        || !accounts::has_snils(db, user_id).await?
    {
        return Ok(Applying::NotNow);
    }
    Ok(match accounts::link(db, user_id, now).await? {
        Link::Linked => Applying::Linked,
        Link::TakenByAnother => Applying::TakenByAnother,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataKey;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// Consent given, phone shared, and (if given) the СНИЛС stored.
    async fn at_snils(db: &PgPool, vault: &Vault, user_id: i64, snils: Option<&str>) {
        accept_consent(db, user_id, now()).await.unwrap();
        let phone = PhoneNumber::parse(&format!("+7916{user_id:07}")).unwrap();
        accounts::set_phone(db, vault, user_id, &phone)
            .await
            .unwrap();
        if let Some(snils) = snils {
            accounts::set_snils(db, vault, user_id, &Snils::parse(snils).unwrap())
                .await
                .unwrap();
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_applicant_is_linked_unconfirmed_and_holds_the_snils(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        const SNILS: &str = "112-233-445 95";

        // No СНИЛС yet: an old or forged button links nothing.
        at_snils(&db, &vault, 1, None).await;
        assert_eq!(
            apply_for_activation(&db, 1, now()).await.unwrap(),
            Applying::NotNow
        );
        assert_eq!(accounts::step(&db, 1).await.unwrap(), Some(Step::Snils));

        at_snils(&db, &vault, 2, Some(SNILS)).await;
        assert_eq!(
            apply_for_activation(&db, 2, now()).await.unwrap(),
            Applying::Linked
        );
        assert_eq!(
            accounts::step(&db, 2).await.unwrap(),
            Some(Step::SecondFactor)
        );
        assert!(!accounts::is_confirmed(&db, 2).await.unwrap());
        // A second press finds the user past the СНИЛС step.
        assert_eq!(
            apply_for_activation(&db, 2, now()).await.unwrap(),
            Applying::NotNow
        );

        // One Telegram account per СНИЛС, confirmed or not.
        at_snils(&db, &vault, 3, Some(SNILS)).await;
        assert_eq!(
            apply_for_activation(&db, 3, now()).await.unwrap(),
            Applying::TakenByAnother
        );
        assert_eq!(accounts::step(&db, 3).await.unwrap(), Some(Step::Snils));
    }
}
