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
pub(crate) async fn connect_on_max<'a>(app: &'a TestApp, first_name: &str) -> Phone<'a> {
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
    // Max lets a bot delete only its own messages: the person is asked to.
    anna.wait_for_text("Введите ваш СНИЛС")
        .await
        .assert_contains("удалите сообщение с ним из чата: в Max бот этого сделать не может");
    anna.send(SNILS)
        .await
        .assert_starts("Нашли вас в регистре: Иванова Анна Сергеевна.");
    let chat = anna
        .wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
    // (Max has no content protection to ask for.)
    let qr = chat.last_bot_message().unwrap().message_id;
    let code = app.totp_code(anna.account().await).await;
    anna.send(&code).await;
    anna.wait_for_any_text("Готово! Вход в личный кабинет защищён вторым фактором.")
        .await;
    // The main menu follows in a message of its own; the secret's message
    // is off the chat.
    anna.wait_for_text("Главное меню").await;
    anna.wait_for(|chat| chat.message(qr).is_some_and(|m| m.deleted))
        .await;
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

/// Asks for a one-time link to Max in `phone`'s chat (Telegram) and
/// returns its `start` code, from the address the bot showed.
pub(crate) async fn link_to_max(phone: &Phone<'_>) -> String {
    phone.send("/settings").await;
    let screen = phone.press("📱 Мессенджеры").await;
    screen.assert_contains("Кабинет открыт в: Telegram.");
    let link = phone.press("🔗 Подключить Max").await;
    link.assert_starts("🔗 Подключение Max");
    assert_eq!(
        link.button_labels(),
        ["📲 Открыть в Max", "« К мессенджерам"],
        "a button for this phone, the address for another"
    );
    let address = link
        .body()
        .lines()
        .find(|line| line.starts_with("https://max.ru/"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("a Max deep link: {}", link.body()));
    address
        .split_once("?start=")
        .map(|(_, code)| code.to_owned())
        .expect("the link carries its code")
}

#[medcab_e2e::test]
async fn max_is_linked_to_a_telegram_cabinet_by_a_one_time_link(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let code = link_to_max(&anna).await;

    let on_max = app.max_user("Анна", "ru").await;
    let linked = on_max.start_max(Some(&code)).await;
    linked.assert_starts("✅ Max подключён к вашему кабинету.");
    assert_eq!(on_max.account().await, anna.user_id(), "the same cabinet");
    let channels = channels::of_account(&app.db, anna.user_id()).await.unwrap();
    assert_eq!(channels.len(), 2, "{channels:?}");
    // Told where the cabinet was open, and recorded.
    anna.wait_for_any_text("🔗 К вашему кабинету подключён Max.")
        .await;
    let kinds = medcab_core::security_events::kinds_for(&app.db, anna.user_id())
        .await
        .unwrap();
    assert!(kinds.contains(&"channel_linked".to_owned()), "{kinds:?}");

    // The same cabinet: a personal section opens on Max with the session
    // the code opened, and the settings screen names both messengers.
    on_max.send("/menu").await;
    let profile = on_max.press("👤 Профиль").await;
    assert_ne!(profile.body(), crate::ru("step-up-ask"), "no second code");
    on_max.send("/settings").await;
    on_max
        .press("📱 Мессенджеры")
        .await
        .assert_contains("Кабинет открыт в: Telegram, Max.");

    // Max is linked: an old or forged button for another link to it does
    // not replace the chat.
    anna.press_forged("lnk:to:max").await;
    anna.wait_for_any_text(&crate::ru("button-outdated")).await;
    assert_eq!(on_max.account().await, anna.user_id());
    assert_eq!(
        channels::of_account(&app.db, anna.user_id())
            .await
            .unwrap()
            .len(),
        2
    );

    // The link works once.
    let boris = app.max_user("Борис", "ru").await;
    boris
        .start_max(Some(&code))
        .await
        .assert_starts("Ссылка недействительна");
    assert_ne!(boris.account().await, anna.user_id());
}

/// /forget on one messenger erases what the other brought too: no row
/// names the Max chat afterwards (its updates in the inbox, their claims).
#[medcab_e2e::test]
async fn forgetting_erases_what_came_from_max_too(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let code = link_to_max(&anna).await;
    let on_max = app.max_user("Анна", "ru").await;
    on_max
        .start_max(Some(&code))
        .await
        .assert_starts("✅ Max подключён к вашему кабинету.");
    on_max.send("/help").await;
    let max_chat: i64 =
        sqlx::query_scalar("SELECT chat_id FROM channels WHERE messenger = 'max' AND user_id = $1")
            .bind(anna.user_id().get())
            .fetch_one(&app.db)
            .await
            .unwrap();
    let named = async |what: i64| {
        let what = what.to_string();
        app.dump_database()
            .await
            .lines()
            .filter(|row| row.contains(&what))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert!(!named(max_chat).await.is_empty(), "the Max chat is stored");

    anna.send("/forget").await;
    anna.wait_for_text("Удалить ваши персональные данные?")
        .await;
    let code = app.totp_code(anna.user_id()).await;
    app.client.send_text(anna.id(), &code).await.unwrap();
    anna.wait_for_text("Согласие отозвано").await;
    app.wait_for_inbox_handled().await;
    for id in [max_chat, on_max.id()] {
        let rows = named(id).await;
        assert!(rows.is_empty(), "rows still naming {id}: {rows:#?}");
    }
}

/// A press on Max that can no longer be answered (answered already, as
/// when it is handled again after its instance died) still does what it
/// asks: the refusal is not a failure, and nobody is told something went
/// wrong.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_press_on_max_answered_already_still_does_what_it_asks(db: sqlx::PgPool) {
    let mut app = TestApp::spawn(db).await;
    let anna = {
        let anna = app.max_user("Анна", "ru").await;
        anna.start_max(None).await;
        anna.wait_for_text("Согласие на обработку персональных данных")
            .await;
        anna.id()
    };
    app.stop_bot().await;
    let pressed = app
        .client
        .max()
        .press(
            anna,
            medcab_e2e::sandbox::PressButton {
                text: Some("✅ Согласен(на)".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let callback = pressed.callback_id.expect("a callback to answer");
    // Answered before the bot handles it.
    let answered = reqwest::Client::new()
        .post(format!("{}/answers", app.sandbox().max_api_url()))
        .query(&[("callback_id", callback.as_str())])
        .header("Authorization", app.sandbox().max_token())
        .json(&serde_json::json!({"notification": ""}))
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success(), "{answered:?}");
    app.start_bot().await;
    let chat = app
        .client
        .max()
        .wait_for(anna, |chat| {
            chat.bot_messages().any(|m| {
                m.body()
                    .starts_with("Нажмите кнопку «📱 Поделиться номером»")
            })
        })
        .await
        .expect("the press is carried out");
    assert!(
        !chat
            .bot_messages()
            .any(|m| m.body().contains("Что-то пошло не так")),
        "{chat:?}"
    );
    app.finish_expecting(|call| call.method.contains("answers"))
        .await;
}

/// The `start` code of the deep link a message shows.
pub(crate) fn start_code(link: &medcab_e2e::sandbox::ChatMessage) -> String {
    link.body()
        .split_once("?start=")
        .map(|(_, rest)| {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_else(|| panic!("a deep link: {}", link.body()))
}

#[medcab_e2e::test]
async fn a_link_needs_an_open_session_and_a_max_cabinet_is_not_merged(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/settings").await;
    anna.press("📱 Мессенджеры").await;
    // The session is over: the link waits for the code.
    app.clock.advance(chrono::Duration::minutes(31));
    let held = anna.press("🔗 Подключить Max").await;
    assert_eq!(
        held.html.as_deref(),
        Some(crate::ru("step-up-held-press").as_str())
    );
    let code = app.totp_code(anna.user_id()).await;
    anna.send(&code).await;
    let link = anna.wait_for_any_text("🔗 Подключение Max").await;
    let code = start_code(&link);

    // A Max account with a cabinet of its own is not merged into hers.
    let vera = connect_on_max(&app, "Вера").await;
    vera.start_max(Some(&code))
        .await
        .assert_starts("Этот аккаунт Max уже ведёт свой кабинет");
    assert_ne!(vera.account().await, anna.user_id());
    assert_eq!(
        channels::of_account(&app.db, anna.user_id())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[medcab_e2e::test]
async fn a_card_on_max_is_closed_when_the_session_ends(app: TestApp) {
    let anna = connect_on_max(&app, "Анна").await;
    anna.send("/menu").await;
    let profile = anna.press("👤 Профиль").await;
    profile.assert_starts("👤 Профиль");
    app.clock.advance(chrono::Duration::minutes(31));
    assert!(app.scheduler_tick().await.cards_closed >= 1);
    let chat = anna
        .wait_for(|chat| {
            chat.message(profile.message_id).is_some_and(|m| {
                m.html.as_deref() == Some(crate::ru("session-card-closed").as_str())
            })
        })
        .await;
    let card = chat.message(profile.message_id).unwrap();
    assert_eq!(card.button_labels(), ["« Назад в меню"]);
}

/// `medcab run` with `MEDCAB_MAX_TOKEN` alone: no Telegram at all, the
/// cabinet and its pushes on Max.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn the_bot_runs_on_max_alone(db: sqlx::PgPool) {
    let app = TestApp::spawn_with(db, |app| app.settings.telegram_token = None).await;
    let anna = connect_on_max(&app, "Анна").await;
    anna.send("/help").await.assert_starts("Что умеет бот");
    // A push reaches Max; nothing asked the Telegram Bot API anything.
    let account = anna.account().await;
    crate::max_pushes::security_notice(&app, account).await;
    anna.wait_for(|chat| {
        chat.bot_messages()
            .any(|m| m.body().contains(crate::max_pushes::CONFLICT))
    })
    .await;
    let stats = app.client.stats().await.unwrap();
    assert_eq!(
        stats.accepted, 0,
        "nothing sent through Telegram: {stats:?}"
    );
    app.finish().await;
}
