//! `medcab sandbox`: the whole product on one machine, no Telegram account
//! and no configuration. The sandbox Telegram emulator, the real bot against
//! it, PostgreSQL (`DATABASE_URL`, or a private server under the data
//! folder), Redis when `REDIS_URL` is set (otherwise conversation positions
//! stay in memory), a web chat to talk to the bot in a browser, and the
//! portals' HTTP API with a key of its own.
//!
//! Everything it makes is kept in the data folder (`.medcab-sandbox/`):
//! the sandbox's users and chats, the private PostgreSQL, the data key and
//! the API key, so a restart goes on where the last run stopped;
//! `--reset` starts clean.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use medcab_core::crypto::Vault;
use medcab_core::{Clock, DataKey};
use medcab_sandbox::{Sandbox, SandboxConfig};

use crate::private_postgres::PrivatePostgres;
use crate::startup::{self, Services};

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Where the sandbox (Bot API and web chat) listens.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub addr: SocketAddr,
    /// Where the portals' HTTP API (`/api/v1`) and /healthz listen.
    #[arg(long, default_value = "127.0.0.1:8091")]
    pub api_addr: SocketAddr,
    /// Where the sandbox keeps its users and chats, the private
    /// PostgreSQL, the generated data key and the API key.
    #[arg(long, default_value = ".medcab-sandbox")]
    pub data_dir: PathBuf,
    /// Start clean: forget the sandbox's users and chats, the private
    /// PostgreSQL's data and the keys (a database at DATABASE_URL, and the
    /// data key it needs, are left alone).
    #[arg(long)]
    pub reset: bool,
}

/// The sandbox's users and chats.
const STATE_FILE: &str = "sandbox.json";
/// The key of the sandbox's API client, kept to print it at every start.
const API_KEY_FILE: &str = "api.key";

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    if args.reset {
        reset(&args.data_dir, env("DATABASE_URL").is_some()).await?;
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    // Chats, keys and the database live here: for the developer's eyes only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&args.data_dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", args.data_dir.display()))?;
    }
    let data_key = data_key(&args.data_dir)?;

    let (database_url, private_postgres) = match env("DATABASE_URL") {
        Some(url) => (url, None),
        None => {
            println!(
                "Starting a private PostgreSQL in {} …",
                args.data_dir.join("postgres").display()
            );
            let server = PrivatePostgres::start(&args.data_dir.join("postgres"), "medcab").await?;
            (server.url("medcab"), Some(server))
        }
    };
    let result = serve(&args, &database_url, private_postgres.is_some(), &data_key).await;
    if let Some(server) = private_postgres {
        server.stop().await;
    }
    result
}

/// Removes what earlier runs left in `data_dir`. With a database of the
/// caller's own, its data key stays: the data sealed with it is still there.
async fn reset(data_dir: &Path, own_database: bool) -> anyhow::Result<()> {
    if !data_dir.exists() {
        return Ok(());
    }
    PrivatePostgres::remove(&data_dir.join("postgres")).await?;
    let mut files = vec![STATE_FILE, API_KEY_FILE];
    if !own_database {
        files.push("data.key");
    }
    for file in files {
        match std::fs::remove_file(data_dir.join(file)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot remove {}", data_dir.join(file).display()));
            }
        }
    }
    println!(
        "Starting clean: removed the sandbox's data in {}.",
        data_dir.display()
    );
    if own_database {
        println!("The database at DATABASE_URL is left as it is.");
    }
    Ok(())
}

async fn serve(
    args: &SandboxArgs,
    database_url: &str,
    private_database: bool,
    data_key: &DataKey,
) -> anyhow::Result<()> {
    let db = startup::connect_database(database_url).await?;
    let sandbox = Sandbox::start(SandboxConfig {
        addr: args.addr,
        state_file: Some(args.data_dir.join(STATE_FILE)),
        ..SandboxConfig::default()
    })
    .await
    .with_context(|| format!("cannot start the sandbox on {}", args.addr))?;
    let settings = settings(args, &sandbox, database_url, data_key)?;
    let vault = Vault::with_keys(&settings.data_keys);
    seed_demo_register(&db, &vault).await?;
    seed_demo_licences(&db).await?;
    let services = Services::new(&settings, &db, vault, Clock::system());
    // With Redis, positions and send pacing live there (shared with any
    // `medcab deliver` started beside); without, in this process.
    let redis = match env("REDIS_URL") {
        Some(url) => Some(startup::connect_redis(&url).await?),
        None => None,
    };
    let wakeup = crate::delivery::Wakeup::default();
    let api_key = api_key(&db, &args.data_dir).await?;
    let api = startup::api(
        &settings,
        db.clone(),
        &services,
        redis.clone(),
        wakeup.clone(),
    );
    let http = crate::http::HttpServer::start(
        settings.http_addr,
        db.clone(),
        redis.clone(),
        Some(api),
        None,
    )
    .await?;
    let metrics = match settings.metrics_addr {
        Some(addr) => {
            Some(crate::metrics::MetricsServer::start(addr, services.metrics.clone()).await?)
        }
        None => None,
    };
    let bot = startup::application(
        &settings,
        settings
            .telegram_token
            .as_deref()
            .map(|token| startup::telegram(token, settings.telegram_api_url.clone())),
        db,
        redis,
        services,
        wakeup,
    )
    // Reminders and inspections' reminders, as in production.
    .schedule(settings.schedule())
    .start()
    .await?;

    let banner = Banner {
        web_chat: sandbox.url(),
        database_url: database_url.to_owned(),
        private_database,
        data_dir: args.data_dir.clone(),
        api: format!("http://{}/api/v1", http.addr),
        api_key,
        metrics: metrics
            .as_ref()
            .map(|server| format!("http://{}/metrics", server.addr)),
        first_user: sandbox.users().await.first().map(|user| user.id),
    };
    print!("{banner}");

    crate::cli::shutdown_signal().await;
    println!("Stopping … (Ctrl+C again to stop at once)");
    crate::cli::exit_on_second_signal();
    bot.stop().await;
    http.stop().await;
    if let Some(metrics) = metrics {
        metrics.stop().await;
    }
    sandbox.shutdown().await;
    Ok(())
}

/// `medcab run`'s defaults against the sandbox, with the limits that may
/// be tried out here too taken from the environment.
fn settings(
    args: &SandboxArgs,
    sandbox: &Sandbox,
    database_url: &str,
    data_key: &DataKey,
) -> anyhow::Result<crate::config::Settings> {
    let mut settings = crate::config::Settings::with_defaults(
        sandbox.token().to_owned(),
        database_url.to_owned(),
        env("REDIS_URL").unwrap_or_default(),
        medcab_core::DataKeys::new(vec![data_key.clone()], None)?,
    );
    settings.telegram_api_url = Some(
        sandbox
            .api_url()
            .parse()
            .context("the sandbox gave a bad API URL")?,
    );
    // Its own keys in a Redis it may share with a real bot.
    settings.redis_prefix = "medcab-sandbox:".to_owned();
    settings.http_addr = args.api_addr;
    settings.max_document_bytes = crate::config::max_document_bytes_from_env()?;
    settings.document_quota = crate::config::document_quota_from_env()?;
    settings.activation_review = crate::config::activation_review_from_env()?;
    settings.brand = crate::config::brand_from_env()?;
    settings.delivery = crate::config::DeliverySettings::from_env()?;
    settings.metrics_addr = crate::config::metrics_addr_from_env()?;
    Ok(settings)
}

/// What `medcab sandbox` prints once everything runs: where to go, who to
/// be, and the lines to paste for what the web chat cannot do.
struct Banner {
    web_chat: String,
    database_url: String,
    private_database: bool,
    data_dir: PathBuf,
    api: String,
    api_key: String,
    /// `/metrics`, when `MEDCAB_METRICS_ADDR` is set.
    metrics: Option<String>,
    first_user: Option<i64>,
}

impl std::fmt::Display for Banner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let medcab = std::env::current_exe()
            .map(|path| path.display().to_string())
            .unwrap_or_else(|_| "medcab".to_owned());
        let data_dir = self.data_dir.display();
        writeln!(f)?;
        writeln!(f, "  medcab is running in the sandbox.")?;
        writeln!(f, "  Web chat:  {}", self.web_chat)?;
        let whose = if self.private_database {
            format!("private, data in {data_dir}/postgres")
        } else {
            "DATABASE_URL".to_owned()
        };
        // A database of the developer's own may have a password: it is not
        // printed (the banner ends up in scrollback and CI logs).
        writeln!(
            f,
            "  Database:  {} ({whose})",
            startup::address(&self.database_url)
        )?;
        writeln!(f, "  API:       {}  key: {}", self.api, self.api_key)?;
        if let Some(metrics) = &self.metrics {
            writeln!(f, "  Metrics:   {metrics}")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  Demo practitioners (put into an empty register): create a user with the phone,"
        )?;
        writeln!(
            f,
            "  send /start, agree, share the contact, enter the SNILS, and scan the QR code with any"
        )?;
        writeln!(
            f,
            "  authenticator app (or: oathtool --totp -b \"$(echo '<the key shown>' | tr -d ' ')\"):"
        )?;
        for practitioner in demo_practitioners() {
            writeln!(
                f,
                "    {:<26} phone {}  SNILS {}",
                practitioner.name, practitioner.phone, practitioner.snils
            )?;
        }
        writeln!(f)?;
        let user = self.first_user.map_or_else(
            || "<user id from the web chat>".to_owned(),
            |id| id.to_string(),
        );
        writeln!(f, "  Make a sandbox user review staff (an operator):")?;
        // Ready to paste, unless that would print a password.
        let has_password =
            reqwest::Url::parse(&self.database_url).map_or(true, |url| url.password().is_some());
        if !has_password {
            writeln!(
                f,
                "    DATABASE_URL='{}' {medcab} admin grant-operator {user}",
                self.database_url
            )?;
        } else {
            writeln!(
                f,
                "    DATABASE_URL=<yours> {medcab} admin grant-operator {user}"
            )?;
        }
        writeln!(
            f,
            "  Ask a connected practitioner to confirm a portal login:"
        )?;
        writeln!(
            f,
            "    curl -s -H 'Authorization: Bearer {}' -H 'content-type: application/json' \\",
            self.api_key
        )?;
        writeln!(
            f,
            "      -d '{{\"practitioner\":{{\"snils\":\"112-233-445 95\"}},\"ip\":\"203.0.113.7\",\"device\":\"Firefox, Windows\",\"place\":\"Москва\"}}' \\"
        )?;
        writeln!(f, "      {}/login-confirmations", self.api)?;
        writeln!(f)?;
        writeln!(
            f,
            "  Users and chats are kept in {data_dir}/ (--reset starts clean). Press Ctrl+C to stop."
        )?;
        writeln!(f)
    }
}

struct DemoPractitioner {
    name: String,
    phone: String,
    snils: String,
}

const DEMO_REGISTER: &str = include_str!("sandbox_demo.csv");

/// The people of the demo register, read from the same CSV that is imported.
fn demo_practitioners() -> Vec<DemoPractitioner> {
    DEMO_REGISTER
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            Some(DemoPractitioner {
                snils: fields.first()?.to_string(),
                name: fields.get(1)?.to_string(),
                phone: fields.get(3)?.to_string(),
            })
        })
        .collect()
}

/// The sandbox's API client key: the saved one while the database knows
/// it, else a new client's (a fresh database, or a reset).
async fn api_key(db: &sqlx::PgPool, data_dir: &Path) -> anyhow::Result<String> {
    use medcab_core::api_clients;
    let path = data_dir.join(API_KEY_FILE);
    let now = chrono::Utc::now();
    if let Ok(saved) = std::fs::read_to_string(&path) {
        let saved = saved.trim();
        if api_clients::authenticate(db, saved.as_bytes(), now)
            .await?
            .is_some()
        {
            return Ok(saved.to_owned());
        }
    }
    // A name of its own each time: an older sandbox client may be in the
    // database with a key nobody has any more.
    let mut attempt = 0;
    let (_, key) = loop {
        let name = format!("sandbox-{}-{attempt}", now.timestamp_millis());
        match api_clients::add(db, &name, None, now).await {
            Err(api_clients::AddError::Taken(_)) if attempt < 10 => attempt += 1,
            added => break added.context("cannot add the sandbox's API client")?,
        }
    };
    let _ = std::fs::remove_file(&path);
    write_private(&path, key.as_str())
        .with_context(|| format!("cannot save {}", path.display()))?;
    Ok(key.as_str().to_owned())
}

/// Two demo practitioners, so that a newcomer can go through onboarding
/// without a register export. Imported only into an empty register, so a
/// real one loaded into the sandbox's database is left alone.
async fn seed_demo_register(db: &sqlx::PgPool, vault: &Vault) -> anyhow::Result<()> {
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM registry_entries")
        .fetch_one(db)
        .await?;
    if entries == 0 {
        medcab_core::registry::import_csv(db, vault, DEMO_REGISTER.as_bytes(), |_| {})
            .await
            .context("cannot import the demo register")?;
    }
    Ok(())
}

const DEMO_LICENCES: &str = include_str!("sandbox_demo_licences.csv");

/// The demo organisations' licences: Анна's clinic found by its ОГРН
/// (active), Пётр's hospital by its name (the register gives no
/// identifier; suspended). Only into an empty table, as the register.
async fn seed_demo_licences(db: &sqlx::PgPool) -> anyhow::Result<()> {
    let licences: i64 = sqlx::query_scalar("SELECT count(*) FROM organisation_licences")
        .fetch_one(db)
        .await?;
    if licences == 0 {
        let now = chrono::Utc::now();
        medcab_core::licences::import_csv(db, DEMO_LICENCES.as_bytes(), now, |_| {})
            .await
            .context("cannot import the demo licences")?;
    }
    Ok(())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// `MEDCAB_DATA_KEY` if given; otherwise a key generated once and kept in
/// the data folder, so data written in one session stays readable in the next.
fn data_key(data_dir: &Path) -> anyhow::Result<DataKey> {
    if let Some(value) = env("MEDCAB_DATA_KEY") {
        return DataKey::parse(&value).context("MEDCAB_DATA_KEY is malformed");
    }
    let path = data_dir.join("data.key");
    if let Ok(saved) = std::fs::read_to_string(&path) {
        return DataKey::parse(&saved).with_context(|| format!("{} is malformed", path.display()));
    }
    let key = DataKey::generate();
    write_private(&path, &key.to_hex())
        .with_context(|| format!("cannot save {}", path.display()))?;
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo files import whole: a row skipped would be a demo
    /// practitioner who cannot connect, or a card without its licence.
    #[sqlx::test(migrator = "medcab_core::MIGRATOR")]
    async fn the_demo_register_and_licences_import_whole(db: sqlx::PgPool) {
        let vault = Vault::new(&DataKey::generate());
        seed_demo_register(&db, &vault).await.unwrap();
        let report =
            medcab_core::registry::import_csv(&db, &vault, DEMO_REGISTER.as_bytes(), |_| {})
                .await
                .unwrap();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(report.unchanged, 2);
        let report = medcab_core::licences::import_csv(
            &db,
            DEMO_LICENCES.as_bytes(),
            chrono::Utc::now(),
            |_| {},
        )
        .await
        .unwrap();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(report.inserted, 2);
        assert_eq!(demo_practitioners().len(), 2);
    }
}
