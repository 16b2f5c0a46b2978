//! The practitioner's education records toward accreditation.
//!
//! Owns the table `qualification_records`. The title, the provider and the
//! ИКП are sealed (fields below, bound to the row's id, taken from the
//! sequence before the INSERT, as education records do); kind, amount and
//! date are in clear, since progress is counted from them. Every change is
//! a version of history's entity `qualification`, written in the change's
//! transaction; reads filter by owner, so someone else's id is `None`.
//!
//! Rows the clinic imported carry an `import_key` (see `import.rs`): a
//! re-import updates them; the practitioner may still change or delete them.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use super::entry::Entry;
use super::records::RecordKind;
use crate::UserId;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::history::{self, Action, Actor, Change, Entity, HistoryError};

pub const TITLE_FIELD: &str = "qualification_records.title";
pub const PROVIDER_FIELD: &str = "qualification_records.provider";
pub const IKP_FIELD: &str = "qualification_records.ikp";

/// A stored record.
#[derive(Clone, PartialEq, Eq)]
pub struct QualificationRecord {
    pub id: i64,
    pub entry: Entry,
    /// The certificate on file, if attached.
    pub document_id: Option<i64>,
    /// Brought by the clinic's import (a re-import may update it).
    pub imported: bool,
    /// An operator confirmed it as it is now (an approved education check,
    /// [`super::check`]); any change clears it.
    pub confirmed: bool,
}

/// The most records one practitioner keeps. Five years of a busy
/// clinician's education is a few dozen records; the bound keeps what one
/// account (or one clinic's file) makes the server store, and every list
/// page through, finite.
pub const MAX_RECORDS: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The practitioner has [`MAX_RECORDS`] already; nothing was stored.
    #[error("at most {MAX_RECORDS} education records are kept per practitioner")]
    TooMany,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored field does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("a stored education record does not parse")]
    Corrupt,
    /// The draft it was to be stored from is gone (stored from another
    /// chat of the account, or given up); nothing was written.
    #[error("the draft was stored or given up already")]
    DraftGone,
}

/// The version history keeps: the answers as the draft holds them, the
/// attached document and where the record came from.
pub(crate) fn snapshot(entry: &Entry, document_id: Option<i64>, imported: bool) -> Value {
    let mut value =
        serde_json::to_value(entry.to_draft()).expect("a draft always serialises to JSON");
    value["document_id"] = Value::from(document_id);
    value["imported"] = Value::from(imported);
    value
}

impl QualificationRecord {
    /// The version history keeps of the record as it stands.
    fn snapshot(&self) -> Value {
        snapshot(&self.entry, self.document_id, self.imported)
    }
}

fn amount_column(entry: &Entry) -> i32 {
    // Bounded by the kinds (1000 at most).
    i32::try_from(entry.amount()).unwrap_or(i32::MAX)
}

struct Sealed {
    title: Vec<u8>,
    provider: Vec<u8>,
    ikp: Option<Vec<u8>>,
}

fn seal(vault: &Vault, id: i64, entry: &Entry) -> Sealed {
    let row = RowKey::id(id);
    Sealed {
        title: vault.seal_str(TITLE_FIELD, &row, entry.title()),
        provider: vault.seal_str(PROVIDER_FIELD, &row, entry.provider()),
        ikp: entry.ikp().map(|ikp| vault.seal_str(IKP_FIELD, &row, ikp)),
    }
}

pub(crate) async fn version(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    (actor, action): (Actor, Action),
    snapshot: &Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let change = Change {
        owner_id,
        entity: Entity::Qualification,
        entity_id: id,
        actor,
        action,
        snapshot,
    };
    history::record(tx, vault, change, now).await?;
    Ok(())
}

/// Adds a record; its id. `from_draft`: the draft it was filled in,
/// consumed in the same transaction, so answers handled again after a
/// crash, or a second chat of the account saving at the same moment, find
/// nothing to store twice ([`StoreError::DraftGone`]).
pub async fn add(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    entry: &Entry,
    actor: Actor,
    now: DateTime<Utc>,
    from_draft: Option<crate::drafts::Kind>,
) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    if let Some(kind) = from_draft
        && !crate::drafts::consume(&mut *tx, owner_id, kind).await?
    {
        return Err(StoreError::DraftGone);
    }
    let id = insert(&mut tx, vault, owner_id, entry, None, now).await?;
    let snapshot = snapshot(entry, None, false);
    let change = (actor, Action::Created);
    version(&mut tx, vault, owner_id, id, change, &snapshot, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts a row (with its import key, for an imported one); its id.
/// [`StoreError::TooMany`] past [`MAX_RECORDS`], counted under a lock on
/// the owner so that two inserts at once cannot both pass the count.
pub(crate) async fn insert(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    entry: &Entry,
    import_key: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('qualification_records.count'), hashtext($1::text))",
        owner_id.get().to_string(),
    )
    .execute(&mut *tx)
    .await?;
    let held = sqlx::query_scalar!(
        r#"SELECT count(*) AS "held!" FROM qualification_records WHERE owner_id = $1"#,
        owner_id.get(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if usize::try_from(held).unwrap_or(usize::MAX) >= MAX_RECORDS {
        return Err(StoreError::TooMany);
    }
    // The id is taken first: the sealed columns are bound to it.
    let id = sqlx::query_scalar!(r#"SELECT nextval('qualification_records_id_seq') AS "id!""#)
        .fetch_one(&mut *tx)
        .await?;
    let sealed = seal(vault, id, entry);
    sqlx::query!(
        r#"
        INSERT INTO qualification_records (id, owner_id, kind, amount, completed_on, title,
                                           provider, ikp, import_key, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
        "#,
        id,
        owner_id.get(),
        entry.kind().as_str(),
        amount_column(entry),
        entry.completed_on(),
        sealed.title,
        sealed.provider,
        sealed.ikp,
        import_key,
        now,
    )
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

/// Replaces a record's answers (the attached document stays). False when
/// the practitioner has no such record (deleted meanwhile, or not theirs).
pub async fn update(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    entry: &Entry,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let updated = rewrite(
        &mut tx,
        vault,
        owner_id,
        id,
        entry,
        (actor, Action::Updated),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Rewrites a row's answers and records the version, in the caller's
/// transaction.
pub(crate) async fn rewrite(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    entry: &Entry,
    change: (Actor, Action),
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sealed = seal(vault, id, entry);
    let row = sqlx::query!(
        r#"
        UPDATE qualification_records
        SET kind = $3, amount = $4, completed_on = $5, title = $6, provider = $7, ikp = $8,
            updated_at = $9, confirmed_at = NULL
        WHERE id = $1 AND owner_id = $2
        RETURNING document_id, import_key IS NOT NULL AS "imported!"
        "#,
        id,
        owner_id.get(),
        entry.kind().as_str(),
        amount_column(entry),
        entry.completed_on(),
        sealed.title,
        sealed.provider,
        sealed.ikp,
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let snapshot = snapshot(entry, row.document_id, row.imported);
    version(tx, vault, owner_id, id, change, &snapshot, now).await?;
    Ok(true)
}

/// The kinds of document that can prove an education record: an
/// удостоверение о повышении квалификации, or «Другой документ» (the
/// certificate of an event or a module).
pub const CERTIFICATE_KINDS: [crate::documents::DocumentKind; 2] = [
    crate::documents::DocumentKind::QualificationUpgrade,
    crate::documents::DocumentKind::Other,
];

/// A document the practitioner deleted from «Документы» is no longer any
/// record's certificate: detached in the deletion's transaction (so an
/// education check sent later cannot cite it), each record a version, its
/// confirmation gone with what confirmed it. How many records it was.
pub(crate) async fn detach_deleted_document(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    document_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let ids = sqlx::query_scalar!(
        r#"
        UPDATE qualification_records SET document_id = NULL, updated_at = $3, confirmed_at = NULL
        WHERE owner_id = $1 AND document_id = $2
        RETURNING id
        "#,
        owner_id.get(),
        document_id,
        now,
    )
    .fetch_all(&mut *tx)
    .await?;
    for &id in &ids {
        let record = lock(&mut *tx, vault, owner_id, id)
            .await?
            .ok_or(StoreError::Corrupt)?;
        let snapshot = snapshot(&record.entry, None, record.imported);
        let change = (Actor::Practitioner(owner_id), Action::Updated);
        version(&mut *tx, vault, owner_id, id, change, &snapshot, now).await?;
    }
    Ok(ids.len())
}

/// Attaches one of the practitioner's documents as the record's
/// certificate, or detaches it (`None`). False when the record or the
/// document is not the practitioner's (or the document was deleted), or
/// the document is not of a [`CERTIFICATE_KINDS`] kind.
pub async fn attach_document(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    document_id: Option<i64>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    if let Some(document_id) = document_id
        && !crate::documents::get(db, vault, owner_id, document_id)
            .await
            .map_err(|_| StoreError::Corrupt)?
            .is_some_and(|document| CERTIFICATE_KINDS.contains(&document.kind))
    {
        return Ok(false);
    }
    let updated = sqlx::query_scalar!(
        r#"
        UPDATE qualification_records SET document_id = $3, updated_at = $4, confirmed_at = NULL
        WHERE id = $1 AND owner_id = $2
        RETURNING id
        "#,
        id,
        owner_id.get(),
        document_id,
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if updated.is_none() {
        return Ok(false);
    }
    let record = lock(&mut tx, vault, owner_id, id)
        .await?
        .ok_or(StoreError::Corrupt)?;
    let change = (actor, Action::Updated);
    version(
        &mut tx,
        vault,
        owner_id,
        id,
        change,
        &record.snapshot(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Deletes a record (its versions stay in history). False when the
/// practitioner has no such record.
pub async fn delete(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query_as!(
        Row,
        r#"
        DELETE FROM qualification_records WHERE id = $1 AND owner_id = $2
        RETURNING id, kind, amount, completed_on, title, provider, ikp, document_id,
                  import_key IS NOT NULL AS "imported!", confirmed_at IS NOT NULL AS "confirmed!"
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let deleted = row.open(vault)?;
    let change = (actor, Action::Deleted);
    version(
        &mut tx,
        vault,
        owner_id,
        id,
        change,
        &deleted.snapshot(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// One of the practitioner's records; someone else's id is `None`.
pub async fn get(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
) -> Result<Option<QualificationRecord>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"
        SELECT id, kind, amount, completed_on, title, provider, ikp, document_id,
               import_key IS NOT NULL AS "imported!", confirmed_at IS NOT NULL AS "confirmed!"
        FROM qualification_records WHERE id = $1 AND owner_id = $2
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| row.open(vault)).transpose()
}

async fn lock(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    id: i64,
) -> Result<Option<QualificationRecord>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"
        SELECT id, kind, amount, completed_on, title, provider, ikp, document_id,
               import_key IS NOT NULL AS "imported!", confirmed_at IS NOT NULL AS "confirmed!"
        FROM qualification_records WHERE id = $1 AND owner_id = $2
        FOR UPDATE
        "#,
        id,
        owner_id.get(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|row| row.open(vault)).transpose()
}

/// The imported row with this key, locked for the import's transaction.
pub(crate) async fn lock_imported(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    import_key: &[u8],
) -> Result<Option<QualificationRecord>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"
        SELECT id, kind, amount, completed_on, title, provider, ikp, document_id,
               import_key IS NOT NULL AS "imported!", confirmed_at IS NOT NULL AS "confirmed!"
        FROM qualification_records WHERE owner_id = $1 AND import_key = $2
        FOR UPDATE
        "#,
        owner_id.get(),
        import_key,
    )
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|row| row.open(vault)).transpose()
}

/// The practitioner's records, the latest completed first.
pub async fn list(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Vec<QualificationRecord>, StoreError> {
    let rows = sqlx::query_as!(
        Row,
        r#"
        SELECT id, kind, amount, completed_on, title, provider, ikp, document_id,
               import_key IS NOT NULL AS "imported!", confirmed_at IS NOT NULL AS "confirmed!"
        FROM qualification_records WHERE owner_id = $1
        ORDER BY completed_on DESC, id DESC
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|row| row.open(vault)).collect()
}

struct Row {
    id: i64,
    kind: String,
    amount: i32,
    completed_on: NaiveDate,
    title: Vec<u8>,
    provider: Vec<u8>,
    ikp: Option<Vec<u8>>,
    document_id: Option<i64>,
    imported: bool,
    confirmed: bool,
}

impl Row {
    fn open(self, vault: &Vault) -> Result<QualificationRecord, StoreError> {
        let row = RowKey::id(self.id);
        let kind = RecordKind::parse(&self.kind).ok_or(StoreError::Corrupt)?;
        let amount = u32::try_from(self.amount).map_err(|_| StoreError::Corrupt)?;
        let ikp = self
            .ikp
            .map(|ikp| vault.open_str(IKP_FIELD, &row, &ikp))
            .transpose()?;
        let entry = Entry::stored(
            vault.open_str(TITLE_FIELD, &row, &self.title)?,
            vault.open_str(PROVIDER_FIELD, &row, &self.provider)?,
            kind,
            amount,
            self.completed_on,
            ikp,
        )
        .ok_or(StoreError::Corrupt)?;
        Ok(QualificationRecord {
            id: self.id,
            entry,
            document_id: self.document_id,
            imported: self.imported,
            confirmed: self.confirmed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;
    use crate::qualification::entry::{EntryDraft, validate_entry};
    use crate::qualification::records::RecordDraft;
    use crate::{DataKey, accounts};

    const ANNA: UserId = UserId::from_stored(501);
    const BORIS: UserId = UserId::from_stored(502);

    fn vault() -> Vault {
        Vault::new(&DataKey::generate())
    }

    fn now() -> DateTime<Utc> {
        "2026-12-04T09:00:00Z".parse().unwrap()
    }

    fn entry(kind: RecordKind, amount: &str, on: &str, ikp: Option<&str>) -> Entry {
        let draft = EntryDraft {
            title: Some("Неотложная кардиология".into()),
            provider: Some("РМАНПО".into()),
            record: RecordDraft {
                kind: Some(kind),
                amount: Some(amount.into()),
                completed_on: Some(on.into()),
                ikp: ikp.map(str::to_owned),
            },
        };
        validate_entry(&draft, date(2026, 12, 4))
            .unwrap_or_else(|problems| panic!("valid: {problems:?}"))
    }

    async fn accounts(db: &PgPool) {
        for user in [ANNA, BORIS] {
            accounts::open(db, user, now()).await.unwrap();
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_record_added_from_its_draft_takes_the_draft_unless_refused(db: PgPool) {
        use crate::drafts::{self, Kind};
        accounts(&db).await;
        let vault = vault();
        let actor = Actor::Practitioner(ANNA);
        let programme = entry(RecordKind::Programme, "36", "01.03.2025", None);
        drafts::save(&db, &vault, ANNA, Kind::Qualification, &"answers", now())
            .await
            .unwrap();
        add(
            &db,
            &vault,
            ANNA,
            &programme,
            actor,
            now(),
            Some(Kind::Qualification),
        )
        .await
        .unwrap();
        assert!(
            !drafts::exists(&db, ANNA, Kind::Qualification)
                .await
                .unwrap()
        );

        // Full: the answers stay for «Продолжить» once one is deleted.
        for _ in 1..MAX_RECORDS {
            add(&db, &vault, ANNA, &programme, actor, now(), None)
                .await
                .unwrap();
        }
        drafts::save(&db, &vault, ANNA, Kind::Qualification, &"answers", now())
            .await
            .unwrap();
        let full = add(
            &db,
            &vault,
            ANNA,
            &programme,
            actor,
            now(),
            Some(Kind::Qualification),
        )
        .await;
        assert!(matches!(full, Err(StoreError::TooMany)));
        assert!(
            drafts::exists(&db, ANNA, Kind::Qualification)
                .await
                .unwrap()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_record_is_added_changed_deleted_and_versioned(db: PgPool) {
        accounts(&db).await;
        let vault = vault();
        let actor = Actor::Practitioner(ANNA);
        let programme = entry(RecordKind::Programme, "36", "01.03.2025", None);
        let id = add(&db, &vault, ANNA, &programme, actor, now(), None)
            .await
            .unwrap();
        let stored = get(&db, &vault, ANNA, id).await.unwrap().expect("stored");
        assert!(stored.entry == programme);
        assert!(!stored.imported);
        assert!(get(&db, &vault, BORIS, id).await.unwrap().is_none());
        assert!(list(&db, &vault, BORIS).await.unwrap().is_empty());

        // Sealed: the title is not in the row in clear.
        let raw: Vec<u8> = sqlx::query_scalar("SELECT title FROM qualification_records")
            .fetch_one(&db)
            .await
            .unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("кардиология"));

        let event = entry(RecordKind::Event, "6", "15.10.2026", Some("NMO-77"));
        assert!(
            !update(&db, &vault, BORIS, id, &event, actor, now())
                .await
                .unwrap()
        );
        assert!(
            update(&db, &vault, ANNA, id, &event, actor, now())
                .await
                .unwrap()
        );
        let listed = list(&db, &vault, ANNA).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].entry.ikp(), Some("NMO-77"));

        assert!(!delete(&db, &vault, BORIS, id, actor, now()).await.unwrap());
        assert!(delete(&db, &vault, ANNA, id, actor, now()).await.unwrap());
        assert!(list(&db, &vault, ANNA).await.unwrap().is_empty());

        let versions = history::versions(&db, &vault, ANNA, Entity::Qualification, id)
            .await
            .unwrap();
        let actions: Vec<Action> = versions.iter().map(|v| v.action).collect();
        assert_eq!(actions, [Action::Created, Action::Updated, Action::Deleted]);
        assert_eq!(versions[1].snapshot["record"]["ikp"], "NMO-77");
        assert_eq!(versions[0].snapshot["title"], "Неотложная кардиология");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_list_is_newest_first(db: PgPool) {
        accounts(&db).await;
        let vault = vault();
        let actor = Actor::Practitioner(ANNA);
        for on in ["01.03.2023", "01.03.2025", "01.03.2024"] {
            let entry = entry(RecordKind::Module, "3", on, None);
            add(&db, &vault, ANNA, &entry, actor, now(), None)
                .await
                .unwrap();
        }
        let years: Vec<i32> = list(&db, &vault, ANNA)
            .await
            .unwrap()
            .iter()
            .map(|record| chrono::Datelike::year(&record.entry.completed_on()))
            .collect();
        assert_eq!(years, [2025, 2024, 2023]);
    }
}
