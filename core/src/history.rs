//! Versions of a practitioner's records: every change to a profile, an
//! education record, a document or an application is kept as a version —
//! who changed it, when, how, and what the record looked like afterwards.
//!
//! Owns the table `history`. A version is written with [`record`] inside the
//! transaction of the change it describes, so a change and its version
//! commit together or not at all. Versions of one record are numbered 1, 2,
//! … without gaps or repeats, even when two changes race (see [`record`]).
//!
//! A snapshot is the record as JSON and holds personal data, so it is sealed
//! ([`SNAPSHOT_FIELD`]). Snapshots never hold a document's file: only its
//! metadata. Only the owner reads versions through [`versions`] and
//! [`version`]; /forget erases them with [`erase_owner`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use zeroize::Zeroize;

use crate::UserId;
use crate::crypto::{CryptoError, RowKey, Vault};

pub const SNAPSHOT_FIELD: &str = "history.snapshot";

/// The kind of record a version belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Profile,
    Education,
    Document,
    Application,
    /// An education record toward accreditation (`qualification::store`).
    Qualification,
    /// The report on professional activity (`activity_report`; the
    /// entity's id is the owner's).
    ActivityReport,
    /// A referral (`referrals`), in its sender's history.
    Referral,
    /// A slot or a shift of the schedule (`schedule::store`).
    ScheduleSlot,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Profile => "profile",
            Entity::Education => "education",
            Entity::Document => "document",
            Entity::Application => "application",
            Entity::Qualification => "qualification",
            Entity::ActivityReport => "activity_report",
            Entity::Referral => "referral",
            Entity::ScheduleSlot => "schedule_slot",
        }
    }

    pub fn parse(text: &str) -> Option<Entity> {
        match text {
            "profile" => Some(Entity::Profile),
            "education" => Some(Entity::Education),
            "document" => Some(Entity::Document),
            "application" => Some(Entity::Application),
            "qualification" => Some(Entity::Qualification),
            "activity_report" => Some(Entity::ActivityReport),
            "referral" => Some(Entity::Referral),
            "schedule_slot" => Some(Entity::ScheduleSlot),
            _ => None,
        }
    }
}

/// Who made a change: the practitioner, an operator (both by
/// telegram_user_id), or the system itself (a deadline, an import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Practitioner(UserId),
    Operator(UserId),
    System,
    /// Someone who has since used /forget, in a version of another
    /// person's record (the receiver who declined a referral): that a
    /// person did it is kept, not who.
    Erased,
}

impl Actor {
    fn kind(self) -> &'static str {
        match self {
            Actor::Practitioner(_) => "practitioner",
            Actor::Operator(_) => "operator",
            Actor::System => "system",
            Actor::Erased => "erased",
        }
    }

    fn id(self) -> Option<UserId> {
        match self {
            Actor::Practitioner(id) | Actor::Operator(id) => Some(id),
            Actor::System | Actor::Erased => None,
        }
    }

    fn from_row(kind: &str, id: Option<UserId>) -> Option<Actor> {
        match (kind, id) {
            ("practitioner", Some(id)) => Some(Actor::Practitioner(id)),
            ("operator", Some(id)) => Some(Actor::Operator(id)),
            ("system", None) => Some(Actor::System),
            ("erased", None) => Some(Actor::Erased),
            _ => None,
        }
    }
}

/// What the change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Created,
    Updated,
    Deleted,
    StatusChanged,
    /// A previous version was brought back (the snapshot is what it became).
    Restored,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
            Action::StatusChanged => "status_changed",
            Action::Restored => "restored",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "created" => Some(Action::Created),
            "updated" => Some(Action::Updated),
            "deleted" => Some(Action::Deleted),
            "status_changed" => Some(Action::StatusChanged),
            "restored" => Some(Action::Restored),
            _ => None,
        }
    }
}

/// A change to record.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The practitioner the record belongs to (telegram_user_id).
    pub owner_id: UserId,
    pub entity: Entity,
    pub entity_id: i64,
    pub actor: Actor,
    pub action: Action,
    /// The record as it stands after the change.
    pub snapshot: &'a Value,
}

/// One version of a record, opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub version: i32,
    pub actor: Actor,
    pub action: Action,
    pub at: DateTime<Utc>,
    pub snapshot: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored snapshot does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error("a stored version does not parse")]
    Corrupt,
}

/// Records a change inside the caller's transaction and returns its version
/// number: 1 for the first change of a record, then one more each time.
///
/// Two transactions recording changes of the same record at once are
/// serialised by a transaction-scoped advisory lock on (entity, entity_id):
/// the second waits until the first commits or rolls back, then counts the
/// versions afresh (each statement of a READ COMMITTED transaction — the
/// default, and what every caller uses — sees what committed before it), so
/// the numbers neither repeat nor leave gaps. The UNIQUE constraint on
/// (entity, entity_id, version) is the backstop: were the lock ever bypassed,
/// a duplicate would fail loudly rather than be stored.
pub async fn record(
    tx: &mut PgConnection,
    vault: &Vault,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> Result<i32, HistoryError> {
    lock(tx, &change).await?;
    insert(tx, vault, &change, now).await
}

/// [`record`] for a record changed answer by answer (the report on
/// professional activity: a version per answer would keep up to seven
/// parts of 3000 characters each time). An update by the same person
/// within `session` of the latest version replaces that version's
/// snapshot and time instead of adding one, so history keeps a version
/// per sitting, and a client answering twice a second all day writes one
/// row, not tens of thousands. Any other change (another actor, a
/// creation, a deletion, a pause longer than `session`) is a version of
/// its own.
pub async fn record_per_sitting(
    tx: &mut PgConnection,
    vault: &Vault,
    change: Change<'_>,
    now: DateTime<Utc>,
    session: chrono::Duration,
) -> Result<i32, HistoryError> {
    lock(tx, &change).await?;
    if change.action == Action::Updated {
        let latest = sqlx::query!(
            r#"
            SELECT version, actor_kind, actor_id, action, at FROM history
            WHERE entity = $1 AND entity_id = $2
            ORDER BY version DESC LIMIT 1
            "#,
            change.entity.as_str(),
            change.entity_id,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(latest) = latest
            && latest.actor_kind == change.actor.kind()
            && latest.actor_id == change.actor.id().map(UserId::get)
            && latest.action == Action::Updated.as_str()
            && latest.at > now - session
        {
            let mut json = serde_json::to_vec(change.snapshot)
                .expect("a serde_json::Value always serialises to JSON");
            let row = row_key(change.entity.as_str(), change.entity_id, latest.version);
            let sealed = vault.seal(SNAPSHOT_FIELD, &row, &json);
            json.zeroize();
            sqlx::query!(
                "UPDATE history SET snapshot = $4, at = $5 WHERE entity = $1 AND entity_id = $2 AND version = $3",
                change.entity.as_str(),
                change.entity_id,
                latest.version,
                sealed,
                now,
            )
            .execute(&mut *tx)
            .await?;
            return Ok(latest.version);
        }
    }
    insert(tx, vault, &change, now).await
}

/// The advisory lock on (entity, entity_id) that [`record`] explains.
async fn lock(tx: &mut PgConnection, change: &Change<'_>) -> Result<(), HistoryError> {
    // Held until the caller's transaction ends. Different records may hash
    // to the same key; that only makes them wait for each other, briefly.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('history:' || $1 || ':' || $2::BIGINT, 0))",
        change.entity.as_str(),
        change.entity_id,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The next version, under the lock.
async fn insert(
    tx: &mut PgConnection,
    vault: &Vault,
    change: &Change<'_>,
    now: DateTime<Utc>,
) -> Result<i32, HistoryError> {
    let mut json =
        serde_json::to_vec(change.snapshot).expect("a serde_json::Value always serialises to JSON");
    // The version is taken first (the lock keeps it ours): the snapshot is
    // sealed for its row, (entity, entity_id, version).
    let version = sqlx::query_scalar!(
        r#"
        SELECT COALESCE(max(version), 0) + 1 AS "version!" FROM history
        WHERE entity = $1 AND entity_id = $2
        "#,
        change.entity.as_str(),
        change.entity_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let row = row_key(change.entity.as_str(), change.entity_id, version);
    let sealed = vault.seal(SNAPSHOT_FIELD, &row, &json);
    json.zeroize();

    sqlx::query!(
        r#"
        INSERT INTO history (owner_id, entity, entity_id, version, actor_kind, actor_id, action, snapshot, at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        "#,
        change.owner_id.get(),
        change.entity.as_str(),
        change.entity_id,
        version,
        change.actor.kind(),
        change.actor.id().map(UserId::get),
        change.action.as_str(),
        sealed,
        now,
    )
    .execute(&mut *tx)
    .await?;
    Ok(version)
}

/// Every version of a record, oldest first. Only the owner's: the versions of
/// someone else's record (a forged id) are an empty list, the same as for a
/// record that does not exist.
pub async fn versions(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    entity: Entity,
    entity_id: i64,
) -> Result<Vec<Version>, HistoryError> {
    let rows = sqlx::query_as!(
        VersionRow,
        r#"
        SELECT version, actor_kind, actor_id AS "actor_id: UserId", action, snapshot, at FROM history
        WHERE owner_id = $1 AND entity = $2 AND entity_id = $3
        ORDER BY version
        "#,
        owner_id.get(),
        entity.as_str(),
        entity_id,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| row.open(vault, entity, entity_id))
        .collect()
}

/// One version of a record, if it exists and the record is the owner's.
pub async fn version(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    entity: Entity,
    entity_id: i64,
    version: i32,
) -> Result<Option<Version>, HistoryError> {
    let row = sqlx::query_as!(
        VersionRow,
        r#"
        SELECT version, actor_kind, actor_id AS "actor_id: UserId", action, snapshot, at FROM history
        WHERE owner_id = $1 AND entity = $2 AND entity_id = $3 AND version = $4
        "#,
        owner_id.get(),
        entity.as_str(),
        entity_id,
        version,
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| row.open(vault, entity, entity_id))
        .transpose()
}

/// A version is sealed for its row: the record and the version number.
pub(crate) fn row_key(entity: &str, entity_id: i64, version: i32) -> RowKey {
    RowKey::bytes(entity.as_bytes())
        .and_id(entity_id)
        .and_id(i64::from(version))
}

/// A row of `history` as [`versions`] and [`version`] read it.
struct VersionRow {
    version: i32,
    actor_kind: String,
    actor_id: Option<UserId>,
    action: String,
    snapshot: Vec<u8>,
    at: DateTime<Utc>,
}

impl VersionRow {
    fn open(self, vault: &Vault, entity: Entity, entity_id: i64) -> Result<Version, HistoryError> {
        let row = row_key(entity.as_str(), entity_id, self.version);
        let actor =
            Actor::from_row(&self.actor_kind, self.actor_id).ok_or(HistoryError::Corrupt)?;
        let action = Action::parse(&self.action).ok_or(HistoryError::Corrupt)?;
        let mut json = vault.open(SNAPSHOT_FIELD, &row, &self.snapshot)?;
        let snapshot = serde_json::from_slice(&json).map_err(|_| HistoryError::Corrupt);
        json.zeroize();
        Ok(Version {
            version: self.version,
            actor,
            action,
            at: self.at,
            snapshot: snapshot?,
        })
    }
}

/// /forget: the person no longer names themselves as the actor of
/// versions of others' records (they become [`Actor::Erased`]), inside the
/// erasure's transaction. Returns how many versions changed.
pub async fn erase_actor(tx: &mut PgConnection, user_id: UserId) -> Result<u64, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE history SET actor_kind = 'erased', actor_id = NULL WHERE actor_id = $1",
        user_id.get()
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(changed)
}

/// /forget: deletes every version of every record of the practitioner,
/// inside the erasure's transaction. Returns how many versions went.
pub async fn erase_owner(tx: &mut PgConnection, owner_id: UserId) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM history WHERE owner_id = $1", owner_id.get())
        .execute(tx)
        .await?
        .rows_affected();
    Ok(deleted)
}

/// The retention: deletes every version of these records of `entity`
/// (deleted themselves past their period), inside the caller's
/// transaction. Returns how many versions went.
pub async fn erase_records(
    tx: &mut PgConnection,
    entity: Entity,
    ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "DELETE FROM history WHERE entity = $1 AND entity_id = ANY($2)",
        entity.as_str(),
        ids,
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::DataKey;

    const OWNER: UserId = UserId::from_stored(1001);
    const STRANGER: UserId = UserId::from_stored(2002);

    fn vault() -> Vault {
        Vault::new(&DataKey::generate())
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    async fn record_one(
        db: &PgPool,
        vault: &Vault,
        entity_id: i64,
        actor: Actor,
        action: Action,
        snapshot: &Value,
        now: DateTime<Utc>,
    ) -> i32 {
        let mut tx = db.begin().await.unwrap();
        let change = Change {
            owner_id: OWNER,
            entity: Entity::Profile,
            entity_id,
            actor,
            action,
            snapshot,
        };
        let version = record(&mut tx, vault, change, now).await.unwrap();
        tx.commit().await.unwrap();
        version
    }

    /// The first version of the owner's profile, recorded by the owner.
    async fn created_by_owner(
        db: &PgPool,
        vault: &Vault,
        snapshot: &Value,
        now: DateTime<Utc>,
    ) -> i32 {
        let owner = Actor::Practitioner(OWNER);
        record_one(
            db,
            vault,
            OWNER.get(),
            owner,
            Action::Created,
            snapshot,
            now,
        )
        .await
    }

    #[test]
    fn names_round_trip() {
        for entity in [
            Entity::Profile,
            Entity::Education,
            Entity::Document,
            Entity::Application,
            Entity::Qualification,
        ] {
            assert_eq!(Entity::parse(entity.as_str()), Some(entity));
        }
        for action in [
            Action::Created,
            Action::Updated,
            Action::Deleted,
            Action::StatusChanged,
            Action::Restored,
        ] {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Entity::parse("Profile"), None);
        assert_eq!(Action::parse(""), None);
        for actor in [
            Actor::Practitioner(UserId::from_stored(5)),
            Actor::Operator(UserId::from_stored(6)),
            Actor::System,
            Actor::Erased,
        ] {
            assert_eq!(Actor::from_row(actor.kind(), actor.id()), Some(actor));
        }
        assert_eq!(
            Actor::from_row("system", Some(UserId::from_stored(1))),
            None
        );
        assert_eq!(Actor::from_row("operator", None), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn versions_count_up_per_record_and_open_as_recorded(db: PgPool) {
        let vault = vault();
        let first = json!({ "full_name": "Иванова Анна Сергеевна" });
        let second = json!({ "full_name": "Петрова Анна Сергеевна" });
        let t1 = at("2026-11-25T10:00:00Z");
        let t2 = at("2026-11-26T10:00:00Z");

        let v1 = created_by_owner(&db, &vault, &first, t1).await;
        let v2 = record_one(
            &db,
            &vault,
            OWNER.get(),
            Actor::Operator(UserId::from_stored(77)),
            Action::Updated,
            &second,
            t2,
        )
        .await;
        // Another record starts at 1 of its own.
        let other = record_one(&db, &vault, 9, Actor::System, Action::Created, &first, t1).await;
        assert_eq!((v1, v2, other), (1, 2, 1));

        let all = versions(&db, &vault, OWNER, Entity::Profile, OWNER.get())
            .await
            .unwrap();
        assert_eq!(
            all,
            [
                Version {
                    version: 1,
                    actor: Actor::Practitioner(OWNER),
                    action: Action::Created,
                    at: t1,
                    snapshot: first.clone(),
                },
                Version {
                    version: 2,
                    actor: Actor::Operator(UserId::from_stored(77)),
                    action: Action::Updated,
                    at: t2,
                    snapshot: second.clone(),
                },
            ]
        );
        let one = version(&db, &vault, OWNER, Entity::Profile, OWNER.get(), 2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one.snapshot, second);
        assert!(
            version(&db, &vault, OWNER, Entity::Profile, OWNER.get(), 3)
                .await
                .unwrap()
                .is_none()
        );
        // The same id under another entity is another record.
        assert!(
            versions(&db, &vault, OWNER, Entity::Education, OWNER.get())
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_sitting_of_updates_by_one_person_is_one_version(db: PgPool) {
        let vault = vault();
        let minutes = chrono::Duration::minutes;
        let start = at("2026-11-25T10:00:00Z");
        let anna = Actor::Practitioner(OWNER);
        let write = |actor: Actor, action: Action, text: &'static str, now: DateTime<Utc>| {
            let db = db.clone();
            let vault = vault.clone();
            async move {
                let snapshot = json!({ "duties": text });
                let mut tx = db.begin().await.unwrap();
                let change = Change {
                    owner_id: OWNER,
                    entity: Entity::ActivityReport,
                    entity_id: OWNER.get(),
                    actor,
                    action,
                    snapshot: &snapshot,
                };
                let version = record_per_sitting(&mut tx, &vault, change, now, minutes(30))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                version
            }
        };
        assert_eq!(write(anna, Action::Created, "а", start).await, 1);
        // The creation stays its own version; the updates after it join.
        assert_eq!(
            write(anna, Action::Updated, "аб", start + minutes(1)).await,
            2
        );
        assert_eq!(
            write(anna, Action::Updated, "абв", start + minutes(20)).await,
            2
        );
        assert_eq!(
            write(anna, Action::Updated, "абвг", start + minutes(45)).await,
            2
        );
        // A pause longer than a sitting, or someone else: a new version.
        assert_eq!(
            write(anna, Action::Updated, "д", start + minutes(120)).await,
            3
        );
        let system = Actor::System;
        assert_eq!(
            write(system, Action::Updated, "е", start + minutes(121)).await,
            4
        );
        assert_eq!(
            write(anna, Action::Updated, "ж", start + minutes(122)).await,
            5
        );

        let all = versions(&db, &vault, OWNER, Entity::ActivityReport, OWNER.get())
            .await
            .unwrap();
        let kept: Vec<(i32, &str, DateTime<Utc>)> = all
            .iter()
            .map(|v| (v.version, v.snapshot["duties"].as_str().unwrap(), v.at))
            .collect();
        assert_eq!(
            kept,
            [
                (1, "а", start),
                (2, "абвг", start + minutes(45)),
                (3, "д", start + minutes(120)),
                (4, "е", start + minutes(121)),
                (5, "ж", start + minutes(122)),
            ],
            "the sitting keeps its last answer and time, sealed for its row"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn only_the_owner_reads_versions(db: PgPool) {
        let vault = vault();
        let snapshot = json!({ "passport": "4510 123456" });
        let now = at("2026-11-25T10:00:00Z");
        created_by_owner(&db, &vault, &snapshot, now).await;
        assert!(
            versions(&db, &vault, STRANGER, Entity::Profile, OWNER.get())
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            version(&db, &vault, STRANGER, Entity::Profile, OWNER.get(), 1)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn snapshots_are_sealed_at_rest(db: PgPool) {
        let vault = vault();
        let snapshot = json!({ "passport": "4510 123456", "full_name": "Иванова Анна" });
        let now = at("2026-11-25T10:00:00Z");
        created_by_owner(&db, &vault, &snapshot, now).await;
        let stored = sqlx::query_scalar!("SELECT snapshot FROM history")
            .fetch_one(&db)
            .await
            .unwrap();
        for needle in ["4510 123456", "Иванова", "passport"] {
            assert!(
                !stored
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes()),
                "{needle} is in clear in history.snapshot"
            );
        }
        // Another key does not open it: the reader gets an error, not data.
        assert!(matches!(
            versions(
                &db,
                &Vault::new(&DataKey::generate()),
                OWNER,
                Entity::Profile,
                OWNER.get()
            )
            .await,
            Err(HistoryError::Crypto(CryptoError::UnknownKey))
        ));
        // A snapshot copied onto another version of the record does not
        // open: each is sealed for its (entity, entity_id, version).
        record_one(
            &db,
            &vault,
            OWNER.get(),
            Actor::Practitioner(OWNER),
            Action::Updated,
            &json!({ "full_name": "Петрова Анна" }),
            now,
        )
        .await;
        sqlx::query(
            "UPDATE history SET snapshot = (SELECT snapshot FROM history WHERE version = 1) WHERE version = 2",
        )
        .execute(&db)
        .await
        .unwrap();
        assert!(matches!(
            version(&db, &vault, OWNER, Entity::Profile, OWNER.get(), 2).await,
            Err(HistoryError::Crypto(CryptoError::Forged))
        ));
        assert!(
            version(&db, &vault, OWNER, Entity::Profile, OWNER.get(), 1)
                .await
                .is_ok()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_rolled_back_change_leaves_no_version_and_no_gap(db: PgPool) {
        let vault = vault();
        let snapshot = json!({ "n": 1 });
        let now = at("2026-11-25T10:00:00Z");
        let mut tx = db.begin().await.unwrap();
        let change = Change {
            owner_id: OWNER,
            entity: Entity::Document,
            entity_id: 5,
            actor: Actor::Practitioner(OWNER),
            action: Action::Created,
            snapshot: &snapshot,
        };
        assert_eq!(record(&mut tx, &vault, change, now).await.unwrap(), 1);
        tx.rollback().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        assert_eq!(record(&mut tx, &vault, change, now).await.unwrap(), 1);
        tx.commit().await.unwrap();
    }

    /// Many transactions record changes of one record at once: each gets its
    /// own number, and together they are exactly 1..=N.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn concurrent_records_never_share_a_version(db: PgPool) {
        // A test's pool has five connections, and all N transactions must
        // be open at once.
        const N: i32 = 5;
        let vault = vault();
        let now = at("2026-11-25T10:00:00Z");
        // Every transaction has written (and holds) before any commits, so
        // the inserts really overlap instead of running one after another.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N as usize));
        let tasks: Vec<_> = (0..N)
            .map(|n| {
                let db = db.clone();
                let vault = vault.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    let mut tx = db.begin().await.unwrap();
                    // Something of the transaction's own first, so all N
                    // are open when they reach the history.
                    sqlx::query!("SELECT 1 AS one")
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap();
                    barrier.wait().await;
                    let snapshot = json!({ "n": n });
                    let change = Change {
                        owner_id: OWNER,
                        entity: Entity::Application,
                        entity_id: 42,
                        actor: Actor::Practitioner(OWNER),
                        action: Action::Updated,
                        snapshot: &snapshot,
                    };
                    let version = record(&mut tx, &vault, change, now).await.unwrap();
                    // Hold the lock a moment so the others pile up behind it.
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    tx.commit().await.unwrap();
                    version
                })
            })
            .collect();
        let mut numbers = Vec::new();
        for task in tasks {
            numbers.push(task.await.unwrap());
        }
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=N).collect::<Vec<_>>());

        let stored = versions(&db, &vault, OWNER, Entity::Application, 42)
            .await
            .unwrap();
        assert_eq!(
            stored.iter().map(|v| v.version).collect::<Vec<_>>(),
            (1..=N).collect::<Vec<_>>()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn erase_owner_takes_only_the_owners_versions(db: PgPool) {
        let vault = vault();
        let snapshot = json!({});
        let now = at("2026-11-25T10:00:00Z");
        for entity_id in [1, 2] {
            record_one(
                &db,
                &vault,
                entity_id,
                Actor::System,
                Action::Created,
                &snapshot,
                now,
            )
            .await;
        }
        let mut tx = db.begin().await.unwrap();
        let change = Change {
            owner_id: STRANGER,
            entity: Entity::Profile,
            entity_id: STRANGER.get(),
            actor: Actor::Practitioner(STRANGER),
            action: Action::Created,
            snapshot: &snapshot,
        };
        record(&mut tx, &vault, change, now).await.unwrap();
        assert_eq!(erase_owner(&mut tx, OWNER).await.unwrap(), 2);
        tx.commit().await.unwrap();

        assert!(
            versions(&db, &vault, OWNER, Entity::Profile, 1)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            versions(&db, &vault, STRANGER, Entity::Profile, STRANGER.get())
                .await
                .unwrap()
                .len(),
            1
        );
    }
}
