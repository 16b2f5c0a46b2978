//! Work nobody asks for at the moment it is due: reminders before a
//! document, an accreditation or an inspection comes, and reading the
//! regulatory feed.
//!
//! Started by `Application::start` beside the delivery worker. Every
//! [`Schedule::every`] (and once at start) it runs one [`tick`]:
//!
//! - `reminders::enqueue_due` and `inspections::enqueue_reminders` for
//!   Moscow's today. Both are idempotent (each reminder has a dedup key in
//!   the outbox), so a tick that runs twice, or on two instances at once,
//!   writes nothing twice; one that the server missed is caught up;
//! - retention (`medcab_core::retention`): records past their period are
//!   deleted in batches (processed update ids after 7 days, sent
//!   notifications after 30, login challenges 30 days after expiry, the
//!   security log after a year);
//! - second-factor QR codes left unused for a day are withdrawn
//!   (`second_factor::withdraw_stale_enrolments`: the pending secret is
//!   replaced, so the old code no longer works, and the message is deleted
//!   from the chat; the user who comes back gets a fresh one);
//! - when `MEDCAB_REGULATION_FEED_URL` is set and its interval has passed,
//!   the feed is fetched and its new items proposed to operators
//!   (`notices::propose_from_feed`; an item is proposed once however often
//!   the feed is read).
//!
//! Several `medcab run` instances each run a scheduler; a PostgreSQL
//! advisory lock lets one tick run at a time, so the others do not repeat
//! the same queries for nothing.
//!
//! Notifications go through the outbox only: the delivery worker decides
//! when a row goes (quiet hours, pacing). The one Bot API call made here is
//! deleting a withdrawn QR code's message.

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use medcab_core::clock::moscow_today;
use medcab_core::crypto::Vault;
use medcab_core::notices::{self, feed};
use medcab_core::session_files::{Session, Shown};
use medcab_core::{
    Clock, inspections, operator_factors, reminders, retention, second_factor, session_files,
    telegram_users,
};
use reqwest::Url;
use sqlx::PgPool;

use crate::chat::{Button, Channel, Keyboard, MessageRef, Screen, StoredMessage, Ui};

use crate::handlers::Action;
use crate::i18n::Texts;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Identifies the scheduler's advisory lock among the database's others.
pub(crate) const LOCK_KEY: i64 = 0x6d65_6463_6162_0001;

/// How long a feed may take to answer.
const FEED_TIMEOUT: Duration = Duration::from_secs(20);

/// A feed larger than this is not a feed of regulatory changes.
const FEED_MAX_BYTES: usize = 5 * 1024 * 1024;

/// What to run and how often.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Between ticks. Reminders are by the day, so minutes are plenty.
    pub every: Duration,
    pub feed: Option<FeedSource>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            every: Duration::from_secs(10 * 60),
            feed: None,
        }
    }
}

/// The regulatory feed (RSS, Atom or JSON Feed) and how often to read it.
#[derive(Debug, Clone)]
pub struct FeedSource {
    pub url: Url,
    pub every: Duration,
}

/// What withdrawing unused QR codes needs: the Bot API, to delete their
/// messages, and the Vault, to seal the new pending secrets.
#[derive(Clone)]
pub struct Enrolments {
    /// The messengers the bot is connected to: a stored message is deleted
    /// or edited through its own.
    pub channels: Vec<Channel>,
    pub vault: Vault,
}

impl Enrolments {
    /// The chat of a stored message, on its messenger, if connected.
    fn chat_of(&self, stored: &str) -> Option<(Ui, MessageRef)> {
        let stored = StoredMessage::decode(stored)?;
        let channel = self
            .channels
            .iter()
            .find(|channel| channel.messenger() == stored.chat.messenger)?;
        Some((channel.ui(stored.chat.id), stored.message))
    }
}

/// QR codes withdrawn per statement.
const QR_BATCH: i64 = 100;

/// What one tick did, for the log and the tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ticked {
    pub reminders: usize,
    pub inspection_reminders: usize,
    /// Rows deleted past their retention period.
    pub purged: u64,
    /// Unused QR codes withdrawn.
    pub withdrawn_qr: usize,
    /// `None` when the feed was not read this tick.
    pub proposed: Option<usize>,
    /// Another instance held the lock: nothing was done.
    pub skipped: bool,
    /// Second-factor resets whose cooling-off ended and that took effect.
    pub resets_applied: u64,
    /// Cards with personal data closed because their session ended.
    pub cards_closed: usize,
    /// Referrals expired unanswered (`MEDCAB_REFERRAL_EXPIRY_DAYS`).
    pub referrals_expired: usize,
}

/// The running scheduler.
pub struct Scheduler {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Scheduler {
    pub fn start(
        db: PgPool,
        clock: Clock,
        schedule: Schedule,
        enrolments: Enrolments,
    ) -> Scheduler {
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(db, clock, schedule, enrolments, stop.clone()));
        Scheduler { stop, task }
    }

    pub async fn stop(self) {
        self.stop.cancel();
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(10), &mut task)
            .await
            .is_err()
        {
            tracing::warn!("the scheduler did not stop in time; aborting it");
            task.abort();
        }
    }

    /// Stops at once, as a crash would. A tick cut short leaves nothing
    /// half-written: each of its steps commits on its own.
    pub fn kill(self) {
        self.task.abort();
    }
}

async fn run(
    db: PgPool,
    clock: Clock,
    schedule: Schedule,
    enrolments: Enrolments,
    stop: CancellationToken,
) {
    let http = reqwest::Client::builder()
        .timeout(FEED_TIMEOUT)
        .user_agent(concat!("medcab/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a TLS backend is compiled in");
    let feed_state = FeedState::default();
    loop {
        let feed = schedule.feed.as_ref();
        match tick(&db, &clock, Some(&enrolments), feed, &http, &feed_state).await {
            Ok(ticked) if ticked != Ticked::default() => {
                tracing::info!(?ticked, "scheduler tick");
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = format!("{error:#}"), "scheduler tick failed"),
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(schedule.every) => {}
        }
    }
}

/// When the feed was last read, so a tick every few minutes reads it at its
/// own pace.
#[derive(Default)]
pub struct FeedState {
    last_read: Mutex<Option<DateTime<Utc>>>,
}

/// One round: reminders, then the feed when due. Errors in the feed are
/// logged and do not stop the reminders (a feed is someone else's server).
pub async fn tick(
    db: &PgPool,
    clock: &Clock,
    enrolments: Option<&Enrolments>,
    feed_source: Option<&FeedSource>,
    http: &reqwest::Client,
    feed_state: &FeedState,
) -> anyhow::Result<Ticked> {
    // A transaction-scoped lock: it ends with this transaction however the
    // tick ends (an error, or the task aborted at a stop), so it can never
    // stay behind on a pooled connection.
    let mut lock = db.begin().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut *lock)
        .await?;
    if !locked {
        return Ok(Ticked {
            skipped: true,
            ..Ticked::default()
        });
    }
    let result = tick_locked(db, clock, enrolments, feed_source, http, feed_state).await;
    lock.rollback().await?;
    result
}

async fn tick_locked(
    db: &PgPool,
    clock: &Clock,
    enrolments: Option<&Enrolments>,
    feed_source: Option<&FeedSource>,
    http: &reqwest::Client,
    feed_state: &FeedState,
) -> anyhow::Result<Ticked> {
    let now = clock.now();
    let today = moscow_today(now);
    let reminders = reminders::enqueue_due(db, today, now)
        .await
        .context("document reminders")?;
    let inspection_reminders = inspections::enqueue_reminders(db, today, now)
        .await
        .context("inspection reminders")?;
    let resets_applied = medcab_core::factor_resets::apply_due(db, now)
        .await
        .context("second-factor resets")?;
    let purged = retention::run(db, now).await.context("retention")?.total();
    let mut withdrawn_qr = 0;
    let mut cards_closed = 0;
    let mut referrals_expired = 0;
    if let Some(enrolments) = enrolments {
        // The vault seals each expiry's version.
        referrals_expired = expire_referrals(db, &enrolments.vault, now)
            .await
            .context("expiring referrals")?;
        withdrawn_qr = withdraw_qr_codes(db, enrolments, now)
            .await
            .context("withdrawing unused QR codes")?;
        cards_closed = close_cards(db, enrolments, now)
            .await
            .context("closing the cards of ended sessions")?;
    }

    let mut proposed = None;
    if let Some(source) = feed_source {
        let mut last_read = feed_state.last_read.lock().await;
        let due = last_read.is_none_or(|at| {
            now - at >= chrono::Duration::from_std(source.every).unwrap_or(chrono::TimeDelta::MAX)
        });
        if due {
            *last_read = Some(now);
            match read_feed(db, http, &source.url, now).await {
                Ok(count) => proposed = Some(count),
                Err(error) => {
                    tracing::warn!(url = %source.url, error = format!("{error:#}"), "cannot read the regulatory feed");
                }
            }
        }
    }
    Ok(Ticked {
        reminders,
        inspection_reminders,
        purged,
        withdrawn_qr,
        proposed,
        skipped: false,
        resets_applied,
        cards_closed,
        referrals_expired,
    })
}

/// Expires the referrals past their time, batch by batch (each batch its
/// own transaction, rows held by another instance skipped).
async fn expire_referrals(db: &PgPool, vault: &Vault, now: DateTime<Utc>) -> anyhow::Result<usize> {
    const BATCH: i64 = 100;
    let mut total = 0;
    loop {
        let expired = medcab_core::referrals::expire_due(db, vault, now, BATCH).await?;
        total += expired;
        if i64::try_from(expired).unwrap_or(i64::MAX) < BATCH {
            return Ok(total);
        }
    }
}

/// Withdraws the QR codes (practitioners' and operators') left unused past
/// their lifetime, batch by batch.
/// The secrets are replaced first (committed): a message that cannot be
/// deleted (the chat blocked the bot) shows a code that no longer works.
async fn withdraw_qr_codes(
    db: &PgPool,
    enrolments: &Enrolments,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut total = 0;
    let mut operators_done = false;
    loop {
        // Operators' codes first, then practitioners' (another table).
        let stale = if operators_done {
            second_factor::withdraw_stale_enrolments(db, &enrolments.vault, now, QR_BATCH).await?
        } else {
            operator_factors::withdraw_stale_enrolments(db, &enrolments.vault, now, QR_BATCH)
                .await?
        };
        total += stale.len();
        for (_, stored) in &stale {
            // Best effort (`Ui::delete`): the secret no longer works anyway.
            if let Some((ui, message)) = enrolments.chat_of(stored) {
                ui.delete(&message).await;
            }
        }
        if i64::try_from(stale.len()).unwrap_or(i64::MAX) < QR_BATCH {
            if operators_done {
                return Ok(total);
            }
            operators_done = true;
        }
    }
}

/// Cards closed per statement.
const CARD_BATCH: i64 = 100;

/// Edits the cards with personal data of sessions that ended to a closed
/// placeholder (in the user's language, with the way back to the menu),
/// and deletes the files those sessions sent: a phone left unlocked on the
/// table shows no passport. Best effort: a card deleted or too old to edit
/// stays as it is.
async fn close_cards(
    db: &PgPool,
    enrolments: &Enrolments,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let ended = session_files::take_ended(db, now, CARD_BATCH).await?;
        total += ended.len();
        for shown in &ended {
            let Some((ui, message)) = enrolments.chat_of(&shown.message_id) else {
                continue;
            };
            match shown.shown {
                // Best effort: one already gone or too old stays.
                Shown::File => ui.delete(&message).await,
                Shown::Card => {
                    let t = Texts::new(telegram_users::language_of(db, shown.user_id).await?)
                        .on(ui.chat().messenger);
                    let screen = match shown.session {
                        // The way back to the menu, where the code opens
                        // the section again.
                        Session::Practitioner => Screen {
                            text: t.msg("session-card-closed"),
                            keyboard: Keyboard::new([[Button::press(
                                t.msg("button-back"),
                                Action::Home.encode(),
                            )]]),
                        },
                        // An operator goes on with a command and the code.
                        Session::Staff => Screen::text(t.msg("staff-card-closed")),
                    };
                    if let Err(error) = ui.edit_in_place(&message, screen).await {
                        tracing::info!(%error, "cannot close the card of an ended session");
                    }
                }
            }
        }
        if i64::try_from(ended.len()).unwrap_or(i64::MAX) < CARD_BATCH {
            return Ok(total);
        }
    }
}

/// Fetches the feed and proposes its new items. Returns how many were new.
pub async fn read_feed(
    db: &PgPool,
    http: &reqwest::Client,
    url: &Url,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut response = http.get(url.clone()).send().await?.error_for_status()?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        anyhow::ensure!(
            body.len() <= FEED_MAX_BYTES,
            "the feed is over {FEED_MAX_BYTES} bytes"
        );
    }
    let items = feed::parse(&body).context("the feed does not parse")?;
    let proposed = notices::propose_from_feed(db, url.as_str(), &items, now).await?;
    Ok(proposed)
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::get;
    use chrono::NaiveDate;

    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Минздрав</title>
<item><guid>order-1</guid><title>Приказ № 1</title><link>https://example.org/1</link>
<description>&lt;p&gt;О порядке аккредитации&lt;/p&gt;</description></item>
<item><guid>order-2</guid><title>Приказ № 2</title><link>https://example.org/2</link>
<description>О баллах НМО</description></item>
</channel></rss>"#;

    async fn serve(body: &'static str) -> Url {
        let app = Router::new().route("/feed.xml", get(move || async move { body }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/feed.xml").parse().unwrap()
    }

    fn noon() -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc()
    }

    #[sqlx::test(migrator = "medcab_core::MIGRATOR")]
    async fn the_feed_is_read_at_its_own_pace_and_proposes_each_item_once(db: PgPool) {
        let url = serve(RSS).await;
        let source = FeedSource {
            url,
            every: Duration::from_secs(30 * 60),
        };
        let clock = Clock::manual(noon());
        let http = reqwest::Client::new();
        let state = FeedState::default();

        let first = tick(&db, &clock, None, Some(&source), &http, &state)
            .await
            .unwrap();
        assert_eq!(first.proposed, Some(2));
        // Too soon: the feed is not read again.
        clock.advance(chrono::Duration::minutes(10));
        let soon = tick(&db, &clock, None, Some(&source), &http, &state)
            .await
            .unwrap();
        assert_eq!(soon.proposed, None);
        // Read again later: the same items are not proposed twice.
        clock.advance(chrono::Duration::minutes(30));
        let later = tick(&db, &clock, None, Some(&source), &http, &state)
            .await
            .unwrap();
        assert_eq!(later.proposed, Some(0));
        let proposed = notices::proposed(&db).await.unwrap();
        assert_eq!(proposed.len(), 2);
        assert!(
            proposed
                .iter()
                .any(|n| n.summary.contains("О порядке аккредитации"))
        );
    }

    #[sqlx::test(migrator = "medcab_core::MIGRATOR")]
    async fn a_broken_feed_does_not_stop_the_reminders(db: PgPool) {
        let url = serve("<html>not a feed</html>").await;
        let source = FeedSource {
            url,
            every: Duration::from_secs(60),
        };
        let clock = Clock::manual(noon());
        let ticked = tick(
            &db,
            &clock,
            None,
            Some(&source),
            &reqwest::Client::new(),
            &FeedState::default(),
        )
        .await
        .unwrap();
        assert_eq!(ticked.proposed, None);
        assert!(!ticked.skipped);
    }

    #[sqlx::test(migrator = "medcab_core::MIGRATOR")]
    async fn one_instance_ticks_at_a_time(db: PgPool) {
        // Another instance in the middle of its tick.
        let mut other = db.begin().await.unwrap();
        let _: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(LOCK_KEY)
            .fetch_one(&mut *other)
            .await
            .unwrap();
        let clock = Clock::manual(noon());
        let (client, feeds) = (reqwest::Client::new(), FeedState::default());
        let tick_now = async || {
            tick(&db, &clock, None, None, &client, &feeds)
                .await
                .unwrap()
        };
        let ticked = tick_now().await;
        assert!(ticked.skipped);
        // Its tick ends: the lock goes. (A dropped transaction rolls back
        // only when its connection is next used, so the test ends it
        // itself rather than race the pool.)
        other.rollback().await.unwrap();
        let ticked = tick_now().await;
        assert!(!ticked.skipped);
    }
}
