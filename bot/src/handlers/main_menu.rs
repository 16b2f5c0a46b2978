//! The greeting and the main menu.
//!
//! ```text
//! user: /start
//! bot:  Здравствуйте, Анна! Это личный кабинет медицинского работника…
//!       (not confirmed yet: ⏳ Кабинет ожидает активации. Подайте заявку…)
//!       [👤 Профиль] [📄 Документы] [📨 Мои заявки] …
//! user: <presses 📄 Документы>
//! bot:  (the same message) 📄 Документы — … Раздел пока в разработке…
//!       [« Назад в меню]
//! user: <presses « Назад в меню>
//! bot:  (the same message) Главное меню. Выберите раздел: [👤 Профиль] …
//! user: /menu
//! bot:  Главное меню. Выберите раздел: [👤 Профиль] …
//! ```

use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::screen::{self, Screen, button};
use medcab_core::UserId;
use medcab_core::accounts;
use sqlx::PgPool;

use super::{Action, ChatDialogue, HandlerResult, State, code_entry, language, step_up};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;
use crate::user_ids::StoredId;

// The sections register their screens in the route table's module
// (`handlers::section_screen`): the menu knows only the `Section` enum.
pub use super::actions::Section;

impl Section {
    /// The menu's sections, in its order.
    pub const ALL: [Section; 8] = [
        Section::Profile,
        Section::Documents,
        Section::Applications,
        Section::Referrals,
        Section::Schedule,
        Section::Nmo,
        Section::Notifications,
        Section::Language,
    ];

    /// The sections the menu offers: those built (a menu promising what
    /// only says «в разработке» misleads a newcomer).
    pub const SHOWN: [Section; 8] = [
        Section::Profile,
        Section::Documents,
        Section::Applications,
        Section::Referrals,
        Section::Schedule,
        Section::Nmo,
        Section::Notifications,
        Section::Language,
    ];

    fn label(self, t: Texts) -> String {
        match self {
            Section::Profile => t.msg("menu-profile"),
            Section::Documents => t.msg("menu-documents"),
            Section::Applications => t.msg("menu-applications"),
            Section::Schedule => t.msg("menu-schedule"),
            Section::Nmo => t.msg("menu-nmo"),
            Section::Notifications => t.msg("menu-notifications"),
            Section::Language => t.msg("menu-language"),
            Section::Referrals => t.msg("menu-referrals"),
        }
    }

    /// Sections that show personal data open only after the second-factor
    /// code (step-up), for the idle time of the session.
    fn holds_personal_data(self) -> bool {
        matches!(
            self,
            Section::Profile
                | Section::Documents
                | Section::Applications
                | Section::Nmo
                | Section::Referrals
                | Section::Schedule
        )
    }

    /// What a section that is still being built says about itself.
    fn preview(self, t: Texts) -> Option<String> {
        match self {
            Section::Profile => Some(t.msg("section-profile")),
            Section::Documents => Some(t.msg("section-documents")),
            Section::Applications => Some(t.msg("section-applications")),
            Section::Nmo => Some(t.msg("section-nmo")),
            Section::Notifications => Some(t.msg("section-notifications")),
            // Built: their screens are `handlers::section_screen`'s.
            Section::Schedule | Section::Language | Section::Referrals => None,
        }
    }
}

/// The menu's buttons: two to a row, so labels fit a phone's width.
pub fn keyboard(t: Texts) -> InlineKeyboardMarkup {
    let buttons: Vec<_> = Section::SHOWN
        .into_iter()
        .map(|section| button(section.label(t), Action::Open(section)))
        .collect();
    InlineKeyboardMarkup::new(buttons.chunks(2).map(<[_]>::to_vec))
}

/// The main menu under a heading.
pub fn menu(t: Texts, heading: String) -> Screen {
    Screen {
        text: heading,
        keyboard: keyboard(t),
    }
}

fn back(t: Texts) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[button(t.msg("button-back"), Action::Home)]])
}

/// `heading`, and under it, for a practitioner the register did not
/// confirm, that the account awaits activation and how to get it. Only the
/// greeting screens carry it (/start, the end of enrolment): repeating it on
/// every return to the menu would be noise.
pub async fn with_activation_note(
    t: Texts,
    db: &PgPool,
    user_id: UserId,
    heading: String,
) -> Result<String, super::HandlerError> {
    if accounts::is_confirmed(db, user_id).await? {
        return Ok(heading);
    }
    Ok(format!("{heading}\n\n{}", t.msg("menu-awaits-activation")))
}

/// /start: a fresh beginning, whatever the user was doing.
pub async fn start(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
) -> HandlerResult {
    dialogue.exit().await?;
    let name = msg
        .from
        .as_ref()
        .map(|user| user.first_name.as_str())
        .unwrap_or_default();
    let greeting = t.msg_with("start-greeting", [("name", Arg::Text(name))]);
    let greeting = with_activation_note(t, &db, msg.chat.id.stored()?, greeting).await?;
    screen::show(&bot, msg.chat.id, menu(t, greeting)).await
}

/// /menu
pub async fn show(bot: Bot, msg: Message, t: Texts) -> HandlerResult {
    screen::show(&bot, msg.chat.id, menu(t, t.msg("menu-title"))).await
}

/// « Назад в меню
pub async fn home(
    bot: Bot,
    query: CallbackQuery,
    dialogue: ChatDialogue,
    t: Texts,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    dialogue.exit().await?;
    screen::replace(&bot, &query, menu(t, t.msg("menu-title"))).await
}

/// A section button.
pub async fn open(
    bot: Bot,
    query: CallbackQuery,
    dialogue: ChatDialogue,
    t: Texts,
    section: Section,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let user_id = query.from.stored()?;
    if section.holds_personal_data() {
        if !code_entry::session_open(&db, &services, user_id).await? {
            return ask_for_code(&bot, &query, &dialogue, t, section).await;
        }
        // This message becomes the section's card: closed when the
        // session ends.
        if let Some(message) = query.regular_message() {
            accounts::remember_card(&db, user_id, i64::from(message.id.0)).await?;
        }
    }
    if let Some(screen) = super::section_screen(section, t, &db, &services, user_id).await? {
        return screen::replace(&bot, &query, screen).await;
    }
    match section.preview(t) {
        Some(text) => {
            screen::replace(
                &bot,
                &query,
                Screen {
                    text,
                    keyboard: back(t),
                },
            )
            .await
        }
        None => {
            dialogue.update(State::ChoosingLanguage).await?;
            screen::replace(&bot, &query, language::picker(t)).await
        }
    }
}

/// Asks for the second-factor code before `section` opens (step-up); the
/// code typed next opens it.
pub async fn ask_for_code(
    bot: &Bot,
    query: &CallbackQuery,
    dialogue: &ChatDialogue,
    t: Texts,
    section: Section,
) -> HandlerResult {
    dialogue.update(State::StepUp { section }).await?;
    let screen = Screen {
        text: t.msg("step-up-ask"),
        keyboard: code_keyboard(t),
    };
    screen::replace(bot, query, screen).await
}

/// Under a question for the code: the way out for a lost authenticator,
/// and back to the menu.
pub fn code_keyboard(t: Texts) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([
        [button(t.msg("factor-lost-button"), Action::FactorLost)],
        [button(t.msg("button-back"), Action::Home)],
    ])
}

/// The code typed after a section asked for it.
pub async fn receive_step_up_code(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    t: Texts,
    section: Section,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    if !code_entry::take_code(&bot, &msg, t, &db, &services).await? {
        return Ok(());
    }
    dialogue.exit().await?;
    let user_id = msg.chat.id.stored()?;
    // An answer or a press that came while the session was closed goes on.
    if let Some(held) = step_up::take(&db, &services, user_id).await? {
        screen::say(&bot, msg.chat.id, t.msg("step-up-confirmed")).await?;
        return step_up::replay(bot, dialogue, held, t, db, services).await;
    }
    if let Some(built) = super::section_screen(section, t, &db, &services, user_id).await? {
        let text = format!("{}\n\n{}", t.msg("step-up-confirmed"), built.text);
        let screen = Screen {
            text,
            keyboard: built.keyboard,
        };
        return screen::show(&bot, msg.chat.id, screen).await;
    }
    let text = format!(
        "{}\n\n{}",
        t.msg("step-up-confirmed"),
        section.preview(t).unwrap_or_default()
    );
    screen::show(
        &bot,
        msg.chat.id,
        Screen {
            text,
            keyboard: back(t),
        },
    )
    .await
}
