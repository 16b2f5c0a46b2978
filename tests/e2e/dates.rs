//! Dates, times and sizes as people read them: every instant in the
//! reader's zone (Moscow unless /settings says otherwise), never UTC; every
//! value on a card as people write it; a typed date that does not exist
//! told as such; a small file in КБ.

use chrono::{DateTime, Utc};
use medcab_core::documents::DocumentKind;
use medcab_core::notification_settings::{self, Settings};
use medcab_e2e::Says;
use medcab_e2e::{Phone, TestApp, valid_snils};
use serde_json::json;

use crate::documents::{open_documents, pdf, store};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

async fn answer(anna: &Phone<'_>, text: &str) -> String {
    anna.send(text).await.body().to_owned()
}

/// The practitioner's own zone, as /settings stores it.
async fn live_in(app: &TestApp, phone: &Phone<'_>, zone: chrono_tz::Tz) {
    let settings = Settings {
        time_zone: zone,
        ..Settings::default()
    };
    notification_settings::save(&app.db, phone.user_id(), &settings, app.clock.now())
        .await
        .unwrap();
}

#[medcab_e2e::test]
async fn the_saved_profile_reads_as_typed_and_its_history_in_moscow_time(app: TestApp) {
    // 19:39 UTC is 22:39 in Moscow.
    app.clock.set(at("2026-11-25T19:39:00Z"));
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;
    anna.press("✏️ Заполнить профиль").await;
    anna.wait_for_text("Фамилия, имя и отчество").await;
    answer(&anna, "Иванова Анна Сергеевна").await;

    // The right shape, but no such day: said so, not «нужна дата в виде…».
    let refused = answer(&anna, "31.02.1985").await;
    assert!(
        refused.starts_with("Дата рождения: такой даты нет — проверьте день и месяц."),
        "{refused}"
    );
    assert!(answer(&anna, "14.03.1985").await.starts_with("Адрес"));
    assert!(
        answer(&anna, "г. Москва, ул. Тверская, д. 1")
            .await
            .starts_with("Электронная почта")
    );
    anna.press("Пропустить").await;
    anna.wait_for_text("ИНН").await;
    assert!(
        answer(&anna, "500100732259")
            .await
            .starts_with("Серия и номер")
    );
    assert!(answer(&anna, "4510123456").await.starts_with("Дата выдачи"));
    assert!(
        answer(&anna, "20.03.2005")
            .await
            .starts_with("Код подразделения")
    );
    assert!(answer(&anna, "770001").await.starts_with("Кем выдан"));
    let check = anna.send("ОВД Тверского района г. Москвы").await;
    check.assert_starts("Проверьте данные");

    // The saved card shows what the check card showed: people's forms,
    // not the stored 1985-03-14, 4510123456, 770001.
    let saved = anna.press("✅ Сохранить").await;
    let card = saved.body();
    for line in [
        "Дата рождения: 14.03.1985",
        "Паспорт: 45 10 123456",
        "Дата выдачи: 20.03.2005",
        "Код подразделения: 770-001",
    ] {
        assert!(card.contains(line), "{line:?} in {card}");
        assert!(check.body().contains(line), "{line:?} in {}", check.body());
    }

    let history = anna.press("🕘 История").await;
    history.assert_contains("1. 25.11.2026 22:39");
}

#[medcab_e2e::test]
async fn the_consent_date_is_the_readers_day_not_utcs(app: TestApp) {
    // 21:30 UTC on the 25th is 00:30 on the 26th in Moscow.
    app.clock.set(at("2026-11-25T21:30:00Z"));
    let anna = app.active_user("Анна", "ru").await;
    let privacy = anna.send("/privacy").await;
    privacy.assert_contains("Вы дали согласие 26.11.2026");

    // 19:30 UTC is still the 25th in Moscow, but the 26th in Omsk (UTC+6).
    app.clock.set(at("2026-11-25T19:30:00Z"));
    let boris = app.active_user("Борис", "ru").await;
    assert!(
        boris
            .send("/privacy")
            .await
            .body()
            .contains("Вы дали согласие 25.11.2026")
    );
    live_in(&app, &boris, chrono_tz::Tz::Asia__Omsk).await;
    let privacy = boris.send("/privacy").await;
    privacy.assert_contains("Вы дали согласие 26.11.2026");
}

#[medcab_e2e::test]
async fn a_push_shows_the_time_in_the_recipients_zone(app: TestApp) {
    app.clock.set(at("2026-11-25T19:39:00Z"));
    let anna = app.confirmed_user("Анна", "ru").await;
    live_in(&app, &anna, chrono_tz::Tz::Asia__Omsk).await;
    let body = json!({
        "practitioner": { "snils": valid_snils(anna.id()) },
        "ip": "203.0.113.7",
        "device": "Firefox, Windows 11",
        "place": "Москва, Россия",
    })
    .to_string();
    let created = app.api().create_login_confirmation(&body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let push = anna.wait_for_text("🔐 Вход в личный кабинет").await;
    // 19:39 UTC is 01:39 in Omsk, three hours ahead of Moscow: not
    // Moscow's 22:39, not UTC's 19:39, and not labelled МСК.
    push.assert_contains("Время: 01:39 (МСК+3)");
}

#[medcab_e2e::test]
async fn a_small_file_reads_in_kilobytes(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let mut file = pdf("small");
    file.resize(12 * 1024, b' ');
    store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        &file,
    )
    .await;
    open_documents(&anna).await;
    let card = anna.press("📄 Диплом 107718 0123456").await;
    assert!(card.body().contains("Файл: pdf, 12 КБ"), "{}", card.body());
}
