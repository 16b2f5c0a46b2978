//! Who may act as staff, and the operators' own second factor. Every
//! operator action (a command, a typed answer, a button: a callback_data is
//! user input) passes a gate again, since the role may have been revoked a
//! moment ago and the staff session may have closed: an operator acts only
//! within a staff session a code opened (at most `MEDCAB_STAFF_SESSION_HOURS`
//! after it, and 15 minutes after the last staff action). Core checks it
//! once more inside each review operation. Every refusal is recorded in the
//! security log for the security officer.
//!
//! ```text
//! operator (no factor yet): /review
//! bot:   <QR code, protected> Защита работы сотрудника вторым фактором. …
//!        Ключ вручную: <code>…</code> Введите 6-значный код ответным сообщением.
//! operator: 123456                   (deleted from the chat once checked)
//! bot:   (the QR code is deleted) Готово! Работа сотрудника защищена …
//!        🔓 Код принят. Сессия сотрудника открыта до 20:00 (МСК) …
//! bot:   📋 Заявка А-2026-000001 — …   (the command runs again)
//! …16 minutes without a staff action…
//! operator: <presses ✅ Одобрить>
//! bot:   (over the chat) Сначала введите код из приложения-аутентификатора.
//! bot:   🔐 Сессия сотрудника закрыта. Введите 6-значный код …
//! operator: 000000
//! bot:   Код не подошёл. Осталось 2 попытки.   (three wrong ones lock, as
//!        for practitioners)
//! operator: 654321
//! bot:   🔓 Код принят. … Нажмите кнопку ещё раз.   (a button is not
//!        pressed for the operator: the screen it was on may be stale)
//! not an operator: /review
//! bot:   Это действие доступно только сотрудникам, проверяющим заявки.
//! ```
//!
//! After a right code a command (/review, /resets, /notice, /inspection,
//! /notices, /inspections) runs again; after a button the operator is asked
//! to press it again; after a typed answer (a note, a broadcast's answer),
//! to send it again — the dialogue they were in is kept.

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::operator_factors::{self, Access};
use medcab_core::second_factor::{CodeCheck, FactorError};
use medcab_core::security_events::{self, Kind as SecurityKind};
use medcab_core::session_files::Session;
use sqlx::PgPool;

use super::{HandlerError, HandlerResult, Routes, Turn, broadcast, code_entry, review};
use crate::chat::{Activity, OutgoingFile, Press, Said};
use crate::i18n::Arg;

/// Whether a staff action may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gate {
    /// An operator with an open staff session: go on as them.
    Open(UserId),
    /// Not an operator: refused (told and recorded).
    NotOperator,
    /// An operator without an open session: the code was asked for
    /// (recorded); nothing else is shown.
    CodeAsked,
}

/// What comes after the right code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Then {
    Review,
    Resets,
    Notice,
    Inspection,
    Notices,
    Inspections,
    /// /referrals: an organisation's incoming referrals.
    Referrals,
    /// A button was pressed: press it again.
    PressAgain,
    /// A typed answer was sent: send it again.
    SendAgain,
}

impl Then {
    const ALL: [Then; 9] = [
        Then::Review,
        Then::Resets,
        Then::Notice,
        Then::Inspection,
        Then::Notices,
        Then::Inspections,
        Then::Referrals,
        Then::PressAgain,
        Then::SendAgain,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Then::Review => "review",
            Then::Resets => "resets",
            Then::Notice => "notice",
            Then::Inspection => "inspection",
            Then::Notices => "notices",
            Then::Inspections => "inspections",
            Then::Referrals => "referrals",
            Then::PressAgain => "press",
            Then::SendAgain => "send",
        }
    }

    fn parse(text: &str) -> Option<Then> {
        Then::ALL.into_iter().find(|then| then.as_str() == text)
    }
}

/// [`for_message`] for a typed answer inside a staff conversation (a note,
/// a broadcast's answer): the operator when the session is open; `None`
/// when the message was answered already, the conversation left for a
/// non-operator and kept for one asked for the code (sent again after it).
pub(super) async fn for_typed_answer(
    turn: &Turn,
    attempted: &str,
) -> Result<Option<UserId>, HandlerError> {
    match for_message(turn, attempted, Then::SendAgain).await? {
        Gate::Open(operator) => Ok(Some(operator)),
        Gate::NotOperator => {
            turn.dialogue.exit().await?;
            Ok(None)
        }
        Gate::CodeAsked => Ok(None),
    }
}

/// The gate for a message (a command or a typed answer): says why when it
/// is closed.
pub(super) async fn for_message(
    turn: &Turn,
    attempted: &str,
    then: Then,
) -> Result<Gate, HandlerError> {
    let gate = check(turn, attempted, then).await?;
    if gate == Gate::NotOperator {
        turn.ui.say(turn.t.msg("staff-only")).await?;
    }
    Ok(gate)
}

/// The gate for a pressed button: answers the press when it is closed.
pub(super) async fn for_press(
    turn: &Turn,
    press: &Press,
    attempted: &str,
) -> Result<Gate, HandlerError> {
    let gate = check(turn, attempted, Then::PressAgain).await?;
    let t = turn.t;
    match gate {
        Gate::Open(_) => {}
        Gate::NotOperator => {
            turn.ui
                .answer_with(press, t.msg("review-operators-only"))
                .await?;
        }
        Gate::CodeAsked => {
            turn.ui
                .answer_with(press, t.msg("staff-code-first"))
                .await?;
        }
    }
    Ok(gate)
}

async fn check(turn: &Turn, attempted: &str, then: Then) -> Result<Gate, HandlerError> {
    let Turn {
        ui,
        user: user_id,
        t,
        db,
        services,
        ..
    } = turn;
    let user_id = *user_id;
    let now = services.clock.now();
    match operator_factors::access(db, user_id, now).await? {
        Access::Open => {
            // What the operator is shown from here on (cards, a
            // practitioner's data) is closed when the staff session ends.
            ui.confidential(Session::Staff);
            Ok(Gate::Open(user_id))
        }
        Access::NotOperator => {
            record_refusal(db, user_id, attempted, "not_operator", now).await?;
            // A former operator's menu may still list the staff commands.
            super::commands::put_right(ui.channel(), db, user_id).await;
            Ok(Gate::NotOperator)
        }
        Access::NotEnrolled => {
            record_refusal(db, user_id, attempted, "no_staff_factor", now).await?;
            send_qr(turn).await?;
            operator_factors::ask_for_code(db, user_id, then.as_str(), now).await?;
            Ok(Gate::CodeAsked)
        }
        Access::SessionClosed => {
            record_refusal(db, user_id, attempted, "no_staff_session", now).await?;
            operator_factors::ask_for_code(db, user_id, then.as_str(), now).await?;
            ui.say(t.msg("staff-code-needed")).await?;
            Ok(Gate::CodeAsked)
        }
    }
}

/// The operator's QR code to enrol, protected from forwarding and saving;
/// one copy in the chat at a time, deleted once enrolled.
async fn send_qr(turn: &Turn) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    ui.activity(Activity::UploadingPhoto).await;
    let now = services.clock.now();
    let secret = operator_factors::enrolment_secret(db, &services.vault, *user, now).await?;
    // Its own entry in the authenticator, next to a practitioner's own:
    // the service's name, and «Сотрудник» where a practitioner's has their
    // first name (no identifier: it means nothing to the person).
    let account = t.msg("staff-factor-account");
    let url = secret.otpauth_url(&services.brand.service_name, &account);
    let caption = t.msg_with(
        "staff-factor-qr-caption",
        [
            ("secret", Arg::Text(&secret.to_grouped_base32())),
            ("service", Arg::Text(&services.brand.service_name)),
            ("account", Arg::Text(&account)),
        ],
    );
    let picture =
        OutgoingFile::new("medcab-staff-qr.png", crate::qr_picture::png(&url)).caption(caption);
    let sent = ui.send_picture(picture).await?;
    // One copy of the secret in the chat at a time.
    let sent = ui.stored(&sent);
    if let Some(previous) =
        operator_factors::remember_enrolment_message(db, *user, &sent, now).await?
    {
        ui.delete_stored(&previous).await;
    }
    Ok(())
}

/// The route of an operator's code: the next message (not a command) after
/// the bot asked for it.
pub(super) fn routes() -> Routes {
    crate::handlers::said()
        .filter(|said: Said| !said.text().is_some_and(|t| t.starts_with('/')))
        .filter_map_async(code_asked_for)
        .endpoint(receive_code)
}

async fn code_asked_for(turn: Turn) -> Option<Then> {
    let now = turn.services.clock.now();
    match operator_factors::code_asked_for(&turn.db, turn.user, now).await {
        Ok(asked) => asked.as_deref().and_then(Then::parse),
        Err(error) => {
            tracing::error!(%error, "cannot tell whether a staff code was asked for");
            None
        }
    }
}

/// The operator's code: checked, deleted from the chat; once right, the
/// staff action goes on.
async fn receive_code(turn: Turn, said: Said, then: Then) -> HandlerResult {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        services,
        ..
    } = &turn;
    let (operator, t) = (*operator, *t);
    let now = services.clock.now();
    let code = said.text().unwrap_or_default();
    let checked =
        operator_factors::check_code(db, &services.vault, operator, code, now, services.factor)
            .await;
    // Off the chat whatever came of it.
    code_entry::forget(ui, &said).await;
    let enrolled_now = match checked {
        Ok(CodeCheck::Accepted { enrolled_now }) => enrolled_now,
        Ok(CodeCheck::BlockedNow | CodeCheck::Blocked) => {
            return ui.say(t.msg("staff-code-blocked")).await;
        }
        Ok(refused) => {
            let text = code_entry::refusal(t, refused).unwrap_or_default();
            return ui.say(text).await;
        }
        // Revoked since the code was asked for.
        Err(FactorError::Missing) => {
            return ui.say(t.msg("review-operators-only")).await;
        }
        Err(error) => return Err(error.into()),
    };
    if enrolled_now {
        if let Some(qr) = operator_factors::take_enrolment_message(db, operator).await? {
            ui.delete_stored(&qr).await;
        }
        ui.say(t.msg("staff-factor-enrolled")).await?;
    }
    let limits = services.factor.staff;
    let until = t.date_time(now + limits.absolute);
    let opened = t.msg_with(
        "staff-session-opened",
        [
            ("until", Arg::Text(&until)),
            ("idle", Arg::Number(limits.idle.num_minutes())),
        ],
    );
    let next = match then {
        Then::PressAgain => Some(t.msg("staff-press-again")),
        Then::SendAgain => Some(t.msg("staff-send-again")),
        _ => None,
    };
    let text = match next {
        Some(next) => format!("{opened}\n{next}"),
        None => opened,
    };
    ui.say(text).await?;
    // The command runs again as if typed now (the handlers read only who
    // wrote and in which chat).
    match then {
        Then::Review => review::review_command(turn).await,
        Then::Resets => review::resets_command(turn).await,
        Then::Notice => broadcast::notice_command(turn).await,
        Then::Inspection => broadcast::inspection_command(turn).await,
        Then::Notices => broadcast::notices_command(turn).await,
        Then::Inspections => broadcast::inspections_command(turn).await,
        Then::Referrals => super::referrals::staff::command(turn).await,
        Then::PressAgain | Then::SendAgain => Ok(()),
    }
}

/// Records an operator action that was refused, and why (no personal data).
pub(super) async fn record_refusal(
    db: &PgPool,
    user_id: UserId,
    attempted: &str,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    tracing::warn!(
        user_id = user_id.get(),
        attempted,
        why,
        "an operator action was refused"
    );
    let mut conn = db.acquire().await?;
    let details = serde_json::json!({ "attempted": attempted, "why": why });
    security_events::record(
        &mut conn,
        user_id,
        SecurityKind::OperatorActionRefused,
        details,
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_comes_after_the_code_round_trips() {
        for then in Then::ALL {
            // A new variant does not compile here until it is named below:
            // then it goes into `ALL` too.
            match then {
                Then::Review
                | Then::Resets
                | Then::Notice
                | Then::Inspection
                | Then::Notices
                | Then::Inspections
                | Then::Referrals
                | Then::PressAgain
                | Then::SendAgain => {}
            }
            assert_eq!(Then::parse(then.as_str()), Some(then));
        }
        assert_eq!(Then::parse("forget"), None);
    }
}
