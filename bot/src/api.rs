//! The HTTP API for the portals, under `/api/v1` on `MEDCAB_HTTP_ADDR`.
//! Documented in `docs/openapi.yaml`; keep the two in step.
//!
//! - `POST /api/v1/login-confirmations`: a portal asks whether a login is
//!   the practitioner's; the bot pushes «Вход в личный кабинет: это вы?».
//! - `GET /api/v1/login-confirmations/{id}`: the answer so far.
//!
//! Every request needs `Authorization: Bearer <MEDCAB_API_KEY>`, checked
//! before anything else, so a caller without the key learns nothing, not
//! even whether a practitioner exists. Errors are JSON:
//! `{"error": "<code>", "message": "<for the developer>"}`.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use medcab_core::Clock;
use medcab_core::accounts;
use medcab_core::crypto::Vault;
use medcab_core::domain::Snils;
use medcab_core::login_confirmations::{self, Challenge, LoginAttempt};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use subtle::ConstantTimeEq as _;
use uuid::Uuid;

use crate::delivery::Wakeup;

/// The shortest key accepted: guessing one must be hopeless.
pub const MIN_KEY_LEN: usize = 32;
/// Bounds of `ttl_seconds`: long enough to reach for the phone, short
/// enough that a forgotten request does not wait to be approved by mistake.
pub const TTL_SECONDS: std::ops::RangeInclusive<i64> = 30..=600;
/// Longest `device` and `place`, in characters: a push must stay short.
pub const MAX_DESCRIPTION: usize = 120;

/// The secret portals present. Never printed.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// At least [`MIN_KEY_LEN`] visible ASCII characters (e.g.
    /// `openssl rand -hex 32`).
    pub fn parse(value: &str) -> Result<ApiKey, String> {
        let value = value.trim();
        if value.len() < MIN_KEY_LEN {
            return Err(format!(
                "expected at least {MIN_KEY_LEN} characters (openssl rand -hex 32)"
            ));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("expected visible ASCII characters only".to_owned());
        }
        Ok(ApiKey(value.to_owned()))
    }

    /// Compares in constant time, so the time an answer takes does not
    /// tell how much of a guess was right.
    fn matches(&self, presented: &[u8]) -> bool {
        bool::from(self.0.as_bytes().ct_eq(presented))
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

/// What the API needs.
#[derive(Clone)]
pub struct Api {
    pub db: PgPool,
    pub vault: Vault,
    pub clock: Clock,
    pub key: ApiKey,
    /// Woken after a push is enqueued, so it goes out at once.
    pub wakeup: Wakeup,
}

/// The routes, to be nested under `/api/v1`.
pub fn router(api: Api) -> Router {
    Router::new()
        .route("/login-confirmations", post(create_confirmation))
        .route("/login-confirmations/{id}", get(get_confirmation))
        .route_layer(middleware::from_fn_with_state(api.clone(), authenticate))
        .with_state(api)
}

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn internal(error: sqlx::Error) -> ApiError {
        tracing::error!(%error, "an API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the request could not be handled; try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.code, "message": self.message }));
        let mut response = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

async fn authenticate(
    State(api): State<Api>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
    match presented {
        Some(key) if api.key.matches(key) => next.run(request).await,
        _ => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong API key (Authorization: Bearer <key>)",
        )
        .into_response(),
    }
}

/// `POST /login-confirmations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    practitioner: PractitionerRef,
    ip: String,
    device: String,
    place: String,
    ttl_seconds: Option<i64>,
}

/// Who is logging in: by СНИЛС, or by the Telegram account linked to it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PractitionerRef {
    Snils(BySnils),
    Telegram(ByTelegram),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BySnils {
    snils: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ByTelegram {
    telegram_user_id: i64,
}

#[derive(Debug, Serialize)]
struct Created {
    id: Uuid,
    status: &'static str,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct Confirmation {
    id: Uuid,
    status: &'static str,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
}

impl From<Challenge> for Confirmation {
    fn from(challenge: Challenge) -> Confirmation {
        Confirmation {
            id: challenge.id,
            status: challenge.status.as_str(),
            created_at: challenge.created_at,
            expires_at: challenge.expires_at,
            answered_at: challenge.answered_at,
        }
    }
}

// The body is read as bytes and parsed here, so that every malformed body
// gets this API's JSON error rather than axum's plain-text rejection.
async fn create_confirmation(
    State(api): State<Api>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let request: CreateRequest = serde_json::from_slice(&body)
        .map_err(|error| ApiError::bad_request(format!("malformed body: {error}")))?;
    let attempt = LoginAttempt {
        ip: parse_ip(&request.ip)?,
        device: description("device", &request.device)?,
        place: description("place", &request.place)?,
        ttl: ttl(request.ttl_seconds)?,
    };
    let user_id = match request.practitioner {
        PractitionerRef::Snils(BySnils { snils }) => {
            let snils = Snils::parse(&snils)
                .map_err(|error| ApiError::bad_request(format!("practitioner.snils: {error}")))?;
            accounts::confirmed_by_snils(&api.db, &api.vault, &snils)
                .await
                .map_err(ApiError::internal)?
        }
        PractitionerRef::Telegram(ByTelegram { telegram_user_id }) => {
            accounts::confirmed_and_active(&api.db, telegram_user_id)
                .await
                .map_err(ApiError::internal)?
                .then_some(telegram_user_id)
        }
    };
    let Some(user_id) = user_id else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "practitioner_not_found",
            "no active practitioner account matches",
        ));
    };
    let challenge = login_confirmations::create(&api.db, user_id, &attempt, api.clock.now())
        .await
        .map_err(ApiError::internal)?;
    api.wakeup.wake();
    let location = format!("/api/v1/login-confirmations/{}", challenge.id);
    let created = Created {
        id: challenge.id,
        status: challenge.status.as_str(),
        expires_at: challenge.expires_at,
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created),
    ))
}

/// `GET /login-confirmations/{id}`.
async fn get_confirmation(
    State(api): State<Api>,
    Path(id): Path<String>,
) -> Result<Json<Confirmation>, ApiError> {
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::bad_request("the id is not a UUID"))?;
    let challenge = login_confirmations::get(&api.db, id, api.clock.now())
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such login confirmation",
            )
        })?;
    Ok(Json(challenge.into()))
}

fn parse_ip(text: &str) -> Result<String, ApiError> {
    text.trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| ApiError::bad_request("ip: expected an IPv4 or IPv6 address"))
}

/// A device or place as the push will show it: one short line.
fn description(field: &str, text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_DESCRIPTION {
        return Err(ApiError::bad_request(format!(
            "{field}: expected 1 to {MAX_DESCRIPTION} characters"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "{field}: expected one line without control characters"
        )));
    }
    Ok(text.to_owned())
}

fn ttl(seconds: Option<i64>) -> Result<Duration, ApiError> {
    let seconds = seconds.unwrap_or(login_confirmations::DEFAULT_TTL_SECONDS);
    if !TTL_SECONDS.contains(&seconds) {
        return Err(ApiError::bad_request(format!(
            "ttl_seconds: expected {} to {}",
            TTL_SECONDS.start(),
            TTL_SECONDS.end()
        )));
    }
    Ok(Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_and_never_printed() {
        assert!(ApiKey::parse("short").is_err());
        assert!(ApiKey::parse(&format!("{} x", "a".repeat(40))).is_err());
        let key = ApiKey::parse(&"k".repeat(64)).unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(…)");
        assert!(key.matches("k".repeat(64).as_bytes()));
        assert!(!key.matches("k".repeat(63).as_bytes()));
        assert!(!key.matches(b""));
    }

    #[test]
    fn bodies_are_parsed_strictly() {
        let by_snils: CreateRequest = serde_json::from_str(
            r#"{"practitioner":{"snils":"112-233-445 95"},"ip":"1.2.3.4","device":"d","place":"p"}"#,
        )
        .unwrap();
        assert!(matches!(by_snils.practitioner, PractitionerRef::Snils(_)));
        let by_id: CreateRequest = serde_json::from_str(
            r#"{"practitioner":{"telegram_user_id":5},"ip":"::1","device":"d","place":"p","ttl_seconds":60}"#,
        )
        .unwrap();
        assert!(matches!(by_id.practitioner, PractitionerRef::Telegram(_)));
        for bad in [
            r#"{"practitioner":{"snils":"1","telegram_user_id":5},"ip":"1.2.3.4","device":"d","place":"p"}"#,
            r#"{"practitioner":{},"ip":"1.2.3.4","device":"d","place":"p"}"#,
            r#"{"practitioner":{"snils":"1"},"ip":"1.2.3.4","device":"d"}"#,
            r#"{"practitioner":{"snils":"1"},"ip":"1.2.3.4","device":"d","place":"p","name":"x"}"#,
        ] {
            assert!(serde_json::from_str::<CreateRequest>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_are_checked() {
        assert_eq!(parse_ip(" 203.0.113.7 ").unwrap(), "203.0.113.7");
        assert!(parse_ip("203.0.113").is_err());
        assert!(description("device", "  ").is_err());
        assert!(description("device", "a\nb").is_err());
        assert!(description("device", &"я".repeat(MAX_DESCRIPTION + 1)).is_err());
        assert_eq!(description("place", " Москва ").unwrap(), "Москва");
        assert_eq!(ttl(None).unwrap(), Duration::seconds(120));
        assert!(ttl(Some(5)).is_err() && ttl(Some(601)).is_err());
    }
}
