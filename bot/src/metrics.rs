//! Prometheus metrics: what the bot did and what waits, as OpenMetrics text
//! at `GET /metrics` on a port of its own (`MEDCAB_METRICS_ADDR`).
//!
//! One [`Metrics`] is built with the [`crate::startup::Services`] (the
//! composition root) and shared, cheaply cloned, by whoever counts:
//!
//! - the route table counts each update it is given
//!   (`medcab_updates_total{messenger, kind, outcome}`) and times it
//!   (`medcab_update_duration_seconds{messenger, kind}`) through
//!   [`observed`], the first step of `handlers::schema`; the steps that drop
//!   an update early say why with [`note`] (a redelivered update, a flood);
//! - the delivery worker counts each send's result
//!   (`medcab_sends_total{messenger, result}`);
//! - queues are read from PostgreSQL when Prometheus scrapes
//!   (`medcab_outbox_depth`, `medcab_outbox_oldest_seconds`; any other
//!   queue registers its own reading with [`Metrics::read_queue`]), each
//!   reading within [`READ_TIMEOUT`]: a reading that fails or is late
//!   leaves its gauges out of that scrape and counts
//!   `medcab_metrics_read_errors_total{reading}`;
//! - core's security log counts its events in this process
//!   (`security_events::counts`, `lockouts`), read at scrape as
//!   `medcab_refusals_total{kind}` and `medcab_lockouts_total{who}`.
//!
//! The invariant: **no label names a person**. Every label value comes from
//! a closed set of words fixed in this file or core (a messenger, a kind of
//! update, an outcome, a queue's or an event kind's name); nothing a user,
//! a chat, a key or an API client supplied or is identified by is ever a
//! label (an id would also make a series per person, without bound). The
//! label types below are enums for that reason, not strings.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::future::BoxFuture;
use medcab_core::channels::Messenger;
use medcab_core::security_events;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelSetEncoder,
    LabelValueEncoder,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::chat::{Incoming, What};

/// The content type of the text served (the encoder's: OpenMetrics).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How long one scrape-time reading (a queue's query) may take; a slow
/// database must not hold Prometheus's scrape past its own timeout.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// The handler latency buckets, in seconds: 1 ms to 5 s (a turn is a few
/// queries and a Bot API call; past 5 s it is broken, whatever its value).
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// What an update was, as the metrics tell updates apart (a closed set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateKind {
    /// Typed text that is not a command.
    Message,
    /// A command (`/start`, `/menu` …).
    Command,
    /// A pressed button.
    Press,
    /// A shared contact card.
    Contact,
    /// A document or a photo.
    File,
    /// Anything else a message can be (a sticker, an empty message).
    Other,
}

impl UpdateKind {
    pub const ALL: [UpdateKind; 6] = [
        UpdateKind::Message,
        UpdateKind::Command,
        UpdateKind::Press,
        UpdateKind::Contact,
        UpdateKind::File,
        UpdateKind::Other,
    ];

    pub fn of(incoming: &Incoming) -> UpdateKind {
        match &incoming.what {
            What::Press(_) => UpdateKind::Press,
            What::Said(said) if said.contact.is_some() => UpdateKind::Contact,
            What::Said(said) if said.file.is_some() => UpdateKind::File,
            What::Said(said) => match said.text() {
                Some(text) if text.starts_with('/') => UpdateKind::Command,
                Some(_) => UpdateKind::Message,
                None => UpdateKind::Other,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateKind::Message => "message",
            UpdateKind::Command => "command",
            UpdateKind::Press => "press",
            UpdateKind::Contact => "contact",
            UpdateKind::File => "file",
            UpdateKind::Other => "other",
        }
    }
}

/// How an update ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A conversation took it and answered.
    Handled,
    /// Already handled: a redelivery, skipped (`updates::claim`).
    Duplicate,
    /// Past the sender's flood limit: dropped before any database work.
    FloodLimited,
    /// A handler failed (its claim given back, the user told).
    Failed,
    /// No route took it (an account that cannot be made, and the like).
    NotServed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Handled => "handled",
            Outcome::Duplicate => "duplicate",
            Outcome::FloodLimited => "flood_limited",
            Outcome::Failed => "failed",
            Outcome::NotServed => "not_served",
        }
    }
}

/// What became of one send of the delivery worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendResult {
    /// The messenger took it.
    Sent,
    /// A transient failure (5xx, the network): tried again later.
    Retried,
    /// A 429: due again after the pause the messenger asked for.
    RateLimited,
    /// The person blocked the bot (403): failed, the chat marked.
    Unreachable,
    /// Refused (400), or the last of its tries: failed for good.
    Failed,
}

impl SendResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SendResult::Sent => "sent",
            SendResult::Retried => "retried",
            SendResult::RateLimited => "rate_limited",
            SendResult::Unreachable => "unreachable",
            SendResult::Failed => "failed",
        }
    }
}

/// A label value from a closed set of words: the only kind of label value
/// the metrics have (see the module's invariant).
macro_rules! word_label {
    ($($type:ty),*) => {$(
        impl EncodeLabelValue for $type {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
                encoder.write_str(self.as_str())
            }
        }
    )*};
}

/// [`Messenger`] as a label (it is core's type, so wrapped here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct MessengerLabel(Messenger);

impl MessengerLabel {
    fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

/// A queue's or a reading's name: `outbox`, `inbox` (checked to be a
/// lower-case word when registered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Name(&'static str);

impl Name {
    fn as_str(&self) -> &'static str {
        self.0
    }
}

word_label!(UpdateKind, Outcome, SendResult, MessengerLabel, Name);

/// Writes `key="value"` pairs; the values are [`EncodeLabelValue`] words.
fn labels(
    encoder: &mut LabelSetEncoder,
    pairs: &[(&'static str, &dyn EncodeLabelValue)],
) -> Result<(), std::fmt::Error> {
    for (key, value) in pairs {
        let mut label = encoder.encode_label();
        let mut key_encoder = label.encode_label_key()?;
        prometheus_client::encoding::EncodeLabelKey::encode(key, &mut key_encoder)?;
        let mut value_encoder = key_encoder.encode_label_value()?;
        value.encode(&mut value_encoder)?;
        value_encoder.finish()?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct UpdateLabels {
    messenger: MessengerLabel,
    kind: UpdateKind,
    outcome: Outcome,
}

impl EncodeLabelSet for UpdateLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        labels(
            encoder,
            &[
                ("messenger", &self.messenger),
                ("kind", &self.kind),
                ("outcome", &self.outcome),
            ],
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct KindLabels {
    messenger: MessengerLabel,
    kind: UpdateKind,
}

impl EncodeLabelSet for KindLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        labels(
            encoder,
            &[("messenger", &self.messenger), ("kind", &self.kind)],
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SendLabels {
    messenger: MessengerLabel,
    result: SendResult,
}

impl EncodeLabelSet for SendLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        labels(
            encoder,
            &[("messenger", &self.messenger), ("result", &self.result)],
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MessengerOnly {
    messenger: MessengerLabel,
}

impl EncodeLabelSet for MessengerOnly {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        labels(encoder, &[("messenger", &self.messenger)])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReadingLabels {
    reading: Name,
}

impl EncodeLabelSet for ReadingLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        labels(encoder, &[("reading", &self.reading)])
    }
}

/// One messenger's part of a queue, as a scrape-time reading gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueDepth {
    pub messenger: Messenger,
    /// Items waiting.
    pub depth: i64,
    /// How long the longest-waiting item has waited, in seconds.
    pub oldest_seconds: f64,
}

/// What a scrape-time reading fails with.
pub type ReadError = Box<dyn std::error::Error + Send + Sync>;

type Reading =
    Box<dyn Fn() -> BoxFuture<'static, Result<Vec<QueueDepth>, ReadError>> + Send + Sync>;

/// A queue read at every scrape: its reading and its two gauges.
struct Queue {
    name: Name,
    read: Reading,
    depth: Family<MessengerOnly, Gauge>,
    oldest: Family<MessengerOnly, Gauge<f64, std::sync::atomic::AtomicU64>>,
}

/// The bot's metrics: a registry and the families in it. Cheap to clone
/// (an `Arc`); every clone counts into the same registry.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Mutex<Registry>,
    updates: Family<UpdateLabels, Counter>,
    durations: Family<KindLabels, Histogram>,
    sends: Family<SendLabels, Counter>,
    read_errors: Family<ReadingLabels, Counter>,
    queues: Mutex<Vec<Arc<Queue>>>,
    /// One scrape at a time: a reading sets its gauges, then the text is
    /// encoded, without another scrape clearing them in between.
    scraping: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

impl Metrics {
    /// The families, every one empty; no queue is read until one is
    /// registered ([`Metrics::read_queue`], [`Metrics::read_outbox`]).
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let updates = Family::<UpdateLabels, Counter>::default();
        registry.register(
            "medcab_updates",
            "Updates from the messengers, by kind and how they ended",
            updates.clone(),
        );
        let durations =
            Family::<KindLabels, Histogram>::new_with_constructor(duration_histogram as fn() -> _);
        registry.register(
            "medcab_update_duration_seconds",
            "How long an update handled (or failed) took, from the flood limit to the answer",
            durations.clone(),
        );
        let sends = Family::<SendLabels, Counter>::default();
        registry.register(
            "medcab_sends",
            "Sends of the delivery worker, by messenger and result",
            sends.clone(),
        );
        let read_errors = Family::<ReadingLabels, Counter>::default();
        registry.register(
            "medcab_metrics_read_errors",
            "Scrape-time readings that failed or took too long (their gauges left out)",
            read_errors.clone(),
        );
        registry.register_collector(Box::new(SecurityCounts));
        Metrics(Arc::new(Inner {
            registry: Mutex::new(registry),
            updates,
            durations,
            sends,
            read_errors,
            queues: Mutex::new(Vec::new()),
            scraping: tokio::sync::Mutex::new(()),
        }))
    }

    /// One update seen: how it ended, and (handled or failed: work was
    /// done) how long it took.
    pub fn update(
        &self,
        messenger: Messenger,
        kind: UpdateKind,
        outcome: Outcome,
        elapsed: Duration,
    ) {
        let messenger = MessengerLabel(messenger);
        self.0
            .updates
            .get_or_create(&UpdateLabels {
                messenger,
                kind,
                outcome,
            })
            .inc();
        if matches!(outcome, Outcome::Handled | Outcome::Failed) {
            self.0
                .durations
                .get_or_create(&KindLabels { messenger, kind })
                .observe(elapsed.as_secs_f64());
        }
    }

    /// One send of the delivery worker.
    pub fn send(&self, messenger: Messenger, result: SendResult) {
        self.0
            .sends
            .get_or_create(&SendLabels {
                messenger: MessengerLabel(messenger),
                result,
            })
            .inc();
    }

    /// Registers a queue read at every scrape: `medcab_{name}_depth` and
    /// `medcab_{name}_oldest_seconds`, by messenger, from what `read`
    /// gives then. `name` is a lower-case word (`outbox`, `inbox`): a name
    /// of anything else panics, at start. One call per queue.
    pub fn read_queue<F>(&self, name: &'static str, what: &str, read: F)
    where
        F: Fn() -> BoxFuture<'static, Result<Vec<QueueDepth>, ReadError>> + Send + Sync + 'static,
    {
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "a queue's name is a lower-case word: {name:?}"
        );
        let queue = Arc::new(Queue {
            name: Name(name),
            read: Box::new(read),
            depth: Family::default(),
            oldest: Family::default(),
        });
        let mut registry = self.registry();
        registry.register(
            format!("medcab_{name}_depth"),
            format!("{what} waiting, by messenger"),
            queue.depth.clone(),
        );
        registry.register(
            format!("medcab_{name}_oldest_seconds"),
            format!("Seconds the longest-waiting item due in the {name} has waited, by messenger"),
            queue.oldest.clone(),
        );
        drop(registry);
        // Shown at 0 from the start: a rate needs a first sample.
        let _ = self.0.read_errors.get_or_create(&ReadingLabels {
            reading: Name(name),
        });
        self.0
            .queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(queue);
    }

    /// [`Metrics::new`] reading the outbox of `db` ([`Metrics::read_outbox`]).
    pub fn with_outbox(db: &sqlx::PgPool, clock: &medcab_core::Clock) -> Metrics {
        let metrics = Metrics::new();
        metrics.read_outbox(db.clone(), clock.clone());
        metrics.read_inbox(db.clone(), clock.clone());
        metrics
    }

    /// Reads the inbox at every scrape (`inbox::depth`): updates stored and
    /// not yet handled, and how long the oldest has waited. Poison rows are
    /// not waiting and not counted (the log names each).
    pub fn read_inbox(&self, db: sqlx::PgPool, clock: medcab_core::Clock) {
        self.read_queue("inbox", "Updates", move || {
            let db = db.clone();
            let now = clock.now();
            Box::pin(async move {
                let depth = medcab_core::inbox::depth(&db).await?;
                Ok(depth
                    .into_iter()
                    .map(|queue| QueueDepth {
                        messenger: queue.messenger,
                        depth: queue.waiting,
                        oldest_seconds: queue.oldest.map_or(0.0, |oldest| {
                            (now - oldest).num_milliseconds().max(0) as f64 / 1000.0
                        }),
                    })
                    .collect())
            })
        });
    }

    /// Reads the outbox at every scrape (`outbox::backlog`): its rows
    /// waiting, and how late the oldest due one is, by `clock` (the
    /// domain's: rows are due by it).
    pub fn read_outbox(&self, db: sqlx::PgPool, clock: medcab_core::Clock) {
        self.read_queue("outbox", "Notifications", move || {
            let db = db.clone();
            let now = clock.now();
            Box::pin(async move {
                let backlog = medcab_core::outbox::backlog(&db, now).await?;
                Ok(backlog
                    .into_iter()
                    .map(|queue| QueueDepth {
                        messenger: queue.messenger,
                        depth: queue.depth,
                        oldest_seconds: queue.oldest_due_seconds,
                    })
                    .collect())
            })
        });
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.0
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The text a scrape gets: every queue read first (each within
    /// [`READ_TIMEOUT`], all at once), then everything encoded.
    pub async fn scrape(&self) -> String {
        let _one_at_a_time = self.0.scraping.lock().await;
        let queues: Vec<Arc<Queue>> = self
            .0
            .queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let readings = futures::future::join_all(
            queues
                .iter()
                .map(|queue| tokio::time::timeout(READ_TIMEOUT, (queue.read)())),
        )
        .await;
        for (queue, reading) in queues.iter().zip(readings) {
            queue.depth.clear();
            queue.oldest.clear();
            let failed = match reading {
                Ok(Ok(depths)) => {
                    for depth in depths {
                        let labels = MessengerOnly {
                            messenger: MessengerLabel(depth.messenger),
                        };
                        queue.depth.get_or_create(&labels).set(depth.depth);
                        queue
                            .oldest
                            .get_or_create(&labels)
                            .set(depth.oldest_seconds);
                    }
                    None
                }
                Ok(Err(error)) => Some(error.to_string()),
                Err(_late) => Some(format!("no answer within {READ_TIMEOUT:?}")),
            };
            if let Some(error) = failed {
                tracing::warn!(reading = queue.name.0, %error, "cannot read a queue for the metrics");
                self.0
                    .read_errors
                    .get_or_create(&ReadingLabels {
                        reading: queue.name,
                    })
                    .inc();
            }
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry()) {
            // Only a writer can fail, and a String does not.
            tracing::error!(%error, "cannot encode the metrics");
        }
        text
    }
}

/// Core's security counts, read at each scrape: `medcab_refusals_total`
/// by event kind, `medcab_lockouts_total` by who was locked out.
#[derive(Debug)]
struct SecurityCounts;

#[derive(Debug, Clone, Copy)]
struct EventKind(security_events::Kind);

impl EventKind {
    fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

#[derive(Debug, Clone, Copy)]
struct Who(security_events::Locked);

impl Who {
    fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

word_label!(EventKind, Who);

struct One<'a>(&'static str, &'a dyn EncodeLabelValue);

impl EncodeLabelSet for One<'_> {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        labels(encoder, &[(self.0, self.1)])
    }
}

impl Collector for SecurityCounts {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut family = encoder.encode_descriptor(
            "medcab_refusals",
            "Refusals recorded in the security log by this process (forged buttons, wrong codes, API refusals …), those held back by its limits included",
            None,
            MetricType::Counter,
        )?;
        for (kind, count) in security_events::counts() {
            if kind.is_refusal() {
                let kind = EventKind(kind);
                ConstCounter::new(count).encode(family.encode_family(&One("kind", &kind))?)?;
            }
        }
        let mut family = encoder.encode_descriptor(
            "medcab_lockouts",
            "Second factors locked (or blocked) after wrong codes, by this process",
            None,
            MetricType::Counter,
        )?;
        for (who, count) in security_events::lockouts() {
            let who = Who(who);
            ConstCounter::new(count).encode(family.encode_family(&One("who", &who))?)?;
        }
        Ok(())
    }
}

tokio::task_local! {
    /// Why the update being dispatched was dropped early, if a step said
    /// ([`note`]); set up by [`observed`] for each update.
    static NOTED: Arc<Mutex<Option<Outcome>>>;
}

/// Says why the update being handled goes no further (a redelivery, a
/// flood): [`observed`] counts it so instead of `not_served`. Outside an
/// observed update it does nothing.
pub fn note(outcome: Outcome) {
    let _ = NOTED.try_with(|noted| {
        *noted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
    });
}

/// The first step of the route table (`handlers::schema`): runs the rest
/// of it, timed, and counts the update in the [`Metrics`] of the
/// [`crate::startup::Services`]: handled, failed, or not taken (for the
/// reason a step gave with [`note`], else `not_served`).
#[track_caller]
pub fn observed() -> crate::chat::Routes {
    use dptree::{HandlerSignature, Type};
    let location = std::panic::Location::caller();
    dptree::from_fn(
        |deps: dptree::di::DependencyMap, cont| async move {
            let incoming: Arc<Incoming> = deps.get();
            let services: Arc<crate::startup::Services> = deps.get();
            let (messenger, kind) = (incoming.chat.messenger, UpdateKind::of(&incoming));
            let noted = Arc::new(Mutex::new(None));
            let started = Instant::now();
            let result = NOTED.scope(noted.clone(), cont(deps)).await;
            let outcome = match &result {
                ControlFlow::Break(Ok(())) => Outcome::Handled,
                ControlFlow::Break(Err(_)) => Outcome::Failed,
                ControlFlow::Continue(_) => noted
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .unwrap_or(Outcome::NotServed),
            };
            services
                .metrics
                .update(messenger, kind, outcome, started.elapsed());
            result
        },
        HandlerSignature::Other {
            obligations: [
                (Type::of::<Incoming>(), location),
                (Type::of::<crate::startup::Services>(), location),
            ]
            .into_iter()
            .collect(),
            guaranteed_outcomes: std::collections::BTreeSet::new(),
            conditional_outcomes: std::collections::BTreeSet::new(),
            continues: true,
        },
    )
}

/// The metrics server: `GET /metrics` and nothing else, on its own port.
pub struct MetricsServer {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl MetricsServer {
    /// Listens on `addr` (`MEDCAB_METRICS_ADDR`) and serves `metrics`.
    pub async fn start(addr: SocketAddr, metrics: Metrics) -> anyhow::Result<MetricsServer> {
        use axum::routing::get;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on MEDCAB_METRICS_ADDR {addr}"))?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .route("/metrics", get(serve_metrics))
            .with_state(metrics);
        let stop = CancellationToken::new();
        let stopping = stop.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stopping.cancelled_owned())
                .await
        });
        tracing::info!(%addr, "metrics at /metrics");
        Ok(MetricsServer { addr, stop, task })
    }

    /// Stops listening; a scrape in flight has a second to finish.
    pub async fn stop(self) {
        self.stop.cancel();
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(1), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

async fn serve_metrics(
    axum::extract::State(metrics): axum::extract::State<Metrics>,
) -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)],
        metrics.scrape().await,
    )
}

/// The label values of every sample in `text` (`name{a="x",b="y"} 1`):
/// what a test checks for ids. Escaped quotes are kept as written.
pub fn label_values(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let Some(open) = line.find('{') else { continue };
        let Some(close) = line.rfind('}') else {
            continue;
        };
        let mut rest = &line[open + 1..close];
        while let Some(start) = rest.find("=\"") {
            rest = &rest[start + 2..];
            let mut end = 0;
            let bytes = rest.as_bytes();
            while end < bytes.len()
                && !(bytes[end] == b'"' && (end == 0 || bytes[end - 1] != b'\\'))
            {
                end += 1;
            }
            values.push(rest[..end].to_owned());
            rest = &rest[(end + 1).min(rest.len())..];
        }
    }
    values
}

/// The value of the sample `name{labels}` exactly as written (labels in
/// the order encoded, e.g. `messenger="telegram",kind="press"`), if any.
pub fn sample(text: &str, name: &str, labels: &str) -> Option<f64> {
    let mut prefix = String::new();
    let _ = write!(prefix, "{name}{{{labels}}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|value| value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_labels(text: &str, family: &str) -> Vec<String> {
        text.lines()
            .filter(|line| line.starts_with(family))
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn the_text_has_every_family_with_its_labels_and_counts_move() {
        let metrics = Metrics::new();
        metrics.update(
            Messenger::Telegram,
            UpdateKind::Command,
            Outcome::Handled,
            Duration::from_millis(30),
        );
        metrics.update(
            Messenger::Telegram,
            UpdateKind::Command,
            Outcome::Handled,
            Duration::from_millis(3),
        );
        metrics.update(
            Messenger::Max,
            UpdateKind::Press,
            Outcome::Duplicate,
            Duration::from_millis(1),
        );
        metrics.send(Messenger::Telegram, SendResult::Sent);
        metrics.send(Messenger::Max, SendResult::RateLimited);
        metrics.read_queue("outbox", "Notifications", || {
            Box::pin(async {
                Ok(vec![QueueDepth {
                    messenger: Messenger::Telegram,
                    depth: 3,
                    oldest_seconds: 12.5,
                }])
            })
        });
        let text = metrics.scrape().await;

        assert_eq!(
            sample(
                &text,
                "medcab_updates_total",
                r#"messenger="telegram",kind="command",outcome="handled""#
            ),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                "medcab_updates_total",
                r#"messenger="max",kind="press",outcome="duplicate""#
            ),
            Some(1.0)
        );
        // Timed: the two handled ones; a duplicate did no work.
        assert_eq!(
            sample(
                &text,
                "medcab_update_duration_seconds_count",
                r#"messenger="telegram",kind="command""#
            ),
            Some(2.0)
        );
        assert_eq!(
            sample(
                &text,
                "medcab_update_duration_seconds_bucket",
                r#"le="0.005",messenger="telegram",kind="command""#
            ),
            Some(1.0),
            "{text}"
        );
        assert!(
            with_labels(
                &text,
                "medcab_update_duration_seconds_count{messenger=\"max\""
            )
            .is_empty()
        );
        assert_eq!(
            sample(
                &text,
                "medcab_sends_total",
                r#"messenger="telegram",result="sent""#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "medcab_sends_total",
                r#"messenger="max",result="rate_limited""#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, "medcab_outbox_depth", r#"messenger="telegram""#),
            Some(3.0)
        );
        assert_eq!(
            sample(
                &text,
                "medcab_outbox_oldest_seconds",
                r#"messenger="telegram""#
            ),
            Some(12.5)
        );
        for family in [
            "# TYPE medcab_updates counter",
            "# TYPE medcab_update_duration_seconds histogram",
            "# TYPE medcab_sends counter",
            "# TYPE medcab_outbox_depth gauge",
            "# TYPE medcab_outbox_oldest_seconds gauge",
            "# TYPE medcab_metrics_read_errors counter",
            "# TYPE medcab_refusals counter",
            "# TYPE medcab_lockouts counter",
        ] {
            assert!(text.contains(family), "{family} in {text}");
        }
        assert!(text.contains(r#"medcab_lockouts_total{who="practitioner"}"#));
        assert!(text.contains(r#"medcab_lockouts_total{who="operator"}"#));
        assert!(text.contains(r#"medcab_refusals_total{kind="forged_callback"}"#));
        assert!(!text.contains(r#"kind="login_approved""#), "not a refusal");
        assert!(text.ends_with("# EOF\n"));

        // Counts move.
        metrics.send(Messenger::Telegram, SendResult::Sent);
        let again = metrics.scrape().await;
        assert_eq!(
            sample(
                &again,
                "medcab_sends_total",
                r#"messenger="telegram",result="sent""#
            ),
            Some(2.0)
        );
    }

    #[tokio::test]
    async fn a_failed_or_late_reading_leaves_its_gauges_out_and_is_counted() {
        let metrics = Metrics::new();
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let failing = fail.clone();
        metrics.read_queue("inbox", "Updates", move || {
            let fail = failing.load(std::sync::atomic::Ordering::Relaxed);
            Box::pin(async move {
                if fail {
                    Err("the database is down".into())
                } else {
                    Ok(vec![QueueDepth {
                        messenger: Messenger::Max,
                        depth: 1,
                        oldest_seconds: 0.5,
                    }])
                }
            })
        });
        let text = metrics.scrape().await;
        assert_eq!(
            sample(&text, "medcab_inbox_depth", r#"messenger="max""#),
            Some(1.0)
        );
        fail.store(true, std::sync::atomic::Ordering::Relaxed);
        let text = metrics.scrape().await;
        assert_eq!(
            sample(&text, "medcab_inbox_depth", r#"messenger="max""#),
            None,
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                "medcab_metrics_read_errors_total",
                r#"reading="inbox""#
            ),
            Some(1.0)
        );

        // One that never answers is cut off at the timeout.
        let slow = Metrics::new();
        slow.read_queue("outbox", "Notifications", || {
            Box::pin(futures::future::pending())
        });
        let text = slow.scrape().await;
        assert_eq!(
            sample(
                &text,
                "medcab_metrics_read_errors_total",
                r#"reading="outbox""#
            ),
            Some(1.0)
        );
        assert!(!text.contains("medcab_outbox_depth{"));
    }

    #[test]
    #[should_panic(expected = "lower-case word")]
    fn a_queue_is_named_by_a_word() {
        Metrics::new().read_queue("chat 42", "x", || Box::pin(async { Ok(Vec::new()) }));
    }

    #[test]
    fn kinds_of_update_are_told_apart() {
        use crate::chat::{Press, Said, Sender, SentFile, SharedContact};
        let incoming = |what| Incoming {
            update_id: 1,
            chat: crate::chat::ChatRef::telegram(5),
            from: Sender {
                user: medcab_core::UserId::from_stored(5),
                external_id: 5,
                first_name: "A".into(),
                language: None,
            },
            what,
        };
        let text = |t: &str| {
            What::Said(Said {
                text: Some(t.to_owned()),
                ..Said::default()
            })
        };
        assert_eq!(
            UpdateKind::of(&incoming(text("/start"))),
            UpdateKind::Command
        );
        assert_eq!(
            UpdateKind::of(&incoming(text("hello"))),
            UpdateKind::Message
        );
        assert_eq!(
            UpdateKind::of(&incoming(What::Said(Said::default()))),
            UpdateKind::Other
        );
        let contact = What::Said(Said {
            contact: Some(SharedContact {
                phone: "+7".into(),
                owner: None,
            }),
            ..Said::default()
        });
        assert_eq!(UpdateKind::of(&incoming(contact)), UpdateKind::Contact);
        let file = What::Said(Said {
            file: Some(SentFile {
                id: "f".into(),
                size: 1,
                name: None,
                kind: crate::chat::FileKind::Document,
            }),
            ..Said::default()
        });
        assert_eq!(UpdateKind::of(&incoming(file)), UpdateKind::File);
        let press = What::Press(Press {
            id: "1".into(),
            data: None,
            message: None,
            replayed: false,
        });
        assert_eq!(UpdateKind::of(&incoming(press)), UpdateKind::Press);
        let words: std::collections::HashSet<_> =
            UpdateKind::ALL.iter().map(|kind| kind.as_str()).collect();
        assert_eq!(words.len(), 6);
    }

    #[test]
    fn label_values_are_read_back() {
        let text = "# HELP x y\nx_total{a=\"one\",b=\"t\\\"wo\"} 1\ny 2\n# EOF\n";
        assert_eq!(label_values(text), ["one", "t\\\"wo"]);
    }

    #[tokio::test]
    async fn a_noted_outcome_is_seen_only_inside_its_scope() {
        note(Outcome::Duplicate); // outside: nothing, no panic
        let noted = Arc::new(Mutex::new(None));
        NOTED
            .scope(noted.clone(), async { note(Outcome::FloodLimited) })
            .await;
        assert_eq!(*noted.lock().unwrap(), Some(Outcome::FloodLimited));
    }
}
