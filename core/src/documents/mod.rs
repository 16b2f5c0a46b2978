//! A practitioner's documents: passport, СНИЛС, diplomas, accreditation and
//! the rest, each a file with what the practitioner states about it.
//!
//! Owns the table `documents`. Before anything is written, the file is
//! checked by content ([`check_file`]) and the metadata against its kind
//! ([`validate`]); a refusal names the one thing to fix. The number, the
//! issuer, the file's name and the file itself are sealed with the
//! [`Vault`]; the dates stay in clear (reminders before an accreditation
//! runs out are found by them). The SHA-256 of the file as sent is kept, so
//! the same file sent twice is recognised ([`Stored::Duplicate`]).
//!
//! Every read takes the owner's id and finds only the owner's documents: an
//! id of someone else's document (a forged callback) is `None`, the same as
//! an id that does not exist. Operators read through the `*_for_review`
//! functions, whose callers check the role and audit the view.
//!
//! Every change is a version in [`crate::history`], written in the same
//! transaction; a version holds the metadata, never the file.

mod file;
mod meta;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::history::{self, Action, Actor, Change, Entity, HistoryError};
use crate::qualification::AccreditationDocument;

pub use file::{DEFAULT_MAX_BYTES, FileRejection, FileType, check_file, stored_file_name};
pub use meta::{DocumentKind, DocumentMeta, MetaRejection, ValidUntilRule, is_expired, validate};

use crate::clock::moscow_today;

pub const NUMBER_FIELD: &str = "documents.number";
pub const ISSUER_FIELD: &str = "documents.issuer";
pub const FILE_NAME_FIELD: &str = "documents.file_name";
pub const CONTENT_FIELD: &str = "documents.content";
/// The namespace of a file's keyed digest ([`Vault::keyed_digest`]).
const DIGEST_KIND: &str = "document file";

/// The keyed digest stored in `documents.sha256` (the column keeps its old
/// name): HMAC-SHA256 under the blind index key, which, unlike the plain
/// SHA-256 stored before, does not let someone holding a known file confirm
/// from a dump that a practitioner has it. Equal files still give equal
/// digests, which is all deduplication needs.
pub fn file_digest(vault: &Vault, file: &[u8]) -> [u8; 32] {
    vault
        .keyed_digest(DIGEST_KIND, file)
        .try_into()
        .expect("HMAC-SHA256 is 32 bytes")
}

/// What rows stored before the digests were keyed hold: `reseal` replaces
/// them with [`file_digest`]; until then they still count as the same file.
pub fn legacy_digest(file: &[u8]) -> [u8; 32] {
    Sha256::digest(file).into()
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The file is refused; nothing was stored.
    #[error(transparent)]
    File(#[from] FileRejection),
    /// The metadata is refused; nothing was stored.
    #[error(transparent)]
    Meta(#[from] MetaRejection),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored field does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("a stored document does not parse or does not match its SHA-256")]
    Corrupt,
    /// The practitioner has as many documents, or as many bytes of them,
    /// as [`Quota`] allows; nothing was stored.
    #[error("over the documents quota: {count} documents, {bytes} bytes")]
    OverQuota {
        /// Documents (not deleted) and their total size, before this one.
        count: u32,
        bytes: u64,
        quota: Quota,
    },
}

/// How much one practitioner may keep: a bound on what one account (or a
/// script behind it) can make the database and its backups hold. Deleted
/// documents do not count (the practitioner cannot remove them further;
/// review keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max_count: u32,
    pub max_total_bytes: u64,
}

/// A practitioner needs a dozen or two documents; 50 leaves room for
/// every certificate of a long career.
pub const DEFAULT_MAX_COUNT: u32 = 50;
/// 50 scans at the default 5 MB would be 250 MB; real scans are far
/// smaller, and 100 MB keeps the whole register's storage predictable.
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 100 * 1024 * 1024;

impl Default for Quota {
    fn default() -> Self {
        Quota {
            max_count: DEFAULT_MAX_COUNT,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

/// What [`store`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new document with this id.
    New(i64),
    /// The practitioner already has this very file (same SHA-256), as this
    /// document; nothing new was stored.
    Duplicate(i64),
}

/// A line of "my documents".
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentSummary {
    pub id: i64,
    pub kind: DocumentKind,
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub file_type: FileType,
    pub created_at: DateTime<Utc>,
}

/// A document's metadata, opened; the file is read apart ([`content`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Document {
    pub id: i64,
    pub owner_id: UserId,
    pub kind: DocumentKind,
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub issuer: Option<String>,
    pub file_type: FileType,
    pub file_size: i64,
    /// As kept by [`stored_file_name`]: the extension is the real type's.
    pub file_name: String,
    /// [`file_digest`] of the file (or, until resealed, [`legacy_digest`]).
    pub digest: [u8; 32],
    pub created_at: DateTime<Utc>,
    /// Set when the practitioner deleted it; only review still sees it.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Document {
    /// The version [`crate::history`] keeps: everything but the file.
    fn snapshot(&self) -> Value {
        json!({
            "kind": self.kind.as_str(),
            "number": self.number,
            "issued_on": self.issued_on,
            "valid_until": self.valid_until,
            "issuer": self.issuer,
            "file_type": self.file_type.as_str(),
            "file_size": self.file_size,
            "file_name": self.file_name,
            "digest": hex::encode(self.digest),
            "deleted_at": self.deleted_at,
        })
    }
}

/// Stores a document: checks the file (at most `max_bytes`) and the
/// metadata (as of [`moscow_today`]), then writes the sealed document and its first version in one
/// transaction. The same file the practitioner already has (and has not
/// deleted) is recognised and not stored again.
// Eight plain inputs the handler has at hand; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn store(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    meta: &DocumentMeta,
    file: &[u8],
    file_name: Option<&str>,
    now: DateTime<Utc>,
    max_bytes: usize,
) -> Result<Stored, DocumentError> {
    let within = Quota::default();
    store_within(
        db, vault, owner_id, meta, file, file_name, now, max_bytes, within,
    )
    .await
}

/// [`store`] within `quota`: a document past it is refused
/// ([`DocumentError::OverQuota`]), checked under a lock on the owner's
/// documents so two uploads at once cannot both slip under it.
#[allow(clippy::too_many_arguments)]
pub async fn store_within(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    meta: &DocumentMeta,
    file: &[u8],
    file_name: Option<&str>,
    now: DateTime<Utc>,
    max_bytes: usize,
    quota: Quota,
) -> Result<Stored, DocumentError> {
    let file_type = check_file(file, file_name, max_bytes)?;
    let checked = meta::check(meta, moscow_today(now))?;
    let digest = file_digest(vault, file);
    let legacy = legacy_digest(file);

    let file_name = stored_file_name(file_name, file_type);
    let file_size = i64::try_from(file.len()).expect("a file in memory fits in i64");
    let mut tx = db.begin().await?;
    // The id is taken first: the sealed columns are bound to it. One lost
    // to a duplicate is only a gap in the sequence.
    let id = sqlx::query_scalar!(
        r#"SELECT nextval(pg_get_serial_sequence('documents', 'id')) AS "id!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    let row = RowKey::id(id);
    let number = checked
        .number
        .as_deref()
        .map(|number| vault.seal_str(NUMBER_FIELD, &row, number));
    let issuer = checked
        .issuer
        .as_deref()
        .map(|issuer| vault.seal_str(ISSUER_FIELD, &row, issuer));
    let sealed_name = vault.seal_str(FILE_NAME_FIELD, &row, &file_name);
    let sealed_content = vault.seal(CONTENT_FIELD, &row, file);

    // Looked up first so a repeated file is not shipped to the database
    // again. Then, for two uploads of one file at once, ON CONFLICT makes the
    // second wait for the first to commit and insert nothing; the next turn
    // finds the first's row. Another turn is needed only if that row was
    // deleted in between, which is progress made by others, so this ends.
    // One upload at a time per owner past this point, until commit: the
    // quota is counted and the row written under the same lock.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('documents.quota'), hashtext($1::text))",
        owner_id.to_string(),
    )
    .execute(&mut *tx)
    .await?;
    loop {
        if let Some(existing) = same_file(&mut tx, owner_id, &digest, &legacy).await? {
            return Ok(Stored::Duplicate(existing));
        }
        let (count, bytes) = usage(&mut tx, owner_id).await?;
        // A size is never negative; one that were would not fit anyway.
        let adding = u64::try_from(file_size).unwrap_or(u64::MAX);
        if count >= quota.max_count || bytes.saturating_add(adding) > quota.max_total_bytes {
            return Err(DocumentError::OverQuota {
                count,
                bytes,
                quota,
            });
        }
        let inserted = sqlx::query_scalar!(
            r#"
            INSERT INTO documents (id, owner_id, kind, number, issued_on, valid_until, issuer,
                                   file_type, file_size, file_name, content, sha256, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (owner_id, sha256) WHERE deleted_at IS NULL DO NOTHING
            RETURNING id
            "#,
            id,
            owner_id.get(),
            checked.kind.as_str(),
            number.as_deref(),
            checked.issued_on,
            checked.valid_until,
            issuer.as_deref(),
            file_type.as_str(),
            file_size,
            &sealed_name,
            &sealed_content,
            &digest[..],
            now,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if inserted.is_some() {
            break;
        }
    }

    let document = Document {
        id,
        owner_id,
        kind: checked.kind,
        number: checked.number,
        issued_on: checked.issued_on,
        valid_until: checked.valid_until,
        issuer: checked.issuer,
        file_type,
        file_size,
        file_name,
        digest,
        created_at: now,
        deleted_at: None,
    };
    let snapshot = document.snapshot();
    let change = Change {
        owner_id,
        entity: Entity::Document,
        entity_id: id,
        actor: Actor::Practitioner(owner_id),
        action: Action::Created,
        snapshot: &snapshot,
    };
    history::record(&mut tx, vault, change, now).await?;
    tx.commit().await?;
    Ok(Stored::New(id))
}

/// How many documents the owner keeps (not deleted), and their bytes.
async fn usage(tx: &mut PgConnection, owner_id: UserId) -> Result<(u32, u64), sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT count(*) AS "count!", coalesce(sum(file_size), 0)::bigint AS "bytes!"
        FROM documents WHERE owner_id = $1 AND deleted_at IS NULL
        "#,
        owner_id.get(),
    )
    .fetch_one(tx)
    .await?;
    Ok((
        u32::try_from(row.count).unwrap_or(u32::MAX),
        u64::try_from(row.bytes).unwrap_or(0),
    ))
}

async fn same_file(
    tx: &mut PgConnection,
    owner_id: UserId,
    digest: &[u8; 32],
    legacy: &[u8; 32],
) -> Result<Option<i64>, sqlx::Error> {
    // Either digest: a row stored before the digests were keyed, and not yet
    // resealed, is the same file too.
    sqlx::query_scalar!(
        r#"
        SELECT id FROM documents
        WHERE owner_id = $1 AND sha256 IN ($2, $3) AND deleted_at IS NULL
        ORDER BY id LIMIT 1
        "#,
        owner_id.get(),
        &digest[..],
        &legacy[..],
    )
    .fetch_optional(tx)
    .await
}

/// The practitioner's documents, oldest first; deleted ones are gone.
pub async fn list(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Vec<DocumentSummary>, DocumentError> {
    let rows = sqlx::query!(
        r#"
        SELECT id, kind, number, issued_on, valid_until, file_type, created_at
        FROM documents WHERE owner_id = $1 AND deleted_at IS NULL
        ORDER BY id
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(DocumentSummary {
                id: row.id,
                kind: DocumentKind::parse(&row.kind).ok_or(DocumentError::Corrupt)?,
                number: vault.open_optional_str(
                    NUMBER_FIELD,
                    &RowKey::id(row.id),
                    row.number.as_deref(),
                )?,
                issued_on: row.issued_on,
                valid_until: row.valid_until,
                file_type: FileType::parse(&row.file_type).ok_or(DocumentError::Corrupt)?,
                created_at: row.created_at,
            })
        })
        .collect()
}

/// One of the practitioner's own documents. Someone else's id, a deleted
/// document and an unknown id are all `None`: the caller cannot tell them
/// apart, so a forged id learns nothing.
pub async fn get(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
) -> Result<Option<Document>, DocumentError> {
    let row = sqlx::query_as!(
        DocumentRow,
        r#"
        SELECT id, owner_id AS "owner_id: UserId", kind, number, issued_on, valid_until, issuer, file_type,
               file_size, file_name, sha256, created_at, deleted_at
        FROM documents WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| row.open(vault)).transpose()
}

/// The file of one of the practitioner's own documents (see [`get`] for
/// whose and which).
pub async fn content(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
) -> Result<Option<Vec<u8>>, DocumentError> {
    let row = sqlx::query!(
        r#"
        SELECT id, content, sha256 FROM documents
        WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| open_content(vault, row.id, &row.content, &row.sha256))
        .transpose()
}

/// OPERATORS ONLY: any practitioner's document by id, deleted ones included
/// (an application keeps citing what was submitted). No ownership check —
/// the caller must have checked that the reader is an operator reviewing an
/// application that cites this document, and audit the view.
pub async fn get_for_review(
    db: &PgPool,
    vault: &Vault,
    id: i64,
) -> Result<Option<Document>, DocumentError> {
    let row = sqlx::query_as!(
        DocumentRow,
        r#"
        SELECT id, owner_id AS "owner_id: UserId", kind, number, issued_on, valid_until, issuer, file_type,
               file_size, file_name, sha256, created_at, deleted_at
        FROM documents WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| row.open(vault)).transpose()
}

/// OPERATORS ONLY: the file of any document, on the terms of
/// [`get_for_review`].
pub async fn content_for_review(
    db: &PgPool,
    vault: &Vault,
    id: i64,
) -> Result<Option<Vec<u8>>, DocumentError> {
    let row = sqlx::query!("SELECT content, sha256 FROM documents WHERE id = $1", id)
        .fetch_optional(db)
        .await?;
    row.map(|row| open_content(vault, id, &row.content, &row.sha256))
        .transpose()
}

/// The practitioner deletes one of their documents. It disappears from
/// their list, and sending the same file again stores it anew; the row stays
/// (with its versions) for the applications that cite it, until /forget.
/// An education record it was the certificate of loses it
/// ([`crate::qualification::store`]), in the same transaction.
/// `false` when there was no such document of theirs.
pub async fn delete(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DocumentError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query_as!(
        DocumentRow,
        r#"
        UPDATE documents SET deleted_at = $3
        WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL
        RETURNING id, owner_id AS "owner_id: UserId", kind, number, issued_on, valid_until, issuer, file_type,
                  file_size, file_name, sha256, created_at, deleted_at
        "#,
        id,
        owner_id.get(),
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let snapshot = row.open(vault)?.snapshot();
    let change = Change {
        owner_id,
        entity: Entity::Document,
        entity_id: id,
        actor: Actor::Practitioner(owner_id),
        action: Action::Deleted,
        snapshot: &snapshot,
    };
    history::record(&mut tx, vault, change, now).await?;
    crate::qualification::store::detach_deleted_document(&mut tx, vault, owner_id, id, now)
        .await
        .map_err(|error| match error {
            crate::qualification::StoreError::Db(error) => DocumentError::Db(error),
            crate::qualification::StoreError::Crypto(error) => DocumentError::Crypto(error),
            crate::qualification::StoreError::History(error) => DocumentError::History(error),
            // Neither is what detaching a document can give.
            crate::qualification::StoreError::Corrupt
            | crate::qualification::StoreError::TooMany
            | crate::qualification::StoreError::DraftGone => DocumentError::Corrupt,
        })?;
    tx.commit().await?;
    Ok(true)
}

/// The dates of the practitioner's accreditation documents on file (a
/// выписка or an old свидетельство), for [`crate::accreditation`]: the
/// dates are in clear, so nothing is opened.
pub async fn accreditations(
    db: &PgPool,
    owner_id: UserId,
) -> Result<Vec<AccreditationDocument>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT issued_on, valid_until AS "valid_until!"
        FROM documents
        WHERE owner_id = $1 AND kind = 'accreditation' AND deleted_at IS NULL
          AND valid_until IS NOT NULL
        ORDER BY id
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AccreditationDocument {
            issued_on: row.issued_on,
            valid_until: row.valid_until,
        })
        .collect())
}

/// /forget: deletes every document of the practitioner for good, deleted
/// ones included, inside the erasure's transaction. Returns how many went.
/// Their versions go with [`history::erase_owner`].
pub async fn erase_owner(tx: &mut PgConnection, owner_id: UserId) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM documents WHERE owner_id = $1", owner_id.get())
        .execute(tx)
        .await?
        .rows_affected();
    Ok(deleted)
}

/// A row of `documents` without the file, as read.
struct DocumentRow {
    id: i64,
    owner_id: UserId,
    kind: String,
    number: Option<Vec<u8>>,
    issued_on: NaiveDate,
    valid_until: Option<NaiveDate>,
    issuer: Option<Vec<u8>>,
    file_type: String,
    file_size: i64,
    file_name: Vec<u8>,
    sha256: Vec<u8>,
    created_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl DocumentRow {
    fn open(self, vault: &Vault) -> Result<Document, DocumentError> {
        let row = RowKey::id(self.id);
        Ok(Document {
            id: self.id,
            owner_id: self.owner_id,
            kind: DocumentKind::parse(&self.kind).ok_or(DocumentError::Corrupt)?,
            number: vault.open_optional_str(NUMBER_FIELD, &row, self.number.as_deref())?,
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            issuer: vault.open_optional_str(ISSUER_FIELD, &row, self.issuer.as_deref())?,
            file_type: FileType::parse(&self.file_type).ok_or(DocumentError::Corrupt)?,
            file_size: self.file_size,
            file_name: vault.open_str(FILE_NAME_FIELD, &row, &self.file_name)?,
            digest: self.sha256.try_into().map_err(|_| DocumentError::Corrupt)?,
            created_at: self.created_at,
            deleted_at: self.deleted_at,
        })
    }
}

/// Opens a file and checks it against its digest. The seal binds the file to
/// its row (a v1 seal only to the column: there the digest is what catches a
/// file moved between rows).
fn open_content(
    vault: &Vault,
    id: i64,
    sealed: &[u8],
    digest: &[u8],
) -> Result<Vec<u8>, DocumentError> {
    let content = vault.open(CONTENT_FIELD, &RowKey::id(id), sealed)?;
    if file_digest(vault, &content)[..] != *digest && legacy_digest(&content)[..] != *digest {
        return Err(DocumentError::Corrupt);
    }
    Ok(content)
}

impl fmt::Debug for DocumentSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentSummary")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("number", &self.number.as_ref().map(|_| "<redacted>"))
            .field("issued_on", &self.issued_on)
            .field("valid_until", &self.valid_until)
            .field("file_type", &self.file_type)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("id", &self.id)
            .field("owner_id", &self.owner_id)
            .field("kind", &self.kind)
            .field("number", &self.number.as_ref().map(|_| "<redacted>"))
            .field("issued_on", &self.issued_on)
            .field("valid_until", &self.valid_until)
            .field("issuer", &self.issuer.as_ref().map(|_| "<redacted>"))
            .field("file_type", &self.file_type)
            .field("file_size", &self.file_size)
            .field("file_name", &"<redacted>")
            .field("digest", &hex::encode(self.digest))
            .field("created_at", &self.created_at)
            .field("deleted_at", &self.deleted_at)
            .finish()
    }
}
