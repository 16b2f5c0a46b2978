//! Long polling into the inbox, by one instance at a time.
//!
//! A messenger answers one poller per bot (Telegram refuses a second
//! getUpdates with 409), so the instances elect one per messenger: the
//! holder of a PostgreSQL advisory lock, taken on a connection of its own.
//! The lock goes when that connection does (the instance died, the network
//! broke), and a standby, trying every few seconds, takes over. The leader
//! stores each poll's batch through the same connection, in one statement,
//! and only then asks for the next offset (or passes Max's marker), which
//! acknowledges the batch: a store that fails is polled again, and a
//! leader whose connection broke learns it there, steps down and tries
//! again.

use std::time::Duration;

use medcab_core::channels::Messenger;
use sqlx::{Connection as _, PgConnection};
use teloxide::payloads::GetUpdatesSetters as _;
use teloxide::prelude::Requester as _;
use teloxide::types::AllowedUpdate;
use teloxide::{Bot, RequestError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Intake, intake};
use crate::max::{MaxClient, MaxErrorKind};

/// The advisory lock of each messenger's poller: fixed numbers that differ
/// from each other and from every other advisory lock on the database (the
/// scheduler's is `…_0001`; a test below keeps them apart).
fn lock_key(messenger: Messenger) -> i64 {
    match messenger {
        Messenger::Telegram => 0x6d65_6463_6162_0101,
        Messenger::Max => 0x6d65_6463_6162_0102,
    }
}

/// How often a standby asks for the lock.
const STANDBY: Duration = Duration::from_secs(2);

/// Updates asked for at most per poll (Telegram's limit).
const BATCH: u8 = 100;

/// The kinds of Max update asked for: what the route table serves, and
/// `bot_stopped`.
pub const MAX_KINDS: &[&str] = &[
    "message_created",
    "message_callback",
    "bot_started",
    "bot_stopped",
];

/// The kinds of Telegram update asked for.
pub fn telegram_kinds() -> Vec<AllowedUpdate> {
    vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery]
}

/// The pollers of this instance (each waiting to lead, or leading).
pub struct Pollers {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Pollers {
    pub fn start(
        intake: &Intake,
        telegram: Option<Bot>,
        max: Option<MaxClient>,
        timeout: Duration,
    ) -> Pollers {
        let stop = CancellationToken::new();
        let mut tasks = Vec::new();
        if let Some(bot) = telegram {
            tasks.push(tokio::spawn(lead(
                intake.clone(),
                Source::Telegram(bot),
                timeout,
                stop.clone(),
            )));
        }
        if let Some(client) = max {
            tasks.push(tokio::spawn(lead(
                intake.clone(),
                Source::Max(client),
                timeout,
                stop.clone(),
            )));
        }
        Pollers { stop, tasks }
    }

    /// Stops polling; a batch in hand is stored first.
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Stops at once, as a crash would (the lock goes with the connection).
    pub fn kill(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

enum Source {
    Telegram(Bot),
    Max(MaxClient),
}

impl Source {
    fn messenger(&self) -> Messenger {
        match self {
            Source::Telegram(_) => Messenger::Telegram,
            Source::Max(_) => Messenger::Max,
        }
    }
}

/// Where a poller has acknowledged up to: Telegram's next offset, Max's
/// marker. Kept across a lost leadership: the updates after it are the
/// ones not stored.
#[derive(Default)]
struct Acknowledged {
    offset: Option<i32>,
    marker: Option<i64>,
}

/// Waits to lead, then polls until the leadership or the process ends.
async fn lead(intake: Intake, source: Source, timeout: Duration, stop: CancellationToken) {
    let messenger = source.messenger();
    let mut acknowledged = Acknowledged::default();
    let mut led = false;
    loop {
        let Some(lock) = leadership(&intake, &source, led, &acknowledged, &stop).await else {
            return;
        };
        led = true;
        tracing::debug!(messenger = messenger.as_str(), "polling as the leader");
        let stepped_down = match &source {
            Source::Telegram(bot) => {
                poll_telegram(&intake, bot, lock, timeout, &mut acknowledged, &stop).await
            }
            Source::Max(client) => {
                poll_max(&intake, client, lock, timeout, &mut acknowledged, &stop).await
            }
        };
        if !stepped_down {
            return;
        }
        tracing::warn!(
            messenger = messenger.as_str(),
            "lost the poller's lock; standing by"
        );
    }
}

/// The lock's connection once this instance holds it; `None` when stopped.
///
/// A leader that lost its lock because the database is gone (`led`, and
/// the database does not answer) looks at what is waiting meanwhile,
/// without acknowledging it, so that the people writing are told
/// (`outage`); their updates are stored once it leads again.
async fn leadership(
    intake: &Intake,
    source: &Source,
    led: bool,
    acknowledged: &Acknowledged,
    stop: &CancellationToken,
) -> Option<PgConnection> {
    let messenger = source.messenger();
    let options = intake.db.connect_options();
    loop {
        let tried = async {
            let mut conn = PgConnection::connect_with(&options).await?;
            let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(lock_key(messenger))
                .fetch_one(&mut conn)
                .await?;
            Ok::<_, sqlx::Error>(got.then_some(conn))
        };
        match tried.await {
            Ok(Some(conn)) => return Some(conn),
            Ok(None) => {}
            Err(error) => {
                tracing::debug!(%error, "cannot ask for the poller's lock");
                if led {
                    peek(intake, source, acknowledged).await;
                }
            }
        }
        tokio::select! {
            () = stop.cancelled() => return None,
            () = tokio::time::sleep(STANDBY) => {}
        }
    }
}

/// The updates waiting after what was acknowledged, looked at and not
/// acknowledged, for their chats to be told of the outage.
async fn peek(intake: &Intake, source: &Source, acknowledged: &Acknowledged) {
    let arrivals = match source {
        Source::Telegram(bot) => {
            let mut ask = bot
                .get_updates()
                .timeout(0)
                .limit(BATCH)
                .allowed_updates(telegram_kinds());
            if let Some(offset) = acknowledged.offset {
                ask = ask.offset(offset);
            }
            let Ok(updates) = ask.await else { return };
            intake::telegram_poll(&updates)
        }
        Source::Max(client) => {
            let asked = client
                .updates(
                    acknowledged.marker,
                    u16::from(BATCH),
                    Duration::ZERO,
                    MAX_KINDS,
                )
                .await;
            let Ok(list) = asked else { return };
            intake::max_poll(&list.updates)
        }
    };
    intake.outage.tell(source.messenger(), &arrivals);
}

/// Doubling from half a second to eight: a database back after an outage
/// is used within seconds.
fn backoff(failures: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(failures.min(4)))
}

/// Is the lock's connection still there? A store failed: either the
/// database is away (the lock went with it) or the statement failed.
async fn still_leading(lock: &mut PgConnection) -> bool {
    lock.ping().await.is_ok()
}

/// Telegram's getUpdates into the inbox; `true` when the lock was lost,
/// `false` when stopped.
async fn poll_telegram(
    intake: &Intake,
    bot: &Bot,
    mut lock: PgConnection,
    timeout: Duration,
    acknowledged: &mut Acknowledged,
    stop: &CancellationToken,
) -> bool {
    // Polling and a webhook exclude each other: polling wins here.
    if let Err(error) = bot.delete_webhook().await {
        tracing::warn!(%error, "cannot delete the webhook before polling");
    }
    let seconds = u32::try_from(timeout.as_secs()).unwrap_or(10);
    let mut failures = 0u32;
    loop {
        let mut ask = bot
            .get_updates()
            .timeout(seconds)
            .limit(BATCH)
            .allowed_updates(telegram_kinds());
        if let Some(offset) = acknowledged.offset {
            ask = ask.offset(offset);
        }
        let asked = tokio::select! {
            () = stop.cancelled() => return false,
            asked = ask.into_future() => asked,
        };
        let updates = match asked {
            Ok(updates) => updates,
            Err(error) => {
                failures += 1;
                let wait = match &error {
                    RequestError::RetryAfter(after) => after.duration(),
                    _ => backoff(failures),
                };
                tracing::warn!(%error, ?wait, "cannot get updates from Telegram");
                tokio::select! {
                    () = stop.cancelled() => return false,
                    () = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let next = updates.iter().map(|update| update.id.0).max();
        let arrivals = intake::telegram_poll(&updates);
        match intake
            .store_with(&mut lock, Messenger::Telegram, &arrivals)
            .await
        {
            Ok(_) => {
                failures = 0;
                if let Some(next) = next {
                    acknowledged.offset =
                        Some(i32::try_from(next).unwrap_or(i32::MAX).saturating_add(1));
                }
            }
            Err(error) => {
                failures += 1;
                tracing::error!(%error, "cannot store Telegram's updates; polling them again");
                if !still_leading(&mut lock).await {
                    return true;
                }
                tokio::select! {
                    () = stop.cancelled() => return false,
                    () = tokio::time::sleep(backoff(failures)) => {}
                }
            }
        }
    }
}

/// Max's GET /updates into the inbox; `true` when the lock was lost,
/// `false` when stopped.
async fn poll_max(
    intake: &Intake,
    client: &MaxClient,
    mut lock: PgConnection,
    timeout: Duration,
    acknowledged: &mut Acknowledged,
    stop: &CancellationToken,
) -> bool {
    let mut failures = 0u32;
    loop {
        let asked = tokio::select! {
            () = stop.cancelled() => return false,
            asked = client.updates(acknowledged.marker, u16::from(BATCH), timeout, MAX_KINDS) => asked,
        };
        let list = match asked {
            Ok(list) => list,
            Err(error) => {
                failures += 1;
                let wait = match error.kind {
                    MaxErrorKind::TooManyRequests { retry_after } => retry_after,
                    _ => backoff(failures),
                };
                tracing::warn!(%error, ?wait, "cannot get updates from Max");
                tokio::select! {
                    () = stop.cancelled() => return false,
                    () = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let arrivals = intake::max_poll(&list.updates);
        match intake
            .store_with(&mut lock, Messenger::Max, &arrivals)
            .await
        {
            Ok(_) => {
                failures = 0;
                if list.marker.is_some() {
                    acknowledged.marker = list.marker;
                }
            }
            Err(error) => {
                failures += 1;
                tracing::error!(%error, "cannot store Max's updates; polling them again");
                if !still_leading(&mut lock).await {
                    return true;
                }
                tokio::select! {
                    () = stop.cancelled() => return false,
                    () = tokio::time::sleep(backoff(failures)) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pollers_locks_are_their_own() {
        let keys = [
            lock_key(Messenger::Telegram),
            lock_key(Messenger::Max),
            crate::scheduler::LOCK_KEY,
        ];
        for (i, key) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(key), "{key:#x} is taken twice");
        }
    }
}
