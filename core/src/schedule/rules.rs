//! The schedule's rules, pure: what a slot is, when two overlap, how a
//! typed end is read, and which change by the clinic is worth a push.
//! No table, no messenger, no words: enums and instants the bot words.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The longest appointment slot: a clinic's reception runs at most a
/// working day; a longer one is a typo (a wrong date).
pub const MAX_APPOINTMENT: Duration = Duration::hours(12);

/// The longest duty shift: a day and a night and the next day
/// («сутки плюс»), 32 hours in practice; 36 leaves room for a handover.
pub const MAX_SHIFT: Duration = Duration::hours(36);

/// Characters of a room or a department.
pub const PLACE_MAX_CHARS: usize = 100;

/// How far ahead a clinic's change is told to the practitioner: what is
/// further ahead they will see when they look.
pub const PUSH_HORIZON: Duration = Duration::days(14);

/// A change this close is told even in the practitioner's quiet hours:
/// tomorrow morning's reception moved is news tonight.
pub const SOON: Duration = Duration::hours(24);

/// What kind of appointment a slot is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentKind {
    /// Приём, without more said.
    General,
    /// Первичный приём.
    Primary,
    /// Повторный приём.
    Repeat,
    /// Профилактический осмотр, диспансеризация.
    Preventive,
    /// Приём на дому (вызовы).
    Home,
    /// Телемедицинская консультация.
    Telemedicine,
}

impl AppointmentKind {
    pub const ALL: [AppointmentKind; 6] = [
        AppointmentKind::General,
        AppointmentKind::Primary,
        AppointmentKind::Repeat,
        AppointmentKind::Preventive,
        AppointmentKind::Home,
        AppointmentKind::Telemedicine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentKind::General => "general",
            AppointmentKind::Primary => "primary",
            AppointmentKind::Repeat => "repeat",
            AppointmentKind::Preventive => "preventive",
            AppointmentKind::Home => "home",
            AppointmentKind::Telemedicine => "telemedicine",
        }
    }

    pub fn parse(code: &str) -> Option<AppointmentKind> {
        AppointmentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == code)
    }

    /// As a clinic's export writes it: the code, or the Russian words.
    pub fn from_clinic(text: &str) -> Option<AppointmentKind> {
        let text = text.trim().to_lowercase();
        AppointmentKind::parse(&text).or(match text.as_str() {
            "" | "приём" | "прием" | "амбулаторный приём" | "амбулаторный прием" => {
                Some(AppointmentKind::General)
            }
            "первичный" | "первичный приём" | "первичный прием" => {
                Some(AppointmentKind::Primary)
            }
            "повторный" | "повторный приём" | "повторный прием" => {
                Some(AppointmentKind::Repeat)
            }
            "профосмотр" | "профилактический осмотр" | "диспансеризация" => {
                Some(AppointmentKind::Preventive)
            }
            "на дому" | "вызов на дом" | "вызовы на дом" | "вызовы" => {
                Some(AppointmentKind::Home)
            }
            "телемедицина" | "тмк" | "телемедицинская консультация" => {
                Some(AppointmentKind::Telemedicine)
            }
            _ => None,
        })
    }
}

/// How a duty shift is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Duty {
    /// In the hospital, on the ward («в стационаре»).
    OnSite,
    /// At home, reachable and called in when needed («на дому»).
    OnCall,
}

impl Duty {
    pub const ALL: [Duty; 2] = [Duty::OnSite, Duty::OnCall];

    pub fn as_str(self) -> &'static str {
        match self {
            Duty::OnSite => "on_site",
            Duty::OnCall => "on_call",
        }
    }

    pub fn parse(code: &str) -> Option<Duty> {
        Duty::ALL.into_iter().find(|duty| duty.as_str() == code)
    }

    /// As a clinic's export writes it: the code, or the Russian words.
    pub fn from_clinic(text: &str) -> Option<Duty> {
        let text = text.trim().to_lowercase();
        Duty::parse(&text).or(match text.as_str() {
            "" | "на месте" | "в стационаре" | "очно" | "очное" => {
                Some(Duty::OnSite)
            }
            "на дому" | "на связи" | "по вызову" | "надомное" => {
                Some(Duty::OnCall)
            }
            _ => None,
        })
    }
}

/// An appointment slot or a duty shift, with what distinguishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotKind {
    Appointment(AppointmentKind),
    Shift(Duty),
}

impl SlotKind {
    pub fn is_shift(self) -> bool {
        matches!(self, SlotKind::Shift(_))
    }

    /// The table's `kind` column.
    pub fn code(self) -> &'static str {
        match self {
            SlotKind::Appointment(_) => "appointment",
            SlotKind::Shift(_) => "shift",
        }
    }

    /// The kind of appointment or the duty's code.
    pub fn detail(self) -> &'static str {
        match self {
            SlotKind::Appointment(kind) => kind.as_str(),
            SlotKind::Shift(duty) => duty.as_str(),
        }
    }

    /// From the table's columns.
    pub fn from_columns(
        kind: &str,
        appointment: Option<&str>,
        duty: Option<&str>,
    ) -> Option<SlotKind> {
        match kind {
            "appointment" => appointment
                .and_then(AppointmentKind::parse)
                .map(SlotKind::Appointment),
            "shift" => duty.and_then(Duty::parse).map(SlotKind::Shift),
            _ => None,
        }
    }
}

/// A stretch of time, its start inside and its end not; never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Span {
    /// `None` when the end is not after the start.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Span> {
        (start < end).then_some(Span { start, end })
    }

    pub fn start(self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(self) -> DateTime<Utc> {
        self.end
    }

    pub fn length(self) -> Duration {
        self.end - self.start
    }

    /// Whether the two share a moment. One ending at 10:00 and the next
    /// starting at 10:00 do not: back-to-back slots are the usual day.
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether any of it falls in `[from, until)`.
    pub fn touches(self, from: DateTime<Utc>, until: DateTime<Utc>) -> bool {
        self.start < until && from < self.end
    }

    /// The same length, starting at `start`.
    pub fn moved_to(self, start: DateTime<Utc>) -> Span {
        Span {
            start,
            end: start + self.length(),
        }
    }
}

/// Why a typed or imported start and end are no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SpanProblem {
    /// The end is at or before the start (an appointment typed 10:00 to
    /// 09:00, or any slot with its end's date before its start's).
    #[error("the end is not after the start")]
    EndBeforeStart,
    /// Longer than [`MAX_APPOINTMENT`] or [`MAX_SHIFT`].
    #[error("longer than a slot of this kind can be")]
    TooLong,
    /// A local time the zone skips (a clock change; not in Russia since
    /// 2014, but a zone that has one is not refused for it).
    #[error("the zone has no such local time")]
    NoSuchLocalTime,
}

/// The end of a slot as it was written: a time alone (the start's day, or
/// for a shift the next day when it is not after the start's time), or a
/// date and a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedEnd {
    Time(NaiveTime),
    At(NaiveDateTime),
}

/// A local time in `zone` as an instant; a skipped time is refused, a
/// repeated one (a clock going back) is its earlier instant.
pub fn local_instant(zone: Tz, local: NaiveDateTime) -> Result<DateTime<Utc>, SpanProblem> {
    zone.from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .ok_or(SpanProblem::NoSuchLocalTime)
}

/// The span of a slot of this kind from its local start and its end as
/// written, in the organisation's `zone`. A shift may cross midnight (a
/// time alone not after the start's is the next day's); an appointment's
/// time alone must come after its start on the same day.
pub fn span_of(
    shift: bool,
    start: NaiveDateTime,
    end: TypedEnd,
    zone: Tz,
) -> Result<Span, SpanProblem> {
    let end = match end {
        TypedEnd::At(at) => at,
        TypedEnd::Time(time) if shift && time <= start.time() => {
            (start.date() + Duration::days(1)).and_time(time)
        }
        TypedEnd::Time(time) => start.date().and_time(time),
    };
    if end <= start {
        return Err(SpanProblem::EndBeforeStart);
    }
    let span = Span::new(local_instant(zone, start)?, local_instant(zone, end)?)
        .ok_or(SpanProblem::EndBeforeStart)?;
    let longest = if shift { MAX_SHIFT } else { MAX_APPOINTMENT };
    if span.length() > longest {
        return Err(SpanProblem::TooLong);
    }
    Ok(span)
}

/// Why a room or a department is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlaceProblem {
    #[error("required")]
    Empty,
    #[error("longer than {PLACE_MAX_CHARS} characters")]
    TooLong,
}

/// A room or a department as it is kept: spaces trimmed and runs of them
/// made one, not empty, at most [`PLACE_MAX_CHARS`].
pub fn place(text: &str) -> Result<String, PlaceProblem> {
    let place = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if place.is_empty() {
        return Err(PlaceProblem::Empty);
    }
    if place.chars().count() > PLACE_MAX_CHARS {
        return Err(PlaceProblem::TooLong);
    }
    Ok(place)
}

/// Those of `others` that overlap `candidate`, in the order given.
pub fn conflicts<T>(candidate: Span, others: impl IntoIterator<Item = (T, Span)>) -> Vec<T> {
    others
        .into_iter()
        .filter(|(_, span)| span.overlaps(candidate))
        .map(|(item, _)| item)
        .collect()
}

/// Whether a change by the clinic is told, and how urgently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Notice {
    /// Past, further than [`PUSH_HORIZON`], or no change at all.
    None,
    /// Within [`PUSH_HORIZON`]: told, after the quiet hours.
    Later,
    /// Within [`SOON`]: told even in the quiet hours.
    Soon,
}

/// What a change of a slot from `before` to `after` (`None`: not there,
/// cancelled or not yet added) is worth at `now`: the nearer of the two
/// decides, so a slot moved from next month to tomorrow is told at once,
/// and one moved from tomorrow to next month too (tomorrow is free now).
pub fn worth_a_push(now: DateTime<Utc>, before: Option<Span>, after: Option<Span>) -> Notice {
    if before == after {
        return Notice::None;
    }
    let spans = || before.into_iter().chain(after);
    if spans().any(|span| span.touches(now, now + SOON)) {
        Notice::Soon
    } else if spans().any(|span| span.touches(now, now + PUSH_HORIZON)) {
        Notice::Later
    } else {
        Notice::None
    }
}

/// The Monday of the week `date` is in (a Russian week starts on Monday).
pub fn week_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The first day of `date`'s month.
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The first day of the month after `date`'s.
pub fn next_month(date: NaiveDate) -> NaiveDate {
    let first = month_of(date);
    let (year, month) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(first + Duration::days(31))
}

/// The instants of local midnight at the start of `from` and of `until`
/// in `zone`: the days `[from, until)` as a stretch of time.
pub fn days_between(zone: Tz, from: NaiveDate, until: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |date: NaiveDate| {
        let local = date.and_time(NaiveTime::MIN);
        local_instant(zone, local).unwrap_or_else(|_| Utc.from_utc_datetime(&local))
    };
    (midnight(from), midnight(until))
}

/// The day a slot is listed on: the local day of its start (a night shift
/// belongs to the evening it begins).
pub fn day_of(zone: Tz, span: Span) -> NaiveDate {
    span.start.with_timezone(&zone).date_naive()
}

/// Whether a slot ends on a later local day than it starts (a night shift).
pub fn crosses_midnight(zone: Tz, span: Span) -> bool {
    // The end instant is not inside the slot: a slot ending at 00:00 ends
    // on its own day.
    let last = span.end - Duration::seconds(1);
    last.with_timezone(&zone).date_naive() > day_of(zone, span)
}

/// Whether the zone keeps one offset all year (every Russian zone since
/// 2014): the calendar file describes such a zone by that offset alone.
pub fn has_fixed_offset(zone: Tz, year: i32) -> bool {
    use chrono::Offset;
    let offset = |month| {
        NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|date| date.and_hms_opt(12, 0, 0))
            .map(|at| zone.offset_from_utc_datetime(&at).fix())
    };
    offset(1) == offset(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%d.%m.%Y %H:%M").unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn span(from: &str, until: &str) -> Span {
        Span::new(at(from), at(until)).unwrap()
    }

    const MOSCOW: Tz = Tz::Europe__Moscow;

    #[test]
    fn back_to_back_slots_do_not_overlap_and_a_shared_minute_does() {
        let nine = span("2026-12-07T06:00:00Z", "2026-12-07T06:30:00Z");
        let half_past = span("2026-12-07T06:30:00Z", "2026-12-07T07:00:00Z");
        let inside = span("2026-12-07T06:10:00Z", "2026-12-07T06:20:00Z");
        let across = span("2026-12-07T06:29:00Z", "2026-12-07T06:31:00Z");
        assert!(!nine.overlaps(half_past) && !half_past.overlaps(nine));
        assert!(nine.overlaps(inside) && inside.overlaps(nine));
        assert!(nine.overlaps(across) && half_past.overlaps(across));
        assert!(nine.overlaps(nine));
        assert_eq!(
            conflicts(inside, [(1, nine), (2, half_past), (3, inside)]),
            [1, 3]
        );
        assert_eq!(
            Span::new(at("2026-12-07T06:00:00Z"), at("2026-12-07T06:00:00Z")),
            None
        );
    }

    #[test]
    fn a_shift_crosses_midnight_and_an_appointment_does_not() {
        let evening = local("07.12.2026 20:00");
        let night = span_of(true, evening, TypedEnd::Time(hm(8, 0)), MOSCOW).unwrap();
        assert_eq!(night.start(), at("2026-12-07T17:00:00Z"));
        assert_eq!(night.end(), at("2026-12-08T05:00:00Z"));
        assert!(crosses_midnight(MOSCOW, night));
        assert_eq!(
            day_of(MOSCOW, night),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        // A whole day: 08:00 to 08:00.
        let day = span_of(
            true,
            local("07.12.2026 08:00"),
            TypedEnd::Time(hm(8, 0)),
            MOSCOW,
        );
        assert_eq!(day.unwrap().length(), Duration::hours(24));

        let morning = local("07.12.2026 10:00");
        assert_eq!(
            span_of(false, morning, TypedEnd::Time(hm(9, 0)), MOSCOW),
            Err(SpanProblem::EndBeforeStart)
        );
        assert_eq!(
            span_of(false, morning, TypedEnd::Time(hm(10, 0)), MOSCOW),
            Err(SpanProblem::EndBeforeStart)
        );
        let reception = span_of(false, morning, TypedEnd::Time(hm(14, 0)), MOSCOW).unwrap();
        assert!(!crosses_midnight(MOSCOW, reception));
    }

    #[test]
    fn an_end_written_with_its_date_before_the_start_is_refused_for_a_shift_too() {
        let evening = local("07.12.2026 20:00");
        assert_eq!(
            span_of(
                true,
                evening,
                TypedEnd::At(local("06.12.2026 08:00")),
                MOSCOW
            ),
            Err(SpanProblem::EndBeforeStart)
        );
        assert_eq!(
            span_of(
                true,
                evening,
                TypedEnd::At(local("09.12.2026 20:00")),
                MOSCOW
            ),
            Err(SpanProblem::TooLong)
        );
        assert_eq!(
            span_of(
                false,
                local("07.12.2026 08:00"),
                TypedEnd::At(local("07.12.2026 21:00")),
                MOSCOW
            ),
            Err(SpanProblem::TooLong)
        );
    }

    #[test]
    fn times_are_read_in_the_organisations_zone() {
        let omsk = span_of(
            false,
            local("07.12.2026 09:00"),
            TypedEnd::Time(hm(9, 30)),
            Tz::Asia__Omsk,
        )
        .unwrap();
        assert_eq!(omsk.start(), at("2026-12-07T03:00:00Z"));
        // Berlin skips 02:00–03:00 on the last Sunday of March.
        assert_eq!(
            span_of(
                true,
                local("29.03.2026 02:30"),
                TypedEnd::Time(hm(8, 0)),
                Tz::Europe__Berlin
            ),
            Err(SpanProblem::NoSuchLocalTime)
        );
        assert!(has_fixed_offset(MOSCOW, 2026) && has_fixed_offset(Tz::Asia__Kamchatka, 2026));
        assert!(!has_fixed_offset(Tz::Europe__Berlin, 2026));
    }

    #[test]
    fn a_change_within_fourteen_days_is_told_and_within_a_day_at_once() {
        let now = at("2026-12-07T09:00:00Z");
        let tomorrow = span("2026-12-08T06:00:00Z", "2026-12-08T07:00:00Z");
        let next_week = span("2026-12-14T06:00:00Z", "2026-12-14T07:00:00Z");
        let next_month = span("2027-01-11T06:00:00Z", "2027-01-11T07:00:00Z");
        let past = span("2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z");
        assert_eq!(worth_a_push(now, None, Some(tomorrow)), Notice::Soon);
        assert_eq!(worth_a_push(now, Some(tomorrow), None), Notice::Soon);
        assert_eq!(worth_a_push(now, Some(next_week), None), Notice::Later);
        assert_eq!(
            worth_a_push(now, Some(next_month), Some(tomorrow)),
            Notice::Soon
        );
        assert_eq!(
            worth_a_push(now, Some(tomorrow), Some(next_month)),
            Notice::Soon
        );
        assert_eq!(worth_a_push(now, None, Some(next_month)), Notice::None);
        assert_eq!(worth_a_push(now, Some(past), None), Notice::None);
        assert_eq!(
            worth_a_push(now, Some(next_week), Some(next_week)),
            Notice::None
        );
        // The fourteenth day's edge: a slot starting just inside is told.
        let edge = span("2026-12-21T08:59:00Z", "2026-12-21T09:30:00Z");
        assert_eq!(worth_a_push(now, None, Some(edge)), Notice::Later);
        let beyond = span("2026-12-21T09:00:00Z", "2026-12-21T09:30:00Z");
        assert_eq!(worth_a_push(now, None, Some(beyond)), Notice::None);
    }

    #[test]
    fn places_are_trimmed_and_bounded() {
        assert_eq!(place("  каб.   214 "), Ok("каб. 214".to_owned()));
        assert_eq!(place("   "), Err(PlaceProblem::Empty));
        assert_eq!(place(&"я".repeat(101)), Err(PlaceProblem::TooLong));
        assert!(place(&"я".repeat(100)).is_ok());
    }

    #[test]
    fn kinds_are_read_as_clinics_write_them() {
        assert_eq!(
            AppointmentKind::from_clinic("Первичный приём"),
            Some(AppointmentKind::Primary)
        );
        assert_eq!(
            AppointmentKind::from_clinic(""),
            Some(AppointmentKind::General)
        );
        assert_eq!(
            AppointmentKind::from_clinic("ТМК"),
            Some(AppointmentKind::Telemedicine)
        );
        assert_eq!(AppointmentKind::from_clinic("вебинар"), None);
        assert_eq!(Duty::from_clinic("На дому"), Some(Duty::OnCall));
        assert_eq!(Duty::from_clinic("в стационаре"), Some(Duty::OnSite));
        assert_eq!(Duty::from_clinic("в отпуске"), None);
        for kind in AppointmentKind::ALL {
            let slot = SlotKind::Appointment(kind);
            assert_eq!(
                SlotKind::from_columns(slot.code(), Some(slot.detail()), None),
                Some(slot)
            );
        }
    }

    #[test]
    fn weeks_start_on_monday_and_months_roll_over() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(week_of(date(2026, 12, 13)), date(2026, 12, 7));
        assert_eq!(week_of(date(2026, 12, 7)), date(2026, 12, 7));
        assert_eq!(next_month(date(2026, 12, 13)), date(2027, 1, 1));
        assert_eq!(month_of(date(2026, 12, 13)), date(2026, 12, 1));
        let (from, until) = days_between(MOSCOW, date(2026, 12, 7), date(2026, 12, 8));
        assert_eq!(from, at("2026-12-06T21:00:00Z"));
        assert_eq!(until, at("2026-12-07T21:00:00Z"));
    }
}
