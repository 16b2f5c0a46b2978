//! A refused Max Bot API call, answered as the contract says: an HTTP
//! status and `{"code": "<key>", "message": "<text>"}`.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MaxError {
    pub status: u16,
    /// The error key, e.g. `chat.not.found`.
    pub code: String,
    pub message: String,
    /// Seconds, sent as `Retry-After` with a 429.
    pub retry_after: Option<u64>,
}

impl MaxError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        MaxError {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// A body or parameter the contract refuses (`proto.payload`, Max's key
    /// for a request it cannot take).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "proto.payload", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "verify.token", "Invalid access_token")
    }

    pub fn chat_not_found(chat_id: i64) -> Self {
        Self::new(404, "chat.not.found", format!("Chat {chat_id} not found"))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not.found", message)
    }

    /// The user stopped (blocked) the bot.
    pub fn blocked() -> Self {
        Self::new(403, "chat.denied", "error.dialog.suspended")
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        MaxError {
            retry_after: Some(retry_after),
            ..Self::new(429, "too.many.requests", "Too many requests")
        }
    }
}

impl IntoResponse for MaxError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = Json(json!({ "code": self.code, "message": self.message }));
        match self.retry_after {
            Some(seconds) => (status, [(RETRY_AFTER, seconds.to_string())], body).into_response(),
            None => (status, body).into_response(),
        }
    }
}
