//! The Bot API face: `/bot<token>/<method>` and `/file/bot<token>/<path>`.
//!
//! axum's router cannot capture a parameter glued to a literal prefix
//! (`/bot{token}`), so these paths are parsed here, in the router's
//! fallback.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::params::{self, Params};
use crate::state::AppState;
use crate::view::RefusedCall;
use crate::{methods, spec};

pub(crate) async fn handle(State(app): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if crate::max::owns(&path) {
        return crate::max::api::handle(app, request).await;
    }
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return download(&app, rest).await;
    }
    let Some((token, method)) = path
        .strip_prefix("/bot")
        .and_then(|rest| rest.split_once('/'))
    else {
        return ApiError::not_found().into_response();
    };
    let raw = match params::read(request).await {
        Ok(raw) => raw,
        Err(error) => return refuse(&app, method, error, Value::Null).await,
    };
    // The parameters as received are kept, not copied, for a refusal's
    // record.
    let received = raw.values;
    if token != app.bot.token {
        return refuse(&app, method, ApiError::unauthorized(), received.into()).await;
    }
    let Some(spec) = spec::method(method) else {
        return refuse(&app, method, ApiError::not_found(), received.into()).await;
    };
    let result = match spec.check(&received) {
        Ok(values) => {
            methods::call(
                &app,
                &spec.name,
                Params {
                    values,
                    files: raw.files,
                },
            )
            .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(result) => Json(json!({ "ok": true, "result": result })).into_response(),
        Err(error) => refuse(&app, &spec.name, error, received.into()).await,
    }
}

/// Answers with `error`, remembering the call for `GET /control/errors`.
async fn refuse(app: &AppState, method: &str, error: ApiError, body: Value) -> Response {
    tracing::debug!(method, description = %error.description, "refused a Bot API call");
    // A bot that stops polling drops its waiting getUpdates and sends one
    // more to confirm what it handled; the dropped call, still parked here,
    // is then superseded and answered 409 to nobody. That is not the bot's
    // mistake, so it is not listed (the answer is still Telegram's).
    if method == "getUpdates" && error.description.contains("terminated by other getUpdates") {
        return error.into_response();
    }
    app.state.lock().await.record_refused(RefusedCall {
        method: method.to_owned(),
        error_code: error.code,
        description: error.description.clone(),
        body,
    });
    error.into_response()
}

async fn download(app: &AppState, rest: &str) -> Response {
    let Some((token, file_path)) = rest.split_once('/') else {
        return ApiError::not_found().into_response();
    };
    if token != app.bot.token {
        return ApiError::not_found().into_response();
    }
    // teloxide sends the path as one URL segment, its slashes escaped.
    let file_path = percent_decode(file_path);
    let state = app.state.lock().await;
    match state
        .file_paths
        .get(&file_path)
        .and_then(|file_id| state.files.get(file_id))
    {
        Some(file) => {
            let mime_type = file
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            ([(CONTENT_TYPE, mime_type)], file.bytes.clone()).into_response()
        }
        None => ApiError::not_found().into_response(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_escaped_slashes() {
        assert_eq!(
            percent_decode("documents%2Ffile_1.pdf"),
            "documents/file_1.pdf"
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}
