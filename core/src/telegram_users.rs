//! Telegram users and chats: who talks to the bot, and in which language.
//!
//! Owns the tables `telegram_users` and `chats`.

use sqlx::{PgConnection, PgPool};

use crate::Language;
use crate::UserId;

/// The kind of a Telegram chat, as far as delivery cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatKind {
    Private,
    Group,
    Supergroup,
    Channel,
}

impl ChatKind {
    fn as_str(self) -> &'static str {
        match self {
            ChatKind::Private => "private",
            ChatKind::Group => "group",
            ChatKind::Supergroup => "supergroup",
            ChatKind::Channel => "channel",
        }
    }
}

/// A user seen in a chat, with the language Telegram reports for them.
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub user_id: UserId,
    /// The Telegram chat, kept in `chats` (delivery's reachability); `None`
    /// on another messenger, whose chats are `channels`' (a Max chat id is
    /// another number space and must not touch a Telegram chat's row).
    pub chat_id: Option<i64>,
    pub chat_kind: ChatKind,
    pub telegram_language: Option<&'a str>,
}

/// Records that a user was seen in a chat and returns the language to
/// speak to them: their own choice if they made one, else Telegram's.
pub async fn record_visit(pool: &PgPool, visit: Visit<'_>) -> Result<Language, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let chosen = sqlx::query_scalar!(
        r#"
        INSERT INTO telegram_users (id, telegram_language)
        VALUES ($1, $2)
        ON CONFLICT (id) DO UPDATE
            SET telegram_language = EXCLUDED.telegram_language,
                last_seen_at = now()
        RETURNING language
        "#,
        visit.user_id.get(),
        visit.telegram_language,
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(chat_id) = visit.chat_id {
        sqlx::query!(
            r#"
            INSERT INTO chats (id, kind)
            VALUES ($1, $2)
            ON CONFLICT (id) DO UPDATE
                SET last_seen_at = now(),
                    -- a user who writes again has unblocked the bot
                    unreachable_since = NULL
            "#,
            chat_id,
            visit.chat_kind.as_str(),
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;

    Ok(Language::resolve(
        chosen.as_deref().and_then(|code| code.parse().ok()),
        visit.telegram_language,
    ))
}

/// Remembers the language a user chose with /language.
pub async fn choose_language(
    pool: &PgPool,
    user_id: UserId,
    language: Language,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO telegram_users (id, language)
        VALUES ($1, $2)
        ON CONFLICT (id) DO UPDATE SET language = EXCLUDED.language
        "#,
        user_id.get(),
        language.code(),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The language a user chose, if any.
pub async fn chosen_language(
    pool: &PgPool,
    user_id: UserId,
) -> Result<Option<Language>, sqlx::Error> {
    let code = sqlx::query_scalar!(
        "SELECT language FROM telegram_users WHERE id = $1",
        user_id.get()
    )
    .fetch_optional(pool)
    .await?
    .flatten();
    Ok(code.and_then(|code| code.parse().ok()))
}

/// The language to speak to a user the bot writes to first (a
/// notification): their choice, else what Telegram last reported, else
/// Russian.
pub async fn language_of(pool: &PgPool, user_id: UserId) -> Result<Language, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT language, telegram_language FROM telegram_users WHERE id = $1",
        user_id.get()
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(row) => Language::resolve(
            row.language.as_deref().and_then(|code| code.parse().ok()),
            row.telegram_language.as_deref(),
        ),
        None => Language::resolve(None, None),
    })
}

/// Telegram answered 403 for this chat (the user blocked the bot); cleared
/// when the user writes again (see [`record_visit`]). In the caller's
/// transaction: delivery marks the chat with the row that met the 403.
pub async fn mark_unreachable(tx: &mut PgConnection, chat_id: i64) -> Result<(), sqlx::Error> {
    // A push may go to a chat that never wrote (a practitioner linked by
    // an operator): it has no row yet, and needs one to be skipped next time.
    sqlx::query!(
        r#"
        INSERT INTO chats (id, kind, unreachable_since) VALUES ($1, 'private', now())
        ON CONFLICT (id) DO UPDATE
        SET unreachable_since = COALESCE(chats.unreachable_since, now())
        "#,
        chat_id
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// /forget: the user and their private chat (whose id is the user's) are
/// forgotten; a later message makes them a new visitor.
pub async fn erase(tx: &mut PgConnection, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM telegram_users WHERE id = $1", user_id.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM chats WHERE id = $1", user_id.get())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(telegram_language: Option<&str>) -> Visit<'_> {
        Visit {
            user_id: UserId::from_stored(42),
            chat_id: Some(42),
            chat_kind: ChatKind::Private,
            telegram_language,
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn telegram_language_decides_until_a_choice_is_made(pool: PgPool) {
        assert_eq!(
            record_visit(&pool, visit(Some("en"))).await.unwrap(),
            Language::En
        );
        assert_eq!(
            chosen_language(&pool, UserId::from_stored(42))
                .await
                .unwrap(),
            None
        );

        choose_language(&pool, UserId::from_stored(42), Language::Ru)
            .await
            .unwrap();

        assert_eq!(
            record_visit(&pool, visit(Some("en"))).await.unwrap(),
            Language::Ru
        );
        assert_eq!(
            chosen_language(&pool, UserId::from_stored(42))
                .await
                .unwrap(),
            Some(Language::Ru)
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_choice_before_the_first_visit_is_kept(pool: PgPool) {
        choose_language(&pool, UserId::from_stored(42), Language::En)
            .await
            .unwrap();
        assert_eq!(
            record_visit(&pool, visit(Some("ru"))).await.unwrap(),
            Language::En
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_visit_from_another_messenger_leaves_telegrams_chats_alone(pool: PgPool) {
        record_visit(&pool, visit(None)).await.unwrap();
        sqlx::query!("UPDATE chats SET unreachable_since = now() WHERE id = 42")
            .execute(&pool)
            .await
            .unwrap();
        // A Max user whose chat has the same number writes.
        let on_max = Visit {
            user_id: UserId::from_stored(7),
            chat_id: None,
            chat_kind: ChatKind::Private,
            telegram_language: None,
        };
        record_visit(&pool, on_max).await.unwrap();
        let unreachable = sqlx::query_scalar!("SELECT unreachable_since FROM chats WHERE id = 42")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(
            unreachable.is_some(),
            "the Telegram chat is still unreachable"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_returning_user_makes_the_chat_reachable_again(pool: PgPool) {
        record_visit(&pool, visit(None)).await.unwrap();
        sqlx::query!("UPDATE chats SET unreachable_since = now() WHERE id = 42")
            .execute(&pool)
            .await
            .unwrap();

        record_visit(&pool, visit(None)).await.unwrap();

        let unreachable = sqlx::query_scalar!("SELECT unreachable_since FROM chats WHERE id = 42")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(unreachable, None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_chat_that_never_wrote_can_be_marked_unreachable(db: PgPool) {
        let mut conn = db.acquire().await.unwrap();
        mark_unreachable(&mut conn, 77).await.unwrap();
        mark_unreachable(&mut conn, 77).await.unwrap();
        let marked = sqlx::query_scalar!(
            "SELECT unreachable_since IS NOT NULL AS \"marked!\" FROM chats WHERE id = 77"
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert!(marked);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_mark_goes_with_the_callers_transaction(db: PgPool) {
        let mut tx = db.begin().await.unwrap();
        mark_unreachable(&mut tx, 78).await.unwrap();
        tx.rollback().await.unwrap();
        let rows = sqlx::query_scalar!("SELECT count(*) AS \"n!\" FROM chats WHERE id = 78")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(rows, 0, "rolled back with the row it was marked for");
    }
}
