//! The webhook sender both messenger sides share: one dispatcher task per
//! side pushes pending updates to the bot's URL, a chat's one at a time in
//! order, different chats side by side up to a limit, and keeps every
//! update that was not acknowledged for a retry with backoff.
//!
//! What differs between Telegram and Max (where the queue and the URL are,
//! which header carries the secret, what counts as an acknowledgement) is
//! a [`Side`]: `crate::webhook` and `crate::max::webhook`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::state::{AppState, State};

/// How patient the sender is (`SandboxConfig::webhook_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing {
    /// The whole request: connecting, sending, the answer.
    pub timeout: Duration,
    /// The wait after a chat's first failure; it doubles with each next one…
    pub retry_min: Duration,
    /// …up to this.
    pub retry_max: Duration,
}

/// Where pushing goes on independently: a chat, or an update that names
/// no chat (sent on its own, in no order with the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lane {
    Chat(i64),
    Update(i64),
}

/// A request to make: an update, where it goes and how.
pub(crate) struct Job {
    /// The update's id (Telegram) or number (Max), to acknowledge it by.
    pub id: i64,
    pub lane: Lane,
    pub url: String,
    /// The secret's header, when a secret is set.
    pub secret: Option<(HeaderName, String)>,
    pub body: Vec<u8>,
    /// Which answers acknowledge the update.
    pub accepts: Accepts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepts {
    /// Any 2xx (Telegram).
    Success,
    /// 200 only (Max: "any non-200 response is a failed delivery").
    Ok,
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Acknowledged,
    /// Why not, worded as Telegram's `last_error_message` is.
    Failed(String),
}

/// The chats (lanes) with a request in flight or waiting to retry, and
/// the side's last error; under the state's lock with the queue.
#[derive(Default)]
pub(crate) struct Lanes {
    busy: HashSet<Lane>,
    /// Failures in a row, and when the lane may be tried again.
    backoff: HashMap<Lane, (u32, Instant)>,
    /// Unix time and message of the latest failure.
    pub last_error: Option<(i64, String)>,
}

impl Lanes {
    pub fn in_flight(&self) -> usize {
        self.busy.len()
    }

    /// Whether the lane's next update may be sent now.
    pub fn ready(&self, lane: Lane, now: Instant) -> bool {
        !self.busy.contains(&lane)
            && self
                .backoff
                .get(&lane)
                .is_none_or(|(_, not_before)| *not_before <= now)
    }

    pub fn take(&mut self, lane: Lane) {
        self.busy.insert(lane);
    }

    fn finish(&mut self, lane: Lane, outcome: &Outcome, timing: Timing) {
        self.busy.remove(&lane);
        match outcome {
            Outcome::Acknowledged => {
                self.backoff.remove(&lane);
            }
            Outcome::Failed(message) => {
                let failures = self.backoff.get(&lane).map_or(0, |(n, _)| *n) + 1;
                let delay = timing
                    .retry_min
                    .saturating_mul(1 << (failures - 1).min(20))
                    .min(timing.retry_max);
                self.backoff
                    .insert(lane, (failures, Instant::now() + delay));
                self.last_error = Some((crate::state::now(), message.clone()));
            }
        }
    }

    /// The earliest retry still ahead: when the dispatcher must look again
    /// though nothing else happened.
    fn next_retry(&self, now: Instant) -> Option<Instant> {
        self.backoff
            .values()
            .map(|(_, at)| *at)
            .filter(|at| *at > now)
            .min()
    }

    /// Forgets waits and errors (a new webhook starts afresh); requests in
    /// flight stay counted until they end.
    pub fn reset(&mut self) {
        self.backoff.clear();
        self.last_error = None;
    }
}

/// One messenger's queue as the dispatcher sees it.
pub(crate) trait Side: Send + 'static {
    /// For logs.
    const NAME: &'static str;
    /// The signal a new update (or a new webhook) sends.
    fn signal(state: &State) -> watch::Receiver<()>;
    /// The side's lanes.
    fn lanes(state: &mut State) -> &mut Lanes;
    /// What to send now (each job's lane already taken).
    fn pick(state: &mut State, now: Instant) -> Vec<Job>;
    /// The update `id` was acknowledged: it is gone.
    fn acknowledge(state: &mut State, id: i64);
    /// Counts a request made and how it ended.
    fn count(state: &mut State, outcome: Option<&Outcome>);
}

/// Makes the requests.
pub(crate) struct Sender {
    http: reqwest::Client,
    timing: Timing,
}

impl Sender {
    pub fn new(timing: Timing) -> anyhow::Result<Sender> {
        let http = reqwest::Client::builder()
            .timeout(timing.timeout)
            .connect_timeout(timing.timeout)
            // Telegram does not follow a redirect: a 3xx is a wrong answer.
            .redirect(reqwest::redirect::Policy::none())
            // The bot is local; a proxy from the environment must not
            // stand between.
            .no_proxy()
            .build()?;
        Ok(Sender { http, timing })
    }

    async fn post(&self, job: &Job) -> Outcome {
        let mut request = self
            .http
            .post(&job.url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(job.body.clone());
        if let Some((name, secret)) = &job.secret {
            request = request.header(name.clone(), secret.as_str());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                // The answer is read so the connection can be used again;
                // what it says is not looked at.
                let _ = response.bytes().await;
                let acknowledged = match job.accepts {
                    Accepts::Success => status.is_success(),
                    Accepts::Ok => status == reqwest::StatusCode::OK,
                };
                if acknowledged {
                    Outcome::Acknowledged
                } else {
                    Outcome::Failed(format!(
                        "Wrong response from the webhook: {}",
                        status_text(status)
                    ))
                }
            }
            Err(error) => Outcome::Failed(error_text(&error)),
        }
    }
}

fn status_text(status: reqwest::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// A failed request in Telegram's words.
fn error_text(error: &reqwest::Error) -> String {
    let io_kind = {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        let mut kind = None;
        while let Some(current) = source {
            if let Some(io) = current.downcast_ref::<std::io::Error>() {
                kind = Some(io.kind());
            }
            source = current.source();
        }
        kind
    };
    let text = format!("{error:?}").to_ascii_lowercase();
    if error.is_timeout() {
        if error.is_connect() {
            "Connection timed out".to_owned()
        } else {
            "Read timeout expired".to_owned()
        }
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
        "Connection refused".to_owned()
    } else if text.contains("dns error") || text.contains("failed to lookup") {
        "Failed to resolve host: Name or service not known".to_owned()
    } else if text.contains("certificate") || text.contains("tls") {
        "SSL error: certificate verify failed".to_owned()
    } else if matches!(
        io_kind,
        Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof)
    ) || text.contains("connection closed")
        || text.contains("incomplete message")
    {
        "Connection reset by peer".to_owned()
    } else {
        format!("Connection failed: {error}")
    }
}

/// The dispatcher: runs until the sandbox shuts down (requests in flight
/// are then dropped; their updates stay pending).
pub(crate) async fn run<S: Side>(app: AppState, timing: Timing) {
    let sender = match Sender::new(timing) {
        Ok(sender) => Arc::new(sender),
        Err(error) => {
            tracing::error!(%error, side = S::NAME, "cannot build the webhook client");
            return;
        }
    };
    let mut running: JoinSet<Outcome> = JoinSet::new();
    // What each request in flight was, by its task.
    let mut jobs: HashMap<tokio::task::Id, (i64, Lane)> = HashMap::new();
    loop {
        let (mut changed, retry_at) = {
            let mut state = app.state.lock().await;
            // Subscribed before looking, under the lock: an update queued
            // after this look wakes the loop.
            let changed = S::signal(&state);
            let now = Instant::now();
            for job in S::pick(&mut state, now) {
                S::count(&mut state, None);
                let sender = sender.clone();
                let (id, lane) = (job.id, job.lane);
                let handle = running.spawn(async move { sender.post(&job).await });
                jobs.insert(handle.id(), (id, lane));
            }
            (changed, S::lanes(&mut state).next_retry(now))
        };
        tokio::select! {
            _ = changed.changed() => {}
            () = sleep_until(retry_at) => {}
            Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                let (task, outcome) = match done {
                    Ok((task, outcome)) => (task, outcome),
                    Err(error) => (error.id(), Outcome::Failed("Internal error".to_owned())),
                };
                let Some((id, lane)) = jobs.remove(&task) else { continue };
                let mut state = app.state.lock().await;
                S::count(&mut state, Some(&outcome));
                if outcome == Outcome::Acknowledged {
                    S::acknowledge(&mut state, id);
                } else if let Outcome::Failed(message) = &outcome {
                    tracing::debug!(side = S::NAME, id, message, "webhook delivery failed");
                }
                S::lanes(&mut state).finish(lane, &outcome, sender.timing);
            }
            () = app.shutdown.cancelled() => break,
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Whether `url` may be a webhook: `https://` anywhere, or, the sandbox
/// being local, `http://` to a loopback host. `Err` says which rule failed.
pub(crate) enum UrlProblem {
    NotHttps,
    /// A non-loopback host on a port the messenger does not call.
    Port,
}

pub(crate) fn check_url(url: &str, ports: &[u16]) -> Result<(), UrlProblem> {
    let parsed = reqwest::Url::parse(url).map_err(|_| UrlProblem::NotHttps)?;
    let Some(host) = parsed.host_str() else {
        return Err(UrlProblem::NotHttps);
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(UrlProblem::NotHttps),
    }
    if !loopback && !ports.contains(&parsed.port_or_known_default().unwrap_or(0)) {
        return Err(UrlProblem::Port);
    }
    Ok(())
}

/// Whether `secret` is made of `A-Z a-z 0-9 _ -` only (lengths are the
/// caller's: 1–256 on Telegram, 5–256 on Max).
pub(crate) fn secret_characters_ok(secret: &str) -> bool {
    secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_http_is_allowed_other_http_is_not() {
        let ok = |url| check_url(url, &[443]).is_ok();
        assert!(ok("http://127.0.0.1:8080/hook"));
        assert!(ok("http://localhost:1/hook"));
        assert!(ok("http://[::1]:9/hook"));
        assert!(ok("https://bot.example.org/hook"));
        assert!(!ok("http://bot.example.org/hook"));
        assert!(!ok("http://10.0.0.1/hook"));
        assert!(!ok("ftp://127.0.0.1/hook"));
        assert!(!ok("not a url"));
        assert!(matches!(
            check_url("https://bot.example.org:8080/hook", &[443]),
            Err(UrlProblem::Port)
        ));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_success_clears_it() {
        let timing = Timing {
            timeout: Duration::from_secs(1),
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_millis(300),
        };
        let mut lanes = Lanes::default();
        let lane = Lane::Chat(1);
        let failed = Outcome::Failed("Connection refused".into());
        let mut waits = Vec::new();
        for _ in 0..4 {
            lanes.take(lane);
            let before = Instant::now();
            lanes.finish(lane, &failed, timing);
            waits.push(lanes.backoff[&lane].1 - before);
        }
        let rounded: Vec<u128> = waits.iter().map(|w| w.as_millis() / 100 * 100).collect();
        assert_eq!(rounded, [100, 200, 300, 300]);
        assert!(!lanes.ready(lane, Instant::now()));
        assert_eq!(lanes.last_error.as_ref().unwrap().1, "Connection refused");
        lanes.take(lane);
        lanes.finish(lane, &Outcome::Acknowledged, timing);
        assert!(lanes.ready(lane, Instant::now()));
    }
}
