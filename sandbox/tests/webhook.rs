//! The sandbox as a webhook sender, as Telegram (`setWebhook`) and Max
//! (`POST /subscriptions`) are: a small receiver on 127.0.0.1 records what
//! arrives. A chat's updates come one at a time and in order, with the
//! secret's header; whatever is not answered 2xx (Max: 200) is sent again
//! and never lost; `deleteWebhook` and `DELETE /subscriptions` hand what
//! is pending back to polling.

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::Harness;
use medcab_sandbox::{NewUser, PressButton, Sandbox, SandboxConfig, WebhookStats};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::time::Instant;

const WAIT: Duration = Duration::from_secs(10);

fn config() -> SandboxConfig {
    SandboxConfig {
        webhook_timeout: Duration::from_millis(500),
        webhook_retry_min: Duration::from_millis(20),
        webhook_retry_max: Duration::from_millis(200),
        ..SandboxConfig::default()
    }
}

async fn harness() -> Harness {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let client = sandbox.client();
    Harness {
        sandbox,
        client,
        http: reqwest::Client::new(),
    }
}

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    body: Value,
    headers: HeaderMap,
}

impl Hit {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct Inner {
    hits: Mutex<Vec<Hit>>,
    /// Statuses to answer, in turn; then 200.
    script: Mutex<VecDeque<u16>>,
    /// Answers this to everything, when set (after the script).
    always: Mutex<Option<u16>>,
    delay: Mutex<Duration>,
    /// Requests being answered, in all and per chat, and the most seen.
    current: AtomicUsize,
    most_at_once: AtomicUsize,
    per_chat: Mutex<HashMap<i64, usize>>,
    most_at_once_in_a_chat: AtomicUsize,
}

/// The webhook's other end: records requests and answers as scripted.
struct Receiver {
    url: String,
    inner: Arc<Inner>,
}

/// The chat of a Telegram or a Max update.
fn chat_of(update: &Value) -> i64 {
    update["message"]["chat"]["id"]
        .as_i64()
        .or_else(|| update["callback_query"]["from"]["id"].as_i64())
        .or_else(|| update["message"]["recipient"]["chat_id"].as_i64())
        .or_else(|| update["chat_id"].as_i64())
        .unwrap_or_default()
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let chat = chat_of(&body);
    let now = inner.current.fetch_add(1, Ordering::SeqCst) + 1;
    inner.most_at_once.fetch_max(now, Ordering::SeqCst);
    let in_chat = {
        let mut per_chat = inner.per_chat.lock().unwrap();
        let count = per_chat.entry(chat).or_default();
        *count += 1;
        *count
    };
    inner
        .most_at_once_in_a_chat
        .fetch_max(in_chat, Ordering::SeqCst);
    inner.hits.lock().unwrap().push(Hit { body, headers });
    let delay = *inner.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    *inner.per_chat.lock().unwrap().get_mut(&chat).unwrap() -= 1;
    inner.current.fetch_sub(1, Ordering::SeqCst);
    let status = inner
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or(*inner.always.lock().unwrap())
        .unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    async fn start() -> Receiver {
        let inner = Arc::new(Inner::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inner }
    }

    fn answering(self, statuses: &[u16]) -> Self {
        self.inner.script.lock().unwrap().extend(statuses);
        self
    }

    fn always(self, status: u16) -> Self {
        *self.inner.always.lock().unwrap() = Some(status);
        self
    }

    fn slow(self, delay: Duration) -> Self {
        *self.inner.delay.lock().unwrap() = delay;
        self
    }

    fn hits(&self) -> Vec<Hit> {
        self.inner.hits.lock().unwrap().clone()
    }

    /// Waits until `count` requests came, and gives them.
    async fn wait_for(&self, count: usize) -> Vec<Hit> {
        let deadline = Instant::now() + WAIT;
        loop {
            let hits = self.hits();
            if hits.len() >= count {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "{} requests came, not {count}: {hits:#?}",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A URL nothing listens on.
async fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn wait_until<F, Fut>(mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn texts(hits: &[Hit], chat: i64) -> Vec<String> {
    hits.iter()
        .filter(|h| chat_of(&h.body) == chat)
        .map(|h| {
            h.body["message"]["text"]
                .as_str()
                .or_else(|| h.body["message"]["body"]["text"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

// ---------------------------------------------------------------- Telegram

#[tokio::test]
async fn updates_arrive_in_order_per_chat_with_the_secret() {
    let h = harness().await;
    let receiver = Receiver::start().await.slow(Duration::from_millis(30));
    let (anna, boris) = (h.user("Анна").await, h.user("Борис").await);
    for n in 1..=5 {
        h.client.send_text(anna.id, format!("a{n}")).await.unwrap();
        h.client.send_text(boris.id, format!("b{n}")).await.unwrap();
    }
    // What getUpdates would give (no offset: nothing is confirmed).
    let pending = h.ok("getUpdates", json!({})).await;
    assert_eq!(pending.as_array().unwrap().len(), 10);

    h.ok(
        "setWebhook",
        json!({"url": receiver.url, "secret_token": "s3cr3t_-X"}),
    )
    .await;
    let hits = receiver.wait_for(10).await;
    assert_eq!(texts(&hits, anna.id), ["a1", "a2", "a3", "a4", "a5"]);
    assert_eq!(texts(&hits, boris.id), ["b1", "b2", "b3", "b4", "b5"]);
    for hit in &hits {
        assert_eq!(
            hit.header("x-telegram-bot-api-secret-token"),
            Some("s3cr3t_-X")
        );
        assert_eq!(hit.header("content-type"), Some("application/json"));
        assert!(pending.as_array().unwrap().contains(&hit.body), "{hit:?}");
    }
    // One at a time in a chat, the two chats side by side.
    assert_eq!(
        receiver.inner.most_at_once_in_a_chat.load(Ordering::SeqCst),
        1
    );
    assert_eq!(receiver.inner.most_at_once.load(Ordering::SeqCst), 2);

    wait_until(|| async { h.ok("getWebhookInfo", json!({})).await["pending_update_count"] == 0 })
        .await;
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["url"], receiver.url);
    assert_eq!(info["has_custom_certificate"], false);
    assert_eq!(info["max_connections"], 40);
    assert!(info.get("last_error_message").is_none(), "{info}");
    let stats = h.client.stats().await.unwrap();
    assert_eq!(
        stats.webhook,
        WebhookStats {
            attempted: 10,
            acknowledged: 10,
            failed: 0
        }
    );
    // Acknowledged updates are gone, as confirmed ones are.
    h.ok("deleteWebhook", json!({})).await;
    assert_eq!(h.ok("getUpdates", json!({})).await, json!([]));
}

#[tokio::test]
async fn max_connections_bounds_the_requests_in_flight() {
    let h = harness().await;
    let receiver = Receiver::start().await.slow(Duration::from_millis(50));
    for n in 0..6 {
        let user = h.user(&format!("U{n}")).await;
        h.client.send_text(user.id, "hi").await.unwrap();
    }
    h.ok(
        "setWebhook",
        json!({"url": receiver.url, "max_connections": 2}),
    )
    .await;
    receiver.wait_for(6).await;
    assert_eq!(receiver.inner.most_at_once.load(Ordering::SeqCst), 2);
    assert_eq!(
        h.ok("getWebhookInfo", json!({})).await["max_connections"],
        2
    );
}

#[tokio::test]
async fn a_failing_receiver_gets_the_update_again_and_nothing_is_lost() {
    let h = harness().await;
    let receiver = Receiver::start().await.answering(&[500, 500]);
    let anna = h.user("Анна").await;
    h.ok("setWebhook", json!({"url": receiver.url})).await;
    let first = h.client.send_text(anna.id, "one").await.unwrap();
    let second = h.client.send_text(anna.id, "two").await.unwrap();

    let hits = receiver.wait_for(4).await;
    let ids: Vec<i64> = hits
        .iter()
        .map(|h| h.body["update_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            first.update_id,
            first.update_id,
            first.update_id,
            second.update_id
        ]
    );
    wait_until(|| async { h.client.stats().await.unwrap().webhook.acknowledged == 2 }).await;
    assert_eq!(
        h.client.stats().await.unwrap().webhook,
        WebhookStats {
            attempted: 4,
            acknowledged: 2,
            failed: 2
        }
    );
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["pending_update_count"], 0);
    assert_eq!(
        info["last_error_message"],
        "Wrong response from the webhook: 500 Internal Server Error"
    );
    let date = info["last_error_date"].as_i64().unwrap();
    assert!((chrono::Utc::now().timestamp() - date).abs() < 60, "{info}");
    // Nothing more comes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.hits().len(), 4);
}

#[tokio::test]
async fn a_refused_connection_keeps_the_update_pending_for_get_updates() {
    let h = harness().await;
    let anna = h.user("Анна").await;
    let url = closed_url().await;
    h.ok("setWebhook", json!({"url": url})).await;
    let sent = h.client.send_text(anna.id, "hello").await.unwrap();
    wait_until(|| async { h.client.stats().await.unwrap().webhook.failed >= 2 }).await;
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["url"], url);
    assert_eq!(info["pending_update_count"], 1);
    assert_eq!(info["last_error_message"], "Connection refused");
    assert!(info["last_error_date"].is_i64());
    let refused = h.refused("getUpdates", json!({}), 409).await;
    assert!(refused.contains("webhook is active"), "{refused}");

    h.ok("deleteWebhook", json!({})).await;
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["url"], "");
    assert_eq!(info["pending_update_count"], 1);
    let updates = h.ok("getUpdates", json!({})).await;
    assert_eq!(updates[0]["update_id"], sent.update_id);
    assert_eq!(updates[0]["message"]["text"], "hello");
}

#[tokio::test]
async fn a_receiver_too_slow_to_answer_is_a_timeout_and_the_update_stays() {
    let h = harness().await;
    let receiver = Receiver::start().await.slow(Duration::from_secs(3));
    let anna = h.user("Анна").await;
    h.ok("setWebhook", json!({"url": receiver.url})).await;
    h.client.send_text(anna.id, "hello").await.unwrap();
    wait_until(|| async { h.client.stats().await.unwrap().webhook.failed >= 1 }).await;
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["last_error_message"], "Read timeout expired");
    assert_eq!(info["pending_update_count"], 1);
}

#[tokio::test]
async fn delete_webhook_stops_the_pushing_and_drop_pending_updates_drops() {
    let h = harness().await;
    let receiver = Receiver::start().await.always(503);
    let (anna, boris) = (h.user("Анна").await, h.user("Борис").await);
    h.ok("setWebhook", json!({"url": receiver.url})).await;
    let a = h.client.send_text(anna.id, "a").await.unwrap();
    let b = h.client.send_text(boris.id, "b").await.unwrap();
    receiver.wait_for(2).await;
    h.ok("deleteWebhook", json!({})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let count = receiver.hits().len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.hits().len(), count, "pushing went on");
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert!(info.get("last_error_message").is_none(), "{info}");

    let updates = h.ok("getUpdates", json!({})).await;
    let ids: Vec<&Value> = updates
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["update_id"])
        .collect();
    assert_eq!(ids, [&json!(a.update_id), &json!(b.update_id)]);

    // Set again, the receiver now well: they come (and are gone after).
    *receiver.inner.always.lock().unwrap() = None;
    h.ok("setWebhook", json!({"url": receiver.url})).await;
    wait_until(|| async { h.ok("getWebhookInfo", json!({})).await["pending_update_count"] == 0 })
        .await;

    h.ok("deleteWebhook", json!({})).await;
    h.client.send_text(anna.id, "c").await.unwrap();
    h.ok("deleteWebhook", json!({"drop_pending_updates": true}))
        .await;
    assert_eq!(h.ok("getUpdates", json!({})).await, json!([]));
}

#[tokio::test]
async fn a_new_url_or_secret_takes_effect_for_the_next_request() {
    let h = harness().await;
    let (first, second) = (Receiver::start().await, Receiver::start().await);
    let anna = h.user("Анна").await;
    h.ok(
        "setWebhook",
        json!({"url": first.url, "secret_token": "one"}),
    )
    .await;
    h.client.send_text(anna.id, "to the first").await.unwrap();
    first.wait_for(1).await;
    h.ok(
        "setWebhook",
        json!({"url": second.url, "secret_token": "two"}),
    )
    .await;
    h.client.send_text(anna.id, "to the second").await.unwrap();
    let hits = second.wait_for(1).await;
    assert_eq!(texts(&hits, anna.id), ["to the second"]);
    assert_eq!(
        hits[0].header("x-telegram-bot-api-secret-token"),
        Some("two")
    );
    // A secret taken away: no header at all.
    h.ok("setWebhook", json!({"url": second.url})).await;
    h.client.send_text(anna.id, "no secret").await.unwrap();
    let hits = second.wait_for(2).await;
    assert_eq!(hits[1].header("x-telegram-bot-api-secret-token"), None);
    let first_hits = first.hits();
    assert_eq!(first_hits.len(), 1);
    assert_eq!(
        first_hits[0].header("x-telegram-bot-api-secret-token"),
        Some("one")
    );
}

#[tokio::test]
async fn allowed_updates_filters_what_is_pushed() {
    let h = harness().await;
    let receiver = Receiver::start().await;
    let anna = h.user("Анна").await;
    h.ok(
        "setWebhook",
        json!({"url": receiver.url, "allowed_updates": ["callback_query"]}),
    )
    .await;
    h.client.send_text(anna.id, "not wanted").await.unwrap();
    let pressed = h
        .client
        .press(anna.id, PressButton::data("yes").forged())
        .await
        .unwrap();
    let hits = receiver.wait_for(1).await;
    assert_eq!(hits[0].body["update_id"], pressed.update_id);
    assert_eq!(hits[0].body["callback_query"]["data"], "yes");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.hits().len(), 1);
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["allowed_updates"], json!(["callback_query"]));
    assert_eq!(info["pending_update_count"], 0);
}

#[tokio::test]
async fn set_webhook_refuses_as_telegram_does() {
    let h = harness().await;
    let ok_url = "http://127.0.0.1:9/hook";
    for secret in ["a b", "a.b", "секрет", "a+b/c="] {
        assert_eq!(
            h.refused(
                "setWebhook",
                json!({"url": ok_url, "secret_token": secret}),
                400
            )
            .await,
            "Bad Request: secret token contains unallowed characters"
        );
    }
    assert_eq!(
        h.refused(
            "setWebhook",
            json!({"url": ok_url, "secret_token": "a".repeat(257)}),
            400
        )
        .await,
        "Bad Request: secret token is too long"
    );
    for url in [
        "http://example.org/hook",
        "http://10.0.0.1/hook",
        "ftp://127.0.0.1/hook",
        "127.0.0.1:8080/hook",
    ] {
        assert_eq!(
            h.refused("setWebhook", json!({ "url": url }), 400).await,
            "Bad Request: bad webhook: HTTPS url must be provided for webhook",
            "{url}"
        );
    }
    assert_eq!(
        h.refused(
            "setWebhook",
            json!({"url": "https://example.org:8080/hook"}),
            400
        )
        .await,
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    );
    // Nothing refused was set.
    assert_eq!(h.ok("getWebhookInfo", json!({})).await["url"], "");

    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
        "https://example.org/hook",
        "https://example.org:8443/hook",
    ] {
        h.ok(
            "setWebhook",
            json!({"url": url, "secret_token": "x".repeat(256)}),
        )
        .await;
        assert_eq!(h.ok("getWebhookInfo", json!({})).await["url"], url);
    }
    h.ok("setWebhook", json!({"url": ok_url, "max_connections": 500}))
        .await;
    assert_eq!(
        h.ok("getWebhookInfo", json!({})).await["max_connections"],
        100
    );
    // An empty url removes the webhook, as Telegram's does.
    h.ok("setWebhook", json!({"url": ""})).await;
    let info = h.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["url"], "");
    assert!(info.get("max_connections").is_none(), "{info}");
    h.ok("getUpdates", json!({})).await;
}

#[tokio::test]
async fn a_waiting_get_updates_ends_when_a_webhook_is_set() {
    let h = harness().await;
    let poll = {
        let http = h.http.clone();
        let url = h.method_url("getUpdates");
        tokio::spawn(async move {
            let response = http
                .post(url)
                .json(&json!({"timeout": 30}))
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.ok("setWebhook", json!({"url": "http://127.0.0.1:9/hook"}))
        .await;
    let status = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the poll ended")
        .unwrap();
    assert_eq!(status, 409);
}

// --------------------------------------------------------------------- Max

impl Harness {
    async fn max(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.sandbox.max_api_url());
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .header("Authorization", self.sandbox.max_token())
            .timeout(Duration::from_secs(20));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn max_ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.max(method, path, body).await;
        assert_eq!(status, 200, "{method} {path}: {answer}");
        answer
    }
}

#[tokio::test]
async fn max_subscription_pushes_in_order_with_the_secret() {
    let h = harness().await;
    let receiver = Receiver::start().await.slow(Duration::from_millis(20));
    let max = h.client.max();
    let anna = max.create_user(NewUser::named("Анна")).await.unwrap();
    let boris = max.create_user(NewUser::named("Борис")).await.unwrap();
    let answer = h
        .max_ok(
            "POST",
            "/subscriptions",
            Some(json!({"url": receiver.url, "secret": "max_Secret-1"})),
        )
        .await;
    assert_eq!(answer, json!({"success": true}));
    let list = h.max_ok("GET", "/subscriptions", None).await;
    assert_eq!(list["subscriptions"][0]["url"], receiver.url);
    assert!(list["subscriptions"][0]["time"].as_i64().unwrap() > 0);
    assert_eq!(list["subscriptions"][0]["update_types"], Value::Null);

    max.start(anna.id, None).await.unwrap();
    for n in 1..=3 {
        max.send_text(anna.id, format!("a{n}")).await.unwrap();
        max.send_text(boris.id, format!("b{n}")).await.unwrap();
    }
    let hits = receiver.wait_for(7).await;
    let anna_hits: Vec<&Hit> = hits
        .iter()
        .filter(|h| chat_of(&h.body) == anna.chat_id)
        .collect();
    assert_eq!(anna_hits[0].body["update_type"], "bot_started");
    assert_eq!(texts(&hits, anna.chat_id), ["", "a1", "a2", "a3"]);
    assert_eq!(texts(&hits, boris.chat_id), ["b1", "b2", "b3"]);
    for hit in &hits {
        assert_eq!(hit.header("x-max-bot-api-secret"), Some("max_Secret-1"));
        assert_eq!(hit.header("content-type"), Some("application/json"));
        assert_eq!(hit.header("x-telegram-bot-api-secret-token"), None);
    }
    assert_eq!(
        receiver.inner.most_at_once_in_a_chat.load(Ordering::SeqCst),
        1
    );

    // Never both at once: polling is refused while subscribed.
    let (status, refused) = h.max("GET", "/updates?timeout=0", None).await;
    assert_eq!(status, 405, "{refused}");
    assert_eq!(refused["code"], "method.not.allowed");

    wait_until(|| async { max.stats().await.unwrap().webhook.acknowledged == 7 }).await;
    let path = format!("/subscriptions?url={}", receiver.url);
    assert_eq!(
        h.max_ok("DELETE", &path, None).await,
        json!({"success": true})
    );
    assert_eq!(
        h.max_ok("GET", "/subscriptions", None).await,
        json!({"subscriptions": []})
    );
    let polled = h.max_ok("GET", "/updates?timeout=0", None).await;
    assert_eq!(polled["updates"], json!([]));
}

#[tokio::test]
async fn max_retries_until_200_and_loses_nothing() {
    let h = harness().await;
    // Max takes only a 200 as delivered: a 204 is a failure too.
    let receiver = Receiver::start().await.answering(&[500, 204]);
    let max = h.client.max();
    let anna = max.create_user(NewUser::named("Анна")).await.unwrap();
    h.max_ok("POST", "/subscriptions", Some(json!({"url": receiver.url})))
        .await;
    let first = max.send_text(anna.id, "one").await.unwrap();
    max.send_text(anna.id, "two").await.unwrap();
    let hits = receiver.wait_for(4).await;
    assert_eq!(texts(&hits, anna.chat_id), ["one", "one", "one", "two"]);
    assert!(
        hits.iter()
            .all(|h| h.header("x-max-bot-api-secret").is_none())
    );
    wait_until(|| async { max.stats().await.unwrap().webhook.acknowledged == 2 }).await;
    assert_eq!(
        max.stats().await.unwrap().webhook,
        WebhookStats {
            attempted: 4,
            acknowledged: 2,
            failed: 2
        }
    );
    assert!(first.update > 0);
}

#[tokio::test]
async fn max_unsubscribing_hands_pending_updates_to_polling() {
    let h = harness().await;
    let max = h.client.max();
    let anna = max.create_user(NewUser::named("Анна")).await.unwrap();
    let url = closed_url().await;
    h.max_ok("POST", "/subscriptions", Some(json!({"url": url})))
        .await;
    max.send_text(anna.id, "kept").await.unwrap();
    wait_until(|| async { max.stats().await.unwrap().webhook.failed >= 2 }).await;
    // Another url is not the subscription's.
    let other = h
        .max_ok("DELETE", "/subscriptions?url=https://example.org/x", None)
        .await;
    assert_eq!(other["success"], false);
    let path = format!("/subscriptions?url={url}");
    h.max_ok("DELETE", &path, None).await;
    let polled = h.max_ok("GET", "/updates?timeout=0", None).await;
    assert_eq!(polled["updates"][0]["message"]["body"]["text"], "kept");
}

#[tokio::test]
async fn max_update_types_filter_what_is_pushed() {
    let h = harness().await;
    let receiver = Receiver::start().await;
    let max = h.client.max();
    let anna = max.create_user(NewUser::named("Анна")).await.unwrap();
    h.max_ok(
        "POST",
        "/subscriptions",
        Some(json!({"url": receiver.url, "update_types": ["message_created"], "secret": "12345"})),
    )
    .await;
    max.start(anna.id, None).await.unwrap();
    max.send_text(anna.id, "wanted").await.unwrap();
    let hits = receiver.wait_for(1).await;
    assert_eq!(hits[0].body["update_type"], "message_created");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.hits().len(), 1);
    let list = h.max_ok("GET", "/subscriptions", None).await;
    assert_eq!(
        list["subscriptions"][0]["update_types"],
        json!(["message_created"])
    );
}

#[tokio::test]
async fn max_subscribe_refuses_a_bad_secret_or_url() {
    let h = harness().await;
    let ok_url = "http://127.0.0.1:9/hook";
    for secret in ["abcd", "with space", "a+b/c=", "секрет-секрет"] {
        let (status, answer) = h
            .max(
                "POST",
                "/subscriptions",
                Some(json!({"url": ok_url, "secret": secret})),
            )
            .await;
        assert_eq!(status, 400, "{secret}: {answer}");
        assert_eq!(answer["code"], "proto.payload");
        assert!(
            answer["message"].as_str().unwrap().contains("\"secret\""),
            "{answer}"
        );
    }
    for url in [
        "http://example.org/hook",
        "http://192.168.1.1/hook",
        "https://example.org:8443/hook",
        "nonsense",
    ] {
        let (status, answer) = h
            .max("POST", "/subscriptions", Some(json!({ "url": url })))
            .await;
        assert_eq!(status, 400, "{url}: {answer}");
        assert_eq!(answer["code"], "proto.payload");
    }
    let (status, answer) = h.max("POST", "/subscriptions", Some(json!({}))).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        h.max_ok("GET", "/subscriptions", None).await,
        json!({"subscriptions": []})
    );
    for url in [
        ok_url,
        "http://localhost:9/hook",
        "https://example.org/hook",
    ] {
        h.max_ok(
            "POST",
            "/subscriptions",
            Some(json!({"url": url, "secret": "A-z_0-9"})),
        )
        .await;
        // One subscription: a new one replaces it.
        let list = h.max_ok("GET", "/subscriptions", None).await;
        assert_eq!(list["subscriptions"].as_array().unwrap().len(), 1);
        assert_eq!(list["subscriptions"][0]["url"], url);
    }
}
