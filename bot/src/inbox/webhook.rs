//! The webhooks: `POST /webhook/telegram` and `POST /webhook/max` on the
//! HTTP server, registered at start when `MEDCAB_WEBHOOK_URL` is set.
//!
//! Not teloxide's webhook listener: it answers 200 before anything is
//! stored, and deletes the webhook when the process stops (one instance of
//! many restarting would switch the others off). Here a request is
//! answered 200 only once its update is committed to the inbox; a body
//! that does not parse is kept as poison (200: sending it again would not
//! help); a database that fails gets 503, so the messenger sends the update
//! again. Nothing removes the webhook on shutdown.
//!
//! Each request carries the secret given at registration (Telegram's
//! `X-Telegram-Bot-Api-Secret-Token`, Max's `X-Max-Bot-Api-Secret`),
//! compared in constant time; a request without it gets 401, unread, and
//! is written to the security log (`webhook_refused`, counted in the
//! metrics' refusals) with a log line — both capped per minute by the
//! API's limiter, so a flood of them fills neither. The secret is derived from the data keys' index key
//! (it is the same on every instance and needs no setting of its own; it
//! reveals nothing of the key).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use medcab_core::channels::Messenger;
use medcab_core::crypto::Vault;
use medcab_core::inbox::Arrival;
use medcab_core::security_events::{self, Kind, Unattributed};
use reqwest::Url;
use subtle::ConstantTimeEq as _;
use teloxide::Bot;
use teloxide::payloads::SetWebhookSetters as _;
use teloxide::prelude::Requester as _;

use super::polling::{MAX_KINDS, telegram_kinds};
use super::{Intake, intake};
use crate::max::MaxClient;

/// Telegram's header with the secret.
pub const TELEGRAM_SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Max's header with the secret.
pub const MAX_SECRET_HEADER: &str = "x-max-bot-api-secret";

/// The paths, under the HTTP server's root.
pub const TELEGRAM_PATH: &str = "/webhook/telegram";
pub const MAX_PATH: &str = "/webhook/max";

/// The largest update body taken (a message is at most 4096 characters;
/// its entities and the sender's details are a few kilobytes more).
const BODY_LIMIT: usize = 1024 * 1024;

/// The secret both messengers send back: 48 hex digits, which both
/// messengers' rules for a secret allow.
pub fn secret(vault: &Vault) -> String {
    hex::encode(&vault.keyed_digest("webhook-secret", b"")[..24])
}

/// The secret in force: `MEDCAB_WEBHOOK_SECRET` when set, else the one
/// derived from the index key.
pub fn secret_in_force(configured: Option<&str>, vault: &Vault) -> String {
    configured.map_or_else(|| secret(vault), str::to_owned)
}

/// What the webhook routes need.
#[derive(Clone)]
pub struct Endpoint {
    intake: Intake,
    secret: Arc<str>,
    /// The limiter of refusals written to the security log, the API's
    /// (which writes what it held back as each minute ends).
    refusals: Arc<Unattributed>,
}

impl Endpoint {
    pub fn new(intake: Intake, secret: String, refusals: Arc<Unattributed>) -> Endpoint {
        Endpoint {
            intake,
            secret: secret.into(),
            refusals,
        }
    }

    /// `Err` with what was wrong with the secret.
    fn authentic(&self, headers: &HeaderMap, header: &str) -> Result<(), &'static str> {
        let given = headers.get(header).ok_or("missing")?;
        if bool::from(given.as_bytes().ct_eq(self.secret.as_bytes())) {
            Ok(())
        } else {
            Err("wrong")
        }
    }
}

pub fn router(endpoint: Endpoint) -> Router {
    Router::new()
        .route(TELEGRAM_PATH, post(telegram))
        .route(MAX_PATH, post(max))
        // The handlers read the body themselves, after the secret.
        .layer(DefaultBodyLimit::disable())
        .with_state(endpoint)
}

// The body is read only once the secret is right: a stranger cannot make
// an instance take in a megabyte per request.
async fn telegram(State(endpoint): State<Endpoint>, headers: HeaderMap, body: Body) -> StatusCode {
    if let Err(secret) = endpoint.authentic(&headers, TELEGRAM_SECRET_HEADER) {
        return refused(&endpoint, Messenger::Telegram, secret).await;
    }
    match read(body).await {
        Ok(body) => take(&endpoint, Messenger::Telegram, intake::telegram(&body)).await,
        Err(status) => status,
    }
}

async fn max(State(endpoint): State<Endpoint>, headers: HeaderMap, body: Body) -> StatusCode {
    if let Err(secret) = endpoint.authentic(&headers, MAX_SECRET_HEADER) {
        return refused(&endpoint, Messenger::Max, secret).await;
    }
    match read(body).await {
        Ok(body) => take(&endpoint, Messenger::Max, intake::max(&body)).await,
        Err(status) => status,
    }
}

/// The whole body, at most [`BODY_LIMIT`]; larger is no update (413). The
/// other way to fail is a request cut off midway (400, which its sender,
/// gone, does not read).
async fn read(body: Body) -> Result<Bytes, StatusCode> {
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|error| {
            let too_large = error
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            if too_large {
                tracing::warn!(
                    limit = BODY_LIMIT,
                    "a webhook request over the size of any update; refused"
                );
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                tracing::debug!("a webhook request cut off before its body ended");
                StatusCode::BAD_REQUEST
            }
        })
}

/// 401, in the security log and the log: both only as many a minute as the
/// limiter lets through (the rest are counted and written as a sum).
async fn refused(endpoint: &Endpoint, messenger: Messenger, secret: &'static str) -> StatusCode {
    let details = serde_json::json!({ "messenger": messenger.as_str(), "secret": secret });
    let intake = &endpoint.intake;
    let recorded = security_events::record_unattributed(
        &intake.db,
        &endpoint.refusals,
        Kind::WebhookRefused,
        details,
        intake.clock.now(),
    )
    .await;
    match recorded {
        Ok(true) => tracing::warn!(
            messenger = messenger.as_str(),
            secret,
            "a webhook request without the right secret; refused"
        ),
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, "cannot record a refused webhook request"),
    }
    StatusCode::UNAUTHORIZED
}

async fn take(endpoint: &Endpoint, messenger: Messenger, arrival: Option<Arrival>) -> StatusCode {
    // Not served (a group's message, an edit): acknowledged, forgotten.
    let Some(arrival) = arrival else {
        return StatusCode::OK;
    };
    match endpoint.intake.store(messenger, &[arrival]).await {
        Ok(_) => StatusCode::OK,
        Err(error) => {
            tracing::error!(%error, messenger = messenger.as_str(), "cannot store a webhook's update; asking for it again");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Tells each connected messenger to post its updates under `base` with
/// `secret`.
pub async fn register(
    base: &Url,
    secret: &str,
    telegram: Option<&Bot>,
    max: Option<&MaxClient>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let at = |path: &str| {
        let mut url = base.clone();
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    };
    if let Some(bot) = telegram {
        bot.set_webhook(at(TELEGRAM_PATH))
            .secret_token(secret)
            .allowed_updates(telegram_kinds())
            .await
            .context("Telegram refused the webhook (MEDCAB_WEBHOOK_URL)")?;
    }
    if let Some(client) = max {
        client
            .subscribe(at(MAX_PATH).as_str(), secret, MAX_KINDS)
            .await
            .context("Max refused the webhook subscription (MEDCAB_WEBHOOK_URL)")?;
    }
    Ok(())
}
