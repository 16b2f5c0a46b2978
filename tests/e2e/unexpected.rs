use medcab_e2e::TestApp;
use medcab_e2e::sandbox::{FileKind, UploadFile};
use sqlx::PgPool;

use crate::ru;

#[medcab_e2e::test]
async fn free_text_gets_a_hint(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let reply = anna.send("здравствуйте, где мои баллы?").await;

    assert_eq!(reply.html.as_deref(), Some(ru("unknown-text").as_str()));
}

#[medcab_e2e::test]
async fn an_unknown_command_gets_a_hint(app: TestApp) {
    let john = app.active_user("John", "en").await;

    let reply = john.send("/delete_everything").await;

    assert_eq!(
        reply.body(),
        "There is no such command. See /help for the list."
    );
}

#[medcab_e2e::test]
async fn a_file_nobody_asked_for_gets_a_hint(app: TestApp) {
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
}

#[medcab_e2e::test]
async fn a_forged_button_is_answered_as_outdated(app: TestApp) {
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
}

#[medcab_e2e::test]
async fn help_lists_the_commands(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;

    let reply = anna.send("/help").await;

    for command in ["/start", "/menu", "/language", "/cancel", "/help"] {
        assert!(
            reply.body().contains(command),
            "{command} missing from {}",
            reply.body()
        );
    }
}

#[medcab_e2e::test]
async fn help_promises_no_support_without_a_contact(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let reply = anna.send("/help").await;
    assert!(
        !reply.body().to_lowercase().contains("поддержк"),
        "{}",
        reply.body()
    );
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn help_and_a_locked_code_name_the_support_contact(db: PgPool) {
    let app = TestApp::spawn_with(db, |app| {
        app.settings.brand.support_contact = Some("+7 800 555-35-35 <поддержка>".into());
    })
    .await;
    let anna = app.active_user("Анна", "ru").await;
    let reply = anna.send("/help").await;
    assert!(
        reply
            .body()
            .ends_with("Служба поддержки: +7 800 555-35-35 <поддержка>"),
        "{}",
        reply.body()
    );

    // Three wrong codes: the lock says where to get help.
    app.clock.advance(chrono::Duration::minutes(31)); // the session is over
    let right = app.totp_code(anna.user_id()).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    anna.send("/menu").await;
    anna.press("📄 Документы").await;
    anna.send(wrong).await;
    anna.send(wrong).await;
    let locked = anna.send(wrong).await;
    assert!(
        locked.body().starts_with("Три неверных кода подряд")
            && locked
                .body()
                .ends_with("Служба поддержки: +7 800 555-35-35 <поддержка>"),
        "{}",
        locked.body()
    );
    app.finish().await;
}

#[medcab_e2e::test]
async fn a_control_character_is_refused_with_an_answer_and_the_draft_goes_on(app: TestApp) {
    let olga = app.operator("Ольга").await;
    olga.send("/notice").await;
    olga.send("Приказ № 1").await;
    olga.send("С 1 марта меняются сроки аттестации.").await;
    let step = olga.send("https://example.org/prikaz-1").await;
    assert!(step.body().starts_with("Шаг 4 из 5."), "{}", step.body());

    // A NUL pasted with the specialty: PostgreSQL would refuse it.
    let refused = olga.send("Терапия\u{0}").await;
    assert_eq!(
        refused.html.as_deref(),
        Some(ru("typed-control-characters").as_str())
    );
    let refused = olga.send("Терапия\u{1b}[31m").await;
    assert_eq!(
        refused.html.as_deref(),
        Some(ru("typed-control-characters").as_str())
    );
    // Pasted from a PDF, it may as well be personal: a refused text leaves
    // the chat like any refused answer.
    let typed = app
        .client
        .send_text(olga.id(), "112-233-445 95\u{202E}")
        .await
        .unwrap();
    olga.wait_for(|chat| chat.message(typed.message_id).is_some_and(|m| m.deleted))
        .await;
    // The draft waits at the same step; the clean text goes on.
    let next = olga.send("Терапия").await;
    assert!(next.body().starts_with("Шаг 5 из 5."), "{}", next.body());
}

#[medcab_e2e::test]
async fn lines_and_tabs_pass_the_edge(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let reply = anna.send("первая строка\nвторая\tстрока").await;
    assert_eq!(reply.html.as_deref(), Some(ru("unknown-text").as_str()));
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_failed_handler_still_answers_the_user(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;

    // Telegram refuses the menu's send as a bad request: the handler
    // errs (a 5xx or a 429 would be tried again: `storms.rs`).
    app.client
        .inject(anna.id(), medcab_e2e::sandbox::Injection::error(400))
        .await
        .unwrap();
    let reply = anna.send("/menu").await;
    assert_eq!(reply.html.as_deref(), Some(ru("handler-failed").as_str()));

    // The next try works.
    let menu = anna.send("/menu").await;
    assert_eq!(menu.html.as_deref(), Some(ru("menu-title").as_str()));
    app.finish_expecting(|call| call.error_code == 400).await;
}
