//! The real teloxide `Bot` against the sandbox: every shape the sandbox
//! sends must deserialize in teloxide, and its typed errors must match.

use medcab_sandbox::{
    FileKind, Injection, NewUser, PressButton, Sandbox, SandboxConfig, Settings, ShareContact,
    UploadFile,
};
use teloxide::net::Download;
use teloxide::payloads::{GetUpdatesSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, CallbackQueryId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
    KeyboardButton, KeyboardMarkup, MediaKind, MessageKind, ParseMode, UpdateKind,
};
use teloxide::{ApiError, RequestError};

async fn start() -> (Sandbox, Bot) {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let bot = Bot::new(sandbox.token()).set_api_url(sandbox.api_url().parse().unwrap());
    (sandbox, bot)
}

const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89,
];

#[tokio::test]
async fn teloxide_round_trip() {
    let (sandbox, bot) = start().await;
    let client = sandbox.client();

    let me = bot.get_me().await.unwrap();
    assert_eq!(me.username(), "medcab_bot");
    assert!(me.user.is_bot);

    let user = client
        .create_user(
            NewUser::named("Анна")
                .with_language("ru")
                .with_phone("+79990001122"),
        )
        .await
        .unwrap();
    let chat_id = ChatId(user.id);

    // Every kind of update a user can produce deserializes.
    client.send_text(user.id, "/start deep-link").await.unwrap();
    client
        .share_contact(user.id, ShareContact::own())
        .await
        .unwrap();
    let upload = UploadFile::new(
        FileKind::Document,
        "analysis.pdf",
        "application/pdf",
        b"%PDF-1.7 test",
    );
    let uploaded = client
        .upload_file(user.id, upload.with_caption("my tests"))
        .await
        .unwrap();
    client
        .upload_file(
            user.id,
            UploadFile::new(FileKind::Photo, "scan.png", "image/png", PNG_1X1),
        )
        .await
        .unwrap();

    let updates = bot.get_updates().timeout(1).await.unwrap();
    assert_eq!(updates.len(), 4, "{updates:#?}");
    let messages: Vec<&Message> = updates
        .iter()
        .map(|update| match &update.kind {
            UpdateKind::Message(message) => message,
            other => panic!("not a message: {other:?}"),
        })
        .collect();
    assert_eq!(messages[0].text(), Some("/start deep-link"));
    assert_eq!(
        messages[0].from.as_ref().map(|u| u.id),
        Some(UserId(user.id as u64))
    );
    assert_eq!(messages[0].chat.id, chat_id);
    let entities = messages[0].entities().unwrap();
    assert_eq!(
        entities[0].kind,
        teloxide::types::MessageEntityKind::BotCommand
    );
    assert_eq!(entities[0].length, "/start".len());
    let contact = messages[1].contact().unwrap();
    assert_eq!(contact.phone_number, "+79990001122");
    assert_eq!(contact.user_id, Some(UserId(user.id as u64)));
    let document = messages[2].document().unwrap();
    assert_eq!(document.file.id.0, uploaded.file_id);
    assert_eq!(document.file_name.as_deref(), Some("analysis.pdf"));
    assert_eq!(messages[2].caption(), Some("my tests"));
    let photo = messages[3].photo().unwrap();
    assert_eq!((photo[0].width, photo[0].height), (1, 1));

    // Offsets confirm updates; nothing new arrives.
    let next = updates.last().unwrap().id.0 + 1;
    assert!(
        bot.get_updates()
            .offset(next as i32)
            .timeout(0)
            .await
            .unwrap()
            .is_empty()
    );

    // The user's file can be fetched by the bot.
    let file = bot.get_file(document.file.id.clone()).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded)
        .await
        .unwrap();
    assert_eq!(downloaded, b"%PDF-1.7 test");

    // A message with an inline keyboard, HTML and a reply keyboard.
    let keyboard = InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback("Да", "yes"),
        InlineKeyboardButton::url("Сайт", "https://example.org".parse().unwrap()),
    ]]);
    let sent = bot
        .send_message(chat_id, "<b>Записаться</b> на приём?")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard.clone())
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("Записаться на приём?"));
    assert_eq!(sent.reply_markup(), Some(&keyboard));
    let contact_keyboard = KeyboardMarkup::new([[
        KeyboardButton::new("Поделиться номером").request(ButtonRequest::Contact)
    ]])
    .one_time_keyboard();
    bot.send_message(chat_id, "Нужен ваш номер")
        .reply_markup(contact_keyboard)
        .await
        .unwrap();

    // Pressing the button reaches the bot as a callback query with the message.
    let pressed = client
        .press(user.id, PressButton::data("yes"))
        .await
        .unwrap();
    let updates = bot
        .get_updates()
        .offset(next as i32)
        .timeout(5)
        .await
        .unwrap();
    let UpdateKind::CallbackQuery(query) = &updates[0].kind else {
        panic!("{updates:#?}")
    };
    assert_eq!(query.id.0, pressed.callback_query_id);
    assert_eq!(query.data.as_deref(), Some("yes"));
    assert_eq!(query.regular_message().map(|m| m.id), Some(sent.id));
    bot.answer_callback_query(query.id.clone())
        .text("Готово")
        .await
        .unwrap();
    let answer = client.callback(&pressed.callback_query_id).await.unwrap();
    assert_eq!(answer.text.as_deref(), Some("Готово"));
    let again = bot
        .answer_callback_query(query.id.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(again, RequestError::Api(ApiError::InvalidQueryId)),
        "{again:?}"
    );
    let unknown = bot
        .answer_callback_query(CallbackQueryId("nope".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, RequestError::Api(ApiError::InvalidQueryId)),
        "{unknown:?}"
    );

    // Edits, and Telegram's typed errors for them.
    let edited = bot
        .edit_message_text(chat_id, sent.id, "Вы записаны")
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("Вы записаны"));
    assert!(edited.edit_date().is_some());
    assert!(
        edited.reply_markup().is_none(),
        "an edit without reply_markup drops the keyboard"
    );
    let same = bot
        .edit_message_text(chat_id, sent.id, "Вы записаны")
        .await
        .unwrap_err();
    assert!(
        matches!(same, RequestError::Api(ApiError::MessageNotModified)),
        "{same:?}"
    );

    bot.delete_message(chat_id, sent.id).await.unwrap();
    let gone = bot
        .edit_message_text(chat_id, sent.id, "x")
        .await
        .unwrap_err();
    assert!(
        matches!(gone, RequestError::Api(ApiError::MessageToEditNotFound)),
        "{gone:?}"
    );
    let gone = bot.delete_message(chat_id, sent.id).await.unwrap_err();
    assert!(
        matches!(gone, RequestError::Api(ApiError::MessageToDeleteNotFound)),
        "{gone:?}"
    );

    // Documents from memory, re-sent by file_id, downloaded back.
    let report = bot
        .send_document(
            chat_id,
            InputFile::memory(b"report body".to_vec()).file_name("report.txt"),
        )
        .caption("Ваш отчёт")
        .await
        .unwrap();
    let MessageKind::Common(common) = &report.kind else {
        panic!("{report:?}")
    };
    let MediaKind::Document(media) = &common.media_kind else {
        panic!("{report:?}")
    };
    assert_eq!(media.document.file_name.as_deref(), Some("report.txt"));
    assert_eq!(
        media.document.mime_type.as_ref().map(|m| m.to_string()),
        Some("text/plain".to_owned())
    );
    bot.send_document(chat_id, InputFile::file_id(media.document.file.id.clone()))
        .await
        .unwrap();
    let file = bot.get_file(media.document.file.id.clone()).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded)
        .await
        .unwrap();
    assert_eq!(downloaded, b"report body");

    bot.send_photo(
        chat_id,
        InputFile::memory(PNG_1X1.to_vec()).file_name("p.png"),
    )
    .await
    .unwrap();

    // Typed errors for the common mistakes.
    let error = bot.send_message(ChatId(42), "hi").await.unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::ChatNotFound)),
        "{error:?}"
    );
    let error = bot
        .send_message(chat_id, "<b>bold")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::CantParseEntities(_))),
        "{error:?}"
    );
    let error = bot
        .send_message(chat_id, "x".repeat(4097))
        .await
        .unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::MessageIsTooLong)),
        "{error:?}"
    );
    let long_data =
        InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("A", "d".repeat(65))]]);
    let error = bot
        .send_message(chat_id, "x")
        .reply_markup(long_data)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::ButtonDataInvalid)),
        "{error:?}"
    );
    client.block(user.id, true).await.unwrap();
    let error = bot.send_message(chat_id, "hi").await.unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::BotBlocked)),
        "{error:?}"
    );

    let wrong_token = Bot::new("1:wrong").set_api_url(sandbox.api_url().parse().unwrap());
    let error = wrong_token.get_me().await.unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::InvalidToken)),
        "{error:?}"
    );

    sandbox.shutdown().await;
}

#[tokio::test]
async fn teloxide_sees_the_retry_after_of_limits() {
    let (sandbox, bot) = start().await;
    let client = sandbox.client();
    let user = client.create_user(NewUser::named("Борис")).await.unwrap();
    client.set_enforce_limits(true).await.unwrap();
    let mut outcomes = Vec::new();
    for n in 0..4 {
        outcomes.push(bot.send_message(ChatId(user.id), format!("{n}")).await);
    }
    assert!(
        outcomes[..3].iter().all(Result::is_ok),
        "a burst of three is allowed: {outcomes:?}"
    );
    let error = outcomes.pop().unwrap().unwrap_err();
    assert!(
        matches!(error, RequestError::RetryAfter(seconds) if seconds.seconds() >= 1),
        "{error:?}"
    );
}

#[tokio::test]
async fn teloxide_sees_injected_failures_and_sends_paid_broadcasts() {
    let (sandbox, bot) = start().await;
    let client = sandbox.client();
    let user = client.create_user(NewUser::named("Вера")).await.unwrap();
    client
        .inject(user.id, Injection::too_many_requests(7))
        .await
        .unwrap();
    client.inject(user.id, Injection::error(403)).await.unwrap();
    let error = bot.send_message(ChatId(user.id), "1").await.unwrap_err();
    assert!(
        matches!(error, RequestError::RetryAfter(seconds) if seconds.seconds() == 7),
        "{error:?}"
    );
    let error = bot.send_message(ChatId(user.id), "2").await.unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::BotBlocked)),
        "{error:?}"
    );

    client
        .configure(Settings::enforcing().with_bot_per_second(1))
        .await
        .unwrap();
    let other = client.create_user(NewUser::named("Глеб")).await.unwrap();
    bot.send_message(ChatId(user.id), "3").await.unwrap();
    bot.send_message(ChatId(other.id), "4")
        .allow_paid_broadcast(true)
        .await
        .unwrap();
    let stats = client.stats().await.unwrap();
    assert_eq!((stats.accepted, stats.paid_broadcasts), (2, 1));
}

#[tokio::test]
async fn a_chat_scope_menu_shows_in_that_chat_only_until_deleted() {
    use teloxide::types::{BotCommand, BotCommandScope, Recipient};
    let (sandbox, bot) = start().await;
    let client = sandbox.client();
    let olga = client.create_user(NewUser::named("Ольга")).await.unwrap();
    let anna = client.create_user(NewUser::named("Анна")).await.unwrap();
    bot.set_my_commands([BotCommand::new("start", "Начать")])
        .await
        .unwrap();
    let scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(ChatId(olga.id)),
    };
    bot.set_my_commands([
        BotCommand::new("start", "Начать"),
        BotCommand::new("review", "Проверка"),
    ])
    .scope(scope.clone())
    .await
    .unwrap();

    let names = |commands: Vec<medcab_sandbox::BotCommand>| {
        commands.into_iter().map(|c| c.command).collect::<Vec<_>>()
    };
    assert_eq!(
        names(client.commands_of(olga.id, "ru").await.unwrap()),
        ["start", "review"]
    );
    assert_eq!(
        names(client.commands_of(anna.id, "ru").await.unwrap()),
        ["start"]
    );
    let listed = bot.get_my_commands().scope(scope.clone()).await.unwrap();
    assert_eq!(listed.len(), 2);

    bot.delete_my_commands().scope(scope).await.unwrap();
    assert_eq!(
        names(client.commands_of(olga.id, "ru").await.unwrap()),
        ["start"],
        "back to the menu for everyone"
    );
}

#[tokio::test]
async fn commands_set_by_teloxide_show_in_the_menu() {
    use teloxide::types::BotCommand;
    let (sandbox, bot) = start().await;
    bot.set_my_commands([BotCommand::new("start", "Начать")])
        .language_code("ru")
        .await
        .unwrap();
    bot.set_my_commands([BotCommand::new("start", "Start")])
        .await
        .unwrap();
    let client = sandbox.client();
    assert_eq!(
        client.commands(Some("ru")).await.unwrap()[0].description,
        "Начать"
    );
    assert_eq!(
        client.commands(Some("en")).await.unwrap()[0].description,
        "Start"
    );
    let listed = bot.get_my_commands().language_code("ru").await.unwrap();
    assert_eq!(listed, vec![BotCommand::new("start", "Начать")]);
    let error = bot
        .set_my_commands([BotCommand::new("Start", "x")])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("BOT_COMMAND_INVALID"), "{error}");
}
