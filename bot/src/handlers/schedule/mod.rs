//! «🗓 Расписание»: the practitioner's appointment slots and duty shifts,
//! by day and by week, the next duty, a slot's card with its history, and
//! the practitioner's own changes (`edit`), the calendar file and the
//! subscription address (`export`).
//!
//! ```text
//! user: <presses 🗓 Расписание>                      (after the step-up code)
//! bot:  (the same message) 🗓 Расписание — Пн, 07.12.2026 (сегодня)
//!       1. 09:00–09:30 · каб. 214 · перв.
//!       2. 🚑 20:00–08:00⁺¹ · Хирургия · на месте
//!       🕒 Время организации: UTC+3.
//!       [1] [2]
//!       [◀ 06.12] [Завтра] [08.12 ▶]
//!       [🗓 Неделя] [🚑 Ближайшее дежурство]
//!       [➕ Добавить] [📤 Файл для календаря] [🔗 Подписка на календарь]
//!       [« Назад в меню]
//! user: <presses 🗓 Неделя>
//! bot:  (the same message) 🗓 Неделя 07.12 — 13.12.2026
//!       Пн, 07.12
//!       09:00–09:30 · каб. 214 · перв. …
//!       Вт, 08.12 — ничего нет …
//!       [Пн 7] … [Вс 13] [◀ Неделя] [Эта неделя] [Неделя ▶]
//!       [📤 .ics — неделя] [📤 .ics — месяц] [« Назад в меню]
//! user: <presses Пн 7>, then <presses 1>
//! bot:  (the same message) 🩺 Первичный приём · Пн, 07.12.2026, 09:00–09:30
//!       Кабинет: каб. 214. Из расписания клиники.
//!       [↔️ Перенести] [✖️ Отменить] [🕘 История] [« К дню]
//! ```
//!
//! One line a slot, grouped by day; an empty day says so; a long day or
//! week pages (`PAGE_LINES` lines, well inside Telegram's 4096). Times are
//! shown in the organisation's zone (the slot's), which is named under the
//! list. Every rule is core's (`medcab_core::schedule`); a slot id in a
//! button is re-checked there by owner, and a forged one is answered as
//! outdated and recorded.

pub mod edit;
pub mod export;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use medcab_core::UserId;
use medcab_core::history::{self, Entity};
use medcab_core::schedule::calendar::EventWords;
use medcab_core::schedule::{SlotKind, rules, store};
use sqlx::PgPool;

use crate::chat::{Button, Keyboard, Press};
use crate::handlers::records::{self, parse_id, versions_text};
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, Turn};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

pub use edit::{Form, Question};

/// Lines of a day or a week on one page: a line is at most about a
/// hundred characters, so a page stays well inside 4096.
const PAGE_LINES: usize = 30;

/// Characters of a room or a department in a list line (the card shows all).
const PLACE_CHARS: usize = 30;

/// Whether a period is a week or a month (an export).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
}

/// A button of «🗓 Расписание».
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedAction {
    /// A day's list, on a page.
    Day(NaiveDate, u8),
    /// A week's list (from its Monday), on a page.
    Week(NaiveDate, u8),
    /// The next duty shift's card.
    NextDuty,
    /// A slot's card.
    Open(i64),
    /// Move a slot: its new times are asked.
    Move(i64),
    /// Cancel a slot: asked to confirm.
    Cancel(i64),
    /// The confirmation.
    CancelConfirmed(i64),
    /// A slot's versions.
    History(i64),
    /// «➕ Добавить»: appointment or shift?
    Add,
    /// The kinds of an appointment (`false`) or a shift (`true`).
    AddShift(bool),
    /// Add a slot of this kind: its times are asked.
    AddKind(SlotKind),
    /// The calendar file of the week or the month holding this day.
    Export(Period, NaiveDate),
    /// The subscription screen.
    Feed,
    /// A new subscription address (replacing the old).
    FeedNew,
    /// The address revoked.
    FeedOff,
}

fn date_code(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

fn parse_date(code: &str) -> Option<NaiveDate> {
    if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(code, "%Y%m%d").ok()
}

/// A page in a button: absent for the first, else 1–99 (one spelling).
fn parse_page(code: Option<&str>) -> Option<u8> {
    match code {
        None => Some(0),
        Some(text) if text.starts_with('0') || text.len() > 2 => None,
        Some(text) => text.parse().ok().filter(|page| *page > 0),
    }
}

fn kind_code(kind: SlotKind) -> &'static str {
    kind.detail()
}

fn parse_kind(code: &str) -> Option<SlotKind> {
    rules::AppointmentKind::parse(code)
        .map(SlotKind::Appointment)
        .or_else(|| rules::Duty::parse(code).map(SlotKind::Shift))
}

impl SchedAction {
    /// The part after `sc:` in callback_data.
    pub fn encode(self) -> String {
        let paged = |code: &str, date: NaiveDate, page: u8| match page {
            0 => format!("{code}:{}", date_code(date)),
            page => format!("{code}:{}:{page}", date_code(date)),
        };
        match self {
            SchedAction::Day(date, page) => paged("d", date, page),
            SchedAction::Week(date, page) => paged("w", date, page),
            SchedAction::NextDuty => "n".to_owned(),
            SchedAction::Open(id) => format!("o:{id}"),
            SchedAction::Move(id) => format!("mv:{id}"),
            SchedAction::Cancel(id) => format!("cx:{id}"),
            SchedAction::CancelConfirmed(id) => format!("cy:{id}"),
            SchedAction::History(id) => format!("h:{id}"),
            SchedAction::Add => "add".to_owned(),
            SchedAction::AddShift(shift) => format!("as:{}", u8::from(shift)),
            SchedAction::AddKind(kind) => format!("ak:{}", kind_code(kind)),
            SchedAction::Export(Period::Week, date) => format!("xw:{}", date_code(date)),
            SchedAction::Export(Period::Month, date) => format!("xm:{}", date_code(date)),
            SchedAction::Feed => "f".to_owned(),
            SchedAction::FeedNew => "fn".to_owned(),
            SchedAction::FeedOff => "fo".to_owned(),
        }
    }

    pub fn parse(data: &str) -> Option<SchedAction> {
        match data {
            "n" => return Some(SchedAction::NextDuty),
            "add" => return Some(SchedAction::Add),
            "as:0" => return Some(SchedAction::AddShift(false)),
            "as:1" => return Some(SchedAction::AddShift(true)),
            "f" => return Some(SchedAction::Feed),
            "fn" => return Some(SchedAction::FeedNew),
            "fo" => return Some(SchedAction::FeedOff),
            _ => {}
        }
        let mut parts = data.split(':');
        let code = parts.next()?;
        let first = parts.next()?;
        let second = parts.next();
        if parts.next().is_some() {
            return None;
        }
        let on_record = |make: fn(i64) -> SchedAction| {
            if second.is_some() {
                return None;
            }
            parse_id(first).map(make)
        };
        match code {
            "d" => Some(SchedAction::Day(parse_date(first)?, parse_page(second)?)),
            "w" => {
                let monday = parse_date(first).filter(|date| date.weekday() == Weekday::Mon)?;
                Some(SchedAction::Week(monday, parse_page(second)?))
            }
            "o" => on_record(SchedAction::Open),
            "mv" => on_record(SchedAction::Move),
            "cx" => on_record(SchedAction::Cancel),
            "cy" => on_record(SchedAction::CancelConfirmed),
            "h" => on_record(SchedAction::History),
            "ak" if second.is_none() => parse_kind(first).map(SchedAction::AddKind),
            "xw" if second.is_none() => Some(SchedAction::Export(Period::Week, parse_date(first)?)),
            "xm" if second.is_none() => {
                Some(SchedAction::Export(Period::Month, parse_date(first)?))
            }
            _ => None,
        }
    }

    /// One of each, for the round-trip test of callback_data.
    #[cfg(test)]
    pub fn examples() -> Vec<SchedAction> {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        let mut all = vec![
            SchedAction::Day(day, 0),
            SchedAction::Day(day, 99),
            SchedAction::Week(day, 0),
            SchedAction::Week(day, 3),
            SchedAction::NextDuty,
            SchedAction::Open(i64::MAX),
            SchedAction::Move(1),
            SchedAction::Cancel(2),
            SchedAction::CancelConfirmed(3),
            SchedAction::History(4),
            SchedAction::Add,
            SchedAction::AddShift(false),
            SchedAction::AddShift(true),
            SchedAction::Export(Period::Week, day),
            SchedAction::Export(Period::Month, day),
            SchedAction::Feed,
            SchedAction::FeedNew,
            SchedAction::FeedOff,
        ];
        all.extend(
            rules::AppointmentKind::ALL
                .map(|kind| SchedAction::AddKind(SlotKind::Appointment(kind))),
        );
        all.extend(rules::Duty::ALL.map(|duty| SchedAction::AddKind(SlotKind::Shift(duty))));
        all
    }
}

fn act(action: SchedAction) -> Action {
    Action::Sched(action)
}

/// The zone the practitioner's schedule is shown in: the organisation's
/// (the slots imported last), else their own /settings zone.
pub async fn schedule_zone(db: &PgPool, user_id: UserId, t: Texts) -> Result<Tz, HandlerError> {
    Ok(store::zone_of(db, user_id)
        .await?
        .unwrap_or(t.reader().zone))
}

fn today_in(zone: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

fn weekday_code(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// «Пн, 07.12.2026».
pub fn day_text(t: Texts, date: NaiveDate) -> String {
    t.msg_with(
        "schedule-day",
        [
            ("weekday", Arg::Text(weekday_code(date))),
            ("date", Arg::Text(&t.date(date))),
        ],
    )
}

/// «Пн 7», for a day's button.
fn day_button_text(t: Texts, date: NaiveDate) -> String {
    t.msg_with(
        "schedule-day-button",
        [
            ("weekday", Arg::Text(weekday_code(date))),
            ("day", Arg::Number(i64::from(date.day()))),
        ],
    )
}

/// A page of a list (what [`paged`] gives) as a screen shows it: its
/// lines, which page it is when there are more, and the zone its times are
/// in.
fn page_text(
    t: Texts,
    (shown, index, pages): (&str, usize, usize),
    zone: Tz,
    now: DateTime<Utc>,
) -> String {
    let mut text = shown.to_owned();
    if pages > 1 {
        text.push_str("\n\n");
        text.push_str(&t.msg_with(
            "schedule-page",
            [
                ("page", Arg::count(index + 1)),
                ("pages", Arg::count(pages)),
            ],
        ));
    }
    text.push_str("\n\n");
    text.push_str(&zone_line(t, zone, now));
    text
}

/// «🕒 Время организации (UTC+3).»: the zone a list's times are in.
fn zone_line(t: Texts, zone: Tz, now: DateTime<Utc>) -> String {
    t.msg_with(
        "schedule-zone",
        [("offset", Arg::Text(&offset_text(zone, now)))],
    )
}

/// «UTC+3», the zone's offset.
fn offset_text(zone: Tz, now: DateTime<Utc>) -> String {
    let seconds = zone
        .offset_from_utc_datetime(&now.naive_utc())
        .fix()
        .local_minus_utc();
    let hours = seconds / 3600;
    let minutes = (seconds.abs() % 3600) / 60;
    let sign = if seconds < 0 { '\u{2212}' } else { '+' };
    match minutes {
        0 => format!("UTC{sign}{}", hours.abs()),
        _ => format!("UTC{sign}{}:{minutes:02}", hours.abs()),
    }
}

fn shortened(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(chars - 1).collect();
    cut.push('…');
    cut
}

/// A slot's times in its zone: «09:00–09:30», «20:00–08:00⁺¹».
fn times(t: Texts, slot: &store::Slot) -> String {
    let local = t.in_zone(slot.zone);
    let next_day = if rules::crosses_midnight(slot.zone, slot.span) {
        "⁺¹"
    } else {
        ""
    };
    format!(
        "{}–{}{next_day}",
        local.time(slot.span.start()),
        local.time(slot.span.end())
    )
}

/// One line of a list: the times, the place shortened, the kind
/// abbreviated; a shift marked.
pub fn slot_line(t: Texts, slot: &store::Slot, number: Option<usize>) -> String {
    let line = t.msg_with(
        "schedule-line",
        [
            (
                "shift",
                Arg::Text(if slot.kind.is_shift() { "yes" } else { "no" }),
            ),
            ("times", Arg::Text(&times(t, slot))),
            ("place", Arg::Text(&shortened(&slot.place, PLACE_CHARS))),
            ("detail", Arg::Text(slot.kind.detail())),
        ],
    );
    match number {
        Some(number) => format!("{number}. {line}"),
        None => line,
    }
}

/// A slot with its day, for a conflict or a confirmation.
pub fn slot_with_day(t: Texts, slot: &store::Slot) -> String {
    let day = rules::day_of(slot.zone, slot.span);
    format!("{}, {}", day_text(t, day), slot_line(t, slot, None))
}

/// What a calendar event says of a slot, in the reader's language.
pub fn event_words(t: Texts, slot: &store::Slot) -> EventWords {
    EventWords {
        summary: t.msg_with(
            "schedule-event",
            [("detail", Arg::Text(slot.kind.detail()))],
        ),
    }
}

/// Pages of lines, each within [`PAGE_LINES`].
fn paged(lines: &[String], page: u8) -> (String, usize, usize) {
    let pages = lines.len().div_ceil(PAGE_LINES).max(1);
    let index = usize::from(page).min(pages - 1);
    let shown = lines
        .iter()
        .skip(index * PAGE_LINES)
        .take(PAGE_LINES)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    (shown, index, pages)
}

fn page_row(t: Texts, index: usize, pages: usize, make: impl Fn(u8) -> SchedAction) -> Vec<Button> {
    let mut row = Vec::new();
    let page = |i: usize| u8::try_from(i).unwrap_or(u8::MAX);
    if index > 0 {
        row.push(button(
            t.msg_with("schedule-page-prev", [("page", Arg::count(index))]),
            act(make(page(index - 1))),
        ));
    }
    if index + 1 < pages {
        row.push(button(
            t.msg_with("schedule-page-next", [("page", Arg::count(index + 2))]),
            act(make(page(index + 1))),
        ));
    }
    row
}

/// The section's screen from the menu: today.
pub async fn section_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Screen, HandlerError> {
    let zone = schedule_zone(db, user_id, t).await?;
    let today = today_in(zone, services.clock.now());
    day_screen(t, db, services, user_id, today, 0, None).await
}

/// A day's list, `heading` above it (what was just done).
pub async fn day_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    date: NaiveDate,
    page: u8,
    heading: Option<String>,
) -> Result<Screen, HandlerError> {
    let now = services.clock.now();
    let zone = schedule_zone(db, user_id, t).await?;
    let today = today_in(zone, now);
    let (from, until) = rules::days_between(zone, date, date + Duration::days(1));
    let slots: Vec<_> = store::between(db, &services.vault, user_id, from, until)
        .await?
        .into_iter()
        .filter(|slot| rules::day_of(slot.zone, slot.span) == date)
        .collect();
    let which = match (date - today).num_days() {
        0 => "today",
        1 => "tomorrow",
        -1 => "yesterday",
        _ => "other",
    };
    let title = t.msg_with(
        "schedule-day-title",
        [
            ("day", Arg::Text(&day_text(t, date))),
            ("which", Arg::Text(which)),
        ],
    );
    let lines: Vec<String> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| slot_line(t, slot, Some(i + 1)))
        .collect();
    let (shown, index, pages) = paged(&lines, page);
    let mut text = String::new();
    if let Some(heading) = heading {
        text.push_str(&heading);
        text.push_str("\n\n");
    }
    text.push_str(&title);
    text.push_str("\n\n");
    if slots.is_empty() {
        text.push_str(&t.msg("schedule-day-empty"));
        text.push_str("\n\n");
        text.push_str(&zone_line(t, zone, now));
    } else {
        text.push_str(&page_text(t, (&shown, index, pages), zone, now));
    }

    let mut rows: Vec<Vec<Button>> = Vec::new();
    let numbered: Vec<_> = slots
        .iter()
        .enumerate()
        .skip(index * PAGE_LINES)
        .take(PAGE_LINES)
        .map(|(i, slot)| button((i + 1).to_string(), act(SchedAction::Open(slot.id))))
        .collect();
    rows.extend(numbered.chunks(6).map(<[_]>::to_vec));
    let paging = page_row(t, index, pages, |page| SchedAction::Day(date, page));
    if !paging.is_empty() {
        rows.push(paging);
    }
    let day = |date: NaiveDate| act(SchedAction::Day(date, 0));
    let mut moves = vec![button(
        t.msg_with(
            "schedule-prev-day",
            [("date", Arg::Text(&short_date(date - Duration::days(1))))],
        ),
        day(date - Duration::days(1)),
    )];
    if date != today {
        moves.push(button(t.msg("schedule-today"), day(today)));
    } else {
        moves.push(button(
            t.msg("schedule-tomorrow"),
            day(today + Duration::days(1)),
        ));
    }
    moves.push(button(
        t.msg_with(
            "schedule-next-day",
            [("date", Arg::Text(&short_date(date + Duration::days(1))))],
        ),
        day(date + Duration::days(1)),
    ));
    rows.push(moves);
    rows.push(vec![
        button(
            t.msg("schedule-week"),
            act(SchedAction::Week(rules::week_of(date), 0)),
        ),
        button(t.msg("schedule-next-duty"), act(SchedAction::NextDuty)),
    ]);
    rows.push(vec![
        button(t.msg("schedule-add"), act(SchedAction::Add)),
        button(
            t.msg("schedule-export"),
            act(SchedAction::Export(Period::Week, date)),
        ),
    ]);
    rows.push(vec![button(t.msg("schedule-feed"), act(SchedAction::Feed))]);
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// «07.12».
fn short_date(date: NaiveDate) -> String {
    date.format("%d.%m").to_string()
}

/// A week's list from its Monday, grouped by day.
pub async fn week_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    monday: NaiveDate,
    page: u8,
) -> Result<Screen, HandlerError> {
    let now = services.clock.now();
    let zone = schedule_zone(db, user_id, t).await?;
    let sunday = monday + Duration::days(6);
    let (from, until) = rules::days_between(zone, monday, monday + Duration::days(7));
    let slots = store::between(db, &services.vault, user_id, from, until).await?;
    let mut lines = Vec::new();
    for offset in 0..7 {
        let date = monday + Duration::days(offset);
        let of_day: Vec<_> = slots
            .iter()
            .filter(|slot| rules::day_of(slot.zone, slot.span) == date)
            .collect();
        if of_day.is_empty() {
            lines.push(t.msg_with(
                "schedule-week-empty-day",
                [("day", Arg::Text(&day_text(t, date)))],
            ));
            continue;
        }
        lines.push(t.msg_with(
            "schedule-week-day",
            [("day", Arg::Text(&day_text(t, date)))],
        ));
        lines.extend(of_day.iter().map(|slot| slot_line(t, slot, None)));
    }
    let (shown, index, pages) = paged(&lines, page);
    let mut text = t.msg_with(
        "schedule-week-title",
        [
            ("from", Arg::Text(&short_date(monday))),
            ("until", Arg::Text(&t.date(sunday))),
        ],
    );
    text.push_str("\n\n");
    text.push_str(&page_text(t, (&shown, index, pages), zone, now));

    let days: Vec<_> = (0..7)
        .map(|offset| {
            let date = monday + Duration::days(offset);
            button(day_button_text(t, date), act(SchedAction::Day(date, 0)))
        })
        .collect();
    let mut rows: Vec<Vec<Button>> = days.chunks(4).map(<[_]>::to_vec).collect();
    let paging = page_row(t, index, pages, |page| SchedAction::Week(monday, page));
    if !paging.is_empty() {
        rows.push(paging);
    }
    let this_week = rules::week_of(today_in(zone, now));
    let mut moves = vec![button(
        t.msg("schedule-prev-week"),
        act(SchedAction::Week(monday - Duration::days(7), 0)),
    )];
    if monday != this_week {
        moves.push(button(
            t.msg("schedule-this-week"),
            act(SchedAction::Week(this_week, 0)),
        ));
    }
    moves.push(button(
        t.msg("schedule-next-week"),
        act(SchedAction::Week(monday + Duration::days(7), 0)),
    ));
    rows.push(moves);
    rows.push(vec![
        button(
            t.msg("schedule-export-week"),
            act(SchedAction::Export(Period::Week, monday)),
        ),
        button(
            t.msg("schedule-export-month"),
            act(SchedAction::Export(Period::Month, monday)),
        ),
    ]);
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// A slot's card.
fn card_screen(t: Texts, slot: &store::Slot, heading: Option<String>) -> Screen {
    let day = rules::day_of(slot.zone, slot.span);
    let local = t.in_zone(slot.zone);
    let until = if rules::crosses_midnight(slot.zone, slot.span) {
        local.date_time(slot.span.end())
    } else {
        local.time(slot.span.end())
    };
    let origin = match (slot.imported, slot.changed_by_practitioner) {
        (true, false) => "clinic",
        (true, true) => "changed",
        (false, _) => "own",
    };
    let mut text = String::new();
    if let Some(heading) = heading {
        text.push_str(&heading);
        text.push_str("\n\n");
    }
    text.push_str(&t.msg_with(
        "schedule-card",
        [
            ("detail", Arg::Text(slot.kind.detail())),
            (
                "shift",
                Arg::Text(if slot.kind.is_shift() { "yes" } else { "no" }),
            ),
            ("day", Arg::Text(&day_text(t, day))),
            ("from", Arg::Text(&local.time(slot.span.start()))),
            ("until", Arg::Text(&until)),
            ("place", Arg::Text(&slot.place)),
            ("origin", Arg::Text(origin)),
        ],
    ));
    let keyboard = Keyboard::new([
        vec![
            button(t.msg("schedule-move"), act(SchedAction::Move(slot.id))),
            button(t.msg("schedule-cancel"), act(SchedAction::Cancel(slot.id))),
        ],
        vec![
            button(
                t.msg("schedule-history"),
                act(SchedAction::History(slot.id)),
            ),
            button(t.msg("schedule-back-day"), act(SchedAction::Day(day, 0))),
        ],
    ]);
    Screen { text, keyboard }
}

async fn forged(turn: &Turn, press: &Press, id: i64, now: DateTime<Utc>) -> HandlerResult {
    records::forged(turn, press, Entity::ScheduleSlot, id, now).await
}

/// A button of «🗓 Расписание». The step-up gate stands before it.
pub async fn press(turn: Turn, press: Press, action: SchedAction) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let (user_id, t) = (*user, *t);
    let now = services.clock.now();
    match action {
        SchedAction::Day(date, page) => {
            ui.answer(&press).await?;
            let screen = day_screen(t, db, services, user_id, date, page, None).await?;
            ui.replace(&press, screen).await
        }
        SchedAction::Week(monday, page) => {
            ui.answer(&press).await?;
            let screen = week_screen(t, db, services, user_id, monday, page).await?;
            ui.replace(&press, screen).await
        }
        SchedAction::NextDuty => {
            ui.answer(&press).await?;
            match store::next_shift(db, &services.vault, user_id, now).await? {
                Some(slot) => ui.replace(&press, card_screen(t, &slot, None)).await,
                None => {
                    let zone = schedule_zone(db, user_id, t).await?;
                    let today = today_in(zone, now);
                    let heading = Some(t.msg("schedule-no-duty"));
                    let screen = day_screen(t, db, services, user_id, today, 0, heading).await?;
                    ui.replace(&press, screen).await
                }
            }
        }
        SchedAction::Open(id) => {
            let Some(slot) = store::of_owner(db, &services.vault, user_id, id).await? else {
                return forged(&turn, &press, id, now).await;
            };
            ui.answer(&press).await?;
            ui.replace(&press, card_screen(t, &slot, None)).await
        }
        SchedAction::History(id) => {
            let versions =
                history::versions(db, &services.vault, user_id, Entity::ScheduleSlot, id).await?;
            if versions.is_empty() {
                return forged(&turn, &press, id, now).await;
            }
            ui.answer(&press).await?;
            let back = match store::of_owner(db, &services.vault, user_id, id).await? {
                Some(_) => act(SchedAction::Open(id)),
                None => Action::Open(crate::handlers::actions::Section::Schedule),
            };
            let screen = Screen {
                text: versions_text(t, Entity::ScheduleSlot, &versions),
                keyboard: Keyboard::new([[button(t.msg("schedule-back"), back)]]),
            };
            ui.replace(&press, screen).await
        }
        SchedAction::Cancel(id) => {
            let Some(slot) = store::of_owner(db, &services.vault, user_id, id).await? else {
                return forged(&turn, &press, id, now).await;
            };
            ui.answer(&press).await?;
            let screen = Screen {
                text: t.msg_with(
                    "schedule-cancel-ask",
                    [("slot", Arg::Rendered(&slot_with_day(t, &slot)))],
                ),
                keyboard: Keyboard::new([[
                    button(
                        t.msg("schedule-cancel-yes"),
                        act(SchedAction::CancelConfirmed(id)),
                    ),
                    button(t.msg("schedule-cancel-no"), act(SchedAction::Open(id))),
                ]]),
            };
            ui.replace(&press, screen).await
        }
        SchedAction::CancelConfirmed(id) => {
            match store::cancel(db, &services.vault, user_id, id, now).await {
                Ok(slot) => {
                    ui.answer(&press).await?;
                    let day = rules::day_of(slot.zone, slot.span);
                    let heading = Some(t.msg("schedule-cancelled"));
                    let screen = day_screen(t, db, services, user_id, day, 0, heading).await?;
                    ui.replace(&press, screen).await
                }
                Err(store::EditError::NotFound) => forged(&turn, &press, id, now).await,
                Err(error) => Err(error.into()),
            }
        }
        SchedAction::Move(id) => {
            let Some(slot) = store::of_owner(db, &services.vault, user_id, id).await? else {
                return forged(&turn, &press, id, now).await;
            };
            ui.answer(&press).await?;
            edit::start_move(&turn, &press, &slot).await
        }
        SchedAction::Add => {
            ui.answer(&press).await?;
            ui.replace(&press, edit::add_screen(t)).await
        }
        SchedAction::AddShift(shift) => {
            ui.answer(&press).await?;
            ui.replace(&press, edit::kinds_screen(t, shift)).await
        }
        SchedAction::AddKind(kind) => {
            ui.answer(&press).await?;
            edit::start_add(&turn, &press, kind).await
        }
        SchedAction::Export(period, date) => {
            ui.answer(&press).await?;
            export::send_file(&turn, period, date).await
        }
        SchedAction::Feed => {
            ui.answer(&press).await?;
            let screen = export::feed_screen(t, db, user_id).await?;
            ui.replace(&press, screen).await
        }
        SchedAction::FeedNew => {
            ui.answer(&press).await?;
            export::new_feed(&turn, &press).await
        }
        SchedAction::FeedOff => {
            ui.answer(&press).await?;
            export::revoke_feed(&turn, &press).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_data_is_not_an_action() {
        for data in [
            "",
            "d:",
            "d:2026127",
            "d:20261307",
            "d:20261207:0",
            "d:20261207:01",
            "d:20261207:100",
            "d:20261207:1:2",
            "d:+0261207",
            // Not a Monday.
            "w:20261208",
            "o:",
            "o:0",
            "o:-1",
            "o:07",
            "o:1:2",
            "mv:x",
            "cy:1e3",
            "ak:vacation",
            "ak:",
            "as:2",
            "xw:2026-12-07",
            "xq:20261207",
            "feed",
        ] {
            assert_eq!(SchedAction::parse(data), None, "{data:?}");
        }
    }

    #[test]
    fn long_places_are_cut_for_a_line_and_pages_hold_their_lines() {
        assert_eq!(shortened("каб. 214", 30), "каб. 214");
        let cut = shortened(&"я".repeat(50), 30);
        assert_eq!(cut.chars().count(), 30);
        let lines: Vec<String> = (0..65).map(|i| i.to_string()).collect();
        let (first, index, pages) = paged(&lines, 0);
        assert_eq!((index, pages), (0, 3));
        assert!(first.starts_with("0\n") && first.ends_with("\n29"));
        let (last, index, _) = paged(&lines, 9);
        assert_eq!(index, 2);
        assert_eq!(last, "60\n61\n62\n63\n64");
    }

    #[test]
    fn zones_are_named_by_their_offset() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(offset_text(Tz::Europe__Moscow, now), "UTC+3");
        assert_eq!(offset_text(Tz::Asia__Kolkata, now), "UTC+5:30");
        assert_eq!(offset_text(Tz::America__New_York, now), "UTC\u{2212}5");
    }
}
