//! Availability under abuse and faults: one user's flood does not delay the
//! others; Redis down does not silence the bot.

use std::time::{Duration, Instant};

use medcab_bot::flood::FloodLimits;
use medcab_e2e::Says;
use medcab_e2e::sandbox::Injection;
use medcab_e2e::{PrivateRedis, TestApp};
use sqlx::PgPool;

use crate::ru;

/// How many messages the flooding user sends at once.
const FLOOD: usize = 400;

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn one_users_flood_does_not_delay_another(db: PgPool) {
    // The limit production has.
    let app =
        TestApp::spawn_with(db, |app| app.settings.flood_limits = FloodLimits::default()).await;
    let flooder = app.user("Антон", "ru").await;
    let bella = app.user("Белла", "ru").await;
    // Bella has talked to the bot before, as a regular user would.
    let started = Instant::now();
    bella.send("/help").await;
    eprintln!(
        "Bella's /help answered in {:?} without a flood",
        started.elapsed()
    );

    let flood_started = Instant::now();
    let sends = (0..FLOOD).map(|i| app.client.send_text(flooder.id(), format!("спам {i}")));
    for sent in futures::future::join_all(sends).await {
        sent.expect("the sandbox takes the text");
    }

    let started = Instant::now();
    let help = bella.send("/help").await;
    let latency = started.elapsed();
    eprintln!("Bella's /help answered in {latency:?} during a flood of {FLOOD}");
    assert!(help.body().starts_with("Что умеет бот"), "{}", help.body());
    assert!(
        latency < Duration::from_secs(1),
        "Bella waited {latency:?} behind someone else's flood"
    );
    // The flood is answered with one «slow down», and the rest dropped:
    // neither claimed nor answered.
    let notice = ru("flood-slow-down");
    flooder
        .wait_for(|chat| {
            chat.bot_messages()
                .any(|m| m.html.as_deref() == Some(notice.as_str()))
        })
        .await;
    // Whatever else would come has had time to.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let chat = flooder.chat().await;
    let notices = chat
        .bot_messages()
        .filter(|m| m.html.as_deref() == Some(notice.as_str()))
        .count();
    assert_eq!(notices, 1, "exactly one «slow down»");
    let claimed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM processed_updates WHERE chat_id = $1")
            .bind(flooder.id())
            .fetch_one(&app.db)
            .await
            .unwrap();
    // The burst, and the few the bucket refilled for while the test ran
    // (one a second).
    let limits = FloodLimits::default();
    let refilled = flood_started.elapsed().as_secs_f64() / limits.interval.as_secs_f64();
    let allowed = f64::from(limits.burst) + refilled.ceil();
    assert!(
        claimed as f64 <= allowed,
        "{claimed} of {FLOOD} updates were claimed; at most {allowed} may be"
    );
    assert!(
        chat.bot_messages().count() as f64 <= allowed + 1.0,
        "the dropped updates are not answered"
    );
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn with_redis_down_every_update_is_still_answered(db: PgPool) {
    let mut redis = PrivateRedis::start().await;
    let app = TestApp::spawn_with_redis(db, &redis.url()).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    // Anna is in the middle of something: the language picker is open.
    anna.send("/language").await;

    redis.stop();

    // Her next message: the position cannot be read; she is told so, once,
    // and the message is answered from Idle.
    let before = anna.chat().await.bot_messages().count();
    app.client.send_text(anna.id(), "привет").await.unwrap();
    let chat = anna
        .wait_for(|chat| chat.bot_messages().count() >= before + 2)
        .await;
    let answer = chat.last_bot_message().unwrap();
    assert_eq!(answer.html.as_deref(), Some(ru("unknown-text").as_str()));
    let lost = ru("position-unavailable");
    let told = |chat: &medcab_e2e::sandbox::Chat| {
        chat.bot_messages()
            .filter(|m| m.html.as_deref() == Some(lost.as_str()))
            .count()
    };
    assert_eq!(told(&anna.chat().await), 1);
    let help = anna.send("/help").await;
    assert!(help.body().starts_with("Что умеет бот"), "{}", help.body());
    let menu = anna.send("/menu").await;
    assert!(!menu.button_labels().is_empty(), "{}", menu.body());
    assert_eq!(told(&anna.chat().await), 1, "told once per outage");

    // A login confirmation is asked and answered without Redis.
    let created = app
        .api()
        .create_login_confirmation(
            &serde_json::json!({
                "practitioner": { "snils": medcab_e2e::valid_snils(anna.id()) },
                "ip": "203.0.113.7", "device": "Firefox", "place": "Москва"
            })
            .to_string(),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    anna.wait_for_text("🔐 Вход в личный кабинет: это вы?")
        .await;
    // The number the portal shows is the one to press.
    let number = created.body["match_number"]
        .as_u64()
        .expect("a match number");
    let confirmed = anna.press(&number.to_string()).await;
    confirmed.assert_starts("✅ Вход подтверждён.");

    // /forget works without Redis.
    boris.send("/forget").await;
    boris
        .wait_for_text("Удалить ваши персональные данные?")
        .await;
    let code = app.totp_code(boris.user_id()).await;
    app.client.send_text(boris.id(), &code).await.unwrap();
    let erased = boris.wait_for_text("Согласие отозвано").await;
    assert_eq!(erased.html.as_deref(), Some(ru("forget-done").as_str()));

    // Redis is back: positions are kept again.
    redis.resume().await;
    let mut kept = false;
    for _ in 0..20 {
        anna.send("/language").await;
        let reply = anna.send("ещё раз привет").await;
        if reply.html.as_deref() == Some(ru("language-use-buttons").as_str()) {
            kept = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(kept, "after Redis returns, the position is kept again");
    app.finish().await;
}

/// Redis down in the middle of a record being filled in: the next answer
/// is taken from the draft in PostgreSQL, so the person is asked the next
/// question and not told that their place was lost.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn with_redis_down_a_record_being_filled_in_goes_on_without_a_warning(db: PgPool) {
    let mut redis = PrivateRedis::start().await;
    let app = TestApp::spawn_with_redis(db, &redis.url()).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    anna.send("/menu").await;
    let asked = anna.press("👤 Профиль").await;
    if asked.body().starts_with("Раздел содержит личные данные") {
        let code = app.totp_code(anna.user_id()).await;
        app.client.send_text(anna.id(), &code).await.unwrap();
        anna.wait_for_text("Вход подтверждён").await;
    }
    anna.press("🎓 Образование").await;
    anna.press("➕ Повышение квалификации").await;
    anna.wait_for_text("Название программы").await;

    redis.stop();
    anna.send_text("Кардиология: актуальные вопросы").await;
    anna.wait_for_text("Объём программы в академических часах")
        .await;
    let lost = ru("position-unavailable");
    let chat = anna.chat().await;
    assert!(
        !chat
            .bot_messages()
            .any(|m| m.html.as_deref() == Some(lost.as_str())),
        "{chat:?}"
    );
    // (With nothing being filled in, the person is told:
    // `with_redis_down_every_update_is_still_answered`.)
    redis.resume().await;
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_failed_update_gives_its_claim_back_and_is_handled_when_redelivered(db: PgPool) {
    let mut app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await.user;
    let anna_id = anna.id;
    // Telegram refuses the bot's next send to Anna: the handler fails.
    app.client
        .inject(anna_id, Injection::error(400))
        .await
        .unwrap();
    let sent = app.client.send_text(anna_id, "/help").await.unwrap();
    medcab_e2e::eventually("the failed update's claim is released", || async {
        let claimed: i64 =
            sqlx::query_scalar("SELECT count(*) FROM processed_updates WHERE update_id = $1")
                .bind(sent.update_id)
                .fetch_one(&app.db)
                .await
                .unwrap();
        let stats = app.client.stats().await.unwrap();
        claimed == 0 && stats.injected_failures == 1
    })
    .await;
    // …and Anna is told, not left in silence.
    let told = app
        .phone(anna.clone())
        .wait_for(|chat| chat.bot_messages().count() == 1)
        .await;
    assert_eq!(
        told.last_bot_message().unwrap().html.as_deref(),
        Some(ru("handler-failed").as_str())
    );

    // The bot stops before Telegram saw its confirmation; after the
    // restart Telegram hands the same update over again.
    app.stop_bot().await;
    app.client.redeliver(sent.update_id).await.unwrap();
    app.start_bot().await;
    let help = app
        .phone(anna)
        .wait_for(|chat| chat.bot_messages().count() == 2)
        .await;
    assert!(
        help.last_bot_message()
            .unwrap()
            .body()
            .starts_with("Что умеет бот"),
        "the redelivered update is handled"
    );
    app.finish_expecting(|call| call.error_code == 400).await;
}
