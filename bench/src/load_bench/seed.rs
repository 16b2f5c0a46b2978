//! The active practitioners of the mix: consent given, an account linked
//! by phone and СНИЛС, a second factor enrolled — as a practitioner is
//! after the first hour — through core's own functions, as the test
//! harness's `active_user` does. Their step-up session is closed, so the
//! first personal section each opens asks for the code, which the tool
//! types from the secret kept here.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures::{StreamExt as _, TryStreamExt as _};
use medcab_bench::people::{phone, snils};
use medcab_core::crypto::Vault;
use medcab_core::second_factor::{self, CodeCheck, FactorPolicy};
use medcab_core::totp::{STEP_SECONDS, TotpSecret};
use medcab_core::{UserId, accounts, consent};
use sqlx::PgPool;

/// One seeded practitioner: their Telegram id and the secret their
/// authenticator app holds.
pub struct Practitioner {
    pub id: i64,
    secret: TotpSecret,
    /// The newest 30-second step whose code was used: a code is taken once.
    last_step: i64,
}

impl Practitioner {
    /// The code the authenticator shows now, or the next step's when
    /// now's was used (the bot takes a step either side of its own).
    pub fn next_code(&mut self, now: DateTime<Utc>) -> String {
        let step = (self.last_step + 1).max(now.timestamp().div_euclid(STEP_SECONDS) - 1);
        self.last_step = step;
        self.secret.code_at(step * STEP_SECONDS)
    }
}

/// Seeds `ids` (the sandbox's users), 16 at a time.
pub async fn practitioners(
    db: &PgPool,
    vault: &Vault,
    ids: &[i64],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Practitioner>> {
    futures::stream::iter((0_u32..).zip(ids.iter().copied()))
        .map(|(number, id)| practitioner(db, vault, id, number, now))
        .buffered(16)
        .try_collect()
        .await
}

async fn practitioner(
    db: &PgPool,
    vault: &Vault,
    id: i64,
    number: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<Practitioner> {
    let user_id = UserId::from_stored(id);
    consent::give(db, user_id, now).await?;
    accounts::open(db, user_id, now).await?;
    accounts::set_phone(db, vault, user_id, &phone(number)).await?;
    accounts::set_snils(db, vault, user_id, &snils(number)).await?;
    accounts::link(db, user_id, now).await?;
    let secret = second_factor::enrolment_secret(db, vault, user_id, now)
        .await
        .context("enrolling the second factor")?;
    // The previous step's code: the one typed at the step-up is then new.
    let enrolled_at = now.timestamp() - STEP_SECONDS;
    let code = secret.code_at(enrolled_at);
    let checked =
        second_factor::check_code(db, vault, user_id, &code, now, FactorPolicy::default())
            .await
            .context("confirming the second factor")?;
    anyhow::ensure!(
        checked == CodeCheck::Accepted { enrolled_now: true },
        "the enrolment code of {id} was refused: {checked:?}"
    );
    let mut conn = db.acquire().await?;
    accounts::close_session(&mut conn, user_id).await?;
    Ok(Practitioner {
        id,
        secret,
        last_step: enrolled_at.div_euclid(STEP_SECONDS),
    })
}

/// Ends every practitioner's step-up session, so the next personal
/// section each opens asks for the code again.
pub async fn close_sessions(
    db: &PgPool,
    practitioners: impl IntoIterator<Item = &Practitioner>,
) -> anyhow::Result<()> {
    let mut conn = db.acquire().await?;
    for practitioner in practitioners {
        accounts::close_session(&mut conn, UserId::from_stored(practitioner.id)).await?;
    }
    Ok(())
}
