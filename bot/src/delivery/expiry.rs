//! Closing login confirmations whose time is over: the push of one never
//! answered loses its buttons (edited to say it expired), and every
//! challenge's IP address is dropped.
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
use teloxide::prelude::*;
use teloxide::types::{MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

use super::{HOLD_MAX, Verdict, Worker};
use crate::i18n::{Arg, Texts};

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

/// Closes every challenge due now, one transaction each.
async fn close_due(worker: &Worker) -> Result<(), sqlx::Error> {
    while !worker.stop.is_cancelled() {
        let now = worker.clock.now();
        let mut tx = worker.db.begin().await?;
        let Some(due) = login_confirmations::next_to_close(&mut tx, now).await? else {
            tx.rollback().await?;
            return Ok(());
        };
        if due.unanswered
            && let Some(message_id) = due.push_message_id
            && !remove_buttons(worker, &due, message_id).await?
        {
            // Telegram could not be reached: leave it for the next poll.
            tx.rollback().await?;
            return Ok(());
        }
        login_confirmations::close(&mut tx, due.id, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Edits the push to say it expired, without buttons. `false` when it is
/// worth trying again later.
async fn remove_buttons(
    worker: &Worker,
    due: &ToClose,
    message_id: i64,
) -> Result<bool, sqlx::Error> {
    // Edits count against the chat's and the bot's limits like sends.
    match worker
        .pacer
        .acquire(due.telegram_user_id.private_chat(), Priority::Urgent)
        .await
    {
        Verdict::Go { .. } => {}
        Verdict::Wait { wait, .. } if wait <= HOLD_MAX => tokio::time::sleep(wait).await,
        Verdict::Wait { .. } => return Ok(false),
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
    let Ok(message_id) = i32::try_from(message_id) else {
        return Ok(true);
    };
    // An edit without reply_markup removes the keyboard.
    let edited = worker
        .bot
        .edit_message_text(
            ChatId(due.telegram_user_id.private_chat()),
            MessageId(message_id),
            text,
        )
        .parse_mode(ParseMode::Html)
        .await;
    Ok(match edited {
        Ok(_) => true,
        // Already edited (a press just before), deleted, too old, or the
        // chat blocked the bot: nothing left to remove.
        Err(RequestError::Api(ApiError::MessageNotModified)) => true,
        Err(RequestError::Api(error)) => {
            tracing::info!(%error, challenge = %due.id, "the expired push could not be edited");
            true
        }
        Err(error) => {
            tracing::warn!(%error, challenge = %due.id, "cannot edit an expired push; trying later");
            false
        }
    })
}
