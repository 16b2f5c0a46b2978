//! The HTTP API for the portals, under `/api/v1` on `MEDCAB_HTTP_ADDR`.
//! Documented in `docs/openapi.yaml`; keep the two in step.
//!
//! - `POST /api/v1/login-confirmations`: a portal asks whether a login is
//!   the practitioner's; the bot pushes «Вход в личный кабинет: это вы?»
//!   and the answer carries the `match_number` the portal shows.
//! - `GET /api/v1/login-confirmations/{id}`: the answer so far.
//!
//! Every request needs `Authorization: Bearer <key>`, the key of one API
//! client (`medcab admin api-client add`), checked before anything else,
//! so a caller without a valid key learns nothing, not even whether a
//! practitioner exists. Then each client has its rate (`rate_limit`), and
//! sees only the challenges it made. Errors are JSON:
//! `{"error": "<code>", "message": "<for the developer>"}`.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Duration, Utc};
use medcab_core::Clock;
use medcab_core::UserId;
use medcab_core::accounts;
use medcab_core::api_clients::{self, Client};
use medcab_core::crypto::Vault;
use medcab_core::domain::Snils;
use medcab_core::login_confirmations::{self, Challenge, Created, LoginAttempt};
use medcab_core::security_events::{self, Kind, Unattributed};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::delivery::Wakeup;
use crate::rate_limit::{RateLimit, Verdict};

/// Bounds of `ttl_seconds`: long enough to reach for the phone, short
/// enough that a forgotten request does not wait to be approved by mistake.
pub const TTL_SECONDS: std::ops::RangeInclusive<i64> = 30..=600;
/// Longest `device` and `place`, in characters: a push must stay short.
pub const MAX_DESCRIPTION: usize = 120;
/// The largest request body: a login confirmation is a few hundred bytes,
/// so anything near this is not one (413).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Requests per minute per client when nothing else is said
/// (`MEDCAB_API_REQUESTS_PER_MINUTE`): a portal polling one login every
/// second stays far below it, a flood does not.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 600;

/// What the API needs.
#[derive(Clone)]
pub struct Api {
    pub db: PgPool,
    pub vault: Vault,
    pub clock: Clock,
    /// Requests per minute for each client.
    pub rate: RateLimit,
    /// Woken after a push is enqueued, so it goes out at once.
    pub wakeup: Wakeup,
    /// Refusals about no person written at most twenty a minute of a kind
    /// (`security_events::Unattributed`): a flood of bad keys costs a
    /// counter, not a row, per request.
    pub refusals: Arc<Unattributed>,
}

/// The routes, to be nested under `/api/v1`.
pub fn router(api: Api) -> Router {
    Router::new()
        .route("/login-confirmations", post(create_confirmation))
        .route("/login-confirmations/{id}", get(get_confirmation))
        // Runs after authentication (layers wrap outside in): a flood
        // without a key costs a hash and a lookup by index, never a count.
        .route_layer(middleware::from_fn_with_state(api.clone(), rate_limit))
        .route_layer(middleware::from_fn_with_state(api.clone(), authenticate))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
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
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
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

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing, wrong, expired or revoked API key (Authorization: Bearer <key>)",
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

/// The token of `Authorization: Bearer <token>`; the scheme is
/// case-insensitive (RFC 9110, 11.1).
fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    let token = token.trim_ascii();
    (!token.is_empty()).then_some(token)
}

async fn authenticate(
    State(api): State<Api>,
    headers: HeaderMap,
    mut request: Request,
    next: Next,
) -> Response {
    let now = api.clock.now();
    let Some(presented) = bearer(&headers) else {
        record_refusal(&api, Kind::ApiUnauthorized, json!({ "key": "missing" })).await;
        return ApiError::unauthorized().into_response();
    };
    match api_clients::authenticate(&api.db, presented, now).await {
        Ok(Some(client)) => {
            request.extensions_mut().insert(client);
            next.run(request).await
        }
        Ok(None) => {
            let details = match api_clients::refused_key(&api.db, presented, now).await {
                Ok(Some((client, why))) => json!({ "key": why, "client": client }),
                Ok(None) => json!({ "key": "unknown" }),
                Err(error) => {
                    tracing::warn!(%error, "cannot tell whose API key was refused");
                    json!({ "key": "unknown" })
                }
            };
            record_refusal(&api, Kind::ApiUnauthorized, details).await;
            ApiError::unauthorized().into_response()
        }
        Err(error) => ApiError::internal(error).into_response(),
    }
}

/// A refusal in the security log (capped per minute in this process and
/// per hour in the database, `security_events`). Best effort: the answer
/// does not wait on the log being writable.
async fn record_refusal(api: &Api, kind: Kind, details: serde_json::Value) {
    let now = api.clock.now();
    let recorded =
        security_events::record_unattributed(&api.db, &api.refusals, kind, details, now).await;
    if let Err(error) = recorded {
        tracing::warn!(%error, kind = kind.as_str(), "cannot record an API refusal");
    }
}

/// Writes the counts of refusals held back once their minute is over, so
/// that a flood which stopped is in the log without waiting for the next
/// refusal; and, at `stop`, whatever is held.
pub async fn flush_refusals(api: Api, stop: tokio_util::sync::CancellationToken) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(15));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let summaries = tokio::select! {
            _ = stop.cancelled() => break,
            _ = every.tick() => api.refusals.ended(api.clock.now()),
        };
        // Given back to the limiter when they cannot be written: the next
        // flush tries them again.
        if let Err(error) =
            security_events::record_suppressed(&api.db, &api.refusals, summaries).await
        {
            tracing::warn!(%error, "cannot record the count of API refusals held back");
        }
    }
    let held = api.refusals.drain();
    if let Err(error) = security_events::record_suppressed(&api.db, &api.refusals, held).await {
        tracing::warn!(%error, "cannot record the count of API refusals held back");
    }
}

async fn rate_limit(
    State(api): State<Api>,
    Extension(client): Extension<Client>,
    request: Request,
    next: Next,
) -> Response {
    match api.rate.check(client.id).await {
        Verdict::Allowed => next.run(request).await,
        Verdict::Limited { retry_after } => {
            tracing::warn!(client = %client.name, "an API client is over its rate");
            let details = json!({ "client": client.name });
            record_refusal(&api, Kind::ApiRateLimited, details).await;
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "over this client's requests per minute; retry after Retry-After seconds",
            )
            .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs()),
            );
            response
        }
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
    telegram_user_id: UserId,
}

#[derive(Debug, Serialize)]
struct CreatedBody {
    id: Uuid,
    status: &'static str,
    expires_at: DateTime<Utc>,
    /// The two digits the portal shows; the practitioner picks them in
    /// Telegram among three.
    match_number: u8,
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
    Extension(client): Extension<Client>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is over {MAX_BODY_BYTES} bytes"),
        ),
        _ => ApiError::bad_request(format!("the body cannot be read: {rejection}")),
    })?;
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
    let created = login_confirmations::create(
        &api.db,
        &api.vault,
        client.id,
        user_id,
        &attempt,
        api.clock.now(),
    )
    .await
    .map_err(ApiError::internal)?;
    let challenge = match created {
        Created::Created(challenge) => challenge,
        // The pending one stays: replacing it would let a flood of
        // requests keep the practitioner's phone ringing.
        Created::AlreadyPending => {
            // Best effort: the answer is 409 whether or not the log is
            // writable.
            let details = json!({ "client": client.name });
            let logged = async {
                let mut conn = api.db.acquire().await?;
                let now = api.clock.now();
                security_events::record(&mut conn, user_id, Kind::LoginPendingRefused, details, now)
                    .await
            };
            if let Err(error) = logged.await {
                tracing::warn!(%error, "cannot record a refused login request");
            }
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "pending_exists",
                "a login confirmation for this practitioner is pending; wait for its answer or expiry",
            ));
        }
    };
    api.wakeup.wake();
    let location = format!("/api/v1/login-confirmations/{}", challenge.id);
    let created = CreatedBody {
        id: challenge.id,
        status: challenge.status.as_str(),
        expires_at: challenge.expires_at,
        match_number: challenge.match_number,
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
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<Json<Confirmation>, ApiError> {
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::bad_request("the id is not a UUID"))?;
    // Another client's challenge is as unknown as one that never was.
    let challenge = login_confirmations::get(&api.db, id, client.id, api.clock.now())
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
    fn the_bearer_scheme_is_case_insensitive() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            bearer(&headers).map(|token| String::from_utf8(token.to_vec()).unwrap())
        };
        for value in ["Bearer k1", "bearer k1", "BEARER  k1 "] {
            assert_eq!(with(value).as_deref(), Some("k1"), "{value}");
        }
        for value in ["Basic k1", "Bearer", "Bearer ", "Bearerk1", "k1"] {
            assert_eq!(with(value), None, "{value}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
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
