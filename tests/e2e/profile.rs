//! «👤 Профиль»: filled in question by question, checked field by field,
//! confirmed on a card, edited, and restored from its history.

use medcab_core::profile;
use medcab_e2e::Says;
use medcab_e2e::{Phone, TestApp};

use crate::ru;

/// Sends an answer and returns the bot's next question (or card).
async fn answer(anna: &Phone<'_>, text: &str) -> String {
    anna.send(text).await.body().to_owned()
}

/// From the menu to the profile's first question.
async fn start_filling_in(anna: &Phone<'_>) {
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;
    anna.press("✏️ Заполнить профиль").await;
    anna.wait_for_text("Фамилия, имя и отчество").await;
}

#[medcab_e2e::test]
async fn a_practitioner_fills_in_saves_edits_and_restores_the_profile(mut app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    let empty = anna.press("👤 Профиль").await;
    assert_eq!(empty.html.as_deref(), Some(ru("profile-empty").as_str()));

    anna.press("✏️ Заполнить профиль").await;
    anna.wait_for_text("Фамилия, имя и отчество").await;
    // A refusal and the question asked again are one message.
    let refused = answer(&anna, "Иванова").await;
    assert!(
        refused.starts_with("ФИО: нужны фамилия и имя")
            && refused.ends_with("Фамилия, имя и отчество — как в паспорте:"),
        "{refused}"
    );
    assert!(
        answer(&anna, "Иванова Анна Сергеевна")
            .await
            .starts_with("Дата рождения в виде")
    );
    // The reply to a wrong date is the problem, then the same question again.
    let refused = answer(&anna, "31.02.1985").await;
    assert!(
        refused.starts_with("Дата рождения: такой даты нет")
            && refused.ends_with("Дата рождения в виде ДД.ММ.ГГГГ:"),
        "{refused}"
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

    // An optional question is skipped with its button, not a typed «-».
    anna.press("Пропустить").await;
    anna.wait_for_text("ИНН").await;
    assert!(
        anna.chat()
            .await
            .bot_messages()
            .any(|m| m.body() == "E-mail: пропущено." && m.button_labels().is_empty())
    );
    let refused = answer(&anna, "500100732258").await;
    assert!(
        refused.starts_with("ИНН: контрольные цифры ИНН не сходятся")
            && refused.contains("ИНН — 12 цифр"),
        "{refused}"
    );
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
    let refused = answer(&anna, "01.01.1995").await;
    assert!(
        refused.starts_with(
            "Дата выдачи: паспорт выдают с 14 лет: дата выдачи не раньше 14.03.1999.\n\nДата выдачи паспорта"
        ),
        "{refused}"
    );
    assert!(
        answer(&anna, "20.03.2005")
            .await
            .starts_with("Код подразделения")
    );
    // The field is named once, not again inside its problem.
    let refused = answer(&anna, "77-001").await;
    assert!(
        refused.starts_with("Код подразделения: нужно 6 цифр, например 770-001."),
        "{refused}"
    );
    assert!(answer(&anna, "770-001").await.starts_with("Кем выдан"));
    let check = anna.send("ОВД Тверского района г. Москвы").await;
    check.assert_starts("Проверьте данные");
    assert!(check.body().contains("ФИО: Иванова Анна Сергеевна"));
    assert!(check.body().contains("E-mail: —"));

    // Nothing typed stays in the chat, taken or refused.
    let chat = anna.chat().await;
    let typed: Vec<_> = chat
        .messages
        .iter()
        .filter(|m| m.from == medcab_sandbox::From::User && !m.body().starts_with('/'))
        .collect();
    assert!(typed.len() >= 12, "{typed:?}");
    assert!(typed.iter().all(|m| m.deleted), "{typed:?}");

    let saved = anna.press("✅ Сохранить").await;
    saved.assert_starts("Профиль сохранён.");
    let stored = profile::get(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.passport().to_string(), "46 11 654321");

    // Edit one field.
    anna.press("✏️ Изменить").await;
    anna.press("E-mail").await;
    anna.wait_for_text("Электронная почта").await;
    // A change of a field survives a lost position too.
    app.flush_redis().await;
    let edited = anna.send("Anna@Example.RU").await;
    assert!(edited.body().starts_with("Профиль сохранён."));
    edited.assert_contains("E-mail: Anna@example.ru");

    // History, and back to the first version.
    let history = anna.press("🕘 История").await;
    history.assert_contains("2. ");
    history.assert_contains("1. ");
    // The same history lines as every record's, in Moscow time.
    assert!(
        history.body().contains("— профиль заполнен")
            && history.body().contains("— профиль изменён"),
        "{}",
        history.body()
    );
    // Its way back is named by where it goes: the profile.
    assert!(history.button("« К профилю").is_some(), "{history:?}");
    assert!(history.button("« Назад в меню").is_none(), "{history:?}");
    let restored = anna.press("↩️ Вернуть версию 1").await;
    assert!(restored.body().starts_with("Восстановлена версия 1."));
    assert!(restored.body().contains("E-mail: —"));
    let versions = profile::profile_versions(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 3);
}

#[medcab_e2e::test]
async fn profile_buttons_ask_for_the_code_once_the_session_is_over(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;

    app.clock.advance(chrono::Duration::minutes(31));
    let ask = anna.press("✏️ Заполнить профиль").await;

    assert_eq!(ask.html.as_deref(), Some(ru("step-up-held-press").as_str()));
}

#[medcab_e2e::test]
async fn a_forged_restore_of_someone_elses_version_changes_nothing(app: TestApp) {
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
        boris.user_id(),
        &borises,
        medcab_core::history::Actor::Practitioner(boris.user_id()),
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
        profile::get(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_none(),
        "Anna did not get Boris's profile"
    );
    assert_eq!(
        profile::profile_versions(&app.db, &app.vault, boris.user_id())
            .await
            .unwrap()
            .len(),
        1,
        "Boris's history is untouched"
    );
}

#[medcab_e2e::test]
async fn after_a_redis_flush_the_next_profile_answer_is_taken(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    start_filling_in(&anna).await;
    answer(&anna, "Иванова Анна Сергеевна").await;
    assert!(
        answer(&anna, "14.03.1985")
            .await
            .starts_with("Адрес регистрации")
    );

    app.flush_redis().await;
    let next = anna.send("г. Москва, ул. Тверская, д. 1, кв. 2").await;

    next.assert_starts("Электронная почта");
    assert_eq!(next.button_labels(), ["Пропустить"]);
    let chat = anna.chat().await;
    let typed = chat
        .messages
        .iter()
        .find(|m| m.body() == "г. Москва, ул. Тверская, д. 1, кв. 2")
        .expect("the address was sent");
    assert!(typed.deleted, "the typed address is off the chat");
    // The skip button works without the position too.
    app.flush_redis().await;
    anna.press("Пропустить").await;
    anna.wait_for_text("ИНН").await;
    let draft: serde_json::Value = medcab_core::drafts::load(
        &app.db,
        &app.vault,
        anna.user_id(),
        medcab_core::drafts::Kind::Profile,
    )
    .await
    .unwrap()
    .expect("a draft");
    assert_eq!(
        draft["draft"]["address"].as_str(),
        Some("г. Москва, ул. Тверская, д. 1, кв. 2")
    );
}

#[medcab_e2e::test]
async fn a_skip_button_of_an_earlier_question_is_outdated(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    start_filling_in(&anna).await;

    // No optional question is open: the e-mail cannot be skipped now.
    let answer = anna.press_forged("pf:skip:email").await;

    assert_eq!(answer.text.as_deref(), Some(ru("button-outdated").as_str()));
}

#[medcab_e2e::test]
async fn after_cancel_a_message_is_no_profile_answer(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    start_filling_in(&anna).await;
    answer(&anna, "Иванова Анна Сергеевна").await;

    let cancelled = anna.send("/cancel").await;
    assert_eq!(cancelled.html.as_deref(), Some(ru("cancel-done").as_str()));

    let hint = anna.send("14.03.1985").await;
    assert_eq!(hint.html.as_deref(), Some(ru("unknown-text").as_str()));
}

#[medcab_e2e::test]
async fn a_photo_sent_for_an_answer_leaves_the_chat_and_the_question_stays(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    start_filling_in(&anna).await;
    // A photo of the passport where its holder's name was asked.
    let photo = medcab_sandbox::UploadFile::new(
        medcab_sandbox::FileKind::Photo,
        "passport.jpg",
        "image/jpeg",
        b"\xFF\xD8\xFF\xE0 not really a picture",
    );
    let asked = anna
        .reply_to(async {
            app.client.upload_file(anna.id(), photo).await.unwrap();
        })
        .await;
    asked.assert_contains("Фамилия, имя и отчество");
    let chat = anna.chat().await;
    let sent: Vec<_> = chat
        .messages
        .iter()
        .filter(|m| m.photo.is_some() && m.from == medcab_sandbox::From::User)
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].deleted, "the photo is off the chat");
    // The question still takes the typed answer.
    answer(&anna, "Иванова Анна Сергеевна").await;
}
