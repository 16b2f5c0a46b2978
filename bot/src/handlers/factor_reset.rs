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
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::screen::{self, Screen, button};
use super::{Action, ChatDialogue, HandlerResult};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;
use crate::user_ids::StoredId;

/// [📵 Нет доступа к приложению]: a request is made (or the open one shown).
pub async fn lost(
    bot: Bot,
    query: CallbackQuery,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    // The position may be lost with Redis down; the request is in PostgreSQL.
    if let Err(error) = dialogue.exit().await {
        tracing::warn!(%error, "cannot clear the position");
    }
    let user_id = query.from.stored()?;
    let open = factor_resets::request(&db, user_id, services.clock.now(), services.reset).await?;
    screen::replace(&bot, &query, open_screen(t, &open)).await
}

/// [✖️ Отменить запрос], on the screen or on a push. Only the presser's own
/// request: the user comes from the callback, the id is only a claim.
pub async fn cancel(
    bot: Bot,
    query: CallbackQuery,
    request: i64,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let user_id = query.from.stored()?;
    let cancelled = factor_resets::cancel(&db, user_id, request, services.clock.now()).await?;
    let text = if cancelled {
        t.msg("factor-reset-cancelled")
    } else {
        t.msg("factor-reset-nothing-to-cancel")
    };
    screen::replace(
        &bot,
        &query,
        Screen {
            text,
            keyboard: InlineKeyboardMarkup::new([[button(t.msg("button-back"), Action::Home)]]),
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
        keyboard: InlineKeyboardMarkup::new([
            [button(
                t.msg("factor-reset-cancel-button"),
                Action::CancelReset(open.id),
            )],
            [button(t.msg("button-back"), Action::Home)],
        ]),
    }
}
