//! Confirming a login elsewhere: a portal calls the HTTP API, the
//! practitioner gets «Вход в личный кабинет: это вы?» and answers by
//! picking the number the portal shows; the portal reads the answer back.

use chrono::Duration;
use medcab_core::UserId;
use medcab_core::login_confirmations::IP_FIELD;
use medcab_core::{outbox, security_events};
use medcab_e2e::Says;
use medcab_e2e::{ApiClient, ApiReply, Phone, TestApp, valid_snils};
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

/// A login asked about, as the portal and the phone see it.
struct Asked {
    id: String,
    /// The portal's `match_number`, as a button label.
    number: String,
    push: ChatMessage,
}

impl Asked {
    /// A number offered that is not the right one.
    fn wrong_number(&self) -> String {
        self.push
            .button_labels()
            .into_iter()
            .find(|label| label.len() == 2 && *label != self.number)
            .expect("two decoys")
            .to_owned()
    }
}

/// Asks the API about a login of this practitioner; returns the challenge
/// once the push is on the phone.
async fn ask(app: &TestApp, phone: &Phone<'_>) -> Asked {
    let created = app.api().create_login_confirmation(&by_snils(phone)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["status"], "pending");
    let id = created.body["id"].as_str().expect("an id").to_owned();
    let number = created.body["match_number"]
        .as_u64()
        .expect("a match number");
    assert!((10..=99).contains(&number), "{number}");
    let push = phone.wait_for_text(PUSH).await;
    Asked {
        id,
        number: number.to_string(),
        push,
    }
}

async fn status(app: &TestApp, id: &str) -> ApiReply {
    let reply = app.api().login_confirmation(id).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply
}

/// The security events about logins (an active user starts with
/// `factor_enrolled`).
async fn login_events(app: &TestApp, user_id: UserId) -> Vec<String> {
    let mut kinds = security_events::kinds_for(&app.db, user_id).await.unwrap();
    kinds.retain(|kind| kind.starts_with("login_"));
    kinds
}

/// The callback_data of an answer: a number, or "no" for «Это не я».
fn data(id: &str, answer: &str) -> String {
    let id = uuid::Uuid::parse_str(id).unwrap().simple();
    format!("login:{id}:{answer}")
}

/// The three numbers (the right one among them, all distinct) and
/// «Это не я».
fn assert_number_buttons(push: &ChatMessage, number: &str, not_me: &str) {
    let labels = push.button_labels();
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert_eq!(labels[3], not_me);
    let numbers = &labels[..3];
    assert!(numbers.contains(&number), "{number} among {labels:?}");
    assert!(
        numbers
            .iter()
            .all(|n| n.len() == 2 && n.parse::<u8>().is_ok())
    );
    assert!(numbers[0] != numbers[1] && numbers[1] != numbers[2] && numbers[0] != numbers[2]);
}

/// Waits until the expiry job has closed this challenge (its time over).
async fn wait_closed(app: &TestApp, id: &str) {
    let id = uuid::Uuid::parse_str(id).unwrap();
    medcab_e2e::eventually(&format!("the challenge {id} is closed"), || async {
        sqlx::query_scalar("SELECT closed_at IS NOT NULL FROM login_challenges WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap()
    })
    .await;
}

async fn stored_ip(app: &TestApp, id: &str) -> Option<Vec<u8>> {
    sqlx::query_scalar("SELECT ip FROM login_challenges WHERE id = $1")
        .bind(uuid::Uuid::parse_str(id).unwrap())
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[medcab_e2e::test]
async fn the_practitioner_confirms_a_login_with_the_portals_number(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;

    let asked = ask(&app, &anna).await;
    let (id, push) = (&asked.id, &asked.push);

    // 12:00 in Moscow is the tests' clock.
    let body = push.body();
    for part in ["Время: 12:00 (МСК)", DEVICE, PLACE, "нажмите число"] {
        assert!(body.contains(part), "{part:?} in {body}");
    }
    assert_number_buttons(push, &asked.number, "🚫 Это не я");
    let pending = status(&app, id).await;
    assert_eq!(pending.body["status"], "pending");
    assert_eq!(pending.body["answered_at"], Value::Null);

    app.clock.advance(Duration::seconds(20));
    let answered = anna.press(&asked.number).await;

    assert_eq!(answered.message_id, push.message_id, "the push is edited");
    answered.assert_starts("✅ Вход подтверждён.");
    assert!(answered.body().contains(DEVICE));
    assert!(answered.reply_markup.is_none(), "no buttons left");
    let approved = status(&app, id).await;
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["answered_at"], "2026-11-25T09:00:20Z");
    assert_eq!(login_events(&app, anna.user_id()).await, ["login_approved"]);
    // The worker marks a row sent just after Telegram took it: give it a moment.
    app.wait_for_deliveries(anna.id()).await;
    let rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent && rows[0].priority == outbox::Priority::Urgent);
    assert_eq!(rows[0].telegram_message_id, Some(push.message_id));
    // The number is read at delivery, never written in the outbox.
    let args: Vec<&String> = rows[0].payload["args"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(args, ["device", "place", "time"]);
    assert!(!rows[0].payload.to_string().contains("match"));
}

#[medcab_e2e::test]
async fn a_wrong_number_blocks_the_login_and_is_recorded(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let asked = ask(&app, &anna).await;

    let answered = anna.press(&asked.wrong_number()).await;

    let body = answered.body();
    assert_eq!(answered.message_id, asked.push.message_id);
    assert!(
        body.starts_with("🚫 Число не совпало — вход заблокирован."),
        "{body}"
    );
    assert!(
        body.contains("войдите ещё раз"),
        "told plainly what to do: {body}"
    );
    assert!(answered.reply_markup.is_none());
    assert_eq!(status(&app, &asked.id).await.body["status"], "denied");
    assert_eq!(
        login_events(&app, anna.user_id()).await,
        ["login_number_mismatch"]
    );
    // The right number afterwards does not undo it.
    let late = anna.press_forged(&data(&asked.id, &asked.number)).await;
    assert_eq!(late.text.as_deref(), Some("Вы уже ответили на этот запрос"));
    assert_eq!(status(&app, &asked.id).await.body["status"], "denied");
}

#[medcab_e2e::test]
async fn this_is_not_me_blocks_the_login_and_records_an_incident(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let asked = ask(&app, &anna).await;

    let answered = anna.press("🚫 Это не я").await;

    let body = answered.body();
    assert!(body.starts_with("🚫 Вход заблокирован."), "{body}");
    assert!(
        body.contains("Смените пароль") && !body.contains("поддержк"),
        "the user is told what to do, and no support the push cannot name: {body}"
    );
    assert!(answered.reply_markup.is_none());
    assert_eq!(status(&app, &asked.id).await.body["status"], "denied");
    assert_eq!(login_events(&app, anna.user_id()).await, ["login_denied"]);
}

#[medcab_e2e::test]
async fn an_unanswered_request_expires_and_its_buttons_are_removed(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let asked = ask(&app, &anna).await;
    let (id, push) = (&asked.id, &asked.push);
    let sealed = stored_ip(&app, id)
        .await
        .expect("the IP is kept while pending");
    assert!(
        !String::from_utf8_lossy(&sealed).contains(IP),
        "the IP is sealed"
    );
    let row = medcab_core::crypto::RowKey::uuid(uuid::Uuid::parse_str(id).unwrap());
    assert_eq!(app.vault.open_str(IP_FIELD, &row, &sealed).unwrap(), IP);
    assert!(
        !app.dump_database().await.contains(IP),
        "no IP in clear anywhere"
    );

    app.clock.advance(Duration::minutes(3));

    // Nobody pressed anything: the push says it expired, without buttons.
    let chat = anna
        .wait_for(|chat| {
            chat.message(push.message_id)
                .is_some_and(|m| m.reply_markup.is_none())
        })
        .await;
    let edited = chat.message(push.message_id).unwrap();
    assert!(
        edited
            .body()
            .starts_with("⌛ Время на подтверждение истекло"),
        "{}",
        edited.body()
    );
    assert!(edited.body().contains(DEVICE));
    let expired = status(&app, id).await;
    assert_eq!(expired.body["status"], "expired");
    assert_eq!(expired.body["answered_at"], Value::Null);
    wait_closed(&app, id).await;
    assert_eq!(stored_ip(&app, id).await, None, "the IP is dropped");
    // An old client can still send the right number: refused, with a toast.
    let late = anna.press_forged(&data(id, &asked.number)).await;
    assert!(late.answered);
    assert_eq!(late.text.as_deref(), Some("Время на подтверждение истекло"));
    let late = anna.press_forged(&data(id, "no")).await;
    assert_eq!(late.text.as_deref(), Some("Время на подтверждение истекло"));
    assert_eq!(status(&app, id).await.body["status"], "expired");
    assert!(login_events(&app, anna.user_id()).await.is_empty());
}

#[medcab_e2e::test]
async fn an_answered_request_keeps_its_text_and_loses_its_ip_at_expiry(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let asked = ask(&app, &anna).await;
    anna.press(&asked.number).await;

    app.clock.advance(Duration::minutes(3));
    wait_closed(&app, &asked.id).await;

    assert_eq!(stored_ip(&app, &asked.id).await, None);
    let chat = anna.chat().await;
    let message = chat.message(asked.push.message_id).unwrap();
    message.assert_starts("✅ Вход подтверждён.");
    assert_eq!(status(&app, &asked.id).await.body["status"], "approved");
}

#[medcab_e2e::test]
async fn a_push_whose_request_expired_in_the_queue_is_not_sent(mut app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    anna.send("/menu").await;
    let (user, body) = (anna.user.clone(), by_snils(&anna));
    // Delivery is down while the portal asks, and stays down past expiry.
    app.stop_bot().await;
    let created = app.api().create_login_confirmation(&body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::minutes(3));

    app.start_bot().await;
    let anna = app.phone(user);
    app.wait_for_deliveries(anna.id()).await;

    let rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
    assert!(
        rows.len() == 1 && rows[0].failed && !rows[0].sent,
        "{rows:?}"
    );
    assert_eq!(
        rows[0].last_error.as_deref(),
        Some(medcab_bot::delivery::CHALLENGE_OVER)
    );
    assert_eq!(rows[0].attempts, 0, "no send was tried");
    let chat = anna.chat().await;
    assert!(
        !chat.bot_messages().any(|m| m.body().starts_with(PUSH)),
        "no late question on the phone"
    );
    assert_eq!(status(&app, &id).await.body["status"], "expired");
    wait_closed(&app, &id).await;
    assert_eq!(stored_ip(&app, &id).await, None);
}

#[medcab_e2e::test]
async fn a_request_is_answered_once(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let asked = ask(&app, &anna).await;
    anna.press(&asked.number).await;

    // The buttons are gone, but an old client (or a double tap) can still
    // send another answer.
    let again = anna.press_forged(&data(&asked.id, "no")).await;

    assert!(again.answered);
    assert_eq!(
        again.text.as_deref(),
        Some("Вы уже ответили на этот запрос")
    );
    assert_eq!(status(&app, &asked.id).await.body["status"], "approved");
    let chat = anna.chat().await;
    let message = chat.message(asked.push.message_id).unwrap();
    assert!(message.body().starts_with("✅ Вход подтверждён."));
    assert_eq!(
        login_events(&app, anna.user_id()).await,
        ["login_approved"],
        "nothing more from a second press"
    );
}

#[medcab_e2e::test]
async fn an_answer_from_another_chat_is_refused_and_recorded(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let boris = app.confirmed_user("Борис", "ru").await;
    let asked = ask(&app, &anna).await;
    // Boris puts Anna's answer under a message of his own chat.
    let menu = boris.send("/menu").await;

    let forged = boris.press_forged(&data(&asked.id, &asked.number)).await;

    assert!(forged.answered);
    assert_eq!(forged.text, Some(ru("button-outdated")));
    assert_eq!(status(&app, &asked.id).await.body["status"], "pending");
    assert_eq!(
        login_events(&app, boris.user_id()).await,
        ["login_answer_refused"]
    );
    let chat = boris.chat().await;
    assert_eq!(chat.last_bot_message(), Some(&menu), "nothing changed");
    // Anna's buttons still work.
    let answered = anna.press(&asked.number).await;
    assert!(answered.body().starts_with("✅ Вход подтверждён."));
    assert_eq!(status(&app, &asked.id).await.body["status"], "approved");
}

#[medcab_e2e::test]
async fn a_second_request_while_one_is_pending_is_refused_and_the_first_kept(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let asked = ask(&app, &anna).await;

    for client in [app.api(), app.add_api_client("other-portal", None).await] {
        let second = client.create_login_confirmation(&by_snils(&anna)).await;
        assert_eq!(second.status, 409, "{:?}", second.body);
        assert_eq!(second.body["error"], "pending_exists");
    }
    // Each refusal in the security log, with the client that asked.
    let refused: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT details FROM security_events WHERE telegram_user_id = $1 AND kind = 'login_pending_refused' ORDER BY id",
    )
    .bind(anna.id())
    .fetch_all(&app.db)
    .await
    .unwrap();
    let clients: Vec<_> = refused.iter().map(|d| d["client"].clone()).collect();
    assert_eq!(clients.len(), 2, "{refused:?}");
    assert_eq!(clients[1], "other-portal");

    assert_eq!(
        outbox::for_chat(&app.db, anna.id()).await.unwrap().len(),
        1,
        "one push"
    );
    assert_eq!(status(&app, &asked.id).await.body["status"], "pending");
    let answered = anna.press(&asked.number).await;
    assert!(answered.body().starts_with("✅ Вход подтверждён."));
    // Answered: the next login may be asked about.
    let next = app.api().create_login_confirmation(&by_snils(&anna)).await;
    assert_eq!(next.status, 201, "{:?}", next.body);
    app.wait_for_deliveries(anna.id()).await;
}

#[medcab_e2e::test]
async fn another_clients_confirmation_is_not_found(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let asked = ask(&app, &anna).await;
    let other = app.add_api_client("other-portal", None).await;

    let read = other.login_confirmation(&asked.id).await;
    let unknown = other
        .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
        .await;

    assert_eq!(read.status, 404, "{:?}", read.body);
    assert_eq!(read.body, unknown.body, "the same as one that never was");
    assert_eq!(status(&app, &asked.id).await.body["status"], "pending");
}

#[medcab_e2e::test]
async fn the_push_carries_no_personal_data(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;

    let push = ask(&app, &anna).await.push;

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
}

#[medcab_e2e::test]
async fn the_push_speaks_the_recipients_language(app: TestApp) {
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
    let number = created.body["match_number"].as_u64().unwrap().to_string();
    assert_number_buttons(&push, &number, "🚫 Not me");
    let answered = john.press("🚫 Not me").await;
    assert!(answered.body().starts_with("🚫 Sign-in blocked."));
}

#[medcab_e2e::test]
async fn without_a_valid_key_nothing_is_revealed(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let unknown = request(json!({ "snils": "112-233-445 95" }));
    let revoked = app.add_api_client("revoked-portal", None).await;
    medcab_core::api_clients::revoke(&app.db, "revoked-portal", app.clock.now())
        .await
        .unwrap();
    // Valid through the tests' first day, then expired.
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let expiring = app
        .add_api_client(
            "expiring-portal",
            Some(medcab_core::api_clients::end_of_moscow_day(today)),
        )
        .await;
    assert_eq!(
        expiring
            .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
            .await
            .status,
        404,
        "works before it expires"
    );
    app.clock.advance(Duration::days(1));

    let clients: [ApiClient; 7] = [
        app.api().with_key(None),
        app.api()
            .with_key(Some("wrong-key-0123456789abcdef0123456789abcdef")),
        app.api().with_key(Some("")),
        app.api().with_scheme("Basic"),
        app.api().with_scheme("Bearer:"),
        revoked,
        expiring,
    ];
    for client in clients {
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
    // Every refusal in the security log, naming the client a revoked or
    // expired key belonged to (and never the key itself).
    let logged: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT details FROM security_events WHERE kind = 'api_unauthorized' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(logged.len(), 7 * 4, "{logged:?}");
    let count = |key: &str, client: Option<&str>| {
        logged
            .iter()
            .filter(|d| d["key"] == key && d.get("client").and_then(|c| c.as_str()) == client)
            .count()
    };
    assert_eq!(count("revoked", Some("revoked-portal")), 4);
    assert_eq!(count("expired", Some("expiring-portal")), 4);
    assert_eq!(count("unknown", None), 4);
    assert_eq!(
        count("missing", None),
        4 * 4,
        "no key, an empty one, other schemes"
    );
    assert!(
        logged.iter().all(|d| !d.to_string().contains("wrong-key")),
        "{logged:?}"
    );
}

/// A thousand requests with a junk key in a minute write a few rows, and
/// one more with the count of the rest once the minute is over; a revoked
/// key still in use is counted apart, so the junk does not hide it.
#[medcab_e2e::test]
async fn a_flood_of_bad_keys_writes_a_few_rows_a_minute_and_their_count(app: TestApp) {
    let stranger = app
        .api()
        .with_key(Some("wrong-key-0123456789abcdef0123456789abcdef"));
    let cap = usize::try_from(medcab_core::security_events::UNATTRIBUTED_PER_MINUTE).unwrap();
    for _ in 0..1000 {
        let reply = stranger
            .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
            .await;
        assert_eq!(reply.status, 401);
    }
    let logged = || async {
        sqlx::query_scalar::<_, serde_json::Value>(
            "SELECT details FROM security_events WHERE kind = 'api_unauthorized' ORDER BY id",
        )
        .fetch_all(&app.db)
        .await
        .unwrap()
    };
    assert_eq!(logged().await.len(), cap);
    let revoked = app.add_api_client("revoked-portal", None).await;
    medcab_core::api_clients::revoke(&app.db, "revoked-portal", app.clock.now())
        .await
        .unwrap();
    let reply = revoked
        .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
        .await;
    assert_eq!(reply.status, 401);
    let now = logged().await;
    assert_eq!(now.len(), cap + 1);
    assert_eq!(now[cap]["client"], "revoked-portal");

    // A minute on: the count of what was held back, then the next refusal.
    app.clock.advance(Duration::seconds(61));
    stranger
        .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
        .await;
    let now = logged().await;
    assert_eq!(now.len(), cap + 3, "{now:?}");
    assert_eq!(now[cap + 1]["key"], "unknown");
    assert_eq!(now[cap + 1]["suppressed"], 1000 - cap);
    assert_eq!(now[cap + 2], serde_json::json!({ "key": "unknown" }));
}

#[medcab_e2e::test]
async fn the_bearer_scheme_may_be_written_in_any_case(app: TestApp) {
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let reply = app
            .api()
            .with_scheme(scheme)
            .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
            .await;
        assert_eq!(reply.status, 404, "{scheme}: {:?}", reply.body);
    }
}

#[medcab_e2e::test]
async fn a_body_too_large_is_refused(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let padding = "x".repeat(medcab_bot::api::MAX_BODY_BYTES);
    let body = json!({
        "practitioner": { "snils": valid_snils(anna.id()) },
        "ip": IP, "device": DEVICE, "place": padding,
    })
    .to_string();

    let reply = app.api().create_login_confirmation(&body).await;

    assert_eq!(reply.status, 413, "{:?}", reply.body);
    assert_eq!(reply.body["error"], "payload_too_large");
    assert!(
        outbox::for_chat(&app.db, anna.id())
            .await
            .unwrap()
            .is_empty()
    );
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_client_over_its_rate_waits_and_others_do_not(db: PgPool) {
    let app = TestApp::spawn_with(db, |app| app.settings.api_requests_per_minute = 3).await;
    let api = app.api();
    let read = || api.login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e");

    for _ in 0..3 {
        assert_eq!(read().await.status, 404);
    }
    // Seven requests at three a minute meet the limit even if a minute
    // starts between two of them.
    let mut limited = None;
    for _ in 0..7 {
        let reply = read().await;
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        assert_eq!(reply.status, 404);
    }
    let limited = limited.expect("429 within seven requests");
    assert_eq!(limited.body["error"], "too_many_requests");
    let retry_after: u64 = limited
        .retry_after
        .as_deref()
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let logged: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT details FROM security_events WHERE kind = 'api_rate_limited'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0]["client"].is_string());
    // Counted per client.
    let other = app.add_api_client("other-portal", None).await;
    assert_eq!(
        other
            .login_confirmation("5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e")
            .await
            .status,
        404
    );
    app.finish().await;
}

#[medcab_e2e::test]
async fn unknown_practitioners_and_malformed_requests_are_refused(app: TestApp) {
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
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_chat_that_blocked_the_bot_is_marked_unreachable(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.confirmed_user("Анна", "ru").await;
    anna.send("/menu").await;
    app.client.block(anna.id(), true).await.unwrap();

    let created = app.api().create_login_confirmation(&by_snils(&anna)).await;
    assert_eq!(created.status, 201);

    app.wait_for_deliveries(anna.id()).await;
    let rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
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
