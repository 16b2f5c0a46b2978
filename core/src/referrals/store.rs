//! The SQL of referrals: sending, reading (audited), the lists, the
//! decisions, expiry and erasure. See the module's documentation for the
//! rules each keeps.

use chrono::{DateTime, Datelike, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::files::{self, Attached};
use super::rules::{
    Care, Event, PatientRef, Reason, Receiver, Side, Status, TransitionError, Urgency, Viewer,
    format_number, side_of, transition,
};
use super::{DECLINE_REASON_FIELD, PATIENT_REF_FIELD, REASON_FIELD, organisations, search};
use crate::UserId;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::history::{self, Action, Actor, Change, Entity, HistoryError};
use crate::operators::{self, AuditAction, AuditEntry};
use crate::outbox::{self, Kind, Notification, Payload, Push};
use crate::security_events;

/// Lines on one page of «Входящие» / «Исходящие».
pub const PAGE: usize = 6;

/// Whom a new referral goes to, as the sender picked them from a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    /// A practitioner, by their register entry's id (not their Telegram id).
    Practitioner { registry_id: i64 },
    /// An organisation, by its ОГРН.
    Organisation { ogrn: String },
}

/// A referral to send: every answer of the form, parsed.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: To,
    pub urgency: Urgency,
    pub care: Care,
    pub reason: Reason,
    pub patient_ref: PatientRef,
    /// The draft's file ([`files::attach`]), to be sent with it.
    pub file: Option<i64>,
}

/// A referral as stored, its sealed fields opened.
#[derive(Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: i64,
    pub number: String,
    /// `None` once the sender used /forget.
    pub sender_id: Option<UserId>,
    pub sender_organisation: String,
    pub receiver: Receiver,
    /// The receiving organisation, or the receiving practitioner's.
    pub receiver_organisation: String,
    pub urgency: Urgency,
    pub care: Care,
    pub reason: String,
    pub patient_ref: String,
    pub status: Status,
    pub decline_reason: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub sender_erased: bool,
    pub receiver_erased: bool,
}

impl std::fmt::Debug for Referral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Referral")
            .field("id", &self.id)
            .field("number", &self.number)
            .field("sender_id", &self.sender_id)
            .field("receiver", &self.receiver)
            .field("urgency", &self.urgency)
            .field("care", &self.care)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A referral as one side reads it: with the names of the two sides as
/// the register writes them (`None`: an organisation, or someone who used
/// /forget).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub referral: Referral,
    pub side: Side,
    pub sender_name: Option<String>,
    pub receiver_name: Option<String>,
    /// The file sent with it: its type and size.
    pub file: Option<Attached>,
}

/// A line of a list: nothing sealed is opened for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: i64,
    pub number: String,
    pub urgency: Urgency,
    pub care: Care,
    pub status: Status,
    pub sent_at: DateTime<Utc>,
    /// The other side's organisation.
    pub counterpart: String,
}

/// Which list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folder {
    /// «Исходящие» of a practitioner.
    Outgoing(UserId),
    /// «Входящие» of a practitioner.
    Incoming(UserId),
    /// «Входящие» of an organisation, by its ОГРН (its operators').
    Organisation(String),
}

/// One page of a list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub lines: Vec<Line>,
    pub page: usize,
    pub total: i64,
}

impl Page {
    pub fn pages(&self) -> usize {
        usize::try_from(self.total)
            .unwrap_or(0)
            .div_ceil(PAGE)
            .max(1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReferralError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a sealed field does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error("history: {0}")]
    History(#[from] HistoryError),
    #[error("a stored referral does not parse")]
    Corrupt,
    /// No such referral, or one the viewer is no side of: the same answer,
    /// so an id cannot be probed.
    #[error("no such referral for this viewer")]
    NotYours,
    /// The receiver picked is not (or no longer) one: not a confirmed
    /// account, or an organisation without operators.
    #[error("no such receiver")]
    UnknownReceiver,
    /// A practitioner cannot refer to themselves.
    #[error("a referral to oneself")]
    ToSelf,
    /// Only a confirmed practitioner sends referrals (the register names
    /// their organisation, which the receiver calls).
    #[error("the sender's account is not confirmed")]
    SenderNotConfirmed,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The draft's file is no longer there to send (given up on another
    /// device, past its retention) or is not the sender's: nothing is sent.
    #[error("the attached file is gone")]
    FileGone,
    /// The form it was to be sent from is gone: sent from another chat of
    /// the account a moment before, or given up. Nothing was sent.
    #[error("the draft was sent or given up already")]
    DraftGone,
}

/// A row as stored.
struct Stored {
    id: i64,
    number: String,
    sender_id: Option<UserId>,
    sender_organisation: String,
    receiver_kind: String,
    receiver_user_id: Option<UserId>,
    receiver_ogrn: Option<String>,
    receiver_organisation: String,
    urgency: String,
    care: String,
    reason: Vec<u8>,
    patient_ref: Vec<u8>,
    status: String,
    decline_reason: Option<Vec<u8>>,
    sent_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    sender_erased: bool,
    receiver_erased: bool,
}

impl Stored {
    fn open(self, vault: &Vault) -> Result<Referral, ReferralError> {
        let row = RowKey::id(self.id);
        let receiver = match (self.receiver_kind.as_str(), self.receiver_ogrn) {
            ("practitioner", None) => Receiver::Practitioner(self.receiver_user_id),
            ("organisation", Some(ogrn)) => Receiver::Organisation { ogrn },
            _ => return Err(ReferralError::Corrupt),
        };
        Ok(Referral {
            id: self.id,
            number: self.number,
            sender_id: self.sender_id,
            sender_organisation: self.sender_organisation,
            receiver,
            receiver_organisation: self.receiver_organisation,
            urgency: Urgency::parse(&self.urgency).ok_or(ReferralError::Corrupt)?,
            care: Care::parse(&self.care).ok_or(ReferralError::Corrupt)?,
            reason: vault.open_str(REASON_FIELD, &row, &self.reason)?,
            patient_ref: vault.open_str(PATIENT_REF_FIELD, &row, &self.patient_ref)?,
            status: Status::parse(&self.status).ok_or(ReferralError::Corrupt)?,
            decline_reason: self
                .decline_reason
                .map(|sealed| vault.open_str(DECLINE_REASON_FIELD, &row, &sealed))
                .transpose()?,
            sent_at: self.sent_at,
            expires_at: self.expires_at,
            decided_at: self.decided_at,
            sender_erased: self.sender_erased,
            receiver_erased: self.receiver_erased,
        })
    }
}

/// A practitioner's entry in the register, for a confirmed account: the
/// name (opened) and the organisation.
async fn register_entry_of(
    db: &mut PgConnection,
    vault: &Vault,
    user: UserId,
) -> Result<Option<(String, String)>, ReferralError> {
    let row = sqlx::query!(
        r#"
        SELECT r.snils_index, r.full_name, r.organisation
        FROM accounts a JOIN registry_entries r ON r.snils_index = a.snils_index
        WHERE a.telegram_user_id = $1 AND a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
        "#,
        user.get(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let name = vault.open_str(
            crate::registry::SEALED_FULL_NAME,
            &RowKey::bytes(&row.snils_index),
            &row.full_name,
        )?;
        Ok((name, row.organisation))
    })
    .transpose()
}

/// Sends a referral: checks the sender (a confirmed account) and the
/// receiver (a confirmed account, not the sender; or an organisation with
/// operators), and in one transaction writes it, its first version and the
/// pushes to the receiver (and discards `from_draft`, the form it was
/// filled in, so that a press handled again after a crash finds nothing
/// to send twice). It waits for an answer until `sent + expiry`.
pub async fn send(
    db: &PgPool,
    vault: &Vault,
    sender: UserId,
    outgoing: &Outgoing,
    expiry: Duration,
    now: DateTime<Utc>,
    from_draft: Option<crate::drafts::Kind>,
) -> Result<Referral, ReferralError> {
    let status = transition(Status::Draft, Event::Send, Side::Sender)?;
    let mut tx = db.begin().await?;
    if let Some(kind) = from_draft
        && !crate::drafts::consume(&mut *tx, sender, kind).await?
    {
        return Err(ReferralError::DraftGone);
    }
    let Some((_, sender_organisation)) = register_entry_of(&mut tx, vault, sender).await? else {
        return Err(ReferralError::SenderNotConfirmed);
    };
    let (receiver_kind, receiver_user, receiver_ogrn, receiver_organisation) = match &outgoing.to {
        To::Practitioner { registry_id } => {
            let found = sqlx::query!(
                r#"
                SELECT a.telegram_user_id AS "user_id: UserId", r.organisation
                FROM registry_entries r
                JOIN accounts a ON a.snils_index = r.snils_index
                WHERE r.id = $1 AND a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
                "#,
                registry_id,
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(ReferralError::UnknownReceiver)?;
            if found.user_id == sender {
                return Err(ReferralError::ToSelf);
            }
            (
                "practitioner",
                Some(found.user_id),
                None,
                found.organisation,
            )
        }
        To::Organisation { ogrn } => {
            if organisations::operators_of(&mut tx, ogrn).await?.is_empty() {
                return Err(ReferralError::UnknownReceiver);
            }
            let name = search::organisation_name(&mut tx, ogrn)
                .await?
                .unwrap_or_else(|| ogrn.clone());
            ("organisation", None, Some(ogrn.clone()), name)
        }
    };

    // The file first, before the referral takes a number: the sender's
    // own, not sent yet, locked until it is linked below.
    if let Some(file) = outgoing.file
        && files::lock_unsent(&mut tx, sender, file).await?.is_none()
    {
        return Err(ReferralError::FileGone);
    }
    let id = sqlx::query_scalar!(r#"SELECT nextval('referrals_id_seq') AS "id!""#)
        .fetch_one(&mut *tx)
        .await?;
    let sequence = sqlx::query_scalar!(r#"SELECT nextval('referral_numbers') AS "n!""#)
        .fetch_one(&mut *tx)
        .await?;
    let number = format_number(crate::clock::moscow_today(now).year(), sequence);
    let row = RowKey::id(id);
    let expires_at = super::expires_at(now, expiry);
    sqlx::query!(
        r#"
        INSERT INTO referrals (id, number, sender_id, sender_organisation, receiver_kind,
            receiver_user_id, receiver_ogrn, receiver_organisation, urgency, care, reason,
            patient_ref, status, sent_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        "#,
        id,
        number,
        sender.get(),
        sender_organisation,
        receiver_kind,
        receiver_user.map(UserId::get),
        receiver_ogrn,
        receiver_organisation,
        outgoing.urgency.as_str(),
        outgoing.care.as_str(),
        vault.seal_str(REASON_FIELD, &row, outgoing.reason.as_str()),
        vault.seal_str(PATIENT_REF_FIELD, &row, outgoing.patient_ref.as_str()),
        status.as_str(),
        now,
        expires_at,
    )
    .execute(&mut *tx)
    .await?;
    if let Some(file) = outgoing.file {
        files::link(&mut tx, file, id).await?;
    }
    let referral = lock(&mut tx, vault, id)
        .await?
        .ok_or(ReferralError::Corrupt)?;
    version(
        &mut tx,
        vault,
        &referral,
        Actor::Practitioner(sender),
        Action::Created,
        now,
    )
    .await?;
    let push = Push::ReferralReceived {
        number: referral.number.clone(),
        urgency: referral.urgency,
    };
    tell_receiver(&mut tx, &referral, push, now).await?;
    tx.commit().await?;
    Ok(referral)
}

/// The referral's version in the sender's history: the facts, the status,
/// and a decline's reason (sealed there, as every snapshot is).
async fn version(
    tx: &mut PgConnection,
    vault: &Vault,
    referral: &Referral,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), ReferralError> {
    // A forgotten sender has no history to add to.
    let Some(owner_id) = referral.sender_id else {
        return Ok(());
    };
    let mut snapshot = json!({
        "number": referral.number,
        "status": referral.status.as_str(),
        "urgency": referral.urgency.as_str(),
        "care": referral.care.as_str(),
        "receiver_organisation": referral.receiver_organisation,
    });
    if let Some(reason) = &referral.decline_reason {
        snapshot["decline_reason"] = Value::from(reason.as_str());
    }
    let change = Change {
        owner_id,
        entity: Entity::Referral,
        entity_id: referral.id,
        actor,
        action,
        snapshot: &snapshot,
    };
    history::record(tx, vault, change, now).await?;
    Ok(())
}

/// The pushes to the receiving side: the practitioner, or each of the
/// organisation's operators.
async fn tell_receiver(
    tx: &mut PgConnection,
    referral: &Referral,
    push: Push,
    now: DateTime<Utc>,
) -> Result<(), ReferralError> {
    let (kind, recipients) = match &referral.receiver {
        Receiver::Practitioner(user) => (Kind::Referral, user.iter().copied().collect()),
        Receiver::Organisation { ogrn } => (
            Kind::OrganisationReferral,
            organisations::operators_of(tx, ogrn).await?,
        ),
    };
    for recipient in recipients {
        let payload = Payload {
            referral: Some(referral.id),
            ..Payload::new(push.clone())
        };
        outbox::enqueue(
            tx,
            &Notification::new(recipient.private_chat(), kind, payload),
            now,
        )
        .await?;
    }
    Ok(())
}

async fn tell_sender(
    tx: &mut PgConnection,
    referral: &Referral,
    now: DateTime<Utc>,
) -> Result<(), ReferralError> {
    let Some(sender) = referral.sender_id else {
        return Ok(());
    };
    let payload = Payload {
        referral: Some(referral.id),
        ..Payload::new(Push::ReferralStatusChanged {
            number: referral.number.clone(),
            status: referral.status,
        })
    };
    outbox::enqueue(
        tx,
        &Notification::new(sender.private_chat(), Kind::Referral, payload),
        now,
    )
    .await?;
    Ok(())
}

/// The ОГРН an operator viewer is bound to, read in the transaction.
async fn viewer_in(tx: &mut PgConnection, viewer: &Viewer) -> Result<Viewer, ReferralError> {
    Ok(match viewer {
        Viewer::Operator { id, .. } => Viewer::Operator {
            id: *id,
            organisation: organisations::of_operator_in(tx, *id).await?,
        },
        practitioner => practitioner.clone(),
    })
}

fn who(viewer: &Viewer) -> (UserId, Actor) {
    match viewer {
        Viewer::Practitioner(id) => (*id, Actor::Practitioner(*id)),
        Viewer::Operator { id, .. } => (*id, Actor::Operator(*id)),
    }
}

/// The referral `id` and `viewer`'s side of it, an operator's binding read
/// in `tx` (not taken from the caller). Anyone else's, and a referral that
/// is not there: [`ReferralError::NotYours`].
pub(super) async fn side_in(
    tx: &mut PgConnection,
    vault: &Vault,
    viewer: &Viewer,
    id: i64,
) -> Result<(Viewer, Referral, Side), ReferralError> {
    let viewer = viewer_in(tx, viewer).await?;
    let referral = fetch(tx, vault, id).await?.ok_or(ReferralError::NotYours)?;
    let side =
        side_of(referral.sender_id, &referral.receiver, &viewer).ok_or(ReferralError::NotYours)?;
    Ok((viewer, referral, side))
}

/// Records a side's read of a referral (or of its file), in the reading's
/// transaction: a practitioner's as their security event `kind`, with
/// their side; an operator's in the operators' audit.
pub(super) async fn record_read(
    tx: &mut PgConnection,
    viewer: &Viewer,
    side: Side,
    kind: security_events::Kind,
    mut details: Value,
    now: DateTime<Utc>,
) -> Result<(), ReferralError> {
    match viewer {
        Viewer::Practitioner(reader) => {
            details["side"] = Value::from(match side {
                Side::Sender => "sender",
                _ => "receiver",
            });
            security_events::record(tx, *reader, kind, details, now).await?;
        }
        Viewer::Operator { id: operator, .. } => {
            let entry = AuditEntry {
                operator_id: *operator,
                action: AuditAction::Viewed,
                application_id: None,
                factor_reset_id: None,
                owner_id: None,
                details,
            };
            operators::audit(tx, &entry, now).await?;
        }
    }
    Ok(())
}

/// Opens a referral for one of its sides, and records the read in the same
/// transaction (see the module's documentation). An operator's binding is
/// read here, not taken from the caller. Anyone else: [`ReferralError::NotYours`].
pub async fn open(
    db: &PgPool,
    vault: &Vault,
    viewer: &Viewer,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Card, ReferralError> {
    let mut tx = db.begin().await?;
    let (viewer, referral, side) = side_in(&mut tx, vault, viewer, id).await?;
    let read = security_events::Kind::ReferralRead;
    record_read(
        &mut tx,
        &viewer,
        side,
        read,
        json!({ "referral_id": id }),
        now,
    )
    .await?;
    let sender_name = match referral.sender_id {
        Some(sender) => register_entry_of(&mut tx, vault, sender)
            .await?
            .map(|(name, _)| name),
        None => None,
    };
    let receiver_name = match referral.receiver {
        Receiver::Practitioner(Some(receiver)) => register_entry_of(&mut tx, vault, receiver)
            .await?
            .map(|(name, _)| name),
        _ => None,
    };
    let file = files::of_referral(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Card {
        referral,
        side,
        sender_name,
        receiver_name,
        file,
    })
}

/// One page of a list, newest first.
pub async fn list(db: &PgPool, folder: &Folder, page: usize) -> Result<Page, ReferralError> {
    let (user, ogrn, outgoing) = match folder {
        Folder::Outgoing(user) => (Some(user.get()), None, true),
        Folder::Incoming(user) => (Some(user.get()), None, false),
        Folder::Organisation(ogrn) => (None, Some(ogrn.as_str()), false),
    };
    let offset = i64::try_from(page.saturating_mul(PAGE)).unwrap_or(i64::MAX);
    let limit = i64::try_from(PAGE).unwrap_or(i64::MAX);
    let total = sqlx::query_scalar!(
        r#"
        SELECT count(*) AS "n!" FROM referrals
        WHERE CASE WHEN $3 THEN sender_id = $1
                   WHEN $1::BIGINT IS NOT NULL THEN receiver_user_id = $1
                   ELSE receiver_ogrn = $2 END
        "#,
        user,
        ogrn,
        outgoing,
    )
    .fetch_one(db)
    .await?;
    let rows = sqlx::query!(
        r#"
        SELECT id, number, urgency, care, status, sent_at,
               CASE WHEN $3 THEN receiver_organisation ELSE sender_organisation END AS "counterpart!"
        FROM referrals
        WHERE CASE WHEN $3 THEN sender_id = $1
                   WHEN $1::BIGINT IS NOT NULL THEN receiver_user_id = $1
                   ELSE receiver_ogrn = $2 END
        ORDER BY sent_at DESC, id DESC
        OFFSET $4 LIMIT $5
        "#,
        user,
        ogrn,
        outgoing,
        offset,
        limit,
    )
    .fetch_all(db)
    .await?;
    let lines = rows
        .into_iter()
        .map(|row| {
            Ok(Line {
                id: row.id,
                number: row.number,
                urgency: Urgency::parse(&row.urgency).ok_or(ReferralError::Corrupt)?,
                care: Care::parse(&row.care).ok_or(ReferralError::Corrupt)?,
                status: Status::parse(&row.status).ok_or(ReferralError::Corrupt)?,
                sent_at: row.sent_at,
                counterpart: row.counterpart,
            })
        })
        .collect::<Result<_, ReferralError>>()?;
    Ok(Page { lines, page, total })
}

/// The receiver accepts a referral sent to them (to their organisation);
/// the sender is told.
pub async fn accept(
    db: &PgPool,
    vault: &Vault,
    viewer: &Viewer,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Referral, ReferralError> {
    decide(db, vault, viewer, id, Event::Accept, None, now).await
}

/// The receiver declines it, with a reason (in general words, as the
/// referral's own); the sender is told, and reads the reason on the card.
pub async fn decline(
    db: &PgPool,
    vault: &Vault,
    viewer: &Viewer,
    id: i64,
    reason: &Reason,
    now: DateTime<Utc>,
) -> Result<Referral, ReferralError> {
    decide(db, vault, viewer, id, Event::Decline, Some(reason), now).await
}

/// The sender withdraws it before an answer; the receiver is told.
pub async fn cancel(
    db: &PgPool,
    vault: &Vault,
    sender: UserId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Referral, ReferralError> {
    let viewer = Viewer::Practitioner(sender);
    decide(db, vault, &viewer, id, Event::Cancel, None, now).await
}

async fn decide(
    db: &PgPool,
    vault: &Vault,
    viewer: &Viewer,
    id: i64,
    event: Event,
    reason: Option<&Reason>,
    now: DateTime<Utc>,
) -> Result<Referral, ReferralError> {
    let mut tx = db.begin().await?;
    let viewer = viewer_in(&mut tx, viewer).await?;
    let referral = lock(&mut tx, vault, id)
        .await?
        .ok_or(ReferralError::NotYours)?;
    let side =
        side_of(referral.sender_id, &referral.receiver, &viewer).ok_or(ReferralError::NotYours)?;
    // Past its time it is expired, whether or not the scheduler got to it:
    // expired here and now (the sides told), and the step refused.
    if super::rules::is_expired(referral.status, referral.expires_at, now) {
        let expired = expire(&mut tx, vault, referral, now).await?;
        tx.commit().await?;
        return Err(ReferralError::Transition(super::rules::TransitionError {
            from: expired.status,
            event,
            by: side,
        }));
    }
    let (person, actor) = who(&viewer);
    let referral = apply(
        &mut tx,
        vault,
        referral,
        event,
        side,
        reason,
        Some(person),
        actor,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(referral)
}

/// A locked referral past its time, expired by the system (the scheduler,
/// or an answer that came too late).
async fn expire(
    tx: &mut PgConnection,
    vault: &Vault,
    referral: Referral,
    now: DateTime<Utc>,
) -> Result<Referral, ReferralError> {
    let (event, side, actor) = (Event::Expire, Side::System, Actor::System);
    apply(tx, vault, referral, event, side, None, None, actor, now).await
}

/// Changes the status of a locked referral, inside the caller's
/// transaction: the row, the version, the push to the other side.
#[allow(clippy::too_many_arguments)]
async fn apply(
    tx: &mut PgConnection,
    vault: &Vault,
    referral: Referral,
    event: Event,
    side: Side,
    reason: Option<&Reason>,
    person: Option<UserId>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Referral, ReferralError> {
    let status = transition(referral.status, event, side)?;
    let sealed = reason.map(|reason| {
        vault.seal_str(
            DECLINE_REASON_FIELD,
            &RowKey::id(referral.id),
            reason.as_str(),
        )
    });
    // Who decided: the receiver's side only (a cancellation is the sender's
    // and an expiry nobody's).
    let decided_by = matches!(event, Event::Accept | Event::Decline)
        .then_some(person)
        .flatten();
    sqlx::query!(
        r#"
        UPDATE referrals SET status = $2, decline_reason = $3, decided_at = $4, decided_by = $5
        WHERE id = $1
        "#,
        referral.id,
        status.as_str(),
        sealed,
        now,
        decided_by.map(UserId::get),
    )
    .execute(&mut *tx)
    .await?;
    let referral = Referral {
        status,
        decline_reason: reason.map(|reason| reason.as_str().to_owned()),
        decided_at: Some(now),
        ..referral
    };
    version(tx, vault, &referral, actor, Action::StatusChanged, now).await?;
    match event {
        Event::Cancel => {
            let push = Push::ReferralStatusChanged {
                number: referral.number.clone(),
                status,
            };
            tell_receiver(tx, &referral, push, now).await?;
        }
        _ => tell_sender(tx, &referral, now).await?,
    }
    Ok(referral)
}

/// The scheduler: expires up to `batch` referrals still waiting past their
/// time, each with its version and the sender's push; rows another
/// instance holds are skipped (`FOR UPDATE SKIP LOCKED`). How many.
pub async fn expire_due(
    db: &PgPool,
    vault: &Vault,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<usize, ReferralError> {
    let mut tx = db.begin().await?;
    let rows = sqlx::query_as!(
        Stored,
        r#"
        SELECT id, number, sender_id AS "sender_id: UserId", sender_organisation, receiver_kind,
               receiver_user_id AS "receiver_user_id: UserId", receiver_ogrn,
               receiver_organisation, urgency, care, reason, patient_ref, status, decline_reason,
               sent_at, expires_at, decided_at, sender_erased, receiver_erased
        FROM referrals
        WHERE status = 'sent' AND expires_at <= $1
        ORDER BY expires_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
        "#,
        now,
        batch,
    )
    .fetch_all(&mut *tx)
    .await?;
    let count = rows.len();
    for row in rows {
        expire(&mut tx, vault, row.open(vault)?, now).await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// /forget of `user`, in the erasure's transaction, before the account
/// goes (see the module's documentation for the rule): open referrals of
/// theirs are closed by the system and the other side told; their links
/// are removed; what neither side can read any more is deleted.
pub async fn erase_party(
    tx: &mut PgConnection,
    vault: &Vault,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), ReferralError> {
    let open = sqlx::query_scalar!(
        r#"
        SELECT id FROM referrals
        WHERE status = 'sent' AND (sender_id = $1 OR receiver_user_id = $1)
        ORDER BY id
        "#,
        user.get(),
    )
    .fetch_all(&mut *tx)
    .await?;
    for id in open {
        let Some(referral) = lock(tx, vault, id).await? else {
            continue;
        };
        let event = if referral.sender_id == Some(user) {
            Event::Cancel
        } else {
            Event::Decline
        };
        apply(
            tx,
            vault,
            referral,
            event,
            Side::System,
            None,
            None,
            Actor::System,
            now,
        )
        .await?;
    }
    sqlx::query!(
        r#"
        UPDATE referrals SET
            sender_id = CASE WHEN sender_id = $1 THEN NULL ELSE sender_id END,
            sender_erased = sender_erased OR COALESCE(sender_id = $1, false),
            receiver_user_id = CASE WHEN receiver_user_id = $1 THEN NULL ELSE receiver_user_id END,
            receiver_erased = receiver_erased OR COALESCE(receiver_user_id = $1, false),
            decided_by = CASE WHEN decided_by = $1 THEN NULL ELSE decided_by END
        WHERE sender_id = $1 OR receiver_user_id = $1 OR decided_by = $1
        "#,
        user.get(),
    )
    .execute(&mut *tx)
    .await?;
    // Their draft's file goes; a file they sent stays with its referral.
    files::erase_owner(tx, user).await?;
    // Neither side left to read it (its file goes with it).
    sqlx::query!(
        r#"
        DELETE FROM referrals
        WHERE sender_id IS NULL AND receiver_kind = 'practitioner' AND receiver_user_id IS NULL
        "#
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The retention: deletes up to `batch` referrals closed (accepted,
/// declined, cancelled, expired) before `before`, with their files and the
/// versions of them in their sender's history, in one transaction. Rows
/// another instance holds (an answer being written) are skipped. How many.
pub async fn purge_closed(
    db: &PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let ids = sqlx::query_scalar!(
        r#"
        SELECT id FROM referrals
        WHERE status <> 'sent' AND decided_at < $1
        ORDER BY decided_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
        "#,
        before,
        batch,
    )
    .fetch_all(&mut *tx)
    .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    history::erase_records(&mut tx, Entity::Referral, &ids).await?;
    // The files go with them (ON DELETE CASCADE).
    let deleted = sqlx::query!("DELETE FROM referrals WHERE id = ANY($1)", &ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted)
}

async fn fetch(
    tx: &mut PgConnection,
    vault: &Vault,
    id: i64,
) -> Result<Option<Referral>, ReferralError> {
    sqlx::query_as!(
        Stored,
        r#"
        SELECT id, number, sender_id AS "sender_id: UserId", sender_organisation, receiver_kind,
               receiver_user_id AS "receiver_user_id: UserId", receiver_ogrn,
               receiver_organisation, urgency, care, reason, patient_ref, status, decline_reason,
               sent_at, expires_at, decided_at, sender_erased, receiver_erased
        FROM referrals WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(tx)
    .await?
    .map(|row| row.open(vault))
    .transpose()
}

/// Reads a referral and locks it until the transaction ends: every change
/// starts here, so two answers to one referral come one after the other and
/// the second meets the first's status.
async fn lock(
    tx: &mut PgConnection,
    vault: &Vault,
    id: i64,
) -> Result<Option<Referral>, ReferralError> {
    sqlx::query_as!(
        Stored,
        r#"
        SELECT id, number, sender_id AS "sender_id: UserId", sender_organisation, receiver_kind,
               receiver_user_id AS "receiver_user_id: UserId", receiver_ogrn,
               receiver_organisation, urgency, care, reason, patient_ref, status, decline_reason,
               sent_at, expires_at, decided_at, sender_erased, receiver_erased
        FROM referrals WHERE id = $1
        FOR UPDATE
        "#,
        id,
    )
    .fetch_optional(tx)
    .await?
    .map(|row| row.open(vault))
    .transpose()
}
