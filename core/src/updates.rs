//! Telegram delivers every update at least once; medcab applies each once.
//!
//! Owns the table `processed_updates`. An update is claimed before it is
//! handled: a redelivered update finds its claim and is skipped. A crash in
//! the middle of a handler therefore loses that one update's reply (the
//! user sends it again) but never applies an update twice.

use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First delivery: handle it.
    Fresh,
    /// Seen before: answer nothing, change nothing.
    AlreadyHandled,
}

pub async fn claim(
    pool: &PgPool,
    update_id: i64,
    chat_id: Option<i64>,
) -> Result<Claim, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"
        INSERT INTO processed_updates (update_id, chat_id)
        VALUES ($1, $2)
        ON CONFLICT (update_id) DO NOTHING
        "#,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_update_is_claimed_once(pool: PgPool) {
        assert_eq!(claim(&pool, 7, Some(1)).await.unwrap(), Claim::Fresh);
        assert_eq!(
            claim(&pool, 7, Some(1)).await.unwrap(),
            Claim::AlreadyHandled
        );
        assert_eq!(claim(&pool, 8, None).await.unwrap(), Claim::Fresh);
    }
}
