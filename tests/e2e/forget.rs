//! /forget, a lost authenticator, and an unavailable register.

use medcab_core::accounts::{self, Step};
use medcab_core::{consent, factor_resets, security_events};
use medcab_e2e::Says;
use medcab_e2e::TestApp;
use medcab_e2e::sandbox::ShareContact;

use crate::ru;

const SNILS: &str = "112-233-445 95";
const PHONE: &str = "+79161234567";

#[medcab_e2e::test]
async fn forget_erases_personal_data_after_confirmation(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    // She has been sent a notification (a login confirmation, answered).
    let created = app
        .api()
        .create_login_confirmation(
            &serde_json::json!({
                "practitioner": { "snils": medcab_e2e::valid_snils(anna.id()) },
                "ip": "203.0.113.7", "device": "Firefox", "place": "Москва"
            })
            .to_string(),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    anna.wait_for_text("🔐 Вход в личный кабинет: это вы?")
        .await;
    let number = created.body["match_number"]
        .as_u64()
        .expect("a match number");
    anna.press(&number.to_string()).await;
    app.wait_for_deliveries(anna.id()).await;
    let sealed_phone: Vec<u8> =
        sqlx::query_scalar("SELECT phone FROM accounts WHERE telegram_user_id = $1")
            .bind(anna.id())
            .fetch_one(&app.db)
            .await
            .unwrap();
    let sealed_hex: String = sealed_phone.iter().map(|b| format!("{b:02x}")).collect();
    // An operator was shown her data (the audit names whose it was).
    let olga = app.operator("Ольга").await;
    let view = medcab_core::operators::View {
        operator_id: olga.user_id(),
        owner_id: anna.user_id(),
        application_id: None,
        document_id: None,
    };
    medcab_core::operators::record_view(&app.db, view, app.clock.now())
        .await
        .unwrap();

    let ask = anna.send("/forget").await;
    let asked = format!("{}\n\n{}", ru("forget-ask"), ru("forget-ask-code"));
    assert_eq!(ask.html.as_deref(), Some(asked.as_str()));

    // "Отмена" keeps everything.
    let kept = anna.press("Отмена").await;
    assert_eq!(kept.body(), "Ничего не удалено.");
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Active)
    );

    // Whoever holds the chat without the authenticator erases nothing: a
    // (forged) press of the old button and a wrong code are refused.
    anna.send("/forget").await;
    let shown = anna.chat().await.bot_messages().count();
    let pressed = anna.press_forged("forget:yes").await;
    assert!(pressed.answered);
    // The code screen comes as a new message after the answer: the code is
    // typed under it (else a slow bot's screen would pass for the reply).
    anna.wait_for(|chat| chat.bot_messages().count() > shown)
        .await;
    let right = app.totp_code(anna.user_id()).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = anna.send(wrong).await;
    refused.assert_starts("Код не подошёл.");
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Active)
    );

    let done = anna.send(&right).await;
    assert_eq!(done.html.as_deref(), Some(ru("forget-done").as_str()));
    let chat = anna.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.body() == right)
            .all(|m| m.deleted),
        "the code is off the chat"
    );

    assert_eq!(accounts::step(&app.db, anna.user_id()).await.unwrap(), None);
    assert!(
        consent::in_force(&app.db, anna.user_id())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !app.dump_database().await.contains(&sealed_hex),
        "not even the sealed phone is left"
    );
    // No row anywhere names her: not her Telegram id, not her chat's (the
    // same number in a private chat), as a number or inside JSON.
    let dump = app.dump_database().await;
    let id = anna.id().to_string();
    let naming: Vec<&str> = dump.lines().filter(|row| row.contains(&id)).collect();
    assert!(naming.is_empty(), "rows still naming {id}: {naming:#?}");
    // Nor in Redis (her position, her flood bucket).
    let keys = app.redis_keys_naming(&id).await;
    assert!(keys.is_empty(), "Redis keys still naming her: {keys:?}");
    // The audit keeps the facts under her pseudonym, which only the data
    // key recomputes from her id.
    let subject = medcab_core::erasure::pseudonym(&app.vault, anna.user_id());
    assert!(
        security_events::kinds_for(&app.db, anna.user_id())
            .await
            .unwrap()
            .is_empty()
    );
    let kinds = security_events::kinds_for_subject(&app.db, &subject)
        .await
        .unwrap();
    assert_eq!(
        kinds,
        [
            "factor_enrolled",
            "login_approved",
            "forged_callback",
            "code_rejected",
            "data_erased"
        ],
        "the audit keeps the facts, not the data"
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM operator_audit WHERE owner_subject = $1")
            .bind(&subject)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        audited, 1,
        "the operator's view is kept under her pseudonym"
    );
    let consents = consent::history_of_subject(&app.db, &subject)
        .await
        .unwrap();
    assert_eq!(consents.len(), 1);
    assert!(
        consents[0].1.is_some(),
        "the consent record shows it was withdrawn"
    );

    // Back to the beginning: consent is asked again.
    anna.send("/start").await;
    let again = anna
        .wait_for_text("Согласие на обработку персональных данных")
        .await;
    assert_eq!(again.html.as_deref(), Some(ru("consent-text").as_str()));
}

#[medcab_e2e::test]
async fn forget_with_nothing_stored_says_so(app: TestApp) {
    let stranger = app.user("Пётр", "ru").await;
    stranger.send("/forget").await;

    let answer = stranger.press("🗑 Удалить мои данные").await;

    assert_eq!(answer.html.as_deref(), Some(ru("forget-nothing").as_str()));
}

#[medcab_e2e::test]
async fn a_lost_authenticator_is_a_pending_request_for_an_operator(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    app.clock.advance(chrono::Duration::hours(1));
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;

    let requested = anna.press("📵 Нет доступа к приложению").await;

    assert!(
        requested
            .body()
            .starts_with("Запрос на сброс второго фактора отправлен 25.11.2026 13:00 (МСК)."),
        "{}",
        requested.body()
    );
    assert!(
        factor_resets::pending_since(&app.db, anna.user_id())
            .await
            .unwrap()
            .is_some()
    );
    // Asking again does not stack requests.
    anna.press("« Назад в меню").await;
    anna.press("👤 Профиль").await;
    anna.press("📵 Нет доступа к приложению").await;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM factor_reset_requests WHERE telegram_user_id = $1",
    )
    .bind(anna.id())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(waiting, 1);
}

#[medcab_e2e::test]
async fn an_unavailable_register_loses_nothing(mut app: TestApp) {
    app.register(SNILS, "Иванова Анна Сергеевна", PHONE).await;
    // Nothing listens on port 9 of this machine: the register is down.
    app.settings.registry_url = Some("http://127.0.0.1:9/".parse().unwrap());
    app.restart_bot().await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    anna.send("/start").await;
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку").await;
    app.client
        .share_contact(anna.id(), ShareContact::own())
        .await
        .unwrap();
    anna.wait_for_text("Введите ваш СНИЛС").await;

    app.client.send_text(anna.id(), SNILS).await.unwrap();
    let down = anna
        .wait_for_text("Регистр медицинских работников сейчас недоступен")
        .await;
    assert_eq!(down.button_labels(), ["🔄 Повторить"]);
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Snils)
    );

    // The register is back; the СНИЛС was kept, so one press is enough.
    let anna = anna.user.clone();
    app.settings.registry_url = None;
    app.restart_bot().await;
    let anna = app.phone(anna);
    anna.press("🔄 Повторить").await;
    anna.wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::SecondFactor)
    );
}

#[medcab_e2e::test]
async fn cancel_stops_forget_waiting_for_the_code(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/forget").await;
    let cancelled = anna.send("/cancel").await;
    assert_eq!(cancelled.html.as_deref(), Some(ru("cancel-done").as_str()));
    // The right code now is not taken for an erasure.
    let code = app.totp_code(anna.user_id()).await;
    anna.send(&code).await;
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Active)
    );
}

#[medcab_e2e::test]
async fn forget_with_a_lost_factor_waits_out_the_resets_cooling_off(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    // /forget asks for the code; she has no authenticator any more.
    let asked = anna.send("/forget").await;
    asked.assert_contains(&ru("forget-ask-code"));
    let requested = anna.press("📵 Нет доступа к приложению").await;
    requested.assert_starts("Запрос на сброс второго фактора отправлен");

    // Two operators approve; until the cooling-off is over, /forget still
    // wants the code the phone thief does not have either.
    let policy = app.settings.reset;
    let request = factor_resets::open_request(&app.db, anna.user_id(), policy)
        .await
        .unwrap()
        .expect("a request")
        .id;
    for name in ["Ольга", "Пётр"] {
        let operator = app.operator(name).await;
        medcab_core::review::approve_factor_reset(
            &app.db,
            operator.user_id(),
            request,
            app.clock.now(),
            policy,
        )
        .await
        .unwrap();
    }
    app.clock.advance(chrono::Duration::hours(23));
    assert_eq!(app.scheduler_tick().await.resets_applied, 0);
    anna.send("/forget")
        .await
        .assert_contains(&ru("forget-ask-code"));

    // Past it the factor is gone, and /forget is confirmed by its button.
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(app.scheduler_tick().await.resets_applied, 1);
    let ask = anna.send("/forget").await;
    assert!(
        ask.button_labels().contains(&"🗑 Удалить мои данные"),
        "{:?}",
        ask.button_labels()
    );
    let done = anna.press("🗑 Удалить мои данные").await;
    assert_eq!(done.html.as_deref(), Some(ru("forget-done").as_str()));
    assert_eq!(accounts::step(&app.db, anna.user_id()).await.unwrap(), None);
}
