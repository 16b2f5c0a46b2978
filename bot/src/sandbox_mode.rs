//! `medcab sandbox`: the whole product on one machine, no Telegram account
//! and no configuration. The sandbox Telegram emulator, the real bot against
//! it, PostgreSQL (`DATABASE_URL`, or a private server under the data
//! folder), Redis when `REDIS_URL` is set (otherwise conversation positions
//! stay in memory), and a web chat to talk to the bot in a browser.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use medcab_core::crypto::Vault;
use medcab_core::{Clock, DataKey};
use medcab_sandbox::{Sandbox, SandboxConfig};

use crate::private_postgres::PrivatePostgres;
use crate::startup::{self, Application, Services};

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Where the sandbox (Bot API and web chat) listens.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub addr: SocketAddr,
    /// Where a private PostgreSQL keeps its data and the generated data key.
    #[arg(long, default_value = ".medcab-sandbox")]
    pub data_dir: PathBuf,
}

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
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
    let result = serve(&args, &database_url, &data_key).await;
    if let Some(server) = private_postgres {
        server.stop().await;
    }
    result
}

async fn serve(args: &SandboxArgs, database_url: &str, data_key: &DataKey) -> anyhow::Result<()> {
    let db = startup::connect_database(database_url).await?;
    let vault = Vault::new(data_key);
    seed_demo_register(&db, &vault).await?;
    let services = Services {
        registry: startup::registry(&db, &vault, None, None),
        vault,
        clock: Clock::system(),
        factor: medcab_core::second_factor::FactorPolicy::default(),
        reset: medcab_core::factor_resets::ResetPolicy::default(),
        // The limits may be tried out in the sandbox too; unset, the defaults.
        max_document_bytes: crate::config::max_document_bytes_from_env()?,
        document_quota: crate::config::document_quota_from_env()?,
        review_deadlines: crate::config::review_deadlines(
            crate::config::activation_review_from_env()?,
        ),
        brand: crate::config::brand_from_env()?,
        background: startup::Background::default(),
    };
    // With Redis, positions and send pacing live there (shared with any
    // `medcab deliver` started beside); without, in this process.
    let redis = match env("REDIS_URL") {
        Some(url) => Some(startup::connect_redis(&url).await?),
        None => None,
    };
    let dialogues = match &redis {
        Some(redis) => startup::redis_dialogues(redis.clone(), "medcab-sandbox:"),
        None => startup::memory_dialogues(),
    };
    let sandbox = Sandbox::start(SandboxConfig {
        addr: args.addr,
        ..SandboxConfig::default()
    })
    .await
    .with_context(|| format!("cannot start the sandbox on {}", args.addr))?;
    let api_url = sandbox
        .api_url()
        .parse()
        .context("the sandbox gave a bad API URL")?;
    let bot = Application::new(
        startup::telegram(sandbox.token(), Some(api_url)),
        db,
        dialogues,
        services,
    )
    // Reminders and inspections' reminders, as in production.
    .schedule(crate::scheduler::Schedule::default());
    let bot = match redis {
        Some(redis) => bot
            .flood(startup::redis_flood(redis.clone(), "medcab-sandbox:"))
            .delivery(startup::delivery_options(
                crate::config::DeliverySettings::from_env()?,
                redis,
                "medcab-sandbox:",
            )),
        None => bot,
    }
    .start()
    .await?;

    println!();
    println!("  medcab is running in the sandbox.");
    println!("  Open the web chat:  {}", sandbox.url());
    println!();
    println!("  To connect as a practitioner, create a user with the phone +79991234567,");
    println!("  share the contact, enter the SNILS 112-233-445 95, and scan the QR code");
    println!("  with any authenticator app (or: oathtool --totp -b <the key shown>).");
    println!("  Press Ctrl+C to stop.");
    println!();

    crate::cli::shutdown_signal().await;
    println!("Stopping … (Ctrl+C again to stop at once)");
    crate::cli::exit_on_second_signal();
    bot.stop().await;
    sandbox.shutdown().await;
    Ok(())
}

/// Two demo practitioners, so that a newcomer can go through onboarding
/// without a register export. Imported only into an empty register, so a
/// real one loaded into the sandbox's database is left alone.
async fn seed_demo_register(db: &sqlx::PgPool, vault: &Vault) -> anyhow::Result<()> {
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM registry_entries")
        .fetch_one(db)
        .await?;
    if entries == 0 {
        let demo = include_str!("sandbox_demo.csv");
        medcab_core::registry::import_csv(db, vault, demo.as_bytes(), |_| {})
            .await
            .context("cannot import the demo register")?;
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
