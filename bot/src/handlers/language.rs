//! Choosing the interface language. The choice is kept in PostgreSQL and
//! outlives restarts; until a user chooses, Telegram's language decides.
//!
//! ```text
//! user: /language
//! bot:  Выберите язык интерфейса: [🇷🇺 Русский] [🇬🇧 English]
//! user: hello?
//! bot:  Выберите язык кнопкой под сообщением или отправьте /cancel.
//! user: <presses 🇬🇧 English>
//! bot:  (the same message) Interface language: English.
//!       Main menu. Choose a section: [👤 Profile] …
//! ```

use medcab_core::onboarding;
use medcab_core::{Language, telegram_users};
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::screen::{self, Screen, button};
use super::{Action, ChatDialogue, HandlerResult, State, commands, main_menu};
use crate::i18n::Texts;
use crate::startup::Services;
use crate::user_ids::StoredId;

pub fn picker(t: Texts) -> Screen {
    Screen {
        text: t.msg("language-choose"),
        keyboard: InlineKeyboardMarkup::new([[
            button(
                t.msg("language-button-ru"),
                Action::SetLanguage(Language::Ru),
            ),
            button(
                t.msg("language-button-en"),
                Action::SetLanguage(Language::En),
            ),
        ]]),
    }
}

/// /language
pub async fn ask(bot: Bot, msg: Message, dialogue: ChatDialogue, t: Texts) -> HandlerResult {
    dialogue.update(State::ChoosingLanguage).await?;
    screen::show(&bot, msg.chat.id, picker(t)).await
}

/// Text typed while the picker is on screen.
pub async fn use_the_buttons(bot: Bot, msg: Message, t: Texts) -> HandlerResult {
    screen::say(&bot, msg.chat.id, t.msg("language-use-buttons")).await
}

/// A language button. Works from any picker, even an old one: choosing a
/// language is always allowed to the user who presses.
pub async fn set(
    bot: Bot,
    query: CallbackQuery,
    dialogue: ChatDialogue,
    db: PgPool,
    services: Services,
    language: Language,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    telegram_users::choose_language(&db, query.from.stored()?, language).await?;
    dialogue.exit().await?;

    let t = Texts::new(language);
    commands::publish_for_user(&bot, &db, query.from.stored()?).await?;
    let position = onboarding::position(&db, query.from.stored()?).await?;
    if !position.is_active() {
        // Not connected yet: confirm, then carry on with the step at hand.
        let changed = Screen {
            text: t.msg("language-changed"),
            keyboard: InlineKeyboardMarkup::default(),
        };
        screen::replace(&bot, &query, changed).await?;
        return super::onboarding::resume(&bot, &query.from, position, t, &db, &services).await;
    }
    let heading = format!("{}\n\n{}", t.msg("language-changed"), t.msg("menu-title"));
    screen::replace(&bot, &query, main_menu::menu(t, heading)).await
}
