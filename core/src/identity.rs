//! Who holds a СНИЛС: the owner, never whoever typed it first.
//!
//! A practitioner is bound to an account by the register of medical workers
//! matching their СНИЛС together with their own phone (Telegram proves the
//! phone), or by an operator approving an activation application. Until
//! then an applicant's link is a claim, not a hold: several applicants may
//! name one СНИЛС, and none of them keeps the owner out.
//!
//! The rules:
//! - A register match on СНИЛС + phone wins: every unconfirmed account
//!   naming that СНИЛС is unlinked ([`unlink`]) in the match's transaction,
//!   its owner told in neutral words, a security event recorded.
//! - A confirmed account holds its СНИЛС alone (`accounts_snils_confirmed`):
//!   a second register match from another Telegram account (the owner on a
//!   new account, or a reassigned number) is not decided here: it is
//!   refused, recorded, and the confirmed holder is warned; support staff
//!   decide with `medcab admin unlink`.
//! - An approved activation confirms its account ([`confirm`]) and unlinks
//!   the other applicants who named the same СНИЛС; it is refused when a
//!   confirmed account holds the СНИЛС, or its own account was unlinked.
//! - Unlinking takes the СНИЛС, the link, the confirmation, the step-up
//!   session and the second factor, withdraws open activation applications
//!   and waiting factor resets. The phone, the profile and the documents
//!   stay: they are the user's own, and /forget erases them.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::accounts::{self, ConfirmError, Holder};
use crate::applications::{self, ApplicationError};
use crate::crypto::Vault;
use crate::outbox::{self, Notification, Payload, Push};
use crate::security_events::{self, Kind};
use crate::{factor_resets, second_factor};

/// Why an account is unlinked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlinkReason {
    /// The register matched the СНИЛС with its owner's phone elsewhere.
    OwnerMatched,
    /// Another applicant's activation was approved for this СНИЛС.
    OwnerApproved,
    /// Support staff (`medcab admin unlink`).
    Support,
}

impl UnlinkReason {
    fn as_str(self) -> &'static str {
        match self {
            UnlinkReason::OwnerMatched => "owner_matched",
            UnlinkReason::OwnerApproved => "owner_approved",
            UnlinkReason::Support => "support",
        }
    }

    fn push(self) -> Push {
        match self {
            UnlinkReason::OwnerMatched | UnlinkReason::OwnerApproved => Push::UnlinkedSuperseded {},
            UnlinkReason::Support => Push::UnlinkedBySupport {},
        }
    }
}

/// What became of a register match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchedLink {
    /// Linked and confirmed; these applicants' accounts were unlinked.
    Linked { superseded: Vec<UserId> },
    /// A confirmed account (another Telegram account) holds the СНИЛС.
    HeldByConfirmed,
    /// Not at the СНИЛС step with a СНИЛС stored: nothing changed.
    NotNow,
}

/// Links `user_id` confirmed after the register matched its СНИЛС and
/// phone: the applicants naming the same СНИЛС are unlinked first, in one
/// transaction with the link.
pub async fn link_matched(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<MatchedLink, ApplicationError> {
    let mut tx = db.begin().await?;
    let Some(index) = accounts::lock_snils_index(&mut tx, user_id).await? else {
        return Ok(MatchedLink::NotNow);
    };
    let holders = accounts::lock_holders(&mut tx, &index, user_id).await?;
    if let Some(holder) = holders.iter().find(|holder| holder.confirmed) {
        security_events::record(&mut tx, user_id, Kind::SnilsLinkConflict, json!({}), now).await?;
        let mut warning = security_push(holder.user_id, Push::LinkConflict {});
        // Once a day at most: repeated attempts must not flood the holder.
        warning.dedup_key = Some(format!(
            "identity-conflict:{}:{}",
            holder.user_id,
            crate::clock::moscow_today(now)
        ));
        outbox::enqueue(&mut tx, &warning, now).await?;
        tx.commit().await?;
        return Ok(MatchedLink::HeldByConfirmed);
    }
    let mut superseded = Vec::with_capacity(holders.len());
    for Holder { user_id: other, .. } in holders {
        if unlink(&mut tx, vault, other, UnlinkReason::OwnerMatched, now).await? {
            superseded.push(other);
        }
    }
    if !accounts::link_confirmed(&mut tx, user_id, now).await? {
        return Ok(MatchedLink::NotNow);
    }
    if !superseded.is_empty() {
        let details = json!({ "unlinked": superseded.len() });
        security_events::record(&mut tx, user_id, Kind::SnilsReclaimed, details, now).await?;
    }
    tx.commit().await?;
    Ok(MatchedLink::Linked { superseded })
}

/// Confirms an applicant's account, in the transaction of the approval of
/// its activation; the other applicants naming the same СНИЛС are unlinked.
pub async fn confirm(
    tx: &mut PgConnection,
    vault: &Vault,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Result<(), ConfirmError>, ApplicationError> {
    let Some(index) = accounts::lock_snils_index(tx, user_id).await? else {
        return Ok(Err(ConfirmError::NotLinked));
    };
    let holders = accounts::lock_holders(tx, &index, user_id).await?;
    if holders.iter().any(|holder| holder.confirmed) {
        return Ok(Err(ConfirmError::TakenByConfirmed));
    }
    if let Err(refused) = accounts::confirm(tx, user_id, now).await? {
        return Ok(Err(refused));
    }
    for Holder { user_id: other, .. } in holders {
        unlink(tx, vault, other, UnlinkReason::OwnerApproved, now).await?;
    }
    Ok(Ok(()))
}

/// Takes the СНИЛС back from an account (see the module's rules). False
/// when it was not linked. Runs in the caller's transaction.
pub async fn unlink(
    tx: &mut PgConnection,
    vault: &Vault,
    user_id: UserId,
    reason: UnlinkReason,
    now: DateTime<Utc>,
) -> Result<bool, ApplicationError> {
    if !accounts::unlink(tx, user_id).await? {
        return Ok(false);
    }
    second_factor::remove(tx, user_id).await?;
    factor_resets::cancel_pending(tx, user_id, now).await?;
    let withdrawn = applications::withdraw_open_activations(tx, vault, user_id, now).await?;
    let details = json!({ "reason": reason.as_str(), "applications_withdrawn": withdrawn });
    security_events::record(tx, user_id, Kind::AccountUnlinked, details, now).await?;
    outbox::enqueue(tx, &security_push(user_id, reason.push()), now).await?;
    Ok(true)
}

/// `medcab admin unlink`: support staff take the СНИЛС back from the
/// account of this Telegram user. False when it was not linked.
pub async fn unlink_by_support(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<bool, ApplicationError> {
    let mut tx = db.begin().await?;
    let unlinked = unlink(&mut tx, vault, user_id, UnlinkReason::Support, now).await?;
    tx.commit().await?;
    Ok(unlinked)
}

/// The accounts linked to this СНИЛС, for support staff to choose from.
pub async fn accounts_with_snils(
    db: &PgPool,
    vault: &Vault,
    snils: &crate::domain::Snils,
) -> Result<Vec<Holder>, sqlx::Error> {
    accounts::linked_by_snils(db, vault, snils).await
}

fn security_push(user_id: UserId, push: Push) -> Notification {
    Notification::new(
        user_id.private_chat(),
        outbox::Kind::SecurityNotice,
        Payload::new(push),
    )
}
