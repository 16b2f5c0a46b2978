//! Regulatory notices («изменения в нормативных документах»): a change in
//! the rules, told to the practitioners it concerns.
//!
//! Owns the table `regulatory_notices`. A notice comes from an operator or
//! the CLI and is published at once ([`publish`]), or from the configured
//! feed ([`feed`], [`propose_from_feed`]) as a proposal an operator
//! publishes ([`approve`]) or drops ([`dismiss`]). Publishing writes the
//! notice, its broadcast and every recipient's outbox row in one
//! transaction: a notice is never published without its pushes, nor pushed
//! without being published.
//!
//! Nothing here is personal: a notice is a public text. Its push carries
//! the title, the summary and the link; targeting is by specialty and region
//! ([`Audience`]), as the register writes them.
//!
//! A feed item becomes a notice once, however often the feed is read (the
//! item's key is unique), and a proposal is decided once: a second
//! approval is refused ([`DecisionError::AlreadyDecided`]), so nobody gets
//! a notice twice because two operators pressed at once.
//!
//! What an operator publishes or decides is audited
//! (`operators::AuditAction::NoticePublished`, `ProposalApproved`,
//! `ProposalDismissed`) in the same transaction: the notice's and the
//! broadcast's ids and the number of recipients, nothing personal.

pub mod feed;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use reqwest::Url;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::audience::{self, Audience};
use crate::broadcasts::{self, Kind as BroadcastKind, PublishError};
use crate::operators::AuditAction;
use crate::outbox::{self, Category, Notification, Payload, Push};
use crate::review::StaffRefusal;
use crate::{notification_settings, operators};

pub use crate::broadcasts::Source;
pub use feed::{FeedError, FeedItem};

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 1500;
pub const MAX_LINK: usize = 500;
/// One specialty's or region's name.
pub const MAX_TARGET: usize = 200;

/// What is wrong with a notice an operator wrote; each names one thing to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoticeRejection {
    #[error("the title is empty")]
    TitleEmpty,
    #[error("the title is longer than {max} characters")]
    TitleTooLong { max: usize },
    #[error("the summary is empty")]
    SummaryEmpty,
    #[error("the summary is longer than {max} characters")]
    SummaryTooLong { max: usize },
    #[error("the link is not a web address")]
    LinkNotUrl,
    #[error("the link must start with http:// or https://")]
    LinkNotHttp,
    #[error("the link is longer than {max} characters")]
    LinkTooLong { max: usize },
    #[error("a specialty or region is longer than {max} characters")]
    TargetTooLong { max: usize },
}

/// A notice ready to publish: every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDraft {
    title: String,
    summary: String,
    link: Option<String>,
    audience: Audience,
}

impl NoticeDraft {
    /// Checks what an operator wrote. Texts are trimmed; a blank link is no
    /// link; empty specialties and regions mean everyone.
    pub fn parse<S: AsRef<str>>(
        title: &str,
        summary: &str,
        link: Option<&str>,
        specialties: &[S],
        regions: &[S],
    ) -> Result<NoticeDraft, NoticeRejection> {
        let title = title.trim();
        if title.is_empty() {
            return Err(NoticeRejection::TitleEmpty);
        }
        if title.chars().count() > MAX_TITLE {
            return Err(NoticeRejection::TitleTooLong { max: MAX_TITLE });
        }
        let summary = summary.trim();
        if summary.is_empty() {
            return Err(NoticeRejection::SummaryEmpty);
        }
        if summary.chars().count() > MAX_SUMMARY {
            return Err(NoticeRejection::SummaryTooLong { max: MAX_SUMMARY });
        }
        let link = link
            .map(str::trim)
            .filter(|link| !link.is_empty())
            .map(parse_link)
            .transpose()?;
        let targets = specialties.iter().chain(regions);
        if targets
            .map(|target| target.as_ref().trim().chars().count())
            .any(|length| length > MAX_TARGET)
        {
            return Err(NoticeRejection::TargetTooLong { max: MAX_TARGET });
        }
        Ok(NoticeDraft {
            title: title.to_owned(),
            summary: summary.to_owned(),
            link,
            audience: Audience::new(
                specialties.iter().map(AsRef::as_ref),
                regions.iter().map(AsRef::as_ref),
                None,
            ),
        })
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn summary(&self) -> &str {
        &self.summary
    }

    pub fn link(&self) -> Option<&str> {
        self.link.as_deref()
    }

    pub fn audience(&self) -> &Audience {
        &self.audience
    }
}

/// A web address as it will be shown: http or https only (no `javascript:`,
/// no `tg:`), at most [`MAX_LINK`] characters once normalised.
pub fn parse_link(text: &str) -> Result<String, NoticeRejection> {
    let text = text.trim();
    if text.chars().count() > MAX_LINK {
        return Err(NoticeRejection::LinkTooLong { max: MAX_LINK });
    }
    let url = Url::parse(text).map_err(|_| NoticeRejection::LinkNotUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(NoticeRejection::LinkNotHttp);
    }
    let normalised = url.as_str();
    if normalised.chars().count() > MAX_LINK {
        return Err(NoticeRejection::LinkTooLong { max: MAX_LINK });
    }
    Ok(normalised.to_owned())
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// From the feed, waiting for an operator.
    Proposed,
    Published,
    Dismissed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Published => "published",
            Status::Dismissed => "dismissed",
        }
    }

    fn parse(text: &str) -> Status {
        match text {
            "proposed" => Status::Proposed,
            "published" => Status::Published,
            // The CHECK constraint allows nothing else.
            _ => Status::Dismissed,
        }
    }
}

/// Where a notice came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Operator,
    Cli,
    Feed,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Operator => "operator",
            Origin::Cli => "cli",
            Origin::Feed => "feed",
        }
    }

    fn parse(text: &str) -> Origin {
        match text {
            "operator" => Origin::Operator,
            "cli" => Origin::Cli,
            _ => Origin::Feed,
        }
    }

    fn of(source: Source) -> Origin {
        match source {
            Source::Operator(_) => Origin::Operator,
            Source::Cli => Origin::Cli,
        }
    }
}

/// A stored notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub link: Option<String>,
    pub audience: Audience,
    pub status: Status,
    pub origin: Origin,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A notice published: its broadcast and how many rows it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub notice_id: i64,
    pub broadcast_id: i64,
    pub total: u64,
}

/// Why a proposal could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error("no such notice")]
    NotFound,
    /// Already published or dismissed (a second press, another operator).
    #[error("the notice is already {}", .0.as_str())]
    AlreadyDecided(Status),
    /// The staff check refused (and audited it).
    #[error(transparent)]
    Refused(#[from] StaffRefusal),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The push's text: title, summary and link. No personal data: a notice
/// is public.
pub fn payload(title: &str, summary: &str, link: Option<&str>) -> Payload {
    Payload::new(Push::RegulatoryNotice {
        title: title.to_owned(),
        summary: summary.to_owned(),
        has_link: link.is_some(),
        link: link.unwrap_or("").to_owned(),
    })
}

/// How many practitioners the notice would reach now, for the operator's
/// preview before publishing.
pub async fn preview_count(
    db: &PgPool,
    draft: &NoticeDraft,
    now: DateTime<Utc>,
) -> Result<audience::Reach, sqlx::Error> {
    let mut conn = db.acquire().await?;
    audience::count(&mut conn, &draft.audience, Category::Regulation, now).await
}

/// Publishes a notice an operator (or the CLI) wrote: the notice, its
/// broadcast and the pushes, in one transaction, after the operator's
/// staff check in it.
pub async fn publish(
    db: &PgPool,
    draft: &NoticeDraft,
    source: Source,
    now: DateTime<Utc>,
) -> Result<Published, PublishError> {
    let mut tx =
        operators::begin_publishing::<PublishError>(db, source, "publish_notice", now).await?;
    let author = source.operator_id();
    let notice_id = sqlx::query_scalar!(
        r#"
        INSERT INTO regulatory_notices (title, summary, link, specialties, regions, status,
                                        source, created_by, created_at, decided_by, decided_at)
        VALUES ($1, $2, $3, $4, $5, 'published', $6, $7, $8, $7, $8)
        RETURNING id
        "#,
        draft.title,
        draft.summary,
        draft.link,
        draft.audience.specialties(),
        draft.audience.regions(),
        Origin::of(source).as_str(),
        author.map(UserId::get),
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    let sent = broadcasts::send(
        &mut tx,
        BroadcastKind::RegulatoryNotice,
        notice_id,
        author,
        &draft.audience,
        &payload(&draft.title, &draft.summary, draft.link.as_deref()),
        None,
        now,
    )
    .await?;
    let details = published_details(notice_id, sent);
    let action = AuditAction::NoticePublished;
    operators::audit_source(&mut tx, source, action, details, now).await?;
    tx.commit().await?;
    Ok(Published {
        notice_id,
        broadcast_id: sent.broadcast_id,
        total: sent.total,
    })
}

/// Stores the feed's new items as proposals for operators; items already
/// proposed (by their key: the feed's URL and the item's id) are skipped.
/// Returns how many are new. Items are proposed oldest first (feeds list
/// the newest first), and go to everyone when approved.
pub async fn propose_from_feed(
    db: &PgPool,
    feed_url: &str,
    items: &[FeedItem],
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let mut keys = Vec::with_capacity(items.len());
    let mut titles = Vec::with_capacity(items.len());
    let mut summaries = Vec::with_capacity(items.len());
    let mut links = Vec::with_capacity(items.len());
    for item in items.iter().rev() {
        // A FeedItem made by hand rather than by feed::parse gets the same
        // limits, so the table's checks never refuse the whole batch.
        let Some(item) = item.within_limits() else {
            continue;
        };
        keys.push(feed_item_key(feed_url, &item.key));
        titles.push(item.title);
        summaries.push(item.summary);
        links.push(item.link);
    }
    let mut tx = db.begin().await?;
    let written = sqlx::query!(
        r#"
        INSERT INTO regulatory_notices (title, summary, link, status, source, feed_item_key,
                                        created_at)
        SELECT t.title, t.summary, t.link, 'proposed', 'feed', t.key, $5
        FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[])
             WITH ORDINALITY AS t (key, title, summary, link, n)
        ORDER BY t.n
        ON CONFLICT (feed_item_key) DO NOTHING
        "#,
        &keys,
        &titles,
        &summaries,
        &links as &[Option<String>],
        now,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let written = usize::try_from(written).unwrap_or(usize::MAX);
    if written > 0 {
        tell_operators(db, &mut tx, written, now).await?;
    }
    tx.commit().await?;
    Ok(written)
}

/// What makes a feed item one: the feed's URL and the item's id. A long one
/// (a feed may use a whole URL with a query as the id) is kept as its
/// SHA-256, so the unique index never meets a key too large for it (over
/// about 2.7 kB, PostgreSQL refuses the row, and the whole batch with it).
fn feed_item_key(feed_url: &str, item_key: &str) -> String {
    const LONGEST_KEPT: usize = 500;
    let key = format!("{feed_url} {item_key}");
    if key.len() <= LONGEST_KEPT {
        key
    } else {
        use sha2::{Digest, Sha256};
        format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// Tells every operator, with the proposals' own transaction, that new
/// proposals wait (how many; the titles are behind /notices). Held for each
/// operator's quiet hours like any other notice.
async fn tell_operators(
    db: &PgPool,
    tx: &mut PgConnection,
    count: usize,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for operator in operators::list(db).await? {
        let settings = notification_settings::get(db, operator.telegram_user_id).await?;
        let mut push = Notification::new(
            operator.telegram_user_id.private_chat(),
            outbox::Kind::FeedProposals,
            Payload::new(Push::FeedProposals {
                count: i64::try_from(count).unwrap_or(i64::MAX),
            }),
        );
        push.not_before = settings.release_at(now);
        outbox::enqueue(tx, &push, now).await?;
    }
    Ok(())
}

/// Proposals waiting for an operator, oldest first.
pub async fn proposed(db: &PgPool) -> Result<Vec<Notice>, sqlx::Error> {
    let rows = sqlx::query_as!(
        NoticeRow,
        r#"
        SELECT id, title, summary, link, specialties, regions, status, source, created_by AS "created_by: UserId",
               created_at, decided_by AS "decided_by: UserId", decided_at
        FROM regulatory_notices WHERE status = 'proposed'
        ORDER BY id
        "#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(NoticeRow::open).collect())
}

/// One notice, whatever its status.
pub async fn get(db: &PgPool, id: i64) -> Result<Option<Notice>, sqlx::Error> {
    let row = sqlx::query_as!(
        NoticeRow,
        r#"
        SELECT id, title, summary, link, specialties, regions, status, source, created_by AS "created_by: UserId",
               created_at, decided_by AS "decided_by: UserId", decided_at
        FROM regulatory_notices WHERE id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(NoticeRow::open))
}

struct NoticeRow {
    id: i64,
    title: String,
    summary: String,
    link: Option<String>,
    specialties: Vec<String>,
    regions: Vec<String>,
    status: String,
    source: String,
    created_by: Option<UserId>,
    created_at: DateTime<Utc>,
    decided_by: Option<UserId>,
    decided_at: Option<DateTime<Utc>>,
}

impl NoticeRow {
    fn open(self) -> Notice {
        Notice {
            id: self.id,
            title: self.title,
            summary: self.summary,
            link: self.link,
            audience: Audience::new(self.specialties, self.regions, None),
            status: Status::parse(&self.status),
            origin: Origin::parse(&self.source),
            created_by: self.created_by,
            created_at: self.created_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
        }
    }
}

/// An operator publishes a proposal: status, broadcast and pushes in one
/// transaction. Only a proposal can be approved; the row lock makes a
/// second, simultaneous approval wait and then find it decided.
pub async fn approve(
    db: &PgPool,
    id: i64,
    operator_id: UserId,
    now: DateTime<Utc>,
) -> Result<Published, DecisionError> {
    let source = Source::Operator(operator_id);
    let mut tx =
        operators::begin_publishing::<DecisionError>(db, source, "publish_proposal", now).await?;
    let row = sqlx::query!(
        r#"
        UPDATE regulatory_notices
        SET status = 'published', decided_by = $2, decided_at = $3
        WHERE id = $1 AND status = 'proposed'
        RETURNING title, summary, link, specialties, regions
        "#,
        id,
        operator_id.get(),
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(undecidable(&mut tx, id).await);
    };
    let audience = Audience::new(row.specialties, row.regions, None);
    let sent = broadcasts::send(
        &mut tx,
        BroadcastKind::RegulatoryNotice,
        id,
        Some(operator_id),
        &audience,
        &payload(&row.title, &row.summary, row.link.as_deref()),
        None,
        now,
    )
    .await?;
    let details = published_details(id, sent);
    let action = AuditAction::ProposalApproved;
    operators::audit_source(&mut tx, source, action, details, now).await?;
    tx.commit().await?;
    Ok(Published {
        notice_id: id,
        broadcast_id: sent.broadcast_id,
        total: sent.total,
    })
}

/// An operator drops a proposal; nothing is sent.
pub async fn dismiss(
    db: &PgPool,
    id: i64,
    operator_id: UserId,
    now: DateTime<Utc>,
) -> Result<(), DecisionError> {
    let source = Source::Operator(operator_id);
    let mut tx =
        operators::begin_publishing::<DecisionError>(db, source, "dismiss_proposal", now).await?;
    let done = sqlx::query!(
        r#"
        UPDATE regulatory_notices
        SET status = 'dismissed', decided_by = $2, decided_at = $3
        WHERE id = $1 AND status = 'proposed'
        "#,
        id,
        operator_id.get(),
        now,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(undecidable(&mut tx, id).await);
    }
    let details = serde_json::json!({ "notice_id": id });
    let action = AuditAction::ProposalDismissed;
    operators::audit_source(&mut tx, source, action, details, now).await?;
    tx.commit().await?;
    Ok(())
}

/// An audit row's details for a published notice: ids and the count only.
fn published_details(notice_id: i64, sent: broadcasts::Sent) -> Value {
    serde_json::json!({
        "notice_id": notice_id,
        "broadcast_id": sent.broadcast_id,
        "recipients": sent.total,
    })
}

/// Why a notice could not be decided: missing, or decided already.
async fn undecidable(tx: &mut sqlx::PgConnection, id: i64) -> DecisionError {
    let status = sqlx::query_scalar!("SELECT status FROM regulatory_notices WHERE id = $1", id)
        .fetch_optional(tx)
        .await;
    match status {
        Ok(Some(status)) => DecisionError::AlreadyDecided(Status::parse(&status)),
        Ok(None) => DecisionError::NotFound,
        Err(error) => DecisionError::Db(error),
    }
}
