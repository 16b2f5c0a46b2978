//! A load balancer in front of several `medcab run` instances, as a
//! deployment with many of them has one: the messenger posts every update
//! to the balancer's address (`MEDCAB_WEBHOOK_URL`), which hands each
//! request to the next instance in turn.
//!
//! What it does when an instance is gone is what the fault tests lean on,
//! and what a real balancer does: an instance that refuses the connection
//! (stopped, killed, not started yet) is passed over for the next one; a
//! request cut off inside an instance (killed while storing it) is answered
//! 502, so the messenger sends the update again. It never answers 200 for
//! an instance.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How long an instance may take to answer one request (a webhook answers
/// once the update is stored: milliseconds, seconds when the database is
/// slow).
const PATIENCE: Duration = Duration::from_secs(10);

pub struct Balancer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    serving: JoinHandle<()>,
}

struct Shared {
    upstreams: Vec<SocketAddr>,
    /// The instance the next request tries first.
    next: AtomicUsize,
    /// Requests each instance answered (any status).
    answered: Vec<AtomicU64>,
    client: reqwest::Client,
}

impl Balancer {
    /// Listens on a free port of 127.0.0.1 and spreads requests over
    /// `upstreams`.
    pub async fn start(upstreams: Vec<SocketAddr>) -> anyhow::Result<Balancer> {
        anyhow::ensure!(!upstreams.is_empty(), "a balancer needs an instance");
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            answered: upstreams.iter().map(|_| AtomicU64::new(0)).collect(),
            upstreams,
            next: AtomicUsize::new(0),
            client: reqwest::Client::builder()
                .timeout(PATIENCE)
                .build()
                .context("an HTTP client")?,
        });
        let app = Router::new().fallback(forward).with_state(shared.clone());
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Balancer {
            addr,
            shared,
            serving,
        })
    }

    /// What the instances are told to register (`MEDCAB_WEBHOOK_URL`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests each instance answered, in the order given.
    pub fn answered(&self) -> Vec<u64> {
        self.shared
            .answered
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let count = shared.upstreams.len();
    let first = shared.next.fetch_add(1, Ordering::Relaxed);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut passed_on = headers;
    // The client sets these for the instance's own connection.
    passed_on.remove(header::HOST);
    passed_on.remove(header::CONTENT_LENGTH);
    passed_on.remove(header::CONNECTION);
    for attempt in 0..count {
        let index = (first + attempt) % count;
        let upstream = shared.upstreams[index];
        let sent = shared
            .client
            .request(method.clone(), format!("http://{upstream}{path}"))
            .headers(passed_on.clone())
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                shared.answered[index].fetch_add(1, Ordering::Relaxed);
                let status = response.status();
                let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
                let body = response.bytes().await.unwrap_or_default();
                let mut answer = (status, body).into_response();
                if let Some(content_type) = content_type {
                    answer
                        .headers_mut()
                        .insert(header::CONTENT_TYPE, content_type);
                }
                return answer;
            }
            // Not reached at all: nothing was handed over, the next one may
            // take it.
            Err(error) if error.is_connect() => continue,
            // Handed over and cut off: it may have been stored or not; the
            // messenger decides, as with any failed delivery.
            Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
        }
    }
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn instance(name: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().fallback(move |body: Bytes| async move {
            format!("{name}:{}", String::from_utf8_lossy(&body))
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    async fn post(balancer: &Balancer, body: &str) -> (StatusCode, String) {
        let response = reqwest::Client::new()
            .post(format!("{}/webhook/telegram", balancer.url()))
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    #[tokio::test]
    async fn requests_take_turns_and_a_gone_instance_is_passed_over() {
        let a = instance("a").await;
        let b = instance("b").await;
        // Nothing listens here: bound, then let go.
        let gone = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let balancer = Balancer::start(vec![a, gone, b]).await.unwrap();
        let mut bodies = Vec::new();
        for n in 0..6 {
            let (status, body) = post(&balancer, &n.to_string()).await;
            assert_eq!(status, StatusCode::OK);
            bodies.push(body);
        }
        // The turn that falls on the gone one goes to the next.
        assert_eq!(bodies, ["a:0", "b:1", "b:2", "a:3", "b:4", "b:5"]);
        assert_eq!(balancer.answered(), [2, 0, 4]);
    }

    #[tokio::test]
    async fn with_every_instance_gone_the_messenger_is_told_to_try_again() {
        let gone = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let balancer = Balancer::start(vec![gone]).await.unwrap();
        let (status, _) = post(&balancer, "{}").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
