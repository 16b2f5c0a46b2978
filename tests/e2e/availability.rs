//! Availability under abuse and faults: one user's flood does not delay the
//! others; Redis down does not silence the bot.

use std::time::{Duration, Instant};

use medcab_e2e::TestApp;
use sqlx::PgPool;

use crate::ru;

/// How many messages the flooding user sends at once.
const FLOOD: usize = 400;

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn one_users_flood_does_not_delay_another(db: PgPool) {
    let app = TestApp::spawn(db).await;
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
    let limits = medcab_bot::flood::FloodLimits::default();
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
