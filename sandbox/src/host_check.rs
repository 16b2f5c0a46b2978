//! Only requests addressed to this machine by number or as `localhost`.
//!
//! The sandbox has no password: whoever reaches it acts as any user. A web
//! page the developer opens elsewhere could still reach it through DNS
//! rebinding (its own name, re-pointed at 127.0.0.1), and the browser would
//! then treat the sandbox as that page's own site. Such a request carries
//! the page's name in `Host`; refusing every name but `localhost` closes
//! that door without breaking the bot, the tests or the browser, which all
//! address the sandbox by IP or as `localhost`.
//!
//! A page elsewhere may also simply post a form to `127.0.0.1` (no
//! rebinding needed: the `Host` is right). A browser says where such a
//! request comes from: `Origin` on every cross-origin POST, and
//! `Sec-Fetch-Site: cross-site` in today's browsers. A request that changes
//! something and says it comes from a page that is not local is refused;
//! the bot and the tests, which are not browsers, send neither header.

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
        Some(host) if is_local_name(host) => {}
        _ => {
            return (
                StatusCode::MISDIRECTED_REQUEST,
                "The sandbox answers only to an IP address or localhost.\n",
            )
                .into_response();
        }
    }
    if !request.method().is_safe() && from_a_foreign_page(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "The sandbox takes changes only from its own pages.\n",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether a browser says the request was made by a page that is not on
/// this machine. No header at all is a program, not a page.
fn from_a_foreign_page(headers: &axum::http::HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.as_bytes().eq_ignore_ascii_case(b"cross-site"))
    {
        return true;
    }
    match headers.get(header::ORIGIN).map(|origin| origin.to_str()) {
        None => false,
        // A sandboxed frame or a file says `null`: not one of ours.
        Some(Ok("null")) | Some(Err(_)) => true,
        Some(Ok(origin)) => {
            let host = origin
                .split_once("://")
                .map_or(origin, |(_scheme, rest)| rest);
            !is_local_name(host)
        }
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
    use super::{from_a_foreign_page, is_local_name};
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_foreign_page_is_told_apart_from_ours_and_from_programs() {
        assert!(!from_a_foreign_page(&headers(&[])), "a program");
        assert!(!from_a_foreign_page(&headers(&[
            ("origin", "http://127.0.0.1:8090"),
            ("sec-fetch-site", "same-origin"),
        ])));
        assert!(!from_a_foreign_page(&headers(&[(
            "origin",
            "http://localhost:8090"
        )])));
        assert!(from_a_foreign_page(&headers(&[(
            "origin",
            "https://evil.example"
        )])));
        assert!(from_a_foreign_page(&headers(&[("origin", "null")])));
        assert!(from_a_foreign_page(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
    }

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
