//! What the push engine and its benchmark lean on: configurable send limits
//! (with the paid-broadcast bucket), injected failures, users in bulk and
//! delivery statistics.

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use medcab_sandbox::{Injection, NewUsers, Settings};
use serde_json::json;

fn text(chat_id: i64) -> serde_json::Value {
    json!({"chat_id": chat_id, "text": "Напоминание"})
}

fn paid(chat_id: i64) -> serde_json::Value {
    json!({"chat_id": chat_id, "text": "Напоминание", "allow_paid_broadcast": true})
}

#[tokio::test]
async fn settings_report_telegram_defaults_and_keep_what_is_not_given() {
    let h = Harness::start().await;
    let defaults = h.client.settings().await.unwrap();
    assert_eq!(
        defaults,
        Settings {
            enforce_limits: false,
            bot_per_second: Some(30),
            paid_per_second: Some(1000),
            chat_per_second: Some(1),
            chat_burst: Some(3),
        }
    );

    let changed = h
        .client
        .configure(
            Settings::enforcing()
                .with_bot_per_second(50)
                .with_chat_burst(5),
        )
        .await
        .unwrap();
    assert_eq!(
        changed,
        Settings {
            enforce_limits: true,
            bot_per_second: Some(50),
            chat_burst: Some(5),
            ..defaults
        }
    );
    h.client.set_enforce_limits(false).await.unwrap();
    let now = h.client.settings().await.unwrap();
    assert_eq!(now.bot_per_second, Some(50), "rates stay when not given");
    assert!(!now.enforce_limits);

    let error = h
        .client
        .configure(Settings::enforcing().with_paid_per_second(0))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("paid_per_second must be at least 1"),
        "{error}"
    );
    assert_eq!(h.client.settings().await.unwrap(), now, "nothing changed");
}

#[tokio::test]
async fn the_bot_bucket_and_the_paid_bucket_are_separate() {
    let h = Harness::start().await;
    let users = h
        .client
        .create_users(NewUsers::count(40))
        .await
        .unwrap()
        .ids()
        .collect::<Vec<_>>();
    h.client
        .configure(
            Settings::enforcing()
                .with_bot_per_second(2)
                .with_paid_per_second(3),
        )
        .await
        .unwrap();

    for &chat in &users[..2] {
        h.ok("sendMessage", text(chat)).await;
    }
    let (status, answer) = h.bot("sendMessage", text(users[2])).await;
    assert_eq!(status, 429);
    assert_eq!(
        answer,
        json!({
            "ok": false,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }),
        "Telegram's exact shape"
    );

    // The paid bucket is untouched by the above: three more, then 429.
    for &chat in &users[10..13] {
        h.ok("sendMessage", paid(chat)).await;
    }
    h.refused("sendMessage", paid(users[13]), 429).await;

    // As a form (every value a string), the flag is understood too.
    h.client
        .configure(Settings::enforcing().with_bot_per_second(1))
        .await
        .unwrap();
    h.ok("sendMessage", text(users[30])).await;
    h.refused("sendMessage", text(users[31]), 429).await;
    let response = h
        .http
        .post(h.method_url("sendMessage"))
        .form(&[
            ("chat_id", users[31].to_string()),
            ("text", "Напоминание".to_owned()),
            ("allow_paid_broadcast", "true".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "a paid send passes");

    let stats = h.client.stats().await.unwrap();
    assert_eq!(stats.accepted, 7);
    assert_eq!(stats.paid_broadcasts, 4);
    assert_eq!(stats.too_many_requests, 3);
}

#[tokio::test]
async fn the_chat_limit_applies_to_paid_sends_too() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    h.client
        .configure(Settings::enforcing().with_chat_burst(2))
        .await
        .unwrap();
    h.ok("sendMessage", paid(user.id)).await;
    h.ok("sendMessage", paid(user.id)).await;
    h.refused("sendMessage", paid(user.id), 429).await;
}

#[tokio::test]
async fn pacing_at_the_limit_passes_and_ignoring_it_does_not() {
    let h = Harness::start().await;
    let users = h
        .client
        .create_users(NewUsers::count(400))
        .await
        .unwrap()
        .ids()
        .collect::<Vec<_>>();
    h.client
        .configure(Settings::enforcing().with_bot_per_second(50))
        .await
        .unwrap();

    // 75 sends at exactly 50 a second (one every 20 ms): all pass.
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for &chat in &users[..75] {
        tick.tick().await;
        h.ok("sendMessage", text(chat)).await;
    }

    // 200 at once: the bucket holds about one second's worth.
    let statuses = futures::future::join_all(
        users[100..300]
            .iter()
            .map(|&chat| h.bot("sendMessage", text(chat))),
    )
    .await;
    let refused = statuses.iter().filter(|(status, _)| *status == 429).count() as u64;
    assert!(refused >= 50, "only {refused} of 200 were refused");
    let stats = h.client.stats().await.unwrap();
    assert_eq!(stats.too_many_requests, refused);
    assert!(
        stats.too_many_requests_after_first_second > 0,
        "the blast came after the first second: {stats:?}"
    );
}

#[tokio::test]
async fn an_injected_429_answers_with_its_retry_after_then_sends_pass() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let injected = h
        .client
        .inject(user.id, Injection::too_many_requests(3).times(2))
        .await
        .unwrap();
    assert_eq!(injected.pending, 2);

    for _ in 0..2 {
        let (status, answer) = h.bot("sendMessage", text(user.id)).await;
        assert_eq!(status, 429);
        assert_eq!(
            answer,
            json!({
                "ok": false,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            })
        );
    }
    assert!(
        h.client.chat(user.id).await.unwrap().messages.is_empty(),
        "failed sends are not stored"
    );
    h.ok("sendMessage", text(user.id)).await;
    assert_eq!(h.client.chat(user.id).await.unwrap().messages.len(), 1);

    let stats = h.client.stats().await.unwrap();
    assert_eq!(stats.accepted, 1);
    assert_eq!(stats.too_many_requests, 2);
    assert_eq!(stats.injected_failures, 2);
    let errors = h.client.errors().await.unwrap();
    assert_eq!(errors.len(), 2, "injected failures are listed as refusals");
}

#[tokio::test]
async fn injections_take_codes_descriptions_and_queue_up() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let other = h.user("Борис").await;
    h.client
        .inject(user.id, Injection::error(500))
        .await
        .unwrap();
    h.client
        .inject(user.id, Injection::error(403))
        .await
        .unwrap();
    let injected = h
        .client
        .inject(
            user.id,
            Injection::error(400)
                .with_description("Bad Request: chat not found")
                .times(2),
        )
        .await
        .unwrap();
    assert_eq!(injected.pending, 4);
    h.client
        .inject(user.id, Injection::error(502))
        .await
        .unwrap();

    // Edits and other chats are not affected.
    let sent = h.ok("sendMessage", text(other.id)).await;
    h.ok(
        "editMessageText",
        json!({"chat_id": other.id, "message_id": sent["message_id"], "text": "Другое"}),
    )
    .await;
    let (status, answer) = h.bot("sendMessage", text(user.id)).await;
    assert_eq!(status, 500);
    assert_eq!(
        answer,
        json!({"ok": false, "error_code": 500, "description": "Internal Server Error"})
    );
    assert_eq!(
        h.refused(
            "sendDocument",
            json!({"chat_id": user.id, "document": "nonexistent"}),
            403
        )
        .await,
        "Forbidden: bot was blocked by the user",
        "an injection answers before the send's own checks"
    );
    for _ in 0..2 {
        assert_eq!(
            h.refused("sendMessage", text(user.id), 400).await,
            "Bad Request: chat not found"
        );
    }
    assert_eq!(
        h.refused("sendPhoto", json!({"chat_id": user.id, "photo": "x"}), 502)
            .await,
        "Bad Gateway"
    );
    h.ok("sendMessage", text(user.id)).await;

    for bad in [
        json!({"error_code": 418}),
        json!({"error_code": 500, "retry_after": 5}),
        json!({"error_code": 429, "count": 0}),
    ] {
        let response = h
            .http
            .post(format!(
                "{}/control/users/{}/inject",
                h.sandbox.url(),
                user.id
            ))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
    let error = h.client.inject(7, Injection::error(500)).await.unwrap_err();
    assert!(error.to_string().contains("404"), "{error}");
}

#[tokio::test]
async fn a_hundred_thousand_users_in_bulk() {
    let h = Harness::start().await;
    let before = h.user("Анна").await;
    let started = Instant::now();
    let created = h
        .client
        .create_users(
            NewUsers::count(100_000)
                .with_language("ru")
                .with_first_name_prefix("Врач "),
        )
        .await
        .unwrap();
    let took = started.elapsed();
    println!("100 000 users in {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(created.count, 100_000);
    assert!(created.first_id > before.id, "ids keep counting up");

    let middle = created.first_id + 50_000;
    h.ok("sendMessage", text(middle)).await;
    assert_eq!(
        h.refused("sendMessage", text(created.ids().end), 400).await,
        "Bad Request: chat not found"
    );

    let users = h.client.users().await.unwrap();
    assert_eq!(users.len(), 100_001);
    let user = users.iter().find(|u| u.id == middle).unwrap();
    assert_eq!(user.first_name, "Врач 50001");
    assert_eq!(user.language_code.as_deref(), Some("ru"));
    let chat = h.client.chat(middle).await.unwrap();
    assert_eq!(chat.last_bot_message().unwrap().body(), "Напоминание");

    // A single user, then another batch, do not collide with the first.
    let single = h.user("Борис").await;
    assert!(!created.ids().contains(&single.id));
    let more = h.client.create_users(NewUsers::count(10)).await.unwrap();
    assert!(more.first_id >= created.ids().end);
    assert_ne!(more.first_id, single.id);
    assert!(!more.ids().contains(&single.id));

    // Chosen ids: a taken one in the run is refused, nothing is created.
    let error = h
        .client
        .create_users(NewUsers::count(5).starting_at(middle - 2))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("already exists"), "{error}");
    let chosen = h
        .client
        .create_users(NewUsers::count(3).starting_at(1))
        .await
        .unwrap();
    assert_eq!(chosen.ids(), 1..4);
    assert_eq!(h.client.users().await.unwrap().len(), 100_001 + 1 + 10 + 3);
    assert!(
        h.client
            .create_users(NewUsers::count(0))
            .await
            .unwrap_err()
            .to_string()
            .contains("count must be")
    );
}

#[tokio::test]
async fn stats_count_sends_duplicates_and_seconds() {
    let h = Harness::start().await;
    let users = h
        .client
        .create_users(NewUsers::count(3))
        .await
        .unwrap()
        .ids()
        .collect::<Vec<_>>();
    let empty = h.client.stats().await.unwrap();
    assert_eq!(empty, Default::default());

    h.ok("sendMessage", text(users[0])).await;
    h.ok("sendMessage", paid(users[1])).await;
    h.ok("sendMessage", text(users[1])).await;
    h.ok("sendMessage", text(users[1])).await;
    h.ok("sendMessage", text(users[2])).await;
    // Not sends, or not accepted: not counted.
    h.ok(
        "sendChatAction",
        json!({"chat_id": users[2], "action": "typing"}),
    )
    .await;
    h.refused(
        "sendMessage",
        json!({"chat_id": users[2], "text": " "}),
        400,
    )
    .await;
    h.refused("sendMessage", text(users[2] + 100), 400).await;

    let stats = h.client.stats().await.unwrap();
    assert_eq!(stats.accepted, 5);
    assert_eq!(stats.paid_broadcasts, 1);
    assert_eq!(stats.chats_with_messages, 3);
    assert_eq!(stats.chats_with_more_than_one, 1);
    assert_eq!(stats.max_per_chat, 3);
    assert_eq!(stats.too_many_requests, 0);
    assert_eq!(stats.per_second.iter().sum::<u64>(), 5);
    let (first, last) = (stats.first_send_at.unwrap(), stats.last_send_at.unwrap());
    let now = chrono::Utc::now().timestamp_millis();
    assert!(first <= last && last <= now && now - first < 60_000);

    // Limits: each 429 is counted.
    h.client
        .configure(Settings::enforcing().with_chat_burst(1))
        .await
        .unwrap();
    h.ok("sendMessage", text(users[0])).await;
    h.refused("sendMessage", text(users[0]), 429).await;
    let stats = h.client.stats().await.unwrap();
    assert_eq!((stats.accepted, stats.too_many_requests), (6, 1));

    h.client.reset_stats().await.unwrap();
    assert_eq!(h.client.stats().await.unwrap(), Default::default());
    h.ok("sendMessage", text(users[2])).await;
    let stats = h.client.stats().await.unwrap();
    assert_eq!(
        (
            stats.accepted,
            stats.chats_with_messages,
            stats.max_per_chat
        ),
        (1, 1, 1),
        "counting starts over"
    );
    assert_eq!(stats.per_second, [1]);
}

#[tokio::test]
async fn a_chat_keeps_its_latest_five_hundred_messages() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    for n in 1..=510 {
        h.ok(
            "sendMessage",
            json!({"chat_id": user.id, "text": format!("{n}")}),
        )
        .await;
    }
    let chat = h.client.chat(user.id).await.unwrap();
    assert_eq!(chat.messages.len(), 500);
    assert_eq!(chat.messages[0].message_id, 11);
    assert_eq!(chat.last_bot_message().unwrap().body(), "510");
    assert_eq!(chat.version, 510);
    assert_eq!(
        h.refused(
            "editMessageText",
            json!({"chat_id": user.id, "message_id": 1, "text": "Другое"}),
            400
        )
        .await,
        "Bad Request: message to edit not found"
    );
    h.ok(
        "editMessageText",
        json!({"chat_id": user.id, "message_id": 300, "text": "Другое"}),
    )
    .await;
    assert_eq!(h.client.stats().await.unwrap().max_per_chat, 510);
}
