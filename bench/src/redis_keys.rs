//! The bots' keys in Redis: a logical database and a key prefix of the
//! run's own, deleted at the start and the end.

use anyhow::Context as _;

/// REDIS_URL with its logical database replaced by `db`.
pub fn db_url(redis_url: &str, db: u8) -> anyhow::Result<String> {
    let mut url = reqwest::Url::parse(redis_url).context("REDIS_URL is malformed")?;
    url.set_path(&format!("/{db}"));
    Ok(url.to_string())
}

/// The bots' Redis key prefix: this run's own.
pub fn prefix() -> String {
    format!("medcab-bench-{}:", std::process::id())
}

/// Deletes what this run's bots keep in Redis: send buckets, a pause,
/// conversation positions.
pub async fn forget(redis_url: &str) -> anyhow::Result<()> {
    let client = redis::Client::open(redis_url).context("REDIS_URL is malformed")?;
    let mut redis = client
        .get_multiplexed_async_connection()
        .await
        .context("connecting to Redis (REDIS_URL)")?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", prefix()))
        .query_async(&mut redis)
        .await?;
    if !keys.is_empty() {
        let () = redis::cmd("DEL").arg(keys).query_async(&mut redis).await?;
    }
    Ok(())
}
