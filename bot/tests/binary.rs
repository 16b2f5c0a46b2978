//! The `medcab` binary as an operator meets it: configuration errors, the
//! health endpoints, a real conversation, and a graceful stop on SIGTERM.

mod common;
use common::{free_addr, url_of};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use medcab_sandbox::{Client, NewUser, Sandbox, SandboxConfig};
use sqlx::PgPool;

const MEDCAB: &str = env!("CARGO_BIN_EXE_medcab");
const A_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `medcab` with a clean environment plus `vars`.
fn medcab(args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(MEDCAB);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    // No .env from the working directory may leak in.
    command.current_dir(std::env::temp_dir());
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

fn one_line_error(args: &[&str], vars: &[(&str, &str)]) -> String {
    let output = medcab(args, vars).output().expect("medcab runs");
    assert_eq!(
        output.status.code(),
        Some(2),
        "a configuration error exits with 2"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line, no panic trace: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.trim_end().to_owned()
}

#[test]
fn a_missing_setting_is_one_line_naming_it() {
    let line = one_line_error(&["migrate"], &[]);
    assert!(
        line.starts_with("medcab: DATABASE_URL is not set"),
        "{line}"
    );
}

#[test]
fn a_malformed_setting_is_one_line_naming_it() {
    let good = [
        ("TELOXIDE_TOKEN", "123:abc"),
        ("DATABASE_URL", "postgres://localhost/x"),
        ("REDIS_URL", "redis://localhost"),
        ("MEDCAB_DATA_KEY", A_KEY),
    ];
    for (name, bad) in [
        ("TELOXIDE_TOKEN", "not-a-token"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("REDIS_URL", "localhost:6379"),
        ("MEDCAB_DATA_KEY", "too-short"),
        ("MEDCAB_HTTP_ADDR", "everywhere"),
        ("MEDCAB_API_REQUESTS_PER_MINUTE", "0"),
        ("MEDCAB_SEND_PER_SECOND", "5000"),
        ("MEDCAB_DELIVERY_LANES", "0"),
        ("MEDCAB_REGULATION_FEED_URL", "ftp://minzdrav/feed"),
        ("MEDCAB_REGULATION_FEED_MINUTES", "0"),
        ("MEDCAB_REDIS_PREFIX", "medcab pace *"),
    ] {
        let mut vars: Vec<_> = good.iter().filter(|(n, _)| *n != name).copied().collect();
        vars.push((name, bad));
        let line = one_line_error(&["run"], &vars);
        assert!(
            line.starts_with(&format!("medcab: {name} is malformed")),
            "{line}"
        );
    }
}

#[test]
fn every_missing_or_malformed_setting_is_listed_at_once() {
    let output = medcab(
        &["run"],
        &[
            ("REDIS_URL", "localhost:6379"),
            ("MEDCAB_DELIVERY_LANES", "0"),
            ("MEDCAB_SEND_PER_SECOND", "fast"),
            ("MEDCAB_MAX_DOCUMENTS", "0"),
            ("MEDCAB_MAX_DOCUMENTS_TOTAL_MB", "lots"),
        ],
    )
    .output()
    .expect("medcab runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let mut lines = stderr.trim_end().lines();
    assert_eq!(
        lines.next(),
        Some("medcab: 8 settings are missing or malformed:"),
        "{stderr}"
    );
    let problems: Vec<&str> = lines.map(str::trim).collect();
    for expected in [
        "TELOXIDE_TOKEN is not set",
        "DATABASE_URL is not set",
        "REDIS_URL is malformed",
        "MEDCAB_DATA_KEY is not set",
        "MEDCAB_MAX_DOCUMENTS is malformed",
        "MEDCAB_MAX_DOCUMENTS_TOTAL_MB is malformed",
        "MEDCAB_SEND_PER_SECOND is malformed",
        "MEDCAB_DELIVERY_LANES is malformed",
    ] {
        assert!(
            problems.iter().any(|line| line.starts_with(expected)),
            "{expected}: {stderr}"
        );
    }
    assert_eq!(problems.len(), 8, "{stderr}");
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    // Nothing listens on port 1.
    let output = medcab(
        &["migrate"],
        &[(
            "DATABASE_URL",
            "postgres://medcab:s3cret@127.0.0.1:1/medcab",
        )],
    )
    .output()
    .expect("medcab runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cannot connect to PostgreSQL at postgres://medcab:***@127.0.0.1:1/medcab"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn a_malformed_log_format_is_a_configuration_error() {
    // A malformed format is a configuration error like any other.
    let line = one_line_error(&["migrate"], &[("MEDCAB_LOG_FORMAT", "xml")]);
    assert!(
        line.starts_with("medcab: MEDCAB_LOG_FORMAT is malformed"),
        "{line}"
    );
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["migrate", "--help"],
        &["sandbox", "--help"],
    ] {
        let output = medcab(args, &[]).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage: medcab"),
            "{args:?}"
        );
    }
}

async fn wait_until_ready(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = reqwest::get(format!("http://{addr}/readyz")).await;
        if ready.is_ok_and(|response| response.status().is_success()) {
            return;
        }
        assert!(Instant::now() < deadline, "medcab never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn run_serves_health_talks_and_stops_gracefully_on_sigterm(db: PgPool) {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let log = tempfile_for("run.log");
    let http_addr = free_addr();
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let mut child = medcab(
        &["run"],
        &[
            ("TELOXIDE_TOKEN", sandbox.token()),
            ("TELOXIDE_API_URL", &sandbox.api_url()),
            ("DATABASE_URL", &url_of(&db).await),
            ("REDIS_URL", &redis_url),
            ("MEDCAB_DATA_KEY", A_KEY),
            ("MEDCAB_HTTP_ADDR", &http_addr),
            ("MEDCAB_LOG_FORMAT", "json"),
        ],
    )
    .stdout(Stdio::null())
    // The log, to show what it was doing if it does not stop.
    .stderr(Stdio::from(log.reopen().unwrap()))
    .spawn()
    .unwrap();

    wait_until_ready(&http_addr).await;
    let health = reqwest::get(format!("http://{http_addr}/healthz"))
        .await
        .unwrap();
    assert!(health.status().is_success());
    // The portals' API is served too, and only with the key.
    let api = format!(
        "http://{http_addr}/api/v1/login-confirmations/5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e"
    );
    let anonymous = reqwest::get(&api).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // A client's key, from the table `run` migrated.
    let (_, key) = medcab_core::api_clients::add(&db, "portal", None, chrono::Utc::now())
        .await
        .unwrap();
    let with_key = reqwest::Client::new()
        .get(&api)
        .bearer_auth(key.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status().as_u16(), 404);

    // `run` applied the migrations itself.
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'processed_updates'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(tables, 1);

    let client = Client::new(sandbox.url());
    let user = client
        .create_user(NewUser::named("Анна").with_language("ru"))
        .await
        .unwrap();
    client.send_text(user.id, "/start").await.unwrap();
    let chat = client
        .wait_for(user.id, |chat| chat.last_bot_message().is_some())
        .await
        .unwrap();
    assert!(
        chat.last_bot_message()
            .unwrap()
            .body()
            .starts_with("Здравствуйте, Анна!")
    );

    let Some(status) = common::terminate(&mut child) else {
        panic!(
            "medcab did not stop within 45 s of SIGTERM; its log:\n{}",
            std::fs::read_to_string(log.path()).unwrap_or_default()
        );
    };
    assert!(status.success(), "a graceful stop exits 0, got {status}");
    // For a log collector: every line JSON; and a normal start and stop
    // say nothing from libraries below a warning.
    let logged = std::fs::read_to_string(log.path()).unwrap();
    for line in logged.lines().filter(|line| !line.trim().is_empty()) {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let target = event["target"].as_str().unwrap_or_default();
        assert!(
            event["level"] != "INFO" || target.starts_with("medcab"),
            "library information on a normal start: {line}"
        );
    }
    let refused = client.errors().await.unwrap();
    assert!(
        refused.is_empty(),
        "the sandbox refused calls: {refused:#?}"
    );
    sandbox.shutdown().await;
}

/// A file in the temporary directory for this test run, removed when the
/// test process ends (best effort: left behind if it crashes).
struct TempLog {
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl TempLog {
    fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn reopen(&self) -> std::io::Result<std::fs::File> {
        self.file.try_clone()
    }
}

impl Drop for TempLog {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn tempfile_for(name: &str) -> TempLog {
    let path = std::env::temp_dir().join(format!("medcab-{}-{name}", std::process::id()));
    let file = std::fs::File::create(&path).expect("a temporary log file");
    TempLog { path, file }
}
