//! «📚 Обучение и НМО» → «🔎 Запросить проверку»: the records go to an
//! operator as an application of their own kind; an approval marks the
//! records it saw ✔️, a record changed meanwhile stays unmarked, and a
//! later change takes the mark away.

use medcab_core::documents::{self, DocumentKind, DocumentMeta, Stored};
use medcab_core::history::Actor;
use medcab_core::qualification::store;
use medcab_core::qualification::{EntryDraft, RecordDraft, RecordKind, validate_entry};
use medcab_e2e::{Says, TestApp};

use crate::documents::pdf;
use crate::qualification::{open_hours, seed};

const CARDIOLOGY: &str = "Кардиология: актуальные вопросы";
const PULMONOLOGY: &str = "Пульмонология";

#[medcab_e2e::test]
async fn an_operator_confirms_the_records_the_practitioner_sent(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let programme = (RecordKind::Programme, "36", "01.03.2025");
    seed(&app, anna.user_id(), programme, CARDIOLOGY, None).await;
    let changed = seed(&app, anna.user_id(), programme, PULMONOLOGY, None).await;

    let overview = open_hours(&anna).await;
    overview.assert_contains("Записи без ✔️ ещё не проверены.");
    let confirm = anna.press("🔎 Запросить проверку").await;
    confirm.assert_starts("🔎 Проверка записей");
    confirm.assert_contains("Сотрудник сверит 2 записи");
    confirm.assert_contains("Без документа 2 записи");
    let sent = anna.press("✅ Отправить на проверку").await;
    sent.assert_starts("✅ Заявка Н-2026-");
    sent.assert_contains("🔎 Записи на проверке: заявка Н-2026-");
    sent.assert_contains("— подана.");
    assert!(
        !sent.button_labels().contains(&"🔎 Запросить проверку"),
        "{:?}",
        sent.button_labels()
    );
    let number = sent
        .body()
        .split_whitespace()
        .nth(2)
        .expect("the number")
        .to_owned();
    assert!(
        sent.button_labels()
            .contains(&format!("📨 Заявка {number}").as_str()),
        "{:?}",
        sent.button_labels()
    );
    // The same press again (a stale screen, a double tap) is not a
    // second check.
    assert!(anna.press_forged("hr:chk!").await.answered);
    anna.wait_for_any_text(&format!("Записи уже на проверке: заявка {number}."))
        .await;

    // Anna corrects one record while it waits.
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let draft = EntryDraft {
        title: Some(PULMONOLOGY.to_owned()),
        provider: Some("РМАНПО".to_owned()),
        record: RecordDraft {
            kind: Some(RecordKind::Programme),
            amount: Some("24".to_owned()),
            completed_on: Some("01.03.2025".to_owned()),
            ikp: None,
        },
    };
    let corrected = validate_entry(&draft, today).unwrap();
    app.clock.advance(chrono::Duration::minutes(1));
    store::update(
        &app.db,
        &app.vault,
        anna.user_id(),
        changed,
        &corrected,
        Actor::Practitioner(anna.user_id()),
        app.clock.now(),
    )
    .await
    .unwrap();

    // The operator sees the kind, every record, and which changed.
    let olga = app.operator("Ольга").await;
    let card = olga.send("/review").await;
    card.assert_contains(&format!(
        "📋 Заявка {number} — Проверка записей об обучении"
    ));
    card.assert_contains("Записи к проверке (2):");
    card.assert_contains(&format!(
        "{PULMONOLOGY} — ПК, 24 часа, 01.03.2025 — без документа — ⚠️ изменена после подачи"
    ));
    card.assert_contains(&format!(
        "{CARDIOLOGY} — ПК, 36 часов, 01.03.2025 — без документа"
    ));
    olga.press("✅ Одобрить").await;
    anna.wait_for_any_text(&format!("Заявка {number}: одобрена"))
        .await;

    // Only what the operator saw is confirmed.
    let records = store::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    let marks: Vec<(&str, bool)> = records
        .iter()
        .map(|record| (record.entry.title(), record.confirmed))
        .collect();
    assert_eq!(marks, [(PULMONOLOGY, false), (CARDIOLOGY, true)]);
    let overview = open_hours(&anna).await;
    overview.assert_contains(&format!("2. {CARDIOLOGY} — ПК, 36 часов"));
    overview.assert_contains("РМАНПО ✔️");
    assert_eq!(
        overview.body().matches("✔️").count(),
        2,
        "the hint and one mark"
    );
    // The corrected record may be sent again.
    assert!(overview.button_labels().contains(&"🔎 Запросить проверку"));
}

#[medcab_e2e::test]
async fn nothing_to_check_is_said_and_no_application_is_made(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let overview = open_hours(&anna).await;
    // No records: no button.
    assert!(!overview.button_labels().contains(&"🔎 Запросить проверку"));
    // A press of the buttons not shown is answered, and makes nothing.
    let nothing = "Все записи уже подтверждены — проверять нечего.";
    for data in ["hr:chk", "hr:chk!"] {
        assert!(anna.press_forged(data).await.answered, "{data}");
        anna.wait_for_text(nothing).await;
    }
    let deadlines = medcab_core::applications::ReviewDeadlines::default();
    let applications = medcab_core::applications::list(
        &app.db,
        &app.vault,
        anna.user_id(),
        &deadlines,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(applications.is_empty());
}

/// A document of `kind` on Anna's file, stored through core; its id.
async fn file(app: &TestApp, owner: medcab_core::UserId, kind: DocumentKind, number: &str) -> i64 {
    let meta = DocumentMeta {
        kind,
        number: Some(number.to_owned()),
        issued_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 1),
        valid_until: None,
        issuer: None,
    };
    let stored = documents::store(
        &app.db,
        &app.vault,
        owner,
        &meta,
        &pdf(number),
        Some("scan.pdf"),
        app.clock.now(),
        documents::DEFAULT_MAX_BYTES,
    )
    .await
    .unwrap();
    match stored {
        Stored::New(id) => id,
        other => panic!("a new document: {other:?}"),
    }
}

#[medcab_e2e::test]
async fn a_certificate_from_the_documents_is_attached_and_taken_off(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    let owner = anna.user_id();
    let programme = (RecordKind::Programme, "36", "01.03.2025");
    let id = seed(&app, owner, programme, CARDIOLOGY, None).await;
    let passport = file(&app, owner, DocumentKind::Passport, "4510 123456").await;
    let certificate = file(&app, owner, DocumentKind::QualificationUpgrade, "7727 0001").await;
    let borises = file(
        &app,
        boris.user_id(),
        DocumentKind::QualificationUpgrade,
        "7727 0002",
    )
    .await;

    open_hours(&anna).await;
    anna.press("✏️ 1").await;
    let choose = anna.press("📎 Удостоверение").await;
    choose.assert_starts(&format!("📎 Удостоверение к записи «{CARDIOLOGY}»"));
    choose.assert_contains("Сейчас документ не приложен.");
    // Only what can prove an education: not the passport.
    choose.assert_contains(
        "1. Удостоверение о повышении квалификации, № 7727 0001, выдан 01.03.2025",
    );
    assert!(!choose.body().contains("Паспорт"), "{}", choose.body());
    assert!(!choose.body().contains("2."), "{}", choose.body());

    let attached = anna.press("📎 1").await;
    attached.assert_starts("✅ Удостоверение приложено к записи.");
    attached.assert_contains("РМАНПО 📎");
    let stored = store::get(&app.db, &app.vault, owner, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.document_id, Some(certificate));

    // A passport or Борис's certificate named in a forged button: refused,
    // recorded, nothing attached.
    anna.forge_and_expect_refusal(&[
        format!("hr:at:{id}:{passport}"),
        format!("hr:at:{id}:{borises}"),
    ])
    .await;
    let stored = store::get(&app.db, &app.vault, owner, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.document_id, Some(certificate));

    anna.press("✏️ 1").await;
    let shown = anna.press("📎 Удостоверение").await;
    shown.assert_contains("Приложено: Удостоверение о повышении квалификации, выдан 01.03.2025.");
    let detached = anna.press("✖️ Открепить документ").await;
    detached.assert_starts("Документ откреплён от записи");
    let stored = store::get(&app.db, &app.vault, owner, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.document_id, None);
    // The document itself stays on file.
    assert!(
        documents::get(&app.db, &app.vault, owner, certificate)
            .await
            .unwrap()
            .is_some()
    );

    // Attached again, then deleted from «Документы»: the record loses it,
    // so no check sent later can show an operator a file she deleted.
    assert!(
        store::attach_document(
            &app.db,
            &app.vault,
            owner,
            id,
            Some(certificate),
            Actor::Practitioner(owner),
            app.clock.now()
        )
        .await
        .unwrap()
    );
    assert!(
        documents::delete(&app.db, &app.vault, owner, certificate, app.clock.now())
            .await
            .unwrap()
    );
    let stored = store::get(&app.db, &app.vault, owner, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.document_id, None,
        "a deleted document is no certificate"
    );
    let overview = open_hours(&anna).await;
    assert!(!overview.body().contains("📎"), "{}", overview.body());
}

/// A check of more records than its card lists: the operator pages
/// through all of them, and a forged page of an application they do not
/// hold shows nothing.
#[medcab_e2e::test]
async fn an_operator_pages_through_every_record_of_a_long_check(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    for n in 1..=12 {
        let module = (RecordKind::Module, "2", "01.03.2025");
        seed(
            &app,
            anna.user_id(),
            module,
            &format!("Модуль номер {n:02}"),
            None,
        )
        .await;
    }
    open_hours(&anna).await;
    anna.press("🔎 Запросить проверку").await;
    let sent = anna.press("✅ Отправить на проверку").await;
    sent.assert_starts("✅ Заявка Н-2026-");

    let olga = app.operator("Ольга").await;
    let card = olga.send("/review").await;
    card.assert_contains("Записи к проверке (12):");
    card.assert_contains("…и ещё 2 записи.");
    let first = olga.press("📚 Все записи заявки").await;
    first.assert_contains("(1–10 из 12):");
    assert_eq!(first.body().matches("Модуль номер").count(), 10);
    let second = olga.press("Дальше ▶️").await;
    second.assert_contains("(11–12 из 12):");
    second.assert_contains("11. Модуль номер");
    second.assert_contains("12. Модуль номер");
    assert!(!second.button_labels().contains(&"Дальше ▶️"));
    let back = olga.press("« Назад к заявке").await;
    back.assert_contains("Записи к проверке (12):");
    // From the question of a refusal's reason, back to the card as well.
    olga.press("❌ Отклонить").await;
    let back = olga.press("« Назад к заявке").await;
    back.assert_contains("Записи к проверке (12):");

    // Another application's id: the card's checks refuse it.
    let forged = olga.press_forged("op:crec:999999:0").await;
    assert!(forged.answered);
    assert!(forged.text.is_some(), "a refusal is said");
}

/// A certificate for each of ten records: the card lists the first eight
/// documents and pages through all of them, each with its button, so the
/// card stays one message however many certificates a check cites.
#[medcab_e2e::test]
async fn an_operator_pages_through_every_document_a_check_cites(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let owner = anna.user_id();
    for n in 1..=10 {
        let module = (RecordKind::Module, "2", "01.03.2025");
        let id = seed(&app, owner, module, &format!("Модуль номер {n:02}"), None).await;
        let certificate = file(&app, owner, DocumentKind::Other, &format!("С-{n:02}")).await;
        assert!(
            store::attach_document(
                &app.db,
                &app.vault,
                owner,
                id,
                Some(certificate),
                Actor::Practitioner(owner),
                app.clock.now()
            )
            .await
            .unwrap()
        );
    }
    open_hours(&anna).await;
    anna.press("🔎 Запросить проверку").await;
    anna.press("✅ Отправить на проверку").await;

    let olga = app.operator("Ольга").await;
    let card = olga.send("/review").await;
    card.assert_contains("…и ещё 2 документа");
    let labels = card.button_labels();
    assert!(
        labels.iter().any(|label| label.starts_with("📄 8.")),
        "{labels:?}"
    );
    assert!(
        !labels.iter().any(|label| label.starts_with("📄 9.")),
        "{labels:?}"
    );
    let first = olga.press("📎 Все документы заявки").await;
    first.assert_contains("(1–8 из 10):");
    let second = olga.press("Дальше ▶️").await;
    second.assert_contains("(9–10 из 10):");
    let labels = second.button_labels();
    assert!(
        labels.iter().any(|label| label.starts_with("📄 10.")),
        "{labels:?}"
    );
    let back = olga.press("« Назад к заявке").await;
    back.assert_contains("Записи к проверке (10):");
}
