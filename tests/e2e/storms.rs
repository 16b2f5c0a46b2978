//! The messenger in trouble while the bot answers: a 429 with its
//! `retry_after`, a 500 or a 502, a reply answered seconds late. The
//! update is handled again after the pause (from the position it found),
//! the limit is kept, and nobody is told that something went wrong.
//! (What the delivery worker does with the same troubles: `delivery.rs`.)

use std::time::{Duration, Instant};

use medcab_e2e::sandbox::Injection;
use medcab_e2e::{TestApp, count_starting};
use sqlx::PgPool;

const HELP: &str = "Что умеет бот";
const FAILED: &str = "Что-то пошло не так";

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn replies_refused_by_a_messenger_in_trouble_are_sent_again_and_nobody_is_told_of_a_failure(
    db: PgPool,
) {
    let app = TestApp::spawn(db).await;
    let twice = |injection: Injection| Injection {
        count: Some(2),
        ..injection
    };
    let storms = [
        twice(Injection::too_many_requests(1)),
        // teloxide itself waits 10 s after a 5xx before it returns the
        // error: one each is enough.
        Injection::error(502),
        Injection::error(500),
        Injection::slow(Duration::from_secs(2)),
    ];
    let mut phones = Vec::new();
    for n in 0..12 {
        let phone = app.active_user(&format!("Врач {n}"), "ru").await;
        app.client
            .inject(phone.id(), storms[n % storms.len()].clone())
            .await
            .unwrap();
        phones.push(phone);
    }
    let sent = Instant::now();
    for phone in &phones {
        phone.send_text("/help").await;
    }
    for (n, phone) in phones.iter().enumerate() {
        let chat = phone.wait_for(|chat| count_starting(chat, HELP) == 1).await;
        assert_eq!(count_starting(&chat, FAILED), 0, "{chat:?}");
        if n % storms.len() == 0 {
            // Two refusals, a second each: not sent again before.
            assert!(
                sent.elapsed() >= Duration::from_secs(2),
                "{:?}",
                sent.elapsed()
            );
        }
    }
    // Settled: one answer each, none sent twice.
    for phone in &phones {
        let chat = phone.chat().await;
        assert_eq!(count_starting(&chat, HELP), 1, "{chat:?}");
    }
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting, 12, "each update once, none let go");
    app.finish_expecting(|call| matches!(call.error_code, 429 | 500 | 502))
        .await;
}

/// Three attempts refused: the person is told, and may send it again.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_reply_refused_three_times_tells_the_person(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    let thrice = Injection {
        count: Some(3),
        ..Injection::too_many_requests(1)
    };
    app.client.inject(anna.id(), thrice).await.unwrap();
    anna.send_text("/help").await;
    let chat = anna
        .wait_for(|chat| count_starting(chat, FAILED) == 1)
        .await;
    assert_eq!(count_starting(&chat, HELP), 0, "{chat:?}");
    let again = anna.send("/help").await;
    assert!(again.body().starts_with(HELP), "{:?}", again.body());
    app.finish_expecting(|call| call.error_code == 429).await;
}
