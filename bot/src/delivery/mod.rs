//! The delivery worker: sends what the outbox holds.
//!
//! Started by `Application::start` beside the dispatcher (`medcab run`), or
//! alone (`medcab deliver`); any number of workers, in one process or many,
//! may deliver from one database at once.
//!
//! A worker runs [`DeliveryOptions::lanes`] lanes. Each lane takes one row
//! at a time, in its own transaction held across the send
//! (`outbox::claim_next`: `FOR UPDATE SKIP LOCKED`, urgent rows first):
//!
//! 1. A row of a kind this version does not know (written by a newer one
//!    during a rolling deploy) is held for [`UNKNOWN_KIND_HOLD`], no
//!    attempt counted; a row whose payload does not parse is failed.
//!    A row the recipient should not get is settled without a send: one
//!    whose recipient has no consent in force (except operators' staff
//!    notices, [`Kind::FeedProposals`]), a chat known unreachable, or a
//!    category the recipient switched off, is failed with the reason; a
//!    non-urgent row in the recipient's quiet hours is held until they end
//!    (their settings are read at this moment, so a change made after the
//!    row was written counts). These rules and the retry policy below are
//!    core's, pure and unit-tested (`outbox::settle`,
//!    `outbox::after_transient_failure`); the worker carries them out.
//! 2. [`Pacer`] says whether the send may go now (each messenger's
//!    per-chat and per-bot limits, shared by all instances through Redis).
//!    A short wait is waited with the row in hand; a chat that must wait
//!    longer has its row put back until then, and a long pause for the
//!    messenger's whole bot (a 429) puts the row back untouched while the
//!    lanes take only the other messenger's rows (`gates`: one messenger's
//!    limits never hold back the other's).
//! 3. The row is rendered in the recipient's language, sent, and marked in
//!    the same transaction, which then commits:
//!    - sent, with the Telegram message id;
//!    - 429: every instance pauses for `retry_after`, and the row is due
//!      again after it (not counted as a failed attempt);
//!    - 403 (blocked, deactivated): the chat is marked unreachable, the
//!      row failed, and later rows to it are failed without a send; a row
//!      failed so (or for a messenger unlinked since it was written) is
//!      copied to the account's other messenger when that one is linked,
//!      reachable and had no copy (`outbox::reroute`);
//!    - 400 and other refusals: failed with Telegram's description, not
//!      tried again;
//!    - 5xx, 401 and network errors: tried again after 2, 4, 8, … 512 s,
//!      then every 10 minutes, failed after `outbox::MAX_ATTEMPTS` (about
//!      two hours: an outage of Telegram or of the network does not fail
//!      the rows claimed meanwhile); an urgent row (a login confirmation,
//!      valid two minutes) after five.
//!
//! Delivery is at least once. A crash (the process killed, the task
//! aborted) rolls back the transactions in flight: their rows are due again
//! at once, and a message Telegram had already accepted is sent a second
//! time. So a crash doubles at most one message per lane, never loses one.
//!
//! Every send's result is counted in the [`Metrics`] given at start
//! (`medcab_sends_total{messenger, result}`): sent, retried (a transient
//! failure), rate_limited (a 429), unreachable (a 403), failed (refused,
//! or out of tries). Rows settled without a send are not sends.
//!
//! Time: rows are due by the domain's [`Clock`], so a test can hold and
//! release quiet hours by moving a manual clock (see [`DeliveryClock`]).

mod expiry;
mod gates;
pub(crate) mod pacing;
mod render;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use medcab_core::Clock;
use medcab_core::channels::{self, Messenger};
use medcab_core::login_confirmations;
use medcab_core::outbox::{self, Claimed, Kind, Retry, SentAs, Settle};
use medcab_core::telegram_users;
use sqlx::{PgPool, Postgres, Transaction};
use teloxide::prelude::*;
use teloxide::{ApiError, RequestError};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use pacing::{Bucket, FREE_PER_SECOND, Limits, MAX_PER_SECOND, Pacer, Verdict};
pub use render::{keyboard, render};

use crate::chat::{ChatRef, MessageRef, Screen, StoredMessage};
use crate::config::Brand;
use crate::i18n::Texts;
use crate::max::{MaxClient, MaxError, MaxErrorKind};
use crate::metrics::{Metrics, SendResult};
use gates::{Gates, Open};

/// How often an idle lane looks at the outbox when nobody wakes it.
pub const POLL: Duration = Duration::from_millis(200);

/// The longest a lane waits for the pacer with a row in hand; a chat that
/// must wait longer has its row put back.
pub const HOLD_MAX: Duration = Duration::from_secs(1);

/// Lanes when nothing else is said (`MEDCAB_DELIVERY_LANES`).
pub const DEFAULT_LANES: usize = 4;

/// The longest a 429's `retry_after` is honoured: a longer one (a broken
/// proxy, a hostile peer) would otherwise stop a messenger's delivery for
/// as long as it says, on every instance, or overflow a clock.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// How long a lane rests after the database failed it.
const ERROR_REST: Duration = Duration::from_secs(1);

/// `last_error` of a login confirmation's push not sent because its
/// challenge expired (or was answered, or erased) before it could go.
pub const CHALLENGE_OVER: &str = "the login confirmation is over";

/// `last_error` of a row for a messenger the account no longer has
/// (unlinked after the row was written).
pub const NO_CHANNEL: &str = "the account has no chat on this messenger";

/// Why a row was failed without a send, and how long a row of an unknown
/// kind is left alone (core's rules).
pub use outbox::{NO_CONSENT, SWITCHED_OFF, UNKNOWN_KIND_HOLD, UNREACHABLE, UNREADABLE};

/// Tells the worker there is something new in the outbox, so an urgent push
/// does not wait for the next poll. A wake while every lane is busy is
/// kept, not lost.
#[derive(Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl Wakeup {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// How a worker delivers.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Rows in flight at once, each in its own transaction (and database
    /// connection). A crash re-sends at most this many messages.
    pub lanes: usize,
    /// Telegram's limits.
    pub pacer: Pacer,
    /// Max's: its own buckets, at [`pacing::MAX_BOT_PER_SECOND`].
    pub max_pacer: Pacer,
    /// Where a push may send its reader for help (`Settings.brand`).
    pub brand: Brand,
}

impl Default for DeliveryOptions {
    /// Each messenger's limits, paced in this process only.
    fn default() -> Self {
        DeliveryOptions {
            lanes: DEFAULT_LANES,
            pacer: Pacer::local(Limits::default()),
            max_pacer: Pacer::local(Limits::max()),
            brand: Brand::default(),
        }
    }
}

/// The running worker.
pub struct Delivery {
    stop: CancellationToken,
    lanes: Vec<JoinHandle<()>>,
    sent: Arc<AtomicU64>,
}

/// The messengers a worker delivers through: Telegram when it is
/// connected (`TELOXIDE_TOKEN`), Max when it is (`MEDCAB_MAX_TOKEN`).
#[derive(Clone)]
pub struct Outlets {
    pub telegram: Option<Bot>,
    pub max: Option<MaxClient>,
}

impl Outlets {
    pub fn telegram(bot: Bot) -> Outlets {
        Outlets {
            telegram: Some(bot),
            max: None,
        }
    }

    pub fn with_max(mut self, client: Option<MaxClient>) -> Outlets {
        self.max = client;
        self
    }

    /// The messengers whose rows this worker takes.
    fn messengers(&self) -> Vec<Messenger> {
        let mut served = Vec::new();
        if self.telegram.is_some() {
            served.push(Messenger::Telegram);
        }
        if self.max.is_some() {
            served.push(Messenger::Max);
        }
        served
    }
}

impl Delivery {
    pub fn start(
        outlets: Outlets,
        db: PgPool,
        clock: Clock,
        options: DeliveryOptions,
        wakeup: Wakeup,
        metrics: Metrics,
    ) -> Delivery {
        let stop = CancellationToken::new();
        let sent = Arc::new(AtomicU64::new(0));
        let lane_count = options.lanes.max(1);
        let worker = Arc::new(Worker {
            gates: Gates::new(outlets.messengers(), lane_count),
            bot: outlets.telegram,
            max: outlets.max,
            db,
            clock: DeliveryClock::new(clock),
            pacer: options.pacer,
            max_pacer: options.max_pacer,
            brand: options.brand,
            wakeup,
            kick: Notify::new(),
            stop: stop.clone(),
            sent: sent.clone(),
            metrics,
        });
        let mut lanes: Vec<_> = (0..lane_count)
            .map(|_| tokio::spawn(lane(worker.clone())))
            .collect();
        lanes.push(tokio::spawn(expiry::run(worker.clone())));
        Delivery { stop, lanes, sent }
    }

    /// Messages this worker has had accepted by a messenger (and committed).
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Lets each lane finish the row in hand, and stops.
    pub async fn stop(self) {
        self.stop.cancel();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        for mut lane in self.lanes {
            if tokio::time::timeout_at(deadline, &mut lane).await.is_err() {
                tracing::warn!("a delivery lane did not stop in time; aborting it");
                lane.abort();
            }
        }
    }

    /// Stops at once, as a crash would: rows in flight roll back and are
    /// sent again by whoever delivers next.
    pub fn kill(self) {
        for lane in self.lanes {
            lane.abort();
        }
    }
}

/// The domain's clock, ticking in real time while a manual clock stands
/// still.
///
/// A row's `available_at` is on the domain's clock (the clock that decides
/// quiet hours). With the system clock this is just its time. With a manual
/// clock (tests) it is the manual time plus the real time since that clock
/// was last moved: moving the clock to 08:00 releases what quiet hours held
/// until 08:00, and a retry 2 s later still comes 2 real seconds later.
struct DeliveryClock {
    clock: Clock,
    /// The domain time last seen, and when it was seen.
    anchor: Mutex<(DateTime<Utc>, Instant)>,
}

impl DeliveryClock {
    fn new(clock: Clock) -> DeliveryClock {
        let now = clock.now();
        DeliveryClock {
            clock,
            anchor: Mutex::new((now, Instant::now())),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        let domain = self.clock.now();
        let mut anchor = self.anchor.lock().unwrap_or_else(|p| p.into_inner());
        if anchor.0 != domain {
            *anchor = (domain, Instant::now());
        }
        let ticked = chrono::Duration::from_std(anchor.1.elapsed()).unwrap_or_default();
        domain + ticked
    }
}

struct Worker {
    bot: Option<Bot>,
    max: Option<MaxClient>,
    /// The messengers whose rows are taken (those of `bot` and `max`),
    /// and which of them a lane may take a row of now.
    gates: Gates,
    db: PgPool,
    clock: DeliveryClock,
    pacer: Pacer,
    max_pacer: Pacer,
    brand: Brand,
    wakeup: Wakeup,
    /// Passes a wake-up from a lane that found work to an idle one.
    kick: Notify,
    stop: CancellationToken,
    sent: Arc<AtomicU64>,
    metrics: Metrics,
}

/// What a lane does next.
enum Next {
    /// Nothing is due: wait for a wake-up or the poll.
    Idle,
    /// A row was settled: take the next at once.
    Busy,
    /// The bot may not send for this long.
    Rest(Duration),
}

async fn lane(worker: Arc<Worker>) {
    while !worker.stop.is_cancelled() {
        let next = worker.step().await.unwrap_or_else(|error| {
            tracing::error!(%error, "cannot deliver from the outbox");
            Next::Rest(ERROR_REST)
        });
        match next {
            Next::Busy => {}
            Next::Idle => {
                tokio::select! {
                    _ = worker.stop.cancelled() => break,
                    _ = worker.wakeup.0.notified() => {}
                    _ = worker.kick.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
            Next::Rest(duration) => {
                tokio::select! {
                    _ = worker.stop.cancelled() => break,
                    _ = tokio::time::sleep(duration) => {}
                }
            }
        }
    }
}

/// How a send failed, as far as what to do next.
#[derive(Debug, PartialEq)]
enum Failure {
    /// 429: wait this long, then the same row again.
    TooManyRequests(Duration),
    /// 403: the chat is gone until the user writes again.
    ChatGone,
    /// 400 and the like: sending it again would fail again.
    Refused,
    /// 5xx, the network: may pass.
    Transient,
}

impl Worker {
    async fn step(&self) -> Result<Next, sqlx::Error> {
        let (open, rest_ends) = match self.gates.open() {
            Open::Claim {
                messengers,
                rest_ends,
            } => (messengers, rest_ends),
            Open::Rest(wait) => return Ok(Next::Rest(wait)),
        };
        // Nothing of the open messengers is due: look again when the next
        // resting one opens, if that is sooner than the poll.
        let nothing = match rest_ends {
            Some(wait) if wait < POLL => Next::Rest(wait),
            _ => Next::Idle,
        };
        if open.is_empty() {
            return Ok(nothing);
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let Some(row) = outbox::claim_next(&mut tx, now, &open).await? else {
            tx.rollback().await?;
            return Ok(nothing);
        };
        // There may be more: let an idle lane look too.
        self.kick.notify_one();
        self.deliver(tx, row, now).await
    }

    /// Settles one claimed row; commits (or rolls back) its transaction.
    async fn deliver(
        &self,
        mut tx: Transaction<'static, Postgres>,
        row: Claimed,
        now: DateTime<Utc>,
    ) -> Result<Next, sqlx::Error> {
        // What the recipient should not get now is settled without a send
        // (core's rules: `outbox::settle`).
        let kind = match outbox::settle(&row, now) {
            Settle::Send(kind) => kind,
            Settle::Hold { until, quiet } => {
                if quiet {
                    tracing::debug!(id = row.id, %until, "held for quiet hours");
                    outbox::hold_for_quiet_hours(&mut tx, row.id, until).await?;
                } else {
                    // Written by a newer version (a rolling deploy): it will
                    // deliver it; this one leaves it alone a while.
                    tracing::warn!(id = row.id, "an outbox row this version cannot deliver yet");
                    outbox::hold_until(&mut tx, row.id, until).await?;
                }
                tx.commit().await?;
                return Ok(Next::Busy);
            }
            Settle::Fail(reason) => {
                if reason == UNREADABLE {
                    tracing::error!(id = row.id, "an outbox row whose payload does not parse");
                } else {
                    tracing::debug!(id = row.id, reason, "not sent");
                }
                if reason == UNREACHABLE {
                    self.fail_elsewhere(&mut tx, &row, reason, false, now)
                        .await?;
                } else {
                    outbox::mark_failed(&mut tx, row.id, reason, false).await?;
                }
                tx.commit().await?;
                return Ok(Next::Busy);
            }
        };
        let Some(payload) = row.payload.as_ref() else {
            // `settle` fails a row without a payload.
            outbox::mark_failed(&mut tx, row.id, UNREADABLE, false).await?;
            tx.commit().await?;
            return Ok(Next::Busy);
        };
        // A login confirmation goes only while its challenge is pending: a
        // late push would ask about a login already refused. Its number is
        // read here, so the outbox never holds it.
        let login = match (kind, payload.login_challenge) {
            (Kind::LoginConfirmation, Some(challenge)) => {
                match login_confirmations::deliverable(&mut tx, challenge, now).await? {
                    Some(number) => Some((challenge, number)),
                    None => {
                        tracing::info!(id = row.id, %challenge, "a login confirmation expired before delivery");
                        outbox::mark_failed(&mut tx, row.id, CHALLENGE_OVER, false).await?;
                        tx.commit().await?;
                        return Ok(Next::Busy);
                    }
                }
            }
            _ => None,
        };

        let Some(address) = row.address else {
            // Unlinked after the row was written: not there.
            self.fail_elsewhere(&mut tx, &row, NO_CHANNEL, false, now)
                .await?;
            tx.commit().await?;
            return Ok(Next::Busy);
        };
        let chat = ChatRef {
            messenger: row.messenger,
            id: address,
        };

        let pacer = self.pacer(row.messenger);
        let paid = loop {
            // A short wait for the whole bot is waited with the row in
            // hand, unless that would take the last lane from the other
            // messenger (`gates`).
            let (wait, holding) = match pacer.acquire(address, row.priority).await {
                Verdict::Go { paid } => break paid,
                Verdict::Wait {
                    wait,
                    by: Bucket::Chat,
                } if wait <= HOLD_MAX => (wait, None),
                Verdict::Wait { wait, .. } if wait <= HOLD_MAX => {
                    match self.gates.hold(row.messenger) {
                        Some(holding) => (wait, Some(holding)),
                        None => {
                            self.gates.rest(row.messenger, wait);
                            tx.rollback().await?;
                            return Ok(Next::Busy);
                        }
                    }
                }
                Verdict::Wait {
                    wait,
                    by: Bucket::Chat,
                } => {
                    let later = self.clock.now() + to_chrono(wait);
                    outbox::hold_until(&mut tx, row.id, later).await?;
                    tx.commit().await?;
                    return Ok(Next::Busy);
                }
                Verdict::Wait { wait, .. } => {
                    // This messenger's whole bot waits: leave the row as it
                    // was, and take the other messenger's meanwhile.
                    self.gates.rest(row.messenger, wait);
                    tx.rollback().await?;
                    return Ok(Next::Busy);
                }
            };
            tokio::select! {
                _ = self.stop.cancelled() => {
                    tx.rollback().await?;
                    return Ok(Next::Idle);
                }
                _ = tokio::time::sleep(wait) => {}
            }
            drop(holding);
        };

        let t = Texts::new(row.language).in_zone(row.settings.time_zone);
        let screen = Screen::new(
            render(t, &self.brand, payload),
            keyboard(t, kind, payload, login.map(|(_, number)| number)).unwrap_or_default(),
        );
        let (next, result) = match self.send(chat, screen, paid).await {
            Ok(message) => {
                tracing::debug!(
                    id = row.id,
                    kind = kind.as_str(),
                    messenger = row.messenger.as_str(),
                    "notification sent"
                );
                let sent_as = match &message {
                    MessageRef::Telegram(id) => SentAs::Telegram(i64::from(*id)),
                    MessageRef::Max(mid) => SentAs::Max(mid.clone()),
                };
                outbox::mark_sent(&mut tx, row.id, &sent_as).await?;
                if let Some((challenge, _)) = login {
                    let stored = StoredMessage::new(chat, message).encode();
                    login_confirmations::push_sent(&mut tx, challenge, &stored).await?;
                }
                tx.commit().await?;
                self.sent.fetch_add(1, Ordering::Relaxed);
                self.metrics.send(row.messenger, SendResult::Sent);
                return Ok(Next::Busy);
            }
            Err(Refusal {
                failure,
                description,
            }) => {
                let messenger = row.messenger.name();
                let mut result = match failure {
                    Failure::TooManyRequests(_) => SendResult::RateLimited,
                    Failure::ChatGone => SendResult::Unreachable,
                    Failure::Refused => SendResult::Failed,
                    Failure::Transient => SendResult::Retried,
                };
                let next = match failure {
                    Failure::TooManyRequests(wait) => {
                        tracing::warn!(id = row.id, ?wait, messenger, "429: pausing sends");
                        pacer.pause(wait).await;
                        self.gates.rest(row.messenger, wait);
                        let later = self.clock.now() + to_chrono(wait);
                        outbox::retry_at(&mut tx, row.id, later, &description, false).await?;
                        Next::Busy
                    }
                    Failure::ChatGone => {
                        tracing::info!(id = row.id, %description, messenger, "the chat is unreachable");
                        if row.messenger == Messenger::Telegram {
                            telegram_users::mark_unreachable(&mut tx, address).await?;
                        }
                        channels::mark_unreachable(&mut tx, row.messenger, address, now).await?;
                        self.fail_elsewhere(&mut tx, &row, &description, true, now)
                            .await?;
                        Next::Busy
                    }
                    Failure::Refused => {
                        tracing::warn!(id = row.id, %description, messenger, "a notification was refused");
                        outbox::mark_failed(&mut tx, row.id, &description, true).await?;
                        Next::Busy
                    }
                    Failure::Transient => {
                        let attempts = row.attempts + 1;
                        tracing::warn!(id = row.id, attempts, %description, messenger, "a notification failed");
                        match outbox::after_transient_failure(row.priority, attempts) {
                            Retry::GiveUp => {
                                result = SendResult::Failed;
                                outbox::mark_failed(&mut tx, row.id, &description, true).await?;
                            }
                            Retry::After(wait) => {
                                let later = self.clock.now() + to_chrono(wait);
                                outbox::retry_at(&mut tx, row.id, later, &description, true)
                                    .await?;
                            }
                        }
                        Next::Busy
                    }
                };
                (next, result)
            }
        };
        tx.commit().await?;
        self.metrics.send(row.messenger, result);
        Ok(next)
    }

    /// Fails a row its messenger cannot carry (the chat stopped the bot,
    /// the messenger was unlinked), and copies it to the account's other
    /// messenger if that one can (`outbox::reroute`); the lane takes the
    /// copy next.
    async fn fail_elsewhere(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        row: &Claimed,
        reason: &str,
        attempted: bool,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let copied = outbox::reroute(tx, row.id, now).await?;
        if copied > 0 {
            tracing::info!(
                id = row.id,
                messenger = row.messenger.name(),
                reason,
                "moved to the account's other messenger"
            );
        }
        outbox::mark_failed(tx, row.id, reason, attempted).await
    }

    /// The pacer of a messenger's limits.
    fn pacer(&self, messenger: Messenger) -> &Pacer {
        match messenger {
            Messenger::Telegram => &self.pacer,
            Messenger::Max => &self.max_pacer,
        }
    }

    /// Sends a push through its messenger; `paid`: as a Telegram paid
    /// broadcast. Pushes are not content-protected: they are short, name
    /// nothing personal, and a person may want to forward a notice.
    async fn send(&self, chat: ChatRef, screen: Screen, paid: bool) -> Result<MessageRef, Refusal> {
        match chat.messenger {
            Messenger::Telegram => {
                let Some(bot) = &self.bot else {
                    // Not claimed without it (`Outlets::messengers`).
                    return Err(not_connected(chat.messenger));
                };
                crate::chat::telegram::push(bot, chat, screen, paid)
                    .await
                    .map_err(|error| Refusal {
                        failure: classify(&error),
                        description: describe(&error),
                    })
            }
            Messenger::Max => {
                let Some(client) = &self.max else {
                    return Err(not_connected(chat.messenger));
                };
                crate::chat::max::push(client, chat, screen)
                    .await
                    .map_err(|error| Refusal {
                        failure: classify_max(&error),
                        description: error.to_string(),
                    })
            }
        }
    }
}

/// A row of a messenger this worker is not connected to (it does not
/// claim them: this is only the net under that).
fn not_connected(messenger: Messenger) -> Refusal {
    Refusal {
        failure: Failure::Transient,
        description: format!("{} is not connected on this instance", messenger.name()),
    }
}

/// A send the messenger did not take: what to do about it, and its words
/// for the row's `last_error`.
struct Refusal {
    failure: Failure,
    description: String,
}

fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

fn classify(error: &RequestError) -> Failure {
    match error {
        RequestError::RetryAfter(wait) => {
            Failure::TooManyRequests(wait.duration().min(MAX_RETRY_AFTER))
        }
        RequestError::Api(api) if chat_is_gone(api) => Failure::ChatGone,
        // teloxide keeps Telegram's description, not its error code: what
        // it does not know by name is told by the description's start.
        RequestError::Api(ApiError::Unknown(description)) => {
            if description.starts_with("Bad Request") {
                Failure::Refused
            } else if description.starts_with("Forbidden") {
                Failure::ChatGone
            } else {
                // "Internal Server Error", "Bad Gateway", "Unauthorized" …
                Failure::Transient
            }
        }
        RequestError::Api(ApiError::InvalidToken) => Failure::Transient,
        // Every other named error is a 400 about this message or chat.
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => Failure::Refused,
        // The network, or a proxy's HTML error page instead of JSON.
        RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => {
            Failure::Transient
        }
    }
}

/// What to record as the row's last error: Telegram's own words.
fn describe(error: &RequestError) -> String {
    match error {
        RequestError::Api(ApiError::Unknown(description)) => description.clone(),
        RequestError::Api(api) => api.to_string(),
        RequestError::RetryAfter(wait) => {
            format!(
                "Too Many Requests: retry after {}",
                wait.duration().as_secs()
            )
        }
        other => other.to_string(),
    }
}

/// What a Max refusal means for the row.
fn classify_max(error: &MaxError) -> Failure {
    match error.kind {
        MaxErrorKind::TooManyRequests { retry_after } => {
            Failure::TooManyRequests(retry_after.min(MAX_RETRY_AFTER))
        }
        // `chat.denied`: the person stopped the bot; no such chat: gone.
        MaxErrorKind::Blocked | MaxErrorKind::ChatNotFound => Failure::ChatGone,
        MaxErrorKind::BadRequest | MaxErrorKind::NotFound => Failure::Refused,
        MaxErrorKind::NotReady | MaxErrorKind::Unauthorized | MaxErrorKind::Unavailable => {
            Failure::Transient
        }
    }
}

/// Telegram's 403s: the user blocked the bot, deleted the account, or never
/// started it. Nothing will reach this chat until the user writes again.
fn chat_is_gone(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
    )
}

#[cfg(test)]
mod tests {
    use teloxide::types::Seconds;

    use super::*;

    #[test]
    fn failures_are_told_apart() {
        let unknown = |text: &str| RequestError::Api(ApiError::Unknown(text.to_owned()));
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(2))),
            Failure::TooManyRequests(Duration::from_secs(2))
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Failure::ChatGone
        );
        assert_eq!(
            classify(&unknown("Forbidden: user is deactivated somehow")),
            Failure::ChatGone
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::MessageTextIsEmpty)),
            Failure::Refused
        );
        assert_eq!(
            classify(&unknown("Bad Request: can't parse entities")),
            Failure::Refused
        );
        assert_eq!(
            classify(&unknown("Internal Server Error")),
            Failure::Transient
        );
        assert_eq!(classify(&unknown("Bad Gateway")), Failure::Transient);
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(u32::MAX))),
            Failure::TooManyRequests(MAX_RETRY_AFTER),
            "a retry_after past all reason is honoured for ten minutes"
        );
        assert_eq!(
            describe(&RequestError::Api(ApiError::MessageTextIsEmpty)),
            "Bad Request: message text is empty"
        );
        assert_eq!(describe(&unknown("Bad Gateway")), "Bad Gateway");
    }

    #[test]
    fn a_manual_clock_ticks_while_it_stands_still_and_jumps_when_moved() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T20:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Clock::manual(start);
        let ticking = DeliveryClock::new(clock.clone());
        std::thread::sleep(Duration::from_millis(20));
        let now = ticking.now();
        assert!(now >= start + chrono::Duration::milliseconds(20), "{now}");
        assert!(now < start + chrono::Duration::seconds(5), "{now}");
        clock.set(start + chrono::Duration::hours(9));
        let moved = ticking.now();
        assert!(moved >= start + chrono::Duration::hours(9));
        assert!(moved < start + chrono::Duration::hours(9) + chrono::Duration::seconds(1));

        let system = DeliveryClock::new(Clock::system());
        std::thread::sleep(Duration::from_millis(20));
        let drift = system.now() - Utc::now();
        assert!(drift.num_milliseconds().abs() < 5, "{drift}");
    }
}
