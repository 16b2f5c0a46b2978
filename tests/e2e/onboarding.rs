//! Connecting a practitioner: consent → own phone → СНИЛС → register →
//! second factor, with every wrong turn on the way.

use chrono::Duration;
use medcab_core::accounts::{self, Step};
use medcab_core::{consent, security_events};
use medcab_e2e::Says;
use medcab_e2e::sandbox::{From, ShareContact};
use medcab_e2e::{Phone, TestApp};

use crate::ru;

const SNILS: &str = "112-233-445 95";
const PHONE: &str = "+79161234567";
const NAME: &str = "Иванова Анна Сергеевна";

/// /start before consent: the greeting, then the consent as a message of
/// its own; returns the consent.
pub async fn start_to_consent(anna: &Phone<'_>) -> medcab_e2e::sandbox::ChatMessage {
    anna.send("/start").await;
    anna.wait_for_text("Согласие на обработку персональных данных")
        .await
}

/// Consent given and phone shared: the bot now asks for the СНИЛС.
async fn up_to_snils(app: &TestApp, anna: &Phone<'_>) {
    let consent = start_to_consent(anna).await;
    assert_eq!(consent.html.as_deref(), Some(ru("consent-text").as_str()));
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку «📱 Поделиться номером»")
        .await;
    app.client
        .share_contact(anna.id(), ShareContact::own())
        .await
        .unwrap();
    anna.wait_for_text("Введите ваш СНИЛС").await;
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Snils)
    );
}

/// СНИЛС matched: the QR code is on screen.
async fn up_to_second_factor(app: &TestApp, anna: &Phone<'_>) {
    up_to_snils(app, anna).await;
    app.client.send_text(anna.id(), SNILS).await.unwrap();
    anna.wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
}

#[medcab_e2e::test]
async fn a_practitioner_connects_from_consent_to_second_factor(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;

    // Consent first, and nothing personal before it: the greeting and the
    // consent are two messages.
    let consent = start_to_consent(&anna).await;
    let chat = anna.chat().await;
    let bot_messages: Vec<_> = chat.bot_messages().collect();
    assert_eq!(bot_messages.len(), 2);
    assert!(
        bot_messages[0].body().starts_with("Здравствуйте, Анна!"),
        "{}",
        bot_messages[0].body()
    );
    assert_eq!(consent.html.as_deref(), Some(ru("consent-text").as_str()));
    assert_eq!(
        consent.button_labels(),
        ["✅ Согласен(на)", "Не согласен(на)"]
    );
    assert!(
        consent::in_force(&app.db, anna.user_id())
            .await
            .unwrap()
            .is_none()
    );

    anna.press("✅ Согласен(на)").await;
    let ask_phone = anna.wait_for_text("Нажмите кнопку").await;
    assert_eq!(ask_phone.html.as_deref(), Some(ru("phone-ask").as_str()));
    let chat = anna.chat().await;
    assert_eq!(chat.reply_keyboard_labels(), ["📱 Поделиться номером"]);
    assert!(
        consent::in_force(&app.db, anna.user_id())
            .await
            .unwrap()
            .is_some()
    );
    let given = chat.message(consent.message_id).unwrap();
    assert!(
        given.reply_markup.is_none(),
        "the consent is answered: no buttons left"
    );
    assert_eq!(
        given.body(),
        "✅ Согласие на обработку персональных данных дано 25.11.2026 (редакция 2026-11-25). \
         Текст — /privacy, отозвать — /forget.",
        "the consent is edited into one line saying what was agreed"
    );

    app.client
        .share_contact(anna.id(), ShareContact::own())
        .await
        .unwrap();
    anna.wait_for_text("Введите ваш СНИЛС").await;
    let chat = anna.chat().await;
    assert!(
        chat.bot_messages()
            .any(|m| m.body() == "Телефон подтверждён.")
    );
    assert!(chat.reply_keyboard.is_none(), "the contact button is gone");

    let typed = app.client.send_text(anna.id(), SNILS).await.unwrap();
    let chat = anna
        .wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
    assert!(
        chat.message(typed.message_id).unwrap().deleted,
        "the message with the СНИЛС is deleted"
    );
    assert!(
        chat.bot_messages()
            .any(|m| m.body() == format!("Нашли вас в регистре: {NAME}."))
    );
    let qr = chat.last_bot_message().unwrap().clone();
    assert!(
        qr.protect_content,
        "the QR code is the secret: no forwarding"
    );
    assert!(qr.body().contains("Яндекс Ключ"));
    let picture = app
        .client
        .file(&qr.photo.as_ref().unwrap().file_id)
        .await
        .unwrap();
    assert!(picture.starts_with(b"\x89PNG"), "a PNG picture");

    let code = app.totp_code(anna.user_id()).await;
    let sent = app.client.send_text(anna.id(), &code).await.unwrap();
    let chat = anna
        .wait_for(|chat| {
            chat.last_bot_message()
                .is_some_and(|m| m.body().starts_with("Главное меню"))
        })
        .await;
    assert!(
        chat.message(sent.message_id).unwrap().deleted,
        "the code is deleted once checked"
    );
    assert!(
        chat.message(qr.message_id).unwrap().deleted,
        "the QR code and key are deleted once enrolled"
    );
    assert!(
        chat.bot_messages()
            .any(|m| m.html.as_deref() == Some(ru("factor-enrolled").as_str()))
    );
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Active)
    );

    // Active now: /start greets with the menu.
    let menu = anna.send("/start").await;
    assert!(menu.body().starts_with("Здравствуйте, Анна!"));
    assert_eq!(menu.button_labels().len(), 8, "every section");
}

#[medcab_e2e::test]
async fn declining_consent_asks_nothing_personal(app: TestApp) {
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    let consent = start_to_consent(&anna).await;

    anna.press("Не согласен(на)").await;

    let declined = anna.wait_for_text("Без согласия").await;
    assert_eq!(
        declined.html.as_deref(),
        Some(ru("consent-declined").as_str())
    );
    // Whatever is typed next, only a pointer to the question comes back;
    // the question keeps its buttons, for a change of mind.
    let again = anna.send(SNILS).await;
    assert_eq!(
        again.html.as_deref(),
        Some(ru("consent-answer-above").as_str())
    );
    assert_eq!(accounts::step(&app.db, anna.user_id()).await.unwrap(), None);
    let chat = anna.chat().await;
    assert_eq!(
        chat.message(consent.message_id).unwrap().button_labels(),
        ["✅ Согласен(на)", "Не согласен(на)"]
    );
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку «📱 Поделиться номером»")
        .await;
}

#[medcab_e2e::test]
async fn only_the_users_own_contact_is_taken(app: TestApp) {
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    start_to_consent(&anna).await;
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку").await;

    let typed = anna.send("+7 916 123-45-67").await;
    assert_eq!(typed.html.as_deref(), Some(ru("phone-typed").as_str()));

    let someone_else = ShareContact {
        phone_number: Some("+79035550000".into()),
        user_id: Some(Some(42)),
        first_name: None,
    };
    let refused = anna.share_contact(someone_else).await;
    assert_eq!(refused.html.as_deref(), Some(ru("phone-not-own").as_str()));

    let no_account = ShareContact {
        phone_number: Some("+79035550000".into()),
        user_id: Some(None),
        first_name: None,
    };
    let refused = anna.share_contact(no_account).await;
    assert_eq!(refused.html.as_deref(), Some(ru("phone-not-own").as_str()));

    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Phone),
        "nothing taken yet"
    );
    assert_eq!(
        anna.chat().await.reply_keyboard_labels(),
        ["📱 Поделиться номером"],
        "the button is still there"
    );
}

#[medcab_e2e::test]
async fn each_snils_mistake_gets_its_own_answer_and_loses_nothing(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_snils(&app, &anna).await;

    let checksum = anna.send("112-233-445 96").await;
    assert!(
        checksum
            .body()
            .starts_with("Контрольное число СНИЛС не сходится"),
        "{}",
        checksum.body()
    );
    let short = anna.send("112-233-445 9").await;
    assert_eq!(
        short.body(),
        "В СНИЛС 11 цифр, а в вашем 10 цифр. Проверьте и введите ещё раз."
    );
    let two = anna.send("12").await;
    assert!(two.body().contains("в вашем 2 цифры"), "{}", two.body());
    let letters = anna.send("СНИЛС 112").await;
    assert_eq!(
        letters.html.as_deref(),
        Some(ru("snils-not-digits").as_str())
    );

    // Still at the СНИЛС step with the phone kept: the right number goes through.
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Snils)
    );
    app.client
        .send_text(anna.id(), "11223344595")
        .await
        .unwrap();
    anna.wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
}

#[medcab_e2e::test]
async fn someone_not_in_the_register_is_told_what_to_do(app: TestApp) {
    // In the register, but with another phone: the same answer as "not there",
    // so the bot cannot be used to learn who is registered.
    app.register(SNILS, NAME, "+79990000000").await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_snils(&app, &anna).await;

    let other_phone = anna.send(SNILS).await;
    assert_eq!(
        other_phone.html.as_deref(),
        Some(ru("registry-no-match").as_str())
    );
    let unknown = anna.send(&medcab_e2e::valid_snils(555_555_555)).await;
    assert_eq!(
        unknown.html.as_deref(),
        Some(ru("registry-no-match").as_str())
    );
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Snils)
    );
}

#[medcab_e2e::test]
async fn wrong_codes_lock_code_entry_for_thirty_minutes(mut app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_second_factor(&app, &anna).await;
    let right = app.totp_code(anna.user_id()).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };

    assert_eq!(
        anna.send("12345").await.html.as_deref(),
        Some(ru("code-malformed").as_str())
    );
    assert_eq!(
        anna.send(wrong).await.body(),
        "Код не подошёл. Осталось 2 попытки."
    );
    assert_eq!(
        anna.send(wrong).await.body(),
        "Код не подошёл. Осталась 1 попытка."
    );
    let locked = anna.send(wrong).await;
    assert!(
        locked.body().starts_with(
            "Три неверных кода подряд: ввод кода заблокирован до 25.11.2026 12:30 (МСК)."
        ),
        "{}",
        locked.body()
    );

    // Locked: even the right code is not looked at, and a restart changes nothing.
    let anna = anna.user.clone();
    app.restart_bot().await;
    app.flush_redis().await;
    let anna = app.phone(anna);
    let still = anna.send(&app.totp_code(anna.user_id()).await).await;
    assert_eq!(
        still.body(),
        "Ввод кода заблокирован до 25.11.2026 12:30 (МСК). Попробуйте после этого времени."
    );

    app.clock.advance(Duration::minutes(31));
    anna.send(&app.totp_code(anna.user_id()).await).await;
    anna.wait_for(|chat| {
        chat.last_bot_message()
            .is_some_and(|m| m.body().starts_with("Главное меню"))
    })
    .await;
    let kinds = security_events::kinds_for(&app.db, anna.user_id())
        .await
        .unwrap();
    assert_eq!(
        kinds,
        [
            "code_rejected",
            "code_rejected",
            "factor_locked",
            "factor_enrolled"
        ]
    );
}

#[medcab_e2e::test]
async fn a_code_is_accepted_once(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_second_factor(&app, &anna).await;
    let code = app.totp_code(anna.user_id()).await;
    anna.send(&code).await;
    anna.wait_for(|chat| {
        chat.last_bot_message()
            .is_some_and(|m| m.body().starts_with("Главное меню"))
    })
    .await;

    // A section with personal data asks for a code; the used one is refused.
    app.clock.advance(Duration::minutes(31)); // past the session's idle time
    let ask = anna.press("📄 Документы").await;
    assert_eq!(ask.html.as_deref(), Some(ru("step-up-ask").as_str()));
    app.clock.set(medcab_e2e::test_start());
    let replayed = anna.send(&code).await;
    assert_eq!(replayed.html.as_deref(), Some(ru("code-replayed").as_str()));
    assert_eq!(
        security_events::kinds_for(&app.db, anna.user_id())
            .await
            .unwrap()
            .last()
            .map(String::as_str),
        Some("code_replayed")
    );

    app.clock.advance(Duration::seconds(30));
    let opened = anna.send(&app.totp_code(anna.user_id()).await).await;
    opened.assert_starts("Вход подтверждён.");
    assert!(opened.body().contains("Документы"));
}

#[medcab_e2e::test]
async fn onboarding_resumes_after_a_restart_and_a_redis_flush(mut app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_snils(&app, &anna).await;
    let anna = anna.user.clone();

    app.restart_bot().await;
    app.flush_redis().await;
    let anna = app.phone(anna);

    // Days later: /start picks up at the СНИЛС, the phone is still known.
    app.clock.advance(Duration::days(3));
    anna.send("/start").await;
    anna.wait_for_text("Введите ваш СНИЛС").await;
    app.client.send_text(anna.id(), SNILS).await.unwrap();
    anna.wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
}

#[medcab_e2e::test]
async fn no_personal_data_is_stored_in_clear(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_second_factor(&app, &anna).await;
    let secret_code = app.totp_code(anna.user_id()).await;
    anna.send(&secret_code).await;
    anna.wait_for(|chat| {
        chat.last_bot_message()
            .is_some_and(|m| m.body().starts_with("Главное меню"))
    })
    .await;

    let dump = app.dump_database().await;
    assert!(
        dump.contains("\"snils_index\""),
        "the dump reads the accounts table"
    );
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT secret FROM second_factors")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let secret = app
        .vault
        .open(
            medcab_core::second_factor::SECRET_FIELD,
            &medcab_core::crypto::RowKey::id(anna.id()),
            &sealed,
        )
        .unwrap();
    let secret_hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    for needle in [
        "11223344595",
        "112-233-445 95",
        "79161234567",
        "916 123",
        "Иванова",
        &secret_hex,
    ] {
        assert!(!dump.contains(needle), "{needle:?} is stored in clear");
    }
    // …and the messages that carried them are gone from the chat.
    let chat = anna.chat().await;
    assert!(
        chat.messages
            .iter()
            .filter(|m| m.from == From::User && m.body() == SNILS)
            .all(|m| m.deleted)
    );
}

#[medcab_e2e::test]
async fn a_resent_qr_code_replaces_the_old_one(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_second_factor(&app, &anna).await;
    let first = anna.chat().await.last_bot_message().unwrap().message_id;

    // Days later the user asks again: the same secret, one copy in the chat.
    anna.send("/start").await;
    // Fails (times out) unless the new copy comes and the old one goes.
    let chat = anna
        .wait_for(|chat| {
            chat.message(first).is_some_and(|old| old.deleted)
                && chat
                    .last_bot_message()
                    .is_some_and(|m| m.photo.is_some() && m.message_id != first)
        })
        .await;

    let visible_photos = chat.bot_messages().filter(|m| m.photo.is_some()).count();
    assert_eq!(visible_photos, 1);
}

#[medcab_e2e::test]
async fn a_qr_code_unused_for_a_day_is_withdrawn_and_a_fresh_one_given(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_second_factor(&app, &anna).await;
    let first = anna.chat().await.last_bot_message().unwrap().message_id;
    let secret_now = || async {
        sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT secret FROM second_factors WHERE telegram_user_id = $1",
        )
        .bind(anna.id())
        .fetch_one(&app.db)
        .await
        .unwrap()
    };
    let old_secret = secret_now().await;

    // Within the day: nothing happens.
    app.clock.advance(Duration::hours(23));
    assert_eq!(app.scheduler_tick().await.withdrawn_qr, 0);
    assert!(!anna.chat().await.message(first).unwrap().deleted);

    // Past it: the QR message goes and its secret no longer works.
    app.clock.advance(Duration::hours(2));
    assert_eq!(app.scheduler_tick().await.withdrawn_qr, 1);
    anna.wait_for(|chat| chat.message(first).is_some_and(|m| m.deleted))
        .await;
    assert_ne!(secret_now().await, old_secret, "the pending secret is new");
    // Only once.
    assert_eq!(app.scheduler_tick().await.withdrawn_qr, 0);

    // She comes back: a fresh QR code, and its code connects her.
    anna.send("/start").await;
    anna.wait_for(|chat| {
        chat.last_bot_message()
            .is_some_and(|m| m.photo.is_some() && m.message_id != first)
    })
    .await;
    let code = app.totp_code(anna.user_id()).await;
    anna.send(&code).await;
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Active)
    );
}

#[medcab_e2e::test]
async fn messages_with_personal_data_leave_the_chat_taken_or_refused(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    let anna = &anna;
    let deleted = |id: i64| async move { anna.chat().await.message(id).unwrap().deleted };

    // Before consent: a СНИЛС typed too early goes, a greeting stays.
    start_to_consent(anna).await;
    let early = app.client.send_text(anna.id(), SNILS).await.unwrap();
    anna.wait_for(|chat| chat.message(early.message_id).is_some_and(|m| m.deleted))
        .await;
    let hello = app
        .client
        .send_text(anna.id(), "Здравствуйте")
        .await
        .unwrap();
    anna.wait_for(|chat| {
        chat.bot_messages()
            .filter(|m| m.html.as_deref() == Some(ru("consent-answer-above").as_str()))
            .count()
            == 2
    })
    .await;
    assert!(!deleted(hello.message_id).await);

    // The phone step: a number typed as text, someone else's card and
    // one's own card all go.
    anna.press("✅ Согласен(на)").await;
    anna.wait_for_text("Нажмите кнопку").await;
    let typed = app
        .client
        .send_text(anna.id(), "+7 916 123-45-67")
        .await
        .unwrap();
    anna.wait_for_text("Номер нужно отправить кнопкой").await;
    assert!(deleted(typed.message_id).await, "a phone typed as text");
    let someone_else = ShareContact {
        phone_number: Some("+79035550000".into()),
        user_id: Some(Some(42)),
        first_name: None,
    };
    anna.share_contact(someone_else).await;
    anna.share_contact(ShareContact::own()).await;
    anna.wait_for_text("Введите ваш СНИЛС").await;
    let chat = anna.chat().await;
    let cards: Vec<_> = chat
        .messages
        .iter()
        .filter(|m| m.from == From::User && m.contact.is_some())
        .collect();
    assert_eq!(cards.len(), 2);
    assert!(cards.iter().all(|m| m.deleted), "{cards:#?}");

    // The СНИЛС step: a mistyped number is most of the real one.
    for mistyped in ["112-233-445 9", "112-233-445 96"] {
        let sent = app.client.send_text(anna.id(), mistyped).await.unwrap();
        anna.wait_for(|chat| chat.message(sent.message_id).is_some_and(|m| m.deleted))
            .await;
    }
    assert_eq!(
        accounts::step(&app.db, anna.user_id()).await.unwrap(),
        Some(Step::Snils)
    );
}

#[medcab_e2e::test]
async fn the_authenticator_entry_is_named_for_people_and_the_key_can_be_copied(app: TestApp) {
    app.register(SNILS, NAME, PHONE).await;
    let anna = app.user_with_phone("Анна", "ru", PHONE).await;
    up_to_second_factor(&app, &anna).await;

    let qr = anna.chat().await.last_bot_message().unwrap().clone();
    let secret = app.totp_secret(anna.user_id()).await;
    // The QR code carries «Кабинет медработника» and her first name, no id.
    let url = secret.otpauth_url("Кабинет медработника", "Анна");
    assert!(!url.contains(&anna.id().to_string()));
    let picture = app
        .client
        .file(&qr.photo.as_ref().unwrap().file_id)
        .await
        .unwrap();
    assert_eq!(picture, medcab_bot::qr_picture::png(&url));
    // The key in fours, tappable to copy, and how to add it on this phone.
    let caption = qr.html.as_deref().unwrap();
    let grouped = secret.to_grouped_base32();
    assert!(
        caption.contains(&format!("<code>{grouped}</code>")),
        "{caption}"
    );
    assert!(caption.contains("на этом же телефоне"), "{caption}");
    assert!(caption.contains("«Кабинет медработника»"), "{caption}");
}
