//! The Bot API side over raw HTTP: encodings, checks against api.json and
//! Telegram's refusals in Telegram's words.

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use serde_json::json;

#[tokio::test]
async fn unknown_methods_and_wrong_tokens_are_refused() {
    let h = Harness::start().await;
    let (status, answer) = h.bot("sendMessages", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(
        answer,
        json!({"ok": false, "error_code": 404, "description": "Not Found"})
    );

    let url = format!("{}/bot1:wrong/getMe", h.sandbox.api_url());
    let (status, answer) = Harness::answer(h.http.post(url).send().await.unwrap()).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (401, Some("Unauthorized"))
    );

    let description = h.refused("getChat", json!({"chat_id": 1}), 400).await;
    assert_eq!(
        description,
        "Bad Request: method is not supported by the sandbox"
    );
}

#[tokio::test]
async fn method_names_ignore_case_and_get_with_a_query_works() {
    let h = Harness::start().await;
    assert_eq!(h.ok("GETME", json!({})).await["username"], "medcab_bot");
    let user = h.user("Анна").await;
    let url = format!(
        "{}?chat_id={}&text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82",
        h.method_url("sendMessage"),
        user.id
    );
    let (status, answer) = Harness::answer(h.http.get(url).send().await.unwrap()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["text"], "Привет");
}

#[tokio::test]
async fn missing_and_mistyped_parameters_are_refused() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    assert_eq!(
        h.refused("sendMessage", json!({"text": "hi"}), 400).await,
        "Bad Request: chat_id is empty"
    );
    assert_eq!(
        h.refused("sendMessage", json!({"chat_id": user.id}), 400)
            .await,
        "Bad Request: message text is empty"
    );
    assert_eq!(
        h.refused(
            "sendMessage",
            json!({"chat_id": user.id, "text": "  \n "}),
            400
        )
        .await,
        "Bad Request: message text is empty"
    );
    assert_eq!(
        h.refused("sendMessage", json!({"chat_id": true, "text": "hi"}), 400)
            .await,
        "Bad Request: field \"chat_id\" must be of type Integer or String"
    );
    assert_eq!(
        h.refused("getUpdates", json!({"timeout": "soon"}), 400)
            .await,
        "Bad Request: field \"timeout\" must be of type Integer"
    );
    assert_eq!(
        h.refused(
            "sendMessage",
            json!({"chat_id": "@anna", "text": "hi"}),
            400
        )
        .await,
        "Bad Request: chat not found"
    );
}

#[tokio::test]
async fn form_and_multipart_bodies_carry_typed_values_as_strings() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let keyboard = r#"{"inline_keyboard":[[{"text":"Да","callback_data":"yes"}]]}"#;
    let id = user.id.to_string();

    let form = [
        ("chat_id", id.as_str()),
        ("text", "form"),
        ("reply_markup", keyboard),
        ("protect_content", "true"),
    ];
    let response = h
        .http
        .post(h.method_url("sendMessage"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let (status, answer) = Harness::answer(response).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "yes"
    );
    assert_eq!(answer["result"]["has_protected_content"], true);

    let multipart = reqwest::multipart::Form::new()
        .text("chat_id", id.clone())
        .text("caption", "<i>скан</i>")
        .text("parse_mode", "HTML")
        .part(
            "document",
            reqwest::multipart::Part::bytes(b"PDF".to_vec()).file_name("scan.pdf"),
        );
    let response = h
        .http
        .post(h.method_url("sendDocument"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    let (status, answer) = Harness::answer(response).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["caption"], "скан");
    assert_eq!(answer["result"]["document"]["file_name"], "scan.pdf");
    assert_eq!(answer["result"]["document"]["mime_type"], "application/pdf");

    let chat = h.client.chat(user.id).await.unwrap();
    assert!(chat.messages[0].protect_content);
    assert_eq!(chat.messages[1].html.as_deref(), Some("<i>скан</i>"));
}

#[tokio::test]
async fn html_that_telegram_would_not_parse_is_refused() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let send = |text: &str| json!({"chat_id": user.id, "text": text, "parse_mode": "HTML"});
    let cases = [
        (
            "<foo>x</foo>",
            "Unsupported start tag \"foo\" at byte offset 0",
        ),
        ("a < b", "Unsupported start tag \"\" at byte offset 2"),
        (
            "<b>bold",
            "Can't find end tag corresponding to start tag \"b\"",
        ),
        ("bold</b>", "Unexpected end tag at byte offset 4"),
        (
            "<b><i>x</b></i>",
            "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\"",
        ),
    ];
    for (text, reason) in cases {
        let description = h.refused("sendMessage", send(text), 400).await;
        assert_eq!(
            description,
            format!("Bad Request: can't parse entities: {reason}"),
            "{text}"
        );
    }
    let sent = h
        .ok("sendMessage", send("<b>1 &lt; 2</b> &amp; &nbsp;"))
        .await;
    assert_eq!(sent["text"], "1 < 2 & &nbsp;");
    assert_eq!(
        h.refused(
            "sendMessage",
            json!({"chat_id": user.id, "text": "x", "parse_mode": "BBCode"}),
            400
        )
        .await,
        "Bad Request: unsupported parse_mode"
    );
}

#[tokio::test]
async fn lengths_are_counted_after_entity_parsing_in_utf16() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let html = format!("<b>{}</b>", "я".repeat(4096));
    h.ok(
        "sendMessage",
        json!({"chat_id": user.id, "text": html, "parse_mode": "HTML"}),
    )
    .await;
    let emoji = "👍".repeat(2049);
    assert_eq!(
        h.refused(
            "sendMessage",
            json!({"chat_id": user.id, "text": emoji}),
            400
        )
        .await,
        "Bad Request: message is too long"
    );

    let multipart = reqwest::multipart::Form::new()
        .text("chat_id", user.id.to_string())
        .text("caption", "c".repeat(1025))
        .part(
            "document",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.txt"),
        );
    let response = h
        .http
        .post(h.method_url("sendDocument"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    let (status, answer) = Harness::answer(response).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (400, Some("Bad Request: message caption is too long"))
    );

    let sent = h
        .ok("sendMessage", json!({"chat_id": user.id, "text": "short"}))
        .await;
    let edit =
        json!({"chat_id": user.id, "message_id": sent["message_id"], "text": "x".repeat(4097)});
    assert_eq!(
        h.refused("editMessageText", edit, 400).await,
        "Bad Request: MESSAGE_TOO_LONG"
    );
}

#[tokio::test]
async fn callback_data_must_be_1_to_64_bytes_everywhere() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let keyboard = |data: &str| json!({"inline_keyboard": [[{"text": "A", "callback_data": "ok"}, {"text": "B", "callback_data": data}]]});
    for data in ["", &"я".repeat(33)] {
        let send = json!({"chat_id": user.id, "text": "x", "reply_markup": keyboard(data)});
        assert_eq!(
            h.refused("sendMessage", send, 400).await,
            "Bad Request: BUTTON_DATA_INVALID"
        );
    }
    let sent = h
        .ok(
            "sendMessage",
            json!({"chat_id": user.id, "text": "x", "reply_markup": keyboard(&"d".repeat(64))}),
        )
        .await;
    let edit = json!({"chat_id": user.id, "message_id": sent["message_id"], "reply_markup": keyboard(&"d".repeat(65))});
    assert_eq!(
        h.refused("editMessageReplyMarkup", edit, 400).await,
        "Bad Request: BUTTON_DATA_INVALID"
    );
    let edit = json!({"chat_id": user.id, "message_id": sent["message_id"], "text": "y", "reply_markup": keyboard("")});
    assert_eq!(
        h.refused("editMessageText", edit, 400).await,
        "Bad Request: BUTTON_DATA_INVALID"
    );

    let text_only = json!({"inline_keyboard": [[{"text": "no action"}]]});
    assert_eq!(
        h.refused(
            "sendMessage",
            json!({"chat_id": user.id, "text": "x", "reply_markup": text_only}),
            400
        )
        .await,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    );
}

#[tokio::test]
async fn photos_must_be_images() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let multipart = reqwest::multipart::Form::new()
        .text("chat_id", user.id.to_string())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("x.jpg"),
        );
    let response = h
        .http
        .post(h.method_url("sendPhoto"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    let (status, answer) = Harness::answer(response).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (400, Some("Bad Request: IMAGE_PROCESS_FAILED"))
    );
    let unknown = json!({"chat_id": user.id, "document": "no-such-file-id"});
    assert_eq!(
        h.refused("sendDocument", unknown, 400).await,
        "Bad Request: wrong file identifier/HTTP URL specified"
    );
}

#[tokio::test]
async fn refused_calls_are_listed() {
    let h = Harness::start().await;
    h.refused("sendMessage", json!({"chat_id": 5, "text": "hi"}), 400)
        .await;
    let refused = h.client.errors().await.unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].method, "sendMessage");
    assert_eq!(refused[0].error_code, 400);
    assert_eq!(refused[0].description, "Bad Request: chat not found");
    assert_eq!(refused[0].body, json!({"chat_id": 5, "text": "hi"}));
}

#[tokio::test]
async fn get_updates_wakes_as_soon_as_an_update_arrives() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let started = Instant::now();
    let poll = h.bot("getUpdates", json!({"timeout": 10}));
    let send = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        h.client.send_text(user.id, "hello").await.unwrap();
    };
    let ((status, answer), ()) = tokio::join!(poll, send);
    assert_eq!(status, 200);
    assert_eq!(answer["result"][0]["message"]["text"], "hello");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );

    // Without updates, it waits for the whole timeout.
    let update_id = answer["result"][0]["update_id"].as_i64().unwrap();
    let started = Instant::now();
    let empty = h
        .ok("getUpdates", json!({"offset": update_id + 1, "timeout": 1}))
        .await;
    assert_eq!(empty, json!([]));
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn offset_confirms_updates_and_limit_caps_them() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    for text in ["1", "2", "3"] {
        h.client.send_text(user.id, text).await.unwrap();
    }
    let first = h.ok("getUpdates", json!({"limit": 2})).await;
    assert_eq!(first.as_array().unwrap().len(), 2);
    let next = first[1]["update_id"].as_i64().unwrap() + 1;
    let rest = h.ok("getUpdates", json!({"offset": next})).await;
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert_eq!(rest[0]["message"]["text"], "3");
    // Confirmed updates are gone for good.
    assert_eq!(
        h.ok("getUpdates", json!({}))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    h.ok(
        "getUpdates",
        json!({"offset": next + 1, "allowed_updates": ["callback_query"]}),
    )
    .await;
    h.client.send_text(user.id, "filtered out").await.unwrap();
    assert_eq!(h.ok("getUpdates", json!({})).await, json!([]));
}

#[tokio::test]
async fn a_second_poller_ends_the_first_with_409() {
    let h = Harness::start().await;
    let first = h.bot("getUpdates", json!({"timeout": 10}));
    let second = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        h.bot("getUpdates", json!({"timeout": 0})).await
    };
    let ((status, answer), (second_status, _)) = tokio::join!(first, second);
    assert_eq!(status, 409);
    assert_eq!(
        answer["description"],
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    );
    assert_eq!(second_status, 200);

    h.ok("setWebhook", json!({"url": "https://example.org/hook"}))
        .await;
    assert_eq!(
        h.ok("getWebhookInfo", json!({})).await["url"],
        "https://example.org/hook"
    );
    assert!(
        h.refused("getUpdates", json!({}), 409)
            .await
            .contains("webhook is active")
    );
    h.ok("deleteWebhook", json!({})).await;
    h.ok("getUpdates", json!({})).await;
}

#[tokio::test]
async fn files_download_at_their_file_path() {
    let h = Harness::start().await;
    let user = h.user("Анна").await;
    let multipart = reqwest::multipart::Form::new()
        .text("chat_id", user.id.to_string())
        .part(
            "document",
            reqwest::multipart::Part::bytes(b"contents".to_vec()).file_name("a.txt"),
        );
    let response = h
        .http
        .post(h.method_url("sendDocument"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    let (_, answer) = Harness::answer(response).await;
    let file_id = answer["result"]["document"]["file_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let file = h.ok("getFile", json!({"file_id": file_id})).await;
    let path = file["file_path"].as_str().unwrap();
    assert_eq!(file["file_size"], 8);
    for path in [path.to_owned(), path.replace('/', "%2F")] {
        let url = format!(
            "{}/file/bot{}/{path}",
            h.sandbox.api_url(),
            h.sandbox.token()
        );
        let bytes = h.http.get(url).send().await.unwrap().bytes().await.unwrap();
        assert_eq!(&bytes[..], b"contents");
    }
    assert_eq!(h.client.file(&file_id).await.unwrap(), b"contents");
    assert_eq!(
        h.refused("getFile", json!({"file_id": "nope"}), 400).await,
        "Bad Request: invalid file id"
    );
}
