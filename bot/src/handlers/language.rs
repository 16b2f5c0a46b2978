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

use super::screen::{Screen, button};
use super::{Action, HandlerResult, State, Turn, commands, main_menu};
use crate::chat::{Incoming, Keyboard, Press};
use crate::i18n::Texts;

pub fn picker(t: Texts) -> Screen {
    Screen {
        text: t.msg("language-choose"),
        keyboard: Keyboard::new([[
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
pub async fn ask(turn: Turn) -> HandlerResult {
    turn.dialogue.update(State::ChoosingLanguage).await?;
    turn.ui.show(picker(turn.t)).await
}

/// Text typed while the picker is on screen.
pub async fn use_the_buttons(turn: Turn) -> HandlerResult {
    turn.ui.say(turn.t.msg("language-use-buttons")).await
}

/// A language button. Works from any picker, even an old one: choosing a
/// language is always allowed to the user who presses.
pub async fn set(
    turn: Turn,
    press: Press,
    language: Language,
    incoming: Incoming,
) -> HandlerResult {
    let Turn {
        ui,
        user,
        db,
        dialogue,
        ..
    } = &turn;
    ui.answer(&press).await?;
    telegram_users::choose_language(db, *user, language).await?;
    dialogue.exit().await?;

    let t = Texts::new(language);
    commands::publish_for_user(ui.channel(), db, *user).await?;
    let position = onboarding::position(db, *user).await?;
    if !position.is_active() {
        // Not connected yet: confirm, then carry on with the step at hand.
        let changed = Screen {
            text: t.msg("language-changed"),
            keyboard: Keyboard::default(),
        };
        ui.replace(&press, changed).await?;
        // In the language just chosen (the turn's is the one before).
        let turn = Turn { t, ..turn.clone() };
        let name = &incoming.from.first_name;
        return super::onboarding::resume(&turn, name, position).await;
    }
    let heading = format!("{}\n\n{}", t.msg("language-changed"), t.msg("menu-title"));
    ui.replace(&press, main_menu::menu(t, heading)).await
}
