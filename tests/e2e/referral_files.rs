//! A referral's file: attached from the new referral's summary card (a
//! renamed executable and a file too big refused, the messages off the
//! chat), sealed, sent with the referral; the receiver (or the
//! organisation's operator) opens it protected, the read recorded, and it
//! leaves the chat with the session; a third person's forged button is
//! refused and recorded; /forget and the retention of closed referrals and
//! of abandoned drafts' files.

use chrono::Duration;
use medcab_core::domain::Ogrn;
use medcab_core::referrals::files;
use medcab_core::referrals::{self, ReferralError, To, Viewer};
use medcab_core::{erasure, operators, security_events};
use medcab_e2e::{Phone, Says, TestApp};
use medcab_sandbox::{ChatMessage, FileKind, UploadFile};

use crate::documents::pdf;
use crate::referrals::{OGRN, anna, outgoing, petr, registered, registry_id};

/// The DOS header every Windows executable starts with.
const EXE: &[u8] = &[
    b'M', b'Z', 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00,
    0xB8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
];

async fn upload(
    app: &TestApp,
    phone: &Phone<'_>,
    name: &str,
    mime: &str,
    bytes: &[u8],
) -> ChatMessage {
    phone
        .reply_to(async {
            app.client
                .upload_file(
                    phone.id(),
                    UploadFile::new(FileKind::Document, name, mime, bytes),
                )
                .await
                .expect("the sandbox takes the file");
        })
        .await
}

/// Anna's new referral to Petr filled in up to its summary card.
async fn to_the_summary(anna: &Phone<'_>) -> ChatMessage {
    anna.send("/menu").await;
    anna.press("📮 Направления").await;
    anna.press("➕ Новое направление").await;
    anna.press("👤 Врачу").await;
    anna.send("Петров").await;
    anna.press("Петров Пётр Иванович — Хирургия, ГКБ № 1").await;
    anna.send("Консультация кардиолога: нарушения ритма").await;
    anna.press("🟢 плановая").await;
    anna.press("консультация").await;
    anna.send("ИБ № 2026/1234").await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_file_is_checked_attached_and_opened_protected_by_the_receiver_alone(db: sqlx::PgPool) {
    // A lowered limit, so "too big" needs no megabytes of test data.
    let app = TestApp::spawn_with(db, |app| app.settings.max_document_bytes = 1024 * 1024).await;
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let olga = registered(
        &app,
        "Ольга",
        "Смирнова Ольга Петровна",
        "Неврология",
        "ГП № 5",
        None,
    )
    .await;

    let summary = to_the_summary(&anna).await;
    summary
        .assert_contains("📎 Файл: не приложен. Можно приложить один — PDF, JPG или PNG до 1 МБ");
    let asked = anna.press("📎 Приложить файл").await;
    asked.assert_contains("Файл к направлению");
    asked.assert_contains("до 1 МБ");

    // An executable called ecg.pdf: refused by its content, the answers kept.
    let exe = upload(&app, &anna, "ecg.pdf", "application/pdf", EXE).await;
    exe.assert_starts("Этот файл не PDF, не JPG и не PNG");
    exe.assert_contains("📎 Файл: не приложен.");
    // Too big: refused before it is downloaded.
    let mut big = pdf("big");
    big.resize(1024 * 1024 + 1, b' ');
    let too_big = upload(&app, &anna, "big.pdf", "application/pdf", &big).await;
    too_big.assert_starts("Файл слишком большой: 1,1 МБ, а можно не больше 1 МБ.");
    // A text is no file: the summary again.
    anna.send("вот файл")
        .await
        .assert_contains("Проверьте и отправьте.");
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 0);

    let scan = pdf("anna's ECG for Petrov");
    let attached = upload(&app, &anna, "ecg.pdf", "application/pdf", &scan).await;
    attached.assert_starts("📎 Файл приложен.");
    attached.assert_contains("📎 Файл: PDF, 1 КБ.");
    assert!(attached.button("✖️ Убрать файл").is_some());
    // Every file sent into the chat left it.
    let chat = anna.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.document.is_some())
            .all(|m| m.deleted),
        "the files are off the chat"
    );
    // Sealed: neither the content nor the name is in the clear.
    let dump = app.dump_database().await;
    assert!(!dump.contains("ECG for Petrov") && !dump.contains("ecg.pdf"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM referral_files WHERE position('%PDF'::bytea in content) > 0"
        )
        .await,
        0
    );
    // Another file replaces it: one file per draft.
    let second = pdf("a second scan");
    upload(&app, &anna, "ecg-2.pdf", "application/pdf", &second)
        .await
        .assert_starts("📎 Файл приложен.");
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 1);

    anna.press("📨 Отправить")
        .await
        .assert_starts("✅ Направление НП-2026-000001 отправлено.");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM referral_files WHERE referral_id IS NOT NULL"
        )
        .await,
        1
    );

    // Petr's push says nothing of the file; his card says what it is.
    let push = petr.wait_for_any_text("📨 Новое направление").await;
    assert!(!push.body().contains("ecg"), "{}", push.body());
    let card = petr.press("Открыть").await;
    card.assert_contains("📎 Файл: PDF, 1 КБ.");
    assert!(
        !card.body().contains("ecg"),
        "the card never names the file"
    );
    let sent = petr.press("📎 Открыть файл").await;
    let document = sent.document.as_ref().expect("the file is sent");
    assert_eq!(document.file_size, second.len() as u64);
    assert_eq!(document.file_name.as_deref(), Some("ecg-2.pdf"));
    assert!(sent.protect_content, "it cannot be forwarded or saved");
    assert_eq!(sent.body(), "Файл к направлению НП-2026-000001");
    assert!(
        security_events::kinds_for(&app.db, petr.user_id())
            .await
            .unwrap()
            .contains(&"referral_file_read".to_owned()),
        "his read of the file is recorded"
    );

    // Olga names the referral's file in a forged button: refused, recorded.
    let id = referrals::list(&app.db, &referrals::Folder::Incoming(petr.user_id()), 0)
        .await
        .unwrap()
        .lines[0]
        .id;
    olga.send("/menu").await;
    olga.press("📮 Направления").await;
    olga.forge_and_expect_refusal(&[format!("ref:fl:{id}")])
        .await;
    assert!(
        !olga
            .chat()
            .await
            .messages
            .iter()
            .any(|m| m.document.is_some()),
        "no file reached her"
    );
    assert!(matches!(
        files::open(
            &app.db,
            &app.vault,
            &Viewer::Practitioner(olga.user_id()),
            id,
            app.clock.now()
        )
        .await,
        Err(ReferralError::NotYours)
    ));

    // Petr's session ends: the file leaves his chat, once.
    app.clock.advance(Duration::minutes(31));
    assert!(app.scheduler_tick().await.cards_closed >= 1);
    petr.wait_for(|chat| chat.message(sent.message_id).is_some_and(|m| m.deleted))
        .await;
    app.finish().await;
}

#[medcab_e2e::test]
async fn a_file_removed_or_gone_before_sending_is_never_sent(app: TestApp) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    to_the_summary(&anna).await;
    upload(&app, &anna, "scan.png", "image/png", &png())
        .await
        .assert_contains("📎 Файл: PNG, 1 КБ.");
    let removed = anna.press("✖️ Убрать файл").await;
    removed.assert_starts("Файл убран из направления.");
    removed.assert_contains("📎 Файл: не приложен.");
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 0);

    // Attached again, then given up elsewhere (another device): the
    // sending stops and says so, and nothing is sent.
    upload(&app, &anna, "scan.pdf", "application/pdf", &pdf("scan"))
        .await
        .assert_starts("📎 Файл приложен.");
    files::discard_draft(&app.db, anna.user_id()).await.unwrap();
    let stopped = anna.press("📨 Отправить").await;
    stopped.assert_starts("⚠️ Приложенный файл больше не хранится, и направление не отправлено.");
    stopped.assert_contains("📎 Файл: не приложен.");
    assert_eq!(count(&app, "SELECT count(*) FROM referrals").await, 0);
    // Sent without it, now.
    anna.press("📨 Отправить")
        .await
        .assert_starts("✅ Направление НП-2026-000001 отправлено.");

    // Core refuses someone else's draft file, and one already sent.
    let petrs = files::attach(
        &app.db,
        &app.vault,
        petr.user_id(),
        &pdf("petr's own"),
        Some("own.pdf"),
        5 * 1024 * 1024,
        app.clock.now(),
    )
    .await
    .unwrap();
    let to_petr = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    let mut stolen = outgoing(to_petr);
    stolen.file = Some(petrs.id);
    assert!(matches!(
        referrals::send(
            &app.db,
            &app.vault,
            anna.user_id(),
            &stolen,
            Duration::days(14),
            app.clock.now(),
            None
        )
        .await,
        Err(ReferralError::FileGone)
    ));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM referral_files WHERE referral_id IS NULL"
        )
        .await,
        1,
        "Petr's file is still his draft's"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM referrals").await, 1);
}

/// The smallest PNG `check_file` recognises: the signature and an IHDR.
fn png() -> Vec<u8> {
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R']);
    png.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
    ]);
    png
}

/// A referral from Anna with a file, through core as the form sends it.
async fn sent_with_file(app: &TestApp, from: &Phone<'_>, to: To, tag: &str) -> referrals::Referral {
    let attached = files::attach(
        &app.db,
        &app.vault,
        from.user_id(),
        &pdf(tag),
        Some("scan.pdf"),
        5 * 1024 * 1024,
        app.clock.now(),
    )
    .await
    .unwrap();
    let mut outgoing = outgoing(to);
    outgoing.file = Some(attached.id);
    referrals::send(
        &app.db,
        &app.vault,
        from.user_id(),
        &outgoing,
        Duration::days(14),
        app.clock.now(),
        None,
    )
    .await
    .expect("the referral is sent")
}

#[medcab_e2e::test]
async fn an_organisations_operator_opens_the_file_and_the_read_is_audited(app: TestApp) {
    let anna = anna(&app).await;
    let _petr = petr(&app).await;
    let olga = app.operator("Ольга").await;
    let unbound = app.operator("Игорь").await;
    referrals::organisations::bind(
        &app.db,
        olga.user_id(),
        &Ogrn::parse(OGRN).unwrap(),
        "test",
        app.clock.now(),
    )
    .await
    .unwrap();
    let to = To::Organisation {
        ogrn: OGRN.to_owned(),
    };
    let referral = sent_with_file(&app, &anna, to, "for the organisation").await;

    olga.wait_for_any_text("📨 Новое направление").await;
    let card = olga.press("Открыть").await;
    card.assert_contains("📎 Файл: PDF, 1 КБ.");
    let sent = olga.press("📎 Открыть файл").await;
    assert!(sent.protect_content);
    assert_eq!(
        sent.document.as_ref().and_then(|d| d.file_name.as_deref()),
        Some("scan.pdf")
    );
    let audited = operators::audit_by_operator(&app.db, olga.user_id())
        .await
        .unwrap();
    assert!(
        audited
            .iter()
            .any(|row| row.details["referral_id"] == referral.id && row.details["file_id"].is_i64()),
        "her read of the file is audited: {audited:?}"
    );
    // An operator of no organisation: refused, recorded.
    unbound
        .send("/referrals")
        .await
        .assert_starts("Вы не привязаны к организации");
    unbound
        .forge_and_expect_refusal(&[format!("oref:fl:{}", referral.id)])
        .await;
}

#[medcab_e2e::test]
async fn forget_takes_a_drafts_file_and_leaves_a_sent_one_with_its_referral(app: TestApp) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let to_petr = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    let referral = sent_with_file(&app, &anna, to_petr, "sent").await;
    // And a file on her next, unsent referral.
    files::attach(
        &app.db,
        &app.vault,
        anna.user_id(),
        &pdf("draft"),
        Some("draft.pdf"),
        5 * 1024 * 1024,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 2);

    erasure::forget(&app.db, &app.vault, anna.user_id(), app.clock.now())
        .await
        .unwrap();
    // The draft's file went with her; the sent one is Petr's to read still.
    let left: Vec<(Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT owner_id, referral_id FROM referral_files")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(left, [(None, Some(referral.id))]);
    let opened = files::open(
        &app.db,
        &app.vault,
        &Viewer::Practitioner(petr.user_id()),
        referral.id,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(opened.content, pdf("sent"));
    let dump = app.dump_database().await;
    let id = anna.id().to_string();
    let naming: Vec<&str> = dump
        .lines()
        .filter(|row| row.contains(&id) && row.contains("referral"))
        .collect();
    assert!(naming.is_empty(), "rows naming her: {naming:#?}");

    // Petr leaves too: nobody can read the referral, and its file goes.
    erasure::forget(&app.db, &app.vault, petr.user_id(), app.clock.now())
        .await
        .unwrap();
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 0);
}

#[medcab_e2e::test]
async fn the_scheduler_deletes_closed_referrals_and_abandoned_files_past_their_period(
    app: TestApp,
) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let to_petr = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    let answered = sent_with_file(&app, &anna, to_petr.clone(), "answered").await;
    let viewer = Viewer::Practitioner(petr.user_id());
    referrals::accept(&app.db, &app.vault, &viewer, answered.id, app.clock.now())
        .await
        .unwrap();
    let waiting = sent_with_file(&app, &anna, to_petr, "waiting").await;
    // Petr's form with a file, never sent.
    files::attach(
        &app.db,
        &app.vault,
        petr.user_id(),
        &pdf("abandoned"),
        Some("a.pdf"),
        5 * 1024 * 1024,
        app.clock.now(),
    )
    .await
    .unwrap();

    // Six days: everything stays.
    app.clock.advance(Duration::days(6));
    app.scheduler_tick().await;
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 3);
    // Eight days: the abandoned file goes; the waiting referral expires.
    app.clock.advance(Duration::days(2));
    app.scheduler_tick().await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM referral_files WHERE referral_id IS NULL"
        )
        .await,
        0
    );
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 2);
    app.clock.advance(Duration::days(7));
    assert_eq!(app.scheduler_tick().await.referrals_expired, 1);

    // Half a year after the answer the accepted one goes with its file and
    // versions; the expired one, closed a week later, a week later.
    app.clock.advance(Duration::days(180 - 15 + 1));
    app.scheduler_tick().await;
    let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM referrals")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(left, [waiting.id]);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM history WHERE entity = 'referral' AND entity_id = {}",
                answered.id
            )
        )
        .await,
        0
    );
    app.clock.advance(Duration::days(15));
    app.scheduler_tick().await;
    assert_eq!(count(&app, "SELECT count(*) FROM referrals").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM referral_files").await, 0);
}
