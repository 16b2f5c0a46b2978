//! /settings: which notifications a practitioner gets, and when.
//!
//! One screen, edited in place: three categories switched on and off, the
//! quiet hours and the time zone, each of the last two on a sub-screen.
//! Security notices (logins, the second factor) and the status of one's
//! own applications always come: they are not on the screen as switches,
//! only named. Every choice is stored in PostgreSQL the moment it is made
//! (`notification_settings`), so a restart or a Redis flush loses nothing;
//! Redis only knows that custom quiet hours are being typed.
//!
//! Who may use it: anyone whose consent to the processing of personal data
//! is in force, active or not yet. The settings are kept under the person's
//! Telegram id and say something about them (their time zone, when they
//! sleep), so, as with everything personal, consent comes first; a
//! practitioner still connecting (or awaiting activation) already gets
//! pushes about their application, and may want quiet hours before the
//! first one. Before consent the bot sends no notices at all, and /settings
//! says what to do first. The routes come before onboarding's for that
//! reason: onboarding would otherwise take every update of a user who is
//! not active yet.
//!
//! ```text
//! user: /settings   (or «🔔 Уведомления» → «⚙️ Настройки уведомлений» in the menu)
//! bot:  ⚙️ Настройки уведомлений … Уведомления о безопасности и о статусе
//!       ваших заявок приходят всегда.
//!       [✅ Проверки] [✅ Изменения в нормативных документах]
//!       [✅ Напоминания о сроках документов] [✅ Расписание]
//!       [🌙 Тихие часы: 22:00–08:00] [🕒 Часовой пояс: Москва (UTC+3)]
//!       [« Назад в меню]
//! user: <presses ✅ Проверки>
//! bot:  (the same message) … [⬜ Проверки] …
//! user: <presses 🌙 Тихие часы: 22:00–08:00>
//! bot:  (the same message) 🌙 Тихие часы … [Выключить] [✅ 22:00–08:00]
//!       [23:00–07:00] [21:00–09:00] [✏️ Указать своё] [« К настройкам]
//! user: <presses ✏️ Указать своё>
//! bot:  (the same message) Напишите начало и конец … ЧЧ:ММ–ЧЧ:ММ …
//! user: поздно вечером
//! bot:  Не получилось прочитать время. Напишите … например 22:30–07:00.
//! user: 22:30-07:00
//! bot:  ✅ Тихие часы: 22:30–07:00. ⚙️ Настройки уведомлений … (a new screen)
//! user: <presses 🕒 Часовой пояс: Москва (UTC+3)>
//! bot:  (the same message) 🕒 Часовой пояс … [Калининград (UTC+2)] …
//!       [Камчатка (UTC+12)] [« К настройкам]
//! user: <presses Екатеринбург (UTC+5)>
//! bot:  (the same message) ✅ Часовой пояс: Екатеринбург (UTC+5). ⚙️ …
//! ```

use chrono::{DateTime, Offset, TimeZone, Utc};
use dptree::case;
use medcab_core::UserId;
use medcab_core::consent;
use medcab_core::notification_settings::{
    self, QuietHours, QuietHoursError, RUSSIAN_TIME_ZONES, Settings,
};
use medcab_core::outbox::{self, Category};
use sqlx::PgPool;

use super::commands::Command;
use super::screen::{Screen, button};
use super::{Action, HandlerError, HandlerResult, Routes, State, Turn};
use crate::chat::{Button, Keyboard, Press, Said};
use crate::i18n::{Arg, Texts};

/// The quiet hours offered as buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Off,
    /// 22:00–08:00, the default.
    Night,
    /// 23:00–07:00.
    Late,
    /// 21:00–09:00.
    Long,
}

impl Preset {
    const ALL: [Preset; 4] = [Preset::Off, Preset::Night, Preset::Late, Preset::Long];

    fn code(self) -> &'static str {
        match self {
            Preset::Off => "off",
            Preset::Night => "22-08",
            Preset::Late => "23-07",
            Preset::Long => "21-09",
        }
    }

    fn from_code(code: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|preset| preset.code() == code)
    }

    fn hours(self) -> Option<QuietHours> {
        match self {
            Preset::Off => None,
            // The codes are fixed and valid: "22-08" parses as 22:00–08:00.
            preset => QuietHours::parse(preset.code()).ok(),
        }
    }
}

/// A button of /settings. It changes only the presser's own settings, so
/// the one check it needs is the presser's consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAction {
    /// The settings screen.
    Show,
    /// Switch a category to `on` (the value it is to have, not a flip: a
    /// double tap changes nothing more).
    Switch {
        category: Category,
        on: bool,
    },
    /// The quiet hours sub-screen.
    Quiet,
    QuietPreset(Preset),
    /// «✏️ Указать своё»: the next text is the quiet hours.
    QuietOwn,
    /// The time zone sub-screen.
    Zones,
    /// A zone, as its index in [`RUSSIAN_TIME_ZONES`] (encoded by name).
    Zone(usize),
}

impl SetAction {
    /// The part after `set:` in callback_data.
    pub fn encode(self) -> String {
        match self {
            SetAction::Show => "main".to_owned(),
            SetAction::Switch { category, on } => {
                format!("t:{}:{}", category_code(category), u8::from(on))
            }
            SetAction::Quiet => "q".to_owned(),
            SetAction::QuietPreset(preset) => format!("q:{}", preset.code()),
            SetAction::QuietOwn => "q:own".to_owned(),
            SetAction::Zones => "z".to_owned(),
            SetAction::Zone(index) => format!("z:{}", RUSSIAN_TIME_ZONES[index].name()),
        }
    }

    pub fn parse(data: &str) -> Option<SetAction> {
        match data {
            "main" => return Some(SetAction::Show),
            "q" => return Some(SetAction::Quiet),
            "q:own" => return Some(SetAction::QuietOwn),
            "z" => return Some(SetAction::Zones),
            _ => {}
        }
        let (verb, rest) = data.split_once(':')?;
        match verb {
            "t" => {
                let (code, on) = rest.split_once(':')?;
                let category = CATEGORIES.into_iter().find(|c| category_code(*c) == code)?;
                let on = match on {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                };
                Some(SetAction::Switch { category, on })
            }
            "q" => Preset::from_code(rest).map(SetAction::QuietPreset),
            "z" => RUSSIAN_TIME_ZONES
                .iter()
                .position(|zone| zone.name() == rest)
                .map(SetAction::Zone),
            _ => None,
        }
    }

    /// One of each, for the round-trip test of callback_data.
    #[cfg(test)]
    pub fn examples() -> Vec<SetAction> {
        let mut all = vec![SetAction::Show, SetAction::Quiet, SetAction::QuietOwn];
        for category in CATEGORIES {
            all.push(SetAction::Switch { category, on: true });
            all.push(SetAction::Switch {
                category,
                on: false,
            });
        }
        all.extend(Preset::ALL.map(SetAction::QuietPreset));
        all.push(SetAction::Zones);
        all.extend((0..RUSSIAN_TIME_ZONES.len()).map(SetAction::Zone));
        all
    }
}

/// The categories a practitioner may switch, in the screen's order.
const CATEGORIES: [Category; 4] = [
    Category::Inspections,
    Category::Regulation,
    Category::Reminders,
    Category::Schedule,
];

fn category_code(category: Category) -> &'static str {
    match category {
        Category::Inspections => "i",
        Category::Regulation => "r",
        Category::Reminders => "m",
        Category::Schedule => "c",
        // Not switchable: never on a button.
        Category::Security => "s",
        Category::Status => "a",
    }
}

fn category_name(category: Category) -> &'static str {
    match category {
        Category::Inspections => "inspections",
        Category::Regulation => "regulation",
        Category::Reminders => "reminders",
        Category::Schedule => "schedule",
        Category::Security => "security",
        Category::Status => "status",
    }
}

fn is_on(settings: &Settings, category: Category) -> bool {
    match category {
        Category::Inspections => settings.inspections,
        Category::Regulation => settings.regulation,
        Category::Reminders => settings.reminders,
        Category::Schedule => settings.schedule,
        Category::Security | Category::Status => true,
    }
}

/// The settings' routes. They come before onboarding: a practitioner who
/// is still connecting may set them too (see the module's doc).
pub fn routes() -> Routes {
    let commands = super::command().branch(case![Command::Settings].endpoint(command));
    // Another command while the quiet hours are asked for is that command.
    let typed = dptree::filter(|said: Said| !said.text().is_some_and(|t| t.starts_with('/')))
        .branch(case![State::QuietHours].endpoint(receive_quiet_hours));
    let actions =
        dptree::filter_map(Action::from_press).branch(case![Action::Set(action)].endpoint(press));
    dptree::entry()
        .branch(crate::handlers::said().branch(commands).branch(typed))
        .branch(crate::handlers::pressed().branch(actions))
}

async fn consented(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    Ok(consent::in_force(db, user_id).await?.is_some())
}

/// /settings
pub async fn command(turn: Turn) -> HandlerResult {
    let Turn {
        ui,
        user: user_id,
        t,
        db,
        services,
        dialogue,
    } = turn;
    if !consented(&db, user_id).await? {
        return ui.say(t.msg("settings-needs-consent")).await;
    }
    dialogue.exit().await?;
    let settings = notification_settings::get(&db, user_id).await?;
    let now = services.clock.now();
    let screen = main_screen(t, &settings, now, None);
    let screen = with_waiting(t, &db, user_id, &settings, now, screen).await?;
    ui.show(screen).await
}

/// The main menu's «🔔 Уведомления»: what the section is, and the way to
/// the settings.
pub fn section_screen(t: Texts) -> Screen {
    Screen {
        text: t.msg("section-notifications"),
        keyboard: Keyboard::new([
            [button(t.msg("settings-open"), Action::Set(SetAction::Show))],
            [button(t.msg("button-back"), Action::Home)],
        ]),
    }
}

/// A button of the settings screens.
pub async fn press(turn: Turn, press: Press, action: SetAction) -> HandlerResult {
    let Turn {
        ui,
        user: user_id,
        t,
        db,
        services,
        dialogue,
    } = turn;
    if !consented(&db, user_id).await? {
        return ui
            .answer_with(&press, t.msg("settings-needs-consent"))
            .await;
    }
    ui.answer(&press).await?;
    let now = services.clock.now();
    let mut settings = notification_settings::get(&db, user_id).await?;
    // Any button leaves typing custom quiet hours, except the one that
    // starts it.
    if action == SetAction::QuietOwn {
        dialogue.update(State::QuietHours).await?;
    } else if dialogue.get().await? == Some(State::QuietHours) {
        dialogue.exit().await?;
    }
    let screen = match action {
        SetAction::Show => main_screen(t, &settings, now, None),
        SetAction::Switch { category, on } => {
            // A double tap: already so, and the screen already says it.
            if is_on(&settings, category) == on {
                return Ok(());
            }
            (settings, _) =
                notification_settings::update(&db, user_id, now, |s| s.set(category, on)).await?;
            main_screen(t, &settings, now, None)
        }
        SetAction::Quiet => quiet_screen(t, &settings, now),
        SetAction::QuietPreset(preset) => {
            let retimed;
            (settings, retimed) = notification_settings::update(&db, user_id, now, |s| {
                s.quiet_hours = preset.hours();
            })
            .await?;
            let heading = quiet_saved(t, &settings, now, retimed);
            main_screen(t, &settings, now, Some(heading))
        }
        SetAction::QuietOwn => Screen {
            text: t.msg_with(
                "settings-quiet-ask",
                [("zone", Arg::Text(&zone_label(t, &settings, now)))],
            ),
            keyboard: Keyboard::new([[button(
                t.msg("settings-back"),
                Action::Set(SetAction::Quiet),
            )]]),
        },
        SetAction::Zones => zones_screen(t, &settings, now),
        SetAction::Zone(index) => {
            let retimed;
            (settings, retimed) = notification_settings::update(&db, user_id, now, |s| {
                s.time_zone = RUSSIAN_TIME_ZONES[index];
            })
            .await?;
            let mut heading = t.msg_with(
                "settings-zone-saved",
                [("zone", Arg::Text(&zone_label(t, &settings, now)))],
            );
            heading.push_str(&released(t, &settings, now, retimed));
            main_screen(t, &settings, now, Some(heading))
        }
    };
    let screen = match action {
        SetAction::QuietOwn | SetAction::Zones => screen,
        _ => with_waiting(t, &db, user_id, &settings, now, screen).await?,
    };
    ui.replace(&press, screen).await
}

/// A screen that speaks of quiet hours, with what they hold now, if
/// anything: otherwise nothing would tell that notifications are waiting.
async fn with_waiting(
    t: Texts,
    db: &PgPool,
    user_id: UserId,
    settings: &Settings,
    now: DateTime<Utc>,
    mut screen: Screen,
) -> Result<Screen, HandlerError> {
    if let Some(waiting) = outbox::waiting_for_quiet_hours(db, user_id.private_chat(), now).await? {
        let time = waiting
            .first_at
            .with_timezone(&settings.time_zone)
            .format("%H:%M")
            .to_string();
        screen.text.push_str("\n\n");
        screen.text.push_str(&t.msg_with(
            "settings-waiting",
            [
                ("count", Arg::Number(waiting.count)),
                ("time", Arg::Text(&time)),
            ],
        ));
    }
    Ok(screen)
}

/// «Ожидавшие уведомления придут сейчас», when a change of quiet hours
/// released what they held; else nothing.
fn released(t: Texts, settings: &Settings, now: DateTime<Utc>, retimed: u64) -> String {
    if retimed == 0 || settings.release_at(now).is_some() {
        return String::new();
    }
    format!(
        " {}",
        t.msg_with("settings-released", [("count", Arg::total(retimed))])
    )
}

/// The text after «✏️ Указать своё».
pub async fn receive_quiet_hours(turn: Turn, said: Said) -> HandlerResult {
    let Turn {
        ui,
        user: user_id,
        t,
        db,
        services,
        dialogue,
    } = turn;
    if !consented(&db, user_id).await? {
        dialogue.exit().await?;
        return ui.say(t.msg("settings-needs-consent")).await;
    }
    let Some(text) = said.text() else {
        return ui.say(t.msg("settings-quiet-format")).await;
    };
    let hours = match QuietHours::parse(text) {
        Ok(hours) => hours,
        // The question stands: the state is kept, the next text answers it.
        Err(QuietHoursError::Format) => {
            return ui.say(t.msg("settings-quiet-format")).await;
        }
        Err(QuietHoursError::Empty) => {
            return ui.say(t.msg("settings-quiet-empty")).await;
        }
    };
    let now = services.clock.now();
    let (settings, retimed) = notification_settings::update(&db, user_id, now, |s| {
        s.quiet_hours = Some(hours);
    })
    .await?;
    dialogue.exit().await?;
    let heading = quiet_saved(t, &settings, now, retimed);
    let screen = main_screen(t, &settings, now, Some(heading));
    let screen = with_waiting(t, &db, user_id, &settings, now, screen).await?;
    ui.show(screen).await
}

/// `22:00–08:00`, as the screens write quiet hours.
fn hours_text(hours: QuietHours) -> String {
    format!(
        "{}–{}",
        hours.from().format("%H:%M"),
        hours.until().format("%H:%M")
    )
}

fn quiet_saved(t: Texts, settings: &Settings, now: DateTime<Utc>, retimed: u64) -> String {
    let saved = match settings.quiet_hours {
        Some(hours) => t.msg_with(
            "settings-quiet-saved",
            [("hours", Arg::Text(&hours_text(hours)))],
        ),
        None => t.msg("settings-quiet-disabled"),
    };
    saved + &released(t, settings, now, retimed)
}

/// The quiet hours as a button or a line says them: the hours, or «выключены».
fn quiet_label(t: Texts, settings: &Settings) -> String {
    match settings.quiet_hours {
        Some(hours) => hours_text(hours),
        None => t.msg("settings-quiet-none"),
    }
}

/// Hours east of UTC at `now` (Russia keeps no summer time, but the zone's
/// rules decide).
fn offset_hours<Z: TimeZone>(zone: &Z, now: DateTime<Utc>) -> i32 {
    now.with_timezone(zone).offset().fix().local_minus_utc() / 3600
}

/// «Москва (UTC+3)»: the city the zone is named after, in the user's
/// language, and its offset.
fn zone_text(t: Texts, name: &str, offset: i32) -> String {
    // Europe/Kaliningrad → kaliningrad, the Fluent variant's key.
    let city = name.rsplit('/').next().unwrap_or(name).to_lowercase();
    let offset = format!("{offset:+}");
    t.msg_with(
        "settings-zone",
        [("city", Arg::Text(&city)), ("offset", Arg::Text(&offset))],
    )
}

fn zone_label(t: Texts, settings: &Settings, now: DateTime<Utc>) -> String {
    let zone = settings.time_zone;
    zone_text(t, zone.name(), offset_hours(&zone, now))
}

fn back_to_settings(t: Texts) -> Vec<Button> {
    vec![button(t.msg("settings-back"), Action::Set(SetAction::Show))]
}

/// The settings screen, under an optional heading (what was just saved).
fn main_screen(
    t: Texts,
    settings: &Settings,
    now: DateTime<Utc>,
    heading: Option<String>,
) -> Screen {
    let mut text = heading.map(|h| h + "\n\n").unwrap_or_default();
    let zone = zone_label(t, settings, now);
    let quiet = quiet_label(t, settings);
    let quiet_on = if settings.quiet_hours.is_some() {
        "yes"
    } else {
        "no"
    };
    text.push_str(&t.msg_with(
        "settings-title",
        [
            ("quiet_on", Arg::Text(quiet_on)),
            ("quiet", Arg::Text(&quiet)),
            ("zone", Arg::Text(&zone)),
        ],
    ));
    let mut rows: Vec<Vec<_>> = CATEGORIES
        .into_iter()
        .map(|category| {
            let on = is_on(settings, category);
            let label = t.msg_with(
                "settings-switch",
                [
                    ("on", Arg::Text(if on { "yes" } else { "no" })),
                    ("category", Arg::Text(category_name(category))),
                ],
            );
            vec![button(
                label,
                Action::Set(SetAction::Switch { category, on: !on }),
            )]
        })
        .collect();
    rows.push(vec![button(
        t.msg_with("settings-quiet-button", [("quiet", Arg::Text(&quiet))]),
        Action::Set(SetAction::Quiet),
    )]);
    rows.push(vec![button(
        t.msg_with("settings-zone-button", [("zone", Arg::Text(&zone))]),
        Action::Set(SetAction::Zones),
    )]);
    rows.push(vec![button(
        t.msg("settings-messengers-button"),
        Action::Link(super::messengers::LinkAction::Show),
    )]);
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

fn quiet_screen(t: Texts, settings: &Settings, now: DateTime<Utc>) -> Screen {
    let zone = zone_label(t, settings, now);
    let text = t.msg_with(
        "settings-quiet-title",
        [
            ("quiet", Arg::Text(&quiet_label(t, settings))),
            ("zone", Arg::Text(&zone)),
        ],
    );
    let mut rows: Vec<Vec<_>> = Preset::ALL
        .into_iter()
        .map(|preset| {
            let current = preset.hours() == settings.quiet_hours;
            let label = match preset.hours() {
                Some(hours) => hours_text(hours),
                None => t.msg("settings-quiet-off"),
            };
            let label = if current {
                t.msg_with("settings-current", [("label", Arg::Text(&label))])
            } else {
                label
            };
            vec![button(label, Action::Set(SetAction::QuietPreset(preset)))]
        })
        .collect();
    rows.push(vec![button(
        t.msg("settings-quiet-own"),
        Action::Set(SetAction::QuietOwn),
    )]);
    rows.push(back_to_settings(t));
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

fn zones_screen(t: Texts, settings: &Settings, now: DateTime<Utc>) -> Screen {
    let text = t.msg_with(
        "settings-zone-title",
        [("zone", Arg::Text(&zone_label(t, settings, now)))],
    );
    let mut rows: Vec<Vec<_>> = RUSSIAN_TIME_ZONES
        .iter()
        .enumerate()
        .map(|(index, zone)| {
            let label = zone_text(t, zone.name(), offset_hours(zone, now));
            let label = if *zone == settings.time_zone {
                t.msg_with("settings-current", [("label", Arg::Text(&label))])
            } else {
                label
            };
            vec![button(label, Action::Set(SetAction::Zone(index)))]
        })
        .collect();
    rows.push(back_to_settings(t));
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medcab_core::Language;

    #[test]
    fn every_russian_zone_has_a_city_in_both_languages() {
        let now = Utc::now();
        for language in Language::ALL {
            let t = Texts::new(language);
            let labels: Vec<String> = RUSSIAN_TIME_ZONES
                .iter()
                .map(|zone| zone_text(t, zone.name(), offset_hours(zone, now)))
                .collect();
            for label in &labels {
                assert!(!label.contains("other"), "{label}");
            }
            let mut unique = labels.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), labels.len(), "{labels:?}");
        }
        let ru = Texts::new(Language::Ru);
        let first = RUSSIAN_TIME_ZONES[0];
        let last = RUSSIAN_TIME_ZONES[10];
        assert_eq!(
            zone_text(ru, first.name(), offset_hours(&first, now)),
            "Калининград (UTC+2)"
        );
        assert_eq!(
            zone_text(ru, last.name(), offset_hours(&last, now)),
            "Камчатка (UTC+12)"
        );
    }

    #[test]
    fn presets_are_quiet_hours() {
        assert_eq!(Preset::Night.hours(), Some(QuietHours::NIGHT));
        assert_eq!(Preset::Off.hours(), None);
        assert_eq!(
            Preset::Late.hours().map(hours_text).as_deref(),
            Some("23:00–07:00")
        );
        assert_eq!(
            Preset::Long.hours().map(hours_text).as_deref(),
            Some("21:00–09:00")
        );
    }

    #[test]
    fn forged_settings_buttons_are_not_actions() {
        for data in [
            "",
            "t",
            "t:i",
            "t:i:2",
            "t:s:0",
            "t:a:0",
            "t:x:1",
            "q:22-09",
            "q:",
            "z:",
            "z:0",
            "z:Europe/Berlin",
            "z:Europe/Moscow:1",
            "main:1",
        ] {
            assert_eq!(SetAction::parse(data), None, "{data:?}");
        }
    }
}
