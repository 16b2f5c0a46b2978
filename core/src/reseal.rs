//! `medcab admin reseal`: every sealed value of every table rewritten with
//! the newest data key, in the v2 row-bound format, so older keys can be
//! removed from `MEDCAB_DATA_KEYS` (see [`crate::crypto`]).
//!
//! Table by table, in batches of [`BATCH_ROWS`] rows, one transaction each:
//! a batch selects rows with at least one value not yet current (not v2
//! under the newest key, which SQL can tell from the first five bytes),
//! opens every sealed value with the ring and seals it again for its row.
//! A rewritten row no longer matches, so an interrupted run loses at most
//! one batch's work and a rerun carries on; a finished run finds nothing.
//! Documents also get their keyed digest ([`documents::file_digest`]) in
//! place of a plain SHA-256 left from before.
//!
//! A value that does not open (a key missing from the ring, a row altered
//! behind our back) is counted and left as it is; the run goes on, and the
//! summary says which table has them: the old key must stay until they are
//! dealt with.
//!
//! The queries are built from [`TABLES`] at run time rather than checked at
//! compile time: they are the same shape for every table, and the list of
//! sealed columns (the modules' field constants) is what must stay right.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use zeroize::Zeroizing;

use crate::crypto::{CryptoError, RowKey, Vault};
use crate::{
    accounts, applications, documents, drafts, history, login_confirmations, profile,
    qualification, referrals, registry, second_factor,
};

/// Rows rewritten per transaction: large enough that round trips stop
/// mattering, small enough that an interrupted run redoes little.
pub const BATCH_ROWS: i64 = 200;

/// How a table's rows are keyed in the associated data (see the table in
/// [`crate::crypto`]).
#[derive(Debug, Clone, Copy)]
enum Key {
    /// One BIGINT column.
    Id(&'static str),
    /// `owner_id`, `kind` (drafts).
    IdText(&'static str, &'static str),
    /// One BYTEA column (the register's `snils_index`).
    Bytes(&'static str),
    /// One UUID column.
    Uuid(&'static str),
    /// `entity`, `entity_id`, `version` (history).
    History,
}

/// A table with sealed columns: its name, its row key and the Vault field
/// names of its sealed columns (`table.column`, as the owning module seals
/// them).
#[derive(Debug, Clone, Copy)]
struct Table {
    name: &'static str,
    key: Key,
    fields: &'static [&'static str],
}

/// Every sealed column of every table. A new sealed column goes here too;
/// `every_sealed_column_is_listed` checks the schema against this list.
const TABLES: &[Table] = &[
    Table {
        name: "registry_entries",
        key: Key::Bytes("snils_index"),
        fields: &[
            registry::SEALED_SNILS,
            registry::SEALED_FULL_NAME,
            registry::SEALED_BIRTH_DATE,
            registry::SEALED_PHONE,
        ],
    },
    Table {
        name: "accounts",
        key: Key::Id("telegram_user_id"),
        fields: &[accounts::PHONE_FIELD, accounts::SNILS_FIELD],
    },
    Table {
        name: "second_factors",
        key: Key::Id("telegram_user_id"),
        fields: &[second_factor::SECRET_FIELD],
    },
    Table {
        name: "operator_factors",
        key: Key::Id("telegram_user_id"),
        fields: &[crate::operator_factors::SECRET_FIELD],
    },
    Table {
        name: "factor_reset_requests",
        key: Key::Id("id"),
        fields: &[crate::factor_resets::REASON_FIELD],
    },
    Table {
        name: "profiles",
        key: Key::Id("telegram_user_id"),
        fields: &[
            profile::FULL_NAME_FIELD,
            profile::BIRTH_DATE_FIELD,
            profile::ADDRESS_FIELD,
            profile::EMAIL_FIELD,
            profile::INN_FIELD,
            profile::PASSPORT_FIELD,
            profile::PASSPORT_ISSUED_ON_FIELD,
            profile::DIVISION_CODE_FIELD,
            profile::PASSPORT_ISSUED_BY_FIELD,
        ],
    },
    Table {
        name: "education",
        key: Key::Id("id"),
        fields: &[
            profile::education::INSTITUTION_FIELD,
            profile::education::SPECIALTY_FIELD,
            profile::education::DIPLOMA_NUMBER_FIELD,
        ],
    },
    Table {
        name: "additional_education",
        key: Key::Id("id"),
        fields: &[profile::education::ADDITIONAL_PROGRAMME_FIELD],
    },
    Table {
        name: "qualification_records",
        key: Key::Id("id"),
        fields: &[
            qualification::store::TITLE_FIELD,
            qualification::store::PROVIDER_FIELD,
            qualification::store::IKP_FIELD,
        ],
    },
    Table {
        name: "schedule_slots",
        key: Key::Id("id"),
        fields: &[crate::schedule::store::PLACE_FIELD],
    },
    Table {
        name: "activity_report_answers",
        key: Key::IdText("owner_id", "part"),
        fields: &[crate::activity_report::ANSWER_FIELD],
    },
    Table {
        name: "documents",
        key: Key::Id("id"),
        fields: &[
            documents::NUMBER_FIELD,
            documents::ISSUER_FIELD,
            documents::FILE_NAME_FIELD,
            documents::CONTENT_FIELD,
        ],
    },
    Table {
        name: "applications",
        key: Key::Id("id"),
        fields: &[applications::REASON_FIELD, applications::REQUEST_FIELD],
    },
    Table {
        name: "history",
        key: Key::History,
        fields: &[history::SNAPSHOT_FIELD],
    },
    Table {
        name: "drafts",
        key: Key::IdText("owner_id", "kind"),
        fields: &[drafts::FIELD],
    },
    Table {
        name: "login_challenges",
        key: Key::Uuid("id"),
        fields: &[login_confirmations::IP_FIELD],
    },
    Table {
        name: "referrals",
        key: Key::Id("id"),
        fields: &[
            referrals::REASON_FIELD,
            referrals::PATIENT_REF_FIELD,
            referrals::DECLINE_REASON_FIELD,
        ],
    },
    Table {
        name: "inbox",
        key: Key::Uuid("seal_key"),
        fields: &[crate::inbox::BODY_FIELD],
    },
    Table {
        name: "referral_files",
        key: Key::Id("id"),
        fields: &[
            referrals::files::FILE_NAME_FIELD,
            referrals::files::CONTENT_FIELD,
        ],
    },
];

/// What a run did to one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableReport {
    pub table: &'static str,
    /// Rows that needed it when the run reached the table.
    pub pending: u64,
    /// Rows rewritten.
    pub resealed: u64,
    /// Rows with a value that did not open, left as they are.
    pub failed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
}

fn column(field: &'static str) -> &'static str {
    field
        .split_once('.')
        .map(|(_, column)| column)
        .expect("a Vault field is table.column")
}

impl Table {
    fn key_columns(&self) -> Vec<&'static str> {
        match self.key {
            Key::Id(id) | Key::Bytes(id) | Key::Uuid(id) => vec![id],
            Key::IdText(id, text) => vec![id, text],
            Key::History => vec!["entity", "entity_id", "version"],
        }
    }

    /// Rows with a value not current: `$1` is the current prefix.
    fn stale(&self) -> String {
        let any: Vec<String> = self
            .fields
            .iter()
            .map(|&field| {
                let column = column(field);
                format!("({column} IS NOT NULL AND substring({column} FROM 1 FOR 5) <> $1)")
            })
            .collect();
        any.join(" OR ")
    }

    fn row_key(&self, row: &PgRow) -> Result<RowKey, sqlx::Error> {
        Ok(match self.key {
            Key::Id(id) => RowKey::id(row.try_get(id)?),
            Key::IdText(id, text) => RowKey::id(row.try_get(id)?).and_text(row.try_get(text)?),
            Key::Bytes(column) => RowKey::bytes(row.try_get::<&[u8], _>(column)?),
            Key::Uuid(id) => RowKey::uuid(row.try_get(id)?),
            Key::History => history::row_key(
                row.try_get("entity")?,
                row.try_get("entity_id")?,
                row.try_get("version")?,
            ),
        })
    }
}

/// Reseals every table. `on_progress(table, done, pending)` is called after
/// each batch (and once as each table starts, with `done` 0).
pub async fn reseal_all(
    db: &PgPool,
    vault: &Vault,
    mut on_progress: impl FnMut(&'static str, u64, u64),
) -> Result<Vec<TableReport>, ResealError> {
    let mut reports = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        reports.push(reseal_table(db, vault, table, &mut on_progress).await?);
    }
    Ok(reports)
}

async fn reseal_table(
    db: &PgPool,
    vault: &Vault,
    table: &Table,
    on_progress: &mut impl FnMut(&'static str, u64, u64),
) -> Result<TableReport, ResealError> {
    let current = vault.current_prefix();
    let keys = table.key_columns();
    let columns: Vec<&str> = table.fields.iter().map(|&field| column(field)).collect();
    // The table and column names are ours (TABLES), never input.
    let pending: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {} WHERE {}",
        table.name,
        table.stale()
    ))
    .bind(&current[..])
    .fetch_one(db)
    .await?;
    let mut report = TableReport {
        table: table.name,
        // count(*) is never negative.
        pending: u64::try_from(pending).unwrap_or_default(),
        ..TableReport::default()
    };
    on_progress(table.name, 0, report.pending);

    let select = format!(
        "SELECT {keys}, {columns} FROM {table} WHERE {stale} ORDER BY {keys} LIMIT $2 OFFSET $3 FOR UPDATE",
        keys = keys.join(", "),
        columns = columns.join(", "),
        table = table.name,
        stale = table.stale(),
    );
    let mut sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(n, column)| format!("{column} = COALESCE(${}, {column})", n + 1))
        .collect();
    let digest_param = columns.len() + 1;
    if table.name == "documents" {
        sets.push(format!("sha256 = ${digest_param}"));
    }
    let first_key = digest_param + usize::from(table.name == "documents");
    let wheres: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(n, key)| format!("{key} = ${}", first_key + n))
        .collect();
    let update = format!(
        "UPDATE {} SET {} WHERE {}",
        table.name,
        sets.join(", "),
        wheres.join(" AND ")
    );

    loop {
        let mut tx = db.begin().await?;
        // Rows that failed stay stale and sort before every row not seen
        // yet (the batches go in key order): skipping as many as failed
        // moves past them.
        let rows = sqlx::query(&select)
            .bind(&current[..])
            .bind(BATCH_ROWS)
            .bind(i64::try_from(report.failed).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let Some(resealed) = reseal_row(vault, table, &columns, row)? else {
                report.failed += 1;
                continue;
            };
            let mut query = sqlx::query(&update);
            for value in &resealed.values {
                query = query.bind(value.as_deref());
            }
            if table.name == "documents" {
                query = query.bind(resealed.digest.as_deref());
            }
            for &key in &keys {
                query = bind_key(query, table, key, row)?;
            }
            query.execute(&mut *tx).await?;
            report.resealed += 1;
        }
        tx.commit().await?;
        on_progress(table.name, report.resealed + report.failed, report.pending);
    }
    Ok(report)
}

struct Resealed {
    /// Per column, the new value, or `None` to keep it (NULL or current).
    values: Vec<Option<Vec<u8>>>,
    /// Documents only: the keyed digest of the file.
    digest: Option<Vec<u8>>,
}

/// `None` when a value does not open.
fn reseal_row(
    vault: &Vault,
    table: &Table,
    columns: &[&str],
    row: &PgRow,
) -> Result<Option<Resealed>, sqlx::Error> {
    let key = table.row_key(row)?;
    let mut resealed = Resealed {
        values: Vec::with_capacity(columns.len()),
        digest: None,
    };
    for (&field, &column) in table.fields.iter().zip(columns) {
        let Some(sealed) = row.try_get::<Option<&[u8]>, _>(column)? else {
            resealed.values.push(None);
            continue;
        };
        if field == documents::CONTENT_FIELD {
            // The file is opened anyway: its digest is recomputed keyed.
            let file = match vault.open(field, &key, sealed) {
                Ok(file) => Zeroizing::new(file),
                Err(error) => return Ok(refuse(table, field, error)),
            };
            resealed.digest = Some(documents::file_digest(vault, &file).to_vec());
            resealed.values.push(if vault.is_current(sealed) {
                None
            } else {
                Some(vault.seal(field, &key, &file))
            });
            continue;
        }
        match vault.reseal(field, &key, sealed) {
            Ok(value) => resealed.values.push(value),
            Err(error) => return Ok(refuse(table, field, error)),
        }
    }
    Ok(Some(resealed))
}

fn refuse(table: &Table, field: &str, error: CryptoError) -> Option<Resealed> {
    tracing::warn!(table = table.name, field, %error, "a sealed value does not open; left as it is");
    None
}

fn bind_key<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    table: &Table,
    key: &'static str,
    row: &PgRow,
) -> Result<sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>, sqlx::Error> {
    Ok(match (table.key, key) {
        (Key::Bytes(_), _) => query.bind(row.try_get::<Vec<u8>, _>(key)?),
        (Key::Uuid(_), _) => query.bind(row.try_get::<uuid::Uuid, _>(key)?),
        (Key::IdText(_, text), _) if key == text => query.bind(row.try_get::<String, _>(key)?),
        (Key::History, "entity") => query.bind(row.try_get::<String, _>(key)?),
        (Key::History, "version") => query.bind(row.try_get::<i32, _>(key)?),
        _ => query.bind(row.try_get::<i64, _>(key)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;

    /// Every BYTEA column that holds a sealed value is in [`TABLES`]: the
    /// BYTEA columns of the schema, less the ones that hold indexes,
    /// digests and hashes.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn every_sealed_column_is_listed(db: PgPool) {
        let not_sealed = [
            "registry_entries.snils_index",
            "registry_entries.phone_index",
            "registry_entries.content_digest",
            "registry_entries.surname_index",
            "accounts.phone_index",
            "accounts.snils_index",
            "documents.sha256",
            "referral_files.digest",
            "qualification_records.import_key",
            "schedule_slots.import_key",
            "calendar_feeds.token_digest",
            "api_clients.key_hash",
            "channel_link_codes.digest",
            // Pseudonyms of erased users (blind indexes of their ids).
            "consents.subject",
            "security_events.subject",
            "operator_audit.owner_subject",
            "snils_tries.subject",
            "_sqlx_migrations.checksum",
        ];
        let bytea: Vec<String> = sqlx::query_scalar(
            "SELECT table_name || '.' || column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type = 'bytea' ORDER BY 1",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        let mut sealed: Vec<String> = bytea
            .into_iter()
            .filter(|column| !not_sealed.contains(&column.as_str()))
            .collect();
        let mut listed: Vec<String> = TABLES
            .iter()
            .flat_map(|table| table.fields.iter().map(|field| field.to_string()))
            .collect();
        sealed.sort();
        listed.sort();
        assert_eq!(sealed, listed);
        for table in TABLES {
            for field in table.fields {
                assert!(field.starts_with(&format!("{}.", table.name)), "{field}");
            }
        }
    }

    use chrono::{DateTime, Utc};

    use crate::DataKey;
    use crate::crypto::test_ring as ring;
    use crate::documents::{DocumentKind, DocumentMeta, Stored};
    use crate::domain::{PhoneNumber, Snils};
    use crate::registry::Registry;

    const ANNA: UserId = UserId::from_stored(1001);
    const BORIS: UserId = UserId::from_stored(2002);
    const REGISTER: &str = "snils,full_name,birth_date,phone,specialty,position,organisation,region,accreditation_number,accreditation_valid_until\n\
        112-233-445 95,Иванова Анна Сергеевна,1985-03-14,+79991234567,Терапия,Врач-терапевт,ГП № 5,Москва,,\n";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn pdf(text: &str) -> Vec<u8> {
        format!("%PDF-1.4\n1 0 obj ({text}) endobj\ntrailer <<>>\n%%EOF\n").into_bytes()
    }

    /// Data in the register, accounts, second factors, drafts, documents
    /// and history, all sealed under `vault`; one value in v1.
    async fn seed(db: &PgPool, vault: &Vault) -> i64 {
        registry::import_csv(db, vault, REGISTER.as_bytes(), |_| {})
            .await
            .unwrap();
        for id in [ANNA, BORIS] {
            accounts::open(db, id, now()).await.unwrap();
            accounts::set_phone(db, vault, id, &PhoneNumber::parse("+79991234567").unwrap())
                .await
                .unwrap();
            accounts::set_snils(db, vault, id, &Snils::parse("112-233-445 95").unwrap())
                .await
                .unwrap();
        }
        second_factor::enrolment_secret(db, vault, ANNA, now())
            .await
            .unwrap();
        drafts::save(db, vault, ANNA, drafts::Kind::Profile, &"черновик", now())
            .await
            .unwrap();
        let meta = DocumentMeta {
            kind: DocumentKind::Diploma,
            number: Some("107724 0012345".into()),
            issued_on: Some(chrono::NaiveDate::from_ymd_opt(2010, 6, 30).unwrap()),
            valid_until: None,
            issuer: Some("Первый МГМУ".into()),
        };
        let stored = documents::store(
            db,
            vault,
            ANNA,
            &meta,
            &pdf("диплом"),
            Some("diploma.pdf"),
            now(),
            documents::DEFAULT_MAX_BYTES,
        )
        .await
        .unwrap();
        let Stored::New(document) = stored else {
            panic!("{stored:?}")
        };
        // Written before the formats changed: a v1 seal, a plain SHA-256.
        sqlx::query("UPDATE accounts SET phone = $2 WHERE telegram_user_id = $1")
            .bind(BORIS)
            .bind(vault.seal_v1(accounts::PHONE_FIELD, b"+79990000000"))
            .execute(db)
            .await
            .unwrap();
        sqlx::query("UPDATE documents SET content = $2, sha256 = $3 WHERE id = $1")
            .bind(document)
            .bind(vault.seal_v1(documents::CONTENT_FIELD, &pdf("диплом")))
            .bind(&documents::legacy_digest(&pdf("диплом"))[..])
            .execute(db)
            .await
            .unwrap();
        document
    }

    /// Every sealed value seeded, read through the modules that own them.
    async fn read_all(db: &PgPool, vault: &Vault, document: i64) {
        let found = Registry::Local {
            db: db.clone(),
            vault: vault.clone(),
        }
        .find(&Snils::parse("112-233-445 95").unwrap())
        .await
        .unwrap()
        .unwrap();
        assert_eq!(found.full_name, "Иванова Анна Сергеевна");
        assert_eq!(
            accounts::phone(db, vault, ANNA)
                .await
                .unwrap()
                .unwrap()
                .e164(),
            "+79991234567"
        );
        assert_eq!(
            accounts::phone(db, vault, BORIS)
                .await
                .unwrap()
                .unwrap()
                .e164(),
            "+79990000000"
        );
        for id in [ANNA, BORIS] {
            assert!(accounts::snils(db, vault, id).await.unwrap().is_some());
        }
        second_factor::enrolment_secret(db, vault, ANNA, now())
            .await
            .unwrap();
        assert_eq!(
            drafts::load::<String>(db, vault, ANNA, drafts::Kind::Profile)
                .await
                .unwrap()
                .as_deref(),
            Some("черновик")
        );
        let got = documents::get(db, vault, ANNA, document)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.number.as_deref(), Some("107724 0012345"));
        assert_eq!(
            documents::content(db, vault, ANNA, document).await.unwrap(),
            Some(pdf("диплом"))
        );
        let versions = history::versions(db, vault, ANNA, history::Entity::Document, document)
            .await
            .unwrap();
        assert_eq!(versions.len(), 1);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn rotation_end_to_end(db: PgPool) {
        let (a, b) = (DataKey::generate(), DataKey::generate());
        let old = Vault::new(&a);
        let document = seed(&db, &old).await;
        read_all(&db, &old, document).await;

        // B added in front: everything still opens, new seals use B.
        let rotating = ring(&[&b, &a], &a);
        read_all(&db, &rotating, document).await;
        // B alone cannot open yet.
        let only_b = ring(&[&b], &a);
        assert!(accounts::phone(&db, &only_b, ANNA).await.is_err());

        let mut seen = Vec::new();
        let reports = reseal_all(&db, &rotating, |table, done, pending| {
            seen.push((table, done, pending))
        })
        .await
        .unwrap();
        let by_table = |name: &str| reports.iter().find(|r| r.table == name).unwrap().clone();
        assert_eq!(by_table("accounts").resealed, 2);
        assert_eq!(by_table("registry_entries").resealed, 1);
        assert_eq!(by_table("documents").resealed, 1);
        assert!(reports.iter().all(|report| report.failed == 0));
        assert!(seen.contains(&("accounts", 2, 2)));

        // The old key can go: everything opens with B alone.
        read_all(&db, &only_b, document).await;
        // The document's digest is keyed now, and the file still found.
        let digest: Vec<u8> = sqlx::query_scalar("SELECT sha256 FROM documents")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(digest, documents::file_digest(&only_b, &pdf("диплом")));

        // Idempotent: a second run finds nothing to do.
        let again = reseal_all(&db, &only_b, |_, _, _| {}).await.unwrap();
        assert!(
            again.iter().all(|r| r.pending == 0 && r.resealed == 0),
            "{again:?}"
        );
    }

    /// A sealed value copied from one row to another of the same column
    /// does not open, and reseal leaves it, counted, instead of moving it.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_swapped_value_does_not_open_and_is_reported(db: PgPool) {
        let key = DataKey::generate();
        let vault = Vault::new(&key);
        seed(&db, &vault).await;
        sqlx::query(
            "UPDATE accounts SET snils = (SELECT snils FROM accounts WHERE telegram_user_id = $1)
             WHERE telegram_user_id = $2",
        )
        .bind(ANNA)
        .bind(BORIS)
        .execute(&db)
        .await
        .unwrap();
        assert!(matches!(
            accounts::snils(&db, &vault, BORIS).await,
            Err(accounts::AccountError::Crypto(CryptoError::Forged))
        ));
        let rotating = ring(&[&DataKey::generate(), &key], &key);
        let reports = reseal_all(&db, &rotating, |_, _, _| {}).await.unwrap();
        let accounts = reports.iter().find(|r| r.table == "accounts").unwrap();
        assert_eq!((accounts.resealed, accounts.failed), (1, 1));
        // A rerun skips the bad row and finishes.
        let again = reseal_all(&db, &rotating, |_, _, _| {}).await.unwrap();
        let accounts = again.iter().find(|r| r.table == "accounts").unwrap();
        assert_eq!(
            (accounts.pending, accounts.resealed, accounts.failed),
            (1, 0, 1)
        );
    }
}
