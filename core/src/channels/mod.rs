//! The messengers an account talks through, and linking a second one.
//!
//! Owns the tables `channels` and `channel_link_codes`.
//!
//! An account is one person's cabinet, whatever messenger they write from.
//! One born on Telegram keeps its Telegram user id as its [`UserId`] (the
//! id every table keyed by a person stores); one born on Max gets an id
//! from [`MAX_BORN_FROM`] up, past any Telegram id, so the two never meet.
//! A second messenger is linked from the first with a one-time code (a
//! deep link opened in the other messenger), never by typing a СНИЛС
//! again: the consent, the register match and the second factor are the
//! account's, not the messenger's.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::UserId;
use crate::accounts::{self, Step};
use crate::crypto::Vault;
use crate::outbox::{self, Notification, Payload, Push};
use crate::security_events::{self, Kind};
use serde_json::json;

/// Where the ids of accounts born on Max begin: 2^60. Telegram's user ids
/// have at most 52 significant bits.
pub const MAX_BORN_FROM: i64 = 1 << 60;

/// How long a link code may wait to be opened.
pub const LINK_CODE_LIFETIME: Duration = Duration::minutes(10);

/// The messengers medcab talks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Messenger {
    Telegram,
    Max,
}

impl Messenger {
    pub const ALL: [Messenger; 2] = [Messenger::Telegram, Messenger::Max];

    pub fn as_str(self) -> &'static str {
        match self {
            Messenger::Telegram => "telegram",
            Messenger::Max => "max",
        }
    }

    /// Its own name, as people write it (a proper name: the same in every
    /// language).
    pub fn name(self) -> &'static str {
        match self {
            Messenger::Telegram => "Telegram",
            Messenger::Max => "Max",
        }
    }

    pub fn parse(text: &str) -> Option<Messenger> {
        Messenger::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// The messenger an account was born on: its id says (see [`MAX_BORN_FROM`]).
/// An account born on Telegram is known to staff by its Telegram id; one
/// born on Max has no such id to show.
pub fn born_on(user_id: UserId) -> Messenger {
    if user_id.get() >= MAX_BORN_FROM {
        Messenger::Max
    } else {
        Messenger::Telegram
    }
}

/// One messenger of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub messenger: Messenger,
    pub chat_id: i64,
    pub reachable: bool,
}

/// The account a messenger's user is, made on their first update: a
/// Telegram user's is their own id, a Max user's a new one. `None` only
/// when the messenger's id cannot be given an account (a Telegram id
/// whose account already has another Telegram account linked).
pub async fn account_of(
    pool: &PgPool,
    messenger: Messenger,
    external_id: i64,
    chat_id: i64,
) -> Result<Option<UserId>, sqlx::Error> {
    // One round trip: the row if there is one, else a new one; and a
    // person who writes has not blocked the bot (the mark is cleared).
    let found = sqlx::query_scalar!(
        r#"
        WITH found AS (
            SELECT user_id FROM channels WHERE messenger = $1 AND external_id = $2
        ), cleared AS (
            UPDATE channels SET unreachable_since = NULL
            WHERE messenger = $1 AND external_id = $2 AND unreachable_since IS NOT NULL
        ), made AS (
            INSERT INTO channels (messenger, external_id, chat_id, user_id)
            SELECT $1, $2, $3,
                   CASE WHEN $1 = 'telegram' THEN $2
                        ELSE $4 + nextval('max_born_accounts') END
            WHERE NOT EXISTS (SELECT 1 FROM found)
            ON CONFLICT DO NOTHING
            RETURNING user_id
        )
        SELECT user_id AS "user_id!" FROM found
        UNION ALL
        SELECT user_id AS "user_id!" FROM made
        "#,
        messenger.as_str(),
        external_id,
        chat_id,
        MAX_BORN_FROM - 1,
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.map(UserId::from_stored))
}

/// The messengers of an account, Telegram first.
pub async fn of_account(
    db: impl sqlx::PgExecutor<'_>,
    user_id: UserId,
) -> Result<Vec<Channel>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT messenger, chat_id, unreachable_since IS NULL AS "reachable!"
        FROM channels WHERE user_id = $1
        ORDER BY messenger DESC
        "#,
        user_id.get(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Channel {
                messenger: Messenger::parse(&row.messenger)?,
                chat_id: row.chat_id,
                reachable: row.reachable,
            })
        })
        .collect())
}

/// The messenger says the person blocked the bot: nothing is sent there
/// until they write again.
pub async fn mark_unreachable(
    tx: &mut sqlx::PgConnection,
    messenger: Messenger,
    chat_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE channels SET unreachable_since = COALESCE(unreachable_since, $3)
        WHERE messenger = $1 AND chat_id = $2
        "#,
        messenger.as_str(),
        chat_id,
        now,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Why no link code was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefused {
    /// The account is not active (onboarding unfinished, a reset took its
    /// factor, erased): whoever opened the link would get a cabinet that
    /// has not been through the register and the second factor.
    NotActive,
    /// That messenger is linked to the account already (the one written
    /// from is always): a new link would replace its chat without a word.
    AlreadyLinked,
}

/// A one-time code to open in `messenger` to link it to `user_id`'s
/// account; a new code replaces the account's earlier ones. The code is
/// 128 random bits, URL-safe (a deep link's `start` parameter); only its
/// keyed digest is kept. Given only to an active account for a messenger
/// it has not linked, decided under the account's row lock that
/// [`redeem_link_code`] takes too: a link made meanwhile, a reset, an
/// unlink or /forget cannot slip between the check and the code.
pub async fn issue_link_code(
    pool: &PgPool,
    vault: &Vault,
    user_id: UserId,
    messenger: Messenger,
    now: DateTime<Utc>,
) -> Result<Result<String, CodeRefused>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if accounts::lock_step(&mut tx, user_id).await? != Some(Step::Active) {
        return Ok(Err(CodeRefused::NotActive));
    }
    let linked = sqlx::query_scalar!(
        r#"
        SELECT EXISTS (SELECT 1 FROM channels WHERE user_id = $1 AND messenger = $2) AS "linked!"
        "#,
        user_id.get(),
        messenger.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if linked {
        return Ok(Err(CodeRefused::AlreadyLinked));
    }
    let bytes: [u8; 16] = rand::random();
    let code = format!("link-{}", hex(&bytes));
    let digest = vault.keyed_digest(LINK_DIGEST, code.as_bytes());
    sqlx::query!(
        "DELETE FROM channel_link_codes WHERE user_id = $1",
        user_id.get()
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"
        INSERT INTO channel_link_codes (digest, user_id, messenger, expires_at)
        VALUES ($1, $2, $3, $4)
        "#,
        digest,
        user_id.get(),
        messenger.as_str(),
        now + LINK_CODE_LIFETIME,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(code))
}

const LINK_DIGEST: &str = "channel link code";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a `/start` payload looks like a link code (and not, say, a
/// referral's or a campaign's).
pub fn is_link_code(payload: &str) -> bool {
    payload
        .strip_prefix("link-")
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Why a link code did not link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Unknown, used, expired, or meant for the other messenger: all the
    /// same to the person (a new code is one press away).
    NotValid,
    /// This messenger account already has a cabinet of its own (it went
    /// through onboarding): two accounts are not merged.
    HasItsOwnAccount,
}

/// Links the messenger account that opened `code` to the code's account.
/// A messenger account seen before only as a newcomer (no consent given,
/// nothing stored) is moved over; its empty account is left behind.
pub async fn redeem_link_code(
    pool: &PgPool,
    vault: &Vault,
    code: &str,
    messenger: Messenger,
    external_id: i64,
    chat_id: i64,
    now: DateTime<Utc>,
) -> Result<Result<UserId, LinkRefusal>, sqlx::Error> {
    let digest = vault.keyed_digest(LINK_DIGEST, code.as_bytes());
    let mut tx = pool.begin().await?;
    // Whose code it is, read without a lock: the account's row is locked
    // first, as `issue_link_code` does (account, then codes: two orders
    // would deadlock), and the code taken after.
    let Some(owner) = sqlx::query_scalar!(
        "SELECT user_id FROM channel_link_codes WHERE digest = $1",
        digest,
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Err(LinkRefusal::NotValid));
    };
    // An account that is no longer active (a reset took its factor, or it
    // was erased) gains no messenger from a code it was given before.
    if accounts::lock_step(&mut tx, UserId::from_stored(owner)).await? != Some(Step::Active) {
        return Ok(Err(LinkRefusal::NotValid));
    }
    // Taken once: a second opening, or a newer code that replaced it
    // meanwhile, finds nothing.
    let taken = sqlx::query_scalar!(
        r#"
        DELETE FROM channel_link_codes
        WHERE digest = $1 AND user_id = $2 AND messenger = $3 AND expires_at > $4
        RETURNING user_id
        "#,
        digest,
        owner,
        messenger.as_str(),
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_none() {
        return Ok(Err(LinkRefusal::NotValid));
    }
    let current = sqlx::query_scalar!(
        r#"
        SELECT c.user_id
        FROM channels c
        WHERE c.messenger = $1 AND c.external_id = $2
        FOR UPDATE
        "#,
        messenger.as_str(),
        external_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(current) = current {
        if current == owner {
            tx.commit().await?;
            return Ok(Ok(UserId::from_stored(owner)));
        }
        let has_account = sqlx::query_scalar!(
            r#"
            SELECT EXISTS (SELECT 1 FROM consents WHERE telegram_user_id = $1)
                OR EXISTS (SELECT 1 FROM accounts WHERE telegram_user_id = $1)
                AS "has!"
            "#,
            current,
        )
        .fetch_one(&mut *tx)
        .await?;
        if has_account {
            // The code is spent either way: it was shown to the wrong place.
            let details = json!({ "messenger": messenger.as_str() });
            let owner = UserId::from_stored(owner);
            security_events::record(&mut tx, owner, Kind::ChannelLinkRefused, details, now).await?;
            tx.commit().await?;
            return Ok(Err(LinkRefusal::HasItsOwnAccount));
        }
        sqlx::query!(
            "DELETE FROM channels WHERE messenger = $1 AND external_id = $2",
            messenger.as_str(),
            external_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    // The account's earlier account on this messenger, if any, is replaced.
    sqlx::query!(
        "DELETE FROM channels WHERE user_id = $1 AND messenger = $2",
        owner,
        messenger.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    // Told on the messengers the account had before (written before the
    // new one is in `channels`, so the one just linked, maybe not the
    // owner's, is not told): a link the owner did not make is noticed.
    let push = Notification::new(
        owner,
        outbox::Kind::SecurityNotice,
        Payload::new(Push::MessengerLinked { messenger }),
    );
    outbox::enqueue(&mut tx, &push, now).await?;
    sqlx::query!(
        r#"
        INSERT INTO channels (messenger, external_id, chat_id, user_id, linked_at)
        VALUES ($1, $2, $3, $4, $5)
        "#,
        messenger.as_str(),
        external_id,
        chat_id,
        owner,
        now,
    )
    .execute(&mut *tx)
    .await?;
    let owner = UserId::from_stored(owner);
    let details = json!({ "messenger": messenger.as_str() });
    security_events::record(&mut tx, owner, Kind::ChannelLinked, details, now).await?;
    tx.commit().await?;
    Ok(Ok(owner))
}

/// Retention: deletes up to `batch` codes expired by `now`.
pub async fn purge_expired_codes(
    pool: &PgPool,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM channel_link_codes
        WHERE digest IN (
            SELECT digest FROM channel_link_codes WHERE expires_at <= $1 LIMIT $2
        )
        "#,
        now,
        batch,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(purged)
}

/// /forget: the account's messengers and codes go.
pub async fn erase(tx: &mut sqlx::PgConnection, user_id: UserId) -> Result<u64, sqlx::Error> {
    sqlx::query!(
        "DELETE FROM channel_link_codes WHERE user_id = $1",
        user_id.get()
    )
    .execute(&mut *tx)
    .await?;
    let erased = sqlx::query!("DELETE FROM channels WHERE user_id = $1", user_id.get())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    Ok(erased)
}

#[cfg(test)]
mod tests;
