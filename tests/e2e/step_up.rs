//! The step-up gate: with the second-factor session over, nothing typed
//! into a personal-data question and no button of such a section gets
//! through without the code; what was sent is kept, and after the code the
//! conversation goes on from it.

use chrono::Duration;
use medcab_e2e::Says;
use medcab_e2e::{Phone, TestApp};
use medcab_sandbox::ChatMessage;
use sqlx::PgPool;

use crate::documents::open_documents;
use crate::ru;

fn starts(message: &ChatMessage, prefix: &str) {
    assert!(
        message.body().starts_with(prefix),
        "expected {prefix:?}, got {:?}",
        message.body()
    );
}

/// Lets the session (30 minutes idle in tests) run out.
fn expire(app: &TestApp) {
    app.clock.advance(Duration::minutes(31));
}

/// Types the code; returns the chat once the bot said `then`.
async fn code_then(app: &TestApp, phone: &Phone<'_>, then: &str) -> ChatMessage {
    let code = app.totp_code(phone.user_id()).await;
    app.client.send_text(phone.id(), &code).await.unwrap();
    phone.wait_for_text(then).await
}

/// A typed answer after the session ran out: asked for the code, deleted
/// from the chat, nothing personal shown; after the code, taken as the
/// answer it was.
async fn held_then_taken(app: &TestApp, phone: &Phone<'_>, answer: &str, next: &str) {
    expire(app);
    let held = phone.send(answer).await;
    assert_eq!(held.html.as_deref(), Some(ru("step-up-held").as_str()));
    let chat = phone.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.body() == answer)
            .all(|m| m.deleted),
        "the answer is off the chat while the code is asked"
    );
    code_then(app, phone, next).await;
    let chat = phone.chat().await;
    assert!(
        chat.bot_messages()
            .any(|m| m.body() == ru("step-up-confirmed")),
        "the code was confirmed"
    );
}

#[medcab_e2e::test]
async fn a_profile_answer_waits_for_the_code_and_is_taken(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;
    anna.press("✏️ Заполнить профиль").await;
    anna.wait_for_text("Фамилия, имя и отчество").await;

    held_then_taken(
        &app,
        &anna,
        "Иванова Анна Сергеевна",
        "Дата рождения в виде",
    )
    .await;

    // The held answer was taken: the next one goes on from there.
    starts(&anna.send("14.03.1985").await, "Адрес регистрации");
}

#[medcab_e2e::test]
async fn a_document_answer_waits_for_the_code_and_is_taken(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    let ask = anna.press("Диплом").await;
    ask.assert_contains("Введите номер документа");

    held_then_taken(
        &app,
        &anna,
        "107718 0123456",
        "Дата выдачи — в формате ДД.ММ.ГГГГ",
    )
    .await;
}

#[medcab_e2e::test]
async fn an_education_answer_waits_for_the_code_even_after_a_redis_flush(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;
    anna.press("🎓 Образование").await;
    starts(
        &anna.press("➕ Диплом").await,
        "Учебное заведение — как в дипломе",
    );

    expire(&app);
    let held = anna.send("Первый МГМУ им. И. М. Сеченова").await;
    assert_eq!(held.html.as_deref(), Some(ru("step-up-held").as_str()));
    // The position is lost while the code is asked: the held answer is not.
    app.flush_redis().await;
    code_then(&app, &anna, "Специальность по диплому").await;
}

/// A section's button asks for the code and Redis is flushed before it is
/// typed: the code still opens that section. Left by the menu's button, the
/// question takes no more text as a code.
#[medcab_e2e::test]
async fn a_section_asking_for_the_code_takes_it_after_a_redis_flush(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    expire(&app);
    anna.send("/menu").await;
    starts(
        &anna.press("📨 Мои заявки").await,
        "Раздел содержит личные данные",
    );
    app.flush_redis().await;
    let opened = code_then(&app, &anna, "Вход подтверждён").await;
    assert!(
        opened.body().contains("📨 Мои заявки"),
        "the section asked for is open: {}",
        opened.body()
    );

    boris.send("/menu").await;
    starts(
        &boris.press("👤 Профиль").await,
        "Раздел содержит личные данные",
    );
    boris.press("« Назад в меню").await;
    app.flush_redis().await;
    let answer = boris.send("Здравствуйте").await;
    assert_eq!(answer.html.as_deref(), Some(ru("unknown-text").as_str()));
}

#[medcab_e2e::test]
async fn a_button_of_an_old_card_waits_for_the_code_and_is_carried_out(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;

    expire(&app);
    let ask = anna.press("✏️ Заполнить профиль").await;
    // The card is replaced by the question for the code.
    assert_eq!(ask.html.as_deref(), Some(ru("step-up-held-press").as_str()));

    code_then(&app, &anna, "Фамилия, имя и отчество").await;
}

#[medcab_e2e::test]
async fn every_personal_section_asks_for_the_code_on_its_buttons(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    // Documents, applications, education: a button pressed after the
    // session ran out is held, never carried out without the code.
    for (section, button) in [
        ("📄 Документы", "➕ Добавить документ"),
        ("📨 Мои заявки", "➕ Новая заявка"),
        ("📮 Направления", "📥 Входящие"),
    ] {
        anna.send("/menu").await;
        anna.press(section).await;
        expire(&app);
        let ask = anna.press(button).await;
        assert_eq!(
            ask.html.as_deref(),
            Some(ru("step-up-held-press").as_str()),
            "{button}"
        );
        let code = app.totp_code(anna.user_id()).await;
        app.client.send_text(anna.id(), &code).await.unwrap();
        anna.wait_for(|chat| {
            chat.message(ask.message_id)
                .is_some_and(|m| m.html.as_deref() != Some(ru("step-up-held-press").as_str()))
        })
        .await;
        // Each code works once: move on past its 30-second step.
        app.clock.advance(Duration::seconds(30));
    }
}

#[medcab_e2e::test]
async fn a_session_ends_after_its_absolute_lifetime_however_active(app: TestApp) {
    // The code was typed at the start; the session may last 12 hours.
    let anna = app.active_user("Анна", "ru").await;
    // Active every 20 minutes, under the 30-minute idle limit: open until
    // the 12 hours are over, then the code is asked however active.
    for step in 1..=36 {
        app.clock.advance(Duration::minutes(20));
        anna.send("/menu").await;
        let profile = anna.press("👤 Профиль").await;
        let asked = profile.html.as_deref() == Some(ru("step-up-ask").as_str());
        assert_eq!(asked, step == 36, "after {} minutes", step * 20);
    }
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn screens_with_personal_data_cannot_be_forwarded_or_saved(db: PgPool) {
    use medcab_core::documents::DocumentKind;
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    crate::documents::store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        &crate::documents::pdf("diploma"),
    )
    .await;
    let list = open_documents(&anna).await;
    assert!(list.body().contains("107718 0123456"), "{}", list.body());
    assert!(list.protect_content, "the documents list is protected");
    // Every screen the conversations sent, not only this one.
    let chat = anna.chat().await;
    assert!(chat.bot_messages().all(|m| m.protect_content));
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_card_is_closed_when_its_session_ends(db: PgPool) {
    use medcab_core::documents::DocumentKind;
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    crate::documents::store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        &crate::documents::pdf("diploma"),
    )
    .await;
    let list = open_documents(&anna).await;
    assert!(list.body().contains("107718 0123456"), "{}", list.body());

    // Still open: a tick leaves the card as it is.
    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.scheduler_tick().await.cards_closed, 0);
    expire(&app);
    assert_eq!(app.scheduler_tick().await.cards_closed, 1);
    let chat = anna
        .wait_for(|chat| {
            chat.message(list.message_id)
                .is_some_and(|m| m.html.as_deref() == Some(ru("session-card-closed").as_str()))
        })
        .await;
    let card = chat.message(list.message_id).unwrap();
    assert!(!card.body().contains("107718"), "{}", card.body());
    // Closed once.
    assert_eq!(app.scheduler_tick().await.cards_closed, 0);
    app.finish().await;
}

#[medcab_e2e::test]
async fn an_education_hours_answer_waits_for_the_code_and_is_taken(app: TestApp) {
    let entry = medcab_e2e::RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1");
    let anna = app.practitioner("Анна", entry).await;
    crate::qualification::open_hours(&anna).await;
    anna.press("➕ Добавить запись").await;
    anna.press("ПК — повышение квалификации (часы)").await;
    anna.wait_for_text("Название программы").await;

    held_then_taken(
        &app,
        &anna,
        "Актуальные вопросы терапии",
        "Кто проводил обучение",
    )
    .await;
}

#[medcab_e2e::test]
async fn a_report_answer_waits_for_the_code_and_is_taken(app: TestApp) {
    let entry = medcab_e2e::RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1");
    let anna = app.practitioner("Анна", entry).await;
    anna.send("/menu").await;
    anna.press("🎓 НМО и аккредитация").await;
    anna.press("📝 Отчёт о деятельности").await;
    anna.press("▶️ Начать").await;

    held_then_taken(
        &app,
        &anna,
        "ГБУЗ «Городская поликлиника № 1», терапевтическое отделение",
        "✅ Сохранено.\n\nРаздел 2 из 7",
    )
    .await;
}

#[medcab_e2e::test]
async fn a_referral_answer_waits_for_the_code_and_is_taken(app: TestApp) {
    let anna = crate::referrals::anna(&app).await;
    anna.send("/menu").await;
    anna.press("📮 Направления").await;
    anna.press("➕ Новое направление").await;
    anna.press("👤 Врачу").await;

    held_then_taken(&app, &anna, "Сидоров", "Никого не нашлось").await;
}

#[medcab_e2e::test]
async fn a_schedule_answer_waits_for_the_code_and_is_taken(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    anna.send("/menu").await;
    anna.press("🗓 Расписание").await;
    anna.press("➕ Добавить").await;
    anna.press("🩺 Приём").await;
    anna.press("🩺 Первичный приём").await;

    held_then_taken(&app, &anna, "25.11.2026 15:00", "Окончание — время ЧЧ:ММ").await;
    // The held start was taken: the end comes next, then the place.
    starts(&anna.send("16:00").await, "Кабинет — например");
}

#[medcab_e2e::test]
async fn a_code_is_off_the_chat_even_when_the_database_fails_to_check_it(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    expire(&app);
    anna.send("/menu").await;
    let ask = anna.press("👤 Профиль").await;
    assert_eq!(ask.html.as_deref(), Some(ru("step-up-ask").as_str()));

    let code = app.totp_code(anna.user_id()).await;
    // The factor's table cannot be read while the code is checked.
    sqlx::query("ALTER TABLE second_factors RENAME TO second_factors_away")
        .execute(&app.db)
        .await
        .unwrap();
    let failed = anna.send(&code).await;
    assert_eq!(failed.html.as_deref(), Some(ru("handler-failed").as_str()));
    let chat = anna.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.body() == code)
            .all(|m| m.deleted),
        "the code is off the chat though it could not be checked"
    );
    sqlx::query("ALTER TABLE second_factors_away RENAME TO second_factors")
        .execute(&app.db)
        .await
        .unwrap();
}
