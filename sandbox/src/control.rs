//! The control API: acting as users and reading chats as they see them.
//! Errors are `{"error": "…"}` with a fitting HTTP status.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::error::ApiError;
use crate::limits::{Limits, Rates};
use crate::methods::commands_for;
use crate::state::{AppState, Fault, State as SandboxState, StoredMessage, UserEntry};
use crate::telegram;
use crate::view::{
    self, Block, BotCommand, CallbackAnswer, Contact, CreatedUsers, FileKind, Injected, Injection,
    NewUser, NewUsers, PressButton, Pressed, RefusedCall, SendText, Sent, Settings, ShareContact,
    Stats, UploadFile, Uploaded, User,
};

pub(crate) const DEFAULT_CHAT_WAIT: Duration = Duration::from_secs(10);
pub(crate) const MAX_CHAT_WAIT: Duration = Duration::from_secs(60);

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(create_user).get(list_users))
        .route("/users/bulk", post(create_users))
        .route("/users/{id}/text", post(send_text))
        .route("/users/{id}/press", post(press))
        .route("/users/{id}/contact", post(share_contact))
        .route("/users/{id}/file", post(upload_file))
        .route("/users/{id}/chat", get(chat))
        .route("/users/{id}/block", post(block))
        .route("/users/{id}/inject", post(inject))
        .route("/callbacks/{id}", get(callback))
        .route("/files/{file_id}", get(file))
        .route("/commands", get(commands))
        .route("/settings", post(settings).get(current_settings))
        .route("/stats", get(stats))
        .route("/stats/reset", post(reset_stats))
        .route("/errors", get(errors))
        .route("/updates/{update_id}/redeliver", post(redeliver))
        .nest("/max", crate::max::control::router())
}

pub(crate) struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ControlError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ControlError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

pub(crate) type Answer<T> = Result<Json<T>, ControlError>;

fn user_entry(state: &mut SandboxState, id: i64) -> Result<&mut UserEntry, ControlError> {
    state
        .users
        .get_mut(&id)
        .ok_or_else(|| ControlError::not_found(format!("no user {id}")))
}

async fn create_user(State(app): State<AppState>, Json(new): Json<NewUser>) -> Answer<User> {
    let mut state = app.state.lock().await;
    state
        .add_user(new)
        .map(Json)
        .map_err(ControlError::bad_request)
}

async fn create_users(
    State(app): State<AppState>,
    Json(new): Json<NewUsers>,
) -> Answer<CreatedUsers> {
    let mut state = app.state.lock().await;
    let first_id = state.add_users(&new).map_err(ControlError::bad_request)?;
    Ok(Json(CreatedUsers {
        first_id,
        count: new.count,
    }))
}

async fn list_users(State(app): State<AppState>) -> Json<Vec<User>> {
    let state = app.state.lock().await;
    Json(
        state
            .users
            .values()
            .map(|entry| entry.user.clone())
            .collect(),
    )
}

/// Adds a message from the user to their chat and sends it to the bot as a
/// `message` update.
fn user_message(
    app: &AppState,
    state: &mut SandboxState,
    user_id: i64,
    message: StoredMessage,
) -> Sent {
    let entry = state
        .users
        .get_mut(&user_id)
        .expect("the caller found the user");
    let message_id = message.view.message_id;
    entry.chat.push(message);
    let entry = &state.users[&user_id];
    let payload = telegram::message(state, &app.bot, &entry.user, entry.chat.newest());
    let update_id = state.push_update("message", payload);
    Sent {
        update_id,
        message_id,
    }
}

/// The `bot_command` entity of a text starting with `/command` or
/// `/command@bot_username`.
fn command_entity(text: &str) -> Option<Value> {
    let word = text.strip_prefix('/')?.split(char::is_whitespace).next()?;
    let (command, mention) = word
        .split_once('@')
        .map_or((word, None), |(c, m)| (c, Some(m)));
    let valid_name = |name: &str| name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if command.is_empty()
        || command.len() > 32
        || !valid_name(command)
        || mention.is_some_and(|m| m.is_empty() || !valid_name(m))
    {
        return None;
    }
    Some(json!({ "type": "bot_command", "offset": 0, "length": 1 + word.len() }))
}

async fn send_text(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<SendText>,
) -> Answer<Sent> {
    if body.text.trim().is_empty() {
        return Err(ControlError::bad_request("text must not be empty"));
    }
    let mut state = app.state.lock().await;
    let entry = user_entry(&mut state, id)?;
    entry
        .chat
        .used_reply_keyboard(|button| button.text == body.text);
    let mut message = StoredMessage::new(entry.chat.next_message_id(), view::From::User);
    message.entities = command_entity(&body.text).into_iter().collect();
    message.view.text = Some(body.text);
    Ok(Json(user_message(&app, &mut state, id, message)))
}

async fn press(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(press): Json<PressButton>,
) -> Answer<Pressed> {
    if press.data.is_none() && press.text.is_none() {
        return Err(ControlError::bad_request("say which button: data or text"));
    }
    let mut state = app.state.lock().await;
    let entry = user_entry(&mut state, id)?;
    let matches = |button: &view::InlineButton| {
        press
            .data
            .as_ref()
            .is_none_or(|data| button.callback_data.as_ref() == Some(data))
            && press.text.as_ref().is_none_or(|text| &button.text == text)
    };
    let pressed = entry
        .chat
        .messages
        .iter()
        .rev()
        .filter(|m| m.view.from == view::From::Bot && !m.view.deleted)
        .filter(|m| press.message_id.is_none_or(|id| m.view.message_id == id))
        .find_map(|m| {
            m.view
                .buttons()
                .find(|b| matches(b))
                .map(|b| (m.view.message_id, b.callback_data.clone()))
        });

    let (message_id, data) = match pressed {
        Some((message_id, Some(data))) => (Some(message_id), data),
        Some((_, None)) => {
            return Err(ControlError::bad_request(
                "that button sends no callback (a URL or other kind)",
            ));
        }
        None if press.forge => {
            let data = press
                .data
                .clone()
                .ok_or_else(|| ControlError::bad_request("a forged press needs data"))?;
            let on_message = press
                .message_id
                .filter(|id| entry.chat.message(*id).is_some());
            (on_message, data)
        }
        None => {
            let wanted = press
                .data
                .as_deref()
                .or(press.text.as_deref())
                .unwrap_or_default();
            let place = press
                .message_id
                .map_or("any message".to_owned(), |id| format!("message {id}"));
            return Err(ControlError::not_found(format!(
                "no inline button {wanted:?} on {place} (pass \"forge\": true to send it anyway)"
            )));
        }
    };

    let callback_query_id = state.new_callback_id();
    state.callbacks.insert(
        callback_query_id.clone(),
        CallbackAnswer {
            answered: false,
            text: None,
            show_alert: false,
        },
    );
    let entry = &state.users[&id];
    let mut payload = json!({
        "id": callback_query_id,
        "from": telegram::user(&entry.user),
        // Opaque to bots; Telegram keeps it stable per chat.
        "chat_instance": format!("sandbox-chat-{id}"),
        "data": data,
    });
    if let Some(message) = message_id.and_then(|mid| entry.chat.message(mid)) {
        payload["message"] = telegram::message(&state, &app.bot, &entry.user, message);
    }
    let update_id = state.push_update("callback_query", payload);
    Ok(Json(Pressed {
        update_id,
        callback_query_id,
    }))
}

async fn share_contact(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(share): Json<ShareContact>,
) -> Answer<Sent> {
    let mut state = app.state.lock().await;
    let entry = user_entry(&mut state, id)?;
    let user = entry.user.clone();
    let phone_number = share
        .phone_number
        .or(user.phone_number.clone())
        .ok_or_else(|| {
            ControlError::bad_request(format!("user {id} has no phone_number; pass one"))
        })?;
    let user_id = share.user_id.unwrap_or(Some(id));
    let first_name = share.first_name.unwrap_or_else(|| match user_id {
        Some(contact_id) if contact_id == id => user.first_name.clone(),
        _ => "Contact".to_owned(),
    });
    entry
        .chat
        .used_reply_keyboard(|button| button.request_contact);
    let mut message = StoredMessage::new(entry.chat.next_message_id(), view::From::User);
    message.view.contact = Some(Contact {
        phone_number,
        first_name,
        user_id,
    });
    Ok(Json(user_message(&app, &mut state, id, message)))
}

/// The file a user uploads, from either request form.
pub(crate) struct IncomingFile {
    pub kind: FileKind,
    pub file_name: String,
    pub mime_type: Option<String>,
    pub bytes: Bytes,
    pub caption: Option<String>,
}

pub(crate) async fn read_upload(request: Request) -> Result<IncomingFile, ControlError> {
    let is_multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let parse_kind = |kind: &str| match kind {
        "document" => Ok(FileKind::Document),
        "photo" => Ok(FileKind::Photo),
        other => Err(ControlError::bad_request(format!(
            "\"as\" must be document or photo, not {other:?}"
        ))),
    };
    if !is_multipart {
        let Json(upload) = Json::<UploadFile>::from_request(request, &())
            .await
            .map_err(|e| ControlError::bad_request(e.body_text()))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(upload.content_base64)
            .map_err(|e| ControlError::bad_request(format!("content_base64: {e}")))?;
        return Ok(IncomingFile {
            kind: upload.kind,
            file_name: upload.file_name,
            mime_type: Some(upload.mime_type),
            bytes: bytes.into(),
            caption: upload.caption,
        });
    }
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| ControlError::bad_request(e.body_text()))?;
    let (mut kind, mut file, mut caption) = (FileKind::Document, None, None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ControlError::bad_request(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let mime_type = field.content_type().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ControlError::bad_request(e.body_text()))?;
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "file" => {
                file = Some((
                    file_name.unwrap_or_else(|| "file".to_owned()),
                    mime_type,
                    bytes.clone(),
                ))
            }
            "as" => kind = parse_kind(&text())?,
            "caption" => caption = Some(text()),
            _ => {}
        }
    }
    let (file_name, mime_type, bytes) =
        file.ok_or_else(|| ControlError::bad_request("no \"file\" part"))?;
    Ok(IncomingFile {
        kind,
        file_name,
        mime_type,
        bytes,
        caption,
    })
}

async fn upload_file(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    request: Request,
) -> Answer<Uploaded> {
    let upload = read_upload(request).await?;
    if upload.bytes.is_empty() {
        return Err(ControlError::bad_request("the file is empty"));
    }
    let mut state = app.state.lock().await;
    user_entry(&mut state, id)?;
    let mime_type = upload
        .mime_type
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| crate::files::guess_mime_type(&upload.file_name).to_owned());
    let size = upload.bytes.len() as u64;
    let file_id = state.store_file(
        upload.kind,
        Some(upload.file_name.clone()),
        Some(mime_type.clone()),
        upload.bytes,
    );

    let entry = user_entry(&mut state, id)?;
    let mut message = StoredMessage::new(entry.chat.next_message_id(), view::From::User);
    message.view.caption = upload.caption.filter(|c| !c.trim().is_empty());
    match upload.kind {
        FileKind::Document => {
            message.view.document = Some(view::Document {
                file_id: file_id.clone(),
                file_name: Some(upload.file_name),
                mime_type: Some(mime_type),
                file_size: size,
            })
        }
        FileKind::Photo => {
            message.view.photo = Some(view::Photo {
                file_id: file_id.clone(),
                file_size: size,
            })
        }
    }
    let sent = user_message(&app, &mut state, id, message);
    Ok(Json(Uploaded {
        update_id: sent.update_id,
        message_id: sent.message_id,
        file_id,
    }))
}

#[derive(Deserialize)]
pub(crate) struct ChatQuery {
    pub since: Option<u64>,
    pub timeout_ms: Option<u64>,
    /// Only the newest this many messages (default: all).
    pub last: Option<usize>,
}

async fn chat(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<ChatQuery>,
) -> Answer<view::Chat> {
    let wait = query
        .timeout_ms
        .map_or(DEFAULT_CHAT_WAIT, Duration::from_millis)
        .min(MAX_CHAT_WAIT);
    let deadline = Instant::now() + wait;
    loop {
        let mut changed = {
            let mut state = app.state.lock().await;
            let entry = user_entry(&mut state, id)?;
            let version = *entry.chat.version.borrow();
            if query.since.is_none_or(|since| version > since) || Instant::now() >= deadline {
                return Ok(Json(entry.view_last(query.last.unwrap_or(usize::MAX))));
            }
            entry.chat.version.subscribe()
        };
        tokio::select! {
            _ = changed.changed() => {}
            () = tokio::time::sleep_until(deadline) => {}
            () = app.shutdown.cancelled() => return Err(ControlError::not_found("the sandbox is shutting down")),
        }
    }
}

async fn block(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<Block>,
) -> Answer<Value> {
    let mut state = app.state.lock().await;
    user_entry(&mut state, id)?.blocked = body.blocked;
    Ok(Json(json!({ "blocked": body.blocked })))
}

async fn inject(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(injection): Json<Injection>,
) -> Answer<Injected> {
    let count = injection.count.unwrap_or(1);
    if count == 0 {
        return Err(ControlError::bad_request("count must be at least 1"));
    }
    let delay = Duration::from_millis(injection.delay_ms.unwrap_or(0));
    let error = match injection.error_code {
        Some(code) => Some(injected_error(
            code,
            injection.retry_after,
            injection.description,
        )?),
        None if delay.is_zero() => {
            return Err(ControlError::bad_request(
                "error_code or delay_ms is required",
            ));
        }
        None if injection.retry_after.is_some() => {
            return Err(ControlError::bad_request("retry_after is for 429 only"));
        }
        None => None,
    };
    let mut state = app.state.lock().await;
    let entry = user_entry(&mut state, id)?;
    entry.injected.push_back((Fault { delay, error }, count));
    let pending = entry
        .injected
        .iter()
        .fold(0u32, |sum, (_, left)| sum.saturating_add(*left));
    Ok(Json(Injected {
        user_id: id,
        pending,
    }))
}

/// The error an injection answers with: Telegram's usual description for
/// `code` unless one is given; `retry_after` for 429 only (default 1).
fn injected_error(
    code: u16,
    retry_after: Option<u64>,
    description: Option<String>,
) -> Result<ApiError, ControlError> {
    if retry_after.is_some() && code != 429 {
        return Err(ControlError::bad_request("retry_after is for 429 only"));
    }
    let default_description = match code {
        400 => "Bad Request: message text is empty".to_owned(),
        403 => "Forbidden: bot was blocked by the user".to_owned(),
        429 => format!(
            "Too Many Requests: retry after {}",
            retry_after.unwrap_or(1)
        ),
        500 => "Internal Server Error".to_owned(),
        502 => "Bad Gateway".to_owned(),
        other => {
            return Err(ControlError::bad_request(format!(
                "error_code must be 400, 403, 429, 500 or 502, not {other}"
            )));
        }
    };
    let retry_after = match (code, retry_after) {
        (429, None) => Some(1),
        (429, Some(0)) => {
            return Err(ControlError::bad_request("retry_after must be at least 1"));
        }
        (_, retry_after) => retry_after,
    };
    Ok(ApiError {
        code,
        description: description.unwrap_or(default_description),
        retry_after,
    })
}

async fn callback(State(app): State<AppState>, Path(id): Path<String>) -> Answer<CallbackAnswer> {
    let state = app.state.lock().await;
    let answer = state
        .callbacks
        .get(&id)
        .ok_or_else(|| ControlError::not_found(format!("no callback query {id}")))?;
    Ok(Json(answer.clone()))
}

async fn file(
    State(app): State<AppState>,
    Path(file_id): Path<String>,
) -> Result<Response, ControlError> {
    let state = app.state.lock().await;
    let file = state
        .files
        .get(&file_id)
        .ok_or_else(|| ControlError::not_found(format!("no file {file_id}")))?;
    let mime_type = file
        .mime_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Ok(([(CONTENT_TYPE, mime_type)], file.bytes.clone()).into_response())
}

#[derive(Deserialize)]
struct CommandsQuery {
    language_code: Option<String>,
    user_id: Option<i64>,
}

async fn commands(
    State(app): State<AppState>,
    Query(query): Query<CommandsQuery>,
) -> Json<Vec<BotCommand>> {
    let state = app.state.lock().await;
    Json(commands_for(
        &state,
        query.user_id,
        query.language_code.as_deref().unwrap_or_default(),
    ))
}

/// The settings in effect, every rate filled in.
fn settings_of(state: &SandboxState) -> Settings {
    let rates = state.limits.rates();
    Settings {
        enforce_limits: state.enforce_limits,
        bot_per_second: Some(rates.bot_per_second.get()),
        paid_per_second: Some(rates.paid_per_second.get()),
        chat_per_second: Some(rates.chat_per_second.get()),
        chat_burst: Some(rates.chat_burst.get()),
    }
}

async fn current_settings(State(app): State<AppState>) -> Json<Settings> {
    Json(settings_of(&*app.state.lock().await))
}

/// Switches the limits on or off and changes the rates given (the others
/// stay); the limiters start afresh.
async fn settings(State(app): State<AppState>, Json(settings): Json<Settings>) -> Answer<Settings> {
    let rate = |value: Option<u32>, current: NonZeroU32, name: &str| match value {
        None => Ok(current),
        Some(value) => NonZeroU32::new(value)
            .ok_or_else(|| ControlError::bad_request(format!("{name} must be at least 1"))),
    };
    let mut state = app.state.lock().await;
    let current = state.limits.rates();
    let rates = Rates {
        bot_per_second: rate(
            settings.bot_per_second,
            current.bot_per_second,
            "bot_per_second",
        )?,
        paid_per_second: rate(
            settings.paid_per_second,
            current.paid_per_second,
            "paid_per_second",
        )?,
        chat_per_second: rate(
            settings.chat_per_second,
            current.chat_per_second,
            "chat_per_second",
        )?,
        chat_burst: rate(settings.chat_burst, current.chat_burst, "chat_burst")?,
    };
    state.enforce_limits = settings.enforce_limits;
    state.limits = Limits::new(rates);
    Ok(Json(settings_of(&state)))
}

async fn stats(State(app): State<AppState>) -> Json<Stats> {
    Json(app.state.lock().await.stats.view())
}

async fn reset_stats(State(app): State<AppState>) -> Json<Stats> {
    let mut state = app.state.lock().await;
    state.stats = Default::default();
    Json(state.stats.view())
}

async fn errors(State(app): State<AppState>) -> Json<Vec<RefusedCall>> {
    Json(app.state.lock().await.refused.iter().cloned().collect())
}

async fn redeliver(
    State(app): State<AppState>,
    Path(update_id): Path<i64>,
) -> Result<Json<Value>, ControlError> {
    if app.state.lock().await.redeliver(update_id) {
        Ok(Json(json!({ "update_id": update_id })))
    } else {
        Err(ControlError::not_found(format!(
            "there was no update {update_id}"
        )))
    }
}
