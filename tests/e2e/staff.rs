//! Operators' second factor: every staff action needs a staff session a
//! code opened (8 hours at most, 15 minutes idle); an operator without a
//! factor enrols one first; wrong codes lock; nothing personal is shown
//! before the code.

use chrono::Duration;
use medcab_core::UserId;
use medcab_core::applications::{self, Application, Kind, Status};
use medcab_core::security_events;
use medcab_e2e::Says;
use medcab_e2e::{Phone, TestApp};

use crate::ru;

/// A refused staff command or typed answer: why, and where one's own
/// commands are.
const STAFF_ONLY: &str = "Это доступно только сотрудникам, которые проверяют заявки и рассылают уведомления, — у вашего аккаунта такой роли нет. Ваши команды — в /help.";

/// A submitted certificate request (it needs no documents), through core.
async fn submitted(app: &TestApp, owner: &Phone<'_>) -> Application {
    let now = app.clock.now();
    let draft = applications::create(
        &app.db,
        &app.vault,
        owner.user_id(),
        Kind::CertificateRequest,
        now,
    )
    .await
    .unwrap();
    applications::submit(&app.db, &app.vault, owner.user_id(), draft.id, now)
        .await
        .unwrap()
}

async fn status(app: &TestApp, application: &Application) -> Status {
    applications::get(&app.db, &app.vault, application.owner_id, application.id)
        .await
        .unwrap()
        .status
}

/// Why this user's staff actions were refused, as the security log has it.
async fn refusals(app: &TestApp, user_id: UserId) -> Vec<String> {
    sqlx::query_scalar(
        r#"
        SELECT details->>'why' FROM security_events
        WHERE telegram_user_id = $1 AND kind = 'operator_action_refused' ORDER BY id
        "#,
    )
    .bind(user_id)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// Nothing of the application reached the chat.
async fn nothing_personal(phone: &Phone<'_>, application: &Application) {
    let chat = phone.chat().await;
    assert!(
        chat.messages
            .iter()
            .all(|m| { m.document.is_none() && !m.body().contains(&application.number) }),
        "{:#?}",
        chat.messages
    );
}

/// Every message the user typed with this text is deleted from the chat.
async fn deleted(phone: &Phone<'_>, text: &str) {
    let chat = phone.chat().await;
    let typed: Vec<_> = chat
        .messages
        .iter()
        .filter(|m| m.from == medcab_sandbox::From::User && m.text.as_deref() == Some(text))
        .collect();
    assert!(!typed.is_empty(), "{text} was typed");
    assert!(typed.iter().all(|m| m.deleted), "{text} is deleted");
}

fn wrong_code(right: &str) -> &'static str {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
}

#[medcab_e2e::test]
async fn an_operator_without_a_factor_enrols_before_the_queue_shows_anything(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let application = submitted(&app, &anna).await;
    let olga = app.user("Ольга", "ru").await;
    app.grant_operator(olga.user_id()).await;

    let qr = olga.send("/review").await;

    assert!(qr.photo.is_some(), "a QR code: {qr:?}");
    assert!(
        qr.protect_content,
        "the secret cannot be forwarded or saved"
    );
    assert!(
        qr.body()
            .starts_with("Защита работы сотрудника вторым фактором."),
        "{}",
        qr.body()
    );
    nothing_personal(&olga, &application).await;
    assert_eq!(status(&app, &application).await, Status::Submitted);
    assert_eq!(refusals(&app, olga.user_id()).await, ["no_staff_factor"]);

    let code = app.staff_code(olga.user_id()).await;
    olga.send(&code).await;
    let card = olga
        .wait_for_text(&format!("📋 Заявка {}", application.number))
        .await;
    assert!(card.protect_content);
    let chat = olga.chat().await;
    let qr_now = chat.messages.iter().find(|m| m.message_id == qr.message_id);
    assert!(qr_now.unwrap().deleted, "the QR code is off the chat");
    deleted(&olga, &code).await;
    assert!(
        chat.bot_messages()
            .any(|m| m.html.as_deref() == Some(ru("staff-factor-enrolled").as_str()))
    );
    assert_eq!(status(&app, &application).await, Status::InReview);

    // A non-operator is still refused and recorded, and enrols nothing.
    let boris = app.active_user("Борис", "ru").await;
    assert_eq!(boris.send("/review").await.body(), STAFF_ONLY);
    assert_eq!(refusals(&app, boris.user_id()).await, ["not_operator"]);
    assert!(
        boris
            .chat()
            .await
            .messages
            .iter()
            .all(|m| m.photo.is_none())
    );
}

#[medcab_e2e::test]
async fn without_a_session_every_staff_action_asks_for_the_code(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let application = submitted(&app, &anna).await;
    let olga = app.operator("Ольга").await;
    // 16 minutes idle: the session opened with the operator is closed.
    app.clock.advance(Duration::minutes(16));

    let asked = olga.send("/review").await;
    assert_eq!(asked.body(), ru("staff-code-needed"));
    nothing_personal(&olga, &application).await;
    assert_eq!(status(&app, &application).await, Status::Submitted);

    // Claimed meanwhile (as if before the session lapsed): the card's
    // buttons and a decision ask for the code too, and show nothing.
    app.open_staff_session(olga.user_id()).await;
    let card = olga.send("/review").await;
    assert!(card.body().contains(&application.number));
    let card_id = card.message_id;
    app.clock.advance(Duration::minutes(16));
    for data in [
        format!("op:next:{}", application.id),
        format!("op:ok:{}", application.id),
    ] {
        let answer = olga.press_forged(&data).await;
        assert_eq!(answer.text, Some(ru("staff-code-first")), "{data}");
    }
    let notice = olga.send("/notice").await;
    assert_eq!(notice.body(), ru("staff-code-needed"));
    // The last thing asked for is the queue.
    olga.send("/review").await;
    assert_eq!(status(&app, &application).await, Status::InReview);
    let chat = olga.chat().await;
    assert_eq!(
        chat.bot_messages()
            .filter(|m| m.body().contains(&application.number))
            .count(),
        1,
        "only the card shown within the session"
    );
    assert_eq!(chat.message(card_id).unwrap().text, card.text, "unchanged");
    assert_eq!(
        refusals(&app, olga.user_id()).await,
        ["no_staff_session"; 5],
        "/review, two buttons, /notice, /review"
    );

    // A wrong code is refused and recorded; the right one opens the session
    // and the command runs again.
    let code = app.staff_code(olga.user_id()).await;
    let wrong = wrong_code(&code);
    let refused = olga.send(wrong).await;
    refused.assert_starts("Код не подошёл.");
    olga.send(&code).await;
    olga.wait_for_text(&format!("📋 Заявка {}", application.number))
        .await;
    deleted(&olga, wrong).await;
    deleted(&olga, &code).await;
    assert!(
        olga.chat()
            .await
            .bot_messages()
            .any(|m| m.body().starts_with("🔓 Код принят."))
    );
    let approved = olga.press("✅ Одобрить").await;
    approved.assert_starts("✅ Заявка");
    assert_eq!(status(&app, &application).await, Status::Approved);

    // After a code asked for by a button, the button is pressed again.
    app.clock.advance(Duration::minutes(16));
    let answer = olga.press_forged("op:next").await;
    assert_eq!(answer.text, Some(ru("staff-code-first")));
    let code = app.staff_code(olga.user_id()).await;
    let opened = olga.send(&code).await;
    assert!(
        opened.body().ends_with(&ru("staff-press-again")),
        "{}",
        opened.body()
    );
    let kinds = security_events::kinds_for(&app.db, olga.user_id())
        .await
        .unwrap();
    assert_eq!(
        kinds.iter().filter(|k| *k == "staff_code_refused").count(),
        1
    );
}

#[medcab_e2e::test]
async fn the_session_ends_after_15_idle_minutes_and_after_8_hours(app: TestApp) {
    let olga = app.operator("Ольга").await;
    let opened = app.clock.now();
    let none = ru("review-queue-empty");

    // Active every 14 minutes: open until 8 hours after the code.
    while app.clock.now() + Duration::minutes(14) < opened + Duration::hours(8) {
        app.clock.advance(Duration::minutes(14));
        let reply = olga.send("/review").await;
        assert_ne!(reply.body(), ru("staff-code-needed"), "{}", app.clock.now());
    }
    app.clock.set(opened + Duration::hours(8));
    assert_eq!(olga.send("/review").await.body(), ru("staff-code-needed"));

    // A new code; then 14 idle minutes keep it, 15 close it.
    let code = app.staff_code(olga.user_id()).await;
    olga.send(&code).await;
    olga.wait_for(|chat| {
        chat.last_bot_message()
            .is_some_and(|m| m.html.as_deref() == Some(none.as_str()))
    })
    .await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        olga.send("/review").await.html.as_deref(),
        Some(none.as_str())
    );
    app.clock.advance(Duration::minutes(15));
    assert_eq!(olga.send("/review").await.body(), ru("staff-code-needed"));
}

#[medcab_e2e::test]
async fn wrong_operator_codes_lock_code_entry(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let application = submitted(&app, &anna).await;
    let olga = app.operator("Ольга").await;
    app.clock.advance(Duration::minutes(16));
    olga.send("/review").await;

    let code = app.staff_code(olga.user_id()).await;
    let wrong = wrong_code(&code);
    let mut last = String::new();
    for _ in 0..3 {
        last = olga.send(wrong).await.body().to_string();
    }
    assert!(
        last.starts_with("Три неверных кода подряд: ввод кода заблокирован"),
        "{last}"
    );
    // Locked: the right code is not taken, the queue stays closed.
    let locked = olga.send(&code).await;
    locked.assert_starts("Ввод кода заблокирован до");
    deleted(&olga, wrong).await;
    deleted(&olga, &code).await;
    nothing_personal(&olga, &application).await;
    assert_eq!(status(&app, &application).await, Status::Submitted);
    let kinds = security_events::kinds_for(&app.db, olga.user_id())
        .await
        .unwrap();
    assert_eq!(
        kinds.iter().filter(|k| *k == "staff_code_refused").count(),
        4,
        "{kinds:?}"
    );
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT details->>'outcome' FROM security_events WHERE telegram_user_id = $1 AND kind = 'staff_code_refused' ORDER BY id",
    )
    .bind(olga.id())
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(details, ["wrong", "wrong", "locked_now", "locked"]);
}

#[medcab_e2e::test]
async fn cancel_stops_waiting_for_the_code(app: TestApp) {
    let olga = app.operator("Ольга").await;
    app.clock.advance(Duration::minutes(16));
    assert_eq!(olga.send("/review").await.body(), ru("staff-code-needed"));
    assert_eq!(olga.send("/cancel").await.html, Some(ru("cancel-done")));
    // The next message is not taken for a code (nor deleted as one).
    let reply = olga.send("привет").await;
    assert_ne!(reply.html, Some(ru("code-malformed")));
    assert!(
        olga.chat()
            .await
            .messages
            .iter()
            .any(|m| m.text.as_deref() == Some("привет") && !m.deleted)
    );
}

/// The commands in a user's menu, as their phone shows it.
async fn menu_of(app: &TestApp, user_id: UserId) -> Vec<String> {
    app.client
        .commands_of(user_id.private_chat(), "ru")
        .await
        .unwrap()
        .into_iter()
        .map(|command| command.command)
        .collect()
}

#[medcab_e2e::test]
async fn only_operators_see_the_staff_commands_in_their_menu(mut app: TestApp) {
    let anna = app.active_user("Анна", "ru").await.user;
    let olga = app.user("Ольга", "ru").await.user;
    let boris = app.user("Борис", "ru").await.user;
    app.grant_operator(UserId::from_stored(olga.id)).await;
    app.grant_operator(UserId::from_stored(boris.id)).await;

    // The bot's start sets each operator's chat menu.
    app.restart_bot().await;
    let practitioner = menu_of(&app, UserId::from_stored(anna.id)).await;
    assert!(practitioner.contains(&"help".to_owned()));
    for staff in [
        "review",
        "resets",
        "notice",
        "inspection",
        "notices",
        "inspections",
    ] {
        assert!(
            !practitioner.contains(&staff.to_owned()),
            "{staff}: {practitioner:?}"
        );
    }
    let operator = menu_of(&app, UserId::from_stored(olga.id)).await;
    assert!(operator.contains(&"review".to_owned()) && operator.contains(&"help".to_owned()));

    // A revocation through `medcab admin` takes them away again.
    medcab_core::operators::revoke(&app.db, UserId::from_stored(olga.id), app.clock.now())
        .await
        .unwrap();
    medcab_bot::handlers::commands::publish_for_user(
        &medcab_bot::chat::Channel::Telegram(app.bot_api()),
        &app.db,
        UserId::from_stored(olga.id),
    )
    .await
    .unwrap();
    assert_eq!(
        menu_of(&app, UserId::from_stored(olga.id)).await,
        practitioner
    );

    // Revoked where the bot could not be told: the first refused staff
    // command says why and puts the menu right.
    medcab_core::operators::revoke(&app.db, UserId::from_stored(boris.id), app.clock.now())
        .await
        .unwrap();
    assert!(
        menu_of(&app, UserId::from_stored(boris.id))
            .await
            .contains(&"review".to_owned())
    );
    let boris = app.phone(boris);
    assert_eq!(boris.send("/review").await.body(), STAFF_ONLY);
    assert_eq!(menu_of(&app, boris.user_id()).await, practitioner);
}

#[medcab_e2e::test]
async fn an_operators_qr_code_unused_for_a_day_is_withdrawn_and_a_fresh_one_given(app: TestApp) {
    let olga = app.user("Ольга", "ru").await;
    app.grant_operator(olga.user_id()).await;
    let qr = olga.send("/review").await;
    assert!(qr.photo.is_some(), "a QR code: {qr:?}");
    let old_code = app.staff_code(olga.user_id()).await;

    // Within the day: nothing happens.
    app.clock.advance(Duration::hours(23));
    assert_eq!(app.scheduler_tick().await.withdrawn_qr, 0);
    assert!(!olga.chat().await.message(qr.message_id).unwrap().deleted);

    // Past it: the QR message goes and its secret no longer enrols.
    app.clock.advance(Duration::hours(2));
    assert_eq!(app.scheduler_tick().await.withdrawn_qr, 1);
    olga.wait_for(|chat| chat.message(qr.message_id).is_some_and(|m| m.deleted))
        .await;
    let stale =
        medcab_core::operator_factors::secret_for_tests(&app.db, &app.vault, olga.user_id())
            .await
            .unwrap();
    assert_ne!(
        stale.code_at(app.clock.now().timestamp()),
        old_code,
        "the pending secret is new"
    );
    assert_eq!(app.scheduler_tick().await.withdrawn_qr, 0, "only once");

    // She comes back: a fresh QR code, and its code enrols her.
    let again = olga.send("/review").await;
    assert!(again.photo.is_some() && again.message_id != qr.message_id);
    let code = app.staff_code(olga.user_id()).await;
    olga.send(&code).await;
    olga.wait_for(|chat| {
        chat.bot_messages()
            .any(|m| m.html.as_deref() == Some(ru("staff-factor-enrolled").as_str()))
    })
    .await;
}
