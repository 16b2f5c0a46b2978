//! How long records are kept, and the job that deletes them after.
//!
//! Personal data is kept no longer than its purpose needs (152-ФЗ, ст. 5).
//! Each period here is that purpose's:
//!
//! - processed update ids ([`UPDATE_CLAIMS`], 7 days): they only stop a
//!   redelivered update from being applied twice, and Telegram redelivers
//!   within hours of a crash, never a week later; the inbox's handled
//!   updates are the same ids (their bodies went when handled), and an
//!   update set aside as poison ([`INBOX_POISON`], 7 days, sealed) is kept
//!   that long for an engineer to read;
//! - personal notifications sent or failed ([`SETTLED_NOTIFICATIONS`], 30
//!   days): a record of what went out, for a user's complaint or a bug
//!   report within the month; a broadcast's rows ([`BROADCAST_ROWS`], 1
//!   year) are who was told of a notice or an inspection, which a
//!   cancellation months later and the operators' progress read;
//! - dedup keys ([`DEDUP_KEYS`], 400 days, in `outbox_dedup`): a reminder's
//!   key must outlive its longest threshold (the accreditation window, 12
//!   months before the date) or it would be sent again;
//! - login challenges ([`LOGIN_CHALLENGES`], 30 days after expiry): the
//!   portal reads the answer within minutes; a month covers the enquiry of
//!   a practitioner who did not recognise a login;
//! - the security log ([`SECURITY_LOG`], 1 year): locks, denied logins,
//!   forged buttons and erasures are investigated over months (an incident
//!   is often found long after), and a year is the usual period for access
//!   logs of personal-data systems (ФСТЭК order № 21 asks for at least
//!   three months); it holds no personal field, and a forgotten person's
//!   entries are under a pseudonym.
//!
//! - schedule slots ([`SCHEDULE_SLOTS`], 1 year after they ended): the
//!   practitioner's own look back at last year's duties and a dispute over
//!   hours worked are settled within it; their versions stay in the
//!   history, erased with the account.
//!
//! - closed referrals ([`CLOSED_REFERRALS`], 180 days after their last
//!   change: accepted, declined, cancelled or expired), with their file and
//!   their versions: the chat's copy is a working note between two
//!   practitioners about a patient the clinics' own systems hold the record
//!   of; after an answer it serves the sender's follow-up (did the patient
//!   get there — a planned hospitalisation or high-tech care may wait a few
//!   months) and a question about who answered what, both settled within
//!   half a year; health data kept no longer (the reads stay in the
//!   security log and the operators' audit, without the content). A
//!   referral still waiting is not purged: it expires first;
//! - files attached to a referral never sent ([`UNSENT_REFERRAL_FILES`], 7
//!   days after they were attached): a form left for a week is abandoned,
//!   and a patient's scan must not wait in it indefinitely; the draft's
//!   answers stay, and the form says the file is gone.
//! - counts of СНИЛС typed (`snils_tries`, under a pseudonym): once their
//!   hour is over;
//! - link codes of a second messenger: deleted once expired (they live
//!   [`crate::channels::LINK_CODE_LIFETIME`]); an expired code opens nothing.
//!
//! The consent record is kept for as long as the law may ask for proof of
//! consent, and is not purged here.
//!
//! [`run`] deletes in batches (each its own short statement, so a large
//! backlog neither holds locks long nor blocks the bot), called by the
//! bot's scheduler under its advisory lock; the deletes are idempotent,
//! so two instances running them at once would only share the work.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::{login_confirmations, outbox, security_events, updates};

pub const UPDATE_CLAIMS: Duration = Duration::days(7);
pub const INBOX_POISON: Duration = Duration::days(7);
pub const SETTLED_NOTIFICATIONS: Duration = Duration::days(30);
pub const BROADCAST_ROWS: Duration = Duration::days(365);
pub const DEDUP_KEYS: Duration = Duration::days(400);
pub const LOGIN_CHALLENGES: Duration = Duration::days(30);
pub const SECURITY_LOG: Duration = Duration::days(365);
pub const SCHEDULE_SLOTS: Duration = Duration::days(365);
pub const CLOSED_REFERRALS: Duration = Duration::days(180);
pub const UNSENT_REFERRAL_FILES: Duration = Duration::days(7);

/// Rows deleted by one statement.
pub const BATCH: i64 = 1000;

/// What one [`run`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub update_claims: u64,
    pub inbox: u64,
    pub notifications: u64,
    pub broadcast_rows: u64,
    pub dedup_keys: u64,
    pub login_challenges: u64,
    pub security_events: u64,
    pub schedule_slots: u64,
    pub referrals: u64,
    pub referral_files: u64,
    pub link_codes: u64,
    pub snils_tries: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.update_claims
            + self.inbox
            + self.notifications
            + self.broadcast_rows
            + self.dedup_keys
            + self.login_challenges
            + self.security_events
            + self.schedule_slots
            + self.referrals
            + self.referral_files
            + self.link_codes
            + self.snils_tries
    }
}

/// Deletes everything past its period as of `now`, batch by batch.
pub async fn run(db: &PgPool, now: DateTime<Utc>) -> Result<Purged, sqlx::Error> {
    Ok(Purged {
        update_claims: batched(|| updates::purge(db, now - UPDATE_CLAIMS, BATCH)).await?,
        inbox: batched(|| crate::inbox::purge(db, now - UPDATE_CLAIMS, now - INBOX_POISON, BATCH))
            .await?,
        notifications: batched(|| outbox::purge_settled(db, now - SETTLED_NOTIFICATIONS, BATCH))
            .await?,
        broadcast_rows: batched(|| outbox::purge_broadcast_rows(db, now - BROADCAST_ROWS, BATCH))
            .await?,
        dedup_keys: batched(|| outbox::purge_dedup_keys(db, now - DEDUP_KEYS, BATCH)).await?,
        login_challenges: batched(|| login_confirmations::purge(db, now - LOGIN_CHALLENGES, BATCH))
            .await?,
        security_events: batched(|| security_events::purge(db, now - SECURITY_LOG, BATCH)).await?,
        schedule_slots: batched(|| {
            crate::schedule::store::purge_ended(db, now - SCHEDULE_SLOTS, BATCH)
        })
        .await?,
        referrals: batched(|| {
            crate::referrals::store::purge_closed(db, now - CLOSED_REFERRALS, BATCH)
        })
        .await?,
        referral_files: batched(|| {
            crate::referrals::files::purge_unsent(db, now - UNSENT_REFERRAL_FILES, BATCH)
        })
        .await?,
        link_codes: batched(|| crate::channels::purge_expired_codes(db, now, BATCH)).await?,
        snils_tries: batched(|| {
            crate::accounts::purge_snils_tries(db, now - crate::accounts::snils_window(), BATCH)
        })
        .await?,
    })
}

/// Runs `purge` until a batch comes back short.
async fn batched<F, Fut>(purge: F) -> Result<u64, sqlx::Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<u64, sqlx::Error>>,
{
    let mut total = 0;
    loop {
        let purged = purge().await?;
        total += purged;
        if purged < BATCH as u64 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// A second either side of each period's end.
    fn around(period: Duration) -> (DateTime<Utc>, DateTime<Utc>) {
        let edge = now() - period;
        (edge - Duration::seconds(1), edge + Duration::seconds(1))
    }

    async fn count(db: &PgPool, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn update_claims_go_after_seven_days(db: PgPool) {
        let (old, young) = around(UPDATE_CLAIMS);
        for (id, at) in [(1_i64, old), (2, young)] {
            sqlx::query("INSERT INTO processed_updates (update_id, chat_id, processed_at) VALUES ($1, 5, $2)")
                .bind(id)
                .bind(at)
                .execute(&db)
                .await
                .unwrap();
        }
        let purged = run(&db, now()).await.unwrap();
        assert_eq!(purged.update_claims, 1);
        let left: Vec<i64> = sqlx::query_scalar("SELECT update_id FROM processed_updates")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(left, [2]);
    }

    fn notification() -> outbox::Notification {
        let payload = outbox::Payload::new(outbox::Push::FactorResetApplied {});
        outbox::Notification::new(5, outbox::Kind::DocumentExpiring, payload)
    }

    async fn settled_row(db: &PgPool, at: DateTime<Utc>, broadcast: Option<i64>, key: &str) {
        let mut tx = db.begin().await.unwrap();
        let mut notification = notification();
        notification.dedup_key = Some(key.to_owned());
        notification.broadcast_id = broadcast;
        let id = outbox::enqueue(&mut tx, &notification, at - Duration::minutes(1))
            .await
            .unwrap()
            .expect("a new row");
        sqlx::query("UPDATE outbox SET sent_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn personal_notifications_go_after_thirty_days_and_their_keys_stay(db: PgPool) {
        let (old, young) = around(SETTLED_NOTIFICATIONS);
        settled_row(&db, old, None, "document:1:30").await;
        settled_row(&db, young, None, "document:2:30").await;
        let purged = run(&db, now()).await.unwrap();
        assert_eq!(purged.notifications, 1);
        assert_eq!(count(&db, "SELECT count(*) FROM outbox").await, 1);
        // The old row's key is still remembered: it is not written again.
        let mut tx = db.begin().await.unwrap();
        let mut again = notification();
        again.dedup_key = Some("document:1:30".into());
        assert_eq!(outbox::enqueue(&mut tx, &again, now()).await.unwrap(), None);
        assert_eq!(
            outbox::enqueue_many(&mut tx, &[again], now())
                .await
                .unwrap(),
            0
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn dedup_keys_go_after_400_days_once_their_row_is_gone(db: PgPool) {
        let (old, young) = around(DEDUP_KEYS);
        for (key, at) in [("old", old), ("young", young)] {
            sqlx::query("INSERT INTO outbox_dedup (key, chat_id, created_at) VALUES ($1, 5, $2)")
                .bind(key)
                .bind(at)
                .execute(&db)
                .await
                .unwrap();
        }
        let purged = run(&db, now()).await.unwrap();
        assert_eq!(purged.dedup_keys, 1);
        let left: Vec<String> = sqlx::query_scalar("SELECT key FROM outbox_dedup")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(left, ["young"]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn broadcast_rows_stay_a_year(db: PgPool) {
        let broadcast: i64 = sqlx::query_scalar(
            "INSERT INTO broadcasts (kind, subject_id, created_at) \
             VALUES ('regulatory_notice', 1, $1) RETURNING id",
        )
        .bind(now())
        .fetch_one(&db)
        .await
        .unwrap();
        // Past the personal period, within the broadcast one: kept.
        let (_, month_young) = around(SETTLED_NOTIFICATIONS);
        settled_row(&db, month_young - Duration::days(2), Some(broadcast), "b:1").await;
        let (old, young) = around(BROADCAST_ROWS);
        settled_row(&db, old, Some(broadcast), "b:2").await;
        settled_row(&db, young, Some(broadcast), "b:3").await;
        let purged = run(&db, now()).await.unwrap();
        assert_eq!((purged.notifications, purged.broadcast_rows), (0, 1));
        assert_eq!(count(&db, "SELECT count(*) FROM outbox").await, 2);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn login_challenges_go_thirty_days_after_expiry(db: PgPool) {
        crate::accounts::open(&db, UserId::from_stored(5), now())
            .await
            .unwrap();
        let (old, young) = around(LOGIN_CHALLENGES);
        for expires in [old, young] {
            sqlx::query(
                "INSERT INTO login_challenges (id, telegram_user_id, device, place, ip, created_at, expires_at, match_number) \
                 VALUES ($1, 5, 'd', 'p', '203.0.113.7', $2, $3, 42)",
            )
            .bind(uuid::Uuid::new_v4())
            .bind(expires - Duration::minutes(2))
            .bind(expires)
            .execute(&db)
            .await
            .unwrap();
        }
        let purged = run(&db, now()).await.unwrap();
        assert_eq!(purged.login_challenges, 1);
        assert_eq!(count(&db, "SELECT count(*) FROM login_challenges").await, 1);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_security_log_keeps_a_year(db: PgPool) {
        let (old, young) = around(SECURITY_LOG);
        let mut conn = db.acquire().await.unwrap();
        for at in [old, young] {
            security_events::record(
                &mut conn,
                UserId::from_stored(5),
                security_events::Kind::CodeRejected,
                serde_json::json!({}),
                at,
            )
            .await
            .unwrap();
        }
        drop(conn);
        let purged = run(&db, now()).await.unwrap();
        assert_eq!(purged.security_events, 1);
        assert_eq!(count(&db, "SELECT count(*) FROM security_events").await, 1);
        // Nothing left to do: a second run deletes nothing.
        assert_eq!(run(&db, now()).await.unwrap().total(), 0);
    }
    /// A referral to an organisation closed (`status`, `decided_at`) or
    /// still waiting; what the rows hold beyond that does not matter here.
    async fn referral(
        db: &PgPool,
        status: &str,
        sent: DateTime<Utc>,
        decided: Option<DateTime<Utc>>,
    ) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO referrals (number, sender_organisation, receiver_kind, receiver_ogrn, \
                 receiver_organisation, urgency, care, reason, patient_ref, status, sent_at, \
                 expires_at, decided_at) \
             VALUES ('НП-' || nextval('referral_numbers'), 'ГП № 1', 'organisation', \
                 '1027700132195', 'ГКБ № 1', 'planned', 'consultation', '\\x00', '\\x00', $1, \
                 $2, $2 + interval '14 days', $3) RETURNING id",
        )
        .bind(status)
        .bind(sent)
        .bind(decided)
        .fetch_one(db)
        .await
        .unwrap()
    }

    async fn file_of(db: &PgPool, owner: Option<UserId>, referral: Option<i64>, at: DateTime<Utc>) {
        sqlx::query(
            "INSERT INTO referral_files (owner_id, referral_id, file_type, file_size, file_name, \
                 content, digest, created_at) \
             VALUES ($1, $2, 'pdf', 10, '\\x00', '\\x00', $3, $4)",
        )
        .bind(owner.map(UserId::get))
        .bind(referral)
        .bind(vec![7_u8; 32])
        .bind(at)
        .execute(db)
        .await
        .unwrap();
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn closed_referrals_go_half_a_year_after_their_last_change_with_file_and_versions(
        db: PgPool,
    ) {
        let (old, young) = around(CLOSED_REFERRALS);
        let long_ago = old - Duration::days(30);
        let declined = referral(&db, "declined", long_ago, Some(old)).await;
        let expired = referral(&db, "expired", long_ago, Some(old)).await;
        let accepted = referral(&db, "accepted", long_ago, Some(young)).await;
        // Sent long ago and never answered: it expires first, never purged
        // while it waits.
        let waiting = referral(&db, "sent", long_ago, None).await;
        file_of(&db, None, Some(declined), long_ago).await;
        file_of(&db, None, Some(accepted), long_ago).await;
        let vault = crate::crypto::Vault::new(&crate::DataKey::generate());
        let owner = UserId::from_stored(5);
        let mut tx = db.begin().await.unwrap();
        for id in [declined, accepted] {
            let snapshot = serde_json::json!({ "status": "sent" });
            let change = crate::history::Change {
                owner_id: owner,
                entity: crate::history::Entity::Referral,
                entity_id: id,
                actor: crate::history::Actor::System,
                action: crate::history::Action::Created,
                snapshot: &snapshot,
            };
            crate::history::record(&mut tx, &vault, change, long_ago)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let purged = run(&db, now()).await.unwrap();
        assert_eq!(purged.referrals, 2);
        let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM referrals ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(left, [accepted, waiting]);
        assert!(!left.contains(&expired));
        let files: Vec<i64> = sqlx::query_scalar("SELECT referral_id FROM referral_files")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(files, [accepted], "the file went with its referral");
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT entity_id FROM history WHERE entity = 'referral'")
                .fetch_all(&db)
                .await
                .unwrap();
        assert_eq!(versions, [accepted], "and so did its version");
        assert_eq!(run(&db, now()).await.unwrap().referrals, 0);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_file_of_a_referral_never_sent_goes_after_seven_days(db: PgPool) {
        let (old, young) = around(UNSENT_REFERRAL_FILES);
        for (id, at) in [(5, old), (6, young)] {
            let user = UserId::from_stored(id);
            crate::accounts::open(&db, user, now()).await.unwrap();
            file_of(&db, Some(user), None, at).await;
        }
        // A file sent long ago stays: its referral's period rules it.
        let sent = referral(&db, "sent", old - Duration::days(1), None).await;
        file_of(
            &db,
            Some(UserId::from_stored(5)),
            Some(sent),
            old - Duration::days(1),
        )
        .await;
        let purged = run(&db, now()).await.unwrap();
        assert_eq!(purged.referral_files, 1);
        let left: Vec<(Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT owner_id, referral_id FROM referral_files ORDER BY id")
                .fetch_all(&db)
                .await
                .unwrap();
        assert_eq!(left, [(Some(6), None), (Some(5), Some(sent))]);
    }
}
