use medcab_e2e::TestApp;
use sqlx::PgPool;

use crate::ru;

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn cancel_leaves_the_language_picker(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/language").await;

    let cancelled = anna.send("/cancel").await;
    assert_eq!(cancelled.html.as_deref(), Some(ru("cancel-done").as_str()));

    // Out of the picker: text is no longer taken as an attempt to choose.
    let hint = anna.send("английский").await;
    assert_eq!(hint.html.as_deref(), Some(ru("unknown-text").as_str()));
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn cancel_with_nothing_to_cancel_says_so(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;

    let reply = anna.send("/cancel").await;

    assert_eq!(
        reply.body(),
        "Сейчас нечего прерывать. Откройте /menu, чтобы выбрать раздел."
    );
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_redis_flush_costs_only_the_position(db: PgPool) {
    let app = TestApp::spawn(db).await;
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
    app.finish().await;
}
