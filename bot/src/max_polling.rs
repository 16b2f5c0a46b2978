//! Max's updates, by long polling, through the one route table.
//!
//! Each batch `GET /updates` brings is handled chat by chat: a chat's
//! updates in the order Max sent them, different chats at once; the next
//! batch is asked for when this one is done, so a chat's order holds
//! across batches too. A redelivered update (Max resends a batch whose
//! marker was not acknowledged by the next poll) is claimed once by the
//! route table (`core::updates`), as Telegram's are.
//!
//! `bot_stopped` (the person stopped the bot) is not for the route table:
//! it marks the chat unreachable at once, so that delivery sends nothing
//! there until they write again (as a refused send would have).

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::time::Duration;

use futures::future::join_all;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::di::DependencyMap;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use medcab_core::channels::{self, Messenger};
use sqlx::PgPool;

use crate::chat::{self, Incoming, Ui};
use crate::handlers::HandlerError;
use crate::max::types::Update;
use crate::max::{MaxClient, MaxErrorKind};
use crate::startup::Services;

/// The kinds of update asked for: what the route table serves, and
/// `bot_stopped`.
const KINDS: &[&str] = &[
    "message_created",
    "message_callback",
    "bot_started",
    "bot_stopped",
];

/// Updates asked for at most per poll.
const BATCH: u16 = 100;

/// Polling Max in the background.
pub struct MaxPolling {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl MaxPolling {
    /// Polls with `client` and hands each update to `handler` with
    /// `dependencies` (the ones the route table needs besides the update's
    /// own [`Incoming`] and [`Ui`]).
    pub fn start(
        client: MaxClient,
        handler: UpdateHandler<HandlerError>,
        dependencies: DependencyMap,
        timeout: Duration,
    ) -> MaxPolling {
        let stop = CancellationToken::new();
        let task = tokio::spawn(poll(client, handler, dependencies, timeout, stop.clone()));
        MaxPolling { stop, task }
    }

    /// Stops asking for updates; the batch in hand is finished.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }

    /// Stops at once, as a crash would.
    pub fn kill(self) {
        self.task.abort();
    }
}

async fn poll(
    client: MaxClient,
    handler: UpdateHandler<HandlerError>,
    dependencies: DependencyMap,
    timeout: Duration,
    stop: CancellationToken,
) {
    let mut marker = None;
    let mut failures = 0u32;
    loop {
        let asked = tokio::select! {
            _ = stop.cancelled() => return,
            asked = client.updates(marker, BATCH, timeout, KINDS) => asked,
        };
        let list = match asked {
            Ok(list) => {
                failures = 0;
                list
            }
            Err(error) => {
                failures += 1;
                let wait = match error.kind {
                    MaxErrorKind::TooManyRequests { retry_after } => retry_after,
                    // Doubling from half a second to half a minute.
                    _ => Duration::from_millis(500 * 2u64.pow(failures.min(6))),
                };
                tracing::warn!(%error, ?wait, "cannot get updates from Max");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let mut chats: BTreeMap<i64, Vec<Incoming>> = BTreeMap::new();
        for update in &list.updates {
            if let Update::BotStopped { chat_id, .. } = update {
                stopped(&dependencies, *chat_id).await;
            }
            if let Some(incoming) = chat::max::incoming(update) {
                chats.entry(incoming.chat.id).or_default().push(incoming);
            }
        }
        join_all(chats.into_values().map(|updates| {
            let client = client.clone();
            let handler = handler.clone();
            let dependencies = dependencies.clone();
            async move {
                for incoming in updates {
                    handle(&client, &handler, &dependencies, incoming).await;
                }
            }
        }))
        .await;
        if list.marker.is_some() {
            marker = list.marker;
        }
    }
}

/// The person stopped the bot in this chat: nothing is sent there until
/// they write again (`channels::account_of` clears the mark).
async fn stopped(dependencies: &DependencyMap, chat_id: i64) {
    let db = dependencies.get::<PgPool>();
    let now = dependencies.get::<Services>().clock.now();
    let marked = async {
        let mut conn = db.acquire().await?;
        channels::mark_unreachable(&mut conn, Messenger::Max, chat_id, now).await
    };
    if let Err(error) = marked.await {
        tracing::warn!(%error, "cannot mark a stopped Max chat unreachable");
    }
}

async fn handle(
    client: &MaxClient,
    handler: &UpdateHandler<HandlerError>,
    dependencies: &DependencyMap,
    incoming: Incoming,
) {
    let mut deps = dependencies.clone();
    deps.insert(Ui::max(client.clone(), incoming.chat));
    deps.insert(incoming);
    match handler.dispatch(deps).await {
        ControlFlow::Break(Ok(())) => {}
        ControlFlow::Break(Err(error)) => tracing::error!(%error, "a Max update handler failed"),
        ControlFlow::Continue(_) => tracing::debug!("a Max update not handled"),
    }
}
