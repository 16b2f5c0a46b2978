//! «👤 Профиль» → «🏥 Организация»: the organisation the register names,
//! its licence found by ОГРН, by ИНН, or by name only when the register
//! gives no identifier; the status in words, the works, the import's
//! date, never days left; «лицензия не найдена»; several licences paged;
//! nothing from the register for an unconfirmed account.

use chrono::{DateTime, Utc};
use medcab_e2e::{Phone, Says, TestApp, valid_snils};

use crate::{en, ru};

const REGISTER_HEADER: &str = "snils,full_name,birth_date,phone,specialty,position,organisation,region,accreditation_number,accreditation_valid_until,organisation_inn,organisation_ogrn";

/// Puts `phone`'s practitioner in the register at `organisation` with these
/// identifiers (empty: not given), through the real import.
async fn employ(app: &TestApp, phone: &Phone<'_>, organisation: &str, inn: &str, ogrn: &str) {
    let row = format!(
        "{},Иванова Анна Сергеевна,1985-03-14,+79{:09},Терапия,Врач,\"{organisation}\",Тверская область,,,{inn},{ogrn}",
        valid_snils(phone.id()),
        phone.id() % 1_000_000_000,
    );
    let csv = format!("{REGISTER_HEADER}\n{row}\n");
    let report = medcab_core::registry::import_csv(&app.db, &app.vault, csv.as_bytes(), |_| {})
        .await
        .unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
}

async fn licences(app: &TestApp, csv: &str, at: &str) -> medcab_core::licences::ImportReport {
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(at).unwrap().to_utc();
    medcab_core::licences::import_csv(&app.db, csv.as_bytes(), at, |_| {})
        .await
        .unwrap()
}

async fn open_card(phone: &Phone<'_>) -> medcab_sandbox::ChatMessage {
    phone.send("/menu").await;
    phone.press("👤 Профиль").await;
    phone.press("🏥 Организация").await
}

const LICENCES: &str = "ogrn;inn;number;status;works;organisation
1027700132195;7707083893;Л041-01137-77/00368918;active;\"Первичная врачебная помощь: терапия; Кардиология, неврология | Медицинские осмотры\";ГБУЗ «ГП № 5»
1027739609391;7736050003;ЛО-69-01-000123;suspended;хирургии;ГБУЗ «Тверская ОКБ»
";

#[medcab_e2e::test]
async fn the_card_names_the_organisation_and_its_licence_found_by_ogrn(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    employ(&app, &anna, "ГБУЗ «ГП № 5»", "7707083893", "1027700132195").await;
    licences(&app, LICENCES, "2026-11-20T09:00:00Z").await;

    let card = open_card(&anna).await;
    assert!(card.protect_content);
    card.assert_starts("🏥 Организация");
    for part in [
        "ГБУЗ «ГП № 5»\nРегион: Тверская область",
        "Лицензия № Л041-01137-77/00368918 — действует",
        "ОГРН 1027700132195, ИНН 7707083893 (найдена по ОГРН организации)",
        "Лицензированные работы и услуги (3):",
        "• Первичная врачебная помощь: терапия\n• Кардиология, неврология\n• Медицинские осмотры",
        "Сведения реестра лицензий на 20.11.2026.",
    ] {
        card.assert_contains(part);
    }
    assert!(
        !card.body().contains("осталось"),
        "no days left: {}",
        card.body()
    );
    assert!(
        !card.body().contains("Лицензия 1 из"),
        "one licence: no pages"
    );

    // Suspended at the next import: the card says so in words, dated.
    let suspended = LICENCES.replace(";active;", ";приостановлена;");
    let report = licences(&app, &suspended, "2026-12-01T09:00:00Z").await;
    assert_eq!((report.updated, report.unchanged), (1, 1));
    anna.press("« К профилю").await;
    let card = anna.press("🏥 Организация").await;
    card.assert_contains("Лицензия № Л041-01137-77/00368918 — ⚠️ приостановлена");
    card.assert_contains("Сведения реестра лицензий на 01.12.2026.");
}

#[medcab_e2e::test]
async fn without_an_identifier_the_name_finds_it_and_several_licences_page(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    // An old register file: no ИНН, no ОГРН. The name matches with case,
    // quotes and spaces aside.
    employ(&app, &anna, "гбуз  \"\"Тверская ОКБ\"\"", "", "").await;
    let more = format!(
        "{LICENCES}1027739609391;7736050003;Л041-00001-69/00000001;active;;ГБУЗ «Тверская ОКБ»\n"
    );
    licences(&app, &more, "2026-11-20T09:00:00Z").await;

    let first = open_card(&anna).await;
    first.assert_contains("Лицензия 1 из 2");
    first.assert_contains("Лицензия № Л041-00001-69/00000001 — действует");
    first.assert_contains(
        "найдена по названию организации: реестр медработников не указал ИНН и ОГРН",
    );
    first.assert_contains("Виды работ в реестре лицензий не указаны.");
    let second = anna.press("Следующая лицензия ▶️").await;
    second.assert_contains("Лицензия 2 из 2");
    second.assert_contains("Лицензия № ЛО-69-01-000123 — ⚠️ приостановлена");
    second.assert_contains("• хирургии");
    assert!(second.button_labels().contains(&"◀️ Предыдущая лицензия"));
    assert!(!second.button_labels().contains(&"Следующая лицензия ▶️"));
}

#[medcab_e2e::test]
async fn a_licence_not_found_is_said_plainly(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    // ИНН and ОГРН given, no licence under either: the name is not tried,
    // even though a licence carries it.
    employ(
        &app,
        &anna,
        "ГБУЗ «Тверская ОКБ»",
        "7702070139",
        "1037739010891",
    )
    .await;
    licences(&app, LICENCES, "2026-11-20T09:00:00Z").await;
    let card = open_card(&anna).await;
    card.assert_contains("ГБУЗ «Тверская ОКБ»");
    card.assert_contains(&ru("org-licence-not-found"));
    assert!(!card.body().contains("ЛО-69-01-000123"), "{}", card.body());
}

#[medcab_e2e::test]
async fn an_unconfirmed_account_sees_nothing_from_the_register(app: TestApp) {
    // An applicant who typed a СНИЛС the register knows: linked, not
    // confirmed.
    let boris = app.active_user("Борис", "ru").await;
    employ(&app, &boris, "ГБУЗ «ГП № 5»", "7707083893", "1027700132195").await;
    licences(&app, LICENCES, "2026-11-20T09:00:00Z").await;
    boris.send("/menu").await;
    let profile = boris.press("👤 Профиль").await;
    assert!(
        !profile.button_labels().contains(&"🏥 Организация"),
        "{:?}",
        profile.button_labels()
    );
    // A forged press: the card says it comes with the confirmation.
    let answer = boris.press_forged("pf:org:0").await;
    assert!(answer.answered);
    let chat = boris
        .wait_for(|chat| {
            chat.message(profile.message_id)
                .is_some_and(|m| m.body().starts_with("🏥 Организация"))
        })
        .await;
    let card = chat.message(profile.message_id).unwrap();
    card.assert_contains(&ru("org-not-confirmed"));
    assert!(!card.body().contains("ГП № 5"), "{}", card.body());
    assert!(!card.body().contains("Л041"), "{}", card.body());
}

#[medcab_e2e::test]
async fn english_words_and_the_step_up_before_the_card(app: TestApp) {
    let anna = app.confirmed_user("Anna", "en").await;
    employ(&app, &anna, "ГБУЗ «ГП № 5»", "", "1027700132195").await;
    licences(&app, LICENCES, "2026-11-20T09:00:00Z").await;
    anna.send("/menu").await;
    anna.press("👤 Profile").await;
    let mut conn = app.db.acquire().await.unwrap();
    medcab_core::accounts::close_session(&mut conn, anna.user_id())
        .await
        .unwrap();
    drop(conn);
    let gate = anna.press("🏥 Organisation").await;
    assert_eq!(
        gate.html.as_deref(),
        Some(en("step-up-held-press").as_str()),
        "nothing before the code"
    );
    let code = app.totp_code(anna.user_id()).await;
    anna.send(&code).await;
    let card = anna.wait_for_any_text("🏥 Organisation").await;
    card.assert_contains("Licence No. Л041-01137-77/00368918 — active");
    card.assert_contains("found by the organisation's OGRN");
    card.assert_contains("As the register of licences stood on 20.11.2026.");
}
