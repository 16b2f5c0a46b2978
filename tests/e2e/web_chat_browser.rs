//! The sandbox's web chat in a real browser (headless Chromium on a
//! phone's screen, in Russian): a practitioner opens the page, creates
//! herself, starts the bot, gives consent with the message's button, sends
//! a file where the bot wants her number, and shares the number with the
//! bot's keyboard. The screenshot of the end is kept in
//! `target/screenshots/web-chat.png` for people to look at.
//!
//! Skipped, with one line saying so, where Chromium and chromedriver are
//! not installed (`scripts/test` installs them when it runs as root).

use medcab_e2e::TestApp;
use medcab_e2e::browser::{self, Browser};

const PHONE: &str = "+79161234567";

#[medcab_e2e::test]
async fn a_practitioner_starts_in_the_web_chat_of_a_real_browser(app: TestApp) {
    let Some(browser) = Browser::start().await else {
        return;
    };

    // A Russian phone opens the page of an empty sandbox.
    browser.open(&app.sandbox_url()).await;
    browser
        .wait_for_text("Переписывайтесь с ботом от имени модельного пользователя Telegram.")
        .await;

    // She makes herself a user, with the number her messenger knows.
    browser.press("Выбрать или создать пользователя").await;
    browser.type_into("input[name=first_name]", "Анна").await;
    browser.type_into("input[name=phone_number]", PHONE).await;
    browser.press("Создать и открыть").await;
    browser.wait_for_text("Сообщений пока нет.").await;

    // /start: the greeting, then the consent with its buttons.
    browser.type_and_enter("#input", "/start").await;
    browser.wait_for_bot_message("Здравствуйте, Анна!").await;
    browser
        .wait_for_bot_message("Согласие на обработку персональных данных")
        .await;
    browser.press("✅ Согласен(на)").await;
    browser
        .wait_for_bot_message("Нажмите кнопку «📱 Поделиться номером»")
        .await;

    // A file where the number is wanted: the bot says how to send it.
    let folder = std::env::temp_dir().join(format!("medcab-upload-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("справка.pdf");
    std::fs::write(&file, b"%PDF-1.7 test").unwrap();
    browser.choose_file("#file-input", &file).await;
    browser
        .wait_for_bot_message("Номер нужно отправить кнопкой «📱 Поделиться номером»")
        .await;
    std::fs::remove_dir_all(&folder).unwrap();

    // The bot's keyboard under the input shares her own number.
    browser.press("📱 Поделиться номером").await;
    browser.wait_for_bot_message("Телефон подтверждён.").await;
    browser.wait_for_bot_message("Введите ваш СНИЛС").await;

    let screenshot = browser::screenshot_path("web-chat.png");
    browser.screenshot(&screenshot).await;
    println!("screenshot: {}", screenshot.display());

    assert_eq!(
        browser.console_errors().await,
        Vec::<String>::new(),
        "the page logged no errors"
    );
}
