//! Operators publish from the bot: a regulatory notice (/notice) and an
//! inspection (/inspection) reach exactly the practitioners they concern,
//! after a preview whose count is what is then sent; the progress message
//! ends at «Готово» with the right numbers; a proposal from the feed is
//! published once; an inspection is cancelled once, told only to those who
//! were told of it; nobody else may do any of it.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use medcab_core::UserId;
use medcab_core::channels::Messenger;
use medcab_core::inspections::{self, InspectionDraft, InspectionKind, Source};
use medcab_core::notices::{self, FeedItem};
use medcab_core::notification_settings::{self, QuietHours};
use medcab_core::operators::{self, AuditAction};
use medcab_core::{outbox, security_events};
use medcab_e2e::Says;
use medcab_e2e::{Phone, RegisterEntry, TestApp};
use medcab_sandbox::ChatMessage;

use crate::ru;

const OPERATORS_ONLY: &str = "Это действие доступно только сотрудникам, проверяющим заявки.";
/// A refused staff command or typed answer: why, and where one's own
/// commands are.
const STAFF_ONLY: &str = "Это доступно только сотрудникам, которые проверяют заявки и рассылают уведомления, — у вашего аккаунта такой роли нет. Ваши команды — в /help.";
const SEND: &str = "📤 Отправить";

/// A confirmed practitioner whose register entry names this specialty,
/// region and organisation.
async fn practitioner<'a>(
    app: &'a TestApp,
    name: &str,
    specialty: &str,
    region: &str,
    organisation: &str,
) -> Phone<'a> {
    app.practitioner(name, RegisterEntry::new(specialty, region, organisation))
        .await
}

/// An operator with the staff session open now.
async fn operator<'a>(app: &'a TestApp, name: &str) -> Phone<'a> {
    app.operator(name).await
}

/// Waits until the progress message (the confirmed preview) says «Готово».
async fn done(phone: &Phone<'_>, progress: &ChatMessage) -> String {
    let chat = phone
        .wait_for(|chat| {
            chat.message(progress.message_id)
                .is_some_and(|m| m.body().contains("Готово"))
        })
        .await;
    chat.message(progress.message_id).unwrap().body().to_owned()
}

/// The bot's messages in a practitioner's chat that contain `text`.
async fn pushes_with(phone: &Phone<'_>, text: &str) -> usize {
    phone
        .chat()
        .await
        .bot_messages()
        .filter(|m| m.body().contains(text))
        .count()
}

async fn refusals(app: &TestApp, user_id: UserId) -> usize {
    security_events::kinds_for(&app.db, user_id)
        .await
        .unwrap()
        .iter()
        .filter(|kind| *kind == "operator_action_refused")
        .count()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[medcab_e2e::test]
async fn a_notice_for_one_specialty_and_region_reaches_exactly_its_practitioners(app: TestApp) {
    let anna = practitioner(&app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let dmitry = practitioner(&app, "Дмитрий", "Терапия", "Москва", "ГБУЗ ГП № 2").await;
    let boris = practitioner(&app, "Борис", "Кардиология", "Москва", "ГБУЗ ГП № 1").await;
    let vera = practitioner(&app, "Вера", "Терапия", "Тверская область", "ГБУЗ ЦРБ").await;
    let galina = practitioner(&app, "Галина", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let mut settings = notification_settings::get(&app.db, galina.user_id())
        .await
        .unwrap();
    settings.regulation = false;
    notification_settings::save(&app.db, galina.user_id(), &settings, app.clock.now())
        .await
        .unwrap();
    let olga = operator(&app, "Ольга").await;

    let first = olga.send("/notice").await;
    assert!(
        first
            .body()
            .starts_with("📢 Новое уведомление об изменениях в нормативных документах"),
        "{}",
        first.body()
    );
    assert!(first.body().contains("Шаг 1 из 5."), "{}", first.body());
    assert_eq!(first.button_labels(), ["✖️ Отмена"], "nothing proposed");

    let reply = olga.send(&"Я".repeat(201)).await;
    assert_eq!(
        reply.body(),
        "Заголовок длиннее 200 символов. Сократите его и отправьте ещё раз."
    );
    let reply = olga.send("Приказ <b>№ 1</b>").await;
    assert!(reply.body().starts_with("Шаг 2 из 5."), "{}", reply.body());
    let reply = olga
        .send("С 1 марта меняются сроки & порядок аттестации.")
        .await;
    assert!(reply.body().starts_with("Шаг 3 из 5."), "{}", reply.body());
    assert_eq!(reply.button_labels(), ["Без ссылки", "✖️ Отмена"]);
    // Bad links are explained; the answers given stay.
    let reply = olga.send("ftp://example.org/123").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("broadcast-link-not-http").as_str())
    );
    let reply = olga.send("приказ на сайте").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("broadcast-link-not-url").as_str())
    );
    let reply = olga.send("https://example.org/prikaz-1").await;
    assert!(reply.body().starts_with("Шаг 4 из 5."), "{}", reply.body());
    assert_eq!(reply.button_labels(), ["Всем", "✖️ Отмена"]);
    let reply = olga.send("Терапия").await;
    assert!(reply.body().starts_with("Шаг 5 из 5."), "{}", reply.body());
    let preview = olga.send("Москва").await;

    let body = preview.body();
    assert!(body.starts_with("Предпросмотр."), "{body}");
    // Exactly the push, as a practitioner will read it.
    for part in [
        "📜 Приказ <b>№ 1</b>",
        "С 1 марта меняются сроки & порядок аттестации.",
        "https://example.org/prikaz-1",
        "Специальности: Терапия",
        "Регионы: Москва",
        "Получат: 2 человека",
    ] {
        assert!(body.contains(part), "{part:?} in {body}");
    }
    assert_eq!(preview.button_labels(), [SEND, "✏️ Изменить…", "✖️ Отмена"]);

    // A change from the preview comes back to it, the rest kept.
    let which = olga.press("✏️ Изменить…").await;
    assert_eq!(which.message_id, preview.message_id);
    assert_eq!(
        which.button_labels(),
        [
            "Заголовок",
            "Содержание",
            "Ссылка",
            "Специальности",
            "Регионы",
            "« К предпросмотру"
        ]
    );
    let ask = olga.press("Заголовок").await;
    ask.assert_contains("Сейчас: Приказ <b>№ 1</b>");
    assert_eq!(ask.button_labels(), ["« К предпросмотру"]);
    let preview = olga.send("Приказ <b>№ 123н</b>").await;
    preview.assert_contains("📜 Приказ <b>№ 123н</b>");
    assert!(preview.body().contains("Получат: 2 человека"));

    let progress = olga.press(SEND).await;
    assert_eq!(
        progress.message_id, preview.message_id,
        "the preview turns into the progress"
    );
    assert!(
        progress
            .body()
            .starts_with("📤 Уведомление «Приказ <b>№ 123н</b>»"),
        "{}",
        progress.body()
    );
    assert!(progress.button_labels().is_empty());
    let finished = done(&olga, &progress).await;
    assert!(
        finished.ends_with("✅ Готово: отправлено 2 из 2, не доставлено 0."),
        "{finished}"
    );

    for phone in [&anna, &dmitry] {
        let push = phone.wait_for_text("📜 Приказ <b>№ 123н</b>").await;
        assert!(push.body().contains("🔗 https://example.org/prikaz-1"));
    }
    for phone in [&boris, &vera, &galina] {
        assert_eq!(
            phone.chat().await.bot_messages().count(),
            0,
            "{}",
            phone.id()
        );
    }
    // A second tap on «Отправить» finds no draft: nothing is sent twice.
    let send = preview.button(SEND).unwrap().callback_data.clone().unwrap();
    let again = olga.press_forged(&send).await;
    assert_eq!(again.text, Some(ru("broadcast-draft-gone")));
    // Nor does it send a draft begun since.
    olga.send("/notice").await;
    olga.send("Другой приказ").await;
    let again = olga.press_forged(&send).await;
    assert_eq!(again.text, Some(ru("broadcast-draft-gone")));
    assert_eq!(
        count(&app, "SELECT count(*) FROM regulatory_notices").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL"
        )
        .await,
        2
    );
    let finished: i64 = count(
        &app,
        "SELECT count(*) FROM broadcasts WHERE finished_at IS NOT NULL AND progress_message IS NOT NULL",
    )
    .await;
    assert_eq!(finished, 1, "the progress message is recorded and finished");
}

#[medcab_e2e::test]
async fn an_inspection_of_an_organisation_reaches_exactly_its_practitioners(app: TestApp) {
    let anna = practitioner(&app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let boris = practitioner(&app, "Борис", "Терапия", "Москва", "ГБУЗ ГП № 2").await;
    // The same name in another region is another organisation.
    let vera = practitioner(&app, "Вера", "Терапия", "Тверская область", "ГБУЗ ГП № 1").await;
    let olga = operator(&app, "Ольга").await;

    let first = olga.send("/inspection").await;
    first.assert_starts("🔎 Новое уведомление о проверке");
    assert_eq!(
        first.button_labels(),
        ["🏥 Организация", "🗺 Регион", "✖️ Отмена"]
    );
    let reply = olga.send("ГБУЗ ГП № 1").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("broadcast-use-buttons").as_str())
    );
    // Whom it concerns comes before the steps are counted: the total
    // never changes on the way.
    assert!(!first.body().contains("Шаг"), "{}", first.body());
    let ask = olga.press("🏥 Организация").await;
    assert_eq!(ask.message_id, first.message_id);
    assert!(ask.body().starts_with("Шаг 1 из 5."), "{}", ask.body());
    let reply = olga.send("ГБУЗ ГП № 1").await;
    assert!(reply.body().starts_with("Шаг 2 из 5."), "{}", reply.body());
    assert_eq!(reply.button_labels(), ["Во всех регионах", "✖️ Отмена"]);
    let reply = olga.send("Москва").await;
    assert!(reply.body().starts_with("Шаг 3 из 5."), "{}", reply.body());
    let reply = olga.send("15/03/2027").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("broadcast-date-format").as_str())
    );
    // The right shape, but no such day: said so.
    let reply = olga.send("32.13.2026").await;
    assert_eq!(
        reply.body(),
        "Такой даты нет: 32.13.2026. Проверьте день и месяц."
    );
    let reply = olga.send("24.11.2026").await;
    assert_eq!(
        reply.html.as_deref(),
        Some(ru("broadcast-date-in-past").as_str())
    );
    let kinds = olga.send("15.12.2026").await;
    assert_eq!(
        kinds.button_labels(),
        [
            "Плановая выездная",
            "Плановая документарная",
            "Внеплановая выездная",
            "Внеплановая документарная",
            "✖️ Отмена"
        ]
    );
    let ask = olga.press("Плановая выездная").await;
    assert!(ask.body().starts_with("Шаг 5 из 5."), "{}", ask.body());
    let preview = olga
        .send("Медицинские книжки, журналы учёта, лицензию")
        .await;
    let body = preview.body();
    for part in [
        "🔎 Назначена проверка",
        "ГБУЗ ГП № 1",
        "15.12.2026",
        "Медицинские книжки, журналы учёта, лицензию",
        "Получат: 1 человек",
    ] {
        assert!(body.contains(part), "{part:?} in {body}");
    }

    let progress = olga.press(SEND).await;
    assert!(
        progress
            .body()
            .starts_with("📤 Проверка: ГБУЗ ГП № 1, 15.12.2026"),
        "{}",
        progress.body()
    );
    let finished = done(&olga, &progress).await;
    assert!(
        finished.ends_with("✅ Готово: отправлено 1 из 1, не доставлено 0."),
        "{finished}"
    );
    let push = anna.wait_for_text("🔎 Назначена проверка").await;
    assert!(push.body().contains("Что подготовить: Медицинские книжки"));
    for phone in [&boris, &vera] {
        assert_eq!(
            phone.chat().await.bot_messages().count(),
            0,
            "{}",
            phone.id()
        );
    }
    assert_eq!(count(&app, "SELECT count(*) FROM inspections").await, 1);
}

/// At night the preview says how many get the notice only in the morning,
/// and so does the progress once only those are left.
#[medcab_e2e::test]
async fn the_preview_and_the_progress_say_how_many_wait_for_the_morning(app: TestApp) {
    // 23:00 in Moscow.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 20, 0, 0).unwrap());
    let anna = practitioner(&app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let boris = practitioner(&app, "Борис", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let mut awake = notification_settings::get(&app.db, boris.user_id())
        .await
        .unwrap();
    awake.quiet_hours = None;
    notification_settings::save(&app.db, boris.user_id(), &awake, app.clock.now())
        .await
        .unwrap();
    let olga = operator(&app, "Ольга").await;

    olga.send("/notice").await;
    olga.send("Приказ № 9н").await;
    olga.send("Меняется порядок аттестации.").await;
    olga.press("Без ссылки").await;
    olga.press("Всем").await;
    let preview = olga.press("Всем").await;
    let body = preview.body();
    assert!(body.contains("Получат: 2 человека"), "{body}");
    assert!(
        body.contains("🌙 Из них 1 — утром: сейчас у получателей тихие часы."),
        "{body}"
    );
    let progress = olga.press(SEND).await;
    boris.wait_for_text("📜 Приказ № 9н").await;
    let chat = olga
        .wait_for(|chat| {
            chat.message(progress.message_id)
                .is_some_and(|m| m.body().contains("Отправлено 1 из 2"))
        })
        .await;
    let body = chat.message(progress.message_id).unwrap().body().to_owned();
    assert!(
        body.ends_with(
            "Отправлено 1 из 2, не доставлено 0.\n🌙 Ждут окончания тихих часов получателей: 1. Они получат уведомление утром."
        ),
        "{body}"
    );
    assert_eq!(pushes_with(&anna, "Приказ № 9н").await, 0);

    // 08:00: the last one goes, and the progress says «Готово».
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 26, 5, 0, 0).unwrap());
    app.wake_delivery();
    anna.wait_for_text("📜 Приказ № 9н").await;
    let finished = done(&olga, &progress).await;
    assert!(
        finished.ends_with("✅ Готово: отправлено 2 из 2, не доставлено 0."),
        "{finished}"
    );
}

/// «Без ссылки» and «Во всех регионах» are answers: the draft lives in
/// Redis as JSON between the presses, and the question does not come back.
#[medcab_e2e::test]
async fn the_none_buttons_are_answers_that_survive_the_dialogue_state(app: TestApp) {
    let anna = practitioner(&app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let vera = practitioner(&app, "Вера", "Терапия", "Тверская область", "ГБУЗ ГП № 1").await;
    let olga = operator(&app, "Ольга").await;

    olga.send("/notice").await;
    olga.send("Приказ № 7н").await;
    let ask = olga.send("Меняется порядок аттестации.").await;
    assert!(ask.body().starts_with("Шаг 3 из 5."), "{}", ask.body());
    let ask = olga.press("Без ссылки").await;
    assert!(ask.body().starts_with("Шаг 4 из 5."), "{}", ask.body());
    let ask = olga.press("Всем").await;
    assert!(ask.body().starts_with("Шаг 5 из 5."), "{}", ask.body());
    let preview = olga.press("Всем").await;
    preview.assert_starts("Предпросмотр.");
    assert!(!preview.body().contains("🔗"), "{}", preview.body());
    assert!(preview.body().contains("Получат: 2 человека"));
    // Changing the link shows what it holds now: no link.
    olga.press("✏️ Изменить…").await;
    let ask = olga.press("Ссылка").await;
    assert!(ask.body().contains("Сейчас: Без ссылки"), "{}", ask.body());
    // A word meaning «no link», typed, is the same answer.
    let preview = olga.send("без ссылки").await;
    preview.assert_starts("Предпросмотр.");
    let progress = olga.press(SEND).await;
    done(&olga, &progress).await;
    for phone in [&anna, &vera] {
        let push = phone.wait_for_text("📜 Приказ № 7н").await;
        assert!(!push.body().contains("🔗"), "{}", push.body());
    }

    let first = olga.send("/inspection").await;
    assert_eq!(first.button_labels()[0], "🏥 Организация");
    olga.press("🏥 Организация").await;
    olga.send("ГБУЗ ГП № 1").await;
    let ask = olga.press("Во всех регионах").await;
    assert!(ask.body().starts_with("Шаг 3 из 5."), "{}", ask.body());
    olga.send("15.12.2026").await;
    olga.press("Плановая выездная").await;
    let preview = olga.send("Лицензию").await;
    preview.assert_contains("Получат: 2 человека");
    olga.press("✏️ Изменить…").await;
    let ask = olga.press("Регион организации").await;
    ask.assert_contains("Сейчас: Во всех регионах");
    let preview = olga.send("Москва").await;
    preview.assert_contains("Получат: 1 человек");
    olga.press("✏️ Изменить…").await;
    olga.press("Регион организации").await;
    let preview = olga.send("во всех регионах").await;
    preview.assert_contains("Получат: 2 человека");
    let progress = olga.press(SEND).await;
    let finished = done(&olga, &progress).await;
    assert!(
        finished.ends_with("✅ Готово: отправлено 2 из 2, не доставлено 0."),
        "{finished}"
    );
    anna.wait_for_text("🔎 Назначена проверка").await;
    vera.wait_for_text("🔎 Назначена проверка").await;
}

#[medcab_e2e::test]
async fn a_proposal_from_the_feed_is_published_once(app: TestApp) {
    let anna = practitioner(&app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let boris = practitioner(&app, "Борис", "Кардиология", "Тверская область", "ГБУЗ ЦРБ").await;
    let item = |key: &str, title: &str| FeedItem {
        key: key.to_owned(),
        title: title.to_owned(),
        summary: format!("{title}: кратко о главном."),
        link: Some(format!("https://feed.example/{key}")),
    };
    let proposed = notices::propose_from_feed(
        &app.db,
        "https://feed.example/rss",
        &[item("b", "Письмо Минздрава № 7"), item("a", "Приказ № 5н")],
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(proposed, 2);
    let ids: Vec<i64> = notices::proposed(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    let olga = operator(&app, "Ольга").await;

    let first = olga.send("/notice").await;
    assert_eq!(
        first.button_labels(),
        ["📥 Предложено из ленты (2)", "✖️ Отмена"]
    );
    let list = olga.press("📥 Предложено из ленты (2)").await;
    assert_eq!(list.message_id, first.message_id);
    assert_eq!(
        list.button_labels(),
        ["1. Приказ № 5н", "2. Письмо Минздрава № 7"]
    );
    let card = olga.press("1. Приказ № 5н").await;
    for part in [
        "📜 Приказ № 5н",
        "Приказ № 5н: кратко о главном.",
        "🔗 https://feed.example/a",
        "Специальности: все",
        "Получат: 2 человека",
    ] {
        assert!(card.body().contains(part), "{part:?} in {}", card.body());
    }
    assert_eq!(
        card.button_labels(),
        ["📤 Опубликовать", "🗑 Отклонить", "« К списку"]
    );
    let progress = olga.press("📤 Опубликовать").await;
    let finished = done(&olga, &progress).await;
    assert!(
        finished.ends_with("✅ Готово: отправлено 2 из 2, не доставлено 0."),
        "{finished}"
    );
    anna.wait_for_text("📜 Приказ № 5н").await;
    boris.wait_for_text("📜 Приказ № 5н").await;

    // The same button again (replayed, or another operator's old card).
    let before = refusals(&app, olga.user_id()).await;
    let again = olga.press_forged(&format!("bc:pub:{}", ids[0])).await;
    assert_eq!(again.text, Some(ru("broadcast-proposal-published")));
    assert_eq!(refusals(&app, olga.user_id()).await, before + 1, "recorded");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL"
        )
        .await,
        2,
        "nothing sent twice"
    );
    assert_eq!(pushes_with(&anna, "Приказ № 5н").await, 1);

    // The other one is dismissed: nobody gets it, and it cannot be published after.
    let list = olga.send("/notices").await;
    assert_eq!(list.button_labels(), ["1. Письмо Минздрава № 7"]);
    olga.press("1. Письмо Минздрава № 7").await;
    let dismissed = olga.press("🗑 Отклонить").await;
    assert!(
        dismissed
            .body()
            .starts_with("🗑 Предложение отклонено, никому не отправлено."),
        "{}",
        dismissed.body()
    );
    assert!(dismissed.body().contains(&ru("broadcast-proposals-none")));
    let late = olga.press_forged(&format!("bc:pub:{}", ids[1])).await;
    assert_eq!(late.text, Some(ru("broadcast-proposal-was-dismissed")));
    let missing = olga.press_forged("bc:pub:999999").await;
    assert_eq!(missing.text, Some(ru("broadcast-proposal-not-found")));
    assert_eq!(pushes_with(&anna, "Письмо Минздрава").await, 0);
    assert_eq!(
        count(&app, "SELECT count(*) FROM broadcasts").await,
        1,
        "one broadcast in all"
    );
}

#[medcab_e2e::test]
async fn nobody_but_an_operator_may_publish(app: TestApp) {
    let anna = practitioner(&app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    notices::propose_from_feed(
        &app.db,
        "https://feed.example/rss",
        &[FeedItem {
            key: "a".into(),
            title: "Приказ № 5н".into(),
            summary: "Кратко.".into(),
            link: None,
        }],
        app.clock.now(),
    )
    .await
    .unwrap();
    let proposal = notices::proposed(&app.db).await.unwrap()[0].id;
    let boris = practitioner(&app, "Борис", "Терапия", "Москва", "ГБУЗ ГП № 1").await;

    for command in ["/notice", "/inspection", "/notices", "/inspections"] {
        let reply = boris.send(command).await;
        assert_eq!(reply.body(), STAFF_ONLY, "{command}");
    }
    for data in [
        "bc:feed".to_owned(),
        format!("bc:feed:{proposal}"),
        format!("bc:pub:{proposal}"),
        format!("bc:dis:{proposal}"),
        "bc:send:1".to_owned(),
        "bc:insp".to_owned(),
        "bc:icy:1".to_owned(),
    ] {
        let answer = boris.press_forged(&data).await;
        assert!(answer.answered, "{data}");
        assert_eq!(answer.text.as_deref(), Some(OPERATORS_ONLY), "{data}");
    }
    assert_eq!(refusals(&app, boris.user_id()).await, 11);
    // Someone who never started the bot is refused the same way.
    let stranger = app.user("Пётр", "ru").await;
    assert_eq!(stranger.send("/notice").await.body(), STAFF_ONLY);

    // An operator whose role is revoked mid-dialogue is refused at the next answer.
    let olga = operator(&app, "Ольга").await;
    olga.send("/notice").await;
    operators::revoke(&app.db, olga.user_id(), app.clock.now())
        .await
        .unwrap();
    let reply = olga.send("Приказ № 1").await;
    assert_eq!(reply.body(), STAFF_ONLY);
    let answer = olga.press_forged("bc:cancel").await;
    assert_eq!(answer.text.as_deref(), Some(OPERATORS_ONLY));
    assert_eq!(refusals(&app, olga.user_id()).await, 2);

    assert_eq!(
        notices::get(&app.db, proposal)
            .await
            .unwrap()
            .unwrap()
            .status,
        notices::Status::Proposed
    );
    assert_eq!(count(&app, "SELECT count(*) FROM broadcasts").await, 0);
    assert_eq!(anna.chat().await.bot_messages().count(), 0);
}

#[medcab_e2e::test]
async fn a_restarted_bot_goes_on_updating_the_progress_message(mut app: TestApp) {
    progress_followed_after_a_restart(&mut app, Messenger::Telegram).await;
}

#[medcab_e2e::test]
async fn a_restarted_bot_goes_on_updating_a_progress_message_on_max(mut app: TestApp) {
    progress_followed_after_a_restart(&mut app, Messenger::Max).await;
}

/// An operator on `messenger` publishes at night; the bot restarts before
/// the morning, and the restarted bot edits the progress message to «Готово».
async fn progress_followed_after_a_restart(app: &mut TestApp, messenger: Messenger) {
    // Users, not phones: a phone borrows the app, which restarts.
    let anna = practitioner(app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1")
        .await
        .user;
    let boris = practitioner(app, "Борис", "Терапия", "Москва", "ГБУЗ ГП № 2")
        .await
        .user;
    notices::propose_from_feed(
        &app.db,
        "https://feed.example/rss",
        &[FeedItem {
            key: "night".to_owned(),
            title: "Приказ № 9н".to_owned(),
            summary: "О ночных дежурствах.".to_owned(),
            link: None,
        }],
        app.clock.now(),
    )
    .await
    .unwrap();
    let (olga, account) = match messenger {
        Messenger::Telegram => {
            let olga = operator(app, "Ольга").await;
            (olga.user.clone(), olga.user_id())
        }
        Messenger::Max => {
            let olga = app.max_user("Ольга", "ru").await;
            olga.send("/start").await;
            let account = olga.account().await;
            app.grant_operator(account).await;
            (olga.user.clone(), account)
        }
    };
    // 23:00 in Moscow: the practitioners' quiet hours hold the pushes.
    app.clock.advance(chrono::Duration::hours(11));
    // Hours later: the code again, for a new staff session.
    app.open_staff_session(account).await;

    let progress = {
        let olga = app.phone_on(messenger, olga.clone());
        olga.send("/notices").await;
        olga.press("1. Приказ № 9н").await;
        olga.press("📤 Опубликовать").await
    };
    progress.assert_contains("Отправлено 0 из 2");

    app.restart_bot().await;
    // The morning: the pushes go, and the restarted bot follows them.
    app.clock.advance(chrono::Duration::hours(10));
    app.wake_delivery();
    app.phone(anna).wait_for_text("📜 Приказ № 9н").await;
    app.phone(boris).wait_for_text("📜 Приказ № 9н").await;
    let finished = done(&app.phone_on(messenger, olga), &progress).await;
    assert!(
        finished.ends_with("✅ Готово: отправлено 2 из 2, не доставлено 0."),
        "{finished}"
    );
}

#[medcab_e2e::test]
async fn an_operator_cancels_an_inspection_and_only_those_told_hear_of_it(app: TestApp) {
    let anna = practitioner(&app, "Анна", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let boris = practitioner(&app, "Борис", "Кардиология", "Москва", "ГБУЗ ГП № 1").await;
    // Vera rests in the middle of the day: the announcement waits for her.
    let vera = practitioner(&app, "Вера", "Терапия", "Москва", "ГБУЗ ГП № 1").await;
    let mut settings = notification_settings::get(&app.db, vera.user_id())
        .await
        .unwrap();
    settings.quiet_hours = Some(
        QuietHours::new(
            NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
        )
        .unwrap(),
    );
    notification_settings::save(&app.db, vera.user_id(), &settings, app.clock.now())
        .await
        .unwrap();
    let olga = operator(&app, "Ольга").await;

    let date = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
    let draft = InspectionDraft::parse(
        Some("ГБУЗ ГП № 1"),
        Some("Москва"),
        date,
        InspectionKind::PlannedOnsite,
        "Медицинские книжки, журналы учёта",
        medcab_core::clock::moscow_today(app.clock.now()),
    )
    .unwrap();
    let scheduled = inspections::schedule(
        &app.db,
        &draft,
        Source::Operator(olga.user_id()),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(scheduled.total, 3);
    let id = scheduled.inspection_id;
    app.wake_delivery();
    for phone in [&anna, &boris] {
        phone.wait_for_text("🔎 Назначена проверка").await;
        app.wait_for_deliveries(phone.id()).await;
    }
    assert_eq!(vera.chat().await.bot_messages().count(), 0, "held");

    // A practitioner may not cancel it, however the button is made.
    assert_eq!(boris.send("/inspections").await.body(), STAFF_ONLY);
    for data in [
        format!("bc:insp:{id}"),
        format!("bc:icx:{id}"),
        format!("bc:icy:{id}"),
    ] {
        let answer = boris.press_forged(&data).await;
        assert_eq!(answer.text.as_deref(), Some(OPERATORS_ONLY), "{data}");
    }
    assert_eq!(refusals(&app, boris.user_id()).await, 4, "each recorded");
    assert!(
        inspections::get(&app.db, id)
            .await
            .unwrap()
            .unwrap()
            .cancelled_at
            .is_none()
    );

    // The operator: the list (from /inspection's first screen, as from
    // /inspections), the card, the confirmation.
    let first = olga.send("/inspection").await;
    assert_eq!(
        first.button_labels(),
        [
            "🗓 Назначенные проверки (1)",
            "🏥 Организация",
            "🗺 Регион",
            "✖️ Отмена"
        ]
    );
    let list = olga.press("🗓 Назначенные проверки (1)").await;
    assert_eq!(list.message_id, first.message_id);
    list.assert_starts("🗓 Назначенные проверки: 1.");
    let label = "15.12.2026 · ГБУЗ ГП № 1, Москва";
    assert_eq!(list.button_labels(), [label]);
    let card = olga.press(label).await;
    assert_eq!(card.message_id, list.message_id);
    for part in [
        "Вид: Плановая выездная",
        "Организация: ГБУЗ ГП № 1, Москва",
        "Дата: 15.12.2026",
        "Что подготовить: Медицинские книжки, журналы учёта",
        "Уже получили уведомление: 2 человека",
    ] {
        assert!(card.body().contains(part), "{part:?} in {}", card.body());
    }
    assert_eq!(card.button_labels(), ["✖️ Отменить проверку", "« К списку"]);
    let confirm = olga.press("✖️ Отменить проверку").await;
    assert!(
        confirm.body().ends_with(
            "Отменить проверку? Все, кому о ней сообщили, получат уведомление об отмене."
        ),
        "{}",
        confirm.body()
    );
    assert_eq!(confirm.button_labels(), ["Да, отменить", "Нет"]);
    // «Нет» changes nothing.
    let card = olga.press("Нет").await;
    assert!(card.body().contains("Уже получили уведомление: 2 человека"));
    assert!(
        inspections::get(&app.db, id)
            .await
            .unwrap()
            .unwrap()
            .cancelled_at
            .is_none()
    );
    olga.press("✖️ Отменить проверку").await;
    let progress = olga.press("Да, отменить").await;
    assert_eq!(progress.message_id, list.message_id);
    assert!(
        progress
            .body()
            .starts_with("✖️ Проверка отменена: ГБУЗ ГП № 1, Москва, 15.12.2026.\nУведомление об отмене получат 2 человека."),
        "{}",
        progress.body()
    );
    let finished = done(&olga, &progress).await;
    assert!(
        finished.ends_with("✅ Готово: отправлено 2 из 2, не доставлено 0."),
        "{finished}"
    );
    for phone in [&anna, &boris] {
        let push = phone.wait_for_text("✖️ Проверка отменена").await;
        assert!(push.body().contains("15.12.2026"), "{}", push.body());
    }

    // Replayed: refused, recorded, nothing sent twice.
    let before = refusals(&app, olga.user_id()).await;
    let again = olga.press_forged(&format!("bc:icy:{id}")).await;
    assert_eq!(
        again.text,
        Some(ru("broadcast-inspection-already-cancelled"))
    );
    assert_eq!(refusals(&app, olga.user_id()).await, before + 1);
    let card = olga.press_forged(&format!("bc:insp:{id}")).await;
    assert_eq!(
        card.text,
        Some(ru("broadcast-inspection-already-cancelled"))
    );
    assert_eq!(
        olga.send("/inspections").await.body(),
        ru("broadcast-inspections-none")
    );

    // Vera's quiet hours end: the announcement was withdrawn, and she,
    // never told, is not told of the cancellation either.
    app.clock.advance(chrono::Duration::hours(3));
    app.wake_delivery();
    // Neither are reminders written for it, 7 days or 1 day before.
    for day in [8, 14] {
        app.clock
            .set(Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0).unwrap());
        let ticked = app.scheduler_tick().await;
        assert_eq!(ticked.inspection_reminders, 0, "12.{day}");
    }
    for phone in [&anna, &boris] {
        app.wait_for_deliveries(phone.id()).await;
    }
    assert!(
        outbox::for_chat(&app.db, vera.id())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(vera.chat().await.bot_messages().count(), 0);
    for phone in [&anna, &boris] {
        assert_eq!(pushes_with(phone, "Назначена проверка").await, 1);
        assert_eq!(pushes_with(phone, "Проверка отменена").await, 1);
        assert_eq!(pushes_with(phone, "⏰").await, 0);
    }

    // The audit: scheduled and cancelled, ids and counts only.
    let audit: Vec<_> = operators::audit_by_operator(&app.db, olga.user_id())
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.action, row.owner_id, row.details))
        .collect();
    let cancellation: i64 = count(
        &app,
        "SELECT max(id) FROM broadcasts WHERE kind = 'inspection'",
    )
    .await;
    assert_eq!(
        audit,
        [
            (
                Some(AuditAction::InspectionScheduled),
                None,
                serde_json::json!({
                    "inspection_id": id,
                    "broadcast_id": scheduled.broadcast_id,
                    "recipients": 3,
                })
            ),
            (
                Some(AuditAction::InspectionCancelled),
                None,
                serde_json::json!({
                    "inspection_id": id,
                    "broadcast_id": cancellation,
                    "recipients": 2,
                    "withdrawn": 1,
                })
            ),
        ]
    );
}
