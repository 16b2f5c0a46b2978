//! The review queue in PostgreSQL: claims and leases between operators,
//! self-review, decisions, the audit, and second-factor resets.

use std::collections::HashSet;

use chrono::Duration;
use sqlx::PgPool;

use super::*;
use crate::UserId;
use crate::applications::test_support::*;
use crate::applications::{Kind, ReviewDeadlines};
use crate::operators::{AuditRecord, Grant, Revoke};
use crate::{accounts, factor_resets, history, outbox, second_factor};

/// The imported register, as `medcab run` has it without an HTTP one.
fn local(db: &PgPool, vault: &Vault) -> crate::registry::Registry {
    crate::registry::Registry::Local {
        db: db.clone(),
        vault: vault.clone(),
    }
}

fn lease() -> Duration {
    Duration::minutes(10)
}

async fn operators_are(db: &PgPool, ids: &[UserId]) {
    for &id in ids {
        assert_eq!(
            operators::grant(db, id, "test", start()).await.unwrap(),
            Grant::Granted
        );
        open_staff_session(db, id).await;
    }
}

/// Enrols the operator's factor and opens a staff session long enough for
/// any test (the session's own limits are tested in `operator_factors`).
async fn open_staff_session(db: &PgPool, id: UserId) {
    let vault = Vault::new(&crate::DataKey::generate());
    let secret = crate::operator_factors::enrolment_secret(db, &vault, id, start())
        .await
        .unwrap();
    let policy = second_factor::FactorPolicy {
        staff: crate::operator_factors::StaffLimits {
            absolute: Duration::days(3650),
            idle: Duration::days(3650),
        },
        ..Default::default()
    };
    let at = start() - Duration::days(30);
    let code = secret.code_at(at.timestamp());
    let checked = crate::operator_factors::check_code(db, &vault, id, &code, at, policy)
        .await
        .unwrap();
    assert!(matches!(checked, second_factor::CodeCheck::Accepted { .. }));
}

/// A submitted certificate request (it needs no documents) of `owner`,
/// submitted at `at`.
async fn submitted(db: &PgPool, vault: &Vault, owner: UserId, at: DateTime<Utc>) -> Application {
    let app = applications::create(db, vault, owner, Kind::CertificateRequest, at)
        .await
        .unwrap();
    applications::submit(db, vault, owner, app.id, at)
        .await
        .unwrap()
}

/// `owner`'s activation with every document it requires, submitted at
/// `submitted` and claimed by `operator` (it being the only one waiting)
/// at `claimed`.
async fn claimed_activation(
    db: &PgPool,
    vault: &Vault,
    owner: UserId,
    operator: UserId,
    submitted: DateTime<Utc>,
    claimed: DateTime<Utc>,
) -> Application {
    store_required(db, vault, owner, Kind::Activation).await;
    let app = applications::create(db, vault, owner, Kind::Activation, submitted)
        .await
        .unwrap();
    applications::submit(db, vault, owner, app.id, submitted)
        .await
        .unwrap();
    claim_next(db, vault, operator, claimed, lease())
        .await
        .unwrap()
        .unwrap();
    app
}

async fn status_of(db: &PgPool, id: i64) -> String {
    sqlx::query_scalar!("SELECT status FROM applications WHERE id = $1", id)
        .fetch_one(db)
        .await
        .unwrap()
}

fn refusals(audit: &[AuditRecord]) -> Vec<(UserId, String)> {
    audit
        .iter()
        .filter(|row| row.action == Some(AuditAction::Refused))
        .map(|row| {
            (
                row.operator_id,
                row.details["why"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn reason(text: &str) -> Note {
    Note::parse(text).unwrap()
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_oldest_submission_is_claimed_and_put_in_review(db: PgPool) {
    accounts_for(&db, &[ANNA, BORIS]).await;
    operators_are(&db, &[OLGA]).await;
    let vault = vault();
    let newer = submitted(&db, &vault, ANNA, start() + Duration::minutes(5)).await;
    let older = submitted(&db, &vault, BORIS, start()).await;
    let now = start() + Duration::hours(1);

    let claim = claim_next(&db, &vault, OLGA, now, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.application.id, older.id);
    assert_eq!(claim.application.status, Status::InReview);
    assert_eq!(claim.lease_until, now + lease());
    assert!(!claim.taken_over);
    assert_eq!(status_of(&db, older.id).await, "in_review");
    assert_eq!(status_of(&db, newer.id).await, "submitted");

    // The practitioner is told, and the history knows who took it.
    let pushes = outbox::for_chat(&db, BORIS.private_chat()).await.unwrap();
    assert_eq!(
        pushes.last().unwrap().payload["args"]["status"],
        "in_review"
    );
    let versions = history::versions(&db, &vault, BORIS, history::Entity::Application, older.id)
        .await
        .unwrap();
    assert_eq!(
        versions.last().unwrap().actor,
        history::Actor::Operator(OLGA)
    );
    let audit = operators::audit_for_owner(&db, BORIS).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, Some(AuditAction::Claimed));
    assert_eq!(audit[0].application_id, Some(older.id));

    // Asking again gives the same one back, renewed: one at a time.
    let later = now + Duration::minutes(3);
    let again = claim_next(&db, &vault, OLGA, later, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.application.id, older.id);
    assert_eq!(again.lease_until, later + lease());
}

/// Two claims in two transactions open at the same time: the second skips
/// the row the first holds, so each gets a different application.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn two_operators_claiming_at_once_get_different_applications(db: PgPool) {
    accounts_for(&db, &[ANNA, BORIS]).await;
    operators_are(&db, &[OLGA, PETR]).await;
    let vault = vault();
    let first = submitted(&db, &vault, ANNA, start()).await;
    let second = submitted(&db, &vault, BORIS, start() + Duration::minutes(1)).await;
    let now = start() + Duration::hours(1);

    let mut olga = db.begin().await.unwrap();
    let mut petr = db.begin().await.unwrap();
    let a = claim_next_in(&mut olga, &vault, OLGA, now, lease())
        .await
        .unwrap()
        .unwrap();
    let b = claim_next_in(&mut petr, &vault, PETR, now, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.application.id, first.id);
    assert_eq!(b.application.id, second.id);
    olga.commit().await.unwrap();
    petr.commit().await.unwrap();

    // Both leased now: a third operator finds nothing.
    operators_are(&db, &[IRINA]).await;
    assert_eq!(
        claim_next(&db, &vault, IRINA, now, lease()).await.unwrap(),
        None
    );
}

/// Many operators in parallel tasks work the queue dry: every application
/// is claimed by exactly one of them.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn concurrent_operators_never_share_an_application(db: PgPool) {
    const APPLICATIONS: i64 = 12;
    let owners: Vec<UserId> = (0..APPLICATIONS)
        .map(|n| UserId::from_stored(100 + n))
        .collect();
    accounts_for(&db, &owners).await;
    operators_are(&db, &[OLGA, PETR, IRINA]).await;
    let vault = vault();
    for (n, &owner) in owners.iter().enumerate() {
        let n = i64::try_from(n).unwrap();
        submitted(&db, &vault, owner, start() + Duration::seconds(n)).await;
    }
    let now = start() + Duration::hours(1);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(3));
    let tasks: Vec<_> = [OLGA, PETR, IRINA]
        .into_iter()
        .map(|operator| {
            let (db, vault, barrier) = (db.clone(), vault.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut mine = Vec::new();
                while let Some(claim) = claim_next(&db, &vault, operator, now, lease())
                    .await
                    .unwrap()
                {
                    let id = claim.application.id;
                    mine.push(id);
                    decide(&db, &vault, operator, id, Decision::Approve, now)
                        .await
                        .unwrap();
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        usize::try_from(APPLICATIONS).unwrap(),
        "each claimed once: {all:?}"
    );
    assert_eq!(distinct.len(), usize::try_from(APPLICATIONS).unwrap());
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_operator_never_reviews_their_own_application(db: PgPool) {
    // Olga is an operator and a practitioner with an application of her own.
    accounts_for(&db, &[OLGA, ANNA]).await;
    operators_are(&db, &[OLGA, PETR]).await;
    let vault = vault();
    let own = submitted(&db, &vault, OLGA, start()).await;
    let now = start() + Duration::hours(1);
    assert_eq!(
        claim_next(&db, &vault, OLGA, now, lease()).await.unwrap(),
        None,
        "her own is skipped"
    );
    // A newer one of someone else's is hers to take, hers stays queued.
    let anna = submitted(&db, &vault, ANNA, start() + Duration::minutes(1)).await;
    let claim = claim_next(&db, &vault, OLGA, now, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.application.id, anna.id);

    // Even holding the lease (Petr's claim, then a forged decide), refused.
    let petr = claim_next(&db, &vault, PETR, now, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(petr.application.id, own.id);
    sqlx::query!(
        "UPDATE applications SET lease_operator_id = $2 WHERE id = $1",
        own.id,
        OLGA.get()
    )
    .execute(&db)
    .await
    .unwrap();
    let refused = decide(&db, &vault, OLGA, own.id, Decision::Approve, now).await;
    assert!(
        matches!(refused, Err(ReviewError::OwnApplication)),
        "{refused:?}"
    );
    assert!(matches!(
        view(&db, &vault, &local(&db, &vault), OLGA, own.id, now).await,
        Err(ReviewError::OwnApplication)
    ));
    assert_eq!(status_of(&db, own.id).await, "in_review");
    let audit = operators::audit_by_operator(&db, OLGA).await.unwrap();
    assert_eq!(
        refusals(&audit),
        [
            (OLGA, "own_application".to_owned()),
            (OLGA, "own_application".to_owned())
        ]
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_lease_that_ran_out_lets_another_operator_take_over(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    operators_are(&db, &[OLGA, PETR]).await;
    let vault = vault();
    let app = submitted(&db, &vault, ANNA, start()).await;
    let now = start() + Duration::hours(1);
    claim_next(&db, &vault, OLGA, now, lease())
        .await
        .unwrap()
        .unwrap();
    let pushes_before = outbox::for_chat(&db, ANNA.private_chat())
        .await
        .unwrap()
        .len();

    let within = now + lease() - Duration::seconds(1);
    assert_eq!(
        claim_next(&db, &vault, PETR, within, lease())
            .await
            .unwrap(),
        None
    );
    let after = now + lease();
    let taken = claim_next(&db, &vault, PETR, after, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.application.id, app.id);
    assert!(taken.taken_over);
    assert_eq!(
        taken.application.lease,
        Some(Lease {
            operator_id: PETR,
            until: after + lease()
        })
    );
    assert_eq!(
        outbox::for_chat(&db, ANNA.private_chat())
            .await
            .unwrap()
            .len(),
        pushes_before,
        "still in review: the practitioner is not told again"
    );

    // Olga's lease is gone: her decision is refused, Petr's goes through.
    let refused = decide(&db, &vault, OLGA, app.id, Decision::Approve, after).await;
    assert!(
        matches!(refused, Err(ReviewError::NotLeaseHolder)),
        "{refused:?}"
    );
    let decided = decide(&db, &vault, PETR, app.id, Decision::Approve, after)
        .await
        .unwrap();
    assert_eq!(decided.status, Status::Approved);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn only_the_lease_holder_decides(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    operators_are(&db, &[OLGA, PETR]).await;
    let vault = vault();
    let app = submitted(&db, &vault, ANNA, start()).await;
    let now = start() + Duration::hours(1);

    // Nobody holds a submitted application yet.
    assert!(matches!(
        decide(&db, &vault, PETR, app.id, Decision::Approve, now).await,
        Err(ReviewError::Application(ApplicationError::Transition(_)))
    ));
    claim_next(&db, &vault, OLGA, now, lease())
        .await
        .unwrap()
        .unwrap();
    let refused = decide(
        &db,
        &vault,
        PETR,
        app.id,
        Decision::Reject {
            reason: reason("нет"),
        },
        now,
    )
    .await;
    assert!(
        matches!(refused, Err(ReviewError::NotLeaseHolder)),
        "{refused:?}"
    );
    assert!(matches!(
        view(&db, &vault, &local(&db, &vault), PETR, app.id, now).await,
        Err(ReviewError::NotLeaseHolder)
    ));
    assert_eq!(status_of(&db, app.id).await, "in_review");
    assert_eq!(
        refusals(&operators::audit_by_operator(&db, PETR).await.unwrap()),
        [
            (PETR, "not_lease_holder".to_owned()),
            (PETR, "not_lease_holder".to_owned())
        ]
    );

    // Her lease ran out but nobody took over: her review still counts.
    let late = now + lease() + Duration::minutes(5);
    let decided = decide(
        &db,
        &vault,
        OLGA,
        app.id,
        Decision::Reject {
            reason: reason(PERSONAL),
        },
        late,
    )
    .await
    .unwrap();
    assert_eq!(decided.status, Status::Rejected);
    assert_eq!(decided.reason.as_deref(), Some(PERSONAL));
    assert_eq!(decided.lease, None);
    // Decided is decided: a second decision is refused.
    assert!(matches!(
        decide(&db, &vault, OLGA, app.id, Decision::Approve, late).await,
        Err(ReviewError::Application(ApplicationError::Transition(_)))
    ));
    let decided_rows: Vec<_> = operators::audit_for_owner(&db, ANNA)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == Some(AuditAction::Decided))
        .collect();
    assert_eq!(decided_rows.len(), 1);
    assert_eq!(decided_rows[0].details["status"], "rejected");
    assert!(!decided_rows[0].details.to_string().contains("Иванова"));
}

/// Core refuses a staff action without an open staff session, whatever
/// the bot asked: the operator without a factor, and the one whose session
/// went idle.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_operator_without_an_open_staff_session_is_refused(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let app = submitted(&db, &vault, ANNA, start()).await;
    let now = start() + Duration::hours(1);
    operators::grant(&db, BORIS, "test", start()).await.unwrap();
    assert!(matches!(
        claim_next(&db, &vault, BORIS, now, lease()).await,
        Err(ReviewError::NoStaffSession)
    ));
    assert!(matches!(
        view(&db, &vault, &local(&db, &vault), BORIS, app.id, now).await,
        Err(ReviewError::NoStaffSession)
    ));
    // With the default limits: open after the code, closed 15 idle minutes on.
    let secret = crate::operator_factors::enrolment_secret(&db, &vault, BORIS, now)
        .await
        .unwrap();
    let code = secret.code_at(now.timestamp());
    let policy = second_factor::FactorPolicy::default();
    crate::operator_factors::check_code(&db, &vault, BORIS, &code, now, policy)
        .await
        .unwrap();
    let claim = claim_next(&db, &vault, BORIS, now, lease()).await.unwrap();
    assert_eq!(claim.unwrap().application.id, app.id);
    let idle = now + Duration::minutes(15);
    assert!(matches!(
        decide(&db, &vault, BORIS, app.id, Decision::Approve, idle).await,
        Err(ReviewError::NoStaffSession)
    ));
    assert_eq!(status_of(&db, app.id).await, "in_review");
    assert_eq!(
        refusals(&operators::audit_by_operator(&db, BORIS).await.unwrap()),
        vec![(BORIS, "no_staff_session".to_owned()); 3]
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn non_operators_are_refused_and_recorded(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let app = submitted(&db, &vault, ANNA, start()).await;
    let now = start() + Duration::hours(1);

    assert!(!operators::is_operator(&db, BORIS).await.unwrap());
    assert!(matches!(
        claim_next(&db, &vault, BORIS, now, lease()).await,
        Err(ReviewError::NotOperator)
    ));
    assert!(matches!(
        decide(&db, &vault, BORIS, app.id, Decision::Approve, now).await,
        Err(ReviewError::NotOperator)
    ));
    assert!(matches!(
        view(&db, &vault, &local(&db, &vault), BORIS, app.id, now).await,
        Err(ReviewError::NotOperator)
    ));
    assert_eq!(status_of(&db, app.id).await, "submitted");
    assert_eq!(
        refusals(&operators::audit_by_operator(&db, BORIS).await.unwrap()),
        vec![(BORIS, "not_operator".to_owned()); 3]
    );

    // A revoked operator is refused from the next tap on, and what they
    // held goes back to the queue at once.
    operators_are(&db, &[OLGA, PETR]).await;
    claim_next(&db, &vault, OLGA, now, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        operators::revoke(&db, OLGA, now).await.unwrap(),
        Revoke::Revoked { released: 1 }
    );
    assert!(!operators::is_operator(&db, OLGA).await.unwrap());
    assert!(matches!(
        decide(&db, &vault, OLGA, app.id, Decision::Approve, now).await,
        Err(ReviewError::NotOperator)
    ));
    let taken = claim_next(&db, &vault, PETR, now, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.application.id, app.id);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn escalated_applications_come_first(db: PgPool) {
    accounts_for(&db, &[ANNA, BORIS]).await;
    operators_are(&db, &[OLGA]).await;
    let vault = vault();
    let older = submitted(&db, &vault, ANNA, start()).await;
    let newer = submitted(&db, &vault, BORIS, start() + Duration::hours(1)).await;
    let late = start() + Duration::days(6);
    applications::escalate(
        &db,
        &vault,
        BORIS,
        newer.id,
        &ReviewDeadlines::default(),
        late,
    )
    .await
    .unwrap();
    let claim = claim_next(&db, &vault, OLGA, late, lease())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.application.id, newer.id);
    assert_ne!(claim.application.id, older.id);
}

/// The missing-documents loop, then approval; an approved activation
/// confirms the account.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn more_documents_then_resubmission_then_approval(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    operators_are(&db, &[OLGA]).await;
    let vault = vault();
    let now = start() + Duration::hours(1);
    let app = claimed_activation(&db, &vault, ANNA, OLGA, start(), now).await;

    let card = view(&db, &vault, &local(&db, &vault), OLGA, app.id, now)
        .await
        .unwrap();
    assert_eq!(card.documents.len(), 4);
    assert!(
        card.documents
            .iter()
            .all(|document| document.owner_id == ANNA)
    );
    assert!(card.missing.is_empty());
    assert_eq!(
        card.practitioner_name, None,
        "no profile, no СНИЛС: nobody to name"
    );
    let viewed = operators::audit_for_owner(&db, ANNA)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == Some(AuditAction::Viewed))
        .count();
    assert_eq!(viewed, 1, "the card's view is audited");

    let asked = decide(
        &db,
        &vault,
        OLGA,
        app.id,
        Decision::MoreDocuments {
            what: reason("Скан диплома целиком, с приложением"),
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(asked.status, Status::MoreDocumentsNeeded);
    let deadlines = ReviewDeadlines::default();
    let listed = applications::list(&db, &vault, ANNA, &deadlines, now)
        .await
        .unwrap();
    assert_eq!(
        listed[0].reason.as_deref(),
        Some("Скан диплома целиком, с приложением")
    );
    assert_eq!(
        listed[0].next,
        applications::NextStep::ProvideMoreDocuments { missing: vec![] }
    );

    let resubmitted_at = now + Duration::hours(2);
    let resubmitted = applications::submit(&db, &vault, ANNA, app.id, resubmitted_at)
        .await
        .unwrap();
    assert_eq!(resubmitted.status, Status::Submitted);
    assert_eq!(resubmitted.reason, None);
    assert_eq!(resubmitted.submitted_at, Some(resubmitted_at));
    assert!(!applications::is_confirmed(&db, ANNA).await.unwrap());

    claim_next(&db, &vault, OLGA, resubmitted_at, lease())
        .await
        .unwrap()
        .unwrap();
    decide(&db, &vault, OLGA, app.id, Decision::Approve, resubmitted_at)
        .await
        .unwrap();
    assert!(applications::is_confirmed(&db, ANNA).await.unwrap());
    assert!(matches!(
        applications::create(&db, &vault, ANNA, Kind::Activation, resubmitted_at).await,
        Err(ApplicationError::AlreadyActivated)
    ));
    let statuses: Vec<String> = outbox::for_chat(&db, ANNA.private_chat())
        .await
        .unwrap()
        .iter()
        .map(|push| push.payload["args"]["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statuses,
        [
            "submitted",
            "in_review",
            "more_documents_needed",
            "submitted",
            "in_review",
            "approved"
        ]
    );
}

async fn enrolled(db: &PgPool, vault: &Vault, user: UserId) {
    accounts::open(db, user, start()).await.unwrap();
    second_factor::enrolment_secret(db, vault, user, start())
        .await
        .unwrap();
    sqlx::query!(
        "UPDATE second_factors SET enrolled_at = $2 WHERE telegram_user_id = $1",
        user.get(),
        start()
    )
    .execute(db)
    .await
    .unwrap();
    sqlx::query!(
        "UPDATE accounts SET step = 'active', confirmed_until = $2 WHERE telegram_user_id = $1",
        user.get(),
        start() + Duration::hours(1)
    )
    .execute(db)
    .await
    .unwrap();
}

/// A reset: two different operators approve, it waits out the cooling-off
/// from the request, then the scheduler applies it.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_second_factor_reset_needs_two_operators_and_the_cooling_off(db: PgPool) {
    let vault = vault();
    let policy = factor_resets::ResetPolicy::default();
    enrolled(&db, &vault, ANNA).await;
    enrolled(&db, &vault, OLGA).await;
    operators_are(&db, &[OLGA, PETR]).await;
    let requested = factor_resets::request(&db, ANNA, start(), policy)
        .await
        .unwrap();
    assert_eq!(requested.earliest, start() + Duration::hours(24));
    factor_resets::request(&db, OLGA, start(), policy)
        .await
        .unwrap();
    // Told at once, with the button to cancel.
    let pushes = outbox::for_chat(&db, ANNA.private_chat()).await.unwrap();
    assert!(matches!(
        outbox::Payload::read(&pushes[0].payload).unwrap().push,
        outbox::Push::FactorResetRequested { .. }
    ));
    assert_eq!(pushes[0].payload["factor_reset"], requested.id);
    let now = start() + Duration::minutes(10);

    assert!(matches!(
        pending_factor_resets(&db, BORIS, now).await,
        Err(ReviewError::NotOperator)
    ));
    let pending = pending_factor_resets(&db, OLGA, now).await.unwrap();
    assert_eq!(pending.len(), 1, "her own is not offered to her");
    assert_eq!(pending[0].telegram_user_id, ANNA);
    let own = sqlx::query_scalar!(
        "SELECT id FROM factor_reset_requests WHERE telegram_user_id = $1",
        OLGA.get()
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(matches!(
        approve_factor_reset(&db, OLGA, own, now, policy).await,
        Err(ReviewError::OwnFactorReset)
    ));
    assert!(matches!(
        approve_factor_reset(&db, BORIS, pending[0].id, now, policy).await,
        Err(ReviewError::NotOperator)
    ));

    // The card shows what proves who asks; its view is audited.
    let card = reset_card(
        &db,
        &vault,
        &local(&db, &vault),
        OLGA,
        pending[0].id,
        now,
        policy,
    )
    .await
    .unwrap();
    assert_eq!(card.account_created_at, Some(start()));
    assert_eq!(card.earliest, start() + Duration::hours(24));

    // One approval is not enough, and the same operator twice is refused.
    assert_eq!(
        approve_factor_reset(&db, OLGA, pending[0].id, now, policy)
            .await
            .unwrap(),
        Approval::First
    );
    assert!(matches!(
        approve_factor_reset(&db, OLGA, pending[0].id, now, policy).await,
        Err(ReviewError::SecondOperatorRequired)
    ));
    // Both tries at a reset alone are in the security log, not only the
    // operators' audit.
    let refused = crate::security_events::kinds_for(&db, OLGA)
        .await
        .unwrap()
        .into_iter()
        .filter(|kind| kind == "operator_action_refused")
        .count();
    assert_eq!(refused, 2, "her own request, and approving twice");
    let approved = approve_factor_reset(&db, PETR, pending[0].id, now, policy)
        .await
        .unwrap();
    let effective_at = start() + Duration::hours(24);
    assert_eq!(approved, Approval::Scheduled { effective_at });

    // Not applied before the cooling-off ends.
    assert_eq!(
        factor_resets::apply_due(&db, effective_at - Duration::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        accounts::step(&db, ANNA).await.unwrap(),
        Some(accounts::Step::Active)
    );
    assert_eq!(
        factor_resets::apply_due(&db, effective_at).await.unwrap(),
        1
    );
    assert_eq!(factor_resets::pending_since(&db, ANNA).await.unwrap(), None);
    let factor = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM second_factors WHERE telegram_user_id = $1"#,
        ANNA.get()
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(factor, 0, "the lost authenticator is gone");
    assert_eq!(
        accounts::step(&db, ANNA).await.unwrap(),
        Some(accounts::Step::SecondFactor),
        "onboarding enrols a new one"
    );
    assert!(
        !accounts::session_open(&db, ANNA, effective_at)
            .await
            .unwrap()
    );
    let pushes: Vec<_> = outbox::for_chat(&db, ANNA.private_chat())
        .await
        .unwrap()
        .into_iter()
        .map(|row| outbox::Payload::read(&row.payload).unwrap().push)
        .collect();
    assert!(
        matches!(
            pushes.as_slice(),
            [
                outbox::Push::FactorResetRequested { .. },
                outbox::Push::FactorResetScheduled { .. },
                outbox::Push::FactorResetApplied {}
            ]
        ),
        "{pushes:?}"
    );
    let audit: Vec<_> = operators::audit_for_owner(&db, ANNA)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|row| row.action)
        .collect();
    assert!(audit.contains(&AuditAction::FactorResetViewed), "{audit:?}");
    assert!(
        audit.contains(&AuditAction::FactorResetFirstApproved),
        "{audit:?}"
    );
    assert!(
        audit.contains(&AuditAction::FactorResetApproved),
        "{audit:?}"
    );

    assert!(matches!(
        approve_factor_reset(&db, PETR, pending[0].id, now, policy).await,
        Err(ReviewError::FactorResetDecided)
    ));
    assert!(matches!(
        approve_factor_reset(&db, PETR, pending[0].id + 1000, now, policy).await,
        Err(ReviewError::FactorResetNotFound)
    ));
    // Olga's own factor is untouched.
    assert_eq!(
        accounts::step(&db, OLGA).await.unwrap(),
        Some(accounts::Step::Active)
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_reset_can_be_rejected_with_a_reason_or_cancelled(db: PgPool) {
    let vault = vault();
    let policy = factor_resets::ResetPolicy::default();
    enrolled(&db, &vault, ANNA).await;
    operators_are(&db, &[OLGA, PETR]).await;
    let first = factor_resets::request(&db, ANNA, start(), policy)
        .await
        .unwrap();
    let reason = Note::parse("ФИО в профиле не совпадает с регистром").unwrap();
    reject_factor_reset(&db, &vault, OLGA, first.id, &reason, start())
        .await
        .unwrap();
    assert_eq!(
        factor_resets::last_rejection(&db, &vault, ANNA)
            .await
            .unwrap()
            .as_deref(),
        Some("ФИО в профиле не совпадает с регистром")
    );

    // A new request, approved by both, is cancelled by the practitioner
    // before it takes effect: nothing is applied.
    let second = factor_resets::request(&db, ANNA, start(), policy)
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    approve_factor_reset(&db, OLGA, second.id, start(), policy)
        .await
        .unwrap();
    approve_factor_reset(&db, PETR, second.id, start(), policy)
        .await
        .unwrap();
    assert!(
        !factor_resets::cancel(&db, BORIS, second.id, start())
            .await
            .unwrap(),
        "not his"
    );
    assert!(
        factor_resets::cancel(&db, ANNA, second.id, start())
            .await
            .unwrap()
    );
    assert_eq!(
        factor_resets::apply_due(&db, start() + Duration::days(2))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        accounts::step(&db, ANNA).await.unwrap(),
        Some(accounts::Step::Active)
    );
    let kinds = crate::security_events::kinds_for(&db, ANNA).await.unwrap();
    assert!(
        kinds.contains(&"factor_reset_cancelled".to_owned()),
        "{kinds:?}"
    );
}

/// An applicant linked to `snils` with their own phone, through the real
/// account steps, under `vault`.
async fn applicant_with(db: &PgPool, vault: &Vault, id: UserId, snils: &str, phone: &str) {
    crate::consent::give(db, id, start()).await.unwrap();
    accounts::open(db, id, start()).await.unwrap();
    let phone = crate::domain::PhoneNumber::parse(phone).unwrap();
    accounts::set_phone(db, vault, id, &phone).await.unwrap();
    let snils = crate::domain::Snils::parse(snils).unwrap();
    accounts::set_snils(db, vault, id, &snils).await.unwrap();
    assert!(accounts::link(db, id, start()).await.unwrap());
}

/// The card of an activation warns of what speaks against the applicant
/// being the СНИЛС's owner; approving is refused when someone else is
/// confirmed with it, and an approval unlinks the other applicants.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_activation_card_warns_about_the_snils_and_approval_settles_it(db: PgPool) {
    const SNILS: &str = "112-233-445 95";
    let vault = vault();
    operators_are(&db, &[OLGA]).await;
    applicant_with(&db, &vault, ANNA, SNILS, "+79161000001").await;
    applicant_with(&db, &vault, BORIS, SNILS, "+79161000002").await;
    // The register knows the СНИЛС with a third phone.
    let csv = "snils,full_name,birth_date,phone,specialty,position,organisation,region,accreditation_number,accreditation_valid_until\n\
               112-233-445 95,Иванова Анна Сергеевна,1985-03-14,+79991234567,Терапия,Врач,ГП № 5,Москва,,\n";
    crate::registry::import_csv(&db, &vault, csv.as_bytes(), |_| {})
        .await
        .unwrap();
    let now = start() + Duration::hours(1);
    let app = claimed_activation(&db, &vault, ANNA, OLGA, start(), now).await;
    let card = view(&db, &vault, &local(&db, &vault), OLGA, app.id, now)
        .await
        .unwrap();
    assert_eq!(
        card.warnings,
        [
            IdentityWarning::RegisterKnowsAnotherPhone,
            IdentityWarning::OtherApplicants(1)
        ]
    );

    // Approved: Anna is confirmed, Boris unlinked and told.
    decide(&db, &vault, OLGA, app.id, Decision::Approve, now)
        .await
        .unwrap();
    assert!(accounts::is_confirmed(&db, ANNA).await.unwrap());
    assert!(!accounts::has_snils(&db, BORIS).await.unwrap());
    let told = outbox::for_chat(&db, BORIS.private_chat()).await.unwrap();
    assert!(
        told.iter()
            .any(|row| outbox::Payload::read(&row.payload).unwrap().push
                == outbox::Push::UnlinkedSuperseded {}),
        "{told:?}"
    );

    // Vera applies with the same СНИЛС later: her card says someone is
    // confirmed with it, and approving is refused.
    applicant_with(&db, &vault, VERA, SNILS, "+79161000003").await;
    let late = claimed_activation(&db, &vault, VERA, OLGA, now, now).await;
    let card = view(&db, &vault, &local(&db, &vault), OLGA, late.id, now)
        .await
        .unwrap();
    assert!(card.warnings.contains(&IdentityWarning::ConfirmedElsewhere));
    let refused = decide(&db, &vault, OLGA, late.id, Decision::Approve, now).await;
    assert!(
        matches!(
            refused,
            Err(ReviewError::Application(ApplicationError::NotConfirmable(
                crate::accounts::ConfirmError::TakenByConfirmed
            )))
        ),
        "{refused:?}"
    );
    assert!(!accounts::is_confirmed(&db, VERA).await.unwrap());
}
