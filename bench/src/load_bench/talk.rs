//! One simulated person at the sandbox's chat: does something (types a
//! text, presses a button) and waits until the chat shows the answer it
//! expects, as someone looking at the phone would. How long that took is
//! the step's latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use medcab_sandbox::{Chat, Client, PressButton};
use tokio::sync::Semaphore;

/// How long a step may take before it counts as unanswered.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages of the chat's end the sandbox sends back on each look: the
/// answer is among the newest.
const TAIL: usize = 4;

pub enum Action<'a> {
    Text(&'a str),
    Press(&'a str),
}

/// A step that did not end on an expected screen.
#[derive(Debug)]
pub enum Failure {
    /// The sandbox refused the action (no such button, say).
    Refused(String),
    /// Nothing expected came in [`STEP_TIMEOUT`]; the newest answer.
    Unanswered(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused(why) => write!(f, "refused: {why}"),
            Failure::Unanswered(last) => write!(f, "unanswered; the newest answer: {last:?}"),
        }
    }
}

pub struct Talker {
    client: Client,
    pub id: i64,
    /// The chat's version last seen: the next look waits for a newer one.
    since: u64,
    /// A person's pace: the least time from one step to the next (a
    /// person reads the answer before tapping again; the bot's flood guard
    /// lets a person make two steps a second, not a hundred).
    pace: Duration,
    next_step: Instant,
}

impl Talker {
    pub fn new(client: Client, id: i64) -> Talker {
        Talker::paced(client, id, Duration::ZERO)
    }

    pub fn paced(client: Client, id: i64, pace: Duration) -> Talker {
        Talker {
            client,
            id,
            since: 0,
            pace,
            next_step: Instant::now(),
        }
    }

    /// Until this person takes the next step.
    async fn ready(&mut self) {
        tokio::time::sleep_until(self.next_step.into()).await;
        self.next_step = Instant::now() + self.pace;
    }

    /// Does `action` and waits for the newest message of the bot to start
    /// with one of `expected` (for a text, a message sent after it);
    /// returns which one.
    pub async fn step(&mut self, action: Action<'_>, expected: &[&str]) -> Result<usize, Failure> {
        let after = match action {
            Action::Text(text) => {
                let sent = self
                    .client
                    .send_text(self.id, text)
                    .await
                    .map_err(|error| Failure::Refused(format!("{error:#}")))?;
                Some(sent.message_id)
            }
            Action::Press(label) => {
                self.client
                    .press(
                        self.id,
                        PressButton {
                            text: Some(label.to_owned()),
                            ..PressButton::default()
                        },
                    )
                    .await
                    .map_err(|error| Failure::Refused(format!("{label}: {error:#}")))?;
                None
            }
        };
        let deadline = Instant::now() + STEP_TIMEOUT;
        let mut newest = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Failure::Unanswered(newest));
            }
            let chat = self
                .client
                .chat_tail_since(self.id, self.since, left, TAIL)
                .await
                .map_err(|error| Failure::Refused(format!("{error:#}")))?;
            self.since = chat.version;
            if let Some((body, id)) = newest_answer(&chat) {
                if after.is_none_or(|sent| id > sent)
                    && let Some(which) = expected.iter().position(|p| body.starts_with(p))
                {
                    return Ok(which);
                }
                newest = body.to_owned();
            }
        }
    }
}

fn newest_answer(chat: &Chat) -> Option<(&str, i64)> {
    chat.bot_messages()
        .last()
        .map(|message| (message.body(), message.message_id))
}

/// What one simulated person's steps came to.
#[derive(Default)]
pub struct Tally {
    pub latencies: Vec<Duration>,
    pub failures: Vec<Failure>,
}

impl Tally {
    /// [`Talker::step`], paced and timed.
    pub async fn step(
        &mut self,
        talker: &mut Talker,
        pacer: Option<&Pacer>,
        action: Action<'_>,
        expected: &[&str],
    ) -> Option<usize> {
        talker.ready().await;
        if let Some(pacer) = pacer {
            pacer.wait().await;
        }
        let started = Instant::now();
        match talker.step(action, expected).await {
            Ok(which) => {
                self.latencies.push(started.elapsed());
                Some(which)
            }
            Err(failure) => {
                self.failures.push(failure);
                None
            }
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.failures.extend(other.failures);
    }
}

/// An open loop: steps start at a fixed rate, whatever the bot's answers
/// take (as long as enough people are free to take the next one), so the
/// latency is measured at that load and not at the bot's own pace.
pub struct Pacer {
    permits: Arc<Semaphore>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Pacer {
    pub fn start(per_second: f64) -> Pacer {
        let permits = Arc::new(Semaphore::new(0));
        let adding = permits.clone();
        let ticker = tokio::spawn(async move {
            const TICK: Duration = Duration::from_millis(5);
            let mut interval = tokio::time::interval(TICK);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let every = Duration::from_secs_f64(1.0 / per_second.max(0.001))
                .as_nanos()
                .max(1);
            let started = Instant::now();
            let mut given = 0_u64;
            loop {
                interval.tick().await;
                let due = u64::try_from(started.elapsed().as_nanos() / every).unwrap_or(u64::MAX);
                // Steps nobody was free to take are not saved up into a burst.
                let waiting = adding.available_permits() as u64;
                let add = due.saturating_sub(given);
                given = due;
                if waiting < 50 {
                    adding.add_permits(usize::try_from(add).unwrap_or(usize::MAX));
                }
            }
        });
        Pacer { permits, ticker }
    }

    async fn wait(&self) {
        if let Ok(permit) = self.permits.acquire().await {
            permit.forget();
        }
    }
}

impl Drop for Pacer {
    fn drop(&mut self) {
        self.ticker.abort();
    }
}
