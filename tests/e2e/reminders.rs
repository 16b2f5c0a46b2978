//! Reminders reach the practitioner's phone on the right days: 90, 30 and
//! 7 days before a document runs out, twelve months before the
//! accreditation does (its other thresholds are in `accreditation.rs`), and
//! 7 days and 1 day before an inspection. The bot's clock
//! is moved day by day and the scheduler ticks as it would in production.

use chrono::{Days, NaiveDate};
use medcab_core::UserId;
use medcab_core::clock::moscow_today;
use medcab_core::documents::{self, DocumentKind, DocumentMeta};
use medcab_core::inspections::{self, InspectionDraft, InspectionKind};
use medcab_core::notification_settings;
use medcab_e2e::{Phone, RegisterEntry, TestApp};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// A practitioner without an accreditation date in the register, so only
/// the document under test is reminded.
fn unaccredited<'a>() -> RegisterEntry<'a> {
    RegisterEntry {
        accreditation_valid_until: None,
        ..RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1")
    }
}

async fn licence(app: &TestApp, owner: UserId, valid_until: NaiveDate) {
    let meta = DocumentMeta {
        kind: DocumentKind::Licence,
        number: Some("Л041-01137-77/00368652".into()),
        issued_on: NaiveDate::from_ymd_opt(2021, 3, 1),
        valid_until: Some(valid_until),
        issuer: Some("Росздравнадзор".into()),
    };
    documents::store(
        &app.db,
        &app.vault,
        owner,
        &meta,
        PDF,
        Some("licence.pdf"),
        app.clock.now(),
        5 << 20,
    )
    .await
    .expect("the licence is stored");
}

fn today(app: &TestApp) -> NaiveDate {
    moscow_today(app.clock.now())
}

/// Moves the bot's clock a number of days on and runs the scheduler.
async fn days_pass(app: &TestApp, days: i64) {
    app.clock.advance(chrono::Duration::days(days));
    app.scheduler_tick().await;
}

/// The bot's messages in the chat containing `text`, once every queued
/// push has gone.
async fn pushes(app: &TestApp, phone: &Phone<'_>, text: &str) -> Vec<String> {
    app.wait_for_deliveries(phone.id()).await;
    phone
        .chat()
        .await
        .bot_messages()
        .filter(|m| m.body().contains(text))
        .map(|m| m.body().to_owned())
        .collect()
}

#[medcab_e2e::test]
async fn a_document_is_reminded_90_30_and_7_days_before_it_runs_out(app: TestApp) {
    let anna = app.practitioner("Анна", unaccredited()).await;
    let runs_out = today(&app) + Days::new(95);
    licence(&app, anna.user_id(), runs_out).await;
    const LICENCE: &str = "Срок действия документа «Лицензия»";

    app.scheduler_tick().await;
    assert!(
        pushes(&app, &anna, LICENCE).await.is_empty(),
        "95 days: too early"
    );

    days_pass(&app, 4).await; // 91 days left
    assert!(
        pushes(&app, &anna, LICENCE).await.is_empty(),
        "91 days: too early"
    );

    days_pass(&app, 1).await; // 90
    let sent = pushes(&app, &anna, LICENCE).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("через 90 дней"), "{}", sent[0]);
    assert!(
        sent[0].contains(&runs_out.format("%d.%m.%Y").to_string()),
        "{}",
        sent[0]
    );
    assert!(
        !sent[0].contains("Л041"),
        "no number in a push: {}",
        sent[0]
    );

    // The same day again, and the days after: nothing new.
    app.scheduler_tick().await;
    days_pass(&app, 1).await; // 89
    days_pass(&app, 58).await; // 31
    assert_eq!(pushes(&app, &anna, LICENCE).await.len(), 1);

    days_pass(&app, 1).await; // 30
    let sent = pushes(&app, &anna, LICENCE).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[1].contains("через 30 дней"), "{}", sent[1]);

    // The server was down on the 7th day before: caught up on the 5th,
    // once, with the days as they are.
    days_pass(&app, 25).await; // 5
    let sent = pushes(&app, &anna, LICENCE).await;
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[2].contains("через 5 дней"), "{}", sent[2]);
    days_pass(&app, 1).await;
    assert_eq!(pushes(&app, &anna, LICENCE).await.len(), 3);
}

#[medcab_e2e::test]
async fn reminders_switched_off_in_settings_do_not_come(app: TestApp) {
    let anna = app.practitioner("Анна", unaccredited()).await;
    let boris = app.practitioner("Борис", unaccredited()).await;
    let runs_out = today(&app) + Days::new(30);
    licence(&app, anna.user_id(), runs_out).await;
    licence(&app, boris.user_id(), runs_out).await;
    let mut settings = notification_settings::get(&app.db, boris.user_id())
        .await
        .unwrap();
    settings.reminders = false;
    notification_settings::save(&app.db, boris.user_id(), &settings, app.clock.now())
        .await
        .unwrap();

    app.scheduler_tick().await;
    assert_eq!(pushes(&app, &anna, "«Лицензия»").await.len(), 1);
    assert!(pushes(&app, &boris, "«Лицензия»").await.is_empty());
}

#[medcab_e2e::test]
async fn the_accreditation_reminds_first_twelve_months_before(app: TestApp) {
    let ends = today(&app)
        .checked_add_months(chrono::Months::new(12))
        .unwrap()
        + Days::new(2);
    let anna = app
        .practitioner(
            "Анна",
            RegisterEntry {
                accreditation_valid_until: Some(ends),
                ..RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1")
            },
        )
        .await;
    const WINDOW: &str = "Аккредитация: пора готовить портфолио";

    app.scheduler_tick().await;
    assert!(
        pushes(&app, &anna, WINDOW).await.is_empty(),
        "12 months and 2 days"
    );
    days_pass(&app, 2).await;
    let sent = pushes(&app, &anna, WINDOW).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains(&ends.format("%d.%m.%Y").to_string()),
        "{}",
        sent[0]
    );
    assert!(
        sent[0].contains("Начните собирать портфолио"),
        "{}",
        sent[0]
    );
    days_pass(&app, 1).await;
    assert_eq!(pushes(&app, &anna, WINDOW).await.len(), 1);
}

#[medcab_e2e::test]
async fn an_inspection_is_announced_then_reminded_7_days_and_1_day_before(app: TestApp) {
    let anna = app.practitioner("Анна", unaccredited()).await;
    let vera = app
        .practitioner(
            "Вера",
            RegisterEntry {
                accreditation_valid_until: None,
                ..RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 2")
            },
        )
        .await;
    let date = today(&app) + Days::new(10);
    let draft = InspectionDraft::parse(
        Some("ГБУЗ ГП № 1"),
        None,
        date,
        InspectionKind::PlannedOnsite,
        "Журналы учёта лекарственных препаратов",
        today(&app),
    )
    .unwrap();
    inspections::schedule(&app.db, &draft, inspections::Source::Cli, app.clock.now())
        .await
        .unwrap();
    app.wake_delivery();
    const PREPARE: &str = "Журналы учёта лекарственных препаратов";

    assert_eq!(
        pushes(&app, &anna, PREPARE).await.len(),
        1,
        "the announcement"
    );
    days_pass(&app, 2).await; // 8 days before
    assert_eq!(pushes(&app, &anna, PREPARE).await.len(), 1);
    days_pass(&app, 1).await; // 7
    let sent = pushes(&app, &anna, PREPARE).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[1].contains("через 7 дней"), "{}", sent[1]);
    days_pass(&app, 5).await; // 2
    assert_eq!(pushes(&app, &anna, PREPARE).await.len(), 2);
    days_pass(&app, 1).await; // 1
    let sent = pushes(&app, &anna, PREPARE).await;
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[2].contains("завтра"), "{}", sent[2]);
    days_pass(&app, 2).await; // the day after: nothing more
    assert_eq!(pushes(&app, &anna, PREPARE).await.len(), 3);

    // Another organisation heard nothing of it.
    assert!(pushes(&app, &vera, PREPARE).await.is_empty());
}

#[medcab_e2e::test]
async fn a_reminder_held_for_the_night_is_dropped_when_the_user_forgets(app: TestApp) {
    let anna = app.practitioner("Анна", unaccredited()).await;
    licence(&app, anna.user_id(), today(&app) + Days::new(30)).await;
    // 23:00 in Moscow: the reminder is written, and held until 08:00.
    app.clock.advance(chrono::Duration::hours(11));
    app.scheduler_tick().await;
    let rows = medcab_core::outbox::for_chat(&app.db, anna.id())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(!rows[0].sent);

    anna.send("/forget").await;
    let code = app.totp_code(anna.user_id()).await;
    let erased = anna.send(&code).await;
    assert_eq!(
        erased.html.as_deref(),
        Some(crate::ru("forget-done").as_str())
    );

    // The morning comes; nothing goes to someone who withdrew consent.
    app.clock.advance(chrono::Duration::hours(10));
    app.wake_delivery();
    assert!(
        medcab_core::outbox::for_chat(&app.db, anna.id())
            .await
            .unwrap()
            .is_empty()
    );
    app.deliver_pending().await;
    assert!(pushes(&app, &anna, "«Лицензия»").await.is_empty());
}
