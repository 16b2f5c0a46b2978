//! Documents in PostgreSQL: stored sealed, read only by their owner,
//! recognised when sent twice, versioned, erased.

use crate::dates::test_date as date;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::*;
use crate::DataKey;
use crate::UserId;
use crate::accounts;

const ANNA: UserId = UserId::from_stored(1001);
const BORIS: UserId = UserId::from_stored(2002);

/// What the tests look for in the raw table: none of it may be there.
const MARKER: &str = "SECRET-DIPLOMA-CONTENT-Иванова";
const NUMBER: &str = "107724 0012345";
const ISSUER: &str = "Первый МГМУ им. И. М. Сеченова";
const FILE_NAME: &str = "Диплом Ивановой.pdf";

fn vault() -> Vault {
    Vault::new(&DataKey::generate())
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
        .unwrap()
        .to_utc()
}

/// A small PDF whose body says `text`: different texts, different files.
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj ({text}) endobj\ntrailer <<>>\n%%EOF\n").into_bytes()
}

fn diploma() -> DocumentMeta {
    DocumentMeta {
        kind: DocumentKind::Diploma,
        number: Some(NUMBER.into()),
        issued_on: Some(date(2010, 6, 30)),
        valid_until: None,
        issuer: Some(ISSUER.into()),
    }
}

async fn practitioners(db: &PgPool) {
    for id in [ANNA, BORIS] {
        accounts::open(db, id, now()).await.unwrap();
    }
}

async fn store_pdf(db: &PgPool, vault: &Vault, owner: UserId, text: &str) -> Stored {
    store(
        db,
        vault,
        owner,
        &diploma(),
        &pdf(text),
        Some(FILE_NAME),
        now(),
        DEFAULT_MAX_BYTES,
    )
    .await
    .unwrap()
}

async fn new_id(db: &PgPool, vault: &Vault, owner: UserId, text: &str) -> i64 {
    match store_pdf(db, vault, owner, text).await {
        Stored::New(id) => id,
        other => panic!("expected a new document, got {other:?}"),
    }
}

async fn count(db: &PgPool, table: &str) -> i64 {
    // The table name is one of ours, never input.
    sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(db)
        .await
        .unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_stored_document_reads_back_for_its_owner(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let id = new_id(&db, &vault, ANNA, MARKER).await;

    let document = get(&db, &vault, ANNA, id).await.unwrap().unwrap();
    assert_eq!(document.id, id);
    assert_eq!(document.owner_id, ANNA);
    assert_eq!(document.kind, DocumentKind::Diploma);
    assert_eq!(document.number.as_deref(), Some(NUMBER));
    assert_eq!(document.issued_on, date(2010, 6, 30));
    assert_eq!(document.valid_until, None);
    assert_eq!(document.issuer.as_deref(), Some(ISSUER));
    assert_eq!(document.file_type, FileType::Pdf);
    assert_eq!(
        document.file_size,
        i64::try_from(pdf(MARKER).len()).unwrap()
    );
    assert_eq!(document.file_name, FILE_NAME);
    // A keyed digest, not the file's plain SHA-256.
    assert_eq!(document.digest, super::file_digest(&vault, &pdf(MARKER)));
    assert_ne!(
        document.digest,
        <[u8; 32]>::from(Sha256::digest(pdf(MARKER)))
    );
    assert_eq!(document.created_at, now());
    assert_eq!(document.deleted_at, None);

    assert_eq!(
        content(&db, &vault, ANNA, id).await.unwrap(),
        Some(pdf(MARKER))
    );

    let list = list(&db, &vault, ANNA).await.unwrap();
    assert_eq!(
        list,
        [DocumentSummary {
            id,
            kind: DocumentKind::Diploma,
            number: Some(NUMBER.into()),
            issued_on: date(2010, 6, 30),
            valid_until: None,
            file_type: FileType::Pdf,
            created_at: now(),
        }]
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn nothing_personal_is_in_clear_in_the_table(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    new_id(&db, &vault, ANNA, MARKER).await;

    let row = sqlx::query!("SELECT number, issuer, file_name, content FROM documents")
        .fetch_one(&db)
        .await
        .unwrap();
    let mut raw = Vec::new();
    for column in [
        row.number.unwrap(),
        row.issuer.unwrap(),
        row.file_name,
        row.content,
    ] {
        raw.extend_from_slice(&column);
    }
    // The whole row as PostgreSQL prints it, too (bytea in hex).
    let text = sqlx::query_scalar!(r#"SELECT d::text AS "row!" FROM documents d"#)
        .fetch_one(&db)
        .await
        .unwrap();
    for needle in [MARKER, NUMBER, ISSUER, "Ивановой", "%PDF"] {
        assert!(!contains(&raw, needle.as_bytes()), "{needle} in a column");
        assert!(!text.contains(needle), "{needle} in the row");
        assert!(
            !text.contains(&hex::encode(needle)),
            "{needle} in the row's hex"
        );
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_same_file_twice_is_recognised_per_practitioner(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let first = new_id(&db, &vault, ANNA, MARKER).await;
    assert_eq!(
        store_pdf(&db, &vault, ANNA, MARKER).await,
        Stored::Duplicate(first)
    );
    // Even as another kind or under another name: the file is the same.
    let as_other = DocumentMeta {
        kind: DocumentKind::Other,
        ..diploma()
    };
    assert_eq!(
        store(
            &db,
            &vault,
            ANNA,
            &as_other,
            &pdf(MARKER),
            Some("copy.pdf"),
            now(),
            DEFAULT_MAX_BYTES
        )
        .await
        .unwrap(),
        Stored::Duplicate(first)
    );
    // Another file is another document; another practitioner's copy is theirs.
    let second = new_id(&db, &vault, ANNA, "another page").await;
    assert_ne!(second, first);
    let boris = new_id(&db, &vault, BORIS, MARKER).await;
    assert_ne!(boris, first);
    assert_eq!(list(&db, &vault, ANNA).await.unwrap().len(), 2);

    // Deleted, the file may be sent again and is a new document.
    assert!(delete(&db, &vault, ANNA, first, now()).await.unwrap());
    let again = new_id(&db, &vault, ANNA, MARKER).await;
    assert_ne!(again, first);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn two_uploads_of_one_file_at_once_store_it_once(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let uploads: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            let vault = vault.clone();
            tokio::spawn(async move { store_pdf(&db, &vault, ANNA, MARKER).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for upload in uploads {
        outcomes.push(upload.await.unwrap());
    }
    let new: Vec<i64> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            Stored::New(id) => Some(*id),
            Stored::Duplicate(_) => None,
        })
        .collect();
    assert_eq!(new.len(), 1, "{outcomes:?}");
    assert!(
        outcomes.contains(&Stored::Duplicate(new[0])),
        "{outcomes:?}"
    );
    assert_eq!(count(&db, "documents").await, 1);
    assert_eq!(count(&db, "history").await, 1);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn another_practitioners_document_does_not_exist_for_them(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let id = new_id(&db, &vault, ANNA, MARKER).await;

    assert_eq!(get(&db, &vault, BORIS, id).await.unwrap(), None);
    assert_eq!(content(&db, &vault, BORIS, id).await.unwrap(), None);
    assert!(list(&db, &vault, BORIS).await.unwrap().is_empty());
    assert!(!delete(&db, &vault, BORIS, id, now()).await.unwrap());
    assert!(
        history::versions(&db, &vault, BORIS, Entity::Document, id)
            .await
            .unwrap()
            .is_empty()
    );
    // Boris's attempt changed nothing.
    assert!(get(&db, &vault, ANNA, id).await.unwrap().is_some());
    assert_eq!(get(&db, &vault, ANNA, id + 1000).await.unwrap(), None);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn refused_files_and_metadata_store_nothing(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
    let refused = store(
        &db,
        &vault,
        ANNA,
        &diploma(),
        exe,
        Some("diploma.pdf"),
        now(),
        DEFAULT_MAX_BYTES,
    )
    .await;
    assert!(matches!(
        refused,
        Err(DocumentError::File(FileRejection::UnsupportedType {
            detected: Some(_)
        }))
    ));

    let too_big = store(&db, &vault, ANNA, &diploma(), &pdf(MARKER), None, now(), 10).await;
    assert!(matches!(
        too_big,
        Err(DocumentError::File(FileRejection::TooLarge { max: 10, .. }))
    ));

    // Expired as of Moscow's today (2026-11-25).
    let expired = DocumentMeta {
        kind: DocumentKind::Accreditation,
        valid_until: Some(date(2026, 11, 24)),
        issued_on: Some(date(2021, 11, 24)),
        ..diploma()
    };
    let refused = store(
        &db,
        &vault,
        ANNA,
        &expired,
        &pdf(MARKER),
        None,
        now(),
        DEFAULT_MAX_BYTES,
    )
    .await;
    assert!(matches!(
        refused,
        Err(DocumentError::Meta(MetaRejection::Expired { valid_until }))
            if valid_until == date(2026, 11, 24)
    ));

    assert_eq!(count(&db, "documents").await, 0);
    assert_eq!(count(&db, "history").await, 0);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn creation_and_deletion_are_versions_without_the_file(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let id = new_id(&db, &vault, ANNA, MARKER).await;
    let later = now() + chrono::Duration::hours(1);
    assert!(delete(&db, &vault, ANNA, id, later).await.unwrap());
    // Deleting twice is nothing the second time, and no version.
    assert!(!delete(&db, &vault, ANNA, id, later).await.unwrap());

    let versions = history::versions(&db, &vault, ANNA, Entity::Document, id)
        .await
        .unwrap();
    let numbers: Vec<(i32, Action, Actor)> = versions
        .iter()
        .map(|v| (v.version, v.action, v.actor))
        .collect();
    assert_eq!(
        numbers,
        [
            (1, Action::Created, Actor::Practitioner(ANNA)),
            (2, Action::Deleted, Actor::Practitioner(ANNA)),
        ]
    );
    assert_eq!(versions[0].at, now());
    assert_eq!(versions[1].at, later);
    let created = &versions[0].snapshot;
    assert_eq!(created["kind"], "diploma");
    assert_eq!(created["number"], NUMBER);
    assert_eq!(created["issued_on"], "2010-06-30");
    assert_eq!(created["file_name"], FILE_NAME);
    assert_eq!(created["deleted_at"], Value::Null);
    assert_eq!(versions[1].snapshot["deleted_at"], json!(later));
    // The file itself is in no version, in any form.
    for version in &versions {
        let printed = version.snapshot.to_string();
        assert!(!printed.contains(MARKER), "{printed}");
        assert!(!printed.contains("content"), "{printed}");
    }
    // And the versions are sealed.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar!("SELECT snapshot FROM history")
        .fetch_all(&db)
        .await
        .unwrap();
    for snapshot in stored {
        assert!(!contains(&snapshot, NUMBER.as_bytes()));
        assert!(!contains(&snapshot, b"diploma"));
    }

    // Gone for the practitioner, still there for review.
    assert_eq!(get(&db, &vault, ANNA, id).await.unwrap(), None);
    assert!(list(&db, &vault, ANNA).await.unwrap().is_empty());
    let reviewed = get_for_review(&db, &vault, id).await.unwrap().unwrap();
    assert_eq!(reviewed.owner_id, ANNA);
    assert_eq!(reviewed.deleted_at, Some(later));
    assert_eq!(
        content_for_review(&db, &vault, id).await.unwrap(),
        Some(pdf(MARKER))
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_file_moved_to_another_row_does_not_open(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let first = new_id(&db, &vault, ANNA, MARKER).await;
    let second = new_id(&db, &vault, ANNA, "another page").await;
    // Someone with write access to the database swaps the files: each seal
    // is bound to its row, so the moved one does not open.
    sqlx::query!(
        "UPDATE documents SET content = (SELECT content FROM documents WHERE id = $2) WHERE id = $1",
        first,
        second,
    )
    .execute(&db)
    .await
    .unwrap();
    assert!(matches!(
        content(&db, &vault, ANNA, first).await,
        Err(DocumentError::Crypto(CryptoError::Forged))
    ));
    assert_eq!(
        content(&db, &vault, ANNA, second).await.unwrap(),
        Some(pdf("another page"))
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn erasing_a_practitioner_takes_all_their_documents_and_versions(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let deleted = new_id(&db, &vault, ANNA, MARKER).await;
    delete(&db, &vault, ANNA, deleted, now()).await.unwrap();
    new_id(&db, &vault, ANNA, "another page").await;
    let boris = new_id(&db, &vault, BORIS, MARKER).await;

    let mut tx = db.begin().await.unwrap();
    assert_eq!(erase_owner(&mut tx, ANNA).await.unwrap(), 2);
    assert_eq!(history::erase_owner(&mut tx, ANNA).await.unwrap(), 3);
    tx.commit().await.unwrap();

    assert_eq!(get_for_review(&db, &vault, deleted).await.unwrap(), None);
    assert_eq!(count(&db, "documents").await, 1);
    assert_eq!(count(&db, "history").await, 1);
    assert!(get(&db, &vault, BORIS, boris).await.unwrap().is_some());
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_document_needs_an_account(db: PgPool) {
    let vault = vault();
    let result = store(
        &db,
        &vault,
        ANNA,
        &diploma(),
        &pdf(MARKER),
        None,
        now(),
        DEFAULT_MAX_BYTES,
    )
    .await;
    assert!(matches!(result, Err(DocumentError::Db(_))), "{result:?}");
}

/// The digest that deduplicates is keyed: the plain SHA-256 of the file —
/// which anyone holding the file can compute — is nowhere in the database,
/// and the same file is still recognised.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_digest_is_keyed_and_still_finds_the_same_file(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let first = new_id(&db, &vault, ANNA, MARKER).await;
    let plain = hex::encode(Sha256::digest(pdf(MARKER)));
    let keyed = hex::encode(super::file_digest(&vault, &pdf(MARKER)));
    for table in ["documents", "history"] {
        let dump: Vec<String> =
            sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
                .fetch_all(&db)
                .await
                .unwrap();
        assert!(!dump.is_empty());
        assert!(!dump.iter().any(|row| row.contains(&plain)), "{table}");
    }
    let stored: Vec<u8> = sqlx::query_scalar("SELECT sha256 FROM documents WHERE id = $1")
        .bind(first)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(hex::encode(stored), keyed);
    assert!(matches!(
        store_pdf(&db, &vault, ANNA, MARKER).await,
        Stored::Duplicate(id) if id == first
    ));
    // Another key, another digest: the digest says nothing without the key.
    assert_ne!(
        super::file_digest(&Vault::new(&DataKey::generate()), &pdf(MARKER)),
        super::file_digest(&vault, &pdf(MARKER))
    );
}

/// A row stored before the digests were keyed (plain SHA-256, v1 seals)
/// still opens, passes its check and counts as the same file.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_legacy_row_still_opens_and_deduplicates(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let id = new_id(&db, &vault, ANNA, MARKER).await;
    sqlx::query("UPDATE documents SET sha256 = $2, content = $3, file_name = $4 WHERE id = $1")
        .bind(id)
        .bind(&super::legacy_digest(&pdf(MARKER))[..])
        .bind(vault.seal_v1(CONTENT_FIELD, &pdf(MARKER)))
        .bind(vault.seal_v1(FILE_NAME_FIELD, FILE_NAME.as_bytes()))
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        content(&db, &vault, ANNA, id).await.unwrap(),
        Some(pdf(MARKER))
    );
    assert_eq!(
        get(&db, &vault, ANNA, id).await.unwrap().unwrap().file_name,
        FILE_NAME
    );
    assert!(matches!(
        store_pdf(&db, &vault, ANNA, MARKER).await,
        Stored::Duplicate(found) if found == id
    ));
}

async fn store_quota(
    db: &PgPool,
    vault: &Vault,
    text: &str,
    quota: Quota,
) -> Result<Stored, DocumentError> {
    store_within(
        db,
        vault,
        ANNA,
        &diploma(),
        &pdf(text),
        Some(FILE_NAME),
        now(),
        DEFAULT_MAX_BYTES,
        quota,
    )
    .await
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_quota_bounds_the_count_and_frees_up_on_delete(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let quota = Quota {
        max_count: 2,
        max_total_bytes: 1024 * 1024,
    };
    let first = store_quota(&db, &vault, "one", quota).await.unwrap();
    store_quota(&db, &vault, "two", quota).await.unwrap();
    // The third, at the limit of two: refused, with what is kept.
    let third = store_quota(&db, &vault, "three", quota).await;
    let Err(DocumentError::OverQuota { count, bytes, .. }) = third else {
        panic!("expected the quota to refuse, got {third:?}");
    };
    assert_eq!(count, 2);
    assert_eq!(bytes, (pdf("one").len() + pdf("two").len()) as u64);
    assert_eq!(list(&db, &vault, ANNA).await.unwrap().len(), 2);
    // Another practitioner has a quota of their own.
    assert!(matches!(
        store_within(
            &db,
            &vault,
            BORIS,
            &diploma(),
            &pdf("b"),
            None,
            now(),
            DEFAULT_MAX_BYTES,
            quota
        )
        .await,
        Ok(Stored::New(_))
    ));
    // A deleted document frees its place.
    let Stored::New(first) = first else { panic!() };
    delete(&db, &vault, ANNA, first, now()).await.unwrap();
    assert!(matches!(
        store_quota(&db, &vault, "three", quota).await,
        Ok(Stored::New(_))
    ));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_quota_bounds_the_total_size(db: PgPool) {
    practitioners(&db).await;
    let vault = vault();
    let one = pdf("one").len() as u64;
    // Room for exactly one of these files.
    let quota = Quota {
        max_count: 50,
        max_total_bytes: one + one / 2,
    };
    store_quota(&db, &vault, "one", quota).await.unwrap();
    let second = store_quota(&db, &vault, "two", quota).await;
    assert!(
        matches!(second, Err(DocumentError::OverQuota { count: 1, bytes, .. }) if bytes == one),
        "{second:?}"
    );
    // Exactly at the limit is allowed.
    let quota = Quota {
        max_count: 50,
        max_total_bytes: one + pdf("two").len() as u64,
    };
    assert!(matches!(
        store_quota(&db, &vault, "two", quota).await,
        Ok(Stored::New(_))
    ));
}
