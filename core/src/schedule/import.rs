//! The clinic's schedule: `medcab admin import-schedule FILE.csv`. The
//! format is in docs/schedule-import.md.
//!
//! Each row is one appointment slot or duty shift of one practitioner,
//! named by СНИЛС (found through the accounts' blind index: only a
//! confirmed account, as the education import does). The file is what
//! Russian-locale spreadsheets export: `;` or `,`, UTF-8 with or without a
//! BOM or Windows-1251 (`csv_file`), dates and times `ДД.ММ.ГГГГ ЧЧ:ММ`.
//! Times are the organisation's local time: in the row's `time_zone`
//! column (an IANA name), else the import's zone (`--time-zone`, Moscow by
//! default); the zone is stored with the slot.
//!
//! A row that cannot be a slot is skipped and reported by its line; two
//! rows of one practitioner that overlap are both refused, each naming the
//! other's line; only a file that cannot be read at all stops the import,
//! and then nothing is stored (one transaction).
//!
//! **A re-import of the same period replaces it.** The period is the days
//! from the first row's start to the last row's (in their zones). For every
//! practitioner the file names, their clinic slots that start in the
//! period and are not in the file are cancelled; a row's slot is found by
//! its stable key — the clinic's slot id (`slot_id`) when the file has
//! one, else the kind and the start — kept as a keyed digest. The clinic
//! wins: a slot the practitioner moved or cancelled is put back as the
//! file says, and a slot the practitioner added that overlaps one of the
//! file's is cancelled; the practitioner is told ("overridden"). A refused
//! row's stored slot is left as it was; and a practitioner with a row that
//! did not read at all (a bad date, a missing field) has nothing cancelled
//! by this import, since the slot missing from the file may be that row's.
//!
//! A practitioner is told once per import, in the transaction of the
//! change, when a change touches the next 14 days or overrode their own
//! (`rules::worth_a_push`); a change within 24 hours goes through their
//! quiet hours (`Kind::ScheduleChangedSoon`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::rules::{self, AppointmentKind, Duty, Notice, SlotKind, Span, TypedEnd};
use super::store::{self, NewSlot, StoreError};
use crate::UserId;
use crate::accounts;
use crate::crypto::{RowKey, Vault};
pub use crate::csv_file::SkippedRow;
use crate::csv_file::{self, FirstLines, Header, HeaderProblems};
use crate::dates::{self, DateTimeError};
use crate::domain::Snils;
use crate::history::{Action, Actor};
use crate::outbox::{self, Notification, Payload, Push};

/// Rows between two reports of progress.
const PROGRESS_EVERY: u64 = 200;

const IMPORT_KEY: &str = "schedule import key";

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Slots the file brought for the first time.
    pub inserted: u64,
    /// Stored slots the file changed (moved, another room, put back).
    pub updated: u64,
    /// Stored slots equal to the file's: not written.
    pub unchanged: u64,
    /// Stored slots of the period the file no longer has, and the
    /// practitioners' own slots overlapping the file's: cancelled.
    pub cancelled: u64,
    /// Practitioners' changes the file overrode.
    pub overridden: u64,
    /// Practitioners told of a change (one push each).
    pub notified: u64,
    /// The period replaced: its first and last day, if any row had times.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// Rows left out, in file order.
    pub skipped: Vec<SkippedRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty: expected a header line")]
    Empty,
    #[error("the header is not recognised: {0}; expected {expected} (or the Russian names)", expected = csv_file::expected_header::<Column>(";"))]
    Header(HeaderProblems),
    #[error(
        "the time zone {0} changes its offset during the year (daylight saving time); give a zone of Russia"
    )]
    Zone(String),
    #[error("cannot read the file")]
    Read(#[source] std::io::Error),
    #[error("cannot store the schedule")]
    Database(#[from] sqlx::Error),
    #[error("cannot store the schedule")]
    Store(#[from] StoreError),
}

impl From<crate::history::HistoryError> for ImportError {
    fn from(error: crate::history::HistoryError) -> Self {
        ImportError::Store(StoreError::History(error))
    }
}

/// A column of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Snils,
    Kind,
    Start,
    End,
    Place,
    Detail,
    SlotId,
    TimeZone,
}

impl csv_file::Column for Column {
    const ALL: &'static [Column] = &[
        Column::Snils,
        Column::Kind,
        Column::Start,
        Column::End,
        Column::Place,
        Column::Detail,
        Column::SlotId,
        Column::TimeZone,
    ];

    fn name(self) -> &'static str {
        match self {
            Column::Snils => "snils",
            Column::Kind => "kind",
            Column::Start => "start",
            Column::End => "end",
            Column::Place => "place",
            Column::Detail => "type",
            Column::SlotId => "slot_id",
            Column::TimeZone => "time_zone",
        }
    }

    fn russian_name(self) -> &'static str {
        self.russian_names()[0]
    }

    fn is_named(self, wanted: &str) -> bool {
        self.name() == wanted || self.russian_names().contains(&wanted)
    }

    fn is_required(self) -> bool {
        !matches!(self, Column::Detail | Column::SlotId | Column::TimeZone)
    }
}

impl Column {
    /// The Russian names a clinic's export may have instead, lowercased.
    fn russian_names(self) -> &'static [&'static str] {
        match self {
            Column::Snils => &["снилс"],
            Column::Kind => &["вид"],
            Column::Start => &["начало"],
            Column::End => &["окончание", "конец"],
            Column::Place => &["место", "кабинет или отделение", "кабинет", "отделение"],
            Column::Detail => &["тип"],
            Column::SlotId => &["код", "код слота"],
            Column::TimeZone => &["часовой пояс"],
        }
    }
}

/// The kind as a clinic writes it.
fn parse_kind(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "appointment" | "приём" | "прием" => Some(false),
        "shift" | "дежурство" => Some(true),
        _ => None,
    }
}

/// A row read whole.
#[derive(Debug, Clone)]
struct Parsed {
    line: u64,
    snils: Snils,
    kind: SlotKind,
    span: Span,
    zone: Tz,
    place: String,
    slot_id: Option<String>,
}

/// A row to store, with its owner and key.
#[derive(Debug, Clone)]
struct Accepted {
    line: u64,
    key: Vec<u8>,
    new: NewSlot,
}

/// Imports the slots of a CSV file as of `now`; `zone` is the
/// organisation's, for rows without their own. `on_progress` is told how
/// many bytes have been read.
pub async fn import_csv<R: Read>(
    db: &PgPool,
    vault: &Vault,
    input: R,
    zone: Tz,
    now: DateTime<Utc>,
    mut on_progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    if !rules::has_fixed_offset(zone, now.year()) {
        return Err(ImportError::Zone(zone.name().to_owned()));
    }
    let mut file = csv_file::open(input)
        .map_err(|error| error.into_import(ImportError::Empty, ImportError::Read))?;
    let header = file.reader.byte_headers().map_err(read_error)?;
    let columns =
        Header::<Column>::read(csv_file::header_text(header)).map_err(ImportError::Header)?;

    let mut report = ImportReport::default();
    let mut parsed = Vec::new();
    // The СНИЛС of rows that did not read as slots.
    let mut unsure: HashSet<String> = HashSet::new();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0_u64;
    while let Some(line) = file.next_row(&mut record).map_err(read_error)? {
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY) {
            on_progress(file.consumed());
        }
        match Parsed::read(&columns, &record, line, zone, now.year()) {
            Ok(row) => parsed.push(row),
            Err(reason) => {
                // Whose it was, if that much reads: their slots missing
                // from the file may be this row's, so none is cancelled.
                if let Some(snils) = snils_of(&columns, &record) {
                    unsure.insert(snils.digits().to_owned());
                }
                report.skipped.push(SkippedRow { line, reason });
            }
        }
    }
    on_progress(file.consumed());

    // The period: every row whose times were read counts, refused or not.
    let period = period_of(&parsed);
    report.period = period.map(|(from, until, _, _)| (from, until - Duration::days(1)));

    // СНИЛС → the account, asked once per person.
    let mut owners: HashMap<String, Option<UserId>> = HashMap::new();
    // Key → the line that gave it: the same slot twice is the file's mistake.
    let mut seen = FirstLines::default();
    let mut by_owner: BTreeMap<i64, Vec<Accepted>> = BTreeMap::new();
    for row in parsed {
        let owner = match owners.get(row.snils.digits()) {
            Some(owner) => *owner,
            None => {
                let owner = accounts::confirmed_by_snils(db, vault, &row.snils).await?;
                owners.insert(row.snils.digits().to_owned(), owner);
                owner
            }
        };
        let Some(owner) = owner else {
            report.skipped.push(SkippedRow {
                line: row.line,
                reason: format!(
                    "{}: no confirmed account has this СНИЛС; import the row once the practitioner has connected",
                    columns.name(Column::Snils)
                ),
            });
            continue;
        };
        let key = import_key(vault, &row);
        if let Some(first) = seen.earlier(key.clone(), row.line) {
            report.skipped.push(SkippedRow {
                line: row.line,
                reason: format!(
                    "the same slot (СНИЛС and slot id, or kind and start) is on line {first}; only that row is imported"
                ),
            });
            continue;
        }
        by_owner.entry(owner.get()).or_default().push(Accepted {
            line: row.line,
            key,
            new: NewSlot {
                kind: row.kind,
                span: row.span,
                zone: row.zone,
                place: row.place,
            },
        });
    }

    // Two rows of one practitioner that overlap: both refused, each
    // naming the other; their stored slots are left as they are.
    let mut kept: HashSet<Vec<u8>> = HashSet::new();
    for accepted in by_owner.values_mut() {
        accepted.sort_by_key(|row| (row.new.span.start(), row.line));
        let mut clashes: BTreeMap<u64, u64> = BTreeMap::new();
        for (i, row) in accepted.iter().enumerate() {
            for other in &accepted[i + 1..] {
                if other.new.span.start() >= row.new.span.end() {
                    break;
                }
                if other.new.span.overlaps(row.new.span) {
                    clashes.entry(row.line).or_insert(other.line);
                    clashes.entry(other.line).or_insert(row.line);
                }
            }
        }
        accepted.retain(|row| match clashes.get(&row.line) {
            None => true,
            Some(other) => {
                report.skipped.push(SkippedRow {
                    line: row.line,
                    reason: format!(
                        "overlaps line {other} (the same practitioner at the same time); neither row is imported"
                    ),
                });
                kept.insert(row.key.clone());
                false
            }
        });
    }
    report.skipped.sort_by_key(|skipped| skipped.line);

    let mut unsure_owners: HashSet<i64> = HashSet::new();
    for digits in &unsure {
        if let Some(Some(owner)) = owners.get(digits) {
            unsure_owners.insert(owner.get());
        }
    }

    let import = Uuid::new_v4();
    let mut tx = db.begin().await?;
    for (owner, accepted) in by_owner {
        let cancel_missing = !unsure_owners.contains(&owner);
        let owner = UserId::from_stored(owner);
        let outcome = apply(
            &mut tx,
            vault,
            owner,
            &accepted,
            &kept,
            period
                .filter(|_| cancel_missing)
                .map(|(_, _, from, until)| (from, until)),
            now,
        )
        .await?;
        report.inserted += outcome.inserted;
        report.updated += outcome.updated;
        report.unchanged += outcome.unchanged;
        report.cancelled += outcome.cancelled;
        report.overridden += outcome.overridden;
        if let Some(push) = outcome.push(owner, import) {
            outbox::enqueue(&mut tx, &push, now).await?;
            report.notified += 1;
        }
    }
    tx.commit().await?;
    Ok(report)
}

/// The file's days: (first day, the day after the last, and the same as
/// instants), each day in its row's zone.
fn period_of(rows: &[Parsed]) -> Option<(NaiveDate, NaiveDate, DateTime<Utc>, DateTime<Utc>)> {
    let first = rows.iter().min_by_key(|row| row.span.start())?;
    let last = rows.iter().max_by_key(|row| row.span.start())?;
    let from_day = rules::day_of(first.zone, first.span);
    let until_day = rules::day_of(last.zone, last.span) + Duration::days(1);
    let (from, _) = rules::days_between(first.zone, from_day, from_day);
    let (_, until) = rules::days_between(last.zone, until_day, until_day);
    Some((from_day, until_day, from, until))
}

/// What an import did to one practitioner's schedule.
#[derive(Debug, Default)]
struct Outcome {
    inserted: u64,
    updated: u64,
    unchanged: u64,
    cancelled: u64,
    overridden: u64,
    /// Each change: before and after (`None`: not there), in its zone.
    changes: Vec<(Option<Span>, Option<Span>, Tz)>,
    now: Option<DateTime<Utc>>,
}

impl Outcome {
    /// The practitioner's push, when a change is worth one or one of their
    /// own was overridden.
    fn push(&self, owner: UserId, import: Uuid) -> Option<Notification> {
        let now = self.now?;
        let worth: Vec<_> = self
            .changes
            .iter()
            .map(|(before, after, zone)| {
                (
                    rules::worth_a_push(now, *before, *after),
                    *before,
                    *after,
                    *zone,
                )
            })
            .filter(|(notice, ..)| *notice != Notice::None)
            .collect();
        if worth.is_empty() && self.overridden == 0 {
            return None;
        }
        let soon = worth.iter().any(|(notice, ..)| *notice == Notice::Soon);
        // The nearest day the changes touch that is not past.
        let days = |items: &mut dyn Iterator<Item = (Option<Span>, Option<Span>, Tz)>| {
            items
                .flat_map(|(before, after, zone)| {
                    before
                        .into_iter()
                        .chain(after)
                        .filter(|span| span.end() > now)
                        .map(move |span| rules::day_of(zone, span))
                })
                .min()
        };
        let first = days(
            &mut worth
                .iter()
                .map(|(_, before, after, zone)| (*before, *after, *zone)),
        )
        .or_else(|| days(&mut self.changes.iter().copied()));
        let kind = if soon {
            outbox::Kind::ScheduleChangedSoon
        } else {
            outbox::Kind::ScheduleChanged
        };
        let mut notification = Notification::new(
            owner.private_chat(),
            kind,
            // Counts and a day: nothing of where or what (a locked screen).
            Payload::new(Push::ScheduleChanged {
                changes: i64::try_from(worth.len()).unwrap_or(i64::MAX),
                first,
                overridden: i64::try_from(self.overridden).unwrap_or(i64::MAX),
            }),
        );
        notification.dedup_key = Some(format!("schedule-import:{import}:{}", owner.get()));
        Some(notification)
    }
}

/// A stored clinic slot with its key.
struct Stored {
    slot: store::Slot,
    key: Vec<u8>,
}

/// One practitioner's part of the file, applied in the import's
/// transaction under their schedule's lock.
async fn apply(
    tx: &mut PgConnection,
    vault: &Vault,
    owner: UserId,
    accepted: &[Accepted],
    kept: &HashSet<Vec<u8>>,
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Result<Outcome, ImportError> {
    store::lock_schedule(tx, owner).await?;
    let mut outcome = Outcome {
        now: Some(now),
        ..Outcome::default()
    };
    let keys: Vec<Vec<u8>> = accepted.iter().map(|row| row.key.clone()).collect();
    let (from, until) = period.unwrap_or((now, now));
    let mut stored: HashMap<Vec<u8>, Stored> = HashMap::new();
    for found in clinic_slots(tx, vault, owner, &keys, from, until).await? {
        stored.insert(found.key.clone(), found);
    }
    let system = |action| (Actor::System, action);
    for row in accepted {
        match stored.remove(&row.key) {
            None => {
                let uid = uid_of(&row.key);
                let slot =
                    store::insert(tx, vault, owner, &row.new, uid, Some(&row.key), now).await?;
                store::version(tx, vault, &slot, system(Action::Created), now).await?;
                outcome.inserted += 1;
                outcome
                    .changes
                    .push((None, Some(row.new.span), row.new.zone));
            }
            Some(Stored { slot: before, .. }) => {
                let after = store::Slot {
                    kind: row.new.kind,
                    span: row.new.span,
                    zone: row.new.zone,
                    place: row.new.place.clone(),
                    changed_by_practitioner: false,
                    cancelled: false,
                    ..before.clone()
                };
                if after == before {
                    outcome.unchanged += 1;
                    continue;
                }
                let same_as_file = store::Slot {
                    changed_by_practitioner: false,
                    ..before.clone()
                } == after;
                store::rewrite(tx, vault, &after, now).await?;
                if same_as_file {
                    // The practitioner's change is what the clinic now
                    // says too: nothing is lost, nothing to tell.
                    outcome.unchanged += 1;
                    continue;
                }
                store::version(tx, vault, &after, system(Action::Updated), now).await?;
                outcome.updated += 1;
                if before.changed_by_practitioner {
                    outcome.overridden += 1;
                }
                let was = (!before.cancelled).then_some(before.span);
                outcome.changes.push((was, Some(after.span), after.zone));
            }
        }
    }
    // The period's clinic slots the file no longer has.
    for Stored { slot, key } in stored.into_values() {
        if kept.contains(&key) || !(from <= slot.span.start() && slot.span.start() < until) {
            continue;
        }
        if slot.cancelled {
            if slot.changed_by_practitioner {
                // Cancelled by the practitioner, gone from the clinic's
                // schedule too: they agree.
                let agreed = store::Slot {
                    changed_by_practitioner: false,
                    ..slot
                };
                store::rewrite(tx, vault, &agreed, now).await?;
            }
            continue;
        }
        let cancelled = store::Slot {
            cancelled: true,
            changed_by_practitioner: false,
            ..slot.clone()
        };
        store::rewrite(tx, vault, &cancelled, now).await?;
        store::version(tx, vault, &cancelled, system(Action::Deleted), now).await?;
        outcome.cancelled += 1;
        if slot.changed_by_practitioner {
            outcome.overridden += 1;
        }
        outcome.changes.push((Some(slot.span), None, slot.zone));
    }
    // The practitioner's own slots that the clinic's now overlap.
    for row in accepted {
        let own = store::own_overlapping(tx, vault, owner, row.new.span).await?;
        for slot in own {
            let cancelled = store::Slot {
                cancelled: true,
                ..slot.clone()
            };
            store::rewrite(tx, vault, &cancelled, now).await?;
            store::version(tx, vault, &cancelled, system(Action::Deleted), now).await?;
            outcome.cancelled += 1;
            outcome.overridden += 1;
            outcome.changes.push((Some(slot.span), None, slot.zone));
        }
    }
    Ok(outcome)
}

/// The owner's clinic slots with one of `keys`, or starting in
/// `[from, until)`, cancelled ones too.
async fn clinic_slots(
    tx: &mut PgConnection,
    vault: &Vault,
    owner: UserId,
    keys: &[Vec<u8>],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Stored>, ImportError> {
    let rows = sqlx::query!(
        r#"
        SELECT id, kind, appointment, duty, starts_at, ends_at, time_zone, place, uid,
               import_key AS "import_key!", changed_by_practitioner,
               cancelled_at IS NOT NULL AS "cancelled!", updated_at
        FROM schedule_slots
        WHERE owner_id = $1 AND import_key IS NOT NULL
          AND (import_key = ANY($2) OR (starts_at >= $3 AND starts_at < $4))
        FOR UPDATE
        "#,
        owner.get(),
        keys,
        from,
        until,
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let corrupt = || ImportError::Store(StoreError::Corrupt);
        let kind =
            SlotKind::from_columns(&row.kind, row.appointment.as_deref(), row.duty.as_deref())
                .ok_or_else(corrupt)?;
        let place = vault
            .open_str(store::PLACE_FIELD, &RowKey::id(row.id), &row.place)
            .map_err(StoreError::from)?;
        found.push(Stored {
            slot: store::Slot {
                id: row.id,
                owner,
                kind,
                span: Span::new(row.starts_at, row.ends_at).ok_or_else(corrupt)?,
                zone: row.time_zone.parse().map_err(|_| corrupt())?,
                place,
                uid: row.uid,
                imported: true,
                changed_by_practitioner: row.changed_by_practitioner,
                cancelled: row.cancelled,
                updated_at: row.updated_at,
            },
            key: row.import_key,
        });
    }
    Ok(found)
}

/// An imported slot's UID, from its key: the same slot keeps it whatever
/// happens to the row.
fn uid_of(key: &[u8]) -> Uuid {
    let mut bytes = [0_u8; 16];
    for (byte, from) in bytes.iter_mut().zip(key) {
        *byte = *from;
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The row's stable key (see the module's documentation), keyed so that a
/// dump does not confirm a guessed slot.
fn import_key(vault: &Vault, row: &Parsed) -> Vec<u8> {
    let start = row.span.start().to_rfc3339();
    let parts: Vec<&str> = match &row.slot_id {
        Some(id) => vec![row.snils.digits(), "id", id],
        None => vec![row.snils.digits(), row.kind.code(), &start],
    };
    vault.keyed_digest_of_parts(IMPORT_KEY, &parts)
}

fn read_error(error: csv::Error) -> ImportError {
    ImportError::Read(csv_file::read_error(error))
}

/// The row's СНИЛС, if it reads, whatever else is wrong with the row.
fn snils_of(columns: &Header<Column>, record: &csv::ByteRecord) -> Option<Snils> {
    let raw = columns.cell(record, Column::Snils)?;
    Snils::parse(csv_file::text(raw).trim()).ok()
}

impl Parsed {
    fn read(
        columns: &Header<Column>,
        record: &csv::ByteRecord,
        line: u64,
        zone: Tz,
        year: i32,
    ) -> Result<Parsed, String> {
        let values = columns.values(record)?;
        let get = |column| values.get(&column).map(String::as_str).unwrap_or_default();
        let named = |column, problem: String| format!("{}: {problem}", columns.name(column));
        let mut problems = Vec::new();

        let snils = Snils::parse(get(Column::Snils))
            .map_err(|error| problems.push(named(Column::Snils, error.to_string())))
            .ok();
        let shift = match parse_kind(get(Column::Kind)) {
            Some(shift) => Some(shift),
            None => {
                problems.push(named(
                    Column::Kind,
                    format!(
                        "{:?} is not a kind; write приём or дежурство",
                        get(Column::Kind)
                    ),
                ));
                None
            }
        };
        let detail = get(Column::Detail);
        let kind = shift.and_then(|shift| {
            let kind = if shift {
                Duty::from_clinic(detail).map(SlotKind::Shift)
            } else {
                AppointmentKind::from_clinic(detail).map(SlotKind::Appointment)
            };
            if kind.is_none() {
                let expected = if shift {
                    "на месте or на дому"
                } else {
                    "первичный, повторный, профосмотр, на дому, телемедицина or empty"
                };
                problems.push(named(
                    Column::Detail,
                    format!("{detail:?} is not a type; write {expected}"),
                ));
            }
            kind
        });
        let zone = match values.get(&Column::TimeZone) {
            None => Some(zone),
            Some(name) => match name.parse::<Tz>() {
                Ok(zone) if rules::has_fixed_offset(zone, year) => Some(zone),
                Ok(_) => {
                    problems.push(named(
                        Column::TimeZone,
                        format!("{name} changes its offset during the year; give a zone of Russia"),
                    ));
                    None
                }
                Err(_) => {
                    problems.push(named(
                        Column::TimeZone,
                        format!(
                            "{name:?} is not a time zone (an IANA name: Europe/Moscow, Asia/Omsk)"
                        ),
                    ));
                    None
                }
            },
        };
        let start = dates::parse_date_time(get(Column::Start))
            .map_err(|error| problems.push(named(Column::Start, when_problem(error, true))))
            .ok();
        let end_text = get(Column::End);
        let end = match dates::parse_date_time(end_text) {
            Ok(at) => Some(TypedEnd::At(at)),
            Err(DateTimeError::Shape) => match dates::parse_time(end_text) {
                Ok(time) => Some(TypedEnd::Time(time)),
                Err(error) => {
                    problems.push(named(Column::End, when_problem(error, false)));
                    None
                }
            },
            Err(error) => {
                problems.push(named(Column::End, when_problem(error, true)));
                None
            }
        };
        let place = rules::place(get(Column::Place))
            .map_err(|problem| problems.push(named(Column::Place, problem.to_string())))
            .ok();
        let span = match (kind, start, end, zone) {
            (Some(kind), Some(start), Some(end), Some(zone)) => {
                match rules::span_of(kind.is_shift(), start, end, zone) {
                    Ok(span) => Some(span),
                    Err(problem) => {
                        problems.push(named(Column::End, span_problem(problem, kind)));
                        None
                    }
                }
            }
            _ => None,
        };
        match (snils, kind, span, zone, place) {
            (Some(snils), Some(kind), Some(span), Some(zone), Some(place))
                if problems.is_empty() =>
            {
                Ok(Parsed {
                    line,
                    snils,
                    kind,
                    span,
                    zone,
                    place,
                    slot_id: values.get(&Column::SlotId).cloned(),
                })
            }
            _ => Err(problems.join("; ")),
        }
    }
}

/// A date or time problem in words for the person who made the file.
fn when_problem(error: DateTimeError, with_date: bool) -> String {
    match error {
        DateTimeError::Shape if with_date => "not ДД.ММ.ГГГГ ЧЧ:ММ".to_owned(),
        DateTimeError::Shape => "not ДД.ММ.ГГГГ ЧЧ:ММ or ЧЧ:ММ".to_owned(),
        DateTimeError::NoSuchDate => "there is no such date".to_owned(),
        DateTimeError::NoSuchTime => "there is no such time".to_owned(),
    }
}

fn span_problem(problem: rules::SpanProblem, kind: SlotKind) -> String {
    match problem {
        rules::SpanProblem::EndBeforeStart if kind.is_shift() => {
            "the shift ends before it starts".to_owned()
        }
        rules::SpanProblem::EndBeforeStart => "the appointment ends before it starts".to_owned(),
        rules::SpanProblem::TooLong if kind.is_shift() => format!(
            "longer than {} hours: check the dates",
            rules::MAX_SHIFT.num_hours()
        ),
        rules::SpanProblem::TooLong => format!(
            "longer than {} hours: check the dates",
            rules::MAX_APPOINTMENT.num_hours()
        ),
        rules::SpanProblem::NoSuchLocalTime => {
            "the time zone skips this time (a clock change)".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_as_clinics_write_them() {
        assert_eq!(parse_kind("Приём"), Some(false));
        assert_eq!(parse_kind(" ДЕЖУРСТВО "), Some(true));
        assert_eq!(parse_kind("shift"), Some(true));
        assert_eq!(parse_kind("отпуск"), None);
    }

    #[test]
    fn an_imported_slot_keeps_its_uid() {
        let key = vec![7_u8; 32];
        assert_eq!(uid_of(&key), uid_of(&key));
        assert_ne!(uid_of(&key), uid_of(&[8_u8; 32]));
    }
}
