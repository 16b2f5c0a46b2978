//! /settings: categories switched on and off, quiet hours and the time
//! zone, all kept in PostgreSQL (a Redis flush loses none of it); typed
//! quiet hours that do not read get a clear answer and keep the question.

use medcab_core::UserId;
use medcab_core::notification_settings::{self, QuietHours, Settings};
use medcab_core::{accounts, consent};
use medcab_e2e::Says;
use medcab_e2e::TestApp;
use sqlx::PgPool;

use crate::ru;

const SCREEN_RU: [&str; 8] = [
    "✅ Проверки",
    "✅ Изменения в нормативных документах",
    "✅ Напоминания о сроках документов",
    "✅ Расписание",
    "🌙 Тихие часы: 22:00–08:00",
    "🕒 Часовой пояс: Москва (UTC+3)",
    "📱 Мессенджеры",
    "« Назад в меню",
];

async fn stored(app: &TestApp, user_id: UserId) -> Settings {
    notification_settings::get(&app.db, user_id).await.unwrap()
}

#[medcab_e2e::test]
async fn switches_quiet_hours_and_zone_are_stored_and_survive_a_redis_flush(mut app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let screen = anna.send("/settings").await;
    screen.assert_starts("⚙️ Настройки уведомлений");
    assert!(
        screen
            .body()
            .contains("о статусе ваших заявок приходят всегда"),
        "{}",
        screen.body()
    );
    assert_eq!(screen.button_labels(), SCREEN_RU);

    let switched = anna.press("✅ Проверки").await;
    assert_eq!(switched.message_id, screen.message_id, "edited in place");
    assert_eq!(switched.button_labels()[0], "⬜ Проверки");
    // A double tap of the old button (the same callback_data) changes nothing more.
    let again = anna
        .press_forged(
            &screen
                .button("✅ Проверки")
                .unwrap()
                .callback_data
                .clone()
                .unwrap(),
        )
        .await;
    assert!(again.answered);
    let switched = anna.press("✅ Напоминания о сроках документов").await;
    assert_eq!(
        switched.button_labels()[..3],
        [
            "⬜ Проверки",
            "✅ Изменения в нормативных документах",
            "⬜ Напоминания о сроках документов"
        ]
    );

    let quiet = anna.press("🌙 Тихие часы: 22:00–08:00").await;
    assert_eq!(quiet.message_id, screen.message_id);
    quiet.assert_starts("🌙 Тихие часы");
    assert_eq!(
        quiet.button_labels(),
        [
            "Выключить",
            "✅ 22:00–08:00",
            "23:00–07:00",
            "21:00–09:00",
            "✏️ Указать своё",
            "« К настройкам"
        ]
    );
    let saved = anna.press("23:00–07:00").await;
    assert_eq!(saved.message_id, screen.message_id);
    saved.assert_starts("✅ Тихие часы: 23:00–07:00.");
    assert!(
        saved
            .button_labels()
            .contains(&"🌙 Тихие часы: 23:00–07:00")
    );

    let zones = anna.press("🕒 Часовой пояс: Москва (UTC+3)").await;
    let labels = zones.button_labels();
    assert_eq!(labels.len(), 12, "{labels:?}");
    assert_eq!(labels[0], "Калининград (UTC+2)");
    assert_eq!(labels[1], "✅ Москва (UTC+3)");
    assert_eq!(labels[10], "Камчатка (UTC+12)");
    assert_eq!(labels[11], "« К настройкам");
    let saved = anna.press("Екатеринбург (UTC+5)").await;
    assert!(
        saved
            .body()
            .starts_with("✅ Часовой пояс: Екатеринбург (UTC+5)."),
        "{}",
        saved.body()
    );

    let expected = Settings {
        inspections: false,
        regulation: true,
        reminders: false,
        schedule: true,
        quiet_hours: Some(QuietHours::parse("23:00-07:00").unwrap()),
        time_zone: medcab_core::notification_settings::RUSSIAN_TIME_ZONES[3],
        deliver_to: None,
    };
    assert_eq!(stored(&app, anna.user_id()).await, expected);

    // Nothing of it lived in Redis.
    let anna = anna.user.clone();
    app.restart_bot().await;
    app.flush_redis().await;
    let anna = app.phone(anna);
    let screen = anna.send("/settings").await;
    assert_eq!(
        screen.button_labels(),
        [
            "⬜ Проверки",
            "✅ Изменения в нормативных документах",
            "⬜ Напоминания о сроках документов",
            "✅ Расписание",
            "🌙 Тихие часы: 23:00–07:00",
            "🕒 Часовой пояс: Екатеринбург (UTC+5)",
            "📱 Мессенджеры",
            "« Назад в меню",
        ]
    );
    // Quiet hours off.
    anna.press("🌙 Тихие часы: 23:00–07:00").await;
    let off = anna.press("Выключить").await;
    assert!(off.body().starts_with("✅ Тихие часы выключены."));
    assert!(off.button_labels().contains(&"🌙 Тихие часы: выключены"));
    assert_eq!(stored(&app, anna.user_id()).await.quiet_hours, None);
}

#[medcab_e2e::test]
async fn typed_quiet_hours_that_do_not_read_get_a_clear_answer(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/settings").await;
    anna.press("🌙 Тихие часы: 22:00–08:00").await;
    let ask = anna.press("✏️ Указать своё").await;
    assert!(
        ask.body()
            .starts_with("Напишите начало и конец тихих часов в формате ЧЧ:ММ–ЧЧ:ММ"),
        "{}",
        ask.body()
    );
    assert_eq!(ask.button_labels(), ["« К настройкам"]);

    let reply = anna.send("поздно вечером").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("settings-quiet-format").as_str())
    );
    let reply = anna.send("25:00-08:00").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("settings-quiet-format").as_str())
    );
    let reply = anna.send("08:00–08:00").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("settings-quiet-empty").as_str())
    );
    // Nothing was changed by the bad answers.
    assert_eq!(
        stored(&app, anna.user_id()).await.quiet_hours,
        Some(QuietHours::NIGHT)
    );
    // /help in between does not lose the question.
    anna.send("/help").await;

    let saved = anna.send("22:30 – 7:00").await;
    saved.assert_starts("✅ Тихие часы: 22:30–07:00.");
    assert!(
        saved
            .button_labels()
            .contains(&"🌙 Тихие часы: 22:30–07:00")
    );
    assert_eq!(
        stored(&app, anna.user_id()).await.quiet_hours,
        Some(QuietHours::parse("22:30-07:00").unwrap())
    );
    // The question is answered: the next text is not taken as quiet hours.
    let reply = anna.send("23:00-06:00").await;
    assert_eq!(reply.html.as_deref(), Some(ru("unknown-text").as_str()));

    // /cancel leaves the question too.
    anna.press("🌙 Тихие часы: 22:30–07:00").await;
    anna.press("✏️ Указать своё").await;
    anna.send("/cancel").await;
    let reply = anna.send("23:00-06:00").await;
    assert_eq!(reply.html.as_deref(), Some(ru("unknown-text").as_str()));
}

#[medcab_e2e::test]
async fn the_notifications_section_of_the_menu_leads_to_the_settings(app: TestApp) {
    let john = app.active_user("John", "en").await;
    let menu = john.send("/menu").await;
    let section = john.press("🔔 Notifications").await;
    assert_eq!(
        section.button_labels(),
        ["⚙️ Notification settings", "« Back to the menu"]
    );
    let screen = john.press("⚙️ Notification settings").await;
    assert_eq!(screen.message_id, menu.message_id);
    screen.assert_starts("⚙️ Notification settings");
    assert_eq!(
        screen.button_labels(),
        [
            "✅ Inspections",
            "✅ Changes in regulations",
            "✅ Document deadline reminders",
            "✅ Schedule",
            "🌙 Quiet hours: 22:00–08:00",
            "🕒 Time zone: Moscow (UTC+3)",
            "📱 Messengers",
            "« Back to the menu",
        ]
    );
    let back = john.press("« Back to the menu").await;
    assert!(back.button_labels().contains(&"🔔 Notifications"));
}

#[medcab_e2e::test]
async fn consent_comes_before_settings_but_activation_need_not(app: TestApp) {
    let stranger = app.user("Пётр", "ru").await;
    let reply = stranger.send("/settings").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("settings-needs-consent").as_str())
    );
    let answer = stranger.press_forged("set:t:i:0").await;
    assert!(answer.answered);
    assert_eq!(answer.text, Some(ru("settings-needs-consent")));
    assert_eq!(stored(&app, stranger.user_id()).await, Settings::default());
    let rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notification_settings WHERE telegram_user_id = $1",
    )
    .bind(stranger.id())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(rows, 0, "nothing is stored before consent");

    // Agreed and still connecting (the phone is asked for next).
    let anna = app.user("Анна", "ru").await;
    consent::give(&app.db, anna.user_id(), app.clock.now())
        .await
        .unwrap();
    accounts::open(&app.db, anna.user_id(), app.clock.now())
        .await
        .unwrap();
    let screen = anna.send("/settings").await;
    assert_eq!(screen.button_labels(), SCREEN_RU);
    let switched = anna.press("✅ Изменения в нормативных документах").await;
    assert_eq!(
        switched.button_labels()[1],
        "⬜ Изменения в нормативных документах"
    );
    assert!(!stored(&app, anna.user_id()).await.regulation);
}

/// At night a push waits for the end of quiet hours: /settings says so,
/// and switching quiet hours off releases it at once (its release time was
/// fixed when it was held; the change re-times it).
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn switching_quiet_hours_off_releases_what_waits_and_settings_say_what_waits(db: PgPool) {
    use medcab_core::outbox::{self, Kind, Notification, Payload, Push};
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    // 23:00 in Moscow.
    app.clock.set("2026-11-25T20:00:00Z".parse().unwrap());
    let payload = Payload::new(Push::ApplicationStatusChanged {
        number: "А-2026-000007".to_owned(),
        status: medcab_core::applications::Status::Approved,
    });
    let mut tx = app.db.begin().await.unwrap();
    let id = outbox::enqueue(
        &mut tx,
        &Notification::new(anna.id(), Kind::ApplicationStatusChanged, payload),
        app.clock.now(),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    app.wake_delivery();
    let morning: chrono::DateTime<chrono::Utc> = "2026-11-26T05:00:00Z".parse().unwrap();
    for _ in 0..100 {
        let rows = outbox::for_chat(&app.db, anna.id()).await.unwrap();
        if rows
            .iter()
            .any(|row| row.id == id && row.available_at == morning)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let screen = anna.send("/settings").await;
    assert!(
        screen
            .body()
            .ends_with("⏳ Ждут окончания тихих часов: 1 уведомление. Придут в 08:00."),
        "{}",
        screen.body()
    );
    let quiet = anna.press("🌙 Тихие часы: 22:00–08:00").await;
    assert!(
        quiet
            .body()
            .contains("⏳ Ждут окончания тихих часов: 1 уведомление."),
        "{}",
        quiet.body()
    );
    let saved = anna.press("Выключить").await;
    assert!(
        saved.body().starts_with(
            "✅ Тихие часы выключены. 📬 Уведомления, ждавшие окончания тихих часов, придут сейчас: 1."
        ),
        "{}",
        saved.body()
    );
    assert!(!saved.body().contains("⏳"), "{}", saved.body());
    // No need to wait for 08:00.
    app.wake_delivery();
    anna.wait_for(|chat| {
        chat.bot_messages()
            .any(|m| m.body().starts_with("Заявка А-2026-000007: одобрена"))
    })
    .await;
    app.finish().await;
}
