//! «Аккредитация»: where the practitioner's accreditation stands and what
//! to do next, in a clinician's words.
//!
//! ```text
//! user: /accreditation   (or «🩺 Аккредитация» in «НМО и аккредитация»)
//! bot:  🩺 Аккредитация
//!       Последняя аккредитация: 30.06.2024, по данным регистра медицинских
//!       работников (ФРМР). Действует до: 30.06.2029 — осталось 943 дня.
//!       Что делать сейчас: До конца срока больше года. Набирайте часы
//!       обучения … Собирать портфолио — с 30.06.2028, подать документы —
//!       в марте 2029.
//!       Отчёт о профессиональной деятельности не согласован с
//!       работодателем (или вы ещё не отметили): … за три месяца …
//!       Результат аккредитации — запись в регистре … и выписка, а не
//!       свидетельство.
//!       [Отчёт согласован с работодателем: нет] [« Назад в меню]
//! user: <presses Отчёт согласован с работодателем: нет>
//! bot:  (the same message) … подать документы — в апреле 2029 …
//!       [Отчёт согласован с работодателем: да] [« Назад в меню]
//!
//! (nothing known)
//! bot:  🩺 Аккредитация
//!       О вашей аккредитации пока ничего не известно … Добавьте выписку …
//!       [➕ Добавить документ] [« Назад в меню]
//! ```
//!
//! Not behind the step-up: the screen shows what the reminders already
//! show on a locked screen — dates, days left, the month to file in, and
//! whether the date comes from the register or from a document — and
//! never a number, a name or a file. The document itself is opened in
//! «📄 Документы», behind the step-up; so is «➕ Добавить документ». The
//! rules are core's (`qualification::status`, through `accreditation`);
//! the report's agreement is the practitioner's word, stored at once.

use medcab_core::accreditation::{self, Standing};
use medcab_core::activity_report::{self, ReportError};
use medcab_core::clock::moscow_today;
use medcab_core::qualification::Requirements;
use medcab_core::qualification::{AccreditationStatus, ReportAgreement, Source, Stage};

use super::main_menu::Section;
use super::screen::{Screen, button};
use super::{Action, HandlerError, HandlerResult, Turn};
use crate::chat::{Button, Keyboard, Press};
use crate::i18n::{Arg, Texts};

/// Where «« Назад» leads from the screen: it is opened from the command
/// (back to the main menu) or from the «НМО и аккредитация» section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Back {
    Menu,
    Qualification,
}

impl Back {
    fn code(self) -> &'static str {
        match self {
            Back::Menu => "m",
            Back::Qualification => "q",
        }
    }

    fn parse(code: &str) -> Option<Back> {
        match code {
            "m" => Some(Back::Menu),
            "q" => Some(Back::Qualification),
            _ => None,
        }
    }

    /// «« Назад в меню» or «« НМО и аккредитация»: says where it leads.
    fn label(self) -> &'static str {
        match self {
            Back::Menu => "button-back",
            Back::Qualification => "nmo-back",
        }
    }

    fn action(self) -> Action {
        match self {
            Back::Menu => Action::Home,
            Back::Qualification => Action::Open(Section::Nmo),
        }
    }
}

/// A button of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccrAction {
    /// Open the screen from «НМО и аккредитация».
    Open,
    /// Say whether the report is agreed with the employer; the screen
    /// comes back with `back` as it was.
    Report { agreed: bool, back: Back },
}

impl AccrAction {
    pub fn encode(self) -> String {
        match self {
            AccrAction::Open => "o".to_owned(),
            AccrAction::Report { agreed, back } => {
                format!("r:{}:{}", if agreed { "y" } else { "n" }, back.code())
            }
        }
    }

    pub fn parse(data: &str) -> Option<AccrAction> {
        if data == "o" {
            return Some(AccrAction::Open);
        }
        let rest = data.strip_prefix("r:")?;
        let (agreed, back) = rest.split_once(':')?;
        let agreed = match agreed {
            "y" => true,
            "n" => false,
            _ => return None,
        };
        Some(AccrAction::Report {
            agreed,
            back: Back::parse(back)?,
        })
    }

    #[cfg(test)]
    pub fn examples() -> Vec<AccrAction> {
        [true, false]
            .into_iter()
            .flat_map(|agreed| {
                [Back::Menu, Back::Qualification].map(|back| AccrAction::Report { agreed, back })
            })
            .chain([AccrAction::Open])
            .collect()
    }
}

/// /accreditation
pub async fn command(turn: Turn) -> HandlerResult {
    let screen = status_screen(&turn, Back::Menu).await?;
    turn.ui.show(screen).await
}

/// The screen in place of the message `press` was pressed on, with «Назад»
/// leading to the «НМО и аккредитация» section: for that section's button.
pub async fn open_from_qualification(turn: &Turn, press: &Press) -> HandlerResult {
    turn.ui.answer(press).await?;
    let screen = status_screen(turn, Back::Qualification).await?;
    turn.ui.replace(press, screen).await
}

/// A button of the screen.
pub async fn press(turn: Turn, press: Press, action: AccrAction) -> HandlerResult {
    let AccrAction::Report { agreed, back } = action else {
        return open_from_qualification(&turn, &press).await;
    };
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let t = *t;
    let report = if agreed {
        ReportAgreement::Agreed
    } else {
        ReportAgreement::NotAgreed
    };
    let now = services.clock.now();
    match activity_report::set_agreement(db, *user, report, now).await {
        Ok(()) => {}
        Err(ReportError::InReview { number }) => {
            let text = t.msg_with("report-in-review", [("number", Arg::Text(&number))]);
            return ui.answer_with(&press, text).await;
        }
        Err(error) => return Err(error.into()),
    }
    ui.answer_with(&press, t.msg("accreditation-report-saved"))
        .await?;
    let screen = status_screen(&turn, back).await?;
    ui.replace(&press, screen).await
}

/// The screen as it stands today (Moscow, as every validity rule goes),
/// dates in the reader's form.
pub async fn status_screen(turn: &Turn, back: Back) -> Result<Screen, HandlerError> {
    let Turn {
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let t = *t;
    let today = moscow_today(services.clock.now());
    let standing =
        accreditation::standing(db, &services.vault, &services.registry, *user, today).await?;
    let back_button = button(t.msg(back.label()), back.action());
    let title = t.msg("accreditation-title");
    Ok(match standing {
        Standing::Known(status) => {
            let mut rows = Vec::new();
            // Once it has run out, the month to file in is past saying.
            if status.stage != Stage::Expired {
                rows.push(vec![report_button(t, status.report, back)]);
            }
            rows.push(vec![back_button]);
            Screen {
                text: format!(
                    "{title}\n\n{}",
                    known_text(t, &status, services.requirements)
                ),
                keyboard: Keyboard::new(rows),
            }
        }
        unknown => {
            let key = if unknown == Standing::NumberWithoutDate {
                "accreditation-number-without-date"
            } else {
                "accreditation-nothing"
            };
            Screen {
                text: format!("{title}\n\n{}", t.msg(key)),
                keyboard: Keyboard::new([
                    vec![button(t.msg("doc-add"), Action::ADD_DOCUMENT)],
                    vec![back_button],
                ]),
            }
        }
    })
}

/// The toggle: it shows what is stored, and a press says the opposite.
fn report_button(t: Texts, report: ReportAgreement, back: Back) -> Button {
    let agreed = report == ReportAgreement::Agreed;
    button(
        t.msg_with(
            "accreditation-report-button",
            [("agreed", Arg::Text(yes_no(agreed)))],
        ),
        Action::Accr(AccrAction::Report {
            agreed: !agreed,
            back,
        }),
    )
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

fn known_text(t: Texts, status: &AccreditationStatus, requirements: Requirements) -> String {
    let accredited_on = t.date(status.period.accredited_on());
    let valid_until = t.date(status.period.valid_until());
    let collect_from = t.date(status.collect_from);
    let source = match status.source {
        Source::Register => "register",
        Source::Document => "document",
    };
    let year = status.filing_month.year().to_string();
    let month = i64::from(status.filing_month.month());
    let dates_key = if status.stage == Stage::Expired {
        "accreditation-known-expired"
    } else {
        "accreditation-known"
    };
    let dates = t.msg_with(
        dates_key,
        [
            ("accredited_on", Arg::Text(&accredited_on)),
            ("valid_until", Arg::Text(&valid_until)),
            ("source", Arg::Text(source)),
            ("days", Arg::Number(status.days_left)),
        ],
    );
    let next = t.msg_with(
        "accreditation-next",
        [
            ("stage", Arg::Text(status.stage.as_str())),
            ("total", Arg::Number(requirements.total_hours.into())),
            (
                "programme",
                Arg::Number(requirements.programme_hours.into()),
            ),
            ("collect_from", Arg::Text(&collect_from)),
            ("valid_until", Arg::Text(&valid_until)),
            ("month", Arg::Number(month)),
            ("year", Arg::Text(&year)),
        ],
    );
    let report = t.msg_with(
        "accreditation-report",
        [(
            "agreed",
            Arg::Text(yes_no(status.report == ReportAgreement::Agreed)),
        )],
    );
    let result = t.msg("accreditation-result");
    // The report's line matters until the accreditation has run out.
    if status.stage == Stage::Expired {
        format!("{dates}\n\n{next}\n\n{result}")
    } else {
        format!("{dates}\n\n{next}\n\n{report}\n\n{result}")
    }
}
