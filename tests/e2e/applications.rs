//! «📨 Мои заявки»: a draft told what it lacks, documents added, submitted;
//! the accreditation window; a delayed review escalated once; forged
//! buttons naming someone else's application.

use chrono::Duration;
use medcab_core::UserId;
use medcab_core::applications::{self, Kind, Status};
use medcab_core::documents::DocumentKind;
use medcab_e2e::Says;
use medcab_e2e::{Phone, TestApp};
use medcab_sandbox::{ChatMessage, FileKind};

use crate::documents::{PDF, pdf, store, upload};
use crate::ru;

async fn open_applications(phone: &Phone<'_>) -> ChatMessage {
    phone.send("/menu").await;
    phone.press("📨 Мои заявки").await
}

fn contains(message: &ChatMessage, part: &str) {
    assert!(
        message.body().contains(part),
        "expected {part:?} in {:?}",
        message.body()
    );
}

async fn the_only_application(app: &TestApp, owner: UserId) -> applications::Summary {
    let mut all = applications::list(
        &app.db,
        &app.vault,
        owner,
        &applications::ReviewDeadlines::default(),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[medcab_e2e::test]
async fn an_activation_is_told_what_it_lacks_and_submitted_once_complete(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let list = open_applications(&anna).await;
    contains(&list, "Заявок пока нет");
    anna.press("➕ Новая заявка").await;
    let draft = anna.press("Активация личного кабинета").await;

    contains(&draft, "— Активация личного кабинета\nСтатус: черновик");
    contains(
        &draft,
        "Не хватает 4 документов: Паспорт, СНИЛС, Диплом, Справка с места работы.",
    );
    let refused = anna.press("📨 Подать заявку").await;
    refused.assert_starts("Подать заявку пока нельзя");
    // What is missing is said once, on the card.
    assert_eq!(
        refused.body().matches("Не хватает 4 документов").count(),
        1,
        "{}",
        refused.body()
    );

    // The passport through the chat, from the application's own button.
    anna.press("➕ Добавить документ").await;
    anna.press("Паспорт").await;
    anna.send("4510 123456").await;
    anna.send("01.02.2015").await;
    upload(
        &app,
        &anna,
        FileKind::Document,
        "passport.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    // The rest as if added earlier.
    store(
        &app,
        anna.user_id(),
        DocumentKind::Snils,
        "112-233-445 95",
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

    let list = anna.press("📨 Мои заявки").await;
    let number = the_only_application(&app, anna.user_id()).await.number;
    contains(&list, &number);
    let card = anna.press(&format!("{number} · черновик")).await;
    contains(
        &card,
        "Что дальше: все документы на месте — подайте заявку.",
    );
    anna.press("📨 Подать заявку").await;

    // The card is edited in place, and the push about the new status comes
    // as a message of its own, in either order.
    let push = format!("Заявка {number}: подана и ждёт рассмотрения.");
    let chat = anna
        .wait_for(|chat| {
            chat.bot_messages().any(|m| m.body().starts_with(&push))
                && chat
                    .message(card.message_id)
                    .is_some_and(|m| m.body().starts_with("✅ Заявка подана."))
        })
        .await;
    let submitted = chat.message(card.message_id).cloned().unwrap();

    contains(&submitted, "Статус: подана");
    contains(&submitted, "рассмотрим до 26.11.2026 12:00 (МСК)");
    assert!(
        !submitted.button_labels().contains(&"📨 Подать заявку"),
        "{:?}",
        submitted.button_labels()
    );
    let stored = the_only_application(&app, anna.user_id()).await;
    assert_eq!(stored.status, Status::Submitted);

    // A second activation while this one is open is refused by name.
    anna.press("« К заявкам").await;
    anna.press("➕ Новая заявка").await;
    let again = anna.press("Активация личного кабинета").await;
    assert!(
        again
            .body()
            .starts_with(&format!("Заявка этого вида уже открыта: {number}.")),
        "{}",
        again.body()
    );
}

#[medcab_e2e::test]
async fn a_periodic_accreditation_before_its_window_names_the_opening_date(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    // Valid until 01.03.2029 (see `store`): the window opens a year before.
    store(
        &app,
        anna.user_id(),
        DocumentKind::Accreditation,
        "7722 031234567",
        PDF,
    )
    .await;
    open_applications(&anna).await;
    anna.press("➕ Новая заявка").await;

    let early = anna.press("Периодическая аккредитация").await;

    contains(&early, "не раньше чем за 12 месяцев");
    contains(&early, "с 01.03.2028");
}

#[medcab_e2e::test]
async fn a_delayed_application_is_marked_and_escalated_once(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let draft = applications::create(
        &app.db,
        &app.vault,
        anna.user_id(),
        Kind::CertificateRequest,
        app.clock.now(),
    )
    .await
    .unwrap();
    applications::submit(
        &app.db,
        &app.vault,
        anna.user_id(),
        draft.id,
        app.clock.now(),
    )
    .await
    .unwrap();

    // The push about the submission, before anything else is looked at.
    anna.wait_for_text(&format!("Заявка {}: подана", draft.number))
        .await;

    app.clock.advance(Duration::days(6));
    // The step-up session ran out meanwhile: the code first.
    anna.send("/menu").await;
    let ask = anna.press("📨 Мои заявки").await;
    assert_eq!(ask.html.as_deref(), Some(ru("step-up-ask").as_str()));
    let list = anna.send(&app.totp_code(anna.user_id()).await).await;
    contains(&list, "⏰ Срок рассмотрения прошёл.");

    let card = anna.press(&format!("{} · подана", draft.number)).await;
    contains(&card, "можно попросить ускорить рассмотрение");
    let escalated = anna.press("⏫ Ускорить рассмотрение").await;

    assert!(
        escalated
            .body()
            .starts_with("⏫ Просьба ускорить рассмотрение отправлена."),
        "{}",
        escalated.body()
    );
    assert!(
        !escalated
            .button_labels()
            .contains(&"⏫ Ускорить рассмотрение")
    );
    contains(&escalated, "рассмотрение ускорено");
    // A second press (an old message, a forged one) is refused with the date.
    let again = anna.press_forged(&format!("app:e:{}", draft.id)).await;
    assert!(again.answered);
    anna.wait_for(|chat| {
        chat.message(escalated.message_id).is_some_and(|m| {
            m.body()
                .starts_with("Просьбу ускорить рассмотрение уже отправляли 01.12.2026 12:00")
        })
    })
    .await;
    let stored = the_only_application(&app, anna.user_id()).await;
    assert!(stored.escalated_at.is_some());
}

#[medcab_e2e::test]
async fn a_forged_button_naming_someone_elses_application_is_refused_and_recorded(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    let theirs = applications::create(
        &app.db,
        &app.vault,
        boris.user_id(),
        Kind::CertificateRequest,
        app.clock.now(),
    )
    .await
    .unwrap();
    open_applications(&anna).await;

    anna.forge_and_expect_refusal(&[
        format!("app:o:{}", theirs.id),
        format!("app:s:{}", theirs.id),
        format!("app:e:{}", theirs.id),
    ])
    .await;
    let stored = the_only_application(&app, boris.user_id()).await;
    assert_eq!(stored.status, Status::Draft, "Boris's draft is untouched");
    assert!(
        !anna
            .chat()
            .await
            .messages
            .iter()
            .any(|m| m.body().contains(&theirs.number))
    );
}

#[medcab_e2e::test]
async fn a_certificate_request_asks_which_certificate(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_applications(&anna).await;
    anna.press("➕ Новая заявка").await;

    let picker = anna.press("Справка или выписка").await;

    assert_eq!(
        picker.html.as_deref(),
        Some(ru("app-choose-certificate").as_str())
    );
    assert!(
        picker
            .button_labels()
            .contains(&"Выписка из ФРМР (регистра медработников)"),
        "{picker:?}"
    );
    assert!(
        applications::list(
            &app.db,
            &app.vault,
            anna.user_id(),
            &applications::ReviewDeadlines::default(),
            app.clock.now(),
        )
        .await
        .unwrap()
        .is_empty(),
        "nothing is created before the choice"
    );
    let card = anna.press("Справка о баллах НМО (ЗЕТ)").await;

    contains(&card, "Что заказано: Справка о баллах НМО (ЗЕТ).");
    let created = the_only_application(&app, anna.user_id()).await;
    assert_eq!(created.kind, Kind::CertificateRequest);
    assert_eq!(
        applications::certificates::of(&app.db, anna.user_id(), created.id)
            .await
            .unwrap(),
        Some(applications::certificates::Certificate::NmoStatement)
    );
}
