//! What the tests that run the `medcab` binary share.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use sqlx::PgPool;

/// The URL of the database `#[sqlx::test]` made for this test.
pub async fn url_of(db: &PgPool) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(db)
        .await
        .unwrap();
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for tests");
    let base = server
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&server);
    format!("{base}/{name}")
}

/// An address on 127.0.0.1 nothing listens on (at the moment of asking).
pub fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// Sends SIGTERM to `child` and waits for it to exit: its status, or
/// `None` when it was still running after 45 s (then it is killed). Each
/// stage of a stop is bounded (updates in flight 15 s, delivery and the
/// scheduler 10 s each, HTTP 5 s); a healthy stop takes well under a
/// second.
pub fn terminate(child: &mut std::process::Child) -> Option<std::process::ExitStatus> {
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -TERM {pid}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(45);
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}
