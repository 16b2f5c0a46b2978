//! The cabinet on Max: the same route table, stores and texts as on
//! Telegram, through the sandbox's Max emulator.

use medcab_core::channels::{self, Messenger};
use medcab_e2e::{Says, TestApp};

#[medcab_e2e::test]
async fn a_max_user_gets_help_in_their_language_and_an_account_of_their_own(app: TestApp) {
    let anna = app.max_user("Анна", "ru").await;
    anna.send("/help").await.assert_starts("Что умеет бот");
    let boris = app.max_user("Boris", "en").await;
    boris.send("/help").await.assert_starts("What the bot does");

    // Each is an account past every Telegram id, with Max as its messenger.
    let account = anna.account().await;
    assert!(account.get() >= channels::MAX_BORN_FROM, "{account:?}");
    assert_ne!(account, boris.account().await);
    let linked = channels::of_account(&app.db, account).await.unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].messenger, Messenger::Max);

    // A Telegram user's help is the same text.
    let vera = app.user("Вера", "ru").await;
    assert_eq!(
        vera.send("/help").await.body(),
        anna.send("/help").await.body()
    );
}
