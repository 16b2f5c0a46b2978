use medcab_e2e::Says;
use medcab_e2e::TestApp;

use crate::{en, ru};

/// Only the sections that work.
const SECTIONS_RU: [&str; 8] = [
    "👤 Профиль",
    "📄 Документы",
    "📨 Мои заявки",
    "📮 Направления",
    "🗓 Расписание",
    "🎓 НМО и аккредитация",
    "🔔 Уведомления",
    "🌐 Язык / Language",
];

#[medcab_e2e::test]
async fn start_greets_by_name_in_russian_with_the_menu(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let reply = anna.send("/start").await;

    reply.assert_starts("Здравствуйте, Анна!");
    assert!(
        reply
            .body()
            .contains("личный кабинет медицинского работника")
    );
    assert_eq!(reply.button_labels(), SECTIONS_RU);
    assert!(
        !reply.body().contains("портфолио"),
        "портфолио: {}",
        reply.body()
    );
}

#[medcab_e2e::test]
async fn an_english_phone_gets_english(app: TestApp) {
    let john = app.active_user("John", "en-GB").await;

    let reply = john.send("/start").await;

    assert!(reply.body().starts_with("Hello, John!"), "{}", reply.body());
    assert!(reply.button_labels().contains(&"📄 Documents"));
}

#[medcab_e2e::test]
async fn a_name_with_markup_is_shown_as_typed(app: TestApp) {
    let user = app.active_user("<b>Ann</b> & Co", "ru").await;

    let reply = user.send("/start").await;

    reply.assert_starts("Здравствуйте, <b>Ann</b> & Co!");
}

#[medcab_e2e::test]
async fn a_section_opens_in_place_and_back_returns_to_the_menu(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let menu = anna.send("/start").await;

    let section = anna.press("🔔 Уведомления").await;

    assert_eq!(
        section.message_id, menu.message_id,
        "the menu message is edited, not a new one"
    );
    assert!(section.edited);
    assert_eq!(
        section.html.as_deref(),
        Some(ru("section-notifications").as_str())
    );
    assert!(section.button_labels().contains(&"« Назад в меню"));

    let back = anna.press("« Назад в меню").await;

    assert_eq!(back.message_id, menu.message_id);
    assert_eq!(back.html.as_deref(), Some(ru("menu-title").as_str()));
    assert_eq!(back.button_labels(), SECTIONS_RU);
    assert_eq!(
        anna.chat().await.bot_messages().count(),
        1,
        "one message per menu"
    );
}

#[medcab_e2e::test]
async fn every_section_has_a_screen_in_both_languages(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let john = app.active_user("John", "en").await;
    anna.send("/menu").await;
    john.send("/menu").await;

    let screen = john.press("🔔 Notifications").await;
    assert_eq!(
        screen.html.as_deref(),
        Some(en("section-notifications").as_str())
    );
}

#[medcab_e2e::test]
async fn the_command_menu_is_set_in_both_languages(app: TestApp) {
    let russian = app.client.commands(Some("ru")).await.unwrap();
    let english = app.client.commands(Some("en")).await.unwrap();

    let names = |commands: &[medcab_e2e::sandbox::BotCommand]| {
        commands
            .iter()
            .map(|c| c.command.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&russian),
        [
            "start",
            "menu",
            "accreditation",
            "settings",
            "language",
            "privacy",
            "forget",
            "help",
            "cancel",
        ],
        "the staff commands are in operators' own chats only"
    );
    assert_eq!(names(&english), names(&russian));
    assert_eq!(russian[1].description, "Главное меню");
    assert_eq!(english[1].description, "Main menu");
    assert_eq!(russian[2].description, "Аккредитация: сроки и что делать");
    assert_eq!(
        english[2].description,
        "Accreditation: dates and what to do"
    );
}
