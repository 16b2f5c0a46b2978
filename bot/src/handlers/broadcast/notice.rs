//! /notice: a regulatory notice, question by question, then its preview.

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::notices::{self, MAX_SUMMARY, MAX_TITLE, NoticeDraft, NoticeRejection, Source};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{
    BcAction, Field, LIST_SHOWN, list_text, preview_keyboard, question, question_keyboard, refused,
    render_push, shorten, targets, typed_list, typed_one_of,
};
use crate::chat::Button;
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError};
use crate::i18n::{Arg, Texts};
use medcab_core::broadcasts::PublishError;

/// The questions, in order.
pub const FIELDS: [Field; 5] = [
    Field::Title,
    Field::Summary,
    Field::Link,
    Field::Specialties,
    Field::Regions,
];

/// The answer to the link question. A type of its own: an
/// `Option<Option<String>>` wrote «Без ссылки» (`Some(None)`) as `null` in
/// the dialogue state's JSON, which came back as "not answered", and the
/// question came back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum Link {
    #[default]
    Unanswered,
    /// «Без ссылки».
    None,
    Url(String),
}

impl Link {
    fn url(&self) -> Option<&str> {
        match self {
            Link::Url(url) => Some(url),
            Link::Unanswered | Link::None => None,
        }
    }
}

/// The answers so far. Texts are kept as typed (trimmed) and checked by
/// core again, all together, at the preview and at sending.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub link: Link,
    /// `Some(vec![])`: everyone.
    pub specialties: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    /// The question open; `None` when the preview is on screen.
    pub asking: Option<Field>,
    /// Tells this draft's «📤 Отправить» from an earlier one's.
    pub nonce: u32,
}

impl Draft {
    fn answered(&self, field: Field) -> bool {
        match field {
            Field::Title => self.title.is_some(),
            Field::Summary => self.summary.is_some(),
            Field::Link => self.link != Link::Unanswered,
            Field::Specialties => self.specialties.is_some(),
            Field::Regions => self.regions.is_some(),
            _ => true,
        }
    }

    /// Every answer given: a field is being changed, not filled in.
    fn complete(&self) -> bool {
        FIELDS.iter().all(|field| self.answered(*field))
    }

    /// Core's check of everything given, placeholders for what is not yet.
    fn parsed(&self) -> Result<NoticeDraft, NoticeRejection> {
        let none = Vec::new();
        NoticeDraft::parse(
            self.title.as_deref().unwrap_or("-"),
            self.summary.as_deref().unwrap_or("-"),
            self.link.url(),
            self.specialties.as_ref().unwrap_or(&none),
            self.regions.as_ref().unwrap_or(&none),
        )
    }
}

/// Which question a refusal of core's is about, and its words.
fn rejection(t: Texts, problem: NoticeRejection) -> (Field, String) {
    let max = |key: &str, max: usize| t.msg_with(key, [("max", Arg::count(max))]);
    match problem {
        NoticeRejection::TitleEmpty => (Field::Title, t.msg("broadcast-title-empty")),
        NoticeRejection::TitleTooLong { max: n } => {
            (Field::Title, max("broadcast-title-too-long", n))
        }
        NoticeRejection::SummaryEmpty => (Field::Summary, t.msg("broadcast-summary-empty")),
        NoticeRejection::SummaryTooLong { max: n } => {
            (Field::Summary, max("broadcast-summary-too-long", n))
        }
        NoticeRejection::LinkNotUrl => (Field::Link, t.msg("broadcast-link-not-url")),
        NoticeRejection::LinkNotHttp => (Field::Link, t.msg("broadcast-link-not-http")),
        NoticeRejection::LinkTooLong { max: n } => (Field::Link, max("broadcast-link-too-long", n)),
        NoticeRejection::TargetTooLong { max: n } => {
            (Field::Specialties, max("broadcast-target-too-long", n))
        }
    }
}

/// The screen asking `field`.
pub fn ask(t: Texts, draft: &Draft, field: Field) -> Screen {
    let editing = draft.complete();
    let (text, rows): (String, Vec<Vec<Button>>) = match field {
        Field::Title => (
            t.msg_with("broadcast-ask-title", [("max", Arg::count(MAX_TITLE))]),
            vec![],
        ),
        Field::Summary => (
            t.msg_with("broadcast-ask-summary", [("max", Arg::count(MAX_SUMMARY))]),
            vec![],
        ),
        Field::Link => (
            t.msg("broadcast-ask-link"),
            vec![vec![button(
                t.msg("broadcast-no-link"),
                Action::Bc(BcAction::NoLink),
            )]],
        ),
        Field::Specialties => (
            t.msg("broadcast-ask-specialties"),
            vec![vec![button(
                t.msg("broadcast-to-everyone"),
                Action::Bc(BcAction::Everyone),
            )]],
        ),
        _ => (
            t.msg("broadcast-ask-regions"),
            vec![vec![button(
                t.msg("broadcast-to-everyone"),
                Action::Bc(BcAction::Everyone),
            )]],
        ),
    };
    let current = editing.then(|| match field {
        Field::Title => draft.title.clone().unwrap_or_default(),
        Field::Summary => draft.summary.clone().unwrap_or_default(),
        Field::Link => draft
            .link
            .url()
            .map_or_else(|| t.msg("broadcast-no-link"), str::to_owned),
        Field::Specialties => list_text(t, draft.specialties.as_deref().unwrap_or_default()),
        _ => list_text(t, draft.regions.as_deref().unwrap_or_default()),
    });
    let step = FIELDS.iter().position(|f| *f == field).unwrap_or(0) + 1;
    let mut text = question(t, text, Some((step, FIELDS.len())), current);
    if step == 1 && !editing {
        text = format!("{}\n\n{text}", t.msg("broadcast-notice-intro"));
    }
    Screen {
        text,
        keyboard: question_keyboard(t, rows, editing),
    }
}

/// A typed answer to the open question; `Err` words what to fix (the
/// question stays open).
pub fn answer(t: Texts, draft: &mut Draft, text: &str) -> Result<(), String> {
    let Some(field) = draft.asking else {
        return Err(t.msg("broadcast-use-buttons"));
    };
    let mut changed = draft.clone();
    let text = text.trim();
    match field {
        Field::Title => changed.title = Some(text.to_owned()),
        Field::Summary => changed.summary = Some(text.to_owned()),
        Field::Link => {
            changed.link = if typed_one_of("broadcast-no-link-words", text) {
                Link::None
            } else {
                Link::Url(notices::parse_link(text).map_err(|problem| rejection(t, problem).1)?)
            };
        }
        Field::Specialties => changed.specialties = Some(typed_list(text)),
        Field::Regions => changed.regions = Some(typed_list(text)),
        _ => return Err(t.msg("broadcast-use-buttons")),
    }
    // Core's rules, with this answer in: only a problem of this field counts
    // (the others are checked when they are given).
    if let Err(problem) = changed.parsed() {
        let (about, words) = rejection(t, problem);
        // A name too long among the regions is reported as the specialties'.
        if about == field || (about == Field::Specialties && field == Field::Regions) {
            return Err(words);
        }
    }
    *draft = changed;
    Ok(())
}

/// A button answering the open question: whether it did.
pub fn press(draft: &mut Draft, action: BcAction) -> bool {
    match (draft.asking, action) {
        (Some(Field::Link), BcAction::NoLink) => draft.link = Link::None,
        (Some(Field::Specialties), BcAction::Everyone) => draft.specialties = Some(Vec::new()),
        (Some(Field::Regions), BcAction::Everyone) => draft.regions = Some(Vec::new()),
        _ => return false,
    }
    true
}

/// The next question, or the preview when all are answered.
pub async fn next(
    t: Texts,
    db: &PgPool,
    draft: &mut Draft,
    now: DateTime<Utc>,
) -> Result<Screen, HandlerError> {
    if let Some(field) = FIELDS.into_iter().find(|field| !draft.answered(*field)) {
        draft.asking = Some(field);
        return Ok(ask(t, draft, field));
    }
    let parsed = match draft.parsed() {
        Ok(parsed) => parsed,
        Err(problem) => {
            let (field, words) = rejection(t, problem);
            draft.asking = Some(field);
            let mut screen = ask(t, draft, field);
            screen.text = format!("{words}\n\n{}", screen.text);
            return Ok(screen);
        }
    };
    draft.asking = None;
    let count = notices::preview_count(db, &parsed, now).await?;
    let push = render_push(
        t,
        &notices::payload(parsed.title(), parsed.summary(), parsed.link()),
    );
    let audience = parsed.audience();
    let text = format!(
        "{}\n\n{push}\n\n{}",
        t.msg("broadcast-notice-preview"),
        targets(t, audience.specialties(), audience.regions(), count)
    );
    Ok(Screen {
        text,
        keyboard: preview_keyboard(t, draft.nonce),
    })
}

/// Publishes the draft on screen: its broadcast's id and what the progress
/// message calls it; `Err` when the preview is not what is on screen.
pub async fn send(
    t: Texts,
    db: &PgPool,
    draft: &Draft,
    operator: UserId,
    now: DateTime<Utc>,
) -> Result<Result<(i64, String), String>, HandlerError> {
    if draft.asking.is_some() || !draft.complete() {
        return Ok(Err(t.msg("broadcast-answer-first")));
    }
    let parsed = match draft.parsed() {
        Ok(parsed) => parsed,
        Err(problem) => return Ok(Err(rejection(t, problem).1)),
    };
    let published = match notices::publish(db, &parsed, Source::Operator(operator), now).await {
        Ok(published) => published,
        Err(PublishError::Refused(refusal)) => return Ok(Err(refused(t, refusal))),
        Err(PublishError::Db(error)) => return Err(error.into()),
    };
    tracing::info!(
        operator = operator.get(),
        notice = published.notice_id,
        broadcast = published.broadcast_id,
        total = published.total,
        "a regulatory notice was published"
    );
    let what = t.msg_with(
        "broadcast-what-notice",
        [("title", Arg::Text(&shorten(parsed.title(), LIST_SHOWN)))],
    );
    Ok(Ok((published.broadcast_id, what)))
}
