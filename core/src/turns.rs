//! What every update needs from the database before a conversation sees
//! it, in one statement: the update claimed (a redelivered one stops
//! there), the visit noted, the language to answer in, the time zone to
//! show times in, and where the user stands in onboarding.
//!
//! These were six round trips to PostgreSQL (the claim, the visit's
//! transaction of two upserts, the settings, the consent, the account's
//! step) before anything the user asked for; at a few hundred updates a
//! second the round trips, not the work, were the bot's cost. The one
//! statement reads and writes tables other modules own — `processed_updates`
//! (`updates`), `telegram_users` and `chats` (`telegram_users`),
//! `notification_settings`, `consents` (`consent`), `accounts` — with the
//! same rules as theirs: the owners' functions stay the reference, and the
//! tests below check this statement agrees with them.

use chrono_tz::Tz;
use sqlx::PgPool;

use crate::UserId;
use crate::accounts::Step;
use crate::channels::Messenger;
use crate::language::Language;
use crate::notification_settings;
use crate::onboarding::Position;

/// An update arriving from a user in their private chat.
#[derive(Debug, Clone)]
pub struct Arriving<'a> {
    pub messenger: Messenger,
    pub update_id: i64,
    /// The messenger's chat (for the claim, erased with the chat).
    pub chat_id: i64,
    pub user_id: UserId,
    /// The Telegram chat, kept in `chats` (delivery's reachability); `None`
    /// on another messenger (see `telegram_users::Visit`).
    pub telegram_chat_id: Option<i64>,
    /// The language the messenger reports for the user.
    pub phone_language: Option<&'a str>,
}

/// What the update's handlers start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    pub language: Language,
    pub zone: Tz,
    pub position: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begun {
    Fresh(Turn),
    /// Claimed before: handled already (or being handled).
    AlreadyHandled,
}

/// Claims the update and, when it is fresh, gives what its handlers need.
///
/// The visit is noted even for an update claimed before (the statement's
/// parts run together); that is only the time last seen.
pub async fn begin(db: &PgPool, arriving: &Arriving<'_>) -> Result<Begun, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        WITH claimed AS (
            INSERT INTO processed_updates (messenger, update_id, chat_id)
            VALUES ($1, $2, $3)
            ON CONFLICT (messenger, update_id) DO NOTHING
            RETURNING 1
        ), seen AS (
            INSERT INTO telegram_users (id, telegram_language)
            VALUES ($4, $5)
            ON CONFLICT (id) DO UPDATE
                SET telegram_language = EXCLUDED.telegram_language,
                    last_seen_at = now()
            RETURNING language
        ), chat AS (
            INSERT INTO chats (id, kind)
            SELECT $6::BIGINT, 'private' WHERE $6::BIGINT IS NOT NULL
            ON CONFLICT (id) DO UPDATE
                SET last_seen_at = now(),
                    -- a user who writes again has unblocked the bot
                    unreachable_since = NULL
            RETURNING 1
        )
        SELECT
            EXISTS (SELECT 1 FROM claimed) AS "fresh!",
            (SELECT language FROM seen) AS chosen_language,
            (SELECT count(*) FROM chat) AS "chats!",
            (SELECT time_zone FROM notification_settings WHERE telegram_user_id = $4) AS zone,
            EXISTS (
                SELECT 1 FROM consents WHERE telegram_user_id = $4 AND withdrawn_at IS NULL
            ) AS "consented!",
            (SELECT step FROM accounts WHERE telegram_user_id = $4) AS step
        "#,
        arriving.messenger.as_str(),
        arriving.update_id,
        arriving.chat_id,
        arriving.user_id.get(),
        arriving.phone_language,
        arriving.telegram_chat_id,
    )
    .fetch_one(db)
    .await?;
    if !row.fresh {
        return Ok(Begun::AlreadyHandled);
    }
    let language = Language::resolve(
        row.chosen_language
            .as_deref()
            .and_then(|code| code.parse().ok()),
        arriving.phone_language,
    );
    let zone = notification_settings::zone_named(row.zone);
    let position = Position::of(row.consented, row.step.as_deref().map(Step::parse));
    Ok(Begun::Fresh(Turn {
        language,
        zone,
        position,
    }))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::telegram_users::{self, ChatKind, Visit};
    use crate::{accounts, consent, onboarding, updates};

    fn arriving(user: i64, update_id: i64, phone_language: Option<&str>) -> Arriving<'_> {
        Arriving {
            messenger: Messenger::Telegram,
            update_id,
            chat_id: user,
            user_id: UserId::from_stored(user),
            telegram_chat_id: Some(user),
            phone_language,
        }
    }

    fn fresh(begun: Begun) -> Turn {
        match begun {
            Begun::Fresh(turn) => turn,
            Begun::AlreadyHandled => panic!("the update was fresh"),
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_update_is_claimed_once(db: PgPool) {
        let first = begin(&db, &arriving(5, 1, Some("ru"))).await.unwrap();
        assert!(matches!(first, Begun::Fresh(_)));
        let again = begin(&db, &arriving(5, 1, Some("ru"))).await.unwrap();
        assert_eq!(again, Begun::AlreadyHandled);
        // The claim is the one `updates` gives back and erases.
        assert_eq!(
            updates::claim(&db, Messenger::Telegram, 1, Some(5))
                .await
                .unwrap(),
            updates::Claim::AlreadyHandled
        );
        assert_eq!(
            updates::erase_chat(&mut db.acquire().await.unwrap(), Messenger::Telegram, 5)
                .await
                .unwrap(),
            1
        );
        assert!(matches!(
            begin(&db, &arriving(5, 1, Some("ru"))).await.unwrap(),
            Begun::Fresh(_)
        ));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_newcomer_needs_consent_in_their_phone_language(db: PgPool) {
        let turn = fresh(begin(&db, &arriving(6, 1, Some("en"))).await.unwrap());
        assert_eq!(
            turn,
            Turn {
                language: Language::En,
                zone: Tz::Europe__Moscow,
                position: Position::NeedsConsent,
            }
        );
        // The visit is the one `telegram_users` records.
        let visit = Visit {
            user_id: UserId::from_stored(6),
            chat_id: Some(6),
            chat_kind: ChatKind::Private,
            telegram_language: Some("en"),
        };
        assert_eq!(
            telegram_users::record_visit(&db, visit).await.unwrap(),
            Language::En
        );
        let chats: i64 = sqlx::query_scalar("SELECT count(*) FROM chats WHERE id = 6")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(chats, 1);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_turn_agrees_with_the_owners_of_each_part(db: PgPool) {
        let user = UserId::from_stored(7);
        let now = Utc::now();
        let mut update = 0;
        let mut turn = async |db: &PgPool| {
            update += 1;
            fresh(begin(db, &arriving(7, update, Some("ru"))).await.unwrap())
        };
        assert_eq!(
            turn(&db).await.position,
            onboarding::position(&db, user).await.unwrap()
        );

        consent::give(&db, user, now).await.unwrap();
        assert_eq!(turn(&db).await.position, Position::Onboarding(Step::Phone));
        accounts::open(&db, user, now).await.unwrap();
        assert_eq!(
            turn(&db).await.position,
            onboarding::position(&db, user).await.unwrap()
        );

        telegram_users::choose_language(&db, user, Language::En)
            .await
            .unwrap();
        let settings = notification_settings::Settings {
            time_zone: Tz::Asia__Vladivostok,
            ..notification_settings::Settings::default()
        };
        notification_settings::save(&db, user, &settings, now)
            .await
            .unwrap();
        let now_turn = turn(&db).await;
        assert_eq!(
            now_turn.language,
            Language::En,
            "the user's own choice wins"
        );
        assert_eq!(
            now_turn.zone,
            notification_settings::get(&db, user)
                .await
                .unwrap()
                .time_zone
        );
        assert_eq!(now_turn.zone, Tz::Asia__Vladivostok);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_max_update_touches_no_telegram_chat(db: PgPool) {
        let max = Arriving {
            messenger: Messenger::Max,
            telegram_chat_id: None,
            ..arriving(8, 1, None)
        };
        fresh(begin(&db, &max).await.unwrap());
        let chats: i64 = sqlx::query_scalar("SELECT count(*) FROM chats")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(chats, 0);
        // The same update id on Telegram is another update.
        fresh(begin(&db, &arriving(8, 1, None)).await.unwrap());
    }
}
