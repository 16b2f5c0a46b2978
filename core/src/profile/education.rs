//! Education: diplomas ([`Education`]) and additional education —
//! qualification upgrades and retraining ([`Additional`]). Drafts validated
//! as a whole, like the profile; stored sealed where the text is free;
//! versioned as history's entity `education` (both tables draw ids from one
//! sequence, so an id names one record).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use super::ProfileError;
use super::fields::{DateProblem, TextProblem, bounded_text, past_date, required};
use crate::UserId;
use crate::crypto::{RowKey, Vault};
use crate::drafts::Kind as DraftKind;
use crate::history::{self, Action, Actor, Change, Entity};

pub const INSTITUTION_FIELD: &str = "education.institution";
pub const SPECIALTY_FIELD: &str = "education.specialty";
pub const DIPLOMA_NUMBER_FIELD: &str = "education.diploma_number";
pub const ADDITIONAL_PROGRAMME_FIELD: &str = "additional_education.programme";

const INSTITUTION_CHARS: (usize, usize) = (3, 300);
const SPECIALTY_CHARS: (usize, usize) = (2, 200);
const PROGRAMME_CHARS: (usize, usize) = (3, 300);
const DIPLOMA_NUMBER_CHARS: (usize, usize) = (3, 30);
pub const MAX_HOURS: u32 = 10_000;

/// The level of a diploma, as Russian education law names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    /// Среднее профессиональное (a medical college).
    SecondaryVocational,
    /// Высшее — специалитет.
    Specialist,
    /// Ординатура.
    Residency,
    /// Магистратура.
    Master,
    /// Бакалавриат.
    Bachelor,
    /// Аспирантура.
    Postgraduate,
    /// Интернатура (until 2017).
    Internship,
}

impl EducationLevel {
    pub const ALL: [EducationLevel; 7] = [
        EducationLevel::SecondaryVocational,
        EducationLevel::Specialist,
        EducationLevel::Residency,
        EducationLevel::Master,
        EducationLevel::Bachelor,
        EducationLevel::Postgraduate,
        EducationLevel::Internship,
    ];

    /// Stored, and short enough for callback_data.
    pub fn as_str(self) -> &'static str {
        match self {
            EducationLevel::SecondaryVocational => "secondary_vocational",
            EducationLevel::Specialist => "specialist",
            EducationLevel::Residency => "residency",
            EducationLevel::Master => "master",
            EducationLevel::Bachelor => "bachelor",
            EducationLevel::Postgraduate => "postgraduate",
            EducationLevel::Internship => "internship",
        }
    }

    pub fn parse(text: &str) -> Option<EducationLevel> {
        EducationLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
    }
}

/// A diploma as typed; the level comes from a button.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EducationDraft {
    pub institution: Option<String>,
    pub specialty: Option<String>,
    pub level: Option<EducationLevel>,
    pub diploma_number: Option<String>,
    pub diploma_date: Option<String>,
    pub graduation_year: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EducationField {
    Institution,
    Specialty,
    Level,
    DiplomaNumber,
    DiplomaDate,
    GraduationYear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DiplomaNumberProblem {
    #[error("shorter than 3 characters")]
    TooShort,
    #[error("longer than 30 characters")]
    TooLong,
    #[error("only letters, digits, spaces, dashes and № are allowed")]
    InvalidCharacters,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum YearProblem {
    #[error("not a year")]
    Malformed,
    #[error("before 1900")]
    TooEarly,
    #[error("in the future")]
    InFuture,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EducationProblem {
    #[error("{0:?} is required")]
    Missing(EducationField),
    #[error("institution: {0}")]
    Institution(TextProblem),
    #[error("specialty: {0}")]
    Specialty(TextProblem),
    #[error("diploma number: {0}")]
    DiplomaNumber(DiplomaNumberProblem),
    #[error("diploma date: {0}")]
    DiplomaDate(DateProblem),
    /// A diploma is issued on graduation or later (a duplicate), never before.
    #[error("the diploma is dated before the graduation year")]
    DiplomaBeforeGraduation,
    #[error("graduation year: {0}")]
    GraduationYear(YearProblem),
}

impl EducationProblem {
    pub fn field(self) -> EducationField {
        match self {
            EducationProblem::Missing(field) => field,
            EducationProblem::Institution(_) => EducationField::Institution,
            EducationProblem::Specialty(_) => EducationField::Specialty,
            EducationProblem::DiplomaNumber(_) => EducationField::DiplomaNumber,
            EducationProblem::DiplomaDate(_) | EducationProblem::DiplomaBeforeGraduation => {
                EducationField::DiplomaDate
            }
            EducationProblem::GraduationYear(_) => EducationField::GraduationYear,
        }
    }
}

/// A valid diploma; only [`validate_education`] makes one.
#[derive(Clone, PartialEq, Eq)]
pub struct Education {
    institution: String,
    specialty: String,
    level: EducationLevel,
    diploma_number: String,
    diploma_date: NaiveDate,
    graduation_year: i32,
}

impl Education {
    pub fn institution(&self) -> &str {
        &self.institution
    }
    pub fn specialty(&self) -> &str {
        &self.specialty
    }
    pub fn level(&self) -> EducationLevel {
        self.level
    }
    pub fn diploma_number(&self) -> &str {
        &self.diploma_number
    }
    pub fn diploma_date(&self) -> NaiveDate {
        self.diploma_date
    }
    pub fn graduation_year(&self) -> i32 {
        self.graduation_year
    }

    /// Canonical text (ISO date); validates back to this very record.
    pub fn to_draft(&self) -> EducationDraft {
        EducationDraft {
            institution: Some(self.institution.clone()),
            specialty: Some(self.specialty.clone()),
            level: Some(self.level),
            diploma_number: Some(self.diploma_number.clone()),
            diploma_date: Some(self.diploma_date.to_string()),
            graduation_year: Some(self.graduation_year.to_string()),
        }
    }
}

/// Checks every field as of `today` and returns the diploma, or every
/// problem found.
pub fn validate_education(
    draft: &EducationDraft,
    today: NaiveDate,
) -> Result<Education, Vec<EducationProblem>> {
    check_education(draft, Some(today))
}

fn check_education(
    draft: &EducationDraft,
    today: Option<NaiveDate>,
) -> Result<Education, Vec<EducationProblem>> {
    let mut problems = Vec::new();
    let institution = required(
        &mut problems,
        &draft.institution,
        EducationProblem::Missing(EducationField::Institution),
    );
    let specialty = required(
        &mut problems,
        &draft.specialty,
        EducationProblem::Missing(EducationField::Specialty),
    );
    let diploma_number = required(
        &mut problems,
        &draft.diploma_number,
        EducationProblem::Missing(EducationField::DiplomaNumber),
    );
    let diploma_date = required(
        &mut problems,
        &draft.diploma_date,
        EducationProblem::Missing(EducationField::DiplomaDate),
    );
    let graduation_year = required(
        &mut problems,
        &draft.graduation_year,
        EducationProblem::Missing(EducationField::GraduationYear),
    );
    if draft.level.is_none() {
        problems.push(EducationProblem::Missing(EducationField::Level));
    }

    let institution = institution.and_then(|value| {
        bounded_text(value, INSTITUTION_CHARS.0, INSTITUTION_CHARS.1)
            .map_err(|e| problems.push(EducationProblem::Institution(e)))
            .ok()
    });
    let specialty = specialty.and_then(|value| {
        bounded_text(value, SPECIALTY_CHARS.0, SPECIALTY_CHARS.1)
            .map_err(|e| problems.push(EducationProblem::Specialty(e)))
            .ok()
    });
    let diploma_number = diploma_number.and_then(|value| {
        parse_diploma_number(value)
            .map_err(|e| problems.push(EducationProblem::DiplomaNumber(e)))
            .ok()
    });
    let graduation_year = graduation_year.and_then(|value| {
        parse_year(value, today)
            .map_err(|e| problems.push(EducationProblem::GraduationYear(e)))
            .ok()
    });
    let diploma_date = diploma_date.and_then(|value| {
        let date = past_date(value, today)
            .map_err(|e| problems.push(EducationProblem::DiplomaDate(e)))
            .ok()?;
        if graduation_year.is_some_and(|year| date.year() < year) {
            problems.push(EducationProblem::DiplomaBeforeGraduation);
            return None;
        }
        Some(date)
    });

    match (
        institution,
        specialty,
        draft.level,
        diploma_number,
        diploma_date,
        graduation_year,
    ) {
        (
            Some(institution),
            Some(specialty),
            Some(level),
            Some(diploma_number),
            Some(diploma_date),
            Some(graduation_year),
        ) if problems.is_empty() => Ok(Education {
            institution,
            specialty,
            level,
            diploma_number,
            diploma_date,
            graduation_year,
        }),
        _ => Err(problems),
    }
}

/// Diplomas are numbered `107724 0012345`, `ВСГ 1234567`, `АВС №0123456`:
/// letters, digits, spaces, dashes and №. Inner runs of spaces become one.
fn parse_diploma_number(input: &str) -> Result<String, DiplomaNumberProblem> {
    let normalised = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if !normalised
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '№')
    {
        return Err(DiplomaNumberProblem::InvalidCharacters);
    }
    let chars = normalised.chars().count();
    if chars < DIPLOMA_NUMBER_CHARS.0 {
        return Err(DiplomaNumberProblem::TooShort);
    }
    if chars > DIPLOMA_NUMBER_CHARS.1 {
        return Err(DiplomaNumberProblem::TooLong);
    }
    Ok(normalised)
}

fn parse_year(input: &str, today: Option<NaiveDate>) -> Result<i32, YearProblem> {
    let input = input.trim();
    if input.len() != 4 || !input.bytes().all(|b| b.is_ascii_digit()) {
        return Err(YearProblem::Malformed);
    }
    let year: i32 = input.parse().map_err(|_| YearProblem::Malformed)?;
    if year < super::fields::EARLIEST_DATE.year() {
        return Err(YearProblem::TooEarly);
    }
    if today.is_some_and(|today| year > today.year()) {
        return Err(YearProblem::InFuture);
    }
    Ok(year)
}

/// A programme of additional education as typed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdditionalDraft {
    pub programme: Option<String>,
    pub hours: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdditionalField {
    Programme,
    Hours,
    StartsOn,
    EndsOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HoursProblem {
    #[error("not a whole number of hours")]
    Malformed,
    #[error("zero hours")]
    Zero,
    #[error("more than 10000 hours")]
    TooMany,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AdditionalProblem {
    #[error("{0:?} is required")]
    Missing(AdditionalField),
    #[error("programme: {0}")]
    Programme(TextProblem),
    #[error("hours: {0}")]
    Hours(HoursProblem),
    #[error("start date: {0}")]
    StartsOn(DateProblem),
    #[error("end date: {0}")]
    EndsOn(DateProblem),
    #[error("the programme ends before it starts")]
    EndsBeforeStart,
}

impl AdditionalProblem {
    pub fn field(self) -> AdditionalField {
        match self {
            AdditionalProblem::Missing(field) => field,
            AdditionalProblem::Programme(_) => AdditionalField::Programme,
            AdditionalProblem::Hours(_) => AdditionalField::Hours,
            AdditionalProblem::StartsOn(_) => AdditionalField::StartsOn,
            AdditionalProblem::EndsOn(_) | AdditionalProblem::EndsBeforeStart => {
                AdditionalField::EndsOn
            }
        }
    }
}

/// A valid programme of additional education; only [`validate_additional`]
/// makes one.
#[derive(Clone, PartialEq, Eq)]
pub struct Additional {
    programme: String,
    hours: u32,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

impl Additional {
    pub fn programme(&self) -> &str {
        &self.programme
    }
    pub fn hours(&self) -> u32 {
        self.hours
    }
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }
    pub fn ends_on(&self) -> NaiveDate {
        self.ends_on
    }

    pub fn to_draft(&self) -> AdditionalDraft {
        AdditionalDraft {
            programme: Some(self.programme.clone()),
            hours: Some(self.hours.to_string()),
            starts_on: Some(self.starts_on.to_string()),
            ends_on: Some(self.ends_on.to_string()),
        }
    }
}

/// Checks every field as of `today`: hours in 1..=10000, both dates past
/// (a programme is recorded once finished), the end not before the start.
pub fn validate_additional(
    draft: &AdditionalDraft,
    today: NaiveDate,
) -> Result<Additional, Vec<AdditionalProblem>> {
    check_additional(draft, Some(today))
}

fn check_additional(
    draft: &AdditionalDraft,
    today: Option<NaiveDate>,
) -> Result<Additional, Vec<AdditionalProblem>> {
    let mut problems = Vec::new();
    let programme = required(
        &mut problems,
        &draft.programme,
        AdditionalProblem::Missing(AdditionalField::Programme),
    );
    let hours = required(
        &mut problems,
        &draft.hours,
        AdditionalProblem::Missing(AdditionalField::Hours),
    );
    let starts_on = required(
        &mut problems,
        &draft.starts_on,
        AdditionalProblem::Missing(AdditionalField::StartsOn),
    );
    let ends_on = required(
        &mut problems,
        &draft.ends_on,
        AdditionalProblem::Missing(AdditionalField::EndsOn),
    );

    let programme = programme.and_then(|value| {
        bounded_text(value, PROGRAMME_CHARS.0, PROGRAMME_CHARS.1)
            .map_err(|e| problems.push(AdditionalProblem::Programme(e)))
            .ok()
    });
    let hours = hours.and_then(|value| {
        parse_hours(value)
            .map_err(|e| problems.push(AdditionalProblem::Hours(e)))
            .ok()
    });
    let starts_on = starts_on.and_then(|value| {
        past_date(value, today)
            .map_err(|e| problems.push(AdditionalProblem::StartsOn(e)))
            .ok()
    });
    let ends_on = ends_on.and_then(|value| {
        let date = past_date(value, today)
            .map_err(|e| problems.push(AdditionalProblem::EndsOn(e)))
            .ok()?;
        if starts_on.is_some_and(|start| date < start) {
            problems.push(AdditionalProblem::EndsBeforeStart);
            return None;
        }
        Some(date)
    });

    match (programme, hours, starts_on, ends_on) {
        (Some(programme), Some(hours), Some(starts_on), Some(ends_on)) if problems.is_empty() => {
            Ok(Additional {
                programme,
                hours,
                starts_on,
                ends_on,
            })
        }
        _ => Err(problems),
    }
}

fn parse_hours(input: &str) -> Result<u32, HoursProblem> {
    let input = input.trim();
    if input.is_empty() || !input.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HoursProblem::Malformed);
    }
    // All digits: only overflow can fail, and that is too many anyway.
    let hours = input.parse::<u32>().unwrap_or(u32::MAX);
    match hours {
        0 => Err(HoursProblem::Zero),
        h if h > MAX_HOURS => Err(HoursProblem::TooMany),
        h => Ok(h),
    }
}

/// A stored diploma and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EducationRecord {
    pub id: i64,
    pub education: Education,
}

/// A stored programme and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdditionalRecord {
    pub id: i64,
    pub additional: Additional,
}

/// A draft as history keeps it: marked with the table it came from, since
/// diplomas and programmes are one entity (`education`) there.
trait Versioned: Serialize {
    const KIND: &'static str;

    fn snapshot(&self) -> Value {
        let mut value = serde_json::to_value(self).expect("a draft always serialises to JSON");
        value["kind"] = Value::from(Self::KIND);
        value
    }
}

impl Versioned for EducationDraft {
    const KIND: &'static str = "education";
}

impl Versioned for AdditionalDraft {
    const KIND: &'static str = "additional";
}

/// An id for a new diploma or programme (both tables share the sequence),
/// taken before the INSERT so the sealed columns can be bound to it.
async fn next_id(tx: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT nextval('education_ids') AS "id!""#)
        .fetch_one(tx)
        .await
}

/// Who writes to whose diplomas and programmes, and when: what every
/// write's version records besides the record and the action.
#[derive(Clone, Copy)]
struct Writer<'a> {
    vault: &'a Vault,
    owner_id: UserId,
    actor: Actor,
    now: DateTime<Utc>,
}

impl<'a> Writer<'a> {
    fn new(vault: &'a Vault, owner_id: UserId, actor: Actor, now: DateTime<Utc>) -> Self {
        Writer {
            vault,
            owner_id,
            actor,
            now,
        }
    }

    /// The last step of every write: the record's version (the draft as it
    /// now stands, or as it stood for a deletion), then the commit, so the
    /// row and its history change together.
    async fn commit(
        self,
        mut tx: Transaction<'_, Postgres>,
        id: i64,
        action: Action,
        draft: &impl Versioned,
    ) -> Result<(), ProfileError> {
        let snapshot = draft.snapshot();
        let change = Change {
            owner_id: self.owner_id,
            entity: Entity::Education,
            entity_id: id,
            actor: self.actor,
            action,
            snapshot: &snapshot,
        };
        history::record(&mut tx, self.vault, change, self.now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A diploma's free-text columns, sealed to its row.
struct SealedEducation {
    institution: Vec<u8>,
    specialty: Vec<u8>,
    diploma_number: Vec<u8>,
}

impl Education {
    fn seal(&self, vault: &Vault, id: i64) -> SealedEducation {
        let row = RowKey::id(id);
        SealedEducation {
            institution: vault.seal_str(INSTITUTION_FIELD, &row, &self.institution),
            specialty: vault.seal_str(SPECIALTY_FIELD, &row, &self.specialty),
            diploma_number: vault.seal_str(DIPLOMA_NUMBER_FIELD, &row, &self.diploma_number),
        }
    }
}

impl Additional {
    /// The programme's one free-text column, sealed to its row.
    fn seal(&self, vault: &Vault, id: i64) -> Vec<u8> {
        vault.seal_str(ADDITIONAL_PROGRAMME_FIELD, &RowKey::id(id), &self.programme)
    }
}

/// Adds a diploma and its first version; returns its id. `from_draft`:
/// the draft it was filled in, consumed in the same transaction
/// ([`ProfileError::DraftGone`] when it is not there to consume).
pub async fn add_education(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    education: &Education,
    actor: Actor,
    now: DateTime<Utc>,
    from_draft: Option<DraftKind>,
) -> Result<i64, ProfileError> {
    let mut tx = db.begin().await?;
    if let Some(kind) = from_draft
        && !crate::drafts::consume(&mut *tx, owner_id, kind).await?
    {
        return Err(ProfileError::DraftGone);
    }
    // The id is taken first: the sealed columns are bound to it.
    let id = next_id(&mut tx).await?;
    let sealed = education.seal(vault, id);
    sqlx::query!(
        r#"
        INSERT INTO education (id, owner_id, institution, specialty, level, diploma_number,
                               diploma_date, graduation_year, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
        "#,
        id,
        owner_id.get(),
        sealed.institution,
        sealed.specialty,
        education.level.as_str(),
        sealed.diploma_number,
        education.diploma_date,
        education.graduation_year,
        now,
    )
    .execute(&mut *tx)
    .await?;
    Writer::new(vault, owner_id, actor, now)
        .commit(tx, id, Action::Created, &education.to_draft())
        .await?;
    Ok(id)
}

/// Replaces one of the practitioner's diplomas; `false` when there is no
/// such diploma of theirs.
pub async fn update_education(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    education: &Education,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, ProfileError> {
    let mut tx = db.begin().await?;
    let sealed = education.seal(vault, id);
    let updated = sqlx::query!(
        r#"
        UPDATE education SET institution = $3, specialty = $4, level = $5, diploma_number = $6,
                             diploma_date = $7, graduation_year = $8, updated_at = $9
        WHERE id = $1 AND owner_id = $2
        "#,
        id,
        owner_id.get(),
        sealed.institution,
        sealed.specialty,
        education.level.as_str(),
        sealed.diploma_number,
        education.diploma_date,
        education.graduation_year,
        now,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    Writer::new(vault, owner_id, actor, now)
        .commit(tx, id, Action::Updated, &education.to_draft())
        .await?;
    Ok(true)
}

/// Deletes one of the practitioner's diplomas; its versions stay (the last
/// one, `Deleted`, holds what it was) until /forget. `false` when there is
/// no such diploma of theirs.
pub async fn delete_education(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, ProfileError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query_as!(
        EducationRow,
        r#"
        DELETE FROM education WHERE id = $1 AND owner_id = $2
        RETURNING id, institution, specialty, level, diploma_number, diploma_date, graduation_year
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let deleted = row.open(vault)?;
    Writer::new(vault, owner_id, actor, now)
        .commit(tx, id, Action::Deleted, &deleted.education.to_draft())
        .await?;
    Ok(true)
}

/// One of the practitioner's diplomas; someone else's id is `None`.
pub async fn get_education(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
) -> Result<Option<EducationRecord>, ProfileError> {
    let row = sqlx::query_as!(
        EducationRow,
        r#"
        SELECT id, institution, specialty, level, diploma_number, diploma_date, graduation_year
        FROM education WHERE id = $1 AND owner_id = $2
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| row.open(vault)).transpose()
}

/// The practitioner's diplomas, by graduation year, then as added.
pub async fn list_education(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Vec<EducationRecord>, ProfileError> {
    let rows = sqlx::query_as!(
        EducationRow,
        r#"
        SELECT id, institution, specialty, level, diploma_number, diploma_date, graduation_year
        FROM education WHERE owner_id = $1
        ORDER BY graduation_year, id
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|row| row.open(vault)).collect()
}

struct EducationRow {
    id: i64,
    institution: Vec<u8>,
    specialty: Vec<u8>,
    level: String,
    diploma_number: Vec<u8>,
    diploma_date: NaiveDate,
    graduation_year: i32,
}

impl EducationRow {
    fn open(self, vault: &Vault) -> Result<EducationRecord, ProfileError> {
        let row = RowKey::id(self.id);
        let draft = EducationDraft {
            institution: Some(vault.open_str(INSTITUTION_FIELD, &row, &self.institution)?),
            specialty: Some(vault.open_str(SPECIALTY_FIELD, &row, &self.specialty)?),
            level: Some(EducationLevel::parse(&self.level).ok_or(ProfileError::Corrupt)?),
            diploma_number: Some(vault.open_str(
                DIPLOMA_NUMBER_FIELD,
                &row,
                &self.diploma_number,
            )?),
            diploma_date: Some(self.diploma_date.to_string()),
            graduation_year: Some(self.graduation_year.to_string()),
        };
        let education = check_education(&draft, None).map_err(|_| ProfileError::Corrupt)?;
        Ok(EducationRecord {
            id: self.id,
            education,
        })
    }
}

/// Adds a programme of additional education and its first version; returns
/// its id. `from_draft`: the draft it was filled in, consumed in the same
/// transaction ([`ProfileError::DraftGone`] when it is not there).
pub async fn add_additional(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    additional: &Additional,
    actor: Actor,
    now: DateTime<Utc>,
    from_draft: Option<DraftKind>,
) -> Result<i64, ProfileError> {
    let mut tx = db.begin().await?;
    if let Some(kind) = from_draft
        && !crate::drafts::consume(&mut *tx, owner_id, kind).await?
    {
        return Err(ProfileError::DraftGone);
    }
    // The id is taken first: the sealed column is bound to it.
    let id = next_id(&mut tx).await?;
    sqlx::query!(
        r#"
        INSERT INTO additional_education (id, owner_id, programme, hours, starts_on, ends_on,
                                          created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
        "#,
        id,
        owner_id.get(),
        additional.seal(vault, id),
        hours_column(additional.hours),
        additional.starts_on,
        additional.ends_on,
        now,
    )
    .execute(&mut *tx)
    .await?;
    Writer::new(vault, owner_id, actor, now)
        .commit(tx, id, Action::Created, &additional.to_draft())
        .await?;
    Ok(id)
}

/// Replaces one of the practitioner's programmes; `false` when there is no
/// such programme of theirs.
pub async fn update_additional(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    additional: &Additional,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, ProfileError> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query!(
        r#"
        UPDATE additional_education SET programme = $3, hours = $4, starts_on = $5, ends_on = $6,
                                        updated_at = $7
        WHERE id = $1 AND owner_id = $2
        "#,
        id,
        owner_id.get(),
        additional.seal(vault, id),
        hours_column(additional.hours),
        additional.starts_on,
        additional.ends_on,
        now,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    Writer::new(vault, owner_id, actor, now)
        .commit(tx, id, Action::Updated, &additional.to_draft())
        .await?;
    Ok(true)
}

/// Deletes one of the practitioner's programmes (see [`delete_education`]).
pub async fn delete_additional(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, ProfileError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query_as!(
        AdditionalRow,
        r#"
        DELETE FROM additional_education WHERE id = $1 AND owner_id = $2
        RETURNING id, programme, hours, starts_on, ends_on
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let deleted = row.open(vault)?;
    Writer::new(vault, owner_id, actor, now)
        .commit(tx, id, Action::Deleted, &deleted.additional.to_draft())
        .await?;
    Ok(true)
}

/// One of the practitioner's programmes; someone else's id is `None`.
pub async fn get_additional(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
) -> Result<Option<AdditionalRecord>, ProfileError> {
    let row = sqlx::query_as!(
        AdditionalRow,
        r#"
        SELECT id, programme, hours, starts_on, ends_on
        FROM additional_education WHERE id = $1 AND owner_id = $2
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| row.open(vault)).transpose()
}

/// The practitioner's programmes, by end date, then as added.
pub async fn list_additional(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Vec<AdditionalRecord>, ProfileError> {
    let rows = sqlx::query_as!(
        AdditionalRow,
        r#"
        SELECT id, programme, hours, starts_on, ends_on
        FROM additional_education WHERE owner_id = $1
        ORDER BY ends_on, id
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|row| row.open(vault)).collect()
}

fn hours_column(hours: u32) -> i32 {
    i32::try_from(hours).expect("validated hours are at most 10000")
}

struct AdditionalRow {
    id: i64,
    programme: Vec<u8>,
    hours: i32,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

impl AdditionalRow {
    fn open(self, vault: &Vault) -> Result<AdditionalRecord, ProfileError> {
        let draft = AdditionalDraft {
            programme: Some(vault.open_str(
                ADDITIONAL_PROGRAMME_FIELD,
                &RowKey::id(self.id),
                &self.programme,
            )?),
            hours: Some(self.hours.to_string()),
            starts_on: Some(self.starts_on.to_string()),
            ends_on: Some(self.ends_on.to_string()),
        };
        let additional = check_additional(&draft, None).map_err(|_| ProfileError::Corrupt)?;
        Ok(AdditionalRecord {
            id: self.id,
            additional,
        })
    }
}

// Redacted: a diploma number or a programme in a log line is personal data.
impl fmt::Debug for Education {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Education")
            .field("level", &self.level)
            .field("graduation_year", &self.graduation_year)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for EducationDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EducationDraft(<redacted>)")
    }
}

impl fmt::Debug for Additional {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Additional")
            .field("hours", &self.hours)
            .field("starts_on", &self.starts_on)
            .field("ends_on", &self.ends_on)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AdditionalDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdditionalDraft(<redacted>)")
    }
}
