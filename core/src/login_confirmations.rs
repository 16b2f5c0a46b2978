//! Confirming a login elsewhere: a portal asks «это вы входите?», the
//! practitioner answers «Это я» or «Это не я» in the chat.
//!
//! Owns the table `login_challenges`. The rules:
//! - a challenge and its push are created in one transaction (the outbox);
//! - it can be answered once, only by its practitioner, and not after it
//!   expired; expiry is derived from the clock, never stored;
//! - «Это не я» blocks the login and records an incident (`login_denied`);
//! - an answer from anyone else is refused and recorded
//!   (`login_answer_refused`): callback data is user input.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::outbox::{self, Notification, Payload};
use crate::security_events::{self, Kind};

/// How long a practitioner has to answer when the portal does not say.
pub const DEFAULT_TTL_SECONDS: i64 = 120;

/// The Fluent key of the push. Its arguments: `time` (МСК), `device`,
/// `place`. The IP address is deliberately not among them: the push shows
/// on a locked screen, and an address says nothing a person can check at a
/// glance, while device and approximate place do.
pub const PUSH_KEY: &str = "login-push";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Approved,
    Denied,
    /// Pending past its expiry: the portal must refuse the login.
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Denied => "denied",
            Status::Expired => "expired",
        }
    }

    /// The stored status as of `now`.
    fn derive(stored: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Status {
        match stored {
            "approved" => Status::Approved,
            "denied" => Status::Denied,
            // The CHECK constraint allows only 'pending' besides those.
            _ if now >= expires_at => Status::Expired,
            _ => Status::Pending,
        }
    }
}

/// A login attempt the portal asks about.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    pub ip: String,
    pub device: String,
    pub place: String,
    pub ttl: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub id: Uuid,
    pub telegram_user_id: i64,
    pub device: String,
    pub place: String,
    /// As of the moment it was read.
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// What became of a press on «Это я» / «Это не я».
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Approved(Challenge),
    /// Blocked, and an incident recorded.
    Denied(Challenge),
    /// Answered before; the challenge says how (its status).
    AlreadyAnswered(Challenge),
    /// Not answered in time; nothing changed.
    Expired(Challenge),
    /// Pressed by someone other than its practitioner: refused, recorded.
    NotYours,
    /// No such challenge (forged, or erased with its account).
    Unknown,
}

/// Creates a challenge for an active practitioner's account and, in the
/// same transaction, the urgent push that asks them.
pub async fn create(
    db: &PgPool,
    user_id: i64,
    attempt: &LoginAttempt,
    now: DateTime<Utc>,
) -> Result<Challenge, sqlx::Error> {
    let challenge = Challenge {
        id: Uuid::new_v4(),
        telegram_user_id: user_id,
        device: attempt.device.clone(),
        place: attempt.place.clone(),
        status: Status::Pending,
        created_at: now,
        expires_at: now + attempt.ttl,
        answered_at: None,
    };
    let mut tx = db.begin().await?;
    sqlx::query!(
        r#"
        INSERT INTO login_challenges
            (id, telegram_user_id, device, place, ip, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        "#,
        challenge.id,
        user_id,
        attempt.device,
        attempt.place,
        attempt.ip,
        challenge.created_at,
        challenge.expires_at,
    )
    .execute(&mut *tx)
    .await?;
    // A practitioner's chat with the bot is private: its id is theirs.
    let push = Notification::new(
        user_id,
        outbox::Kind::LoginConfirmation,
        Payload {
            key: PUSH_KEY.to_owned(),
            args: BTreeMap::from([
                ("time".to_owned(), Value::from(moscow_clock(now))),
                ("device".to_owned(), Value::from(attempt.device.as_str())),
                ("place".to_owned(), Value::from(attempt.place.as_str())),
            ]),
            login_challenge: Some(challenge.id),
        },
    );
    outbox::enqueue(&mut tx, &push, now).await?;
    tx.commit().await?;
    Ok(challenge)
}

/// A challenge as of `now` (pending past its expiry reads as expired).
pub async fn get(
    db: &PgPool,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Challenge>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, telegram_user_id, device, place, status, created_at, expires_at, answered_at
        FROM login_challenges WHERE id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Challenge {
        id: row.id,
        telegram_user_id: row.telegram_user_id,
        device: row.device,
        place: row.place,
        status: Status::derive(&row.status, row.expires_at, now),
        created_at: row.created_at,
        expires_at: row.expires_at,
        answered_at: row.answered_at,
    }))
}

/// The answer `presser` gave with a button: approve («Это я») or deny.
pub async fn answer(
    db: &PgPool,
    id: Uuid,
    presser: i64,
    approve: bool,
    now: DateTime<Utc>,
) -> Result<Answer, sqlx::Error> {
    let mut tx = db.begin().await?;
    // Serialises a double tap: the second press sees the first's answer.
    let row = sqlx::query!(
        r#"
        SELECT id, telegram_user_id, device, place, status, created_at, expires_at, answered_at
        FROM login_challenges WHERE id = $1 FOR UPDATE
        "#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Answer::Unknown);
    };
    if row.telegram_user_id != presser {
        // Recorded against the presser; the challenge id lets the security
        // officer find whose login it was.
        security_events::record(
            &mut tx,
            presser,
            Kind::LoginAnswerRefused,
            json!({ "challenge": id }),
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Answer::NotYours);
    }
    let mut challenge = Challenge {
        id: row.id,
        telegram_user_id: row.telegram_user_id,
        device: row.device,
        place: row.place,
        status: Status::derive(&row.status, row.expires_at, now),
        created_at: row.created_at,
        expires_at: row.expires_at,
        answered_at: row.answered_at,
    };
    match challenge.status {
        Status::Approved | Status::Denied => return Ok(Answer::AlreadyAnswered(challenge)),
        Status::Expired => return Ok(Answer::Expired(challenge)),
        Status::Pending => {}
    }
    let status = if approve {
        Status::Approved
    } else {
        Status::Denied
    };
    sqlx::query!(
        "UPDATE login_challenges SET status = $2, answered_at = $3 WHERE id = $1",
        id,
        status.as_str(),
        now,
    )
    .execute(&mut *tx)
    .await?;
    if !approve {
        security_events::record(
            &mut tx,
            presser,
            Kind::LoginDenied,
            json!({ "challenge": id }),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    challenge.status = status;
    challenge.answered_at = Some(now);
    Ok(if approve {
        Answer::Approved(challenge)
    } else {
        Answer::Denied(challenge)
    })
}

/// `HH:MM` in Moscow time, as the push and its answers show it. Moscow has
/// kept UTC+3 all year since 2014; users' own time zones come with the
/// notification settings.
pub fn moscow_clock(at: DateTime<Utc>) -> String {
    crate::clock::moscow(at).format("%H:%M").to_string()
}

/// Retention: deletes up to `batch` challenges that expired before
/// `before` (answered or not: the portal has read the answer long since).
pub async fn purge(db: &PgPool, before: DateTime<Utc>, batch: i64) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM login_challenges WHERE id IN (
            SELECT id FROM login_challenges WHERE expires_at < $1 LIMIT $2
        )
        "#,
        before,
        batch,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts;

    const ANNA: i64 = 1001;
    const BORIS: i64 = 1002;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn attempt() -> LoginAttempt {
        LoginAttempt {
            ip: "203.0.113.7".into(),
            device: "Firefox, Windows".into(),
            place: "Москва".into(),
            ttl: Duration::seconds(DEFAULT_TTL_SECONDS),
        }
    }

    async fn with_accounts(db: &PgPool) {
        for id in [ANNA, BORIS] {
            accounts::open(db, id, start()).await.unwrap();
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_challenge_and_its_push_are_created_together(db: PgPool) {
        with_accounts(&db).await;
        let challenge = create(&db, ANNA, &attempt(), start()).await.unwrap();
        assert_eq!(challenge.status, Status::Pending);
        assert_eq!(challenge.expires_at, start() + Duration::minutes(2));

        let rows = outbox::for_chat(&db, ANNA).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].priority, outbox::Priority::Urgent);
        let payload: Payload = serde_json::from_value(rows[0].payload.clone()).unwrap();
        assert_eq!(payload.key, PUSH_KEY);
        assert_eq!(payload.login_challenge, Some(challenge.id));
        assert_eq!(payload.args["time"], "12:00");
        assert!(
            !rows[0].payload.to_string().contains("203.0.113.7"),
            "no IP in the push"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn no_challenge_without_an_account_and_no_push_either(db: PgPool) {
        assert!(create(&db, ANNA, &attempt(), start()).await.is_err());
        assert!(outbox::for_chat(&db, ANNA).await.unwrap().is_empty());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn approve_once_then_already_answered(db: PgPool) {
        with_accounts(&db).await;
        let id = create(&db, ANNA, &attempt(), start()).await.unwrap().id;
        let now = start() + Duration::seconds(30);

        let Answer::Approved(approved) = answer(&db, id, ANNA, true, now).await.unwrap() else {
            panic!("approved");
        };
        assert_eq!(approved.answered_at, Some(now));

        // A second press, even the other button, changes nothing.
        let Answer::AlreadyAnswered(again) = answer(&db, id, ANNA, false, now).await.unwrap()
        else {
            panic!("already answered");
        };
        assert_eq!(again.status, Status::Approved);
        let got = get(&db, id, now + Duration::hours(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.status, Status::Approved, "an answer never expires");
        assert!(
            security_events::kinds_for(&db, ANNA)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn deny_records_an_incident(db: PgPool) {
        with_accounts(&db).await;
        let id = create(&db, ANNA, &attempt(), start()).await.unwrap().id;

        let outcome = answer(&db, id, ANNA, false, start()).await.unwrap();

        assert!(matches!(outcome, Answer::Denied(ref c) if c.status == Status::Denied));
        assert_eq!(
            security_events::kinds_for(&db, ANNA).await.unwrap(),
            ["login_denied"]
        );
        let got = get(&db, id, start()).await.unwrap().unwrap();
        assert_eq!(got.status, Status::Denied);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn expiry_is_derived_and_an_expired_challenge_takes_no_answer(db: PgPool) {
        with_accounts(&db).await;
        let id = create(&db, ANNA, &attempt(), start()).await.unwrap().id;
        let just_before = start() + Duration::seconds(DEFAULT_TTL_SECONDS - 1);
        let at_expiry = start() + Duration::seconds(DEFAULT_TTL_SECONDS);

        assert_eq!(
            get(&db, id, just_before).await.unwrap().unwrap().status,
            Status::Pending
        );
        assert_eq!(
            get(&db, id, at_expiry).await.unwrap().unwrap().status,
            Status::Expired
        );
        let outcome = answer(&db, id, ANNA, true, at_expiry).await.unwrap();
        assert!(matches!(outcome, Answer::Expired(_)), "{outcome:?}");
        let stored = get(&db, id, start()).await.unwrap().unwrap();
        assert_eq!(stored.status, Status::Pending, "nothing was stored");
        assert_eq!(stored.answered_at, None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn someone_elses_press_is_refused_and_recorded(db: PgPool) {
        with_accounts(&db).await;
        let id = create(&db, ANNA, &attempt(), start()).await.unwrap().id;

        assert_eq!(
            answer(&db, id, BORIS, true, start()).await.unwrap(),
            Answer::NotYours
        );

        assert_eq!(
            get(&db, id, start()).await.unwrap().unwrap().status,
            Status::Pending
        );
        assert_eq!(
            security_events::kinds_for(&db, BORIS).await.unwrap(),
            ["login_answer_refused"]
        );
        // Anna can still answer.
        assert!(matches!(
            answer(&db, id, ANNA, true, start()).await.unwrap(),
            Answer::Approved(_)
        ));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_unknown_challenge_is_unknown(db: PgPool) {
        with_accounts(&db).await;
        assert_eq!(
            answer(&db, Uuid::new_v4(), ANNA, true, start())
                .await
                .unwrap(),
            Answer::Unknown
        );
        assert_eq!(get(&db, Uuid::new_v4(), start()).await.unwrap(), None);
    }
}
