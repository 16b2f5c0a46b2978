//! The cabinet on Max: the same route table, stores and texts as on
//! Telegram, through the sandbox's Max emulator.

use medcab_core::accounts::{self, Step};
use medcab_core::channels::{self, Messenger};
use medcab_e2e::sandbox::ShareContact;
use medcab_e2e::{Phone, Says, TestApp};

#[medcab_e2e::test]
async fn a_max_user_gets_help_in_their_language_and_an_account_of_their_own(app: TestApp) {
    let anna = app.max_user("Анна", "ru").await;
    anna.send("/help").await.assert_starts("Что умеет бот");
    let boris = app.max_user("Boris", "en").await;
    boris.send("/help").await.assert_starts("What the bot does");

    // Each is an account past every Telegram id, with Max as its messenger.
    let account = anna.account().await;
    assert!(account.get() >= channels::MAX_BORN_FROM, "{account:?}");
    assert_ne!(account, boris.account().await);
    let linked = channels::of_account(&app.db, account).await.unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].messenger, Messenger::Max);

    // A Telegram user's help is the same text.
    let vera = app.user("Вера", "ru").await;
    assert_eq!(
        vera.send("/help").await.body(),
        anna.send("/help").await.body()
    );
}

const SNILS: &str = "112-233-445 95";
const PHONE: &str = "+79161234567";
const NAME: &str = "Иванова Анна Сергеевна";

/// A Max user connected as a Telegram user is: consent, the contact card,
/// the СНИЛС matched in the register, the QR code, its code.
async fn connect_on_max<'a>(app: &'a TestApp, first_name: &str) -> Phone<'a> {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.max_user_with_phone(first_name, "ru", PHONE).await;
    let hello = anna.start_max(None).await;
    anna.wait_for_text("Согласие на обработку персональных данных")
        .await;
    let chat = anna.chat().await;
    let greeting = chat.bot_messages().next().unwrap_or(&hello);
    assert!(
        greeting
            .body()
            .contains("личный кабинет медицинского работника в Max."),
        "the greeting names the messenger it is read in: {}",
        greeting.body()
    );
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку «📱 Поделиться номером» внизу экрана — Max отправит")
        .await;
    anna.share_contact(ShareContact::own()).await;
    anna.wait_for_text("Введите ваш СНИЛС").await;
    anna.send(SNILS)
        .await
        .assert_starts("Нашли вас в регистре: Иванова Анна Сергеевна.");
    let chat = anna
        .wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
    // (Max has no content protection to ask for.)
    assert!(chat.last_bot_message().unwrap().photo.is_some());
    let code = app.totp_code(anna.account().await).await;
    anna.send(&code)
        .await
        .assert_starts("Готово! Вход в личный кабинет защищён вторым фактором.");
    anna
}

#[medcab_e2e::test]
async fn a_practitioner_connects_on_max_with_the_second_factor(app: TestApp) {
    let anna = connect_on_max(&app, "Анна").await;
    let account = anna.account().await;
    assert_eq!(
        accounts::step(&app.db, account).await.unwrap(),
        Some(Step::Active)
    );
    // The menu, and a section behind the step-up opens with the session
    // the code just opened.
    anna.send("/menu").await;
    let profile = anna.press("👤 Профиль").await;
    assert!(profile.body().contains("Профиль"), "{}", profile.body());
}
