//! The delivery worker: sends what the outbox holds.
//!
//! Started by `Application::start`, stopped by `RunningBot::stop`. It polls
//! the outbox every [`POLL`] (or at once when woken, see [`Wakeup`]),
//! claims a batch (urgent rows first), renders each row in its recipient's
//! language, sends it and marks it:
//!
//! - sent: the row is done, with the Telegram message id;
//! - 403 (the user blocked the bot, or is gone): the chat is marked
//!   unreachable and the row failed; sending again would only fail again;
//! - 429: tried again after Telegram's `retry_after`;
//! - anything else: tried again with a growing backoff, then failed after
//!   `outbox::MAX_ATTEMPTS`.
//!
//! Delivery is at least once. A crash between the send and the mark leaves
//! that row leased; when the lease runs out it is sent again. So a crash can
//! double at most the one message that was in flight, never lose one.
//!
//! Kept simple on purpose: pacing to Telegram's limits and quiet hours come
//! later, and will live here.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use medcab_core::outbox::{self, Claimed, Kind, Payload};
use medcab_core::telegram_users;
use serde_json::Value;
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};
use teloxide::{ApiError, RequestError};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::handlers::Action;
use crate::i18n::{Arg, Texts};

/// How often the outbox is looked at when nobody wakes the worker.
pub const POLL: Duration = Duration::from_millis(200);

/// Rows claimed at once. Small: claimed rows wait for the ones before them.
const BATCH: i64 = 10;

/// Tells the worker there is something new in the outbox, so an urgent push
/// does not wait for the next poll. A wake while the worker is busy is
/// kept, not lost.
#[derive(Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl Wakeup {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// The running worker.
pub struct Delivery {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Delivery {
    pub fn start(bot: Bot, db: PgPool, wakeup: Wakeup) -> Delivery {
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(bot, db, wakeup, stop.clone()));
        Delivery { stop, task }
    }

    /// Finishes the batch in hand and stops. Rows claimed but not sent wait
    /// for their lease to run out, then any worker takes them.
    pub async fn stop(self) {
        self.stop.cancel();
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(10), &mut task)
            .await
            .is_err()
        {
            tracing::warn!("the delivery worker did not stop in time; aborting it");
            task.abort();
        }
    }
}

async fn run(bot: Bot, db: PgPool, wakeup: Wakeup, stop: CancellationToken) {
    while !stop.is_cancelled() {
        let batch = claim(&db).await.unwrap_or_else(|error| {
            tracing::error!(%error, "cannot claim outbox rows");
            Vec::new()
        });
        if batch.is_empty() {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = wakeup.0.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            continue;
        }
        for row in batch {
            deliver(&bot, &db, row).await;
        }
    }
}

async fn claim(db: &PgPool) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let batch = outbox::claim_batch(&mut tx, BATCH).await?;
    tx.commit().await?;
    Ok(batch)
}

/// Sends one claimed row and marks it. Errors are logged, never returned:
/// one bad row must not stop the others.
async fn deliver(bot: &Bot, db: &PgPool, row: Claimed) {
    let (Some(kind), Some(payload)) = (row.kind, row.payload.as_ref()) else {
        tracing::error!(id = row.id, "an outbox row this version cannot read");
        mark(outbox::mark_failed(db, row.id, "unreadable kind or payload").await);
        return;
    };
    let language = match telegram_users::language_of(db, row.chat_id).await {
        Ok(language) => language,
        Err(error) => return retry_or_fail(db, &row, &error.to_string()).await,
    };
    let t = Texts::new(language);
    let mut send = bot
        .send_message(ChatId(row.chat_id), render(t, payload))
        .parse_mode(ParseMode::Html);
    if let Some(keyboard) = keyboard(t, kind, payload) {
        send = send.reply_markup(keyboard);
    }
    match send.await {
        Ok(message) => {
            tracing::info!(id = row.id, kind = kind.as_str(), "notification sent");
            mark(outbox::mark_sent(db, row.id, i64::from(message.id.0)).await);
        }
        Err(error) if chat_is_gone(&error) => {
            tracing::info!(id = row.id, %error, "the chat is unreachable");
            mark(telegram_users::mark_unreachable(db, row.chat_id).await);
            mark(outbox::mark_failed(db, row.id, &error.to_string()).await);
        }
        Err(RequestError::RetryAfter(wait)) => {
            mark(outbox::retry_later(db, row.id, "429 Too Many Requests", wait.duration()).await);
        }
        Err(error) => {
            tracing::warn!(id = row.id, attempts = row.attempts, %error, "a notification failed");
            retry_or_fail(db, &row, &error.to_string()).await;
        }
    }
}

async fn retry_or_fail(db: &PgPool, row: &Claimed, error: &str) {
    if row.attempts >= outbox::MAX_ATTEMPTS {
        mark(outbox::mark_failed(db, row.id, error).await);
    } else {
        mark(outbox::retry_later(db, row.id, error, backoff(row.attempts)).await);
    }
}

/// 2 s, 4 s, 8 s, 16 s: long enough for a network blip to pass, short
/// enough that a login confirmation still arrives within its two minutes.
fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(1 << attempts.clamp(1, 4))
}

/// A failed mark is logged; the lease then runs out and the row is tried
/// again (a sent row may be sent twice, see the module's docs).
fn mark(result: Result<(), sqlx::Error>) {
    if let Err(error) = result {
        tracing::error!(%error, "cannot update an outbox row");
    }
}

/// Telegram's 403s: the user blocked the bot, deleted the account, or never
/// started it. Nothing will reach this chat until the user writes again.
fn chat_is_gone(error: &RequestError) -> bool {
    matches!(
        error,
        RequestError::Api(
            ApiError::BotBlocked
                | ApiError::UserDeactivated
                | ApiError::CantInitiateConversation
                | ApiError::CantTalkWithBots
                | ApiError::BotKicked
                | ApiError::BotKickedFromSupergroup
                | ApiError::BotKickedFromChannel
        )
    )
}

/// The text of a row in the recipient's language; string arguments are
/// escaped by `msg_with`.
fn render(t: Texts, payload: &Payload) -> String {
    t.msg_with(&payload.key, arguments(&payload.args))
}

fn arguments(args: &BTreeMap<String, Value>) -> Vec<(&str, Arg<'_>)> {
    args.iter()
        .filter_map(|(name, value)| {
            let arg = match value {
                Value::String(text) => Arg::Text(text),
                Value::Number(number) => Arg::Number(number.as_i64()?),
                // Core writes only strings and integers.
                _ => return None,
            };
            Some((name.as_str(), arg))
        })
        .collect()
}

/// The buttons a kind of notification carries.
fn keyboard(t: Texts, kind: Kind, payload: &Payload) -> Option<InlineKeyboardMarkup> {
    match kind {
        Kind::LoginConfirmation => {
            let challenge = payload.login_challenge?;
            let button = |label: String, approve: bool| {
                InlineKeyboardButton::callback(label, Action::Login { challenge, approve }.encode())
            };
            Some(InlineKeyboardMarkup::new([[
                button(t.msg("login-approve"), true),
                button(t.msg("login-deny"), false),
            ]]))
        }
        // The others only inform; the details are behind the second
        // factor, not in the push.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use medcab_core::Language;
    use medcab_core::login_confirmations::PUSH_KEY;
    use uuid::Uuid;

    use super::*;

    fn push(device: &str) -> Payload {
        Payload {
            key: PUSH_KEY.to_owned(),
            args: BTreeMap::from([
                ("time".to_owned(), Value::from("12:00")),
                ("device".to_owned(), Value::from(device)),
                ("place".to_owned(), Value::from("Москва")),
            ]),
            login_challenge: Some(Uuid::new_v4()),
        }
    }

    /// Keys written by core are not seen by the scan in `i18n`: check them.
    #[test]
    fn the_push_renders_in_both_languages_with_escaped_arguments() {
        for language in Language::ALL {
            let text = render(Texts::new(language), &push("<Firefox & Co>"));
            assert!(!text.contains(PUSH_KEY), "{language}: {text}");
            assert!(text.contains("&lt;Firefox &amp; Co&gt;"), "{text}");
            assert!(text.contains("12:00") && text.contains("Москва"), "{text}");
        }
    }

    #[test]
    fn a_login_push_has_both_answers_within_telegrams_limits() {
        let payload = push("Firefox");
        let keyboard =
            keyboard(Texts::new(Language::Ru), Kind::LoginConfirmation, &payload).expect("buttons");
        let row = &keyboard.inline_keyboard[0];
        assert_eq!(row.len(), 2);
        for (button, approve) in row.iter().zip([true, false]) {
            let teloxide::types::InlineKeyboardButtonKind::CallbackData(data) = &button.kind else {
                panic!("a callback button");
            };
            assert!(data.len() <= 64);
            assert_eq!(
                Action::parse(data),
                Some(Action::Login {
                    challenge: payload.login_challenge.unwrap(),
                    approve
                })
            );
        }
    }

    #[test]
    fn backoff_grows_and_stays_short() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(16));
        assert_eq!(backoff(9), Duration::from_secs(16));
    }
}
