//! A practitioner's profile (name, birth date, address, e-mail, ИНН,
//! passport) and education (diplomas and additional education).
//!
//! Owns the tables `profiles`, `education` and `additional_education`.
//! What the practitioner types is gathered in a draft ([`ProfileDraft`],
//! [`EducationDraft`], [`AdditionalDraft`]) and validated as a whole, so the
//! bot can show every problem at once, and then a summary card to confirm;
//! only a validated value ([`Profile`], [`Education`], [`Additional`]) can be
//! saved. Every personal field is sealed with the [`Vault`] under
//! `"<table>.<column>"`; see the migration for why the passport and the ИНН
//! have no blind index.
//!
//! Every change is a version in [`crate::history`], written in the same
//! transaction: the profile as entity `profile` with the owner's id as its
//! id, education records as entity `education` with their own ids. A
//! previous version of the profile can be brought back ([`restore_profile`]).
//!
//! Every read and write takes the owner's id and touches only the owner's
//! rows: someone else's id is `None` / `false`, the same as an unknown one.
//! /forget deletes the account, and these rows cascade with it
//! ([`erase_owner`] does the same explicitly).

pub(crate) mod education;
pub(crate) mod fields;
mod personal;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::clock::moscow_today;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::history::{self, Action, Actor, Change, Entity, HistoryError, Version};

pub use education::{
    ADDITIONAL_PROGRAMME_FIELD, Additional, AdditionalDraft, AdditionalField, AdditionalProblem,
    AdditionalRecord, DIPLOMA_NUMBER_FIELD, DiplomaNumberProblem, Education, EducationDraft,
    EducationField, EducationLevel, EducationProblem, EducationRecord, HoursProblem,
    INSTITUTION_FIELD, MAX_HOURS, SPECIALTY_FIELD, YearProblem, add_additional, add_education,
    delete_additional, delete_education, get_additional, get_education, list_additional,
    list_education, update_additional, update_education, validate_additional, validate_education,
};
pub use fields::{DateProblem, EARLIEST_DATE, TextProblem, parse_date};
pub use personal::{
    ADDRESS_CHARS, ISSUED_BY_CHARS, PASSPORT_AGE_YEARS, Profile, ProfileDraft, ProfileField,
    ProfileProblem, passport_age, validate,
};

pub const FULL_NAME_FIELD: &str = "profiles.full_name";
pub const BIRTH_DATE_FIELD: &str = "profiles.birth_date";
pub const ADDRESS_FIELD: &str = "profiles.address";
pub const EMAIL_FIELD: &str = "profiles.email";
pub const INN_FIELD: &str = "profiles.inn";
pub const PASSPORT_FIELD: &str = "profiles.passport";
pub const PASSPORT_ISSUED_ON_FIELD: &str = "profiles.passport_issued_on";
pub const DIVISION_CODE_FIELD: &str = "profiles.division_code";
pub const PASSPORT_ISSUED_BY_FIELD: &str = "profiles.passport_issued_by";

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profile would break these rules; nothing was written.
    #[error("the profile is not valid: {0:?}")]
    Invalid(Vec<ProfileProblem>),
    /// An edit of a profile that was never saved.
    #[error("there is no profile to edit")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored field does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("a stored profile or education record does not parse")]
    Corrupt,
    /// The draft a record was to be stored from is gone: stored from
    /// another chat of the account a moment before, or given up. Nothing
    /// was written.
    #[error("the draft was stored or given up already")]
    DraftGone,
}

/// Saves the practitioner's profile — the first time or over the previous
/// one — and its version, in one transaction. Returns the version number.
pub async fn save(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    profile: &Profile,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<i32, ProfileError> {
    let mut tx = db.begin().await?;
    let version = write(&mut tx, vault, owner_id, profile, actor, None, now).await?;
    tx.commit().await?;
    Ok(version)
}

/// The practitioner's profile, if saved.
pub async fn get(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Option<Profile>, ProfileError> {
    let mut conn = db.acquire().await?;
    read(&mut conn, vault, owner_id, false).await
}

/// Changes one field of the saved profile (`None` clears an optional one)
/// and validates the whole profile again as of `now`: a new birth date is
/// checked against the passport's issue date too. An edit that changes
/// nothing records no version.
pub async fn update_field(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    field: ProfileField,
    value: Option<&str>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Profile, ProfileError> {
    let mut tx = db.begin().await?;
    // Locked so two edits of different fields at once do not each write a
    // profile missing the other's change.
    let current = read(&mut tx, vault, owner_id, true)
        .await?
        .ok_or(ProfileError::NotFound)?;
    let mut draft = current.to_draft();
    *field.slot(&mut draft) = value.map(str::to_owned);
    let updated = validate(&draft, moscow_today(now)).map_err(ProfileError::Invalid)?;
    if updated != current {
        write(&mut tx, vault, owner_id, &updated, actor, None, now).await?;
        tx.commit().await?;
    }
    Ok(updated)
}

/// Brings back a previous version of the practitioner's profile as the
/// current one, recorded as a new version with [`Action::Restored`]. The old
/// values are validated as of `now` again. `None` when there is no such
/// version of this practitioner's profile (someone else's is not theirs).
pub async fn restore_profile(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    version: i32,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Option<Profile>, ProfileError> {
    let Some(old) = history::version(
        db,
        vault,
        owner_id,
        Entity::Profile,
        owner_id.get(),
        version,
    )
    .await?
    else {
        return Ok(None);
    };
    let draft: ProfileDraft =
        serde_json::from_value(old.snapshot).map_err(|_| ProfileError::Corrupt)?;
    let profile = validate(&draft, moscow_today(now)).map_err(ProfileError::Invalid)?;
    let mut tx = db.begin().await?;
    write(
        &mut tx,
        vault,
        owner_id,
        &profile,
        actor,
        Some(Action::Restored),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(profile))
}

/// Every version of the practitioner's profile, oldest first; each snapshot
/// parses as a [`ProfileDraft`].
pub async fn profile_versions(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Vec<Version>, ProfileError> {
    Ok(history::versions(db, vault, owner_id, Entity::Profile, owner_id.get()).await?)
}

/// /forget: deletes the practitioner's profile and education, inside the
/// erasure's transaction. Deleting the account cascades to the same rows;
/// this is for an erasure that keeps the account. Versions go with
/// [`history::erase_owner`]. Returns how many rows went.
pub async fn erase_owner(tx: &mut PgConnection, owner_id: UserId) -> Result<u64, sqlx::Error> {
    let mut deleted = 0;
    deleted += sqlx::query!(
        "DELETE FROM additional_education WHERE owner_id = $1",
        owner_id.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    deleted += sqlx::query!("DELETE FROM education WHERE owner_id = $1", owner_id.get())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    deleted += sqlx::query!(
        "DELETE FROM profiles WHERE telegram_user_id = $1",
        owner_id.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(deleted)
}

/// Writes the profile over whatever was there and records the version:
/// `Created` the first time, else `Updated`, unless `action` says otherwise.
async fn write(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    profile: &Profile,
    actor: Actor,
    action: Option<Action>,
    now: DateTime<Utc>,
) -> Result<i32, ProfileError> {
    let row = RowKey::id(owner_id.get());
    let seal = |field, value: &str| vault.seal_str(field, &row, value);
    let seal_date = |field, date: NaiveDate| seal(field, &date.to_string());
    let inserted = sqlx::query_scalar!(
        r#"
        INSERT INTO profiles (telegram_user_id, full_name, birth_date, address, email, inn,
                              passport, passport_issued_on, division_code, passport_issued_by,
                              created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
        ON CONFLICT (telegram_user_id) DO UPDATE SET
            full_name = EXCLUDED.full_name,
            birth_date = EXCLUDED.birth_date,
            address = EXCLUDED.address,
            email = EXCLUDED.email,
            inn = EXCLUDED.inn,
            passport = EXCLUDED.passport,
            passport_issued_on = EXCLUDED.passport_issued_on,
            division_code = EXCLUDED.division_code,
            passport_issued_by = EXCLUDED.passport_issued_by,
            updated_at = EXCLUDED.updated_at
        RETURNING (xmax = 0) AS "inserted!"
        "#,
        owner_id.get(),
        seal(FULL_NAME_FIELD, profile.full_name().full()),
        seal_date(BIRTH_DATE_FIELD, profile.birth_date()),
        seal(ADDRESS_FIELD, profile.address()),
        profile
            .email()
            .map(|email| seal(EMAIL_FIELD, email.as_str())),
        profile.inn().map(|inn| seal(INN_FIELD, inn.digits())),
        seal(PASSPORT_FIELD, profile.passport().digits()),
        seal_date(PASSPORT_ISSUED_ON_FIELD, profile.passport_issued_on()),
        seal(DIVISION_CODE_FIELD, profile.division_code().digits()),
        seal(PASSPORT_ISSUED_BY_FIELD, profile.passport_issued_by()),
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    let action = action.unwrap_or(if inserted {
        Action::Created
    } else {
        Action::Updated
    });
    let snapshot = serde_json::to_value(profile.to_draft())
        .expect("a draft of strings always serialises to JSON");
    let change = Change {
        owner_id,
        entity: Entity::Profile,
        entity_id: owner_id.get(),
        actor,
        action,
        snapshot: &snapshot,
    };
    Ok(history::record(tx, vault, change, now).await?)
}

async fn read(
    conn: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    for_update: bool,
) -> Result<Option<Profile>, ProfileError> {
    // Two queries rather than one with a dynamic lock clause: sqlx checks
    // each at compile time only as a literal.
    let row = if for_update {
        sqlx::query_as!(
            ProfileRow,
            r#"
            SELECT full_name, birth_date, address, email, inn, passport, passport_issued_on,
                   division_code, passport_issued_by
            FROM profiles WHERE telegram_user_id = $1 FOR UPDATE
            "#,
            owner_id.get(),
        )
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_as!(
            ProfileRow,
            r#"
            SELECT full_name, birth_date, address, email, inn, passport, passport_issued_on,
                   division_code, passport_issued_by
            FROM profiles WHERE telegram_user_id = $1
            "#,
            owner_id.get(),
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    row.map(|row| row.open(vault, owner_id)).transpose()
}

struct ProfileRow {
    full_name: Vec<u8>,
    birth_date: Vec<u8>,
    address: Vec<u8>,
    email: Option<Vec<u8>>,
    inn: Option<Vec<u8>>,
    passport: Vec<u8>,
    passport_issued_on: Vec<u8>,
    division_code: Vec<u8>,
    passport_issued_by: Vec<u8>,
}

impl ProfileRow {
    fn open(self, vault: &Vault, owner_id: UserId) -> Result<Profile, ProfileError> {
        let row = RowKey::id(owner_id.get());
        let open = |field, sealed: &[u8]| vault.open_str(field, &row, sealed).map(Some);
        let draft = ProfileDraft {
            full_name: open(FULL_NAME_FIELD, &self.full_name)?,
            birth_date: open(BIRTH_DATE_FIELD, &self.birth_date)?,
            address: open(ADDRESS_FIELD, &self.address)?,
            email: vault.open_optional_str(EMAIL_FIELD, &row, self.email.as_deref())?,
            inn: vault.open_optional_str(INN_FIELD, &row, self.inn.as_deref())?,
            passport: open(PASSPORT_FIELD, &self.passport)?,
            passport_issued_on: open(PASSPORT_ISSUED_ON_FIELD, &self.passport_issued_on)?,
            division_code: open(DIVISION_CODE_FIELD, &self.division_code)?,
            passport_issued_by: open(PASSPORT_ISSUED_BY_FIELD, &self.passport_issued_by)?,
        };
        // Stored values passed validation when written; failing now means
        // the row was altered behind our back.
        personal::check(&draft, None).map_err(|_| ProfileError::Corrupt)
    }
}
