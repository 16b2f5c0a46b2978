//! The HTTP server on `MEDCAB_HTTP_ADDR`: `/healthz` says the process
//! lives, `/readyz` that it can reach PostgreSQL and Redis, and `/api/v1`
//! is the portals' API (see `api`).

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
struct Probes {
    db: PgPool,
    redis: Option<redis::aio::ConnectionManager>,
}

pub struct HttpServer {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl HttpServer {
    pub async fn start(
        addr: SocketAddr,
        db: PgPool,
        redis: Option<redis::aio::ConnectionManager>,
        api: Option<crate::api::Api>,
    ) -> anyhow::Result<HttpServer> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on MEDCAB_HTTP_ADDR {addr}"))?;
        let addr = listener.local_addr()?;
        let mut app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(ready))
            .with_state(Probes { db, redis });
        if let Some(api) = api {
            app = app.nest("/api/v1", crate::api::router(api));
        }
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopped.cancelled().await })
                .await
        });
        tracing::info!(%addr, "HTTP endpoints listening");
        Ok(HttpServer { addr, stop, task })
    }

    /// Stops taking connections and lets requests in flight finish, for at
    /// most five seconds (a client holding a request open does not keep
    /// the process alive).
    pub async fn stop(self) {
        self.stop.cancel();
        let mut task = self.task;
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            tracing::warn!("HTTP requests did not finish in time; closing them");
            task.abort();
        }
    }
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
