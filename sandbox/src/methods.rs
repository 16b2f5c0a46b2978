//! The Bot API methods the sandbox implements, with Telegram's rules and
//! error descriptions. Parameters arrive already checked against `api.json`
//! (present when required, of the right type).

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::error::ApiError;
use crate::html;
use crate::params::Params;
use crate::state::{AppState, ChatAction, State, StoredMessage, UserEntry, now};
use crate::telegram;
use crate::view::{self, BotCommand, FileKind, InlineKeyboard, ReplyKeyboard};

const MAX_TEXT_LENGTH: usize = 4096;
const MAX_CAPTION_LENGTH: usize = 1024;
const MAX_CALLBACK_DATA_BYTES: usize = 64;
const CHAT_ACTION_LIFETIME: Duration = Duration::from_secs(5);
const CHAT_ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];

/// Runs `method` (its canonical name from `api.json`).
pub(crate) async fn call(app: &AppState, method: &str, params: Params) -> Result<Value, ApiError> {
    if method == "getUpdates" {
        return get_updates(app, &params).await;
    }
    if matches!(method, "sendMessage" | "sendDocument" | "sendPhoto") {
        return send(app, method, &params).await;
    }
    let mut state = app.state.lock().await;
    let state = &mut *state;
    match method {
        "getMe" => Ok(telegram::me(&app.bot)),
        "setWebhook" => crate::webhook::set_webhook(state, &params),
        "deleteWebhook" => crate::webhook::delete_webhook(state, &params),
        "getWebhookInfo" => Ok(crate::webhook::webhook_info(state)),
        "editMessageText" => edit_message_text(app, state, &params),
        "editMessageCaption" => edit_message_caption(app, state, &params),
        "editMessageReplyMarkup" => edit_message_reply_markup(app, state, &params),
        "deleteMessage" => delete_message(state, &params),
        "answerCallbackQuery" => answer_callback_query(state, &params),
        "sendChatAction" => send_chat_action(app, state, &params),
        "getFile" => get_file(state, &params),
        "setMyCommands" => set_my_commands(state, &params),
        "getMyCommands" => {
            let key = commands_key(&params);
            let commands = state.commands.get(&key).cloned().unwrap_or_default();
            Ok(serde_json::to_value(commands).unwrap_or_default())
        }
        "deleteMyCommands" => {
            state.commands.remove(&commands_key(&params));
            Ok(Value::Bool(true))
        }
        _ => Err(ApiError::bad_request(
            "method is not supported by the sandbox",
        )),
    }
}

/// A send (`sendMessage`, `sendDocument`, `sendPhoto`). A fault injected
/// for the chat (control API) comes first, once the chat is found: its
/// delay is waited with the state unlocked (other chats are served
/// meanwhile), then its error answers, or the send goes on. A send that
/// comes sooner than the last 429 to its chat asked is counted.
async fn send(app: &AppState, method: &str, params: &Params) -> Result<Value, ApiError> {
    let (chat_id, fault) = {
        let mut state = app.state.lock().await;
        let state = &mut *state;
        let entry = chat(state, params)?;
        let too_early = entry
            .retry_not_before
            .take()
            .is_some_and(|not_before| Instant::now() < not_before);
        let found = (entry.user.id, entry.take_injected());
        if too_early {
            state.stats.sent_before_retry_after();
        }
        found
    };
    let (delay, error) = fault.map_or((Duration::ZERO, None), |fault| (fault.delay, fault.error));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut state = app.state.lock().await;
    let state = &mut *state;
    let result = match error {
        Some(error) => {
            state.stats.injected_failure();
            Err(error)
        }
        None => match method {
            "sendMessage" => send_message(app, state, params),
            "sendDocument" => send_file(app, state, params, FileKind::Document),
            _ => send_file(app, state, params, FileKind::Photo),
        },
    };
    if let Err(error) = &result
        && error.code == 429
    {
        state.stats.too_many_requests();
        if let Some(entry) = state.users.get_mut(&chat_id) {
            let wait = Duration::from_secs(error.retry_after.unwrap_or(1));
            entry.retry_not_before = Some(Instant::now() + wait);
        }
    }
    result
}

fn webhook_active() -> ApiError {
    ApiError::conflict(
        "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
}

async fn get_updates(app: &AppState, params: &Params) -> Result<Value, ApiError> {
    let offset = params.i64("offset");
    let limit = usize::try_from(params.i64("limit").unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let timeout = Duration::from_secs(
        params
            .i64("timeout")
            .unwrap_or(0)
            .clamp(0, 60)
            .unsigned_abs(),
    );
    let deadline = Instant::now() + timeout;

    let generation = {
        let mut state = app.state.lock().await;
        if state.webhook.is_some() {
            return Err(webhook_active());
        }
        if let Some(Value::Array(kinds)) = params.value("allowed_updates") {
            state.allowed_updates = kinds
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        state.poll_generation += 1;
        // Wakes an older call still waiting, which then answers 409.
        state.updates_signal.send_replace(());
        state.poll_generation
    };

    loop {
        let mut changed = {
            let mut state = app.state.lock().await;
            if state.webhook.is_some() {
                return Err(webhook_active());
            }
            if state.poll_generation != generation {
                return Err(ApiError::conflict(
                    "terminated by other getUpdates request; make sure that only one bot instance is running",
                ));
            }
            let updates = state.pending_updates(offset, limit);
            if !updates.is_empty() || Instant::now() >= deadline {
                return Ok(Value::Array(updates));
            }
            state.updates_signal.subscribe()
        };
        tokio::select! {
            _ = changed.changed() => {}
            () = tokio::time::sleep_until(deadline) => {}
            () = app.shutdown.cancelled() => return Ok(json!([])),
        }
    }
}

/// The chat `chat_id` names. Only private chats exist, and bots cannot
/// address users by `@username`.
fn chat<'s>(state: &'s mut State, params: &Params) -> Result<&'s mut UserEntry, ApiError> {
    params
        .i64("chat_id")
        .and_then(|id| state.users.get_mut(&id))
        .ok_or_else(ApiError::chat_not_found)
}

/// The chat, if the bot may still write to it.
fn writable_chat<'s>(state: &'s mut State, params: &Params) -> Result<&'s mut UserEntry, ApiError> {
    let entry = chat(state, params)?;
    if entry.blocked {
        return Err(ApiError::forbidden("bot was blocked by the user"));
    }
    Ok(entry)
}

/// The chat a send (sendMessage, sendDocument, sendPhoto) goes to (its
/// injected fault was taken already, by [`send`]).
fn send_target<'s>(state: &'s mut State, params: &Params) -> Result<&'s mut UserEntry, ApiError> {
    writable_chat(state, params)
}

/// Text as the user will see it.
struct Formatted {
    plain: String,
    html: Option<String>,
}

fn format(text: &str, parse_mode: Option<&str>) -> Result<Formatted, ApiError> {
    let (plain, html) = match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None => (text.to_owned(), None),
        Some("html") => {
            let plain = html::to_plain_text(text).map_err(|reason| {
                ApiError::bad_request(format!("can't parse entities: {reason}"))
            })?;
            (plain, Some(text.to_owned()))
        }
        // Markdown is passed through unchecked: the sandbox checks HTML only.
        Some("markdown" | "markdownv2") => (text.to_owned(), None),
        Some(_) => return Err(ApiError::bad_request("unsupported parse_mode")),
    };
    // Telegram drops leading and trailing whitespace.
    Ok(Formatted {
        plain: plain.trim().to_owned(),
        html,
    })
}

fn message_text(params: &Params, too_long: &str) -> Result<Formatted, ApiError> {
    let text = params.str("text").unwrap_or_default();
    let formatted = format(text, params.str("parse_mode"))?;
    if formatted.plain.is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if html::utf16_len(&formatted.plain) > MAX_TEXT_LENGTH {
        return Err(ApiError::bad_request(too_long));
    }
    Ok(formatted)
}

fn caption(params: &Params) -> Result<Option<Formatted>, ApiError> {
    let Some(caption) = params.str("caption") else {
        return Ok(None);
    };
    let formatted = format(caption, params.str("parse_mode"))?;
    if html::utf16_len(&formatted.plain) > MAX_CAPTION_LENGTH {
        return Err(ApiError::bad_request("message caption is too long"));
    }
    Ok(Some(formatted).filter(|f| !f.plain.is_empty()))
}

enum Markup {
    None,
    Inline(InlineKeyboard),
    Reply(ReplyKeyboard),
    RemoveKeyboard,
    ForceReply,
}

/// Fields of which an inline button must have exactly one.
const INLINE_BUTTON_ACTIONS: &[&str] = &[
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

fn markup(params: &Params) -> Result<Markup, ApiError> {
    let Some(value) = params.value("reply_markup") else {
        return Ok(Markup::None);
    };
    let unparsable = || ApiError::bad_request("can't parse reply keyboard markup JSON object");
    if value.get("inline_keyboard").is_some() {
        let keyboard: InlineKeyboard =
            serde_json::from_value(value.clone()).map_err(|_| unparsable())?;
        check_inline_keyboard(&keyboard)?;
        Ok(Markup::Inline(keyboard))
    } else if value.get("keyboard").is_some() {
        Ok(Markup::Reply(
            serde_json::from_value(value.clone()).map_err(|_| unparsable())?,
        ))
    } else if value.get("remove_keyboard").is_some() {
        Ok(Markup::RemoveKeyboard)
    } else if value.get("force_reply").is_some() {
        Ok(Markup::ForceReply)
    } else {
        Err(unparsable())
    }
}

fn check_inline_keyboard(keyboard: &InlineKeyboard) -> Result<(), ApiError> {
    for button in keyboard.inline_keyboard.iter().flatten() {
        let has_action = button.callback_data.is_some()
            || button.url.is_some()
            || INLINE_BUTTON_ACTIONS
                .iter()
                .any(|action| button.other.contains_key(*action));
        if !has_action {
            return Err(ApiError::bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
        if let Some(data) = &button.callback_data
            && (data.is_empty() || data.len() > MAX_CALLBACK_DATA_BYTES)
        {
            return Err(ApiError::bad_request("BUTTON_DATA_INVALID"));
        }
        if let Some(url) = &button.url {
            let known_scheme = ["http://", "https://", "tg://"]
                .iter()
                .any(|s| url.starts_with(s));
            if !known_scheme || url.contains(char::is_whitespace) {
                return Err(ApiError::bad_request("BUTTON_URL_INVALID"));
            }
        }
    }
    Ok(())
}

/// Only inline keyboards may be put on an edited message.
fn edit_markup(params: &Params) -> Result<Option<InlineKeyboard>, ApiError> {
    match markup(params)? {
        Markup::None => Ok(None),
        Markup::Inline(keyboard) => Ok(Some(keyboard)),
        _ => Err(ApiError::bad_request(
            "can't parse reply keyboard markup JSON object",
        )),
    }
}

fn check_reply_target(entry: &UserEntry, params: &Params) -> Result<(), ApiError> {
    let reply = params.value("reply_parameters");
    let target = reply
        .and_then(|r| r.get("message_id"))
        .and_then(Value::as_i64);
    let allow_missing = reply
        .and_then(|r| r.get("allow_sending_without_reply"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match target {
        Some(id) if entry.chat.message(id).is_none() && !allow_missing => {
            Err(ApiError::bad_request("message to be replied not found"))
        }
        _ => Ok(()),
    }
}

/// A send with `allow_paid_broadcast` counts against the paid bucket
/// instead of the bot's; the chat's limit applies either way.
fn check_send_limits(state: &State, chat_id: i64, params: &Params) -> Result<(), ApiError> {
    if state.enforce_limits {
        state
            .limits
            .check_send(chat_id, params.flag("allow_paid_broadcast"))
            .map_err(ApiError::too_many_requests)?;
    }
    Ok(())
}

/// Puts a new bot message into the chat, counts it, and answers with it.
fn deliver(
    app: &AppState,
    state: &mut State,
    chat_id: i64,
    mut message: StoredMessage,
    markup: Markup,
    params: &Params,
) -> Value {
    state
        .stats
        .accepted(chat_id, params.flag("allow_paid_broadcast"));
    let entry = state
        .users
        .get_mut(&chat_id)
        .expect("the caller found the chat");
    message.view.message_id = entry.chat.next_message_id();
    message.view.protect_content = params.flag("protect_content");
    match markup {
        Markup::Inline(keyboard) => message.view.reply_markup = Some(keyboard),
        Markup::Reply(keyboard) => entry.chat.reply_keyboard = Some(keyboard),
        Markup::RemoveKeyboard => entry.chat.reply_keyboard = None,
        Markup::None | Markup::ForceReply => {}
    }
    entry.chat.push(message);
    let (entry, state) = (&state.users[&chat_id], &*state);
    telegram::message(state, &app.bot, &entry.user, entry.chat.newest())
}

fn send_message(app: &AppState, state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let entry = send_target(state, params)?;
    let chat_id = entry.user.id;
    let text = message_text(params, "message is too long")?;
    let markup = markup(params)?;
    check_reply_target(entry, params)?;
    check_send_limits(state, chat_id, params)?;

    let mut message = StoredMessage::new(0, view::From::Bot);
    message.view.text = Some(text.plain);
    message.view.html = text.html;
    Ok(deliver(app, state, chat_id, message, markup, params))
}

fn send_file(
    app: &AppState,
    state: &mut State,
    params: &Params,
    kind: FileKind,
) -> Result<Value, ApiError> {
    let entry = send_target(state, params)?;
    let chat_id = entry.user.id;
    let caption = caption(params)?;
    let markup = markup(params)?;
    check_reply_target(entry, params)?;
    let file_id = resolve_file(state, params, kind)?;
    check_send_limits(state, chat_id, params)?;

    let file = &state.files[&file_id];
    let mut message = StoredMessage::new(0, view::From::Bot);
    match kind {
        FileKind::Document => {
            message.view.document = Some(view::Document {
                file_id: file_id.clone(),
                file_name: file.file_name.clone(),
                mime_type: file.mime_type.clone(),
                file_size: file.bytes.len() as u64,
            })
        }
        FileKind::Photo => {
            message.view.photo = Some(view::Photo {
                file_id: file_id.clone(),
                file_size: file.bytes.len() as u64,
            })
        }
    }
    if let Some(caption) = caption {
        message.view.caption = Some(caption.plain);
        message.view.html = caption.html;
    }
    Ok(deliver(app, state, chat_id, message, markup, params))
}

/// The file a `document`/`photo` parameter names: a new upload (stored
/// now), or the file_id of a file the sandbox already has.
fn resolve_file(state: &mut State, params: &Params, kind: FileKind) -> Result<String, ApiError> {
    let field = match kind {
        FileKind::Document => "document",
        FileKind::Photo => "photo",
    };
    let reference = params.str(field).unwrap_or_default();
    if reference.starts_with("attach://") {
        let upload = params
            .attached(reference)
            .ok_or_else(|| ApiError::bad_request(format!("there is no {field} in the request")))?;
        if upload.bytes.is_empty() {
            return Err(ApiError::bad_request("file must be non-empty"));
        }
        if kind == FileKind::Photo && crate::files::image_dimensions(&upload.bytes).is_none() {
            return Err(ApiError::bad_request("IMAGE_PROCESS_FAILED"));
        }
        let mime_type = upload
            .content_type
            .clone()
            .filter(|t| !t.is_empty())
            .or_else(|| {
                upload
                    .file_name
                    .as_deref()
                    .map(|n| crate::files::guess_mime_type(n).to_owned())
            });
        let file_name = upload.file_name.clone();
        return Ok(state.store_file(kind, file_name, mime_type, upload.bytes.clone()));
    }
    if reference.starts_with("http://") || reference.starts_with("https://") {
        // The sandbox is offline by design.
        return Err(ApiError::bad_request("failed to get HTTP URL content"));
    }
    let file = state
        .files
        .get(reference)
        .ok_or_else(|| ApiError::bad_request("wrong file identifier/HTTP URL specified"))?;
    if file.kind != kind {
        let name = |kind| match kind {
            FileKind::Document => "Document",
            FileKind::Photo => "Photo",
        };
        return Err(ApiError::bad_request(format!(
            "can't use file of type {} as {}",
            name(file.kind),
            name(kind)
        )));
    }
    Ok(file.file_id.clone())
}

/// The bot message an edit targets.
fn message_to_edit<'s>(
    state: &'s mut State,
    params: &Params,
) -> Result<(&'s mut UserEntry, i64), ApiError> {
    if params.str("inline_message_id").is_some() {
        return Err(ApiError::bad_request("MESSAGE_ID_INVALID"));
    }
    if params.value("chat_id").is_none() {
        return Err(ApiError::bad_request("chat_id is empty"));
    }
    let message_id = params
        .i64("message_id")
        .ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    let entry = writable_chat(state, params)?;
    let message = entry
        .chat
        .message(message_id)
        .ok_or_else(|| ApiError::bad_request("message to edit not found"))?;
    if message.view.from != view::From::Bot {
        return Err(ApiError::bad_request("message can't be edited"));
    }
    Ok((entry, message_id))
}

fn not_modified() -> ApiError {
    ApiError::bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    )
}

/// Records an edit and answers with the edited message.
fn edited(app: &AppState, state: &mut State, chat_id: i64, message_id: i64) -> Value {
    let entry = state
        .users
        .get_mut(&chat_id)
        .expect("the caller found the chat");
    let message = entry
        .chat
        .message_mut(message_id)
        .expect("the caller found the message");
    message.view.edited = true;
    message.edit_date = Some(now());
    entry.chat.touch();
    let entry = &state.users[&chat_id];
    let stored = entry
        .chat
        .message(message_id)
        .expect("the caller found the message");
    telegram::message(state, &app.bot, &entry.user, stored)
}

fn edit_message_text(
    app: &AppState,
    state: &mut State,
    params: &Params,
) -> Result<Value, ApiError> {
    let (entry, message_id) = message_to_edit(state, params)?;
    let chat_id = entry.user.id;
    let text = message_text(params, "MESSAGE_TOO_LONG")?;
    // Like Telegram: an edit without reply_markup removes the keyboard.
    let keyboard = edit_markup(params)?;
    let message = entry.chat.message_mut(message_id).expect("found above");
    if message.view.text.is_none() {
        return Err(ApiError::bad_request(
            "there is no text in the message to edit",
        ));
    }
    let unchanged = message.view.text.as_deref() == Some(text.plain.as_str())
        && message.view.html == text.html
        && message.view.reply_markup == keyboard;
    if unchanged {
        return Err(not_modified());
    }
    message.view.text = Some(text.plain);
    message.view.html = text.html;
    message.view.reply_markup = keyboard;
    Ok(edited(app, state, chat_id, message_id))
}

fn edit_message_caption(
    app: &AppState,
    state: &mut State,
    params: &Params,
) -> Result<Value, ApiError> {
    let (entry, message_id) = message_to_edit(state, params)?;
    let chat_id = entry.user.id;
    let caption = caption(params)?;
    let keyboard = edit_markup(params)?;
    let message = entry.chat.message_mut(message_id).expect("found above");
    if message.view.document.is_none() && message.view.photo.is_none() {
        return Err(ApiError::bad_request(
            "there is no caption in the message to edit",
        ));
    }
    let (plain, html) = caption.map_or((None, None), |c| (Some(c.plain), c.html));
    if message.view.caption == plain
        && message.view.html == html
        && message.view.reply_markup == keyboard
    {
        return Err(not_modified());
    }
    message.view.caption = plain;
    message.view.html = html;
    message.view.reply_markup = keyboard;
    Ok(edited(app, state, chat_id, message_id))
}

fn edit_message_reply_markup(
    app: &AppState,
    state: &mut State,
    params: &Params,
) -> Result<Value, ApiError> {
    let (entry, message_id) = message_to_edit(state, params)?;
    let chat_id = entry.user.id;
    let keyboard = edit_markup(params)?;
    let message = entry.chat.message_mut(message_id).expect("found above");
    if message.view.reply_markup == keyboard {
        return Err(not_modified());
    }
    message.view.reply_markup = keyboard;
    Ok(edited(app, state, chat_id, message_id))
}

fn delete_message(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let entry = chat(state, params)?;
    let message_id = params.i64("message_id").unwrap_or_default();
    let message = entry
        .chat
        .message_mut(message_id)
        .ok_or_else(|| ApiError::bad_request("message to delete not found"))?;
    message.view.deleted = true;
    entry.chat.touch();
    Ok(Value::Bool(true))
}

fn answer_callback_query(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let id = params.str("callback_query_id").unwrap_or_default();
    let answer = state
        .callbacks
        .get_mut(id)
        .filter(|answer| !answer.answered)
        .ok_or_else(|| {
            // teloxide matches this text exactly, with a lowercase "id".
            ApiError::bad_request(
                "query is too old and response timeout expired or query id is invalid",
            )
        })?;
    *answer = view::CallbackAnswer {
        answered: true,
        text: params.str("text").map(str::to_owned),
        show_alert: params.flag("show_alert"),
    };
    Ok(Value::Bool(true))
}

fn send_chat_action(app: &AppState, state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let action = params.str("action").unwrap_or_default().to_owned();
    let action_id = state.new_action_id();
    let entry = writable_chat(state, params)?;
    if !CHAT_ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::bad_request("wrong parameter action in request"));
    }
    let chat_id = entry.user.id;
    entry.chat.chat_action = Some(ChatAction {
        action,
        id: action_id,
    });
    entry.chat.touch();

    let app = app.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = tokio::time::sleep(CHAT_ACTION_LIFETIME) => {}
            () = app.shutdown.cancelled() => return,
        }
        let mut state = app.state.lock().await;
        if let Some(entry) = state.users.get_mut(&chat_id)
            && entry
                .chat
                .chat_action
                .as_ref()
                .is_some_and(|a| a.id == action_id)
        {
            entry.chat.chat_action = None;
            entry.chat.touch();
        }
    });
    Ok(Value::Bool(true))
}

fn get_file(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let file_id = params.str("file_id").unwrap_or_default();
    let file = state
        .files
        .get(file_id)
        .ok_or_else(|| ApiError::bad_request("invalid file id"))?;
    Ok(telegram::file(file))
}

/// The key commands are stored under: the scope (with its chat for
/// chat-bound scopes) and the language, empty for all languages.
fn commands_key(params: &Params) -> (String, String) {
    let scope = params.value("scope");
    let kind = scope
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("default");
    let scope = match scope.and_then(|s| s.get("chat_id")) {
        Some(chat_id) => format!("{kind}:{chat_id}"),
        None => kind.to_owned(),
    };
    (
        scope,
        params.str("language_code").unwrap_or_default().to_owned(),
    )
}

fn set_my_commands(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let commands: Vec<BotCommand> =
        serde_json::from_value(params.value("commands").cloned().unwrap_or_default())
            .map_err(|_| ApiError::bad_request("can't parse commands JSON object"))?;
    if commands.len() > 100 {
        return Err(ApiError::bad_request("BOT_COMMANDS_TOO_MUCH"));
    }
    for command in &commands {
        let valid = (1..=32).contains(&command.command.len())
            && command
                .command
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&command.description.chars().count()) {
            return Err(ApiError::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
    }
    let key = commands_key(params);
    if commands.is_empty() {
        state.commands.remove(&key);
    } else {
        state.commands.insert(key, commands);
    }
    Ok(Value::Bool(true))
}

/// The menu a user sees, in Telegram's order of precedence: their chat,
/// all private chats, then the default scope; each in the user's language
/// first.
pub(crate) fn commands_for(
    state: &State,
    user_id: Option<i64>,
    language_code: &str,
) -> Vec<BotCommand> {
    let mut scopes = Vec::new();
    if let Some(user_id) = user_id {
        scopes.push(format!("chat:{user_id}"));
    }
    scopes.extend(["all_private_chats".to_owned(), "default".to_owned()]);
    scopes
        .iter()
        .flat_map(|scope| {
            [
                (scope.clone(), language_code.to_owned()),
                (scope.clone(), String::new()),
            ]
        })
        .find_map(|key| state.commands.get(&key))
        .cloned()
        .unwrap_or_default()
}
