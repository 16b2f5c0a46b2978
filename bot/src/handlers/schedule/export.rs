//! The schedule leaving the bot for the phone's calendar: a week's or a
//! month's `.ics` file, and the private subscription address.
//!
//! ```text
//! user: <presses 📤 .ics — месяц>                       (on the week's list)
//! bot:  [raspisanie-2026-12.ics] Расписание 01.12.2026 — 31.12.2026. …
//! user: <presses 🔗 Подписка на календарь>
//! bot:  (the same message) 🔗 Подписка на календарь … Адреса пока нет.
//!       [🔗 Создать адрес] [« К расписанию]
//! user: <presses 🔗 Создать адрес>
//! bot:  Ваш адрес (показан один раз): https://…/calendar/3f…9a.ics …
//! bot:  (the same message) 🔗 Подписка … Адрес создан 07.12.2026.
//!       [🔄 Новый адрес] [🚫 Отключить] [« К расписанию]
//! ```
//!
//! The file is the practitioner's own schedule, made to be opened by the
//! calendar app, so it is not protected from saving; like the address, it
//! leaves the chat when the session ends (`session_files`). The address
//! is shown once: only a digest of its token is kept (core's `feed`).

use chrono::{Duration, NaiveDate};
use medcab_core::schedule::{calendar, feed, rules, store};
use medcab_core::session_files::Session;
use sqlx::PgPool;

use super::{Period, SchedAction, act, event_words, schedule_zone};
use crate::chat::{Activity, Keyboard, OutgoingFile, Press};
use crate::handlers::screen::{self, Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, Turn};
use crate::i18n::{Arg, Texts};

/// The week (from its Monday) or the month holding `date`: its first day
/// and the day after its last.
fn period_days(period: Period, date: NaiveDate) -> (NaiveDate, NaiveDate) {
    match period {
        Period::Week => {
            let monday = rules::week_of(date);
            (monday, monday + Duration::days(7))
        }
        Period::Month => (rules::month_of(date), rules::next_month(date)),
    }
}

/// Sends the period's `.ics` file.
pub async fn send_file(turn: &Turn, period: Period, date: NaiveDate) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    ui.activity(Activity::UploadingDocument).await;
    let now = services.clock.now();
    let zone = schedule_zone(db, user_id, t).await?;
    let (first, after) = period_days(period, date);
    let (from, until) = rules::days_between(zone, first, after);
    let slots: Vec<_> = store::between(db, &services.vault, user_id, from, until)
        .await?
        .into_iter()
        .filter(|slot| from <= slot.span.start())
        .collect();
    let text = calendar::ics(
        &t.msg("schedule-calendar-name"),
        &slots,
        |slot| event_words(t, slot),
        now,
    );
    let file_name = t.msg_with(
        "schedule-file",
        [(
            "period",
            Arg::Text(&match period {
                Period::Week => first.format("%Y-%m-%d").to_string(),
                Period::Month => first.format("%Y-%m").to_string(),
            }),
        )],
    );
    let last = after - Duration::days(1);
    let caption = t.msg_with(
        "schedule-file-caption",
        [
            ("from", Arg::Text(&t.date(first))),
            ("until", Arg::Text(&t.date(last))),
            ("count", Arg::count(slots.len())),
        ],
    );
    // Made to be opened by the calendar app: not protected from saving.
    let file = OutgoingFile::new(file_name, text.into_bytes())
        .caption(caption)
        .shareable();
    let sent = ui.send_file(file).await?;
    // The practitioner's own schedule: gone from the chat with the session.
    screen::gone_with_session(ui, db, user_id, &sent, Session::Practitioner, now).await?;
    Ok(())
}

/// «🔗 Подписка на календарь».
pub async fn feed_screen(
    t: Texts,
    db: &PgPool,
    user_id: medcab_core::UserId,
) -> Result<Screen, HandlerError> {
    let issued = feed::issued_at(db, user_id).await?;
    let date = issued.map(|at| t.day_of(at)).unwrap_or_default();
    let text = t.msg_with(
        "schedule-feed-title",
        [
            (
                "state",
                Arg::Text(if issued.is_some() { "on" } else { "off" }),
            ),
            ("date", Arg::Text(&date)),
        ],
    );
    let mut rows = Vec::new();
    match issued {
        None => rows.push(vec![button(
            t.msg("schedule-feed-new"),
            act(SchedAction::FeedNew),
        )]),
        Some(_) => rows.push(vec![
            button(t.msg("schedule-feed-renew"), act(SchedAction::FeedNew)),
            button(t.msg("schedule-feed-off"), act(SchedAction::FeedOff)),
        ]),
    }
    rows.push(vec![button(
        t.msg("schedule-back"),
        Action::Open(crate::handlers::actions::Section::Schedule),
    )]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// A new address (the old one stops working), shown once.
pub async fn new_feed(turn: &Turn, press: &Press) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    let now = services.clock.now();
    let renewed = feed::issued_at(db, user_id).await?.is_some();
    let token = feed::issue(db, &services.vault, user_id, now).await?;
    let url = format!("{}/calendar/{}.ics", services.public_url, token.as_str());
    // Not protected: the address is to be copied into the calendar app.
    // It leaves the chat with the session.
    let sent = ui
        .say_shareable(t.msg_with("schedule-feed-created", [("url", Arg::Text(&url))]))
        .await?;
    screen::gone_with_session(ui, db, user_id, &sent, Session::Practitioner, now).await?;
    let screen = feed_screen(t, db, user_id).await?;
    let screen = Screen {
        text: format!(
            "{}\n\n{}",
            t.msg_with(
                "schedule-feed-sent",
                [("renewed", Arg::Text(if renewed { "yes" } else { "no" }))]
            ),
            screen.text
        ),
        keyboard: screen.keyboard,
    };
    ui.replace(press, screen).await
}

/// The address revoked: the calendar's next look gets a 404.
pub async fn revoke_feed(turn: &Turn, press: &Press) -> HandlerResult {
    let Turn {
        ui, user, t, db, ..
    } = turn;
    let (user_id, t) = (*user, *t);
    feed::revoke(db, user_id).await?;
    let screen = feed_screen(t, db, user_id).await?;
    let screen = Screen {
        text: format!("{}\n\n{}", t.msg("schedule-feed-revoked"), screen.text),
        keyboard: screen.keyboard,
    };
    ui.replace(press, screen).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_starts_on_its_monday_and_a_month_on_its_first() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            period_days(Period::Week, date(2026, 12, 10)),
            (date(2026, 12, 7), date(2026, 12, 14))
        );
        assert_eq!(
            period_days(Period::Month, date(2026, 12, 10)),
            (date(2026, 12, 1), date(2027, 1, 1))
        );
    }
}
