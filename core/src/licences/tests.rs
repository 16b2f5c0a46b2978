//! The licences' import and how an organisation's licences are found.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::*;

const HEADER: &str = "ogrn,inn,number,status,works,organisation";
/// ГБУЗ «ГП № 5»: ОГРН 1027700132195, ИНН 7707083893.
const GP5: &str = "1027700132195,7707083893,Л041-01137-77/00368918,active,\"терапии; кардиологии, детской | рентгенологии\",ГБУЗ «ГП № 5»";
/// Another: ОГРН 1027739609391, ИНН 7736050003, suspended.
const GKB1: &str =
    "1027739609391,7736050003,ЛО-77-01-000123,приостановлена,хирургии,\"ГКБ \"\"№ 1\"\"\"";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

async fn import(db: &PgPool, csv: &[u8], now: &str) -> ImportReport {
    import_csv(db, csv, at(now), |_| {}).await.unwrap()
}

fn ogrn(text: &str) -> Ogrn {
    Ogrn::parse(text).unwrap()
}

fn inn(text: &str) -> OrganisationInn {
    OrganisationInn::parse(text).unwrap()
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn good_rows_are_imported_and_each_bad_row_is_reported_by_line(db: PgPool) {
    let csv = [
        HEADER,
        GP5,                                                            // 2
        GKB1,                                                           // 3
        "1027700132196,7707083893,Л-1,active,терапии,",                 // 4: ОГРН check digit
        "1027700132195,7707083894,Л-2,active,терапии,",                 // 5: ИНН check digit
        "1027700132195,500100732259,Л-3,active,терапии,",               // 6: a person's ИНН
        "1027700132195,7707083893,,active,терапии,",                    // 7: no number
        "1027700132195,7707083893,Л-4,expired,терапии,",                // 8: no such status
        "1027700132195,7707083893,Л-5,active",                          // 9: too few fields
        "1027700132195,7707083893,Л041-01137-77/00368918,terminated,,", // 10: twice
        ",,,,,",                                                        // blank: not a row
    ]
    .join("\n");
    let report = import(&db, csv.as_bytes(), "2026-11-20T09:00:00Z").await;
    assert_eq!((report.inserted, report.updated), (2, 0));
    let reasons = report.reasons();
    assert_eq!(
        reasons,
        [
            (4, "ogrn: OGRN check digit does not match"),
            (5, "inn: INN check digit does not match"),
            (6, "inn: an organisation's INN must have 10 digits, got 12"),
            (7, "number: required, but empty"),
            (
                8,
                "status: «expired» is none of active, suspended, terminated (действует, приостановлена, прекращена)"
            ),
            (9, "expected 6 fields, found 4"),
            (
                10,
                "number: the same licence of this ОГРН is on line 2; only that row is imported"
            ),
        ]
    );

    let found = of_organisation(
        &db,
        OrganisationRef {
            name: "whatever",
            inn: None,
            ogrn: Some(&ogrn("1027700132195")),
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(found.by, MatchedBy::Ogrn);
    let licence = &found.licences[0];
    assert_eq!(licence.number, "Л041-01137-77/00368918");
    assert_eq!(licence.status, LicenceStatus::Active);
    assert_eq!(
        licence.works,
        ["терапии", "кардиологии, детской", "рентгенологии"]
    );
    assert_eq!(licence.organisation.as_deref(), Some("ГБУЗ «ГП № 5»"));
    assert_eq!(licence.imported_at, at("2026-11-20T09:00:00Z"));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_reimport_updates_by_ogrn_and_number_and_moves_the_import_date(db: PgPool) {
    let first = format!("{HEADER}\n{GP5}\n{GKB1}\n");
    import(&db, first.as_bytes(), "2026-11-20T09:00:00Z").await;
    // ГКБ № 1's licence is terminated now; ГП № 5's is as it was; a second
    // licence of ГП № 5 is new. Russian headers, ';' and Windows-1251.
    let second = "ОГРН;ИНН;Номер лицензии;Статус;Виды работ;Организация\n\
        1027700132195;7707083893;Л041-01137-77/00368918;действует;\"терапии; кардиологии, детской | рентгенологии\";ГБУЗ «ГП № 5»\n\
        1027739609391;7736050003;ЛО-77-01-000123;прекращена;хирургии;ГКБ \"№ 1\"\n\
        1027700132195;7707083893;ЛО-77-01-000001;прекращена;;ГБУЗ «ГП № 5»\n";
    let (cp1251, _, unmappable) = encoding_rs::WINDOWS_1251.encode(second);
    assert!(!unmappable);
    let report = import(&db, &cp1251, "2026-12-01T09:00:00Z").await;
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (1, 1, 1)
    );
    let count: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM organisation_licences"#)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 3);

    let gp5 = of_organisation(
        &db,
        OrganisationRef {
            name: "ГБУЗ «ГП № 5»",
            inn: Some(&inn("7707083893")),
            ogrn: Some(&ogrn("1027700132195")),
        },
    )
    .await
    .unwrap()
    .unwrap();
    // Active first, then terminated; both listed by the latest import.
    let numbers: Vec<(&str, LicenceStatus)> = gp5
        .licences
        .iter()
        .map(|licence| (licence.number.as_str(), licence.status))
        .collect();
    assert_eq!(
        numbers,
        [
            ("Л041-01137-77/00368918", LicenceStatus::Active),
            ("ЛО-77-01-000001", LicenceStatus::Terminated),
        ]
    );
    assert!(
        gp5.licences
            .iter()
            .all(|licence| licence.imported_at == at("2026-12-01T09:00:00Z"))
    );
    let gkb1 = of_organisation(
        &db,
        OrganisationRef {
            name: "",
            inn: Some(&inn("7736050003")),
            ogrn: None,
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(gkb1.by, MatchedBy::Inn);
    assert_eq!(gkb1.licences[0].status, LicenceStatus::Terminated);
    assert_eq!(
        gkb1.licences[0].organisation.as_deref(),
        Some("ГКБ \"№ 1\"")
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_identifier_wins_and_the_name_counts_only_without_one(db: PgPool) {
    import(
        &db,
        format!("{HEADER}\n{GP5}\n{GKB1}\n").as_bytes(),
        "2026-11-20T09:00:00Z",
    )
    .await;
    let find = |name, inn_text: Option<&str>, ogrn_text: Option<&str>| {
        let db = db.clone();
        let inn = inn_text.map(inn);
        let ogrn = ogrn_text.map(ogrn);
        async move {
            of_organisation(
                &db,
                OrganisationRef {
                    name,
                    inn: inn.as_ref(),
                    ogrn: ogrn.as_ref(),
                },
            )
            .await
            .unwrap()
            .map(|found| (found.by, found.licences[0].number.clone()))
        }
    };
    // The name is another organisation's: the ОГРН decides.
    assert_eq!(
        find("ГКБ № 1", None, Some("1027700132195")).await,
        Some((MatchedBy::Ogrn, "Л041-01137-77/00368918".into()))
    );
    // An ОГРН with no licence: the ИНН is tried next.
    assert_eq!(
        find("", Some("7736050003"), Some("1037739010891")).await,
        Some((MatchedBy::Inn, "ЛО-77-01-000123".into()))
    );
    // Identifiers that find nothing: the name is not tried.
    assert_eq!(find("ГБУЗ «ГП № 5»", Some("7702070139"), None).await, None);
    // No identifier: the name, with case, quotes and spaces aside.
    assert_eq!(
        find("гбуз  \"гп № 5\"", None, None).await,
        Some((MatchedBy::Name, "Л041-01137-77/00368918".into()))
    );
    assert_eq!(
        find("ГКБ № 1", None, None).await,
        Some((MatchedBy::Name, "ЛО-77-01-000123".into()))
    );
    // Not a part of a name: exact only.
    assert_eq!(find("ГП № 5", None, None).await, None);
}

#[test]
fn names_are_compared_without_case_quotes_and_extra_spaces() {
    assert_eq!(name_key("ГБУЗ «ГП № 5»"), "гбуз гп № 5");
    assert_eq!(name_key("  гбуз \"ГП  №\t5\" "), "гбуз гп № 5");
    assert_eq!(name_key("ООО “Клиника ‘Здоровье’”"), "ооо клиника здоровье");
    assert_ne!(name_key("ГП № 5"), name_key("ГП № 15"));
}

#[test]
fn statuses_read_in_both_languages_and_nothing_else() {
    for status in LicenceStatus::ALL {
        assert_eq!(LicenceStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(
        LicenceStatus::parse(" Действует "),
        Some(LicenceStatus::Active)
    );
    assert_eq!(
        LicenceStatus::parse("ПРИОСТАНОВЛЕНА"),
        Some(LicenceStatus::Suspended)
    );
    assert_eq!(LicenceStatus::parse("expired"), None);
    assert_eq!(LicenceStatus::parse(""), None);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_file_that_is_not_a_licence_export_stops_before_anything_is_stored(db: PgPool) {
    let error = import_csv(
        &db,
        "ogrn,inn,nomer,status\n1,2,3,4\n".as_bytes(),
        at("2026-11-20T09:00:00Z"),
        |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the header is not recognised: missing columns number (Номер лицензии); unknown columns nomer; expected ogrn,inn,number,status,works,organisation (or the Russian names)"
    );
    assert!(matches!(
        import_csv(&db, &b""[..], at("2026-11-20T09:00:00Z"), |_| {}).await,
        Err(ImportError::Empty)
    ));
}

/// Two organisations of one name (the same «ГП № 5» in two regions): by
/// the name alone neither licence is shown, since it may be the other's.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_name_that_two_organisations_share_finds_no_licence(db: PgPool) {
    let namesake = "1037739010891,7702070139,Л041-00000-50/00000001,active,терапии,ГБУЗ «ГП № 5»";
    import(
        &db,
        format!("{HEADER}\n{GP5}\n{namesake}\n").as_bytes(),
        "2026-11-20T09:00:00Z",
    )
    .await;
    let by_name = |name| {
        let db = db.clone();
        async move {
            of_organisation(
                &db,
                OrganisationRef {
                    name,
                    inn: None,
                    ogrn: None,
                },
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(by_name("ГБУЗ «ГП № 5»").await, None);
    // With its ОГРН, each is found.
    let found = of_organisation(
        &db,
        OrganisationRef {
            name: "ГБУЗ «ГП № 5»",
            inn: None,
            ogrn: Some(&ogrn("1037739010891")),
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(found.licences[0].number, "Л041-00000-50/00000001");
}
