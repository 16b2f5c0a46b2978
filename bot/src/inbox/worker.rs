//! The workers: lease chats with updates waiting, handle each chat's
//! updates in order through the route table, mark them handled.
//!
//! One loop per instance leases as many chats as it has room for
//! ([`Workers::CHATS`] at once), in one statement; each leased chat gets
//! its own task, which handles its updates one by one, renewing the lease
//! while a slow handler runs, and gives the chat back when nothing is left.
//! The loop sleeps until this instance stores an update, another instance
//! notifies PostgreSQL's channel, or a second passes (a lease of a dead
//! instance runs out without anybody storing anything).
//!
//! A handler's error was told to the user by the route table
//! (`handlers::release`): the update is done. A panic is not: the update is
//! set aside as poison and the chat goes on. An instance stopping finishes
//! the updates in hand, then gives its leases back.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt as _;
use medcab_core::Clock;
use medcab_core::channels::{self, Messenger};
use medcab_core::crypto::Vault;
use medcab_core::inbox::{self, Holder, LeasedChat, Waiting};
use medcab_core::updates;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use teloxide::Bot;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::di::DependencyMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use super::Intake;
use crate::chat::{self, ChatRef, Positions, Ui};
use crate::handlers::HandlerError;
use crate::handlers::release::Attempt;
use crate::max::MaxClient;
use crate::max::types::Update as MaxUpdate;

/// What handles an update of each messenger: the route table with its
/// dependencies, and the client to answer through.
#[derive(Clone)]
pub struct Handlers {
    pub dependencies: DependencyMap,
    /// Telegram's route table (the adapter's `routes` around the schema).
    pub telegram: Option<(Bot, UpdateHandler<HandlerError>)>,
    pub max: Option<(MaxClient, UpdateHandler<HandlerError>)>,
}

/// How long a lease lasts unrenewed, and so how long the chats of an
/// instance that died wait before another takes them.
pub const LEASE: Duration = Duration::from_secs(15);

/// How long a graceful stop waits for the updates in hand.
const STOP_WAIT: Duration = Duration::from_secs(15);

/// Updates of one chat read per round trip.
const PER_CHAT: i64 = 20;

/// How often an idle worker looks anyway (leases that ran out).
const TICK: Duration = Duration::from_secs(1);

/// The workers of this instance, running.
pub struct Workers {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

struct Worker {
    db: PgPool,
    vault: Vault,
    clock: Clock,
    holder: Holder,
    handlers: Handlers,
}

impl Workers {
    /// Chats handled at once by one instance at most; fewer when the
    /// pool is smaller (half its connections).
    pub const CHATS: usize = 256;

    /// Handles what `intake` stores (its database, vault and clock).
    pub fn start(intake: &Intake, handlers: Handlers, lease: Duration) -> Workers {
        let stop = CancellationToken::new();
        let worker = Arc::new(Worker {
            db: intake.db.clone(),
            vault: intake.vault.clone(),
            clock: intake.clock.clone(),
            // Each start holds its own leases: a bot restarted in this
            // process (the tests) finds its former leases taken over, as
            // another instance would.
            holder: Holder {
                id: uuid::Uuid::new_v4(),
                lease: chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(15)),
            },
            handlers,
        });
        let task = tokio::spawn(run(
            worker,
            intake.wake.clone(),
            intake.instance,
            lease,
            stop.clone(),
        ));
        Workers { stop, task }
    }

    /// Takes no new chat, finishes the updates in hand (for a while), gives
    /// the leases back.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }

    /// Stops at once, as a crash would: the leases stay until they run out.
    pub fn kill(self) {
        self.task.abort();
    }
}

async fn run(
    worker: Arc<Worker>,
    wake: Arc<tokio::sync::Notify>,
    instance: uuid::Uuid,
    lease: Duration,
    stop: CancellationToken,
) {
    // A handler holds a connection only while a statement runs, and waits
    // on the messenger without one: as many chats at once as the pool has
    // connections keeps both busy. More would only wait for a connection
    // (and time out under load); fewer left the bot idle while people
    // waited (the load tool: 7 chats at once on a pool of 14 capped a
    // 2-core machine at some 340 steps a second with half its CPU free).
    let pool = usize::try_from(worker.db.options().get_max_connections()).unwrap_or(2);
    let room = Arc::new(Semaphore::new(Workers::CHATS.min(pool.max(1))));
    // Dropped with this task: a kill aborts the chats in hand too, as a
    // crash would.
    let mut chats = JoinSet::new();
    let mut listener = None;
    loop {
        while chats.try_join_next().is_some() {}
        if listener.is_none() {
            listener = listen(&worker.db).await;
        }
        let first = tokio::select! {
            () = stop.cancelled() => break,
            permit = room.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let room_for = 1 + room.available_permits();
        let leased = inbox::lease(
            &worker.db,
            worker.holder,
            i64::try_from(room_for).unwrap_or(1),
            PER_CHAT,
        )
        .await;
        match leased {
            Ok(leased) if !leased.is_empty() => {
                let mut permit = Some(first);
                for chat in leased {
                    let Some(held) = permit
                        .take()
                        .or_else(|| room.clone().try_acquire_owned().ok())
                    else {
                        // Counted above; cannot happen, but a chat left
                        // leased would wait for its lease to run out.
                        break;
                    };
                    let worker = worker.clone();
                    let stopping = stop.clone();
                    chats.spawn(handle_chat(worker, chat, lease, stopping, held));
                }
                continue;
            }
            Ok(_) => drop(first),
            Err(error) => {
                drop(first);
                tracing::warn!(%error, "cannot lease chats from the inbox");
            }
        }
        // Nothing to do: wait for a bell.
        tokio::select! {
            () = stop.cancelled() => break,
            () = wake.notified() => {}
            heard = heard_elsewhere(&mut listener, instance) => {
                if !heard {
                    listener = None;
                }
            }
            () = tokio::time::sleep(TICK) => {}
        }
    }
    let finished = async { while chats.join_next().await.is_some() {} };
    if tokio::time::timeout(STOP_WAIT, finished).await.is_err() {
        tracing::warn!("updates in hand did not finish within {STOP_WAIT:?}; aborting them");
        chats.shutdown().await;
    }
    if let Err(error) = inbox::give_back_all(&worker.db, worker.holder.id).await {
        tracing::warn!(%error, "cannot give the inbox leases back; they run out by themselves");
    }
}

async fn listen(db: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(db).await.ok()?;
    listener.listen(inbox::CHANNEL).await.ok()?;
    Some(listener)
}

/// Waits for another instance's notification; `false` when the listener
/// broke (it is opened again; the tick covers the meanwhile).
async fn heard_elsewhere(listener: &mut Option<PgListener>, me: uuid::Uuid) -> bool {
    let Some(listening) = listener else {
        return std::future::pending().await;
    };
    let me = me.to_string();
    loop {
        match listening.recv().await {
            Ok(notification) if notification.payload() == me => continue,
            Ok(_) => return true,
            Err(error) => {
                tracing::debug!(%error, "the inbox listener broke");
                return false;
            }
        }
    }
}

/// One leased chat: its updates in order, then more until none is left.
async fn handle_chat(
    worker: Arc<Worker>,
    chat: LeasedChat,
    lease: Duration,
    stop: CancellationToken,
    _room: OwnedSemaphorePermit,
) {
    let mut batch = chat.updates;
    let mut first = true;
    loop {
        let Some(last) = batch.pop() else { return };
        for update in &batch {
            if handle(&worker, update, first, lease).await == Lease::Lost {
                return lost(update);
            }
            first = false;
            match inbox::done(&worker.db, update, worker.holder, worker.clock.now()).await {
                Ok(true) => {}
                Ok(false) => return lost(update),
                Err(error) => return unmarked(update, &error),
            }
        }
        if handle(&worker, &last, first, lease).await == Lease::Lost {
            return lost(&last);
        }
        first = false;
        if stop.is_cancelled() {
            // Marked; the lease goes back with the others' as the
            // instance stops, for whoever goes on.
            if let Err(error) =
                inbox::done(&worker.db, &last, worker.holder, worker.clock.now()).await
            {
                unmarked(&last, &error);
            }
            return;
        }
        match inbox::done_and_next(
            &worker.db,
            &last,
            worker.holder,
            worker.clock.now(),
            PER_CHAT,
        )
        .await
        {
            Ok(next) if next.is_empty() => return,
            Ok(next) => batch = next,
            Err(error) => return unmarked(&last, &error),
        }
    }
}

fn lost(update: &Waiting) {
    tracing::warn!(
        inbox_id = update.id,
        "the chat's lease ran out while its update was handled; another instance goes on"
    );
}

fn unmarked(update: &Waiting, error: &sqlx::Error) {
    tracing::error!(
        %error,
        inbox_id = update.id,
        "cannot mark an update handled; it is taken again when its lease runs out"
    );
}

/// Handles one update, keeping its chat's lease while the handler runs.
async fn handle(worker: &Worker, update: &Waiting, first: bool, lease: Duration) -> Lease {
    tracing::debug!(
        inbox_id = update.id,
        update_id = update.update_id,
        taken_over = first && update.taken_over,
        "handling an update"
    );
    if first && update.taken_over {
        match inbox::taken_over(&worker.db, update).await {
            Ok(true) => {
                // Its instance died with it in hand, maybe before
                // answering: handled again (`core::updates`), from the
                // position it first found (`chat::dialogue`).
                if let Some(update_id) = update.update_id {
                    undo_position(worker, update, update_id).await;
                    if let Err(error) =
                        updates::release(&worker.db, update.messenger, update_id).await
                    {
                        tracing::warn!(%error, "cannot give back the claim of an update taken over");
                    }
                }
            }
            Ok(false) => {
                tracing::error!(
                    inbox_id = update.id,
                    "an update was in hand each time its instance died; set aside as poison"
                );
                return Lease::Kept;
            }
            Err(error) => tracing::warn!(%error, "cannot count a takeover"),
        }
    }
    let body = match update.body(&worker.vault) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, inbox_id = update.id, "an inbox body does not open");
            set_aside(worker, update, "its body does not open").await;
            return Lease::Kept;
        }
    };
    let mut attempt = Attempt::FIRST;
    let mut again = first && update.taken_over;
    loop {
        let dispatched = dispatch(worker, update.messenger, &body, attempt);
        let dispatched = async {
            if again {
                crate::handlers::release::again(dispatched).await
            } else {
                dispatched.await
            }
        };
        let outcome = keeping_the_lease(
            worker,
            update,
            lease,
            std::panic::AssertUnwindSafe(dispatched).catch_unwind(),
        )
        .await;
        let Some(outcome) = outcome else {
            return Lease::Lost;
        };
        match outcome {
            Ok(Ok(Handled::Done)) => {}
            Ok(Ok(Handled::Failed {
                again_after: Some(wait),
            })) => {
                // The messenger asked to slow down or did not answer; the
                // user was not told anything failed. The update is handled
                // again, from the position it first found.
                tracing::warn!(
                    ?wait,
                    inbox_id = update.id,
                    "the messenger is busy; the update is handled again"
                );
                let paused =
                    keeping_the_lease(worker, update, lease, tokio::time::sleep(wait)).await;
                if paused.is_none() {
                    return Lease::Lost;
                }
                if let Some(update_id) = update.update_id {
                    undo_position(worker, update, update_id).await;
                }
                attempt = attempt.next();
                again = true;
                continue;
            }
            Ok(Ok(Handled::Failed { .. })) => {
                if let Err(error) = inbox::let_redeliver(&worker.db, update).await {
                    tracing::warn!(%error, "cannot let a failed update be sent again");
                }
            }
            Ok(Err(why)) => set_aside(worker, update, why).await,
            Err(_panic) => {
                tracing::error!(inbox_id = update.id, "an update handler panicked");
                set_aside(worker, update, "its handler panicked").await;
            }
        }
        return Lease::Kept;
    }
}

/// Runs `work`, renewing the chat's lease while it runs; `None`, with
/// `work` dropped where it stood, once the lease is found taken: this
/// instance was thought dead (stalled past the lease) and another one
/// handles the chat now, this update first. Going on would handle the
/// chat's updates in two places at once, out of order; stopping is a
/// crash at this point, which the other instance's takeover is made for.
async fn keeping_the_lease<T>(
    worker: &Worker,
    update: &Waiting,
    lease: Duration,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    tokio::pin!(work);
    let mut beat = tokio::time::interval(lease / 3);
    beat.tick().await;
    loop {
        tokio::select! {
            // The beat first: after a stall both are ready, and the work
            // finishing must not hide that the lease is gone.
            biased;
            _ = beat.tick() => {
                match inbox::renew(&worker.db, update, worker.holder).await {
                    Ok(true) => {}
                    Ok(false) => return None,
                    // The database is away: the lease may run out, and the
                    // next beat tells.
                    Err(error) => tracing::warn!(%error, "cannot renew a chat's lease"),
                }
            }
            done = &mut work => return Some(done),
        }
    }
}

/// Whether the chat is still this instance's after an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lease {
    Kept,
    Lost,
}

/// Puts the chat's position back to where `update` first found it, if it
/// moved it before its instance died.
async fn undo_position(worker: &Worker, update: &Waiting, update_id: i64) {
    let Some(positions) = worker.handlers.dependencies.try_get::<Arc<Positions>>() else {
        return;
    };
    let chat = ChatRef {
        messenger: update.messenger,
        id: update.chat_id,
    };
    match positions.undo(chat, update_id).await {
        Ok(true) => tracing::info!(
            inbox_id = update.id,
            "an update taken over had moved its chat's position; put back"
        ),
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(%error, "cannot put back the position of an update taken over")
        }
    }
}

async fn set_aside(worker: &Worker, update: &Waiting, why: &str) {
    if let Err(error) = inbox::set_aside(&worker.db, update, why).await {
        tracing::error!(%error, "cannot set an update aside");
    }
}

/// How the route table took an update.
enum Handled {
    Done,
    /// Its handler failed and gave its claim back; it told the user,
    /// unless it is to be handled again after `again_after`
    /// (`Attempt::retry_after`, the same rule the route table told by).
    Failed {
        again_after: Option<Duration>,
    },
}

/// Through the route table; `Err` for a body that cannot be handled.
async fn dispatch(
    worker: &Worker,
    messenger: Messenger,
    body: &[u8],
    attempt: Attempt,
) -> Result<Handled, &'static str> {
    let handlers = &worker.handlers;
    let flow = match messenger {
        Messenger::Telegram => {
            let Some((bot, routes)) = &handlers.telegram else {
                return Err("Telegram is not connected");
            };
            let update: teloxide::types::Update =
                serde_json::from_slice(body).map_err(|_| "does not parse")?;
            let mut deps = handlers.dependencies.clone();
            deps.insert(update);
            deps.insert(bot.clone());
            deps.insert(attempt);
            routes.dispatch(deps).await
        }
        Messenger::Max => {
            let Some((client, routes)) = &handlers.max else {
                return Err("Max is not connected");
            };
            let update: MaxUpdate = serde_json::from_slice(body).map_err(|_| "does not parse")?;
            if let MaxUpdate::BotStopped { chat_id, .. } = update {
                stopped(worker, chat_id).await;
                return Ok(Handled::Done);
            }
            let Some(incoming) = chat::max::incoming(&update) else {
                return Ok(Handled::Done);
            };
            let mut deps = handlers.dependencies.clone();
            deps.insert(Ui::max(client.clone(), incoming.chat));
            deps.insert(incoming);
            deps.insert(attempt);
            routes.dispatch(deps).await
        }
    };
    Ok(match flow {
        ControlFlow::Break(Ok(())) => Handled::Done,
        // Told to the user by the route table (`handlers::release`).
        ControlFlow::Break(Err(error)) => {
            tracing::error!(%error, "an update handler failed");
            Handled::Failed {
                again_after: attempt.retry_after(&error),
            }
        }
        ControlFlow::Continue(_) => {
            tracing::debug!("an update not handled");
            Handled::Done
        }
    })
}

/// The person stopped the bot in this Max chat: nothing is sent there
/// until they write again (`channels::account_of` clears the mark).
async fn stopped(worker: &Worker, chat_id: i64) {
    let marked = async {
        let mut conn = worker.db.acquire().await?;
        channels::mark_unreachable(&mut conn, Messenger::Max, chat_id, worker.clock.now()).await
    };
    if let Err(error) = marked.await {
        tracing::warn!(%error, "cannot mark a stopped Max chat unreachable");
    }
}
