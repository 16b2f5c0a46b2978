//! Applications («заявки»): what a practitioner asks for, with the
//! documents it needs, and where the review of it stands.
//!
//! Owns the table `applications` and the sequence `application_numbers`.
//! The rules that need no storage are in [`rules`] (re-exported here): the
//! kinds and their required documents, numbers, the status machine, the
//! accreditation window, the promised review times, the next step.
//!
//! Every change of status is one transaction ([`apply`]): the new status,
//! a version in the history (action `status_changed`, the status and the
//! operator's note, sealed there), and a push to the practitioner through
//! the outbox naming only the number and the status — no personal data,
//! since a push shows on a locked screen. Operators' side of the machine
//! (taking from the queue, deciding) is in `crate::review`.

pub mod certificates;
mod rules;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::accounts;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::documents::{self, DocumentError};
use crate::history::{self, Action, Actor, Change, Entity, HistoryError};
use crate::outbox::{self, Notification, Payload, Push};
use crate::qualification::check;

pub use rules::{
    ACCREDITATION_WINDOW_MONTHS, Event, Kind, NOTE_MAX_CHARS, NextStep, Note, NoteError,
    ReviewDeadlines, Status, TooEarly, TransitionError, accreditation_window_opens,
    check_accreditation_window, format_number, may_submit, missing_documents, next_step,
    transition,
};

/// The Vault field of the operator's note (a refusal's reason, or what
/// more is needed).
pub const REASON_FIELD: &str = "applications.reason";

/// The Vault field of what the operator asked for, kept through a
/// resubmission for the next review card.
pub const REQUEST_FIELD: &str = "applications.requested";

/// An operator's hold on an application under review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub operator_id: UserId,
    pub until: DateTime<Utc>,
}

/// An application as stored, the operator's note opened.
#[derive(Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    /// The practitioner's telegram_user_id (their chat with the bot).
    pub owner_id: UserId,
    pub kind: Kind,
    pub number: String,
    pub status: Status,
    /// Why it was refused, or what more is needed; `None` otherwise.
    pub reason: Option<String>,
    /// The documents the last submission relied on: the kind's required
    /// ones and, after a request for more, everything added for it.
    pub document_ids: Vec<i64>,
    /// Resubmitted after a request for more documents: what the operator
    /// asked for.
    pub requested: Option<String>,
    /// Of `document_ids`, those the practitioner added after the request.
    pub added_document_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub lease: Option<Lease>,
}

/// The reason is an operator's free text and may name someone: not printed.
impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("id", &self.id)
            .field("owner_id", &self.owner_id)
            .field("kind", &self.kind)
            .field("number", &self.number)
            .field("status", &self.status)
            .field("reason", &self.reason.as_ref().map(|_| "<redacted>"))
            .field("document_ids", &self.document_ids)
            .field("requested", &self.requested.as_ref().map(|_| "<redacted>"))
            .field("added_document_ids", &self.added_document_ids)
            .field("created_at", &self.created_at)
            .field("submitted_at", &self.submitted_at)
            .field("decided_at", &self.decided_at)
            .field("escalated_at", &self.escalated_at)
            .field("lease", &self.lease)
            .finish()
    }
}

impl Application {
    /// Past its promised review time and still not decided.
    pub fn is_delayed(&self, deadlines: &ReviewDeadlines, now: DateTime<Utc>) -> bool {
        deadlines.is_delayed(self.kind, self.status, self.submitted_at, now)
    }

    /// When the review is promised by, while it is awaited.
    pub fn due_at(&self, deadlines: &ReviewDeadlines) -> Option<DateTime<Utc>> {
        deadlines.due_at(self.kind, self.status, self.submitted_at)
    }
}

/// Past its promised review time and still not decided (see
/// [`ReviewDeadlines`] for the times).
pub fn is_delayed(app: &Application, deadlines: &ReviewDeadlines, now: DateTime<Utc>) -> bool {
    app.is_delayed(deadlines, now)
}

/// A line of «Мои заявки».
#[derive(Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: i64,
    pub number: String,
    pub kind: Kind,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was refused, or what more is needed.
    pub reason: Option<String>,
    /// When the review is promised by, while it is awaited.
    pub due_at: Option<DateTime<Utc>>,
    pub delayed: bool,
    pub escalated_at: Option<DateTime<Utc>>,
    pub next: NextStep,
}

impl std::fmt::Debug for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Summary")
            .field("id", &self.id)
            .field("number", &self.number)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("reason", &self.reason.as_ref().map(|_| "<redacted>"))
            .field("due_at", &self.due_at)
            .field("delayed", &self.delayed)
            .field("escalated_at", &self.escalated_at)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored reason does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error("history: {0}")]
    History(#[from] HistoryError),
    #[error("documents: {0}")]
    Documents(#[from] DocumentError),
    #[error("a stored application does not parse")]
    Corrupt,
    /// No such application.
    #[error("no such application")]
    NotFound,
    /// Someone else's application (a forged id): refused.
    #[error("the application is someone else's")]
    NotYours,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Cannot be submitted without these documents.
    #[error("documents missing: {0:?}")]
    MissingDocuments(Vec<documents::DocumentKind>),
    /// A periodic accreditation before its window opens.
    #[error(transparent)]
    TooEarly(#[from] TooEarly),
    /// A periodic accreditation needs an accreditation document with its
    /// valid-until date on file.
    #[error("no accreditation with a valid-until date is on file")]
    NoAccreditation,
    /// The account was already activated (an activation was approved).
    #[error("the account is already activated")]
    AlreadyActivated,
    /// An activation that cannot confirm its account: unlinked meanwhile,
    /// or another account is confirmed with the same СНИЛС.
    #[error("the account cannot be confirmed: {0}")]
    NotConfirmable(#[from] crate::accounts::ConfirmError),
    /// An application of this kind is already open.
    #[error("application {number} of this kind is still open")]
    AlreadyOpen { id: i64, number: String },
    /// Not past its promised time (or not awaiting review): nothing to escalate.
    #[error("the application is not delayed")]
    NotDelayed,
    /// An education check with no unconfirmed record to check.
    #[error("no education record is waiting to be checked")]
    NothingToCheck,
    /// Escalated before; once is all.
    #[error("the application was escalated at {at}")]
    AlreadyEscalated { at: DateTime<Utc> },
}

/// A row as stored; [`Stored::open`] makes it an [`Application`].
struct Stored {
    id: i64,
    owner_id: UserId,
    kind: String,
    number: String,
    status: String,
    reason: Option<Vec<u8>>,
    document_ids: Vec<i64>,
    requested: Option<Vec<u8>>,
    added_document_ids: Vec<i64>,
    created_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    escalated_at: Option<DateTime<Utc>>,
    lease_operator_id: Option<UserId>,
    lease_until: Option<DateTime<Utc>>,
}

impl Stored {
    fn open(self, vault: &Vault) -> Result<Application, ApplicationError> {
        let reason = self
            .reason
            .map(|sealed| vault.open_str(REASON_FIELD, &RowKey::id(self.id), &sealed))
            .transpose()?;
        let requested = self
            .requested
            .map(|sealed| vault.open_str(REQUEST_FIELD, &RowKey::id(self.id), &sealed))
            .transpose()?;
        Ok(Application {
            id: self.id,
            owner_id: self.owner_id,
            kind: Kind::parse(&self.kind).ok_or(ApplicationError::Corrupt)?,
            number: self.number,
            status: Status::parse(&self.status).ok_or(ApplicationError::Corrupt)?,
            reason,
            document_ids: self.document_ids,
            requested,
            added_document_ids: self.added_document_ids,
            created_at: self.created_at,
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
            escalated_at: self.escalated_at,
            lease: self
                .lease_operator_id
                .zip(self.lease_until)
                .map(|(operator_id, until)| Lease { operator_id, until }),
        })
    }
}

/// Opens a draft application of `kind` for the practitioner, with its
/// number. Refused: a second activation once one was approved; a second
/// open application of a kind (certificates excepted); a periodic
/// accreditation before 12 months ahead of the current one's expiry (the
/// latest valid-until among the practitioner's accreditation documents).
pub async fn create(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    kind: Kind,
    now: DateTime<Utc>,
) -> Result<Application, ApplicationError> {
    if kind == Kind::Activation && is_confirmed(db, owner_id).await? {
        return Err(ApplicationError::AlreadyActivated);
    }
    if kind == Kind::PeriodicAccreditation {
        let valid_until = accreditation_valid_until(db, vault, owner_id).await?;
        check_accreditation_window(
            valid_until.ok_or(ApplicationError::NoAccreditation)?,
            crate::clock::moscow_today(now),
        )?;
    }

    let mut tx = db.begin().await?;
    let sequence = sqlx::query_scalar!(r#"SELECT nextval('application_numbers') AS "n!""#)
        .fetch_one(&mut *tx)
        .await?;
    let number = format_number(kind, rules::moscow_year(now), sequence);
    let inserted = sqlx::query_scalar!(
        r#"
        INSERT INTO applications (owner_id, kind, number, created_at)
        VALUES ($1, $2, $3, $4)
        RETURNING id
        "#,
        owner_id.get(),
        kind.as_str(),
        number,
        now,
    )
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(error))
            if error.constraint() == Some("applications_one_open_per_kind") =>
        {
            drop(tx);
            let open = open_of_kind(db, owner_id, kind).await?;
            return Err(open.map_or(ApplicationError::Corrupt, |(id, number)| {
                ApplicationError::AlreadyOpen { id, number }
            }));
        }
        Err(error) => return Err(error.into()),
    };
    let snapshot = json!({
        "number": number,
        "kind": kind.as_str(),
        "status": Status::Draft.as_str(),
    });
    let change = Change {
        owner_id,
        entity: Entity::Application,
        entity_id: id,
        actor: Actor::Practitioner(owner_id),
        action: Action::Created,
        snapshot: &snapshot,
    };
    history::record(&mut tx, vault, change, now).await?;
    let app = lock(&mut tx, vault, id)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    tx.commit().await?;
    Ok(app)
}

/// The latest valid-until date among the practitioner's accreditation
/// documents: the accreditation in force is the one that lasts longest.
async fn accreditation_valid_until(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
) -> Result<Option<NaiveDate>, ApplicationError> {
    let documents = documents::list(db, vault, owner_id).await?;
    Ok(documents
        .iter()
        .filter(|document| document.kind == documents::DocumentKind::Accreditation)
        .filter_map(|document| document.valid_until)
        .max())
}

async fn open_of_kind(
    db: &PgPool,
    owner_id: UserId,
    kind: Kind,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, number FROM applications
        WHERE owner_id = $1 AND kind = $2 AND status NOT IN ('approved', 'rejected')
        ORDER BY id LIMIT 1
        "#,
        owner_id.get(),
        kind.as_str(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| (row.id, row.number)))
}

/// The practitioner's open application of `kind` (not approved, not
/// rejected), if any: its id, number and status. For a section that opens
/// its own kind (the activity report) and must not open a second one.
pub async fn open_of(
    db: &PgPool,
    owner_id: UserId,
    kind: Kind,
) -> Result<Option<(i64, String, Status)>, ApplicationError> {
    let row = sqlx::query!(
        r#"
        SELECT id, number, status FROM applications
        WHERE owner_id = $1 AND kind = $2 AND status NOT IN ('approved', 'rejected')
        ORDER BY id DESC LIMIT 1
        "#,
        owner_id.get(),
        kind.as_str(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let status = Status::parse(&row.status).ok_or(ApplicationError::Corrupt)?;
        Ok((row.id, row.number, status))
    })
    .transpose()
}

/// Whether the practitioner's account is confirmed (matched in the
/// register, or an activation of it approved): see
/// `accounts::is_confirmed`. An activation is for unconfirmed accounts only.
pub async fn is_confirmed(db: &PgPool, owner_id: UserId) -> Result<bool, sqlx::Error> {
    accounts::is_confirmed(db, owner_id).await
}

/// What of the practitioner's is with an operator now: the applications
/// awaiting review (submitted or taken, [`Status::awaits_review`]), for the
/// portfolio's «на проверке».
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwaitingReview {
    /// The kinds of those applications.
    pub kinds: Vec<Kind>,
    /// The documents they cite.
    pub document_ids: Vec<i64>,
}

impl AwaitingReview {
    pub fn includes(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }

    pub fn cites(&self, document_id: i64) -> bool {
        self.document_ids.contains(&document_id)
    }
}

/// The practitioner's applications an operator has not decided yet, and
/// what they cite. Kinds, statuses and ids are in clear: nothing is opened.
pub async fn awaiting_review(
    db: &PgPool,
    owner_id: UserId,
) -> Result<AwaitingReview, ApplicationError> {
    let rows = sqlx::query!(
        r#"
        SELECT kind, document_ids FROM applications
        WHERE owner_id = $1 AND status IN ('submitted', 'in_review')
        ORDER BY id
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    let mut awaiting = AwaitingReview::default();
    for row in rows {
        awaiting
            .kinds
            .push(Kind::parse(&row.kind).ok_or(ApplicationError::Corrupt)?);
        awaiting.document_ids.extend(row.document_ids);
    }
    Ok(awaiting)
}

/// The practitioner submits a draft, or resubmits after more documents were
/// asked for. Refused while required documents are missing (listed). The
/// promised review time starts again from now.
///
/// The application relies on the kind's required documents on file; a
/// resubmission also keeps what the last submission relied on and adds
/// every document put on file since the request, whatever its kind (an
/// operator may ask for a marriage certificate, filed as «Другой
/// документ»), and remembers what was asked and what was added.
pub async fn submit(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    application_id: i64,
    now: DateTime<Utc>,
) -> Result<Application, ApplicationError> {
    let on_file = documents::list(db, vault, owner_id).await?;
    let mut tx = db.begin().await?;
    let app = lock_own(&mut tx, vault, owner_id, application_id).await?;
    // The status first: submitting an approved application is a wrong
    // button, whatever the documents.
    transition(app.status, &Event::Submit)?;
    let have: Vec<documents::DocumentKind> = on_file.iter().map(|document| document.kind).collect();
    let missing = missing_documents(app.kind, &have);
    if !missing.is_empty() {
        return Err(ApplicationError::MissingDocuments(missing));
    }
    let filed: Vec<rules::OnFile> = on_file
        .iter()
        .map(|document| rules::OnFile {
            id: document.id,
            kind: document.kind,
            created_at: document.created_at,
        })
        .collect();
    let mut cited = rules::cited_documents(
        app.kind,
        app.status,
        &app.document_ids,
        app.decided_at,
        &filed,
    );
    // An education check carries the records it covers, and their
    // certificates are what it relies on.
    if app.kind == Kind::EducationCheck {
        let certificates = check::cover_records(&mut tx, owner_id, app.id).await?;
        for id in certificates {
            if !cited.document_ids.contains(&id) {
                cited.document_ids.push(id);
            }
        }
    }
    // What the operator asked for, for the next card.
    let requested = (app.status == Status::MoreDocumentsNeeded)
        .then(|| app.reason.clone())
        .flatten();
    sqlx::query!(
        r#"
        UPDATE applications SET document_ids = $2, requested = $3, added_document_ids = $4
        WHERE id = $1
        "#,
        app.id,
        &cited.document_ids,
        requested
            .as_deref()
            .map(|note| vault.seal_str(REQUEST_FIELD, &RowKey::id(app.id), note)),
        &cited.added,
    )
    .execute(&mut *tx)
    .await?;
    let app = Application {
        document_ids: cited.document_ids,
        added_document_ids: cited.added,
        requested,
        ..app
    };
    let app = apply(
        &mut tx,
        vault,
        &app,
        Event::Submit,
        None,
        Actor::Practitioner(owner_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(app)
}

/// One of the practitioner's applications. Someone else's is
/// [`ApplicationError::NotYours`] (the bot records the forged id).
pub async fn get(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    application_id: i64,
) -> Result<Application, ApplicationError> {
    let app = fetch(db, vault, application_id)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    if app.owner_id != owner_id {
        return Err(ApplicationError::NotYours);
    }
    Ok(app)
}

/// «Мои заявки»: the practitioner's applications, newest first, each with
/// whether it is delayed and what to do next.
pub async fn list(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    deadlines: &ReviewDeadlines,
    now: DateTime<Utc>,
) -> Result<Vec<Summary>, ApplicationError> {
    let rows = sqlx::query_as!(
        Stored,
        r#"
        SELECT id, owner_id AS "owner_id: UserId", kind, number, status, reason, document_ids, requested,
               added_document_ids, created_at,
               submitted_at, decided_at, escalated_at, lease_operator_id AS "lease_operator_id: UserId", lease_until
        FROM applications WHERE owner_id = $1
        ORDER BY created_at DESC, id DESC
        "#,
        owner_id.get(),
    )
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let have: Vec<documents::DocumentKind> = documents::list(db, vault, owner_id)
        .await?
        .iter()
        .map(|document| document.kind)
        .collect();
    rows.into_iter()
        .map(|row| {
            let app = row.open(vault)?;
            let due_at = app.due_at(deadlines);
            let next = next_step(
                app.kind,
                app.status,
                due_at,
                app.escalated_at.is_some(),
                &have,
                now,
            );
            Ok(Summary {
                delayed: app.is_delayed(deadlines, now),
                id: app.id,
                number: app.number,
                kind: app.kind,
                status: app.status,
                created_at: app.created_at,
                submitted_at: app.submitted_at,
                decided_at: app.decided_at,
                reason: app.reason,
                due_at,
                escalated_at: app.escalated_at,
                next,
            })
        })
        .collect()
}

/// The practitioner escalates an application past its promised review
/// time. Once per application, ever: the second time is refused with the
/// moment of the first. An escalated application goes to the head of the
/// review queue (`crate::review::claim_next`).
pub async fn escalate(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    application_id: i64,
    deadlines: &ReviewDeadlines,
    now: DateTime<Utc>,
) -> Result<Application, ApplicationError> {
    let mut tx = db.begin().await?;
    let app = lock_own(&mut tx, vault, owner_id, application_id).await?;
    if let Some(at) = app.escalated_at {
        return Err(ApplicationError::AlreadyEscalated { at });
    }
    if !app.is_delayed(deadlines, now) {
        return Err(ApplicationError::NotDelayed);
    }
    sqlx::query!(
        "UPDATE applications SET escalated_at = $2 WHERE id = $1",
        app.id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    let snapshot = json!({
        "number": app.number,
        "status": app.status.as_str(),
        "escalated_at": now,
    });
    let change = Change {
        owner_id,
        entity: Entity::Application,
        entity_id: app.id,
        actor: Actor::Practitioner(owner_id),
        action: Action::Updated,
        snapshot: &snapshot,
    };
    history::record(&mut tx, vault, change, now).await?;
    tx.commit().await?;
    Ok(Application {
        escalated_at: Some(now),
        ..app
    })
}

async fn fetch(
    db: &PgPool,
    vault: &Vault,
    application_id: i64,
) -> Result<Option<Application>, ApplicationError> {
    sqlx::query_as!(
        Stored,
        r#"
        SELECT id, owner_id AS "owner_id: UserId", kind, number, status, reason, document_ids, requested,
               added_document_ids, created_at,
               submitted_at, decided_at, escalated_at, lease_operator_id AS "lease_operator_id: UserId", lease_until
        FROM applications WHERE id = $1
        "#,
        application_id,
    )
    .fetch_optional(db)
    .await?
    .map(|row| row.open(vault))
    .transpose()
}

/// Closes the practitioner's submitted activation applications (the account
/// was unlinked from the СНИЛС they named): each is rejected by the system,
/// with its history version and push, in the caller's transaction. A draft
/// stays the practitioner's, for a later link.
pub(crate) async fn withdraw_open_activations(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    now: DateTime<Utc>,
) -> Result<u64, ApplicationError> {
    let open = sqlx::query_scalar!(
        r#"
        SELECT id FROM applications
        WHERE owner_id = $1 AND kind = 'activation'
          AND status NOT IN ('draft', 'approved', 'rejected')
        ORDER BY id
        "#,
        owner_id.get(),
    )
    .fetch_all(&mut *tx)
    .await?;
    for &id in &open {
        if let Some(app) = lock(tx, vault, id).await? {
            // Boxed: approving an activation unlinks other applicants, which
            // withdraws theirs, so `apply` reaches itself (never twice deep).
            Box::pin(apply(
                tx,
                vault,
                &app,
                Event::Withdraw,
                None,
                Actor::System,
                now,
            ))
            .await?;
        }
    }
    Ok(open.len() as u64)
}

/// Reads an application and locks its row until the transaction ends:
/// every change of an application starts here, so two changes of one
/// application happen one after the other, each seeing the other's result.
pub(crate) async fn lock(
    tx: &mut PgConnection,
    vault: &Vault,
    application_id: i64,
) -> Result<Option<Application>, ApplicationError> {
    sqlx::query_as!(
        Stored,
        r#"
        SELECT id, owner_id AS "owner_id: UserId", kind, number, status, reason, document_ids, requested,
               added_document_ids, created_at,
               submitted_at, decided_at, escalated_at, lease_operator_id AS "lease_operator_id: UserId", lease_until
        FROM applications WHERE id = $1
        FOR UPDATE
        "#,
        application_id,
    )
    .fetch_optional(tx)
    .await?
    .map(|row| row.open(vault))
    .transpose()
}

async fn lock_own(
    tx: &mut PgConnection,
    vault: &Vault,
    owner_id: UserId,
    application_id: i64,
) -> Result<Application, ApplicationError> {
    let app = lock(tx, vault, application_id)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    if app.owner_id != owner_id {
        return Err(ApplicationError::NotYours);
    }
    Ok(app)
}

/// Changes the status of a locked application (see [`lock`]) by `event`,
/// inside the caller's transaction: the row, a history version and the
/// push to the practitioner. `lease` is written as given (an operator's
/// hold when taking it for review; `None` releases it).
pub(crate) async fn apply(
    tx: &mut PgConnection,
    vault: &Vault,
    app: &Application,
    event: Event,
    lease: Option<Lease>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Application, ApplicationError> {
    let status = transition(app.status, &event)?;
    let reason = event.note().map(|note| note.as_str().to_owned());
    let (submitted_at, decided_at) = match event {
        // A resubmission is a new review: a new promised time, no decision yet.
        Event::Submit => (Some(now), None),
        Event::TakeForReview => (app.submitted_at, app.decided_at),
        Event::Approve | Event::Reject(_) | Event::RequestDocuments(_) | Event::Withdraw => {
            (app.submitted_at, Some(now))
        }
    };
    sqlx::query!(
        r#"
        UPDATE applications
        SET status = $2, reason = $3, submitted_at = $4, decided_at = $5,
            lease_operator_id = $6, lease_until = $7
        WHERE id = $1
        "#,
        app.id,
        status.as_str(),
        reason
            .as_deref()
            .map(|reason| vault.seal_str(REASON_FIELD, &RowKey::id(app.id), reason)),
        submitted_at,
        decided_at,
        lease.map(|lease| lease.operator_id.get()),
        lease.map(|lease| lease.until),
    )
    .execute(&mut *tx)
    .await?;
    // An approved activation is what confirms an applicant's account: in
    // this transaction, so the approval and the confirmation never part.
    if status == Status::Approved && app.kind == Kind::Activation {
        crate::identity::confirm(&mut *tx, vault, app.owner_id, now)
            .await?
            .map_err(ApplicationError::NotConfirmable)?;
    }
    // An approved education check confirms the records it covered.
    if status == Status::Approved && app.kind == Kind::EducationCheck {
        check::confirm(&mut *tx, app.owner_id, app.id, now).await?;
    }

    let mut snapshot = json!({
        "number": app.number,
        "kind": app.kind.as_str(),
        "status": status.as_str(),
    });
    if let Some(reason) = &reason {
        // Sealed in the history; the practitioner's own record of why.
        snapshot["reason"] = Value::from(reason.as_str());
    }
    let change = Change {
        owner_id: app.owner_id,
        entity: Entity::Application,
        entity_id: app.id,
        actor,
        action: Action::StatusChanged,
        snapshot: &snapshot,
    };
    history::record(tx, vault, change, now).await?;

    // A practitioner's chat with the bot is private: its id is theirs.
    let push = Notification::new(
        app.owner_id.private_chat(),
        outbox::Kind::ApplicationStatusChanged,
        // The number and the status only. Deliberately not the operator's
        // note: it may name the person, and the push shows on a locked
        // screen; the note is read in «Мои заявки».
        Payload::new(Push::ApplicationStatusChanged {
            number: app.number.as_str().to_owned(),
            status,
        }),
    );
    outbox::enqueue(tx, &push, now).await?;

    Ok(Application {
        status,
        reason,
        submitted_at,
        decided_at,
        lease,
        ..app.clone()
    })
}
