//! The Max emulator against the contract (`api/max/openapi.json`): what
//! the real API refuses is refused, in its `{code, message}` shape; long
//! polling with `marker` loses and repeats nothing; edits, deletions,
//! callbacks and uploads work as a bot needs them.

use std::time::{Duration, Instant};

use medcab_sandbox::{
    FileKind, MaxInjection, MaxSettings, MaxUser, NewUser, PressButton, Sandbox, SandboxConfig,
    ShareContact, UploadFile,
};
use serde_json::{Value, json};

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
    0, 2, 0, 0, 0, 3, 8, 2, 0, 0, 0,
];

struct Max {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Max {
    async fn start() -> Max {
        Max {
            sandbox: Sandbox::start(SandboxConfig::default()).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    async fn user(&self, name: &str) -> MaxUser {
        self.sandbox
            .client()
            .max()
            .create_user(
                NewUser::named(name)
                    .with_language("ru")
                    .with_phone("+79990001122"),
            )
            .await
            .unwrap()
    }

    /// A call with the bot's token: the status and the JSON answer.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(Some(self.sandbox.max_token()), method, path, body)
            .await
    }

    async fn call_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.sandbox.max_api_url());
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .timeout(Duration::from_secs(20));
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.call(method, path, body).await;
        assert_eq!(status, 200, "{method} {path}: {answer}");
        answer
    }

    async fn send(&self, user: &MaxUser, body: Value) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/messages?user_id={}", user.id),
            Some(body),
        )
        .await
    }

    /// All pending updates from `marker`, without waiting.
    async fn updates(&self, marker: Option<i64>) -> (Vec<Value>, i64) {
        let path = match marker {
            Some(marker) => format!("/updates?timeout=0&marker={marker}"),
            None => "/updates?timeout=0".to_owned(),
        };
        let answer = self.ok("GET", &path, None).await;
        (
            answer["updates"].as_array().unwrap().clone(),
            answer["marker"].as_i64().unwrap(),
        )
    }
}

fn refused(answer: &(u16, Value), status: u16, code: &str) -> String {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["code"], code, "{}", answer.1);
    answer.1["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_token_is_checked_on_every_call() {
    let max = Max::start().await;
    refused(
        &max.call_as(None, "GET", "/me", None).await,
        401,
        "verify.token",
    );
    refused(
        &max.call_as(Some("wrong"), "GET", "/me", None).await,
        401,
        "verify.token",
    );
    // The old query parameter is not taken instead of the header.
    let path = format!("/me?access_token={}", max.sandbox.max_token());
    refused(
        &max.call_as(None, "GET", &path, None).await,
        401,
        "verify.token",
    );

    let me = max.ok("GET", "/me", None).await;
    assert_eq!(me["user_id"], max.sandbox.max_bot_id());
    assert_eq!(me["is_bot"], true);
    assert!(
        me["last_activity_time"].as_i64().unwrap() > 1_000_000_000_000,
        "milliseconds"
    );

    let errors = max.sandbox.client().max().errors().await.unwrap();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0].method, "GET /me");
    assert_eq!(errors[0].error_code, 401);
}

#[tokio::test]
async fn paths_and_methods_outside_the_contract_are_refused() {
    let max = Max::start().await;
    refused(&max.call("GET", "/nothing", None).await, 404, "not.found");
    refused(
        &max.call("PATCH", "/updates", None).await,
        405,
        "method.not.allowed",
    );
    let message = refused(
        &max.call("GET", "/chats/1/pin", None).await,
        400,
        "sandbox.unsupported",
    );
    assert!(message.contains("getPinnedMessage"), "{message}");
}

#[tokio::test]
async fn bodies_are_checked_against_the_contract() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let message = refused(
        &max.send(&anna, json!({"text": "Hi", "parse_mode": "HTML"}))
            .await,
        400,
        "proto.payload",
    );
    assert_eq!(message, "Invalid body: field \"parse_mode\" is unknown");
    let message = refused(
        &max.send(&anna, json!({"text": "x".repeat(4001)})).await,
        400,
        "proto.payload",
    );
    assert_eq!(
        message,
        "Invalid body: field \"text\" must be at most 4000 characters long"
    );
    max.ok(
        "POST",
        &format!("/messages?user_id={}", anna.id),
        Some(json!({"text": "я".repeat(4000)})),
    )
    .await;
    let message = refused(
        &max.send(
            &anna,
            json!({"text": "Hi", "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [[{"type": "callback", "text": "A"}]]}}]}),
        )
        .await,
        400,
        "proto.payload",
    );
    assert!(
        message.contains("buttons[0][0].payload\" is missing"),
        "{message}"
    );
    let message = refused(
        &max.send(
            &anna,
            json!({"text": "Hi", "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [[{"type": "callback", "text": "A", "payload": "a", "callback_data": "a"}]]}}]}),
        )
        .await,
        400,
        "proto.payload",
    );
    assert!(
        message.contains("buttons[0][0].callback_data\" is unknown"),
        "{message}"
    );
    refused(
        &max.send(&anna, json!({"text": "   "})).await,
        400,
        "proto.payload",
    );
    refused(
        &max.call("POST", "/messages", Some(json!({"text": "Hi"})))
            .await,
        400,
        "proto.payload",
    );
    refused(
        &max.call("GET", "/updates?timeout=91", None).await,
        400,
        "proto.payload",
    );
}

#[tokio::test]
async fn html_outside_max_tags_is_refused() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    for bad in [
        "<tg-spoiler>x</tg-spoiler>",
        "<blockquote>x</blockquote>",
        "<b>x",
        "<b><i>x</b></i>",
        "a < b",
    ] {
        let answer = max
            .send(&anna, json!({"text": bad, "format": "html"}))
            .await;
        let message = refused(&answer, 400, "proto.payload");
        assert!(message.starts_with("Invalid HTML: "), "{bad}: {message}");
    }
    let html = "<b>Анна</b> &amp; <a href=\"https://max.ru\">Max</a> <code>1&lt;2</code>";
    let answer = max
        .ok(
            "POST",
            &format!("/messages?user_id={}", anna.id),
            Some(json!({"text": html, "format": "html"})),
        )
        .await;
    assert_eq!(answer["message"]["body"]["text"], "Анна & Max 1<2");
    let chat = max.sandbox.client().max().chat(anna.id).await.unwrap();
    let message = chat.last_bot_message().unwrap();
    assert_eq!(message.text.as_deref(), Some("Анна & Max 1<2"));
    assert_eq!(message.html.as_deref(), Some(html));
    // Markdown is not checked; a plain text keeps its angle brackets.
    max.ok(
        "POST",
        &format!("/messages?user_id={}", anna.id),
        Some(json!({"text": "a < b"})),
    )
    .await;
}

#[tokio::test]
async fn unknown_chats_and_users_are_refused() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let telegram = max
        .sandbox
        .client()
        .create_user(NewUser::named("Telegram"))
        .await
        .unwrap();
    assert_ne!(anna.id, telegram.id, "Max ids are their own");
    assert_ne!(anna.id, anna.chat_id);
    refused(
        &max.call("POST", "/messages?chat_id=42", Some(json!({"text": "Hi"})))
            .await,
        404,
        "chat.not.found",
    );
    // A Telegram user is nobody on Max.
    refused(
        &max.call(
            "POST",
            &format!("/messages?user_id={}", telegram.id),
            Some(json!({"text": "Hi"})),
        )
        .await,
        404,
        "not.found",
    );
    refused(
        &max.call("GET", "/chats/42", None).await,
        404,
        "chat.not.found",
    );
    let sent = max
        .ok(
            "POST",
            &format!("/messages?chat_id={}", anna.chat_id),
            Some(json!({"text": "Hi"})),
        )
        .await;
    assert_eq!(sent["message"]["recipient"]["chat_id"], anna.chat_id);
    assert_eq!(sent["message"]["recipient"]["user_id"], anna.id);
    assert!(sent["message"]["timestamp"].as_i64().unwrap() > 1_000_000_000_000);
    let chat = max
        .ok("GET", &format!("/chats/{}", anna.chat_id), None)
        .await;
    assert_eq!(chat["type"], "dialog");
    assert_eq!(chat["dialog_with_user"]["user_id"], anna.id);
    assert_eq!(chat["messages_count"], 1);
}

#[tokio::test]
async fn too_many_requests_are_refused_with_the_retry_time() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    let settings = control
        .max()
        .configure(MaxSettings::enforcing().with_requests_per_second(2))
        .await
        .unwrap();
    assert_eq!(settings.requests_per_second, Some(2));
    for _ in 0..2 {
        let (status, _) = max.send(&anna, json!({"text": "Hi"})).await;
        assert_eq!(status, 200);
    }
    let url = format!("{}/messages?user_id={}", max.sandbox.max_api_url(), anna.id);
    let response = max
        .http
        .post(url)
        .header("Authorization", max.sandbox.max_token())
        .json(&json!({"text": "Hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "too.many.requests");
    // Every call counts, not only sends.
    refused(
        &max.call("GET", "/me", None).await,
        429,
        "too.many.requests",
    );
    let stats = control.max().stats().await.unwrap();
    assert_eq!(stats.accepted, 2);
    assert_eq!(stats.too_many_requests, 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    max.ok("GET", "/me", None).await;
}

#[tokio::test]
async fn long_polling_with_the_marker_loses_and_repeats_nothing() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    for text in ["one", "two", "three"] {
        control.max().send_text(anna.id, text).await.unwrap();
    }
    let answer = max.ok("GET", "/updates?timeout=0&limit=2", None).await;
    let first = answer["updates"].as_array().unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0]["update_type"], "message_created");
    assert_eq!(first[0]["message"]["body"]["text"], "one");
    assert_eq!(first[0]["message"]["sender"]["user_id"], anna.id);
    assert_eq!(first[0]["message"]["recipient"]["chat_id"], anna.chat_id);
    assert_eq!(first[0]["user_locale"], "ru");
    assert!(first[0]["timestamp"].as_i64().unwrap() > 1_000_000_000_000);
    let marker = answer["marker"].as_i64().unwrap();
    // The answer was lost: polling without the new marker gives it again.
    let (again, _) = max.updates(None).await;
    assert_eq!(again[0]["message"]["body"]["text"], "one");
    let (rest, marker) = max.updates(Some(marker)).await;
    let texts: Vec<&str> = rest
        .iter()
        .map(|u| u["message"]["body"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["three"]);
    let (none, same) = max.updates(Some(marker)).await;
    assert!(none.is_empty());
    assert_eq!(same, marker);

    // A long poll waits for the next update and wakes with it.
    let polling = {
        let (http, url, token) = (
            max.http.clone(),
            format!(
                "{}/updates?timeout=10&marker={marker}",
                max.sandbox.max_api_url()
            ),
            max.sandbox.max_token().to_owned(),
        );
        tokio::spawn(async move {
            let started = Instant::now();
            let answer: Value = http
                .get(url)
                .header("Authorization", token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (answer, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    control.max().send_text(anna.id, "four").await.unwrap();
    let (answer, waited) = polling.await.unwrap();
    assert!(waited < Duration::from_secs(5), "woke at once: {waited:?}");
    assert_eq!(answer["updates"][0]["message"]["body"]["text"], "four");

    // `types` keeps other updates out.
    control.max().start(anna.id, None).await.unwrap();
    control.max().send_text(anna.id, "five").await.unwrap();
    let marker = answer["marker"].as_i64().unwrap();
    let answer = max
        .ok(
            "GET",
            &format!("/updates?timeout=0&marker={marker}&types=bot_started"),
            None,
        )
        .await;
    assert_eq!(answer["updates"].as_array().unwrap().len(), 1);
    assert_eq!(answer["updates"][0]["update_type"], "bot_started");
}

#[tokio::test]
async fn an_empty_long_poll_ends_at_its_timeout() {
    let max = Max::start().await;
    let started = Instant::now();
    let answer = max.ok("GET", "/updates?timeout=1", None).await;
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(answer["updates"], json!([]));
    assert!(answer["marker"].is_i64());
}

#[tokio::test]
async fn the_bot_edits_and_deletes_its_messages() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    let sent = max
        .ok(
            "POST",
            &format!("/messages?user_id={}", anna.id),
            Some(json!({"text": "Меню", "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [[{"type": "callback", "text": "Да", "payload": "yes"}]]}}]})),
        )
        .await;
    let mid = sent["message"]["body"]["mid"].as_str().unwrap().to_owned();
    assert_eq!(
        sent["message"]["body"]["attachments"][0]["payload"]["buttons"][0][0]["payload"],
        "yes"
    );

    // Text only: the keyboard stays.
    max.ok(
        "PUT",
        &format!("/messages?message_id={mid}"),
        Some(json!({"text": "<b>Меню</b> 2", "format": "html"})),
    )
    .await;
    let chat = control.max().chat(anna.id).await.unwrap();
    let message = chat.last_bot_message().unwrap();
    assert_eq!(message.text.as_deref(), Some("Меню 2"));
    assert!(message.edited);
    assert_eq!(message.button_labels(), ["Да"]);
    assert_eq!(message.mid.as_deref(), Some(mid.as_str()));
    // No attachments: the keyboard goes.
    max.ok(
        "PUT",
        &format!("/messages?message_id={mid}"),
        Some(json!({"text": "Готово", "attachments": []})),
    )
    .await;
    let chat = control.max().chat(anna.id).await.unwrap();
    assert!(chat.last_bot_message().unwrap().button_labels().is_empty());
    let fetched = max.ok("GET", &format!("/messages/{mid}"), None).await;
    assert_eq!(fetched["body"]["text"], "Готово");

    let users = control.max().send_text(anna.id, "моё").await.unwrap();
    let user_mid = users.mid.unwrap();
    refused(
        &max.call(
            "PUT",
            &format!("/messages?message_id={user_mid}"),
            Some(json!({"text": "x"})),
        )
        .await,
        403,
        "access.denied",
    );
    refused(
        &max.call("DELETE", "/messages?message_id=mid.nothing", None)
            .await,
        404,
        "not.found",
    );
    refused(
        &max.call("DELETE", "/messages", None).await,
        400,
        "proto.payload",
    );

    max.ok("DELETE", &format!("/messages?message_id={mid}"), None)
        .await;
    let chat = control.max().chat(anna.id).await.unwrap();
    assert!(chat.last_bot_message().is_none());
    assert!(chat.messages[0].deleted);
    refused(
        &max.call(
            "PUT",
            &format!("/messages?message_id={mid}"),
            Some(json!({"text": "x"})),
        )
        .await,
        404,
        "not.found",
    );
}

#[tokio::test]
async fn pressed_buttons_are_answered() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    let buttons = json!([
        [{"type": "callback", "text": "Да", "payload": "yes"}],
        [{"type": "link", "text": "Сайт", "url": "https://max.ru"}],
        [{"type": "request_contact", "text": "Телефон"}],
    ]);
    max.ok(
        "POST",
        &format!("/messages?user_id={}", anna.id),
        Some(json!({"text": "Вопрос", "attachments": [{"type": "inline_keyboard", "payload": {"buttons": buttons}}]})),
    )
    .await;
    let (_, marker) = max.updates(None).await;
    let pressed = control
        .max()
        .press(anna.id, PressButton::label("Да"))
        .await
        .unwrap();
    let callback_id = pressed.callback_id.unwrap();
    let (updates, marker) = max.updates(Some(marker)).await;
    let update = &updates[0];
    assert_eq!(update["update_type"], "message_callback");
    assert_eq!(update["callback"]["callback_id"], callback_id.as_str());
    assert_eq!(update["callback"]["payload"], "yes");
    assert_eq!(update["callback"]["user"]["user_id"], anna.id);
    assert_eq!(update["message"]["body"]["text"], "Вопрос");
    assert_eq!(
        update["message"]["body"]["attachments"][0]["payload"]["buttons"], buttons,
        "the buttons come back as sent"
    );
    assert!(
        control
            .max()
            .press(anna.id, PressButton::label("Сайт"))
            .await
            .is_err(),
        "a link is no callback"
    );

    max.ok(
        "POST",
        &format!("/answers?callback_id={callback_id}"),
        Some(json!({"notification": "Принято"})),
    )
    .await;
    let answer = control.max().callback(&callback_id).await.unwrap();
    assert!(answer.answered);
    assert_eq!(answer.text.as_deref(), Some("Принято"));
    refused(
        &max.call(
            "POST",
            &format!("/answers?callback_id={callback_id}"),
            Some(json!({})),
        )
        .await,
        400,
        "proto.payload",
    );
    refused(
        &max.call("POST", "/answers?callback_id=cb.none", Some(json!({})))
            .await,
        404,
        "not.found",
    );

    // An answer with a message replaces the message the button was on.
    let pressed = control
        .max()
        .press(anna.id, PressButton::data("yes"))
        .await
        .unwrap();
    max.ok(
        "POST",
        &format!("/answers?callback_id={}", pressed.callback_id.unwrap()),
        Some(json!({"message": {"text": "Ответ принят", "attachments": []}})),
    )
    .await;
    let chat = control.max().chat(anna.id).await.unwrap();
    let message = chat.last_bot_message().unwrap();
    assert_eq!(message.text.as_deref(), Some("Ответ принят"));
    assert!(message.button_labels().is_empty());

    // A forged press reaches the bot as Max would deliver it.
    let forged = control
        .max()
        .press(anna.id, PressButton::data("delete:1").forged())
        .await
        .unwrap();
    let (updates, _) = max.updates(Some(marker)).await;
    let last = updates.last().unwrap();
    assert_eq!(last["callback"]["payload"], "delete:1");
    assert_eq!(
        last["callback"]["callback_id"],
        forged.callback_id.unwrap().as_str()
    );
    assert!(last["message"].is_null());
}

#[tokio::test]
async fn contacts_deep_links_and_stopping_the_bot_reach_the_bot() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    control
        .max()
        .start(anna.id, Some("link-7f3a"))
        .await
        .unwrap();
    control
        .max()
        .start(anna.id, Some(&"x".repeat(513)))
        .await
        .unwrap();
    control
        .max()
        .share_contact(anna.id, ShareContact::own())
        .await
        .unwrap();
    control.max().block(anna.id, true).await.unwrap();
    let (updates, _) = max.updates(None).await;
    assert_eq!(updates[0]["update_type"], "bot_started");
    assert_eq!(updates[0]["chat_id"], anna.chat_id);
    assert_eq!(updates[0]["user"]["user_id"], anna.id);
    assert_eq!(updates[0]["payload"], "link-7f3a");
    assert!(updates[1]["payload"].is_null(), "over 512: dropped");
    let contact = &updates[2]["message"]["body"]["attachments"][0];
    assert_eq!(contact["type"], "contact");
    assert!(
        contact["payload"]["vcf_info"]
            .as_str()
            .unwrap()
            .contains("TEL;TYPE=cell:+79990001122")
    );
    assert_eq!(contact["payload"]["max_info"]["user_id"], anna.id);
    assert_eq!(updates[3]["update_type"], "bot_stopped");

    refused(
        &max.send(&anna, json!({"text": "Hi"})).await,
        403,
        "chat.denied",
    );
    refused(
        &max.call(
            "POST",
            &format!("/chats/{}/actions", anna.chat_id),
            Some(json!({"action": "typing_on"})),
        )
        .await,
        403,
        "chat.denied",
    );
    control.max().block(anna.id, false).await.unwrap();
    max.ok(
        "POST",
        &format!("/chats/{}/actions", anna.chat_id),
        Some(json!({"action": "typing_on"})),
    )
    .await;
    let chat = control.max().chat(anna.id).await.unwrap();
    assert_eq!(chat.chat_action.as_deref(), Some("typing_on"));
}

#[tokio::test]
async fn injected_failures_answer_the_next_sends() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    control
        .max()
        .inject(anna.id, MaxInjection::too_many_requests(3))
        .await
        .unwrap();
    control
        .max()
        .inject(
            anna.id,
            MaxInjection::status(400).with_code("attachment.not.ready"),
        )
        .await
        .unwrap();
    control
        .max()
        .inject(anna.id, MaxInjection::status(503).times(1))
        .await
        .unwrap();
    let url = format!("{}/messages?user_id={}", max.sandbox.max_api_url(), anna.id);
    let response = max
        .http
        .post(&url)
        .header("Authorization", max.sandbox.max_token())
        .json(&json!({"text": "Hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    refused(
        &max.send(&anna, json!({"text": "Hi"})).await,
        400,
        "attachment.not.ready",
    );
    refused(
        &max.send(&anna, json!({"text": "Hi"})).await,
        503,
        "service.unavailable",
    );
    max.ok(
        "POST",
        &format!("/messages?user_id={}", anna.id),
        Some(json!({"text": "Hi"})),
    )
    .await;
    let stats = control.max().stats().await.unwrap();
    assert_eq!(stats.injected_failures, 3);
    assert_eq!(stats.too_many_requests, 1);
    assert_eq!(stats.accepted, 1);
}

async fn upload(max: &Max, kind: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let endpoint = max.ok("POST", &format!("/uploads?type={kind}"), None).await;
    let url = endpoint["url"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new().part(
        "data",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    let response = max.http.post(&url).multipart(form).send().await.unwrap();
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap();
    // One file per URL.
    let again = max
        .http
        .post(&url)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    if status == 200 {
        assert_eq!(again.status().as_u16(), 404);
    }
    (status, answer)
}

#[tokio::test]
async fn uploaded_files_and_images_are_sent_by_token() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    refused(
        &max.call("POST", "/uploads?type=photo", None).await,
        400,
        "proto.payload",
    );

    let (status, file) = upload(&max, "file", "справка.pdf", b"%PDF-1.7 test").await;
    assert_eq!(status, 200, "{file}");
    let token = file["token"].as_str().unwrap().to_owned();
    let sent = max
        .ok(
            "POST",
            &format!("/messages?user_id={}", anna.id),
            Some(json!({"text": "Ваша справка", "attachments": [{"type": "file", "payload": {"token": token}}]})),
        )
        .await;
    let attachment = &sent["message"]["body"]["attachments"][0];
    assert_eq!(attachment["type"], "file");
    assert_eq!(attachment["filename"], "справка.pdf");
    assert_eq!(attachment["size"], 13);
    let chat = control.max().chat(anna.id).await.unwrap();
    let message = chat.last_bot_message().unwrap();
    let document = message.document.as_ref().unwrap();
    assert_eq!(document.file_name.as_deref(), Some("справка.pdf"));
    assert_eq!(document.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(message.caption.as_deref(), Some("Ваша справка"));
    assert_eq!(control.max().file(&token).await.unwrap(), b"%PDF-1.7 test");

    let (status, image) = upload(&max, "image", "qr.png", PNG).await;
    assert_eq!(status, 200, "{image}");
    let photos = image["photos"].clone();
    max.ok(
        "POST",
        &format!("/messages?user_id={}", anna.id),
        Some(json!({"text": null, "attachments": [{"type": "image", "payload": {"photos": photos}}]})),
    )
    .await;
    let chat = control.max().chat(anna.id).await.unwrap();
    assert!(chat.last_bot_message().unwrap().photo.is_some());

    let (status, answer) = upload(&max, "image", "not.png", b"plain text").await;
    assert_eq!(status, 400, "{answer}");
    refused(
        &max.send(
            &anna,
            json!({"text": "x", "attachments": [{"type": "file", "payload": {"token": "forged"}}]}),
        )
        .await,
        400,
        "proto.payload",
    );
    let message = refused(
        &max.send(
            &anna,
            json!({"text": "x", "attachments": [{"type": "image", "payload": {"token": token}}]}),
        )
        .await,
        400,
        "proto.payload",
    );
    assert!(message.contains("not a image"), "{message}");
    refused(
        &max.send(
            &anna,
            json!({"text": "x", "attachments": [{"type": "image", "payload": {"url": "https://example.com/a.png"}}]}),
        )
        .await,
        400,
        "proto.payload",
    );
}

#[tokio::test]
async fn files_users_send_can_be_downloaded() {
    let max = Max::start().await;
    let anna = max.user("Анна").await;
    let control = max.sandbox.client();
    let sent = control
        .max()
        .upload_file(
            anna.id,
            UploadFile::new(FileKind::Document, "диплом.pdf", "application/pdf", b"%PDF")
                .with_caption("Диплом"),
        )
        .await
        .unwrap();
    let (updates, _) = max.updates(None).await;
    let attachment = &updates[0]["message"]["body"]["attachments"][0];
    assert_eq!(attachment["type"], "file");
    assert_eq!(attachment["filename"], "диплом.pdf");
    assert_eq!(attachment["payload"]["token"], sent.token.unwrap().as_str());
    assert_eq!(updates[0]["message"]["body"]["text"], "Диплом");
    let url = attachment["payload"]["url"].as_str().unwrap();
    let bytes = max
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"%PDF");
}

#[tokio::test]
async fn max_users_and_dialogs_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("medcab-sandbox-max-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sandbox.json");
    let _ = std::fs::remove_file(&file);
    let config = || SandboxConfig {
        state_file: Some(file.clone()),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config()).await.unwrap();
    let anna = sandbox
        .client()
        .max()
        .create_user(NewUser::named("Анна"))
        .await
        .unwrap();
    sandbox
        .client()
        .max()
        .send_text(anna.id, "Привет")
        .await
        .unwrap();
    sandbox.shutdown().await;

    let sandbox = Sandbox::start(config()).await.unwrap();
    let users = sandbox.client().max().users().await.unwrap();
    assert_eq!(users, std::slice::from_ref(&anna));
    let chat = sandbox.client().max().chat(anna.id).await.unwrap();
    assert_eq!(chat.messages[0].text.as_deref(), Some("Привет"));
    let next = sandbox
        .client()
        .max()
        .create_user(NewUser::named("Борис"))
        .await
        .unwrap();
    assert!(next.id > anna.id && next.chat_id > anna.chat_id);
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
