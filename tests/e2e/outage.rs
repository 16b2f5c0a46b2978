//! PostgreSQL gone for half a minute under a running `medcab run` (its
//! connections dropped and new ones refused, as a stopped server or a
//! broken network does): the bot stays up, a webhook is answered 503 so
//! the messenger sends again, the people writing are told plainly, and
//! once the database is back everything is answered by itself, nothing
//! lost.

use std::time::{Duration, Instant};

use medcab_e2e::cut::CutProxy;
use medcab_e2e::process::Intake;
use medcab_e2e::{Phone, TestApp, count_starting};
use teloxide::prelude::Requester as _;

const PEOPLE: usize = 10;
const GONE_FOR: Duration = Duration::from_secs(30);
const HELP: &str = "Что умеет бот";
const TOLD: &str = "⏳ Сервис ненадолго недоступен";

async fn database_gone_for_half_a_minute(app: &mut TestApp, intake: Intake) {
    app.stop_bot().await;
    let app = &*app;
    let cut = CutProxy::start(app.database_addr().await).await;
    let mut bot = app.medcab_process_through(intake, Some(cut.addr())).await;
    let mut phones: Vec<Phone<'_>> = Vec::new();
    for n in 0..PEOPLE {
        phones.push(app.active_user(&format!("Врач {n}"), "ru").await);
    }
    for phone in &phones {
        phone.send("/help").await;
    }

    cut.cut();
    let gone = Instant::now();
    for phone in &phones {
        phone.send_text("/help").await;
    }
    // Told plainly, once each, while it lasts.
    for phone in &phones {
        phone.wait_for(|chat| count_starting(chat, TOLD) == 1).await;
    }
    let http = reqwest::Client::new();
    let ready = http
        .get(format!("http://{}/readyz", bot.http_addr()))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("the bot answers /readyz without its database");
    assert_eq!(ready.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    if intake == Intake::Webhook {
        let info = app.bot_api().get_webhook_info().await.unwrap();
        let error = info.last_error_message.clone().unwrap_or_default();
        assert!(error.contains("503"), "the webhook's last error: {error:?}");
        assert!(
            info.pending_update_count >= u32::try_from(PEOPLE).unwrap(),
            "{info:?}"
        );
    }
    // The outage itself: half a minute of it, whatever the test sees.
    tokio::time::sleep_until((gone + GONE_FOR).into()).await;
    assert!(
        bot.running(),
        "the bot died without its database:\n{}",
        bot.log_tail()
    );
    cut.mend();

    for phone in &phones {
        let chat = phone.wait_for(|chat| count_starting(chat, HELP) == 2).await;
        assert_eq!(count_starting(&chat, TOLD), 1, "told once: {chat:?}");
    }
    app.wait_for_inbox_handled().await;
    bot.stop().await;
}

#[medcab_e2e::test]
async fn a_polling_bot_without_its_database_for_half_a_minute_tells_people_and_resumes(
    mut app: TestApp,
) {
    database_gone_for_half_a_minute(&mut app, Intake::Polling).await;
}

#[medcab_e2e::test]
async fn a_webhook_bot_without_its_database_for_half_a_minute_answers_503_and_resumes(
    mut app: TestApp,
) {
    database_gone_for_half_a_minute(&mut app, Intake::Webhook).await;
}
