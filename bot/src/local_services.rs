//! `medcab local-services`: a throwaway PostgreSQL and Redis on free ports,
//! for `scripts/test` on a machine that has neither running. It prints
//! `DATABASE_URL=…` and `REDIS_URL=…` on stdout, runs until SIGINT, SIGTERM
//! or its stdin closes, then stops both and removes their data.
//!
//! The PostgreSQL is the sandbox's ([`PrivatePostgres`]), so finding and
//! running the server is written once.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::private_postgres::PrivatePostgres;

pub async fn run() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("medcab-services-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = serve(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn serve(dir: &Path) -> anyhow::Result<()> {
    // Tests make a database each and run many at once; their data is
    // thrown away, so nothing needs to reach the disk.
    let postgres = PrivatePostgres::start_with(
        &dir.join("postgres"),
        "postgres",
        &["fsync=off", "max_connections=300"],
    )
    .await?;
    let redis = match PrivateRedis::start(&dir.join("redis")).await {
        Ok(redis) => redis,
        Err(error) => {
            postgres.stop().await;
            return Err(error);
        }
    };
    let mut stdout = std::io::stdout();
    writeln!(stdout, "DATABASE_URL={}", postgres.url("postgres"))?;
    writeln!(stdout, "REDIS_URL={}", redis.url())?;
    stdout.flush()?;

    tokio::select! {
        _ = crate::cli::shutdown_signal() => {}
        _ = stdin_closed() => {}
    }
    redis.stop();
    postgres.stop().await;
    Ok(())
}

/// Whoever started us is gone (or done) when our stdin ends.
async fn stdin_closed() {
    let (closed, done) = tokio::sync::oneshot::channel::<()>();
    // A thread of its own: a blocking read would keep the runtime from
    // shutting down after a signal.
    std::thread::spawn(move || {
        use std::io::Read as _;
        let mut stdin = std::io::stdin();
        let mut buffer = [0u8; 64];
        while let Ok(1..) = stdin.read(&mut buffer) {}
        let _ = closed.send(());
    });
    let _ = done.await;
}

/// A `redis-server` with nothing persisted.
struct PrivateRedis {
    port: u16,
    server: std::process::Child,
}

impl PrivateRedis {
    async fn start(dir: &Path) -> anyhow::Result<PrivateRedis> {
        std::fs::create_dir_all(dir)?;
        let port = free_port()?;
        let server = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(PathBuf::from(dir))
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("cannot start redis-server (is it installed?)")?;
        let redis = PrivateRedis { port, server };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(redis);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        redis.stop();
        bail!("redis-server did not listen on port {port}")
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
