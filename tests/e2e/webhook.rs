//! Updates by webhook: the sandbox posts them as Telegram and Max do, the
//! bot answers 200 only once an update is in the inbox, and a request
//! without the secret is refused.

use medcab_bot::inbox::webhook;
use medcab_e2e::TestApp;
use sqlx::PgPool;
use teloxide::prelude::Requester as _;

/// An app whose messengers post to its HTTP server.
async fn with_webhooks(db: PgPool) -> TestApp {
    TestApp::spawn_with(db, |app| {
        app.settings.webhook_url = "http://127.0.0.1".parse().ok();
    })
    .await
}

/// A Telegram update: `text` in the private chat of user `user`.
fn private_text(update_id: i64, user: i64, text: &str) -> serde_json::Value {
    serde_json::json!({
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": 1_700_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Ева"},
            "from": {"id": user, "is_bot": false, "first_name": "Ева"},
            "text": text
        }
    })
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_practitioner_is_answered_through_the_webhook(db: PgPool) {
    let app = with_webhooks(db).await;
    let info = app.bot_api().get_webhook_info().await.unwrap();
    let registered = info.url.map(|url| url.to_string()).unwrap_or_default();
    assert!(
        registered.ends_with(webhook::TELEGRAM_PATH),
        "registered: {registered}"
    );

    let anna = app.active_user("Анна", "ru").await;
    let help = anna.send("/help").await;
    assert!(help.body().starts_with("Что умеет бот"), "{}", help.body());
    let menu = anna.send("/menu").await;
    assert!(!menu.body().is_empty());
    let stats = app.client.stats().await.unwrap();
    assert!(stats.webhook.acknowledged >= 2, "{:?}", stats.webhook);
    assert_eq!(stats.webhook.failed, 0);

    // Every update went through the inbox, and none is left waiting.
    let counts = async || -> (i64, i64) {
        sqlx::query_as("SELECT count(*), count(*) FILTER (WHERE handled_at IS NULL) FROM inbox")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    medcab_e2e::eventually("every update is handled", async || counts().await.1 == 0).await;
    assert!(counts().await.0 >= 2);
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_request_without_the_secret_is_refused_and_garbage_is_kept_aside(db: PgPool) {
    let app = with_webhooks(db).await;
    let url = format!("http://{}{}", app.http_addr(), webhook::TELEGRAM_PATH);
    let http = reqwest::Client::new();
    let update = private_text(900, 5, "/start");
    for secret in [None, Some("wrong"), Some("")] {
        let mut request = http.post(&url).json(&update);
        if let Some(secret) = secret {
            request = request.header(webhook::TELEGRAM_SECRET_HEADER, secret);
        }
        let status = request.send().await.unwrap().status();
        assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED, "{secret:?}");
    }
    let max = format!("http://{}{}", app.http_addr(), webhook::MAX_PATH);
    let status = http.post(&max).body("{}").send().await.unwrap().status();
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing refused is stored");
    // Each refusal is in the security log, saying what was wrong, and none
    // names anything the request carried.
    let logged: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT details FROM security_events WHERE kind = 'webhook_refused' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let said: Vec<(&str, &str)> = logged
        .iter()
        .map(|d| {
            (
                d["messenger"].as_str().unwrap(),
                d["secret"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            ("telegram", "missing"),
            ("telegram", "wrong"),
            ("telegram", "wrong"),
            ("max", "missing"),
        ]
    );

    // A body larger than any update: refused for its missing secret before
    // it is read, and as too large with it.
    let huge = vec![b' '; 2 * 1024 * 1024];
    let status = http
        .post(&url)
        .body(huge.clone())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    let status = http
        .post(&url)
        .header(webhook::TELEGRAM_SECRET_HEADER, webhook::secret(&app.vault))
        .body(huge)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, reqwest::StatusCode::PAYLOAD_TOO_LARGE);

    // With the secret, a body that is no update is kept as poison: 200,
    // since sending it again would not help.
    let secret = webhook::secret(&app.vault);
    let status = http
        .post(&url)
        .header(webhook::TELEGRAM_SECRET_HEADER, &secret)
        .body("{\"update_id\": 901, truncated")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, reqwest::StatusCode::OK);
    let poison: Option<String> = sqlx::query_scalar("SELECT poison FROM inbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(poison.unwrap().starts_with("does not parse"));
    app.finish().await;
}

/// A stranger hammering the route fills neither the security log nor the
/// log: a minute's first refusals are written, the rest counted.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_flood_of_refused_requests_is_logged_capped(db: PgPool) {
    let app = with_webhooks(db).await;
    let url = format!("http://{}{}", app.http_addr(), webhook::TELEGRAM_PATH);
    let http = reqwest::Client::new();
    let flood = 3 * medcab_core::security_events::UNATTRIBUTED_PER_MINUTE;
    for _ in 0..flood {
        let status = http
            .post(&url)
            .header(webhook::TELEGRAM_SECRET_HEADER, "guess")
            .body("{}")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    }
    let written: i64 =
        sqlx::query_scalar("SELECT count(*) FROM security_events WHERE kind = 'webhook_refused'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        written,
        i64::from(medcab_core::security_events::UNATTRIBUTED_PER_MINUTE)
    );
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_database_that_fails_gets_a_5xx_so_the_messenger_sends_again(db: PgPool) {
    let app = with_webhooks(db).await;
    // The inbox cannot take anything: as a database refusing writes would.
    sqlx::query("ALTER TABLE inbox RENAME TO inbox_away")
        .execute(&app.db)
        .await
        .unwrap();
    let anna = app.user("Анна", "ru").await;
    let url = format!("http://{}{}", app.http_addr(), webhook::TELEGRAM_PATH);
    let update = private_text(902, anna.id(), "/help");
    let status = reqwest::Client::new()
        .post(&url)
        .header(webhook::TELEGRAM_SECRET_HEADER, webhook::secret(&app.vault))
        .json(&update)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE);
    // Told plainly that the service is briefly away (`inbox::outage`).
    anna.wait_for_text("⏳ Сервис ненадолго недоступен").await;
    sqlx::query("ALTER TABLE inbox_away RENAME TO inbox")
        .execute(&app.db)
        .await
        .unwrap();
    app.finish().await;
}
