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
use sqlx::PgPool;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{ChatAction, InputFile, ParseMode};

use super::{ChatDialogue, HandlerError, HandlerResult, broadcast, code_entry, review, screen};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;
use crate::user_ids::StoredId;

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
        [
            Then::Review,
            Then::Resets,
            Then::Notice,
            Then::Inspection,
            Then::Notices,
            Then::Inspections,
            Then::Referrals,
            Then::PressAgain,
            Then::SendAgain,
        ]
        .into_iter()
        .find(|then| then.as_str() == text)
    }
}

/// [`for_message`] for a typed answer inside a staff conversation (a note,
/// a broadcast's answer): the operator when the session is open; `None`
/// when the message was answered already, the conversation left for a
/// non-operator and kept for one asked for the code (sent again after it).
pub(super) async fn for_typed_answer(
    bot: &Bot,
    msg: &Message,
    dialogue: &ChatDialogue,
    t: Texts,
    db: &PgPool,
    services: &Services,
    attempted: &str,
) -> Result<Option<UserId>, HandlerError> {
    match for_message(bot, msg, t, db, services, attempted, Then::SendAgain).await? {
        Gate::Open(operator) => Ok(Some(operator)),
        Gate::NotOperator => {
            dialogue.exit().await?;
            Ok(None)
        }
        Gate::CodeAsked => Ok(None),
    }
}

/// The gate for a message (a command or a typed answer): says why when it
/// is closed.
pub(super) async fn for_message(
    bot: &Bot,
    msg: &Message,
    t: Texts,
    db: &PgPool,
    services: &Services,
    attempted: &str,
    then: Then,
) -> Result<Gate, HandlerError> {
    let Some(user) = msg.from.as_ref() else {
        return Ok(Gate::NotOperator);
    };
    let gate = check(bot, t, db, services, user.stored()?, attempted, then).await?;
    if gate == Gate::NotOperator {
        screen::say(bot, msg.chat.id, t.msg("staff-only")).await?;
    }
    Ok(gate)
}

/// The gate for a pressed button: answers the press when it is closed.
pub(super) async fn for_press(
    bot: &Bot,
    query: &CallbackQuery,
    t: Texts,
    db: &PgPool,
    services: &Services,
    attempted: &str,
) -> Result<Gate, HandlerError> {
    let operator = query.from.stored()?;
    let gate = check(bot, t, db, services, operator, attempted, Then::PressAgain).await?;
    match gate {
        Gate::Open(_) => {}
        Gate::NotOperator => {
            screen::answer_with(bot, query, t.msg("review-operators-only")).await?;
        }
        Gate::CodeAsked => {
            screen::answer_with(bot, query, t.msg("staff-code-first")).await?;
        }
    }
    Ok(gate)
}

async fn check(
    bot: &Bot,
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    attempted: &str,
    then: Then,
) -> Result<Gate, HandlerError> {
    let now = services.clock.now();
    let chat = ChatId(user_id.private_chat());
    match operator_factors::access(db, user_id, now).await? {
        Access::Open => Ok(Gate::Open(user_id)),
        Access::NotOperator => {
            record_refusal(db, user_id, attempted, "not_operator", now).await?;
            // A former operator's menu may still list the staff commands.
            super::commands::put_right(&crate::chat::Channel::Telegram(bot.clone()), db, user_id)
                .await;
            Ok(Gate::NotOperator)
        }
        Access::NotEnrolled => {
            record_refusal(db, user_id, attempted, "no_staff_factor", now).await?;
            send_qr(bot, chat, t, db, services).await?;
            operator_factors::ask_for_code(db, user_id, then.as_str(), now).await?;
            Ok(Gate::CodeAsked)
        }
        Access::SessionClosed => {
            record_refusal(db, user_id, attempted, "no_staff_session", now).await?;
            operator_factors::ask_for_code(db, user_id, then.as_str(), now).await?;
            screen::say(bot, chat, t.msg("staff-code-needed")).await?;
            Ok(Gate::CodeAsked)
        }
    }
}

/// The operator's QR code to enrol, protected from forwarding and saving;
/// one copy in the chat at a time, deleted once enrolled.
async fn send_qr(
    bot: &Bot,
    chat_id: ChatId,
    t: Texts,
    db: &PgPool,
    services: &Services,
) -> HandlerResult {
    bot.send_chat_action(chat_id, ChatAction::UploadPhoto)
        .await?;
    let secret = operator_factors::enrolment_secret(db, &services.vault, chat_id.stored()?).await?;
    // Its own entry in the authenticator, next to a practitioner's own:
    // the service's name, and «Сотрудник» where a practitioner's has their
    // first name (no identifier: it means nothing to the person).
    let account = t.msg("staff-factor-account");
    let url = secret.otpauth_url(&services.brand.service_name, &account);
    let picture = InputFile::memory(crate::qr_picture::png(&url)).file_name("medcab-staff-qr.png");
    let sent = bot
        .send_photo(chat_id, picture)
        .caption(t.msg_with(
            "staff-factor-qr-caption",
            [
                ("secret", Arg::Text(&secret.to_grouped_base32())),
                ("service", Arg::Text(&services.brand.service_name)),
                ("account", Arg::Text(&account)),
            ],
        ))
        .parse_mode(ParseMode::Html)
        .protect_content(true)
        .await?;
    if let Some(previous) =
        operator_factors::remember_enrolment_message(db, chat_id.stored()?, i64::from(sent.id.0))
            .await?
    {
        screen::delete_stored(bot, chat_id, previous).await;
    }
    Ok(())
}

/// The route of an operator's code: the next message (not a command) after
/// the bot asked for it.
pub(super) fn routes() -> UpdateHandler<HandlerError> {
    crate::handlers::said()
        .filter(|msg: Message| !msg.text().is_some_and(|t| t.starts_with('/')))
        .filter_map_async(code_asked_for)
        .endpoint(receive_code)
}

async fn code_asked_for(msg: Message, db: PgPool, services: Services) -> Option<Then> {
    let user = msg.from.as_ref()?;
    let now = services.clock.now();
    match operator_factors::code_asked_for(&db, user.stored().ok()?, now).await {
        Ok(asked) => asked.as_deref().and_then(Then::parse),
        Err(error) => {
            tracing::error!(%error, "cannot tell whether a staff code was asked for");
            None
        }
    }
}

/// The operator's code: checked, deleted from the chat; once right, the
/// staff action goes on.
#[allow(clippy::too_many_arguments)]
async fn receive_code(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    services: Services,
    then: Then,
    turn: super::Turn,
) -> HandlerResult {
    let Some(user) = msg.from.as_ref() else {
        return Ok(());
    };
    let operator = user.stored()?;
    let now = services.clock.now();
    let code = msg.text().unwrap_or_default();
    let checked =
        operator_factors::check_code(&db, &services.vault, operator, code, now, services.factor)
            .await;
    // Off the chat whatever came of it.
    code_entry::forget_message(&bot, &msg).await;
    let enrolled_now = match checked {
        Ok(CodeCheck::Accepted { enrolled_now }) => enrolled_now,
        Ok(CodeCheck::BlockedNow | CodeCheck::Blocked) => {
            return screen::say(&bot, msg.chat.id, t.msg("staff-code-blocked")).await;
        }
        Ok(refused) => {
            let text = code_entry::refusal(t, refused).unwrap_or_default();
            return screen::say(&bot, msg.chat.id, text).await;
        }
        // Revoked since the code was asked for.
        Err(FactorError::Missing) => {
            return screen::say(&bot, msg.chat.id, t.msg("review-operators-only")).await;
        }
        Err(error) => return Err(error.into()),
    };
    if enrolled_now {
        if let Some(qr) = operator_factors::take_enrolment_message(&db, operator).await? {
            screen::delete_stored(&bot, msg.chat.id, qr).await;
        }
        screen::say(&bot, msg.chat.id, t.msg("staff-factor-enrolled")).await?;
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
    screen::say(&bot, msg.chat.id, text).await?;
    // The command runs again as if typed now (the handlers read only who
    // wrote and in which chat).
    match then {
        Then::Review => review::review_command(bot, msg, dialogue, t, db, services).await,
        Then::Resets => review::resets_command(bot, msg, t, db, services).await,
        Then::Notice => broadcast::notice_command(bot, msg, dialogue, t, db, services).await,
        Then::Inspection => {
            broadcast::inspection_command(bot, msg, dialogue, t, db, services).await
        }
        Then::Notices => broadcast::notices_command(bot, msg, t, db, services).await,
        Then::Inspections => broadcast::inspections_command(bot, msg, t, db, services).await,
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
        for then in [
            Then::Review,
            Then::Resets,
            Then::Notice,
            Then::Inspection,
            Then::Notices,
            Then::Inspections,
            Then::PressAgain,
            Then::SendAgain,
        ] {
            assert_eq!(Then::parse(then.as_str()), Some(then));
        }
        assert_eq!(Then::parse("forget"), None);
    }
}
