//! The imported register: CSV import and lookups against PostgreSQL.

use crate::dates::test_date as date;
use sqlx::PgPool;

use super::*;
use crate::DataKey;

const HEADER: &str = "snils,full_name,birth_date,phone,specialty,position,organisation,region,accreditation_number,accreditation_valid_until";
const ANNA: &str = "112-233-445 95,Иванова Анна Сергеевна,1985-03-14,+79991234567,Терапия,Врач-терапевт участковый,\"ГБУЗ \"\"ГП № 5\"\", филиал 2\",Москва,7724 031234567,2028-06-30";
const PETR: &str =
    "12345678964,Петров Пётр Петрович,02.11.1970,,Хирургия,Врач-хирург,ГКБ № 1,Тверская область,,";

fn vault() -> Vault {
    Vault::new(&DataKey::generate())
}

fn snils(text: &str) -> Snils {
    Snils::parse(text).unwrap()
}

async fn import(db: &PgPool, vault: &Vault, csv: &str) -> ImportReport {
    import_csv(db, vault, csv.as_bytes(), |_| {}).await.unwrap()
}

async fn count(db: &PgPool) -> i64 {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM registry_entries"#)
        .fetch_one(db)
        .await
        .unwrap()
}

fn local(db: &PgPool, vault: &Vault) -> Registry {
    Registry::Local {
        db: db.clone(),
        vault: vault.clone(),
    }
}

/// The entry of this СНИЛС, which the test expects to be there.
async fn found(db: &PgPool, vault: &Vault, snils_text: &str) -> RegistryEntry {
    local(db, vault)
        .find(&snils(snils_text))
        .await
        .unwrap()
        .expect("the entry is found")
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn good_rows_are_imported_and_each_bad_row_is_reported_by_line(db: PgPool) {
    let vault = vault();
    let csv = [
        HEADER,
        ANNA,                                                                       // 2
        "112-233-445 96,Сидоров Иван,1980-01-01,,Педиатрия,Врач,ДП № 3,Москва,,",   // 3
        "98765432183,Сидоров Иван,1980-01-01,12345,Педиатрия,Врач,ДП № 3,Москва,,", // 4
        "98765432183,Сидоров Иван,31.02.1980,,Педиатрия,Врач,ДП № 3,Москва,,",      // 5
        "98765432183,  ,1980-01-01,,Педиатрия,Врач,ДП № 3,Москва,,",                // 6
        "98765432183,Сидоров Иван,1980-01-01,,Педиатрия,Врач,ДП № 3,Москва",        // 7
        PETR,                                                                       // 8
        "44455566605,Смирнова Ольга,1990-07-01,,Неврология,Врач,\"ГКБ № 67\n  корпус 2\",Москва,,", // 9-10
        "11223344595,Иванова А. С.,1985-03-14,,Терапия,Врач,ГП № 5,Москва,,", // 11
        "98765432183,Сидоров Иван,1980-01-01,,Педиатрия,Врач,ДП № 3,Москва,,2027-13-01", // 12
    ]
    .join("\n");
    let report = import(&db, &vault, &csv).await;

    assert_eq!((report.inserted, report.updated), (3, 0));
    let lines: Vec<u64> = report.skipped.iter().map(|row| row.line).collect();
    // A row is reported by the line it starts on, even after a quoted
    // field that spans two lines.
    assert_eq!(lines, [3, 4, 5, 6, 7, 11, 12], "{:#?}", report.skipped);
    let reason = |line: u64| {
        let row = report.skipped.iter().find(|row| row.line == line).unwrap();
        row.reason.clone()
    };
    assert!(
        reason(3).starts_with("snils: ") && reason(3).contains("check"),
        "{}",
        reason(3)
    );
    assert!(reason(4).starts_with("phone: "), "{}", reason(4));
    assert!(
        reason(5).starts_with("birth_date: expected a date"),
        "{}",
        reason(5)
    );
    assert_eq!(reason(6), "full_name: required, but empty");
    assert_eq!(reason(7), "expected 10 fields, found 8");
    assert!(reason(11).contains("line 2"), "{}", reason(11));
    assert!(
        reason(12).starts_with("accreditation_valid_until: "),
        "{}",
        reason(12)
    );
    assert_eq!(count(&db).await, 3);

    let registry = local(&db, &vault);
    let anna = registry.find(&snils("11223344595")).await.unwrap().unwrap();
    assert_eq!(
        anna.full_name, "Иванова Анна Сергеевна",
        "the first row wins"
    );
    assert_eq!(anna.organisation, "ГБУЗ \"ГП № 5\", филиал 2");
    let petr = registry
        .find(&snils("123-456-789 64"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(petr.birth_date, date(1970, 11, 2));
    assert_eq!(petr.phone, None);
    assert_eq!(petr.accreditation_number, None);
    assert_eq!(petr.accreditation_valid_until, None);
    let olga = registry.find(&snils("44455566605")).await.unwrap().unwrap();
    assert_eq!(olga.organisation, "ГКБ № 67 корпус 2");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn find_gives_the_decrypted_entry_or_none(db: PgPool) {
    let vault = vault();
    import(&db, &vault, &format!("{HEADER}\n{ANNA}\n")).await;
    let registry = local(&db, &vault);

    let anna = registry
        .find(&snils("112 233 445 95"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        anna,
        RegistryEntry {
            snils: snils("11223344595"),
            full_name: "Иванова Анна Сергеевна".into(),
            birth_date: date(1985, 3, 14),
            phone: Some(PhoneNumber::parse("+79991234567").unwrap()),
            specialty: "Терапия".into(),
            position: "Врач-терапевт участковый".into(),
            organisation: "ГБУЗ \"ГП № 5\", филиал 2".into(),
            organisation_inn: None,
            organisation_ogrn: None,
            region: "Москва".into(),
            accreditation_number: Some("7724 031234567".into()),
            accreditation_valid_until: Some(date(2028, 6, 30)),
        }
    );
    assert_eq!(registry.find(&snils("12345678964")).await.unwrap(), None);

    // Another key: the index does not match, the entry is not found.
    assert_eq!(
        local(&db, &Vault::new(&DataKey::generate()))
            .find(&snils("11223344595"))
            .await
            .unwrap(),
        None
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn reimport_updates_the_entry_with_the_same_snils(db: PgPool) {
    let vault = vault();
    let first = import(&db, &vault, &format!("{HEADER}\n{ANNA}\n{PETR}\n")).await;
    assert_eq!((first.inserted, first.updated), (2, 0));

    let moved = PETR
        .replace("ГКБ № 1", "ГКБ № 67")
        .replace("Тверская область", "Москва");
    let fresh = "44455566605,Смирнова Ольга,1990-07-01,,Неврология,Врач-невролог,ГКБ № 67,Москва,,";
    let second = import(&db, &vault, &format!("{HEADER}\n{moved}\n{fresh}\n")).await;
    assert_eq!((second.inserted, second.updated), (1, 1));
    assert!(second.skipped.is_empty());
    assert_eq!(count(&db).await, 3, "no duplicates");

    let petr = found(&db, &vault, "12345678964").await;
    assert_eq!(
        (petr.organisation.as_str(), petr.region.as_str()),
        ("ГКБ № 67", "Москва")
    );

    // The same file again: nothing changed, so nothing is written (not even
    // sealed anew: the stored ciphertexts stay byte for byte).
    let before = rows(&db).await;
    let again = import(&db, &vault, &format!("{HEADER}\n{moved}\n{fresh}\n")).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!(count(&db).await, 3);
    assert_eq!(rows(&db).await, before);

    // One field changed: that row alone is written.
    let renamed = fresh.replace("Смирнова Ольга", "Смирнова-Орлова Ольга");
    let last = import(&db, &vault, &format!("{HEADER}\n{moved}\n{renamed}\n")).await;
    assert_eq!((last.inserted, last.updated, last.unchanged), (0, 1, 1));
    let after = rows(&db).await;
    assert_eq!(after.iter().filter(|row| before.contains(row)).count(), 2);
}

/// Every stored row, sealed columns and row versions (xmin) included.
async fn rows(db: &PgPool) -> Vec<String> {
    sqlx::query_scalar::<_, String>(
        "SELECT xmin::text || row_to_json(r)::text FROM registry_entries r ORDER BY id",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn excel_export_with_bom_semicolons_russian_header_and_crlf(db: PgPool) {
    let vault = vault();
    // Columns in another order than documented: they are matched by name.
    let csv = "\u{FEFF}ФИО;СНИЛС;Дата рождения;Телефон;Специальность;Должность;Организация;Регион;Номер аккредитации;Аккредитация действует до\r\n\
               Иванова Анна Сергеевна;112-233-445 95;14.03.1985;+79991234567;Терапия;Врач-терапевт;ГП № 5, филиал;Москва;7724 031234567;30.06.2028\r\n\
               Петров Пётр;123-456-789 65;02.11.1970;;Хирургия;Врач-хирург;ГКБ № 1;Москва;;\r\n\
               \r\n\
               ;;;;;;;;;\r\n";
    let report = import(&db, &vault, csv).await;
    assert_eq!((report.inserted, report.updated), (1, 0));
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].line, 3, "{:?}", report.skipped);
    assert!(
        report.skipped[0].reason.starts_with("СНИЛС: "),
        "reasons use the file's own column names: {}",
        report.skipped[0].reason
    );

    let anna = found(&db, &vault, "11223344595").await;
    assert_eq!(anna.full_name, "Иванова Анна Сергеевна");
    assert_eq!(anna.birth_date, date(1985, 3, 14));
    assert_eq!(anna.organisation, "ГП № 5, филиал");
    assert_eq!(anna.accreditation_valid_until, Some(date(2028, 6, 30)));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn nothing_personal_is_stored_in_clear(db: PgPool) {
    let vault = vault();
    import(&db, &vault, &format!("{HEADER}\n{ANNA}\n")).await;
    let row = sqlx::query!(
        "SELECT snils_index, snils, full_name, birth_date, phone_index, phone FROM registry_entries"
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let stored = [
        row.snils_index,
        row.snils,
        row.full_name,
        row.birth_date,
        row.phone_index.unwrap(),
        row.phone.unwrap(),
    ]
    .concat();
    // Also every text column, in case a value landed in the wrong place.
    let text: String = sqlx::query_scalar!(
        r#"SELECT concat_ws('|', specialty, position, organisation, region, accreditation_number) AS "t!" FROM registry_entries"#
    )
    .fetch_one(&db)
    .await
    .unwrap();
    for secret in [
        "11223344595",
        "112-233-445 95",
        "Иванова",
        "Анна",
        "1985-03-14",
        "14.03.1985",
        "+79991234567",
        "9991234567",
    ] {
        let found = stored
            .windows(secret.len())
            .any(|window| window == secret.as_bytes());
        assert!(!found, "{secret} is stored in clear");
        assert!(!text.contains(secret), "{secret} is in a clear column");
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_entry_that_does_not_open_is_corrupt(db: PgPool) {
    let vault = vault();
    import(&db, &vault, &format!("{HEADER}\n{ANNA}\n")).await;
    // A ciphertext moved to another column must not open there.
    sqlx::query!("UPDATE registry_entries SET full_name = phone")
        .execute(&db)
        .await
        .unwrap();
    let error = local(&db, &vault)
        .find(&snils("11223344595"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::Corrupt(m) if m.contains("full_name")),
        "{error}"
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_unrecognised_header_names_the_missing_columns_and_stores_nothing(db: PgPool) {
    let vault = vault();
    let csv = format!("snils,name,birth_date,specialty,position,organisation\n{ANNA}\n");
    let error = import_csv(&db, &vault, csv.as_bytes(), |_| {})
        .await
        .unwrap_err();
    match &error {
        ImportError::Header {
            missing, unknown, ..
        } => {
            assert_eq!(missing, &["full_name (ФИО)", "region (Регион)"]);
            assert_eq!(unknown, &["name"]);
        }
        other => panic!("{other}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("missing columns full_name (ФИО), region (Регион)"),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");

    let error = import_csv(&db, &vault, &b""[..], |_| {}).await.unwrap_err();
    assert!(matches!(error, ImportError::Empty), "{error}");
    let error = import_csv(&db, &vault, &b"\xEF\xBB\xBF\n"[..], |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, ImportError::Empty), "{error}");
    assert_eq!(count(&db).await, 0);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_row_that_is_not_utf8_is_skipped(db: PgPool) {
    let vault = vault();
    let mut csv = format!("{HEADER}\n").into_bytes();
    // "Москва" in Windows-1251, as an old Excel saves it.
    csv.extend_from_slice(b"12345678964,Petrov,1970-11-02,,X,Y,Z,\xcc\xee\xf1\xea\xe2\xe0,,\n");
    csv.extend_from_slice(format!("{ANNA}\n").as_bytes());
    let report = import_csv(&db, &vault, &csv[..], |_| {}).await.unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].line, 2);
    assert!(report.skipped[0].reason.starts_with("region: not UTF-8"));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn progress_is_reported_in_bytes_up_to_the_whole_file(db: PgPool) {
    let vault = vault();
    let mut csv = String::from(HEADER);
    for n in 0..2500u32 {
        csv.push('\n');
        csv.push_str(&row(n));
    }
    let mut seen = Vec::new();
    let report = import_csv(&db, &vault, csv.as_bytes(), |bytes| seen.push(bytes))
        .await
        .unwrap();
    assert_eq!(report.inserted, 2500);
    assert!(seen.len() >= 3, "one report per batch: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(*seen.last().unwrap(), csv.len() as u64);
}

/// A valid СНИЛС for every `n` below a few million, well above 001-001-998.
fn generated_snils(n: u32) -> String {
    let body = format!("{:09}", 200_000_000 + n);
    let sum: u32 = body
        .bytes()
        .zip((1..=9).rev())
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => (sum % 101) % 100,
    };
    format!("{body}{check:02}")
}

fn row(n: u32) -> String {
    format!(
        "{},Фамилия{n} Имя Отчество,1980-01-01,+7999{:07},Терапия,Врач-терапевт,Поликлиника № {},Регион {},AC-{n},2027-12-31",
        generated_snils(n),
        n,
        n % 300,
        n % 85,
    )
}

/// `cargo test --release -p medcab-core --lib registry::tests::import_speed -- --ignored --nocapture`
/// (2.2 s for 100 000 rows in release on the 2-core dev machine; see docs/registry.md)
#[sqlx::test(migrator = "crate::MIGRATOR")]
#[ignore = "a measurement, not a check: 100 000 rows"]
async fn import_speed(db: PgPool) {
    const ROWS: u32 = 100_000;
    let vault = vault();
    let mut csv = String::from(HEADER);
    for n in 0..ROWS {
        csv.push('\n');
        csv.push_str(&row(n));
    }
    for run in ["first import", "re-import"] {
        let started = std::time::Instant::now();
        let report = import_csv(&db, &vault, csv.as_bytes(), |_| {})
            .await
            .unwrap();
        let elapsed = started.elapsed();
        assert_eq!(report.inserted + report.updated, u64::from(ROWS));
        assert!(report.skipped.is_empty(), "{:?}", &report.skipped[..1]);
        println!(
            "{run}: {ROWS} rows ({} MB) in {elapsed:.2?}: {:.0} rows/s",
            csv.len() / 1_000_000,
            f64::from(ROWS) / elapsed.as_secs_f64()
        );
    }
    assert_eq!(count(&db).await, i64::from(ROWS));
}

#[test]
fn dates_in_both_formats_and_nothing_else() {
    assert_eq!(parse_date("2024-02-29").unwrap(), date(2024, 2, 29));
    assert_eq!(parse_date(" 29.02.2024 ").unwrap(), date(2024, 2, 29));
    for bad in [
        "2023-02-29",
        "29.02.2023",
        "2024-2-29",
        "1.1.2024",
        "2024/01/01",
        "01-01-2024",
        "",
        "+2024-01-01",
    ] {
        assert!(parse_date(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn generated_snils_are_valid() {
    for n in [0, 1, 99_999, 1_234_567] {
        let text = generated_snils(n);
        assert!(Snils::parse(&text).is_ok(), "{text}");
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_organisations_identifiers_are_optional_checked_and_kept(db: PgPool) {
    let vault = vault();
    // An old file first: a re-import of it with the new columns empty
    // changes nothing (the digest stays as it was).
    assert_eq!(
        import(&db, &vault, &format!("{HEADER}\n{ANNA}\n"))
            .await
            .inserted,
        1
    );
    let header = format!("{HEADER},ИНН организации,ОГРН организации");
    let csv = [
        header.clone(),
        format!("{ANNA},,"),                        // 2
        format!("{PETR},7707083893,1027700132195"), // 3
        "98765432183,Сидоров Иван,1980-01-01,,Педиатрия,Врач,ДП № 3,Москва,,,7707083894,"
            .to_owned(), // 4
        "44455566605,Смирнова Ольга,1990-07-01,,Неврология,Врач,ГКБ № 67,Москва,,,,1027700132196"
            .to_owned(), // 5
    ]
    .join("\n");
    let report = import(&db, &vault, &csv).await;
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (1, 0, 1)
    );
    let reasons = report.reasons();
    assert_eq!(
        reasons,
        [
            (4, "ИНН организации: INN check digit does not match"),
            (5, "ОГРН организации: OGRN check digit does not match"),
        ]
    );
    let petr = found(&db, &vault, "12345678964").await;
    assert_eq!(
        petr.organisation_inn.as_ref().map(|inn| inn.digits()),
        Some("7707083893")
    );
    assert_eq!(
        petr.organisation_ogrn.as_ref().map(|ogrn| ogrn.digits()),
        Some("1027700132195")
    );
    // Given later for Anna: her entry changes.
    let again = import(&db, &vault, &format!("{header}\n{ANNA},7736050003,\n")).await;
    assert_eq!((again.inserted, again.updated), (0, 1));
}
