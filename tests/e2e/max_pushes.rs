//! Notifications on Max: an account born there gets its pushes there; one
//! on both messengers gets them where /settings says (security on every
//! one); a login asked on both is answered on one and closed on the other;
//! a chat that stopped the bot is marked unreachable and skipped until the
//! person writes again, and what it could not carry goes to the other
//! messenger.

use medcab_core::applications::{self, Kind, Status};
use medcab_core::channels::{self, Messenger};
use medcab_core::notices::{self, NoticeDraft};
use medcab_core::{broadcasts, outbox};
use medcab_e2e::sandbox::{FileKind, UploadFile};
use medcab_e2e::{Phone, RegisterEntry, Says, TestApp, valid_snils};
use serde_json::json;

use crate::documents::PDF;
use crate::max::{connect_on_max, link_to_max, start_code};

/// `phone`'s cabinet (on Telegram) linked to a new Max user by the one-time
/// link; returns that Max phone.
async fn linked_on_max<'a>(app: &'a TestApp, phone: &Phone<'_>, name: &str) -> Phone<'a> {
    let code = link_to_max(phone).await;
    let on_max = app.max_user(name, "ru").await;
    on_max
        .start_max(Some(&code))
        .await
        .assert_starts("✅ Max подключён к вашему кабинету.");
    assert_eq!(on_max.account().await, phone.user_id());
    on_max
}

/// Анна, a therapist in Moscow (the notices' audience), on Telegram with
/// Max linked: her two phones.
async fn therapist_on_both(app: &TestApp) -> (Phone<'_>, Phone<'_>) {
    let anna = app
        .practitioner(
            "Анна",
            RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1"),
        )
        .await;
    let on_max = linked_on_max(app, &anna, "Анна").await;
    (anna, on_max)
}

/// The bot's messages in a chat whose text has this in it.
async fn count_with(phone: &Phone<'_>, part: &str) -> usize {
    phone
        .chat()
        .await
        .bot_messages()
        .filter(|m| m.body().contains(part))
        .count()
}

/// Writes a security notice (a refused link) to `account`, as core does,
/// and wakes delivery.
pub(crate) async fn security_notice(app: &TestApp, account: medcab_core::UserId) {
    let mut tx = app.db.begin().await.unwrap();
    let written = outbox::enqueue(
        &mut tx,
        &outbox::Notification::new(
            account.get(),
            outbox::Kind::SecurityNotice,
            outbox::Payload::new(outbox::Push::LinkConflict {}),
        ),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(written.is_some(), "a row for {account:?}");
    tx.commit().await.unwrap();
    app.wake_delivery();
}

/// What the security notice about a refused link says, on either messenger.
pub(crate) const CONFLICT: &str = "Попытка подключить ваш кабинет";

/// Publishes a notice to therapists, as `medcab admin publish-notice` does.
async fn publish(app: &TestApp, title: &str) -> i64 {
    let draft = NoticeDraft::parse(title, "Сроки аттестации меняются.", None, &["Терапия"], &[])
        .expect("a notice");
    notices::publish(&app.db, &draft, broadcasts::Source::Cli, app.clock.now())
        .await
        .expect("published")
        .broadcast_id
}

/// Waits until every row of the broadcast is settled.
async fn settled(app: &TestApp, broadcast_id: i64) -> broadcasts::Progress {
    medcab_e2e::eventually("the broadcast is delivered", async || {
        app.wake_delivery();
        broadcasts::progress(&app.db, broadcast_id, app.clock.now())
            .await
            .unwrap()
            .is_some_and(|p| p.is_done())
    })
    .await;
    broadcasts::progress(&app.db, broadcast_id, app.clock.now())
        .await
        .unwrap()
        .unwrap()
}

#[medcab_e2e::test]
async fn a_passport_uploaded_on_max_is_approved_and_told_there(app: TestApp) {
    let anna = connect_on_max(&app, "Анна").await;
    let account = anna.account().await;

    // A new passport through the Max chat, with its file uploaded there.
    anna.send("/menu").await;
    anna.press("📨 Мои заявки").await;
    anna.press("➕ Новая заявка").await;
    anna.press("Изменение персональных данных").await;
    anna.press("➕ Добавить документ").await;
    anna.press("Паспорт").await;
    anna.send("4510 123456").await;
    anna.send("01.02.2015").await;
    let saved = anna
        .upload(UploadFile::new(
            FileKind::Document,
            "passport.pdf",
            "application/pdf",
            PDF,
        ))
        .await;
    saved.assert_contains("Паспорт");
    let list = anna.press("📨 Мои заявки").await;
    let application = applications::list(
        &app.db,
        &app.vault,
        account,
        &applications::ReviewDeadlines::default(),
        app.clock.now(),
    )
    .await
    .unwrap()
    .remove(0);
    list.assert_contains(&application.number);
    anna.press(&format!("{} · черновик", application.number))
        .await;
    anna.press("📨 Подать заявку").await;
    let number = application.number.clone();
    anna.wait_for_any_text(&format!("Заявка {number}: подана и ждёт рассмотрения."))
        .await;

    // An operator on Telegram approves it; the news comes to Max.
    let olga = app.operator("Ольга").await;
    let card = olga.send("/review").await;
    card.assert_contains(&format!(
        "📋 Заявка {number} — Изменение персональных данных"
    ));
    // A cabinet born on Max has no Telegram id: the card names its own.
    card.assert_contains(&format!("ID кабинета {}", account.get()));
    let file = olga.press("📄 1. Паспорт").await;
    assert_eq!(
        file.document.as_ref().and_then(|d| d.file_name.as_deref()),
        Some("passport.pdf"),
        "the file uploaded on Max"
    );
    olga.press("✅ Одобрить").await;
    anna.wait_for_any_text(&format!("Заявка {number}: одобрена"))
        .await;
    let stored = applications::get(&app.db, &app.vault, account, application.id)
        .await
        .unwrap();
    assert_eq!(stored.status, Status::Approved);
    assert_eq!(stored.kind, Kind::PersonalDataUpdate);
    // Every push of hers went through Max (marked once Max took it).
    medcab_e2e::eventually("the pushes are marked sent", async || {
        outbox::for_chat(&app.db, account.get())
            .await
            .unwrap()
            .iter()
            .all(|row| row.sent || row.failed)
    })
    .await;
    let rows = outbox::for_chat(&app.db, account.get()).await.unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|row| row.messenger == Messenger::Max && row.sent && row.max_message_id.is_some()),
        "{rows:?}"
    );
}

#[medcab_e2e::test]
async fn a_notice_goes_where_the_settings_say_and_security_everywhere(app: TestApp) {
    let (anna, on_max) = therapist_on_both(&app).await;
    // Someone on Max the notice is not for.
    let boris = app.max_user("Борис", "ru").await;
    boris.send("/help").await;

    // Both messengers by default: one recipient, a push on each.
    let first = publish(&app, "Приказ № 1").await;
    on_max.wait_for_any_text("📜 Приказ № 1").await;
    anna.wait_for_any_text("📜 Приказ № 1").await;
    let progress = settled(&app, first).await;
    assert_eq!(
        (progress.total, progress.sent, progress.failed),
        (1, 1, 0),
        "counted per recipient"
    );

    // The choice, made on Max: only Max.
    on_max.send("/settings").await;
    let screen = on_max.press("📱 Мессенджеры").await;
    screen.assert_contains("🔔 Уведомления приходят во все подключённые мессенджеры.");
    assert_eq!(
        &screen.button_labels()[..3],
        ["✅ Во все", "Только Telegram", "Только Max"]
    );
    let chosen = on_max.press("Только Max").await;
    chosen.assert_starts("✅ Сохранено.");
    chosen.assert_contains("🔔 Уведомления приходят только в Max.");
    assert_eq!(chosen.button_labels()[2], "✅ Только Max");

    let second = publish(&app, "Приказ № 2").await;
    on_max.wait_for_any_text("📜 Приказ № 2").await;
    settled(&app, second).await;
    assert_eq!(count_with(&anna, "📜 Приказ № 2").await, 0);
    assert_eq!(count_with(&on_max, "📜 Приказ № 2").await, 1);
    assert_eq!(boris.chat().await.bot_messages().count(), 1, "only /help");

    // A security notice still comes to both.
    security_notice(&app, anna.user_id()).await;
    for phone in [&anna, &on_max] {
        phone
            .wait_for(|chat| chat.bot_messages().any(|m| m.body().contains(CONFLICT)))
            .await;
    }

    // A choice pressed by someone with one messenger changes nothing,
    // theirs or hers.
    boris.press_forged("lnk:dl:telegram").await;
    let settings_of = async |user| {
        medcab_core::notification_settings::get(&app.db, user)
            .await
            .unwrap()
            .deliver_to
    };
    assert_eq!(settings_of(boris.account().await).await, None);
    assert_eq!(settings_of(anna.user_id()).await, Some(Messenger::Max));
}

#[medcab_e2e::test]
async fn a_messenger_not_linked_cannot_be_chosen(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    anna.send("/settings").await;
    let screen = anna.press("📱 Мессенджеры").await;
    assert!(
        !screen.button_labels().contains(&"Только Max"),
        "no choice with one messenger: {:?}",
        screen.button_labels()
    );
    for forged in ["lnk:dl:max", "lnk:dl:telegram", "lnk:dl:all"] {
        anna.press_forged(forged).await;
        anna.wait_for_any_text(&crate::ru("button-outdated")).await;
    }
    let settings = medcab_core::notification_settings::get(&app.db, anna.user_id())
        .await
        .unwrap();
    assert_eq!(settings.deliver_to, None);
}

#[medcab_e2e::test]
async fn a_cabinet_born_on_max_is_told_there_when_telegram_is_linked(app: TestApp) {
    let anna = connect_on_max(&app, "Анна").await;
    let account = anna.account().await;
    anna.send("/settings").await;
    anna.press("📱 Мессенджеры").await;
    let link = anna.press("🔗 Подключить Telegram").await;
    let code = start_code(&link);
    let vera = app.user("Анна", "ru").await;
    vera.send(&format!("/start {code}"))
        .await
        .assert_starts("✅ Telegram подключён к вашему кабинету.");
    let linked: i64 = sqlx::query_scalar(
        "SELECT user_id FROM channels WHERE messenger = 'telegram' AND external_id = $1",
    )
    .bind(vera.id())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(linked, account.get(), "the same cabinet");
    anna.wait_for_any_text("🔗 К вашему кабинету подключён Telegram.")
        .await;
    // The chat just linked is not the one told.
    assert_eq!(count_with(&vera, "К вашему кабинету подключён").await, 0);
}

const PUSH: &str = "🔐 Вход в личный кабинет: это вы?";

/// A portal asks about a login of `phone`'s practitioner: the challenge's
/// id and the number the portal shows.
async fn ask_login(app: &TestApp, phone: &Phone<'_>) -> (String, String) {
    let request = json!({
        "practitioner": { "snils": valid_snils(phone.id()) },
        "ip": "203.0.113.7", "device": "Firefox, Windows 11", "place": "Москва, Россия"
    });
    let created = app
        .api()
        .create_login_confirmation(&request.to_string())
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let number = created.body["match_number"].as_u64().unwrap().to_string();
    (id, number)
}

#[medcab_e2e::test]
async fn a_login_answered_on_max_closes_its_prompt_on_telegram(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let on_max = linked_on_max(&app, &anna, "Анна").await;
    // Even with notifications chosen for Telegram only.
    anna.send("/settings").await;
    anna.press("📱 Мессенджеры").await;
    anna.press("Только Telegram").await;

    let (id, number) = ask_login(&app, &anna).await;
    let on_telegram = anna.wait_for_any_text(PUSH).await;
    let prompt = on_max.wait_for_any_text(PUSH).await;
    assert!(prompt.button_labels().contains(&number.as_str()));

    let answered = on_max.press(&number).await;
    answered.assert_starts("✅ Вход подтверждён");
    assert!(answered.button_labels().is_empty());
    // The prompt on Telegram shows the same outcome, without buttons.
    let chat = anna
        .wait_for(|chat| {
            chat.message(on_telegram.message_id)
                .is_some_and(|m| m.body().starts_with("✅ Вход подтверждён"))
        })
        .await;
    let closed = chat.message(on_telegram.message_id).unwrap();
    assert!(closed.button_labels().is_empty(), "{closed:?}");
    let reply = app.api().login_confirmation(&id).await;
    assert_eq!(reply.body["status"], "approved");
    // A late press on Telegram is told it was answered.
    let late = anna
        .press_forged(
            &on_telegram
                .button(&number)
                .and_then(|b| b.callback_data.clone())
                .unwrap(),
        )
        .await;
    assert_eq!(
        late.text.as_deref(),
        Some(crate::ru("login-toast-already").as_str())
    );
}

#[medcab_e2e::test]
async fn a_login_unanswered_is_closed_on_both_messengers_at_expiry(app: TestApp) {
    let anna = app.confirmed_user("Анна", "ru").await;
    let on_max = linked_on_max(&app, &anna, "Анна").await;
    ask_login(&app, &anna).await;
    let on_telegram = anna.wait_for_any_text(PUSH).await;
    let on_max_prompt = on_max.wait_for_any_text(PUSH).await;
    app.clock.advance(chrono::Duration::minutes(3));
    for (phone, prompt) in [(&anna, &on_telegram), (&on_max, &on_max_prompt)] {
        let chat = phone
            .wait_for(|chat| {
                chat.message(prompt.message_id)
                    .is_some_and(|m| m.button_labels().is_empty())
            })
            .await;
        chat.message(prompt.message_id).unwrap().assert_starts("⌛");
    }
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_max_chat_that_stopped_the_bot_is_skipped_until_it_writes(db: sqlx::PgPool) {
    let app = TestApp::spawn(db).await;
    let anna = connect_on_max(&app, "Анна").await;
    let account = anna.account().await;
    let notify = async || security_notice(&app, account).await;
    let settled_rows = async || {
        medcab_e2e::eventually("the pushes are settled", async || {
            app.wake_delivery();
            outbox::for_chat(&app.db, account.get())
                .await
                .unwrap()
                .iter()
                .all(|row| row.sent || row.failed)
        })
        .await;
        outbox::for_chat(&app.db, account.get()).await.unwrap()
    };
    let reachable = async || -> bool {
        channels::of_account(&app.db, account)
            .await
            .unwrap()
            .iter()
            .find(|c| c.messenger == Messenger::Max)
            .unwrap()
            .reachable
    };

    // Stopped while a push is on its way: Max refuses it, the chat is
    // marked (also by the bot_stopped update).
    app.client.max().block(anna.id(), true).await.unwrap();
    medcab_e2e::eventually("the stop is seen", async || !reachable().await).await;
    app.client.max().block(anna.id(), false).await.unwrap();
    // (Unblocked in the emulator, but she has not written: still skipped.)
    notify().await;
    let rows = settled_rows().await;
    let last = rows.last().unwrap();
    assert!(last.failed && !last.sent, "{last:?}");
    assert_eq!(last.last_error.as_deref(), Some(outbox::UNREACHABLE));
    assert_eq!(last.attempts, 0, "no send was tried");

    // A refused send marks it too.
    anna.send("/help").await;
    assert!(reachable().await, "writing again clears the mark");
    app.client.max().block(anna.id(), true).await.unwrap();
    // Let the bot_stopped update be seen, then clear the mark as if it
    // were lost, so that the send itself meets the refusal.
    medcab_e2e::eventually("the stop is seen", async || !reachable().await).await;
    sqlx::query("UPDATE channels SET unreachable_since = NULL WHERE user_id = $1")
        .bind(account.get())
        .execute(&app.db)
        .await
        .unwrap();
    notify().await;
    let rows = settled_rows().await;
    let last = rows.last().unwrap();
    assert!(last.failed && last.attempts == 1, "{last:?}");
    assert!(
        last.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("chat.denied"),
        "{last:?}"
    );
    assert!(!reachable().await);

    // She starts the bot again: the next push arrives.
    app.client.max().block(anna.id(), false).await.unwrap();
    anna.send("/help").await;
    notify().await;
    let rows = settled_rows().await;
    assert!(rows.last().unwrap().sent, "{rows:?}");
    assert_eq!(count_with(&anna, CONFLICT).await, 1);
    drop(anna);
    // Max refused the send to the stopped chat: the test's own doing.
    app.finish_expecting(|call| call.error_code == 403).await;
}

#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn a_notice_max_cannot_carry_comes_to_telegram_instead(db: sqlx::PgPool) {
    let app = TestApp::spawn(db).await;
    let (anna, on_max) = therapist_on_both(&app).await;
    on_max.send("/settings").await;
    on_max.press("📱 Мессенджеры").await;
    on_max
        .press("Только Max")
        .await
        .assert_contains("🔔 Уведомления приходят только в Max.");

    // She stops the bot on Max; the bot has not heard of it (the mark the
    // bot_stopped update left is cleared, as if the update were lost), so
    // the notice is written for Max only and Max refuses it.
    let account = anna.user_id();
    let max_reachable = async || {
        channels::of_account(&app.db, account)
            .await
            .unwrap()
            .iter()
            .any(|c| c.messenger == Messenger::Max && c.reachable)
    };
    app.client.max().block(on_max.id(), true).await.unwrap();
    medcab_e2e::eventually("the stop is seen", async || !max_reachable().await).await;
    sqlx::query("UPDATE channels SET unreachable_since = NULL WHERE user_id = $1")
        .bind(account.get())
        .execute(&app.db)
        .await
        .unwrap();
    let broadcast = publish(&app, "Приказ № 3").await;
    anna.wait_for_any_text("📜 Приказ № 3").await;
    let progress = settled(&app, broadcast).await;
    assert_eq!(
        (progress.total, progress.sent, progress.failed),
        (1, 1, 0),
        "reached on Telegram: sent, not failed"
    );
    let rows = outbox::for_chat(&app.db, account.get()).await.unwrap();
    let notice: Vec<_> = rows
        .iter()
        .filter(|row| row.kind == outbox::Kind::RegulatoryNotice.as_str())
        .map(|row| (row.messenger, row.sent, row.failed))
        .collect();
    assert_eq!(
        notice,
        [
            (Messenger::Max, false, true),
            (Messenger::Telegram, true, false)
        ]
    );
    assert!(!max_reachable().await, "the refusal marks the Max chat");
    assert_eq!(count_with(&anna, "📜 Приказ № 3").await, 1);
    drop((anna, on_max));
    // Max refused the send to the stopped chat: the test's own doing.
    app.finish_expecting(|call| call.error_code == 403).await;
}
