//! A thin client of the Max Bot API on the reqwest already in the tree
//! (the Max crate on crates.io brings a second TLS stack and another HTTP
//! framework): one typed method per endpoint the bot needs, the token in
//! the `Authorization` header (never in a URL, never logged), and every
//! refusal mapped to what delivery does about it ([`MaxErrorKind`]).
//!
//! The Max API is served with a certificate of the Russian national CA,
//! which is not among the webpki roots reqwest's rustls carries:
//! `MEDCAB_MAX_CA_FILE` adds it (one rustls, on ring, as the rest of the
//! tree).

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::types::{
    BotInfo, CallbackAnswer, Chat, Message, NewMessageBody, RawUpdateList, SenderAction,
    UploadType, Uploaded,
};

/// The contract's server (`servers` in openapi.json).
pub const DEFAULT_API_URL: &str = "https://platform-api2.max.ru";

/// A call that is not a long poll gives up after this long.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Uploads and downloads of files up to the bot's own document limit.
const FILE_TIMEOUT: Duration = Duration::from_secs(120);
/// A long poll's answer may come this much after its `timeout`.
const POLL_GRACE: Duration = Duration::from_secs(15);
/// When a 429 says no `Retry-After`, wait this long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What the client is built from: `MEDCAB_MAX_TOKEN`, `MEDCAB_MAX_API_URL`,
/// `MEDCAB_MAX_CA_FILE` (see `config::max_from_env`).
#[derive(Clone)]
pub struct MaxConfig {
    pub token: String,
    pub api_url: Url,
    /// A PEM (one or more certificates) or DER file of root certificates
    /// to trust besides the webpki roots.
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for MaxConfig {
    /// The token stays out of every log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxConfig")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url.as_str())
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// What delivery does about a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxErrorKind {
    /// The user stopped the bot (403 `chat.denied`): unreachable until
    /// they start it again.
    Blocked,
    /// No such chat or user (404 `chat.not.found`, or an unknown user).
    ChatNotFound,
    /// Something else is not there: a message, a callback (404).
    NotFound,
    /// Wait this long and try again.
    TooManyRequests { retry_after: Duration },
    /// An uploaded file is still being processed (`attachment.not.ready`):
    /// try again shortly.
    NotReady,
    /// The request is wrong (400, 405, …): retrying will not help.
    BadRequest,
    /// The token is wrong or revoked (401).
    Unauthorized,
    /// Max did not answer, or answered 5xx: try again later.
    Unavailable,
}

#[derive(Debug, thiserror::Error)]
#[error("Max API {call}: {kind:?} ({status}{code}{message})", status = .status.map_or("no answer".to_owned(), |s| s.to_string()), code = .code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(), message = .message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct MaxError {
    pub kind: MaxErrorKind,
    /// Method and path, e.g. `POST /messages` (no query: it names people).
    pub call: String,
    pub status: Option<u16>,
    /// Max's error key, e.g. `chat.denied`.
    pub code: Option<String>,
    pub message: Option<String>,
}

impl MaxError {
    fn unavailable(call: &str, error: reqwest::Error) -> Self {
        MaxError {
            kind: MaxErrorKind::Unavailable,
            call: call.to_owned(),
            status: None,
            code: None,
            // Without the URL: its query names a chat.
            message: Some(error.without_url().to_string()),
        }
    }
}

/// The kind of an error answer, from its status and Max's key.
pub fn kind_of(status: u16, code: Option<&str>, retry_after: Option<Duration>) -> MaxErrorKind {
    match (status, code) {
        (401, _) => MaxErrorKind::Unauthorized,
        (403, Some("access.denied")) => MaxErrorKind::BadRequest,
        (403, _) => MaxErrorKind::Blocked,
        (404, Some("chat.not.found")) => MaxErrorKind::ChatNotFound,
        (404, _) => MaxErrorKind::NotFound,
        (429, _) => MaxErrorKind::TooManyRequests {
            retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        },
        (_, Some("attachment.not.ready")) => MaxErrorKind::NotReady,
        (500..=599, _) => MaxErrorKind::Unavailable,
        _ => MaxErrorKind::BadRequest,
    }
}

/// Who a message goes to: a dialog or group by its chat id, or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    Chat(i64),
    User(i64),
}

#[derive(Clone)]
pub struct MaxClient {
    http: reqwest::Client,
    /// Without a trailing slash; paths are appended.
    base: String,
    token: String,
}

impl std::fmt::Debug for MaxClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot read MEDCAB_MAX_CA_FILE {path}: {error}")]
    CaFile {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("MEDCAB_MAX_CA_FILE {path} holds no certificate: {reason}")]
    Certificate { path: PathBuf, reason: String },
    #[error("cannot build the Max HTTP client: {0}")]
    Http(String),
}

impl MaxClient {
    pub fn new(config: &MaxConfig) -> Result<MaxClient, BuildError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("medcab/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_file {
            for certificate in read_certificates(path)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .build()
            .map_err(|error| BuildError::Http(error.to_string()))?;
        Ok(MaxClient {
            http,
            base: config.api_url.as_str().trim_end_matches('/').to_owned(),
            token: config.token.clone(),
        })
    }

    /// `GET /me`: the bot itself (a check of the token at start).
    pub async fn me(&self) -> Result<BotInfo, MaxError> {
        self.call(Method::GET, "/me", &[], None::<&()>, CALL_TIMEOUT)
            .await
    }

    /// `GET /updates`: waits up to `timeout` (at most 90 s) for updates
    /// after `marker`, which confirms everything before it. Pass the
    /// answer's marker next time; `None` goes on from where Max left off.
    /// Each update comes as it was sent (the inbox stores it so, and reads
    /// it with [`crate::max::types::Update`] when it is handled).
    pub async fn updates(
        &self,
        marker: Option<i64>,
        limit: u16,
        timeout: Duration,
        types: &[&str],
    ) -> Result<RawUpdateList, MaxError> {
        let timeout = timeout.min(Duration::from_secs(90));
        let mut query = vec![
            ("limit", limit.clamp(1, 1000).to_string()),
            ("timeout", timeout.as_secs().to_string()),
        ];
        if let Some(marker) = marker {
            query.push(("marker", marker.to_string()));
        }
        if !types.is_empty() {
            query.push(("types", types.join(",")));
        }
        self.call(
            Method::GET,
            "/updates",
            &query,
            None::<&()>,
            timeout + POLL_GRACE,
        )
        .await
    }

    /// `POST /subscriptions`: Max posts the `types` of update to `url`
    /// with `secret` in `X-Max-Bot-Api-Secret` (and stops answering
    /// `GET /updates`).
    pub async fn subscribe(&self, url: &str, secret: &str, types: &[&str]) -> Result<(), MaxError> {
        #[derive(Serialize)]
        struct Subscription<'a> {
            url: &'a str,
            update_types: &'a [&'a str],
            secret: &'a str,
        }
        let body = Subscription {
            url,
            update_types: types,
            secret,
        };
        self.simple(Method::POST, "/subscriptions", &[], Some(&body))
            .await
    }

    /// `POST /messages`: the message as sent.
    pub async fn send_message(&self, to: To, body: &NewMessageBody) -> Result<Message, MaxError> {
        #[derive(serde::Deserialize)]
        struct Sent {
            message: Message,
        }
        let query = match to {
            To::Chat(id) => [("chat_id", id.to_string())],
            To::User(id) => [("user_id", id.to_string())],
        };
        let sent: Sent = self
            .call(Method::POST, "/messages", &query, Some(body), CALL_TIMEOUT)
            .await?;
        Ok(sent.message)
    }

    /// `PUT /messages`: replaces the text and, when `body.attachments` is
    /// set, the attachments (an empty list removes them).
    pub async fn edit_message(&self, mid: &str, body: &NewMessageBody) -> Result<(), MaxError> {
        let query = [("message_id", mid.to_owned())];
        self.simple(Method::PUT, "/messages", &query, Some(body))
            .await
    }

    /// `DELETE /messages`.
    pub async fn delete_message(&self, mid: &str) -> Result<(), MaxError> {
        let query = [("message_id", mid.to_owned())];
        self.simple(Method::DELETE, "/messages", &query, None::<&()>)
            .await
    }

    /// `POST /answers`: answers a pressed button (every press is answered).
    pub async fn answer_callback(
        &self,
        callback_id: &str,
        answer: &CallbackAnswer,
    ) -> Result<(), MaxError> {
        let query = [("callback_id", callback_id.to_owned())];
        self.simple(Method::POST, "/answers", &query, Some(answer))
            .await
    }

    /// `GET /chats/{chatId}`.
    pub async fn chat(&self, chat_id: i64) -> Result<Chat, MaxError> {
        self.call(
            Method::GET,
            &format!("/chats/{chat_id}"),
            &[],
            None::<&()>,
            CALL_TIMEOUT,
        )
        .await
    }

    /// `POST /chats/{chatId}/actions`: "typing…" and the like.
    pub async fn send_action(&self, chat_id: i64, action: SenderAction) -> Result<(), MaxError> {
        #[derive(Serialize)]
        struct Body {
            action: SenderAction,
        }
        self.simple(
            Method::POST,
            &format!("/chats/{chat_id}/actions"),
            &[],
            Some(&Body { action }),
        )
        .await
    }

    /// `POST /uploads?type=` and the upload itself: a token to attach
    /// (`Uploaded::attachment`). Max may still be processing the file when
    /// it is first sent: that send fails with [`MaxErrorKind::NotReady`].
    pub async fn upload(
        &self,
        kind: UploadType,
        file_name: &str,
        mime_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Uploaded, MaxError> {
        #[derive(serde::Deserialize)]
        struct Endpoint {
            url: String,
            #[serde(default)]
            token: Option<String>,
        }
        let endpoint: Endpoint = self
            .call(
                Method::POST,
                "/uploads",
                &[("type", kind.as_str().to_owned())],
                None::<&()>,
                CALL_TIMEOUT,
            )
            .await?;
        let call = "POST <upload url>";
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(mime_type)
            .map_err(|error| MaxError {
                kind: MaxErrorKind::BadRequest,
                call: call.to_owned(),
                status: None,
                code: None,
                message: Some(format!("bad MIME type: {error}")),
            })?;
        let request = self
            .http
            // No token: the URL is signed, and its host is Max's file
            // store, not the API.
            .post(&endpoint.url)
            .multipart(reqwest::multipart::Form::new().part("data", part))
            .timeout(FILE_TIMEOUT);
        let answer: Value = read_answer(call, request.send().await).await?;
        // A file's token comes from the upload, an image's inside
        // `photos`; the endpoint's own (video, audio) otherwise.
        let token = answer["token"]
            .as_str()
            .or_else(|| {
                answer["photos"]
                    .as_object()
                    .and_then(|photos| photos.values().next())
                    .and_then(|photo| photo["token"].as_str())
            })
            .map(str::to_owned)
            .or(endpoint.token)
            .ok_or_else(|| MaxError {
                kind: MaxErrorKind::Unavailable,
                call: call.to_owned(),
                status: Some(200),
                code: None,
                message: Some("the upload answered no token".to_owned()),
            })?;
        Ok(Uploaded { kind, token })
    }

    /// The bytes of a file a user sent (its attachment's `payload.url`).
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, MaxError> {
        let call = "GET <file url>";
        let response = self
            .http
            .get(url)
            .timeout(FILE_TIMEOUT)
            .send()
            .await
            .map_err(|error| MaxError::unavailable(call, error))?;
        let status = response.status();
        if !status.is_success() {
            return Err(error_answer(call, response).await);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|error| MaxError::unavailable(call, error))?;
        Ok(bytes.to_vec())
    }

    /// A call answering `{"success": true}`; `false` is a refusal too.
    async fn simple<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<(), MaxError> {
        let call = format!("{method} {path}");
        let answer: Value = self.call(method, path, query, body, CALL_TIMEOUT).await?;
        if answer["success"] == false {
            return Err(MaxError {
                kind: MaxErrorKind::BadRequest,
                call,
                status: Some(200),
                code: None,
                message: answer["message"].as_str().map(str::to_owned),
            });
        }
        Ok(())
    }

    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        timeout: Duration,
    ) -> Result<T, MaxError> {
        let call = format!("{method} {path}");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::AUTHORIZATION, &self.token)
            .query(query)
            .timeout(timeout);
        if let Some(body) = body {
            request = request.json(body);
        }
        read_answer(&call, request.send().await).await
    }
}

async fn read_answer<T: DeserializeOwned>(
    call: &str,
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, MaxError> {
    let response = sent.map_err(|error| MaxError::unavailable(call, error))?;
    if !response.status().is_success() {
        return Err(error_answer(call, response).await);
    }
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|error| MaxError::unavailable(call, error))?;
    serde_json::from_str(&text).map_err(|error| MaxError {
        kind: MaxErrorKind::Unavailable,
        call: call.to_owned(),
        status: Some(status),
        code: None,
        message: Some(format!("unexpected answer: {error}")),
    })
}

/// A refusal: Max's `{code, message}` and, with a 429, `Retry-After`.
async fn error_answer(call: &str, response: reqwest::Response) -> MaxError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = body["code"].as_str().map(str::to_owned);
    let message = body["message"].as_str().map(str::to_owned);
    let kind = if status == StatusCode::NOT_FOUND && call == "POST /messages" {
        // A send to an unknown user is a chat that is not there either.
        MaxErrorKind::ChatNotFound
    } else {
        kind_of(status.as_u16(), code.as_deref(), retry_after)
    };
    MaxError {
        kind,
        call: call.to_owned(),
        status: Some(status.as_u16()),
        code,
        message,
    }
}

fn read_certificates(path: &PathBuf) -> Result<Vec<reqwest::Certificate>, BuildError> {
    let bytes = std::fs::read(path).map_err(|error| BuildError::CaFile {
        path: path.clone(),
        error,
    })?;
    let invalid = |reason: String| BuildError::Certificate {
        path: path.clone(),
        reason,
    };
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let certificates =
            reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| invalid(e.to_string()))?;
        if certificates.is_empty() {
            return Err(invalid("no PEM certificate in it".to_owned()));
        }
        Ok(certificates)
    } else {
        reqwest::Certificate::from_der(&bytes)
            .map(|certificate| vec![certificate])
            .map_err(|e| invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_what_delivery_does() {
        assert_eq!(
            kind_of(403, Some("chat.denied"), None),
            MaxErrorKind::Blocked
        );
        assert_eq!(
            kind_of(403, Some("access.denied"), None),
            MaxErrorKind::BadRequest
        );
        assert_eq!(
            kind_of(404, Some("chat.not.found"), None),
            MaxErrorKind::ChatNotFound
        );
        assert_eq!(
            kind_of(404, Some("not.found"), None),
            MaxErrorKind::NotFound
        );
        assert_eq!(
            kind_of(429, None, Some(Duration::from_secs(3))),
            MaxErrorKind::TooManyRequests {
                retry_after: Duration::from_secs(3)
            }
        );
        assert_eq!(
            kind_of(429, None, None),
            MaxErrorKind::TooManyRequests {
                retry_after: DEFAULT_RETRY_AFTER
            }
        );
        assert_eq!(
            kind_of(400, Some("attachment.not.ready"), None),
            MaxErrorKind::NotReady
        );
        assert_eq!(
            kind_of(400, Some("proto.payload"), None),
            MaxErrorKind::BadRequest
        );
        assert_eq!(
            kind_of(401, Some("verify.token"), None),
            MaxErrorKind::Unauthorized
        );
        assert_eq!(kind_of(503, None, None), MaxErrorKind::Unavailable);
    }

    #[test]
    fn the_token_is_never_in_debug_output() {
        let config = MaxConfig {
            token: "secret-token-123".into(),
            api_url: Url::parse(DEFAULT_API_URL).unwrap(),
            ca_file: None,
        };
        let client = MaxClient::new(&config).unwrap();
        assert!(!format!("{config:?}{client:?}").contains("secret-token-123"));
    }
}
