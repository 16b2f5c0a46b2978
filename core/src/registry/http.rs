//! The register asked online (`MEDCAB_REGISTRY_URL`):
//! `GET {base}/practitioners/{11 digits}`, JSON as in docs/registry.md.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::{Field, RegistryEntry, RegistryError, parse_entry};
use crate::csv_file::Column as _;
use crate::domain::Snils;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Pauses before the second and the third attempt. A register that is
/// still down after half a second is reported unavailable: a user is
/// waiting in the chat.
const BACKOFF: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(300)];

/// A client of the register's HTTP API.
#[derive(Clone)]
pub struct HttpRegistry {
    base_url: Url,
    token: Option<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    backoff: Arc<[Duration]>,
    /// Built from the settings above by [`HttpRegistry::rebuild`]. An error
    /// (an unusable token) is kept and reported by every `find`, so the
    /// constructors stay infallible and nothing panics.
    client: Result<reqwest::Client, Arc<str>>,
}

impl fmt::Debug for HttpRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRegistry")
            .field("base_url", &self.base_url.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

/// One entry as the register's JSON carries it. Every field is read as
/// optional text and parsed by the same rules as the CSV import, so a
/// missing field is reported by name instead of as a serde error. Unknown
/// keys are ignored: the register may add fields.
#[derive(Deserialize)]
struct WireEntry {
    snils: Option<String>,
    full_name: Option<String>,
    birth_date: Option<String>,
    phone: Option<String>,
    specialty: Option<String>,
    position: Option<String>,
    organisation: Option<String>,
    region: Option<String>,
    accreditation_number: Option<String>,
    accreditation_valid_until: Option<String>,
    organisation_inn: Option<String>,
    organisation_ogrn: Option<String>,
}

impl WireEntry {
    fn get(&self, field: Field) -> Option<&str> {
        match field {
            Field::Snils => self.snils.as_deref(),
            Field::FullName => self.full_name.as_deref(),
            Field::BirthDate => self.birth_date.as_deref(),
            Field::Phone => self.phone.as_deref(),
            Field::Specialty => self.specialty.as_deref(),
            Field::Position => self.position.as_deref(),
            Field::Organisation => self.organisation.as_deref(),
            Field::Region => self.region.as_deref(),
            Field::AccreditationNumber => self.accreditation_number.as_deref(),
            Field::AccreditationValidUntil => self.accreditation_valid_until.as_deref(),
            Field::OrganisationInn => self.organisation_inn.as_deref(),
            Field::OrganisationOgrn => self.organisation_ogrn.as_deref(),
        }
    }
}

/// What one attempt came to.
enum Attempt {
    /// Boxed: an entry is some hundreds of bytes, a retry's reason a few.
    Done(Box<Result<Option<RegistryEntry>, RegistryError>>),
    /// Worth another try (a timeout, no connection, 5xx, 429), and why.
    Retry(String),
}

impl HttpRegistry {
    /// The register at `base_url` (`https://registry.example/api/v1`), with
    /// a 3 s connect and 5 s read timeout and three attempts per lookup.
    pub fn new(base_url: Url) -> HttpRegistry {
        HttpRegistry {
            base_url,
            token: None,
            connect_timeout: CONNECT_TIMEOUT,
            read_timeout: READ_TIMEOUT,
            backoff: BACKOFF.into(),
            client: Err("not built yet".into()),
        }
        .rebuild()
    }

    /// Sends `Authorization: Bearer {token}` (`MEDCAB_REGISTRY_TOKEN`).
    pub fn with_token(mut self, token: impl Into<String>) -> HttpRegistry {
        self.token = Some(token.into());
        self.rebuild()
    }

    /// Overrides the timeouts (tests use milliseconds).
    pub fn with_timeouts(mut self, connect: Duration, read: Duration) -> HttpRegistry {
        self.connect_timeout = connect;
        self.read_timeout = read;
        self.rebuild()
    }

    /// The pauses between attempts; there is one attempt more than pauses.
    pub fn with_backoff(mut self, pauses: impl Into<Vec<Duration>>) -> HttpRegistry {
        self.backoff = pauses.into().into();
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    fn rebuild(mut self) -> HttpRegistry {
        self.client = self.build_client().map_err(Arc::from);
        self
    }

    fn build_client(&self) -> Result<reqwest::Client, String> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(token) = &self.token {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                .map_err(|_| "MEDCAB_REGISTRY_TOKEN has characters a header cannot carry")?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("medcab/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.connect_timeout)
            // The read timeout restarts with every read; the total bounds a
            // register that trickles its answer byte by byte.
            .read_timeout(self.read_timeout)
            .timeout(self.connect_timeout + self.read_timeout)
            .build()
            .map_err(|error| format!("cannot set up the HTTP client: {error}"))
    }

    /// `{base}/practitioners/{digits}`, whether or not the base ends in '/'.
    fn url_for(&self, snils: &Snils) -> Result<Url, RegistryError> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                RegistryError::Unavailable(format!(
                    "MEDCAB_REGISTRY_URL {} cannot have a path",
                    self.base_url
                ))
            })?
            .pop_if_empty()
            .extend(["practitioners", snils.digits()]);
        Ok(url)
    }

    /// The practitioner with this СНИЛС; `None` on 404.
    pub async fn find(&self, snils: &Snils) -> Result<Option<RegistryEntry>, RegistryError> {
        let client = self
            .client
            .as_ref()
            .map_err(|problem| RegistryError::Unavailable(problem.to_string()))?;
        let url = self.url_for(snils)?;
        let mut pauses = self.backoff.iter();
        let mut attempts = 1;
        loop {
            let problem = match self.attempt(client, &url, snils).await {
                Attempt::Done(result) => return *result,
                Attempt::Retry(problem) => problem,
            };
            let Some(pause) = pauses.next() else {
                return Err(RegistryError::Unavailable(format!(
                    "{problem} ({attempts} attempts)"
                )));
            };
            // No URL in the log: it carries the СНИЛС.
            tracing::warn!(attempt = attempts, %problem, "the register did not answer; retrying");
            tokio::time::sleep(*pause).await;
            attempts += 1;
        }
    }

    async fn attempt(&self, client: &reqwest::Client, url: &Url, snils: &Snils) -> Attempt {
        let response = match client.get(url.clone()).send().await {
            Ok(response) => response,
            Err(error) => return Attempt::Retry(describe(error)),
        };
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Attempt::Done(Box::new(Ok(None)));
        }
        if status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
        {
            return Attempt::Retry(format!("the register answered {status}"));
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Attempt::Done(Box::new(Err(RegistryError::Unavailable(format!(
                "the register refused access ({status}): check MEDCAB_REGISTRY_TOKEN"
            )))));
        }
        if !status.is_success() {
            return Attempt::Done(Box::new(Err(RegistryError::Unavailable(format!(
                "the register answered {status}"
            )))));
        }
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return Attempt::Retry(describe(error)),
        };
        Attempt::Done(Box::new(parse_body(&body, snils).map(Some)))
    }
}

fn describe(error: reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "the register did not answer in time"
    } else if error.is_connect() {
        "cannot connect to the register"
    } else {
        "the request to the register failed"
    };
    // reqwest's message names the URL, and the URL holds the СНИЛС.
    format!("{what}: {}", error.without_url())
}

pub fn parse_body(body: &[u8], snils: &Snils) -> Result<RegistryEntry, RegistryError> {
    let wire: WireEntry = serde_json::from_slice(body)
        .map_err(|error| RegistryError::Corrupt(format!("not a JSON entry: {error}")))?;
    let entry = parse_entry(|field| wire.get(field)).map_err(|error| {
        RegistryError::Corrupt(format!("{}: {}", error.field.name(), error.problem))
    })?;
    if entry.snils.digits() != snils.digits() {
        return Err(RegistryError::Corrupt(
            "the register answered with another СНИЛС".into(),
        ));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;

    const SNILS: &str = "112-233-445 95";

    fn snils() -> Snils {
        Snils::parse(SNILS).unwrap()
    }

    fn body() -> serde_json::Value {
        json!({
            "snils": "11223344595",
            "full_name": "Иванова Анна Сергеевна",
            "birth_date": "1985-03-14",
            "phone": "+79991234567",
            "specialty": "Терапия",
            "position": "Врач-терапевт участковый",
            "organisation": "ГБУЗ ГП № 5",
            "region": "Москва",
            "accreditation_number": "7724 031234567",
            "accreditation_valid_until": "2028-06-30",
            "added_later": "ignored"
        })
    }

    /// A register on 127.0.0.1 that answers with `respond(attempt number,
    /// digits, headers)`; returns its base URL and the attempts counter.
    async fn register<F>(respond: F) -> (Url, Arc<AtomicUsize>)
    where
        F: Fn(usize, String, HeaderMap) -> Response + Clone + Send + Sync + 'static,
    {
        let attempts = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route(
                "/api/practitioners/{snils}",
                get(
                    |State((attempts, respond)): State<(Arc<AtomicUsize>, F)>,
                     Path(digits): Path<String>,
                     headers: HeaderMap| async move {
                        let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
                        respond(n, digits, headers)
                    },
                ),
            )
            .with_state((attempts.clone(), respond));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (Url::parse(&format!("http://{addr}/api")).unwrap(), attempts)
    }

    /// Short timeouts and pauses so the failing cases take milliseconds.
    fn client(url: Url) -> HttpRegistry {
        HttpRegistry::new(url)
            .with_timeouts(Duration::from_millis(500), Duration::from_millis(300))
            .with_backoff([Duration::from_millis(10), Duration::from_millis(30)])
    }

    #[tokio::test]
    async fn a_known_practitioner_is_parsed_with_the_token_sent() {
        let (url, attempts) = register(|_, digits, headers| {
            assert_eq!(digits, "11223344595");
            assert_eq!(headers["accept"], "application/json");
            if headers.get("authorization").map(|v| v.as_bytes()) != Some(b"Bearer s3cret") {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            axum::Json(body()).into_response()
        })
        .await;
        let entry = client(url)
            .with_token("s3cret")
            .find(&snils())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.snils.digits(), "11223344595");
        assert_eq!(entry.full_name, "Иванова Анна Сергеевна");
        assert_eq!(
            entry.birth_date,
            NaiveDate::from_ymd_opt(1985, 3, 14).unwrap()
        );
        assert_eq!(entry.phone.as_ref().unwrap().e164(), "+79991234567");
        assert_eq!(entry.position, "Врач-терапевт участковый");
        assert_eq!(
            entry.accreditation_number.as_deref(),
            Some("7724 031234567")
        );
        assert_eq!(
            entry.accreditation_valid_until,
            NaiveDate::from_ymd_opt(2028, 6, 30)
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_wrong_token_is_unavailable_without_retrying() {
        let (url, attempts) = register(|_, _, _| StatusCode::UNAUTHORIZED.into_response()).await;
        let error = client(url)
            .with_token("wrong")
            .find(&snils())
            .await
            .unwrap_err();
        assert!(
            matches!(&error, RegistryError::Unavailable(m) if m.contains("MEDCAB_REGISTRY_TOKEN")),
            "{error}"
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_unknown_practitioner_is_none() {
        let (url, attempts) = register(|_, _, _| StatusCode::NOT_FOUND.into_response()).await;
        assert!(client(url).find(&snils()).await.unwrap().is_none());
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "404 is an answer");
    }

    #[tokio::test]
    async fn a_server_error_is_retried() {
        let (url, attempts) = register(|n, _, _| {
            if n == 1 {
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            } else {
                axum::Json(body()).into_response()
            }
        })
        .await;
        let entry = client(url).find(&snils()).await.unwrap().unwrap();
        assert_eq!(entry.region, "Москва");
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_register_that_keeps_failing_is_unavailable_after_three_attempts() {
        let (url, attempts) =
            register(|_, _, _| StatusCode::SERVICE_UNAVAILABLE.into_response()).await;
        let error = client(url).find(&snils()).await.unwrap_err();
        assert!(
            matches!(&error, RegistryError::Unavailable(m) if m.contains("503")),
            "{error}"
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_register_too_slow_to_answer_is_unavailable() {
        let attempts = Arc::new(AtomicUsize::new(0));
        let counter = attempts.clone();
        let app = Router::new().route(
            "/practitioners/{snils}",
            get(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    axum::Json(body())
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });

        let started = std::time::Instant::now();
        let url = Url::parse(&format!("http://{addr}/")).unwrap();
        let error = client(url).find(&snils()).await.unwrap_err();
        assert!(
            matches!(&error, RegistryError::Unavailable(m) if m.contains("in time")),
            "{error}"
        );
        assert!(
            !error.to_string().contains("11223344595"),
            "no СНИЛС in errors: {error}"
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 3);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn no_register_listening_is_unavailable() {
        // A port that was free a moment ago: connections are refused.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let url = Url::parse(&format!("http://{addr}")).unwrap();
        let error = client(url).find(&snils()).await.unwrap_err();
        assert!(
            matches!(&error, RegistryError::Unavailable(m) if m.contains("cannot connect")),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_answer_that_does_not_parse_is_corrupt() {
        for bad in [
            json!({"snils": "11223344595"}),
            json!({"full_name": "x"}),
            {
                let mut other = body();
                other["snils"] = json!("112-233-445 95 ");
                other["birth_date"] = json!("14/03/1985");
                other
            },
            {
                let mut other = body();
                other["snils"] = json!("001-001-999 65");
                other
            },
        ] {
            let (url, _) = register(move |_, _, _| axum::Json(bad.clone()).into_response()).await;
            let error = client(url).find(&snils()).await.unwrap_err();
            assert!(matches!(error, RegistryError::Corrupt(_)), "{error}");
        }
        let (url, _) = register(|_, _, _| "<html>".into_response()).await;
        let error = client(url).find(&snils()).await.unwrap_err();
        assert!(matches!(error, RegistryError::Corrupt(_)), "{error}");
    }

    #[test]
    fn the_path_is_appended_to_the_base() {
        for base in ["http://r.test/api/v1", "http://r.test/api/v1/"] {
            let url = HttpRegistry::new(Url::parse(base).unwrap())
                .url_for(&snils())
                .unwrap();
            assert_eq!(
                url.as_str(),
                "http://r.test/api/v1/practitioners/11223344595"
            );
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let registry = HttpRegistry::new(Url::parse("http://r.test").unwrap()).with_token("s3cret");
        assert!(!format!("{registry:?}").contains("s3cret"));
    }
}
