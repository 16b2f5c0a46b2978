//! Applications in PostgreSQL: numbers, submission against the documents on
//! file, the accreditation window, one transaction per change of status,
//! delays and the one escalation, «Мои заявки».

use std::collections::HashSet;

use chrono::Duration;
use sqlx::{PgConnection, PgPool};

use super::test_support::*;
use super::*;
use crate::documents::DocumentKind as Doc;
use crate::history;

async fn status_of(db: &PgPool, id: i64) -> String {
    sqlx::query_scalar!("SELECT status FROM applications WHERE id = $1", id)
        .fetch_one(db)
        .await
        .unwrap()
}

fn is_well_formed(number: &str, letter: char, year: i32) -> bool {
    let parts: Vec<&str> = number.split('-').collect();
    parts.len() == 3
        && parts[0].chars().eq([letter])
        && parts[1] == year.to_string()
        && parts[2].len() >= 6
        && parts[2].chars().all(|c| c.is_ascii_digit())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn numbers_are_unique_and_formatted(db: PgPool) {
    accounts_for(&db, &[ANNA, BORIS, VERA]).await;
    let vault = vault();
    let mut numbers = HashSet::new();
    for owner in [ANNA, BORIS, VERA] {
        for kind in [
            Kind::Activation,
            Kind::PersonalDataUpdate,
            Kind::CertificateRequest,
            Kind::CertificateRequest,
        ] {
            let app = create(&db, &vault, owner, kind, start()).await.unwrap();
            assert!(
                is_well_formed(&app.number, kind.letter(), 2026),
                "{}",
                app.number
            );
            assert_eq!(app.status, Status::Draft);
            assert_eq!(app.owner_id, owner);
            assert!(numbers.insert(app.number.clone()), "{} twice", app.number);
        }
    }
    assert_eq!(numbers.len(), 12);
    // The year is Moscow's: 31 December 21:00 UTC is already next year.
    let new_year = create(
        &db,
        &vault,
        ANNA,
        Kind::CertificateRequest,
        at("2026-12-31T21:00:00Z"),
    )
    .await
    .unwrap();
    assert!(
        new_year.number.starts_with("С-2027-"),
        "{}",
        new_year.number
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_draft_has_its_first_version(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let app = create(&db, &vault, ANNA, Kind::Activation, start())
        .await
        .unwrap();
    let versions = history::versions(&db, &vault, ANNA, history::Entity::Application, app.id)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].action, history::Action::Created);
    assert_eq!(versions[0].actor, history::Actor::Practitioner(ANNA));
    assert_eq!(versions[0].snapshot["status"], "draft");
    assert_eq!(versions[0].snapshot["number"], app.number.as_str());
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn submit_with_missing_documents_is_refused_with_the_list(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let app = create(&db, &vault, ANNA, Kind::Activation, start())
        .await
        .unwrap();
    store_document(&db, &vault, ANNA, Doc::Passport, None).await;
    store_document(&db, &vault, ANNA, Doc::Other, None).await;

    let refused = submit(&db, &vault, ANNA, app.id, start()).await;
    assert!(
        matches!(
            &refused,
            Err(ApplicationError::MissingDocuments(missing))
                if missing == &[Doc::Snils, Doc::Diploma, Doc::EmployerConfirmation]
        ),
        "{refused:?}"
    );
    assert_eq!(status_of(&db, app.id).await, "draft");
    assert!(
        outbox::for_chat(&db, ANNA.private_chat())
            .await
            .unwrap()
            .is_empty(),
        "a refusal notifies nobody"
    );

    let snils = store_document(&db, &vault, ANNA, Doc::Snils, None).await;
    let diploma = store_document(&db, &vault, ANNA, Doc::Diploma, None).await;
    let employer = store_document(&db, &vault, ANNA, Doc::EmployerConfirmation, None).await;
    let submitted = submit(&db, &vault, ANNA, app.id, start()).await.unwrap();
    assert_eq!(submitted.status, Status::Submitted);
    assert_eq!(submitted.submitted_at, Some(start()));
    // The required documents are cited; the "other" one is not.
    let cited: HashSet<i64> = submitted.document_ids.iter().copied().collect();
    assert_eq!(cited.len(), 4);
    assert!(cited.contains(&snils) && cited.contains(&diploma) && cited.contains(&employer));
    assert_eq!(get(&db, &vault, ANNA, app.id).await.unwrap(), submitted);

    // Submitting again is a wrong button, whatever the documents.
    assert!(matches!(
        submit(&db, &vault, ANNA, app.id, start()).await,
        Err(ApplicationError::Transition(TransitionError {
            from: Status::Submitted,
            ..
        }))
    ));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn someone_elses_application_is_refused(db: PgPool) {
    accounts_for(&db, &[ANNA, BORIS]).await;
    let vault = vault();
    let app = create(&db, &vault, ANNA, Kind::CertificateRequest, start())
        .await
        .unwrap();
    assert!(matches!(
        get(&db, &vault, BORIS, app.id).await,
        Err(ApplicationError::NotYours)
    ));
    assert!(matches!(
        submit(&db, &vault, BORIS, app.id, start()).await,
        Err(ApplicationError::NotYours)
    ));
    assert!(matches!(
        escalate(
            &db,
            &vault,
            BORIS,
            app.id,
            &ReviewDeadlines::default(),
            start()
        )
        .await,
        Err(ApplicationError::NotYours)
    ));
    assert!(matches!(
        get(&db, &vault, ANNA, app.id + 1000).await,
        Err(ApplicationError::NotFound)
    ));
    assert_eq!(status_of(&db, app.id).await, "draft");
    assert!(
        list(&db, &vault, BORIS, &ReviewDeadlines::default(), start())
            .await
            .unwrap()
            .is_empty()
    );
}

/// The accreditation on file runs until 2027-11-26, so the window opens on
/// 2026-11-26 (Moscow): the 25th is refused with that date, the 26th is
/// allowed from Moscow midnight (21:00 UTC the day before).
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn periodic_accreditation_opens_twelve_months_before_expiry(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    assert!(matches!(
        create(&db, &vault, ANNA, Kind::PeriodicAccreditation, start()).await,
        Err(ApplicationError::NoAccreditation)
    ));

    store_document(
        &db,
        &vault,
        ANNA,
        Doc::Accreditation,
        Some(date(2027, 11, 26)),
    )
    .await;
    let day_before = at("2026-11-25T20:59:59Z");
    let refused = create(&db, &vault, ANNA, Kind::PeriodicAccreditation, day_before).await;
    assert!(
        matches!(
            refused,
            Err(ApplicationError::TooEarly(TooEarly { opens_on })) if opens_on == date(2026, 11, 26)
        ),
        "{refused:?}"
    );
    let count = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM applications"#)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing stored for a refusal");

    let first_day = at("2026-11-25T21:00:00Z");
    let app = create(&db, &vault, ANNA, Kind::PeriodicAccreditation, first_day)
        .await
        .unwrap();
    assert!(app.number.starts_with("П-2026-"));
}

/// The latest accreditation counts: a newer one with a later end date
/// closes the window an older one would have opened.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_accreditation_that_lasts_longest_decides(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    store_document(
        &db,
        &vault,
        ANNA,
        Doc::Accreditation,
        Some(date(2027, 1, 1)),
    )
    .await;
    store_document(
        &db,
        &vault,
        ANNA,
        Doc::Accreditation,
        Some(date(2031, 1, 1)),
    )
    .await;
    assert!(matches!(
        create(&db, &vault, ANNA, Kind::PeriodicAccreditation, start()).await,
        Err(ApplicationError::TooEarly(TooEarly { opens_on })) if opens_on == date(2030, 1, 1)
    ));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn one_open_application_per_kind_except_certificates(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let first = create(&db, &vault, ANNA, Kind::PersonalDataUpdate, start())
        .await
        .unwrap();
    let again = create(&db, &vault, ANNA, Kind::PersonalDataUpdate, start()).await;
    assert!(
        matches!(&again, Err(ApplicationError::AlreadyOpen { id, number }) if *id == first.id && *number == first.number),
        "{again:?}"
    );
    create(&db, &vault, ANNA, Kind::CertificateRequest, start())
        .await
        .unwrap();
    create(&db, &vault, ANNA, Kind::CertificateRequest, start())
        .await
        .unwrap();
}

/// The status change, its version and its push are one transaction: rolled
/// back, none of them is there; committed, all three are, and none carries
/// the personal data of the reason in clear.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_status_change_writes_history_and_outbox_together(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let app = create(&db, &vault, ANNA, Kind::CertificateRequest, start())
        .await
        .unwrap();
    let submitted = submit(&db, &vault, ANNA, app.id, start()).await.unwrap();
    let operator = history::Actor::Operator(OLGA);
    let lease = Some(Lease {
        operator_id: OLGA,
        until: start() + Duration::minutes(30),
    });

    let mut tx = db.begin().await.unwrap();
    take_for_review(&mut tx, &vault, app.id, lease, operator).await;
    tx.rollback().await.unwrap();
    assert_eq!(status_of(&db, app.id).await, "submitted");
    let versions = history::versions(&db, &vault, ANNA, history::Entity::Application, app.id)
        .await
        .unwrap();
    assert_eq!(versions.len(), 2, "created, submitted; nothing rolled back");
    assert_eq!(
        outbox::for_chat(&db, ANNA.private_chat())
            .await
            .unwrap()
            .len(),
        1
    );

    let mut tx = db.begin().await.unwrap();
    let in_review = take_for_review(&mut tx, &vault, app.id, lease, operator).await;
    let reason = Note::parse(PERSONAL).unwrap();
    let rejected = apply(
        &mut tx,
        &vault,
        &in_review,
        Event::Reject(reason),
        None,
        operator,
        start(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    assert_eq!(rejected.reason.as_deref(), Some(PERSONAL));
    assert_eq!(rejected.decided_at, Some(start()));
    assert_eq!(rejected.lease, None);
    assert_eq!(get(&db, &vault, ANNA, app.id).await.unwrap(), rejected);

    // History: one version per change, the reason kept (sealed).
    let versions = history::versions(&db, &vault, ANNA, history::Entity::Application, app.id)
        .await
        .unwrap();
    let statuses: Vec<&str> = versions
        .iter()
        .map(|version| version.snapshot["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["draft", "submitted", "in_review", "rejected"]);
    assert!(
        versions[1..]
            .iter()
            .all(|version| version.action == history::Action::StatusChanged)
    );
    assert_eq!(versions[1].actor, history::Actor::Practitioner(ANNA));
    assert_eq!(versions[3].actor, operator);
    assert_eq!(versions[3].snapshot["reason"], PERSONAL);

    // Outbox: one push per change, number and status only.
    let pushes = outbox::for_chat(&db, ANNA.private_chat()).await.unwrap();
    assert_eq!(pushes.len(), 3);
    let expected = ["submitted", "in_review", "rejected"];
    for (push, status) in pushes.iter().zip(expected) {
        assert_eq!(push.kind, "application_status_changed");
        assert_eq!(push.priority, outbox::Priority::Personal);
        let payload: Payload = serde_json::from_value(push.payload.clone()).unwrap();
        assert_eq!(
            payload.push,
            Push::ApplicationStatusChanged {
                number: submitted.number.as_str().to_owned(),
                status: Status::parse(status).unwrap(),
            }
        );
    }

    // Nothing personal in clear anywhere these rows live.
    let raw = sqlx::query_scalar!(
        r#"
        SELECT concat_ws('|',
            (SELECT string_agg(a::text, '|') FROM applications a),
            (SELECT string_agg(h::text, '|') FROM history h),
            (SELECT string_agg(o::text, '|') FROM outbox o)) AS "raw!"
        "#
    )
    .fetch_one(&db)
    .await
    .unwrap();
    // Sealed bytes print as hex, where four digits like "4510" turn up by
    // chance: the clear-text check reads what is not hex.
    let readable: String = raw
        .split("\\x")
        .enumerate()
        .map(|(n, part)| {
            if n == 0 {
                part
            } else {
                part.trim_start_matches(|c: char| c.is_ascii_hexdigit())
            }
        })
        .collect();
    for needle in ["Иванова", "4510", "паспорт"] {
        assert!(!readable.contains(needle), "{needle} in clear");
        assert!(!raw.contains(&hex::encode(needle)), "{needle} in hex");
    }
    let sealed = sqlx::query_scalar!("SELECT reason FROM applications WHERE id = $1", app.id)
        .fetch_one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(!contains(&sealed, "Иванова"));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn delayed_applications_can_be_escalated_once(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let deadlines = ReviewDeadlines::default();
    store_required(&db, &vault, ANNA, Kind::Activation).await;
    let app = create(&db, &vault, ANNA, Kind::Activation, start())
        .await
        .unwrap();
    // A draft is not delayed, however old.
    assert!(matches!(
        escalate(
            &db,
            &vault,
            ANNA,
            app.id,
            &deadlines,
            start() + Duration::days(9)
        )
        .await,
        Err(ApplicationError::NotDelayed)
    ));
    submit(&db, &vault, ANNA, app.id, start()).await.unwrap();

    let on_time = start() + Duration::hours(24);
    let late = on_time + Duration::minutes(1);
    let listed = list(&db, &vault, ANNA, &deadlines, on_time).await.unwrap();
    assert!(!listed[0].delayed);
    assert_eq!(listed[0].next, NextStep::AwaitReview { due: on_time });
    assert!(matches!(
        escalate(&db, &vault, ANNA, app.id, &deadlines, on_time).await,
        Err(ApplicationError::NotDelayed)
    ));

    let listed = list(&db, &vault, ANNA, &deadlines, late).await.unwrap();
    assert!(listed[0].delayed);
    assert_eq!(listed[0].next, NextStep::Escalate);
    let escalated = escalate(&db, &vault, ANNA, app.id, &deadlines, late)
        .await
        .unwrap();
    assert_eq!(escalated.escalated_at, Some(late));

    let again = escalate(
        &db,
        &vault,
        ANNA,
        app.id,
        &deadlines,
        late + Duration::hours(5),
    )
    .await;
    assert!(
        matches!(again, Err(ApplicationError::AlreadyEscalated { at }) if at == late),
        "{again:?}"
    );
    let listed = list(&db, &vault, ANNA, &deadlines, late).await.unwrap();
    assert_eq!(listed[0].escalated_at, Some(late));
    assert_eq!(listed[0].next, NextStep::AwaitEscalated);
    let versions = history::versions(&db, &vault, ANNA, history::Entity::Application, app.id)
        .await
        .unwrap();
    assert_eq!(versions.last().unwrap().action, history::Action::Updated);

    // A caller with a shorter promise sees it delayed sooner.
    let quick = ReviewDeadlines {
        activation: Duration::hours(1),
        ..deadlines
    };
    let listed = list(&db, &vault, ANNA, &quick, start() + Duration::hours(2))
        .await
        .unwrap();
    assert!(listed[0].delayed);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn my_applications_lists_newest_first_with_the_next_step(db: PgPool) {
    accounts_for(&db, &[ANNA]).await;
    let vault = vault();
    let deadlines = ReviewDeadlines::default();
    let activation = create(&db, &vault, ANNA, Kind::Activation, start())
        .await
        .unwrap();
    let later = start() + Duration::minutes(1);
    let certificate = create(&db, &vault, ANNA, Kind::CertificateRequest, later)
        .await
        .unwrap();
    submit(&db, &vault, ANNA, certificate.id, later)
        .await
        .unwrap();

    let listed = list(&db, &vault, ANNA, &deadlines, later).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].number, certificate.number);
    assert_eq!(listed[0].kind, Kind::CertificateRequest);
    assert_eq!(listed[0].status, Status::Submitted);
    assert_eq!(listed[0].created_at, later);
    assert_eq!(listed[0].submitted_at, Some(later));
    assert_eq!(listed[0].decided_at, None);
    assert_eq!(
        listed[0].due_at,
        Some(later + deadlines.certificate_request)
    );
    assert_eq!(listed[1].number, activation.number);
    assert_eq!(listed[1].status, Status::Draft);
    assert_eq!(
        listed[1].next,
        NextStep::UploadDocuments {
            missing: vec![
                Doc::Passport,
                Doc::Snils,
                Doc::Diploma,
                Doc::EmployerConfirmation
            ]
        }
    );
    assert!(!format!("{listed:?}").contains("Иванова"));
}

/// /forget deletes the account; its applications go with it.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn erasing_the_account_takes_its_applications(db: PgPool) {
    accounts_for(&db, &[ANNA, BORIS]).await;
    let vault = vault();
    create(&db, &vault, ANNA, Kind::CertificateRequest, start())
        .await
        .unwrap();
    let kept = create(&db, &vault, BORIS, Kind::CertificateRequest, start())
        .await
        .unwrap();
    crate::erasure::forget(&db, &vault, ANNA, start())
        .await
        .unwrap();
    let left: Vec<i64> = sqlx::query_scalar!("SELECT id FROM applications")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(left, [kept.id]);
}

/// Locks a submitted application and takes it for review at `start()`, in
/// the caller's transaction, as a claim does.
async fn take_for_review(
    tx: &mut PgConnection,
    vault: &Vault,
    id: i64,
    lease: Option<Lease>,
    operator: history::Actor,
) -> Application {
    let locked = lock(tx, vault, id).await.unwrap().unwrap();
    let event = Event::TakeForReview;
    apply(tx, vault, &locked, event, lease, operator, start())
        .await
        .unwrap()
}

/// Takes a submitted application for review and decides it by `event`, in
/// one transaction that is committed or, with `commit` false, rolled back.
async fn decide_by(db: &PgPool, vault: &Vault, id: i64, event: Event, commit: bool) {
    let operator = history::Actor::Operator(OLGA);
    let mut tx = db.begin().await.unwrap();
    let in_review = take_for_review(&mut tx, vault, id, None, operator).await;
    apply(&mut tx, vault, &in_review, event, None, operator, start())
        .await
        .unwrap();
    if commit {
        tx.commit().await.unwrap();
    } else {
        tx.rollback().await.unwrap();
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn approving_an_activation_confirms_the_account_and_nothing_else_does(db: PgPool) {
    accounts_for(&db, &[ANNA, BORIS, VERA]).await;
    let vault = vault();
    for owner in [ANNA, BORIS, VERA] {
        store_required(&db, &vault, owner, Kind::Activation).await;
        assert!(!crate::accounts::is_confirmed(&db, owner).await.unwrap());
    }

    // Anna's activation: approved in a transaction rolled back, then for real.
    let anna = create(&db, &vault, ANNA, Kind::Activation, start())
        .await
        .unwrap();
    submit(&db, &vault, ANNA, anna.id, start()).await.unwrap();
    decide_by(&db, &vault, anna.id, Event::Approve, false).await;
    assert!(
        !crate::accounts::is_confirmed(&db, ANNA).await.unwrap(),
        "the confirmation goes with the approval's transaction"
    );
    decide_by(&db, &vault, anna.id, Event::Approve, true).await;
    assert!(crate::accounts::is_confirmed(&db, ANNA).await.unwrap());
    assert!(is_confirmed(&db, ANNA).await.unwrap());
    assert!(matches!(
        create(&db, &vault, ANNA, Kind::Activation, start()).await,
        Err(ApplicationError::AlreadyActivated)
    ));

    // Boris: another kind approved confirms nothing.
    let boris = create(&db, &vault, BORIS, Kind::CertificateRequest, start())
        .await
        .unwrap();
    submit(&db, &vault, BORIS, boris.id, start()).await.unwrap();
    decide_by(&db, &vault, boris.id, Event::Approve, true).await;
    assert!(!crate::accounts::is_confirmed(&db, BORIS).await.unwrap());

    // Vera: an activation refused confirms nothing either.
    let vera = create(&db, &vault, VERA, Kind::Activation, start())
        .await
        .unwrap();
    submit(&db, &vault, VERA, vera.id, start()).await.unwrap();
    let reason = Note::parse("Скан паспорта не читается").unwrap();
    decide_by(&db, &vault, vera.id, Event::Reject(reason), true).await;
    assert!(!crate::accounts::is_confirmed(&db, VERA).await.unwrap());
}
