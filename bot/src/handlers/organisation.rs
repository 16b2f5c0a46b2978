//! «🏥 Организация»: the card of the practitioner's organisation, from the
//! profile of a confirmed account — its name and region as the register
//! of medical workers gives them, and its licence from the licensing
//! register's import: the number, the status in words, the licensed works
//! (shortened to fit), the import's date. A licence has no end date, so
//! the card never counts days.
//!
//! ```text
//! user: <presses 🏥 Организация>                   (on the profile card)
//! bot:  (the same message) 🏥 Организация
//!       ГБУЗ «Городская поликлиника № 1»
//!       Регион: Москва
//!       Лицензия № Л041-01137-77/00368918 — действует
//!       ОГРН 1027700132195, ИНН 7707083893 (найдена по ОГРН)
//!       Лицензированные работы (5):
//!       • Доврачебная помощь: сестринское дело
//!       …
//!       Сведения реестра лицензий на 01.12.2026.
//!       [« К профилю]
//!
//! (no licence found)
//! bot:  🏥 Организация … Лицензия организации в загруженном реестре лицензий
//!       не найдена. …
//! ```
//!
//! An unconfirmed account sees nothing from the register: its profile has
//! no such button, and a forged press is told the card comes with the
//! confirmation. Several licences of one organisation page, one a page.
//! Which licence is the organisation's is core's (`licences`).

use medcab_core::UserId;
use medcab_core::licences::{self, Card, Licence, MatchedBy};
use sqlx::PgPool;

use super::profile::ProfileAction;
use super::screen::{self, Screen, button};
use super::{Action, HandlerError};
use crate::chat::Keyboard;
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// Works listed on the card; the rest are counted.
const WORKS_SHOWN: usize = 15;

/// Characters of one work, and of the organisation's name, on the card:
/// with [`WORKS_SHOWN`] the card stays well inside Telegram's 4096.
const WORK_CHARS: usize = 150;
const NAME_CHARS: usize = 300;

/// At most `max` characters, with an ellipsis when cut.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn matched_by(by: MatchedBy) -> &'static str {
    match by {
        MatchedBy::Ogrn => "ogrn",
        MatchedBy::Inn => "inn",
        MatchedBy::Name => "name",
    }
}

fn licence_text(t: Texts, licence: &Licence, by: MatchedBy) -> String {
    let mut text = t.msg_with(
        "org-licence",
        [
            ("number", Arg::Text(&licence.number)),
            ("status", Arg::Text(licence.status.as_str())),
            ("ogrn", Arg::Text(&licence.ogrn)),
            ("inn", Arg::Text(&licence.inn)),
            ("by", Arg::Text(matched_by(by))),
        ],
    );
    text.push_str("\n\n");
    if licence.works.is_empty() {
        text.push_str(&t.msg("org-works-none"));
    } else {
        text.push_str(&t.msg_with("org-works", [("count", Arg::count(licence.works.len()))]));
        for work in licence.works.iter().take(WORKS_SHOWN) {
            text.push('\n');
            text.push_str(&t.msg_with(
                "org-work",
                [("work", Arg::Text(&shortened(work, WORK_CHARS)))],
            ));
        }
        if licence.works.len() > WORKS_SHOWN {
            text.push('\n');
            text.push_str(&t.msg_with(
                "org-works-more",
                [("count", Arg::count(licence.works.len() - WORKS_SHOWN))],
            ));
        }
    }
    text.push_str("\n\n");
    text.push_str(&t.msg_with(
        "org-imported",
        [("date", Arg::Text(&t.day_of(licence.imported_at)))],
    ));
    text
}

/// The card, on `page` (a licence a page; past the last shows the last).
pub async fn card_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    page: u32,
) -> Result<Screen, HandlerError> {
    let card =
        licences::organisation_card(db, &services.vault, &services.registry, user_id).await?;
    let back = vec![button(
        t.msg("edu-back-to-profile"),
        Action::Open(super::actions::Section::Profile),
    )];
    let mut text = t.msg("org-title");
    text.push_str("\n\n");
    let mut rows = Vec::new();
    match card {
        Card::NotConfirmed => text.push_str(&t.msg("org-not-confirmed")),
        Card::NotInRegister => text.push_str(&t.msg("org-not-in-register")),
        Card::Organisation {
            name,
            region,
            found,
        } => {
            text.push_str(&t.msg_with(
                "org-name",
                [
                    ("name", Arg::Text(&shortened(&name, NAME_CHARS))),
                    ("region", Arg::Text(&region)),
                ],
            ));
            text.push_str("\n\n");
            match found {
                None => text.push_str(&t.msg("org-licence-not-found")),
                Some(found) => {
                    let total = found.licences.len();
                    let page = usize::try_from(page).unwrap_or(0).min(total - 1);
                    if total > 1 {
                        text.push_str(&t.msg_with(
                            "org-licence-of",
                            [
                                ("index", Arg::count(page + 1)),
                                ("total", Arg::count(total)),
                            ],
                        ));
                        text.push('\n');
                    }
                    text.push_str(&licence_text(t, &found.licences[page], found.by));
                    let labels = (t.msg("org-page-back"), t.msg("org-page-next"));
                    let pager = screen::pager(page, total, labels, |page| {
                        Action::Profile(ProfileAction::Organisation(page))
                    });
                    rows.extend(pager);
                }
            }
        }
    }
    rows.push(back);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use medcab_core::Language;
    use medcab_core::licences::LicenceStatus;

    use super::*;

    #[test]
    fn a_licence_with_hundreds_of_long_works_fits_a_message() {
        let licence = Licence {
            ogrn: "1027700132195".into(),
            inn: "7707083893".into(),
            number: "Л041-01137-77/00368918".into(),
            organisation: None,
            status: LicenceStatus::Suspended,
            works: (0..300)
                .map(|n| format!("{n} {}", "работа ".repeat(80)))
                .collect(),
            imported_at: Utc::now(),
        };
        let text = licence_text(Texts::new(Language::Ru), &licence, MatchedBy::Inn);
        assert!(text.chars().count() < 3500, "{}", text.chars().count());
        assert!(text.contains("приостановлена"), "{text}");
        assert!(text.contains("и ещё 285"), "{text}");
        assert!(!text.contains("осталось"), "no days left: {text}");
    }
}
