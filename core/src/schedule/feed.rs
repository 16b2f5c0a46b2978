//! Table `calendar_feeds`: a practitioner's private calendar address,
//! `GET /calendar/{token}.ics`, which a phone's calendar subscribes to.
//!
//! The token is 160 random bits, shown once (the bot shows the address
//! when it is made) and kept only as a keyed digest under the blind index
//! key, the Vault's blind-index style: a database dump opens no feed, and a
//! lookup is one indexed equality on the digest, so an unknown token costs
//! the same as a known one up to the answer. One per practitioner: a new
//! token replaces the old at once (the old address answers 404 from then
//! on), and revoking deletes it.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::crypto::Vault;

const DIGEST_KIND: &str = "calendar feed token";

/// Random bytes of a token: 160 bits, above the 128 a guess must face,
/// written as 40 hex digits in the address (nothing to escape in a URL).
const TOKEN_BYTES: usize = 20;

/// A token in clear: exists only between its making and its showing.
pub struct FeedToken(String);

impl FeedToken {
    fn generate() -> FeedToken {
        let bytes: [u8; TOKEN_BYTES] = rand::random();
        FeedToken(hex::encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for FeedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FeedToken(…)")
    }
}

fn digest(vault: &Vault, token: &str) -> Vec<u8> {
    vault.blind_index(DIGEST_KIND, token)
}

/// Makes the owner's token, replacing any earlier one.
pub async fn issue(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    now: DateTime<Utc>,
) -> Result<FeedToken, sqlx::Error> {
    let token = FeedToken::generate();
    sqlx::query!(
        r#"
        INSERT INTO calendar_feeds (owner_id, token_digest, created_at) VALUES ($1, $2, $3)
        ON CONFLICT (owner_id) DO UPDATE
        SET token_digest = EXCLUDED.token_digest, created_at = EXCLUDED.created_at
        "#,
        owner.get(),
        digest(vault, token.as_str()),
        now,
    )
    .execute(db)
    .await?;
    Ok(token)
}

/// Revokes the owner's token; whether there was one.
pub async fn revoke(db: &PgPool, owner: UserId) -> Result<bool, sqlx::Error> {
    let mut conn = db.acquire().await?;
    Ok(erase(&mut conn, owner).await? > 0)
}

/// When the owner's token was made, if they have one.
pub async fn issued_at(db: &PgPool, owner: UserId) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT created_at FROM calendar_feeds WHERE owner_id = $1",
        owner.get()
    )
    .fetch_optional(db)
    .await
}

/// Whose feed `token` opens, if anyone's. Any string is looked up as it
/// is (no shape check that would answer sooner for a malformed one).
pub async fn owner_of(
    db: &PgPool,
    vault: &Vault,
    token: &str,
) -> Result<Option<UserId>, sqlx::Error> {
    let owner = sqlx::query_scalar!(
        "SELECT owner_id FROM calendar_feeds WHERE token_digest = $1",
        digest(vault, token),
    )
    .fetch_optional(db)
    .await?;
    Ok(owner.map(UserId::from_stored))
}

/// /forget and revocation: the owner's token.
pub(crate) async fn erase(tx: &mut PgConnection, owner: UserId) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM calendar_feeds WHERE owner_id = $1",
        owner.get()
    )
    .execute(tx)
    .await?
    .rows_affected())
}
