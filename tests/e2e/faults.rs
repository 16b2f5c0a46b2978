//! The bot killed in the middle of many conversations: nothing the
//! messenger handed over is lost, and everyone is answered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use medcab_e2e::process::Intake;
use medcab_e2e::{Phone, TestApp, eventually};
use medcab_sandbox::RefusedCall;
use sqlx::PgPool;

const USERS: usize = 100;

#[medcab_e2e::test]
async fn a_bot_killed_mid_conversations_answers_everyone_after_its_restart(mut app: TestApp) {
    // Leases of the killed bot run out in a second instead of fifteen.
    app.inbox_lease = Duration::from_secs(1);
    app.stop_bot().await;
    app.start_bot().await;
    let mut users = Vec::new();
    for n in 0..USERS {
        users.push(app.user(&format!("Врач {n}"), "ru").await.user);
    }
    join_all(
        users
            .iter()
            .map(|user| app.client.send_text(user.id, "/help")),
    )
    .await
    .into_iter()
    .for_each(|sent| {
        sent.expect("the sandbox takes the message");
    });
    // Killed once some are answered and others not.
    eventually("the first answers", async || {
        let mut answered = 0;
        for user in &users {
            if app
                .client
                .chat(user.id)
                .await
                .unwrap()
                .bot_messages()
                .count()
                > 0
            {
                answered += 1;
            }
        }
        answered > 0
    })
    .await;
    app.kill_bot();
    app.start_bot().await;

    let mut twice = 0;
    for user in &users {
        let chat = app
            .client
            .wait_for(user.id, |chat| chat.bot_messages().count() >= 1)
            .await
            .expect("every user is answered");
        let answers = chat
            .bot_messages()
            .filter(|m| m.body().starts_with("Что умеет бот"))
            .count();
        assert!((1..=2).contains(&answers), "{answers} answers");
        if answers == 2 {
            twice += 1;
        }
    }
    eprintln!("answered twice (in hand at the kill): {twice} of {USERS}");
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting, 0, "nothing is left in the inbox");
}

/// The practitioners of the crash tests: enough at once that the kill
/// finds updates stored and waiting, in hand and half-answered.
const CONVERSATIONS: usize = 200;

/// One practitioner adds a qualification upgrade question by question and
/// saves it, passing the step-up on the way: nine updates, each changing the conversation's position and
/// the last writing a record, so one applied twice shows (as a second
/// record, or an answer out of turn). Each step waits for its answer, as a
/// person does; `steps` counts the answered ones.
async fn add_an_upgrade(app: &TestApp, phone: &Phone<'_>, steps: &AtomicUsize) {
    let step = || steps.fetch_add(1, Ordering::Relaxed);
    phone.send("/menu").await;
    step();
    phone.press("👤 Профиль").await;
    answered(phone, "Раздел содержит личные данные").await;
    step();
    // The step-up, with a code of the process's clock (the real one).
    let code = app.totp_code_at(phone.user_id(), chrono::Utc::now()).await;
    phone.send_text(&code).await;
    phone
        .wait_for(|chat| {
            chat.bot_messages()
                .any(|m| m.button("🎓 Образование").is_some())
        })
        .await;
    step();
    phone.press("🎓 Образование").await;
    step();
    phone.press("➕ Повышение квалификации").await;
    answered(phone, "Название программы").await;
    step();
    for (answer, next) in [
        (
            "Кардиология: актуальные вопросы",
            "Объём программы в академических часах",
        ),
        ("144", "Дата начала обучения"),
        ("01.02.2024", "Дата окончания обучения"),
        ("28.02.2024", "Проверьте данные"),
    ] {
        phone.send_text(answer).await;
        answered(phone, next).await;
        step();
    }
    phone.press("✅ Сохранить").await;
    // «✅ Сохранено.» above it, unless the press was in hand at the kill:
    // handled again, it finds the record stored and shows the list alone.
    phone
        .wait_for(|chat| chat.bot_messages().any(|m| m.body().contains(LISTED)))
        .await;
    step();
}

/// The saved record in the section's list.
const LISTED: &str = "1. «Кардиология: актуальные вопросы» — 144 академических часа";

/// Until a message of the bot's starts with `prefix`, the answer to the
/// step just taken (each step's is its own). Not necessarily the newest
/// one: the step in hand at the kill is answered again when it is handled
/// again, before the next (order is kept), and a press edits its message
/// in place, above that second answer.
async fn answered(phone: &Phone<'_>, prefix: &str) {
    phone
        .wait_for(|chat| chat.bot_messages().any(|m| m.body().starts_with(prefix)))
        .await;
}

/// `medcab run` killed with SIGKILL while 200 practitioners are in the
/// middle of a conversation, and started again: every one of them gets
/// every answer and finishes, each saved record exists once, and the inbox
/// is empty.
async fn killed_mid_conversations(app: &mut TestApp, intake: Intake) {
    app.stop_bot().await;
    let app = &*app;
    let mut phones = Vec::new();
    for n in 0..CONVERSATIONS {
        phones.push(app.active_user(&format!("Врач {n}"), "ru").await);
    }
    let mut bot = app.medcab_process(intake).await;
    let steps = AtomicUsize::new(0);
    let total = CONVERSATIONS * 9;
    let conversations = join_all(
        phones
            .iter()
            .map(|phone| add_an_upgrade(app, phone, &steps)),
    );
    let crash = async {
        // A third of the way: some have finished nothing, some are at
        // the card, every one has something stored or in hand.
        while steps.load(Ordering::Relaxed) < total / 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        bot.kill().await;
        eprintln!(
            "killed at {} of {total} answered steps",
            steps.load(Ordering::Relaxed)
        );
        bot.start(app).await;
    };
    let finished = tokio::time::timeout(Duration::from_secs(240), async {
        futures::join!(conversations, crash)
    })
    .await;
    assert!(
        finished.is_ok(),
        "not every conversation finished; the bot's log:\n{}",
        bot.log_tail()
    );

    for phone in &phones {
        let records: i64 =
            sqlx::query_scalar("SELECT count(*) FROM additional_education WHERE owner_id = $1")
                .bind(phone.user_id().get())
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert_eq!(records, 1, "{} saved {records} records", phone.id());
        let chat = phone.chat().await;
        let listed = chat.bot_messages().filter(|m| m.body().contains(LISTED));
        assert_eq!(listed.count(), 1, "{chat:?}");
    }
    app.wait_for_inbox_handled().await;
    let poison: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE poison IS NOT NULL")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(poison, 0, "nothing was set aside");
    bot.stop().await;
}

/// An update in hand at the kill is handled again after it, and Telegram
/// refuses what it had done already, as the bot expects: a press's second
/// answer (a query takes one), an edit to what the message says now, and
/// deleting a typed code deleted already.
fn done_before_the_kill(call: &RefusedCall) -> bool {
    (call.method == "answerCallbackQuery" && call.description.contains("query is too old"))
        || (call.method == "editMessageText"
            && call.description.contains("message is not modified"))
        || (call.method == "deleteMessage" && call.description.contains("not found"))
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_polling_bot_killed_mid_conversations_loses_nothing_and_applies_nothing_twice(
    db: PgPool,
) {
    let mut app = TestApp::spawn(db).await;
    killed_mid_conversations(&mut app, Intake::Polling).await;
    app.finish_expecting(done_before_the_kill).await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_webhook_bot_killed_mid_conversations_loses_nothing_and_applies_nothing_twice(
    db: PgPool,
) {
    let mut app = TestApp::spawn(db).await;
    killed_mid_conversations(&mut app, Intake::Webhook).await;
    app.finish_expecting(done_before_the_kill).await;
}
