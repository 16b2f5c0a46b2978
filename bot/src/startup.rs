//! Putting the bot together: connections, the dispatcher, and its lifecycle.
//!
//! The one composition root: `medcab run`, `medcab sandbox` and the
//! end-to-end tests all build the bot from one [`Settings`] through
//! [`Services::new`], [`application`] and [`api`], so the tests exercise the
//! wiring production uses and change only fields of the settings.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use medcab_core::Clock;
use medcab_core::applications::ReviewDeadlines;
use medcab_core::crypto::Vault;
use medcab_core::registry::{HttpRegistry, Registry};
use reqwest::Url;
use sqlx::ConnectOptions;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use teloxide::prelude::*;

use crate::chat::{LostPositions, Positions};
use crate::config::{Brand, DeliverySettings, Settings};
use crate::delivery::{Delivery, DeliveryOptions, Limits, Outlets, Pacer, Wakeup};
use crate::flood::{FloodGuard, FloodLimits};
use crate::handlers::{self, commands};
use crate::inbox::polling::Pollers;
use crate::inbox::worker::{Handlers, Workers};
use crate::inbox::{Intake, webhook};
use crate::scheduler::{Schedule, Scheduler};
use tokio_util::sync::CancellationToken;

/// Opens the pool and brings the schema up to date.
pub async fn connect_database(url: &str) -> anyhow::Result<PgPool> {
    connect_database_with(url, 10).await
}

/// [`connect_database`] with room for this many connections: a delivery
/// lane holds one while it sends.
pub async fn connect_database_with(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let cannot_connect = || {
        format!(
            "cannot connect to PostgreSQL at {} (DATABASE_URL)",
            address(url)
        )
    };
    let options: PgConnectOptions = url.parse().with_context(cannot_connect)?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await
        .with_context(cannot_connect)?;
    // Migrations take their own connection without statement logging: a
    // CREATE TABLE on a busy server takes a second and is no slow query
    // (sqlx would warn of each on stderr, in the middle of an admin
    // command's output).
    let mut migrating = options
        .disable_statement_logging()
        .connect()
        .await
        .with_context(cannot_connect)?;
    medcab_core::MIGRATOR
        .run(&mut migrating)
        .await
        .context("cannot apply the database migrations")?;
    Ok(pool)
}

pub async fn connect_redis(url: &str) -> anyhow::Result<redis::aio::ConnectionManager> {
    let client = redis::Client::open(url).context("REDIS_URL is malformed")?;
    redis::aio::ConnectionManager::new(client)
        .await
        .with_context(|| format!("cannot connect to Redis at {} (REDIS_URL)", address(url)))
}

/// Where a database or Redis URL points, for an error message: the user,
/// host, port and database, never the password.
pub fn address(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.set_query(None);
            parsed.to_string()
        }
        // Unparsable: saying so leaks nothing of what was typed.
        Err(_) => "an unreadable URL".to_owned(),
    }
}

/// Conversation positions in Redis under `prefix`.
pub fn redis_dialogues(redis: redis::aio::ConnectionManager, prefix: &str) -> Arc<Positions> {
    Positions::redis(redis, prefix)
}

/// Conversation positions in this process only (the sandbox without Redis).
pub fn memory_dialogues() -> Arc<Positions> {
    Positions::memory()
}

/// Each user's flood limit in Redis under `{redis_prefix}flood:`, shared
/// by every instance of one bot.
pub fn redis_flood(redis: redis::aio::ConnectionManager, redis_prefix: &str) -> FloodGuard {
    FloodGuard::redis(redis, redis_prefix, FloodLimits::default())
}

/// A Bot API client for `token`, at Telegram or at `api_url` (the sandbox,
/// or a local Bot API server).
pub fn telegram(token: &str, api_url: Option<Url>) -> Bot {
    let bot = Bot::new(token);
    match api_url {
        Some(url) => bot.set_api_url(url),
        None => bot,
    }
}

/// What handlers need besides the database: the domain's services and
/// policies, built once at start.
#[derive(Clone)]
pub struct Services {
    pub vault: Vault,
    pub registry: Registry,
    pub clock: Clock,
    /// How long a confirmed step-up lasts without activity.
    /// The session a code opens and the lockout rules.
    pub factor: medcab_core::second_factor::FactorPolicy,
    /// The cooling-off of a second-factor reset.
    pub reset: medcab_core::factor_resets::ResetPolicy,
    /// The largest document file taken (`MEDCAB_MAX_DOCUMENT_MB`).
    pub max_document_bytes: usize,
    /// How many documents, and how many bytes of them, one practitioner
    /// may keep (`MEDCAB_MAX_DOCUMENTS`, `MEDCAB_MAX_DOCUMENTS_TOTAL_MB`).
    pub document_quota: medcab_core::documents::Quota,
    /// The promised review times (`MEDCAB_ACTIVATION_REVIEW_HOURS`).
    pub review_deadlines: ReviewDeadlines,
    /// How long a referral waits for an answer (`MEDCAB_REFERRAL_EXPIRY_DAYS`).
    pub referral_expiry: chrono::Duration,
    /// The hours periodic accreditation asks for (`MEDCAB_PROGRAMME_MINIMUM_HOURS`).
    pub requirements: medcab_core::qualification::Requirements,
    /// The service's name and support contact, as users read them.
    pub brand: crate::config::Brand,
    /// The start of the addresses the HTTP server is reached at from
    /// outside, without a trailing `/` (`MEDCAB_PUBLIC_URL`): a calendar
    /// subscription's address is this and `/calendar/{token}.ics`.
    pub public_url: String,
    /// Tasks handlers start that outlive an update; they end with the bot.
    pub background: Background,
    /// The bots' names on each messenger, for deep links (known once each
    /// answered at start).
    pub links: Links,
    /// The messengers the bot is connected to (set at start), to reach a
    /// person's chat on another one than the update's: a login
    /// confirmation answered on one closes its push on the others.
    pub messengers: Vec<crate::chat::Channel>,
    /// What `/metrics` shows (`MEDCAB_METRICS_ADDR`), counted into by the
    /// route table and the delivery worker.
    pub metrics: crate::metrics::Metrics,
}

/// The bot's username on each messenger it is connected to.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub telegram: Option<String>,
    pub max: Option<String>,
}

impl Links {
    /// The bot's username on `messenger`, if connected there.
    pub fn bot(&self, messenger: crate::chat::Messenger) -> Option<&str> {
        match messenger {
            crate::chat::Messenger::Telegram => self.telegram.as_deref(),
            crate::chat::Messenger::Max => self.max.as_deref(),
        }
    }

    /// A deep link into `messenger`'s bot with this `start` payload;
    /// `None` when the bot is not connected there.
    pub fn deep_link(&self, messenger: crate::chat::Messenger, payload: &str) -> Option<String> {
        let bot = self.bot(messenger)?;
        Some(match messenger {
            crate::chat::Messenger::Telegram => format!("https://t.me/{bot}?start={payload}"),
            crate::chat::Messenger::Max => format!("https://max.ru/{bot}?start={payload}"),
        })
    }
}

impl Services {
    /// The chat `chat` names, through its messenger if the bot is
    /// connected to it.
    pub fn ui_of(&self, chat: crate::chat::ChatRef) -> Option<crate::chat::Ui> {
        self.messengers
            .iter()
            .find(|channel| channel.messenger() == chat.messenger)
            .map(|channel| channel.ui(chat.id))
    }

    /// The services `settings` ask for, on `db`, sealing with `vault`, by
    /// `clock` (the system's; the tests' stands still).
    pub fn new(settings: &Settings, db: &PgPool, vault: Vault, clock: Clock) -> Services {
        Services {
            metrics: crate::metrics::Metrics::with_outbox(db, &clock),
            registry: registry(
                db,
                &vault,
                settings.registry_url.clone(),
                settings.registry_token.clone(),
            ),
            vault,
            clock,
            factor: settings.factor,
            reset: settings.reset,
            max_document_bytes: settings.max_document_bytes,
            document_quota: settings.document_quota,
            review_deadlines: settings.review_deadlines(),
            referral_expiry: settings.referral_expiry,
            requirements: settings.brand.requirements,
            brand: settings.brand.clone(),
            public_url: match &settings.public_url {
                Some(url) => url.as_str().trim_end_matches('/').to_owned(),
                None => format!("http://{}", settings.http_addr),
            },
            background: Background::default(),
            links: Links::default(),
            messengers: Vec::new(),
        }
    }
}

/// The bot as `settings` describe it, talking to Telegram through `bot`
/// (none: Max only):
/// with Redis, conversation positions, flood limits and send pacing are
/// kept there under the settings' prefix (shared by every instance);
/// without (`medcab sandbox` alone), in this process. `wakeup` lets the
/// HTTP API wake delivery. The caller adds the scheduler if it wants one.
pub fn application(
    settings: &Settings,
    bot: Option<Bot>,
    db: PgPool,
    redis: Option<redis::aio::ConnectionManager>,
    services: Services,
    wakeup: Wakeup,
) -> Application {
    let prefix = &settings.redis_prefix;
    match redis {
        Some(redis) => Application::new(bot, db, redis_dialogues(redis.clone(), prefix), services)
            .flood(FloodGuard::redis(
                redis.clone(),
                prefix.clone(),
                settings.flood_limits,
            ))
            .delivery(DeliveryOptions {
                brand: settings.brand.clone(),
                ..delivery_options(settings.delivery, redis, prefix)
            }),
        None => Application::new(bot, db, memory_dialogues(), services)
            .flood(FloodGuard::local(settings.flood_limits))
            .delivery(DeliveryOptions {
                lanes: settings.delivery.lanes,
                pacer: Pacer::local(Limits::per_second(settings.delivery.send_per_second)),
                max_pacer: Pacer::local(Limits::max()),
                brand: settings.brand.clone(),
            }),
    }
    .delivery_wakeup(wakeup)
    .max(settings.max.clone())
    .webhook(settings.webhook_url.clone())
    .webhook_secret(settings.webhook_secret.clone())
    .lease(settings.inbox_lease)
}

/// The portals' API as `settings` describe it, for `services`' database,
/// vault and clock; request counts in Redis when there is one.
pub fn api(
    settings: &Settings,
    db: PgPool,
    services: &Services,
    redis: Option<redis::aio::ConnectionManager>,
    wakeup: Wakeup,
) -> crate::api::Api {
    crate::api::Api {
        db,
        vault: services.vault.clone(),
        clock: services.clock.clone(),
        rate: match redis {
            Some(redis) => crate::rate_limit::RateLimit::redis(
                settings.api_requests_per_minute,
                redis,
                &settings.redis_prefix,
            ),
            None => crate::rate_limit::RateLimit::local(settings.api_requests_per_minute),
        },
        wakeup,
        refusals: std::sync::Arc::default(),
    }
}

/// Work a handler starts that goes on after its update is answered
/// (following a broadcast's progress). It stops when the bot stops, like
/// everything else the bot runs; what it was doing is picked up again at
/// the next start where that matters (`handlers::resume_broadcast_progress`).
#[derive(Clone, Default)]
pub struct Background(CancellationToken);

impl Background {
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let stop = self.0.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = task => {}
            }
        });
    }

    fn stop(&self) {
        self.0.cancel();
    }
}

/// The register: an HTTP service when configured, else the imported table.
pub fn registry(db: &PgPool, vault: &Vault, url: Option<Url>, token: Option<String>) -> Registry {
    match url {
        Some(url) => {
            let http = HttpRegistry::new(url);
            Registry::Http(match token {
                Some(token) => http.with_token(token),
                None => http,
            })
        }
        None => Registry::Local {
            db: db.clone(),
            vault: vault.clone(),
        },
    }
}

/// How `medcab run` and `medcab deliver` deliver: the configured rate and
/// lanes, paced through Redis under `{redis_prefix}pace:` (the same prefix
/// for every instance of one bot, another for another bot on that Redis).
pub fn delivery_options(
    settings: DeliverySettings,
    redis: redis::aio::ConnectionManager,
    redis_prefix: &str,
) -> DeliveryOptions {
    DeliveryOptions {
        lanes: settings.lanes,
        pacer: Pacer::redis(
            redis.clone(),
            format!("{redis_prefix}pace:"),
            Limits::per_second(settings.send_per_second),
        ),
        max_pacer: Pacer::redis(redis, format!("{redis_prefix}pace:max:"), Limits::max()),
        brand: Brand::default(),
    }
}

/// The bot, ready to start.
pub struct Application {
    /// Telegram, when `TELOXIDE_TOKEN` is set; `None`: Max only.
    bot: Option<Bot>,
    db: PgPool,
    dialogues: Arc<Positions>,
    services: Services,
    polling_timeout: Duration,
    wakeup: Wakeup,
    delivery: DeliveryOptions,
    schedule: Option<Schedule>,
    flood: FloodGuard,
    max: Option<crate::max::MaxConfig>,
    /// Where the messengers post updates; `None`: long polling.
    webhook: Option<Url>,
    /// `MEDCAB_WEBHOOK_SECRET`; `None`: derived from the index key.
    webhook_secret: Option<String>,
    /// Where updates are stored as they arrive; given when the HTTP
    /// server's webhook routes store them too, else made at start.
    intake: Option<Intake>,
    /// How long an inbox lease lasts unrenewed.
    lease: Duration,
}

impl Application {
    pub fn new(
        bot: Option<Bot>,
        db: PgPool,
        dialogues: Arc<Positions>,
        services: Services,
    ) -> Application {
        Application {
            bot,
            db,
            dialogues,
            services,
            polling_timeout: Duration::from_secs(10),
            wakeup: Wakeup::default(),
            delivery: DeliveryOptions::default(),
            schedule: None,
            flood: FloodGuard::local(FloodLimits::default()),
            max: None,
            webhook: None,
            webhook_secret: None,
            intake: None,
            lease: crate::inbox::worker::LEASE,
        }
    }

    /// Talks through Max too, with the same route table, stores and
    /// services as Telegram.
    pub fn max(mut self, config: Option<crate::max::MaxConfig>) -> Application {
        self.max = config;
        self
    }

    /// Takes updates by webhook at `url` instead of long polling (the HTTP
    /// server serves the routes: [`webhook::router`]).
    pub fn webhook(mut self, url: Option<Url>) -> Application {
        self.webhook = url;
        self
    }

    /// The secret the messengers are given to send back
    /// (`MEDCAB_WEBHOOK_SECRET`); `None`: derived from the index key.
    pub fn webhook_secret(mut self, secret: Option<String>) -> Application {
        self.webhook_secret = secret;
        self
    }

    /// Stores updates through `intake`, the one the HTTP server's webhook
    /// routes store through (so this instance's workers hear of them).
    pub fn intake(mut self, intake: Intake) -> Application {
        self.intake = Some(intake);
        self
    }

    /// How long an inbox lease lasts unrenewed: how long the chats of an
    /// instance that died wait for another (tests shorten it).
    pub fn lease(mut self, lease: Duration) -> Application {
        self.lease = lease;
        self
    }

    /// Where each user's flood limit is kept; without this, in this
    /// process only (`medcab sandbox` without Redis).
    pub fn flood(mut self, flood: FloodGuard) -> Application {
        self.flood = flood;
        self
    }

    /// Runs the scheduler (reminders, the regulatory feed) beside the bot.
    /// Without this there is none: tests run its ticks themselves, so no
    /// reminder turns up in a conversation a test is checking.
    pub fn schedule(mut self, schedule: Schedule) -> Application {
        self.schedule = Some(schedule);
        self
    }

    /// How the delivery worker paces and how many lanes it runs; without
    /// this, Telegram's limits paced in this process alone (`medcab
    /// sandbox`).
    pub fn delivery(mut self, options: DeliveryOptions) -> Application {
        self.delivery = options;
        self
    }

    /// Lets whoever enqueues notifications (the HTTP API) wake the delivery
    /// worker, instead of leaving them to its next poll.
    pub fn delivery_wakeup(mut self, wakeup: Wakeup) -> Application {
        self.wakeup = wakeup;
        self
    }

    /// How long one getUpdates call waits. Shorter makes shutdown faster
    /// under a server that ignores cancellation; tests use a second.
    pub fn polling_timeout(mut self, timeout: Duration) -> Application {
        self.polling_timeout = timeout;
        self
    }

    /// Publishes the command menu, starts handling updates and delivering
    /// the outbox.
    pub async fn start(mut self) -> anyhow::Result<RunningBot> {
        if self.bot.is_none() && self.max.is_none() {
            anyhow::bail!("no messenger to talk through: set TELOXIDE_TOKEN or MEDCAB_MAX_TOKEN");
        }
        if let Some(bot) = &self.bot {
            let me = bot
                .get_me()
                .await
                .context("the Bot API does not answer getMe (TELOXIDE_TOKEN, TELOXIDE_API_URL)")?;
            tracing::info!(username = ?me.username, "connected to the Bot API");
            self.services.links.telegram = me.username.clone();
        }
        let max_client = match &self.max {
            Some(config) => {
                let client = crate::max::MaxClient::new(config)
                    .context("cannot build the Max client (MEDCAB_MAX_CA_FILE)")?;
                let me = client.me().await.context(
                    "the Max Bot API does not answer /me (MEDCAB_MAX_TOKEN, MEDCAB_MAX_API_URL)",
                )?;
                tracing::info!(username = ?me.username, "connected to the Max Bot API");
                self.services.links.max = me.username.clone();
                Some(client)
            }
            None => None,
        };
        self.services.messengers = self
            .bot
            .iter()
            .cloned()
            .map(crate::chat::Channel::Telegram)
            .chain(max_client.iter().cloned().map(crate::chat::Channel::Max))
            .collect();
        if let Some(bot) = &self.bot {
            commands::publish(&crate::chat::Channel::Telegram(bot.clone()), &self.db)
                .await
                .map_err(|error| anyhow::anyhow!(error))
                .context("cannot publish the command menu")?;
        }

        let delivery = Delivery::start(
            Outlets {
                telegram: self.bot.clone(),
                max: max_client.clone(),
            },
            self.db.clone(),
            self.services.clock.clone(),
            self.delivery,
            self.wakeup,
            self.services.metrics.clone(),
        );
        // Operators' progress messages of broadcasts still going.
        let background = self.services.background.clone();
        background.spawn(handlers::resume_broadcast_progress(
            self.services.messengers.clone(),
            self.db.clone(),
            self.services.clock.clone(),
            background.clone(),
        ));
        let scheduler = self.schedule.map(|schedule| {
            let enrolments = crate::scheduler::Enrolments {
                channels: self.services.messengers.clone(),
                vault: self.services.vault.clone(),
            };
            Scheduler::start(
                self.db.clone(),
                self.services.clock.clone(),
                schedule,
                enrolments,
            )
        });
        let intake = self.intake.unwrap_or_else(|| {
            Intake::new(
                self.db.clone(),
                self.services.vault.clone(),
                self.services.clock.clone(),
            )
        });
        intake.tell_outages_through(self.services.messengers.clone());
        let pollers = match &self.webhook {
            Some(url) => {
                let secret =
                    webhook::secret_in_force(self.webhook_secret.as_deref(), &self.services.vault);
                webhook::register(url, &secret, self.bot.as_ref(), max_client.as_ref()).await?;
                None
            }
            None => Some(Pollers::start(
                &intake,
                self.bot.clone(),
                max_client.clone(),
                self.polling_timeout,
            )),
        };
        let handlers = Handlers {
            dependencies: dptree::deps![
                self.db,
                self.dialogues,
                self.services,
                self.flood,
                LostPositions::default()
            ],
            telegram: self
                .bot
                .map(|bot| (bot, crate::chat::telegram::routes(handlers::schema()))),
            max: max_client.map(|client| (client, handlers::schema())),
        };
        let workers = Workers::start(&intake, handlers, self.lease);
        Ok(RunningBot {
            pollers,
            workers,
            delivery,
            scheduler,
            background,
        })
    }
}

/// A bot handling updates in the background.
pub struct RunningBot {
    /// This instance's pollers (one leads per messenger); none with
    /// webhooks.
    pollers: Option<Pollers>,
    workers: Workers,
    delivery: Delivery,
    scheduler: Option<Scheduler>,
    background: Background,
}

impl RunningBot {
    /// Stops taking updates, lets the ones in hand finish, stops
    /// delivering the outbox, and returns. A webhook stays registered:
    /// other instances go on taking updates.
    pub async fn stop(self) {
        if let Some(pollers) = self.pollers {
            pollers.stop().await;
        }
        self.workers.stop().await;
        self.background.stop();
        self.delivery.stop().await;
        if let Some(scheduler) = self.scheduler {
            scheduler.stop().await;
        }
    }

    /// Stops everything at once, as a crash would: no update or row in
    /// flight is finished (rows roll back and are delivered again; an
    /// update in hand is taken again when its chat's lease runs out).
    pub fn kill(self) {
        if let Some(pollers) = self.pollers {
            pollers.kill();
        }
        self.workers.kill();
        self.background.stop();
        self.delivery.kill();
        if let Some(scheduler) = self.scheduler {
            scheduler.kill();
        }
    }

    /// The delivery worker running beside the inbox's workers.
    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}
