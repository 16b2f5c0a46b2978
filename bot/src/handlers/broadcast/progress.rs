//! The progress message of a broadcast: the preview the operator confirmed
//! becomes «📤 … Отправлено 1 234 из 10 000, не доставлено 5.», and a task
//! spawned for it polls `broadcasts::progress` (every 2 s while numbers
//! move, less often, up to every 30 s, while they stand still, as they do
//! through recipients' quiet hours), edits the message only when the
//! numbers changed, and ends with «✅ Готово: …» once nothing is pending.
//!
//! The message is recorded with `broadcasts::set_progress_message` and
//! marked finished at the end, so a restarted bot picks up the unfinished
//! ones ([`resume`], from `Application::start`). Several instances each
//! resume them; their edits are the same text, so that costs only calls.

use std::time::Duration;

use medcab_core::broadcasts::{self, Kind, Progress, Watched};
use medcab_core::{Clock, inspections, notices, telegram_users};
use sqlx::PgPool;

use super::{LIST_SHOWN, date_text, grouped, shorten};
use crate::chat::{self, Channel, MessageRef, Press, Screen, StoredMessage, Ui};
use crate::handlers::{HandlerError, HandlerResult, Turn};
use crate::i18n::{Arg, Texts};
use crate::startup::Background;

/// How often the numbers are read while they move.
const POLL: Duration = Duration::from_secs(2);
/// The longest wait between two reads while they stand still.
const MAX_POLL: Duration = Duration::from_secs(30);
/// Failures in a row (the database, Telegram) after which the task gives up.
const MAX_FAILURES: u32 = 10;

/// `what` (HTML already), then the numbers.
fn text(t: Texts, what: &str, progress: Progress) -> String {
    let key = if progress.is_done() {
        "broadcast-progress-done"
    } else {
        "broadcast-progress"
    };
    let mut numbers = t.msg_with(
        key,
        [
            ("sent", Arg::Text(&grouped(progress.sent))),
            ("total", Arg::Text(&grouped(progress.total))),
            ("failed", Arg::Text(&grouped(progress.failed))),
        ],
    );
    if progress.after_quiet_hours > 0 {
        // Else the numbers stand still all night with no word why.
        numbers.push('\n');
        numbers.push_str(&t.msg_with(
            "broadcast-progress-morning",
            [
                ("count", Arg::Number(progress.after_quiet_hours)),
                ("shown", Arg::Text(&grouped(progress.after_quiet_hours))),
            ],
        ));
    }
    format!("{what}\n\n{numbers}")
}

/// Turns the confirmed preview into the progress message (a new message
/// when it can no longer be edited) and starts following the broadcast.
/// `what` is already HTML (a Fluent text with its arguments escaped).
pub async fn start(turn: &Turn, press: &Press, broadcast: i64, what: String) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let t = *t;
    // The progress message is no one's personal data, and a task edits it
    // long after this turn: not one of the turn's screens to close.
    let ui = ui.to(ui.chat());
    let progress = broadcasts::progress(db, broadcast, services.clock.now())
        .await?
        .unwrap_or_default();
    let first = Screen::text(text(t, &what, progress));
    let edited = match &press.message {
        Some(shown) => match ui.edit_in_place(&shown.id, first.clone()).await {
            Ok(()) => Some(shown.id.clone()),
            Err(error) => {
                tracing::info!(%error, "the preview could not become the progress message");
                None
            }
        },
        None => None,
    };
    let message = match edited {
        Some(message) => message,
        None => ui.post(first).await?,
    };
    // Kept so that a restart follows it again (`resume`), on either
    // messenger.
    let stored = StoredMessage::new(ui.chat(), message.clone()).encode();
    broadcasts::set_progress_message(db, broadcast, *user, &stored).await?;
    if progress.is_done() {
        // Nobody to send to: «Готово» at once.
        broadcasts::mark_finished(db, broadcast, services.clock.now()).await?;
        return Ok(());
    }
    let watcher = Watcher {
        ui,
        db: db.clone(),
        clock: services.clock.clone(),
        t,
        broadcast,
        message,
        what,
    };
    services.background.spawn(watcher.run(progress));
    Ok(())
}

/// After a restart: follows again every unfinished broadcast that has a
/// progress message, on the messenger it is in (`channels`: those this
/// instance is connected to). Errors are logged; a progress message is a
/// courtesy, the broadcast goes on without it.
pub async fn resume(channels: Vec<Channel>, db: PgPool, clock: Clock, background: Background) {
    let watched = match broadcasts::in_progress_with_message(&db).await {
        Ok(watched) => watched,
        Err(error) => {
            tracing::warn!(%error, "cannot find the broadcasts to follow");
            return;
        }
    };
    for broadcast in watched {
        match resumed(&channels, &db, &clock, &broadcast).await {
            Ok(watcher) => {
                tracing::info!(broadcast = broadcast.id, "following a broadcast again");
                // Shown as nothing yet: the first read edits the message.
                background.spawn(watcher.run(Progress::default()));
            }
            Err(error) => {
                tracing::warn!(%error, broadcast = broadcast.id, "cannot follow a broadcast again");
            }
        }
    }
}

async fn resumed(
    channels: &[Channel],
    db: &PgPool,
    clock: &Clock,
    broadcast: &Watched,
) -> Result<Watcher, HandlerError> {
    let stored =
        StoredMessage::decode(&broadcast.message).ok_or("a progress message not as stored")?;
    let channel = channels
        .iter()
        .find(|channel| channel.messenger() == stored.chat.messenger)
        .ok_or("a progress message on a messenger not connected")?;
    let operator = broadcast.reader;
    let t = Texts::new(telegram_users::language_of(db, operator).await?);
    let what = match broadcast.kind {
        Kind::RegulatoryNotice => {
            let title = notices::get(db, broadcast.subject_id)
                .await?
                .map(|notice| notice.title)
                .unwrap_or_default();
            t.msg_with(
                "broadcast-what-notice",
                [("title", Arg::Text(&shorten(&title, LIST_SHOWN)))],
            )
        }
        Kind::Inspection | Kind::InspectionReminder => {
            let inspection = inspections::get(db, broadcast.subject_id).await?;
            let place = inspection
                .as_ref()
                .and_then(|i| i.organisation.clone().or_else(|| i.region.clone()))
                .unwrap_or_default();
            let cancelled = inspection
                .as_ref()
                .is_some_and(|i| i.cancelled_at.is_some());
            let date = inspection.map(|i| date_text(i.date)).unwrap_or_default();
            // A cancelled inspection's last broadcast is its cancellation.
            let cancellation = cancelled
                && broadcast.kind == Kind::Inspection
                && broadcasts::of_inspection(&mut *db.acquire().await?, broadcast.subject_id)
                    .await?
                    .last()
                    == Some(&broadcast.id);
            let key = if cancellation {
                "broadcast-inspection-cancelled-heading"
            } else {
                "broadcast-what-inspection"
            };
            t.msg_with(
                key,
                [
                    ("place", Arg::Text(&shorten(&place, LIST_SHOWN))),
                    ("date", Arg::Text(&date)),
                ],
            )
        }
    };
    Ok(Watcher {
        ui: channel.ui(stored.chat.id),
        db: db.clone(),
        clock: clock.clone(),
        t,
        broadcast: broadcast.id,
        message: stored.message,
        what,
    })
}

struct Watcher {
    /// The operator's chat.
    ui: Ui,
    db: PgPool,
    clock: Clock,
    t: Texts,
    broadcast: i64,
    message: MessageRef,
    what: String,
}

impl Watcher {
    async fn run(self, mut shown: Progress) {
        let mut delay = POLL;
        let mut failures = 0;
        while failures < MAX_FAILURES {
            tokio::time::sleep(delay).await;
            let progress = match broadcasts::progress(&self.db, self.broadcast, self.clock.now())
                .await
            {
                Ok(Some(progress)) => progress,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, broadcast = self.broadcast, "cannot read a broadcast's progress");
                    failures += 1;
                    continue;
                }
            };
            if progress == shown {
                delay = (delay * 2).min(MAX_POLL);
                continue;
            }
            delay = POLL;
            if !self.edit(progress).await {
                failures += 1;
                continue;
            }
            failures = 0;
            shown = progress;
            if progress.is_done() {
                if let Err(error) =
                    broadcasts::mark_finished(&self.db, self.broadcast, self.clock.now()).await
                {
                    tracing::warn!(%error, broadcast = self.broadcast, "cannot mark a broadcast finished");
                }
                return;
            }
        }
        tracing::warn!(
            broadcast = self.broadcast,
            "gave up following a broadcast's progress"
        );
    }

    /// Whether the message now shows `progress`.
    async fn edit(&self, progress: Progress) -> bool {
        let screen = Screen::text(text(self.t, &self.what, progress));
        match self.ui.edit_in_place(&self.message, screen).await {
            Ok(()) => true,
            Err(error) => {
                match chat::wait_asked(&error) {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => {
                        tracing::info!(%error, broadcast = self.broadcast, "cannot edit a progress message");
                    }
                }
                false
            }
        }
    }
}
