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
use medcab_core::security_events::{self, Kind};
use sqlx::PgPool;

use super::screen::{Screen, button};
use super::{Action, HandlerResult, Turn, code_entry};
use crate::chat::{Keyboard, Press, Said};
use crate::flood::FloodGuard;
use crate::startup::Services;

/// How long /forget waits for the code.
fn code_wait() -> Duration {
    Duration::minutes(10)
}

/// /forget: nothing is erased before the user confirms.
pub async fn ask(turn: Turn) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    if second_factor::is_enrolled(&db, user).await? {
        let now = services.clock.now();
        drafts::save(&db, &services.vault, user, DraftKind::Forget, &(), now).await?;
        return ui.show(code_screen(t)).await;
    }
    let keyboard = Keyboard::new([[
        button(t.msg("forget-confirm"), Action::Forget(true)),
        button(t.msg("forget-keep"), Action::Forget(false)),
    ]]);
    ui.show(Screen {
        text: t.msg("forget-ask"),
        keyboard,
    })
    .await
}

/// /forget's question with a factor enrolled: the code confirms, or the
/// way out, or the lost factor's way.
fn code_screen(t: crate::i18n::Texts) -> Screen {
    let keyboard = Keyboard::new([
        [button(t.msg("factor-lost-button"), Action::FactorLost)],
        [button(t.msg("forget-keep"), Action::Forget(false))],
    ]);
    let text = format!("{}\n\n{}", t.msg("forget-ask"), t.msg("forget-ask-code"));
    Screen { text, keyboard }
}

/// A text while /forget waits for the code: it is the code.
pub async fn awaiting_code(
    said: Said,
    user_id: UserId,
    db: PgPool,
    services: Services,
) -> Option<()> {
    if said.text().is_none_or(|text| text.starts_with('/')) {
        return None;
    }
    match drafts::updated_at(&db, user_id, DraftKind::Forget).await {
        Ok(Some(asked)) if services.clock.now() - asked < code_wait() => Some(()),
        Ok(_) => None,
        Err(error) => {
            tracing::error!(%error, "cannot look for a /forget waiting for its code");
            None
        }
    }
}

/// The code after /forget: right, and everything is erased.
pub async fn receive_code(turn: Turn, said: Said, flood: FloodGuard) -> HandlerResult {
    if !code_entry::take_code(&turn, &said).await? {
        return Ok(());
    }
    // Erasure deletes the marker with the account; asked again, it would
    // find nothing.
    let text = erase(&turn, &flood).await?;
    turn.ui.say(text).await
}

/// [🗑 Удалить мои данные] or [Отмена]. Only the presser's own data can be
/// erased: the user comes from the callback, never from its data. With a
/// factor enrolled the button does not erase (an old message, a forged
/// press): the code does.
pub async fn answer(turn: Turn, press: Press, erase_it: bool, flood: FloodGuard) -> HandlerResult {
    let Turn {
        ui, user, t, db, ..
    } = &turn;
    let (user, t) = (*user, *t);
    ui.answer(&press).await?;
    let text = if !erase_it {
        drafts::discard(db, user, DraftKind::Forget).await?;
        t.msg("forget-kept")
    } else if second_factor::is_enrolled(db, user).await? {
        // A button from before the factor, or a forged one: recorded, and
        // the code asked for as /forget asks it (so it is taken next).
        let now = turn.services.clock.now();
        let mut conn = db.acquire().await?;
        let details = serde_json::json!({ "entity": "forget", "why": "factor_enrolled" });
        security_events::record(&mut conn, user, Kind::ForgedCallback, details, now).await?;
        drafts::save(db, &turn.services.vault, user, DraftKind::Forget, &(), now).await?;
        // The screen /forget shows, as a new message: its way out and the
        // lost factor's (the pressed one may already be that screen).
        return ui.show(code_screen(t)).await;
    } else {
        erase(&turn, &flood).await?
    };
    ui.replace(
        &press,
        Screen {
            text,
            keyboard: Keyboard::default(),
        },
    )
    .await
}

/// Erases everything keyed by the user: PostgreSQL in one transaction, then
/// their Redis keys (the position, the flood bucket). Redis being down must
/// not keep the erasure from happening: a position left behind expires in
/// a day.
async fn erase(turn: &Turn, flood: &FloodGuard) -> Result<String, super::HandlerError> {
    let Turn {
        user,
        t,
        db,
        services,
        dialogue,
        ..
    } = turn;
    let erased = erasure::forget(db, &services.vault, *user, services.clock.now()).await?;
    if let Err(error) = dialogue.erase().await {
        tracing::warn!(%error, "cannot clear the position after erasing");
    }
    flood.forget(*user).await;
    Ok(match erased {
        Erased::Erased => t.msg("forget-done"),
        Erased::NothingStored => t.msg("forget-nothing"),
    })
}
