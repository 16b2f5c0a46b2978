//! `/metrics` on its own address: a practitioner's updates and a push
//! delivered move the counters, the outbox is read at the scrape, and no
//! label names the practitioner.

use medcab_bot::metrics::{CONTENT_TYPE, label_values, sample};
use medcab_core::outbox::{self, Kind, Notification, Payload, Push};
use medcab_e2e::TestApp;
use sqlx::PgPool;

async fn scrape(app: &TestApp) -> String {
    let reply = reqwest::get(format!("http://{}/metrics", app.metrics_addr()))
        .await
        .expect("the metrics server answers");
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.headers()["content-type"].to_str().unwrap(),
        CONTENT_TYPE
    );
    reply.text().await.expect("a text")
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn updates_and_sends_are_counted_without_naming_anyone(db: PgPool) {
    let app = TestApp::spawn_with(db, |app| {
        app.settings.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let anna = app.active_user("Анна", "ru").await;
    let before = scrape(&app).await;
    let count = |text: &str, name: &str, labels: &str| sample(text, name, labels).unwrap_or(0.0);
    let commands = r#"messenger="telegram",kind="command",outcome="handled""#;
    let presses = r#"messenger="telegram",kind="press",outcome="handled""#;
    let sent = r#"messenger="telegram",result="sent""#;

    anna.send("/start").await;
    anna.press("🌐 Язык / Language").await;
    // A push, delivered by the bot's worker.
    let mut tx = app.db.begin().await.unwrap();
    outbox::enqueue(
        &mut tx,
        &Notification::new(
            anna.id(),
            Kind::ApplicationStatusChanged,
            Payload::new(Push::LoginAttempt {
                time: app.clock.now(),
                device: "Firefox".to_owned(),
                place: "Москва".to_owned(),
            }),
        ),
        app.clock.now(),
    )
    .await
    .unwrap()
    .expect("a new row");
    tx.commit().await.unwrap();
    app.wake_delivery();
    app.wait_for_deliveries(anna.id()).await;
    let rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
    assert!(rows.iter().all(|row| row.sent), "{rows:?}");

    let after = scrape(&app).await;
    assert!(
        count(&after, "medcab_updates_total", commands)
            > count(&before, "medcab_updates_total", commands),
        "{after}"
    );
    assert!(
        count(&after, "medcab_updates_total", presses)
            > count(&before, "medcab_updates_total", presses),
        "{after}"
    );
    assert!(
        count(
            &after,
            "medcab_update_duration_seconds_count",
            r#"messenger="telegram",kind="press""#
        ) >= 1.0,
        "{after}"
    );
    assert!(
        count(&after, "medcab_sends_total", sent) > count(&before, "medcab_sends_total", sent),
        "{after}"
    );
    // Read from PostgreSQL at the scrape: nothing waits now.
    for messenger in ["telegram", "max"] {
        let labels = format!(r#"messenger="{messenger}""#);
        assert_eq!(
            sample(&after, "medcab_outbox_depth", &labels),
            Some(0.0),
            "{after}"
        );
        assert!(sample(&after, "medcab_outbox_oldest_seconds", &labels).is_some());
    }
    assert_eq!(
        sample(
            &after,
            "medcab_metrics_read_errors_total",
            r#"reading="outbox""#
        ),
        Some(0.0)
    );
    assert!(after.contains("medcab_refusals_total{"), "{after}");
    assert!(after.contains(r#"medcab_lockouts_total{who="practitioner"}"#));

    // No label value names the practitioner: not their id, not their chat
    // (the same number on Telegram), not their account.
    // (A sandbox user's private chat has the user's id.)
    let ids = [anna.id().to_string(), anna.user_id().get().to_string()];
    assert!(
        ids.iter().all(|id| id.len() >= 5),
        "ids long enough to look for: {ids:?}"
    );
    let values = label_values(&after);
    assert!(values.len() > 20, "{values:?}");
    for value in &values {
        for id in &ids {
            assert!(!value.contains(id.as_str()), "{value:?} names {id}");
        }
        // Words and bucket bounds only.
        assert!(
            value.chars().all(|c| c.is_ascii_lowercase()
                || c == '_'
                || c.is_ascii_digit()
                || "+.".contains(c))
                || value == "+Inf",
            "{value:?}"
        );
    }

    // Nothing else is served on that port.
    let other = reqwest::get(format!("http://{}/healthz", app.metrics_addr()))
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    app.finish().await;
}
