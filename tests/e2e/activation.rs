//! The whole activation path of a practitioner the register does not know:
//! /start → consent → own contact → СНИЛС → «не нашли» → apply → second
//! factor → menu «ожидает активации» → an activation with its documents →
//! submitted → an operator approves it in another chat → confirmed.

use medcab_core::accounts::{self, Step};
use medcab_core::applications::{self, Kind, Status};
use medcab_core::documents::DocumentKind;
use medcab_core::operators;
use medcab_e2e::Says;
use medcab_e2e::sandbox::ShareContact;
use medcab_e2e::{Phone, TestApp};
use medcab_sandbox::{ChatMessage, FileKind};

use crate::documents::{PDF, pdf, store, upload};
use crate::ru;

const SNILS: &str = "112-233-445 95";
const PHONE: &str = "+79161234567";
const APPLY: &str = "📝 Подать заявку на активацию";

fn contains(message: &ChatMessage, part: &str) {
    assert!(
        message.body().contains(part),
        "expected {part:?} in {:?}",
        message.body()
    );
}

/// The body of `key` as the chat shows it (the HTML tags stripped).
fn plain(key: &str) -> String {
    ru(key).replace("<b>", "").replace("</b>", "")
}

/// Waits for the push about `number` with this status.
async fn push(phone: &Phone<'_>, number: &str, status: &str) {
    let expected = format!("Заявка {number}: {status}");
    phone
        .wait_for(|chat| chat.bot_messages().any(|m| m.body().starts_with(&expected)))
        .await;
}

#[medcab_e2e::test]
async fn a_practitioner_not_in_the_register_is_activated_by_an_operator(app: TestApp) {
    // The register is empty: nobody matches.
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;

    anna.send("/start").await;
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку «📱 Поделиться номером»")
        .await;
    app.client
        .share_contact(anna.id(), ShareContact::own())
        .await
        .unwrap();
    anna.wait_for_text("Введите ваш СНИЛС").await;

    let no_match = anna.send(SNILS).await;
    assert_eq!(
        no_match.html.as_deref(),
        Some(ru("registry-no-match").as_str())
    );
    assert_eq!(no_match.button_labels(), [APPLY]);
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Snils)
    );

    // Applying links the account, unconfirmed, and the second factor follows.
    anna.press(APPLY).await;
    let chat = anna
        .wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
    assert!(
        chat.bot_messages()
            .any(|m| m.html.as_deref() == Some(ru("registry-applying").as_str()))
    );
    assert!(
        chat.message(no_match.message_id)
            .unwrap()
            .reply_markup
            .is_none(),
        "the answer keeps its text, loses its button"
    );
    assert!(chat.last_bot_message().unwrap().protect_content);
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::SecondFactor)
    );
    assert!(
        !accounts::is_confirmed(&app.db, anna.user_id())
            .await
            .unwrap()
    );
    // The СНИЛС and phone she gave are kept (sealed).
    assert_eq!(
        accounts::snils(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .map(|snils| snils.digits().to_owned()),
        Some("11223344595".to_owned())
    );
    assert!(
        accounts::phone(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_some()
    );

    let code = app.totp_code(anna.user_id()).await;
    app.client.send_text(anna.id(), &code).await.unwrap();
    let chat = anna
        .wait_for(|chat| {
            chat.last_bot_message()
                .is_some_and(|m| m.body().starts_with("Главное меню"))
        })
        .await;
    let menu = chat.last_bot_message().unwrap();
    assert!(
        menu.body().ends_with(&plain("menu-awaits-activation")),
        "{}",
        menu.body()
    );
    assert!(
        !accounts::confirmed_and_active(&app.db, anna.user_id())
            .await
            .unwrap(),
        "active, but not confirmed yet"
    );
    let greeting = anna.send("/start").await;
    assert!(greeting.body().starts_with("Здравствуйте, Анна!"));
    contains(&greeting, "Кабинет ожидает активации");
    contains(&greeting, "«📨 Мои заявки»");

    // A new activation, told what it lacks.
    anna.press("📨 Мои заявки").await;
    anna.press("➕ Новая заявка").await;
    let draft = anna.press("Активация личного кабинета").await;
    contains(
        &draft,
        "Не хватает 4 документов: Паспорт, СНИЛС, Диплом, Справка с места работы.",
    );
    let number = applications::list(
        &app.db,
        &app.vault,
        anna.user_id(),
        &applications::ReviewDeadlines::default(),
        app.clock.now(),
    )
    .await
    .unwrap()
    .remove(0)
    .number;

    // The passport through «📄 Документы», the real upload.
    anna.send("/menu").await;
    anna.press("📄 Документы").await;
    anna.press("➕ Добавить документ").await;
    anna.press("Паспорт").await;
    anna.send("4510 123456").await;
    anna.send("01.02.2015").await;
    let saved = upload(
        &app,
        &anna,
        FileKind::Document,
        "passport.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    saved.assert_starts("✅ Документ сохранён: Паспорт.");
    // The rest as if added earlier.
    store(
        &app,
        anna.user_id(),
        DocumentKind::Snils,
        SNILS,
        &pdf("snils"),
    )
    .await;
    store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        &pdf("diploma"),
    )
    .await;
    store(
        &app,
        anna.user_id(),
        DocumentKind::EmployerConfirmation,
        "17",
        &pdf("employer"),
    )
    .await;

    anna.send("/menu").await;
    anna.press("📨 Мои заявки").await;
    let card = anna.press(&format!("{number} · черновик")).await;
    contains(
        &card,
        "Что дальше: все документы на месте — подайте заявку.",
    );
    anna.press("📨 Подать заявку").await;
    push(&anna, &number, "подана").await;

    // An operator in a chat of their own.
    let olga = app.user("Ольга", "ru").await;
    operators::grant(&app.db, olga.user_id(), "test", app.clock.now())
        .await
        .unwrap();
    app.open_staff_session(olga.user_id()).await;
    let review = olga.send("/review").await;
    contains(&review, &format!("📋 Заявка {number}"));
    let approved = olga.press("✅ Одобрить").await;
    assert!(
        approved
            .body()
            .starts_with(&format!("✅ Заявка {number} одобрена.")),
        "{}",
        approved.body()
    );

    push(&anna, &number, "одобрена").await;
    let stored = applications::list(
        &app.db,
        &app.vault,
        anna.user_id(),
        &applications::ReviewDeadlines::default(),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(stored[0].kind, Kind::Activation);
    assert_eq!(stored[0].status, Status::Approved);
    assert!(
        accounts::is_confirmed(&app.db, anna.user_id())
            .await
            .unwrap()
    );
    assert!(
        applications::is_confirmed(&app.db, anna.user_id())
            .await
            .unwrap()
    );

    let greeting = anna.send("/start").await;
    assert!(greeting.body().starts_with("Здравствуйте, Анна!"));
    assert!(
        !greeting.body().contains("ожидает активации"),
        "{}",
        greeting.body()
    );
}

#[medcab_e2e::test]
async fn a_practitioner_matched_in_the_register_is_confirmed_at_once(app: TestApp) {
    app.register(SNILS, "Иванова Анна Сергеевна", PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    anna.send("/start").await;
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку «📱 Поделиться номером»")
        .await;
    app.client
        .share_contact(anna.id(), ShareContact::own())
        .await
        .unwrap();
    anna.wait_for_text("Введите ваш СНИЛС").await;
    app.client.send_text(anna.id(), SNILS).await.unwrap();
    anna.wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
    assert!(
        accounts::is_confirmed(&app.db, anna.user_id())
            .await
            .unwrap()
    );

    let code = app.totp_code(anna.user_id()).await;
    app.client.send_text(anna.id(), &code).await.unwrap();
    let chat = anna
        .wait_for(|chat| {
            chat.last_bot_message()
                .is_some_and(|m| m.body().starts_with("Главное меню"))
        })
        .await;
    assert_eq!(
        chat.last_bot_message().unwrap().html.as_deref(),
        Some(ru("menu-title").as_str()),
        "no activation line for a confirmed practitioner"
    );
    let greeting = anna.send("/start").await;
    assert!(!greeting.body().contains("ожидает активации"));
}
