//! Telegram delivers at least once; the bot applies each update once.

use medcab_e2e::TestApp;

#[medcab_e2e::test]
async fn a_redelivered_update_is_not_handled_again(mut app: TestApp) {
    let anna = app.active_user("Анна", "ru").await.user;
    let start = app.client.send_text(anna.id, "/start").await.unwrap();
    app.client
        .wait_for(anna.id, |chat| chat.bot_messages().count() == 1)
        .await
        .unwrap();

    // The bot stops before Telegram saw its confirmation; after the restart
    // Telegram hands the same update over again.
    app.stop_bot().await;
    app.client.redeliver(start.update_id).await.unwrap();
    app.start_bot().await;

    // Updates of a chat are handled in order: once /help is answered, the
    // redelivered /start has been dealt with too.
    let help = app.phone(anna.clone()).send("/help").await;
    assert!(help.body().starts_with("Что умеет бот"), "{}", help.body());
    let replies: Vec<_> = app
        .client
        .chat(anna.id)
        .await
        .unwrap()
        .bot_messages()
        .map(|m| m.body().to_owned())
        .collect();
    assert_eq!(replies.len(), 2, "the greeting was sent once: {replies:#?}");
}

#[medcab_e2e::test]
async fn updates_sent_while_the_bot_is_down_are_answered_after_it_starts(mut app: TestApp) {
    let anna = app.active_user("Анна", "ru").await.user;

    app.stop_bot().await;
    app.client.send_text(anna.id, "/start").await.unwrap();
    app.start_bot().await;

    let chat = app
        .client
        .wait_for(anna.id, |chat| chat.bot_messages().count() == 1)
        .await
        .unwrap();
    assert!(
        chat.last_bot_message()
            .unwrap()
            .body()
            .starts_with("Здравствуйте, Анна!")
    );
}
