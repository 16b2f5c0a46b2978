use medcab_core::{Language, telegram_users};
use medcab_e2e::TestApp;

use crate::{en, ru};

#[medcab_e2e::test]
async fn switching_to_english_turns_the_picker_into_an_english_menu(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let picker = anna.send("/language").await;
    assert_eq!(picker.html.as_deref(), Some(ru("language-choose").as_str()));
    assert_eq!(picker.button_labels(), ["🇷🇺 Русский", "🇬🇧 English"]);

    let menu = anna.press("🇬🇧 English").await;

    assert_eq!(menu.message_id, picker.message_id);
    assert_eq!(
        menu.html,
        Some(format!(
            "{}\n\n{}",
            en("language-changed"),
            en("menu-title")
        ))
    );
    assert!(menu.button_labels().contains(&"📨 My applications"));
    assert_eq!(
        telegram_users::chosen_language(&app.db, anna.user_id())
            .await
            .unwrap(),
        Some(Language::En)
    );
    assert!(
        anna.send("/help")
            .await
            .body()
            .starts_with("What the bot does")
    );
}

#[medcab_e2e::test]
async fn the_choice_outlives_a_restart_and_a_redis_flush(mut app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/language").await;
    anna.press("🇬🇧 English").await;
    let anna = anna.user.clone();

    app.restart_bot().await;
    app.flush_redis().await;

    let reply = app.phone(anna).send("/start").await;
    assert!(reply.body().starts_with("Hello, Анна!"), "{}", reply.body());
}

#[medcab_e2e::test]
async fn the_language_section_of_the_menu_opens_the_picker_in_place(app: TestApp) {
    let john = app.active_user("John", "en").await;
    let menu = john.send("/start").await;

    let picker = john.press("🌐 Язык / Language").await;
    assert_eq!(picker.message_id, menu.message_id);
    assert_eq!(picker.html.as_deref(), Some(en("language-choose").as_str()));

    let typed = john.send("russian please").await;
    assert_eq!(
        typed.html.as_deref(),
        Some(en("language-use-buttons").as_str())
    );

    let russian = john.press("🇷🇺 Русский").await;
    assert!(russian.body().starts_with("Язык интерфейса: русский."));
    let after = john.send("russian please").await;
    assert_eq!(
        after.html.as_deref(),
        Some(ru("unknown-text").as_str()),
        "the picker's dialogue is over"
    );
}
