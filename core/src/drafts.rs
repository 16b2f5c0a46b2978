//! Unfinished answers, kept the moment they are given.
//!
//! Owns the table `drafts`. A conversation that asks several questions
//! before it can save a record (a profile, a document's details) keeps the
//! answers here, sealed, one draft per practitioner and kind: a bot
//! restart, a Redis flush or a day of silence loses nothing the user typed.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgPool;

use crate::UserId;
use crate::crypto::{CryptoError, RowKey, Vault};

pub(crate) const FIELD: &str = "drafts.data";

/// A draft is sealed for its practitioner and kind (the table's key).
fn row_key(owner_id: UserId, kind: Kind) -> RowKey {
    RowKey::id(owner_id.get()).and_text(kind.as_str())
}

/// Which conversation a draft belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Profile,
    Document,
    /// A diploma or a programme of additional education being added or
    /// changed.
    Education,
    /// An education record toward accreditation being added or changed
    /// («Обучение и НМО»).
    Qualification,
    /// Which part of the report on professional activity is being asked
    /// (the answers themselves are `activity_report`'s, saved at once).
    ActivityReport,
    /// A slot of the schedule being added or moved («Расписание»).
    Schedule,
    /// An answer or a press that came while the second-factor session was
    /// closed, kept until the code opens it (the bot's step-up gate).
    HeldInput,
    /// /forget asked for the code; the next text is it (no data inside).
    Forget,
    /// A referral being filled in («📮 Направления → ➕ Новое»).
    Referral,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Document => "document",
            Kind::Education => "education",
            Kind::Qualification => "qualification",
            Kind::ActivityReport => "activity_report",
            Kind::Schedule => "schedule",
            Kind::HeldInput => "held_input",
            Kind::Forget => "forget",
            Kind::Referral => "referral",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a draft does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error("a draft does not decode: {0}")]
    Decode(#[from] serde_json::Error),
}

/// Replaces the draft of this kind with `draft`.
pub async fn save<T: Serialize>(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    kind: Kind,
    draft: &T,
    now: DateTime<Utc>,
) -> Result<(), DraftError> {
    let sealed = vault.seal(FIELD, &row_key(owner_id, kind), &serde_json::to_vec(draft)?);
    sqlx::query!(
        r#"
        INSERT INTO drafts (owner_id, kind, data, updated_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (owner_id, kind) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at
        "#,
        owner_id.get(),
        kind.as_str(),
        sealed,
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The draft of this kind, if one was started. A draft that no longer
/// decodes (written by an older version) is treated as none.
pub async fn load<T: DeserializeOwned>(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    kind: Kind,
) -> Result<Option<T>, DraftError> {
    let sealed = sqlx::query_scalar!(
        "SELECT data FROM drafts WHERE owner_id = $1 AND kind = $2",
        owner_id.get(),
        kind.as_str(),
    )
    .fetch_optional(db)
    .await?;
    sealed.map_or(Ok(None), |sealed| open(vault, owner_id, kind, &sealed))
}

/// When the draft of this kind was last written, without opening it.
pub async fn updated_at(
    db: &PgPool,
    owner_id: UserId,
    kind: Kind,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT updated_at FROM drafts WHERE owner_id = $1 AND kind = $2",
        owner_id.get(),
        kind.as_str(),
    )
    .fetch_optional(db)
    .await
}

/// Whether a draft of this kind was started, without opening it.
pub async fn exists(db: &PgPool, owner_id: UserId, kind: Kind) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM drafts WHERE owner_id = $1 AND kind = $2) AS "found!""#,
        owner_id.get(),
        kind.as_str(),
    )
    .fetch_one(db)
    .await?;
    Ok(found)
}

/// The draft of this kind, removed in the same statement: whoever takes it
/// has it alone (a held input is carried out once).
pub async fn take<T: DeserializeOwned>(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    kind: Kind,
) -> Result<Option<T>, DraftError> {
    let sealed = sqlx::query_scalar!(
        "DELETE FROM drafts WHERE owner_id = $1 AND kind = $2 RETURNING data",
        owner_id.get(),
        kind.as_str(),
    )
    .fetch_optional(db)
    .await?;
    sealed.map_or(Ok(None), |sealed| open(vault, owner_id, kind, &sealed))
}

/// Opens a stored draft. One that no longer decodes (written by an older
/// version) is treated as none.
fn open<T: DeserializeOwned>(
    vault: &Vault,
    owner_id: UserId,
    kind: Kind,
    sealed: &[u8],
) -> Result<Option<T>, DraftError> {
    let bytes = vault.open(FIELD, &row_key(owner_id, kind), sealed)?;
    match serde_json::from_slice(&bytes) {
        Ok(draft) => Ok(Some(draft)),
        Err(error) => {
            tracing::warn!(%error, kind = kind.as_str(), "dropping a draft that no longer decodes");
            Ok(None)
        }
    }
}

/// Takes the draft a record is stored from, in the record's transaction,
/// so that the same answers handled again (their instance died between the
/// two) find no draft to store a second time: `false` when there is none
/// left, because another chat of the account stored it first (its
/// transaction held the row; this one waited, and finds it gone) or it was
/// given up. The caller then stores nothing.
pub async fn consume(
    db: impl sqlx::PgExecutor<'_>,
    owner_id: UserId,
    kind: Kind,
) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query!(
        "DELETE FROM drafts WHERE owner_id = $1 AND kind = $2",
        owner_id.get(),
        kind.as_str()
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(deleted > 0)
}

/// Forgets the draft (given up, or kept no longer).
pub async fn discard(
    db: impl sqlx::PgExecutor<'_>,
    owner_id: UserId,
    kind: Kind,
) -> Result<(), sqlx::Error> {
    consume(db, owner_id, kind).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use serde::Deserialize;

    use super::*;
    use crate::{DataKey, accounts};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Answers {
        name: Option<String>,
        number: Option<String>,
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_draft_is_kept_sealed_until_discarded(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        accounts::open(&db, UserId::from_stored(7), now())
            .await
            .unwrap();
        let answers = Answers {
            name: Some("Иванова Анна".into()),
            number: None,
        };

        save(
            &db,
            &vault,
            UserId::from_stored(7),
            Kind::Profile,
            &answers,
            now(),
        )
        .await
        .unwrap();
        let later = Answers {
            number: Some("4510 123456".into()),
            ..answers
        };
        save(
            &db,
            &vault,
            UserId::from_stored(7),
            Kind::Profile,
            &later,
            now(),
        )
        .await
        .unwrap();

        let loaded: Option<Answers> = load(&db, &vault, UserId::from_stored(7), Kind::Profile)
            .await
            .unwrap();
        assert_eq!(loaded, Some(later));
        let nothing: Option<Answers> = load(&db, &vault, UserId::from_stored(7), Kind::Document)
            .await
            .unwrap();
        assert_eq!(nothing, None, "kinds do not mix");

        let raw: Vec<u8> = sqlx::query_scalar("SELECT data FROM drafts")
            .fetch_one(&db)
            .await
            .unwrap();
        let raw = String::from_utf8_lossy(&raw);
        assert!(
            !raw.contains("Иванова") && !raw.contains("4510"),
            "sealed at rest"
        );

        discard(&db, UserId::from_stored(7), Kind::Profile)
            .await
            .unwrap();
        let gone: Option<Answers> = load(&db, &vault, UserId::from_stored(7), Kind::Profile)
            .await
            .unwrap();
        assert_eq!(gone, None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn erasing_the_account_erases_its_drafts(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        accounts::open(&db, UserId::from_stored(7), now())
            .await
            .unwrap();
        save(
            &db,
            &vault,
            UserId::from_stored(7),
            Kind::Document,
            &Answers {
                name: None,
                number: Some("1".into()),
            },
            now(),
        )
        .await
        .unwrap();

        crate::erasure::forget(&db, &vault, UserId::from_stored(7), now())
            .await
            .unwrap();

        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM drafts")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}
