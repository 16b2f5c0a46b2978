//! The HTTP server on `MEDCAB_HTTP_ADDR`: `/healthz` says the process
//! lives, `/readyz` that it can reach PostgreSQL and Redis, and `/api/v1`
//! is the portals' API (see `api`), and `/webhook/telegram`, `/webhook/max`
//! take the messengers' updates when webhooks are on (`inbox::webhook`).
//!
//! Limits, so that a slow or greedy caller cannot hold the process: every
//! request has [`REQUEST_TIMEOUT`] to be answered (its body is read within
//! it; 408 past it), at most [`MAX_IN_FLIGHT`] requests are handled at once
//! (503 beyond), and the API takes bodies of at most 16 KiB (413, in
//! `api`). Both are a few lines of middleware here rather than another
//! crate's features. A connection has [`HEADER_READ_TIMEOUT`] to send a
//! request's headers, then is closed: that needs hyper's timer, which
//! axum's `serve` does not set, so connections are served here with hyper
//! directly (HTTP/1.1, as axum's were). The API is still meant to sit
//! behind a TLS reverse proxy (see README).

use std::net::SocketAddr;

use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long a request may take, body included: the API's own work is a
/// few queries; a client trickling its body takes no longer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may take to send a request's headers (a client
/// holding many connections open with half a request each, "slowloris",
/// is cut off after it).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests handled at once; more wait for nobody and get 503. Each holds
/// at most a database connection for a moment, so this is well above what
/// the portals need and well below what would starve the bot.
pub const MAX_IN_FLIGHT: usize = 64;

#[derive(Clone)]
struct Probes {
    db: PgPool,
    redis: Option<redis::aio::ConnectionManager>,
}

pub struct HttpServer {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
    /// The API's counts of refusals held back, written as they come due
    /// (`api::flush_refusals`).
    flush: Option<(CancellationToken, JoinHandle<()>)>,
}

impl HttpServer {
    pub async fn start(
        addr: SocketAddr,
        db: PgPool,
        redis: Option<redis::aio::ConnectionManager>,
        api: Option<crate::api::Api>,
        webhooks: Option<crate::inbox::webhook::Endpoint>,
    ) -> anyhow::Result<HttpServer> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on MEDCAB_HTTP_ADDR {addr}"))?;
        let addr = listener.local_addr()?;
        let mut app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(ready))
            .with_state(Probes { db, redis });
        if let Some(webhooks) = webhooks {
            app = app.merge(crate::inbox::webhook::router(webhooks));
        }
        let stop = CancellationToken::new();
        let mut flush = None;
        if let Some(api) = api {
            // Its own token, cancelled once the requests in flight are done
            // (`stop`): their refusals are counted in the last flush.
            let flush_stop = CancellationToken::new();
            flush = Some((
                flush_stop.clone(),
                tokio::spawn(crate::api::flush_refusals(api.clone(), flush_stop)),
            ));
            // The calendar feed is served wherever the API is.
            app = app.merge(crate::calendar_feed::router(crate::calendar_feed::Feed {
                db: api.db.clone(),
                vault: api.vault.clone(),
                clock: api.clock.clone(),
            }));
            app = app.nest("/api/v1", crate::api::router(api));
        }
        let app = limited(app, REQUEST_TIMEOUT, MAX_IN_FLIGHT);
        let task = tokio::spawn(serve(listener, app, HEADER_READ_TIMEOUT, stop.clone()));
        tracing::debug!(%addr, "HTTP endpoints listening");
        Ok(HttpServer {
            addr,
            stop,
            task,
            flush,
        })
    }

    /// Stops taking connections and lets requests in flight finish, for at
    /// most five seconds (a client holding a request open does not keep
    /// the process alive).
    pub async fn stop(self) {
        self.stop.cancel();
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            tracing::warn!("HTTP requests did not finish in time; closing them");
            task.abort();
        }
        if let Some((flush_stop, flush)) = self.flush {
            flush_stop.cancel();
            // One insert for all held back; a database that does not answer
            // does not keep the process alive.
            let _ = tokio::time::timeout(Duration::from_secs(2), flush).await;
        }
    }
}

/// Accepts connections until `stop`, then lets each finish the request it
/// is handling (hyper's graceful shutdown) and returns when all are closed.
async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    loop {
        // Finished connections are dropped as they go, not kept to the end.
        while connections.try_join_next().is_some() {}
        let stream = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait, and do not spin.
                    tracing::warn!(%error, "cannot accept an HTTP connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let stop = stop.clone();
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                _ = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = served {
                tracing::debug!(%error, "an HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// `app` with the time and concurrency limits around every route.
fn limited(app: Router, timeout: Duration, in_flight: usize) -> Router {
    app.layer(middleware::from_fn_with_state(timeout, time_limit))
        .layer(middleware::from_fn_with_state(
            Arc::new(Semaphore::new(in_flight)),
            concurrency_limit,
        ))
}

/// 408 when a request (reading its body included) takes too long.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => crate::api::ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("the request took over {} s", limit.as_secs()),
        )
        .into_response(),
    }
}

/// 503 at once when [`MAX_IN_FLIGHT`] requests are being handled.
async fn concurrency_limit(
    State(in_flight): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = in_flight.try_acquire() else {
        return crate::api::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many requests in flight; retry shortly",
        )
        .into_response();
    };
    next.run(request).await
}

async fn ready(State(probes): State<Probes>) -> impl IntoResponse {
    let postgres = sqlx::query("SELECT 1").execute(&probes.db).await.is_ok();
    let redis = match probes.redis {
        Some(mut redis) => redis::cmd("PING")
            .query_async::<String>(&mut redis)
            .await
            .is_ok(),
        None => true,
    };
    let status = if postgres && redis {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "postgres": postgres, "redis": redis })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::Notify;

    /// Serves `app` on a free port and returns its base URL.
    async fn serve_here(app: Router, header_read_timeout: Duration) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(
            listener,
            app,
            header_read_timeout,
            CancellationToken::new(),
        ));
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn a_connection_slow_to_send_its_headers_is_closed() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let app = Router::new().route("/", get(|| async { "ok" }));
        let base = serve_here(app, Duration::from_millis(300)).await;
        let addr = base.trim_start_matches("http://");

        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the server closed the connection");
        assert!(
            !String::from_utf8_lossy(&answer).contains("200 OK"),
            "no answer to half a request"
        );
        // A whole request is answered.
        assert_eq!(reqwest::get(&base).await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_request_over_its_time_is_408() {
        let app = Router::new()
            .route("/slow", get(|| tokio::time::sleep(Duration::from_secs(5))))
            .route("/fast", get(|| async { "ok" }));
        let base = serve_here(
            limited(app, Duration::from_millis(200), 8),
            HEADER_READ_TIMEOUT,
        )
        .await;

        let slow = reqwest::get(format!("{base}/slow")).await.unwrap();
        assert_eq!(slow.status(), StatusCode::REQUEST_TIMEOUT);
        let body: serde_json::Value = slow.json().await.unwrap();
        assert_eq!(body["error"], "request_timeout");
        let fast = reqwest::get(format!("{base}/fast")).await.unwrap();
        assert_eq!(fast.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn requests_beyond_the_limit_in_flight_are_503() {
        let release = Arc::new(Notify::new());
        let entered = Arc::new(Notify::new());
        let app = Router::new().route(
            "/hold",
            get({
                let (release, entered) = (release.clone(), entered.clone());
                move || async move {
                    entered.notify_one();
                    release.notified().await;
                    "done"
                }
            }),
        );
        let base = serve_here(
            limited(app, Duration::from_secs(10), 1),
            HEADER_READ_TIMEOUT,
        )
        .await;

        let first = tokio::spawn(reqwest::get(format!("{base}/hold")));
        entered.notified().await;
        let second = reqwest::get(format!("{base}/hold")).await.unwrap();
        assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
        release.notify_one();
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
    }
}
