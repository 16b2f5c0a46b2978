//! Settings from the environment (and an optional `.env` file).
//!
//! Each subcommand reads only what it needs, so `medcab migrate` runs with
//! nothing but `DATABASE_URL`. A missing or malformed setting is reported as
//! one line naming it; nothing here panics.

use std::net::SocketAddr;

use medcab_core::accounts::SessionLimits;
use medcab_core::applications::ReviewDeadlines;
use medcab_core::documents::Quota;
use medcab_core::factor_resets::ResetPolicy;
use medcab_core::operator_factors::StaffLimits;
use medcab_core::qualification::Requirements;
use medcab_core::second_factor::{self, FactorPolicy};
use medcab_core::{DataKey, DataKeys};
use reqwest::Url;

/// A setting that is missing or cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set{hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("{name} is malformed: {problem}")]
    Malformed { name: &'static str, problem: String },
    /// More than one of the above, each on a line of its own: whoever
    /// fixes the configuration fixes it in one go, not one restart each.
    #[error("{} settings are missing or malformed:{}", .0.len(), list(.0))]
    Several(Vec<ConfigError>),
}

fn list(problems: &[ConfigError]) -> String {
    problems
        .iter()
        .map(|problem| format!("\n  {problem}"))
        .collect()
}

/// Collects every problem with the settings while they are read.
#[derive(Default)]
struct Problems(Vec<ConfigError>);

impl Problems {
    /// The value, or `None` with its problem noted.
    fn check<T>(&mut self, result: Result<T, ConfigError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(ConfigError::Several(problems)) => {
                self.0.extend(problems);
                None
            }
            Err(problem) => {
                self.0.push(problem);
                None
            }
        }
    }

    /// The setting `name` parsed, `default` when unset, or `None` with its
    /// problem noted.
    fn read<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&'static str, &str) -> Result<T, ConfigError>,
        default: T,
    ) -> Option<T> {
        self.check(or_default(name, parse, default))
    }

    fn into_error(mut self) -> ConfigError {
        if self.0.len() == 1 {
            self.0.remove(0)
        } else {
            ConfigError::Several(self.0)
        }
    }
}

/// Where the system of record lives.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: String,
    /// Connections `medcab run` keeps for handling updates
    /// (`MEDCAB_DATABASE_CONNECTIONS`); each delivery lane has one more. An
    /// instance handles as many chats at once as this: a handler holds a
    /// connection only while a statement runs, but more chats than
    /// connections would wait for one rather than work.
    pub connections: u32,
}

/// How notifications are delivered (`medcab run` and `medcab deliver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Sends per second for the whole bot, all instances together
    /// (`MEDCAB_SEND_PER_SECOND`). Above Telegram's free 30, broadcasts go
    /// as paid broadcasts.
    pub send_per_second: u32,
    /// Rows each instance has in flight at once (`MEDCAB_DELIVERY_LANES`).
    pub lanes: usize,
}

/// Everything `medcab deliver` needs: Telegram, the database, Redis.
#[derive(Debug, Clone)]
pub struct DeliverSettings {
    /// `None`: Max only.
    pub telegram_token: Option<String>,
    pub telegram_api_url: Option<Url>,
    /// Max, when `MEDCAB_MAX_TOKEN` is set: without it this worker leaves
    /// Max's rows to one that has it.
    pub max: Option<crate::max::MaxConfig>,
    pub database: DatabaseSettings,
    pub redis_url: String,
    /// Keys in Redis start with it (`MEDCAB_REDIS_PREFIX`).
    pub redis_prefix: String,
    pub delivery: DeliverySettings,
    /// Where a push may send its reader for help.
    pub brand: Brand,
}

/// Everything `medcab run` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Telegram, when `TELOXIDE_TOKEN` is set (`None`: Max only; one of
    /// the two is required).
    pub telegram_token: Option<String>,
    /// Max, when `MEDCAB_MAX_TOKEN` is set ([`max_from_env`]).
    pub max: Option<crate::max::MaxConfig>,
    /// `None` means Telegram's own `https://api.telegram.org`.
    pub telegram_api_url: Option<Url>,
    pub database: DatabaseSettings,
    pub redis_url: String,
    /// Keys in Redis start with it (`MEDCAB_REDIS_PREFIX`): conversation
    /// positions and the send buckets. Two bots on one Redis need two.
    pub redis_prefix: String,
    /// `MEDCAB_DATA_KEYS` (or the one `MEDCAB_DATA_KEY`) and the blind
    /// index key; see [`data_keys_from_env`].
    pub data_keys: DataKeys,
    pub http_addr: SocketAddr,
    /// Where Prometheus scrapes `/metrics` (`MEDCAB_METRICS_ADDR`), a port
    /// of its own with nothing else on it; `None` (unset): no metrics
    /// server.
    pub metrics_addr: Option<SocketAddr>,
    /// Where people reach the HTTP server from outside, behind TLS
    /// (`MEDCAB_PUBLIC_URL`): the start of a calendar subscription's
    /// address. `None`: `http://` and `MEDCAB_HTTP_ADDR`.
    pub public_url: Option<Url>,
    /// Where the messengers post updates (`MEDCAB_WEBHOOK_URL`, the start
    /// of the address the reverse proxy forwards to this server: the
    /// webhooks are under it at `/webhook/telegram` and `/webhook/max`).
    /// `None`: long polling, by one instance at a time.
    pub webhook_url: Option<Url>,
    /// The secret the messengers send back with each webhook request
    /// (`MEDCAB_WEBHOOK_SECRET`), so it can be rotated apart from the data
    /// keys; `None`: derived from the index key (`inbox::webhook::secret`).
    pub webhook_secret: Option<String>,
    /// How long an inbox lease lasts unrenewed (`MEDCAB_INBOX_LEASE_SECONDS`):
    /// how long the chats of an instance that died wait for another.
    pub inbox_lease: std::time::Duration,
    /// The HTTP register of medical workers; `None`: the imported table.
    pub registry_url: Option<Url>,
    pub registry_token: Option<String>,
    /// How long a confirmed second factor keeps personal sections open:
    /// without activity (`MEDCAB_SESSION_IDLE_MINUTES`) and at most
    /// (`MEDCAB_SESSION_MAX_HOURS`); and how many locks in a row block the
    /// factor until reset (`MEDCAB_LOCKOUTS_BEFORE_RESET`); and the
    /// operators' staff session (`MEDCAB_STAFF_SESSION_HOURS`, absolute, 8 by
    /// default; `MEDCAB_STAFF_SESSION_IDLE_MINUTES`, 15 by default).
    pub factor: FactorPolicy,
    /// How long a second-factor reset waits after its request
    /// (`MEDCAB_RESET_COOLING_OFF_HOURS`).
    pub reset: ResetPolicy,
    /// Requests per minute each API client may make
    /// (`MEDCAB_API_REQUESTS_PER_MINUTE`). The clients and their keys are
    /// in the database (`medcab admin api-client`).
    pub api_requests_per_minute: u32,
    /// The largest document file taken, in bytes.
    pub max_document_bytes: usize,
    /// How many documents and bytes one practitioner may keep.
    pub document_quota: Quota,
    /// The promised review time of an activation application.
    pub activation_review: chrono::Duration,
    /// How long a referral waits for an answer before it expires
    /// (`MEDCAB_REFERRAL_EXPIRY_DAYS`).
    pub referral_expiry: chrono::Duration,
    pub delivery: DeliverySettings,
    /// The regulatory feed (RSS, Atom or JSON Feed) whose new items are
    /// proposed to operators (`MEDCAB_REGULATION_FEED_URL`); `None`: none.
    pub regulation_feed_url: Option<Url>,
    /// How often it is read (`MEDCAB_REGULATION_FEED_MINUTES`).
    pub regulation_feed_every: chrono::Duration,
    /// Each user's flood limit: production's always (no setting); the
    /// tests, which type far faster than people, raise it.
    pub flood_limits: crate::flood::FloodLimits,
    /// `MEDCAB_SERVICE_NAME` and `MEDCAB_SUPPORT_CONTACT`.
    pub brand: Brand,
}

pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8080";
/// An inbox lease longer than five minutes would leave a dead instance's
/// users unanswered that long.
pub const MAX_INBOX_LEASE_SECONDS: u32 = 300;
/// A ministry publishes a few documents a day: twice an hour is timely
/// and polite to its server.
pub const DEFAULT_REGULATION_FEED_MINUTES: i64 = 30;
/// The issue's "at most 5 MB".
pub const DEFAULT_MAX_DOCUMENT_MB: usize = 5;
/// Telegram lets a bot download files of up to 20 MB; a larger limit would
/// promise what cannot be fetched.
pub const MAX_DOCUMENT_MB: usize = 20;
/// The issue's "24 hours for activation".
pub const DEFAULT_ACTIVATION_REVIEW_HOURS: i64 = 24;
/// 30 days: a longer promise is no promise.
pub const MAX_ACTIVATION_REVIEW_HOURS: i64 = 720;
/// Telegram's free rate for a bot.
pub const DEFAULT_SEND_PER_SECOND: u32 = 30;
/// Telegram's ceiling, for paid broadcasts.
pub const MAX_SEND_PER_SECOND: u32 = 1000;
pub const DEFAULT_DELIVERY_LANES: usize = crate::delivery::DEFAULT_LANES;
/// Each lane holds a database connection while it sends.
pub const MAX_DELIVERY_LANES: usize = 256;

/// Reads `.env` if there is one; real environment variables win over it.
pub fn load_dotenv() {
    // A missing .env is the normal case in production.
    let _ = dotenvy::dotenv();
}

/// The default of `MEDCAB_DATABASE_CONNECTIONS`: three instances and
/// their lanes stay well under PostgreSQL's default 100 connections.
pub const DEFAULT_DATABASE_CONNECTIONS: u32 = 20;
pub const MAX_DATABASE_CONNECTIONS: u32 = 500;

impl DatabaseSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut problems = Problems::default();
        let url = problems.check(
            required("DATABASE_URL", " (e.g. postgres://medcab@localhost/medcab)")
                .and_then(database_url),
        );
        let connections = problems.read(
            "MEDCAB_DATABASE_CONNECTIONS",
            |_, value| database_connections(value),
            DEFAULT_DATABASE_CONNECTIONS,
        );
        let (Some(url), Some(connections)) = (url, connections) else {
            return Err(problems.into_error());
        };
        Ok(DatabaseSettings { url, connections })
    }
}

fn database_connections(value: &str) -> Result<u32, ConfigError> {
    match value.trim().parse::<u32>() {
        Ok(connections) if (2..=MAX_DATABASE_CONNECTIONS).contains(&connections) => Ok(connections),
        _ => Err(malformed(
            "MEDCAB_DATABASE_CONNECTIONS",
            format!("expected a whole number from 2 to {MAX_DATABASE_CONNECTIONS}, got {value:?}"),
        )),
    }
}

impl Settings {
    /// Every setting `medcab run` reads. All of them are checked before
    /// any is refused, so one start names every missing or malformed one.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut problems = Problems::default();
        let (telegram_token, max) = problems.check(messengers_from_env()).unzip();
        let telegram_api_url = problems.check(optional_url("TELOXIDE_API_URL"));
        let database = problems.check(DatabaseSettings::from_env());
        let redis_url = problems.check(redis_url_from_env());
        let redis_prefix = problems.check(redis_prefix_from_env());
        let data_keys = problems.check(data_keys_from_env());
        let http_addr = problems.check(http_addr(
            optional("MEDCAB_HTTP_ADDR")
                .as_deref()
                .unwrap_or(DEFAULT_HTTP_ADDR),
        ));
        let metrics_addr = problems.check(metrics_addr(optional("MEDCAB_METRICS_ADDR")));
        let registry_url = problems.check(optional_url("MEDCAB_REGISTRY_URL"));
        let public_url = problems.check(optional_url("MEDCAB_PUBLIC_URL"));
        let webhook_url = problems.check(
            optional("MEDCAB_WEBHOOK_URL")
                .map(|value| webhook_url(&value))
                .transpose(),
        );
        let webhook_secret = problems.check(
            optional("MEDCAB_WEBHOOK_SECRET")
                .map(|value| webhook_secret(&value))
                .transpose(),
        );
        let inbox_lease = problems.read(
            "MEDCAB_INBOX_LEASE_SECONDS",
            |name, value| {
                bounded(name, value, MAX_INBOX_LEASE_SECONDS)
                    .map(|seconds| std::time::Duration::from_secs(seconds.into()))
            },
            crate::inbox::worker::LEASE,
        );
        let (session, staff) = (SessionLimits::default(), StaffLimits::default());
        let session_idle = problems.read("MEDCAB_SESSION_IDLE_MINUTES", minutes, session.idle);
        let session_max = problems.read("MEDCAB_SESSION_MAX_HOURS", hours, session.max);
        let lockouts_before_reset = problems.read(
            "MEDCAB_LOCKOUTS_BEFORE_RESET",
            |_, value| lockouts(value),
            second_factor::DEFAULT_LOCKOUTS_BEFORE_RESET,
        );
        let staff_absolute = problems.read("MEDCAB_STAFF_SESSION_HOURS", hours, staff.absolute);
        let staff_idle = problems.read("MEDCAB_STAFF_SESSION_IDLE_MINUTES", minutes, staff.idle);
        let cooling_off = problems.read(
            "MEDCAB_RESET_COOLING_OFF_HOURS",
            hours,
            ResetPolicy::default().cooling_off,
        );
        let api_requests_per_minute = problems.read(
            "MEDCAB_API_REQUESTS_PER_MINUTE",
            |_, value| api_requests_per_minute(value),
            crate::api::DEFAULT_REQUESTS_PER_MINUTE,
        );
        let max_document_bytes = problems.check(max_document_bytes_from_env());
        let document_quota = problems.check(document_quota_from_env());
        let activation_review = problems.check(activation_review_from_env());
        let referral_expiry = problems.read(
            "MEDCAB_REFERRAL_EXPIRY_DAYS",
            days,
            chrono::Duration::days(medcab_core::referrals::DEFAULT_EXPIRY_DAYS),
        );
        let delivery = problems.check(DeliverySettings::from_env());
        let regulation_feed_url = problems.check(optional_url("MEDCAB_REGULATION_FEED_URL"));
        let regulation_feed_every = problems.read(
            "MEDCAB_REGULATION_FEED_MINUTES",
            minutes,
            chrono::Duration::minutes(DEFAULT_REGULATION_FEED_MINUTES),
        );
        let brand = problems.check(brand_from_env());
        // Every value above is `None` exactly when its problem was noted, so
        // the settings exist when no problem does.
        let settings = (move || {
            Some(Settings {
                telegram_token: telegram_token?,
                telegram_api_url: telegram_api_url?,
                max: max?,
                database: database?,
                redis_url: redis_url?,
                redis_prefix: redis_prefix?,
                data_keys: data_keys?,
                http_addr: http_addr?,
                metrics_addr: metrics_addr?,
                public_url: public_url?,
                webhook_url: webhook_url?,
                webhook_secret: webhook_secret?,
                inbox_lease: inbox_lease?,
                registry_url: registry_url?,
                registry_token: optional("MEDCAB_REGISTRY_TOKEN"),
                factor: FactorPolicy {
                    session: SessionLimits {
                        idle: session_idle?,
                        max: session_max?,
                    },
                    lockouts_before_reset: lockouts_before_reset?,
                    staff: StaffLimits {
                        absolute: staff_absolute?,
                        idle: staff_idle?,
                    },
                },
                reset: ResetPolicy {
                    cooling_off: cooling_off?,
                },
                api_requests_per_minute: api_requests_per_minute?,
                max_document_bytes: max_document_bytes?,
                document_quota: document_quota?,
                activation_review: activation_review?,
                referral_expiry: referral_expiry?,
                delivery: delivery?,
                regulation_feed_url: regulation_feed_url?,
                regulation_feed_every: regulation_feed_every?,
                flood_limits: crate::flood::FloodLimits::default(),
                brand: brand?,
            })
        })();
        settings.ok_or_else(|| problems.into_error())
    }

    /// The settings `medcab run` has when only the required ones are set:
    /// the start of `medcab sandbox`'s and the tests' (which then change
    /// what they need), so every way of starting the bot builds it from
    /// one [`Settings`] (`startup::Services::new`, `startup::application`).
    pub fn with_defaults(
        telegram_token: String,
        database_url: String,
        redis_url: String,
        data_keys: DataKeys,
    ) -> Settings {
        Settings {
            telegram_token: Some(telegram_token),
            telegram_api_url: None,
            max: None,
            database: DatabaseSettings {
                url: database_url,
                connections: DEFAULT_DATABASE_CONNECTIONS,
            },
            redis_url,
            redis_prefix: DEFAULT_REDIS_PREFIX.to_owned(),
            data_keys,
            http_addr: DEFAULT_HTTP_ADDR
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080))),
            metrics_addr: None,
            public_url: None,
            webhook_url: None,
            webhook_secret: None,
            inbox_lease: crate::inbox::worker::LEASE,
            registry_url: None,
            registry_token: None,
            factor: FactorPolicy::default(),
            reset: ResetPolicy::default(),
            api_requests_per_minute: crate::api::DEFAULT_REQUESTS_PER_MINUTE,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_MB * 1024 * 1024,
            document_quota: Quota::default(),
            activation_review: chrono::Duration::hours(DEFAULT_ACTIVATION_REVIEW_HOURS),
            referral_expiry: chrono::Duration::days(medcab_core::referrals::DEFAULT_EXPIRY_DAYS),
            delivery: DeliverySettings::default(),
            regulation_feed_url: None,
            regulation_feed_every: chrono::Duration::minutes(DEFAULT_REGULATION_FEED_MINUTES),
            flood_limits: crate::flood::FloodLimits::default(),
            brand: Brand::default(),
        }
    }

    /// The scheduler's work: reminders, and the feed when one is set.
    pub fn schedule(&self) -> crate::scheduler::Schedule {
        crate::scheduler::Schedule {
            feed: self
                .regulation_feed_url
                .clone()
                .map(|url| crate::scheduler::FeedSource {
                    url,
                    every: self
                        .regulation_feed_every
                        .to_std()
                        .unwrap_or(std::time::Duration::from_secs(30 * 60)),
                }),
            ..crate::scheduler::Schedule::default()
        }
    }

    /// The review times: activation as configured, the others core's own.
    pub fn review_deadlines(&self) -> ReviewDeadlines {
        review_deadlines(self.activation_review)
    }
}

impl DeliverSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut problems = Problems::default();
        let (telegram_token, max) = problems.check(messengers_from_env()).unzip();
        let telegram_api_url = problems.check(optional_url("TELOXIDE_API_URL"));
        let database = problems.check(DatabaseSettings::from_env());
        let redis_url = problems.check(redis_url_from_env());
        let redis_prefix = problems.check(redis_prefix_from_env());
        let delivery = problems.check(DeliverySettings::from_env());
        let brand = problems.check(brand_from_env());
        // As in `Settings::from_env`: `None` exactly where a problem was noted.
        let settings = (move || {
            Some(DeliverSettings {
                telegram_token: telegram_token?,
                telegram_api_url: telegram_api_url?,
                max: max?,
                database: database?,
                redis_url: redis_url?,
                redis_prefix: redis_prefix?,
                delivery: delivery?,
                brand: brand?,
            })
        })();
        settings.ok_or_else(|| problems.into_error())
    }
}

impl DeliverySettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut problems = Problems::default();
        let send_per_second = problems.read(
            "MEDCAB_SEND_PER_SECOND",
            |_, value| send_per_second(value),
            DEFAULT_SEND_PER_SECOND,
        );
        let lanes = problems.read(
            "MEDCAB_DELIVERY_LANES",
            |_, value| delivery_lanes(value),
            DEFAULT_DELIVERY_LANES,
        );
        let (Some(send_per_second), Some(lanes)) = (send_per_second, lanes) else {
            return Err(problems.into_error());
        };
        Ok(DeliverySettings {
            send_per_second,
            lanes,
        })
    }
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            send_per_second: DEFAULT_SEND_PER_SECOND,
            lanes: DEFAULT_DELIVERY_LANES,
        }
    }
}

/// What the service calls itself and where people get help: shown to
/// users, so set by whoever runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// `MEDCAB_SERVICE_NAME`: the name above the code in authenticator
    /// apps (what a practitioner looks for among their entries).
    pub service_name: String,
    /// `MEDCAB_SUPPORT_CONTACT`: a phone, an address or a Telegram
    /// username; `None`: the bot mentions no support it cannot name.
    pub support_contact: Option<String>,
    /// `MEDCAB_PROGRAMME_MINIMUM_HOURS` (72 or 74) with the 144 hours: the
    /// figures screens and pushes quote are the ones the hours are counted
    /// by (74 by default, or 72: both are cited). Read here so the delivery
    /// worker (`medcab deliver`) quotes the same figures as the bot counts.
    pub requirements: Requirements,
}

/// The name a practitioner recognises, when `MEDCAB_SERVICE_NAME` is unset.
/// (`service-name-default` in `locales/ru/main.ftl`: the entry keeps its
/// name whatever language the practitioner chooses.)
pub fn default_service_name() -> String {
    crate::i18n::Texts::new(medcab_core::Language::Ru).msg("service-name-default")
}

impl Default for Brand {
    fn default() -> Brand {
        Brand {
            service_name: default_service_name(),
            support_contact: None,
            requirements: Requirements::default(),
        }
    }
}

/// `MEDCAB_SERVICE_NAME`, `MEDCAB_SUPPORT_CONTACT` and
/// `MEDCAB_PROGRAMME_MINIMUM_HOURS`.
pub fn brand_from_env() -> Result<Brand, ConfigError> {
    let shown = |name: &'static str| -> Result<Option<String>, ConfigError> {
        let Some(value) = optional(name) else {
            return Ok(None);
        };
        let value = value.trim().to_owned();
        if value.chars().count() > 100 || value.chars().any(char::is_control) {
            return Err(malformed(name, "one line of at most 100 characters"));
        }
        Ok(Some(value))
    };
    Ok(Brand {
        service_name: shown("MEDCAB_SERVICE_NAME")?.unwrap_or_else(default_service_name),
        support_contact: shown("MEDCAB_SUPPORT_CONTACT")?,
        requirements: or_default(
            "MEDCAB_PROGRAMME_MINIMUM_HOURS",
            programme_minimum,
            Requirements::default(),
        )?,
    })
}

/// `MEDCAB_MAX_DOCUMENT_MB` in bytes, or the default (also read by the
/// sandbox, which has no [`Settings`]).
/// Max's settings: `None` when `MEDCAB_MAX_TOKEN` is not set (Max is off).
/// `MEDCAB_MAX_API_URL` points at the sandbox or a proxy (default the
/// contract's server), `MEDCAB_MAX_CA_FILE` adds a root certificate (the
/// Russian national CA that signs the Max API's certificate).
pub fn max_from_env() -> Result<Option<crate::max::MaxConfig>, ConfigError> {
    let Some(token) = optional("MEDCAB_MAX_TOKEN") else {
        return Ok(None);
    };
    let mut problems = Problems::default();
    let api_url = problems.check(optional_url("MEDCAB_MAX_API_URL"));
    let ca_file = optional("MEDCAB_MAX_CA_FILE").map(std::path::PathBuf::from);
    if let Some(path) = &ca_file
        && !path.is_file()
    {
        problems.0.push(malformed(
            "MEDCAB_MAX_CA_FILE",
            format!("{} is not a readable file", path.display()),
        ));
    }
    if !problems.0.is_empty() {
        return Err(problems.into_error());
    }
    Ok(Some(crate::max::MaxConfig {
        token: token.trim().to_owned(),
        api_url: api_url.flatten().unwrap_or_else(|| {
            Url::parse(crate::max::DEFAULT_API_URL).expect("the default Max API URL parses")
        }),
        ca_file,
    }))
}

pub fn max_document_bytes_from_env() -> Result<usize, ConfigError> {
    match optional("MEDCAB_MAX_DOCUMENT_MB") {
        Some(value) => document_megabytes(&value),
        None => Ok(DEFAULT_MAX_DOCUMENT_MB * 1024 * 1024),
    }
}

/// `MEDCAB_MAX_DOCUMENTS` and `MEDCAB_MAX_DOCUMENTS_TOTAL_MB`, or core's
/// defaults (50 documents, 100 MB; also read by the sandbox).
pub fn document_quota_from_env() -> Result<Quota, ConfigError> {
    let defaults = Quota::default();
    let mut problems = Problems::default();
    let max_count = problems.read(
        "MEDCAB_MAX_DOCUMENTS",
        |name, value| bounded(name, value, MAX_DOCUMENTS),
        defaults.max_count,
    );
    let max_total_bytes = problems.read(
        "MEDCAB_MAX_DOCUMENTS_TOTAL_MB",
        |name, value| {
            bounded(name, value, MAX_DOCUMENTS_TOTAL_MB).map(|mb| u64::from(mb) * 1024 * 1024)
        },
        defaults.max_total_bytes,
    );
    let (Some(max_count), Some(max_total_bytes)) = (max_count, max_total_bytes) else {
        return Err(problems.into_error());
    };
    Ok(Quota {
        max_count,
        max_total_bytes,
    })
}

/// The most `MEDCAB_MAX_DOCUMENTS` may be.
pub const MAX_DOCUMENTS: u32 = 1000;
/// The most `MEDCAB_MAX_DOCUMENTS_TOTAL_MB` may be: 10 GB.
pub const MAX_DOCUMENTS_TOTAL_MB: u32 = 10 * 1024;

/// A whole number from 1 to `max`.
fn bounded(name: &'static str, value: &str, max: u32) -> Result<u32, ConfigError> {
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(malformed(
            name,
            format!("expected a whole number from 1 to {max}, got {value:?}"),
        )),
    }
}

/// `MEDCAB_ACTIVATION_REVIEW_HOURS`, or the default.
pub fn activation_review_from_env() -> Result<chrono::Duration, ConfigError> {
    match optional("MEDCAB_ACTIVATION_REVIEW_HOURS") {
        Some(value) => review_hours(&value),
        None => Ok(chrono::Duration::hours(DEFAULT_ACTIVATION_REVIEW_HOURS)),
    }
}

/// `MEDCAB_PROGRAMME_MINIMUM_HOURS`: 72 or 74, nothing else (core's
/// `Requirements::with_programme_minimum`).
fn programme_minimum(name: &'static str, value: &str) -> Result<Requirements, ConfigError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|hours| Requirements::with_programme_minimum(hours).ok())
        .ok_or_else(|| malformed(name, format!("expected 72 or 74 hours, got {value:?}")))
}

/// Core's review times with the activation one replaced.
pub fn review_deadlines(activation: chrono::Duration) -> ReviewDeadlines {
    ReviewDeadlines {
        activation,
        ..ReviewDeadlines::default()
    }
}

/// The data keys, for `medcab run` and for commands that touch personal
/// data but not Telegram (`medcab admin import-registry`, `reseal`).
///
/// `MEDCAB_DATA_KEYS`: comma-separated keys, newest first (the first seals,
/// any opens). `MEDCAB_DATA_KEY`, one key, is still accepted as a ring of
/// one; both at once are refused as ambiguous. `MEDCAB_INDEX_KEY` keys the
/// blind indexes and digests; it may be left out only with a single key,
/// which then keys them (as it always did), and must be set — to the key the
/// indexes were made with — once the ring holds more than one.
pub fn data_keys_from_env() -> Result<DataKeys, ConfigError> {
    let index = optional("MEDCAB_INDEX_KEY")
        .map(|value| {
            DataKey::parse(&value).map_err(|e| malformed("MEDCAB_INDEX_KEY", e.to_string()))
        })
        .transpose()?;
    match (optional("MEDCAB_DATA_KEYS"), optional("MEDCAB_DATA_KEY")) {
        (Some(_), Some(_)) => Err(malformed(
            "MEDCAB_DATA_KEYS",
            "MEDCAB_DATA_KEY is set too: set one of them (MEDCAB_DATA_KEYS can hold that key)",
        )),
        (Some(list), None) => {
            let keys = list
                .split(',')
                .map(str::trim)
                .filter(|key| !key.is_empty())
                .map(DataKey::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| malformed("MEDCAB_DATA_KEYS", e.to_string()))?;
            DataKeys::new(keys, index).map_err(|e| malformed("MEDCAB_DATA_KEYS", e.to_string()))
        }
        (None, key) => {
            let key = data_key(key.ok_or(ConfigError::Missing {
                name: "MEDCAB_DATA_KEY",
                hint: " (32 random bytes: openssl rand -hex 32; or MEDCAB_DATA_KEYS, newest first)",
            })?)?;
            DataKeys::new(vec![key], index).map_err(|e| malformed("MEDCAB_DATA_KEY", e.to_string()))
        }
    }
}

/// An optional setting parsed by `parse`, or `default` when unset.
fn or_default<T>(
    name: &'static str,
    parse: impl FnOnce(&'static str, &str) -> Result<T, ConfigError>,
    default: T,
) -> Result<T, ConfigError> {
    match optional(name) {
        Some(value) => parse(name, &value),
        None => Ok(default),
    }
}

fn optional_url(name: &'static str) -> Result<Option<Url>, ConfigError> {
    optional(name)
        .map(|value| http_url(name, &value))
        .transpose()
}

/// Telegram (`TELOXIDE_TOKEN`), Max (`MEDCAB_MAX_TOKEN` and its
/// settings), or both; at least one.
type Messengers = (Option<String>, Option<crate::max::MaxConfig>);

fn messengers_from_env() -> Result<Messengers, ConfigError> {
    let telegram = optional("TELOXIDE_TOKEN").map(telegram_token).transpose();
    let max = max_from_env();
    let mut problems = Problems::default();
    let (telegram, max) = (problems.check(telegram), problems.check(max));
    match (telegram, max) {
        (Some(telegram), Some(max)) => messengers(telegram, max),
        _ => Err(problems.into_error()),
    }
}

/// Either messenger or both, never neither.
fn messengers(
    telegram: Option<String>,
    max: Option<crate::max::MaxConfig>,
) -> Result<Messengers, ConfigError> {
    if telegram.is_none() && max.is_none() {
        return Err(ConfigError::Missing {
            name: "TELOXIDE_TOKEN",
            hint: " (the token @BotFather gave; or MEDCAB_MAX_TOKEN for Max alone)",
        });
    }
    Ok((telegram, max))
}

fn redis_url_from_env() -> Result<String, ConfigError> {
    redis_url(required("REDIS_URL", " (e.g. redis://localhost:6379)")?)
}

fn optional(name: &'static str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn required(name: &'static str, hint: &'static str) -> Result<String, ConfigError> {
    optional(name).ok_or(ConfigError::Missing { name, hint })
}

fn malformed(name: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Malformed {
        name,
        problem: problem.into(),
    }
}

/// `123456789:AA…`: the bot's numeric id, a colon, and a secret.
pub fn telegram_token(value: String) -> Result<String, ConfigError> {
    let value = value.trim().to_owned();
    let valid = value.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && !secret.is_empty()
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if valid {
        Ok(value)
    } else {
        Err(malformed(
            "TELOXIDE_TOKEN",
            "expected <bot id>:<secret>, as @BotFather gives it",
        ))
    }
}

fn http_url(name: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| malformed(name, e.to_string()))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(malformed(
            name,
            format!("expected an http(s) URL, got scheme {other:?}"),
        )),
    }
}

/// `MEDCAB_WEBHOOK_SECRET`: what both messengers allow in a secret (16 to
/// 256 of `A-Z`, `a-z`, `0-9`, `_` and `-`; Telegram's rule, which Max's
/// admits), at least 16 so that it cannot be guessed.
fn webhook_secret(value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    let allowed = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if (16..=256).contains(&value.len()) && allowed {
        Ok(value.to_owned())
    } else {
        Err(malformed(
            "MEDCAB_WEBHOOK_SECRET",
            "expected 16 to 256 letters A-Z, a-z, digits, _ or - (openssl rand -hex 24)",
        ))
    }
}

/// A webhook's base: HTTPS, as both messengers require; plain HTTP only to
/// this machine (the sandbox, tests).
fn webhook_url(value: &str) -> Result<Url, ConfigError> {
    const NAME: &str = "MEDCAB_WEBHOOK_URL";
    let url = http_url(NAME, value)?;
    let local = match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    if url.scheme() == "https" || local {
        Ok(url)
    } else {
        Err(malformed(
            NAME,
            "the messengers post only to https:// addresses".to_owned(),
        ))
    }
}

fn database_url(value: String) -> Result<String, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| malformed("DATABASE_URL", e.to_string()))?;
    match url.scheme() {
        "postgres" | "postgresql" => Ok(value.trim().to_owned()),
        other => Err(malformed(
            "DATABASE_URL",
            format!("expected postgres://…, got scheme {other:?}"),
        )),
    }
}

pub const DEFAULT_REDIS_PREFIX: &str = "medcab:";

fn redis_prefix_from_env() -> Result<String, ConfigError> {
    let Some(value) = optional("MEDCAB_REDIS_PREFIX") else {
        return Ok(DEFAULT_REDIS_PREFIX.to_owned());
    };
    let fits = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'));
    if fits {
        Ok(value)
    } else {
        Err(malformed(
            "MEDCAB_REDIS_PREFIX",
            format!("expected up to 64 letters, digits or : - _ ., got {value:?}"),
        ))
    }
}

fn redis_url(value: String) -> Result<String, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| malformed("REDIS_URL", e.to_string()))?;
    match url.scheme() {
        "redis" | "rediss" | "redis+unix" | "unix" => Ok(value.trim().to_owned()),
        other => Err(malformed(
            "REDIS_URL",
            format!("expected redis://…, got scheme {other:?}"),
        )),
    }
}

fn data_key(value: String) -> Result<DataKey, ConfigError> {
    DataKey::parse(&value).map_err(|e| malformed("MEDCAB_DATA_KEY", e.to_string()))
}

/// The most a client may be allowed: more is no limit.
pub const MAX_API_REQUESTS_PER_MINUTE: u32 = 100_000;

fn api_requests_per_minute(value: &str) -> Result<u32, ConfigError> {
    match value.trim().parse::<u32>() {
        Ok(rate) if (1..=MAX_API_REQUESTS_PER_MINUTE).contains(&rate) => Ok(rate),
        _ => Err(malformed(
            "MEDCAB_API_REQUESTS_PER_MINUTE",
            format!(
                "expected whole requests per minute from 1 to {MAX_API_REQUESTS_PER_MINUTE}, got {value:?}"
            ),
        )),
    }
}

/// Whether the retired shared key is still set: its clients must move to
/// keys of their own, and the operator should hear so.
pub fn retired_api_key_is_set() -> bool {
    optional("MEDCAB_API_KEY").is_some()
}

fn minutes(name: &'static str, value: &str) -> Result<chrono::Duration, ConfigError> {
    match value.trim().parse::<i64>() {
        Ok(minutes) if (1..=24 * 60).contains(&minutes) => Ok(chrono::Duration::minutes(minutes)),
        _ => Err(malformed(
            name,
            format!("expected whole minutes from 1 to 1440, got {value:?}"),
        )),
    }
}

fn lockouts(value: &str) -> Result<i32, ConfigError> {
    match value.trim().parse::<i32>() {
        Ok(n) if (1..=20).contains(&n) => Ok(n),
        _ => Err(malformed(
            "MEDCAB_LOCKOUTS_BEFORE_RESET",
            format!("expected a whole number from 1 to 20, got {value:?}"),
        )),
    }
}

fn hours(name: &'static str, value: &str) -> Result<chrono::Duration, ConfigError> {
    match value.trim().parse::<i64>() {
        Ok(hours) if (1..=7 * 24).contains(&hours) => Ok(chrono::Duration::hours(hours)),
        _ => Err(malformed(
            name,
            format!("expected whole hours from 1 to 168, got {value:?}"),
        )),
    }
}

/// Whole days from 1 to a year (`MEDCAB_REFERRAL_EXPIRY_DAYS`).
fn days(name: &'static str, value: &str) -> Result<chrono::Duration, ConfigError> {
    let max = medcab_core::referrals::MAX_EXPIRY_DAYS;
    match value.trim().parse::<i64>() {
        Ok(days) if (1..=max).contains(&days) => Ok(chrono::Duration::days(days)),
        _ => Err(malformed(
            name,
            format!("expected whole days from 1 to {max}, got {value:?}"),
        )),
    }
}

fn document_megabytes(value: &str) -> Result<usize, ConfigError> {
    match value.trim().parse::<usize>() {
        Ok(mb) if (1..=MAX_DOCUMENT_MB).contains(&mb) => Ok(mb * 1024 * 1024),
        _ => Err(malformed(
            "MEDCAB_MAX_DOCUMENT_MB",
            format!("expected whole megabytes from 1 to {MAX_DOCUMENT_MB}, got {value:?}"),
        )),
    }
}

fn review_hours(value: &str) -> Result<chrono::Duration, ConfigError> {
    match value.trim().parse::<i64>() {
        Ok(hours) if (1..=MAX_ACTIVATION_REVIEW_HOURS).contains(&hours) => {
            Ok(chrono::Duration::hours(hours))
        }
        _ => Err(malformed(
            "MEDCAB_ACTIVATION_REVIEW_HOURS",
            format!("expected whole hours from 1 to {MAX_ACTIVATION_REVIEW_HOURS}, got {value:?}"),
        )),
    }
}

fn send_per_second(value: &str) -> Result<u32, ConfigError> {
    match value.trim().parse::<u32>() {
        Ok(rate) if (1..=MAX_SEND_PER_SECOND).contains(&rate) => Ok(rate),
        _ => Err(malformed(
            "MEDCAB_SEND_PER_SECOND",
            format!(
                "expected whole messages per second from 1 to {MAX_SEND_PER_SECOND}, got {value:?}"
            ),
        )),
    }
}

fn delivery_lanes(value: &str) -> Result<usize, ConfigError> {
    match value.trim().parse::<usize>() {
        Ok(lanes) if (1..=MAX_DELIVERY_LANES).contains(&lanes) => Ok(lanes),
        _ => Err(malformed(
            "MEDCAB_DELIVERY_LANES",
            format!("expected a whole number from 1 to {MAX_DELIVERY_LANES}, got {value:?}"),
        )),
    }
}

fn http_addr(value: &str) -> Result<SocketAddr, ConfigError> {
    value.trim().parse().map_err(|_| {
        malformed(
            "MEDCAB_HTTP_ADDR",
            format!("expected host:port such as {DEFAULT_HTTP_ADDR}, got {value:?}"),
        )
    })
}

/// `MEDCAB_METRICS_ADDR`, for `medcab sandbox` (`medcab run` reads it
/// with the rest of [`Settings`]).
pub fn metrics_addr_from_env() -> Result<Option<SocketAddr>, ConfigError> {
    metrics_addr(optional("MEDCAB_METRICS_ADDR"))
}

/// `MEDCAB_METRICS_ADDR`: host:port, as `MEDCAB_HTTP_ADDR` (the same
/// address as that one is refused when binding, "in use").
fn metrics_addr(value: Option<String>) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(value) = value else {
        return Ok(None);
    };
    value.trim().parse().map(Some).map_err(|_| {
        malformed(
            "MEDCAB_METRICS_ADDR",
            format!("expected host:port such as 127.0.0.1:9464, got {value:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_secret_is_what_both_messengers_take() {
        assert_eq!(
            webhook_secret(" 0123456789abcdef_ABC-xyz ").unwrap(),
            "0123456789abcdef_ABC-xyz"
        );
        for refused in [
            "short",
            "0123456789abcdef!",
            "секрет-секрет-секрет",
            &"a".repeat(257),
        ] {
            let err = webhook_secret(refused).unwrap_err().to_string();
            assert!(
                err.starts_with("MEDCAB_WEBHOOK_SECRET is malformed"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_webhook_is_https_or_this_machine() {
        assert!(webhook_url("https://bot.example.org/medcab").is_ok());
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(webhook_url(local).is_ok(), "{local}");
        }
        for refused in [
            "http://bot.example.org",
            "http://10.0.0.5",
            "ftp://x",
            "nonsense",
        ] {
            let err = webhook_url(refused).unwrap_err().to_string();
            assert!(err.starts_with("MEDCAB_WEBHOOK_URL is malformed"), "{err}");
        }
    }

    #[test]
    fn the_metrics_address_is_optional_and_checked() {
        assert_eq!(metrics_addr(None).unwrap(), None);
        assert_eq!(
            metrics_addr(Some(" 127.0.0.1:9464 ".to_owned())).unwrap(),
            Some("127.0.0.1:9464".parse().unwrap())
        );
        let err = metrics_addr(Some("localhost".to_owned()))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("MEDCAB_METRICS_ADDR is malformed") && !err.contains('\n'),
            "{err}"
        );
    }

    #[test]
    fn tokens_as_botfather_gives_them_are_accepted() {
        assert!(telegram_token("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11".into()).is_ok());
        for bad in ["", "123456", ":abc", "abc:def", "123:", "123:has space"] {
            let err = telegram_token(bad.into()).unwrap_err();
            assert!(
                err.to_string().starts_with("TELOXIDE_TOKEN is malformed"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn either_messenger_or_both_but_not_neither() {
        let max = crate::max::MaxConfig {
            token: "max-token".into(),
            api_url: Url::parse("http://127.0.0.1:1/max").unwrap(),
            ca_file: None,
        };
        let token = "123456:ABC".to_owned();
        assert!(messengers(Some(token.clone()), None).is_ok());
        let (telegram, only_max) = messengers(None, Some(max.clone())).unwrap();
        assert!(telegram.is_none() && only_max.is_some());
        assert!(messengers(Some(token), Some(max)).is_ok());
        let neither = messengers(None, None).unwrap_err().to_string();
        assert!(
            neither.starts_with("TELOXIDE_TOKEN is not set")
                && neither.contains("MEDCAB_MAX_TOKEN"),
            "{neither}"
        );
    }

    #[test]
    fn urls_must_have_the_right_scheme() {
        assert!(database_url("postgres://u@localhost/db".into()).is_ok());
        assert!(database_url("mysql://u@localhost/db".into()).is_err());
        assert!(database_url("not a url".into()).is_err());
        assert!(redis_url("redis://127.0.0.1:6379".into()).is_ok());
        assert!(redis_url("http://127.0.0.1".into()).is_err());
        assert!(http_url("TELOXIDE_API_URL", "http://127.0.0.1:8081").is_ok());
        assert!(http_url("TELOXIDE_API_URL", "ftp://x").is_err());
    }

    #[test]
    fn errors_name_the_setting_in_one_line() {
        let missing = ConfigError::Missing {
            name: "REDIS_URL",
            hint: " (e.g. redis://localhost:6379)",
        };
        assert_eq!(
            missing.to_string(),
            "REDIS_URL is not set (e.g. redis://localhost:6379)"
        );
        let err = http_addr("localhost").unwrap_err().to_string();
        assert!(
            err.starts_with("MEDCAB_HTTP_ADDR is malformed") && !err.contains('\n'),
            "{err}"
        );
        let err = minutes("MEDCAB_SESSION_IDLE_MINUTES", "0")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("MEDCAB_SESSION_IDLE_MINUTES is malformed"),
            "{err}"
        );
        assert_eq!(minutes("X", " 45 ").unwrap(), chrono::Duration::minutes(45));
        let err = data_key("short".into()).unwrap_err().to_string();
        assert!(err.starts_with("MEDCAB_DATA_KEY is malformed"), "{err}");
        let err = api_requests_per_minute("0").unwrap_err().to_string();
        assert!(
            err.starts_with("MEDCAB_API_REQUESTS_PER_MINUTE is malformed"),
            "{err}"
        );
        assert_eq!(api_requests_per_minute(" 60 ").unwrap(), 60);
    }

    #[test]
    fn document_limits_are_whole_megabytes_within_telegrams() {
        assert_eq!(document_megabytes("5").unwrap(), 5 * 1024 * 1024);
        assert_eq!(document_megabytes(" 20 ").unwrap(), 20 * 1024 * 1024);
        assert_eq!(document_megabytes("1").unwrap(), 1024 * 1024);
        for bad in ["0", "21", "-1", "5.5", "5MB", "", "lots"] {
            let err = document_megabytes(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("MEDCAB_MAX_DOCUMENT_MB is malformed") && !err.contains('\n'),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn document_quotas_are_bounded_whole_numbers() {
        assert_eq!(
            bounded("MEDCAB_MAX_DOCUMENTS", " 50 ", MAX_DOCUMENTS).unwrap(),
            50
        );
        for bad in ["0", "1001", "-1", "5.5", ""] {
            let err = bounded("MEDCAB_MAX_DOCUMENTS", bad, MAX_DOCUMENTS)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("MEDCAB_MAX_DOCUMENTS is malformed") && !err.contains('\n'),
                "{bad:?}: {err}"
            );
        }
        assert_eq!(
            Quota::default(),
            Quota {
                max_count: 50,
                max_total_bytes: 100 * 1024 * 1024
            }
        );
    }

    #[test]
    fn the_activation_review_time_is_whole_hours_up_to_a_month() {
        assert_eq!(review_hours("24").unwrap(), chrono::Duration::hours(24));
        assert_eq!(review_hours("720").unwrap(), chrono::Duration::hours(720));
        assert_eq!(review_hours(" 1").unwrap(), chrono::Duration::hours(1));
        for bad in ["0", "721", "-24", "1.5", "24h", ""] {
            let err = review_hours(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("MEDCAB_ACTIVATION_REVIEW_HOURS is malformed")
                    && !err.contains('\n'),
                "{bad:?}: {err}"
            );
        }
        let deadlines = review_deadlines(chrono::Duration::hours(48));
        assert_eq!(deadlines.activation, chrono::Duration::hours(48));
        assert_eq!(
            deadlines.periodic_accreditation,
            ReviewDeadlines::default().periodic_accreditation,
            "only the activation time is configured"
        );
    }

    #[test]
    fn delivery_rates_and_lanes_are_bounded() {
        assert_eq!(send_per_second("30").unwrap(), 30);
        assert_eq!(send_per_second(" 1000 ").unwrap(), 1000);
        for bad in ["0", "1001", "-5", "2.5", "fast", ""] {
            let err = send_per_second(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("MEDCAB_SEND_PER_SECOND is malformed") && !err.contains('\n'),
                "{bad:?}: {err}"
            );
        }
        assert_eq!(database_connections("2").unwrap(), 2);
        assert_eq!(database_connections(" 64 ").unwrap(), 64);
        for bad in ["0", "1", "501", "-3", "много"] {
            let err = database_connections(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("MEDCAB_DATABASE_CONNECTIONS is malformed"),
                "{err}"
            );
        }
        assert_eq!(delivery_lanes("1").unwrap(), 1);
        assert_eq!(delivery_lanes("256").unwrap(), 256);
        for bad in ["0", "257", "-1", "many"] {
            let err = delivery_lanes(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("MEDCAB_DELIVERY_LANES is malformed"),
                "{err}"
            );
        }
        assert_eq!(
            DeliverySettings::default(),
            DeliverySettings {
                send_per_second: 30,
                lanes: 4
            }
        );
    }

    #[test]
    fn the_defaults_are_the_issues() {
        assert_eq!(
            DEFAULT_MAX_DOCUMENT_MB * 1024 * 1024,
            medcab_core::documents::DEFAULT_MAX_BYTES
        );
        assert_eq!(
            review_deadlines(chrono::Duration::hours(DEFAULT_ACTIVATION_REVIEW_HOURS)),
            ReviewDeadlines::default()
        );
    }
}
