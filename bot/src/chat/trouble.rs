//! Which failures of a messenger's API pass by themselves, and after how
//! long: the worker handles an update again after them
//! (`handlers::release`) rather than telling the person it failed.

use super::Failure;

/// How long to wait before trying again after `error`, when the
/// messenger's trouble is passing: Telegram's or
/// Max's 429 (their `retry_after`), a request that did not get through, a
/// 5xx.
/// `None` for anything else.
pub fn passing_trouble(error: &Failure) -> Option<std::time::Duration> {
    use std::time::Duration;
    if let Some(error) = error.downcast_ref::<teloxide::RequestError>() {
        return match error {
            teloxide::RequestError::RetryAfter(after) => Some(after.duration()),
            teloxide::RequestError::Network(_) | teloxide::RequestError::Io(_) => {
                Some(Duration::from_secs(1))
            }
            // Telegram's own trouble (500, 502): its error carries no code,
            // only the HTTP status's words.
            teloxide::RequestError::Api(teloxide::ApiError::Unknown(description))
                if [
                    "Internal Server Error",
                    "Bad Gateway",
                    "Gateway Timeout",
                    "Service Unavailable",
                ]
                .iter()
                .any(|words| description.contains(words)) =>
            {
                Some(Duration::from_secs(1))
            }
            _ => None,
        };
    }
    if let Some(error) = error.downcast_ref::<crate::max::MaxError>() {
        return match error.kind {
            crate::max::MaxErrorKind::TooManyRequests { retry_after } => Some(retry_after),
            crate::max::MaxErrorKind::Unavailable => Some(Duration::from_secs(1)),
            _ => None,
        };
    }
    None
}
