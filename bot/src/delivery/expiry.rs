//! Closing login confirmations whose time is over: the pushes of one never
//! answered lose their buttons (edited to say it expired, on every
//! messenger it was pushed to), and every challenge's IP address is
//! dropped.
//!
//! One task per delivery worker, beside its lanes, so it runs wherever
//! notifications are delivered (`medcab run`, `medcab deliver`). Each
//! challenge is locked with `FOR UPDATE SKIP LOCKED` while its push is
//! edited, so instances share the work and none edits a push twice; a
//! press at that moment waits for the lock and then finds it expired.
//! Every [`POLL`], because a challenge lives two minutes: the scheduler's
//! ten-minute tick would leave stale buttons on the phone for most of that.

use std::sync::Arc;
use std::time::Duration;

use medcab_core::login_confirmations::{self, ToClose};
use medcab_core::outbox::Priority;
use medcab_core::{notification_settings, telegram_users};
use teloxide::RequestError;

use super::{HOLD_MAX, Verdict, Worker};
use crate::chat::{Channel, Failure, Messenger, Screen, StoredMessage};
use crate::i18n::{Arg, Texts};
use crate::max::{MaxError, MaxErrorKind};

/// How often the task looks for challenges to close.
pub const POLL: Duration = Duration::from_secs(1);

pub(super) async fn run(worker: Arc<Worker>) {
    while !worker.stop.is_cancelled() {
        let rest = match close_due(&worker).await {
            Ok(()) => POLL,
            Err(error) => {
                tracing::error!(%error, "cannot close expired login confirmations");
                POLL * 5
            }
        };
        tokio::select! {
            _ = worker.stop.cancelled() => break,
            _ = tokio::time::sleep(rest) => {}
        }
    }
}

/// How long after its expiry a challenge waits for a messenger that could
/// not be reached to edit its push; then it is closed anyway (its IP
/// dropped): a push left with buttons answers a press with «expired».
pub const EDIT_GRACE: chrono::Duration = chrono::Duration::minutes(2);

/// Closes every challenge due now, one transaction each. One whose push a
/// messenger cannot edit right now is left for the next poll, without
/// holding up the others, for [`EDIT_GRACE`].
async fn close_due(worker: &Worker) -> Result<(), sqlx::Error> {
    let mut later = Vec::new();
    while !worker.stop.is_cancelled() {
        let now = worker.clock.now();
        let mut tx = worker.db.begin().await?;
        let Some(due) = login_confirmations::next_to_close(&mut tx, now, &later).await? else {
            tx.rollback().await?;
            return Ok(());
        };
        if due.unanswered
            && !remove_buttons(worker, &due).await?
            && now < due.expires_at + EDIT_GRACE
        {
            tx.rollback().await?;
            later.push(due.id);
            continue;
        }
        login_confirmations::close(&mut tx, due.id, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Edits every push of the challenge, on every messenger, to say it
/// expired, without buttons. `false` when it is worth trying again later.
async fn remove_buttons(worker: &Worker, due: &ToClose) -> Result<bool, sqlx::Error> {
    let pushes: Vec<StoredMessage> = due
        .push_messages
        .iter()
        .filter_map(|stored| StoredMessage::decode(stored))
        .collect();
    if pushes.is_empty() {
        return Ok(true);
    }
    let language = telegram_users::language_of(&worker.db, due.telegram_user_id).await?;
    let zone = notification_settings::get(&worker.db, due.telegram_user_id)
        .await?
        .time_zone;
    let t = Texts::new(language).in_zone(zone);
    let time = t.time(due.created_at);
    let text = t.msg_with(
        "login-expired",
        [
            ("time", Arg::Text(&time)),
            ("device", Arg::Text(&due.device)),
            ("place", Arg::Text(&due.place)),
        ],
    );
    let mut all_done = true;
    for push in pushes {
        all_done &= edit(worker, due, &push, Screen::text(text.clone())).await;
    }
    Ok(all_done)
}

/// One push edited to `screen`, paced as a send. `false` when it is worth
/// trying again later (the messenger did not answer, or asked to wait).
async fn edit(worker: &Worker, due: &ToClose, push: &StoredMessage, screen: Screen) -> bool {
    let Some(channel) = worker.channel(push.chat.messenger) else {
        // Max is not connected here: another worker may close it later.
        return false;
    };
    // Edits count against the chat's and the bot's limits like sends.
    match worker
        .pacer(push.chat.messenger)
        .acquire(push.chat.id, Priority::Urgent)
        .await
    {
        Verdict::Go { .. } => {}
        Verdict::Wait { wait, .. } if wait <= HOLD_MAX => tokio::time::sleep(wait).await,
        Verdict::Wait { .. } => return false,
    }
    match channel
        .ui(push.chat.id)
        .edit_in_place(&push.message, screen)
        .await
    {
        Ok(()) => true,
        Err(error) if worth_retrying(&error) => {
            tracing::warn!(%error, challenge = %due.id, "cannot edit an expired push; trying later");
            false
        }
        // Already edited (a press just before), deleted, too old, or the
        // chat blocked the bot: nothing left to remove.
        Err(error) => {
            tracing::info!(%error, challenge = %due.id, "the expired push could not be edited");
            true
        }
    }
}

/// Whether an edit's failure may pass: the network, a 5xx, a 429; not a
/// refusal of this edit.
fn worth_retrying(error: &Failure) -> bool {
    if let Some(error) = error.downcast_ref::<RequestError>() {
        return !matches!(
            error,
            RequestError::Api(_) | RequestError::MigrateToChatId(_)
        );
    }
    if let Some(error) = error.downcast_ref::<MaxError>() {
        return matches!(
            error.kind,
            MaxErrorKind::Unavailable
                | MaxErrorKind::TooManyRequests { .. }
                | MaxErrorKind::Unauthorized
        );
    }
    false
}

impl Worker {
    /// The messenger to talk through, if this worker is connected to it.
    pub(super) fn channel(&self, messenger: Messenger) -> Option<Channel> {
        match messenger {
            Messenger::Telegram => self.bot.clone().map(Channel::Telegram),
            Messenger::Max => self.max.clone().map(Channel::Max),
        }
    }
}
