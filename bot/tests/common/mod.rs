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
