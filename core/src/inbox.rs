//! The inbox: every update a messenger brings, stored before it is
//! acknowledged, and handled from here chat by chat by whichever instance
//! leases the chat.
//!
//! Owns the tables `inbox` and `inbox_leases`.
//!
//! - **Stored, then acknowledged.** A webhook answers 200 only after
//!   [`store`] committed the update; a poll asks for the next offset only
//!   after it committed the batch (one statement for the batch). A
//!   redelivery is stored once (unique by messenger and update id). A body
//!   that does not parse is kept as a poison row, not dropped.
//! - **One chat, one instance, in order.** A worker [`lease`]s chats that
//!   have updates waiting (one statement for many chats, returning their
//!   first updates), handles a chat's updates in arrival order, marks each
//!   handled ([`done`], which renews the lease), and gives the chat back
//!   when nothing is left ([`done_and_next`] does both in one round trip).
//!   A lease runs out if not renewed ([`renew`] while a slow handler runs),
//!   so a dead instance holds its chats for one lease at most; the next
//!   holder is told it took the lease over (`taken_over`).
//! - **Sealed, then cleared.** The body carries what people typed
//!   (a СНИЛС, a phone), so it is sealed under the data key, bound to the
//!   row's `seal_key`, and cleared once handled; handled rows keep only
//!   ids, for deduplication, until [`purge`].

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::channels::Messenger;
use crate::crypto::{CryptoError, RowKey, Vault};

/// The Vault field of `inbox.body`.
pub const BODY_FIELD: &str = "inbox.body";

/// The PostgreSQL channel [`store`] notifies, so that idle workers on
/// other instances wake; the payload is the storing instance's id.
pub const CHANNEL: &str = "medcab_inbox";

/// Takeovers an update survives: one that was being handled when its
/// instance died this many times is set aside as poison (it may be what
/// kills them).
pub const MAX_ATTEMPTS: i32 = 3;

/// One update as it arrived.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// `None` for a body that did not parse.
    pub update_id: Option<i64>,
    /// The chat whose order it keeps; 0 for none.
    pub chat_id: i64,
    pub body: Vec<u8>,
    /// Why it cannot be handled, when that is known on arrival.
    pub poison: Option<String>,
}

/// Stores `arrivals` (in their order) in one statement and wakes the other
/// instances' workers; returns how many were new (a redelivery is not).
pub async fn store(
    db: impl PgExecutor<'_>,
    vault: &Vault,
    messenger: Messenger,
    arrivals: &[Arrival],
    instance: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    if arrivals.is_empty() {
        return Ok(0);
    }
    let mut update_ids = Vec::with_capacity(arrivals.len());
    let mut chat_ids = Vec::with_capacity(arrivals.len());
    let mut seal_keys = Vec::with_capacity(arrivals.len());
    let mut bodies = Vec::with_capacity(arrivals.len());
    let mut poisons = Vec::with_capacity(arrivals.len());
    for arrival in arrivals {
        let seal_key = Uuid::new_v4();
        update_ids.push(arrival.update_id);
        chat_ids.push(arrival.chat_id);
        seal_keys.push(seal_key);
        bodies.push(vault.seal(BODY_FIELD, &RowKey::uuid(seal_key), &arrival.body));
        poisons.push(arrival.poison.clone());
    }
    let stored = sqlx::query_scalar!(
        r#"
        WITH stored AS (
            INSERT INTO inbox (messenger, update_id, chat_id, seal_key, body, received_at, poison)
            SELECT $1, u.update_id, u.chat_id, u.seal_key, u.body, $7, u.poison
            FROM UNNEST($2::BIGINT[], $3::BIGINT[], $4::UUID[], $5::BYTEA[], $6::TEXT[])
                WITH ORDINALITY AS u (update_id, chat_id, seal_key, body, poison, n)
            ORDER BY u.n
            ON CONFLICT (messenger, update_id) WHERE update_id IS NOT NULL DO NOTHING
            RETURNING 1
        ), woken AS (
            SELECT pg_notify($8, $9) FROM (SELECT 1 FROM stored LIMIT 1) AS any_stored
        )
        SELECT (SELECT count(*) FROM stored) + 0 * (SELECT count(*) FROM woken) AS "stored!"
        "#,
        messenger.as_str(),
        &update_ids as &[Option<i64>],
        &chat_ids,
        &seal_keys,
        &bodies,
        &poisons as &[Option<String>],
        now,
        CHANNEL,
        instance.to_string(),
    )
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(stored).unwrap_or(0))
}

/// An update waiting in a leased chat.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub id: i64,
    pub messenger: Messenger,
    pub chat_id: i64,
    pub update_id: Option<i64>,
    pub seal_key: Uuid,
    body: Option<Vec<u8>>,
    /// Takeovers it has been through before this one.
    pub attempts: i32,
    /// The lease of its chat was taken from an instance that stopped
    /// renewing it: the first update may have been half handled.
    pub taken_over: bool,
    /// The lease it is handled under: renewing and marking done check it,
    /// so a task of an earlier lease of the same instance cannot.
    lease: Uuid,
}

impl Waiting {
    /// The update as it arrived.
    pub fn body(&self, vault: &Vault) -> Result<Vec<u8>, CryptoError> {
        match &self.body {
            Some(sealed) => vault.open(BODY_FIELD, &RowKey::uuid(self.seal_key), sealed),
            None => Ok(Vec::new()),
        }
    }
}

/// A leased chat with its first waiting updates, in order.
#[derive(Debug, Clone)]
pub struct LeasedChat {
    pub messenger: Messenger,
    pub chat_id: i64,
    pub updates: Vec<Waiting>,
}

/// A lease's length as PostgreSQL reads it.
fn interval(holder: Holder) -> sqlx::postgres::types::PgInterval {
    sqlx::postgres::types::PgInterval {
        months: 0,
        days: 0,
        microseconds: holder.lease.num_microseconds().unwrap_or(15_000_000),
    }
}

/// How an instance holds chats: its id and how long a lease lasts
/// unrenewed. Leases run by the database's clock, never an instance's (or
/// a test's standing clock): instances whose clocks differ agree on when a
/// lease ran out.
#[derive(Debug, Clone, Copy)]
pub struct Holder {
    pub id: Uuid,
    pub lease: chrono::Duration,
}

/// Leases up to `chats` chats with updates waiting whose lease is free or
/// ran out, to `holder`, and returns each with its first `per_chat`
/// updates: one statement.
pub async fn lease(
    db: &PgPool,
    holder: Holder,
    chats: i64,
    per_chat: i64,
) -> Result<Vec<LeasedChat>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH waiting AS (
            SELECT DISTINCT messenger, chat_id FROM inbox
            WHERE handled_at IS NULL AND poison IS NULL
        ), free AS (
            SELECT w.messenger, w.chat_id,
                   (l.holder IS NOT NULL AND l.holder <> $1) AS taken_over
            FROM waiting w
            LEFT JOIN inbox_leases l ON l.messenger = w.messenger AND l.chat_id = w.chat_id
            WHERE l.holder IS NULL OR l.until < clock_timestamp()
            LIMIT $2
        ), leased AS (
            INSERT INTO inbox_leases (messenger, chat_id, holder, until, token)
            SELECT messenger, chat_id, $1, clock_timestamp() + $4, gen_random_uuid() FROM free
            ON CONFLICT (messenger, chat_id) DO UPDATE
                SET holder = EXCLUDED.holder, until = EXCLUDED.until, token = EXCLUDED.token
                WHERE inbox_leases.until < clock_timestamp()
            RETURNING messenger, chat_id, token
        )
        SELECT i.id AS "id!", l.messenger AS "messenger!", l.chat_id AS "chat_id!",
               i.update_id, i.seal_key AS "seal_key!", i.body, i.attempts AS "attempts!",
               f.taken_over AS "taken_over!", l.token AS "token!"
        FROM leased l
        JOIN free f ON f.messenger = l.messenger AND f.chat_id = l.chat_id
        CROSS JOIN LATERAL (
            SELECT id, update_id, seal_key, body, attempts FROM inbox
            WHERE messenger = l.messenger AND chat_id = l.chat_id
              AND handled_at IS NULL AND poison IS NULL
            ORDER BY id LIMIT $3
        ) i
        ORDER BY l.messenger, l.chat_id, i.id
        "#,
        holder.id,
        chats,
        per_chat,
        interval(holder),
    )
    .fetch_all(db)
    .await?;
    let mut leased: Vec<LeasedChat> = Vec::new();
    for row in rows {
        let Some(messenger) = Messenger::parse(&row.messenger) else {
            continue;
        };
        let waiting = Waiting {
            id: row.id,
            messenger,
            chat_id: row.chat_id,
            update_id: row.update_id,
            seal_key: row.seal_key,
            body: row.body,
            attempts: row.attempts,
            taken_over: row.taken_over,
            lease: row.token,
        };
        match leased.last_mut() {
            Some(chat) if chat.messenger == messenger && chat.chat_id == row.chat_id => {
                chat.updates.push(waiting);
            }
            _ => leased.push(LeasedChat {
                messenger,
                chat_id: row.chat_id,
                updates: vec![waiting],
            }),
        }
    }
    Ok(leased)
}

/// Marks `update` handled (its body cleared) and renews its chat's lease;
/// `false` when the lease `update` came with is over (it ran out and
/// another instance, or this one anew, took the chat): stop handling it.
pub async fn done(
    db: &PgPool,
    update: &Waiting,
    holder: Holder,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let renewed = sqlx::query!(
        r#"
        WITH handled AS (
            UPDATE inbox SET handled_at = $2, body = NULL WHERE id = $1 AND poison IS NULL
        )
        UPDATE inbox_leases SET until = clock_timestamp() + $3
        WHERE messenger = $4 AND chat_id = $5 AND token = $6
        "#,
        update.id,
        now,
        interval(holder),
        update.messenger.as_str(),
        update.chat_id,
        update.lease,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(renewed == 1)
}

/// [`done`] for the last update in hand, and in the same statement the
/// chat's next `per_chat` waiting updates; when there are none the lease
/// is given back (an update arriving just after wakes a worker, which
/// leases the chat again).
pub async fn done_and_next(
    db: &PgPool,
    update: &Waiting,
    holder: Holder,
    now: DateTime<Utc>,
    per_chat: i64,
) -> Result<Vec<Waiting>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH handled AS (
            UPDATE inbox SET handled_at = $2, body = NULL WHERE id = $1 AND poison IS NULL
        ), next AS (
            SELECT id, update_id, seal_key, body, attempts FROM inbox
            WHERE messenger = $4 AND chat_id = $5 AND id > $1
              AND handled_at IS NULL AND poison IS NULL
            ORDER BY id LIMIT $7
        ), renewed AS (
            UPDATE inbox_leases SET until = clock_timestamp() + $3
            WHERE messenger = $4 AND chat_id = $5 AND token = $6
              AND EXISTS (SELECT 1 FROM next)
            RETURNING 1
        ), given_back AS (
            DELETE FROM inbox_leases
            WHERE messenger = $4 AND chat_id = $5 AND token = $6
              AND NOT EXISTS (SELECT 1 FROM next)
            RETURNING 1
        )
        SELECT id AS "id!", update_id, seal_key AS "seal_key!", body, attempts AS "attempts!",
               (SELECT count(*) FROM renewed) + (SELECT count(*) FROM given_back) AS "held!"
        FROM next ORDER BY id
        "#,
        update.id,
        now,
        interval(holder),
        update.messenger.as_str(),
        update.chat_id,
        update.lease,
        per_chat,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        // The lease ran out and another instance has the chat: it goes on.
        .take_while(|row| row.held > 0)
        .map(|row| Waiting {
            id: row.id,
            messenger: update.messenger,
            chat_id: update.chat_id,
            update_id: row.update_id,
            seal_key: row.seal_key,
            body: row.body,
            attempts: row.attempts,
            taken_over: false,
            lease: update.lease,
        })
        .collect())
}

/// Keeps the lease `update` came with while it is handled slowly;
/// `false` when that lease is over.
pub async fn renew(db: &PgPool, update: &Waiting, holder: Holder) -> Result<bool, sqlx::Error> {
    let renewed = sqlx::query!(
        "UPDATE inbox_leases SET until = clock_timestamp() + $1 WHERE messenger = $2 AND chat_id = $3 AND token = $4",
        interval(holder),
        update.messenger.as_str(),
        update.chat_id,
        update.lease,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(renewed == 1)
}

/// Gives back every chat `holder` leases (an instance stopping): another
/// instance, or this one restarted, goes on at once instead of after the
/// lease.
pub async fn give_back_all(db: &PgPool, holder: Uuid) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("DELETE FROM inbox_leases WHERE holder = $1", holder)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Counts one more takeover of `update`; past [`MAX_ATTEMPTS`] it is set
/// aside as poison and `false` is returned: skip it.
pub async fn taken_over(db: &PgPool, update: &Waiting) -> Result<bool, sqlx::Error> {
    let attempts = sqlx::query_scalar!(
        r#"
        UPDATE inbox SET attempts = attempts + 1,
            poison = CASE WHEN attempts + 1 >= $2
                THEN 'its instance stopped while handling it, each time it was taken'
                ELSE poison END
        WHERE id = $1
        RETURNING attempts
        "#,
        update.id,
        MAX_ATTEMPTS,
    )
    .fetch_one(db)
    .await?;
    Ok(attempts < MAX_ATTEMPTS)
}

/// Forgets `update` (its handler failed and told the user): a messenger
/// sending it again is stored and handled anew, as its claim was given
/// back (`updates::release`).
pub async fn let_redeliver(db: &PgPool, update: &Waiting) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM inbox WHERE id = $1", update.id)
        .execute(db)
        .await?;
    Ok(())
}

/// Sets `update` aside as poison: it is kept, sealed, for an engineer to
/// read, and its chat goes on with the next one.
pub async fn set_aside(db: &PgPool, update: &Waiting, why: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE inbox SET poison = $2 WHERE id = $1", update.id, why)
        .execute(db)
        .await?;
    Ok(())
}

/// What waits on one messenger: how many updates, and since when the
/// oldest.
#[derive(Debug, Clone, PartialEq)]
pub struct Depth {
    pub messenger: Messenger,
    pub waiting: i64,
    pub oldest: Option<DateTime<Utc>>,
    pub poison: i64,
}

/// [`Depth`] of each messenger with anything waiting or set aside.
pub async fn depth(db: &PgPool) -> Result<Vec<Depth>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT messenger AS "messenger!",
               count(*) FILTER (WHERE poison IS NULL) AS "waiting!",
               min(received_at) FILTER (WHERE poison IS NULL) AS oldest,
               count(*) FILTER (WHERE poison IS NOT NULL) AS "poison!"
        FROM inbox WHERE handled_at IS NULL
        GROUP BY messenger
        "#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Depth {
                messenger: Messenger::parse(&row.messenger)?,
                waiting: row.waiting,
                oldest: row.oldest,
                poison: row.poison,
            })
        })
        .collect())
}

/// /forget: the updates of `messenger`'s chat go (they name the chat, and
/// a handled one keeps no more). Its lease is not touched: the /forget
/// being handled holds it, and gives it back when done (a lease row names
/// no more than the chat, for seconds).
pub async fn erase_chat(
    tx: &mut sqlx::PgConnection,
    messenger: crate::channels::Messenger,
    chat_id: i64,
) -> Result<u64, sqlx::Error> {
    let erased = sqlx::query!(
        "DELETE FROM inbox WHERE messenger = $1 AND chat_id = $2",
        messenger.as_str(),
        chat_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(erased)
}

/// Retention: deletes up to `batch` updates handled before `handled`, or
/// set aside before `poisoned`; returns how many.
pub async fn purge(
    db: &PgPool,
    handled: DateTime<Utc>,
    poisoned: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM inbox WHERE id IN (
            SELECT id FROM inbox WHERE handled_at < $1
            UNION ALL
            SELECT id FROM inbox WHERE handled_at IS NULL AND poison IS NOT NULL AND received_at < $2
            LIMIT $3
        )
        "#,
        handled,
        poisoned,
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
    use crate::data_key::DataKey;

    const TG: Messenger = Messenger::Telegram;

    fn vault() -> Vault {
        Vault::new(&DataKey::generate())
    }

    fn holder() -> Holder {
        Holder {
            id: Uuid::new_v4(),
            lease: chrono::Duration::seconds(30),
        }
    }

    fn arrival(update_id: i64, chat_id: i64) -> Arrival {
        Arrival {
            update_id: Some(update_id),
            chat_id,
            body: format!("{{\"update_id\":{update_id}}}").into_bytes(),
            poison: None,
        }
    }

    fn ids(chat: &LeasedChat) -> Vec<Option<i64>> {
        chat.updates.iter().map(|u| u.update_id).collect()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_redelivery_is_stored_once_and_bodies_are_sealed(db: PgPool) {
        let vault = vault();
        let now = Utc::now();
        let me = Uuid::new_v4();
        let batch = [arrival(1, 10), arrival(2, 10)];
        assert_eq!(store(&db, &vault, TG, &batch, me, now).await.unwrap(), 2);
        assert_eq!(store(&db, &vault, TG, &batch, me, now).await.unwrap(), 0);
        // The same id on the other messenger is another update.
        assert_eq!(
            store(&db, &vault, Messenger::Max, &batch[..1], me, now)
                .await
                .unwrap(),
            1
        );
        let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM inbox")
            .fetch_all(&db)
            .await
            .unwrap();
        assert!(
            raw.iter()
                .all(|body| !String::from_utf8_lossy(body).contains("update_id"))
        );
        let chats = lease(&db, holder(), 10, 10).await.unwrap();
        let telegram = chats.iter().find(|c| c.messenger == TG).unwrap();
        assert_eq!(
            telegram.updates[0].body(&vault).unwrap(),
            b"{\"update_id\":1}"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_chat_is_leased_to_one_holder_in_order_until_given_back(db: PgPool) {
        let vault = vault();
        let now = Utc::now();
        let me = Uuid::new_v4();
        store(
            &db,
            &vault,
            TG,
            &[arrival(5, 10), arrival(3, 20), arrival(6, 10)],
            me,
            now,
        )
        .await
        .unwrap();
        let (first, second) = (holder(), holder());
        let chats = lease(&db, first, 10, 10).await.unwrap();
        assert_eq!(chats.len(), 2);
        assert_eq!(ids(&chats[0]), [Some(5), Some(6)]);
        assert!(!chats[0].updates[0].taken_over);
        // Held: nobody else gets these chats.
        assert!(lease(&db, second, 10, 10).await.unwrap().is_empty());

        let chat = &chats[0];
        assert!(done(&db, &chat.updates[0], first, now).await.unwrap());
        // A new update arrives while the last in hand is handled.
        store(&db, &vault, TG, &[arrival(7, 10)], me, now)
            .await
            .unwrap();
        let next = done_and_next(&db, &chat.updates[1], first, now, 10)
            .await
            .unwrap();
        assert_eq!(
            next.iter().map(|u| u.update_id).collect::<Vec<_>>(),
            [Some(7)]
        );
        let none = done_and_next(&db, &next[0], first, now, 10).await.unwrap();
        assert!(none.is_empty());
        // Given back: the chat is free, and nothing of it waits.
        let leases: i64 =
            sqlx::query_scalar("SELECT count(*) FROM inbox_leases WHERE chat_id = 10")
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(leases, 0);
        let handled: Vec<Option<Vec<u8>>> =
            sqlx::query_scalar("SELECT body FROM inbox WHERE chat_id = 10")
                .fetch_all(&db)
                .await
                .unwrap();
        assert!(handled.iter().all(Option::is_none), "bodies are cleared");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_lease_not_renewed_is_taken_over_and_a_repeated_crash_is_set_aside(db: PgPool) {
        let vault = vault();
        let now = Utc::now();
        store(&db, &vault, TG, &[arrival(1, 10)], Uuid::new_v4(), now)
            .await
            .unwrap();
        // Leases of a millisecond: each has run out by the next lease.
        let brief = || Holder {
            lease: chrono::Duration::milliseconds(1),
            ..holder()
        };
        let dead = brief();
        let in_hand = lease(&db, dead, 10, 10).await.unwrap()[0].updates[0].clone();
        for attempt in 1..=MAX_ATTEMPTS {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let heir = brief();
            let chats = lease(&db, heir, 10, 10).await.unwrap();
            let update = &chats[0].updates[0];
            assert!(update.taken_over, "attempt {attempt}");
            let go_on = taken_over(&db, update).await.unwrap();
            assert_eq!(go_on, attempt < MAX_ATTEMPTS);
            // The old holder's lease is not theirs any more.
            assert!(!renew(&db, &in_hand, dead).await.unwrap());
        }
        let depth = depth(&db).await.unwrap();
        assert_eq!(depth[0].waiting, 0);
        assert_eq!(depth[0].poison, 1);
        // Set aside: never leased again.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        assert!(lease(&db, holder(), 10, 10).await.unwrap().is_empty());
    }

    /// An instance stalls past its lease; another takes the chat, handles
    /// it and gives it back; the first wakes and leases the chat again for
    /// a new update. The task that stalled is of the old lease: it can
    /// neither renew it nor mark anything done, though the holder is the
    /// same.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_task_of_an_earlier_lease_of_the_same_instance_holds_nothing(db: PgPool) {
        let vault = vault();
        let now = Utc::now();
        let me = Uuid::new_v4();
        let brief = Holder {
            lease: chrono::Duration::milliseconds(1),
            ..holder()
        };
        store(&db, &vault, TG, &[arrival(1, 10)], me, now)
            .await
            .unwrap();
        let stalled = lease(&db, brief, 10, 10).await.unwrap()[0].updates[0].clone();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let other = holder();
        let taken = lease(&db, other, 10, 10).await.unwrap()[0].updates[0].clone();
        assert!(taken.taken_over);
        assert!(
            done_and_next(&db, &taken, other, now, 10)
                .await
                .unwrap()
                .is_empty()
        );
        store(&db, &vault, TG, &[arrival(2, 10)], me, now)
            .await
            .unwrap();
        let again = Holder {
            lease: chrono::Duration::seconds(30),
            ..brief
        };
        let fresh = lease(&db, again, 10, 10).await.unwrap()[0].updates[0].clone();
        assert_eq!(fresh.update_id, Some(2));

        assert!(!renew(&db, &stalled, again).await.unwrap());
        assert!(!done(&db, &stalled, again, now).await.unwrap());
        assert!(renew(&db, &fresh, again).await.unwrap());
        assert!(done(&db, &fresh, again, now).await.unwrap());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn giving_back_frees_chats_at_once_and_purge_keeps_what_waits(db: PgPool) {
        let vault = vault();
        let now = Utc::now();
        store(
            &db,
            &vault,
            TG,
            &[arrival(1, 10), arrival(2, 20)],
            Uuid::new_v4(),
            now,
        )
        .await
        .unwrap();
        let stopping = holder();
        let chats = lease(&db, stopping, 10, 10).await.unwrap();
        done(&db, &chats[0].updates[0], stopping, now)
            .await
            .unwrap();
        assert_eq!(give_back_all(&db, stopping.id).await.unwrap(), 2);
        let chats = lease(&db, holder(), 10, 10).await.unwrap();
        assert_eq!(chats.len(), 1, "the handled one does not come back");
        assert!(!chats[0].updates[0].taken_over);

        let later = now + chrono::Duration::days(8);
        assert_eq!(purge(&db, later, later, 100).await.unwrap(), 1);
        assert_eq!(depth(&db).await.unwrap()[0].waiting, 1);
    }
}
