//! The Telegram side's webhook: `setWebhook`, `deleteWebhook`,
//! `getWebhookInfo`, and the pushing of pending updates to the URL (the
//! same Update objects getUpdates returns), with the shared sender
//! (`crate::delivery`).

use reqwest::header::HeaderName;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::delivery::{self, Accepts, Job, Lane, Lanes, Outcome, Side, UrlProblem};
use crate::error::ApiError;
use crate::params::Params;
use crate::state::{State, Webhook};

/// Telegram's default and range for `max_connections`.
const DEFAULT_MAX_CONNECTIONS: i64 = 40;
const MAX_CONNECTIONS: i64 = 100;
/// The ports Telegram calls a webhook on (any port on a loopback host).
const PORTS: &[u16] = &[443, 80, 88, 8443];
const SECRET_HEADER: HeaderName = HeaderName::from_static("x-telegram-bot-api-secret-token");

pub(crate) fn set_webhook(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let url = params.str("url").unwrap_or_default();
    if url.is_empty() {
        // Telegram: "Use an empty string to remove webhook integration."
        return delete_webhook(state, params);
    }
    match delivery::check_url(url, PORTS) {
        Ok(()) => {}
        Err(UrlProblem::NotHttps) => {
            return Err(ApiError::bad_request(
                "bad webhook: HTTPS url must be provided for webhook",
            ));
        }
        Err(UrlProblem::Port) => {
            return Err(ApiError::bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            ));
        }
    }
    // As the Bot API server reads it: an empty token is no token.
    let secret_token = params
        .str("secret_token")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(secret) = &secret_token {
        if secret.len() > 256 {
            return Err(ApiError::bad_request("secret token is too long"));
        }
        if !delivery::secret_characters_ok(secret) {
            return Err(ApiError::bad_request(
                "secret token contains unallowed characters",
            ));
        }
    }
    // Out of range is brought into it, as the Bot API server does.
    let max_connections = params
        .i64("max_connections")
        .filter(|n| *n != 0)
        .unwrap_or(DEFAULT_MAX_CONNECTIONS)
        .clamp(1, MAX_CONNECTIONS);
    if let Some(Value::Array(kinds)) = params.value("allowed_updates") {
        state.allowed_updates = kinds
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
    }
    if params.flag("drop_pending_updates") {
        state.drop_pending_updates();
    }
    let webhook = Webhook {
        url: url.to_owned(),
        secret_token,
        max_connections: usize::try_from(max_connections).unwrap_or(40),
    };
    if state.webhook.as_ref() != Some(&webhook) {
        state.webhook_lanes.reset();
    }
    state.webhook = Some(webhook);
    // Wakes the pushing, and a getUpdates still waiting (it answers 409).
    state.updates_signal.send_replace(());
    Ok(Value::Bool(true))
}

pub(crate) fn delete_webhook(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    if params.flag("drop_pending_updates") {
        state.drop_pending_updates();
    }
    if state.webhook.take().is_some() {
        state.webhook_lanes.reset();
    }
    Ok(Value::Bool(true))
}

pub(crate) fn webhook_info(state: &State) -> Value {
    let mut info = json!({
        "url": state.webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default(),
        "has_custom_certificate": false,
        "pending_update_count": state.pending_update_count(),
    });
    if let Some(webhook) = &state.webhook {
        info["max_connections"] = json!(webhook.max_connections);
        if !state.allowed_updates.is_empty() {
            info["allowed_updates"] = json!(state.allowed_updates);
        }
    }
    if let Some((date, message)) = &state.webhook_lanes.last_error {
        info["last_error_date"] = json!(date);
        info["last_error_message"] = json!(message);
    }
    info
}

/// The chat an update belongs to: its message's chat, or the user of a
/// callback query without a message (a private chat has the user's id).
fn lane(update: &Value) -> Lane {
    let update_id = update["update_id"].as_i64().unwrap_or_default();
    let chat = update
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.as_str() != "update_id")
        .find_map(|(_, payload)| {
            payload["chat"]["id"]
                .as_i64()
                .or_else(|| payload["message"]["chat"]["id"].as_i64())
                .or_else(|| payload["from"]["id"].as_i64())
                .or_else(|| payload["user"]["id"].as_i64())
        });
    chat.map_or(Lane::Update(update_id), Lane::Chat)
}

pub(crate) struct Telegram;

impl Side for Telegram {
    const NAME: &'static str = "telegram";

    fn signal(state: &State) -> watch::Receiver<()> {
        state.updates_signal.subscribe()
    }

    fn lanes(state: &mut State) -> &mut Lanes {
        &mut state.webhook_lanes
    }

    fn pick(state: &mut State, now: Instant) -> Vec<Job> {
        let (updates, lanes, webhook) = state.webhook_parts();
        let Some(webhook) = webhook else {
            return Vec::new();
        };
        let mut jobs = Vec::new();
        for update in updates {
            if lanes.in_flight() >= webhook.max_connections {
                break;
            }
            let lane = lane(update);
            if !lanes.ready(lane, now) {
                continue;
            }
            lanes.take(lane);
            jobs.push(Job {
                id: update["update_id"].as_i64().unwrap_or_default(),
                lane,
                url: webhook.url.clone(),
                secret: webhook
                    .secret_token
                    .clone()
                    .map(|secret| (SECRET_HEADER, secret)),
                body: serde_json::to_vec(update).unwrap_or_default(),
                accepts: Accepts::Success,
            });
        }
        jobs
    }

    fn acknowledge(state: &mut State, id: i64) {
        state.acknowledge(id);
    }

    fn count(state: &mut State, outcome: Option<&Outcome>) {
        state
            .stats
            .webhook(outcome.map(|o| *o == Outcome::Acknowledged));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_goes_in_its_chat_s_lane() {
        let message = json!({"update_id": 1, "message": {"chat": {"id": 7}, "from": {"id": 7}}});
        assert_eq!(lane(&message), Lane::Chat(7));
        let press = json!({"update_id": 2, "callback_query": {"from": {"id": 8}, "data": "x"}});
        assert_eq!(lane(&press), Lane::Chat(8));
        let on_message = json!({"update_id": 3, "callback_query": {"from": {"id": 8}, "message": {"chat": {"id": 9}}}});
        assert_eq!(lane(&on_message), Lane::Chat(9));
        assert_eq!(lane(&json!({"update_id": 4, "poll": {}})), Lane::Update(4));
    }
}
