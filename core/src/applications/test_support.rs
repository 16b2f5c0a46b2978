//! Helpers shared by the storage tests of applications and review.

pub use crate::dates::test_date as date;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::DataKey;
use crate::UserId;
use crate::accounts;
use crate::crypto::Vault;
use crate::documents::{self, DEFAULT_MAX_BYTES, DocumentKind, DocumentMeta, Stored};

pub const ANNA: UserId = UserId::from_stored(1001);
pub const BORIS: UserId = UserId::from_stored(1002);
pub const VERA: UserId = UserId::from_stored(1003);
/// Operators (and, for the self-review tests, practitioners too).
pub const OLGA: UserId = UserId::from_stored(5001);
pub const PETR: UserId = UserId::from_stored(5002);
pub const IRINA: UserId = UserId::from_stored(5003);

/// What a test writes into a reason; never to be found in clear.
pub const PERSONAL: &str = "Иванова Анна Сергеевна, паспорт 4510 123456";

pub fn vault() -> Vault {
    Vault::new(&DataKey::generate())
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

pub fn start() -> DateTime<Utc> {
    at("2026-11-25T10:00:00Z")
}

/// Opens an account for each (the applications' owners must exist).
pub async fn accounts_for(db: &PgPool, ids: &[UserId]) {
    for &id in ids {
        accounts::open(db, id, start()).await.unwrap();
        // Linked (unconfirmed), as an applicant's account is: an activation
        // confirms only a linked account. A blind index of its own stands
        // for a СНИЛС no test reads.
        sqlx::query(
            "UPDATE accounts SET snils_index = $2, linked_at = $3, step = 'second_factor' WHERE telegram_user_id = $1",
        )
        .bind(id)
        .bind(id.get().to_be_bytes().to_vec())
        .bind(start())
        .execute(db)
        .await
        .unwrap();
    }
}

/// Stores a document of `kind` for `owner`, stated validly for its kind.
pub async fn store_document(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    kind: DocumentKind,
    valid_until: Option<NaiveDate>,
) -> i64 {
    let number = match kind {
        DocumentKind::Passport => "4510 123456",
        DocumentKind::Snils => "112-233-445 95",
        _ => "77 0012345",
    };
    let valid_until = valid_until.or(match kind {
        DocumentKind::Accreditation | DocumentKind::Licence => Some(date(2030, 1, 1)),
        _ => None,
    });
    let meta = DocumentMeta {
        kind,
        number: Some(number.into()),
        issued_on: Some(date(2020, 6, 30)),
        valid_until,
        issuer: Some("Минздрав".into()),
    };
    let file = format!(
        "%PDF-1.4\n1 0 obj ({owner} {} {valid_until:?}) endobj\ntrailer <<>>\n%%EOF\n",
        kind.as_str()
    );
    let stored = documents::store(
        db,
        vault,
        owner,
        &meta,
        file.as_bytes(),
        Some("scan.pdf"),
        start(),
        DEFAULT_MAX_BYTES,
    )
    .await
    .unwrap();
    match stored {
        Stored::New(id) | Stored::Duplicate(id) => id,
    }
}

/// Stores every document `kind` of application requires.
pub async fn store_required(db: &PgPool, vault: &Vault, owner: UserId, kind: super::Kind) {
    for &document in kind.required_documents() {
        store_document(db, vault, owner, document, None).await;
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}
