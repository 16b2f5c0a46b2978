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

use super::screen::{Screen, button};
use crate::chat::{Incoming, Keyboard, Press, Said};
use medcab_core::UserId;
use medcab_core::accounts;
use medcab_core::session_files::{self, Session};
use sqlx::PgPool;

use super::{Action, HandlerResult, State, Turn, code_entry, language, step_up};
use crate::i18n::{Arg, Texts};

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
    /// only says «в разработке» misleads a newcomer) — every one, now.
    pub const SHOWN: [Section; 8] = Section::ALL;

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
pub fn keyboard(t: Texts) -> Keyboard {
    let buttons: Vec<_> = Section::SHOWN
        .into_iter()
        .map(|section| button(section.label(t), Action::Open(section)))
        .collect();
    Keyboard::new(buttons.chunks(2).map(<[_]>::to_vec))
}

/// The main menu under a heading.
pub fn menu(t: Texts, heading: String) -> Screen {
    Screen {
        text: heading,
        keyboard: keyboard(t),
    }
}

fn back(t: Texts) -> Keyboard {
    Keyboard::new([[button(t.msg("button-back"), Action::Home)]])
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
pub async fn start(turn: Turn, incoming: Incoming) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        dialogue,
        ..
    } = turn.clone();
    step_up::give_up(&turn).await?;
    dialogue.exit().await?;
    let name = incoming.from.first_name.as_str();
    let greeting = t.msg_with("start-greeting", [("name", Arg::Text(name))]);
    let greeting = with_activation_note(t, &db, user, greeting).await?;
    ui.show(menu(t, greeting)).await
}

/// /menu
pub async fn show(turn: Turn) -> HandlerResult {
    let t = turn.t;
    turn.ui.show(menu(t, t.msg("menu-title"))).await
}

/// « Назад в меню
pub async fn home(turn: Turn, press: Press, state: State) -> HandlerResult {
    turn.ui.answer(&press).await?;
    if matches!(state, State::StepUp { .. }) {
        step_up::give_up(&turn).await?;
    }
    let Turn {
        ui, t, dialogue, ..
    } = turn;
    dialogue.exit().await?;
    ui.replace(&press, menu(t, t.msg("menu-title"))).await
}

/// A section button.
pub async fn open(turn: Turn, press: Press, section: Section) -> HandlerResult {
    turn.ui.answer(&press).await?;
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    if section.holds_personal_data() {
        if !code_entry::session_open(db, services, *user).await? {
            return ask_for_code(&turn, &press, section).await;
        }
        // This message becomes the section's card: closed when the
        // session ends (remembered before it shows anything; whatever else
        // the turn shows, after it: `release::remember_cards`).
        ui.confidential(Session::Practitioner);
        if let Some(shown) = &press.message {
            let card = ui.stored(&shown.id);
            let now = services.clock.now();
            session_files::remember_card(db, *user, &card, Session::Practitioner, now).await?;
        }
    }
    let t = *t;
    if let Some(screen) = super::section_screen(section, t, db, services, *user).await? {
        return ui.replace(&press, screen).await;
    }
    match section.preview(t) {
        Some(text) => {
            ui.replace(
                &press,
                Screen {
                    text,
                    keyboard: back(t),
                },
            )
            .await
        }
        None => {
            dialogue.update(State::ChoosingLanguage).await?;
            ui.replace(&press, language::picker(t)).await
        }
    }
}

/// Asks for the second-factor code before `section` opens (step-up); the
/// code typed next opens it, also after a Redis flush (the question is kept
/// in PostgreSQL as a held input that holds nothing).
pub async fn ask_for_code(turn: &Turn, press: &Press, section: Section) -> HandlerResult {
    let t = turn.t;
    step_up::keep_asking(turn, section).await?;
    turn.dialogue.update(State::StepUp { section }).await?;
    let screen = Screen {
        text: t.msg("step-up-ask"),
        keyboard: code_keyboard(t),
    };
    turn.ui.replace(press, screen).await
}

/// Under a question for the code: the way out for a lost authenticator,
/// and back to the menu.
pub fn code_keyboard(t: Texts) -> Keyboard {
    Keyboard::new([
        [button(t.msg("factor-lost-button"), Action::FactorLost)],
        [button(t.msg("button-back"), Action::Home)],
    ])
}

/// The code typed after a section asked for it.
pub async fn receive_step_up_code(turn: Turn, said: Said, section: Section) -> HandlerResult {
    if !code_entry::take_code(&turn, &said).await? {
        return Ok(());
    }
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    let t = *t;
    dialogue.exit().await?;
    // The session is open now: what follows shows personal data.
    ui.confidential(Session::Practitioner);
    // An answer or a press that came while the session was closed goes on;
    // a section asked for opens (the one kept, when the position was lost).
    let section = match step_up::take(db, services, *user).await? {
        // The section asked for: this chat's position's, or the kept one's
        // (`step_up::waiting_without_position`).
        Some(step_up::Held {
            input: step_up::Input::Open { .. },
            ..
        }) => section,
        Some(held) => {
            ui.say(t.msg("step-up-confirmed")).await?;
            return step_up::replay(turn, held).await;
        }
        None => section,
    };
    if let Some(built) = super::section_screen(section, t, db, services, *user).await? {
        let text = format!("{}\n\n{}", t.msg("step-up-confirmed"), built.text);
        let screen = Screen {
            text,
            keyboard: built.keyboard,
        };
        return ui.show(screen).await;
    }
    let text = format!(
        "{}\n\n{}",
        t.msg("step-up-confirmed"),
        section.preview(t).unwrap_or_default()
    );
    ui.show(Screen {
        text,
        keyboard: back(t),
    })
    .await
}
