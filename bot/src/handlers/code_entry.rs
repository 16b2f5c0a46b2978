//! Typing a second-factor code: the same rules whether it completes the
//! enrolment or opens a section with personal data (step-up).
//!
//! ```text
//! user: 000000                       (deleted from the chat once checked)
//! bot:  Код не подошёл. Осталось 2 попытки.
//! user: 000000
//! bot:  Код не подошёл. Осталась 1 попытка.
//! user: 000000
//! bot:  Три неверных кода подряд: ввод кода заблокирован до 12:30 (МСК). …
//! ```

use medcab_core::UserId;
use medcab_core::accounts;
use medcab_core::second_factor::{self, CodeCheck};
use sqlx::PgPool;

use super::{HandlerError, Turn};
use crate::chat::{Said, Ui};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// Checks the code in `said`, deletes the message (a code is a secret, if
/// a short-lived one), and tells the user why when it is not taken. True
/// when the code was accepted; the caller says what comes next.
pub async fn take_code(turn: &Turn, said: &Said) -> Result<bool, HandlerError> {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let t = *t;
    let Some(code) = said.text() else {
        ui.say(t.msg("code-malformed")).await?;
        return Ok(false);
    };
    let now = services.clock.now();
    let checked =
        second_factor::check_code(db, &services.vault, *user, code, now, services.factor).await;
    // Off the chat whatever came of it, a failed check included.
    forget(ui, said).await;
    let mut checked = checked?;
    // The same message handled again (its instance died after the code
    // was taken, or a reply failed on the messenger's side): the session
    // that code opened is open, and the user is let on, not told their own
    // code was used. Only then: a used code typed anew — seen on another
    // device logged in to the same messenger account — is refused, even
    // with the session open (/forget asks for a code whatever the session).
    if checked == CodeCheck::Replayed
        && super::release::handled_again()
        && accounts::session_open(db, *user, now).await?
    {
        tracing::info!("a used code again while its session is open: a redelivery, let on");
        checked = CodeCheck::Accepted {
            enrolled_now: false,
        };
    }
    // A lock the user did not cause, or a blocked factor: where to get help.
    let with_support = matches!(
        checked,
        CodeCheck::LockedNow { .. } | CodeCheck::BlockedNow | CodeCheck::Blocked
    );
    let Some(mut reason) = refusal(t, checked) else {
        return Ok(true);
    };
    if with_support {
        reason = super::help::with_support(t, &services.brand, reason);
    }
    ui.say(reason).await?;
    Ok(false)
}

/// Why a code was not taken; `None` when it was. (Operators' codes are
/// told the same way: `staff`.)
pub fn refusal(t: Texts, checked: CodeCheck) -> Option<String> {
    Some(match checked {
        CodeCheck::Accepted { .. } => return None,
        CodeCheck::Malformed => t.msg("code-malformed"),
        CodeCheck::Wrong { attempts_left } => {
            t.msg_with("code-wrong", [("left", Arg::Number(attempts_left.into()))])
        }
        CodeCheck::LockedNow { until } => t.msg_with(
            "code-locked-now",
            [("until", Arg::Text(&t.date_time(until)))],
        ),
        CodeCheck::Locked { until } => {
            t.msg_with("code-locked", [("until", Arg::Text(&t.date_time(until)))])
        }
        CodeCheck::BlockedNow | CodeCheck::Blocked => t.msg("code-blocked"),
        CodeCheck::Replayed => t.msg("code-replayed"),
    })
}

/// Whether sections with personal data are open for the user now (a code
/// was confirmed within the idle time and the absolute lifetime). An open
/// session is extended: the idle time counts from the last use.
pub async fn session_open(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<bool, HandlerError> {
    let now = services.clock.now();
    if !accounts::session_open(db, user_id, now).await? {
        return Ok(false);
    }
    let mut conn = db.acquire().await?;
    accounts::extend_session(&mut conn, user_id, now, services.factor.session).await?;
    Ok(true)
}

/// Deletes a message that carried personal data, now that it is stored.
pub async fn forget(ui: &Ui, said: &Said) {
    // A message held by the step-up gate was deleted when it was held.
    if super::step_up::replaying() {
        return;
    }
    if let Some(message) = &said.message {
        ui.delete(message).await;
    }
}
