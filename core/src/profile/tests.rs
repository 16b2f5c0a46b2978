//! The profile's and education's rules, and their storage: sealed at rest,
//! versioned, restored, read and changed only by their owner, erased.

use crate::dates::test_date as date;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use super::*;
use crate::UserId;
use crate::domain::{DivisionCodeError, EmailError, InnError, PassportError, PersonNameError};
use crate::history::Actor;
use crate::{DataKey, accounts, erasure};

const ANNA: UserId = UserId::from_stored(1001);
const BORIS: UserId = UserId::from_stored(2002);

const NAME: &str = "Иванова Анна Сергеевна";
const ADDRESS: &str = "г. Москва, ул. Тверская, д. 1, кв. 2";
const EMAIL: &str = "anna.ivanova@example.ru";
const INN: &str = "500100732259";
const PASSPORT: &str = "4510 123456";
const ISSUED_BY: &str = "ОВД района Тверской г. Москвы";
const DIPLOMA: &str = "107724 0012345";
const INSTITUTION: &str = "Первый МГМУ им. И. М. Сеченова";

fn vault() -> Vault {
    Vault::new(&DataKey::generate())
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
        .unwrap()
        .to_utc()
}

fn today() -> NaiveDate {
    date(2026, 11, 25)
}

fn draft() -> ProfileDraft {
    ProfileDraft {
        full_name: Some(NAME.into()),
        birth_date: Some("15.03.1985".into()),
        address: Some(ADDRESS.into()),
        email: Some(EMAIL.into()),
        inn: Some(INN.into()),
        passport: Some(PASSPORT.into()),
        passport_issued_on: Some("20.03.2005".into()),
        division_code: Some("770-001".into()),
        passport_issued_by: Some(ISSUED_BY.into()),
    }
}

fn with(field: ProfileField, value: &str) -> ProfileDraft {
    let mut draft = draft();
    *field.slot(&mut draft) = Some(value.into());
    draft
}

fn problems(draft: &ProfileDraft) -> Vec<ProfileProblem> {
    validate(draft, today()).expect_err("the draft should be refused")
}

fn profile() -> Profile {
    validate(&draft(), today()).unwrap()
}

// ---- the profile's rules ----

#[test]
fn a_complete_draft_validates_into_canonical_values() {
    let profile = profile();
    assert_eq!(profile.full_name().full(), NAME);
    assert_eq!(profile.birth_date(), date(1985, 3, 15));
    assert_eq!(profile.address(), ADDRESS);
    assert_eq!(profile.email().unwrap().as_str(), EMAIL);
    assert_eq!(profile.inn().unwrap().digits(), INN);
    assert_eq!(profile.passport().digits(), "4510123456");
    assert_eq!(profile.passport_issued_on(), date(2005, 3, 20));
    assert_eq!(profile.division_code().digits(), "770001");
    assert_eq!(profile.passport_issued_by(), ISSUED_BY);
    // The canonical draft validates back to the same profile.
    assert_eq!(validate(&profile.to_draft(), today()).unwrap(), profile);
}

#[test]
fn email_and_inn_are_optional_and_blank_is_not_given() {
    let mut draft = draft();
    draft.email = None;
    draft.inn = Some("  ".into());
    let profile = validate(&draft, today()).unwrap();
    assert_eq!(profile.email(), None);
    assert_eq!(profile.inn(), None);
}

#[test]
fn an_empty_draft_lists_every_required_field_in_order() {
    let missing: Vec<ProfileField> = ProfileField::ALL
        .into_iter()
        .filter(|field| field.is_required())
        .collect();
    assert_eq!(missing.len(), 7);
    assert_eq!(
        problems(&ProfileDraft::default()),
        missing
            .iter()
            .map(|field| ProfileProblem::Missing(*field))
            .collect::<Vec<_>>()
    );
    // Blank is missing too, not "too short".
    assert_eq!(
        problems(&with(ProfileField::Address, " \n ")),
        [ProfileProblem::Missing(ProfileField::Address)]
    );
}

#[test]
fn every_problem_names_its_field() {
    use ProfileField as F;
    use ProfileProblem as P;
    let cases = [
        (
            F::FullName,
            "Иванова 123",
            P::FullName(PersonNameError::InvalidCharacters),
        ),
        (
            F::FullName,
            "Иванова",
            P::FullName(PersonNameError::TooFewParts),
        ),
        (
            F::BirthDate,
            "31.02.1985",
            P::BirthDate(DateProblem::NoSuchDate),
        ),
        (
            F::BirthDate,
            "26.11.2026",
            P::BirthDate(DateProblem::InFuture),
        ),
        (
            F::BirthDate,
            "31.12.1899",
            P::BirthDate(DateProblem::TooEarly),
        ),
        (
            F::Address,
            " ул.1 ",
            P::Address(TextProblem::TooShort { min: 5 }),
        ),
        (
            F::Address,
            &"д".repeat(301),
            P::Address(TextProblem::TooLong { max: 300 }),
        ),
        (F::Email, "anna@", P::Email(EmailError::Malformed)),
        (F::Inn, "500100732258", P::Inn(InnError::Checksum)),
        (F::Inn, "5001x0073", P::Inn(InnError::InvalidCharacters)),
        (
            F::Passport,
            "4510 12345",
            P::Passport(PassportError::WrongLength { digits: 9 }),
        ),
        (
            F::Passport,
            "4510 12345x",
            P::Passport(PassportError::InvalidCharacters),
        ),
        (
            F::PassportIssuedOn,
            "2005/03/20",
            P::PassportIssuedOn(DateProblem::Malformed),
        ),
        (
            F::PassportIssuedOn,
            "26.11.2026",
            P::PassportIssuedOn(DateProblem::InFuture),
        ),
        (
            F::PassportIssuedOn,
            "14.03.1999",
            P::PassportIssuedTooYoung {
                earliest: date(1999, 3, 15),
            },
        ),
        (
            F::DivisionCode,
            "770-0011",
            P::DivisionCode(DivisionCodeError::WrongLength { digits: 7 }),
        ),
        (
            F::DivisionCode,
            "770/001",
            P::DivisionCode(DivisionCodeError::InvalidCharacters),
        ),
        (
            F::PassportIssuedBy,
            " ОВ ",
            P::PassportIssuedBy(TextProblem::TooShort { min: 3 }),
        ),
        (
            F::PassportIssuedBy,
            &"О".repeat(201),
            P::PassportIssuedBy(TextProblem::TooLong { max: 200 }),
        ),
    ];
    for (field, value, expected) in cases {
        assert_eq!(problems(&with(field, value)), [expected], "{value:?}");
        assert_eq!(expected.field(), field);
    }
    // The bounds themselves are accepted.
    assert!(validate(&with(F::Address, "ул. 1"), today()).is_ok());
    assert!(validate(&with(F::Address, &"д".repeat(300)), today()).is_ok());
    assert!(validate(&with(F::PassportIssuedBy, "ОВД"), today()).is_ok());
    assert!(validate(&with(F::PassportIssuedBy, &"О".repeat(200)), today()).is_ok());
}

#[test]
fn validate_returns_all_problems_at_once() {
    let bad = ProfileDraft {
        full_name: Some("Иванова".into()),
        birth_date: Some("завтра".into()),
        address: Some("ул".into()),
        email: Some("@".into()),
        inn: Some("123".into()),
        passport: Some("45".into()),
        passport_issued_on: Some("01.01.2030".into()),
        division_code: Some("7".into()),
        passport_issued_by: Some("О".into()),
    };
    let found = problems(&bad);
    assert_eq!(found.len(), 9, "{found:?}");
    assert_eq!(
        found.iter().map(|p| p.field()).collect::<Vec<_>>(),
        ProfileField::ALL
    );
    // Missing and invalid fields are reported together, in field order.
    let mut mixed = with(ProfileField::Inn, "1");
    mixed.full_name = None;
    mixed.passport_issued_by = None;
    assert_eq!(
        problems(&mixed),
        [
            ProfileProblem::Missing(ProfileField::FullName),
            ProfileProblem::Inn(InnError::WrongLength { digits: 1 }),
            ProfileProblem::Missing(ProfileField::PassportIssuedBy),
        ]
    );
}

#[test]
fn passport_is_issued_at_14_at_the_earliest() {
    // On the 14th birthday: allowed; the day before: not.
    let born = with(ProfileField::BirthDate, "15.03.1985");
    let mut on_birthday = born.clone();
    on_birthday.passport_issued_on = Some("15.03.1999".into());
    assert!(validate(&on_birthday, today()).is_ok());
    let mut day_before = born;
    day_before.passport_issued_on = Some("14.03.1999".into());
    assert_eq!(
        problems(&day_before),
        [ProfileProblem::PassportIssuedTooYoung {
            earliest: date(1999, 3, 15)
        }]
    );
    // Born on 29 February: 14 on 28 February of a common year (ГК ст. 192).
    assert_eq!(passport_age(date(2008, 2, 29)), Some(date(2022, 2, 28)));
    let mut leap = with(ProfileField::BirthDate, "29.02.2008");
    leap.passport_issued_on = Some("28.02.2022".into());
    assert!(validate(&leap, today()).is_ok());
    leap.passport_issued_on = Some("27.02.2022".into());
    assert_eq!(
        problems(&leap),
        [ProfileProblem::PassportIssuedTooYoung {
            earliest: date(2022, 2, 28)
        }]
    );
    // Issued today is fine; tomorrow is the future.
    assert!(validate(&with(ProfileField::PassportIssuedOn, "25.11.2026"), today()).is_ok());
    // A bad birth date is its own problem, not also an age problem.
    let mut unknown_birth = with(ProfileField::BirthDate, "99.99.1985");
    unknown_birth.passport_issued_on = Some("01.01.1986".into());
    assert_eq!(
        problems(&unknown_birth),
        [ProfileProblem::BirthDate(DateProblem::NoSuchDate)]
    );
}

#[test]
fn field_names_round_trip_and_debug_is_redacted() {
    for field in ProfileField::ALL {
        assert_eq!(ProfileField::parse(field.as_str()), Some(field));
    }
    assert_eq!(ProfileField::parse("name"), None);
    let printed = format!("{:?} {:?}", profile(), draft());
    for secret in [NAME, "4510", INN, EMAIL, "Тверская"] {
        assert!(!printed.contains(secret), "{printed}");
    }
}

// ---- education's rules ----

fn education_draft() -> EducationDraft {
    EducationDraft {
        institution: Some(INSTITUTION.into()),
        specialty: Some("Лечебное дело".into()),
        level: Some(EducationLevel::Specialist),
        diploma_number: Some(DIPLOMA.into()),
        diploma_date: Some("30.06.2008".into()),
        graduation_year: Some("2008".into()),
    }
}

fn education() -> Education {
    validate_education(&education_draft(), today()).unwrap()
}

fn additional_draft() -> AdditionalDraft {
    AdditionalDraft {
        programme: Some("Кардиология: современные подходы".into()),
        hours: Some("144".into()),
        starts_on: Some("01.02.2025".into()),
        ends_on: Some("28.02.2025".into()),
    }
}

fn additional() -> Additional {
    validate_additional(&additional_draft(), today()).unwrap()
}

#[test]
fn a_diploma_validates_and_round_trips() {
    let education = education();
    assert_eq!(education.institution(), INSTITUTION);
    assert_eq!(education.level(), EducationLevel::Specialist);
    assert_eq!(education.diploma_number(), DIPLOMA);
    assert_eq!(education.diploma_date(), date(2008, 6, 30));
    assert_eq!(education.graduation_year(), 2008);
    assert_eq!(
        validate_education(&education.to_draft(), today()).unwrap(),
        education
    );
    for level in EducationLevel::ALL {
        assert_eq!(EducationLevel::parse(level.as_str()), Some(level));
    }
}

#[test]
fn every_education_problem() {
    use EducationProblem as P;
    let all_missing = validate_education(&EducationDraft::default(), today()).unwrap_err();
    assert_eq!(all_missing.len(), 6);
    assert!(all_missing.contains(&P::Missing(EducationField::Level)));

    let bad = EducationDraft {
        institution: Some("МУ".into()),
        specialty: Some("Л".into()),
        level: Some(EducationLevel::Residency),
        diploma_number: Some("12".into()),
        diploma_date: Some("01.01.2027".into()),
        graduation_year: Some("08".into()),
    };
    let found = validate_education(&bad, today()).unwrap_err();
    assert_eq!(
        found,
        [
            P::Institution(TextProblem::TooShort { min: 3 }),
            P::Specialty(TextProblem::TooShort { min: 2 }),
            P::DiplomaNumber(DiplomaNumberProblem::TooShort),
            P::GraduationYear(YearProblem::Malformed),
            P::DiplomaDate(DateProblem::InFuture),
        ]
    );
    let one = |change: fn(&mut EducationDraft)| {
        let mut draft = education_draft();
        change(&mut draft);
        validate_education(&draft, today()).unwrap_err()
    };
    assert_eq!(
        one(|d| d.institution = Some("И".repeat(301))),
        [P::Institution(TextProblem::TooLong { max: 300 })]
    );
    assert_eq!(
        one(|d| d.diploma_number = Some("1".repeat(31))),
        [P::DiplomaNumber(DiplomaNumberProblem::TooLong)]
    );
    assert_eq!(
        one(|d| d.diploma_number = Some("107724/0012345".into())),
        [P::DiplomaNumber(DiplomaNumberProblem::InvalidCharacters)]
    );
    assert_eq!(
        one(|d| d.graduation_year = Some("1899".into())),
        [P::GraduationYear(YearProblem::TooEarly)]
    );
    assert_eq!(
        one(|d| d.graduation_year = Some("2027".into())),
        [P::GraduationYear(YearProblem::InFuture)]
    );
    assert_eq!(
        one(|d| d.diploma_date = Some("30.06.2007".into())),
        [P::DiplomaBeforeGraduation]
    );
    assert_eq!(
        P::DiplomaBeforeGraduation.field(),
        EducationField::DiplomaDate
    );
    // A duplicate issued years later is fine; spaces are normalised.
    let mut later = education_draft();
    later.diploma_date = Some("01.09.2015".into());
    later.diploma_number = Some(" ВСГ   №1234567 ".into());
    let later = validate_education(&later, today()).unwrap();
    assert_eq!(later.diploma_number(), "ВСГ №1234567");
}

#[test]
fn additional_education_hours_are_1_to_10000() {
    let hours = |text: &str| {
        let mut draft = additional_draft();
        draft.hours = Some(text.into());
        validate_additional(&draft, today()).map(|a| a.hours())
    };
    assert_eq!(hours("1"), Ok(1));
    assert_eq!(hours(" 10000 "), Ok(10_000));
    assert_eq!(
        hours("0"),
        Err(vec![AdditionalProblem::Hours(HoursProblem::Zero)])
    );
    for too_many in ["10001", "99999999999999"] {
        assert_eq!(
            hours(too_many),
            Err(vec![AdditionalProblem::Hours(HoursProblem::TooMany)])
        );
    }
    for malformed in ["-5", "1.5", "сто", "+7"] {
        assert_eq!(
            hours(malformed),
            Err(vec![AdditionalProblem::Hours(HoursProblem::Malformed)]),
            "{malformed:?}"
        );
    }
}

#[test]
fn additional_education_dates_are_past_and_ordered() {
    let dates = |start: &str, end: &str| {
        let mut draft = additional_draft();
        draft.starts_on = Some(start.into());
        draft.ends_on = Some(end.into());
        validate_additional(&draft, today()).map(|a| (a.starts_on(), a.ends_on()))
    };
    // One day, and ending today, are fine.
    assert_eq!(dates("25.11.2026", "25.11.2026"), Ok((today(), today())));
    assert_eq!(
        dates("02.02.2025", "01.02.2025"),
        Err(vec![AdditionalProblem::EndsBeforeStart])
    );
    assert_eq!(
        dates("20.11.2026", "26.11.2026"),
        Err(vec![AdditionalProblem::EndsOn(DateProblem::InFuture)])
    );
    assert_eq!(
        dates("26.11.2026", "27.11.2026"),
        Err(vec![
            AdditionalProblem::StartsOn(DateProblem::InFuture),
            AdditionalProblem::EndsOn(DateProblem::InFuture),
        ])
    );
    assert_eq!(
        AdditionalProblem::EndsBeforeStart.field(),
        AdditionalField::EndsOn
    );
    let all = validate_additional(
        &AdditionalDraft {
            programme: Some("ab".into()),
            hours: None,
            starts_on: Some("x".into()),
            ends_on: Some("01.01.1899".into()),
        },
        today(),
    )
    .unwrap_err();
    assert_eq!(
        all,
        [
            AdditionalProblem::Missing(AdditionalField::Hours),
            AdditionalProblem::Programme(TextProblem::TooShort { min: 3 }),
            AdditionalProblem::StartsOn(DateProblem::Malformed),
            AdditionalProblem::EndsOn(DateProblem::TooEarly),
        ]
    );
}

// ---- storage ----

async fn practitioners(db: &PgPool) {
    for id in [ANNA, BORIS] {
        accounts::open(db, id, now()).await.unwrap();
    }
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.contains(needle) || haystack.contains(&hex::encode(needle))
}

/// Every row of `table` as PostgreSQL prints it (bytea as hex).
async fn raw_rows(db: &PgPool, table: &str) -> String {
    // The table name is one of ours, never input.
    sqlx::query_scalar::<_, String>(&format!("SELECT t::text FROM {table} t"))
        .fetch_all(db)
        .await
        .unwrap()
        .join("\n")
}

/// The owner's profile, one diploma and one programme, each saved by the
/// owner: what the tests of sealing and erasure look for afterwards.
async fn store_everything(db: &PgPool, vault: &Vault, owner: UserId) {
    let actor = Actor::Practitioner(owner);
    save(db, vault, owner, &profile(), actor, now())
        .await
        .unwrap();
    add_education(db, vault, owner, &education(), actor, now(), None)
        .await
        .unwrap();
    add_additional(db, vault, owner, &additional(), actor, now(), None)
        .await
        .unwrap();
}

async fn count(db: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(ANNA)
        .fetch_one(db)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn save_and_get_round_trip_for_the_owner_only(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    assert_eq!(get(&db, &vault, ANNA).await.unwrap(), None);
    let version = save(
        &db,
        &vault,
        ANNA,
        &profile(),
        Actor::Practitioner(ANNA),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(version, 1);
    assert_eq!(get(&db, &vault, ANNA).await.unwrap(), Some(profile()));
    assert_eq!(get(&db, &vault, BORIS).await.unwrap(), None);
    // Another key does not open it.
    assert!(matches!(
        get(&db, &Vault::new(&DataKey::generate()), ANNA).await,
        Err(ProfileError::Crypto(_))
    ));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn personal_data_is_sealed_at_rest(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    store_everything(&db, &vault, ANNA).await;
    let mut raw = String::new();
    for table in ["profiles", "education", "additional_education", "history"] {
        raw.push_str(&raw_rows(&db, table).await);
    }
    assert!(raw.contains("specialist"), "the rows were not read");
    for secret in [
        "Иванова",
        "Анна",
        "4510123456",
        "123456",
        INN,
        EMAIL,
        "Тверская",
        "1985-03-15",
        "770001",
        DIPLOMA,
        "Сеченова",
        "Кардиология",
    ] {
        assert!(!contains(&raw, secret), "{secret:?} is stored in clear");
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn save_update_and_restore_record_numbered_versions(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let actor = Actor::Practitioner(ANNA);
    let original = profile();
    save(&db, &vault, ANNA, &original, actor, now())
        .await
        .unwrap();

    let moved = update_field(
        &db,
        &vault,
        ANNA,
        ProfileField::Address,
        Some("г. Казань, ул. Баумана, д. 5"),
        actor,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(moved.address(), "г. Казань, ул. Баумана, д. 5");
    let no_inn = update_field(&db, &vault, ANNA, ProfileField::Inn, None, actor, now())
        .await
        .unwrap();
    assert_eq!(no_inn.inn(), None);
    assert_eq!(no_inn.address(), moved.address());
    assert_eq!(get(&db, &vault, ANNA).await.unwrap(), Some(no_inn.clone()));

    // The same value again changes nothing and records nothing.
    update_field(&db, &vault, ANNA, ProfileField::Inn, None, actor, now())
        .await
        .unwrap();
    // An invalid edit is refused whole, and the profile stays as it was.
    let refused = update_field(
        &db,
        &vault,
        ANNA,
        ProfileField::BirthDate,
        Some("01.01.1995"),
        actor,
        now(),
    )
    .await;
    match refused {
        Err(ProfileError::Invalid(problems)) => assert_eq!(
            problems,
            [ProfileProblem::PassportIssuedTooYoung {
                earliest: date(2009, 1, 1)
            }]
        ),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(get(&db, &vault, ANNA).await.unwrap(), Some(no_inn.clone()));

    let restored = restore_profile(&db, &vault, ANNA, 1, actor, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(restored, original);
    assert_eq!(
        get(&db, &vault, ANNA).await.unwrap(),
        Some(original.clone())
    );

    let versions = profile_versions(&db, &vault, ANNA).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.action))
            .collect::<Vec<_>>(),
        [
            (1, Action::Created),
            (2, Action::Updated),
            (3, Action::Updated),
            (4, Action::Restored),
        ]
    );
    assert!(versions.iter().all(|v| v.actor == actor));
    // Each snapshot is the profile as it stood after that change.
    let snapshot = |i: usize| -> Profile {
        let draft: ProfileDraft = serde_json::from_value(versions[i].snapshot.clone()).unwrap();
        validate(&draft, today()).unwrap()
    };
    assert_eq!(snapshot(0), original);
    assert_eq!(snapshot(1), moved);
    assert_eq!(snapshot(2), no_inn);
    assert_eq!(snapshot(3), original);

    // Restoring a version that does not exist changes nothing.
    assert_eq!(
        restore_profile(&db, &vault, ANNA, 9, actor, now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(profile_versions(&db, &vault, ANNA).await.unwrap().len(), 4);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_edit_needs_a_saved_profile(db: PgPool) {
    practitioners(&db).await;
    let result = update_field(
        &db,
        &vault(),
        ANNA,
        ProfileField::Email,
        Some(EMAIL),
        Actor::Practitioner(ANNA),
        now(),
    )
    .await;
    assert!(matches!(result, Err(ProfileError::NotFound)), "{result:?}");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn another_owner_can_neither_read_nor_restore(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    save(
        &db,
        &vault,
        ANNA,
        &profile(),
        Actor::Practitioner(ANNA),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        restore_profile(&db, &vault, BORIS, 1, Actor::Practitioner(BORIS), now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(get(&db, &vault, BORIS).await.unwrap(), None);
    assert!(
        profile_versions(&db, &vault, BORIS)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(profile_versions(&db, &vault, ANNA).await.unwrap().len(), 1);
    assert_eq!(get(&db, &vault, ANNA).await.unwrap(), Some(profile()));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn education_crud_is_owner_only_and_versioned(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let anna = Actor::Practitioner(ANNA);
    let id = add_education(&db, &vault, ANNA, &education(), anna, now(), None)
        .await
        .unwrap();
    let programme = add_additional(&db, &vault, ANNA, &additional(), anna, now(), None)
        .await
        .unwrap();
    // One sequence: a diploma and a programme never share a history id.
    assert_ne!(id, programme);

    let record = get_education(&db, &vault, ANNA, id).await.unwrap().unwrap();
    assert_eq!(record.education, education());
    assert_eq!(get_education(&db, &vault, BORIS, id).await.unwrap(), None);
    assert_eq!(
        get_education(&db, &vault, ANNA, programme).await.unwrap(),
        None
    );
    assert!(list_education(&db, &vault, BORIS).await.unwrap().is_empty());
    assert_eq!(list_education(&db, &vault, ANNA).await.unwrap(), [record]);

    let mut residency = education_draft();
    residency.level = Some(EducationLevel::Residency);
    residency.specialty = Some("Кардиология".into());
    residency.graduation_year = Some("2010".into());
    residency.diploma_date = Some("31.08.2010".into());
    let residency = validate_education(&residency, today()).unwrap();
    let boris = Actor::Practitioner(BORIS);
    assert!(
        !update_education(&db, &vault, BORIS, id, &residency, boris, now())
            .await
            .unwrap()
    );
    assert!(
        !delete_education(&db, &vault, BORIS, id, boris, now())
            .await
            .unwrap()
    );
    assert!(
        update_education(&db, &vault, ANNA, id, &residency, anna, now())
            .await
            .unwrap()
    );
    assert_eq!(
        get_education(&db, &vault, ANNA, id)
            .await
            .unwrap()
            .unwrap()
            .education,
        residency
    );
    assert!(
        delete_education(&db, &vault, ANNA, id, anna, now())
            .await
            .unwrap()
    );
    assert_eq!(get_education(&db, &vault, ANNA, id).await.unwrap(), None);
    assert!(
        !delete_education(&db, &vault, ANNA, id, anna, now())
            .await
            .unwrap()
    );

    let versions = history::versions(&db, &vault, ANNA, Entity::Education, id)
        .await
        .unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.action, v.snapshot["kind"].as_str()))
            .collect::<Vec<_>>(),
        [
            (1, Action::Created, Some("education")),
            (2, Action::Updated, Some("education")),
            (3, Action::Deleted, Some("education")),
        ]
    );
    assert_eq!(versions[2].snapshot["specialty"], "Кардиология");

    // Additional education, the same way.
    let got = get_additional(&db, &vault, ANNA, programme)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.additional, additional());
    assert_eq!(
        get_additional(&db, &vault, BORIS, programme).await.unwrap(),
        None
    );
    let mut longer = additional_draft();
    longer.hours = Some("500".into());
    let longer = validate_additional(&longer, today()).unwrap();
    assert!(
        !update_additional(&db, &vault, BORIS, programme, &longer, boris, now())
            .await
            .unwrap()
    );
    assert!(
        update_additional(&db, &vault, ANNA, programme, &longer, anna, now())
            .await
            .unwrap()
    );
    assert_eq!(
        list_additional(&db, &vault, ANNA).await.unwrap()[0]
            .additional
            .hours(),
        500
    );
    assert!(
        list_additional(&db, &vault, BORIS)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !delete_additional(&db, &vault, BORIS, programme, boris, now())
            .await
            .unwrap()
    );
    assert!(
        delete_additional(&db, &vault, ANNA, programme, anna, now())
            .await
            .unwrap()
    );
    assert!(list_additional(&db, &vault, ANNA).await.unwrap().is_empty());
    let versions = history::versions(&db, &vault, ANNA, Entity::Education, programme)
        .await
        .unwrap();
    assert_eq!(
        versions.iter().map(|v| v.action).collect::<Vec<_>>(),
        [Action::Created, Action::Updated, Action::Deleted]
    );
    assert_eq!(versions[0].snapshot["kind"], "additional");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn forget_leaves_nothing(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    for owner in [ANNA, BORIS] {
        store_everything(&db, &vault, owner).await;
    }
    erasure::forget(&db, &vault, ANNA, now()).await.unwrap();
    for sql in [
        "SELECT count(*) FROM profiles WHERE telegram_user_id = $1",
        "SELECT count(*) FROM education WHERE owner_id = $1",
        "SELECT count(*) FROM additional_education WHERE owner_id = $1",
        "SELECT count(*) FROM history WHERE owner_id = $1",
    ] {
        assert_eq!(count(&db, sql).await, 0, "{sql}");
    }
    // Boris keeps his.
    assert_eq!(get(&db, &vault, BORIS).await.unwrap(), Some(profile()));
    assert_eq!(list_education(&db, &vault, BORIS).await.unwrap().len(), 1);

    // erase_owner does the same without the account going.
    let mut tx = db.begin().await.unwrap();
    assert_eq!(erase_owner(&mut tx, BORIS).await.unwrap(), 3);
    tx.commit().await.unwrap();
    assert_eq!(get(&db, &vault, BORIS).await.unwrap(), None);
    assert!(
        list_additional(&db, &vault, BORIS)
            .await
            .unwrap()
            .is_empty()
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_record_stored_from_its_draft_takes_the_draft_in_the_same_transaction(db: PgPool) {
    use crate::drafts::{self, Kind};
    practitioners(&db).await;
    let vault = vault();
    let anna = Actor::Practitioner(ANNA);
    drafts::save(&db, &vault, ANNA, Kind::Education, &"the answers", now())
        .await
        .unwrap();
    drafts::save(&db, &vault, ANNA, Kind::Profile, &"other answers", now())
        .await
        .unwrap();
    add_additional(
        &db,
        &vault,
        ANNA,
        &additional(),
        anna,
        now(),
        Some(Kind::Education),
    )
    .await
    .unwrap();
    // The same answers again (handled a second time after a crash) find
    // no draft to store.
    assert!(!drafts::exists(&db, ANNA, Kind::Education).await.unwrap());
    assert!(drafts::exists(&db, ANNA, Kind::Profile).await.unwrap());

    drafts::save(&db, &vault, ANNA, Kind::Education, &"a diploma", now())
        .await
        .unwrap();
    add_education(
        &db,
        &vault,
        ANNA,
        &education(),
        anna,
        now(),
        Some(Kind::Education),
    )
    .await
    .unwrap();
    assert!(!drafts::exists(&db, ANNA, Kind::Education).await.unwrap());
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn two_chats_saving_one_draft_at_once_store_it_once(db: PgPool) {
    use crate::drafts::{self, Kind};
    practitioners(&db).await;
    let vault = vault();
    let anna = Actor::Practitioner(ANNA);
    drafts::save(&db, &vault, ANNA, Kind::Education, &"the answers", now())
        .await
        .unwrap();
    // Telegram and Max press «Сохранить» at the same moment: the second
    // waits on the draft's row, then finds it taken and stores nothing.
    let record = additional();
    let save = || {
        add_additional(
            &db,
            &vault,
            ANNA,
            &record,
            anna,
            now(),
            Some(Kind::Education),
        )
    };
    let (first, second) = tokio::join!(save(), save());
    let outcomes = [first, second];
    assert_eq!(outcomes.iter().filter(|saved| saved.is_ok()).count(), 1);
    assert!(
        outcomes
            .iter()
            .any(|saved| matches!(saved, Err(ProfileError::DraftGone))),
        "{outcomes:?}"
    );
    assert_eq!(list_additional(&db, &vault, ANNA).await.unwrap().len(), 1);
    // Without a draft (given up on the other device), nothing is stored.
    assert!(matches!(save().await, Err(ProfileError::DraftGone)));
    assert_eq!(list_additional(&db, &vault, ANNA).await.unwrap().len(), 1);
}
