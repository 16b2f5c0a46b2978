//! The Max Bot API face: `/max/<path>` (the contract's paths), the upload
//! URLs it gives out (`/max-upload/<id>`) and the files users send
//! (`/max-file/<token>`).
//!
//! Every call is authorised (the `Authorization` header carries the
//! token), counted against the bot's request budget when limits are on,
//! matched to an operation of `openapi.json` and checked against it
//! (`spec.rs`), and only then run. A refusal is `{code, message}` with the
//! HTTP status the contract names, and is recorded for
//! `GET /control/max/errors`.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::error::MaxError;
use super::state::{MaxState, MaxUserEntry, UploadKind, mid, parse_mid};
use super::{html, shapes, spec};
use crate::state::{AppState, ChatAction, StoredMessage};
use crate::view::{self, RefusedCall};

const CHAT_ACTION_LIFETIME: Duration = Duration::from_secs(5);

pub(crate) async fn handle(app: AppState, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let base = base_url(request.headers());
    if let Some(id) = path.strip_prefix("/max-upload/") {
        return upload(&app, id, request).await;
    }
    if let Some(token) = path.strip_prefix("/max-file/") {
        return download(&app, token).await;
    }
    let api_path = path.strip_prefix("/max").unwrap_or(&path).to_owned();
    let method = request.method().clone();
    let label = format!("{method} {api_path}");
    let authorised = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| token == app.max_bot.token);
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .unwrap_or_else(|_| Query(Vec::new()));
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(error) => {
            let error = MaxError::bad_request(format!("Cannot read the body: {error}"));
            return refuse(&app, &label, error, Value::Null).await;
        }
    };
    let body: Value = if body.trim_ascii().is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(body) => body,
            Err(error) => {
                let error = MaxError::bad_request(format!("Invalid JSON: {error}"));
                return refuse(&app, &label, error, Value::Null).await;
            }
        }
    };
    if !authorised {
        // The contract's older `access_token` query parameter is not taken
        // either: the API moved the token to the header.
        return refuse(&app, &label, MaxError::unauthorized(), body).await;
    }
    {
        let mut state = app.state.lock().await;
        let max = &mut state.max;
        if max.enforce_limits
            && let Err(retry_after) = max.limits.check()
        {
            if method == Method::POST && api_path == "/messages" {
                max.stats.too_many_requests();
            }
            drop(state);
            return refuse(&app, &label, MaxError::too_many_requests(retry_after), body).await;
        }
    }
    let operation = match spec::operation(method.as_str(), &api_path) {
        Some(Ok(operation)) => operation,
        Some(Err(())) => {
            let error = MaxError::new(
                405,
                "method.not.allowed",
                format!("Method {method} is not allowed for {api_path}"),
            );
            return refuse(&app, &label, error, body).await;
        }
        None => {
            let error = MaxError::not_found(format!("Path {api_path} is not recognized"));
            return refuse(&app, &label, error, body).await;
        }
    };
    let checked = operation
        .check_query(&pairs)
        .and_then(|query| operation.check_body(&body).map(|()| query))
        .map_err(|invalid| MaxError::bad_request(invalid.0));
    let result = match checked {
        Ok(query) => run(&app, &operation, &query, &body, &base).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(answer) => Json(answer).into_response(),
        Err(error) => refuse(&app, &label, error, body).await,
    }
}

/// `http://<host>` as the caller reached the sandbox (the host check let
/// only local names through), for the URLs the API hands out.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

async fn refuse(app: &AppState, label: &str, error: MaxError, body: Value) -> Response {
    tracing::debug!(call = label, code = %error.code, message = %error.message, "refused a Max API call");
    app.state.lock().await.max.record_refused(RefusedCall {
        method: label.to_owned(),
        error_code: error.status,
        description: format!("{}: {}", error.code, error.message),
        body,
    });
    error.into_response()
}

fn success() -> Value {
    json!({ "success": true })
}

async fn run(
    app: &AppState,
    operation: &spec::Operation,
    query: &Map<String, Value>,
    body: &Value,
    base: &str,
) -> Result<Value, MaxError> {
    if operation.id == "getUpdates" {
        return get_updates(app, query).await;
    }
    let mut state = app.state.lock().await;
    match operation.id {
        "subscribe" => return super::webhook::subscribe(&mut state, body),
        "getSubscriptions" => return Ok(super::webhook::subscriptions(&state)),
        "unsubscribe" => return Ok(super::webhook::unsubscribe(&mut state, query)),
        _ => {}
    }
    let max = &mut state.max;
    let path_chat = || {
        operation
            .path_params
            .get("chatId")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    match operation.id {
        "getMyInfo" => Ok(shapes::me(&app.max_bot)),
        "getChat" => {
            let chat_id = path_chat();
            let entry = entry_of_chat(max, chat_id)?;
            let last = entry.chat.messages.back().map_or(0, |m| m.view.date * 1000);
            Ok(shapes::chat(&entry.user, last, entry.chat.messages.len()))
        }
        "sendAction" => send_action(app, max, path_chat(), body),
        "getUploadUrl" => {
            let kind = query
                .get("type")
                .and_then(Value::as_str)
                .and_then(UploadKind::parse)
                .ok_or_else(|| MaxError::bad_request("Unknown upload type"))?;
            let (id, token) = max.new_upload(kind);
            let url = format!("{base}/max-upload/{id}");
            Ok(match kind {
                // Video and audio get their token here; images and files
                // from the upload itself.
                UploadKind::Video | UploadKind::Audio => json!({ "url": url, "token": token }),
                UploadKind::Image | UploadKind::File => json!({ "url": url }),
            })
        }
        "sendMessage" => {
            let result = send_message(app, max, query, body, base);
            if result.as_ref().is_err_and(|e| e.status == 429) {
                max.stats.too_many_requests();
            }
            result
        }
        "editMessage" => {
            let mid = query
                .get("message_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let (user_id, seq) = bot_message(max, mid)?;
            edit(max, user_id, seq, body)?;
            Ok(success())
        }
        "deleteMessage" => {
            let mid = query
                .get("message_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let (user_id, seq) = bot_message(max, mid)?;
            let entry = max.users.get_mut(&user_id).expect("found above");
            if let Some(message) = entry.chat.message_mut(seq) {
                message.view.deleted = true;
            }
            entry.chat.touch();
            Ok(success())
        }
        "getMessageById" => {
            let mid = operation
                .path_params
                .get("messageId")
                .map_or("", String::as_str);
            let (chat_id, seq) = parse_mid(mid).ok_or_else(message_not_found)?;
            let user_id = max.user_of_chat(chat_id).ok_or_else(message_not_found)?;
            let entry = &max.users[&user_id];
            let message = entry.chat.message(seq).ok_or_else(message_not_found)?;
            Ok(shapes::message(
                &app.max_bot,
                &entry.user,
                message,
                &max.files,
                base,
            ))
        }
        "answerOnCallback" => answer_callback(max, query, body),
        other => Err(MaxError::new(
            400,
            "sandbox.unsupported",
            format!("{other} is not supported by the sandbox"),
        )),
    }
}

fn message_not_found() -> MaxError {
    MaxError::not_found("Message not found")
}

fn entry_of_chat(max: &mut MaxState, chat_id: i64) -> Result<&mut MaxUserEntry, MaxError> {
    max.user_of_chat(chat_id)
        .and_then(|user_id| max.users.get_mut(&user_id))
        .ok_or_else(|| MaxError::chat_not_found(chat_id))
}

async fn get_updates(app: &AppState, query: &Map<String, Value>) -> Result<Value, MaxError> {
    let marker = query.get("marker").and_then(Value::as_i64);
    let limit = query
        .get("limit")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(100);
    let timeout = query.get("timeout").and_then(Value::as_u64).unwrap_or(30);
    let types: Vec<String> = query
        .get("types")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let mut changed = {
            let mut state = app.state.lock().await;
            if state.max.subscription.is_some() {
                return Err(super::webhook::polling_refused());
            }
            let (updates, next) = state.max.poll(marker, limit, &types);
            if !updates.is_empty() || Instant::now() >= deadline {
                return Ok(json!({ "updates": updates, "marker": next }));
            }
            state.max.updates_signal.subscribe()
        };
        tokio::select! {
            _ = changed.changed() => {}
            () = tokio::time::sleep_until(deadline) => {}
            () = app.shutdown.cancelled() => return Ok(json!({ "updates": [], "marker": marker })),
        }
    }
}

/// What a new or edited message carries, checked.
#[derive(Default)]
struct Content {
    text: Option<String>,
    html: Option<String>,
    /// `None`: attachments not given (an edit keeps the old ones).
    attachments: Option<Attachments>,
}

#[derive(Default)]
struct Attachments {
    keyboard: Option<view::InlineKeyboard>,
    document: Option<view::Document>,
    photo: Option<view::Photo>,
}

fn content(max: &MaxState, body: &Value) -> Result<Content, MaxError> {
    let mut content = Content::default();
    if let Some(text) = body.get("text").and_then(Value::as_str) {
        match body.get("format").and_then(Value::as_str) {
            Some("html") => {
                let plain = html::to_plain_text(text)
                    .map_err(|reason| MaxError::bad_request(format!("Invalid HTML: {reason}")))?;
                content.text = Some(plain);
                content.html = Some(text.to_owned());
            }
            // Markdown is passed through unchecked, as on the Telegram side.
            _ => content.text = Some(text.to_owned()),
        }
    }
    if let Some(list) = body.get("attachments").and_then(Value::as_array) {
        let mut attachments = Attachments::default();
        for (index, attachment) in list.iter().enumerate() {
            let kind = attachment["type"].as_str().unwrap_or_default();
            let payload = &attachment["payload"];
            let media_taken = attachments.document.is_some() || attachments.photo.is_some();
            match kind {
                "inline_keyboard" => {
                    if attachments.keyboard.is_some() {
                        return Err(MaxError::bad_request(format!(
                            "attachments[{index}]: a message has one inline keyboard"
                        )));
                    }
                    attachments.keyboard = Some(shapes::keyboard(&payload["buttons"]));
                }
                "file" | "image" if media_taken => {
                    return Err(MaxError::new(
                        400,
                        "sandbox.unsupported",
                        "the sandbox keeps one file or image per message",
                    ));
                }
                "file" => {
                    let token = payload["token"].as_str().unwrap_or_default();
                    let file = uploaded(max, token, UploadKind::File, index)?;
                    attachments.document = Some(view::Document {
                        file_id: token.to_owned(),
                        file_name: file.file_name.clone(),
                        mime_type: file.mime_type.clone(),
                        file_size: file.bytes.len() as u64,
                    });
                }
                "image" => {
                    if payload["url"].is_string() {
                        return Err(MaxError::bad_request(format!(
                            "attachments[{index}]: cannot fetch the image's url (the sandbox is offline); upload it"
                        )));
                    }
                    let token = payload["token"]
                        .as_str()
                        .or_else(|| {
                            payload["photos"]
                                .as_object()
                                .and_then(|photos| photos.values().next())
                                .and_then(|photo| photo["token"].as_str())
                        })
                        .unwrap_or_default();
                    let file = uploaded(max, token, UploadKind::Image, index)?;
                    attachments.photo = Some(view::Photo {
                        file_id: token.to_owned(),
                        file_size: file.bytes.len() as u64,
                    });
                }
                other => {
                    return Err(MaxError::new(
                        400,
                        "sandbox.unsupported",
                        format!("attachments of type {other} are not supported by the sandbox"),
                    ));
                }
            }
        }
        content.attachments = Some(attachments);
    }
    Ok(content)
}

fn uploaded<'m>(
    max: &'m MaxState,
    token: &str,
    kind: UploadKind,
    index: usize,
) -> Result<&'m super::state::MaxFile, MaxError> {
    let file = max.files.get(token).ok_or_else(|| {
        MaxError::bad_request(format!("attachments[{index}]: unknown token {token:?}"))
    })?;
    if file.kind != kind {
        return Err(MaxError::bad_request(format!(
            "attachments[{index}]: the token is of an uploaded {}, not a {}",
            file.kind.name(),
            kind.name()
        )));
    }
    Ok(file)
}

fn send_message(
    app: &AppState,
    max: &mut MaxState,
    query: &Map<String, Value>,
    body: &Value,
    base: &str,
) -> Result<Value, MaxError> {
    let user_id = match (
        query.get("chat_id").and_then(Value::as_i64),
        query.get("user_id").and_then(Value::as_i64),
    ) {
        (Some(chat_id), None) => max
            .user_of_chat(chat_id)
            .ok_or_else(|| MaxError::chat_not_found(chat_id))?,
        (None, Some(user_id)) if max.users.contains_key(&user_id) => user_id,
        (None, Some(user_id)) => {
            return Err(MaxError::not_found(format!("User {user_id} not found")));
        }
        _ => {
            return Err(MaxError::bad_request(
                "Pass either chat_id or user_id in the query",
            ));
        }
    };
    let entry = max.users.get_mut(&user_id).expect("found above");
    if let Some(error) = entry.take_injected() {
        max.stats.injected_failure();
        return Err(error);
    }
    if entry.blocked {
        return Err(MaxError::blocked());
    }
    let content = content(max, body)?;
    let attachments = content.attachments.unwrap_or_default();
    let has_media = attachments.document.is_some() || attachments.photo.is_some();
    if content.text.as_deref().is_none_or(|t| t.trim().is_empty()) && !has_media {
        return Err(MaxError::bad_request(
            "Message is empty: give a text or a file",
        ));
    }
    let chat_id = max.users[&user_id].user.chat_id;
    max.stats.accepted(chat_id, false);
    let entry = max.users.get_mut(&user_id).expect("found above");
    let seq = entry.chat.next_message_id();
    let mut message = StoredMessage::new(seq, view::From::Bot);
    message.view.mid = Some(mid(chat_id, seq));
    if has_media {
        message.view.caption = content.text;
    } else {
        message.view.text = content.text;
    }
    message.view.html = content.html;
    message.view.reply_markup = attachments.keyboard;
    message.view.document = attachments.document;
    message.view.photo = attachments.photo;
    entry.chat.push(message);
    let entry = &max.users[&user_id];
    Ok(json!({
        "message": shapes::message(&app.max_bot, &entry.user, entry.chat.newest(), &max.files, base),
    }))
}

/// The bot's own message `mid` names: its user and seq.
fn bot_message(max: &MaxState, mid: &str) -> Result<(i64, i64), MaxError> {
    let (chat_id, seq) = parse_mid(mid).ok_or_else(message_not_found)?;
    let user_id = max.user_of_chat(chat_id).ok_or_else(message_not_found)?;
    let entry = &max.users[&user_id];
    let message = entry.chat.message(seq).ok_or_else(message_not_found)?;
    if message.view.from != view::From::Bot {
        return Err(MaxError::new(
            403,
            "access.denied",
            "A bot can change only its own messages",
        ));
    }
    if entry.blocked {
        return Err(MaxError::blocked());
    }
    Ok((user_id, seq))
}

/// Replaces what `body` gives of the message: a text (and its format),
/// the attachments (`[]` removes them all, absent keeps them).
fn edit(max: &mut MaxState, user_id: i64, seq: i64, body: &Value) -> Result<(), MaxError> {
    let content = content(max, body)?;
    let entry = max
        .users
        .get_mut(&user_id)
        .expect("the caller found the user");
    let message = entry.chat.message_mut(seq).ok_or_else(message_not_found)?;
    let view = &mut message.view;
    if let Some(attachments) = content.attachments {
        view.reply_markup = attachments.keyboard;
        view.document = attachments.document;
        view.photo = attachments.photo;
    }
    let has_media = view.document.is_some() || view.photo.is_some();
    if let Some(text) = content.text {
        view.html = content.html;
        if has_media {
            view.caption = Some(text);
            view.text = None;
        } else {
            view.text = Some(text);
            view.caption = None;
        }
    } else if has_media && view.text.is_some() {
        view.caption = view.text.take();
    }
    view.edited = true;
    message.edit_date = Some(crate::state::now());
    entry.chat.touch();
    Ok(())
}

fn answer_callback(
    max: &mut MaxState,
    query: &Map<String, Value>,
    body: &Value,
) -> Result<Value, MaxError> {
    let id = query
        .get("callback_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let callback = max
        .callbacks
        .get(id)
        .ok_or_else(|| MaxError::not_found(format!("Callback {id} not found")))?;
    if callback.answer.answered {
        return Err(MaxError::bad_request(format!(
            "Callback {id} is already answered"
        )));
    }
    let (user_id, on_message) = (callback.user_id, callback.message);
    if let Some(message) = body.get("message").filter(|m| !m.is_null()) {
        let seq = on_message
            .ok_or_else(|| MaxError::bad_request("The callback came from no message to change"))?;
        if max.users.get(&user_id).is_some_and(|e| e.blocked) {
            return Err(MaxError::blocked());
        }
        edit(max, user_id, seq, message)?;
    }
    let callback = max.callbacks.get_mut(id).expect("found above");
    callback.answer = view::CallbackAnswer {
        answered: true,
        text: body
            .get("notification")
            .and_then(Value::as_str)
            .map(str::to_owned),
        show_alert: false,
    };
    Ok(success())
}

fn send_action(
    app: &AppState,
    max: &mut MaxState,
    chat_id: i64,
    body: &Value,
) -> Result<Value, MaxError> {
    let action = body["action"].as_str().unwrap_or_default().to_owned();
    let action_id = max.new_action_id();
    let entry = entry_of_chat(max, chat_id)?;
    if entry.blocked {
        return Err(MaxError::blocked());
    }
    let user_id = entry.user.id;
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
        if let Some(entry) = state.max.users.get_mut(&user_id)
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
    Ok(success())
}

/// An upload to a URL from `POST /uploads`: multipart (the file in a part,
/// `data` by the docs) or the bare bytes. One file per URL.
async fn upload(app: &AppState, id: &str, request: Request) -> Response {
    if request.method() != Method::POST {
        return MaxError::new(405, "method.not.allowed", "Upload with POST").into_response();
    }
    let is_multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (file_name, mime_type, bytes) = if is_multipart {
        let mut multipart = match Multipart::from_request(request, &()).await {
            Ok(multipart) => multipart,
            Err(error) => return MaxError::bad_request(error.body_text()).into_response(),
        };
        let mut found = None;
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let file_name = field.file_name().map(str::to_owned);
                    let mime = field.content_type().map(str::to_owned);
                    let is_data = field.name() == Some("data") || file_name.is_some();
                    match field.bytes().await {
                        Ok(bytes) if is_data && found.is_none() => {
                            found = Some((file_name, mime, bytes));
                        }
                        Ok(_) => {}
                        Err(error) => {
                            return MaxError::bad_request(error.body_text()).into_response();
                        }
                    }
                }
                Ok(None) => break,
                Err(error) => return MaxError::bad_request(error.body_text()).into_response(),
            }
        }
        match found {
            Some(found) => found,
            None => {
                return MaxError::bad_request("No file in the upload (a \"data\" part)")
                    .into_response();
            }
        }
    } else {
        match Bytes::from_request(request, &()).await {
            Ok(bytes) => (None, content_type, bytes),
            Err(error) => return MaxError::bad_request(error.body_text()).into_response(),
        }
    };
    if bytes.is_empty() {
        return MaxError::bad_request("The file is empty").into_response();
    }
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    let Some((kind, token)) = max.uploads.remove(id) else {
        return MaxError::not_found("Upload URL is unknown or used").into_response();
    };
    if kind == UploadKind::Image && crate::files::image_dimensions(&bytes).is_none() {
        // The URL stays usable for a proper image.
        max.uploads.insert(id.to_owned(), (kind, token));
        return MaxError::bad_request("Not an image (PNG, JPEG, GIF or WebP)").into_response();
    }
    let mime_type = mime_type
        .filter(|m| !m.is_empty() && m != "application/octet-stream")
        .or_else(|| {
            file_name
                .as_deref()
                .map(|name| crate::files::guess_mime_type(name).to_owned())
        });
    let number = max.store_file(token.clone(), kind, file_name, mime_type, bytes);
    let answer = match kind {
        UploadKind::Image => json!({ "photos": { number.to_string(): { "token": token } } }),
        UploadKind::File => json!({ "fileId": number, "token": token }),
        UploadKind::Video | UploadKind::Audio => json!({ "retval": "ok" }),
    };
    Json(answer).into_response()
}

async fn download(app: &AppState, token: &str) -> Response {
    let state = app.state.lock().await;
    match state.max.files.get(token) {
        Some(file) => {
            let mime_type = file
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            ([(CONTENT_TYPE, mime_type)], file.bytes.clone()).into_response()
        }
        None => MaxError::not_found("File not found").into_response(),
    }
}

/// A user's message in their dialog, sent to the bot as `message_created`.
pub(crate) fn user_message(
    app: &AppState,
    max: &mut MaxState,
    user_id: i64,
    mut message: StoredMessage,
    base: &str,
) -> (i64, i64, String) {
    let entry = max
        .users
        .get_mut(&user_id)
        .expect("the caller found the user");
    let chat_id = entry.user.chat_id;
    let seq = message.view.message_id;
    let mid = mid(chat_id, seq);
    message.view.mid = Some(mid.clone());
    entry.chat.push(message);
    let entry = &max.users[&user_id];
    let update = shapes::update(
        "message_created",
        json!({
            "message": shapes::message(&app.max_bot, &entry.user, entry.chat.newest(), &max.files, base),
            "user_locale": entry.user.language_code,
        }),
    );
    let number = max.push_update(update);
    (number, seq, mid)
}
