//! A local emulator of the Telegram Bot API for medcab's tests, benchmarks
//! and demos: the real teloxide `Bot` talks to it through
//! `TELOXIDE_API_URL`, and a control API acts as the users. See the
//! package README for the HTTP contract.

mod bot_api;
mod client;
mod control;
mod delivery;
mod error;
mod files;
mod host_check;
mod html;
mod limits;
mod max;
mod methods;
mod params;
mod persistence;
mod spec;
mod state;
mod stats;
mod telegram;
mod view;
mod web;
mod webhook;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use client::Client;
pub use view::{
    BotCommand, CallbackAnswer, Chat, ChatMessage, Contact, CreatedUsers, Document, FileKind, From,
    Injected, Injection, InlineButton, InlineKeyboard, KeyboardButton, MaxInjection, MaxSent,
    MaxSettings, MaxUser, NewUser, NewUsers, Photo, PressButton, Pressed, RefusedCall,
    ReplyKeyboard, Sent, Settings, ShareContact, StartBot, Stats, UploadFile, Uploaded, User,
    WebhookStats,
};

use state::{AppState, BotIdentity, Shared, State};

/// Telegram's limit for files a bot uploads, with room for the multipart
/// envelope.
const MAX_REQUEST_BYTES: usize = 52 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The token the bot must use, `<bot id>:<secret>` like a real one.
    pub bot_token: String,
    pub bot_username: String,
    pub bot_first_name: String,
    /// Enforce Telegram's send limits from the start (see the README).
    pub enforce_limits: bool,
    /// The token the bot must send to the Max API (`Authorization`).
    pub max_bot_token: String,
    /// The Max bot's user id (Max ids are not Telegram's).
    pub max_bot_id: i64,
    /// Enforce Max's request limit from the start (see the README).
    pub max_enforce_limits: bool,
    /// Where users and their chats are kept across restarts (read at
    /// start, written while running and at shutdown); `None`: in memory.
    pub state_file: Option<std::path::PathBuf>,
    /// A webhook request's time limit, connecting to answering (Telegram
    /// and Max alike); past it the update stays pending and is retried.
    pub webhook_timeout: Duration,
    /// The wait before retrying a chat's update after a failed webhook
    /// request; it doubles with each failure in a row…
    pub webhook_retry_min: Duration,
    /// …up to this.
    pub webhook_retry_max: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            bot_token: "123456789:AAE-sandbox-token-medcab-0000000000000".to_owned(),
            bot_username: "medcab_bot".to_owned(),
            bot_first_name: "MedCab".to_owned(),
            enforce_limits: false,
            max_bot_token: "max-sandbox-token-medcab-00000000000000000000".to_owned(),
            max_bot_id: 9_000_000_001,
            max_enforce_limits: false,
            state_file: None,
            webhook_timeout: Duration::from_secs(5),
            webhook_retry_min: Duration::from_millis(100),
            webhook_retry_max: Duration::from_secs(3),
        }
    }
}

/// A running sandbox. Dropping it stops the server too, without waiting.
pub struct Sandbox {
    addr: SocketAddr,
    shared: AppState,
    server: JoinHandle<std::io::Result<()>>,
    /// Writes the state file, when there is one.
    saver: Option<JoinHandle<()>>,
    /// Push updates to the webhooks (Telegram's, Max's subscription).
    pushers: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds `config.addr` and serves in a background task.
    pub async fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let bot_id = config
            .bot_token
            .split_once(':')
            .and_then(|(id, _)| id.parse::<i64>().ok())
            .context("bot_token must look like a Telegram token: <bot id>:<secret>")?;
        let mut state = State::default();
        state.enforce_limits = config.enforce_limits;
        state.max.enforce_limits = config.max_enforce_limits;
        if let Some(path) = &config.state_file {
            persistence::load(path, &mut state)?;
        }
        let shared = Arc::new(Shared {
            bot: BotIdentity {
                id: bot_id,
                token: config.bot_token,
                username: config.bot_username.clone(),
                first_name: config.bot_first_name.clone(),
            },
            max_bot: max::shapes::MaxBot {
                id: config.max_bot_id,
                token: config.max_bot_token,
                username: config.bot_username.clone(),
                name: config.bot_first_name,
            },
            state: Mutex::new(state),
            shutdown: CancellationToken::new(),
        });
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("binding the sandbox to {}", config.addr))?;
        let addr = listener.local_addr()?;
        let router = router(shared.clone());
        let stop = shared.shutdown.clone().cancelled_owned();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(stop)
                .await
        });
        let saver = config
            .state_file
            .map(|path| tokio::spawn(persistence::keep_saved(shared.clone(), path)));
        let timing = delivery::Timing {
            timeout: config.webhook_timeout,
            retry_min: config.webhook_retry_min,
            retry_max: config.webhook_retry_max.max(config.webhook_retry_min),
        };
        let pushers = vec![
            tokio::spawn(delivery::run::<webhook::Telegram>(shared.clone(), timing)),
            tokio::spawn(delivery::run::<max::webhook::Max>(shared.clone(), timing)),
        ];
        tracing::debug!(%addr, "Telegram sandbox listening");
        Ok(Sandbox {
            addr,
            shared,
            server,
            saver,
            pushers,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of everything: the web chat, `/control/…` and the Bot API.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What to give teloxide (`Bot::set_api_url` or `TELOXIDE_API_URL`): it
    /// appends `/bot<token>/<Method>` and `/file/bot<token>/<path>` itself.
    pub fn api_url(&self) -> String {
        self.url()
    }

    /// The token the bot must use.
    pub fn token(&self) -> &str {
        &self.shared.bot.token
    }

    /// What to give the bot's Max client (`MEDCAB_MAX_API_URL`): the Max
    /// API's paths (`/me`, `/messages`, …) follow it.
    pub fn max_api_url(&self) -> String {
        format!("{}/max", self.url())
    }

    /// The token the bot must send to the Max API.
    pub fn max_token(&self) -> &str {
        &self.shared.max_bot.token
    }

    /// The Max bot's user id.
    pub fn max_bot_id(&self) -> i64 {
        self.shared.max_bot.id
    }

    /// A control API client for this sandbox.
    pub fn client(&self) -> Client {
        Client::new(self.url())
    }

    /// Stops accepting requests, ends long polls and waits for the server to
    /// finish the requests in flight.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.cancel();
        match (&mut self.server).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "the sandbox server failed"),
            Err(error) => tracing::error!(%error, "the sandbox server task failed"),
        }
        for pusher in self.pushers.drain(..) {
            let _ = pusher.await;
        }
        // The last changes reach the state file before this returns.
        if let Some(saver) = self.saver.take() {
            let _ = saver.await;
        }
    }

    /// The users there are, oldest first (to name one in a hint).
    pub async fn users(&self) -> Vec<User> {
        self.shared
            .state
            .lock()
            .await
            .users
            .values()
            .map(|entry| entry.user.clone())
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}

fn router(shared: AppState) -> Router {
    Router::new()
        .merge(web::router())
        .nest("/control", control::router())
        .fallback(bot_api::handle)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(axum::middleware::from_fn(host_check::local_names_only))
        .with_state(shared)
}
