//! «🎓 НМО и аккредитация» (`Section::Nmo`): a small screen leading to
//! what the practitioner keeps for periodic accreditation. Behind the
//! step-up, like every section with personal data.
//!
//! ```text
//! user: <presses 🎓 НМО и аккредитация>         (in the main menu)
//! bot:  (the same message) 🎓 НМО и аккредитация. Всё для периодической
//!       аккредитации… [📚 Обучение и НМО] [🩺 Аккредитация] [🗂 Портфолио]
//!       [📝 Отчёт о деятельности] [« Назад в меню]
//! user: <presses 📚 Обучение и НМО>
//! bot:  (the same message) the hours and the records (see `hours`)
//! user: <presses 🩺 Аккредитация>                (from this screen)
//! bot:  (the same message) the status (see `super::accreditation`)
//! user: <presses 🗂 Портфолио>                    (from this screen)
//! bot:  (the same message) every item with its status (see `portfolio`)
//! user: <presses 📝 Отчёт о деятельности>         (from this screen)
//! bot:  (the same message) the report on professional activity (see `report`)
//! ```

pub mod certificate;
pub mod check;
pub mod hours;
pub mod portfolio;
pub mod report;

use medcab_core::UserId;
use medcab_core::review;
use sqlx::PgPool;

use super::Action;
use super::HandlerError;
use super::accreditation::AccrAction;
use super::screen::{Screen, button};
use crate::chat::Keyboard;
use crate::i18n::Texts;
use crate::startup::Services;

pub use hours::HoursAction;
pub use portfolio::PortfolioAction;
pub use report::ReportAction;

/// The section's screen.
pub fn section_screen(t: Texts) -> Screen {
    let rows = vec![
        vec![button(
            t.msg("nmo-hours-button"),
            Action::Hours(HoursAction::Overview(0)),
        )],
        vec![button(
            t.msg("nmo-accreditation-button"),
            Action::Accr(AccrAction::Open),
        )],
        vec![button(
            t.msg("portfolio-button"),
            Action::Folio(PortfolioAction::Open),
        )],
        vec![button(
            t.msg("nmo-report-button"),
            Action::Report(ReportAction::Open),
        )],
        vec![button(t.msg("button-back"), Action::Home)],
    ];
    Screen {
        text: format!("{}\n\n{}", t.msg("nmo-title"), t.msg("nmo-intro")),
        keyboard: Keyboard::new(rows),
    }
}

/// The name inside the section's PDFs (the hours report, the portfolio):
/// the register's only for a confirmed account — an applicant who typed
/// someone's СНИЛС gets their own profile's name, or none.
pub async fn name_on_pdf(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<String, HandlerError> {
    let name = if medcab_core::accounts::is_confirmed(db, user_id).await? {
        review::practitioner_name(db, &services.vault, &services.registry, user_id).await?
    } else {
        medcab_core::profile::get(db, &services.vault, user_id)
            .await?
            .map(|profile| profile.full_name().to_string())
    };
    Ok(name.unwrap_or_default())
}
