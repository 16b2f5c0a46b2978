//! `GET /calendar/{token}.ics`: a practitioner's private calendar feed, the
//! address a phone's calendar subscribes to (made and revoked in the bot,
//! «📅 Расписание» → «🔗 Подписка»).
//!
//! The token is the only credential (a calendar app sends no other), so an
//! unknown, revoked or malformed token is one and the same 404 with an
//! empty body: the answer tells nothing about which tokens exist, and
//! every request costs one keyed digest and one indexed lookup whatever it
//! brings (no early refusal by shape). The feed holds only its owner's own
//! slots in force, from a month back to half a year ahead, in their
//! language; nothing else of theirs (no name: the calendar's title is the
//! section's). Served only with the API (`startup::api`), behind the same
//! time and concurrency limits and the same TLS proxy.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Duration;
use medcab_core::crypto::Vault;
use medcab_core::schedule::{calendar, feed, store};
use medcab_core::{Clock, telegram_users};
use sqlx::PgPool;

use crate::handlers::schedule::event_words;
use crate::i18n::Texts;

/// How far back and ahead the feed reaches.
const BACK: Duration = Duration::days(31);
const AHEAD: Duration = Duration::days(183);

#[derive(Clone)]
pub struct Feed {
    pub db: PgPool,
    pub vault: Vault,
    pub clock: Clock,
}

pub fn router(feed: Feed) -> Router {
    Router::new()
        .route("/calendar/{file}", get(serve))
        .with_state(feed)
}

async fn serve(State(feed): State<Feed>, Path(file): Path<String>) -> Response {
    match calendar_of(&feed, &file).await {
        Ok(Some(text)) => {
            let mut response = text.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            // A private feed: no proxy keeps a copy.
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot serve a calendar feed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn calendar_of(
    feed: &Feed,
    file: &str,
) -> Result<Option<String>, Box<dyn std::error::Error>> {
    // The whole segment is looked up when it is not `….ics`: the same work
    // as for a token that exists nowhere.
    let token = file.strip_suffix(".ics").unwrap_or(file);
    let owner = feed::owner_of(&feed.db, &feed.vault, token).await?;
    let Some(owner) = owner.filter(|_| file.ends_with(".ics")) else {
        return Ok(None);
    };
    let now = feed.clock.now();
    let slots = store::between(&feed.db, &feed.vault, owner, now - BACK, now + AHEAD).await?;
    let language = telegram_users::language_of(&feed.db, owner).await?;
    let t = Texts::new(language);
    let text = calendar::ics(
        &t.msg("schedule-calendar-name"),
        &slots,
        |slot| event_words(t, slot),
        now,
    );
    Ok(Some(text))
}
