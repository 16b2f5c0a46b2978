//! The control API's Max side, `/control/max/...`: acting as Max users
//! and reading their dialogs, mirroring the Telegram side's routes (see
//! the README). Chats are read in the same `view::Chat` shape.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::api::user_message;
use super::error::MaxError;
use super::shapes;
use super::state::{Callback, Limiter, MAX_START_PAYLOAD, MaxState, MaxUserEntry, UploadKind};
use crate::control::{
    Answer, ChatQuery, ControlError, DEFAULT_CHAT_WAIT, MAX_CHAT_WAIT, read_upload,
};
use crate::state::{AppState, StoredMessage};
use crate::view::{
    self, Block, CallbackAnswer, Contact, CreatedUsers, FileKind, Injected, MaxInjection, MaxSent,
    MaxSettings, MaxUser, NewUser, NewUsers, PressButton, RefusedCall, SendText, ShareContact,
    StartBot, Stats,
};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(create_user).get(list_users))
        .route("/users/bulk", post(create_users))
        .route("/users/{id}/start", post(start))
        .route("/users/{id}/text", post(send_text))
        .route("/users/{id}/press", post(press))
        .route("/users/{id}/contact", post(share_contact))
        .route("/users/{id}/file", post(upload_file))
        .route("/users/{id}/chat", get(chat))
        .route("/users/{id}/block", post(block))
        .route("/users/{id}/inject", post(inject))
        .route("/callbacks/{id}", get(callback))
        .route("/files/{token}", get(file))
        .route("/settings", post(settings).get(current_settings))
        .route("/stats", get(stats))
        .route("/stats/reset", post(reset_stats))
        .route("/errors", get(errors))
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn entry(max: &mut MaxState, id: i64) -> Result<&mut MaxUserEntry, ControlError> {
    max.users
        .get_mut(&id)
        .ok_or_else(|| ControlError::not_found(format!("no Max user {id}")))
}

async fn create_user(State(app): State<AppState>, Json(new): Json<NewUser>) -> Answer<MaxUser> {
    let mut state = app.state.lock().await;
    state
        .max
        .add_user(new)
        .map(Json)
        .map_err(ControlError::bad_request)
}

async fn create_users(
    State(app): State<AppState>,
    Json(new): Json<NewUsers>,
) -> Answer<CreatedUsers> {
    let mut state = app.state.lock().await;
    let first_id = state
        .max
        .add_users(&new)
        .map_err(ControlError::bad_request)?;
    Ok(Json(CreatedUsers {
        first_id,
        count: new.count,
    }))
}

async fn list_users(State(app): State<AppState>) -> Json<Vec<MaxUser>> {
    let state = app.state.lock().await;
    Json(state.max.users.values().map(|e| e.user.clone()).collect())
}

/// `bot_started`: the user opened the bot (by a deep link when there is a
/// payload; one over 512 characters is dropped, as Max drops it).
async fn start(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<StartBot>,
) -> Answer<MaxSent> {
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    let entry = entry(max, id)?;
    let payload = body
        .payload
        .filter(|p| p.chars().count() <= MAX_START_PAYLOAD);
    let update = shapes::update(
        "bot_started",
        json!({
            "chat_id": entry.user.chat_id,
            "user": shapes::user(&entry.user),
            "payload": payload,
            "user_locale": entry.user.language_code,
        }),
    );
    let update = max.push_update(update);
    Ok(Json(MaxSent {
        update,
        message_id: None,
        mid: None,
        callback_id: None,
        token: None,
    }))
}

fn sent((update, seq, mid): (i64, i64, String)) -> MaxSent {
    MaxSent {
        update,
        message_id: Some(seq),
        mid: Some(mid),
        callback_id: None,
        token: None,
    }
}

async fn send_text(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<SendText>,
) -> Answer<MaxSent> {
    if body.text.trim().is_empty() {
        return Err(ControlError::bad_request("text must not be empty"));
    }
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    let entry = entry(max, id)?;
    let mut message = StoredMessage::new(entry.chat.next_message_id(), view::From::User);
    message.view.text = Some(body.text);
    Ok(Json(sent(user_message(
        &app,
        max,
        id,
        message,
        &base_url(&headers),
    ))))
}

async fn press(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(press): Json<PressButton>,
) -> Answer<MaxSent> {
    if press.data.is_none() && press.text.is_none() {
        return Err(ControlError::bad_request(
            "say which button: data (its payload) or text",
        ));
    }
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    let entry = entry(max, id)?;
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
    let (message, payload) = match pressed {
        Some((seq, Some(payload))) => (Some(seq), payload),
        Some((_, None)) => {
            return Err(ControlError::bad_request(
                "that button is no callback (a link, or request_contact: share the contact instead)",
            ));
        }
        None if press.forge => {
            let payload = press
                .data
                .clone()
                .ok_or_else(|| ControlError::bad_request("a forged press needs data"))?;
            let on = press
                .message_id
                .filter(|seq| entry.chat.message(*seq).is_some());
            (on, payload)
        }
        None => {
            let wanted = press
                .data
                .as_deref()
                .or(press.text.as_deref())
                .unwrap_or_default();
            return Err(ControlError::not_found(format!(
                "no callback button {wanted:?} (pass \"forge\": true to send it anyway)"
            )));
        }
    };
    let callback_id = max.new_callback_id();
    max.callbacks.insert(
        callback_id.clone(),
        Callback {
            user_id: id,
            message,
            answer: CallbackAnswer {
                answered: false,
                text: None,
                show_alert: false,
            },
        },
    );
    let entry = &max.users[&id];
    let base = base_url(&headers);
    let message_json = message
        .and_then(|seq| entry.chat.message(seq))
        .map(|m| shapes::message(&app.max_bot, &entry.user, m, &max.files, &base));
    let update = shapes::update(
        "message_callback",
        json!({
            "callback": {
                "timestamp": super::state::now_millis(),
                "callback_id": callback_id,
                "payload": payload,
                "user": shapes::user(&entry.user),
            },
            "message": message_json,
            "user_locale": entry.user.language_code,
        }),
    );
    let update = max.push_update(update);
    Ok(Json(MaxSent {
        update,
        message_id: message,
        mid: None,
        callback_id: Some(callback_id),
        token: None,
    }))
}

async fn share_contact(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(share): Json<ShareContact>,
) -> Answer<MaxSent> {
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    let entry = entry(max, id)?;
    let user = entry.user.clone();
    let phone_number = share
        .phone_number
        .or(user.phone_number.clone())
        .ok_or_else(|| {
            ControlError::bad_request(format!("Max user {id} has no phone_number; pass one"))
        })?;
    let user_id = share.user_id.unwrap_or(Some(id));
    let first_name = share.first_name.unwrap_or_else(|| match user_id {
        Some(contact_id) if contact_id == id => user.first_name.clone(),
        _ => "Contact".to_owned(),
    });
    let mut message = StoredMessage::new(entry.chat.next_message_id(), view::From::User);
    message.view.contact = Some(Contact {
        phone_number,
        first_name,
        user_id,
    });
    Ok(Json(sent(user_message(
        &app,
        max,
        id,
        message,
        &base_url(&headers),
    ))))
}

async fn upload_file(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    request: Request,
) -> Answer<MaxSent> {
    let base = base_url(request.headers());
    let upload = read_upload(request).await?;
    if upload.bytes.is_empty() {
        return Err(ControlError::bad_request("the file is empty"));
    }
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    entry(max, id)?;
    let mime_type = upload
        .mime_type
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| crate::files::guess_mime_type(&upload.file_name).to_owned());
    let size = upload.bytes.len() as u64;
    let kind = match upload.kind {
        FileKind::Document => UploadKind::File,
        FileKind::Photo => UploadKind::Image,
    };
    let (_, token) = max.new_upload(kind);
    max.store_file(
        token.clone(),
        kind,
        Some(upload.file_name.clone()),
        Some(mime_type.clone()),
        upload.bytes,
    );
    let entry = entry(max, id)?;
    let mut message = StoredMessage::new(entry.chat.next_message_id(), view::From::User);
    message.view.caption = upload.caption.filter(|c| !c.trim().is_empty());
    match upload.kind {
        FileKind::Document => {
            message.view.document = Some(view::Document {
                file_id: token.clone(),
                file_name: Some(upload.file_name),
                mime_type: Some(mime_type),
                file_size: size,
            });
        }
        FileKind::Photo => {
            message.view.photo = Some(view::Photo {
                file_id: token.clone(),
                file_size: size,
            });
        }
    }
    let mut answer = sent(user_message(&app, max, id, message, &base));
    answer.token = Some(token);
    Ok(Json(answer))
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
            let entry = entry(&mut state.max, id)?;
            let version = *entry.chat.version.borrow();
            if query.since.is_none_or(|since| version > since) || Instant::now() >= deadline {
                return Ok(Json(entry.view()));
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

/// Blocking the bot is stopping it on Max: the bot gets `bot_stopped`,
/// and its sends are refused until the user starts it again.
async fn block(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<Block>,
) -> Answer<Value> {
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    let entry = entry(max, id)?;
    let was = std::mem::replace(&mut entry.blocked, body.blocked);
    if body.blocked && !was {
        let update = shapes::update(
            "bot_stopped",
            json!({
                "chat_id": entry.user.chat_id,
                "user": shapes::user(&entry.user),
                "user_locale": entry.user.language_code,
            }),
        );
        max.push_update(update);
    }
    Ok(Json(json!({ "blocked": body.blocked })))
}

async fn inject(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Json(injection): Json<MaxInjection>,
) -> Answer<Injected> {
    let count = injection.count.unwrap_or(1);
    if count == 0 {
        return Err(ControlError::bad_request("count must be at least 1"));
    }
    if injection.retry_after.is_some() && injection.status != 429 {
        return Err(ControlError::bad_request("retry_after is for 429 only"));
    }
    let (code, message) = match injection.status {
        400 => ("proto.payload", "Invalid request".to_owned()),
        403 => ("chat.denied", "error.dialog.suspended".to_owned()),
        404 => ("chat.not.found", "Chat not found".to_owned()),
        429 => ("too.many.requests", "Too many requests".to_owned()),
        500 => ("internal.error", "Internal error".to_owned()),
        502 => ("bad.gateway", "Bad gateway".to_owned()),
        503 => ("service.unavailable", "Service unavailable".to_owned()),
        other => {
            return Err(ControlError::bad_request(format!(
                "status must be 400, 403, 404, 429, 500, 502 or 503, not {other}"
            )));
        }
    };
    let retry_after = match (injection.status, injection.retry_after) {
        (429, None) => Some(1),
        (429, Some(0)) => return Err(ControlError::bad_request("retry_after must be at least 1")),
        (_, retry_after) => retry_after,
    };
    let error = MaxError {
        status: injection.status,
        code: injection.code.unwrap_or_else(|| code.to_owned()),
        message: injection.message.unwrap_or(message),
        retry_after,
    };
    let mut state = app.state.lock().await;
    let entry = entry(&mut state.max, id)?;
    entry.injected.push_back((error, count));
    let pending = entry
        .injected
        .iter()
        .fold(0u32, |sum, (_, left)| sum.saturating_add(*left));
    Ok(Json(Injected {
        user_id: id,
        pending,
    }))
}

async fn callback(State(app): State<AppState>, Path(id): Path<String>) -> Answer<CallbackAnswer> {
    let state = app.state.lock().await;
    let callback = state
        .max
        .callbacks
        .get(&id)
        .ok_or_else(|| ControlError::not_found(format!("no callback {id}")))?;
    Ok(Json(callback.answer.clone()))
}

async fn file(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ControlError> {
    let state = app.state.lock().await;
    let file = state
        .max
        .files
        .get(&token)
        .ok_or_else(|| ControlError::not_found(format!("no file {token}")))?;
    let mime_type = file
        .mime_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Ok(([(CONTENT_TYPE, mime_type)], file.bytes.clone()).into_response())
}

fn settings_of(max: &MaxState) -> MaxSettings {
    MaxSettings {
        enforce_limits: max.enforce_limits,
        requests_per_second: Some(max.limits.per_second().get()),
    }
}

async fn current_settings(State(app): State<AppState>) -> Json<MaxSettings> {
    Json(settings_of(&app.state.lock().await.max))
}

async fn settings(
    State(app): State<AppState>,
    Json(settings): Json<MaxSettings>,
) -> Answer<MaxSettings> {
    let mut state = app.state.lock().await;
    let max = &mut state.max;
    let per_second = match settings.requests_per_second {
        None => max.limits.per_second(),
        Some(value) => NonZeroU32::new(value)
            .ok_or_else(|| ControlError::bad_request("requests_per_second must be at least 1"))?,
    };
    max.enforce_limits = settings.enforce_limits;
    max.limits = Limiter::new(per_second);
    Ok(Json(settings_of(max)))
}

async fn stats(State(app): State<AppState>) -> Json<Stats> {
    Json(app.state.lock().await.max.stats.view())
}

async fn reset_stats(State(app): State<AppState>) -> Json<Stats> {
    let mut state = app.state.lock().await;
    state.max.stats = Default::default();
    Json(state.max.stats.view())
}

async fn errors(State(app): State<AppState>) -> Json<Vec<RefusedCall>> {
    Json(app.state.lock().await.max.refused.iter().cloned().collect())
}
