//! `medcab admin import-registry` and the other imports as an operator
//! runs them: the real binary, a CSV file on disk, a real database.

mod common;
use common::url_of;

use std::path::PathBuf;
use std::process::{Command, Output};

use medcab_core::UserId;
use medcab_core::crypto::Vault;
use medcab_core::documents::{self, DocumentKind, DocumentMeta, Stored};
use medcab_core::domain::{PhoneNumber, Snils};
use medcab_core::registry::Registry;
use medcab_core::{DataKey, DataKeys, accounts, drafts, history};
use sqlx::PgPool;

const MEDCAB: &str = env!("CARGO_BIN_EXE_medcab");
const A_KEY: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// `medcab` with a clean environment plus `vars`.
fn medcab(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(MEDCAB);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // No .env from the working directory may leak in.
        .current_dir(std::env::temp_dir());
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("medcab runs")
}

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("medcab-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const REGISTER: &str = "\u{FEFF}СНИЛС;ФИО;Дата рождения;Телефон;Специальность;Должность;Организация;Регион;Номер аккредитации;Аккредитация действует до
112-233-445 95;Иванова Анна Сергеевна;14.03.1985;+7 999 123-45-67;Терапия;Врач-терапевт;ГП № 5;Москва;7724 031234567;30.06.2028
987-654-321 84;Сидоров Иван;01.01.1980;;Педиатрия;Врач-педиатр;ДП № 3;Москва;;
123-456-789 64;Петров Пётр Петрович;02.11.1970;;Хирургия;Врач-хирург;ГКБ № 1;Тверская область;;
";

#[sqlx::test(migrations = false)]
async fn import_registry_reports_skipped_rows_and_stores_the_rest(db: PgPool) {
    let file = TempFile::new("register.csv", REGISTER.as_bytes());
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str()), ("MEDCAB_DATA_KEY", A_KEY)];

    let output = medcab(&["admin", "import-registry", file.path()], &vars);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{}",
        output.status,
        text(&output.stderr)
    );
    // `contains`, not `starts_with`: log lines (on stdout too) may come first.
    assert!(
        stdout.contains("inserted: 2\nupdated:  0\nunchanged: 0\nskipped:  1\nline 3: СНИЛС: "),
        "{stdout}"
    );
    assert!(
        text(&output.stderr).is_empty(),
        "no progress bar without a terminal: {}",
        text(&output.stderr)
    );

    // The binary applied the migrations and stored what it said it did.
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM registry_entries")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    let vault = Vault::new(&DataKey::parse(A_KEY).unwrap());
    let registry = Registry::Local {
        db: db.clone(),
        vault,
    };
    let anna = registry
        .find(&Snils::parse("11223344595").unwrap())
        .await
        .unwrap()
        .expect("Анна is in the register");
    assert_eq!(anna.full_name, "Иванова Анна Сергеевна");
    assert_eq!(anna.phone.unwrap().e164(), "+79991234567");

    // Again: the same people, unchanged, are neither added nor rewritten.
    let output = medcab(&["admin", "import-registry", file.path()], &vars);
    assert!(output.status.success());
    assert!(
        text(&output.stdout)
            .contains("inserted: 0\nupdated:  0\nunchanged: 2\nskipped:  1\nline 3: "),
        "{}",
        text(&output.stdout)
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM registry_entries")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

#[sqlx::test(migrations = false)]
async fn a_file_that_cannot_be_imported_is_an_error(db: PgPool) {
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str()), ("MEDCAB_DATA_KEY", A_KEY)];

    let file = TempFile::new("bad-header.csv", b"snils,name\n11223344595,x\n");
    let output = medcab(&["admin", "import-registry", file.path()], &vars);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("medcab: cannot import ")
            && stderr.contains("missing columns full_name"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");

    // A directory opens but does not read: the cause is said once.
    let dir = std::env::temp_dir();
    let output = medcab(&["admin", "import-registry", dir.to_str().unwrap()], &vars);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cannot read the file: "), "{stderr}");
    assert_eq!(stderr.matches("directory").count(), 1, "{stderr}");

    let output = medcab(
        &["admin", "import-registry", "/nonexistent/register.csv"],
        &vars,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("medcab: cannot open /nonexistent/register.csv"),
        "{}",
        text(&output.stderr)
    );
}

const B_KEY: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn ring(keys: &[&str], index: &str) -> Vault {
    Vault::with_keys(
        &DataKeys::new(
            keys.iter()
                .map(|key| DataKey::parse(key).unwrap())
                .collect(),
            Some(DataKey::parse(index).unwrap()),
        )
        .unwrap(),
    )
}

/// Rotation as README describes it, with the real binary: data sealed
/// under A (the register through `import-registry`, an account, a draft, a
/// document with its version), the ring [B, A] for `reseal`, then B alone
/// opens every one of those columns. A second run has nothing to do.
#[sqlx::test(migrations = false)]
async fn reseal_moves_everything_to_the_newest_key(db: PgPool) {
    let file = TempFile::new("reseal-register.csv", REGISTER.as_bytes());
    let url = url_of(&db).await;
    let output = medcab(
        &["admin", "import-registry", file.path()],
        &[("DATABASE_URL", url.as_str()), ("MEDCAB_DATA_KEY", A_KEY)],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));

    let old = Vault::new(&DataKey::parse(A_KEY).unwrap());
    let now = chrono::Utc::now();
    let anna = UserId::from_stored(1001);
    accounts::open(&db, anna, now).await.unwrap();
    accounts::set_phone(
        &db,
        &old,
        anna,
        &PhoneNumber::parse("+79991234567").unwrap(),
    )
    .await
    .unwrap();
    accounts::set_snils(&db, &old, anna, &Snils::parse("11223344595").unwrap())
        .await
        .unwrap();
    drafts::save(&db, &old, anna, drafts::Kind::Document, &"черновик", now)
        .await
        .unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj (diploma) endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let meta = DocumentMeta {
        kind: DocumentKind::Diploma,
        number: Some("107724 0012345".into()),
        issued_on: Some(chrono::NaiveDate::from_ymd_opt(2010, 6, 30).unwrap()),
        valid_until: None,
        issuer: None,
    };
    let Stored::New(document) = documents::store(
        &db,
        &old,
        anna,
        &meta,
        &pdf,
        Some("diploma.pdf"),
        now,
        documents::DEFAULT_MAX_BYTES,
    )
    .await
    .unwrap() else {
        panic!("a new document")
    };

    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("MEDCAB_DATA_KEYS", &format!("{B_KEY},{A_KEY}")),
        ("MEDCAB_INDEX_KEY", A_KEY),
    ];
    let output = medcab(&["admin", "reseal"], &vars);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("registry_entries       resealed:       2  failed: 0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("accounts               resealed:       1  failed: 0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("documents              resealed:       1  failed: 0"),
        "{stdout}"
    );
    assert!(stdout.contains("total resealed: 6, failed: 0"), "{stdout}");

    // The old key removed: B alone (indexes still under A's index key).
    let new = ring(&[B_KEY], A_KEY);
    let registry = Registry::Local {
        db: db.clone(),
        vault: new.clone(),
    };
    for snils in ["11223344595", "12345678964"] {
        assert!(
            registry
                .find(&Snils::parse(snils).unwrap())
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(
        accounts::phone(&db, &new, anna)
            .await
            .unwrap()
            .unwrap()
            .e164(),
        "+79991234567"
    );
    assert!(accounts::snils(&db, &new, anna).await.unwrap().is_some());
    assert_eq!(
        drafts::load::<String>(&db, &new, anna, drafts::Kind::Document)
            .await
            .unwrap()
            .as_deref(),
        Some("черновик")
    );
    let got = documents::get(&db, &new, anna, document)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.number.as_deref(), Some("107724 0012345"));
    assert_eq!(
        documents::content(&db, &new, anna, document).await.unwrap(),
        Some(pdf)
    );
    assert_eq!(
        history::versions(&db, &new, anna, history::Entity::Document, document)
            .await
            .unwrap()
            .len(),
        1
    );
    // And A alone no longer opens anything of it.
    assert!(accounts::phone(&db, &old, anna).await.is_err());

    let output = medcab(&["admin", "reseal"], &vars);
    assert!(output.status.success());
    assert!(
        text(&output.stdout).contains("total resealed: 0, failed: 0"),
        "{}",
        text(&output.stdout)
    );
    // Two keys and no index key: refused before anything is touched.
    let output = medcab(
        &["admin", "reseal"],
        &[
            ("DATABASE_URL", url.as_str()),
            ("MEDCAB_DATA_KEYS", &format!("{B_KEY},{A_KEY}")),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("MEDCAB_INDEX_KEY"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_missing_or_malformed_data_key_is_a_configuration_error() {
    let file = TempFile::new("unused.csv", REGISTER.as_bytes());
    let db = [("DATABASE_URL", "postgres://localhost/unused")];
    for (vars, expected) in [
        (&db[..], "medcab: MEDCAB_DATA_KEY is not set"),
        (
            &[db[0], ("MEDCAB_DATA_KEY", "too-short")][..],
            "medcab: MEDCAB_DATA_KEY is malformed",
        ),
        (
            &[db[0], ("MEDCAB_DATA_KEYS", &format!("{A_KEY},too-short"))][..],
            "medcab: MEDCAB_DATA_KEYS is malformed",
        ),
        (
            &[
                db[0],
                ("MEDCAB_DATA_KEYS", A_KEY),
                ("MEDCAB_DATA_KEY", A_KEY),
            ][..],
            "medcab: MEDCAB_DATA_KEYS is malformed: MEDCAB_DATA_KEY is set too",
        ),
        (&[][..], "medcab: DATABASE_URL is not set"),
    ] {
        let output = medcab(&["admin", "import-registry", file.path()], vars);
        assert_eq!(output.status.code(), Some(2), "{expected}");
        let stderr = text(&output.stderr);
        assert!(stderr.starts_with(expected), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn help_documents_the_header() {
    let output = medcab(&["admin", "import-registry", "--help"], &[]);
    assert!(output.status.success());
    let help = text(&output.stdout);
    for column in [
        "snils",
        "accreditation_valid_until",
        "СНИЛС",
        "Аккредитация действует до",
        "DD.MM.YYYY",
    ] {
        assert!(help.contains(column), "{column} in\n{help}");
    }
    let output = medcab(&["admin", "--help"], &[]);
    assert!(text(&output.stdout).contains("import-registry"));
}

async fn is_operator(db: &PgPool, id: UserId) -> bool {
    medcab_core::operators::is_operator(db, id).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn grant_and_revoke_operator(db: PgPool) {
    let url = url_of(&db).await;
    // DATABASE_URL alone: the role holds no personal data to seal.
    let vars = [("DATABASE_URL", url.as_str())];

    let output = medcab(&["admin", "grant-operator", "5001"], &vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("5001 is now an operator."),
        "{}",
        text(&output.stdout)
    );
    assert!(is_operator(&db, UserId::from_stored(5001)).await);
    assert!(!is_operator(&db, UserId::from_stored(5002)).await);

    let output = medcab(&["admin", "grant-operator", "5001"], &vars);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("already an operator"));

    let output = medcab(&["admin", "revoke-operator", "5001"], &vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("5001 is no longer an operator"),
        "{}",
        text(&output.stdout)
    );
    assert!(!is_operator(&db, UserId::from_stored(5001)).await);

    let output = medcab(&["admin", "revoke-operator", "5001"], &vars);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("5001 is not an operator"));

    // Granted again after a revocation.
    let output = medcab(&["admin", "grant-operator", "5001"], &vars);
    assert!(output.status.success());
    assert!(is_operator(&db, UserId::from_stored(5001)).await);
}

#[test]
fn operator_commands_refuse_bad_ids_and_missing_settings() {
    for id in ["abc", "0", "-5", "@olga"] {
        let output = medcab(
            &["admin", "grant-operator", "--", id],
            &[("DATABASE_URL", "postgres://localhost/unused")],
        );
        assert_eq!(output.status.code(), Some(2), "{id}");
        assert!(
            text(&output.stderr).contains("TELEGRAM_ID"),
            "{id}: {}",
            text(&output.stderr)
        );
    }
    for command in ["grant-operator", "revoke-operator"] {
        let output = medcab(&["admin", command, "5001"], &[]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.starts_with("medcab: DATABASE_URL is not set"),
            "{stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    let output = medcab(&["admin", "--help"], &[]);
    let help = text(&output.stdout);
    assert!(
        help.contains("grant-operator") && help.contains("revoke-operator"),
        "{help}"
    );
    let output = medcab(&["admin", "grant-operator", "--help"], &[]);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("TELEGRAM_ID"));
}

/// How many notices and inspections the database holds.
async fn published(db: &PgPool) -> (i64, i64) {
    let notices: i64 = sqlx::query_scalar("SELECT count(*) FROM regulatory_notices")
        .fetch_one(db)
        .await
        .unwrap_or(0);
    let inspections: i64 = sqlx::query_scalar("SELECT count(*) FROM inspections")
        .fetch_one(db)
        .await
        .unwrap_or(0);
    (notices, inspections)
}

#[sqlx::test(migrations = false)]
async fn publish_notice_asks_checks_and_follows_the_delivery(db: PgPool) {
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str())];
    let notice = [
        "admin",
        "publish-notice",
        "--title",
        "Приказ Минздрава № 1",
        "--summary",
        "Новый порядок периодической аккредитации",
        "--link",
        "https://example.org/prikaz-1",
        "--specialty",
        "Терапия",
        "--region",
        "Москва",
    ];

    // No terminal to ask at: --yes is required, and nothing is sent.
    let output = medcab(&notice, &vars);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("--yes"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(published(&db).await, (0, 0));

    // Bad input is refused before anything is written.
    let mut bad_link = notice.to_vec();
    bad_link[7] = "ftp://example.org/prikaz-1";
    bad_link.push("--yes");
    let output = medcab(&bad_link, &vars);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("the notice cannot be published"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(published(&db).await, (0, 0));

    let mut yes = notice.to_vec();
    yes.push("--yes");
    let output = medcab(&yes, &vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("0 practitioner(s) will get it"), "{stdout}");
    assert!(stdout.contains("Done: sent 0 of 0, failed 0."), "{stdout}");
    let stored: (String, String, Vec<String>) =
        sqlx::query_as("SELECT source, status, specialties FROM regulatory_notices")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        (
            "cli".to_owned(),
            "published".to_owned(),
            vec!["Терапия".to_owned()]
        )
    );
}

#[sqlx::test(migrations = false)]
async fn schedule_inspection_checks_whom_and_when(db: PgPool) {
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str())];
    let base = [
        "admin",
        "schedule-inspection",
        "--kind",
        "planned-onsite",
        "--prepare",
        "Журналы учёта, документы об образовании",
        "--yes",
        "--no-wait",
    ];
    let with = |extra: &[&'static str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args
    };

    // Whom is required: a usage error.
    let output = medcab(&with(&["--date", "01.01.2100"]), &vars);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));

    let output = medcab(
        &with(&["--organisation", "ГП № 5", "--date", "2100-13-01"]),
        &vars,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("DD.MM.YYYY"),
        "{}",
        text(&output.stderr)
    );

    let output = medcab(
        &with(&["--organisation", "ГП № 5", "--date", "01.01.2000"]),
        &vars,
    );
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("cannot be scheduled"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(published(&db).await, (0, 0));

    let output = medcab(
        &with(&[
            "--organisation",
            "ГП № 5",
            "--region",
            "Москва",
            "--date",
            "01.01.2100",
        ]),
        &vars,
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("reminders follow 7 days and 1 day before"),
        "{}",
        text(&output.stdout)
    );
    let stored: (Option<String>, Option<String>, String) =
        sqlx::query_as("SELECT organisation, region, kind FROM inspections")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        (
            Some("ГП № 5".to_owned()),
            Some("Москва".to_owned()),
            "planned_onsite".to_owned()
        )
    );
}

#[sqlx::test(migrations = false)]
async fn api_clients_are_added_listed_and_revoked_and_keys_never_stored(db: PgPool) {
    use medcab_core::api_clients;
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str())];

    let added = medcab(
        &[
            "admin",
            "api-client",
            "add",
            "lk-portal",
            "--expires",
            "2099-12-31",
        ],
        &vars,
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    // The key alone on stdout, for a script to take.
    let key = text(&added.stdout).trim().to_owned();
    assert!(key.starts_with("medcab_") && key.len() == 7 + 64, "{key}");
    assert!(!key.contains('\n'));
    let said = text(&added.stderr);
    assert!(
        said.contains("shown this once") && said.contains("31.12.2099"),
        "{said}"
    );
    let now = chrono::Utc::now();
    assert!(
        api_clients::authenticate(&db, key.as_bytes(), now)
            .await
            .unwrap()
            .is_some()
    );
    let stored: String =
        sqlx::query_scalar("SELECT string_agg(row_to_json(c)::text, ' ') FROM api_clients c")
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(
        !stored.contains(&key[7..]),
        "only a hash is stored: {stored}"
    );

    let again = medcab(&["admin", "api-client", "add", "lk-portal"], &vars);
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );
    assert!(text(&again.stdout).is_empty(), "no second key printed");
    let other = medcab(&["admin", "api-client", "add", "other"], &vars);
    assert!(other.status.success());
    let other_key = text(&other.stdout).trim().to_owned();
    assert_ne!(other_key, key);

    let listed = medcab(&["admin", "api-client", "list"], &vars);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let list = text(&listed.stdout);
    assert!(!list.contains(&key) && !list.contains(&other_key), "{list}");
    let row = |list: &str, name: &str| -> Vec<String> {
        list.lines()
            .find(|line| line.starts_with(&format!("{name}\t")))
            .unwrap_or_else(|| panic!("{name} in {list}"))
            .split('\t')
            .map(str::to_owned)
            .collect()
    };
    let portal = row(&list, "lk-portal");
    assert_eq!(portal[2], "31.12.2099");
    assert_eq!(portal[3], "—", "not revoked");
    assert_ne!(portal[4], "—", "used once above");
    assert_eq!(row(&list, "other")[2], "—", "no expiry");

    let revoked = medcab(&["admin", "api-client", "revoke", "lk-portal"], &vars);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(text(&revoked.stdout).contains("revoked"));
    assert!(
        api_clients::authenticate(&db, key.as_bytes(), now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        api_clients::authenticate(&db, other_key.as_bytes(), now)
            .await
            .unwrap()
            .is_some()
    );
    let list = text(&medcab(&["admin", "api-client", "list"], &vars).stdout);
    assert_ne!(row(&list, "lk-portal")[3], "—", "revoked");

    let unknown = medcab(&["admin", "api-client", "revoke", "nobody"], &vars);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no API client named"));
    let bad = medcab(&["admin", "api-client", "add", "Bad Name"], &vars);
    assert!(!bad.status.success());
}

/// An account linked to `snils` (unconfirmed, as an applicant's), set up
/// through core with the vault of `key`.
async fn linked_account(db: &PgPool, vault: &Vault, id: UserId, snils: &str) {
    use medcab_core::{accounts, consent};
    let now = chrono::Utc::now();
    consent::give(db, id, now).await.unwrap();
    accounts::open(db, id, now).await.unwrap();
    let phone = medcab_core::domain::PhoneNumber::parse(&format!("+7916{id:07}")).unwrap();
    accounts::set_phone(db, vault, id, &phone).await.unwrap();
    accounts::set_snils(db, vault, id, &Snils::parse(snils).unwrap())
        .await
        .unwrap();
    assert!(accounts::link(db, id, now).await.unwrap());
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn support_unlinks_an_account_by_telegram_id_or_snils(db: PgPool) {
    use medcab_core::accounts::{self, Step};
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str()), ("MEDCAB_DATA_KEY", A_KEY)];
    let vault = Vault::new(&DataKey::parse(A_KEY).unwrap());
    linked_account(&db, &vault, UserId::from_stored(7001), "112-233-445 95").await;
    linked_account(&db, &vault, UserId::from_stored(7002), "112-233-445 95").await;
    linked_account(&db, &vault, UserId::from_stored(7003), "123-456-789 64").await;

    // Two accounts name this СНИЛС: support must say which.
    let output = medcab(&["admin", "unlink", "--snils", "112-233-445 95"], &vars);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let listed = text(&output.stdout);
    assert!(
        listed.contains("7001 (applicant)") && listed.contains("7002 (applicant)"),
        "{listed}"
    );
    assert!(text(&output.stderr).contains("--telegram-id"));
    assert_eq!(
        accounts::step(&db, UserId::from_stored(7001))
            .await
            .unwrap(),
        Some(Step::SecondFactor)
    );

    let output = medcab(
        &[
            "admin",
            "unlink",
            "--snils",
            "11223344595",
            "--telegram-id",
            "7002",
        ],
        &vars,
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("7002 is unlinked"));
    assert_eq!(
        accounts::step(&db, UserId::from_stored(7002))
            .await
            .unwrap(),
        Some(Step::Snils)
    );
    assert_eq!(
        accounts::step(&db, UserId::from_stored(7001))
            .await
            .unwrap(),
        Some(Step::SecondFactor)
    );

    // One account left on it: unlinked by the СНИЛС alone.
    let output = medcab(&["admin", "unlink", "--snils", "112-233-445 95"], &vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        accounts::step(&db, UserId::from_stored(7001))
            .await
            .unwrap(),
        Some(Step::Snils)
    );

    // By Telegram id; a second time changes nothing.
    let output = medcab(&["admin", "unlink", "--telegram-id", "7003"], &vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = medcab(&["admin", "unlink", "--telegram-id", "7003"], &vars);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("7003 is not linked"));

    for id in [7001, 7002, 7003] {
        let kinds = medcab_core::security_events::kinds_for(&db, UserId::from_stored(id))
            .await
            .unwrap();
        assert_eq!(kinds, ["account_unlinked"], "{id}");
    }
    // A malformed СНИЛС or none at all is refused before anything changes.
    let output = medcab(&["admin", "unlink", "--snils", "112-233-445 96"], &vars);
    assert!(!output.status.success());
    let output = medcab(&["admin", "unlink"], &vars);
    assert_eq!(output.status.code(), Some(2));
}

/// A practitioner the audience query finds (a therapist in Moscow, linked
/// and confirmed, in a reachable chat) whose quiet hours are on now: an
/// hour either side of the present minute, in UTC.
async fn practitioner_in_quiet_hours(db: &PgPool, id: i64) {
    use chrono::Timelike;
    let index = {
        let mut index = vec![0u8; 32];
        index[24..].copy_from_slice(&id.to_be_bytes());
        index
    };
    sqlx::query(
        r#"
        INSERT INTO registry_entries (snils_index, snils, full_name, birth_date,
                                      specialty, position, organisation, region)
        VALUES ($1, '\x00', '\x00', '\x00', 'Терапия', 'Врач', 'ГП № 5', 'Москва')
        "#,
    )
    .bind(&index)
    .execute(db)
    .await
    .unwrap();
    sqlx::query(
        r#"
        INSERT INTO accounts (telegram_user_id, step, snils, snils_index, created_at,
                              linked_at, confirmed_at)
        VALUES ($1, 'active', '\x00', $2, now(), now(), now())
        "#,
    )
    .bind(id)
    .bind(&index)
    .execute(db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO chats (id, kind) VALUES ($1, 'private')")
        .bind(id)
        .execute(db)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let minute = i16::try_from(now.hour() * 60 + now.minute()).unwrap();
    sqlx::query(
        r#"
        INSERT INTO notification_settings
            (telegram_user_id, inspections, regulation, reminders, quiet_from, quiet_until,
             time_zone, updated_at)
        VALUES ($1, true, true, true, $2, $3, 'UTC', now())
        "#,
    )
    .bind(id)
    .bind((minute + 1440 - 60) % 1440)
    .bind((minute + 60) % 1440)
    .execute(db)
    .await
    .unwrap();
}

/// Without --no-wait the delivery is followed, but not through the night:
/// once only pushes held for their recipients' quiet hours are left, the
/// command says how many and ends.
#[sqlx::test(migrations = false)]
async fn publish_notice_stops_following_when_only_quiet_hours_hold_the_rest(db: PgPool) {
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str())];
    let output = medcab(&["migrate"], &vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    practitioner_in_quiet_hours(&db, 77).await;

    let started = std::time::Instant::now();
    let output = medcab(
        &[
            "admin",
            "publish-notice",
            "--title",
            "Приказ Минздрава № 2",
            "--summary",
            "Кратко о главном",
            "--yes",
        ],
        &vars,
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("1 practitioner(s) will get it"), "{stdout}");
    assert!(
        stdout.contains("1 of them are in their quiet hours now"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("Sent 0 of 1, failed 0; 1 wait for the end of their recipients' quiet hours"),
        "{stdout}"
    );
}

/// A confirmed account (as the register's match makes one) for `snils`.
async fn confirmed_account(db: &PgPool, vault: &Vault, id: UserId, snils: &str) {
    linked_account(db, vault, id, snils).await;
    // Past the second factor: an active account.
    sqlx::query("UPDATE accounts SET step = 'active' WHERE telegram_user_id = $1")
        .bind(id.get())
        .execute(db)
        .await
        .unwrap();
    let mut conn = db.acquire().await.unwrap();
    medcab_core::identity::confirm(&mut conn, vault, id, chrono::Utc::now())
        .await
        .unwrap()
        .expect("no one else holds the СНИЛС");
}

const EDUCATION: &str = "\u{FEFF}СНИЛС;Вид;Название;Организатор;Дата окончания;Часы или ЗЕТ;ИКП
112-233-445 95;ПК;Кардиология;РМАНПО;01.03.2025;36;
112-233-445 95;мероприятие;Съезд терапевтов;РНМОТ;15.10.2025;6;NMO-1
112-233-445 95;ИОМ;Анемии;Портал НМО;01.02.2025;-3;
112-233-445 96;ПК;Терапия;РМАНПО;01.03.2025;36;
123-456-789 64;ПК;Хирургия;ГКБ № 1;01.03.2025;36;
112-233-445 95;вебинар;Гипертензия;РКО;01.03.2025;2;
112-233-445 95;мероприятие;Конгресс;РКО;01.04.2025;6;
112-233-445 95;ПК;Будущее;РМАНПО;01.03.2099;36;
112-233-445 95;ПК;  кардиология ;РМАНПО;01.03.2025;72;
112-233-445 95;ПК;Кардиология;РМАНПО
";

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn import_education_reports_bad_rows_by_line_and_a_reimport_updates(db: PgPool) {
    use medcab_core::history::{Action, Actor, Entity};
    use medcab_core::qualification::store;
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str()), ("MEDCAB_DATA_KEY", A_KEY)];
    let vault = Vault::new(&DataKey::parse(A_KEY).unwrap());
    let anna = UserId::from_stored(4101);
    confirmed_account(&db, &vault, anna, "112-233-445 95").await;
    let file = TempFile::new("education.csv", EDUCATION.as_bytes());

    let output = medcab(&["admin", "import-education", file.path()], &vars);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("inserted: 2\nupdated:  0\nunchanged: 0\nskipped:  8\n"),
        "{stdout}"
    );
    for line in [
        "line 4: Часы или ЗЕТ: the amount is not positive",
        "line 5: СНИЛС: ",
        "line 6: СНИЛС: no confirmed account has this СНИЛС",
        "line 7: Вид: \"вебинар\" is not a kind",
        "line 8: ИКП: required",
        "line 9: Дата окончания: the date is in the future",
        // The same title in another case and spacing: the same record.
        "line 10: the same record (СНИЛС, kind, date, ИКП or title) is on line 2",
        "line 11: expected 7 fields, found 4",
    ] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }
    let records = store::list(&db, &vault, anna).await.unwrap();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|record| record.imported));
    let programme = records
        .iter()
        .find(|record| record.entry.title() == "Кардиология")
        .expect("imported");
    assert_eq!(programme.entry.amount(), 36);

    // Again, with the programme's hours corrected: that record is updated,
    // the event left as it is.
    let corrected = EDUCATION.replacen("01.03.2025;36;\n", "01.03.2025;72;\n", 1);
    let file = TempFile::new("education-2.csv", corrected.as_bytes());
    let output = medcab(&["admin", "import-education", file.path()], &vars);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("inserted: 0\nupdated:  1\nunchanged: 1\nskipped:  8\n"),
        "{stdout}"
    );
    let updated = store::get(&db, &vault, anna, programme.id)
        .await
        .unwrap()
        .expect("the same record");
    assert_eq!(updated.entry.amount(), 72);
    let versions = history::versions(&db, &vault, anna, Entity::Qualification, programme.id)
        .await
        .unwrap();
    let changes: Vec<(Actor, Action)> = versions.iter().map(|v| (v.actor, v.action)).collect();
    assert_eq!(
        changes,
        [
            (Actor::System, Action::Created),
            (Actor::System, Action::Updated)
        ]
    );

    // A header it does not know: nothing is read, and it says what it wants.
    let file = TempFile::new("education-bad.csv", "snils;hours\n1;2\n".as_bytes());
    let output = medcab(&["admin", "import-education", file.path()], &vars);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("unknown column hours"), "{stderr}");
    assert!(stderr.contains("missing column kind (Вид)"), "{stderr}");
}

/// With the clinic's record number, a corrected date and title update the
/// record they were imported as; a number given twice is the file's mistake.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn import_education_by_record_number_updates_a_corrected_date_and_title(db: PgPool) {
    use medcab_core::qualification::store;
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str()), ("MEDCAB_DATA_KEY", A_KEY)];
    let vault = Vault::new(&DataKey::parse(A_KEY).unwrap());
    let anna = UserId::from_stored(4102);
    confirmed_account(&db, &vault, anna, "112-233-445 95").await;
    let first = "Номер записи;СНИЛС;Вид;Название;Организатор;Дата окончания;Часы или ЗЕТ
ПК-17;112-233-445 95;ПК;Кардиологя;РМАНПО;01.03.2025;36
ПК-18;112-233-445 95;ПК;Терапия;РМАНПО;01.03.2024;36
ПК-17;112-233-445 95;ПК;Кардиология;РМАНПО;02.03.2025;36
";
    let file = TempFile::new("numbered.csv", first.as_bytes());
    let output = medcab(&["admin", "import-education", file.path()], &vars);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("inserted: 2\nupdated:  0\nunchanged: 0\nskipped:  1\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 4: the same record (СНИЛС and record number) is on line 2"),
        "{stdout}"
    );
    let before = store::list(&db, &vault, anna).await.unwrap();

    // The clinic corrects the title's typo and the date of ПК-17.
    let corrected = "Номер записи;СНИЛС;Вид;Название;Организатор;Дата окончания;Часы или ЗЕТ
ПК-17;112-233-445 95;ПК;Кардиология;РМАНПО;02.03.2025;36
ПК-18;112-233-445 95;ПК;Терапия;РМАНПО;01.03.2024;36
";
    let file = TempFile::new("numbered-2.csv", corrected.as_bytes());
    let output = medcab(&["admin", "import-education", file.path()], &vars);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("inserted: 0\nupdated:  1\nunchanged: 1\nskipped:  0\n"),
        "{stdout}"
    );
    let after = store::list(&db, &vault, anna).await.unwrap();
    assert_eq!(after.len(), 2, "no second record for the corrected one");
    let cardiology = after
        .iter()
        .find(|record| record.entry.title() == "Кардиология")
        .expect("the corrected title");
    assert!(before.iter().any(|record| record.id == cardiology.id));
    assert_eq!(
        cardiology.entry.completed_on(),
        chrono::NaiveDate::from_ymd_opt(2025, 3, 2).unwrap()
    );
}

/// `medcab admin import-licences`: no data key needed (nothing personal),
/// Windows-1251 with Russian headers, bad rows by line, a re-import that
/// updates by ОГРН + number.
#[sqlx::test(migrations = false)]
async fn import_licences_reports_bad_rows_and_a_reimport_updates(db: PgPool) {
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str())];
    let first = "ОГРН;ИНН;Номер лицензии;Статус;Виды работ;Организация
1027700132195;7707083893;Л041-01137-77/00368918;действует;терапии | кардиологии;ГБУЗ «ГП № 5»
1027700132196;7707083893;Л-2;действует;терапии;
1027739609391;7736050003;ЛО-77-01-000123;отозвана;хирургии;
";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(first);
    let file = TempFile::new("licences.csv", &cp1251);
    let output = medcab(&["admin", "import-licences", file.path()], &vars);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{}",
        output.status,
        text(&output.stderr)
    );
    assert!(
        stdout.contains(
            "inserted: 1\nupdated:  0\nunchanged: 0\nskipped:  2\n\
             line 3: ОГРН: OGRN check digit does not match\n\
             line 4: Статус: «отозвана» is none of active, suspended, terminated"
        ),
        "{stdout}"
    );

    let second = TempFile::new(
        "licences-2.csv",
        "ogrn,inn,number,status,works\n\
         1027700132195,7707083893,Л041-01137-77/00368918,terminated,терапии\n\
         1027739609391,7736050003,ЛО-77-01-000123,suspended,хирургии\n"
            .as_bytes(),
    );
    let output = medcab(&["admin", "import-licences", second.path()], &vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("inserted: 1\nupdated:  1\nunchanged: 0\nskipped:  0"),
        "{}",
        text(&output.stdout)
    );
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT number, status FROM organisation_licences ORDER BY ogrn")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            ("Л041-01137-77/00368918".to_owned(), "terminated".to_owned()),
            ("ЛО-77-01-000123".to_owned(), "suspended".to_owned()),
        ]
    );

    let bad = TempFile::new("licences-bad.csv", b"ogrn,inn,status\n1,2,3\n");
    let output = medcab(&["admin", "import-licences", bad.path()], &vars);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("missing columns number (Номер лицензии)"),
        "{}",
        text(&output.stderr)
    );
}

/// The clinic's schedule as an older Excel saves it: `;`, Windows-1251,
/// CRLF. Dates in 2030, past the 14 days a change is pushed for, so the
/// run tells nobody whatever day the test runs on.
const SCHEDULE: &str = "СНИЛС;Вид;Начало;Окончание;Место;Тип;Код\r
112-233-445 95;приём;02.12.2030 09:00;13:00;каб. 214;первичный;R-1\r
112-233-445 95;дежурство;02.12.2030 20:00;08:00;Хирургическое отделение;на месте;D-1\r
112-233-445 95;приём;30.02.2030 09:00;10:00;каб. 1;;R-2\r
112-233-445 95;дежурство;04.12.2030 20:00;03.12.2030 08:00;Хирургия;;D-2\r
112-233-445 95;приём;05.12.2030 09:00;12:00;каб. 214;;R-3\r
112-233-445 95;приём;05.12.2030 11:00;13:00;каб. 215;;R-4\r
112-233-445 96;приём;06.12.2030 09:00;10:00;каб. 1;;R-5\r
123-456-789 64;приём;06.12.2030 09:00;10:00;каб. 1;;R-6\r
112-233-445 95;вебинар;06.12.2030 09:00;10:00;каб. 1;;R-7\r
112-233-445 95;приём;06.12.2030 09:00\r
";

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn import_schedule_in_windows_1251_reports_bad_rows_and_overlaps_by_line(db: PgPool) {
    let url = url_of(&db).await;
    let vars = [("DATABASE_URL", url.as_str()), ("MEDCAB_DATA_KEY", A_KEY)];
    let vault = Vault::new(&DataKey::parse(A_KEY).unwrap());
    let anna = UserId::from_stored(4201);
    confirmed_account(&db, &vault, anna, "112-233-445 95").await;
    let (cp1251, _, unmappable) = encoding_rs::WINDOWS_1251.encode(SCHEDULE);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&cp1251).is_err(),
        "the file really is Windows-1251, not UTF-8"
    );
    let file = TempFile::new("schedule.csv", &cp1251);

    let output = medcab(&["admin", "import-schedule", file.path()], &vars);
    let stdout = text(&output.stdout);
    // Bad rows are the file's to fix: the run itself succeeds.
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("period:   02.12.2030 – "), "{stdout}");
    assert!(stdout.contains("notified: 0\n"), "{stdout}");
    assert!(
        stdout.contains("inserted: 2\nupdated:  0\nunchanged: 0\nskipped:  8\n"),
        "{stdout}"
    );
    for line in [
        "line 4: Начало: there is no such date",
        "line 5: Окончание: the shift ends before it starts",
        "line 6: overlaps line 7 (the same practitioner at the same time); neither row is imported",
        "line 7: overlaps line 6 (the same practitioner at the same time); neither row is imported",
        "line 8: СНИЛС: SNILS check digits do not match",
        "line 9: СНИЛС: no confirmed account has this СНИЛС",
        "line 10: Вид: \"вебинар\" is not a kind",
        "line 11: expected 7 fields, found 3",
    ] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }
    // The Cyrillic was read as such: the reasons above name the header's
    // columns, and the places open as the clinic wrote them.
    let from = chrono::DateTime::parse_from_rfc3339("2030-12-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let slots = medcab_core::schedule::store::between(
        &db,
        &vault,
        anna,
        from,
        from + chrono::Duration::days(7),
    )
    .await
    .unwrap();
    let places: Vec<&str> = slots.iter().map(|slot| slot.place.as_str()).collect();
    assert_eq!(places, ["каб. 214", "Хирургическое отделение"]);

    // The same file again changes nothing.
    let output = medcab(&["admin", "import-schedule", file.path()], &vars);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("inserted: 0\nupdated:  0\nunchanged: 2\nskipped:  8\n"),
        "{stdout}"
    );

    // A header it does not know: exit 1, nothing read, what it wants said.
    let bad = TempFile::new("schedule-bad.csv", "СНИЛС;Часы\n1;2\n".as_bytes());
    let output = medcab(&["admin", "import-schedule", bad.path()], &vars);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("unknown column Часы"), "{stderr}");
    assert!(stderr.contains("missing column kind"), "{stderr}");
    // A file that is not there: exit 1.
    let output = medcab(
        &["admin", "import-schedule", "/nonexistent/schedule.csv"],
        &vars,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot open"));
    // A zone with daylight saving time is refused before anything is read.
    let output = medcab(
        &[
            "admin",
            "import-schedule",
            file.path(),
            "--time-zone",
            "Europe/Berlin",
        ],
        &vars,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    // Settings missing: exit 2, before the file is opened.
    let output = medcab(
        &["admin", "import-schedule", file.path()],
        &[("DATABASE_URL", url.as_str())],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("MEDCAB_DATA_KEY"));
    let output = medcab(&["admin", "import-schedule", file.path()], &[]);
    assert_eq!(output.status.code(), Some(2));
    // An unknown zone is the command line's mistake: clap's exit 2.
    let output = medcab(
        &[
            "admin",
            "import-schedule",
            file.path(),
            "--time-zone",
            "Mars/Olympus",
        ],
        &vars,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("is not a time zone"));
    let slots: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule_slots")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(slots, 2, "nothing refused was stored");
}
