//! «🎓 НМО и аккредитация» → «🗂 Портфолио»: every item with the status core
//! gives it (documents' dates, an operator's review, the hours, the
//! register's accreditation), what is missing in plain words with buttons
//! to where it is put right, the records paged, the export as a protected
//! PDF read back and checked, and the step-up in front of it all.

use chrono::NaiveDate;
use medcab_core::applications::{self, Kind};
use medcab_core::documents::{self, DocumentKind, DocumentMeta, Stored};
use medcab_core::history::Actor;
use medcab_core::profile::{self, EducationDraft, EducationLevel};
use medcab_core::qualification::{EntryDraft, RecordDraft, RecordKind, store, validate_entry};
use medcab_core::{UserId, accounts};
use medcab_e2e::{Phone, RegisterEntry, Says, TestApp};
use medcab_sandbox::ChatMessage;

use crate::documents::pdf;
use crate::{en, ru};

async fn open_portfolio(phone: &Phone<'_>) -> ChatMessage {
    phone.send("/menu").await;
    phone.press("🎓 НМО и аккредитация").await;
    phone.press("🗂 Портфолио").await
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A document stored through core, as if added in «📄 Документы»; `tag`
/// makes each file different.
async fn add_document(
    app: &TestApp,
    owner: UserId,
    kind: DocumentKind,
    valid_until: Option<NaiveDate>,
    tag: &str,
) -> i64 {
    let meta = DocumentMeta {
        kind,
        number: Some(format!("77 {tag}")),
        issued_on: Some(date(2024, 3, 1)),
        valid_until,
        issuer: None,
    };
    let stored = documents::store(
        &app.db,
        &app.vault,
        owner,
        &meta,
        &pdf(tag),
        Some("scan.pdf"),
        app.clock.now(),
        documents::DEFAULT_MAX_BYTES,
    )
    .await
    .unwrap();
    match stored {
        Stored::New(id) => id,
        Stored::Duplicate(_) => panic!("a new file for {tag}"),
    }
}

async fn add_diploma(app: &TestApp, owner: UserId) {
    let draft = EducationDraft {
        institution: Some("РНИМУ им. Н. И. Пирогова".to_owned()),
        specialty: Some("Лечебное дело".to_owned()),
        level: Some(EducationLevel::Specialist),
        diploma_number: Some("107718 0123456".to_owned()),
        diploma_date: Some("30.06.2010".to_owned()),
        graduation_year: Some("2010".to_owned()),
    };
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let valid = profile::validate_education(&draft, today).unwrap();
    profile::add_education(
        &app.db,
        &app.vault,
        owner,
        &valid,
        Actor::Practitioner(owner),
        app.clock.now(),
        None,
    )
    .await
    .unwrap();
}

async fn add_record(app: &TestApp, owner: UserId, kind: RecordKind, amount: &str, title: &str) {
    let draft = EntryDraft {
        title: Some(title.to_owned()),
        provider: Some("РМАНПО".to_owned()),
        record: RecordDraft {
            kind: Some(kind),
            amount: Some(amount.to_owned()),
            completed_on: Some("01.03.2025".to_owned()),
            ikp: None,
        },
    };
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let entry = validate_entry(&draft, today).unwrap();
    store::add(
        &app.db,
        &app.vault,
        owner,
        &entry,
        Actor::Practitioner(owner),
        app.clock.now(),
        None,
    )
    .await
    .unwrap();
}

/// The PDF's text with what extraction adds or splits (spaces, line
/// breaks, hyphens of hyphenation) taken out, for comparing phrases.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    squashed(&pdf_extract::extract_text_from_mem(bytes).expect("the PDF opens"))
}

fn squashed(phrase: &str) -> String {
    phrase
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{AD}'))
        .collect()
}

#[medcab_e2e::test]
async fn an_empty_portfolio_names_every_gap_and_leads_to_where_it_is_filled(app: TestApp) {
    // An applicant with nothing on file: no accreditation known either.
    let anna = app.active_user("Анна", "ru").await;
    let screen = open_portfolio(&anna).await;
    assert!(screen.protect_content, "personal data: protected");
    screen.assert_starts("🗂 Портфолио для периодической аккредитации");
    screen.assert_contains("в каком оно состоянии на 25.11.2026");
    for line in [
        "❗ Диплом об образовании — не хватает",
        "❗ Повышение квалификации, переподготовка — не хватает",
        "❗ Обучение за период — не хватает: не к чему отнести — срок аккредитации неизвестен",
        "❗ Аккредитация — не хватает",
        "❗ Отчёт о профессиональной деятельности — не хватает",
        "❗ Подтверждение работодателя — не хватает",
        "Для подачи не хватает:",
        "• диплома об образовании",
        "• удостоверения о повышении квалификации или диплома о профессиональной переподготовке",
        "• сведений о текущей аккредитации: выписки в «📄 Документах» или записи в реестре",
        "• отчёта о профессиональной деятельности",
        "• подтверждения работодателя (справки с места работы)",
    ] {
        screen.assert_contains(line);
    }
    // A button for every gap that has a place; the report has none yet.
    let labels = screen.button_labels();
    for label in [
        "➕ Диплом",
        "➕ Удостоверение о ПК",
        "➕ Выписка об аккредитации",
        "➕ Справка с места работы",
        "📋 Документы портфолио",
        "📄 Портфолио (PDF)",
        "« НМО и аккредитация",
    ] {
        assert!(labels.contains(&label), "{label} in {labels:?}");
    }
    assert!(
        !labels.contains(&"📚 Обучение и НМО"),
        "no hours to add without a period: {labels:?}"
    );

    let records = anna.press("📋 Документы портфолио").await;
    records.assert_starts("📋 Документы портфолио");
    records.assert_contains("Пока нет ни дипломов, ни удостоверений, ни справок.");
    anna.press("« Портфолио").await;

    // The gap's button starts adding that very document.
    let adding = anna.press("➕ Справка с места работы").await;
    adding.assert_contains("Справка с места работы");
    assert_eq!(
        adding.message_id, screen.message_id,
        "one message per menu, edited in place"
    );

    // The export of an empty portfolio still opens, and says so.
    let screen = open_portfolio(&anna).await;
    let sent = anna.press("📄 Портфолио (PDF)").await;
    assert_ne!(sent.message_id, screen.message_id);
    let document = sent.document.as_ref().expect("a PDF is sent");
    let text = pdf_text(&app.client.file(&document.file_id).await.unwrap());
    for phrase in [
        "Портфолио для периодической аккредитации",
        "Период срок аккредитации неизвестен",
        "1 Диплом об образовании не хватает",
        "Пунктов в порядке 0 из 6",
        "Не хватает для подачи",
        "диплома об образовании",
    ] {
        assert!(text.contains(&squashed(phrase)), "no «{phrase}» in {text}");
    }
}

#[medcab_e2e::test]
async fn statuses_follow_dates_reviews_and_hours_and_the_pdf_says_the_same(app: TestApp) {
    // The register: accredited until 30.06.2027, so on 25.11.2026 the
    // last twelve months have begun (истекает); the period is 30.06.2022 —
    // 30.06.2027.
    let entry = RegisterEntry {
        accreditation_valid_until: Some(date(2027, 6, 30)),
        ..RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1")
    };
    let anna = app.practitioner("Анна", entry).await;
    let owner = anna.user_id();
    add_diploma(&app, owner).await;
    // The extract, a ПК certificate and a confirmation running out within
    // 90 days, all cited by a periodic accreditation now in review.
    add_document(
        &app,
        owner,
        DocumentKind::Accreditation,
        Some(date(2027, 6, 30)),
        "accreditation",
    )
    .await;
    add_document(
        &app,
        owner,
        DocumentKind::QualificationUpgrade,
        None,
        "upgrade",
    )
    .await;
    add_document(
        &app,
        owner,
        DocumentKind::EmployerConfirmation,
        Some(date(2026, 12, 20)),
        "employer",
    )
    .await;
    let application = applications::create(
        &app.db,
        &app.vault,
        owner,
        Kind::PeriodicAccreditation,
        app.clock.now(),
    )
    .await
    .unwrap();
    applications::submit(&app.db, &app.vault, owner, application.id, app.clock.now())
        .await
        .unwrap();
    // 36 ПК hours and 10 ЗЕТ in the period: 46 of 144, ПК 36 of 74.
    add_record(&app, owner, RecordKind::Programme, "36", "Кардиология").await;
    add_record(&app, owner, RecordKind::Module, "10", "Модуль по ЭКГ").await;
    // The submission's push first: arriving later, it would be taken for
    // the screen.
    anna.wait_for_any_text(&format!("Заявка {}: подана", application.number))
        .await;

    let screen = open_portfolio(&anna).await;
    for line in [
        "✅ Диплом об образовании — актуально",
        "🔍 Повышение квалификации, переподготовка — на проверке",
        "❗ Обучение за период — не хватает: 46 из 144 ак. ч, из них ПК 36 из 74",
        "⏳ Аккредитация — истекает, действует до 30.06.2027",
        "❗ Отчёт о профессиональной деятельности — не хватает",
        "🔍 Подтверждение работодателя — на проверке, до 20.12.2026",
        "• 98 академических часов обучения из 144",
        "• 38 часов по программам повышения квалификации (ПК)",
        "• отчёта о профессиональной деятельности",
    ] {
        screen.assert_contains(line);
    }
    assert!(!screen.body().contains("• диплома"), "{}", screen.body());
    let labels = screen.button_labels();
    assert!(labels.contains(&"📚 Обучение и НМО"), "{labels:?}");
    assert!(!labels.contains(&"➕ Диплом"), "{labels:?}");

    let records = anna.press("📋 Документы портфолио").await;
    for line in [
        "📋 Документы портфолио (1–3 из 3):",
        "1. ✅ Диплом: РНИМУ им. Н. И. Пирогова, «Лечебное дело», 2010 — актуально",
        "2. 🔍 Удостоверение о повышении квалификации, № 77 upgrade, выдан 01.03.2024 — на проверке",
        "3. 🔍 Справка с места работы, № 77 employer, выдан 01.03.2024, действует до 20.12.2026 — на проверке",
    ] {
        records.assert_contains(line);
    }
    // «📚 Обучение и НМО» leads to the hours.
    anna.press("« Портфолио").await;
    anna.press("📚 Обучение и НМО")
        .await
        .assert_starts("📚 Обучение и НМО");

    let screen = open_portfolio(&anna).await;
    let sent = anna.press("📄 Портфолио (PDF)").await;
    let document = sent.document.as_ref().expect("a PDF is sent");
    assert!(sent.protect_content, "the portfolio cannot be forwarded");
    assert_eq!(document.file_name.as_deref(), Some("Портфолио.pdf"));
    assert_eq!(
        sent.body(),
        "📄 Портфолио для периодической аккредитации на 25.11.2026"
    );
    assert!(!sent.body().contains("Иванова"), "no name outside the file");
    let chat = anna.chat().await;
    assert!(
        chat.message(screen.message_id).is_some(),
        "the screen stays where it was"
    );
    let text = pdf_text(&app.client.file(&document.file_id).await.unwrap());
    for phrase in [
        "Портфолио для периодической аккредитации",
        "ФИО Иванова Анна Сергеевна",
        "Период 30.06.2022 — 30.06.2027",
        "Аккредитация действует до 30.06.2027",
        "Состав портфолио",
        "1 Диплом об образовании: Лечебное дело актуально",
        "2 Удостоверение о повышении квалификации на проверке",
        "3 Обучение за период не хватает",
        "4 Аккредитация истекает",
        "5 Отчёт о профессиональной деятельности не хватает",
        "6 Справка с места работы на проверке",
        "Часов за период 46 из 144",
        "Из них ПК 36 из 74",
        "Из них ЗЕТ модулей и мероприятий НМО 10",
        "Пунктов в порядке 4 из 6",
        "Не хватает для подачи",
        "98 академических часов обучения из 144",
        "38 часов по программам повышения квалификации (ПК)",
        "Документы и записи",
        "Учебное заведение РНИМУ им. Н. И. Пирогова",
        "Номер 107718 0123456",
        "01.03.2025 Кардиология (РМАНПО) — 36 часов",
        "01.03.2025 Модуль по ЭКГ (РМАНПО) — 10 ЗЕТ",
        "Источник реестр медицинских работников",
        "Подать документы март 2027",
        "Действует до 20.12.2026",
        "Сформировано 25.11.2026",
    ] {
        assert!(text.contains(&squashed(phrase)), "no «{phrase}» in {text}");
    }

    // The file leaves the chat when the session ends.
    app.clock.advance(chrono::Duration::minutes(31));
    app.scheduler_tick().await;
    anna.wait_for(|chat| chat.message(sent.message_id).is_some_and(|m| m.deleted))
        .await;
}

#[medcab_e2e::test]
async fn a_long_list_pages_and_everything_is_also_in_english(app: TestApp) {
    let boris = app.active_user("Boris", "en").await;
    let owner = boris.user_id();
    for n in 0..23 {
        add_document(
            &app,
            owner,
            DocumentKind::EmployerConfirmation,
            Some(date(2027, 12, 31)),
            &format!("employer-{n}"),
        )
        .await;
    }
    add_diploma(&app, owner).await;
    boris.send("/menu").await;
    boris.press("🎓 CME and accreditation").await;
    let screen = boris.press(&en("portfolio-button")).await;
    screen.assert_starts("🗂 Portfolio for periodic accreditation");
    screen.assert_contains("✅ Diploma — current");
    screen.assert_contains("✅ Employer's confirmation — current, until 31.12.2027, 23 documents");
    screen.assert_contains("Still missing for filing:");
    screen.assert_contains("• a professional development certificate or a retraining diploma");

    let first = boris.press("📋 Portfolio documents").await;
    first.assert_starts("📋 Portfolio documents (1–10 of 24):");
    first.assert_contains(
        "1. ✅ Diploma: РНИМУ им. Н. И. Пирогова, “Лечебное дело”, 2010 — current",
    );
    first.assert_contains(
        "2. ✅ Employer's confirmation, No. 77 employer-0, issued 01.03.2024, valid until 31.12.2027 — current",
    );
    assert!(first.body().chars().count() < 4096);
    let second = boris.press("Next ▶️").await;
    second.assert_starts("📋 Portfolio documents (11–20 of 24):");
    let third = boris.press("Next ▶️").await;
    third.assert_starts("📋 Portfolio documents (21–24 of 24):");
    assert!(!third.button_labels().contains(&"Next ▶️"));
    assert!(third.button_labels().contains(&"◀️ Back"));
    // A forged page is no button.
    for data in ["fol:r:-1", "fol:r:01", "fol:r:10001"] {
        let answer = boris.press_forged(data).await;
        assert!(answer.answered, "{data}");
        assert_eq!(
            answer.text.as_deref(),
            Some(en("button-outdated").as_str()),
            "{data}"
        );
    }

    boris.press("« Portfolio").await;
    let sent = boris.press("📄 Portfolio (PDF)").await;
    let document = sent.document.as_ref().expect("a PDF is sent");
    assert_eq!(document.file_name.as_deref(), Some("Portfolio.pdf"));
    let text = pdf_text(&app.client.file(&document.file_id).await.unwrap());
    for phrase in [
        "Portfolio for periodic accreditation",
        "Items in order 2 of 6",
        "24 Employer",
        "Missing for filing",
    ] {
        assert!(text.contains(&squashed(phrase)), "no «{phrase}» in {text}");
    }
}

#[medcab_e2e::test]
async fn with_the_session_closed_the_export_waits_for_the_code(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_portfolio(&anna).await;
    let mut conn = app.db.acquire().await.unwrap();
    accounts::close_session(&mut conn, anna.user_id())
        .await
        .unwrap();
    drop(conn);
    let gate = anna.press("📄 Портфолио (PDF)").await;
    assert_eq!(
        gate.html.as_deref(),
        Some(ru("step-up-held-press").as_str())
    );
    assert!(gate.document.is_none(), "nothing before the code");

    let code = app.totp_code(anna.user_id()).await;
    anna.send(&code).await;
    let chat = anna
        .wait_for(|chat| chat.bot_messages().any(|m| m.document.is_some()))
        .await;
    let sent = chat.bot_messages().find(|m| m.document.is_some()).unwrap();
    assert!(sent.protect_content);
    assert_eq!(
        sent.document.as_ref().unwrap().file_name.as_deref(),
        Some("Портфолио.pdf")
    );
}
