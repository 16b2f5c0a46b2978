//! «🗓 Расписание»: the clinic's import (Windows-1251, bad rows by line,
//! overlapping rows refused naming both lines, a shift ending before it
//! starts, a 30 February), the views by day and by week, a clinic change
//! in the next 14 days pushed once (through quiet hours when it is within
//! 24 hours) and one further ahead not pushed, the clinic winning over
//! the practitioner's change, typed slots with their overlaps refused and
//! both shown, the .ics file and the subscription feed parsed back by an
//! iCalendar parser, a forged slot id refused and recorded, and /forget.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, EventLike};
use medcab_core::schedule::import::{ImportReport, import_csv};
use medcab_e2e::{Phone, Says, TestApp, valid_snils};

use crate::ru;

const HEADER: &str = "СНИЛС;Вид;Начало;Окончание;Место;Тип;Код";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// The file as an older Excel saves it: `;`, Windows-1251.
fn windows_1251(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!unmappable, "the text is Windows-1251");
    bytes.into_owned()
}

async fn import(app: &TestApp, rows: &[String]) -> ImportReport {
    let file = format!("{HEADER}\r\n{}\r\n", rows.join("\r\n"));
    import_csv(
        &app.db,
        &app.vault,
        windows_1251(&file).as_slice(),
        Tz::Europe__Moscow,
        app.clock.now(),
        |_| {},
    )
    .await
    .expect("the file imports")
}

async fn pushes(app: &TestApp, phone: &Phone<'_>) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE chat_id = $1 AND kind LIKE 'schedule_changed%'",
    )
    .bind(phone.id())
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The clinic's week for a practitioner (the tests' clock: Wednesday
/// 25.11.2026, 12:00 in Moscow).
fn week(snils: &str) -> Vec<String> {
    vec![
        format!("{snils};приём;25.11.2026 14:00;25.11.2026 18:00;каб. 214;первичный;A1"),
        format!("{snils};дежурство;26.11.2026 20:00;08:00;Хирургическое отделение;на месте;A2"),
        format!("{snils};приём;30.02.2026 09:00;10:00;каб. 1;;A3"),
        format!("{snils};дежурство;27.11.2026 20:00;26.11.2026 08:00;Хирургия;;A4"),
        format!("{snils};приём;15.12.2026 09:00;12:00;каб. 214;;A5"),
        format!("{snils};приём;15.12.2026 11:00;13:00;каб. 215;;A6"),
        "123;приём;25.11.2026 09:00;10:00;каб. 1;;A7".to_owned(),
        format!("{snils};приём;20.12.2026 09:00;13:00;каб. 214;повторный;A8"),
    ]
}

#[medcab_e2e::test]
async fn the_clinics_import_is_shown_by_day_and_week_and_a_near_change_is_pushed_once(
    app: TestApp,
) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let snils = valid_snils(anna.id());
    let report = import(&app, &week(&snils)).await;

    assert_eq!((report.inserted, report.notified), (3, 1), "{report:?}");
    let lines: Vec<(u64, &str)> = report
        .skipped
        .iter()
        .map(|row| (row.line, row.reason.as_str()))
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[0].0 == 4 && lines[0].1.contains("no such date"),
        "{lines:?}"
    );
    assert!(
        lines[1].0 == 5 && lines[1].1.contains("the shift ends before it starts"),
        "{lines:?}"
    );
    assert!(
        lines[2].0 == 6 && lines[2].1.contains("overlaps line 7"),
        "{lines:?}"
    );
    assert!(
        lines[3].0 == 7 && lines[3].1.contains("overlaps line 6"),
        "{lines:?}"
    );
    assert_eq!(lines[4].0, 8);

    // One push for the import, without places or kinds: counts and a day.
    let push = anna
        .wait_for_any_text("🗓 Клиника обновила ваше расписание.")
        .await;
    push.assert_contains("2 изменения в ближайшие 14 дней, ближайшее — 25.11.2026.");
    assert!(!push.body().contains("каб."), "{}", push.body());
    assert_eq!(pushes(&app, &anna).await, 1);

    anna.send("/menu").await;
    let today = anna.press("🗓 Расписание").await;
    assert!(today.protect_content);
    today.assert_starts("🗓 Расписание — Ср, 25.11.2026 (сегодня)");
    today.assert_contains("1. 14:00–18:00 · каб. 214 · перв.");
    today.assert_contains("🕒 Время организации (UTC+3).");
    let tomorrow = anna.press("Завтра").await;
    tomorrow.assert_contains("1. 🚑 20:00–08:00⁺¹ · Хирургическое отделение · на месте");
    let friday = anna.press("27.11 ▶").await;
    friday.assert_contains(&ru("schedule-day-empty"));
    let seven = anna.press("🗓 Неделя").await;
    seven.assert_starts("🗓 Неделя 23.11 — 29.11.2026");
    seven.assert_contains("Пн, 23.11.2026 — ничего нет");
    seven.assert_contains("Ср, 25.11.2026\n14:00–18:00 · каб. 214 · перв.");
    let duty = anna.press("Чт 26").await;
    duty.assert_contains("🚑 20:00–08:00⁺¹");

    // The same file again: nothing changes, nobody is told.
    let again = import(&app, &week(&snils)).await;
    assert_eq!((again.unchanged, again.notified), (3, 0), "{again:?}");
    // A change only further than 14 days ahead: not pushed.
    let mut later = week(&snils);
    later[7] = later[7].replace("каб. 214", "каб. 301");
    let report = import(&app, &later).await;
    assert_eq!((report.updated, report.notified), (1, 0), "{report:?}");
    assert_eq!(pushes(&app, &anna).await, 1);

    // At 23:00 in Moscow (quiet hours) tomorrow's duty moves: within 24
    // hours, so it goes at once, not in the morning.
    app.clock.set(at("2026-11-25T20:00:00Z"));
    let mut moved = later.clone();
    moved[1] = moved[1].replace("26.11.2026 20:00", "26.11.2026 19:00");
    let report = import(&app, &moved).await;
    assert_eq!(report.notified, 1, "{report:?}");
    app.deliver_pending().await;
    let kind: String =
        sqlx::query_scalar("SELECT kind FROM outbox WHERE chat_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(anna.id())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(kind, "schedule_changed_soon");
    let sent: bool = sqlx::query_scalar(
        "SELECT sent_at IS NOT NULL FROM outbox WHERE chat_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(anna.id())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(sent, "a change within 24 hours is not held by quiet hours");
}

#[medcab_e2e::test]
async fn typed_slots_are_checked_and_an_overlap_is_refused_with_both_shown(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    import(&app, &week(&valid_snils(anna.id()))[..2]).await;
    anna.send("/menu").await;
    anna.press("🗓 Расписание").await;
    anna.press("➕ Добавить").await;
    anna.press("🩺 Приём").await;
    anna.press("🩺 Первичный приём").await;

    let reply = anna.send("30.02.2026 09:00").await;
    reply.assert_starts(&ru("schedule-no-such-date"));
    let reply = anna.send("завтра в девять").await;
    reply.assert_starts("Не получилось прочитать дату и время");
    anna.send("25.11.2026 15:00").await;
    let reply = anna.send("14:00").await;
    reply.assert_starts("Приём не может закончиться раньше, чем начался");
    anna.send("16:00").await;
    let conflict = anna.send("каб. 5").await;
    conflict.assert_starts("⚠️ Пересекается с другой записью — не сохранено.");
    conflict.assert_contains("Новая: Ср, 25.11.2026, 15:00–16:00 · каб. 5 · перв.");
    conflict.assert_contains("Уже есть: Ср, 25.11.2026, 14:00–18:00 · каб. 214 · перв.");

    // A Redis flush loses nothing: the next message answers the question.
    app.flush_redis().await;
    anna.send("25.11.2026 18:00").await;
    anna.send("19:00").await;
    let saved = anna.send("каб. 5").await;
    saved.assert_starts("✅ Добавлено.");
    saved.assert_contains("2. 18:00–19:00 · каб. 5 · перв.");

    // A shift may cross midnight, but not end before it starts.
    anna.press("➕ Добавить").await;
    anna.press("🚑 Дежурство").await;
    anna.press("🚑 Дежурство на дому").await;
    anna.send("27.11.2026 20:00").await;
    let reply = anna.send("26.11.2026 08:00").await;
    reply.assert_starts("Дежурство не может закончиться раньше, чем началось.");
    anna.send("08:00").await;
    let saved = anna.send("Терапия").await;
    saved.assert_starts("✅ Добавлено.");
    saved.assert_contains("🚑 20:00–08:00⁺¹ · Терапия · на дому");

    // Moving the clinic's slot onto the practitioner's own is refused too.
    let day = anna.press("◀ 26.11").await;
    day.assert_contains("🚑 20:00–08:00⁺¹ · Хирургическое отделение");
    let wednesday = anna.press("◀ 25.11").await;
    wednesday.assert_contains("1. 14:00–18:00");
    let card = anna.press("1").await;
    card.assert_contains("Из расписания клиники.");
    anna.press("↔️ Перенести").await;
    anna.send("25.11.2026 17:30").await;
    let conflict = anna.send("18:30").await;
    conflict.assert_contains("Уже есть: Ср, 25.11.2026, 18:00–19:00 · каб. 5 · перв.");
    anna.send("25.11.2026 13:00").await;
    let moved = anna.send("17:00").await;
    moved.assert_starts("✅ Перенесено.");
    moved.assert_contains("1. 13:00–17:00 · каб. 214 · перв.");

    // The clinic's next import puts it back, and says so.
    let report = import(&app, &week(&valid_snils(anna.id()))[..2]).await;
    assert_eq!((report.updated, report.overridden), (1, 1), "{report:?}");
    let told = anna
        .wait_for(|chat| {
            chat.bot_messages().any(|m| {
                m.body()
                    .contains("Ваши правки заменены расписанием клиники: 1.")
            })
        })
        .await;
    let push = told
        .bot_messages()
        .filter(|m| m.body().starts_with("🗓 Клиника обновила"))
        .last()
        .unwrap();
    push.assert_contains("1 изменение в ближайшие 14 дней, ближайшее — 25.11.2026.");
}

#[medcab_e2e::test]
async fn the_calendar_file_and_the_feed_parse_back_and_a_token_is_revocable(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    import(&app, &week(&valid_snils(anna.id()))[..2]).await;
    anna.send("/menu").await;
    anna.press("🗓 Расписание").await;
    anna.press("🗓 Неделя").await;
    anna.press("📤 .ics — неделя").await;
    let chat = anna
        .wait_for(|chat| chat.bot_messages().any(|m| m.document.is_some()))
        .await;
    let sent = chat.bot_messages().find(|m| m.document.is_some()).unwrap();
    let document = sent.document.as_ref().unwrap();
    assert_eq!(
        document.file_name.as_deref(),
        Some("raspisanie-2026-11-23.ics")
    );
    let bytes = app.client.file(&document.file_id).await.unwrap();
    let text = String::from_utf8(bytes).expect("UTF-8");
    let events = parsed_events(&text);
    assert_eq!(events.len(), 2, "{text}");
    assert_eq!(events[0].0, "Первичный приём");
    assert_eq!(events[0].1, "каб. 214");
    assert_eq!(
        events[0].2,
        ("Europe/Moscow".to_owned(), "2026-11-25 14:00:00".to_owned())
    );
    assert_eq!(events[1].1, "Хирургическое отделение");
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Moscow"));

    anna.send("/menu").await;
    anna.press("🗓 Расписание").await;
    anna.press("🔗 Подписка на календарь").await;
    anna.press("🔗 Создать адрес").await;
    let address = anna.wait_for_any_text("🔗 Ваш адрес для календаря").await;
    let url = address_in(address.body());
    let http = reqwest::Client::new();
    let feed = http.get(&url).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let events = parsed_events(&feed.text().await.unwrap());
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].0, "Дежурство в стационаре");

    // Unknown tokens, malformed or not: the same empty 404.
    let base = format!("http://{}", app.http_addr());
    for path in [
        "/calendar/0000000000000000000000000000000000000000.ics".to_owned(),
        "/calendar/x.ics".to_owned(),
        url.trim_start_matches(&base)
            .trim_end_matches(".ics")
            .to_owned(),
    ] {
        let answer = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        assert!(answer.text().await.unwrap().is_empty(), "{path}");
    }
    // A new address replaces the old; turning it off ends the new.
    anna.press("🔄 Новый адрес").await;
    let renewed = anna.wait_for(|chat| {
        chat.bot_messages()
            .filter(|m| m.body().starts_with("🔗 Ваш адрес для календаря"))
            .count()
            == 2
    });
    let renewed = renewed.await;
    let second = renewed
        .bot_messages()
        .filter(|m| m.body().starts_with("🔗 Ваш адрес для календаря"))
        .last()
        .map(|m| address_in(m.body()))
        .unwrap();
    assert_ne!(second, url);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(http.get(&second).send().await.unwrap().status(), 200);
    anna.press("🚫 Отключить").await;
    assert_eq!(http.get(&second).send().await.unwrap().status(), 404);
}

#[medcab_e2e::test]
async fn another_practitioners_slot_is_refused_and_forget_erases_the_schedule(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let boris = app.confirmed_user("Борис", "ru").await;
    let mut rows = week(&valid_snils(anna.id()))[..2].to_vec();
    rows.extend(
        week(&valid_snils(boris.id()))[..1]
            .iter()
            .map(|row| row.replace("A1", "B1")),
    );
    import(&app, &rows).await;
    let boris_slot: i64 = sqlx::query_scalar("SELECT id FROM schedule_slots WHERE owner_id = $1")
        .bind(boris.id())
        .fetch_one(&app.db)
        .await
        .unwrap();
    anna.send("/menu").await;
    anna.press("🗓 Расписание").await;
    anna.forge_and_expect_refusal(&[
        format!("sc:o:{boris_slot}"),
        format!("sc:mv:{boris_slot}"),
        format!("sc:cy:{boris_slot}"),
        format!("sc:h:{boris_slot}"),
    ])
    .await;
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM schedule_slots WHERE owner_id = $1 AND cancelled_at IS NULL",
    )
    .bind(boris.id())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(left, 1);

    let erased = medcab_core::erasure::forget(&app.db, &app.vault, anna.user_id(), app.clock.now())
        .await
        .unwrap();
    assert_eq!(erased, medcab_core::erasure::Erased::Erased);
    let count = |sql: &'static str| {
        let db = app.db.clone();
        let id = anna.id();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT count(*) FROM schedule_slots WHERE owner_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM calendar_feeds WHERE owner_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM history WHERE owner_id = $1 AND entity = 'schedule_slot'")
            .await,
        0
    );
}

/// The summary, the location and the start (zone, local time) of each
/// event, read back by the `icalendar` crate's parser.
fn parsed_events(text: &str) -> Vec<(String, String, (String, String))> {
    let calendar: Calendar = text.parse().expect("the calendar parses");
    calendar
        .events()
        .map(|event| {
            let start = match event.get_start() {
                Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                    date_time,
                    tzid,
                })) => (tzid, date_time.to_string()),
                other => panic!("a start in a zone: {other:?}"),
            };
            (
                event.get_summary().unwrap_or_default().to_owned(),
                event.get_location().unwrap_or_default().to_owned(),
                start,
            )
        })
        .collect()
}

/// The address in the bot's message.
fn address_in(body: &str) -> String {
    let start = body.find("http://").expect("an address");
    let end = body[start..].find(".ics").expect("an .ics address") + start + 4;
    body[start..end].to_owned()
}

/// A row the clinic got wrong (a 30 February) in a re-import may be the
/// slot the file no longer has: nothing of that practitioner is cancelled
/// by the import, while a colleague whose rows all read has the period
/// replaced as usual.
#[medcab_e2e::test]
async fn a_row_that_does_not_read_cancels_nothing_of_its_practitioner(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let boris = app.confirmed_user("Борис", "ru").await;
    let (a, b) = (valid_snils(anna.id()), valid_snils(boris.id()));
    let first = [
        format!("{a};приём;25.11.2026 14:00;25.11.2026 18:00;каб. 214;первичный;A1"),
        format!("{a};приём;27.11.2026 09:00;27.11.2026 12:00;каб. 214;;A2"),
        format!("{b};приём;25.11.2026 14:00;25.11.2026 18:00;каб. 215;;B1"),
        format!("{b};приём;27.11.2026 09:00;27.11.2026 12:00;каб. 215;;B2"),
    ];
    import(&app, &first).await;
    let cancelled = |id: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM schedule_slots WHERE owner_id = $1 AND cancelled_at IS NOT NULL",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    // Again, with Anna's A2 mistyped and Борис's B2 gone.
    let again = [
        first[0].clone(),
        format!("{a};приём;30.02.2026 09:00;12:00;каб. 214;;A2"),
        format!("{a};приём;28.11.2026 09:00;28.11.2026 12:00;каб. 214;;A3"),
        first[2].clone(),
    ];
    let report = import(&app, &again).await;
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert_eq!(
        cancelled(anna.id()).await,
        0,
        "Anna's A2 may be the bad row"
    );
    assert_eq!(
        cancelled(boris.id()).await,
        1,
        "Борис's B2 left the schedule"
    );
}
