//! «🎓 Образование»: a diploma and a qualification upgrade added question by
//! question (each mistake told, nothing typed lost), changed, deleted, kept
//! through a Redis flush; forged buttons; and the history of a document and
//! of an application.

use chrono::Duration;
use medcab_core::applications::{self, Kind};
use medcab_core::documents::DocumentKind;
use medcab_core::history::Actor;
use medcab_core::profile::{self, EducationDraft, EducationLevel};
use medcab_core::review::{self, Decision};
use medcab_core::{operators, security_events};
use medcab_e2e::{Phone, TestApp};
use medcab_sandbox::ChatMessage;

use crate::documents::{PDF, open_documents, store};
use crate::ru;

const INSTITUTION: &str = "Первый МГМУ им. И. М. Сеченова";
const NUMBER: &str = "107724 0098765";

fn starts(message: &ChatMessage, prefix: &str) {
    assert!(
        message.body().starts_with(prefix),
        "expected {prefix:?}, got {:?}",
        message.body()
    );
}

fn contains(message: &ChatMessage, part: &str) {
    assert!(
        message.body().contains(part),
        "expected {part:?} in {:?}",
        message.body()
    );
}

async fn open_education(phone: &Phone<'_>) -> ChatMessage {
    phone.send("/menu").await;
    phone.press("👤 Профиль").await;
    phone.press("🎓 Образование").await
}

/// Presses a level button; the question after it comes as a new message.
async fn choose_level(phone: &Phone<'_>, level: &str) -> ChatMessage {
    phone.press(level).await;
    phone.wait_for_text("Серия и номер диплома").await
}

/// The newest bot message once it starts with `prefix` (after a press that
/// edits a message in place).
async fn newest_starting(phone: &Phone<'_>, prefix: &str) -> ChatMessage {
    let chat = phone
        .wait_for(|chat| {
            chat.last_bot_message()
                .is_some_and(|m| m.body().starts_with(prefix))
        })
        .await;
    chat.last_bot_message().cloned().unwrap()
}

#[medcab_e2e::test]
async fn a_diploma_and_a_qualification_upgrade_are_added_changed_and_deleted(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let empty = open_education(&anna).await;
    contains(&empty, "Записей пока нет");

    let ask = anna.press("➕ Диплом").await;
    starts(&ask, "Учебное заведение — как в дипломе");
    starts(&anna.send(INSTITUTION).await, "Специальность по диплому");
    starts(&anna.send("Лечебное дело").await, "Уровень образования:");
    // Typed instead of pressed: the buttons are asked for again.
    starts(
        &anna.send("специалитет").await,
        "Уровень образования выберите кнопкой.",
    );
    choose_level(&anna, "высшее — специалитет").await;
    starts(&anna.send(NUMBER).await, "Год окончания — четыре цифры");

    // A mistake in the year, then in the date: each told, then asked again.
    let year = anna.send("20I2").await;
    starts(
        &year,
        "Год окончания: нужен год из четырёх цифр, например 2012.",
    );
    contains(&year, "Год окончания — четыре цифры");
    starts(&anna.send("2012").await, "Дата выдачи диплома в виде");
    starts(
        &anna.send("2012-06-30").await,
        "Дата выдачи диплома: нужна дата в виде ДД.ММ.ГГГГ",
    );
    starts(
        &anna.send("30.06.2011").await,
        "Дата выдачи диплома: диплом не может быть выдан раньше года окончания (2012).",
    );
    // All answered: the summary card, nothing stored yet.
    let card = anna.send("30.06.2012").await;
    starts(&card, "Проверьте данные");
    contains(&card, &format!("Учебное заведение: {INSTITUTION}"));
    contains(&card, "Уровень образования: высшее — специалитет");
    contains(&card, &format!("Номер диплома: {NUMBER}"));
    contains(&card, "Год окончания: 2012");
    contains(&card, "Дата выдачи диплома: 30.06.2012");
    assert!(
        profile::list_education(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_empty()
    );
    let saved = anna.press("✅ Сохранить").await;
    starts(&saved, "✅ Сохранено.");
    contains(
        &saved,
        &format!("1. {INSTITUTION}, «Лечебное дело» — высшее — специалитет, год окончания 2012"),
    );

    let stored = profile::list_education(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    let diploma = &stored[0].education;
    assert_eq!(diploma.diploma_number(), NUMBER);
    assert_eq!(diploma.level(), EducationLevel::Specialist);
    assert_eq!(diploma.graduation_year(), 2012);
    let diploma_id = stored[0].id;
    // The diploma number is off the chat once stored.
    let chat = anna.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.body().contains(NUMBER))
            .all(|m| m.deleted),
        "{:#?}",
        chat.messages
    );

    // Additional education: 0 hours refused, the rest kept.
    starts(
        &anna.press("➕ Повышение квалификации").await,
        "Название программы",
    );
    starts(
        &anna.send("Кардиология: актуальные вопросы").await,
        "Объём программы в академических часах",
    );
    starts(
        &anna.send("0").await,
        "Объём программы: в программе не может быть 0 часов",
    );
    starts(&anna.send("144").await, "Дата начала обучения");
    starts(&anna.send("01.02.2024").await, "Дата окончания обучения");
    starts(
        &anna.send("31.01.2024").await,
        "Дата окончания обучения: обучение не может закончиться раньше, чем началось (01.02.2024).",
    );
    let card = anna.send("28.02.2024").await;
    starts(&card, "Проверьте данные");
    contains(&card, "Объём программы: 144 академических часа");
    let saved = anna.press("✅ Сохранить").await;
    starts(&saved, "✅ Сохранено.");
    contains(
        &saved,
        "2. «Кардиология: актуальные вопросы» — 144 академических часа, 01.02.2024 — 28.02.2024",
    );

    // Change one field of the programme.
    let which = anna.press("✏️ 2").await;
    starts(
        &which,
        "Что изменить в записи «Кардиология: актуальные вопросы»?",
    );
    starts(
        &anna.press("Объём программы").await,
        "Объём программы в академических часах",
    );
    let changed = anna.send("36").await;
    starts(&changed, "✅ Сохранено.");
    contains(&changed, "36 академических часов");
    let programmes = profile::list_additional(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(programmes.len(), 1);
    assert_eq!(programmes[0].additional.hours(), 36);

    // Delete the diploma, after a confirmation.
    starts(
        &anna.press("🗑 1").await,
        &format!("Удалить запись «{INSTITUTION}»?"),
    );
    let deleted = anna.press("🗑 Да, удалить").await;
    starts(&deleted, "🗑 Запись удалена.");
    assert!(
        profile::list_education(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_empty()
    );

    // The programme's history: added, then changed.
    let history = anna.press("🕘 1").await;
    starts(&history, "🕘 История");
    contains(&history, "2. ");
    contains(&history, "запись изменена");
    contains(&history, "1. ");
    contains(&history, "запись добавлена");
    // The deleted diploma's history stays its owner's to read.
    let answer = anna.press_forged(&format!("ed:h:{diploma_id}")).await;
    assert!(answer.answered && answer.text.is_none(), "{answer:?}");
    let history = newest_starting(&anna, "🕘 История").await;
    contains(&history, "запись удалена");
}

#[medcab_e2e::test]
async fn a_redis_flush_while_adding_a_diploma_loses_nothing_typed(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_education(&anna).await;
    anna.press("➕ Диплом").await;
    anna.send(INSTITUTION).await;
    anna.send("Сестринское дело").await;
    choose_level(&anna, "среднее профессиональное").await;

    app.flush_redis().await;
    // The position is gone; the next answer is still taken, as the number.
    starts(&anna.send(NUMBER).await, "Год окончания — четыре цифры");

    app.flush_redis().await;
    // And «🎓 Образование» offers to go on where the draft is.
    open_education(&anna).await;
    starts(
        &anna.press("▶️ Продолжить заполнение").await,
        "Год окончания — четыре цифры",
    );
    anna.send("2015").await;
    starts(&anna.send("01.07.2015").await, "Проверьте данные");

    // A flush on the card: «✅ Сохранить» still stores the draft.
    app.flush_redis().await;
    let saved = anna.press("✅ Сохранить").await;
    starts(&saved, "✅ Сохранено.");
    contains(
        &saved,
        &format!("{INSTITUTION}, «Сестринское дело» — среднее профессиональное"),
    );
    let stored = profile::list_education(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].education.diploma_number(), NUMBER);
    assert_eq!(stored[0].education.specialty(), "Сестринское дело");
}

/// Adds a diploma up to its summary card.
async fn diploma_up_to_the_card(phone: &Phone<'_>) -> ChatMessage {
    open_education(phone).await;
    phone.press("➕ Диплом").await;
    phone.send(INSTITUTION).await;
    phone.send("Лечебное дело").await;
    choose_level(phone, "высшее — специалитет").await;
    phone.send(NUMBER).await;
    phone.send("2012").await;
    phone.send("30.06.2012").await
}

#[medcab_e2e::test]
async fn a_field_corrected_on_the_card_returns_to_the_card_then_is_saved_once(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let card = diploma_up_to_the_card(&anna).await;
    starts(&card, "Проверьте данные");
    contains(&card, "Год окончания: 2012");

    starts(
        &anna.press("✏️ Исправить поле").await,
        "Какое поле исправить?",
    );
    starts(
        &anna.press("Год окончания").await,
        "Год окончания — четыре цифры",
    );
    // The corrected answer goes back to the card, not to saving.
    let card = anna.send("2011").await;
    starts(&card, "Проверьте данные");
    contains(&card, "Год окончания: 2011");
    contains(&card, "Дата выдачи диплома: 30.06.2012");
    assert!(
        profile::list_education(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_empty()
    );

    let saved = anna.press("✅ Сохранить").await;
    starts(&saved, "✅ Сохранено.");
    contains(&saved, "год окончания 2011");
    let stored = profile::list_education(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].education.graduation_year(), 2011);
    assert_eq!(stored[0].education.diploma_number(), NUMBER);
}

#[medcab_e2e::test]
async fn a_double_tap_on_save_stores_one_record(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    starts(&diploma_up_to_the_card(&anna).await, "Проверьте данные");

    starts(&anna.press("✅ Сохранить").await, "✅ Сохранено.");
    // The second tap of the same button: the draft is gone, the list stays.
    let answer = anna.press_forged("ed:save").await;
    assert!(answer.answered && answer.text.is_none(), "{answer:?}");
    let list = newest_starting(&anna, "🎓 Образование").await;
    contains(&list, INSTITUTION);
    assert_eq!(
        profile::list_education(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[medcab_e2e::test]
async fn a_forged_button_naming_someone_elses_education_is_refused_and_recorded(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    let draft = EducationDraft {
        institution: Some("Казанский ГМУ".to_owned()),
        specialty: Some("Педиатрия".to_owned()),
        level: Some(EducationLevel::Specialist),
        diploma_number: Some("999999 0000001".to_owned()),
        diploma_date: Some("30.06.2010".to_owned()),
        graduation_year: Some("2010".to_owned()),
    };
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let valid = profile::validate_education(&draft, today).unwrap();
    let theirs = profile::add_education(
        &app.db,
        &app.vault,
        boris.user_id(),
        &valid,
        Actor::Practitioner(boris.user_id()),
        app.clock.now(),
        None,
    )
    .await
    .unwrap();
    open_education(&anna).await;

    anna.forge_and_expect_refusal(&[
        format!("ed:e:{theirs}"),
        format!("ed:f:{theirs}:no"),
        format!("ed:rm:{theirs}"),
        format!("ed:h:{theirs}"),
    ])
    .await;
    assert_eq!(
        profile::list_education(&app.db, &app.vault, boris.user_id())
            .await
            .unwrap()
            .len(),
        1,
        "Boris's diploma is untouched"
    );
    assert!(
        !anna
            .chat()
            .await
            .messages
            .iter()
            .any(|m| m.body().contains("Казанский") || m.body().contains("999999"))
    );
}

#[medcab_e2e::test]
async fn the_history_of_a_document_shows_it_added_then_deleted(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    let id = store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        PDF,
    )
    .await;
    let theirs = store(
        &app,
        boris.user_id(),
        DocumentKind::Diploma,
        "999999 0000001",
        PDF,
    )
    .await;
    open_documents(&anna).await;

    anna.press("📄 Диплом 107718 0123456").await;
    let history = anna.press("🕘 История").await;
    starts(&history, "🕘 История");
    contains(&history, "1. ");
    contains(&history, "документ добавлен");
    assert!(!history.body().contains("2. "), "{}", history.body());

    anna.press("« К документу").await;
    anna.press("🗑 Удалить").await;
    anna.press("🗑 Да, удалить").await;
    // The history button of the card, pressed again after the deletion.
    let answer = anna.press_forged(&format!("doc:h:{id}")).await;
    assert!(answer.answered && answer.text.is_none(), "{answer:?}");
    let history = newest_starting(&anna, "🕘 История").await;
    let body = history.body();
    let deleted = body.find("2. ").expect("a second version");
    let added = body.find("1. ").expect("a first version");
    assert!(deleted < added, "newest first: {body}");
    contains(&history, "документ удалён");

    // Someone else's document has no history for Anna.
    let answer = anna.press_forged(&format!("doc:h:{theirs}")).await;
    assert_eq!(answer.text.as_deref(), Some(ru("button-outdated").as_str()));
    let kinds = security_events::kinds_for(&app.db, anna.user_id())
        .await
        .unwrap();
    assert!(
        kinds.iter().any(|kind| kind == "forged_callback"),
        "{kinds:?}"
    );
}

#[medcab_e2e::test]
async fn the_history_of_an_application_shows_its_statuses(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let olga = app.active_user("Ольга", "ru").await;
    operators::grant(&app.db, olga.user_id(), "test", app.clock.now())
        .await
        .unwrap();
    app.open_staff_session(olga.user_id()).await;
    let now = app.clock.now();
    let created = applications::create(
        &app.db,
        &app.vault,
        anna.user_id(),
        Kind::CertificateRequest,
        now,
    )
    .await
    .unwrap();
    applications::submit(&app.db, &app.vault, anna.user_id(), created.id, now)
        .await
        .unwrap();
    review::claim_next(
        &app.db,
        &app.vault,
        olga.user_id(),
        now,
        Duration::minutes(30),
    )
    .await
    .unwrap()
    .expect("the application is in the queue");
    review::decide(
        &app.db,
        &app.vault,
        olga.user_id(),
        created.id,
        Decision::Approve,
        now,
    )
    .await
    .unwrap();
    // Three status pushes are on their way: let them land first.
    app.wait_for_deliveries(anna.id()).await;
    anna.wait_for(|chat| chat.bot_messages().count() == 3).await;

    anna.send("/menu").await;
    anna.press("📨 Мои заявки").await;
    anna.press(&format!("{} · одобрена", created.number)).await;
    let history = anna.press("🕘 История").await;
    starts(&history, "🕘 История");
    let body = history.body();
    let lines: Vec<&str> = body.lines().skip(2).collect();
    assert_eq!(lines.len(), 4, "{body}");
    assert!(lines[0].starts_with("4. ") && lines[0].ends_with("статус: «одобрена»"));
    assert!(lines[1].ends_with("статус: «на рассмотрении»"), "{body}");
    assert!(lines[2].ends_with("статус: «подана»"), "{body}");
    assert!(lines[3].starts_with("1. ") && lines[3].ends_with("заявка создана"));

    // Someone else's application: refused and recorded.
    olga.send("/menu").await;
    olga.press("📨 Мои заявки").await;
    let answer = olga.press_forged(&format!("app:h:{}", created.id)).await;
    assert_eq!(answer.text.as_deref(), Some(ru("button-outdated").as_str()));
}

#[medcab_e2e::test]
async fn education_buttons_ask_for_the_code_once_the_session_is_over(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_education(&anna).await;

    app.clock.advance(Duration::minutes(31));
    let ask = anna.press("➕ Диплом").await;

    assert_eq!(ask.html.as_deref(), Some(ru("step-up-held-press").as_str()));
}
