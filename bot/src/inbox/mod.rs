//! The bot's side of the inbox (`medcab_core::inbox`): how updates get in,
//! and the workers that handle them, on every instance.
//!
//! ```text
//!  Telegram / Max ──webhook──▶ webhook.rs ─┐
//!                 ◀──poll──── polling.rs ──┴─▶ Intake::store ─▶ inbox (PostgreSQL)
//!                  (the leader only)                                │ lease a chat
//!                                                 worker.rs ◀───────┘ (any instance)
//!                                                     └─▶ the route table, then done
//! ```
//!
//! An update is acknowledged (a webhook's 200, the next poll's offset)
//! only once it is committed to the inbox; a worker handles a chat's
//! updates one by one in arrival order and marks each handled when its
//! handler returns. A worker that takes over the lease of an instance that
//! died gives the first update's claim back (`core::updates`), so it is
//! handled again rather than left unanswered.

pub mod intake;
pub mod outage;
pub mod polling;
pub mod webhook;
pub mod worker;

use std::sync::Arc;

use medcab_core::Clock;
use medcab_core::channels::Messenger;
use medcab_core::crypto::Vault;
use medcab_core::inbox::{self, Arrival};
use sqlx::PgPool;
use tokio::sync::Notify;
use uuid::Uuid;

/// How long a webhook's update may take to be stored.
pub const STORE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3);

/// Where updates are stored on arrival, and the bell this instance's
/// workers wait on (other instances' hear PostgreSQL's notification).
#[derive(Clone)]
pub struct Intake {
    db: PgPool,
    vault: Vault,
    clock: Clock,
    /// This instance: its leases and its notifications carry it.
    instance: Uuid,
    wake: Arc<Notify>,
    /// Who was told that updates cannot be stored now.
    outage: outage::Outage,
}

impl Intake {
    pub fn new(db: PgPool, vault: Vault, clock: Clock) -> Intake {
        Intake {
            db,
            vault,
            clock,
            instance: Uuid::new_v4(),
            wake: Arc::default(),
            outage: outage::Outage::default(),
        }
    }

    /// Where people are told when their updates cannot be stored (the
    /// bot's messengers, once connected).
    pub fn tell_outages_through(&self, channels: Vec<crate::chat::Channel>) {
        self.outage.tell_through(channels);
    }

    /// Stores `arrivals` in one statement and wakes the workers; returns
    /// how many were new. Gives up after [`STORE_PATIENCE`] (a webhook's
    /// sender hangs up after a few seconds, and a database that does not
    /// answer by then is better answered 503 at once).
    pub async fn store(
        &self,
        messenger: Messenger,
        arrivals: &[Arrival],
    ) -> Result<u64, sqlx::Error> {
        let stored = tokio::time::timeout(
            STORE_PATIENCE,
            self.store_with(&self.db, messenger, arrivals),
        )
        .await;
        stored.unwrap_or_else(|_| {
            self.outage.tell(messenger, arrivals);
            Err(sqlx::Error::PoolTimedOut)
        })
    }

    /// [`Intake::store`] through `db` (the poller's own connection, which
    /// holds its leadership).
    pub async fn store_with(
        &self,
        db: impl sqlx::PgExecutor<'_>,
        messenger: Messenger,
        arrivals: &[Arrival],
    ) -> Result<u64, sqlx::Error> {
        let stored = inbox::store(
            db,
            &self.vault,
            messenger,
            arrivals,
            self.instance,
            self.clock.now(),
        )
        .await;
        let stored = match stored {
            Ok(stored) => stored,
            Err(error) => {
                self.outage.tell(messenger, arrivals);
                return Err(error);
            }
        };
        if !arrivals.is_empty() {
            self.outage.over();
        }
        if stored > 0 {
            self.wake.notify_one();
        }
        Ok(stored)
    }
}
