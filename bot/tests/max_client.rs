//! The Max client against the sandbox's Max emulator: every endpoint the
//! bot needs, and each refusal mapped to the kind delivery acts on.

use std::time::Duration;

use medcab_bot::max::types::{
    Attachment, Button, CallbackAnswer, NewMessageBody, SenderAction, Update, UploadType,
};
use medcab_bot::max::{MaxClient, MaxConfig, MaxErrorKind, To};
use medcab_sandbox::{
    FileKind, MaxInjection, MaxSettings, MaxUser, NewUser, PressButton, Sandbox, SandboxConfig,
    ShareContact, UploadFile,
};
use reqwest::Url;

struct Setup {
    sandbox: Sandbox,
    max: MaxClient,
}

impl Setup {
    async fn start() -> Setup {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let max = client(&sandbox, sandbox.max_token());
        Setup { sandbox, max }
    }

    async fn user(&self) -> MaxUser {
        self.sandbox
            .client()
            .max()
            .create_user(NewUser::named("Анна").with_phone("+79990001122"))
            .await
            .unwrap()
    }

    /// Every update waiting, confirming them.
    async fn drain(&self, marker: Option<i64>) -> (Vec<Update>, Option<i64>) {
        let list = self
            .max
            .updates(marker, 100, Duration::ZERO, &[])
            .await
            .unwrap();
        (read(list.updates), list.marker)
    }
}

/// Updates as the bot reads them from the inbox.
fn read(updates: Vec<serde_json::Value>) -> Vec<Update> {
    updates
        .into_iter()
        .map(|update| serde_json::from_value(update).expect("an update reads"))
        .collect()
}

fn client(sandbox: &Sandbox, token: &str) -> MaxClient {
    MaxClient::new(&MaxConfig {
        token: token.to_owned(),
        api_url: Url::parse(&sandbox.max_api_url()).unwrap(),
        ca_file: None,
    })
    .unwrap()
}

#[tokio::test]
async fn the_bot_knows_itself_and_a_wrong_token_is_unauthorized() {
    let setup = Setup::start().await;
    let me = setup.max.me().await.unwrap();
    assert_eq!(me.user_id, setup.sandbox.max_bot_id());
    assert!(me.is_bot);
    let wrong = client(&setup.sandbox, "not-the-token");
    let error = wrong.me().await.unwrap_err();
    assert_eq!(error.kind, MaxErrorKind::Unauthorized);
    assert_eq!(error.code.as_deref(), Some("verify.token"));
    assert!(!error.to_string().contains(setup.sandbox.max_token()));
}

#[tokio::test]
async fn messages_are_sent_edited_and_deleted() {
    let setup = Setup::start().await;
    let anna = setup.user().await;
    let body = NewMessageBody::html("<b>Кабинет</b>").with_keyboard(vec![
        vec![Button::Callback {
            text: "Документы".into(),
            payload: "docs".into(),
        }],
        vec![Button::Link {
            text: "Сайт".into(),
            url: "https://max.ru".into(),
        }],
        vec![Button::RequestContact {
            text: "Телефон".into(),
        }],
    ]);
    let sent = setup
        .max
        .send_message(To::User(anna.id), &body)
        .await
        .unwrap();
    assert_eq!(sent.recipient.chat_id, Some(anna.chat_id));
    assert_eq!(sent.body.text.as_deref(), Some("Кабинет"));
    assert!(sent.timestamp > 1_000_000_000_000, "milliseconds");
    let Some(Attachment::InlineKeyboard { payload }) =
        sent.body.attachments.as_ref().and_then(|a| a.first())
    else {
        panic!("the keyboard: {:?}", sent.body.attachments)
    };
    assert_eq!(payload.buttons.len(), 3);

    let control = setup.sandbox.client();
    let chat = control.max().chat(anna.id).await.unwrap();
    assert_eq!(
        chat.last_bot_message().unwrap().button_labels(),
        ["Документы", "Сайт", "Телефон"]
    );

    setup
        .max
        .edit_message(
            &sent.body.mid,
            &NewMessageBody {
                attachments: Some(Vec::new()),
                ..NewMessageBody::html("<i>Готово</i>")
            },
        )
        .await
        .unwrap();
    let chat = control.max().chat(anna.id).await.unwrap();
    let message = chat.last_bot_message().unwrap();
    assert_eq!(message.text.as_deref(), Some("Готово"));
    assert!(message.edited && message.button_labels().is_empty());

    setup
        .max
        .send_message(To::Chat(anna.chat_id), &NewMessageBody::plain("второе"))
        .await
        .unwrap();
    setup.max.delete_message(&sent.body.mid).await.unwrap();
    let error = setup.max.delete_message(&sent.body.mid).await.unwrap_err();
    assert_eq!(error.kind, MaxErrorKind::NotFound);

    setup
        .max
        .send_action(anna.chat_id, SenderAction::TypingOn)
        .await
        .unwrap();
    let chat = setup.max.chat(anna.chat_id).await.unwrap();
    assert_eq!(chat.kind, "dialog");
    assert_eq!(chat.dialog_with_user.unwrap().user_id, anna.id);
}

#[tokio::test]
async fn updates_come_once_each_and_callbacks_are_answered() {
    let setup = Setup::start().await;
    let anna = setup.user().await;
    let control = setup.sandbox.client();
    control
        .max()
        .start(anna.id, Some("link-code"))
        .await
        .unwrap();
    control.max().send_text(anna.id, "/start").await.unwrap();
    control
        .max()
        .share_contact(anna.id, ShareContact::own())
        .await
        .unwrap();
    let (updates, marker) = setup.drain(None).await;
    assert_eq!(updates.len(), 3);
    assert!(
        matches!(&updates[0], Update::BotStarted { payload: Some(p), chat_id, .. } if p == "link-code" && *chat_id == anna.chat_id)
    );
    let Update::MessageCreated { message, .. } = &updates[1] else {
        panic!("{:?}", updates[1])
    };
    assert_eq!(message.body.text.as_deref(), Some("/start"));
    assert_eq!(message.sender.as_ref().unwrap().user_id, anna.id);
    let Update::MessageCreated { message, .. } = &updates[2] else {
        panic!("{:?}", updates[2])
    };
    let Some(Attachment::Contact { payload }) =
        message.body.attachments.as_ref().and_then(|a| a.first())
    else {
        panic!("{:?}", message.body.attachments)
    };
    assert_eq!(payload.phone_number(), Some("+79990001122"));
    assert_eq!(payload.max_info.as_ref().unwrap().user_id, anna.id);

    let (none, same) = setup.drain(marker).await;
    assert!(none.is_empty(), "nothing repeated: {none:?}");
    assert_eq!(same, marker);

    setup
        .max
        .send_message(
            To::User(anna.id),
            &NewMessageBody::plain("Да?").with_keyboard(vec![vec![Button::Callback {
                text: "Да".into(),
                payload: "yes".into(),
            }]]),
        )
        .await
        .unwrap();
    // A long poll wakes with the press.
    let poll = {
        let max = setup.max.clone();
        tokio::spawn(async move { max.updates(marker, 100, Duration::from_secs(10), &[]).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    control
        .max()
        .press(anna.id, PressButton::data("yes"))
        .await
        .unwrap();
    let updates = read(poll.await.unwrap().unwrap().updates);
    let Update::MessageCallback {
        callback, message, ..
    } = &updates[0]
    else {
        panic!("{updates:?}")
    };
    assert_eq!(callback.payload.as_deref(), Some("yes"));
    assert_eq!(message.as_ref().unwrap().body.text.as_deref(), Some("Да?"));
    setup
        .max
        .answer_callback(
            &callback.callback_id,
            &CallbackAnswer {
                notification: Some("Принято".into()),
                message: Some(NewMessageBody {
                    attachments: Some(Vec::new()),
                    ..NewMessageBody::plain("Принято: да")
                }),
            },
        )
        .await
        .unwrap();
    let answer = control.max().callback(&callback.callback_id).await.unwrap();
    assert!(answer.answered);
    assert_eq!(answer.text.as_deref(), Some("Принято"));
    let chat = control.max().chat(anna.id).await.unwrap();
    assert_eq!(
        chat.last_bot_message().unwrap().text.as_deref(),
        Some("Принято: да")
    );
    let again = setup
        .max
        .answer_callback(&callback.callback_id, &CallbackAnswer::default())
        .await
        .unwrap_err();
    assert_eq!(again.kind, MaxErrorKind::BadRequest);
}

#[tokio::test]
async fn files_are_uploaded_then_sent_and_users_files_downloaded() {
    let setup = Setup::start().await;
    let anna = setup.user().await;
    let control = setup.sandbox.client();
    let uploaded = setup
        .max
        .upload(
            UploadType::File,
            "справка.pdf",
            "application/pdf",
            b"%PDF-1.7".to_vec(),
        )
        .await
        .unwrap();
    setup
        .max
        .send_message(
            To::User(anna.id),
            &NewMessageBody::plain("Справка").with(uploaded.attachment()),
        )
        .await
        .unwrap();
    let chat = control.max().chat(anna.id).await.unwrap();
    let document = chat.last_bot_message().unwrap().document.clone().unwrap();
    assert_eq!(document.file_name.as_deref(), Some("справка.pdf"));
    assert_eq!(
        control.max().file(&document.file_id).await.unwrap(),
        b"%PDF-1.7"
    );

    let png = [
        0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0,
        0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
    ];
    let image = setup
        .max
        .upload(UploadType::Image, "qr.png", "image/png", png.to_vec())
        .await
        .unwrap();
    setup
        .max
        .send_message(
            To::User(anna.id),
            &NewMessageBody::default().with(image.attachment()),
        )
        .await
        .unwrap();
    let not_an_image = setup
        .max
        .upload(UploadType::Image, "x.png", "image/png", b"text".to_vec())
        .await
        .unwrap_err();
    assert_eq!(not_an_image.kind, MaxErrorKind::BadRequest);

    control
        .max()
        .upload_file(
            anna.id,
            UploadFile::new(
                FileKind::Document,
                "диплом.pdf",
                "application/pdf",
                b"%PDF-diploma",
            ),
        )
        .await
        .unwrap();
    let (updates, _) = setup.drain(None).await;
    let url = updates
        .iter()
        .find_map(|update| match update {
            Update::MessageCreated { message, .. } => message
                .body
                .attachments
                .iter()
                .flatten()
                .find_map(|a| match a {
                    Attachment::File {
                        payload, filename, ..
                    } => {
                        assert_eq!(filename.as_deref(), Some("диплом.pdf"));
                        Some(payload.url.clone())
                    }
                    _ => None,
                }),
            _ => None,
        })
        .expect("the user's file");
    assert_eq!(setup.max.download(&url).await.unwrap(), b"%PDF-diploma");
}

#[tokio::test]
async fn refusals_are_mapped_to_what_delivery_does() {
    let setup = Setup::start().await;
    let anna = setup.user().await;
    let control = setup.sandbox.client();
    let hi = NewMessageBody::plain("Hi");

    let error = setup.max.send_message(To::Chat(42), &hi).await.unwrap_err();
    assert_eq!(error.kind, MaxErrorKind::ChatNotFound);
    let error = setup.max.send_message(To::User(42), &hi).await.unwrap_err();
    assert_eq!(error.kind, MaxErrorKind::ChatNotFound);

    let error = setup
        .max
        .send_message(To::User(anna.id), &NewMessageBody::plain("я".repeat(4001)))
        .await
        .unwrap_err();
    assert_eq!(error.kind, MaxErrorKind::BadRequest);
    assert_eq!(error.code.as_deref(), Some("proto.payload"));
    let error = setup
        .max
        .send_message(
            To::User(anna.id),
            &NewMessageBody::html("<tg-spoiler>x</tg-spoiler>"),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind, MaxErrorKind::BadRequest);

    control
        .max()
        .inject(anna.id, MaxInjection::too_many_requests(3))
        .await
        .unwrap();
    control
        .max()
        .inject(anna.id, MaxInjection::status(503))
        .await
        .unwrap();
    control
        .max()
        .inject(
            anna.id,
            MaxInjection::status(400).with_code("attachment.not.ready"),
        )
        .await
        .unwrap();
    let kinds = [
        MaxErrorKind::TooManyRequests {
            retry_after: Duration::from_secs(3),
        },
        MaxErrorKind::Unavailable,
        MaxErrorKind::NotReady,
    ];
    for kind in kinds {
        let error = setup
            .max
            .send_message(To::User(anna.id), &hi)
            .await
            .unwrap_err();
        assert_eq!(error.kind, kind, "{error}");
    }

    control.max().block(anna.id, true).await.unwrap();
    let error = setup
        .max
        .send_message(To::User(anna.id), &hi)
        .await
        .unwrap_err();
    assert_eq!(error.kind, MaxErrorKind::Blocked);
    let (updates, _) = setup.drain(None).await;
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, Update::BotStopped { user, .. } if user.user_id == anna.id))
    );
    control.max().block(anna.id, false).await.unwrap();

    // The bot's own pace: over the limit, Max says when to come back.
    control
        .max()
        .configure(MaxSettings::enforcing().with_requests_per_second(1))
        .await
        .unwrap();
    setup
        .max
        .send_message(To::User(anna.id), &hi)
        .await
        .unwrap();
    let error = setup
        .max
        .send_message(To::User(anna.id), &hi)
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind, MaxErrorKind::TooManyRequests { retry_after } if retry_after >= Duration::from_secs(1)),
        "{error}"
    );
}

#[tokio::test]
async fn an_unreachable_api_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let max = MaxClient::new(&MaxConfig {
        token: "t".into(),
        api_url: Url::parse(&format!("http://{addr}/max")).unwrap(),
        ca_file: None,
    })
    .unwrap();
    assert_eq!(max.me().await.unwrap_err().kind, MaxErrorKind::Unavailable);
}

#[test]
fn a_root_certificate_is_added_from_the_ca_file() {
    let fixture =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/max-test-ca.pem");
    let config = |ca_file: std::path::PathBuf| MaxConfig {
        token: "t".into(),
        api_url: Url::parse(medcab_bot::max::DEFAULT_API_URL).unwrap(),
        ca_file: Some(ca_file),
    };
    MaxClient::new(&config(fixture)).expect("a PEM root certificate");

    let dir = std::env::temp_dir().join(format!("medcab-max-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    assert!(MaxClient::new(&config(garbage)).is_err());
    let missing = dir.join("missing.pem");
    let error = MaxClient::new(&config(missing)).unwrap_err();
    assert!(error.to_string().contains("MEDCAB_MAX_CA_FILE"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}
