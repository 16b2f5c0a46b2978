//! «📄 Документы»: adding a document question by question, each refusal of
//! a file or a date keeping what was given, deleting, forged buttons, and a
//! restart in the middle of adding.

use medcab_core::UserId;
use medcab_core::documents::{self, DocumentKind, DocumentMeta, FileType, Stored};
use medcab_e2e::Says;
use medcab_e2e::{Phone, TestApp};
use medcab_sandbox::{ChatMessage, FileKind, UploadFile};

use crate::ru;

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
/// The smallest JPEG header `documents::check_file` recognises (JFIF APP0).
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];
/// The DOS header every Windows executable starts with.
const EXE: &[u8] = &[
    b'M', b'Z', 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00,
    0xB8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
];
const ASK_FILE: &str = "Пришлите файл: PDF, JPG или PNG до 5 МБ — документом или фото.";

/// A PDF unlike any other (for files that must not be duplicates).
pub fn pdf(tag: &str) -> Vec<u8> {
    let mut pdf = PDF.to_vec();
    pdf.extend_from_slice(format!("% {tag}\n").as_bytes());
    pdf
}

/// Sends a file as a document (or a photo) and returns the bot's reply.
pub async fn upload(
    app: &TestApp,
    phone: &Phone<'_>,
    kind: FileKind,
    name: &str,
    mime: &str,
    bytes: &[u8],
) -> ChatMessage {
    phone
        .reply_to(async {
            app.client
                .upload_file(phone.id(), UploadFile::new(kind, name, mime, bytes))
                .await
                .expect("the sandbox takes the file");
        })
        .await
}

pub async fn open_documents(phone: &Phone<'_>) -> ChatMessage {
    phone.send("/menu").await;
    phone.press("📄 Документы").await
}

/// Stores a document straight through core, as if added earlier.
pub async fn store(
    app: &TestApp,
    owner: UserId,
    kind: DocumentKind,
    number: &str,
    file: &[u8],
) -> i64 {
    let valid_until = match kind.valid_until() {
        documents::ValidUntilRule::Required => chrono::NaiveDate::from_ymd_opt(2029, 3, 1),
        _ => None,
    };
    let meta = DocumentMeta {
        kind,
        number: Some(number.to_owned()),
        issued_on: chrono::NaiveDate::from_ymd_opt(2020, 6, 30),
        valid_until,
        issuer: None,
    };
    let stored = documents::store(
        &app.db,
        &app.vault,
        owner,
        &meta,
        file,
        Some("scan.pdf"),
        app.clock.now(),
        documents::DEFAULT_MAX_BYTES,
    )
    .await
    .expect("the document is stored");
    match stored {
        Stored::New(id) => id,
        Stored::Duplicate(id) => panic!("a duplicate of {id}"),
    }
}

fn starts(message: &ChatMessage, prefix: &str) {
    assert!(
        message.body().starts_with(prefix),
        "expected {prefix:?}, got {:?}",
        message.body()
    );
}

#[medcab_e2e::test]
async fn a_diploma_is_added_as_a_pdf_and_listed(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let list = open_documents(&anna).await;
    list.assert_contains("Документов пока нет");
    let picker = anna.press("➕ Добавить документ").await;
    assert_eq!(picker.html.as_deref(), Some(ru("doc-choose-kind").as_str()));
    assert!(
        picker
            .button_labels()
            .contains(&"Свидетельство об аккредитации или выписка")
    );
    let ask = anna.press("Диплом").await;
    ask.assert_contains("Введите номер документа");

    starts(
        &anna.send("107718 0123456").await,
        "Дата выдачи — в формате ДД.ММ.ГГГГ",
    );
    let chat = anna.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.body() == "107718 0123456")
            .all(|m| m.deleted),
        "the number is deleted from the chat"
    );
    starts(
        &anna.send("31.02.2020").await,
        "Такой даты нет: 31.02.2020.",
    );
    starts(
        &anna.send("30/06/2020").await,
        "Дата нужна в формате ДД.ММ.ГГГГ",
    );
    starts(
        &anna.send("30.06.2030").await,
        "Дата выдачи 30.06.2030 ещё не наступила.",
    );
    starts(&anna.send("30.06.2020").await, ASK_FILE);
    let saved = upload(
        &app,
        &anna,
        FileKind::Document,
        "diploma.pdf",
        "application/pdf",
        PDF,
    )
    .await;

    starts(&saved, "✅ Документ сохранён: Диплом.");
    let list = anna.press("« К документам").await;
    assert!(
        list.body()
            .contains("1. Диплом, № 107718 0123456\nДата выдачи: 30.06.2020"),
        "{}",
        list.body()
    );
    let stored = documents::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].kind, DocumentKind::Diploma);
    assert_eq!(stored[0].file_type, FileType::Pdf);
    assert_eq!(stored[0].number.as_deref(), Some("107718 0123456"));
}

#[medcab_e2e::test]
async fn every_file_refusal_has_its_message_and_keeps_the_details(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    store(
        &app,
        anna.user_id(),
        DocumentKind::Passport,
        "4510 123456",
        PDF,
    )
    .await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Удостоверение о повышении квалификации").await;

    // A file before the details: told what is missing.
    let early = upload(
        &app,
        &anna,
        FileKind::Document,
        "cert.pdf",
        "application/pdf",
        &pdf("a"),
    )
    .await;
    starts(
        &early,
        "Файл пока рано присылать: не хватает номера документа.",
    );
    starts(&anna.send("772412345678").await, "Дата выдачи");
    starts(&anna.send("15.04.2024").await, ASK_FILE);

    // Too big: 5 MB and one byte.
    let mut big = pdf("big");
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let too_big = upload(
        &app,
        &anna,
        FileKind::Document,
        "cert.pdf",
        "application/pdf",
        &big,
    )
    .await;
    starts(
        &too_big,
        "Файл слишком большой: 5,1 МБ, а можно не больше 5 МБ.",
    );
    assert!(too_big.body().contains(ASK_FILE), "asks for another file");

    // An executable called .pdf.
    let exe = upload(
        &app,
        &anna,
        FileKind::Document,
        "diploma.pdf",
        "application/pdf",
        EXE,
    )
    .await;
    starts(&exe, "Этот файл не PDF, не JPG и не PNG");

    // The same file as the passport already on file.
    let twice = upload(
        &app,
        &anna,
        FileKind::Document,
        "again.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    starts(
        &twice,
        "Этот файл уже есть среди ваших документов: «Паспорт».",
    );

    // The details survived every refusal.
    let saved = upload(
        &app,
        &anna,
        FileKind::Document,
        "cert.pdf",
        "application/pdf",
        &pdf("ok"),
    )
    .await;
    starts(
        &saved,
        "✅ Документ сохранён: Удостоверение о повышении квалификации.",
    );
    let stored = documents::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].number.as_deref(), Some("772412345678"));
    assert_eq!(
        stored[1].issued_on,
        chrono::NaiveDate::from_ymd_opt(2024, 4, 15).unwrap()
    );
    // Every file sent, too early, refused or stored, has left the chat:
    // a scan of a document is not left on the phone.
    let chat = anna.chat().await;
    let sent: Vec<_> = chat
        .messages
        .iter()
        .filter(|m| m.from == medcab_sandbox::From::User && m.document.is_some())
        .collect();
    assert_eq!(sent.len(), 5, "{sent:?}");
    assert!(sent.iter().all(|m| m.deleted), "{sent:?}");
}

#[medcab_e2e::test]
async fn an_expired_accreditation_is_refused_with_its_date(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Свидетельство об аккредитации или выписка")
        .await;
    anna.send("7722 031234567").await;
    starts(
        &anna.send("01.03.2020").await,
        "Срок действия: до какой даты",
    );

    starts(
        &anna.send("01.03.2019").await,
        "Срок действия (01.03.2019) раньше даты выдачи (01.03.2020).",
    );
    let expired = anna.send("01.03.2025").await;
    starts(&expired, "Срок действия документа истёк 01.03.2025.");
    assert!(
        documents::list(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_empty()
    );

    starts(&anna.send("01.03.2030").await, ASK_FILE);
    let saved = upload(
        &app,
        &anna,
        FileKind::Document,
        "accr.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    starts(&saved, "✅ Документ сохранён");
}

#[medcab_e2e::test]
async fn a_photo_is_taken_as_a_jpeg(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("СНИЛС").await;
    starts(&anna.send("112-233-445 96").await, "Это не номер СНИЛС");
    anna.send("112-233-445 95").await;
    anna.send("12.05.2003").await;

    let saved = upload(
        &app,
        &anna,
        FileKind::Photo,
        "photo.jpg",
        "image/jpeg",
        JPEG,
    )
    .await;

    starts(&saved, "✅ Документ сохранён: СНИЛС.");
    let stored = documents::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored[0].file_type, FileType::Jpeg);
    assert_eq!(stored[0].number.as_deref(), Some("112-233-445 95"));
}

#[medcab_e2e::test]
async fn a_document_is_deleted_after_a_confirmation(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        PDF,
    )
    .await;
    open_documents(&anna).await;

    let card = anna.press("📄 Диплом 107718 0123456").await;
    card.assert_contains("Номер: 107718 0123456");
    card.assert_contains("Действует до: бессрочно");
    let ask = anna.press("🗑 Удалить").await;
    starts(&ask, "Удалить документ «Диплом»?");
    let deleted = anna.press("🗑 Да, удалить").await;

    starts(&deleted, "🗑 Документ удалён.");
    assert!(deleted.body().contains("Документов пока нет"));
    assert!(
        documents::list(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_empty()
    );
}

#[medcab_e2e::test]
async fn the_owner_gets_a_stored_file_back_from_its_card(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let file = pdf("anna's diploma");
    store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        &file,
    )
    .await;
    open_documents(&anna).await;
    let card = anna.press("📄 Диплом 107718 0123456").await;
    assert!(card.button("📎 Открыть файл").is_some(), "{card:?}");

    let sent = anna.press("📎 Открыть файл").await;

    let document = sent.document.as_ref().expect("the file is sent");
    assert_eq!(document.file_size, file.len() as u64);
    assert!(
        sent.protect_content,
        "the file cannot be forwarded or saved"
    );
    assert_eq!(sent.body(), "Диплом");

    // The session that allowed it ends (idle): the file leaves the chat
    // with the card, once.
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(
        app.scheduler_tick().await.cards_closed,
        2,
        "the card and the file"
    );
    let chat = anna
        .wait_for(|chat| chat.message(sent.message_id).is_some_and(|m| m.deleted))
        .await;
    assert!(chat.message(card.message_id).is_some_and(|m| !m.deleted));
    assert_eq!(app.scheduler_tick().await.cards_closed, 0);
}

#[medcab_e2e::test]
async fn a_forged_button_naming_someone_elses_document_is_refused_and_recorded(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    let theirs = store(
        &app,
        boris.user_id(),
        DocumentKind::Diploma,
        "999999 0000001",
        PDF,
    )
    .await;
    open_documents(&anna).await;

    anna.forge_and_expect_refusal(&[
        format!("doc:o:{theirs}"),
        format!("doc:rm:{theirs}"),
        format!("doc:f:{theirs}"),
    ])
    .await;
    assert!(
        anna.chat()
            .await
            .messages
            .iter()
            .all(|m| m.document.is_none()),
        "no file of Boris's reaches Anna"
    );
    assert_eq!(
        documents::list(&app.db, &app.vault, boris.user_id())
            .await
            .unwrap()
            .len(),
        1,
        "Boris's document is untouched"
    );
    assert!(
        !anna
            .chat()
            .await
            .messages
            .iter()
            .any(|m| m.body().contains("999999"))
    );
}

#[medcab_e2e::test]
async fn a_restart_while_adding_resumes_at_the_next_question(mut app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Лицензия").await;
    starts(&anna.send("ЛО-77-01-012345").await, "Дата выдачи");
    let user = anna.user.clone();

    app.restart_bot().await;
    let anna = app.phone(user);

    let next = anna.send("01.02.2021").await;
    starts(&next, "Срок действия: до какой даты");
    let ask_file = anna.press("Бессрочный").await;
    starts(&ask_file, ASK_FILE);
    let saved = upload(
        &app,
        &anna,
        FileKind::Document,
        "licence.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    starts(&saved, "✅ Документ сохранён: Лицензия.");
    let stored = documents::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored[0].number.as_deref(), Some("ЛО-77-01-012345"));
    assert_eq!(stored[0].valid_until, None);
}

/// How many unfinished documents the practitioner has in PostgreSQL.
async fn drafts_of(app: &TestApp, owner: UserId) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM drafts WHERE owner_id = $1 AND kind = 'document'")
        .bind(owner)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[medcab_e2e::test]
async fn a_redis_flush_while_adding_loses_nothing_typed(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Диплом").await;
    starts(&anna.send("107718 0123456").await, "Дата выдачи");
    assert_eq!(
        drafts_of(&app, anna.user_id()).await,
        1,
        "kept the moment given"
    );

    app.flush_redis().await;

    let list = open_documents(&anna).await;
    assert!(
        list.button_labels().contains(&"▶️ Продолжить добавление"),
        "{:?}",
        list.button_labels()
    );
    starts(
        &anna.press("▶️ Продолжить добавление").await,
        "Дата выдачи — в формате ДД.ММ.ГГГГ",
    );
    starts(&anna.send("30.06.2020").await, ASK_FILE);
    let saved = upload(
        &app,
        &anna,
        FileKind::Document,
        "diploma.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    starts(&saved, "✅ Документ сохранён: Диплом.");
    let stored = documents::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].number.as_deref(), Some("107718 0123456"));
    assert_eq!(
        drafts_of(&app, anna.user_id()).await,
        0,
        "discarded once stored"
    );
    let list = anna.press("« К документам").await;
    assert!(
        !list.button_labels().contains(&"▶️ Продолжить добавление"),
        "{:?}",
        list.button_labels()
    );
}

#[medcab_e2e::test]
async fn after_a_redis_flush_the_next_answer_is_taken(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Диплом").await;
    starts(&anna.send("107718 0123456").await, "Дата выдачи");

    app.flush_redis().await;

    starts(&anna.send("30.06.2020").await, ASK_FILE);
    app.flush_redis().await;
    let saved = upload(
        &app,
        &anna,
        FileKind::Document,
        "diploma.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    starts(&saved, "✅ Документ сохранён: Диплом.");
    let stored = documents::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(stored[0].number.as_deref(), Some("107718 0123456"));
    assert_eq!(
        stored[0].issued_on,
        chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()
    );
}

#[medcab_e2e::test]
async fn giving_up_an_addition_discards_its_draft(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Диплом").await;
    starts(&anna.send("107718 0123456").await, "Дата выдачи");

    let cancelled = anna.send("/cancel").await;
    assert_eq!(cancelled.body(), ru("cancel-done"));
    assert_eq!(drafts_of(&app, anna.user_id()).await, 0, "/cancel");

    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Лицензия").await;
    starts(&anna.send("ЛО-77-01-012345").await, "Дата выдачи");
    let list = anna.press("« К документам").await;
    assert!(
        !list.button_labels().contains(&"▶️ Продолжить добавление"),
        "{:?}",
        list.button_labels()
    );
    assert_eq!(drafts_of(&app, anna.user_id()).await, 0, "« К документам");

    // After a flush the draft is all that is left; /cancel still drops it.
    anna.press("➕ Добавить документ").await;
    anna.press("Диплом").await;
    starts(&anna.send("107718 0123456").await, "Дата выдачи");
    app.flush_redis().await;
    assert_eq!(anna.send("/cancel").await.body(), ru("cancel-done"));
    assert_eq!(
        drafts_of(&app, anna.user_id()).await,
        0,
        "/cancel after a flush"
    );
}

#[medcab_e2e::test]
async fn a_lowered_size_limit_is_told_and_kept(mut app: TestApp) {
    app.settings.max_document_bytes = 1024 * 1024;
    app.restart_bot().await;
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Диплом").await;
    anna.send("107718 0123456").await;
    starts(
        &anna.send("30.06.2020").await,
        "Пришлите файл: PDF, JPG или PNG до 1 МБ",
    );
    let mut big = pdf("big");
    big.resize(1024 * 1024 + 100 * 1024, b' ');
    let refused = upload(
        &app,
        &anna,
        FileKind::Document,
        "diploma.pdf",
        "application/pdf",
        &big,
    )
    .await;
    refused.assert_contains("1,1");
    refused.assert_contains("1 МБ");
    assert!(
        documents::list(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_empty()
    );
}

#[medcab_e2e::test]
async fn a_full_quota_is_told_with_its_numbers_and_keeps_the_details(mut app: TestApp) {
    app.settings.document_quota = documents::Quota {
        max_count: 2,
        ..documents::Quota::default()
    };
    app.restart_bot().await;
    let anna = app.active_user("Анна", "ru").await;
    store(
        &app,
        anna.user_id(),
        DocumentKind::Passport,
        "4510 123456",
        &pdf("passport"),
    )
    .await;
    store(
        &app,
        anna.user_id(),
        DocumentKind::Snils,
        "112-233-445 95",
        &pdf("snils"),
    )
    .await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Диплом").await;
    anna.send("107718 0123456").await;
    anna.send("30.06.2020").await;

    let refused = upload(
        &app,
        &anna,
        FileKind::Document,
        "diploma.pdf",
        "application/pdf",
        &pdf("diploma"),
    )
    .await;

    starts(
        &refused,
        "У вас уже 2 документа — больше хранить нельзя (предел — 2).",
    );
    assert_eq!(
        documents::list(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        drafts_of(&app, anna.user_id()).await,
        1,
        "the details are kept"
    );
}

#[medcab_e2e::test]
async fn a_passport_number_leaves_the_chat_refused_or_taken(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_documents(&anna).await;
    anna.press("➕ Добавить документ").await;
    anna.press("Паспорт").await;

    let refused = anna.send("4510 12345").await;
    starts(&refused, "Серия и номер паспорта — это 10 цифр");
    starts(&anna.send("4510 123456").await, "Дата выдачи");

    let chat = anna.chat().await;
    let typed: Vec<_> = chat
        .messages
        .iter()
        .filter(|m| m.body().starts_with("4510 "))
        .collect();
    assert_eq!(typed.len(), 2, "{typed:?}");
    assert!(typed.iter().all(|m| m.deleted), "{typed:?}");
}
