//! The Max side's webhook: `POST /subscriptions`, `GET /subscriptions`,
//! `DELETE /subscriptions?url=`, and the pushing of pending updates to the
//! subscribed URL (the same objects `GET /updates` returns), with the
//! shared sender (`crate::delivery`).
//!
//! A bot has one subscription: subscribing again replaces it (the
//! contract says to "update the subscription" with `POST`). While it
//! exists `GET /updates` is refused, as the API says the two never work at
//! once.

use std::collections::BTreeMap;

use reqwest::header::HeaderName;
use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

use super::error::MaxError;
use super::state::{MaxUserEntry, Subscription, now_millis};
use crate::delivery::{self, Accepts, Job, Lane, Lanes, Outcome, Side, UrlProblem};
use crate::state::State;

const SECRET_HEADER: HeaderName = HeaderName::from_static("x-max-bot-api-secret");
/// Max calls a webhook on port 443 only (any port on a loopback host).
const PORTS: &[u16] = &[443];
/// Requests in flight at once: the contract names no number (only about
/// 100 notifications a second, which the sandbox does not enforce).
const MAX_CONNECTIONS: usize = 40;

/// `GET /updates` while subscribed: the contract's 405 for that path.
pub(crate) fn polling_refused() -> MaxError {
    MaxError::new(
        405,
        "method.not.allowed",
        "Long polling is not available while a webhook subscription is active: DELETE /subscriptions first",
    )
}

/// `POST /subscriptions` (the body already checked against the schema).
pub(crate) fn subscribe(state: &mut State, body: &Value) -> Result<Value, MaxError> {
    let url = body["url"].as_str().unwrap_or_default();
    match delivery::check_url(url, PORTS) {
        Ok(()) => {}
        Err(UrlProblem::NotHttps) => {
            return Err(MaxError::bad_request(
                "Invalid body: field \"url\" must be an HTTPS URL (https://…)",
            ));
        }
        Err(UrlProblem::Port) => {
            return Err(MaxError::bad_request(
                "Invalid body: field \"url\" must not name a port: only 443 is supported",
            ));
        }
    }
    let secret = body["secret"].as_str().map(str::to_owned);
    if let Some(secret) = &secret
        && (!(5..=256).contains(&secret.len()) || !delivery::secret_characters_ok(secret))
    {
        return Err(MaxError::bad_request(
            "Invalid body: field \"secret\" must match ^[a-zA-Z0-9_-]{5,256}$",
        ));
    }
    let mut update_types: Vec<String> = body["update_types"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    update_types.dedup();
    let max = &mut state.max;
    let changed = max
        .subscription
        .as_ref()
        .is_none_or(|s| s.url != url || s.secret != secret || s.update_types != update_types);
    if changed {
        max.lanes.reset();
    }
    let time = max
        .subscription
        .as_ref()
        .filter(|s| s.url == url)
        .map_or_else(now_millis, |s| s.time);
    max.subscription = Some(Subscription {
        url: url.to_owned(),
        update_types,
        secret,
        time,
    });
    max.drop_unwanted();
    // Wakes the pushing, and a long poll still waiting (it is refused).
    max.updates_signal.send_replace(());
    Ok(json!({ "success": true }))
}

/// `GET /subscriptions`.
pub(crate) fn subscriptions(state: &State) -> Value {
    let list: Vec<Value> = state
        .max
        .subscription
        .iter()
        .map(|s| {
            json!({
                "url": s.url,
                "time": s.time,
                "update_types": if s.update_types.is_empty() { Value::Null } else { json!(s.update_types) },
            })
        })
        .collect();
    json!({ "subscriptions": list })
}

/// `DELETE /subscriptions?url=`: updates not acknowledged stay for
/// `GET /updates`.
pub(crate) fn unsubscribe(state: &mut State, query: &Map<String, Value>) -> Value {
    let url = query.get("url").and_then(Value::as_str).unwrap_or_default();
    let max = &mut state.max;
    if max.subscription.as_ref().is_some_and(|s| s.url == url) {
        max.subscription = None;
        max.lanes.reset();
        json!({ "success": true })
    } else {
        json!({ "success": false, "message": format!("No subscription for {url}") })
    }
}

/// The dialog an update belongs to: its `chat_id`, its message's
/// recipient, or the dialog of the user it names.
fn lane(number: i64, update: &Value, users: &BTreeMap<i64, MaxUserEntry>) -> Lane {
    let chat = update["chat_id"]
        .as_i64()
        .or_else(|| update["message"]["recipient"]["chat_id"].as_i64())
        .or_else(|| {
            let user = update["callback"]["user"]["user_id"]
                .as_i64()
                .or_else(|| update["user"]["user_id"].as_i64())?;
            users.get(&user).map(|entry| entry.user.chat_id)
        });
    chat.map_or(Lane::Update(number), Lane::Chat)
}

pub(crate) struct Max;

impl Side for Max {
    const NAME: &'static str = "max";

    fn signal(state: &State) -> watch::Receiver<()> {
        state.max.updates_signal.subscribe()
    }

    fn lanes(state: &mut State) -> &mut Lanes {
        &mut state.max.lanes
    }

    fn pick(state: &mut State, now: Instant) -> Vec<Job> {
        let (updates, lanes, subscription, users) = state.max.webhook_parts();
        let Some(subscription) = subscription else {
            return Vec::new();
        };
        let mut jobs = Vec::new();
        for (number, update) in updates {
            if lanes.in_flight() >= MAX_CONNECTIONS {
                break;
            }
            let lane = lane(*number, update, users);
            if !lanes.ready(lane, now) {
                continue;
            }
            lanes.take(lane);
            jobs.push(Job {
                id: *number,
                lane,
                url: subscription.url.clone(),
                secret: subscription
                    .secret
                    .clone()
                    .map(|secret| (SECRET_HEADER, secret)),
                body: serde_json::to_vec(update).unwrap_or_default(),
                accepts: Accepts::Ok,
            });
        }
        jobs
    }

    fn acknowledge(state: &mut State, id: i64) {
        state.max.acknowledge(id);
    }

    fn count(state: &mut State, outcome: Option<&Outcome>) {
        state
            .max
            .stats
            .webhook(outcome.map(|o| *o == Outcome::Acknowledged));
    }
}
