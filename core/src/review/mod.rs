//! The review queue: operators take submitted applications, look at them and
//! decide; and they approve second-factor resets.
//!
//! The rules:
//! - [`claim_next`] gives an operator the application they already hold, or
//!   else the next one of the queue: escalated ones first, then the oldest
//!   submission first. It is leased to them for the given time, so two
//!   operators never get the same application at once (the pick uses
//!   `FOR UPDATE SKIP LOCKED`: a row another claim is taking is skipped,
//!   not waited for). A lease that ran out lets another operator take the
//!   application over.
//! - An operator never gets, sees or decides their own application.
//! - Only the operator holding the lease decides. A lease that ran out with
//!   nobody else taking it still lets its holder decide: expiry exists to
//!   free the application for others, not to throw away a review in progress.
//! - Whether the user is an operator is checked inside each operation's
//!   transaction: a revoked operator's next tap is refused.
//! - Everything an operator sees or does is audited (`crate::operators`);
//!   so is every refused attempt.

mod factor_resets;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::accounts::{self, AccountError};
use crate::applications::{self, Application, ApplicationError, Event, Lease, Note, Status};
use crate::crypto::Vault;
use crate::documents::{self, Document, DocumentError};
use crate::history::Actor;
use crate::operator_factors::{self, Access};
use crate::operators::{self, AuditAction, AuditEntry, View};
use crate::profile::{self, ProfileError};
use crate::registry::Registry;

pub use factor_resets::{
    Approval, PendingReset, ResetCard, approve_factor_reset, pending_factor_resets,
    reject_factor_reset, reset_card,
};

/// How long a claim holds an application when the caller has no opinion:
/// long enough to read the documents, short enough that an operator who
/// walked away does not hold up the queue for long.
pub fn default_lease() -> Duration {
    Duration::minutes(30)
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Application(#[from] ApplicationError),
    #[error("documents: {0}")]
    Documents(#[from] DocumentError),
    #[error("the practitioner's profile: {0}")]
    Profile(#[from] ProfileError),
    #[error("the practitioner's account: {0}")]
    Account(#[from] AccountError),
    /// The user is not an operator (never was, or was revoked): refused
    /// and audited.
    #[error("not an operator")]
    NotOperator,
    /// An operator without an open staff session (no code lately): refused
    /// and audited.
    #[error("no open staff session")]
    NoStaffSession,
    #[error("no such application")]
    NotFound,
    /// The operator's own application: refused and audited.
    #[error("an operator cannot review their own application")]
    OwnApplication,
    /// Another operator holds the application, or nobody has taken it for
    /// review: refused and audited.
    #[error("the application is not leased to this operator")]
    NotLeaseHolder,
    #[error("no such second-factor reset request")]
    FactorResetNotFound,
    /// A reset of the operator's own second factor: refused and audited.
    #[error("an operator cannot approve their own second-factor reset")]
    OwnFactorReset,
    /// Approved or rejected before.
    #[error("the reset request was already decided")]
    FactorResetDecided,
    /// The operator who approved first approved again: a reset needs two.
    #[error("a second operator must approve this reset")]
    SecondOperatorRequired,
}

/// An application taken from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub application: Application,
    pub lease_until: DateTime<Utc>,
    /// Taken over from an operator whose lease ran out (it was in review
    /// already, so the practitioner was not told again).
    pub taken_over: bool,
}

/// What an operator decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: Note },
    MoreDocuments { what: Note },
}

impl Decision {
    fn event(self) -> Event {
        match self {
            Decision::Approve => Event::Approve,
            Decision::Reject { reason } => Event::Reject(reason),
            Decision::MoreDocuments { what } => Event::RequestDocuments(what),
        }
    }
}

/// Gives the operator an application to review, or `None` when the queue
/// has nothing for them. See the module's rules.
pub async fn claim_next(
    db: &PgPool,
    vault: &Vault,
    operator_id: UserId,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<Claim>, ReviewError> {
    let mut tx = db.begin().await?;
    let claimed = claim_next_in(&mut tx, vault, operator_id, now, lease).await;
    finish(tx, claimed).await
}

/// [`claim_next`] inside the caller's transaction; the claim holds once it
/// commits. (Two transactions claiming at once get different applications.)
pub async fn claim_next_in(
    tx: &mut PgConnection,
    vault: &Vault,
    operator_id: UserId,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<Claim>, ReviewError> {
    require_operator(tx, operator_id, "claim", None, now).await?;
    let until = now + lease;

    // One application at a time: the one they hold comes back, renewed.
    let held = sqlx::query_scalar!(
        r#"
        SELECT id FROM applications
        WHERE lease_operator_id = $1 AND lease_until > $2 AND status = 'in_review'
        ORDER BY id LIMIT 1
        "#,
        operator_id.get(),
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = held {
        let app = applications::lock(tx, vault, id)
            .await?
            .ok_or(ReviewError::NotFound)?;
        // Still theirs once locked (a takeover could only follow expiry).
        if app
            .lease
            .is_some_and(|lease| lease.operator_id == operator_id)
        {
            set_lease(tx, id, operator_id, until).await?;
            return Ok(Some(Claim {
                application: Application {
                    lease: Some(Lease { operator_id, until }),
                    ..app
                },
                lease_until: until,
                taken_over: false,
            }));
        }
    }

    // Escalated first, then the oldest submission; never their own.
    let next = sqlx::query_scalar!(
        r#"
        SELECT id FROM applications
        WHERE status IN ('submitted', 'in_review')
          AND (lease_until IS NULL OR lease_until <= $2)
          AND owner_id <> $1
        ORDER BY escalated_at IS NULL, submitted_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
        "#,
        operator_id.get(),
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = next else {
        return Ok(None);
    };
    let app = applications::lock(tx, vault, id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    let new_lease = Lease { operator_id, until };
    let (application, taken_over) = if app.status == Status::Submitted {
        let app = applications::apply(
            tx,
            vault,
            &app,
            Event::TakeForReview,
            Some(new_lease),
            Actor::Operator(operator_id),
            now,
        )
        .await?;
        (app, false)
    } else {
        // In review already, its lease ran out: no change of status, so no
        // new version and no push; only the holder changes.
        set_lease(tx, id, operator_id, until).await?;
        let previous = app.lease.map(|lease| lease.operator_id);
        (
            Application {
                lease: Some(new_lease),
                ..app
            },
            previous.is_some(),
        )
    };
    let entry = AuditEntry {
        operator_id,
        action: AuditAction::Claimed,
        application_id: Some(id),
        factor_reset_id: None,
        owner_id: Some(application.owner_id),
        details: json!({ "taken_over": taken_over }),
    };
    operators::audit(tx, &entry, now).await?;
    Ok(Some(Claim {
        application,
        lease_until: until,
        taken_over,
    }))
}

async fn set_lease(
    tx: &mut PgConnection,
    id: i64,
    operator_id: UserId,
    until: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE applications SET lease_operator_id = $2, lease_until = $3 WHERE id = $1",
        id,
        operator_id.get(),
        until,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The operator decides the application they hold. The decision, its
/// version, the push to the practitioner and the audit row commit together.
pub async fn decide(
    db: &PgPool,
    vault: &Vault,
    operator_id: UserId,
    application_id: i64,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<Application, ReviewError> {
    let mut tx = db.begin().await?;
    let decided = decide_in(&mut tx, vault, operator_id, application_id, decision, now).await;
    finish(tx, decided).await
}

async fn decide_in(
    tx: &mut PgConnection,
    vault: &Vault,
    operator_id: UserId,
    application_id: i64,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<Application, ReviewError> {
    require_operator(tx, operator_id, "decide", Some(application_id), now).await?;
    let event = decision.event();
    let outcome = event.name();
    let app = held_application(tx, vault, operator_id, application_id, outcome, now).await?;
    let decided = applications::apply(
        tx,
        vault,
        &app,
        event,
        None,
        Actor::Operator(operator_id),
        now,
    )
    .await?;
    let entry = AuditEntry {
        operator_id,
        action: AuditAction::Decided,
        application_id: Some(application_id),
        factor_reset_id: None,
        owner_id: Some(app.owner_id),
        details: json!({ "decision": outcome, "status": decided.status.as_str() }),
    };
    operators::audit(tx, &entry, now).await?;
    Ok(decided)
}

/// An application's card for the operator holding it: the application,
/// the documents its submission relied on (deleted ones included: what was
/// submitted stays what was submitted), and the required kinds missing from
/// them, and who the practitioner is by name. The bot sends the files with
/// `protect_content`, recording each with `operators::record_view`. The
/// card's view — the name included — is audited here.
#[derive(Debug, Clone)]
pub struct ReviewCard {
    pub application: Application,
    pub documents: Vec<Document>,
    pub missing: Vec<documents::DocumentKind>,
    /// From the practitioner's profile if filled in, else from their entry
    /// in the register; `None` when neither knows them.
    pub practitioner_name: Option<String>,
    /// What the operator must weigh before confirming who the applicant is
    /// (activations only; see `crate::identity`).
    pub warnings: Vec<IdentityWarning>,
}

/// A sign that an activation's applicant may not be who the СНИЛС says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityWarning {
    /// The register knows this СНИЛС with another phone than the one the
    /// applicant proved: the owner's HR department should correct it, and
    /// the owner connects by the register, not by an application.
    RegisterKnowsAnotherPhone,
    /// Another account is confirmed with this СНИЛС: approving is refused.
    ConfirmedElsewhere,
    /// So many other applicants named the same СНИЛС (approving one
    /// unlinks the others).
    OtherApplicants(usize),
}

pub async fn view(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    operator_id: UserId,
    application_id: i64,
    now: DateTime<Utc>,
) -> Result<ReviewCard, ReviewError> {
    // The checks (and the audit of a refusal) in one transaction; the
    // documents are read after it through the documents module, and the
    // view is recorded once the card is ready to be shown.
    let mut tx = db.begin().await?;
    let checked = async {
        require_operator(&mut tx, operator_id, "view", Some(application_id), now).await?;
        held_application(&mut tx, vault, operator_id, application_id, "view", now).await
    }
    .await;
    let app = finish(tx, checked).await?;

    let mut cited = Vec::with_capacity(app.document_ids.len());
    for &id in &app.document_ids {
        // Only the practitioner's own: an id is never trusted to name them.
        if let Some(document) = documents::get_for_review(db, vault, id).await?
            && document.owner_id == app.owner_id
        {
            cited.push(document);
        }
    }
    let have: Vec<documents::DocumentKind> = cited.iter().map(|document| document.kind).collect();
    let missing = applications::missing_documents(app.kind, &have);
    let practitioner_name = practitioner_name(db, vault, registry, app.owner_id).await?;
    let warnings = if app.kind == applications::Kind::Activation {
        identity_warnings(db, vault, registry, app.owner_id).await?
    } else {
        Vec::new()
    };
    let view = View {
        operator_id,
        owner_id: app.owner_id,
        application_id: Some(app.id),
        document_id: None,
    };
    operators::record_view(db, view, now).await?;
    Ok(ReviewCard {
        application: app,
        documents: cited,
        missing,
        practitioner_name,
        warnings,
    })
}

async fn identity_warnings(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    owner_id: UserId,
) -> Result<Vec<IdentityWarning>, ReviewError> {
    let mut warnings = Vec::new();
    if let (Some(snils), phone) = (
        accounts::snils(db, vault, owner_id).await?,
        accounts::phone(db, vault, owner_id).await?,
    ) {
        match registry.find(&snils).await {
            Ok(Some(entry)) if entry.phone != phone => {
                warnings.push(IdentityWarning::RegisterKnowsAnotherPhone);
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "the review card goes without the register's check")
            }
        }
    }
    let others = accounts::holders_of_same_snils(db, owner_id).await?;
    if others.iter().any(|holder| holder.confirmed) {
        warnings.push(IdentityWarning::ConfirmedElsewhere);
    }
    let applicants = others.iter().filter(|holder| !holder.confirmed).count();
    if applicants > 0 {
        warnings.push(IdentityWarning::OtherApplicants(applicants));
    }
    Ok(warnings)
}

/// The name the practitioner gave in their profile (what they go by now),
/// else the register's, found by the account's СНИЛС. The register being
/// unreachable leaves the card (or a report) without a name rather than
/// without a card. Also the name inside the practitioner's own reports.
pub async fn practitioner_name(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    owner_id: UserId,
) -> Result<Option<String>, ReviewError> {
    if let Some(profile) = profile::get(db, vault, owner_id).await? {
        return Ok(Some(profile.full_name().to_string()));
    }
    let Some(snils) = accounts::snils(db, vault, owner_id).await? else {
        return Ok(None);
    };
    match registry.find(&snils).await {
        Ok(entry) => Ok(entry.map(|entry| entry.full_name)),
        Err(error) => {
            tracing::warn!(%error, "the review card goes without the register's name");
            Ok(None)
        }
    }
}

/// The application, locked, if this operator may act on it: not their own,
/// and leased to them. Refusals are audited (by the caller's commit).
async fn held_application(
    tx: &mut PgConnection,
    vault: &Vault,
    operator_id: UserId,
    application_id: i64,
    what: &'static str,
    now: DateTime<Utc>,
) -> Result<Application, ReviewError> {
    let Some(app) = applications::lock(tx, vault, application_id).await? else {
        let about = (Some(application_id), None);
        refuse(tx, operator_id, what, about, "not_found", now).await?;
        return Err(ReviewError::NotFound);
    };
    let about = (Some(app.id), Some(app.owner_id));
    if app.owner_id == operator_id {
        refuse(tx, operator_id, what, about, "own_application", now).await?;
        return Err(ReviewError::OwnApplication);
    }
    // A decided application is reported as such, not as somebody's lease.
    if app.status != Status::InReview {
        return Err(ApplicationError::Transition(applications::TransitionError {
            from: app.status,
            event: what,
        })
        .into());
    }
    if app
        .lease
        .is_none_or(|lease| lease.operator_id != operator_id)
    {
        refuse(tx, operator_id, what, about, "not_lease_holder", now).await?;
        return Err(ReviewError::NotLeaseHolder);
    }
    Ok(app)
}

/// Refuses a non-operator, and an operator without an open staff session
/// (audited); an open session is extended (see `crate::operator_factors`).
async fn require_operator(
    tx: &mut PgConnection,
    user_id: UserId,
    what: &str,
    application_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), ReviewError> {
    match staff_check(tx, user_id, what, application_id, now).await? {
        Ok(()) => Ok(()),
        Err(StaffRefusal::NotOperator) => Err(ReviewError::NotOperator),
        Err(StaffRefusal::NoStaffSession) => Err(ReviewError::NoStaffSession),
    }
}

/// Why core refused a staff action: recorded once, in the operation's
/// transaction (the caller commits it with nothing else written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StaffRefusal {
    /// Not an operator (never was, or revoked).
    #[error("not an operator")]
    NotOperator,
    /// An operator without an open staff session.
    #[error("no open staff session")]
    NoStaffSession,
}

/// The staff check of every operation an operator starts (publishing and
/// cancelling notices and inspections as well as the review's), inside its
/// transaction: an operator with an open staff session (the session's idle
/// time extended), else the refusal audited and returned.
pub(crate) async fn require_staff(
    tx: &mut PgConnection,
    user_id: UserId,
    what: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), StaffRefusal>, sqlx::Error> {
    staff_check(tx, user_id, what, None, now).await
}

async fn staff_check(
    tx: &mut PgConnection,
    user_id: UserId,
    what: &str,
    application_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Result<(), StaffRefusal>, sqlx::Error> {
    let (why, refusal) = match operator_factors::access_in(tx, user_id, now).await? {
        Access::Open => return Ok(Ok(())),
        Access::NotOperator => ("not_operator", StaffRefusal::NotOperator),
        Access::NotEnrolled | Access::SessionClosed => {
            ("no_staff_session", StaffRefusal::NoStaffSession)
        }
    };
    refuse(tx, user_id, what, (application_id, None), why, now).await?;
    Ok(Err(refusal))
}

/// Audits a refusal of `what` to `user_id`, about an application and its
/// owner where there is one.
async fn refuse(
    tx: &mut PgConnection,
    user_id: UserId,
    what: &str,
    (application_id, owner_id): (Option<i64>, Option<UserId>),
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let entry = AuditEntry {
        operator_id: user_id,
        action: AuditAction::Refused,
        application_id,
        factor_reset_id: None,
        owner_id,
        details: json!({ "attempted": what, "why": why }),
    };
    operators::audit(tx, &entry, now).await
}

/// Commits on success. On a refusal, commits too: the refusal's audit row
/// was written in the transaction and must stay, while the refused
/// operation wrote nothing (each refusal comes before any change). Other
/// errors roll back.
async fn finish<T>(
    tx: sqlx::Transaction<'_, sqlx::Postgres>,
    result: Result<T, ReviewError>,
) -> Result<T, ReviewError> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(
            refusal @ (ReviewError::NotOperator
            | ReviewError::NoStaffSession
            | ReviewError::NotFound
            | ReviewError::OwnApplication
            | ReviewError::NotLeaseHolder
            | ReviewError::OwnFactorReset
            | ReviewError::SecondOperatorRequired),
        ) => {
            tx.commit().await?;
            Err(refusal)
        }
        Err(error) => Err(error),
    }
}

/// Puts back in the queue every application the operator was reviewing
/// (their role was revoked). Returns how many.
pub(crate) async fn release_leases(
    tx: &mut PgConnection,
    operator_id: UserId,
) -> Result<u64, sqlx::Error> {
    let released = sqlx::query!(
        r#"
        UPDATE applications SET lease_operator_id = NULL, lease_until = NULL
        WHERE lease_operator_id = $1
        "#,
        operator_id.get(),
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(released)
}
