use medcab_e2e::TestApp;
use medcab_e2e::sandbox::{FileKind, UploadFile};
use sqlx::PgPool;

use crate::ru;

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn free_text_gets_a_hint(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;

    let reply = anna.send("здравствуйте, где мои баллы?").await;

    assert_eq!(reply.html.as_deref(), Some(ru("unknown-text").as_str()));
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn an_unknown_command_gets_a_hint(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let john = app.active_user("John", "en").await;

    let reply = john.send("/delete_everything").await;

    assert_eq!(
        reply.body(),
        "There is no such command. See /help for the list."
    );
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_file_nobody_asked_for_gets_a_hint(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;

    let upload = UploadFile::new(
        FileKind::Document,
        "diploma.pdf",
        "application/pdf",
        b"%PDF-1.7 test",
    );
    let reply = anna
        .reply_to(async {
            app.client.upload_file(anna.id(), upload).await.unwrap();
        })
        .await;

    assert_eq!(reply.html.as_deref(), Some(ru("unknown-message").as_str()));
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_forged_button_is_answered_as_outdated(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/start").await;

    for data in ["open:admin", "lang:de", "drop table users"] {
        let answer = anna.press_forged(data).await;
        assert!(answer.answered, "{data}");
        assert_eq!(
            answer.text.as_deref(),
            Some(ru("button-outdated").as_str()),
            "{data}"
        );
    }
    assert_eq!(
        anna.chat().await.bot_messages().count(),
        1,
        "nothing else happened"
    );
    app.finish().await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn help_lists_the_commands(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;

    let reply = anna.send("/help").await;

    for command in ["/start", "/menu", "/language", "/cancel", "/help"] {
        assert!(
            reply.body().contains(command),
            "{command} missing from {}",
            reply.body()
        );
    }
    app.finish().await;
}
