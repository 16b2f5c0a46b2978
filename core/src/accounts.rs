//! A Telegram user's account: the way from consent to a linked, protected
//! practitioner account, and the step-up session afterwards.
//!
//! Owns the table `accounts`. The step stored here is the system of record
//! for onboarding: whatever happens to the bot or to Redis, a returning user
//! resumes at this step. Phone and СНИЛС are sealed, with blind indexes.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::crypto::{CryptoError, RowKey, Vault};
use crate::domain::{PhoneNumber, Snils};

/// Where a user is on the way to an active account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Consent given; the phone number is next.
    Phone,
    /// Phone confirmed; the СНИЛС is next (and the register match).
    Snils,
    /// Linked to the register; the second factor is next.
    SecondFactor,
    /// Done.
    Active,
}

impl Step {
    pub(crate) fn parse(text: &str) -> Step {
        match text {
            "phone" => Step::Phone,
            "snils" => Step::Snils,
            "second_factor" => Step::SecondFactor,
            // The CHECK constraint allows nothing else.
            _ => Step::Active,
        }
    }
}

pub const PHONE_FIELD: &str = "accounts.phone";
pub const SNILS_FIELD: &str = "accounts.snils";

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a stored field does not decrypt: {0}")]
    Crypto(#[from] CryptoError),
    #[error("a stored field does not parse")]
    Corrupt,
}

/// The step a user is on, or `None` before consent opened an account.
pub async fn step(db: &PgPool, user_id: UserId) -> Result<Option<Step>, sqlx::Error> {
    let step = sqlx::query_scalar!(
        "SELECT step FROM accounts WHERE telegram_user_id = $1",
        user_id.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(step.as_deref().map(Step::parse))
}

/// Opens an account at the phone step; an existing one is left as it is.
pub async fn open(db: &PgPool, user_id: UserId, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO accounts (telegram_user_id, step, created_at)
        VALUES ($1, 'phone', $2)
        ON CONFLICT (telegram_user_id) DO NOTHING
        "#,
        user_id.get(),
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stores the user's own phone number and moves on to the СНИЛС.
pub async fn set_phone(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    phone: &PhoneNumber,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE accounts SET phone = $2, phone_index = $3, step = 'snils'
        WHERE telegram_user_id = $1 AND step = 'phone'
        "#,
        user_id.get(),
        vault.seal_str(PHONE_FIELD, &RowKey::id(user_id.get()), phone.e164()),
        vault.blind_index("phone", phone.e164()),
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn phone(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
) -> Result<Option<PhoneNumber>, AccountError> {
    let sealed = sqlx::query_scalar!(
        "SELECT phone FROM accounts WHERE telegram_user_id = $1",
        user_id.get()
    )
    .fetch_optional(db)
    .await?
    .flatten();
    open_parsed(vault, PHONE_FIELD, user_id, sealed, PhoneNumber::parse)
}

/// Stores the СНИЛС the user typed, before the register is asked, so that a
/// register outage loses nothing.
pub async fn set_snils(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    snils: &Snils,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE accounts SET snils = $2, snils_index = $3 WHERE telegram_user_id = $1 AND step = 'snils'",
        user_id.get(),
        vault.seal_str(SNILS_FIELD, &RowKey::id(user_id.get()), snils.digits()),
        vault.blind_index("snils", snils.digits()),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a СНИЛС is stored, without opening it.
pub async fn has_snils(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query_scalar!(
        r#"SELECT snils IS NOT NULL AS "stored!" FROM accounts WHERE telegram_user_id = $1"#,
        user_id.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(stored.unwrap_or(false))
}

pub async fn snils(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
) -> Result<Option<Snils>, AccountError> {
    let sealed = sqlx::query_scalar!(
        "SELECT snils FROM accounts WHERE telegram_user_id = $1",
        user_id.get()
    )
    .fetch_optional(db)
    .await?
    .flatten();
    open_parsed(vault, SNILS_FIELD, user_id, sealed, Snils::parse)
}

/// Opens a sealed field and parses it back into its type; a value that no
/// longer parses is corrupt, not the user's mistake.
fn open_parsed<T, E>(
    vault: &Vault,
    field: &str,
    user_id: UserId,
    sealed: Option<Vec<u8>>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, AccountError> {
    sealed
        .map(|sealed| {
            parse(&vault.open_str(field, &RowKey::id(user_id.get()), &sealed)?)
                .map_err(|_| AccountError::Corrupt)
        })
        .transpose()
}

/// Links the account to the СНИЛС it gave, NOT confirmed: the way of an
/// applicant the register does not know, who proves who they are with an
/// activation application (its approval confirms it, see
/// `crate::identity::confirm`). The second factor is next either way: the
/// documents are personal data. An unconfirmed link holds nothing against
/// anyone: several applicants may name one СНИЛС, and only a confirmed
/// account is unique per СНИЛС (`accounts_snils_confirmed`). False when the
/// account is not at the СНИЛС step with a СНИЛС stored.
pub async fn link(db: &PgPool, user_id: UserId, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let mut conn = db.acquire().await?;
    link_in(&mut conn, user_id, now, None).await
}

/// Links the account confirmed, in the caller's transaction (the register
/// matched СНИЛС and phone; `crate::identity::link_matched` first unlinks
/// the applicants who named the same СНИЛС). A confirmed account holding
/// the СНИЛС already makes this fail on `accounts_snils_confirmed`.
pub(crate) async fn link_confirmed(
    tx: &mut PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    link_in(tx, user_id, now, Some(now)).await
}

async fn link_in(
    tx: &mut PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
    confirmed_at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    // `snils IS NOT NULL`: a link names a СНИЛС; a button pressed before
    // one was stored links nothing.
    let linked = sqlx::query!(
        r#"
        UPDATE accounts SET linked_at = $2, confirmed_at = $3, step = 'second_factor'
        WHERE telegram_user_id = $1 AND step = 'snils' AND snils IS NOT NULL
        "#,
        user_id.get(),
        now,
        confirmed_at,
    )
    .execute(tx)
    .await?;
    Ok(linked.rows_affected() == 1)
}

/// The account's onboarding step, locking its row: what is decided on it
/// (a link code given or redeemed) holds until the transaction ends, and
/// an unlink, a reset taking effect or /forget waits for it, or it for them.
pub(crate) async fn lock_step(
    tx: &mut PgConnection,
    user_id: UserId,
) -> Result<Option<Step>, sqlx::Error> {
    let step = sqlx::query_scalar!(
        "SELECT step FROM accounts WHERE telegram_user_id = $1 FOR UPDATE",
        user_id.get()
    )
    .fetch_optional(tx)
    .await?;
    Ok(step.as_deref().map(Step::parse))
}

/// The blind index of the СНИЛС the account gave, locking the account's row.
pub(crate) async fn lock_snils_index(
    tx: &mut PgConnection,
    user_id: UserId,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "SELECT snils_index FROM accounts WHERE telegram_user_id = $1 FOR UPDATE",
        user_id.get()
    )
    .fetch_optional(tx)
    .await?
    .flatten())
}

/// Another account linked to the same СНИЛС.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub user_id: UserId,
    pub confirmed: bool,
}

impl Holder {
    fn new(user_id: UserId, confirmed: bool) -> Holder {
        Holder { user_id, confirmed }
    }
}

/// The other accounts linked to this СНИЛС (by its blind index), locked,
/// so that two links of one СНИЛС are decided one after the other.
pub(crate) async fn lock_holders(
    tx: &mut PgConnection,
    snils_index: &[u8],
    except: UserId,
) -> Result<Vec<Holder>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT telegram_user_id AS "telegram_user_id: UserId", confirmed_at IS NOT NULL AS "confirmed!" FROM accounts
        WHERE snils_index = $1 AND linked_at IS NOT NULL AND telegram_user_id <> $2
        ORDER BY telegram_user_id
        FOR UPDATE
        "#,
        snils_index,
        except.get(),
    )
    .fetch_all(tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Holder::new(row.telegram_user_id, row.confirmed))
        .collect())
}

/// The other linked accounts naming the СНИЛС this account gave (for the
/// review card: an applicant sharing a СНИЛС with someone confirmed is a
/// warning sign).
pub async fn holders_of_same_snils(
    db: &PgPool,
    user_id: UserId,
) -> Result<Vec<Holder>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT other.telegram_user_id AS "telegram_user_id: UserId", other.confirmed_at IS NOT NULL AS "confirmed!"
        FROM accounts AS own
        JOIN accounts AS other
          ON other.snils_index = own.snils_index AND other.telegram_user_id <> own.telegram_user_id
        WHERE own.telegram_user_id = $1 AND other.linked_at IS NOT NULL
        ORDER BY other.telegram_user_id
        "#,
        user_id.get(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Holder::new(row.telegram_user_id, row.confirmed))
        .collect())
}

/// The accounts linked to this СНИЛС (by its blind index), confirmed or not.
pub async fn linked_by_snils(
    db: &PgPool,
    vault: &Vault,
    snils: &Snils,
) -> Result<Vec<Holder>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT telegram_user_id AS "telegram_user_id: UserId", confirmed_at IS NOT NULL AS "confirmed!" FROM accounts
        WHERE snils_index = $1 AND linked_at IS NOT NULL
        ORDER BY telegram_user_id
        "#,
        vault.blind_index("snils", snils.digits()),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Holder::new(row.telegram_user_id, row.confirmed))
        .collect())
}

/// Takes the СНИЛС back from the account: it returns to the СНИЛС step,
/// unconfirmed, with no session. The phone stays (it is the user's own).
/// False when the account was not linked.
pub(crate) async fn unlink(tx: &mut PgConnection, user_id: UserId) -> Result<bool, sqlx::Error> {
    let unlinked = sqlx::query!(
        r#"
        UPDATE accounts
        SET step = 'snils', snils = NULL, snils_index = NULL, linked_at = NULL,
            confirmed_at = NULL, confirmed_until = NULL, session_started_at = NULL
        WHERE telegram_user_id = $1 AND linked_at IS NOT NULL
        "#,
        user_id.get(),
    )
    .execute(tx)
    .await?;
    Ok(unlinked.rows_affected() == 1)
}

/// Why an account could not be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmError {
    /// It names no СНИЛС any more (unlinked meanwhile).
    #[error("the account is not linked to a СНИЛС")]
    NotLinked,
    /// Another account is confirmed with this СНИЛС.
    #[error("another account is confirmed with this СНИЛС")]
    TakenByConfirmed,
}

/// Confirms the account: an operator approved its activation application
/// (through `crate::identity::confirm`, in the transaction of that
/// approval, so the two never part). An account confirmed earlier keeps its
/// first date.
pub(crate) async fn confirm(
    tx: &mut PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Result<(), ConfirmError>, sqlx::Error> {
    let confirmed = sqlx::query!(
        r#"
        UPDATE accounts SET confirmed_at = COALESCE(confirmed_at, $2)
        WHERE telegram_user_id = $1 AND linked_at IS NOT NULL
        "#,
        user_id.get(),
        now,
    )
    .execute(tx)
    .await;
    match confirmed {
        Ok(done) if done.rows_affected() == 1 => Ok(Ok(())),
        Ok(_) => Ok(Err(ConfirmError::NotLinked)),
        Err(sqlx::Error::Database(error))
            if error.constraint() == Some("accounts_snils_confirmed") =>
        {
            Ok(Err(ConfirmError::TakenByConfirmed))
        }
        Err(error) => Err(error),
    }
}

/// How many СНИЛС a user may type in [`SNILS_WINDOW`]: enough for a few
/// typos, far too few to walk through other people's numbers.
pub const SNILS_TRIES: i32 = 5;

pub fn snils_window() -> Duration {
    Duration::hours(1)
}

/// Counts a СНИЛС typed: `Ok(())` when it may be looked up, else the time
/// from which another may be typed. The window starts at the first try.
/// The count is kept under the person's pseudonym, not on the account, so
/// /forget and a new start do not reset it.
pub async fn count_snils_try(
    db: &PgPool,
    vault: &Vault,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Result<(), DateTime<Utc>>, sqlx::Error> {
    let subject = crate::erasure::pseudonym(vault, user_id);
    let row = sqlx::query!(
        r#"
        INSERT INTO snils_tries AS t (subject, tries, since)
        VALUES ($1, 1, $3)
        ON CONFLICT (subject) DO UPDATE SET
            tries = CASE WHEN t.since <= $2 THEN 1 ELSE t.tries + 1 END,
            since = CASE WHEN t.since <= $2 THEN $3 ELSE t.since END
        RETURNING tries, since
        "#,
        subject,
        now - snils_window(),
        now,
    )
    .fetch_one(db)
    .await?;
    Ok(if row.tries > SNILS_TRIES {
        Err(row.since + snils_window())
    } else {
        Ok(())
    })
}

/// Retention: counts whose window ended before `before` go.
pub async fn purge_snils_tries(
    pool: &PgPool,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let purged = sqlx::query!(
        r#"
        DELETE FROM snils_tries WHERE subject IN (
            SELECT subject FROM snils_tries WHERE since <= $1 LIMIT $2
        )
        "#,
        before,
        batch,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(purged)
}

/// When the account was opened (consent given), for a reset's card: an
/// account made yesterday proves less than one used for years.
pub async fn created_at(
    db: &PgPool,
    user_id: UserId,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT created_at FROM accounts WHERE telegram_user_id = $1",
        user_id.get()
    )
    .fetch_optional(db)
    .await
}

/// Back to the second-factor step, with no session: the factor was reset
/// (`crate::factor_resets`), so onboarding enrols a new one.
pub(crate) async fn back_to_second_factor(
    tx: &mut PgConnection,
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE accounts SET step = 'second_factor', confirmed_until = NULL, session_started_at = NULL
        WHERE telegram_user_id = $1 AND step = 'active'
        "#,
        user_id.get()
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Whether the practitioner is confirmed: matched in the register, or
/// their activation was approved. An applicant (or no account) is not.
pub async fn is_confirmed(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    let confirmed = sqlx::query_scalar!(
        r#"SELECT confirmed_at IS NOT NULL AS "confirmed!" FROM accounts WHERE telegram_user_id = $1"#,
        user_id.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(confirmed.unwrap_or(false))
}

/// The second factor is enrolled: the account is active.
pub async fn activate(db: &mut sqlx::PgConnection, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE accounts SET step = 'active' WHERE telegram_user_id = $1 AND step = 'second_factor'",
        user_id.get()
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How long a second-factor session keeps sections with personal data open:
/// `idle` since the last use, and never longer than `max` since the code
/// opened it, however active (OWASP ASVS V3.3: idle and absolute timeouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub max: Duration,
}

impl Default for SessionLimits {
    fn default() -> SessionLimits {
        SessionLimits {
            idle: Duration::minutes(30),
            max: Duration::hours(12),
        }
    }
}

/// Whether sections with personal data are open without asking for a code:
/// within the idle time of the last use and the absolute lifetime.
pub async fn session_open(
    db: &PgPool,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    // `confirmed_until` is never past the absolute end (see
    // `extend_session`), so it alone decides.
    let until = sqlx::query_scalar!(
        "SELECT confirmed_until FROM accounts WHERE telegram_user_id = $1 AND session_started_at IS NOT NULL",
        user_id.get()
    )
    .fetch_optional(db)
    .await?
    .flatten();
    Ok(until.is_some_and(|until| now < until))
}

/// Opens the step-up session: a code was just accepted.
pub async fn open_session(
    db: &mut sqlx::PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
    limits: SessionLimits,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE accounts SET session_started_at = $2, confirmed_until = $3 WHERE telegram_user_id = $1",
        user_id.get(),
        now,
        now + limits.idle.min(limits.max),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Extends an open session on activity, for `idle` more but not past its
/// absolute end.
pub async fn extend_session(
    db: &mut sqlx::PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
    limits: SessionLimits,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        UPDATE accounts
        SET confirmed_until = LEAST($2::TIMESTAMPTZ, session_started_at + make_interval(secs => $3))
        WHERE telegram_user_id = $1 AND session_started_at IS NOT NULL AND confirmed_until > $4
        "#,
        user_id.get(),
        now + limits.idle,
        limits.max.num_seconds() as f64,
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends the step-up session now (a reset, an unlink, the user's own /end).
pub async fn close_session(
    db: &mut sqlx::PgConnection,
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE accounts SET confirmed_until = NULL, session_started_at = NULL WHERE telegram_user_id = $1",
        user_id.get(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The active account of the practitioner with this СНИЛС, looked up by its
/// blind index (the СНИЛС itself is never compared in clear).
pub async fn confirmed_by_snils(
    db: &PgPool,
    vault: &Vault,
    snils: &Snils,
) -> Result<Option<UserId>, sqlx::Error> {
    // Only a confirmed account speaks for the practitioner: an applicant
    // who typed someone else's СНИЛС must not be asked about (or approve)
    // that person's logins.
    sqlx::query_scalar!(
        r#"
        SELECT telegram_user_id AS "telegram_user_id: UserId" FROM accounts
        WHERE snils_index = $1 AND step = 'active' AND confirmed_at IS NOT NULL
        "#,
        vault.blind_index("snils", snils.digits()),
    )
    .fetch_optional(db)
    .await
}

/// Whether this Telegram user has an active, confirmed account: one that
/// may be asked to confirm the practitioner's logins.
pub async fn confirmed_and_active(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    Ok(step(db, user_id).await? == Some(Step::Active) && is_confirmed(db, user_id).await?)
}
