//! /forget: withdraw consent and erase personal data, after a confirmation.
//!
//! With a second factor enrolled, the confirmation is its code: whoever
//! holds the chat but not the authenticator cannot erase a practitioner's
//! account. With the authenticator lost, the way is the reset (and its
//! cooling-off), then /forget.
//!
//! ```text
//! user: /forget
//! bot:  Удалить ваши персональные данные? … Чтобы подтвердить, введите
//!       6-значный код из приложения-аутентификатора.
//!       [📵 Нет доступа к приложению] [Отмена]
//! user: 123 456                                 (deleted from the chat)
//! bot:  Согласие отозвано, персональные данные удалены. …
//! ```
//!
//! Before a factor is enrolled there is nothing it protects yet, so a
//! button confirms:
//!
//! ```text
//! user: /forget
//! bot:  Удалить ваши персональные данные? … [🗑 Удалить мои данные] [Отмена]
//! user: <presses 🗑 Удалить мои данные>
//! bot:  (the same message) Согласие отозвано, персональные данные удалены. …
//! ```
//!
//! Nothing here depends on Redis: whether a code is awaited is a marker in
//! PostgreSQL (`drafts`, kind `forget`), fresh for ten minutes.

use chrono::Duration;
use medcab_core::UserId;
use medcab_core::drafts::{self, Kind as DraftKind};
use medcab_core::erasure::{self, Erased};
use medcab_core::second_factor;
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::screen::{self, Screen, button};
use super::{Action, ChatDialogue, HandlerResult, code_entry};
use crate::flood::FloodGuard;
use crate::i18n::Texts;
use crate::startup::Services;
use crate::user_ids::StoredId;

/// How long /forget waits for the code.
fn code_wait() -> Duration {
    Duration::minutes(10)
}

/// /forget: nothing is erased before the user confirms.
pub async fn ask(
    bot: Bot,
    msg: Message,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let user_id = msg.chat.id.stored()?;
    if second_factor::is_enrolled(&db, user_id).await? {
        let now = services.clock.now();
        drafts::save(&db, &services.vault, user_id, DraftKind::Forget, &(), now).await?;
        let keyboard = InlineKeyboardMarkup::new([
            [button(t.msg("factor-lost-button"), Action::FactorLost)],
            [button(t.msg("forget-keep"), Action::Forget(false))],
        ]);
        let text = format!("{}\n\n{}", t.msg("forget-ask"), t.msg("forget-ask-code"));
        return screen::show(&bot, msg.chat.id, Screen { text, keyboard }).await;
    }
    let keyboard = InlineKeyboardMarkup::new([[
        button(t.msg("forget-confirm"), Action::Forget(true)),
        button(t.msg("forget-keep"), Action::Forget(false)),
    ]]);
    screen::show(
        &bot,
        msg.chat.id,
        Screen {
            text: t.msg("forget-ask"),
            keyboard,
        },
    )
    .await
}

/// A text while /forget waits for the code: it is the code.
pub async fn awaiting_code(msg: Message, db: PgPool, services: Services) -> Option<()> {
    if msg.text().is_none_or(|text| text.starts_with('/')) {
        return None;
    }
    match drafts::updated_at(&db, msg.chat.id.stored().ok()?, DraftKind::Forget).await {
        Ok(Some(asked)) if services.clock.now() - asked < code_wait() => Some(()),
        Ok(_) => None,
        Err(error) => {
            tracing::error!(%error, "cannot look for a /forget waiting for its code");
            None
        }
    }
}

/// The code after /forget: right, and everything is erased.
pub async fn receive_code(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    services: Services,
    flood: FloodGuard,
) -> HandlerResult {
    if !code_entry::take_code(&bot, &msg, t, &db, &services).await? {
        return Ok(());
    }
    let user_id = msg.chat.id.stored()?;
    // Erasure deletes the marker with the account; asked again, it would
    // find nothing.
    let text = erase(&db, &services, &dialogue, &flood, user_id, t).await?;
    screen::say(&bot, msg.chat.id, text).await
}

/// [🗑 Удалить мои данные] or [Отмена]. Only the presser's own data can be
/// erased: the user comes from the callback, never from its data. With a
/// factor enrolled the button does not erase (an old message, a forged
/// press): the code does.
// dptree injects each dependency as an argument; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    bot: Bot,
    query: CallbackQuery,
    erase_it: bool,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    services: Services,
    flood: FloodGuard,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let user_id = query.from.stored()?;
    let text = if !erase_it {
        drafts::discard(&db, user_id, DraftKind::Forget).await?;
        t.msg("forget-kept")
    } else if second_factor::is_enrolled(&db, user_id).await? {
        t.msg("forget-ask-code")
    } else {
        erase(&db, &services, &dialogue, &flood, user_id, t).await?
    };
    screen::replace(
        &bot,
        &query,
        Screen {
            text,
            keyboard: InlineKeyboardMarkup::default(),
        },
    )
    .await
}

/// Erases everything keyed by the user: PostgreSQL in one transaction, then
/// their Redis keys (the position, the flood bucket). Redis being down must
/// not keep the erasure from happening: a position left behind expires in
/// a day.
async fn erase(
    db: &PgPool,
    services: &Services,
    dialogue: &ChatDialogue,
    flood: &FloodGuard,
    user_id: UserId,
    t: Texts,
) -> Result<String, super::HandlerError> {
    let erased = erasure::forget(db, &services.vault, user_id, services.clock.now()).await?;
    if let Err(error) = dialogue.exit().await {
        tracing::warn!(%error, "cannot clear the position after erasing");
    }
    flood.forget(user_id).await;
    Ok(match erased {
        Erased::Erased => t.msg("forget-done"),
        Erased::NothingStored => t.msg("forget-nothing"),
    })
}
