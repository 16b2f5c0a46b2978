//! The end-to-end test harness: a sandbox Telegram, the real bot against
//! it, a fresh PostgreSQL database and a private Redis key prefix per test.
//!
//! ```ignore
//! #[medcab_e2e::test]
//! async fn greets(app: TestApp) {
//!     let anna = app.user("Анна", "ru").await;
//!     let reply = anna.send("/start").await;
//!     assert!(reply.body().starts_with("Здравствуйте, Анна!"));
//! }
//! ```
//!
//! The attribute gives the test its own migrated database, starts the app
//! ([`TestApp::spawn`]) and ends with [`TestApp::finish`], which fails the
//! test if the sandbox refused any Bot API call the bot made: a text over
//! 4096 characters, bad HTML or a long callback_data is a bug even when the
//! user saw nothing wrong. A test that needs other settings calls
//! [`TestApp::spawn_with`] under `#[sqlx::test]` and ends with `finish`
//! itself.

use std::time::Duration;

pub use medcab_e2e_macros::test;

use chrono::{DateTime, Utc};
use medcab_bot::config::Settings;
use medcab_bot::delivery::{Delivery, DeliveryOptions, Outlets, Wakeup};
use medcab_bot::http::HttpServer;
use medcab_bot::metrics::{Metrics, MetricsServer};
use medcab_bot::startup::{self, RunningBot, Services};
use medcab_core::channels::Messenger;
use medcab_core::crypto::Vault;
use medcab_core::{Clock, DataKey, DataKeys, UserId};
use medcab_sandbox::{
    CallbackAnswer, Chat, ChatMessage, Client, NewUser, PressButton, RefusedCall, Sandbox,
    SandboxConfig, User,
};
use sqlx::PgPool;

pub use medcab_sandbox as sandbox;

pub mod browser;
pub mod cut;
pub mod process;

pub struct TestApp {
    pub db: PgPool,
    pub client: Client,
    /// The bot's clock: stands still until a test moves it.
    pub clock: Clock,
    pub vault: Vault,
    /// The settings the bot is built from, as `medcab run` builds it
    /// (`startup::Services::new`, `startup::application`, `startup::api`):
    /// `medcab run`'s defaults, against the sandbox, under this test's
    /// Redis prefix, with a flood limit far above production's (tests type
    /// far faster than people; a test of the limit sets
    /// `FloodLimits::default()`). A test changes fields in
    /// [`TestApp::spawn_with`] or before [`TestApp::start_bot`]; changes
    /// take effect at the next bot start (the API's, at spawn only).
    pub settings: Settings,
    /// The pool the bot and delivery workers use: the test's database, with
    /// room for every lane (the test's own pool holds five connections).
    bot_db: PgPool,
    sandbox: Sandbox,
    redis: redis::aio::ConnectionManager,
    bot: Option<RunningBot>,
    /// The HTTP API (`/api/v1`) on 127.0.0.1.
    http: Option<HttpServer>,
    /// The key of the API client [`TestApp::api`] calls as
    /// ([`TEST_API_CLIENT`]), made as `medcab admin api-client add` makes it.
    api_key: String,
    wakeup: Wakeup,
    /// Where this app's updates are stored as they arrive: shared by the
    /// HTTP server's webhook routes and the bot (polled ones).
    intake: medcab_bot::inbox::Intake,
    /// How long the bot's inbox leases last unrenewed (production's 15 s;
    /// a fault test shortens it so a killed bot's chats come back soon).
    pub inbox_lease: Duration,
    /// What the bot counts into, kept across its restarts (one
    /// composition root: one `Metrics`).
    metrics: Metrics,
    /// `/metrics`, when the settings have a `metrics_addr`.
    metrics_server: Option<MetricsServer>,
}

/// The name of the API client every test has.
pub const TEST_API_CLIENT: &str = "test-portal";

impl TestApp {
    /// A sandbox and the bot against it, on `db` (a fresh, migrated
    /// database from `#[sqlx::test]`).
    pub async fn spawn(db: PgPool) -> TestApp {
        TestApp::spawn_with(db, |_| {}).await
    }

    /// [`TestApp::spawn`], with settings changed before the bot starts
    /// (delivery lanes and rate, the register …).
    pub async fn spawn_with(db: PgPool, configure: impl FnOnce(&mut TestApp)) -> TestApp {
        let redis_url =
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        TestApp::spawn_on(db, &redis_url, configure).await
    }

    /// [`TestApp::spawn`] against the Redis at `redis_url` (a
    /// [`PrivateRedis`] a test may stop and start).
    pub async fn spawn_with_redis(db: PgPool, redis_url: &str) -> TestApp {
        TestApp::spawn_on(db, redis_url, |_| {}).await
    }

    async fn spawn_on(
        db: PgPool,
        redis_url: &str,
        configure: impl FnOnce(&mut TestApp),
    ) -> TestApp {
        if std::env::var_os("TEST_LOG").is_some() {
            medcab_bot::telemetry::init().expect("MEDCAB_LOG_FORMAT is text or json");
        }
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("the sandbox starts");
        let client = Client::new(sandbox.url());
        let redis = startup::connect_redis(redis_url)
            .await
            .expect("Redis answers at REDIS_URL");
        let clock = Clock::manual(test_start());
        let mut settings = Settings::with_defaults(
            sandbox.token().to_owned(),
            std::env::var("DATABASE_URL").unwrap_or_default(),
            redis_url.to_owned(),
            DataKeys::new(vec![DataKey::generate()], None).expect("a ring of one key"),
        );
        settings.telegram_api_url = Some(sandbox.api_url().parse().expect("the sandbox's URL"));
        // Max too, as `medcab run` with MEDCAB_MAX_TOKEN: every test's bot
        // talks through both, as a deployment with both does.
        settings.max = Some(medcab_bot::max::MaxConfig {
            token: sandbox.max_token().to_owned(),
            api_url: sandbox
                .max_api_url()
                .parse()
                .expect("the sandbox's Max URL"),
            ca_file: None,
        });
        settings.redis_prefix = format!("medcab-test:{}:", uuid::Uuid::new_v4());
        settings.http_addr = "127.0.0.1:0".parse().expect("an address");
        settings.flood_limits = medcab_bot::flood::FloodLimits {
            burst: 10_000,
            interval: Duration::from_millis(1),
        };
        let vault = Vault::with_keys(&settings.data_keys);
        let bot_db = sqlx::postgres::PgPoolOptions::new()
            .max_connections(24)
            .connect_with(db.connect_options().as_ref().clone())
            .await
            .expect("the test database takes a second pool");
        let intake = medcab_bot::inbox::Intake::new(bot_db.clone(), vault.clone(), clock.clone());
        let mut app = TestApp {
            intake,
            inbox_lease: medcab_bot::inbox::worker::LEASE,
            db,
            bot_db,
            client,
            clock,
            vault,
            settings,
            sandbox,
            redis,
            bot: None,
            http: None,
            api_key: String::new(),
            wakeup: Wakeup::default(),
            metrics: Metrics::default(),
            metrics_server: None,
        };
        configure(&mut app);
        app.metrics = Metrics::with_outbox(&app.bot_db, &app.clock);
        if let Some(addr) = app.settings.metrics_addr {
            app.metrics_server = Some(
                MetricsServer::start(addr, app.metrics.clone())
                    .await
                    .expect("the metrics server starts"),
            );
        }
        let (_, key) =
            medcab_core::api_clients::add(&app.db, TEST_API_CLIENT, None, app.clock.now())
                .await
                .expect("the API client is added");
        app.api_key = key.as_str().to_owned();
        let api = startup::api(
            &app.settings,
            app.db.clone(),
            &app.services(),
            Some(app.redis.clone()),
            app.wakeup.clone(),
        );
        let refusals = api.refusals.clone();
        app.http = Some(
            HttpServer::start(
                app.settings.http_addr,
                app.db.clone(),
                None,
                Some(api),
                Some(medcab_bot::inbox::webhook::Endpoint::new(
                    app.intake.clone(),
                    medcab_bot::inbox::webhook::secret_in_force(
                        app.settings.webhook_secret.as_deref(),
                        &app.vault,
                    ),
                    refusals,
                )),
            )
            .await
            .expect("the HTTP server starts"),
        );
        // A test that asks for webhooks (any URL) gets this server's.
        if app.settings.webhook_url.is_some() {
            app.settings.webhook_url = format!("http://{}", app.http_addr()).parse().ok();
        }
        // The address the bot gives out (a calendar subscription) is the
        // one the server really listens on.
        if app.settings.public_url.is_none() {
            app.settings.public_url = format!("http://{}", app.http_addr()).parse().ok();
        }
        app.start_bot().await;
        app
    }

    /// The sandbox's base URL: its web chat at `/`, as `medcab sandbox`
    /// serves it.
    pub fn sandbox_url(&self) -> String {
        self.sandbox.url()
    }

    /// The sandbox the bot talks to (its URLs and tokens, for a bot
    /// process of its own: `processes`).
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Where the HTTP server listens (the API, the calendar feed).
    pub fn http_addr(&self) -> std::net::SocketAddr {
        self.http.as_ref().expect("the HTTP server runs").addr
    }

    /// Where `/metrics` is served (a test that set `settings.metrics_addr`).
    pub fn metrics_addr(&self) -> std::net::SocketAddr {
        self.metrics_server
            .as_ref()
            .expect("the metrics server runs (settings.metrics_addr)")
            .addr
    }

    /// A client for the HTTP API, as [`TEST_API_CLIENT`] with its key.
    pub fn api(&self) -> ApiClient {
        let addr = self.http.as_ref().expect("the HTTP server runs").addr;
        ApiClient {
            base: format!("http://{addr}/api/v1"),
            key: Some(self.api_key.clone()),
            scheme: "Bearer".to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Adds another API client (as `medcab admin api-client add` does,
    /// expiring at `expires_at` if given) and returns a client calling as it.
    pub async fn add_api_client(&self, name: &str, expires_at: Option<DateTime<Utc>>) -> ApiClient {
        let (_, key) = medcab_core::api_clients::add(&self.db, name, expires_at, self.clock.now())
            .await
            .expect("the API client is added");
        self.api().with_key(Some(key.as_str()))
    }

    fn services(&self) -> Services {
        Services {
            metrics: self.metrics.clone(),
            ..Services::new(
                &self.settings,
                &self.db,
                self.vault.clone(),
                self.clock.clone(),
            )
        }
    }

    /// Starts the bot (again, after [`TestApp::stop_bot`]).
    pub async fn start_bot(&mut self) {
        let bot = startup::application(
            &self.settings,
            self.settings
                .telegram_token
                .as_ref()
                .map(|_| self.bot_api()),
            self.bot_db.clone(),
            Some(self.redis.clone()),
            self.services(),
            self.wakeup.clone(),
        )
        .polling_timeout(Duration::from_secs(1))
        .intake(self.intake.clone())
        .lease(self.inbox_lease)
        .start()
        .await
        .expect("the bot starts");
        self.bot = Some(bot);
    }

    /// Stops the bot gracefully; updates sent meanwhile wait in the sandbox.
    pub async fn stop_bot(&mut self) {
        if let Some(bot) = self.bot.take() {
            bot.stop().await;
        }
    }

    /// Kills the bot, as `kill -9` would: the updates and sends in flight
    /// are not finished, and their outbox rows roll back.
    pub fn kill_bot(&mut self) {
        if let Some(bot) = self.bot.take() {
            bot.kill();
        }
    }

    /// How the bot's worker and [`TestApp::start_delivery_worker`] deliver:
    /// the settings' lanes and rate, paced in Redis under this test's prefix.
    pub fn delivery_options(&self) -> DeliveryOptions {
        DeliveryOptions {
            brand: self.settings.brand.clone(),
            ..startup::delivery_options(
                self.settings.delivery,
                self.redis.clone(),
                &self.settings.redis_prefix,
            )
        }
    }

    /// Another instance delivering the same outbox, as `medcab deliver`
    /// does: the same database, sandbox, clock and Redis prefix. Stop it
    /// (or kill it) before [`TestApp::finish`].
    pub fn start_delivery_worker(&self) -> Delivery {
        let max =
            self.settings.max.as_ref().map(|config| {
                medcab_bot::max::MaxClient::new(config).expect("the Max client builds")
            });
        Delivery::start(
            Outlets::telegram(self.bot_api()).with_max(max),
            self.bot_db.clone(),
            self.clock.clone(),
            self.delivery_options(),
            Wakeup::default(),
            Metrics::default(),
        )
    }

    /// Tells the bot's delivery worker to look at the outbox now rather
    /// than at its next poll.
    pub fn wake_delivery(&self) {
        self.wakeup.wake();
    }

    /// Notifications the bot's own delivery worker has sent since it started.
    pub fn bot_delivered(&self) -> u64 {
        self.bot.as_ref().map_or(0, |bot| bot.delivery().sent())
    }

    /// Stops the bot gracefully and starts a new one on the same database,
    /// Redis and sandbox, as a deployment would.
    pub async fn restart_bot(&mut self) {
        self.stop_bot().await;
        self.start_bot().await;
    }

    /// Forgets every conversation position, as a Redis flush would.
    pub async fn flush_redis(&self) {
        let mut redis = self.redis.clone();
        let mut keys_command = redis::cmd("KEYS");
        keys_command.arg(format!("{}*", self.settings.redis_prefix));
        // A connection a Redis restart broke (a fault test's) fails once;
        // the manager connects anew for the next call.
        let keys: Vec<String> = match keys_command.query_async(&mut redis).await {
            Ok(keys) => keys,
            Err(_) => keys_command.query_async(&mut redis).await.expect("KEYS"),
        };
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL")
                .arg(keys)
                .query_async(&mut redis)
                .await
                .expect("DEL");
        }
    }

    /// This test's Redis keys whose names contain `text` (a user's id).
    pub async fn redis_keys_naming(&self, text: &str) -> Vec<String> {
        let mut redis = self.redis.clone();
        let mut keys_command = redis::cmd("KEYS");
        keys_command.arg(format!("{}*", self.settings.redis_prefix));
        // A connection a Redis restart broke (a fault test's) fails once;
        // the manager connects anew for the next call.
        let keys: Vec<String> = match keys_command.query_async(&mut redis).await {
            Ok(keys) => keys,
            Err(_) => keys_command.query_async(&mut redis).await.expect("KEYS"),
        };
        keys.into_iter().filter(|key| key.contains(text)).collect()
    }

    /// A Bot API client as the bot has it, for making the bot misbehave.
    pub fn bot_api(&self) -> teloxide::Bot {
        startup::telegram(
            self.settings
                .telegram_token
                .as_deref()
                .expect("the tests' bot talks to Telegram"),
            self.settings.telegram_api_url.clone(),
        )
    }

    /// A new simulated Telegram user with the given phone language.
    pub async fn user(&self, first_name: &str, language_code: &str) -> Phone<'_> {
        let user = self
            .client
            .create_user(NewUser::named(first_name).with_language(language_code))
            .await
            .expect("the sandbox creates a user");
        Phone::telegram(self, user)
    }

    /// A new simulated Max user with the given phone language.
    pub async fn max_user(&self, first_name: &str, language_code: &str) -> Phone<'_> {
        self.max_user_with(NewUser::named(first_name).with_language(language_code))
            .await
    }

    /// [`TestApp::max_user`] whose phone number is `phone`.
    pub async fn max_user_with_phone(
        &self,
        first_name: &str,
        language_code: &str,
        phone: &str,
    ) -> Phone<'_> {
        self.max_user_with(
            NewUser::named(first_name)
                .with_language(language_code)
                .with_phone(phone),
        )
        .await
    }

    async fn max_user_with(&self, new: NewUser) -> Phone<'_> {
        let user = self
            .client
            .max()
            .create_user(new)
            .await
            .expect("the sandbox creates a Max user");
        self.phone_on(
            Messenger::Max,
            User {
                id: user.id,
                first_name: user.first_name,
                last_name: user.last_name,
                username: user.username,
                language_code: user.language_code,
                phone_number: user.phone_number,
            },
        )
    }

    /// A practitioner who has already connected: consent given, linked,
    /// second factor enrolled (set up through core, not the chat).
    pub async fn active_user(&self, first_name: &str, language_code: &str) -> Phone<'_> {
        use medcab_core::{accounts, consent, second_factor};
        let phone = self.user(first_name, language_code).await;
        let id = phone.id();
        let user_id = phone.user_id();
        let now = self.clock.now();
        let snils = medcab_core::domain::Snils::parse(&valid_snils(id)).expect("a valid СНИЛС");
        let number =
            medcab_core::domain::PhoneNumber::parse(&format!("+79{:09}", id % 1_000_000_000))
                .expect("a phone");
        consent::give(&self.db, user_id, now).await.unwrap();
        accounts::open(&self.db, user_id, now).await.unwrap();
        accounts::set_phone(&self.db, &self.vault, user_id, &number)
            .await
            .unwrap();
        accounts::set_snils(&self.db, &self.vault, user_id, &snils)
            .await
            .unwrap();
        accounts::link(&self.db, user_id, now).await.unwrap();
        let secret = second_factor::enrolment_secret(&self.db, &self.vault, user_id, now)
            .await
            .unwrap();
        // An earlier step than the tests' clock, so their own codes are fresh.
        let code = secret.code_at(now.timestamp() - 30);
        let checked = second_factor::check_code(
            &self.db,
            &self.vault,
            user_id,
            &code,
            now,
            second_factor::FactorPolicy::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            checked,
            second_factor::CodeCheck::Accepted { enrolled_now: true }
        );
        phone
    }

    /// An active practitioner whose account is confirmed (matched in the
    /// register): the only kind whose logins portals may ask about.
    pub async fn confirmed_user(&self, first_name: &str, language_code: &str) -> Phone<'_> {
        let phone = self.active_user(first_name, language_code).await;
        let mut conn = self.db.acquire().await.expect("a connection");
        medcab_core::identity::confirm(&mut conn, &self.vault, phone.user_id(), self.clock.now())
            .await
            .expect("the account is confirmed")
            .expect("no other account holds the СНИЛС");
        phone
    }

    /// A new simulated user whose Telegram account has this phone number.
    pub async fn user_with_phone(
        &self,
        first_name: &str,
        language_code: &str,
        phone: &str,
    ) -> Phone<'_> {
        let user = self
            .client
            .create_user(
                NewUser::named(first_name)
                    .with_language(language_code)
                    .with_phone(phone),
            )
            .await
            .expect("the sandbox creates a user");
        Phone::telegram(self, user)
    }

    /// Puts a practitioner in the register, through the real CSV import.
    pub async fn register(&self, snils: &str, full_name: &str, phone: &str) {
        self.import_register_row(&format!(
            "{snils},{full_name},1985-03-14,{phone},Терапия,Врач-терапевт участковый,ГБУЗ ГП № 1,Москва,7722 012345678,2029-06-30"
        ))
        .await;
    }

    /// One row of the register's CSV export, imported as an operator would.
    async fn import_register_row(&self, row: &str) {
        let csv = format!(
            "snils,full_name,birth_date,phone,specialty,position,organisation,region,accreditation_number,accreditation_valid_until\n{row}\n"
        );
        let report =
            medcab_core::registry::import_csv(&self.db, &self.vault, csv.as_bytes(), |_| {})
                .await
                .expect("the register imports");
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    }

    /// A confirmed practitioner whose register entry names `entry`'s
    /// specialty, region, organisation and accreditation (through the real
    /// CSV import): whom notices and reminders target.
    pub async fn practitioner(&self, name: &str, entry: RegisterEntry<'_>) -> Phone<'_> {
        let phone = self.confirmed_user(name, "ru").await;
        let accreditation = entry
            .accreditation_valid_until
            .map(|date| date.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        self.import_register_row(&format!(
            "{},Иванова Анна Сергеевна,1985-03-14,+79{:09},{},Врач,{},{},7722 012345678,{accreditation}",
            valid_snils(phone.id()),
            phone.id() % 1_000_000_000,
            entry.specialty,
            entry.organisation,
            entry.region,
        ))
        .await;
        phone
    }

    /// Runs one tick of the scheduler (reminders; no feed) by the bot's
    /// clock, and wakes delivery. The bot in tests runs no scheduler of its
    /// own, so nothing is reminded unless a test asks.
    pub async fn scheduler_tick(&self) -> medcab_bot::scheduler::Ticked {
        let mut channels = vec![medcab_bot::chat::Channel::Telegram(self.bot_api())];
        if let Some(config) = &self.settings.max {
            let client = medcab_bot::max::MaxClient::new(config).expect("the Max client");
            channels.push(medcab_bot::chat::Channel::Max(client));
        }
        let enrolments = medcab_bot::scheduler::Enrolments {
            channels,
            vault: self.vault.clone(),
        };
        let ticked = medcab_bot::scheduler::tick(
            &self.db,
            &self.clock,
            Some(&enrolments),
            None,
            &reqwest::Client::new(),
            &medcab_bot::scheduler::FeedState::default(),
        )
        .await
        .expect("the scheduler ticks");
        self.wake_delivery();
        ticked
    }

    /// Makes the user an operator (as `medcab admin grant-operator` does),
    /// without a second factor yet: their first staff action enrols one.
    pub async fn grant_operator(&self, user_id: UserId) {
        medcab_core::operators::grant(&self.db, user_id, "test", self.clock.now())
            .await
            .expect("the role is granted");
    }

    /// A staff member with the operator role, not a practitioner, whose
    /// staff factor is enrolled and staff session open now (through core,
    /// not the chat).
    pub async fn operator(&self, first_name: &str) -> Phone<'_> {
        let phone = self.user(first_name, "ru").await;
        self.grant_operator(phone.user_id()).await;
        self.open_staff_session(phone.user_id()).await;
        phone
    }

    /// Enrols the operator's factor if they have none, and opens a staff
    /// session now with the bot's limits, as a right code typed now would
    /// (that code is then used: a test typing one next needs a later step).
    pub async fn open_staff_session(&self, user_id: UserId) {
        use medcab_core::operator_factors;
        let secret = match operator_factors::secret_for_tests(&self.db, &self.vault, user_id).await
        {
            Ok(secret) => secret,
            Err(_) => {
                operator_factors::enrolment_secret(&self.db, &self.vault, user_id, self.clock.now())
                    .await
                    .expect("an operator's factor is enrolled")
            }
        };
        let now = self.clock.now();
        let checked = operator_factors::check_code(
            &self.db,
            &self.vault,
            user_id,
            &secret.code_at(now.timestamp()),
            now,
            self.services().factor,
        )
        .await
        .expect("the code is checked");
        assert!(
            matches!(
                checked,
                medcab_core::second_factor::CodeCheck::Accepted { .. }
            ),
            "the staff session opens: {checked:?}"
        );
    }

    /// The code an authenticator app shows now for the operator's staff
    /// factor (pending or enrolled), by the bot's clock.
    pub async fn staff_code(&self, user_id: UserId) -> String {
        medcab_core::operator_factors::secret_for_tests(&self.db, &self.vault, user_id)
            .await
            .expect("the operator has a staff factor")
            .code_at(self.clock.now().timestamp())
    }

    /// The TOTP code an authenticator app shows now for this user's second
    /// factor (pending or enrolled), by the bot's clock.
    pub async fn totp_code(&self, user_id: UserId) -> String {
        self.totp_code_at(user_id, self.clock.now()).await
    }

    pub async fn totp_code_at(&self, user_id: UserId, at: DateTime<Utc>) -> String {
        self.totp_secret(user_id).await.code_at(at.timestamp())
    }

    /// This user's second-factor secret (pending or enrolled), as the QR
    /// code carries it.
    pub async fn totp_secret(&self, user_id: UserId) -> medcab_core::totp::TotpSecret {
        let sealed: Vec<u8> =
            sqlx::query_scalar("SELECT secret FROM second_factors WHERE telegram_user_id = $1")
                .bind(user_id)
                .fetch_one(&self.db)
                .await
                .expect("the user has a second factor");
        let bytes = self
            .vault
            .open(
                medcab_core::second_factor::SECRET_FIELD,
                &medcab_core::crypto::RowKey::id(user_id.get()),
                &sealed,
            )
            .expect("the secret decrypts");
        medcab_core::totp::TotpSecret::from_bytes(bytes).expect("a secret")
    }

    /// Waits until every notification queued for this chat has been sent
    /// (or given up on), so pushes stop arriving in the middle of a test's
    /// own presses.
    pub async fn wait_for_deliveries(&self, chat_id: i64) {
        eventually(
            &format!("the notifications for chat {chat_id} are delivered"),
            || async {
                medcab_core::outbox::for_chat(&self.db, chat_id)
                    .await
                    .expect("the outbox reads")
                    .iter()
                    .all(|row| row.sent || row.failed)
            },
        )
        .await;
    }

    /// Delivers every notification due by the bot's clock, deterministically:
    /// wakes the delivery worker and returns once no row is due any more (each
    /// sent, failed, or held for later, such as quiet hours). What a test then
    /// does not see in a chat was not sent, rather than not sent yet.
    pub async fn deliver_pending(&self) {
        eventually("every due notification is delivered", || async {
            self.wake_delivery();
            let due: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM outbox \
                 WHERE sent_at IS NULL AND failed_at IS NULL AND available_at <= $1",
            )
            .bind(self.clock.now())
            .fetch_one(&self.db)
            .await
            .expect("the outbox reads");
            due == 0
        })
        .await;
    }

    /// Every row of every table as JSON text: what a database dump would
    /// show, for tests that look for personal data stored in clear.
    pub async fn dump_database(&self) -> String {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        )
        .fetch_all(&self.db)
        .await
        .expect("the tables are listed");
        let mut dump = String::new();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM \"{table}\" t"))
                    .fetch_all(&self.db)
                    .await
                    .expect("the table is read");
            for row in rows {
                dump.push_str(&row);
                dump.push('\n');
            }
        }
        dump
    }

    /// The phone of a user made earlier (after a restart, say).
    pub fn phone(&self, user: User) -> Phone<'_> {
        Phone::telegram(self, user)
    }

    /// The phone of a user on `messenger` (a phone borrows the app: a test
    /// that restarts it keeps the user, and takes the phone again after).
    pub fn phone_on(&self, messenger: Messenger, user: User) -> Phone<'_> {
        Phone {
            app: self,
            user,
            messenger,
            account: std::sync::OnceLock::new(),
        }
    }

    /// Ends the test: fails it if the sandbox refused any Bot API call,
    /// then stops everything and clears this test's Redis keys.
    pub async fn finish(self) {
        self.finish_expecting(|_| false).await;
    }

    /// [`TestApp::finish`] for a test that makes Telegram refuse calls on
    /// purpose (a user who blocked the bot): `expected` says which refusals
    /// are the test's own doing.
    pub async fn finish_expecting(mut self, expected: impl Fn(&RefusedCall) -> bool) {
        let mut refused = self
            .client
            .errors()
            .await
            .expect("the sandbox lists refused calls");
        refused.extend(
            self.client
                .max()
                .errors()
                .await
                .expect("the sandbox lists refused Max calls"),
        );
        refused.retain(|call| !expected(call));
        if let Some(bot) = self.bot.take() {
            bot.stop().await;
        }
        if let Some(http) = self.http.take() {
            http.stop().await;
        }
        if let Some(metrics) = self.metrics_server.take() {
            metrics.stop().await;
        }
        self.bot_db.close().await;
        self.flush_redis().await;
        self.sandbox.shutdown().await;
        assert!(
            refused.is_empty(),
            "the sandbox refused Bot API calls the bot made: {refused:#?}"
        );
    }
}

/// What a message says, asserted with its whole text shown on failure.
pub trait Says {
    /// The message, as the user reads it, starts with `prefix`.
    fn assert_starts(&self, prefix: &str);
    /// The message, as the user reads it, contains `part`.
    fn assert_contains(&self, part: &str);
}

impl Says for ChatMessage {
    #[track_caller]
    fn assert_starts(&self, prefix: &str) {
        assert!(
            self.body().starts_with(prefix),
            "{prefix:?} to start {:?}",
            self.body()
        );
    }

    #[track_caller]
    fn assert_contains(&self, part: &str) {
        assert!(self.body().contains(part), "{part:?} in {:?}", self.body());
    }
}

/// How many of the bot's messages in `chat` start with `prefix`.
pub fn count_starting(chat: &Chat, prefix: &str) -> usize {
    chat.bot_messages()
        .filter(|m| m.body().starts_with(prefix))
        .count()
}

impl TestApp {
    /// Waits until every update stored in the inbox is handled (the last
    /// reply may be out before its update is marked).
    pub async fn wait_for_inbox_handled(&self) {
        eventually("nothing is left in the inbox", async || {
            let waiting: i64 =
                sqlx::query_scalar("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
                    .fetch_one(&self.db)
                    .await
                    .expect("the inbox reads");
            waiting == 0
        })
        .await;
    }
}

/// How long [`eventually`] waits: far beyond what a healthy run needs, so a
/// slow machine does not fail a test, and a hang still ends.
pub const EVENTUALLY: Duration = Duration::from_secs(10);

/// Waits until `done` holds, checking every 20 ms, and fails the test
/// naming `what` after [`EVENTUALLY`]. The one way tests wait for
/// something to happen: never a fixed sleep.
pub async fn eventually(what: &str, done: impl AsyncFn() -> bool) {
    let deadline = tokio::time::Instant::now() + EVENTUALLY;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {EVENTUALLY:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A redis-server of the test's own on a free port, which the test may
/// stop (as an outage would) and start again on the same port.
pub struct PrivateRedis {
    port: u16,
    server: Option<std::process::Child>,
}

impl PrivateRedis {
    /// Starts `redis-server` (it must be installed) with nothing persisted.
    pub async fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut redis = PrivateRedis { port, server: None };
        redis.resume().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server: every call to it fails until [`PrivateRedis::resume`].
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }

    /// Starts the server again, empty, on the same port.
    pub async fn resume(&mut self) {
        let server = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts (is it installed?)");
        self.server = Some(server);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not listen on port {}", self.port);
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The bot's HTTP API as a portal calls it.
pub struct ApiClient {
    base: String,
    key: Option<String>,
    /// The word before the key in `Authorization`.
    scheme: String,
    http: reqwest::Client,
}

/// What the API answered.
#[derive(Debug)]
pub struct ApiReply {
    pub status: u16,
    pub body: serde_json::Value,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
}

impl ApiClient {
    /// The same client with another key, or (`None`) none at all.
    pub fn with_key(&self, key: Option<&str>) -> ApiClient {
        ApiClient {
            base: self.base.clone(),
            key: key.map(str::to_owned),
            scheme: self.scheme.clone(),
            http: self.http.clone(),
        }
    }

    /// The same client writing the scheme of `Authorization` otherwise
    /// (`bearer`, say).
    pub fn with_scheme(&self, scheme: &str) -> ApiClient {
        ApiClient {
            scheme: scheme.to_owned(),
            ..self.with_key(self.key.as_deref())
        }
    }

    /// `POST /login-confirmations` with this body (as JSON text, so a test
    /// can send a malformed one).
    pub async fn create_login_confirmation(&self, body: &str) -> ApiReply {
        let request = self
            .http
            .post(format!("{}/login-confirmations", self.base))
            .header("content-type", "application/json")
            .body(body.to_owned());
        self.send(request).await
    }

    /// `GET /login-confirmations/{id}`.
    pub async fn login_confirmation(&self, id: &str) -> ApiReply {
        let request = self
            .http
            .get(format!("{}/login-confirmations/{id}", self.base));
        self.send(request).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> ApiReply {
        let request = match &self.key {
            Some(key) => request.header("authorization", format!("{} {key}", self.scheme)),
            None => request,
        };
        let response = request.send().await.expect("the API answers");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.json().await.expect("the API answers JSON");
        ApiReply {
            status,
            body,
            retry_after,
        }
    }
}

/// A valid СНИЛС made from a number (its last nine digits), for unique
/// test practitioners.
pub fn valid_snils(seed: i64) -> String {
    let body = format!("{:09}", seed.rem_euclid(1_000_000_000).max(1_002_000));
    let sum: u32 = body
        .chars()
        .zip((1..=9).rev())
        .map(|(d, w)| d.to_digit(10).unwrap() * w)
        .sum();
    let check = (sum % 101) % 100;
    format!("{body}{check:02}")
}

/// When every test's clock starts: a weekday morning, Moscow 12:00.
pub fn test_start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
        .expect("a valid time")
        .to_utc()
}

/// What the register says about a practitioner, beyond who they are.
#[derive(Debug, Clone, Copy)]
pub struct RegisterEntry<'a> {
    pub specialty: &'a str,
    pub region: &'a str,
    pub organisation: &'a str,
    pub accreditation_valid_until: Option<chrono::NaiveDate>,
}

impl<'a> RegisterEntry<'a> {
    /// A therapist of a Moscow polyclinic, accredited until mid-2029.
    pub fn new(specialty: &'a str, region: &'a str, organisation: &'a str) -> Self {
        RegisterEntry {
            specialty,
            region,
            organisation,
            accreditation_valid_until: chrono::NaiveDate::from_ymd_opt(2029, 6, 30),
        }
    }
}

/// A simulated user's phone: what they send, press and see, on Telegram
/// or on Max (the same moves; ids are the messenger's own).
pub struct Phone<'a> {
    app: &'a TestApp,
    pub user: User,
    pub messenger: Messenger,
    /// A Max user's account, once the bot has given them one.
    account: std::sync::OnceLock<UserId>,
}

impl<'a> Phone<'a> {
    fn telegram(app: &'a TestApp, user: User) -> Phone<'a> {
        Phone {
            app,
            user,
            messenger: Messenger::Telegram,
            account: std::sync::OnceLock::new(),
        }
    }
}

impl Phone<'_> {
    /// The messenger's id of the user, which is also their private chat's
    /// on Telegram (and names their dialog in the sandbox's Max).
    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// The user's account id as medcab stores it: a Telegram user's own id;
    /// a Max user's from `channels`, known once they wrote to the bot.
    pub fn user_id(&self) -> UserId {
        match self.messenger {
            Messenger::Telegram => UserId::from_stored(self.user.id),
            Messenger::Max => *self
                .account
                .get()
                .expect("a Max user has an account once they wrote to the bot (await `account`)"),
        }
    }

    /// [`Phone::user_id`], waiting for the bot to give a Max user their
    /// account.
    pub async fn account(&self) -> UserId {
        if self.messenger == Messenger::Telegram {
            return self.user_id();
        }
        if let Some(account) = self.account.get() {
            return *account;
        }
        let found = || async {
            sqlx::query_scalar::<_, i64>(
                "SELECT user_id FROM channels WHERE messenger = 'max' AND external_id = $1",
            )
            .bind(self.user.id)
            .fetch_optional(&self.app.db)
            .await
            .expect("channels read")
        };
        eventually("the Max user has an account", async || {
            found().await.is_some()
        })
        .await;
        let found = found().await;
        let account = UserId::from_stored(found.expect("found"));
        let _ = self.account.set(account);
        account
    }

    pub async fn chat(&self) -> Chat {
        match self.messenger {
            Messenger::Telegram => self.app.client.chat(self.user.id).await,
            Messenger::Max => self.app.client.max().chat(self.user.id).await,
        }
        .expect("the sandbox shows the chat")
    }

    /// Sends text without waiting for an answer (a test that waits for
    /// a particular one itself).
    pub async fn send_text(&self, text: &str) {
        match self.messenger {
            Messenger::Telegram => {
                self.app
                    .client
                    .send_text(self.user.id, text)
                    .await
                    .expect("the sandbox takes the text");
            }
            Messenger::Max => {
                self.app
                    .client
                    .max()
                    .send_text(self.user.id, text)
                    .await
                    .expect("the sandbox takes the text");
            }
        }
    }

    /// A Max user opens the bot, from a deep link with `payload` or by its
    /// «Начать» button, and returns the bot's reply.
    pub async fn start_max(&self, payload: Option<&str>) -> ChatMessage {
        assert_eq!(self.messenger, Messenger::Max, "a start is Max's");
        self.reply_to(async {
            self.app
                .client
                .max()
                .start(self.user.id, payload)
                .await
                .expect("the sandbox starts the bot");
        })
        .await
    }

    /// Sends a text and returns the bot's reply (its newest new message).
    pub async fn send(&self, text: &str) -> ChatMessage {
        let before = self.chat().await.bot_messages().count();
        self.send_text(text).await;
        self.newest_after(before).await
    }

    /// Waits until the chat satisfies `done`, and returns it.
    pub async fn wait_for(&self, done: impl Fn(&Chat) -> bool) -> Chat {
        match self.messenger {
            Messenger::Telegram => self.app.client.wait_for(self.user.id, done).await,
            Messenger::Max => self.app.client.max().wait_for(self.user.id, done).await,
        }
        .expect("the chat reaches the expected state")
    }

    /// Waits until the bot's newest message starts with `prefix` (as the
    /// user reads it), and returns that message.
    pub async fn wait_for_text(&self, prefix: &str) -> ChatMessage {
        let chat = self
            .wait_for(|chat| {
                chat.last_bot_message()
                    .is_some_and(|m| m.body().starts_with(prefix))
            })
            .await;
        chat.last_bot_message().cloned().expect("a message")
    }

    /// Waits until some message of the bot starts with `prefix`, wherever
    /// it is in the chat, and returns the newest such message. For pushes
    /// that arrive together with others in no fixed order.
    pub async fn wait_for_any_text(&self, prefix: &str) -> ChatMessage {
        let starts = |m: &&ChatMessage| m.body().starts_with(prefix);
        let chat = self
            .wait_for(|chat| chat.bot_messages().any(|m| starts(&m)))
            .await;
        chat.bot_messages()
            .filter(starts)
            .last()
            .cloned()
            .expect("a message")
    }

    /// Shares a contact with Telegram's button and returns the bot's reply.
    pub async fn share_contact(&self, contact: medcab_sandbox::ShareContact) -> ChatMessage {
        self.reply_to(async {
            match self.messenger {
                Messenger::Telegram => {
                    self.app
                        .client
                        .share_contact(self.user.id, contact)
                        .await
                        .expect("the sandbox shares the contact");
                }
                Messenger::Max => {
                    self.app
                        .client
                        .max()
                        .share_contact(self.user.id, contact)
                        .await
                        .expect("the sandbox shares the contact");
                }
            }
        })
        .await
    }

    /// Sends a file (a document or a photo) from this phone's messenger
    /// and returns the bot's reply.
    pub async fn upload(&self, file: medcab_sandbox::UploadFile) -> ChatMessage {
        self.reply_to(async {
            match self.messenger {
                Messenger::Telegram => {
                    self.app
                        .client
                        .upload_file(self.user.id, file)
                        .await
                        .expect("the sandbox takes the file");
                }
                Messenger::Max => {
                    self.app
                        .client
                        .max()
                        .upload_file(self.user.id, file)
                        .await
                        .expect("the sandbox takes the file");
                }
            }
        })
        .await
    }

    /// Sends something and returns the bot's reply.
    pub async fn reply_to(&self, send: impl std::future::Future<Output = ()>) -> ChatMessage {
        let before = self.chat().await.bot_messages().count();
        send.await;
        self.newest_after(before).await
    }

    async fn newest_after(&self, before: usize) -> ChatMessage {
        let chat = self
            .wait_for(|chat| chat.bot_messages().count() > before)
            .await;
        if self.messenger == Messenger::Max {
            self.account().await;
        }
        self.reaction(chat, before, None).await
    }

    /// What the bot showed in answer to the user, told apart from a push
    /// that happened to arrive meanwhile (a status change the action
    /// caused, a notice held by quiet hours): a new message the outbox did
    /// not send, else the pressed message edited, else — after a moment
    /// with nothing else — the push itself, for an action whose only
    /// answer is one. A push leaves the outbox pending until it is marked
    /// sent, so a new message is taken as the reply only once no row of
    /// this chat is on its way.
    async fn reaction(
        &self,
        mut chat: Chat,
        before: usize,
        target: Option<&ChatMessage>,
    ) -> ChatMessage {
        let edited = |chat: &Chat| {
            target.and_then(|target| {
                chat.message(target.message_id)
                    .filter(|m| m.text != target.text || m.reply_markup != target.reply_markup)
                    .cloned()
            })
        };
        let settled = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            let (pushed, pending) = self.outbox_of_chat().await;
            let reply = chat
                .bot_messages()
                .skip(before)
                .filter(|m| !pushed.contains(&m.message_id))
                .last()
                .cloned();
            match reply {
                Some(reply) if !pending => return reply,
                Some(_) => {}
                None => {
                    if let Some(edited) = edited(&chat) {
                        return edited;
                    }
                }
            }
            if std::time::Instant::now() > settled {
                return chat.last_bot_message().cloned().expect("a reply");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            chat = self.chat().await;
        }
    }

    /// The ids of the messages the outbox sent to this chat, and whether a
    /// row of it is on its way: due by the bot's clock and not settled (a
    /// row held for quiet hours or backing off is not).
    async fn outbox_of_chat(&self) -> (std::collections::HashSet<i64>, bool) {
        let account = self.account().await;
        let rows: Vec<(Option<i64>, Option<String>, bool)> = sqlx::query_as(
            "SELECT telegram_message_id, max_message_id, \
                    sent_at IS NULL AND failed_at IS NULL AND available_at <= $2 \
             FROM outbox WHERE chat_id = $1 AND messenger = $3",
        )
        .bind(account.get())
        .bind(self.app.clock.now())
        .bind(self.messenger.as_str())
        .fetch_all(&self.app.db)
        .await
        .expect("the outbox reads");
        let pending = rows.iter().any(|(_, _, pending)| *pending);
        let pushed = match self.messenger {
            Messenger::Telegram => rows.into_iter().filter_map(|(id, _, _)| id).collect(),
            // Max names messages by mid: the chat's numbers of those.
            Messenger::Max => {
                let mids: std::collections::HashSet<String> =
                    rows.into_iter().filter_map(|(_, mid, _)| mid).collect();
                if mids.is_empty() {
                    return (Default::default(), pending);
                }
                self.chat()
                    .await
                    .bot_messages()
                    .filter(|m| m.mid.as_ref().is_some_and(|mid| mids.contains(mid)))
                    .map(|m| m.message_id)
                    .collect()
            }
        };
        (pushed, pending)
    }

    /// Presses the inline button with this label on the newest message that
    /// has it, and returns what the bot showed: the same message edited, or
    /// a new one. Fails if the bot did not answer the callback query.
    pub async fn press(&self, label: &str) -> ChatMessage {
        // The button may be on a message still on its way (a reply in
        // several messages, the last one with the buttons).
        let chat = self
            .wait_for(|chat| chat.bot_messages().any(|m| m.button(label).is_some()))
            .await;
        let Some(target) = chat
            .bot_messages()
            .filter(|m| m.button(label).is_some())
            .last()
            .cloned()
        else {
            panic!("no button {label:?} in the chat: {:#?}", chat.messages);
        };
        let before = chat.bot_messages().count();
        let callback = self
            .press_button(PressButton::label(label).on_message(target.message_id))
            .await;
        let after = self
            .wait_for(|chat| {
                chat.bot_messages().count() > before
                    || chat.message(target.message_id).is_some_and(|m| {
                        m.text != target.text || m.reply_markup != target.reply_markup
                    })
            })
            .await;
        assert!(
            self.callback_answer(&callback).await.answered,
            "the callback query was not answered"
        );
        self.reaction(after, before, Some(&target)).await
    }

    /// Presses, and gives the id of the press to read its answer by.
    async fn press_button(&self, press: PressButton) -> String {
        match self.messenger {
            Messenger::Telegram => {
                self.app
                    .client
                    .press(self.user.id, press)
                    .await
                    .expect("the sandbox presses the button")
                    .callback_query_id
            }
            Messenger::Max => self
                .app
                .client
                .max()
                .press(self.user.id, press)
                .await
                .expect("the sandbox presses the button")
                .callback_id
                .expect("a press has a callback id"),
        }
    }

    /// Sends callback data no button has, as a tampering client would, and
    /// returns how the bot answered it.
    pub async fn press_forged(&self, data: &str) -> CallbackAnswer {
        let message_id = self.chat().await.last_bot_message().map(|m| m.message_id);
        let mut press = PressButton::data(data).forged();
        press.message_id = message_id;
        let callback = self.press_button(press).await;
        self.callback_answer(&callback).await
    }

    /// Presses each forged button and checks that every one is answered as
    /// an outdated button and recorded as a forgery, and no more than that.
    pub async fn forge_and_expect_refusal(&self, forged: &[String]) {
        let outdated =
            medcab_bot::i18n::Texts::new(medcab_core::Language::Ru).msg("button-outdated");
        let recorded_before = self.forged_callbacks_recorded().await;
        for data in forged {
            let answer = self.press_forged(data).await;
            assert!(answer.answered, "{data}: not answered");
            assert_eq!(answer.text.as_deref(), Some(outdated.as_str()), "{data}");
        }
        let recorded = self.forged_callbacks_recorded().await - recorded_before;
        assert_eq!(
            recorded,
            forged.len(),
            "each forged button is recorded once"
        );
    }

    async fn forged_callbacks_recorded(&self) -> usize {
        medcab_core::security_events::kinds_for(&self.app.db, self.user_id())
            .await
            .expect("the security log reads")
            .iter()
            .filter(|kind| *kind == "forged_callback")
            .count()
    }

    /// Waits (briefly) for the bot to answer a callback query.
    async fn callback_answer(&self, id: &str) -> CallbackAnswer {
        let answered = || async {
            match self.messenger {
                Messenger::Telegram => self.app.client.callback(id).await,
                Messenger::Max => self.app.client.max().callback(id).await,
            }
            .expect("the sandbox knows the callback")
        };
        // Not answered within the wait: the caller's assertion says so.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let answer = answered().await;
            if answer.answered || tokio::time::Instant::now() >= deadline {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
