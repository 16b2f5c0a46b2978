//! Table `schedule_slots`: a practitioner's slots and shifts, and the
//! practitioner's own changes to them — add, move, cancel — each refused
//! when it would overlap another slot or shift, and each a version of
//! history's entity `schedule_slot` in the same transaction.
//!
//! Reads filter by owner: a slot id that is not the reader's is `None`,
//! the same as one that does not exist. Changes of one practitioner's
//! schedule are serialised by a transaction-scoped advisory lock, so two
//! changes at once cannot both pass the overlap check.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::rules::{self, SlotKind, Span};
use crate::UserId;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::history::{self, Action, Actor, Change, Entity, HistoryError};

/// The room or the department, sealed, bound to the row's id.
pub const PLACE_FIELD: &str = "schedule_slots.place";

/// A slot or a shift as its owner reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub id: i64,
    pub owner: UserId,
    pub kind: SlotKind,
    pub span: Span,
    /// The organisation's zone: the slot is shown in it.
    pub zone: Tz,
    pub place: String,
    /// The calendar's UID.
    pub uid: Uuid,
    /// From the clinic's import (not added by the practitioner).
    pub imported: bool,
    /// A clinic slot the practitioner moved or cancelled since the import.
    pub changed_by_practitioner: bool,
    pub cancelled: bool,
    pub updated_at: DateTime<Utc>,
}

impl Slot {
    /// The record as history keeps it.
    pub fn snapshot(&self) -> Value {
        json!({
            "kind": self.kind.code(),
            "detail": self.kind.detail(),
            "starts_at": self.span.start().to_rfc3339(),
            "ends_at": self.span.end().to_rfc3339(),
            "time_zone": self.zone.name(),
            "place": self.place,
            "imported": self.imported,
            "cancelled": self.cancelled,
        })
    }
}

/// A slot to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSlot {
    pub kind: SlotKind,
    pub span: Span,
    pub zone: Tz,
    pub place: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored slot does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("a stored slot does not parse")]
    Corrupt,
}

/// Why a practitioner's change was not made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// It would overlap this slot or shift (the first in time).
    #[error("overlaps another slot")]
    Conflict(Box<Slot>),
    /// Not the practitioner's slot, no such slot, or cancelled already.
    #[error("no such slot")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for EditError {
    fn from(error: sqlx::Error) -> Self {
        EditError::Store(StoreError::Db(error))
    }
}

impl From<HistoryError> for EditError {
    fn from(error: HistoryError) -> Self {
        EditError::Store(StoreError::History(error))
    }
}

/// A row as selected by every read here.
struct Row {
    id: i64,
    owner_id: i64,
    kind: String,
    appointment: Option<String>,
    duty: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    time_zone: String,
    place: Vec<u8>,
    uid: Uuid,
    imported: bool,
    changed_by_practitioner: bool,
    cancelled: bool,
    updated_at: DateTime<Utc>,
}

fn open(vault: &Vault, row: Row) -> Result<Slot, StoreError> {
    let kind = SlotKind::from_columns(&row.kind, row.appointment.as_deref(), row.duty.as_deref())
        .ok_or(StoreError::Corrupt)?;
    let span = Span::new(row.starts_at, row.ends_at).ok_or(StoreError::Corrupt)?;
    let zone = row.time_zone.parse().map_err(|_| StoreError::Corrupt)?;
    let place = vault.open_str(PLACE_FIELD, &RowKey::id(row.id), &row.place)?;
    Ok(Slot {
        id: row.id,
        owner: UserId::from_stored(row.owner_id),
        kind,
        span,
        zone,
        place,
        uid: row.uid,
        imported: row.imported,
        changed_by_practitioner: row.changed_by_practitioner,
        cancelled: row.cancelled,
        updated_at: row.updated_at,
    })
}

fn open_all(vault: &Vault, rows: Vec<Row>) -> Result<Vec<Slot>, StoreError> {
    rows.into_iter().map(|row| open(vault, row)).collect()
}

/// The owner's slots in force that touch `[from, until)`, by start.
pub async fn between(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Slot>, StoreError> {
    let mut conn = db.acquire().await?;
    touching(&mut conn, vault, owner, from, until).await
}

async fn touching(
    conn: &mut PgConnection,
    vault: &Vault,
    owner: UserId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Slot>, StoreError> {
    let rows = sqlx::query_as!(
        Row,
        r#"
        SELECT id, owner_id, kind, appointment, duty, starts_at, ends_at, time_zone, place, uid,
               import_key IS NOT NULL AS "imported!", changed_by_practitioner,
               cancelled_at IS NOT NULL AS "cancelled!", updated_at
        FROM schedule_slots
        WHERE owner_id = $1 AND cancelled_at IS NULL AND starts_at < $3 AND ends_at > $2
        ORDER BY starts_at, id
        "#,
        owner.get(),
        from,
        until,
    )
    .fetch_all(conn)
    .await?;
    open_all(vault, rows)
}

/// The owner's next duty shift that has not ended by `now`.
pub async fn next_shift(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    now: DateTime<Utc>,
) -> Result<Option<Slot>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"
        SELECT id, owner_id, kind, appointment, duty, starts_at, ends_at, time_zone, place, uid,
               import_key IS NOT NULL AS "imported!", changed_by_practitioner,
               cancelled_at IS NOT NULL AS "cancelled!", updated_at
        FROM schedule_slots
        WHERE owner_id = $1 AND cancelled_at IS NULL AND kind = 'shift' AND ends_at > $2
        ORDER BY starts_at, id
        LIMIT 1
        "#,
        owner.get(),
        now,
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| open(vault, row)).transpose()
}

/// One of the owner's slots in force; `None` for another's, a cancelled
/// one, or none at all (a forged id is not told apart).
pub async fn of_owner(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    id: i64,
) -> Result<Option<Slot>, StoreError> {
    let mut conn = db.acquire().await?;
    find(&mut conn, vault, owner, id, false).await
}

async fn find(
    conn: &mut PgConnection,
    vault: &Vault,
    owner: UserId,
    id: i64,
    lock: bool,
) -> Result<Option<Slot>, StoreError> {
    let row = if lock {
        sqlx::query_as!(
            Row,
            r#"
            SELECT id, owner_id, kind, appointment, duty, starts_at, ends_at, time_zone, place,
                   uid, import_key IS NOT NULL AS "imported!", changed_by_practitioner,
                   cancelled_at IS NOT NULL AS "cancelled!", updated_at
            FROM schedule_slots
            WHERE id = $1 AND owner_id = $2 AND cancelled_at IS NULL
            FOR UPDATE
            "#,
            id,
            owner.get(),
        )
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_as!(
            Row,
            r#"
            SELECT id, owner_id, kind, appointment, duty, starts_at, ends_at, time_zone, place,
                   uid, import_key IS NOT NULL AS "imported!", changed_by_practitioner,
                   cancelled_at IS NOT NULL AS "cancelled!", updated_at
            FROM schedule_slots
            WHERE id = $1 AND owner_id = $2 AND cancelled_at IS NULL
            "#,
            id,
            owner.get(),
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    row.map(|row| open(vault, row)).transpose()
}

/// The zone of the owner's schedule: that of the slot imported last (the
/// organisation's), if any.
pub async fn zone_of(db: &PgPool, owner: UserId) -> Result<Option<Tz>, sqlx::Error> {
    let zone = sqlx::query_scalar!(
        r#"
        SELECT time_zone FROM schedule_slots
        WHERE owner_id = $1
        ORDER BY (import_key IS NOT NULL) DESC, updated_at DESC, id DESC
        LIMIT 1
        "#,
        owner.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(zone.and_then(|name| name.parse().ok()))
}

/// Serialises changes of one practitioner's schedule until the caller's
/// transaction ends (the import takes it too).
pub(crate) async fn lock_schedule(tx: &mut PgConnection, owner: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('schedule:' || $1::BIGINT, 0))",
        owner.get()
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The slot in force that `span` would overlap, first in time, leaving
/// `except` out (the slot being moved).
async fn conflict(
    tx: &mut PgConnection,
    vault: &Vault,
    owner: UserId,
    span: Span,
    except: Option<i64>,
) -> Result<Option<Slot>, StoreError> {
    let others = touching(tx, vault, owner, span.start(), span.end()).await?;
    let candidates = others
        .into_iter()
        .filter(|slot| Some(slot.id) != except)
        .map(|slot| {
            let span = slot.span;
            (slot, span)
        });
    Ok(rules::conflicts(span, candidates).into_iter().next())
}

/// The owner's own slots in force (added by them, not imported) that
/// overlap `span`: the clinic's import cancels them.
pub(crate) async fn own_overlapping(
    tx: &mut PgConnection,
    vault: &Vault,
    owner: UserId,
    span: Span,
) -> Result<Vec<Slot>, StoreError> {
    let own = touching(tx, vault, owner, span.start(), span.end())
        .await?
        .into_iter()
        .filter(|slot| !slot.imported && slot.span.overlaps(span))
        .collect();
    Ok(own)
}

/// Writes a new row (the id taken first: the place is sealed for it).
pub(crate) async fn insert(
    tx: &mut PgConnection,
    vault: &Vault,
    owner: UserId,
    new: &NewSlot,
    uid: Uuid,
    import_key: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<Slot, StoreError> {
    let id = sqlx::query_scalar!(r#"SELECT nextval('schedule_slots_id_seq') AS "id!""#)
        .fetch_one(&mut *tx)
        .await?;
    let place = vault.seal_str(PLACE_FIELD, &RowKey::id(id), &new.place);
    let (appointment, duty) = columns(new.kind);
    sqlx::query!(
        r#"
        INSERT INTO schedule_slots (id, owner_id, kind, starts_at, ends_at, time_zone, appointment,
                                    duty, place, uid, import_key, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
        "#,
        id,
        owner.get(),
        new.kind.code(),
        new.span.start(),
        new.span.end(),
        new.zone.name(),
        appointment,
        duty,
        place,
        uid,
        import_key,
        now,
    )
    .execute(&mut *tx)
    .await?;
    Ok(Slot {
        id,
        owner,
        kind: new.kind,
        span: new.span,
        zone: new.zone,
        place: new.place.clone(),
        uid,
        imported: import_key.is_some(),
        changed_by_practitioner: false,
        cancelled: false,
        updated_at: now,
    })
}

fn columns(kind: SlotKind) -> (Option<&'static str>, Option<&'static str>) {
    match kind {
        SlotKind::Appointment(kind) => (Some(kind.as_str()), None),
        SlotKind::Shift(duty) => (None, Some(duty.as_str())),
    }
}

/// Rewrites a row whole: kind, times, zone, place, whether the
/// practitioner changed it, cancelled or in force.
pub(crate) async fn rewrite(
    tx: &mut PgConnection,
    vault: &Vault,
    slot: &Slot,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let place = vault.seal_str(PLACE_FIELD, &RowKey::id(slot.id), &slot.place);
    let (appointment, duty) = columns(slot.kind);
    sqlx::query!(
        r#"
        UPDATE schedule_slots
        SET kind = $2, starts_at = $3, ends_at = $4, time_zone = $5, appointment = $6, duty = $7,
            place = $8, changed_by_practitioner = $9,
            cancelled_at = CASE WHEN $10 THEN COALESCE(cancelled_at, $11) END,
            updated_at = $11
        WHERE id = $1
        "#,
        slot.id,
        slot.kind.code(),
        slot.span.start(),
        slot.span.end(),
        slot.zone.name(),
        appointment,
        duty,
        place,
        slot.changed_by_practitioner,
        slot.cancelled,
        now,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// A version of the slot as it now stands, in the change's transaction.
pub(crate) async fn version(
    tx: &mut PgConnection,
    vault: &Vault,
    slot: &Slot,
    (actor, action): (Actor, Action),
    now: DateTime<Utc>,
) -> Result<(), HistoryError> {
    let snapshot = slot.snapshot();
    let change = Change {
        owner_id: slot.owner,
        entity: Entity::ScheduleSlot,
        entity_id: slot.id,
        actor,
        action,
        snapshot: &snapshot,
    };
    history::record(tx, vault, change, now).await?;
    Ok(())
}

/// The practitioner adds a slot; refused if it overlaps one in force.
pub async fn add(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    new: &NewSlot,
    now: DateTime<Utc>,
) -> Result<Slot, EditError> {
    let mut tx = db.begin().await?;
    lock_schedule(&mut tx, owner).await?;
    if let Some(other) = conflict(&mut tx, vault, owner, new.span, None).await? {
        return Err(EditError::Conflict(Box::new(other)));
    }
    let slot = insert(&mut tx, vault, owner, new, Uuid::new_v4(), None, now).await?;
    let change = (Actor::Practitioner(owner), Action::Created);
    version(&mut tx, vault, &slot, change, now).await?;
    tx.commit().await?;
    Ok(slot)
}

/// The practitioner moves a slot to `span`; refused if it would overlap
/// another in force. A clinic slot moved is marked: the clinic's next
/// import decides, and says so.
pub async fn move_slot(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    id: i64,
    span: Span,
    now: DateTime<Utc>,
) -> Result<Slot, EditError> {
    let mut tx = db.begin().await?;
    lock_schedule(&mut tx, owner).await?;
    let mut slot = find(&mut tx, vault, owner, id, true)
        .await?
        .ok_or(EditError::NotFound)?;
    if let Some(other) = conflict(&mut tx, vault, owner, span, Some(id)).await? {
        return Err(EditError::Conflict(Box::new(other)));
    }
    slot.span = span;
    slot.changed_by_practitioner = slot.imported;
    rewrite(&mut tx, vault, &slot, now).await?;
    let change = (Actor::Practitioner(owner), Action::Updated);
    version(&mut tx, vault, &slot, change, now).await?;
    tx.commit().await?;
    slot.updated_at = now;
    Ok(slot)
}

/// The practitioner cancels a slot; it is kept as cancelled (for the
/// history, and for the clinic's next import to find).
pub async fn cancel(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Slot, EditError> {
    let mut tx = db.begin().await?;
    lock_schedule(&mut tx, owner).await?;
    let mut slot = find(&mut tx, vault, owner, id, true)
        .await?
        .ok_or(EditError::NotFound)?;
    slot.cancelled = true;
    slot.changed_by_practitioner = slot.imported;
    rewrite(&mut tx, vault, &slot, now).await?;
    let change = (Actor::Practitioner(owner), Action::Deleted);
    version(&mut tx, vault, &slot, change, now).await?;
    tx.commit().await?;
    Ok(slot)
}

/// /forget: every slot of the owner (their versions go with history's).
pub async fn erase(tx: &mut PgConnection, owner: UserId) -> Result<u64, sqlx::Error> {
    let slots = sqlx::query!(
        "DELETE FROM schedule_slots WHERE owner_id = $1",
        owner.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let feeds = super::feed::erase(tx, owner).await?;
    Ok(slots + feeds)
}

/// Retention: up to `batch` slots that ended before `before`.
pub async fn purge_ended(
    db: &PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"
        DELETE FROM schedule_slots
        WHERE id IN (SELECT id FROM schedule_slots WHERE ends_at < $1 LIMIT $2)
        "#,
        before,
        batch,
    )
    .execute(db)
    .await?
    .rows_affected())
}
