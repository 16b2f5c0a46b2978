//! The portals allowed to call the HTTP API, each with its own key.
//!
//! Owns the table `api_clients`. One key per client, so one portal's key
//! can expire or be revoked without touching the others, each challenge
//! belongs to the client that made it, and each client has its own rate.
//!
//! The rules:
//! - a key is 256 random bits, shown once when the client is added; only
//!   its SHA-256 is stored, so a copy of the database calls nothing (a
//!   slow password hash is not needed: the key is random, not chosen);
//! - a request is looked up by the hash of what it presents, then the hash
//!   is compared again in constant time;
//! - a revoked key, or one past its expiry, is refused like an unknown one.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;
use subtle::ConstantTimeEq as _;

/// Every key starts with it, so a leaked key is recognisable (secret
/// scanners, logs) and a key of another system is not mistaken for one.
pub const KEY_PREFIX: &str = "medcab_";

/// Longest name, in characters (the table's CHECK agrees).
pub const MAX_NAME: usize = 63;

/// A client's key, in clear: exists only between its making and printing.
pub struct ApiKey(String);

impl ApiKey {
    fn generate() -> ApiKey {
        let bytes: [u8; 32] = rand::random();
        ApiKey(format!("{KEY_PREFIX}{}", hex::encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

fn hash(presented: &[u8]) -> [u8; 32] {
    Sha256::digest(presented).into()
}

/// A client as `list` shows it: never its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error(
        "a name is 1 to {MAX_NAME} lowercase Latin letters, digits, '.', '_' or '-', starting with a letter or digit"
    )]
    BadName,
    #[error("a client named {0:?} exists (revoke it and choose another name)")]
    Taken(String),
    #[error("the expiry must be later than now")]
    AlreadyExpired,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_NAME
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
}

/// When a key given "until DATE" stops working: the end of that day in
/// Moscow, where the staff who set it live by.
pub fn end_of_moscow_day(date: NaiveDate) -> DateTime<Utc> {
    let midnight = (date + Duration::days(1)).and_time(NaiveTime::MIN);
    midnight.and_utc() - Duration::hours(3)
}

/// Adds a client and returns its key, which is nowhere else: print it now.
pub async fn add(
    db: &PgPool,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(Client, ApiKey), AddError> {
    if !valid_name(name) {
        return Err(AddError::BadName);
    }
    if expires_at.is_some_and(|at| at <= now) {
        return Err(AddError::AlreadyExpired);
    }
    let key = ApiKey::generate();
    let id = sqlx::query_scalar!(
        r#"
        INSERT INTO api_clients (name, key_hash, created_at, expires_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (name) DO NOTHING
        RETURNING id
        "#,
        name,
        &hash(key.as_str().as_bytes())[..],
        now,
        expires_at,
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AddError::Taken(name.to_owned()))?;
    let client = Client {
        id,
        name: name.to_owned(),
        created_at: now,
        expires_at,
        revoked_at: None,
        last_used_at: None,
    };
    Ok((client, key))
}

/// Every client, oldest first.
pub async fn list(db: &PgPool) -> Result<Vec<Client>, sqlx::Error> {
    sqlx::query_as!(
        Client,
        r#"
        SELECT id, name, created_at, expires_at, revoked_at, last_used_at
        FROM api_clients ORDER BY id
        "#
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoke {
    Revoked,
    AlreadyRevoked,
    Unknown,
}

/// Revokes a client's key for good: its next request gets 401.
pub async fn revoke(db: &PgPool, name: &str, now: DateTime<Utc>) -> Result<Revoke, sqlx::Error> {
    let revoked = sqlx::query!(
        "UPDATE api_clients SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
        name,
        now,
    )
    .execute(db)
    .await?
    .rows_affected();
    if revoked == 1 {
        return Ok(Revoke::Revoked);
    }
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM api_clients WHERE name = $1) AS "exists!""#,
        name
    )
    .fetch_one(db)
    .await?;
    Ok(if exists {
        Revoke::AlreadyRevoked
    } else {
        Revoke::Unknown
    })
}

/// Why a presented key that [`authenticate`] refused was refused, for the
/// security log: the client it belonged to when it is a revoked or expired
/// key (still in use somewhere, which someone must hear of), or none when
/// no client has it.
pub async fn refused_key(
    db: &PgPool,
    presented: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<(String, &'static str)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT name, revoked_at, expires_at FROM api_clients WHERE key_hash = $1",
        &hash(presented)[..],
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| {
        let why = if row.revoked_at.is_some() {
            "revoked"
        } else if row.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else {
            "refused"
        };
        (row.name, why)
    }))
}

/// The client whose key was presented, if it may call now.
pub async fn authenticate(
    db: &PgPool,
    presented: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Client>, sqlx::Error> {
    let presented_hash = hash(presented);
    let row = sqlx::query!(
        r#"
        SELECT id, name, key_hash, created_at, expires_at, revoked_at, last_used_at
        FROM api_clients WHERE key_hash = $1
        "#,
        &presented_hash[..],
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    // The index found it by equality; compare again in constant time so
    // that nothing here depends on how much of a guess matched.
    let matches = bool::from(row.key_hash.as_slice().ct_eq(&presented_hash[..]));
    let usable = row.revoked_at.is_none() && row.expires_at.is_none_or(|at| now < at);
    if !(matches && usable) {
        return Ok(None);
    }
    sqlx::query!(
        r#"
        UPDATE api_clients SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')
        "#,
        row.id,
        now,
    )
    .execute(db)
    .await?;
    Ok(Some(Client {
        id: row.id,
        name: row.name,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        last_used_at: Some(now),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn names_are_plain() {
        for good in ["gosuslugi", "portal-1", "lk.minzdrav", "a"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "-x", "Portal", "портал", "a b", &"a".repeat(64)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_date_lasts_to_its_moscow_midnight() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            end_of_moscow_day(date),
            DateTime::parse_from_rfc3339("2026-11-25T21:00:00Z")
                .unwrap()
                .to_utc()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_key_works_until_revoked_or_expired_and_is_not_stored(db: PgPool) {
        let (client, key) = add(&db, "portal", Some(start() + Duration::days(1)), start())
            .await
            .unwrap();
        assert!(key.as_str().starts_with(KEY_PREFIX));
        assert_eq!(key.as_str().len(), KEY_PREFIX.len() + 64);
        assert_eq!(format!("{key:?}"), "ApiKey(…)");
        let stored: String = sqlx::query_scalar("SELECT row_to_json(c)::text FROM api_clients c")
            .fetch_one(&db)
            .await
            .unwrap();
        assert!(
            !stored.contains(&key.as_str()[KEY_PREFIX.len()..]),
            "{stored}"
        );

        let found = authenticate(&db, key.as_str().as_bytes(), start())
            .await
            .unwrap()
            .expect("the key works");
        assert_eq!(found.id, client.id);
        assert_eq!(list(&db).await.unwrap()[0].last_used_at, Some(start()));
        // The last digit changed (one key in 16 ends in 0 already).
        let (body, last) = key.as_str().split_at(key.as_str().len() - 1);
        let wrong = format!("{body}{}", if last == "0" { "1" } else { "0" });
        assert_eq!(
            authenticate(&db, wrong.as_bytes(), start()).await.unwrap(),
            None
        );
        let later = start() + Duration::days(1);
        assert_eq!(
            authenticate(&db, key.as_str().as_bytes(), later)
                .await
                .unwrap(),
            None,
            "expired"
        );

        let (_, other) = add(&db, "other", None, start()).await.unwrap();
        assert_eq!(
            revoke(&db, "other", start()).await.unwrap(),
            Revoke::Revoked
        );
        assert_eq!(
            revoke(&db, "other", start()).await.unwrap(),
            Revoke::AlreadyRevoked
        );
        assert_eq!(
            revoke(&db, "nobody", start()).await.unwrap(),
            Revoke::Unknown
        );
        assert_eq!(
            authenticate(&db, other.as_str().as_bytes(), start())
                .await
                .unwrap(),
            None
        );
        assert!(matches!(
            add(&db, "other", None, start()).await,
            Err(AddError::Taken(_))
        ));
        assert!(matches!(
            add(&db, "x", Some(start()), start()).await,
            Err(AddError::AlreadyExpired)
        ));
    }
}
