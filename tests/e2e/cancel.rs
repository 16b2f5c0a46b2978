use medcab_e2e::TestApp;

use crate::ru;

#[medcab_e2e::test]
async fn cancel_leaves_the_language_picker(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/language").await;

    let cancelled = anna.send("/cancel").await;
    assert_eq!(cancelled.html.as_deref(), Some(ru("cancel-done").as_str()));

    // Out of the picker: text is no longer taken as an attempt to choose.
    let hint = anna.send("английский").await;
    assert_eq!(hint.html.as_deref(), Some(ru("unknown-text").as_str()));
}

#[medcab_e2e::test]
async fn cancel_with_nothing_to_cancel_says_so(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let reply = anna.send("/cancel").await;

    assert_eq!(
        reply.body(),
        "Сейчас нечего прерывать. Откройте /menu, чтобы выбрать раздел."
    );
}

#[medcab_e2e::test]
async fn a_redis_flush_costs_only_the_position(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/language").await;

    app.flush_redis().await;

    // The picker's dialogue is forgotten, so there is nothing to cancel…
    assert_eq!(
        anna.send("/cancel").await.html.as_deref(),
        Some(ru("cancel-nothing").as_str())
    );
    // …but its buttons still work: they carry all they need.
    let menu = anna.press("🇬🇧 English").await;
    assert!(menu.body().starts_with("Interface language: English."));
}

#[medcab_e2e::test]
async fn cancel_during_onboarding_says_what_can_be_done(app: TestApp) {
    let anna = app.user("Анна", "ru").await;

    // Nothing started yet.
    let before = anna.send("/cancel").await;
    assert_eq!(
        before.html.as_deref(),
        Some(ru("cancel-before-consent").as_str())
    );

    // Consent given: onboarding is not cancelled, it waits; /start and
    // /forget are the ways on and out.
    anna.send("/start").await;
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку «📱 Поделиться номером»")
        .await;
    let during = anna.send("/cancel").await;
    assert_eq!(
        during.html.as_deref(),
        Some(ru("cancel-onboarding").as_str())
    );
    assert!(during.body().contains("/start") && during.body().contains("/forget"));
    assert_eq!(
        medcab_core::accounts::step(&app.db, anna.user_id())
            .await
            .unwrap(),
        Some(medcab_core::accounts::Step::Phone),
        "the step is kept"
    );
}
