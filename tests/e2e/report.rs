//! «📝 Отчёт о деятельности»: the report written part by part (a
//! patient's СНИЛС, policy or diagnosis code refused and deleted, too long
//! and empty refused, nothing already answered lost, a Redis flush
//! included), the PDF draft opened and read in both modes (the mode being
//! the accreditation screen's one fact), reading in pages, sending for
//! review and the operator's card with the report's PDF.

use medcab_core::activity_report;
use medcab_core::qualification::ReportAgreement;
use medcab_core::qualification::report::{Answer, PartState, ReportPart};
use medcab_e2e::{Phone, RegisterEntry, Says, TestApp};

/// The PDF's text with spaces, line breaks and hyphens taken out.
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

async fn anna(app: &TestApp) -> Phone<'_> {
    app.practitioner(
        "Анна",
        RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1"),
    )
    .await
}

async fn open_report<'a>(phone: &Phone<'a>) -> medcab_sandbox::ChatMessage {
    phone.send("/menu").await;
    phone.press("🎓 НМО и аккредитация").await;
    phone.press("📝 Отчёт о деятельности").await
}

/// Every part answered through core (mentoring skipped), as if typed earlier.
async fn seed(app: &TestApp, phone: &Phone<'_>, results: &str) {
    for part in ReportPart::ALL {
        let state = match part {
            ReportPart::Mentoring => PartState::Skipped,
            ReportPart::Results => PartState::Answered(Answer::parse(results).unwrap()),
            _ => PartState::Answered(
                Answer::parse(&format!("Ответ раздела {} #[markup]", part.number())).unwrap(),
            ),
        };
        activity_report::save(
            &app.db,
            &app.vault,
            phone.user_id(),
            part,
            &state,
            app.clock.now(),
        )
        .await
        .unwrap();
    }
}

#[medcab_e2e::test]
async fn the_report_is_written_part_by_part_and_patient_data_is_refused(app: TestApp) {
    let anna = anna(&app).await;
    let intro = open_report(&anna).await;
    intro.assert_contains("Отчёт о профессиональной деятельности");
    intro.assert_contains("В отчёте не должно быть данных пациентов");
    let first = anna.press("▶️ Начать").await;
    first.assert_starts("Раздел 1 из 7. Организация и подразделение");
    first.assert_contains("До 3000 символов");
    assert!(first.button("⏭ Пропустить").is_none(), "a required part");

    anna.send("ГБУЗ «Городская поликлиника № 1», терапевтическое отделение")
        .await
        .assert_contains("Раздел 2 из 7. Стаж работы по специальности");

    // Bad answers: each refused, the question asked again.
    let snils = anna.send("Веду пациента 112-233-445 95 третий год").await;
    snils.assert_starts("⚠️ Похоже, в ответе СНИЛС пациента: «•••-•••-••• 95»");
    snils.assert_contains("Сообщение удалено из чата. Уже заполненные разделы сохранены.");
    snils.assert_contains("Раздел 2 из 7");
    let policy = anna.send("Полис пациента 1234 5678 9012 3456").await;
    policy.assert_starts("⚠️ Похоже, в ответе номер полиса ОМС пациента");
    let code = anna
        .send("Пациентка с диагнозом J45.0 под наблюдением")
        .await;
    code.assert_starts("⚠️ Похоже, в ответе код диагноза по МКБ-10 пациента: «J45.0»");
    let cyrillic = anna.send("Веду больных С50 и Е11.9").await;
    cyrillic.assert_contains("код диагноза по МКБ-10 пациента: «С50»");
    // The patients' data left the chat.
    let chat = anna.chat().await;
    for typed in [
        "Веду пациента",
        "Полис пациента",
        "Пациентка с диагнозом",
        "Веду больных",
    ] {
        assert!(
            !chat
                .messages
                .iter()
                .any(|m| !m.deleted && m.body().contains(typed)),
            "{typed} still in the chat"
        );
    }
    // A blank text never reaches the bot (Telegram, and the sandbox,
    // refuse it); a photo instead of text is asked again as text, and an
    // answer of spaces is core's `Empty` (unit tests).
    let long = anna.send(&"Работа. ".repeat(400)).await;
    long.assert_starts("Слишком длинно: 3199 символов, а можно до 3000 символов.");

    // Years, hours and phones are no patient data.
    anna.send("Стаж 12 лет, с 2014 года; 144 часа обучения; тел. 8 (495) 123-45-67")
        .await
        .assert_contains("Раздел 3 из 7. Должностные обязанности");

    // Redis forgets the position: the next message still answers part 3.
    app.flush_redis().await;
    anna.send("Приём взрослого населения участка, диспансерное наблюдение")
        .await
        .assert_contains("Раздел 4 из 7");
    anna.send("Принято 24 000 пациентов, охват диспансеризацией вырос до 68 %")
        .await
        .assert_contains("Раздел 5 из 7");
    let mentoring = anna.send("Школа для пациентов с сахарным диабетом").await;
    mentoring.assert_contains("Раздел 6 из 7. Наставничество");
    let proposals = anna.press("⏭ Пропустить").await;
    proposals.assert_contains("Раздел 7 из 7");
    let card = anna.send("Электронная запись на диспансерные приёмы").await;
    card.assert_contains("✅ Все разделы заполнены");
    card.assert_contains("6. Наставничество — ⏭ пропущен");
    card.assert_contains("Согласование: отчёт подают без согласования");
    assert!(card.button("📨 Отправить на проверку").is_some());

    let answers = activity_report::answers(&app.db, &app.vault, anna.user_id())
        .await
        .unwrap();
    assert!(answers.finished());
    assert_eq!(
        answers.answer(ReportPart::Duties),
        Some("Приём взрослого населения участка, диспансерное наблюдение")
    );
    assert!(
        answers
            .answer(ReportPart::Experience)
            .unwrap()
            .starts_with("Стаж 12 лет")
    );

    // Editing from the card: one part, then back to the card.
    anna.press("✏️ 4")
        .await
        .assert_contains("Сейчас в разделе: «Принято 24 000");
    anna.send("Принято 25 000 пациентов")
        .await
        .assert_contains("✅ Сохранено.");
    assert_eq!(
        activity_report::answers(&app.db, &app.vault, anna.user_id())
            .await
            .unwrap()
            .answer(ReportPart::Results),
        Some("Принято 25 000 пациентов")
    );

    // With the session closed, the report's buttons ask for the code.
    let mut conn = app.db.acquire().await.unwrap();
    medcab_core::accounts::close_session(&mut conn, anna.user_id())
        .await
        .unwrap();
    let gate = anna.press("👁 Прочитать отчёт").await;
    assert_eq!(
        gate.html.as_deref(),
        Some(crate::ru("step-up-held-press").as_str())
    );
}

#[medcab_e2e::test]
async fn the_pdf_draft_has_the_details_the_parts_and_the_agreement_block(app: TestApp) {
    let anna = anna(&app).await;
    let long = "Принято пациентов за год: около пяти тысяч. ".repeat(60);
    seed(&app, &anna, &long).await;
    let card = open_report(&anna).await;
    card.assert_contains("✅ Все разделы заполнены");

    // Reading: a long part in pages, then on to the next part.
    let first = anna.press("👁 Прочитать отчёт").await;
    first.assert_starts("1. Организация и подразделение");
    anna.press("Дальше ▶️").await;
    anna.press("Дальше ▶️").await;
    let page = anna.press("Дальше ▶️").await;
    page.assert_starts("4. Результаты профессиональной деятельности (стр. 1 из 2)");
    let second = anna.press("Дальше ▶️").await;
    second.assert_starts("4. Результаты профессиональной деятельности (стр. 2 из 2)");
    anna.press("Дальше ▶️")
        .await
        .assert_starts("5. Индивидуальные достижения");
    anna.press("« К отчёту").await;

    // To be agreed with the employer: the one fact the accreditation screen shows.
    let agreed = anna.press("Согласование с работодателем: нет").await;
    agreed.assert_contains("в PDF пустой блок «СОГЛАСОВАНО»");
    assert_eq!(
        medcab_core::accreditation::report_agreement(&app.db, anna.user_id())
            .await
            .unwrap(),
        ReportAgreement::Agreed
    );
    anna.send("/accreditation")
        .await
        .assert_contains("согласован с работодателем: документы подают за два месяца");

    open_report(&anna).await;
    let sent = anna.press("📄 Черновик в PDF").await;
    let document = sent.document.as_ref().expect("a PDF is sent");
    assert_eq!(
        document.file_name.as_deref(),
        Some("Отчёт о профессиональной деятельности (черновик).pdf")
    );
    let text = pdf_text(&app.client.file(&document.file_id).await.unwrap());
    for phrase in [
        "Черновик",
        "Отчёт о профессиональной деятельности",
        "ФИО Иванова Анна Сергеевна",
        "Специальность Терапия",
        "Должность Врач",
        "Организация ГБУЗ ГП № 1",
        "Отчётный период",
        "Отчёт не содержит персональных данных пациентов.",
        "1. Организация и подразделение Ответ раздела 1 #[markup]",
        "6. Наставничество Раздел не заполнялся.",
        "7. Предложения по совершенствованию деятельности Ответ раздела 7",
        "СОГЛАСОВАНО должность ФИО подпись дата М.П.",
    ] {
        assert!(text.contains(&squashed(phrase)), "no «{phrase}» in {text}");
    }
    assert_eq!(
        text.matches(&squashed("Принято пациентов за год: около пяти тысяч."))
            .count(),
        60
    );

    // Without the employer: the note, and no block.
    open_report(&anna).await;
    anna.press("Согласование с работодателем: да").await;
    let sent = anna.press("📄 Черновик в PDF").await;
    let document = sent.document.as_ref().expect("a PDF is sent");
    let text = pdf_text(&app.client.file(&document.file_id).await.unwrap());
    assert!(text.contains(&squashed(
        "Отчёт представляется без согласования с руководителем организации."
    )));
    assert!(!text.contains("СОГЛАСОВАНО"), "{text}");
}

#[medcab_e2e::test]
async fn a_sent_report_is_checked_by_an_operator_from_its_card(app: TestApp) {
    let anna = anna(&app).await;
    seed(&app, &anna, "Принято 24 000 пациентов").await;
    open_report(&anna).await;
    anna.press("📨 Отправить на проверку")
        .await
        .assert_contains("Отправить отчёт на проверку оператору?");
    // The card is edited, and the push «подана» may come first or after.
    anna.press("📨 Да, отправить").await;
    let is_card = |m: &medcab_sandbox::ChatMessage| m.body().starts_with("📨 Отчёт отправлен");
    let chat = anna.wait_for(|chat| chat.bot_messages().any(is_card)).await;
    let sent = chat.bot_messages().find(|m| is_card(m)).unwrap().clone();
    sent.assert_starts("📨 Отчёт отправлен на проверку: заявка О-2026-");
    sent.assert_contains("🕓 На проверке");
    assert!(sent.button("✏️ 1").is_none(), "no edits while in review");
    assert!(sent.button("📨 Отправить на проверку").is_none());
    assert!(
        sent.button_labels()
            .iter()
            .all(|label| !label.starts_with("Согласование с работодателем")),
        "the mode is fixed while an operator decides: {:?}",
        sent.button_labels()
    );
    // Nor from a stale screen, here or on the accreditation screen.
    for data in ["rep:m:y", "acr:r:y:q"] {
        let refused = anna.press_forged(data).await;
        assert!(refused.answered);
        assert!(
            refused
                .text
                .as_deref()
                .is_some_and(|text| text.starts_with("Отчёт на проверке (заявка О-2026-")),
            "{data}: {refused:?}"
        );
    }

    let olga = app.operator("Ольга").await;
    let card = olga.send("/review").await;
    card.assert_contains("Отчёт о профессиональной деятельности");
    card.assert_contains("Отчёт о деятельности");
    card.assert_contains("4. Результаты профессиональной деятельности: Принято 24 000 пациентов");
    card.assert_contains("6. Наставничество: пропущен");
    card.assert_contains("подаётся без согласования с работодателем");
    let pdf = olga.press("📄 Отчёт (PDF)").await;
    assert!(pdf.protect_content, "the practitioner's report, protected");
    let document = pdf.document.as_ref().expect("a PDF is sent");
    let text = pdf_text(&app.client.file(&document.file_id).await.unwrap());
    assert!(
        text.contains(&squashed("Принято 24 000 пациентов")),
        "{text}"
    );
    assert!(
        text.contains(&squashed("ФИО Иванова Анна Сергеевна")),
        "{text}"
    );

    olga.press("✅ Одобрить").await.assert_contains("одобрена");
    assert!(matches!(
        activity_report::state(&app.db, anna.user_id())
            .await
            .unwrap(),
        medcab_core::qualification::ReportState::Finished(ReportAgreement::NotAgreed)
    ));
}
