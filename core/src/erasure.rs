//! /forget: consent withdrawn, personal data erased.
//!
//! Erases, in one transaction, everything a practitioner gave us: the
//! account with its sealed phone and СНИЛС, the second factor, documents,
//! applications, pending requests (cascaded from the account) and the
//! version history of their records; and everything keyed by their
//! Telegram id: `telegram_users`, `chats`, `processed_updates` and the
//! `inbox` of each of their chats (Telegram's and Max's), every
//! outbox row of their chat (sent ones too, with their payloads). Kept,
//! because the law or the audit needs them and they hold no personal
//! field: the consent record (which text was agreed to, when, and when
//! withdrawn), the security log and the operators' audit of what they saw
//! of the person's data, all re-keyed from the Telegram id to the person's
//! [`pseudonym`], so no row anywhere is keyed by their ids.
//! Redis keys (the conversation position, the flood bucket) are the bot's
//! to delete; they expire in any case.
//!
//! Every table that later stores a practitioner's personal data (documents,
//! profile, applications) must be erased here too; the end-to-end test of
//! /forget searches the whole database for what the user gave.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::UserId;
use crate::channels::Messenger;
use crate::crypto::Vault;
use crate::security_events::{self, Kind};
use crate::{consent, history, notification_settings, operators, outbox, telegram_users, updates};

/// The blind-index kind of [`pseudonym`].
const PSEUDONYM_KIND: &str = "telegram_user";

/// What a forgotten person's consent records and security events are keyed
/// by: the keyed HMAC of their Telegram id (the Vault's blind index). The
/// same id gives the same pseudonym, so an auditor with the data key can
/// find one person's records from a known id; without the key it reveals
/// nothing.
pub fn pseudonym(vault: &Vault, user_id: UserId) -> Vec<u8> {
    vault.blind_index(PSEUDONYM_KIND, &user_id.to_string())
}

/// Whether there was anything to erase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erased {
    Erased,
    NothingStored,
}

pub async fn forget(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Erased, sqlx::Error> {
    let mut tx = db.begin().await?;
    let had_consent = consent::in_force(db, user_id).await?.is_some();
    consent::withdraw(&mut tx, user_id, now).await?;
    // Referrals the other side still holds stay with it (the rule is in
    // `referrals`); before the account, whose deletion would unlink them
    // without telling the other side.
    crate::referrals::store::erase_party(&mut tx, vault, user_id, now)
        .await
        .map_err(|error| match error {
            crate::referrals::ReferralError::Db(error) => error,
            other => sqlx::Error::Protocol(format!("referrals: {other}")),
        })?;
    // Documents, applications and login challenges go with the account
    // (ON DELETE CASCADE); history has no foreign key and goes explicitly.
    let deleted = sqlx::query!(
        "DELETE FROM accounts WHERE telegram_user_id = $1",
        user_id.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    history::erase_owner(&mut tx, user_id).await?;
    history::erase_actor(&mut tx, user_id).await?;
    // Cascaded from the account too; said here, as every table keyed by a
    // person is.
    crate::schedule::store::erase(&mut tx, user_id).await?;
    notification_settings::erase(&mut tx, user_id).await?;
    // A private chat's id is its user's.
    outbox::erase_chat(&mut tx, user_id.private_chat()).await?;
    crate::broadcasts::forget_reader(&mut tx, user_id).await?;
    // What each messenger brought from the person's chats: every channel's
    // chat (a Telegram one linked to an account born on Max has its own
    // id), and the account's own id as a Telegram chat, which an account
    // born on Telegram has even before a channel row names it.
    let mut chats = vec![(Messenger::Telegram, user_id.private_chat())];
    for channel in crate::channels::of_account(&mut *tx, user_id).await? {
        if !chats.contains(&(channel.messenger, channel.chat_id)) {
            chats.push((channel.messenger, channel.chat_id));
        }
    }
    for &(messenger, chat) in &chats {
        updates::erase_chat(&mut tx, messenger, chat).await?;
        crate::inbox::erase_chat(&mut tx, messenger, chat).await?;
        // A Telegram account linked to another cabinet: its profile and
        // chat rows are under its own id (a private chat's is its user's).
        if messenger == Messenger::Telegram && chat != user_id.private_chat() {
            telegram_users::erase(&mut tx, UserId::from_stored(chat)).await?;
        }
    }
    telegram_users::erase(&mut tx, user_id).await?;
    // The messengers linked and any link code waiting.
    crate::channels::erase(&mut tx, user_id).await?;
    let subject = pseudonym(vault, user_id);
    consent::pseudonymise(&mut tx, user_id, &subject).await?;
    security_events::pseudonymise(&mut tx, user_id, &subject).await?;
    operators::pseudonymise_owner(&mut tx, user_id, &subject).await?;
    let erased = if !had_consent && deleted == 0 {
        Erased::NothingStored
    } else {
        security_events::record_for_subject(&mut tx, &subject, Kind::DataErased, json!({}), now)
            .await?;
        Erased::Erased
    };
    // Even with nothing given, the ids seen are forgotten.
    tx.commit().await?;
    Ok(erased)
}
