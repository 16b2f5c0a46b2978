//! The control API: the chat as the user sees it, acting as the user, and
//! the switches (block, limits).

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use medcab_sandbox::{FileKind, From, NewUser, PressButton, ShareContact, UploadFile};
use serde_json::json;

#[tokio::test]
async fn the_chat_view_follows_edits_and_deletions() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let keyboard = json!({"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]});
    let sent = h
        .ok("sendMessage", json!({"chat_id": user.id, "text": "<b>Вопрос</b>", "parse_mode": "HTML", "reply_markup": keyboard}))
        .await;
    let message_id = sent["message_id"].as_i64().unwrap();

    let chat = h.client.chat(user.id).await.unwrap();
    let version = chat.version;
    let message = chat.last_bot_message().unwrap();
    assert_eq!(message.text.as_deref(), Some("Вопрос"));
    assert_eq!(message.html.as_deref(), Some("<b>Вопрос</b>"));
    assert_eq!(message.button_labels(), ["Да"]);
    assert_eq!(message.from, From::Bot);
    assert!(!message.edited);

    h.ok("editMessageText", json!({"chat_id": user.id, "message_id": message_id, "text": "Ответ", "reply_markup": keyboard}))
        .await;
    let chat = h.client.chat(user.id).await.unwrap();
    assert_eq!(chat.version, version + 1);
    let message = chat.message(message_id).unwrap();
    assert_eq!(message.text.as_deref(), Some("Ответ"));
    assert_eq!(message.html, None);
    assert!(message.edited);
    assert_eq!(message.button_labels(), ["Да"]);

    let same = json!({"chat_id": user.id, "message_id": message_id, "text": "Ответ", "reply_markup": keyboard});
    assert!(
        h.refused("editMessageText", same, 400)
            .await
            .starts_with("Bad Request: message is not modified: ")
    );

    h.ok(
        "deleteMessage",
        json!({"chat_id": user.id, "message_id": message_id}),
    )
    .await;
    let chat = h.client.chat(user.id).await.unwrap();
    assert_eq!(chat.version, version + 2);
    let message = chat.message(message_id).unwrap();
    assert!(message.deleted);
    assert_eq!(
        message.text.as_deref(),
        Some("Ответ"),
        "a deleted message keeps its text"
    );
    assert!(
        chat.last_bot_message().is_none(),
        "deleted messages are not shown"
    );
    assert_eq!(
        h.refused(
            "deleteMessage",
            json!({"chat_id": user.id, "message_id": message_id}),
            400
        )
        .await,
        "Bad Request: message to delete not found"
    );
    let edit = json!({"chat_id": user.id, "message_id": message_id, "text": "again"});
    assert_eq!(
        h.refused("editMessageText", edit, 400).await,
        "Bad Request: message to edit not found"
    );
}

#[tokio::test]
async fn the_chat_long_poll_wakes_on_a_change_and_times_out_otherwise() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let version = h.client.chat(user.id).await.unwrap().version;

    let started = Instant::now();
    let unchanged = h
        .client
        .chat_since(user.id, version, Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(unchanged.version, version);
    assert!(started.elapsed() >= Duration::from_millis(250));

    let started = Instant::now();
    let wait = h
        .client
        .chat_since(user.id, version, Duration::from_secs(10));
    let send = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        h.ok("sendMessage", json!({"chat_id": user.id, "text": "hi"}))
            .await;
    };
    let (chat, ()) = tokio::join!(wait, send);
    let chat = chat.unwrap();
    assert!(chat.version > version);
    assert_eq!(chat.last_bot_message().unwrap().text.as_deref(), Some("hi"));
    assert!(started.elapsed() < Duration::from_secs(3));

    let waited = h
        .client
        .wait_for(user.id, |chat| chat.bot_messages().count() == 2);
    let send = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        h.ok("sendMessage", json!({"chat_id": user.id, "text": "second"}))
            .await;
    };
    let (chat, ()) = tokio::join!(waited, send);
    assert_eq!(chat.unwrap().last_bot_message().unwrap().body(), "second");
}

#[tokio::test]
async fn pressing_a_button_that_is_not_there_is_refused_unless_forged() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let keyboard = json!({"inline_keyboard": [[
        {"text": "Да", "callback_data": "yes"},
        {"text": "Сайт", "url": "https://example.org"},
    ]]});
    let sent = h
        .ok(
            "sendMessage",
            json!({"chat_id": user.id, "text": "?", "reply_markup": keyboard}),
        )
        .await;
    let message_id = sent["message_id"].as_i64().unwrap();

    let error = h
        .client
        .press(user.id, PressButton::data("no"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("404"), "{error}");
    let error = h
        .client
        .press(user.id, PressButton::data("yes").on_message(message_id + 1))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("404"), "{error}");
    let error = h
        .client
        .press(user.id, PressButton::label("Сайт"))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("400"),
        "a URL button sends no callback: {error}"
    );

    let pressed = h
        .client
        .press(user.id, PressButton::label("Да"))
        .await
        .unwrap();
    let forged = h
        .client
        .press(
            user.id,
            PressButton::data("admin:drop")
                .on_message(message_id)
                .forged(),
        )
        .await
        .unwrap();
    let updates = h.ok("getUpdates", json!({})).await;
    assert_eq!(
        updates[0]["callback_query"]["id"],
        pressed.callback_query_id.as_str()
    );
    assert_eq!(updates[0]["callback_query"]["data"], "yes");
    assert_eq!(
        updates[0]["callback_query"]["message"]["message_id"],
        message_id
    );
    assert_eq!(
        updates[1]["callback_query"]["id"],
        forged.callback_query_id.as_str()
    );
    assert_eq!(updates[1]["callback_query"]["data"], "admin:drop");

    let answer = h.client.callback(&pressed.callback_query_id).await.unwrap();
    assert!(!answer.answered);
    h.ok(
        "answerCallbackQuery",
        json!({"callback_query_id": pressed.callback_query_id, "text": "!", "show_alert": true}),
    )
    .await;
    let answer = h.client.callback(&pressed.callback_query_id).await.unwrap();
    assert!(answer.answered && answer.show_alert);
    assert_eq!(answer.text.as_deref(), Some("!"));
}

#[tokio::test]
async fn a_blocked_user_cannot_be_written_to() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    h.client.block(user.id, true).await.unwrap();
    for (method, body) in [
        ("sendMessage", json!({"chat_id": user.id, "text": "hi"})),
        (
            "sendChatAction",
            json!({"chat_id": user.id, "action": "typing"}),
        ),
    ] {
        assert_eq!(
            h.refused(method, body, 403).await,
            "Forbidden: bot was blocked by the user"
        );
    }
    h.client.block(user.id, false).await.unwrap();
    h.ok("sendMessage", json!({"chat_id": user.id, "text": "hi"}))
        .await;
}

#[tokio::test]
async fn send_limits_answer_429_with_retry_after() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let send = json!({"chat_id": user.id, "text": "hi"});
    for _ in 0..5 {
        h.ok("sendMessage", send.clone()).await;
    }
    h.client.set_enforce_limits(true).await.unwrap();
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(h.bot("sendMessage", send.clone()).await);
    }
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200, 200, 200, 429]);
    let (_, refused) = &answers[3];
    let retry_after = refused["parameters"]["retry_after"].as_u64().unwrap();
    assert!(retry_after >= 1);
    assert_eq!(
        refused["description"],
        format!("Too Many Requests: retry after {retry_after}")
    );

    let other = h.user("Борис").await;
    h.ok("sendMessage", json!({"chat_id": other.id, "text": "hi"}))
        .await;
    h.client.set_enforce_limits(false).await.unwrap();
    h.ok("sendMessage", send).await;
}

#[tokio::test]
async fn reply_keyboards_persist_until_removed_or_used_once() {
    let h = Harness::start().await;
    let user = h
        .client
        .create_user(NewUser::named("Анна").with_phone("+79990001122"))
        .await
        .unwrap();
    let keyboard = json!({"keyboard": [["Да", "Нет"]], "resize_keyboard": true});
    h.ok(
        "sendMessage",
        json!({"chat_id": user.id, "text": "?", "reply_markup": keyboard}),
    )
    .await;
    h.ok(
        "sendMessage",
        json!({"chat_id": user.id, "text": "still there"}),
    )
    .await;
    h.client.send_text(user.id, "Да").await.unwrap();
    assert_eq!(
        h.client
            .chat(user.id)
            .await
            .unwrap()
            .reply_keyboard_labels(),
        ["Да", "Нет"]
    );

    h.ok(
        "sendMessage",
        json!({"chat_id": user.id, "text": "bye", "reply_markup": {"remove_keyboard": true}}),
    )
    .await;
    assert!(
        h.client
            .chat(user.id)
            .await
            .unwrap()
            .reply_keyboard
            .is_none()
    );

    let contact = json!({"keyboard": [[{"text": "Номер", "request_contact": true}]], "one_time_keyboard": true});
    h.ok(
        "sendMessage",
        json!({"chat_id": user.id, "text": "номер?", "reply_markup": contact}),
    )
    .await;
    let chat = h.client.chat(user.id).await.unwrap();
    assert!(chat.reply_keyboard.as_ref().unwrap().keyboard[0][0].request_contact);
    h.client
        .share_contact(user.id, ShareContact::own())
        .await
        .unwrap();
    let chat = h.client.chat(user.id).await.unwrap();
    assert!(
        chat.reply_keyboard.is_none(),
        "a one-time keyboard hides once used"
    );
    let contact = chat.last_message().unwrap().contact.clone().unwrap();
    assert_eq!(
        (contact.phone_number.as_str(), contact.user_id),
        ("+79990001122", Some(user.id))
    );
}

#[tokio::test]
async fn contacts_can_be_someone_elses() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let error = h
        .client
        .share_contact(user.id, ShareContact::own())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("phone_number"), "{error}");
    let stranger = ShareContact {
        phone_number: Some("+1555".into()),
        user_id: Some(None),
        first_name: Some("Bob".into()),
    };
    h.client.share_contact(user.id, stranger).await.unwrap();
    let updates = h.ok("getUpdates", json!({})).await;
    let contact = &updates[0]["message"]["contact"];
    assert_eq!(contact["phone_number"], "+1555");
    assert_eq!(contact["first_name"], "Bob");
    assert!(contact.get("user_id").is_none());
}

#[tokio::test]
async fn chat_actions_last_until_the_next_message_or_five_seconds() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let typing = json!({"chat_id": user.id, "action": "typing"});
    h.ok("sendChatAction", typing.clone()).await;
    assert_eq!(
        h.client.chat(user.id).await.unwrap().chat_action.as_deref(),
        Some("typing")
    );
    h.ok("sendMessage", json!({"chat_id": user.id, "text": "done"}))
        .await;
    assert_eq!(h.client.chat(user.id).await.unwrap().chat_action, None);

    h.ok("sendChatAction", typing).await;
    let chat = h.client.chat(user.id).await.unwrap();
    let cleared = h
        .client
        .chat_since(user.id, chat.version, Duration::from_secs(7))
        .await
        .unwrap();
    assert_eq!(cleared.chat_action, None);
    assert_eq!(cleared.version, chat.version + 1);

    let wrong = json!({"chat_id": user.id, "action": "dancing"});
    assert_eq!(
        h.refused("sendChatAction", wrong, 400).await,
        "Bad Request: wrong parameter action in request"
    );
}

#[tokio::test]
async fn user_uploads_reach_the_bot_and_can_be_fetched() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;

    let form = reqwest::multipart::Form::new()
        .text("as", "document")
        .text("caption", "диплом")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF".to_vec())
                .file_name("diploma.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let url = format!("{}/control/users/{}/file", h.sandbox.url(), user.id);
    let (status, uploaded) =
        Harness::answer(h.http.post(url).multipart(form).send().await.unwrap()).await;
    assert_eq!(status, 200, "{uploaded}");
    let file_id = uploaded["file_id"].as_str().unwrap();
    assert_eq!(h.client.file(file_id).await.unwrap(), b"%PDF");

    let photo = UploadFile::new(FileKind::Photo, "p.jpg", "image/jpeg", b"jpeg bytes");
    h.client.upload_file(user.id, photo).await.unwrap();

    let updates = h.ok("getUpdates", json!({})).await;
    let document = &updates[0]["message"]["document"];
    assert_eq!(document["file_name"], "diploma.pdf");
    assert_eq!(document["mime_type"], "application/pdf");
    assert_eq!(updates[0]["message"]["caption"], "диплом");
    assert!(updates[1]["message"]["photo"][0]["file_id"].is_string());

    let chat = h.client.chat(user.id).await.unwrap();
    assert_eq!(chat.messages[0].from, From::User);
    assert_eq!(chat.messages[0].document.as_ref().unwrap().file_size, 4);
    assert!(chat.messages[1].photo.is_some());
}

#[tokio::test]
async fn user_commands_carry_a_bot_command_entity() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    h.client
        .send_text(user.id, "/help@medcab_bot now")
        .await
        .unwrap();
    h.client.send_text(user.id, "just text").await.unwrap();
    let updates = h.ok("getUpdates", json!({})).await;
    assert_eq!(
        updates[0]["message"]["entities"],
        json!([{"type": "bot_command", "offset": 0, "length": "/help@medcab_bot".len()}])
    );
    assert!(updates[1]["message"].get("entities").is_none());
}

#[tokio::test]
async fn users_are_listed_and_ids_are_unique() {
    let h = Harness::start().await;
    let chosen = h
        .client
        .create_user(NewUser::named("Анна").with_id(42))
        .await
        .unwrap();
    assert_eq!(chosen.id, 42);
    assert!(
        h.client
            .create_user(NewUser::named("Анна").with_id(42))
            .await
            .is_err()
    );
    h.user("Борис").await;
    assert_eq!(h.client.users().await.unwrap().len(), 2);
    assert!(
        h.client
            .chat(7)
            .await
            .unwrap_err()
            .to_string()
            .contains("404")
    );
}

#[tokio::test]
async fn shutdown_ends_long_polls() {
    let h = Harness::start().await;
    let url = h.method_url("getUpdates");
    let poll = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&json!({"timeout": 30}))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    h.sandbox.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let answer = poll
        .await
        .unwrap()
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": true, "result": []}));
}
