//! Only requests addressed to this machine by number or as `localhost`.
//!
//! The sandbox has no password: whoever reaches it acts as any user. A web
//! page the developer opens elsewhere could still reach it through DNS
//! rebinding (its own name, re-pointed at 127.0.0.1), and the browser would
//! then treat the sandbox as that page's own site. Such a request carries
//! the page's name in `Host`; refusing every name but `localhost` closes
//! that door without breaking the bot, the tests or the browser, which all
//! address the sandbox by IP or as `localhost`.

use std::net::IpAddr;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub(crate) async fn local_names_only(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    match host {
        Some(host) if is_local_name(host) => next.run(request).await,
        _ => (
            StatusCode::MISDIRECTED_REQUEST,
            "The sandbox answers only to an IP address or localhost.\n",
        )
            .into_response(),
    }
}

/// `127.0.0.1:8090`, `[::1]:8090`, `192.168.1.5`, `localhost:8090`,
/// `app.localhost`: yes. `evil.example:8090`: no.
fn is_local_name(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // [v6] or [v6]:port
        Some(rest) => match rest.split_once(']') {
            Some((address, _port)) => address,
            None => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<IpAddr>().is_ok() || name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::is_local_name;

    #[test]
    fn addresses_and_localhost_pass_other_names_do_not() {
        for host in [
            "127.0.0.1:8090",
            "127.0.0.1",
            "[::1]:8090",
            "[::1]",
            "192.168.1.5:8090",
            "localhost:8090",
            "LOCALHOST",
            "localhost.",
            "chat.localhost:8090",
        ] {
            assert!(is_local_name(host), "{host}");
        }
        for host in [
            "evil.example:8090",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "",
            "[::1",
        ] {
            assert!(!is_local_name(host), "{host}");
        }
    }
}
