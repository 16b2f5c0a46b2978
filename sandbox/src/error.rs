//! A refused Bot API call, answered in Telegram's shape.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u16,
    /// Telegram's full description, e.g. `Bad Request: chat not found`.
    pub description: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(code: u16, description: String) -> Self {
        ApiError {
            code,
            description,
            retry_after: None,
        }
    }

    pub fn bad_request(reason: impl std::fmt::Display) -> Self {
        Self::new(400, format!("Bad Request: {reason}"))
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized".into())
    }

    pub fn forbidden(reason: impl std::fmt::Display) -> Self {
        Self::new(403, format!("Forbidden: {reason}"))
    }

    pub fn not_found() -> Self {
        Self::new(404, "Not Found".into())
    }

    pub fn conflict(reason: impl std::fmt::Display) -> Self {
        Self::new(409, format!("Conflict: {reason}"))
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    pub fn chat_not_found() -> Self {
        Self::bad_request("chat not found")
    }

    pub fn to_json(&self) -> Value {
        let mut body =
            json!({"ok": false, "error_code": self.code, "description": self.description});
        if let Some(retry_after) = self.retry_after {
            body["parameters"] = json!({ "retry_after": retry_after });
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(self.to_json())).into_response()
    }
}
