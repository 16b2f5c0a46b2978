//! «Аккредитация»: the screen's words at each stage (early, collecting, the
//! filing month, late, expired), the report's agreement moving the month
//! to file in, nothing known said with how to add it; and the reminders at
//! 12, 6, 3, 2 months and 1 month on a moved clock, each once, only the
//! latest after a jump.

use chrono::NaiveDate;
use medcab_core::clock::moscow_today;
use medcab_core::documents::{self, DocumentKind, DocumentMeta};
use medcab_e2e::Says;
use medcab_e2e::{Phone, RegisterEntry, TestApp};
use medcab_sandbox::ChatMessage;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// What every accreditation reminder says, and the screen does not.
const REMINDER: &str = "Аккредитация действует до";

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn today(app: &TestApp) -> NaiveDate {
    moscow_today(app.clock.now())
}

/// Moves the bot's clock on to `day` (same time of day).
fn move_to(app: &TestApp, day: NaiveDate) {
    let days = (day - today(app)).num_days();
    assert!(days >= 0, "the clock only goes forward here: {day}");
    app.clock.advance(chrono::Duration::days(days));
}

/// Moves the clock to `day`, runs the scheduler and delivers what it wrote.
async fn tick_on(app: &TestApp, day: NaiveDate) {
    move_to(app, day);
    app.scheduler_tick().await;
    app.deliver_pending().await;
}

/// A practitioner the register says is accredited until `valid_until`.
async fn accredited_until<'a>(app: &'a TestApp, valid_until: Option<NaiveDate>) -> Phone<'a> {
    app.practitioner(
        "Анна",
        RegisterEntry {
            accreditation_valid_until: valid_until,
            ..RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1")
        },
    )
    .await
}

async fn reminders(app: &TestApp, phone: &Phone<'_>) -> Vec<String> {
    app.wait_for_deliveries(phone.id()).await;
    phone
        .chat()
        .await
        .bot_messages()
        .filter(|m| m.body().contains(REMINDER))
        .map(|m| m.body().to_owned())
        .collect()
}

/// The report's toggle, pressed after the step-up session ran out (the
/// clock moved on months): the code is asked first, then the press is
/// carried out on the same message, which is returned as it stands then.
async fn press_with_code(app: &TestApp, phone: &Phone<'_>, label: &str) -> ChatMessage {
    let asked = phone.press(label).await;
    assert_eq!(
        asked.html.as_deref(),
        Some(crate::ru("step-up-held-press").as_str()),
        "the toggle is behind the step-up"
    );
    let code = app.totp_code(phone.user_id()).await;
    app.client.send_text(phone.id(), &code).await.unwrap();
    let held = crate::ru("step-up-held-press");
    let chat = phone
        .wait_for(|chat| {
            chat.message(asked.message_id)
                .is_some_and(|m| m.html.as_deref() != Some(held.as_str()))
        })
        .await;
    chat.message(asked.message_id).unwrap().clone()
}

/// The screen's text, as /accreditation shows it now.
async fn screen(phone: &Phone<'_>) -> String {
    phone.send("/accreditation").await.body().to_owned()
}

#[medcab_e2e::test]
async fn each_threshold_reminds_once_saying_what_to_do(app: TestApp) {
    // Valid until 10.12.2027; the report not said to be agreed, so the
    // month to file in is September 2027.
    let anna = accredited_until(&app, Some(date(2027, 12, 10))).await;
    app.scheduler_tick().await;
    assert!(reminders(&app, &anna).await.is_empty(), "13 months before");

    // (the threshold's day, what the reminder says)
    let thresholds = [
        (date(2026, 12, 10), "Начните собирать портфолио"),
        (date(2027, 6, 10), "хватает ли часов обучения"),
        (date(2027, 9, 10), "подайте документы в этом месяце"),
        (date(2027, 10, 10), "срок подачи документов прошёл"),
        (date(2027, 11, 10), "срок подачи документов прошёл"),
    ];
    for (sent, (day, says)) in thresholds.into_iter().enumerate() {
        tick_on(&app, day.pred_opt().unwrap()).await;
        assert_eq!(
            reminders(&app, &anna).await.len(),
            sent,
            "the day before {day}"
        );
        tick_on(&app, day).await;
        app.scheduler_tick().await; // the same day again
        let pushed = reminders(&app, &anna).await;
        assert_eq!(pushed.len(), sent + 1, "{day}: {pushed:#?}");
        let newest = &pushed[sent];
        assert!(newest.contains(says), "{day}: {newest}");
        assert!(newest.contains("10.12.2027"), "{newest}");
    }
    let pushed = reminders(&app, &anna).await;
    assert!(pushed[0].contains("осталось 365 дней"), "{}", pushed[0]);
    assert!(pushed[0].contains("в сентябре 2027"), "{}", pushed[0]);
    assert!(pushed[4].contains("осталось 30 дней"), "{}", pushed[4]);
    assert!(pushed[4].contains("Рекомендованный месяц подачи: сентябрь 2027"));
    // Nothing more: not before the end, not after it.
    tick_on(&app, date(2027, 12, 10)).await;
    tick_on(&app, date(2027, 12, 11)).await;
    assert_eq!(reminders(&app, &anna).await.len(), 5);
}

#[medcab_e2e::test]
async fn a_jump_past_several_thresholds_reminds_only_the_latest(app: TestApp) {
    let anna = accredited_until(&app, Some(date(2027, 12, 10))).await;
    // The server was down from November to mid-October: past the 12, 6, 3
    // and 2 months at once.
    tick_on(&app, date(2027, 10, 15)).await;
    let pushed = reminders(&app, &anna).await;
    assert_eq!(pushed.len(), 1, "{pushed:#?}");
    assert!(
        pushed[0].contains("срок подачи документов прошёл"),
        "{}",
        pushed[0]
    );
    assert!(pushed[0].contains("осталось 56 дней"), "{}", pushed[0]);
    tick_on(&app, date(2027, 11, 9)).await;
    assert_eq!(reminders(&app, &anna).await.len(), 1);
    tick_on(&app, date(2027, 11, 10)).await;
    assert_eq!(reminders(&app, &anna).await.len(), 2, "the last month's");
}

#[medcab_e2e::test]
async fn reminders_switched_off_bring_no_accreditation_reminder(app: TestApp) {
    let anna = accredited_until(&app, Some(date(2027, 12, 10))).await;
    let mut settings = medcab_core::notification_settings::get(&app.db, anna.user_id())
        .await
        .unwrap();
    settings.reminders = false;
    medcab_core::notification_settings::save(&app.db, anna.user_id(), &settings, app.clock.now())
        .await
        .unwrap();
    tick_on(&app, date(2026, 12, 10)).await;
    assert!(reminders(&app, &anna).await.is_empty());
}

#[medcab_e2e::test]
async fn the_screen_says_what_to_do_at_each_stage(app: TestApp) {
    // Valid until 30.06.2029 in the register; today is 25.11.2026.
    let anna = accredited_until(&app, Some(date(2029, 6, 30))).await;

    let early = screen(&anna).await;
    for words in [
        "Аккредитация",
        "Последняя аккредитация: 30.06.2024, по данным регистра медицинских работников",
        "Действует до: 30.06.2029 — осталось 948 дней",
        "До конца срока больше года",
        "Собирать портфолио — с 30.06.2028",
        // Not said to be agreed: three months before June.
        "подать документы — в марте 2029",
        "не согласован с работодателем",
        "выписка",
        "а не свидетельство",
    ] {
        assert!(early.contains(words), "{words:?} in {early}");
    }

    move_to(&app, date(2028, 7, 1));
    let collecting = screen(&anna).await;
    assert!(
        collecting.contains("Пора собирать портфолио"),
        "{collecting}"
    );
    assert!(collecting.contains("в марте 2029"), "{collecting}");

    move_to(&app, date(2029, 3, 5));
    let filing = screen(&anna).await;
    assert!(
        filing.contains("Подайте документы в этом месяце (март 2029)"),
        "{filing}"
    );
    assert!(filing.contains("около 35 рабочих дней"), "{filing}");

    // Agreed with the employer: two months before June, April.
    let agreed = press_with_code(&app, &anna, "Отчёт согласован с работодателем: нет").await;
    let agreed_text = agreed.body();
    assert!(
        agreed_text.contains("Пора собирать портфолио"),
        "{agreed_text}"
    );
    assert!(
        agreed_text.contains("Подать документы — в апреле 2029"),
        "{agreed_text}"
    );
    assert!(agreed_text.contains("согласован с работодателем: документы подают за два месяца"));
    assert!(
        agreed
            .button("Отчёт согласован с работодателем: да")
            .is_some(),
        "{:?}",
        agreed.button_labels()
    );
    // Stored: a new screen says the same.
    assert!(screen(&anna).await.contains("в апреле 2029"));

    move_to(&app, date(2029, 5, 2));
    let late = screen(&anna).await;
    assert!(late.contains("Месяц подачи (апрель 2029) прошёл"), "{late}");
    assert!(late.contains("как можно скорее"), "{late}");
    // Back to not agreed: March passed too.
    let back = press_with_code(&app, &anna, "Отчёт согласован с работодателем: да").await;
    back.assert_contains("Месяц подачи (март 2029) прошёл");

    // Russian plurals of the days left.
    for (day, left) in [
        (date(2029, 6, 25), "осталось 5 дней"),
        (date(2029, 6, 28), "осталось 2 дня"),
        (date(2029, 6, 29), "остался 1 день"),
        (date(2029, 6, 30), "сегодня последний день"),
    ] {
        move_to(&app, day);
        let text = screen(&anna).await;
        assert!(text.contains(left), "{day}: {text}");
    }

    move_to(&app, date(2029, 7, 1));
    let expired = anna.send("/accreditation").await;
    let expired_text = expired.body();
    assert!(
        expired_text.contains("Действовала до: 30.06.2029 — срок истёк"),
        "{expired_text}"
    );
    assert!(expired_text.contains("Без действующей аккредитации работать по специальности нельзя"));
    assert!(expired_text.contains("добавьте выписку"), "{expired_text}");
    assert!(
        !expired
            .button_labels()
            .iter()
            .any(|label| label.contains("Отчёт")),
        "no month to file in once it ran out: {:?}",
        expired.button_labels()
    );
}

#[medcab_e2e::test]
async fn nothing_known_is_said_with_how_to_add_it_and_a_document_then_counts(app: TestApp) {
    // In the register with no accreditation at all.
    let boris = app.confirmed_user("Борис", "ru").await;
    let nothing = boris.send("/accreditation").await;
    nothing.assert_contains("пока ничего не известно");
    nothing.assert_contains("Добавьте выписку");
    assert!(nothing.button("➕ Добавить документ").is_some());
    assert!(nothing.button_labels().iter().all(|l| !l.contains("Отчёт")));

    // The register has a number but no date.
    let anna = accredited_until(&app, None).await;
    let number_only = anna.send("/accreditation").await;
    assert!(
        number_only
            .body()
            .contains("есть номер вашей аккредитации, но нет даты"),
        "{}",
        number_only.body()
    );
    assert!(!number_only.body().contains("7722"), "no number shown");
    assert!(number_only.button("➕ Добавить документ").is_some());

    // An extract on file, issued on the day of the accreditation.
    let meta = DocumentMeta {
        kind: DocumentKind::Accreditation,
        number: Some("7724 031234567".into()),
        issued_on: Some(date(2024, 2, 29)),
        valid_until: Some(date(2029, 2, 28)),
        issuer: Some("ФАЦ".into()),
    };
    documents::store(
        &app.db,
        &app.vault,
        anna.user_id(),
        &meta,
        PDF,
        Some("extract.pdf"),
        app.clock.now(),
        5 << 20,
    )
    .await
    .expect("the extract is stored");
    let known = screen(&anna).await;
    assert!(
        known.contains("Последняя аккредитация: 29.02.2024, по документу в разделе «📄 Документы»"),
        "{known}"
    );
    assert!(known.contains("Действует до: 28.02.2029"), "{known}");
    // February less three months: November 2028.
    assert!(known.contains("в ноябре 2028"), "{known}");
    assert!(!known.contains("7724"), "no number on the screen: {known}");
}

#[medcab_e2e::test]
async fn help_names_the_screen_and_forged_buttons_are_refused(app: TestApp) {
    let anna = accredited_until(&app, Some(date(2029, 6, 30))).await;
    let help = anna.send("/help").await;
    assert!(help.body().contains("/accreditation"), "{}", help.body());
    anna.send("/accreditation").await;
    let outdated = medcab_bot::i18n::Texts::new(medcab_core::Language::Ru).msg("button-outdated");
    for forged in ["acr:r:maybe:m", "acr:r:y:elsewhere", "acr:x", "acr:r:y:m:1"] {
        let answer = anna.press_forged(forged).await;
        assert!(answer.answered, "{forged}");
        assert_eq!(answer.text.as_deref(), Some(outdated.as_str()), "{forged}");
    }
    // The forged presses changed nothing.
    assert!(screen(&anna).await.contains("в марте 2029"));
}

/// «🎓 НМО и аккредитация» leads here too, and «Назад» leads back there.
#[medcab_e2e::test]
async fn the_screen_opens_from_the_qualification_section_and_goes_back_there(app: TestApp) {
    let anna = accredited_until(&app, Some(date(2029, 6, 30))).await;
    anna.send("/menu").await;
    let section = anna.press("🎓 НМО и аккредитация").await;
    assert!(section.button("🩺 Аккредитация").is_some(), "{section:?}");

    let status = anna.press("🩺 Аккредитация").await;
    assert_eq!(status.message_id, section.message_id, "edited in place");
    assert!(status.body().contains("30.06.2029"), "{}", status.body());

    let back = anna.press("« НМО и аккредитация").await;
    assert_eq!(back.message_id, section.message_id);
    assert!(back.button("📚 Обучение и НМО").is_some(), "{back:?}");
}

/// The ПК minimum the deployment counts by (`MEDCAB_PROGRAMME_MINIMUM_HOURS`)
/// is the one the screen and the reminders quote.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn the_screen_and_the_reminders_quote_the_minimum_counted_by(db: sqlx::PgPool) {
    let app = TestApp::spawn_with(db, |app| {
        app.settings.brand.requirements =
            medcab_core::qualification::Requirements::with_programme_minimum(72).unwrap();
    })
    .await;
    let anna = accredited_until(&app, Some(date(2029, 6, 30))).await;
    let early = screen(&anna).await;
    assert!(
        early.contains("за пять лет нужно 144 часа, из них по программам повышения квалификации — не меньше 72."),
        "{early}"
    );
    // Six months before: the reminder that asks to check the hours.
    tick_on(&app, date(2028, 12, 30)).await;
    let told = reminders(&app, &anna).await;
    let six = told.last().expect("a reminder");
    assert!(
        six.contains("(144 часа, из них по программам повышения квалификации не меньше 72)"),
        "{six}"
    );
    app.finish().await;
}
