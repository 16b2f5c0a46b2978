//! A lost authenticator: the practitioner asks for a reset, follows it and
//! may cancel it. Operators decide it in /resets (`review`); it takes effect
//! only after the cooling-off period (`medcab_core::factor_resets`).
//!
//! ```text
//! user: <presses 📵 Нет доступа к приложению under «Введите код»>
//! bot:  (the same message) Запрос на сброс второго фактора отправлен …
//!       Сброс вступит в силу не раньше 26.11.2026 12:00 (МСК), после
//!       проверки двумя сотрудниками. … [✖️ Отменить запрос] [« Назад в меню]
//! bot:  🔐 Запрошен сброс второго фактора … Если это не вы — отмените.
//!       [✖️ Отменить запрос]                          (a push, on every channel)
//! user: <presses ✖️ Отменить запрос>
//! bot:  (the same message) Запрос на сброс отменён. Прежний код продолжает действовать.
//! ```

use medcab_core::factor_resets::{self, OpenReset, Status};

use super::screen::{Screen, button};
use super::{Action, HandlerResult, Turn};
use crate::chat::{Keyboard, Press};
use crate::i18n::{Arg, Texts};

/// [📵 Нет доступа к приложению]: a request is made (or the open one
/// shown). When the latest one was rejected, its reason comes first, and a
/// new request only on a second press: the push about the rejection sends
/// the practitioner here to read why.
pub async fn lost(turn: Turn, press: Press) -> HandlerResult {
    turn.ui.answer(&press).await?;
    // The question for the code this was pressed under waits no more.
    super::step_up::give_up(&turn).await?;
    let policy = turn.services.reset;
    if factor_resets::open_request(&turn.db, turn.user, policy)
        .await?
        .is_none()
        && let Some(reason) =
            factor_resets::last_rejection(&turn.db, &turn.services.vault, turn.user).await?
    {
        let screen = rejected_screen(turn.t, &reason);
        return turn.ui.replace(&press, screen).await;
    }
    file_request(turn, press).await
}

/// [🔁 Запросить сброс снова], under a rejection's reason.
pub async fn request_again(turn: Turn, press: Press) -> HandlerResult {
    turn.ui.answer(&press).await?;
    file_request(turn, press).await
}

async fn file_request(turn: Turn, press: Press) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    // The position may be lost with Redis down; the request is in PostgreSQL.
    if let Err(error) = dialogue.exit().await {
        tracing::warn!(%error, "cannot clear the position");
    }
    let open = factor_resets::request(&db, user, services.clock.now(), services.reset).await?;
    ui.replace(&press, open_screen(t, &open)).await
}

fn rejected_screen(t: Texts, reason: &str) -> Screen {
    Screen {
        text: t.msg_with("factor-reset-rejected", [("reason", Arg::Text(reason))]),
        keyboard: Keyboard::new([
            [button(
                t.msg("factor-reset-again-button"),
                Action::FactorResetAgain,
            )],
            [button(t.msg("button-back"), Action::Home)],
        ]),
    }
}

/// [✖️ Отменить запрос], on the screen or on a push. Only the presser's own
/// request: the user comes from the callback, the id is only a claim.
pub async fn cancel(turn: Turn, press: Press, request: i64) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    ui.answer(&press).await?;
    let cancelled = factor_resets::cancel(&db, user, request, services.clock.now()).await?;
    let text = if cancelled {
        t.msg("factor-reset-cancelled")
    } else {
        t.msg("factor-reset-nothing-to-cancel")
    };
    ui.replace(
        &press,
        Screen {
            text,
            keyboard: Keyboard::new([[button(t.msg("button-back"), Action::Home)]]),
        },
    )
    .await
}

fn open_screen(t: Texts, open: &OpenReset) -> Screen {
    let since = t.date_time(open.requested_at);
    let text = match open.status {
        Status::Pending { .. } => {
            let earliest = t.date_time(open.earliest);
            t.msg_with(
                "factor-reset-requested",
                [
                    ("since", Arg::Text(&since)),
                    ("earliest", Arg::Text(&earliest)),
                ],
            )
        }
        Status::Approved { effective_at } => {
            let at = t.date_time(effective_at);
            t.msg_with(
                "factor-reset-scheduled",
                [("since", Arg::Text(&since)), ("at", Arg::Text(&at))],
            )
        }
    };
    Screen {
        text,
        keyboard: Keyboard::new([
            [button(
                t.msg("factor-reset-cancel-button"),
                Action::CancelReset(open.id),
            )],
            [button(t.msg("button-back"), Action::Home)],
        ]),
    }
}
