//! The `medcab` command line.

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::admin;
use crate::config::{self, DatabaseSettings, DeliverSettings, Settings};
use crate::delivery::{Delivery, DeliveryOptions, Outlets, Wakeup};
use crate::http::HttpServer;
use crate::inbox::{Intake, webhook};
use crate::metrics::{Metrics, MetricsServer};
use crate::sandbox_mode::{self, SandboxArgs};
use crate::startup::{self, Services};
use medcab_core::Clock;
use medcab_core::crypto::Vault;

/// medcab — the medical practitioner's personal account in Telegram.
///
/// Settings come from the environment or a .env file; see README.md.
#[derive(Debug, Parser)]
#[command(name = "medcab", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot (long polling), with /healthz, /readyz and the portals'
    /// API (/api/v1) on MEDCAB_HTTP_ADDR.
    ///
    /// Needs TELOXIDE_TOKEN, DATABASE_URL, REDIS_URL and MEDCAB_DATA_KEY.
    /// The API's clients and keys come from `medcab admin api-client`.
    /// Applies pending migrations first. Stops gracefully on SIGINT or SIGTERM.
    ///
    /// With MEDCAB_METRICS_ADDR, Prometheus metrics at /metrics there.
    Run,
    /// Only deliver queued notifications: no updates, no HTTP. Run as many
    /// as you like beside `medcab run`; they share the send limits through
    /// Redis.
    ///
    /// Needs TELOXIDE_TOKEN, DATABASE_URL and REDIS_URL; reads
    /// MEDCAB_SEND_PER_SECOND and MEDCAB_DELIVERY_LANES. Stops gracefully on
    /// SIGINT or SIGTERM.
    Deliver,
    /// Apply the database migrations and exit. Needs DATABASE_URL.
    Migrate,
    /// Run everything on this machine and talk to the bot in a browser.
    ///
    /// Starts a local Telegram Bot API emulator with a web chat, and the bot
    /// against it. Uses DATABASE_URL and REDIS_URL when set; otherwise starts
    /// a private PostgreSQL and keeps conversation positions in memory.
    Sandbox(SandboxArgs),
    /// Start a throwaway PostgreSQL and Redis on free ports, print
    /// DATABASE_URL=… and REDIS_URL=…, and stop them (removing their data)
    /// on SIGINT, SIGTERM or when stdin closes. For scripts/test.
    #[command(hide = true)]
    LocalServices,
    /// IT staff's chores: `import-registry FILE.csv` loads the register of
    /// medical workers; `grant-operator` / `revoke-operator TELEGRAM_ID`
    /// give and take the review staff's role; `publish-notice` and
    /// `schedule-inspection` notify practitioners; `api-client` adds, lists
    /// and revokes the portals' API keys.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run => run_bot().await,
        Command::Deliver => deliver().await,
        Command::Migrate => {
            let database = DatabaseSettings::from_env()?;
            startup::connect_database(&database.url).await?;
            println!("The database schema is up to date.");
            Ok(())
        }
        Command::Sandbox(args) => sandbox_mode::run(args).await,
        Command::LocalServices => crate::local_services::run().await,
        Command::Admin { command } => admin::run(command).await,
    }
}

async fn run_bot() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let db = startup::connect_database_with(
        &settings.database.url,
        pool_size(settings.database.connections, settings.delivery.lanes),
    )
    .await?;
    let redis = startup::connect_redis(&settings.redis_url).await?;
    let vault = Vault::with_keys(&settings.data_keys);
    if settings.registry_url.is_some() {
        // Targeting reads specialty, region and organisation from the
        // imported table; the HTTP register only answers "who is this".
        tracing::warn!(
            "MEDCAB_REGISTRY_URL is set: notices, inspections and accreditation reminders \
             are still targeted from the imported register; import its export too"
        );
    }
    let services = Services::new(&settings, &db, vault, Clock::system());
    if config::retired_api_key_is_set() {
        tracing::warn!(
            "MEDCAB_API_KEY is no longer read: give each portal its own key with \
             `medcab admin api-client add NAME` and unset it"
        );
    }
    let wakeup = Wakeup::default();
    let api = startup::api(
        &settings,
        db.clone(),
        &services,
        Some(redis.clone()),
        wakeup.clone(),
    );
    // Updates posted to the webhook routes and those polled go through one
    // intake, whose bell this instance's workers hear.
    let intake = Intake::new(db.clone(), services.vault.clone(), services.clock.clone());
    let webhooks = settings.webhook_url.as_ref().map(|_| {
        let secret = webhook::secret_in_force(settings.webhook_secret.as_deref(), &services.vault);
        webhook::Endpoint::new(intake.clone(), secret, api.refusals.clone())
    });
    let http = HttpServer::start(
        settings.http_addr,
        db.clone(),
        Some(redis.clone()),
        Some(api),
        webhooks,
    )
    .await?;
    let metrics = match settings.metrics_addr {
        Some(addr) => Some(MetricsServer::start(addr, services.metrics.clone()).await?),
        None => None,
    };
    let bot = startup::application(
        &settings,
        settings
            .telegram_token
            .as_deref()
            .map(|token| startup::telegram(token, settings.telegram_api_url.clone())),
        db,
        Some(redis),
        services,
        wakeup,
    )
    .intake(intake)
    .schedule(settings.schedule())
    .start()
    .await?;

    shutdown_signal().await;
    tracing::info!("shutting down: finishing the updates in flight");
    exit_on_second_signal();
    bot.stop().await;
    tracing::info!("the bot stopped; closing the HTTP endpoints");
    http.stop().await;
    if let Some(metrics) = metrics {
        metrics.stop().await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn deliver() -> anyhow::Result<()> {
    let settings = DeliverSettings::from_env()?;
    let db = startup::connect_database_with(
        &settings.database.url,
        pool_size(2, settings.delivery.lanes),
    )
    .await?;
    let redis = startup::connect_redis(&settings.redis_url).await?;
    let max = settings
        .max
        .as_ref()
        .map(crate::max::MaxClient::new)
        .transpose()
        .context("cannot build the Max client (MEDCAB_MAX_CA_FILE)")?;
    let delivery = Delivery::start(
        Outlets {
            telegram: settings
                .telegram_token
                .as_deref()
                .map(|token| startup::telegram(token, settings.telegram_api_url.clone())),
            max,
        },
        db,
        Clock::system(),
        DeliveryOptions {
            brand: settings.brand.clone(),
            ..startup::delivery_options(settings.delivery, redis, &settings.redis_prefix)
        },
        Wakeup::default(),
        // Counted, but not served: `medcab deliver` has no HTTP.
        Metrics::default(),
    );
    tracing::info!(
        lanes = settings.delivery.lanes,
        per_second = settings.delivery.send_per_second,
        "delivering the outbox"
    );
    shutdown_signal().await;
    tracing::info!("shutting down: finishing the sends in flight");
    exit_on_second_signal();
    delivery.stop().await;
    tracing::info!("stopped");
    Ok(())
}

/// A second Ctrl+C or SIGTERM while stopping means "now": whoever sends it
/// has waited long enough. Rows in flight roll back and go again later.
pub fn exit_on_second_signal() {
    tokio::spawn(async {
        shutdown_signal().await;
        tracing::warn!("a second signal: exiting without waiting");
        std::process::exit(130);
    });
}

/// Resolves on SIGINT (Ctrl+C) or SIGTERM (docker stop, systemd).
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl+C stops medcab");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

/// Connections for `base` users plus one per delivery lane (saturating: a
/// pool past `u32::MAX` would be refused by PostgreSQL long before).
fn pool_size(base: u32, lanes: usize) -> u32 {
    u32::try_from(lanes)
        .unwrap_or(u32::MAX)
        .saturating_add(base)
}
