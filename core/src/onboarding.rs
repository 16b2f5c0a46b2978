//! The way from a stranger to an active practitioner account:
//! consent → own phone → СНИЛС → match in the register → second factor.
//!
//! Each step is stored the moment the user completes it (tables of
//! `consent` and `accounts`), so the position is always derived from
//! PostgreSQL: a user who vanishes for days, a bot restart or a Redis flush
//! all resume where the user was.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use serde_json::json;

use crate::UserId;
use crate::accounts::{self, AccountError, Step};
use crate::applications::ApplicationError;
use crate::consent;
use crate::crypto::Vault;
use crate::domain::{PhoneError, PhoneNumber, Snils};
use crate::identity::{self, MatchedLink};
use crate::registry::{Registry, RegistryError};
use crate::security_events::{self, Kind};

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

impl Position {
    /// Where someone stands with this consent and this account's step.
    pub fn of(consented: bool, step: Option<Step>) -> Position {
        if !consented {
            return Position::NeedsConsent;
        }
        // Consent without an account: opened on the next step.
        Position::Onboarding(step.unwrap_or(Step::Phone))
    }
}

pub async fn position(db: &PgPool, user_id: UserId) -> Result<Position, sqlx::Error> {
    let consented = consent::in_force(db, user_id).await?.is_some();
    if !consented {
        return Ok(Position::NeedsConsent);
    }
    Ok(Position::of(consented, accounts::step(db, user_id).await?))
}

/// The user agreed to the processing of personal data.
pub async fn accept_consent(
    db: &PgPool,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    consent::give(db, user_id, now).await?;
    accounts::open(db, user_id, now).await
}

/// A contact the user shared with Telegram's button.
pub struct SharedContact<'a> {
    pub phone_number: &'a str,
    /// The Telegram user the contact belongs to, if it has one.
    pub owner_id: Option<UserId>,
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
    user_id: UserId,
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
    /// The register matched, but another Telegram account is confirmed
    /// with this СНИЛС (only the phone's owner can get here): support
    /// decides; the holder was warned.
    HeldByConfirmed,
    /// Too many СНИЛС typed lately: not looked up until then.
    TooManyTries { until: DateTime<Utc> },
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
    #[error("linking: {0}")]
    Link(#[from] ApplicationError),
}

/// Stores the СНИЛС (so nothing is lost if the register is down) and looks
/// the practitioner up. Each СНИЛС typed counts against the user's limit
/// (`accounts::SNILS_TRIES` an hour), so the bot is no oracle for trying
/// other people's numbers; a refusal is in the security log.
pub async fn submit_snils(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: UserId,
    snils: &Snils,
    now: DateTime<Utc>,
) -> Result<RegistryMatch, OnboardingError> {
    if let Err(until) = accounts::count_snils_try(db, vault, user_id, now).await? {
        let mut conn = db.acquire().await?;
        let details = json!({ "until": until });
        security_events::record(&mut conn, user_id, Kind::SnilsRateLimited, details, now).await?;
        return Ok(RegistryMatch::TooManyTries { until });
    }
    accounts::set_snils(db, vault, user_id, snils).await?;
    match_registry(db, vault, registry, user_id, now).await
}

/// Looks the stored СНИЛС and phone up in the register and links on a match
/// (see `crate::identity`: the owner's match unlinks applicants who named
/// the same СНИЛС).
pub async fn match_registry(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: UserId,
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
    Ok(
        match identity::link_matched(db, vault, user_id, now).await? {
            MatchedLink::Linked { .. } => RegistryMatch::Linked {
                full_name: entry.full_name,
            },
            MatchedLink::HeldByConfirmed => RegistryMatch::HeldByConfirmed,
            // Linked meanwhile (a double press): the caller shows the step.
            MatchedLink::NotNow => RegistryMatch::NoMatch,
        },
    )
}

/// What became of a request to connect without the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applying {
    /// Linked, not confirmed: the second factor is next, then an
    /// activation application with documents.
    Linked,
    /// The register knows this СНИЛС (with another phone, or the match
    /// would have linked): self-activation is refused; the employer's HR
    /// department corrects the phone in the register.
    InRegister,
    /// The register did not answer: nothing changed, try again.
    Unavailable,
    /// Not at the СНИЛС step with a СНИЛС stored (an old button, or a
    /// second press): nothing changed; the bot shows where the user is.
    NotNow,
}

/// The register did not know the user, and they chose to apply for
/// activation instead: the account is linked to the СНИЛС and phone they
/// gave, unconfirmed (see `accounts::link`). Nothing is decided about who
/// they are until an operator approves the activation; meanwhile the link
/// holds nothing against the СНИЛС's owner (`crate::identity`).
pub async fn apply_for_activation(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Applying, OnboardingError> {
    if accounts::step(db, user_id).await? != Some(Step::Snils) {
        return Ok(Applying::NotNow);
    }
    let Some(snils) = accounts::snils(db, vault, user_id).await? else {
        return Ok(Applying::NotNow);
    };
    match registry.find(&snils).await {
        Ok(None) => {}
        Ok(Some(_)) => {
            let mut conn = db.acquire().await?;
            let kind = Kind::ActivationRefusedInRegister;
            security_events::record(&mut conn, user_id, kind, json!({}), now).await?;
            return Ok(Applying::InRegister);
        }
        Err(RegistryError::Unavailable(reason)) => {
            tracing::warn!(%reason, "the register is unavailable");
            return Ok(Applying::Unavailable);
        }
        Err(RegistryError::Corrupt(reason)) => return Err(OnboardingError::Corrupt(reason)),
    }
    Ok(if accounts::link(db, user_id, now).await? {
        Applying::Linked
    } else {
        Applying::NotNow
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataKey;
    use crate::registry::import_csv;
    use crate::{outbox, second_factor};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// The register's practitioner, on their own phone.
    const OWNER: UserId = UserId::from_stored(1);
    /// Applicants who typed the owner's СНИЛС with their own phones.
    const APPLICANT: UserId = UserId::from_stored(2);
    const OTHER_APPLICANT: UserId = UserId::from_stored(3);
    /// Another Telegram account on the owner's phone number.
    const OWNERS_NEW_ACCOUNT: UserId = UserId::from_stored(5);

    const SNILS: &str = "112-233-445 95";
    const OWNER_PHONE: &str = "+79991234567";
    const HEADER: &str = "snils,full_name,birth_date,phone,specialty,position,organisation,region,accreditation_number,accreditation_valid_until";

    /// A register that knows the owner of [`SNILS`] with [`OWNER_PHONE`].
    async fn register(db: &PgPool, vault: &Vault) -> Registry {
        let csv = format!(
            "{HEADER}\n{SNILS},Иванова Анна Сергеевна,1985-03-14,{OWNER_PHONE},Терапия,Врач-терапевт,ГП № 5,Москва,,\n"
        );
        import_csv(db, vault, csv.as_bytes(), |_| {}).await.unwrap();
        Registry::Local {
            db: db.clone(),
            vault: vault.clone(),
        }
    }

    fn empty_register(db: &PgPool, vault: &Vault) -> Registry {
        Registry::Local {
            db: db.clone(),
            vault: vault.clone(),
        }
    }

    /// Consent given and this phone shared: at the СНИЛС step.
    async fn at_snils(db: &PgPool, vault: &Vault, user_id: UserId, phone: &str) {
        accept_consent(db, user_id, now()).await.unwrap();
        accounts::set_phone(db, vault, user_id, &PhoneNumber::parse(phone).unwrap())
            .await
            .unwrap();
    }

    fn applicant_phone(user_id: UserId) -> String {
        format!("+7916{user_id:07}")
    }

    /// An applicant who typed [`SNILS`], applied and enrolled a factor.
    async fn applicant(db: &PgPool, vault: &Vault, registry: &Registry, user_id: UserId) {
        at_snils(db, vault, user_id, &applicant_phone(user_id)).await;
        let snils = Snils::parse(SNILS).unwrap();
        accounts::set_snils(db, vault, user_id, &snils)
            .await
            .unwrap();
        assert_eq!(
            apply_for_activation(db, vault, registry, user_id, now())
                .await
                .unwrap(),
            Applying::Linked
        );
        second_factor::enrolment_secret(db, vault, user_id, now())
            .await
            .unwrap();
    }

    async fn events(db: &PgPool, user_id: UserId) -> Vec<String> {
        security_events::kinds_for(db, user_id).await.unwrap()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn applicants_share_a_snils_and_hold_nothing_against_each_other(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        let registry = empty_register(&db, &vault);

        // No СНИЛС yet: an old or forged button links nothing.
        at_snils(&db, &vault, OWNER, &applicant_phone(OWNER)).await;
        assert_eq!(
            apply_for_activation(&db, &vault, &registry, OWNER, now())
                .await
                .unwrap(),
            Applying::NotNow
        );
        assert_eq!(accounts::step(&db, OWNER).await.unwrap(), Some(Step::Snils));

        applicant(&db, &vault, &registry, APPLICANT).await;
        assert_eq!(
            accounts::step(&db, APPLICANT).await.unwrap(),
            Some(Step::SecondFactor)
        );
        assert!(!accounts::is_confirmed(&db, APPLICANT).await.unwrap());
        // A second press finds the user past the СНИЛС step.
        assert_eq!(
            apply_for_activation(&db, &vault, &registry, APPLICANT, now())
                .await
                .unwrap(),
            Applying::NotNow
        );
        // A second applicant naming the same СНИЛС is not told it is taken.
        applicant(&db, &vault, &registry, OTHER_APPLICANT).await;
        assert_eq!(
            accounts::step(&db, OTHER_APPLICANT).await.unwrap(),
            Some(Step::SecondFactor)
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_owners_register_match_unlinks_the_squatters(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        let empty = empty_register(&db, &vault);
        // Two applicants typed the owner's СНИЛС while the register did not
        // know it yet.
        applicant(&db, &vault, &empty, APPLICANT).await;
        applicant(&db, &vault, &empty, OTHER_APPLICANT).await;
        let registry = register(&db, &vault).await;

        at_snils(&db, &vault, OWNER, OWNER_PHONE).await;
        let matched = submit_snils(
            &db,
            &vault,
            &registry,
            OWNER,
            &Snils::parse(SNILS).unwrap(),
            now(),
        )
        .await
        .unwrap();
        assert_eq!(
            matched,
            RegistryMatch::Linked {
                full_name: "Иванова Анна Сергеевна".to_owned()
            }
        );
        assert!(accounts::is_confirmed(&db, OWNER).await.unwrap());
        assert_eq!(events(&db, OWNER).await, ["snils_reclaimed"]);
        for squatter in [2, 3].map(UserId::from_stored) {
            assert_eq!(
                accounts::step(&db, squatter).await.unwrap(),
                Some(Step::Snils)
            );
            assert!(!accounts::has_snils(&db, squatter).await.unwrap());
            assert!(!accounts::is_confirmed(&db, squatter).await.unwrap());
            assert_eq!(events(&db, squatter).await, ["account_unlinked"]);
            // Told in neutral words.
            let pushes = outbox::for_chat(&db, squatter.private_chat())
                .await
                .unwrap();
            assert_eq!(pushes.len(), 1, "{pushes:?}");
            assert_eq!(
                crate::outbox::Payload::read(&pushes[0].payload)
                    .unwrap()
                    .push,
                crate::outbox::Push::UnlinkedSuperseded {}
            );
            // The factor they enrolled protected a link that is gone.
            let factor = sqlx::query_scalar!(
                "SELECT count(*) FROM second_factors WHERE telegram_user_id = $1",
                squatter.get()
            )
            .fetch_one(&db)
            .await
            .unwrap();
            assert_eq!(factor, Some(0));
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_snils_in_the_register_cannot_be_self_activated(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        let registry = register(&db, &vault).await;
        at_snils(&db, &vault, APPLICANT, &applicant_phone(APPLICANT)).await;
        let typed = submit_snils(
            &db,
            &vault,
            &registry,
            APPLICANT,
            &Snils::parse(SNILS).unwrap(),
            now(),
        )
        .await
        .unwrap();
        // The same answer as for a СНИЛС the register does not know.
        assert_eq!(typed, RegistryMatch::NoMatch);
        assert_eq!(
            apply_for_activation(&db, &vault, &registry, APPLICANT, now())
                .await
                .unwrap(),
            Applying::InRegister
        );
        assert_eq!(
            accounts::step(&db, APPLICANT).await.unwrap(),
            Some(Step::Snils)
        );
        assert_eq!(
            events(&db, APPLICANT).await,
            ["activation_refused_in_register"]
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_second_match_of_a_confirmed_snils_is_refused_and_the_holder_warned(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        let registry = register(&db, &vault).await;
        let snils = Snils::parse(SNILS).unwrap();
        at_snils(&db, &vault, OWNER, OWNER_PHONE).await;
        submit_snils(&db, &vault, &registry, OWNER, &snils, now())
            .await
            .unwrap();
        // The same phone on another Telegram account (a new account, or a
        // reassigned number).
        at_snils(&db, &vault, OWNERS_NEW_ACCOUNT, OWNER_PHONE).await;
        assert_eq!(
            submit_snils(&db, &vault, &registry, OWNERS_NEW_ACCOUNT, &snils, now())
                .await
                .unwrap(),
            RegistryMatch::HeldByConfirmed
        );
        assert!(accounts::is_confirmed(&db, OWNER).await.unwrap());
        assert_eq!(
            accounts::step(&db, OWNERS_NEW_ACCOUNT).await.unwrap(),
            Some(Step::Snils)
        );
        assert_eq!(
            events(&db, OWNERS_NEW_ACCOUNT).await,
            ["snils_link_conflict"]
        );
        // Tried again the same day: refused again, warned once.
        assert_eq!(
            submit_snils(&db, &vault, &registry, OWNERS_NEW_ACCOUNT, &snils, now())
                .await
                .unwrap(),
            RegistryMatch::HeldByConfirmed
        );
        let warned = outbox::for_chat(&db, 1).await.unwrap();
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert_eq!(
            crate::outbox::Payload::read(&warned[0].payload)
                .unwrap()
                .push,
            crate::outbox::Push::LinkConflict {}
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn typing_snils_is_limited_per_user(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        let registry = empty_register(&db, &vault);
        at_snils(&db, &vault, OWNER, &applicant_phone(OWNER)).await;
        let snils = Snils::parse(SNILS).unwrap();
        for _ in 0..accounts::SNILS_TRIES {
            assert_eq!(
                submit_snils(&db, &vault, &registry, OWNER, &snils, now())
                    .await
                    .unwrap(),
                RegistryMatch::NoMatch
            );
        }
        let until = now() + accounts::snils_window();
        assert_eq!(
            submit_snils(&db, &vault, &registry, OWNER, &snils, now())
                .await
                .unwrap(),
            RegistryMatch::TooManyTries { until }
        );
        assert_eq!(events(&db, OWNER).await, ["snils_rate_limited"]);
        // Another user is not limited by the first one's tries.
        at_snils(&db, &vault, APPLICANT, &applicant_phone(APPLICANT)).await;
        assert_eq!(
            submit_snils(&db, &vault, &registry, APPLICANT, &snils, now())
                .await
                .unwrap(),
            RegistryMatch::NoMatch
        );
        // The window passes.
        assert_eq!(
            submit_snils(&db, &vault, &registry, OWNER, &snils, until)
                .await
                .unwrap(),
            RegistryMatch::NoMatch
        );
    }
}
