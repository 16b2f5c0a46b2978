//! The harness itself must catch what it promises to catch.

use medcab_e2e::TestApp;
use teloxide::prelude::*;

#[medcab_e2e::test]
#[should_panic(expected = "the sandbox refused Bot API calls the bot made")]
async fn a_reply_over_telegrams_limit_fails_the_test(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/start").await;

    let too_long = "а".repeat(4097);
    let refused = app
        .bot_api()
        .send_message(ChatId(anna.id()), too_long)
        .await;
    assert!(
        refused.is_err(),
        "the sandbox must refuse a text over 4096 characters"
    );
}
