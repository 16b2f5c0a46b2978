//! The file a referral may carry: one PDF, JPEG or PNG (a scan of a
//! test result, an extract), owned by this module's table `referral_files`.
//!
//! # What is checked
//!
//! What a document's file is checked for ([`crate::documents::check_file`]):
//! the type by content, never by name (an executable called `scan.pdf` is
//! refused), not empty, at most the deployment's documents limit
//! (`MEDCAB_MAX_DOCUMENT_BYTES`). The name kept is
//! [`crate::documents::stored_file_name`]'s: no folders, no control
//! characters, the extension of the real type.
//!
//! # Sealed, bound to its row
//!
//! The file is the patient's health data: the content and the name are
//! sealed ([`CONTENT_FIELD`], [`FILE_NAME_FIELD`], bound to the row's id),
//! and the digest is keyed ([`file_digest`]). What a card (and a push,
//! which shows on a locked screen) may say is [`Attached`]: the type and
//! the size, never the name.
//!
//! # From the draft to the referral
//!
//! Attached while the referral is being filled in, the row has no referral
//! and belongs to the sender ([`attach`]); the draft (`drafts`, kind
//! `referral`) holds only its id. A draft has one file at most: another
//! replaces it, in the same transaction (a unique index holds it), so an
//! account can never make the database keep more than one unsent file.
//! [`super::store::send`] links it in the referral's transaction, checked
//! again there (locked before the referral is numbered): the sender's own
//! and not yet sent, or the sending is refused
//! ([`super::ReferralError::FileGone`]).
//!
//! # Who opens it
//!
//! Whoever may read the referral ([`super::side_of`]: the sender, the
//! receiver, the organisation's operators), through [`open`], which
//! records the read in its transaction as the card's read is recorded: an
//! operator's in `operator_audit`, a practitioner's in the security log
//! (`referral_file_read`). Anyone else naming the referral is
//! [`super::ReferralError::NotYours`].
//!
//! # How long
//!
//! A sent file goes where its referral goes (`ON DELETE CASCADE`): with
//! the referral when nobody can read it any more, or when the retention
//! deletes a closed one. A draft's file goes with the draft (given up,
//! /cancel), with the sender (/forget), or after
//! [`crate::retention::UNSENT_REFERRAL_FILES`] ([`purge_unsent`]).

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::ReferralError;
use super::rules::Viewer;
use super::store::{record_read, side_in};
use crate::UserId;
use crate::crypto::{RowKey, Vault};
use crate::documents::{FileRejection, FileType, check_file, stored_file_name};
use crate::security_events;

/// The Vault fields of the sealed columns (bound to the row's id).
pub const CONTENT_FIELD: &str = "referral_files.content";
pub const FILE_NAME_FIELD: &str = "referral_files.file_name";
/// The namespace of a file's keyed digest ([`Vault::keyed_digest`]).
const DIGEST_KIND: &str = "referral file";

/// What may be said of an attached file: its type and size, never its
/// name (a scan's name is often the patient's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attached {
    pub id: i64,
    pub file_type: FileType,
    pub size: u64,
}

/// A file opened for one who may read it: what the bot sends back.
#[derive(Clone, PartialEq, Eq)]
pub struct Opened {
    /// The referral's number, for the caption.
    pub number: String,
    pub file_type: FileType,
    /// As [`stored_file_name`] kept it.
    pub file_name: String,
    pub content: Vec<u8>,
}

/// Without the name and the content: an opened file may end up in a log.
impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("number", &self.number)
            .field("file_type", &self.file_type)
            .field("size", &self.content.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file is refused; nothing was stored (the draft's earlier file,
    /// if any, stays).
    #[error(transparent)]
    File(#[from] FileRejection),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The keyed digest of a file's content: equal files give equal digests
/// (a file sent again is recognised) without a plain hash that would
/// confirm a known file is in the database.
pub fn file_digest(vault: &Vault, file: &[u8]) -> [u8; 32] {
    vault
        .keyed_digest(DIGEST_KIND, file)
        .try_into()
        .expect("HMAC-SHA256 is 32 bytes")
}

fn attached(id: i64, file_type: &str, size: i64) -> Option<Attached> {
    Some(Attached {
        id,
        file_type: FileType::parse(file_type)?,
        size: u64::try_from(size).ok()?,
    })
}

/// Attaches a file to `owner`'s referral being filled in: checks it (at
/// most `max_bytes`), seals it, and in one transaction replaces the draft's
/// earlier file, if any. The same file as the one attached is kept as it
/// is.
pub async fn attach(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    file: &[u8],
    declared_name: Option<&str>,
    max_bytes: usize,
    now: DateTime<Utc>,
) -> Result<Attached, FileError> {
    let file_type = check_file(file, declared_name, max_bytes)?;
    let file_name = stored_file_name(declared_name, file_type);
    let digest = file_digest(vault, file);
    let size = i64::try_from(file.len()).expect("a file in memory fits in i64");
    let mut tx = db.begin().await?;
    // The draft's file, locked: two files sent at once are one after the
    // other, and the second replaces the first.
    let earlier = sqlx::query!(
        r#"
        SELECT id, file_type, file_size, digest FROM referral_files
        WHERE owner_id = $1 AND referral_id IS NULL
        FOR UPDATE
        "#,
        owner.get(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(earlier) = &earlier
        && earlier.digest == digest
        && let Some(same) = attached(earlier.id, &earlier.file_type, earlier.file_size)
    {
        return Ok(same);
    }
    sqlx::query!(
        "DELETE FROM referral_files WHERE owner_id = $1 AND referral_id IS NULL",
        owner.get(),
    )
    .execute(&mut *tx)
    .await?;
    // The id first: the sealed columns are bound to it.
    let id = sqlx::query_scalar!(r#"SELECT nextval('referral_files_id_seq') AS "id!""#)
        .fetch_one(&mut *tx)
        .await?;
    let row = RowKey::id(id);
    // Two first files at once: the unique index makes the second wait for
    // the first and then fail; the sender sends it again.
    sqlx::query!(
        r#"
        INSERT INTO referral_files (id, owner_id, file_type, file_size, file_name, content,
                                    digest, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        "#,
        id,
        owner.get(),
        file_type.as_str(),
        size,
        vault.seal_str(FILE_NAME_FIELD, &row, &file_name),
        vault.seal(CONTENT_FIELD, &row, file),
        &digest[..],
        now,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attached {
        id,
        file_type,
        size: u64::try_from(size).unwrap_or(0),
    })
}

/// `owner`'s draft file `id`, while it still is one: not sent, not given
/// up, not past its retention. Another's id is `None`, as a missing one.
pub async fn draft_file(
    db: &PgPool,
    owner: UserId,
    id: i64,
) -> Result<Option<Attached>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, file_type, file_size FROM referral_files
        WHERE id = $1 AND owner_id = $2 AND referral_id IS NULL
        "#,
        id,
        owner.get(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|row| attached(row.id, &row.file_type, row.file_size)))
}

/// Removes `owner`'s draft file, if any («✖️ Убрать файл», the draft given
/// up). How many (0 or 1).
pub async fn discard_draft(db: &PgPool, owner: UserId) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM referral_files WHERE owner_id = $1 AND referral_id IS NULL",
        owner.get(),
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// `owner`'s draft file `id`, locked in the sending's transaction until it
/// is linked. `None`: not the owner's, already sent, or gone.
pub(super) async fn lock_unsent(
    tx: &mut PgConnection,
    owner: UserId,
    id: i64,
) -> Result<Option<Attached>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, file_type, file_size FROM referral_files
        WHERE id = $1 AND owner_id = $2 AND referral_id IS NULL
        FOR UPDATE
        "#,
        id,
        owner.get(),
    )
    .fetch_optional(tx)
    .await?;
    Ok(row.and_then(|row| attached(row.id, &row.file_type, row.file_size)))
}

/// Links a file [`lock_unsent`] locked to the referral being sent.
pub(super) async fn link(
    tx: &mut PgConnection,
    id: i64,
    referral_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE referral_files SET referral_id = $2 WHERE id = $1",
        id,
        referral_id,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The file sent with a referral, if one was (for its card).
pub(super) async fn of_referral(
    tx: &mut PgConnection,
    referral_id: i64,
) -> Result<Option<Attached>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, file_type, file_size FROM referral_files WHERE referral_id = $1",
        referral_id,
    )
    .fetch_optional(tx)
    .await?;
    Ok(row.and_then(|row| attached(row.id, &row.file_type, row.file_size)))
}

/// Opens the file of referral `referral_id` for `viewer`, one of its sides
/// (checked here, an operator's binding read here), and records the read
/// in the same transaction. Someone else's referral, and one without a
/// file (no button offers it), are [`ReferralError::NotYours`].
pub async fn open(
    db: &PgPool,
    vault: &Vault,
    viewer: &Viewer,
    referral_id: i64,
    now: DateTime<Utc>,
) -> Result<Opened, ReferralError> {
    let mut tx = db.begin().await?;
    let (viewer, referral, side) = side_in(&mut tx, vault, viewer, referral_id).await?;
    let row = sqlx::query!(
        r#"
        SELECT id, file_type, file_name, content FROM referral_files WHERE referral_id = $1
        "#,
        referral_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ReferralError::NotYours)?;
    let key = RowKey::id(row.id);
    let opened = Opened {
        number: referral.number,
        file_type: FileType::parse(&row.file_type).ok_or(ReferralError::Corrupt)?,
        file_name: vault.open_str(FILE_NAME_FIELD, &key, &row.file_name)?,
        content: vault.open(CONTENT_FIELD, &key, &row.content)?,
    };
    let read = security_events::Kind::ReferralFileRead;
    let details = json!({ "referral_id": referral_id, "file_id": row.id });
    record_read(&mut tx, &viewer, side, read, details, now).await?;
    tx.commit().await?;
    Ok(opened)
}

/// /forget of `user`, in the erasure's transaction: their draft's file
/// goes with them; a file they sent stays with its referral (the rule of
/// the referral itself), no longer linked to them.
pub(super) async fn erase_owner(tx: &mut PgConnection, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM referral_files WHERE owner_id = $1 AND referral_id IS NULL",
        user.get(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE referral_files SET owner_id = NULL WHERE owner_id = $1",
        user.get(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The retention: deletes up to `batch` files of drafts never sent,
/// attached before `before`. How many.
pub async fn purge_unsent(
    db: &PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"
        DELETE FROM referral_files WHERE id IN (
            SELECT id FROM referral_files
            WHERE referral_id IS NULL AND created_at < $1
            ORDER BY created_at LIMIT $2
        )
        "#,
        before,
        batch,
    )
    .execute(db)
    .await?
    .rows_affected())
}
