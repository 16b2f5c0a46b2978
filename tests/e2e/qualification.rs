//! «🎓 НМО и аккредитация» → «📚 Обучение и НМО»: records added question by
//! question (every bad answer told, nothing typed lost, a Redis flush
//! included), the hours counted against hand-computed periods (the
//! register's, a document's starting on a leap day, the assumed last five
//! years), changed, deleted, their history, forged buttons and the step-up.

use medcab_core::documents::{self, DocumentKind, DocumentMeta, Stored};
use medcab_core::history::{self, Action, Actor, Entity};
use medcab_core::qualification::store;
use medcab_core::qualification::{EntryDraft, RecordDraft, RecordKind, validate_entry};
use medcab_core::{UserId, accounts};
use medcab_e2e::{Phone, RegisterEntry, TestApp};
use medcab_sandbox::ChatMessage;

use crate::documents::pdf;
use crate::ru;

const TITLE: &str = "Кардиология: актуальные вопросы";

fn starts(message: &ChatMessage, prefix: &str) {
    assert!(
        message.body().starts_with(prefix),
        "expected {prefix:?}, got {:?}",
        message.body()
    );
}

fn contains(message: &ChatMessage, part: &str) {
    assert!(
        message.body().contains(part),
        "expected {part:?} in {:?}",
        message.body()
    );
}

pub(crate) async fn open_hours(phone: &Phone<'_>) -> ChatMessage {
    phone.send("/menu").await;
    let nmo = phone.press("🎓 НМО и аккредитация").await;
    contains(&nmo, "Всё для периодической аккредитации");
    phone.press("📚 Обучение и НМО").await
}

/// A record stored straight through core, as if entered earlier.
pub(crate) async fn seed(
    app: &TestApp,
    owner: UserId,
    (kind, amount, on): (RecordKind, &str, &str),
    title: &str,
    ikp: Option<&str>,
) -> i64 {
    let draft = EntryDraft {
        title: Some(title.to_owned()),
        provider: Some("РМАНПО".to_owned()),
        record: RecordDraft {
            kind: Some(kind),
            amount: Some(amount.to_owned()),
            completed_on: Some(on.to_owned()),
            ikp: ikp.map(str::to_owned),
        },
    };
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let entry = validate_entry(&draft, today)
        .unwrap_or_else(|problems| panic!("a valid record: {problems:?}"));
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
    .unwrap()
}

#[medcab_e2e::test]
async fn hours_count_in_the_registers_period_and_bad_answers_are_refused(app: TestApp) {
    // The register says valid until 30.06.2029: the period is 30.06.2024 —
    // 30.06.2029, both days included. Today is 25.11.2026.
    let entry = RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1");
    let anna = app.practitioner("Анна", entry).await;
    let empty = open_hours(&anna).await;
    contains(
        &empty,
        "Период: 30.06.2024 — 30.06.2029 (срок аккредитации по данным регистра медицинских работников).",
    );
    contains(
        &empty,
        "Засчитано: 0 академических часов из 144 — осталось 144.",
    );
    contains(
        &empty,
        "Из них по программам повышения квалификации (ПК): 0 из 74 — не хватает 74 часов.",
    );
    contains(&empty, "Записей пока нет");

    starts(
        &anna.press("➕ Добавить запись").await,
        "Какое обучение добавить?",
    );
    starts(&anna.send("ПК").await, "Вид обучения выберите кнопкой.");
    anna.press("ПК — повышение квалификации (часы)").await;
    anna.wait_for_text("Название программы").await;
    starts(
        &anna.send("ОК").await,
        "Название: слишком коротко — нужно хотя бы 3 символа.",
    );
    starts(&anna.send(TITLE).await, "Кто проводил обучение");
    starts(&anna.send("РМАНПО").await, "Дата окончания в виде");
    starts(
        &anna.send("01.03.2027").await,
        "Дата окончания: дата не может быть в будущем.",
    );
    starts(
        &anna.send("31.02.2025").await,
        "Дата окончания: такой даты нет",
    );
    // The day before the period: accepted, and marked.
    starts(
        &anna.send("29.06.2024").await,
        "Сколько академических часов в удостоверении?",
    );
    starts(
        &anna.send("-36").await,
        "Объём: нужно положительное число — отрицательных и нулевых часов не бывает.",
    );
    starts(
        &anna.send("1440").await,
        "Объём: больше 1000 часов за одну программу не бывает",
    );
    starts(&anna.send("36 часов").await, "Объём: нужно целое число");
    let card = anna.send("36").await;
    starts(&card, "Проверьте данные");
    contains(&card, "Вид: программа повышения квалификации (ПК)");
    contains(&card, &format!("Название: {TITLE}"));
    contains(&card, "Организатор: РМАНПО");
    contains(&card, "Дата окончания: 29.06.2024");
    contains(&card, "Объём: 36 часов");
    contains(
        &card,
        "⚠️ Дата окончания вне периода (30.06.2024 — 30.06.2029)",
    );
    assert!(
        store::list(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .is_empty(),
        "nothing is stored before «Сохранить»"
    );
    let saved = anna.press("✅ Сохранить").await;
    starts(&saved, "✅ Сохранено.");
    contains(
        &saved,
        &format!("1. {TITLE} — ПК, 36 часов, 29.06.2024; РМАНПО — не входит в период"),
    );
    contains(&saved, "Засчитано: 0 академических часов из 144");
    contains(&saved, "Не входят в период: 1 запись");

    // By hand: ПК 38 h on the period's first day, a module of 3 ЗЕТ, an
    // event of 6 ЗЕТ — 38 + 9 = 47 of 144; ПК 38 of 74. The portal's plan
    // by today: 250 × 879 days elapsed / 1827 days of the period = 120.
    let owner = anna.user_id();
    let on = |kind, amount, on| (kind, amount, on);
    seed(
        &app,
        owner,
        on(RecordKind::Programme, "38", "30.06.2024"),
        "Терапия",
        None,
    )
    .await;
    seed(
        &app,
        owner,
        on(RecordKind::Module, "3", "01.03.2025"),
        "Анемии",
        None,
    )
    .await;
    let event = on(RecordKind::Event, "6", "15.10.2026");
    seed(&app, owner, event, "Съезд терапевтов", Some("NMO-1")).await;
    for day in ["01.04.2025", "01.05.2025"] {
        seed(
            &app,
            owner,
            on(RecordKind::Module, "1", day),
            "Модуль",
            None,
        )
        .await;
    }
    let counted = open_hours(&anna).await;
    contains(
        &counted,
        "Засчитано: 49 академических часов из 144 — осталось 95.",
    );
    contains(
        &counted,
        "Из них по программам повышения квалификации (ПК): 38 из 74 — не хватает 36 часов.",
    );
    contains(&counted, "Модули и мероприятия НМО: 11 ЗЕТ");
    contains(
        &counted,
        "Ориентир портала НМО — не требование закона: 49 из 250 ЗЕТ за цикл, по плану к сегодняшнему дню — 120.",
    );
    // Newest first, five to a page.
    contains(&counted, "Записи (1–5 из 6):");
    contains(
        &counted,
        "1. Съезд терапевтов — мероприятие, 6 ЗЕТ, 15.10.2026; РМАНПО",
    );
    let second = anna.press("Дальше ▶️").await;
    contains(&second, "Записи (6–6 из 6):");
    contains(&second, "6. Кардиология");
    assert!(second.button_labels().contains(&"◀️ Назад"));
}

#[medcab_e2e::test]
async fn without_an_accreditation_five_years_are_assumed_until_a_document_from_a_leap_day(
    app: TestApp,
) {
    let anna = app.active_user("Анна", "ru").await;
    let assumed = open_hours(&anna).await;
    contains(
        &assumed,
        "Срок аккредитации неизвестен, поэтому часы считаются за последние пять лет: 25.11.2021 — 25.11.2026.",
    );
    contains(
        &assumed,
        "добавьте в «📄 Документы» выписку об аккредитации",
    );

    // An extract of an accreditation of 29.02.2024: valid until 28.02.2029
    // (ГК РФ ст. 192), and the period starts on the 29th itself.
    let meta = DocumentMeta {
        kind: DocumentKind::Accreditation,
        number: Some("7724 031234567".to_owned()),
        issued_on: chrono::NaiveDate::from_ymd_opt(2024, 2, 29),
        valid_until: chrono::NaiveDate::from_ymd_opt(2029, 2, 28),
        issuer: None,
    };
    let stored = documents::store(
        &app.db,
        &app.vault,
        anna.user_id(),
        &meta,
        &pdf("выписка"),
        Some("extract.pdf"),
        app.clock.now(),
        documents::DEFAULT_MAX_BYTES,
    )
    .await
    .unwrap();
    assert!(matches!(stored, Stored::New(_)));
    let owner = anna.user_id();
    // The day before: the previous period's. The leap day and after count:
    // 74 + 70 = 144, of them ПК 74 — both met.
    seed(
        &app,
        owner,
        (RecordKind::Programme, "74", "28.02.2024"),
        "Раньше",
        None,
    )
    .await;
    seed(
        &app,
        owner,
        (RecordKind::Programme, "74", "29.02.2024"),
        "Терапия",
        None,
    )
    .await;
    for (day, title) in [("01.03.2024", "Модуль А"), ("02.03.2024", "Модуль Б")] {
        seed(&app, owner, (RecordKind::Module, "35", day), title, None).await;
    }
    let known = open_hours(&anna).await;
    contains(
        &known,
        "Период: 29.02.2024 — 28.02.2029 (по выписке об аккредитации из «Документов»).",
    );
    contains(
        &known,
        "Засчитано: 144 академических часа из 144 — норма выполнена ✅.",
    );
    contains(
        &known,
        "Из них по программам повышения квалификации (ПК): 74 из 74 ✅.",
    );
    // 250 × 1001 days elapsed / 1827 = 136.
    contains(&known, "по плану к сегодняшнему дню — 136.");
    contains(&known, "Не входят в период: 1 запись");
    contains(
        &known,
        "Раньше — ПК, 74 часа, 28.02.2024; РМАНПО — не входит в период",
    );
}

#[medcab_e2e::test]
async fn a_record_is_changed_deleted_kept_in_history_and_guarded(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let boris = app.active_user("Борис", "ru").await;
    let programme = (RecordKind::Programme, "36", "01.03.2025");
    let id = seed(&app, anna.user_id(), programme, TITLE, None).await;
    let borises = seed(&app, boris.user_id(), programme, "Чужая запись", None).await;

    open_hours(&anna).await;
    let which = anna.press("✏️ 1").await;
    starts(&which, &format!("Что изменить в записи «{TITLE}»?"));
    // A programme's kind is not changed, and it has no ИКП.
    assert_eq!(
        which.button_labels(),
        [
            "Название",
            "Организатор",
            "Дата окончания",
            "Объём",
            "📎 Удостоверение",
            "« К обучению"
        ]
    );
    starts(
        &anna.press("Объём").await,
        "Сколько академических часов в удостоверении?",
    );
    starts(&anna.send("0").await, "Объём: нужно положительное число");
    let saved = anna.send("48").await;
    starts(&saved, "✅ Сохранено.");
    contains(&saved, "48 часов");
    let stored = store::get(&app.db, &app.vault, anna.user_id(), id)
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(stored.entry.amount(), 48);

    let versions = anna.press("🕘 1").await;
    contains(&versions, "запись добавлена");
    contains(&versions, "запись изменена");
    anna.press("« К обучению").await;

    starts(
        &anna.press("🗑 1").await,
        &format!("Удалить запись «{TITLE}»? В истории изменений она останется."),
    );
    let deleted = anna.press("🗑 Да, удалить").await;
    starts(&deleted, "🗑 Запись удалена.");
    contains(&deleted, "Записей пока нет");
    let actions: Vec<Action> = history::versions(
        &app.db,
        &app.vault,
        anna.user_id(),
        Entity::Qualification,
        id,
    )
    .await
    .unwrap()
    .iter()
    .map(|version| version.action)
    .collect();
    assert_eq!(actions, [Action::Created, Action::Updated, Action::Deleted]);

    // Борис's record, named in forged buttons: refused and recorded.
    anna.forge_and_expect_refusal(&[
        format!("hr:e:{borises}"),
        format!("hr:f:{borises}:am"),
        format!("hr:d:{borises}"),
        format!("hr:rm:{borises}"),
        format!("hr:h:{borises}"),
    ])
    .await;
    assert!(
        store::get(&app.db, &app.vault, boris.user_id(), borises)
            .await
            .unwrap()
            .is_some()
    );

    // Personal data: with the session closed the section asks for the code.
    let mut conn = app.db.acquire().await.unwrap();
    accounts::close_session(&mut conn, anna.user_id())
        .await
        .unwrap();
    anna.send("/menu").await;
    let gate = anna.press("🎓 НМО и аккредитация").await;
    assert_eq!(gate.html.as_deref(), Some(ru("step-up-ask").as_str()));
}

#[medcab_e2e::test]
async fn an_event_with_its_code_survives_a_redis_flush(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    open_hours(&anna).await;
    anna.press("➕ Добавить запись").await;
    anna.press("Мероприятие — конференция, семинар (ЗЕТ)").await;
    anna.wait_for_text("Название программы").await;
    anna.send("Съезд терапевтов").await;
    anna.send("Российское научное медицинское общество терапевтов")
        .await;
    starts(&anna.send("15.10.2026").await, "Сколько ЗЕТ начислено?");
    starts(
        &anna.send("60").await,
        "Объём: больше 50 ЗЕТ за одну запись не бывает",
    );
    starts(
        &anna.send("6").await,
        "Индивидуальный код подтверждения (ИКП)",
    );
    // The position is lost; the answers are in PostgreSQL, and the next
    // message is taken as the answer to the open question.
    app.flush_redis().await;
    let card = anna.send("NMO-2026-AB12").await;
    starts(&card, "Проверьте данные");
    contains(&card, "Вид: образовательное мероприятие");
    contains(&card, "Объём: 6 ЗЕТ");
    contains(&card, "ИКП: NMO-2026-AB12");
    // No accreditation known: the five years up to today, and 15.10.2026
    // is inside them.
    assert!(!card.body().contains("вне периода"), "{}", card.body());
    let saved = anna.press("✅ Сохранить").await;
    starts(&saved, "✅ Сохранено.");
    contains(&saved, "Модули и мероприятия НМО: 6 ЗЕТ");
    let records = store::list(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].entry.ikp(), Some("NMO-2026-AB12"));
    assert_eq!(records[0].entry.kind(), RecordKind::Event);
}

/// «📈 График»: the progress as a PNG a phone shows full width, protected,
/// and gone from the chat with the session.
#[medcab_e2e::test]
async fn the_chart_is_a_protected_picture_a_phone_shows_full_width(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let programme = (RecordKind::Programme, "36", "01.03.2025");
    seed(&app, anna.user_id(), programme, TITLE, None).await;
    open_hours(&anna).await;

    let chart = anna.press("📈 График").await;
    let photo = chart.photo.as_ref().expect("a picture is sent");
    assert!(chart.protect_content, "the chart cannot be forwarded");
    assert_eq!(chart.body(), "📈 Прогресс к периодической аккредитации");
    let png = app.client.file(&photo.file_id).await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    // IHDR: width and height, big-endian, right after the signature.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(width, 1080);
    assert!((300..=2000).contains(&height), "{height}");
    assert!(png.len() > 10_000, "not blank: {} bytes", png.len());

    app.clock.advance(chrono::Duration::minutes(31));
    app.scheduler_tick().await;
    anna.wait_for(|chat| chat.message(chart.message_id).is_some_and(|m| m.deleted))
        .await;
}

/// The PDF's text with what extraction adds or splits (spaces, line
/// breaks, hyphens of hyphenation) taken out, for comparing phrases.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    pdf_extract::extract_text_from_mem(bytes)
        .expect("the PDF opens")
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{AD}'))
        .collect()
}

fn squashed(phrase: &str) -> String {
    phrase
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{AD}'))
        .collect()
}

/// «📄 Отчёт об обучении (PDF)» for a calendar year: that year's records
/// with their hours and core's totals; the name inside the file only.
#[medcab_e2e::test]
async fn a_years_report_lists_its_records_and_totals_in_a_pdf(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let owner = anna.user_id();
    seed(
        &app,
        owner,
        (RecordKind::Programme, "36", "01.03.2025"),
        "Прошлогодняя программа",
        None,
    )
    .await;
    seed(
        &app,
        owner,
        (RecordKind::Programme, "18", "01.01.2026"),
        "Неотложная помощь",
        None,
    )
    .await;
    seed(
        &app,
        owner,
        (RecordKind::Module, "2", "15.06.2026"),
        "Модуль по ЭКГ",
        None,
    )
    .await;
    seed(
        &app,
        owner,
        (RecordKind::Event, "3", "20.10.2026"),
        "Съезд #терапевтов [2026]",
        Some("ИКП-77"),
    )
    .await;
    open_hours(&anna).await;

    let choose = anna.press("📄 Отчёт об обучении (PDF)").await;
    assert!(choose.button("За 2026 год").is_some(), "{choose:?}");
    assert!(choose.button("За 2025 год").is_some(), "{choose:?}");
    assert!(choose.button("За период аккредитации").is_some());

    let sent = anna.press("За 2026 год").await;
    let document = sent.document.as_ref().expect("a PDF is sent");
    assert_eq!(
        document.file_name.as_deref(),
        Some("Отчёт об обучении за 2026 год.pdf"),
        "the file name says what, not whose"
    );
    assert!(
        !sent.protect_content,
        "made to be forwarded to the employer"
    );
    assert_eq!(
        sent.body(),
        "📄 Отчёт об обучении за 01.01.2026 — 31.12.2026"
    );
    let text = pdf_text(&app.client.file(&document.file_id).await.unwrap());
    for phrase in [
        "Отчёт об обучении за период",
        "01.01.2026 — 31.12.2026",
        "Неотложная помощь",
        "Модуль по ЭКГ",
        // Typst markup in a title comes out as typed.
        "Съезд #терапевтов [2026]",
        "ИКП-77",
        "18 часов",
        // 18 + 2 + 3, of them 18 ПК hours and 5 ЗЕТ.
        "Всего, академических часов (ПК и ЗЕТ)23",
        "Из них по программам повышения квалификации, часов18",
        "Из них ЗЕТ модулей и мероприятий НМО5",
    ] {
        assert!(text.contains(&squashed(phrase)), "no «{phrase}» in {text}");
    }
    assert!(
        !text.contains(&squashed("Прошлогодняя программа")),
        "{text}"
    );
}

/// A practitioner at the most records kept is told so at «Сохранить»; the
/// answers stay in the draft and are saved once an old record goes.
#[medcab_e2e::test]
async fn past_the_most_records_kept_the_answers_wait_in_the_draft(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let owner = anna.user_id();
    let mut first = None;
    for n in 0..store::MAX_RECORDS {
        let id = seed(
            &app,
            owner,
            (RecordKind::Module, "1", "01.03.2025"),
            &format!("Модуль {n}"),
            None,
        )
        .await;
        first.get_or_insert(id);
    }
    open_hours(&anna).await;
    anna.press("➕ Добавить запись").await;
    anna.press("ПК — повышение квалификации (часы)").await;
    anna.wait_for_text("Название программы").await;
    anna.send(TITLE).await;
    anna.send("РМАНПО").await;
    anna.send("01.03.2025").await;
    starts(&anna.send("36").await, "Проверьте данные");
    let full = anna.press("✅ Сохранить").await;
    starts(
        &full,
        "Записей об обучении уже 300 — это предел. Удалите устаревшие",
    );
    let records = store::list(&app.db, &app.vault, owner).await.unwrap();
    assert_eq!(records.len(), store::MAX_RECORDS, "nothing stored past it");

    let first = first.expect("seeded");
    assert!(
        store::delete(
            &app.db,
            &app.vault,
            owner,
            first,
            Actor::Practitioner(owner),
            app.clock.now()
        )
        .await
        .unwrap()
    );
    let card = anna.press("▶️ Продолжить заполнение").await;
    starts(&card, "Проверьте данные");
    contains(&card, &format!("Название: {TITLE}"));
    starts(&anna.press("✅ Сохранить").await, "✅ Сохранено.");
    let records = store::list(&app.db, &app.vault, owner).await.unwrap();
    assert!(records.iter().any(|record| record.entry.title() == TITLE));
}
