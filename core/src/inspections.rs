//! Inspections («проверки»): an operator schedules one for an organisation
//! or a whole region; every practitioner it concerns is told at once and
//! reminded 7 days and 1 day before.
//!
//! Owns the table `inspections`. Scheduling writes the inspection, its
//! broadcast and the pushes in one transaction ([`schedule`]). Reminders
//! are written by a daily scheduler ([`enqueue_reminders`]) as one
//! broadcast per inspection and threshold, each row with the dedup key
//! `inspection:{id}:{days}:{chat}`: the scheduler may run as often as it
//! likes, a practitioner gets each reminder once.
//!
//! If the scheduler missed a threshold's day (the server was down), the
//! nearest threshold still due is sent once, with the real number of days
//! left; never two thresholds on one run, never a reminder for an
//! inspection that is over, and none whose threshold the announcement
//! already covered (an inspection scheduled 5 days ahead gets the
//! announcement and the 1-day reminder, not a 7-day one too).
//!
//! Whom it concerns: with an organisation, its practitioners (within the
//! region too, if one is given: names like «ГКБ № 1» repeat across
//! regions); with only a region, every practitioner there. The texts name
//! the organisation or region, the date, the kind and what to prepare;
//! nothing personal.
//!
//! Cancelling ([`cancel`]) withdraws what was not sent yet and tells only
//! those who were told. What an operator schedules or cancels is audited
//! (`operators::AuditAction::InspectionScheduled`, `InspectionCancelled`)
//! in the same transaction: ids and counts only.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::UserId;
use crate::audience::{self, Audience};
use crate::broadcasts::{self, Kind as BroadcastKind, PublishError};
use crate::clock::moscow_today;
use crate::operators::{self, AuditAction};
use crate::outbox::{self, Category, InspectionFacts, InspectionScope, Payload, Push};
use crate::review::StaffRefusal;

pub use crate::broadcasts::Source;

/// Days before the inspection when a reminder goes, farthest first.
pub const REMINDER_DAYS: [i64; 2] = [7, 1];

pub const MAX_ORGANISATION: usize = 300;
pub const MAX_REGION: usize = 200;
pub const MAX_PREPARE: usize = 1500;

/// The kinds of inspection, as the law on state control names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InspectionKind {
    /// Плановая выездная.
    PlannedOnsite,
    /// Плановая документарная.
    PlannedDocumentary,
    /// Внеплановая выездная.
    UnplannedOnsite,
    /// Внеплановая документарная.
    UnplannedDocumentary,
}

impl InspectionKind {
    pub const ALL: [InspectionKind; 4] = [
        InspectionKind::PlannedOnsite,
        InspectionKind::PlannedDocumentary,
        InspectionKind::UnplannedOnsite,
        InspectionKind::UnplannedDocumentary,
    ];

    /// As stored in `inspections.kind`, in pushes (Fluent selects on it)
    /// and usable in callback_data.
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionKind::PlannedOnsite => "planned_onsite",
            InspectionKind::PlannedDocumentary => "planned_documentary",
            InspectionKind::UnplannedOnsite => "unplanned_onsite",
            InspectionKind::UnplannedDocumentary => "unplanned_documentary",
        }
    }

    pub fn parse(text: &str) -> Option<InspectionKind> {
        InspectionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// What is wrong with an inspection an operator entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InspectionRejection {
    #[error("neither an organisation nor a region is given")]
    NoTarget,
    #[error("the organisation is longer than {max} characters")]
    OrganisationTooLong { max: usize },
    #[error("the region is longer than {max} characters")]
    RegionTooLong { max: usize },
    #[error("the date is in the past")]
    DateInPast,
    #[error("what to prepare is empty")]
    PrepareEmpty,
    #[error("what to prepare is longer than {max} characters")]
    PrepareTooLong { max: usize },
}

/// An inspection ready to schedule: every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionDraft {
    organisation: Option<String>,
    region: Option<String>,
    date: NaiveDate,
    kind: InspectionKind,
    prepare: String,
}

impl InspectionDraft {
    /// Checks what an operator entered, as of `today` (Moscow): the date may
    /// be today but not before. Blank organisation or region is none.
    pub fn parse(
        organisation: Option<&str>,
        region: Option<&str>,
        date: NaiveDate,
        kind: InspectionKind,
        prepare: &str,
        today: NaiveDate,
    ) -> Result<InspectionDraft, InspectionRejection> {
        let blank_is_none = |text: Option<&str>| {
            text.map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let organisation = blank_is_none(organisation);
        let region = blank_is_none(region);
        if organisation.is_none() && region.is_none() {
            return Err(InspectionRejection::NoTarget);
        }
        if organisation
            .as_ref()
            .is_some_and(|o| o.chars().count() > MAX_ORGANISATION)
        {
            return Err(InspectionRejection::OrganisationTooLong {
                max: MAX_ORGANISATION,
            });
        }
        if region
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REGION)
        {
            return Err(InspectionRejection::RegionTooLong { max: MAX_REGION });
        }
        if date < today {
            return Err(InspectionRejection::DateInPast);
        }
        let prepare = prepare.trim();
        if prepare.is_empty() {
            return Err(InspectionRejection::PrepareEmpty);
        }
        if prepare.chars().count() > MAX_PREPARE {
            return Err(InspectionRejection::PrepareTooLong { max: MAX_PREPARE });
        }
        Ok(InspectionDraft {
            organisation,
            region,
            date,
            kind,
            prepare: prepare.to_owned(),
        })
    }

    pub fn organisation(&self) -> Option<&str> {
        self.organisation.as_deref()
    }

    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn kind(&self) -> InspectionKind {
        self.kind
    }

    pub fn prepare(&self) -> &str {
        &self.prepare
    }

    /// Whom it concerns.
    pub fn audience(&self) -> Audience {
        audience_of(self.organisation.as_deref(), self.region.as_deref())
    }
}

fn audience_of(organisation: Option<&str>, region: Option<&str>) -> Audience {
    Audience::new(None::<&str>, region, organisation)
}

/// A stored inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub id: i64,
    pub organisation: Option<String>,
    pub region: Option<String>,
    pub date: NaiveDate,
    pub kind: InspectionKind,
    pub prepare: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Inspection {
    pub fn audience(&self) -> Audience {
        audience_of(self.organisation.as_deref(), self.region.as_deref())
    }
}

/// An inspection scheduled: its announcement and how many rows it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled {
    pub inspection_id: i64,
    pub broadcast_id: i64,
    pub total: u64,
}

/// The push's arguments shared by the announcement, the reminders and the
/// cancellation. The place is the organisation (with its region, when
/// given), else the region; no person is named.
fn facts(
    organisation: Option<&str>,
    region: Option<&str>,
    date: NaiveDate,
    kind: InspectionKind,
) -> InspectionFacts {
    let (scope, place) = match (organisation, region) {
        (Some(organisation), Some(region)) => (
            InspectionScope::Organisation,
            format!("{organisation}, {region}"),
        ),
        (Some(organisation), None) => (InspectionScope::Organisation, organisation.to_owned()),
        (None, Some(region)) => (InspectionScope::Region, region.to_owned()),
        (None, None) => (InspectionScope::Region, String::new()),
    };
    InspectionFacts {
        scope,
        place,
        date,
        kind,
    }
}

/// The announcement's push, as [`schedule`] writes it (for a preview).
pub fn announcement(draft: &InspectionDraft) -> Payload {
    Payload::new(Push::InspectionScheduled {
        inspection: facts(draft.organisation(), draft.region(), draft.date, draft.kind),
        prepare: draft.prepare.as_str().to_owned(),
    })
}

fn reminder(inspection: &Inspection, days: i64) -> Payload {
    Payload::new(Push::InspectionReminder {
        inspection: facts(
            inspection.organisation.as_deref(),
            inspection.region.as_deref(),
            inspection.date,
            inspection.kind,
        ),
        prepare: inspection.prepare.as_str().to_owned(),
        days,
    })
}

/// How many practitioners the inspection concerns now (who did not switch
/// inspections off), for the operator's preview.
pub async fn preview_count(
    db: &PgPool,
    draft: &InspectionDraft,
    now: DateTime<Utc>,
) -> Result<audience::Reach, sqlx::Error> {
    let mut conn = db.acquire().await?;
    audience::count(&mut conn, &draft.audience(), Category::Inspections, now).await
}

/// Schedules an inspection and tells everyone it concerns, in one
/// transaction, after the operator's staff check in it.
pub async fn schedule(
    db: &PgPool,
    draft: &InspectionDraft,
    source: Source,
    now: DateTime<Utc>,
) -> Result<Scheduled, PublishError> {
    let mut tx =
        operators::begin_publishing::<PublishError>(db, source, "schedule_inspection", now).await?;
    let author = source.operator_id();
    let inspection_id = sqlx::query_scalar!(
        r#"
        INSERT INTO inspections (organisation, region, inspection_date, kind, prepare,
                                 created_by, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING id
        "#,
        draft.organisation,
        draft.region,
        draft.date,
        draft.kind.as_str(),
        draft.prepare,
        author.map(UserId::get),
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    let sent = broadcasts::send(
        &mut tx,
        BroadcastKind::Inspection,
        inspection_id,
        author,
        &draft.audience(),
        &announcement(draft),
        None,
        now,
    )
    .await?;
    let details = serde_json::json!({
        "inspection_id": inspection_id,
        "broadcast_id": sent.broadcast_id,
        "recipients": sent.total,
    });
    let action = AuditAction::InspectionScheduled;
    operators::audit_source(&mut tx, source, action, details, now).await?;
    tx.commit().await?;
    Ok(Scheduled {
        inspection_id,
        broadcast_id: sent.broadcast_id,
        total: sent.total,
    })
}

/// One inspection, cancelled or not.
pub async fn get(db: &PgPool, id: i64) -> Result<Option<Inspection>, sqlx::Error> {
    let row = sqlx::query_as!(
        InspectionRow,
        r#"
        SELECT id, organisation, region, inspection_date, kind, prepare, created_by AS "created_by: UserId",
               created_at, cancelled_at
        FROM inspections WHERE id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(InspectionRow::open))
}

/// Inspections not cancelled from `today` on, soonest first: the operators'
/// list.
pub async fn upcoming(db: &PgPool, today: NaiveDate) -> Result<Vec<Inspection>, sqlx::Error> {
    upcoming_until(db, today, NaiveDate::MAX).await
}

async fn upcoming_until(
    db: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Inspection>, sqlx::Error> {
    let rows = sqlx::query_as!(
        InspectionRow,
        r#"
        SELECT id, organisation, region, inspection_date, kind, prepare, created_by AS "created_by: UserId",
               created_at, cancelled_at
        FROM inspections
        WHERE cancelled_at IS NULL AND inspection_date BETWEEN $1 AND $2
        ORDER BY inspection_date, id
        "#,
        from,
        until,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().filter_map(InspectionRow::open).collect())
}

struct InspectionRow {
    id: i64,
    organisation: Option<String>,
    region: Option<String>,
    inspection_date: NaiveDate,
    kind: String,
    prepare: String,
    created_by: Option<UserId>,
    created_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
}

impl InspectionRow {
    fn open(self) -> Option<Inspection> {
        Some(Inspection {
            id: self.id,
            organisation: self.organisation,
            region: self.region,
            date: self.inspection_date,
            // The CHECK constraint allows only known kinds.
            kind: InspectionKind::parse(&self.kind)?,
            prepare: self.prepare,
            created_by: self.created_by,
            created_at: self.created_at,
            cancelled_at: self.cancelled_at,
        })
    }
}

/// The threshold whose reminder is due `today` for an inspection on
/// `date` scheduled on `scheduled_on` (Moscow dates), if any: the nearest
/// threshold already reached, unless the inspection is over or the
/// announcement was sent within that threshold anyway.
pub fn due_reminder(date: NaiveDate, scheduled_on: NaiveDate, today: NaiveDate) -> Option<i64> {
    let days_left = (date - today).num_days();
    if days_left < 0 {
        return None;
    }
    let threshold = REMINDER_DAYS
        .into_iter()
        .rev()
        .find(|&threshold| days_left <= threshold)?;
    let announced_within = (date - scheduled_on).num_days() <= threshold;
    (!announced_within).then_some(threshold)
}

/// Writes the reminders due `today`: for every inspection within
/// [`REMINDER_DAYS`], one row per practitioner it concerns, deduplicated
/// by `inspection:{id}:{threshold}:{chat}`, as one broadcast per inspection
/// and threshold. Returns how many rows were written (0 when everyone had
/// them already). Each inspection commits on its own.
pub async fn enqueue_reminders(
    db: &PgPool,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let farthest = today + chrono::Days::new(REMINDER_DAYS[0].unsigned_abs());
    let mut written = 0;
    for inspection in upcoming_until(db, today, farthest).await? {
        let scheduled_on = moscow_today(inspection.created_at);
        let Some(threshold) = due_reminder(inspection.date, scheduled_on, today) else {
            continue;
        };
        let days_left = (inspection.date - today).num_days();
        let mut tx = db.begin().await?;
        // Cancelled since it was listed: no reminder. The lock makes a
        // cancellation wait for this transaction, or this one see it.
        let still_on = sqlx::query_scalar!(
            "SELECT id FROM inspections WHERE id = $1 AND cancelled_at IS NULL FOR SHARE",
            inspection.id,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if still_on.is_none() {
            continue;
        }
        // This threshold's reminder went out already (a tick earlier today,
        // or on an earlier day of a caught-up threshold): filling it again
        // would only re-read the whole audience to write nothing. Someone
        // who joined since then was not told of the inspection either.
        let due_since =
            moscow_midnight(inspection.date - chrono::Days::new(threshold.unsigned_abs()));
        if broadcasts::exists_since(
            &mut tx,
            BroadcastKind::InspectionReminder,
            inspection.id,
            due_since,
        )
        .await?
        {
            continue;
        }
        let created = broadcasts::create(
            &mut tx,
            BroadcastKind::InspectionReminder,
            inspection.id,
            None,
            now,
        )
        .await?;
        let rows = broadcasts::fill(
            &mut tx,
            created,
            &inspection.audience(),
            &reminder(&inspection, days_left),
            Some(&format!("inspection:{}:{threshold}", inspection.id)),
            now,
        )
        .await?;
        if rows == 0 {
            broadcasts::discard_if_empty(&mut tx, created.id).await?;
        }
        tx.commit().await?;
        written += usize::try_from(rows).unwrap_or(usize::MAX);
    }
    Ok(written)
}

/// The first instant of a day in Moscow (UTC+3 all year).
fn moscow_midnight(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(3)).and_utc()
}

/// Why an inspection could not be cancelled.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("no such inspection")]
    NotFound,
    #[error("the inspection is already cancelled")]
    AlreadyCancelled,
    /// The staff check refused (and audited it).
    #[error(transparent)]
    Refused(#[from] StaffRefusal),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// An inspection cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled {
    pub inspection_id: i64,
    /// The cancellation's broadcast.
    pub broadcast_id: i64,
    /// How many will be told of the cancellation: those who were told of
    /// the inspection and may still receive inspections.
    pub total: u64,
    /// Pushes of the inspection (its announcement, a reminder) not sent yet
    /// and now never to be: held for quiet hours, or waiting their turn.
    pub withdrawn: u64,
}

/// Cancels an inspection, in one transaction: no more reminders; whatever
/// of it was not sent yet (an announcement or a reminder held for someone's
/// quiet hours) is withdrawn; and everyone who was told of it (an
/// announcement or a reminder sent) is told of the cancellation. Someone
/// never told hears nothing: a cancellation of an inspection they never
/// heard of would only puzzle them. An operator's cancellation is audited.
///
/// A second cancellation (a replayed button, two operators at once: the
/// row lock makes the second wait) is refused and sends nothing.
pub async fn cancel(
    db: &PgPool,
    id: i64,
    source: Source,
    now: DateTime<Utc>,
) -> Result<Cancelled, CancelError> {
    let mut tx =
        operators::begin_publishing::<CancelError>(db, source, "cancel_inspection", now).await?;
    let row = sqlx::query!(
        r#"
        UPDATE inspections SET cancelled_at = $2
        WHERE id = $1 AND cancelled_at IS NULL
        RETURNING organisation, region, inspection_date, kind
        "#,
        id,
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        let exists = sqlx::query_scalar!("SELECT id FROM inspections WHERE id = $1", id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match exists {
            Some(_) => CancelError::AlreadyCancelled,
            None => CancelError::NotFound,
        });
    };
    let kind = InspectionKind::parse(&row.kind).unwrap_or(InspectionKind::PlannedOnsite);
    let payload = Payload::new(Push::InspectionCancelled {
        inspection: facts(
            row.organisation.as_deref(),
            row.region.as_deref(),
            row.inspection_date,
            kind,
        ),
    });
    let earlier = broadcasts::of_inspection(&mut tx, id).await?;
    // Withdrawn first: a row a worker is sending now is waited for, and
    // then counts as told (each statement sees what committed before it).
    let withdrawn = broadcasts::withdraw_pending(&mut tx, &earlier).await?;
    let told = outbox::chats_sent(&mut tx, &earlier).await?;
    let sent = broadcasts::send_to(
        &mut tx,
        BroadcastKind::Inspection,
        id,
        source.operator_id(),
        &told,
        &payload,
        now,
    )
    .await?;
    let details = serde_json::json!({
        "inspection_id": id,
        "broadcast_id": sent.broadcast_id,
        "recipients": sent.total,
        "withdrawn": withdrawn,
    });
    let action = AuditAction::InspectionCancelled;
    operators::audit_source(&mut tx, source, action, details, now).await?;
    tx.commit().await?;
    Ok(Cancelled {
        inspection_id: id,
        broadcast_id: sent.broadcast_id,
        total: sent.total,
        withdrawn,
    })
}

/// How many practitioners were told of the inspection so far (its
/// announcement or a reminder sent), for the operators' card.
pub async fn told(db: &PgPool, id: i64) -> Result<usize, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let broadcasts = broadcasts::of_inspection(&mut conn, id).await?;
    Ok(outbox::chats_sent(&mut conn, &broadcasts).await?.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::*;

    const OLGA: UserId = UserId::from_stored(5001);

    fn today() -> NaiveDate {
        moscow_today(noon())
    }

    fn draft(organisation: Option<&str>, region: Option<&str>, date: NaiveDate) -> InspectionDraft {
        InspectionDraft::parse(
            organisation,
            region,
            date,
            InspectionKind::PlannedOnsite,
            "Медицинские карты за 2026 год, журналы учёта",
            today(),
        )
        .unwrap()
    }

    async fn rows(db: &PgPool) -> Vec<(i64, String, Option<String>, serde_json::Value)> {
        sqlx::query_as("SELECT chat_id, kind, dedup_key, payload FROM outbox ORDER BY id")
            .fetch_all(db)
            .await
            .unwrap()
    }

    /// Schedules with `created_at` as if it had been done on `on`.
    async fn scheduled_on(db: &PgPool, draft: &InspectionDraft, on: NaiveDate) -> i64 {
        let created = on.and_hms_opt(9, 0, 0).unwrap().and_utc();
        staff(db, OLGA).await;
        schedule(db, draft, Source::Operator(OLGA), created)
            .await
            .unwrap()
            .inspection_id
    }

    #[test]
    fn a_draft_names_what_to_fix() {
        let d = date(2026, 12, 1);
        let kind = InspectionKind::UnplannedDocumentary;
        let parse = |o: Option<&str>, r: Option<&str>, date: NaiveDate, p: &str| {
            InspectionDraft::parse(o, r, date, kind, p, today())
        };
        assert_eq!(
            parse(Some(" "), None, d, "x"),
            Err(InspectionRejection::NoTarget)
        );
        assert_eq!(
            parse(Some(&"я".repeat(301)), None, d, "x"),
            Err(InspectionRejection::OrganisationTooLong { max: 300 })
        );
        assert_eq!(
            parse(None, Some(&"я".repeat(201)), d, "x"),
            Err(InspectionRejection::RegionTooLong { max: 200 })
        );
        assert_eq!(
            parse(None, Some("Москва"), today().pred_opt().unwrap(), "x"),
            Err(InspectionRejection::DateInPast)
        );
        assert!(
            parse(None, Some("Москва"), today(), "x").is_ok(),
            "today is fine"
        );
        assert_eq!(
            parse(None, Some("Москва"), d, " "),
            Err(InspectionRejection::PrepareEmpty)
        );
        assert_eq!(
            parse(None, Some("Москва"), d, &"я".repeat(1501)),
            Err(InspectionRejection::PrepareTooLong { max: 1500 })
        );
        for kind in InspectionKind::ALL {
            assert_eq!(InspectionKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn reminders_fall_on_seven_and_one_days_and_catch_up_once() {
        let inspection = date(2026, 12, 20);
        let long_ago = date(2026, 11, 1);
        let on = |d: u32| due_reminder(inspection, long_ago, date(2026, 12, d));
        assert_eq!(on(12), None, "8 days before");
        assert_eq!(on(13), Some(7));
        assert_eq!(on(16), Some(7), "missed: caught up");
        assert_eq!(on(18), Some(7), "2 days left: still the 7-day one");
        assert_eq!(on(19), Some(1));
        assert_eq!(on(20), Some(1), "on the day, if the 1-day one was missed");
        assert_eq!(on(21), None, "over");
        // Scheduled 5 days ahead: the announcement covers the 7-day one.
        let recent = date(2026, 12, 15);
        assert_eq!(due_reminder(inspection, recent, date(2026, 12, 16)), None);
        assert_eq!(
            due_reminder(inspection, recent, date(2026, 12, 19)),
            Some(1)
        );
        // Scheduled for tomorrow: the announcement is all.
        assert_eq!(
            due_reminder(inspection, date(2026, 12, 19), date(2026, 12, 19)),
            None
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_organisation_is_told_and_a_region_only_when_no_organisation(db: PgPool) {
        staff(&db, OLGA).await;
        add(&db, &practitioner(1)).await; // ГП № 5, Москва
        add(
            &db,
            &Practitioner {
                organisation: "ГКБ № 1",
                ..practitioner(2)
            },
        )
        .await;
        add(
            &db,
            &Practitioner {
                organisation: "ГКБ № 1",
                region: "Тверская область",
                ..practitioner(3)
            },
        )
        .await;
        add(&db, &practitioner(4)).await;
        settings(&db, 4, |s| s.inspections = false).await;

        let in_a_week = today() + chrono::Days::new(10);
        let org = draft(Some("гкб № 1"), Some("Москва"), in_a_week);
        assert_eq!(preview_count(&db, &org, noon()).await.unwrap().total, 1);
        let scheduled = schedule(&db, &org, Source::Operator(OLGA), noon())
            .await
            .unwrap();
        assert_eq!(scheduled.total, 1);
        let region = draft(None, Some("Москва"), in_a_week);
        let scheduled = schedule(&db, &region, Source::Cli, noon()).await.unwrap();
        assert_eq!(scheduled.total, 2);

        let rows = rows(&db).await;
        let chats: Vec<i64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(chats, [2, 1, 2]);
        let payload = &rows[0].3;
        assert!(matches!(
            Payload::read(payload).unwrap().push,
            Push::InspectionScheduled { .. }
        ));
        assert_eq!(payload["args"]["scope"], "organisation");
        assert_eq!(payload["args"]["place"], "гкб № 1, Москва");
        assert_eq!(payload["args"]["kind"], "planned_onsite");
        assert_eq!(
            payload["args"]["date"],
            in_a_week.format("%d.%m.%Y").to_string()
        );
        assert_eq!(rows[1].3["args"]["scope"], "region");
        assert!(rows.iter().all(|r| r.1 == "inspection"));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn reminders_go_seven_and_one_day_before_once_each(db: PgPool) {
        for id in [1, 2] {
            add(&db, &practitioner(id)).await;
        }
        let day = |n: u64| today() + chrono::Days::new(n);
        let inspection = day(20);
        let id = scheduled_on(&db, &draft(None, Some("Москва"), inspection), today()).await;
        let sent_on = |n: u64| {
            let db = db.clone();
            async move {
                let today = day(n);
                let now = today.and_hms_opt(9, 0, 0).unwrap().and_utc();
                enqueue_reminders(&db, today, now).await.unwrap()
            }
        };
        assert_eq!(sent_on(12).await, 0, "8 days before");
        assert_eq!(sent_on(13).await, 2, "7 days before");
        // Someone linked after the 7-day reminder went out: the threshold
        // is not filled again for them (nor re-read for everyone).
        add(&db, &practitioner(3)).await;
        assert_eq!(sent_on(13).await, 0, "a second run the same day");
        assert_eq!(sent_on(15).await, 0, "already had the 7-day one");
        assert_eq!(sent_on(19).await, 3, "1 day before, the newcomer too");
        assert_eq!(sent_on(20).await, 0);
        assert_eq!(sent_on(21).await, 0, "over");

        let reminders: Vec<_> = rows(&db)
            .await
            .into_iter()
            .filter(|r| r.1 == "inspection_reminder")
            .collect();
        let keys: Vec<String> = reminders.iter().map(|r| r.2.clone().unwrap()).collect();
        assert_eq!(
            keys,
            [
                format!("inspection:{id}:7:1"),
                format!("inspection:{id}:7:2"),
                format!("inspection:{id}:1:1"),
                format!("inspection:{id}:1:2"),
                format!("inspection:{id}:1:3"),
            ]
        );
        assert!(matches!(
            Payload::read(&reminders[0].3).unwrap().push,
            Push::InspectionReminder { days: 7, .. }
        ));
        assert_eq!(reminders[0].3["args"]["days"], 7);
        assert_eq!(reminders[2].3["args"]["days"], 1);
        let broadcasts: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM broadcasts WHERE kind = 'inspection_reminder'",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(broadcasts, 2, "one per threshold, no empty ones");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_missed_reminder_is_caught_up_with_the_real_days_left(db: PgPool) {
        add(&db, &practitioner(1)).await;
        let day = |n: u64| today() + chrono::Days::new(n);
        scheduled_on(&db, &draft(None, Some("Москва"), day(20)), today()).await;
        // The server was down from day 12 to day 16.
        let now = day(17).and_hms_opt(9, 0, 0).unwrap().and_utc();
        assert_eq!(enqueue_reminders(&db, day(17), now).await.unwrap(), 1);
        let reminder = rows(&db).await.pop().unwrap();
        assert_eq!(reminder.3["args"]["days"], 3);
        assert!(reminder.2.unwrap().contains(":7:"));
    }

    /// As the delivery worker would mark a chat's rows sent.
    async fn mark_sent_for(db: &PgPool, chat_id: i64) {
        sqlx::query("UPDATE outbox SET sent_at = now() WHERE chat_id = $1 AND sent_at IS NULL")
            .bind(chat_id)
            .execute(db)
            .await
            .unwrap();
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_cancellation_tells_those_told_withdraws_the_rest_and_reminds_no_more(db: PgPool) {
        staff(&db, OLGA).await;
        for id in [1, 2, 3] {
            add(&db, &practitioner(id)).await;
        }
        let day = |n: u64| today() + chrono::Days::new(n);
        let id = scheduled_on(&db, &draft(None, Some("Москва"), day(20)), today()).await;
        // 1 and 2 were told; 3's announcement is held for the night.
        mark_sent_for(&db, 1).await;
        mark_sent_for(&db, 2).await;
        // 2 switched inspections off since: told, but wants no more.
        settings(&db, 2, |s| s.inspections = false).await;
        assert_eq!(told(&db, id).await.unwrap(), 2);

        let cancelled = cancel(&db, id, Source::Operator(OLGA), noon())
            .await
            .unwrap();
        assert_eq!((cancelled.total, cancelled.withdrawn), (1, 1));
        assert!(matches!(
            cancel(&db, id, Source::Operator(OLGA), noon()).await,
            Err(CancelError::AlreadyCancelled)
        ));
        assert!(matches!(
            cancel(&db, 999, Source::Cli, noon()).await,
            Err(CancelError::NotFound)
        ));
        let now = day(13).and_hms_opt(9, 0, 0).unwrap().and_utc();
        assert_eq!(enqueue_reminders(&db, day(13), now).await.unwrap(), 0);

        let rows = rows(&db).await;
        let keys: Vec<(i64, bool)> = rows
            .iter()
            .map(|r| {
                let push = Payload::read(&r.3).unwrap().push;
                (r.0, matches!(push, Push::InspectionCancelled { .. }))
            })
            .collect();
        assert_eq!(
            keys,
            [(1, false), (2, false), (1, true)],
            "3 never hears of it; nothing twice"
        );
        assert!(get(&db, id).await.unwrap().unwrap().cancelled_at.is_some());
        assert!(upcoming(&db, today()).await.unwrap().is_empty());
        // The announcement's progress ends at what was sent.
        let announcement: i64 = sqlx::query_scalar(
            "SELECT min(id) FROM broadcasts WHERE subject_id = $1 AND kind = 'inspection'",
        )
        .bind(id)
        .fetch_one(&db)
        .await
        .unwrap();
        let progress = broadcasts::progress(&db, announcement, noon())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((progress.total, progress.sent, progress.pending), (2, 2, 0));

        let audit: Vec<_> = operators::audit_by_operator(&db, OLGA)
            .await
            .unwrap()
            .into_iter()
            .map(|row| (row.action, row.owner_id, row.details))
            .collect();
        assert_eq!(
            audit,
            [
                (
                    Some(AuditAction::InspectionScheduled),
                    None,
                    serde_json::json!({
                        "inspection_id": id,
                        "broadcast_id": announcement,
                        "recipients": 3,
                    })
                ),
                (
                    Some(AuditAction::InspectionCancelled),
                    None,
                    serde_json::json!({
                        "inspection_id": id,
                        "broadcast_id": cancelled.broadcast_id,
                        "recipients": 1,
                        "withdrawn": 1,
                    })
                ),
            ],
            "the refused second cancellation wrote nothing"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn scheduling_and_cancelling_need_an_operator_with_an_open_staff_session(db: PgPool) {
        use crate::review::StaffRefusal;
        add(&db, &practitioner(1)).await;
        let org = draft(
            Some("гкб № 1"),
            Some("Москва"),
            today() + chrono::Days::new(10),
        );
        assert!(matches!(
            schedule(&db, &org, Source::Operator(OLGA), noon()).await,
            Err(PublishError::Refused(StaffRefusal::NotOperator))
        ));
        let scheduled = schedule(&db, &org, Source::Cli, noon()).await.unwrap();
        operators::grant(&db, OLGA, "test", noon()).await.unwrap();
        assert!(matches!(
            cancel(&db, scheduled.inspection_id, Source::Operator(OLGA), noon()).await,
            Err(CancelError::Refused(StaffRefusal::NoStaffSession))
        ));
        let cancelled: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT cancelled_at FROM inspections WHERE id = $1")
                .bind(scheduled.inspection_id)
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(cancelled, None, "not cancelled");
        let refused = operators::audit_by_operator(&db, OLGA)
            .await
            .unwrap()
            .into_iter()
            .filter(|record| record.action == Some(AuditAction::Refused))
            .count();
        assert_eq!(refused, 2);
        staff(&db, OLGA).await;
        cancel(&db, scheduled.inspection_id, Source::Operator(OLGA), noon())
            .await
            .unwrap();
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_cli_schedules_and_cancels_without_an_audit_row(db: PgPool) {
        add(&db, &practitioner(1)).await;
        let d = today() + chrono::Days::new(20);
        let scheduled = schedule(&db, &draft(None, Some("Москва"), d), Source::Cli, noon())
            .await
            .unwrap();
        // Nobody was told yet: nobody to tell of the cancellation.
        let cancelled = cancel(&db, scheduled.inspection_id, Source::Cli, noon())
            .await
            .unwrap();
        assert_eq!((cancelled.total, cancelled.withdrawn), (0, 1));
        assert!(rows(&db).await.is_empty());
        let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM operator_audit")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(audit, 0);
    }
}
