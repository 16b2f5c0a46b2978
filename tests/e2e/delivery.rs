//! The delivery engine through the sandbox: quiet hours, Telegram's
//! refusals (429, 403, 400), a worker killed mid-broadcast, two workers on
//! one outbox, and switched-off categories.
//!
//! Rows are written with core's `outbox::enqueue` directly, so these tests
//! exercise delivery alone, whatever writes the rows.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use medcab_bot::delivery::SWITCHED_OFF;
use medcab_core::UserId;
use medcab_core::consent;
use medcab_core::notification_settings::{self, Settings};
use medcab_core::outbox::{self, Kind, Notification, Payload, Push, Row};
use medcab_e2e::sandbox::{Chat, Injection, NewUsers, Settings as SandboxSettings};
use medcab_e2e::{Phone, TestApp};
use serde_json::Value;
use sqlx::PgPool;

/// A push whose text carries `tag`, to tell messages apart. The login
/// push's key serves every kind: only the kind decides the buttons.
fn payload(tag: &str) -> Payload {
    Payload {
        login_challenge: Some(uuid::Uuid::new_v4()),
        ..Payload::new(Push::LoginAttempt {
            time: "2026-11-25T09:00:00Z".parse().unwrap(),
            device: tag.to_owned(),
            place: "Москва".to_owned(),
        })
    }
}

async fn enqueue(app: &TestApp, chat_id: i64, kind: Kind, tag: &str) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let id = outbox::enqueue(
        &mut tx,
        &Notification::new(chat_id, kind, payload(tag)),
        app.clock.now(),
    )
    .await
    .unwrap()
    .expect("a new row");
    tx.commit().await.unwrap();
    app.wake_delivery();
    id
}

/// A login confirmation's push through core, as the API makes it: the
/// challenge (pending two minutes) and its row, the device being `tag`.
async fn enqueue_login(app: &TestApp, chat_id: i64, tag: &str) {
    use medcab_core::login_confirmations::{self, Created, LoginAttempt};
    // A sandbox user's private chat has the user's id.
    let user_id = UserId::from_stored(chat_id);
    medcab_core::accounts::open(&app.db, user_id, app.clock.now())
        .await
        .unwrap();
    let client = medcab_core::api_clients::list(&app.db).await.unwrap()[0].id;
    let attempt = LoginAttempt {
        ip: "203.0.113.7".to_owned(),
        device: tag.to_owned(),
        place: "Москва".to_owned(),
        ttl: chrono::Duration::minutes(2),
    };
    let created = login_confirmations::create(
        &app.db,
        &app.vault,
        client,
        user_id,
        &attempt,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(matches!(created, Created::Created(_)));
    app.wake_delivery();
}

/// One regulatory notice (a broadcast) to each chat, in one statement.
async fn broadcast(app: &TestApp, chats: impl Iterator<Item = i64>) -> usize {
    let notes: Vec<_> = chats
        .map(|chat| Notification::new(chat, Kind::RegulatoryNotice, payload(&format!("n{chat}"))))
        .collect();
    let mut tx = app.db.begin().await.unwrap();
    outbox::enqueue_many(&mut tx, &notes, app.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.wake_delivery();
    notes.len()
}

async fn row(app: &TestApp, id: i64) -> Row {
    let chat_id: i64 = sqlx::query_scalar("SELECT chat_id FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    outbox::for_chat(&app.db, chat_id)
        .await
        .unwrap()
        .into_iter()
        .find(|row| row.id == id)
        .unwrap()
}

/// Waits until the row is marked sent: the mark commits just after
/// Telegram took the message, so a chat may show it a moment earlier.
async fn wait_sent(app: &TestApp, id: i64) -> Row {
    wait_until(
        "the row is marked sent",
        Duration::from_secs(5),
        async || row(app, id).await.sent,
    )
    .await;
    row(app, id).await
}

/// Outbox rows neither sent nor failed.
async fn pending(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Polls `done` every 20 ms until it holds, for at most `within`.
async fn wait_until(what: &str, within: Duration, done: impl AsyncFn() -> bool) {
    let deadline = Instant::now() + within;
    while !done().await {
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn has(chat: &Chat, tag: &str) -> bool {
    chat.bot_messages().any(|m| m.body().contains(tag))
}

/// Consent in force for these users: delivery sends nothing else to
/// anyone without it (sandbox users never went through onboarding).
async fn consent_all(app: &TestApp, ids: impl IntoIterator<Item = i64>) {
    for id in ids {
        consent::give(&app.db, UserId::from_stored(id), app.clock.now())
            .await
            .unwrap();
    }
}

/// A new sandbox user who has given consent.
async fn consenting<'a>(app: &'a TestApp, name: &str) -> Phone<'a> {
    let phone = app.user(name, "ru").await;
    consent_all(app, [phone.id()]).await;
    phone
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[medcab_e2e::test]
async fn quiet_hours_hold_notices_until_morning_in_the_users_own_zone(app: TestApp) {
    let anna = consenting(&app, "Анна").await; // Moscow, as everyone by default
    let boris = consenting(&app, "Борис").await;
    let vladivostok = Settings {
        time_zone: "Asia/Vladivostok".parse().unwrap(),
        ..Settings::default()
    };
    notification_settings::save(&app.db, boris.user_id(), &vladivostok, app.clock.now())
        .await
        .unwrap();

    // 23:00 in Moscow, 06:00 in Vladivostok: both are asleep.
    app.clock.set(at("2026-11-25T20:00:00Z"));
    let anna_status = enqueue(
        &app,
        anna.id(),
        Kind::ApplicationStatusChanged,
        "status-anna",
    )
    .await;
    let boris_status = enqueue(
        &app,
        boris.id(),
        Kind::ApplicationStatusChanged,
        "status-boris",
    )
    .await;
    // A login confirmation goes only while its challenge is pending: a
    // real one, asked as a portal asks.
    enqueue_login(&app, anna.id(), "login-anna").await;

    // A login confirmation is never held…
    anna.wait_for(|chat| has(chat, "login-anna")).await;
    // …the others wait for 08:00 where each user lives.
    let morning_moscow = at("2026-11-26T05:00:00Z");
    let morning_vladivostok = at("2026-11-25T22:00:00Z");
    wait_until("both are held", Duration::from_secs(5), async || {
        row(&app, anna_status).await.available_at == morning_moscow
            && row(&app, boris_status).await.available_at == morning_vladivostok
    })
    .await;
    assert!(!has(&anna.chat().await, "status-anna"));
    assert_eq!(boris.chat().await.bot_messages().count(), 0);
    assert_eq!(
        row(&app, anna_status).await.attempts,
        0,
        "a hold is no attempt"
    );

    // 08:00 in Vladivostok, 01:00 in Moscow.
    app.clock.set(morning_vladivostok);
    app.wake_delivery();
    boris.wait_for(|chat| has(chat, "status-boris")).await;
    app.deliver_pending().await;
    assert!(
        !has(&anna.chat().await, "status-anna"),
        "Moscow still sleeps"
    );

    // 08:00 in Moscow.
    app.clock.set(morning_moscow);
    app.wake_delivery();
    anna.wait_for(|chat| has(chat, "status-anna")).await;
    for id in [anna_status, boris_status] {
        let row = wait_sent(&app, id).await;
        assert_eq!(row.attempts, 1, "{row:?}");
    }
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_429_pauses_every_send_for_its_retry_after_and_the_row_goes_once(db: PgPool) {
    let app = TestApp::spawn_with(db, |app| {
        app.settings.delivery.lanes = 1;
        app.settings.delivery.send_per_second = 100;
    })
    .await;
    let anna = consenting(&app, "Анна").await;
    let boris = consenting(&app, "Борис").await;
    app.client
        .inject(anna.id(), Injection::too_many_requests(2))
        .await
        .unwrap();

    let start = Instant::now();
    let first = enqueue(&app, anna.id(), Kind::ApplicationStatusChanged, "to-anna").await;
    let second = enqueue(&app, boris.id(), Kind::ApplicationStatusChanged, "to-boris").await;
    anna.wait_for(|chat| has(chat, "to-anna")).await;
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "sent again after {:?}",
        start.elapsed()
    );
    boris.wait_for(|chat| has(chat, "to-boris")).await;
    let boris_after = start.elapsed();
    assert!(
        boris_after >= Duration::from_secs(2),
        "the pause holds every chat, not only the one refused: {boris_after:?}"
    );

    let stats = app.client.stats().await.unwrap();
    assert_eq!(stats.too_many_requests, 1, "no hammering: {stats:?}");
    assert_eq!(stats.accepted, 2, "{stats:?}");
    assert_eq!(stats.max_per_chat, 1, "{stats:?}");
    let row = wait_sent(&app, first).await;
    assert_eq!(row.attempts, 1, "a 429 is not a failed attempt");
    wait_sent(&app, second).await;
    app.finish_expecting(|call| call.error_code == 429).await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_blocked_chat_is_marked_unreachable_and_skipped_afterwards(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let carl = consenting(&app, "Карл").await;
    carl.send("/start").await; // the bot knows the chat
    app.client.block(carl.id(), true).await.unwrap();

    let first = enqueue(&app, carl.id(), Kind::ApplicationStatusChanged, "first").await;
    wait_until("the row fails", Duration::from_secs(5), async || {
        row(&app, first).await.failed
    })
    .await;
    let failed = row(&app, first).await;
    assert_eq!(failed.attempts, 1);
    assert_eq!(
        failed.last_error.as_deref(),
        Some("Forbidden: bot was blocked by the user")
    );
    let unreachable: bool =
        sqlx::query_scalar("SELECT unreachable_since IS NOT NULL FROM chats WHERE id = $1")
            .bind(carl.id())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(unreachable, "the chat is marked unreachable");

    // Later rows are settled without asking Telegram again.
    let later = [
        enqueue(&app, carl.id(), Kind::ApplicationStatusChanged, "second").await,
        enqueue(&app, carl.id(), Kind::RegulatoryNotice, "third").await,
    ];
    for id in later {
        wait_until("a later row fails", Duration::from_secs(5), async || {
            row(&app, id).await.failed
        })
        .await;
        let row = row(&app, id).await;
        assert_eq!(row.attempts, 0, "{row:?}");
        assert_eq!(
            row.last_error.as_deref(),
            Some(medcab_bot::delivery::UNREACHABLE)
        );
    }
    let refused = app.client.errors().await.unwrap();
    assert_eq!(
        refused.iter().filter(|call| call.error_code == 403).count(),
        1,
        "one 403, then no more sends: {refused:#?}"
    );
    app.finish_expecting(|call| call.error_code == 403).await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_400_is_recorded_and_not_tried_again(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let dana = consenting(&app, "Дана").await;
    app.client
        .inject(dana.id(), Injection::error(400))
        .await
        .unwrap();
    let id = enqueue(&app, dana.id(), Kind::ApplicationStatusChanged, "refused").await;
    wait_until("the row fails", Duration::from_secs(5), async || {
        row(&app, id).await.failed
    })
    .await;
    // A retry would come after 2 s at the earliest (by the bot's clock).
    app.clock.advance(chrono::Duration::seconds(3));
    app.deliver_pending().await;
    let row = row(&app, id).await;
    assert_eq!(row.attempts, 1, "{row:?}");
    assert_eq!(
        row.last_error.as_deref(),
        Some("Bad Request: message text is empty")
    );
    let stats = app.client.stats().await.unwrap();
    assert_eq!(
        (stats.injected_failures, stats.accepted),
        (1, 0),
        "{stats:?}"
    );
    app.finish_expecting(|call| call.error_code == 400).await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_worker_killed_mid_broadcast_loses_nothing_and_doubles_at_most_one(db: PgPool) {
    let mut app = TestApp::spawn_with(db, |app| {
        app.settings.delivery.lanes = 1;
        app.settings.delivery.send_per_second = 20;
    })
    .await;
    let users = app.client.create_users(NewUsers::count(60)).await.unwrap();
    consent_all(&app, users.ids()).await;
    let total = broadcast(&app, users.ids()).await;

    wait_until("a third is sent", Duration::from_secs(5), async || {
        app.client.stats().await.unwrap().accepted >= 20
    })
    .await;
    app.kill_bot();
    let at_kill = app.client.stats().await.unwrap().accepted;
    assert!(at_kill < 60, "the broadcast was still going: {at_kill}");
    assert!(pending(&app).await > 0);

    app.start_bot().await;
    app.wake_delivery();
    wait_until("every row is sent", Duration::from_secs(15), async || {
        pending(&app).await == 0
    })
    .await;
    let stats = app.client.stats().await.unwrap();
    assert_eq!(
        stats.chats_with_messages, total as u64,
        "nothing lost: {stats:?}"
    );
    assert!(
        stats.chats_with_more_than_one <= 1 && stats.accepted <= total as u64 + 1,
        "at most the one message in flight twice: {stats:?}"
    );
    let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(failed, 0);
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn two_workers_share_the_outbox_and_the_rate_without_sending_a_row_twice(db: PgPool) {
    // 100 a second: above the free 30, so broadcasts go as paid ones, and
    // Telegram (the sandbox) holds the bot to exactly that.
    let app = TestApp::spawn_with(db, |app| {
        app.settings.delivery.lanes = 4;
        app.settings.delivery.send_per_second = 100;
    })
    .await;
    app.client
        .configure(
            SandboxSettings::enforcing()
                .with_bot_per_second(30)
                .with_paid_per_second(100),
        )
        .await
        .unwrap();
    let users = app.client.create_users(NewUsers::count(200)).await.unwrap();
    consent_all(&app, users.ids()).await;
    let second = app.start_delivery_worker();

    let start = Instant::now();
    let total = broadcast(&app, users.ids()).await;
    wait_until("every row is sent", Duration::from_secs(15), async || {
        pending(&app).await == 0
    })
    .await;
    let elapsed = start.elapsed();

    let stats = app.client.stats().await.unwrap();
    assert_eq!(stats.accepted, total as u64, "{stats:?}");
    assert_eq!(stats.chats_with_messages, total as u64, "{stats:?}");
    assert_eq!(stats.chats_with_more_than_one, 0, "{stats:?}");
    assert_eq!(stats.too_many_requests, 0, "within the limits: {stats:?}");
    assert_eq!(stats.paid_broadcasts, total as u64, "{stats:?}");
    // Broadcasts get 70 a second (100 less the free 30, which other sends
    // may use meanwhile), with a burst of 4; the sandbox counts by
    // arrival, a few milliseconds after the pacer's clock.
    assert!(stats.max_per_second() <= 80, "{stats:?}");
    assert!(
        elapsed >= Duration::from_millis(2500),
        "200 at 70 a second took {elapsed:?}"
    );
    wait_until("both counted", Duration::from_secs(1), async || {
        app.bot_delivered() + second.sent() == total as u64
    })
    .await;
    let (mine, theirs) = (app.bot_delivered(), second.sent());
    assert!(mine > 0 && theirs > 0, "both delivered: {mine} + {theirs}");
    second.stop().await;
    app.finish().await;
}

#[medcab_e2e::test]
async fn a_category_switched_off_after_the_row_was_written_is_not_sent(mut app: TestApp) {
    let eve = consenting(&app, "Ева").await.user;
    // Written while the category was on, switched off before delivery.
    app.stop_bot().await;
    let notice = enqueue(&app, eve.id, Kind::RegulatoryNotice, "notice-eve").await;
    let status = enqueue(&app, eve.id, Kind::ApplicationStatusChanged, "status-eve").await;
    let settings = Settings {
        regulation: false,
        quiet_hours: None,
        ..Settings::default()
    };
    notification_settings::save(
        &app.db,
        UserId::from_stored(eve.id),
        &settings,
        app.clock.now(),
    )
    .await
    .unwrap();
    app.start_bot().await;

    let eve = app.phone(eve);
    eve.wait_for(|chat| has(chat, "status-eve")).await;
    wait_until(
        "the notice is settled",
        Duration::from_secs(5),
        async || row(&app, notice).await.failed,
    )
    .await;
    let row = row(&app, notice).await;
    assert_eq!(row.last_error.as_deref(), Some(SWITCHED_OFF));
    assert_eq!(row.attempts, 0, "never sent");
    wait_sent(&app, status).await; // status changes cannot be switched off
    assert!(!has(&eve.chat().await, "notice-eve"));
}

#[medcab_e2e::test]
async fn a_row_of_an_unknown_kind_is_held_for_a_newer_version_and_a_bad_payload_fails(
    app: TestApp,
) {
    let fay = app.user("Фая", "ru").await;
    let now = app.clock.now();
    let insert = async |kind: &str, payload: Value| -> i64 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (chat_id, kind, payload, priority, created_at, available_at)
             VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
        )
        .bind(fay.id())
        .bind(kind)
        .bind(payload)
        .bind(now)
        .fetch_one(&app.db)
        .await
        .unwrap();
        id
    };
    // Written by a newer version during a rolling deploy.
    let future = insert(
        "from_a_newer_version",
        serde_json::to_value(payload("future")).unwrap(),
    )
    .await;
    let broken = insert(
        Kind::ApplicationStatusChanged.as_str(),
        serde_json::json!({"no": "key"}),
    )
    .await;
    app.wake_delivery();

    wait_until(
        "the bad payload fails",
        Duration::from_secs(5),
        async || row(&app, broken).await.failed,
    )
    .await;
    let failed = row(&app, broken).await;
    assert_eq!(
        (failed.attempts, failed.last_error.as_deref()),
        (0, Some(medcab_bot::delivery::UNREADABLE))
    );
    let hold = chrono::Duration::from_std(medcab_bot::delivery::UNKNOWN_KIND_HOLD).unwrap();
    wait_until(
        "the unknown kind is held",
        Duration::from_secs(5),
        async || row(&app, future).await.available_at >= now + hold,
    )
    .await;
    let held = row(&app, future).await;
    assert!(!held.failed && !held.sent, "{held:?}");
    assert_eq!(held.attempts, 0, "a hold is no attempt");
    assert!(held.available_at < now + hold + chrono::Duration::minutes(1));
    assert_eq!(fay.chat().await.bot_messages().count(), 0);
}

#[medcab_e2e::test]
async fn nothing_goes_to_someone_whose_consent_was_withdrawn_after_the_row_was_written(
    mut app: TestApp,
) {
    let gleb = consenting(&app, "Глеб").await.user;
    // An operator: staff notices do not wait for a practitioner's consent.
    let olga = app.user("Ольга", "ru").await.user;
    app.stop_bot().await;
    // A broadcast read its recipients and wrote its rows; /forget
    // committed in between, so the rows outlive the erasure's cleanup.
    let notice = enqueue(&app, gleb.id, Kind::RegulatoryNotice, "notice-gleb").await;
    let status = enqueue(&app, gleb.id, Kind::ApplicationStatusChanged, "status-gleb").await;
    let mut tx = app.db.begin().await.unwrap();
    consent::withdraw(&mut tx, UserId::from_stored(gleb.id), app.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let proposals = enqueue(&app, olga.id, Kind::FeedProposals, "feed-olga").await;
    app.start_bot().await;
    app.wake_delivery();

    let olga = app.phone(olga);
    olga.wait_for(|chat| has(chat, "feed-olga")).await;
    wait_sent(&app, proposals).await;
    for id in [notice, status] {
        wait_until("the row is settled", Duration::from_secs(5), async || {
            row(&app, id).await.failed
        })
        .await;
        let row = row(&app, id).await;
        assert_eq!(
            row.last_error.as_deref(),
            Some(medcab_bot::delivery::NO_CONSENT)
        );
        assert_eq!(row.attempts, 0, "never sent");
    }
    let gleb = app.phone(gleb);
    assert_eq!(gleb.chat().await.bot_messages().count(), 0);
}
