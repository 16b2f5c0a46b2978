//! The web chat's static files (written in `sandbox/web/`).

use axum::Router;
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route(
            "/i18n.js",
            get(|| async {
                (
                    [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("../web/i18n.js"),
                )
                    .into_response()
            }),
        )
        .route(
            "/app.js",
            get(|| async {
                (
                    [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("../web/app.js"),
                )
                    .into_response()
            }),
        )
        .route(
            "/style.css",
            get(|| async {
                (
                    [(CONTENT_TYPE, "text/css; charset=utf-8")],
                    include_str!("../web/style.css"),
                )
                    .into_response()
            }),
        )
}

/// The page, marked Russian when the browser prefers Russian: the script
/// then shows its words in Russian (`web/i18n.js`).
async fn index(headers: HeaderMap) -> Html<String> {
    let page = include_str!("../web/index.html");
    let accept = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if prefers_russian(accept) {
        Html(page.replacen("<html lang=\"en\">", "<html lang=\"ru\">", 1))
    } else {
        Html(page.to_owned())
    }
}

/// Whether the language with the highest weight in an Accept-Language
/// header is Russian (`ru`, `ru-RU`, …); ties go to the first listed.
fn prefers_russian(accept_language: &str) -> bool {
    let mut best: Option<(&str, f32)> = None;
    for item in accept_language.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        if tag.is_empty() {
            continue;
        }
        let weight = parts
            .find_map(|part| part.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(_, top)| weight > top) {
            best = Some((tag, weight));
        }
    }
    best.is_some_and(|(tag, weight)| {
        weight > 0.0
            && tag
                .split('-')
                .next()
                .is_some_and(|primary| primary.eq_ignore_ascii_case("ru"))
    })
}

#[cfg(test)]
mod tests {
    use super::prefers_russian;

    #[test]
    fn russian_is_chosen_only_when_preferred() {
        assert!(prefers_russian("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"));
        assert!(prefers_russian("en;q=0.5, ru"));
        assert!(!prefers_russian("en-US,en;q=0.9,ru;q=0.8"));
        assert!(!prefers_russian(""));
        assert!(!prefers_russian("ru;q=0"));
    }
}
