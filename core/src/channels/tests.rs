//! Accounts across messengers: who a messenger's user is, and linking.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::*;
use crate::DataKey;

fn vault() -> Vault {
    Vault::new(&DataKey::generate())
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
        .unwrap()
        .to_utc()
}

/// A messenger's user whose account finished onboarding (as the bot
/// makes it: consent, register, second factor; only the step matters here).
async fn active(db: &PgPool, messenger: Messenger, external_id: i64) -> UserId {
    let user = account_of(db, messenger, external_id, external_id)
        .await
        .unwrap()
        .unwrap();
    sqlx::query(
        "INSERT INTO accounts (telegram_user_id, step, created_at) VALUES ($1, 'active', now())",
    )
    .bind(user.get())
    .execute(db)
    .await
    .unwrap();
    user
}

async fn issued(db: &PgPool, vault: &Vault, user: UserId, messenger: Messenger) -> String {
    issue_link_code(db, vault, user, messenger, now())
        .await
        .unwrap()
        .expect("a link code")
}

async fn codes(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM channel_link_codes")
        .fetch_one(db)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_telegram_user_is_their_own_id_and_a_max_user_gets_one_past_telegrams(db: PgPool) {
    let anna = account_of(&db, Messenger::Telegram, 7001, 7001)
        .await
        .unwrap();
    assert_eq!(anna, Some(UserId::from_stored(7001)));
    // The same again: found, not made.
    let again = account_of(&db, Messenger::Telegram, 7001, 7001)
        .await
        .unwrap();
    assert_eq!(again, anna);

    // Max's user 7001 is someone else.
    let boris = account_of(&db, Messenger::Max, 7001, 99)
        .await
        .unwrap()
        .unwrap();
    assert!(boris.get() >= MAX_BORN_FROM, "{boris:?}");
    let vera = account_of(&db, Messenger::Max, 7002, 98)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(boris, vera);
    assert_eq!(
        account_of(&db, Messenger::Max, 7001, 99).await.unwrap(),
        Some(boris)
    );
    assert_eq!(
        of_account(&db, boris).await.unwrap(),
        vec![Channel {
            messenger: Messenger::Max,
            chat_id: 99,
            reachable: true
        }]
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_code_links_the_other_messenger_once(db: PgPool) {
    let vault = vault();
    let anna = active(&db, Messenger::Telegram, 7001).await;
    let code = issued(&db, &vault, anna, Messenger::Max).await;
    assert!(is_link_code(&code), "{code}");
    // Only the digest is kept.
    let kept: Vec<u8> = sqlx::query_scalar("SELECT digest FROM channel_link_codes")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(!kept.windows(code.len()).any(|w| w == code.as_bytes()));

    // Opened in Telegram, it is not for there.
    let wrong = redeem_link_code(&db, &vault, &code, Messenger::Telegram, 1, 1, now()).await;
    assert_eq!(wrong.unwrap(), Err(LinkRefusal::NotValid));
    // Opened in Max by a newcomer (who pressed /start first): linked.
    let newcomer = account_of(&db, Messenger::Max, 555, 55)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(newcomer, anna);
    let linked = redeem_link_code(&db, &vault, &code, Messenger::Max, 555, 55, now()).await;
    assert_eq!(linked.unwrap(), Ok(anna));
    assert_eq!(
        account_of(&db, Messenger::Max, 555, 55).await.unwrap(),
        Some(anna)
    );
    let messengers: Vec<_> = of_account(&db, anna)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.messenger)
        .collect();
    assert_eq!(messengers, vec![Messenger::Telegram, Messenger::Max]);
    // Used once.
    let twice = redeem_link_code(&db, &vault, &code, Messenger::Max, 556, 56, now()).await;
    assert_eq!(twice.unwrap(), Err(LinkRefusal::NotValid));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_expired_code_or_a_max_account_with_a_cabinet_of_its_own_does_not_link(db: PgPool) {
    let vault = vault();
    let anna = active(&db, Messenger::Telegram, 7001).await;
    let code = issued(&db, &vault, anna, Messenger::Max).await;
    let late = now() + LINK_CODE_LIFETIME + Duration::seconds(1);
    let expired = redeem_link_code(&db, &vault, &code, Messenger::Max, 555, 55, late).await;
    assert_eq!(expired.unwrap(), Err(LinkRefusal::NotValid));

    // A Max account that gave its consent is a cabinet: not taken over.
    let own = account_of(&db, Messenger::Max, 777, 77)
        .await
        .unwrap()
        .unwrap();
    sqlx::query(
        "INSERT INTO consents (telegram_user_id, text_version, given_at) VALUES ($1, 'v1', now())",
    )
    .bind(own.get())
    .execute(&db)
    .await
    .unwrap();
    let code = issued(&db, &vault, anna, Messenger::Max).await;
    let refused = redeem_link_code(&db, &vault, &code, Messenger::Max, 777, 77, now()).await;
    assert_eq!(refused.unwrap(), Err(LinkRefusal::HasItsOwnAccount));
    assert_eq!(
        account_of(&db, Messenger::Max, 777, 77).await.unwrap(),
        Some(own)
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_blocked_chat_is_unreachable_until_the_person_writes(db: PgPool) {
    let boris = account_of(&db, Messenger::Max, 9, 90)
        .await
        .unwrap()
        .unwrap();
    mark_unreachable(&mut db.acquire().await.unwrap(), Messenger::Max, 90, now())
        .await
        .unwrap();
    assert!(!of_account(&db, boris).await.unwrap()[0].reachable);
    // She writes: the update's account lookup clears the mark.
    account_of(&db, Messenger::Max, 9, 90).await.unwrap();
    assert!(of_account(&db, boris).await.unwrap()[0].reachable);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_link_code_is_given_only_to_an_active_account(db: PgPool) {
    let vault = vault();
    // Seen, never onboarded: no account row.
    let newcomer = account_of(&db, Messenger::Telegram, 7001, 7001)
        .await
        .unwrap()
        .unwrap();
    let refused = issue_link_code(&db, &vault, newcomer, Messenger::Max, now()).await;
    assert_eq!(refused.unwrap(), Err(CodeRefused::NotActive));
    // Onboarding under way.
    crate::accounts::open(&db, newcomer, now()).await.unwrap();
    let refused = issue_link_code(&db, &vault, newcomer, Messenger::Max, now()).await;
    assert_eq!(refused.unwrap(), Err(CodeRefused::NotActive));
    assert_eq!(codes(&db).await, 0, "nothing written");
    // Active: given.
    sqlx::query("UPDATE accounts SET step = 'active' WHERE telegram_user_id = $1")
        .bind(newcomer.get())
        .execute(&db)
        .await
        .unwrap();
    let code = issued(&db, &vault, newcomer, Messenger::Max).await;
    assert!(is_link_code(&code));

    // A reset took the factor before the code was opened: it links nothing.
    sqlx::query("UPDATE accounts SET step = 'second_factor' WHERE telegram_user_id = $1")
        .bind(newcomer.get())
        .execute(&db)
        .await
        .unwrap();
    let late = redeem_link_code(&db, &vault, &code, Messenger::Max, 555, 55, now()).await;
    assert_eq!(late.unwrap(), Err(LinkRefusal::NotValid));
    let messengers: Vec<_> = of_account(&db, newcomer)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.messenger)
        .collect();
    assert_eq!(messengers, vec![Messenger::Telegram]);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn no_link_code_for_a_messenger_linked_already(db: PgPool) {
    let vault = vault();
    let anna = active(&db, Messenger::Telegram, 7001).await;
    // The one she writes from.
    let here = issue_link_code(&db, &vault, anna, Messenger::Telegram, now()).await;
    assert_eq!(here.unwrap(), Err(CodeRefused::AlreadyLinked));
    assert_eq!(codes(&db).await, 0);
    let code = issued(&db, &vault, anna, Messenger::Max).await;
    let linked = redeem_link_code(&db, &vault, &code, Messenger::Max, 555, 55, now()).await;
    assert_eq!(linked.unwrap(), Ok(anna));
    // Max linked now: another code would move it to whoever opens it.
    let again = issue_link_code(&db, &vault, anna, Messenger::Max, now()).await;
    assert_eq!(again.unwrap(), Err(CodeRefused::AlreadyLinked));
    assert_eq!(codes(&db).await, 0);
}

/// The rules are checked under the account's row lock: a change of the
/// account committed while a code is being given (here a reset taking
/// effect) is waited for and seen, never missed by an earlier snapshot.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_code_given_while_the_account_changes_waits_and_sees_the_change(db: PgPool) {
    let vault = vault();
    let anna = active(&db, Messenger::Telegram, 7001).await;
    let mut reset = db.begin().await.unwrap();
    sqlx::query("UPDATE accounts SET step = 'second_factor' WHERE telegram_user_id = $1")
        .bind(anna.get())
        .execute(&mut *reset)
        .await
        .unwrap();
    let issuing = {
        let (db, vault) = (db.clone(), vault.clone());
        tokio::spawn(async move { issue_link_code(&db, &vault, anna, Messenger::Max, now()).await })
    };
    // Until the issuing transaction waits for the reset's row lock; one
    // that did not lock would finish first, with a code.
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        if waiting > 0 || issuing.is_finished() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    reset.commit().await.unwrap();
    let issued = issuing.await.unwrap().unwrap();
    assert_eq!(issued, Err(CodeRefused::NotActive));
    assert_eq!(codes(&db).await, 0);
}

#[test]
fn only_link_shaped_payloads_are_link_codes() {
    assert!(is_link_code("link-0123456789abcdef0123456789abcdef"));
    assert!(!is_link_code("link-0123"));
    assert!(!is_link_code("ref-0123456789abcdef0123456789abcdef"));
    assert!(!is_link_code("link-0123456789abcdef0123456789abcdeg"));
}
