//! Confirming a login elsewhere: a portal calls the HTTP API, the
//! practitioner gets «Вход в личный кабинет: это вы?» and answers with a
//! button; the portal reads the answer back.

use chrono::Duration;
use medcab_core::{outbox, security_events};
use medcab_e2e::{ApiReply, Phone, TestApp, valid_snils};
use medcab_sandbox::ChatMessage;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::ru;

const PUSH: &str = "🔐 Вход в личный кабинет: это вы?";
const IP: &str = "203.0.113.7";
const DEVICE: &str = "Firefox, Windows 11";
const PLACE: &str = "Москва, Россия";

fn request(practitioner: Value) -> String {
    json!({ "practitioner": practitioner, "ip": IP, "device": DEVICE, "place": PLACE }).to_string()
}

fn by_snils(phone: &Phone<'_>) -> String {
    request(json!({ "snils": valid_snils(phone.id()) }))
}

/// Asks the API about a login of this practitioner; returns the challenge
/// id once the push is on the phone.
async fn ask(app: &TestApp, phone: &Phone<'_>) -> (String, ChatMessage) {
    let created = app.api().create_login_confirmation(&by_snils(phone)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["status"], "pending");
    let id = created.body["id"].as_str().expect("an id").to_owned();
    let push = phone.wait_for_text(PUSH).await;
    (id, push)
}

async fn status(app: &TestApp, id: &str) -> ApiReply {
    let reply = app.api().login_confirmation(id).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply
}

/// The security events about logins (an active user starts with
/// `factor_enrolled`).
async fn login_events(app: &TestApp, user_id: i64) -> Vec<String> {
    let mut kinds = security_events::kinds_for(&app.db, user_id).await.unwrap();
    kinds.retain(|kind| kind.starts_with("login_"));
    kinds
}

fn data(id: &str, approve: bool) -> String {
    let id = uuid::Uuid::parse_str(id).unwrap().simple();
    format!("login:{id}:{}", if approve { "yes" } else { "no" })
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn the_practitioner_confirms_a_login(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;

    let (id, push) = ask(&app, &anna).await;

    // 12:00 in Moscow is the tests' clock.
    let body = push.body();
    for part in ["Время: 12:00 (МСК)", DEVICE, PLACE] {
        assert!(body.contains(part), "{part:?} in {body}");
    }
    assert_eq!(push.button_labels(), ["✅ Это я", "🚫 Это не я"]);
    let pending = status(&app, &id).await;
    assert_eq!(pending.body["status"], "pending");
    assert_eq!(pending.body["answered_at"], Value::Null);

    app.clock.advance(Duration::seconds(20));
    let answered = anna.press("✅ Это я").await;

    assert_eq!(answered.message_id, push.message_id, "the push is edited");
    assert!(
        answered.body().starts_with("✅ Вход подтверждён."),
        "{}",
        answered.body()
    );
    assert!(answered.body().contains(DEVICE));
    assert!(answered.reply_markup.is_none(), "no buttons left");
    let approved = status(&app, &id).await;
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["answered_at"], "2026-11-25T09:00:20Z");
    assert!(login_events(&app, anna.id()).await.is_empty());
    // The worker marks a row sent just after Telegram took it: give it a moment.
    let mut rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
    for _ in 0..100 {
        if rows.iter().all(|row| row.sent) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
    }
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent && rows[0].priority == outbox::Priority::Urgent);
    assert_eq!(rows[0].telegram_message_id, Some(push.message_id));
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn this_is_not_me_blocks_the_login_and_records_an_incident(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    let (id, _push) = ask(&app, &anna).await;

    let answered = anna.press("🚫 Это не я").await;

    let body = answered.body();
    assert!(body.starts_with("🚫 Вход заблокирован."), "{body}");
    assert!(
        body.contains("Смените пароль") && body.contains("службу поддержки"),
        "the user is told what to do: {body}"
    );
    assert!(answered.reply_markup.is_none());
    assert_eq!(status(&app, &id).await.body["status"], "denied");
    assert_eq!(login_events(&app, anna.id()).await, ["login_denied"]);
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn an_unanswered_request_expires(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    let (id, push) = ask(&app, &anna).await;

    app.clock.advance(Duration::minutes(3));

    let expired = status(&app, &id).await;
    assert_eq!(expired.body["status"], "expired");
    assert_eq!(expired.body["answered_at"], Value::Null);
    let answered = anna.press("✅ Это я").await;
    assert_eq!(answered.message_id, push.message_id);
    assert!(
        answered
            .body()
            .starts_with("⌛ Время на подтверждение истекло"),
        "{}",
        answered.body()
    );
    assert!(answered.reply_markup.is_none());
    // The toast says so too, and a late «Это не я» changes nothing either.
    let late = anna.press_forged(&data(&id, false)).await;
    assert!(late.answered);
    assert_eq!(late.text.as_deref(), Some("Время на подтверждение истекло"));
    assert_eq!(status(&app, &id).await.body["status"], "expired");
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_request_is_answered_once(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    let (id, push) = ask(&app, &anna).await;
    anna.press("✅ Это я").await;

    // The buttons are gone, but an old client (or a double tap) can still
    // send the other answer.
    let again = anna.press_forged(&data(&id, false)).await;

    assert!(again.answered);
    assert_eq!(
        again.text.as_deref(),
        Some("Вы уже ответили на этот запрос")
    );
    assert_eq!(status(&app, &id).await.body["status"], "approved");
    let chat = anna.chat().await;
    let message = chat.message(push.message_id).unwrap();
    assert!(message.body().starts_with("✅ Вход подтверждён."));
    assert!(
        login_events(&app, anna.id()).await.is_empty(),
        "no incident from a second press"
    );
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn an_answer_from_another_chat_is_refused_and_recorded(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    let boris = app.confirmed_user("Борис", "ru").await;
    let (id, _push) = ask(&app, &anna).await;
    // Boris puts Anna's answer under a message of his own chat.
    let menu = boris.send("/menu").await;

    let forged = boris.press_forged(&data(&id, true)).await;

    assert!(forged.answered);
    assert_eq!(forged.text, Some(ru("button-outdated")));
    assert_eq!(status(&app, &id).await.body["status"], "pending");
    assert_eq!(
        login_events(&app, boris.id()).await,
        ["login_answer_refused"]
    );
    let chat = boris.chat().await;
    assert_eq!(chat.last_bot_message(), Some(&menu), "nothing changed");
    // Anna's buttons still work.
    let answered = anna.press("✅ Это я").await;
    assert!(answered.body().starts_with("✅ Вход подтверждён."));
    assert_eq!(status(&app, &id).await.body["status"], "approved");
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn the_push_carries_no_personal_data(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;

    let (_id, push) = ask(&app, &anna).await;

    let snils = valid_snils(anna.id());
    let phone = format!("{:09}", anna.id() % 1_000_000_000);
    let html = push.html.clone().unwrap_or_default();
    for text in [push.body(), html.as_str()] {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        assert!(!digits.contains(&snils), "no СНИЛС: {text}");
        assert!(!digits.contains(&phone), "no phone: {text}");
        assert!(!text.contains("Анна"), "no name: {text}");
        assert!(!text.contains(IP), "no IP: {text}");
    }
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn the_push_speaks_the_recipients_language(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let john = app.confirmed_user("John", "en").await;
    // A practitioner has written to the bot before: that is how Telegram's
    // language is known.
    john.send("/menu").await;

    let created = app
        .api()
        .create_login_confirmation(&request(json!({ "telegram_user_id": john.id() })))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);

    let push = john
        .wait_for_text("🔐 Signing in to your account: is it you?")
        .await;
    assert_eq!(push.button_labels(), ["✅ It's me", "🚫 Not me"]);
    let answered = john.press("🚫 Not me").await;
    assert!(answered.body().starts_with("🚫 Sign-in blocked."));
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn without_the_right_key_nothing_is_revealed(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    let unknown = request(json!({ "snils": "112-233-445 95" }));

    for client in [
        app.api().with_key(None),
        app.api()
            .with_key(Some("wrong-key-0123456789abcdef0123456789abcdef")),
        app.api().with_key(Some("")),
    ] {
        // A practitioner who exists and one who does not: the same answer.
        let known = client.create_login_confirmation(&by_snils(&anna)).await;
        let missing = client.create_login_confirmation(&unknown).await;
        let malformed = client.create_login_confirmation("{").await;
        let read = client
            .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
            .await;
        for reply in [&known, &missing, &malformed, &read] {
            assert_eq!(reply.status, 401, "{:?}", reply.body);
            assert_eq!(reply.body["error"], "unauthorized");
        }
        assert_eq!(known.body, missing.body);
    }
    assert!(
        outbox::for_chat(&app.db, anna.id())
            .await
            .unwrap()
            .is_empty()
    );
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn unknown_practitioners_and_malformed_requests_are_refused(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let api = app.api();
    // Someone who only talks to the bot has no active account.
    let stranger = app.user("Пётр", "ru").await;
    stranger.send("/start").await;

    // An applicant not confirmed by the register (or an operator) does not
    // speak for the practitioner whose СНИЛС they typed.
    let applicant = app.active_user("Ирина", "ru").await;
    let applicant_snils = medcab_e2e::valid_snils(applicant.id());

    let not_found = [
        request(json!({ "snils": "112-233-445 95" })),
        request(json!({ "telegram_user_id": stranger.id() })),
        request(json!({ "telegram_user_id": 1 })),
        request(json!({ "snils": applicant_snils })),
        request(json!({ "telegram_user_id": applicant.id() })),
    ];
    for body in &not_found {
        let reply = api.create_login_confirmation(body).await;
        assert_eq!(reply.status, 404, "{body}: {:?}", reply.body);
        assert_eq!(reply.body["error"], "practitioner_not_found");
    }

    let bad_request = [
        "{".to_owned(),
        "[]".to_owned(),
        json!({ "practitioner": { "snils": "112-233-445 95" }, "ip": IP }).to_string(),
        request(json!({ "snils": "112-233-445 96" })),
        request(json!({ "snils": "12345" })),
        request(json!({ "passport": "4510 123456" })),
        json!({ "practitioner": { "snils": "112-233-445 95" }, "ip": "not an ip", "device": DEVICE, "place": PLACE }).to_string(),
        json!({ "practitioner": { "snils": "112-233-445 95" }, "ip": IP, "device": "", "place": PLACE }).to_string(),
        json!({ "practitioner": { "snils": "112-233-445 95" }, "ip": IP, "device": DEVICE, "place": PLACE, "ttl_seconds": 0 }).to_string(),
    ];
    for body in &bad_request {
        let reply = api.create_login_confirmation(body).await;
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        assert_eq!(reply.body["error"], "bad_request");
    }

    let missing = api
        .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(api.login_confirmation("not-a-uuid").await.status, 400);
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_chat_that_blocked_the_bot_is_marked_unreachable(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    anna.send("/menu").await;
    app.client.block(anna.id(), true).await.unwrap();

    let created = app.api().create_login_confirmation(&by_snils(&anna)).await;
    assert_eq!(created.status, 201);

    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
        if rows.iter().all(|row| row.failed) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(rows.len() == 1 && rows[0].failed, "{rows:?}");
    assert_eq!(rows[0].attempts, 1, "a blocked chat is not tried again");
    let unreachable: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT unreachable_since FROM chats WHERE id = $1")
            .bind(anna.id())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(unreachable.is_some());
    app.finish_expecting(|call| call.error_code == 403).await;
}
