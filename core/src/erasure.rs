//! /forget: consent withdrawn, personal data erased.
//!
//! Erases, in one transaction, everything a practitioner gave us: the
//! account with its sealed phone and СНИЛС, the second factor, documents,
//! applications, pending requests (cascaded from the account) and the
//! version history of their records. Kept, because the law or the audit
//! needs them and they hold no personal field: the consent record (which
//! text was agreed to, when, and when withdrawn) and the security log.
//!
//! Every table that later stores a practitioner's personal data (documents,
//! profile, applications) must be erased here too; the end-to-end test of
//! /forget searches the whole database for what the user gave.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::security_events::{self, Kind};
use crate::{consent, history, notification_settings, outbox};

/// Whether there was anything to erase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erased {
    Erased,
    NothingStored,
}

pub async fn forget(db: &PgPool, user_id: i64, now: DateTime<Utc>) -> Result<Erased, sqlx::Error> {
    let mut tx = db.begin().await?;
    let had_consent = consent::in_force(db, user_id).await?.is_some();
    consent::withdraw(&mut tx, user_id, now).await?;
    // Documents, applications and login challenges go with the account
    // (ON DELETE CASCADE); history has no foreign key and goes explicitly.
    let deleted = sqlx::query!("DELETE FROM accounts WHERE telegram_user_id = $1", user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    history::erase_owner(&mut tx, user_id).await?;
    notification_settings::erase(&mut tx, user_id).await?;
    // A private chat's id is its user's.
    outbox::drop_pending(&mut tx, user_id).await?;
    if !had_consent && deleted == 0 {
        return Ok(Erased::NothingStored);
    }
    security_events::record(&mut tx, user_id, Kind::DataErased, json!({}), now).await?;
    tx.commit().await?;
    Ok(Erased::Erased)
}
