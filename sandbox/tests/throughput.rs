//! How fast the sandbox takes sendMessage calls over HTTP. Ignored by
//! default; run with
//! `cargo test --release -p medcab-sandbox --test throughput -- --ignored --nocapture`.

use std::sync::Arc;
use std::time::Instant;

use medcab_sandbox::{NewUsers, Sandbox, SandboxConfig};
use serde_json::json;

const MESSAGES: u32 = 20_000;
const TASKS: u32 = 16;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, not a check; run it by hand"]
async fn send_message_throughput() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let users = client
        .create_users(NewUsers::count(MESSAGES))
        .await
        .unwrap();
    let url: Arc<str> = format!("{}/bot{}/sendMessage", sandbox.api_url(), sandbox.token()).into();
    let http = reqwest::Client::new();

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut n = task;
                while n < MESSAGES {
                    let chat_id = users.first_id + i64::from(n);
                    let response = http
                        .post(&*url)
                        .json(&json!({"chat_id": chat_id, "text": format!("Напоминание №{n}")}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                    response.bytes().await.unwrap();
                    n += TASKS;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let took = started.elapsed();

    let stats = client.stats().await.unwrap();
    assert_eq!(stats.accepted, u64::from(MESSAGES));
    assert_eq!(stats.chats_with_more_than_one, 0);
    println!(
        "{MESSAGES} sendMessage calls from {TASKS} tasks in {took:.2?}: {:.0} msgs/s (busiest second {})",
        f64::from(MESSAGES) / took.as_secs_f64(),
        stats.max_per_second()
    );
    sandbox.shutdown().await;
}
