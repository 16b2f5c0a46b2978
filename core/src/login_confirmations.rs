//! Confirming a login elsewhere: a portal asks «это вы входите?», the
//! practitioner answers in the chat by picking the number the portal shows.
//!
//! Owns the table `login_challenges`. The rules:
//! - a challenge and its push are created in one transaction (the outbox),
//!   for the API client that asked, which alone may read it back;
//! - a practitioner has at most one pending challenge: a second one is
//!   refused, not put in place of the first (an attacker could otherwise
//!   keep replacing the question until a tired practitioner approves);
//! - number matching: the portal shows two digits, the push offers three;
//!   only the right one approves (`login_approved`), so a practitioner who
//!   is not in front of that portal cannot approve it by reflex. A wrong
//!   one denies it and is recorded (`login_number_mismatch`);
//! - it can be answered once, only by its practitioner, and not after it
//!   expired; expiry is derived from the clock, never stored;
//! - «Это не я» blocks the login and records an incident (`login_denied`);
//! - an answer from anyone else is refused and recorded
//!   (`login_answer_refused`): callback data is user input;
//! - the IP address is personal data: sealed, and dropped when the
//!   challenge is closed (its time over, see [`next_to_close`]).

use chrono::{DateTime, Duration, Utc};
use rand::seq::SliceRandom as _;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::UserId;
use crate::crypto::{RowKey, Vault};
use crate::outbox::{self, Notification, Payload, Push};
use crate::security_events::{self, Kind};

/// How long a practitioner has to answer when the portal does not say.
pub const DEFAULT_TTL_SECONDS: i64 = 120;

/// The Vault's name for the sealed IP address.
pub const IP_FIELD: &str = "login_challenges.ip";

/// The numbers matched: two digits, so one glance compares them.
pub const MATCH_NUMBERS: std::ops::RangeInclusive<u8> = 10..=99;

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
    pub telegram_user_id: UserId,
    pub device: String,
    pub place: String,
    /// The number the portal shows and the practitioner must pick.
    pub match_number: u8,
    /// As of the moment it was read.
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// What became of a request to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    Created(Challenge),
    /// The practitioner has a pending challenge: nothing was created.
    AlreadyPending,
}

/// What the practitioner pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// One of the numbers offered.
    Number(u8),
    /// «Это не я».
    NotMe,
}

/// What became of a press on the push's buttons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The right number: approved, recorded.
    Approved(Challenge),
    /// «Это не я»: blocked, and an incident recorded.
    Denied(Challenge),
    /// A wrong number: blocked, recorded.
    Mismatch(Challenge),
    /// Answered before; the challenge says how (its status).
    AlreadyAnswered(Challenge),
    /// Not answered in time; nothing changed.
    Expired(Challenge),
    /// Pressed by someone other than its practitioner: refused, recorded.
    NotYours,
    /// No such challenge (forged, or erased with its account).
    Unknown,
}

/// The three numbers the push offers: the right one and two distinct
/// decoys, in a random order.
pub fn choices(match_number: u8) -> [u8; 3] {
    let mut numbers = vec![match_number];
    while numbers.len() < 3 {
        let decoy = rand::random_range(MATCH_NUMBERS);
        if !numbers.contains(&decoy) {
            numbers.push(decoy);
        }
    }
    numbers.shuffle(&mut rand::rng());
    [numbers[0], numbers[1], numbers[2]]
}

/// Creates a challenge for an active practitioner's account on behalf of
/// an API client and, in the same transaction, the urgent push that asks
/// them; unless a pending one exists.
pub async fn create(
    db: &PgPool,
    vault: &Vault,
    api_client_id: i64,
    user_id: UserId,
    attempt: &LoginAttempt,
    now: DateTime<Utc>,
) -> Result<Created, sqlx::Error> {
    let challenge = Challenge {
        id: Uuid::new_v4(),
        telegram_user_id: user_id,
        device: attempt.device.clone(),
        place: attempt.place.clone(),
        match_number: rand::random_range(MATCH_NUMBERS),
        status: Status::Pending,
        created_at: now,
        expires_at: now + attempt.ttl,
        answered_at: None,
    };
    let mut tx = db.begin().await?;
    // Two requests at once for one practitioner: the second waits for the
    // first to commit, then sees it. (A hash collision of two users only
    // makes them wait for each other.)
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('login_challenges:' || $1::text, 0))",
        user_id.to_string(),
    )
    .execute(&mut *tx)
    .await?;
    let pending = sqlx::query_scalar!(
        r#"
        SELECT EXISTS (
            SELECT 1 FROM login_challenges
            WHERE telegram_user_id = $1 AND status = 'pending' AND expires_at > $2
        ) AS "pending!"
        "#,
        user_id.get(),
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    if pending {
        return Ok(Created::AlreadyPending);
    }
    sqlx::query!(
        r#"
        INSERT INTO login_challenges
            (id, telegram_user_id, api_client_id, device, place, ip, match_number, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        "#,
        challenge.id,
        user_id.get(),
        api_client_id,
        attempt.device,
        attempt.place,
        vault.seal_str(IP_FIELD, &RowKey::uuid(challenge.id), &attempt.ip),
        i16::from(challenge.match_number),
        challenge.created_at,
        challenge.expires_at,
    )
    .execute(&mut *tx)
    .await?;
    // A practitioner's chat with the bot is private: its id is theirs. The
    // push names the time, the device and the place. The IP address is
    // deliberately not among them: the push shows on a locked screen, and
    // an address says nothing a person can check at a glance, while device
    // and approximate place do. Nor is the match number: the push offers it
    // among decoys, and only the portal shows which it is.
    let push = Notification::new(
        user_id.private_chat(),
        outbox::Kind::LoginConfirmation,
        Payload {
            login_challenge: Some(challenge.id),
            ..Payload::new(Push::LoginAttempt {
                time: now,
                device: attempt.device.clone(),
                place: attempt.place.clone(),
            })
        },
    );
    outbox::enqueue(&mut tx, &push, now).await?;
    tx.commit().await?;
    Ok(Created::Created(challenge))
}

/// A challenge as of `now` (pending past its expiry reads as expired), if
/// it exists and `api_client_id` made it: another client's reads as none.
pub async fn get(
    db: &PgPool,
    id: Uuid,
    api_client_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Challenge>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, telegram_user_id AS "telegram_user_id: UserId", device, place, match_number, status, created_at,
               expires_at, answered_at
        FROM login_challenges WHERE id = $1 AND api_client_id = $2
        "#,
        id,
        api_client_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Challenge {
        id: row.id,
        telegram_user_id: row.telegram_user_id,
        device: row.device,
        place: row.place,
        match_number: number(row.match_number),
        status: Status::derive(&row.status, row.expires_at, now),
        created_at: row.created_at,
        expires_at: row.expires_at,
        answered_at: row.answered_at,
    }))
}

/// The CHECK constraint keeps it within two digits.
fn number(stored: i16) -> u8 {
    u8::try_from(stored).unwrap_or(0)
}

/// The number to offer, if the challenge's push should still go out: it is
/// pending and not expired. For delivery, in its transaction: the row is
/// locked until the push is sent and recorded ([`push_sent`]), so an
/// answer on another messenger waits for it and then closes it too. (Not a
/// share lock: the pushes to two messengers would each wait for the
/// other's to record, a deadlock; they go one after the other instead.)
pub async fn deliverable(
    tx: &mut PgConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<u8>, sqlx::Error> {
    let stored = sqlx::query_scalar!(
        r#"
        SELECT match_number FROM login_challenges
        WHERE id = $1 AND status = 'pending' AND expires_at > $2
        FOR NO KEY UPDATE
        "#,
        id,
        now,
    )
    .fetch_optional(tx)
    .await?;
    Ok(stored.map(number))
}

/// Records a message a messenger made of the push (`telegram:<chat>:<id>`
/// or `max:<chat>:<mid>`, as the bot stores messages), so that an answer
/// on one messenger closes the others' and expiry removes every push's
/// buttons. In delivery's transaction.
pub async fn push_sent(tx: &mut PgConnection, id: Uuid, message: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE login_challenges SET push_messages = array_append(push_messages, $2) WHERE id = $1",
        id,
        message,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The messages made of a challenge's push so far, on every messenger.
pub async fn pushes(db: &PgPool, id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    let pushes = sqlx::query_scalar!(
        "SELECT push_messages FROM login_challenges WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(pushes.unwrap_or_default())
}

/// A challenge whose time is over and which is not closed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToClose {
    pub id: Uuid,
    pub telegram_user_id: UserId,
    pub device: String,
    pub place: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Never answered: its push (if sent) still has its buttons.
    pub unanswered: bool,
    /// Every message made of its push ([`push_sent`]).
    pub push_messages: Vec<String>,
}

/// Locks the next challenge past its expiry that is not closed yet, other
/// than those in `skip` (left for a later round), for the expiry job:
/// `FOR UPDATE SKIP LOCKED`, so instances share the work. Close it with
/// [`close`] in the same transaction.
pub async fn next_to_close(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    skip: &[Uuid],
) -> Result<Option<ToClose>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, telegram_user_id AS "telegram_user_id: UserId", device, place, created_at,
               expires_at, status, push_messages
        FROM login_challenges
        WHERE closed_at IS NULL AND expires_at <= $1 AND id <> ALL($2)
        ORDER BY expires_at
        LIMIT 1
        FOR UPDATE SKIP LOCKED
        "#,
        now,
        skip,
    )
    .fetch_optional(tx)
    .await?;
    Ok(row.map(|row| ToClose {
        id: row.id,
        telegram_user_id: row.telegram_user_id,
        device: row.device,
        place: row.place,
        created_at: row.created_at,
        expires_at: row.expires_at,
        unanswered: row.status == "pending",
        push_messages: row.push_messages,
    }))
}

/// Closes a challenge: its IP address is dropped, nothing more is done
/// about it.
pub async fn close(tx: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE login_challenges SET closed_at = $2, ip = NULL WHERE id = $1",
        id,
        now,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The answer `presser` gave with a button.
pub async fn answer(
    db: &PgPool,
    id: Uuid,
    presser: UserId,
    response: Response,
    now: DateTime<Utc>,
) -> Result<Answer, sqlx::Error> {
    let mut tx = db.begin().await?;
    // Serialises a double tap: the second press sees the first's answer.
    let row = sqlx::query!(
        r#"
        SELECT id, telegram_user_id AS "telegram_user_id: UserId", device, place, match_number, status, created_at,
               expires_at, answered_at
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
        match_number: number(row.match_number),
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
    let (status, event) = match response {
        Response::Number(picked) if picked == challenge.match_number => {
            (Status::Approved, Kind::LoginApproved)
        }
        Response::Number(_) => (Status::Denied, Kind::LoginNumberMismatch),
        Response::NotMe => (Status::Denied, Kind::LoginDenied),
    };
    sqlx::query!(
        "UPDATE login_challenges SET status = $2, answered_at = $3 WHERE id = $1",
        id,
        status.as_str(),
        now,
    )
    .execute(&mut *tx)
    .await?;
    security_events::record(&mut tx, presser, event, json!({ "challenge": id }), now).await?;
    tx.commit().await?;
    challenge.status = status;
    challenge.answered_at = Some(now);
    Ok(match event {
        Kind::LoginApproved => Answer::Approved(challenge),
        Kind::LoginNumberMismatch => Answer::Mismatch(challenge),
        _ => Answer::Denied(challenge),
    })
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
    use crate::{DataKey, accounts, api_clients};

    const ANNA: UserId = UserId::from_stored(1001);
    const BORIS: UserId = UserId::from_stored(1002);

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

    struct Fixture {
        db: PgPool,
        vault: Vault,
        portal: i64,
    }

    impl Fixture {
        async fn new(db: PgPool) -> Fixture {
            for id in [ANNA, BORIS] {
                accounts::open(&db, id, start()).await.unwrap();
            }
            let (portal, _) = api_clients::add(&db, "portal", None, start())
                .await
                .unwrap();
            Fixture {
                db,
                vault: Vault::new(&DataKey::generate()),
                portal: portal.id,
            }
        }

        async fn create(&self, user: UserId, now: DateTime<Utc>) -> Challenge {
            match create(&self.db, &self.vault, self.portal, user, &attempt(), now)
                .await
                .unwrap()
            {
                Created::Created(challenge) => challenge,
                Created::AlreadyPending => panic!("created"),
            }
        }

        async fn get(&self, id: Uuid, now: DateTime<Utc>) -> Option<Challenge> {
            get(&self.db, id, self.portal, now).await.unwrap()
        }
    }

    fn wrong(challenge: &Challenge) -> u8 {
        if challenge.match_number == 99 {
            10
        } else {
            challenge.match_number + 1
        }
    }

    #[test]
    fn the_choices_are_the_number_and_two_distinct_decoys() {
        for _ in 0..1000 {
            let number = rand::random_range(MATCH_NUMBERS);
            let offered = choices(number);
            assert!(offered.contains(&number));
            assert!(offered.iter().all(|n| MATCH_NUMBERS.contains(n)));
            assert!(
                offered[0] != offered[1] && offered[1] != offered[2] && offered[0] != offered[2]
            );
        }
        // Shuffled: the right one is not always in the same place.
        let places: std::collections::BTreeSet<usize> = (0..200)
            .map(|_| choices(42).iter().position(|n| *n == 42).unwrap())
            .collect();
        assert_eq!(places.len(), 3);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_challenge_and_its_push_are_created_together(db: PgPool) {
        let f = Fixture::new(db).await;
        let challenge = f.create(ANNA, start()).await;
        assert_eq!(challenge.status, Status::Pending);
        assert_eq!(challenge.expires_at, start() + Duration::minutes(2));
        assert!(MATCH_NUMBERS.contains(&challenge.match_number));

        let rows = outbox::for_chat(&f.db, ANNA.private_chat()).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].priority, outbox::Priority::Urgent);
        let payload: Payload = serde_json::from_value(rows[0].payload.clone()).unwrap();
        assert_eq!(payload.login_challenge, Some(challenge.id));
        assert!(matches!(payload.push, Push::LoginAttempt { time, .. } if time == start()));
        // The time waits for delivery, to be shown in the recipient's zone.
        assert_eq!(
            crate::dates::read_moment_arg(&rows[0].payload["args"]["time"]),
            Some((start(), crate::dates::Shown::Time))
        );
        assert!(
            !rows[0].payload.to_string().contains("203.0.113.7"),
            "no IP in the push"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_ip_is_sealed_and_dropped_when_closed(db: PgPool) {
        let f = Fixture::new(db).await;
        let id = f.create(ANNA, start()).await.id;
        let row: String = sqlx::query_scalar("SELECT row_to_json(c)::text FROM login_challenges c")
            .fetch_one(&f.db)
            .await
            .unwrap();
        assert!(!row.contains("203.0.113.7"), "{row}");
        let sealed: Vec<u8> = sqlx::query_scalar("SELECT ip FROM login_challenges")
            .fetch_one(&f.db)
            .await
            .unwrap();
        assert_eq!(
            f.vault
                .open_str(IP_FIELD, &RowKey::uuid(id), &sealed)
                .unwrap(),
            "203.0.113.7"
        );
        // Bound to its row: under another challenge's id it does not open.
        assert!(
            f.vault
                .open_str(IP_FIELD, &RowKey::uuid(Uuid::new_v4()), &sealed)
                .is_err()
        );

        let mut tx = f.db.begin().await.unwrap();
        assert_eq!(
            next_to_close(&mut tx, start(), &[]).await.unwrap(),
            None,
            "not yet"
        );
        let at_expiry = start() + Duration::seconds(DEFAULT_TTL_SECONDS);
        let due = next_to_close(&mut tx, at_expiry, &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(due.id, id);
        assert!(due.unanswered);
        close(&mut tx, id, at_expiry).await.unwrap();
        assert_eq!(
            next_to_close(&mut tx, at_expiry, &[]).await.unwrap(),
            None,
            "closed once"
        );
        tx.commit().await.unwrap();
        let ip: Option<Vec<u8>> = sqlx::query_scalar("SELECT ip FROM login_challenges")
            .fetch_one(&f.db)
            .await
            .unwrap();
        assert_eq!(ip, None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn one_pending_challenge_at_a_time(db: PgPool) {
        let f = Fixture::new(db).await;
        let first = f.create(ANNA, start()).await;
        let second = create(&f.db, &f.vault, f.portal, ANNA, &attempt(), start())
            .await
            .unwrap();
        assert_eq!(second, Created::AlreadyPending);
        assert_eq!(
            outbox::for_chat(&f.db, ANNA.private_chat())
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            f.get(first.id, start()).await.unwrap().status,
            Status::Pending,
            "kept"
        );
        // Another practitioner is not held up, and once the first is over
        // Anna can be asked again.
        f.create(BORIS, start()).await;
        f.create(ANNA, first.expires_at).await;
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn another_clients_challenge_reads_as_none(db: PgPool) {
        let f = Fixture::new(db).await;
        let id = f.create(ANNA, start()).await.id;
        let (other, _) = api_clients::add(&f.db, "other", None, start())
            .await
            .unwrap();
        assert_eq!(get(&f.db, id, other.id, start()).await.unwrap(), None);
        assert!(f.get(id, start()).await.is_some());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn no_challenge_without_an_account_and_no_push_either(db: PgPool) {
        let f = Fixture::new(db).await;
        assert!(
            create(
                &f.db,
                &f.vault,
                f.portal,
                UserId::from_stored(4242),
                &attempt(),
                start()
            )
            .await
            .is_err()
        );
        assert!(outbox::for_chat(&f.db, 4242).await.unwrap().is_empty());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_right_number_approves_once_then_already_answered(db: PgPool) {
        let f = Fixture::new(db).await;
        let challenge = f.create(ANNA, start()).await;
        let id = challenge.id;
        let now = start() + Duration::seconds(30);

        let right = Response::Number(challenge.match_number);
        let Answer::Approved(approved) = answer(&f.db, id, ANNA, right, now).await.unwrap() else {
            panic!("approved");
        };
        assert_eq!(approved.answered_at, Some(now));

        // A second press, even the other button, changes nothing.
        let Answer::AlreadyAnswered(again) =
            answer(&f.db, id, ANNA, Response::NotMe, now).await.unwrap()
        else {
            panic!("already answered");
        };
        assert_eq!(again.status, Status::Approved);
        let got = f.get(id, now + Duration::hours(1)).await.unwrap();
        assert_eq!(got.status, Status::Approved, "an answer never expires");
        assert_eq!(
            security_events::kinds_for(&f.db, ANNA).await.unwrap(),
            ["login_approved"]
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_wrong_number_denies_and_is_recorded(db: PgPool) {
        let f = Fixture::new(db).await;
        let challenge = f.create(ANNA, start()).await;

        let outcome = answer(
            &f.db,
            challenge.id,
            ANNA,
            Response::Number(wrong(&challenge)),
            start(),
        )
        .await
        .unwrap();

        assert!(matches!(outcome, Answer::Mismatch(ref c) if c.status == Status::Denied));
        assert_eq!(
            f.get(challenge.id, start()).await.unwrap().status,
            Status::Denied
        );
        assert_eq!(
            security_events::kinds_for(&f.db, ANNA).await.unwrap(),
            ["login_number_mismatch"]
        );
        // The right number after a wrong one does not approve.
        let late = answer(
            &f.db,
            challenge.id,
            ANNA,
            Response::Number(challenge.match_number),
            start(),
        )
        .await
        .unwrap();
        assert!(matches!(late, Answer::AlreadyAnswered(ref c) if c.status == Status::Denied));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn deny_records_an_incident(db: PgPool) {
        let f = Fixture::new(db).await;
        let id = f.create(ANNA, start()).await.id;

        let outcome = answer(&f.db, id, ANNA, Response::NotMe, start())
            .await
            .unwrap();

        assert!(matches!(outcome, Answer::Denied(ref c) if c.status == Status::Denied));
        assert_eq!(
            security_events::kinds_for(&f.db, ANNA).await.unwrap(),
            ["login_denied"]
        );
        assert_eq!(f.get(id, start()).await.unwrap().status, Status::Denied);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn expiry_is_derived_and_an_expired_challenge_takes_no_answer(db: PgPool) {
        let f = Fixture::new(db).await;
        let challenge = f.create(ANNA, start()).await;
        let id = challenge.id;
        let just_before = start() + Duration::seconds(DEFAULT_TTL_SECONDS - 1);
        let at_expiry = start() + Duration::seconds(DEFAULT_TTL_SECONDS);

        assert_eq!(
            f.get(id, just_before).await.unwrap().status,
            Status::Pending
        );
        assert_eq!(f.get(id, at_expiry).await.unwrap().status, Status::Expired);
        let mut tx = f.db.begin().await.unwrap();
        assert!(
            deliverable(&mut tx, id, just_before)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            deliverable(&mut tx, id, at_expiry).await.unwrap(),
            None,
            "not sent late"
        );
        drop(tx);
        let right = Response::Number(challenge.match_number);
        let outcome = answer(&f.db, id, ANNA, right, at_expiry).await.unwrap();
        assert!(matches!(outcome, Answer::Expired(_)), "{outcome:?}");
        let stored = f.get(id, start()).await.unwrap();
        assert_eq!(stored.status, Status::Pending, "nothing was stored");
        assert_eq!(stored.answered_at, None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn someone_elses_press_is_refused_and_recorded(db: PgPool) {
        let f = Fixture::new(db).await;
        let challenge = f.create(ANNA, start()).await;
        let id = challenge.id;
        let right = Response::Number(challenge.match_number);

        assert_eq!(
            answer(&f.db, id, BORIS, right, start()).await.unwrap(),
            Answer::NotYours
        );

        assert_eq!(f.get(id, start()).await.unwrap().status, Status::Pending);
        assert_eq!(
            security_events::kinds_for(&f.db, BORIS).await.unwrap(),
            ["login_answer_refused"]
        );
        // Anna can still answer.
        assert!(matches!(
            answer(&f.db, id, ANNA, right, start()).await.unwrap(),
            Answer::Approved(_)
        ));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_unknown_challenge_is_unknown(db: PgPool) {
        let f = Fixture::new(db).await;
        assert_eq!(
            answer(&f.db, Uuid::new_v4(), ANNA, Response::NotMe, start())
                .await
                .unwrap(),
            Answer::Unknown
        );
        assert_eq!(f.get(Uuid::new_v4(), start()).await, None);
    }
}
