//! Telegram delivers every update at least once; medcab applies each once.
//!
//! Owns the table `processed_updates`. An update is claimed before it is
//! handled: a redelivered update finds its claim and is skipped. A crash in
//! the middle of a handler therefore loses that one update's reply (the
//! user sends it again) but never applies an update twice.
//!
//! A handler that fails (an error, not a crash) gives its claim back
//! ([`release`]): it answered nothing, and its changes are each written in
//! one transaction, so what failed was either before them or the answer
//! after them, which a second handling finds done (documents by their
//! SHA-256, outbox rows by their dedup key, steps by their state).
//! Telegram or the sandbox may then deliver the update again.

use sqlx::PgPool;

use crate::channels::Messenger;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First delivery: handle it.
    Fresh,
    /// Seen before: answer nothing, change nothing.
    AlreadyHandled,
}

/// Claims `messenger`'s update `update_id` (each messenger numbers its own).
pub async fn claim(
    pool: &PgPool,
    messenger: Messenger,
    update_id: i64,
    chat_id: Option<i64>,
) -> Result<Claim, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"
        INSERT INTO processed_updates (messenger, update_id, chat_id)
        VALUES ($1, $2, $3)
        ON CONFLICT (messenger, update_id) DO NOTHING
        "#,
        messenger.as_str(),
        update_id,
        chat_id,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(if inserted == 1 {
        Claim::Fresh
    } else {
        Claim::AlreadyHandled
    })
}

/// Gives an update's claim back, so a redelivery is handled.
pub async fn release(
    pool: &PgPool,
    messenger: Messenger,
    update_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM processed_updates WHERE messenger = $1 AND update_id = $2",
        messenger.as_str(),
        update_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// /forget: the claims of `messenger`'s chat go (they name the chat).
/// Update ids are not reused, and a redelivery of an update of a forgotten
/// user finds nothing of theirs to apply twice.
pub async fn erase_chat(
    tx: &mut sqlx::PgConnection,
    messenger: Messenger,
    chat_id: i64,
) -> Result<u64, sqlx::Error> {
    let erased = sqlx::query!(
        "DELETE FROM processed_updates WHERE messenger = $1 AND chat_id = $2",
        messenger.as_str(),
        chat_id
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(erased)
}

/// Retention: deletes up to `batch` claims made before `before`; returns
/// how many. Telegram redelivers an update within hours at most, so an old
/// claim protects nothing.
pub async fn purge(
    pool: &PgPool,
    before: chrono::DateTime<chrono::Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM processed_updates WHERE update_id IN (
            SELECT update_id FROM processed_updates WHERE processed_at < $1 LIMIT $2
        )
        "#,
        before,
        batch,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TG: Messenger = Messenger::Telegram;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_update_is_claimed_once(pool: PgPool) {
        assert_eq!(claim(&pool, TG, 7, Some(1)).await.unwrap(), Claim::Fresh);
        assert_eq!(
            claim(&pool, TG, 7, Some(1)).await.unwrap(),
            Claim::AlreadyHandled
        );
        assert_eq!(claim(&pool, TG, 8, None).await.unwrap(), Claim::Fresh);
        // Each messenger numbers its own updates.
        assert_eq!(
            claim(&pool, Messenger::Max, 7, Some(1)).await.unwrap(),
            Claim::Fresh
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_released_update_is_claimed_again(pool: PgPool) {
        assert_eq!(claim(&pool, TG, 7, Some(1)).await.unwrap(), Claim::Fresh);
        release(&pool, TG, 7).await.unwrap();
        assert_eq!(claim(&pool, TG, 7, Some(1)).await.unwrap(), Claim::Fresh);
        assert_eq!(
            claim(&pool, TG, 7, Some(1)).await.unwrap(),
            Claim::AlreadyHandled
        );
    }
}
