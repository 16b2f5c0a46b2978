//! The bot killed in the middle of many conversations: nothing the
//! messenger handed over is lost, and everyone is answered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use medcab_e2e::process::Intake;
use medcab_e2e::{Phone, PrivateRedis, TestApp, eventually};
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

/// How a practitioner gives the four answers of the upgrade.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answers {
    /// Each once the last is answered, as a person reading them does.
    OneByOne,
    /// All four at once, as a person typing ahead does: with several
    /// instances, each may be stored by another one, and they must still be
    /// handled in the order they were sent.
    AtOnce,
}

const UPGRADE: [(&str, &str); 4] = [
    (
        "Кардиология: актуальные вопросы",
        "Объём программы в академических часах",
    ),
    ("144", "Дата начала обучения"),
    ("01.02.2024", "Дата окончания обучения"),
    ("28.02.2024", "Проверьте данные"),
];

/// One practitioner adds a qualification upgrade question by question and
/// saves it, passing the step-up on the way: nine updates, each changing the conversation's position and
/// the last writing a record, so one applied twice shows (as a second
/// record, or an answer out of turn). Each step waits for its answer, as a
/// person does (but the four answers, when `answers` is
/// [`Answers::AtOnce`]); `steps` counts the answered ones.
async fn add_an_upgrade(app: &TestApp, phone: &Phone<'_>, steps: &AtomicUsize, answers: Answers) {
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
    match answers {
        Answers::OneByOne => {
            for (answer, next) in UPGRADE {
                phone.send_text(answer).await;
                answered(phone, next).await;
                step();
            }
        }
        Answers::AtOnce => {
            for (answer, _) in UPGRADE {
                phone.send_text(answer).await;
            }
            answered(phone, "Проверьте данные").await;
            // Taken in another order, an answer lands in the wrong field
            // (or is refused there) and the card does not read so.
            let card = phone.chat().await;
            let card = card
                .bot_messages()
                .find(|m| m.body().starts_with("Проверьте данные"))
                .expect("the card");
            let body = card.body();
            let place = |text: &str| body.find(text).unwrap_or_else(|| panic!("{body}"));
            assert!(
                place("Кардиология") < place("144 академических часа")
                    && place("144 академических часа") < place("01.02.2024")
                    && place("01.02.2024") < place("28.02.2024"),
                "the answers were taken out of order: {body}"
            );
            for _ in UPGRADE {
                step();
            }
        }
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
            .map(|phone| add_an_upgrade(app, phone, &steps, Answers::OneByOne)),
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
    let finished = all_finished(conversations, crash).await;
    assert!(
        finished,
        "not every conversation finished; the bot's log:\n{}",
        bot.log_tail()
    );

    saved_once_and_nothing_left(app, &phones).await;
    bot.stop().await;
}

/// The conversations and the fault beside them, for at most four minutes;
/// whether they all finished.
async fn all_finished(
    conversations: impl std::future::Future,
    fault: impl std::future::Future,
) -> bool {
    tokio::time::timeout(Duration::from_secs(240), async {
        futures::join!(conversations, fault)
    })
    .await
    .is_ok()
}

/// After the conversations: each practitioner has the one record, listed
/// once; nothing is left in the inbox and nothing was set aside.
async fn saved_once_and_nothing_left(app: &TestApp, phones: &[Phone<'_>]) {
    for phone in phones {
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

/// What befalls the first of two instances a third of the way through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Befalls {
    /// SIGKILL, and it is not started again.
    Death,
    /// SIGSTOP for three seconds (its leases last one), then SIGCONT: it
    /// wakes up in the middle of updates another instance has taken over.
    Stall,
}

/// Two instances of `medcab run` behind one balancer, webhooks to both,
/// 200 conversations whose four answers are typed ahead; a third of the
/// way through, the first instance dies or stalls. The other takes its
/// chats (their leases run out), every update is answered, each chat's
/// order is kept though the answers reach the two instances by turns, and
/// each record is saved once.
async fn of_two_instances_one(db: PgPool, befalls: Befalls) {
    let mut app = TestApp::spawn(db).await;
    app.stop_bot().await;
    let mut phones = Vec::new();
    for n in 0..CONVERSATIONS {
        phones.push(app.active_user(&format!("Врач {n}"), "ru").await);
    }
    let mut instances = app.medcab_instances(2).await;
    let steps = AtomicUsize::new(0);
    let total = CONVERSATIONS * 9;
    let conversations = join_all(
        phones
            .iter()
            .map(|phone| add_an_upgrade(&app, phone, &steps, Answers::AtOnce)),
    );
    let mut at_the_fault = Vec::new();
    let fault = async {
        while steps.load(Ordering::Relaxed) < total / 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let at = steps.load(Ordering::Relaxed);
        match befalls {
            Befalls::Death => {
                instances.processes[0].kill().await;
                // Answers it sent just before it died may still be on their
                // way.
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Befalls::Stall => instances.processes[0].stall(Duration::from_secs(3)).await,
        }
        at_the_fault = instances.balancer.answered();
        eprintln!(
            "the first instance {} at {at} of {total} answered steps; webhooks each had answered: {at_the_fault:?}",
            match befalls {
                Befalls::Death => "killed",
                Befalls::Stall => "stalled for 3 s",
            }
        );
    };
    let finished = all_finished(conversations, fault).await;
    assert!(
        finished,
        "not every conversation finished; the second instance's log:\n{}",
        instances.processes[1].log_tail()
    );
    assert!(
        at_the_fault.iter().all(|answered| *answered > 0),
        "both instances took webhooks before the fault: {at_the_fault:?}"
    );
    let after = instances.balancer.answered();
    if befalls == Befalls::Death {
        assert_eq!(
            after[0], at_the_fault[0],
            "none reached the killed one after it"
        );
    }
    assert!(
        after[1] > at_the_fault[1],
        "the other took the rest: {after:?}"
    );
    saved_once_and_nothing_left(&app, &phones).await;
    // Updates the first one had in hand, handled by the other once the
    // lease ran out.
    let taken_over: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE attempts > 0")
        .fetch_one(&app.db)
        .await
        .unwrap();
    eprintln!("updates taken over from the first instance: {taken_over}");
    assert!(
        taken_over > 0,
        "the first one held chats, and they were taken"
    );
    assert!(instances.processes[1].running());
    if befalls == Befalls::Stall {
        assert!(instances.processes[0].running(), "the stalled one goes on");
    }
    for process in instances.processes {
        process.stop().await;
    }
    app.finish_expecting(done_before_the_kill).await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn of_two_instances_behind_webhooks_one_killed_the_other_takes_its_chats_in_order(
    db: PgPool,
) {
    of_two_instances_one(db, Befalls::Death).await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn of_two_instances_behind_webhooks_one_stalled_past_its_leases_the_other_takes_its_chats_in_order(
    db: PgPool,
) {
    of_two_instances_one(db, Befalls::Stall).await;
}

/// Redis flushed a quarter of the way through 100 conversations under
/// `medcab run`, then stopped for five seconds halfway and started again
/// empty: the positions it kept are gone twice, but every conversation
/// goes on (what was typed is in PostgreSQL, as drafts), every update is
/// answered, and each record is saved once.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn redis_flushed_then_stopped_mid_conversations_loses_nothing(db: PgPool) {
    const PEOPLE: usize = 100;
    let mut redis = PrivateRedis::start().await;
    let mut app = TestApp::spawn_with_redis(db, &redis.url()).await;
    app.stop_bot().await;
    let mut phones = Vec::new();
    for n in 0..PEOPLE {
        phones.push(app.active_user(&format!("Врач {n}"), "ru").await);
    }
    let bot = app.medcab_process(Intake::Polling).await;
    let steps = AtomicUsize::new(0);
    let total = PEOPLE * 9;
    let conversations = join_all(
        phones
            .iter()
            .map(|phone| add_an_upgrade(&app, phone, &steps, Answers::OneByOne)),
    );
    let at = |share: usize| {
        let steps = &steps;
        async move {
            while steps.load(Ordering::Relaxed) < total * share / 4 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    let faults = async {
        at(1).await;
        let mut redis_client = redis::Client::open(redis.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let () = redis::cmd("FLUSHALL")
            .query_async(&mut redis_client)
            .await
            .unwrap();
        eprintln!("flushed at {} of {total}", steps.load(Ordering::Relaxed));
        at(2).await;
        redis.stop();
        eprintln!("stopped at {} of {total}", steps.load(Ordering::Relaxed));
        tokio::time::sleep(Duration::from_secs(5)).await;
        redis.resume().await;
        eprintln!(
            "started again at {} of {total}",
            steps.load(Ordering::Relaxed)
        );
    };
    let finished = all_finished(conversations, faults).await;
    assert!(
        finished,
        "not every conversation finished ({} of {total} steps); the bot's log:\n{}",
        steps.load(Ordering::Relaxed),
        bot.log_tail()
    );
    saved_once_and_nothing_left(&app, &phones).await;
    bot.stop().await;
    app.finish().await;
}
