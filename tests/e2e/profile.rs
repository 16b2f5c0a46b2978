//! «👤 Профиль»: filled in question by question, checked field by field,
//! confirmed on a card, edited, and restored from its history.

use medcab_core::profile;
use medcab_e2e::{Phone, TestApp};
use sqlx::PgPool;

use crate::ru;

/// Sends an answer and returns the bot's next question (or card).
async fn answer(anna: &Phone<'_>, text: &str) -> String {
    anna.send(text).await.body().to_owned()
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_practitioner_fills_in_saves_edits_and_restores_the_profile(db: PgPool) {
    let mut app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    let empty = anna.press("👤 Профиль").await;
    assert_eq!(empty.html.as_deref(), Some(ru("profile-empty").as_str()));

    anna.press("✏️ Заполнить профиль").await;
    anna.wait_for_text("Фамилия, имя и отчество").await;
    assert!(
        answer(&anna, "Иванова")
            .await
            .starts_with("ФИО: нужны фамилия и имя")
    );
    assert!(
        answer(&anna, "Иванова Анна Сергеевна")
            .await
            .starts_with("Дата рождения в виде")
    );
    // The reply to a wrong date is the problem, then the same question again.
    anna.send("31.02.1985").await;
    let chat = anna.wait_for_text("Дата рождения в виде").await;
    assert!(
        anna.chat().await.bot_messages().any(|m| m
            .body()
            .starts_with("Дата рождения: нужна дата в виде ДД.ММ.ГГГГ")),
        "{chat:?}"
    );
    assert!(
        answer(&anna, "14.03.1985")
            .await
            .starts_with("Адрес регистрации")
    );
    assert!(
        answer(&anna, "г. Москва, ул. Тверская, д. 1, кв. 2")
            .await
            .starts_with("Электронная почта")
    );

    // A restart and a Redis flush in the middle: the answers are in PostgreSQL.
    let user = anna.user.clone();
    app.restart_bot().await;
    app.flush_redis().await;
    let anna = app.phone(user);
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;
    anna.press("▶️ Продолжить заполнение").await;
    anna.wait_for_text("Электронная почта").await;

    assert!(answer(&anna, "-").await.starts_with("ИНН"));
    anna.send("500100732258").await;
    anna.wait_for_text("ИНН — 12 цифр").await;
    assert!(anna.chat().await.bot_messages().any(|m| {
        m.body()
            .starts_with("ИНН: контрольные цифры ИНН не сходятся")
    }));
    assert!(
        answer(&anna, "500100732259")
            .await
            .starts_with("Серия и номер паспорта")
    );
    assert!(
        answer(&anna, "46 11 654321")
            .await
            .starts_with("Дата выдачи паспорта")
    );
    anna.send("01.01.1995").await;
    anna.wait_for_text("Дата выдачи паспорта").await;
    assert!(
        anna.chat().await.bot_messages().any(|m| m.body()
            == "Дата выдачи: паспорт выдают с 14 лет: дата выдачи не раньше 14.03.1999.")
    );
    assert!(
        answer(&anna, "20.03.2005")
            .await
            .starts_with("Код подразделения")
    );
    assert!(answer(&anna, "770-001").await.starts_with("Кем выдан"));
    let check = anna.send("ОВД Тверского района г. Москвы").await;
    assert!(
        check.body().starts_with("Проверьте данные"),
        "{}",
        check.body()
    );
    assert!(check.body().contains("ФИО: Иванова Анна Сергеевна"));
    assert!(check.body().contains("E-mail: —"));

    // Nothing typed stays in the chat.
    let chat = anna.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.body().contains("46 11 654321") && !m.body().contains("Проверьте"))
            .all(|m| m.deleted)
    );

    let saved = anna.press("✅ Сохранить").await;
    assert!(
        saved.body().starts_with("Профиль сохранён."),
        "{}",
        saved.body()
    );
    let stored = profile::get(&app.db, &app.vault, anna.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.passport().to_string(), "46 11 654321");

    // Edit one field.
    anna.press("✏️ Изменить").await;
    anna.press("E-mail").await;
    anna.wait_for_text("Электронная почта").await;
    let edited = anna.send("Anna@Example.RU").await;
    assert!(edited.body().starts_with("Профиль сохранён."));
    assert!(
        edited.body().contains("E-mail: Anna@example.ru"),
        "{}",
        edited.body()
    );

    // History, and back to the first version.
    let history = anna.press("🕘 История").await;
    assert!(
        history.body().contains("2. ") && history.body().contains("1. "),
        "{}",
        history.body()
    );
    let restored = anna.press("↩️ Вернуть версию 1").await;
    assert!(restored.body().starts_with("Восстановлена версия 1."));
    assert!(restored.body().contains("E-mail: —"));
    let versions = profile::profile_versions(&app.db, &app.vault, anna.id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 3);
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn profile_buttons_ask_for_the_code_once_the_session_is_over(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;

    app.clock.advance(chrono::Duration::minutes(31));
    let ask = anna.press("✏️ Заполнить профиль").await;

    assert_eq!(ask.html.as_deref(), Some(ru("step-up-held-press").as_str()));
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_forged_restore_of_someone_elses_version_changes_nothing(db: PgPool) {
    let app = TestApp::spawn(db).await;
    // Boris has a profile, and so a version 1 of it; Anna has none.
    let boris = app.active_user("Борис", "ru").await;
    let draft = profile::ProfileDraft {
        full_name: Some("Борисов Борис Борисович".into()),
        birth_date: Some("14.03.1985".into()),
        address: Some("г. Москва, ул. Ленина, д. 1, кв. 2".into()),
        email: None,
        inn: None,
        passport: Some("4510 123456".into()),
        passport_issued_on: Some("30.06.2020".into()),
        division_code: Some("770-001".into()),
        passport_issued_by: Some("ОВД района Арбат г. Москвы".into()),
    };
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let borises = profile::validate(&draft, today).expect("a valid profile");
    let version = profile::save(
        &app.db,
        &app.vault,
        boris.id(),
        &borises,
        medcab_core::history::Actor::Practitioner(boris.id()),
        app.clock.now(),
    )
    .await
    .unwrap();
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;

    let answer = anna.press_forged(&format!("pf:rs:{version}")).await;

    assert_eq!(answer.text.as_deref(), Some(ru("button-outdated").as_str()));
    assert!(
        profile::get(&app.db, &app.vault, anna.id())
            .await
            .unwrap()
            .is_none(),
        "Anna did not get Boris's profile"
    );
    assert_eq!(
        profile::profile_versions(&app.db, &app.vault, boris.id())
            .await
            .unwrap()
            .len(),
        1,
        "Boris's history is untouched"
    );
    app.finish().await;
}
