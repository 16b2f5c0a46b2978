//! The schedule as an iCalendar file (RFC 5545): the week's or the
//! month's export from the bot, and the subscription feed.
//!
//! Written with the `icalendar` crate, which escapes TEXT values (`,` `;`
//! `\` and line breaks) and folds content lines at 75 octets only on a
//! character boundary (its `fold_line`; the tests here check it with long
//! Cyrillic text). Each slot is a VEVENT with:
//!
//! - `UID`: the slot's own UUID (an imported slot's is derived from its
//!   import key, so a re-import keeps it), `@medcab`: a moved slot stays
//!   the same event in the phone's calendar;
//! - `DTSTAMP` (when the file was made) and `LAST-MODIFIED`;
//! - `DTSTART`/`DTEND` as local times with `TZID` = the organisation's
//!   IANA zone, and a VTIMEZONE for every zone used. The crate writes no
//!   VTIMEZONE, so it is written here: Russia's zones keep one offset all
//!   year, which a VTIMEZONE of one STANDARD block says exactly (the import
//!   refuses a zone with daylight saving time, `rules::has_fixed_offset`).
//!
//! Core names no words: the caller gives each slot's summary in the
//! reader's language.

use std::collections::BTreeSet;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

use super::store::Slot;

/// The calendar's product id.
pub const PRODID: &str = "-//medcab//Schedule//RU";

/// How often a subscribed calendar should look again (RFC 7986
/// `REFRESH-INTERVAL`, and the older `X-PUBLISHED-TTL`).
pub const REFRESH: &str = "PT1H";

/// What the reader's language says of one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventWords {
    /// «Приём (первичный)», «Дежурство на дому».
    pub summary: String,
}

/// The `.ics` text of `slots`, made at `now`, named `name` (the calendar's
/// title in the phone). `words` gives each slot's summary.
pub fn ics(
    name: &str,
    slots: &[Slot],
    words: impl Fn(&Slot) -> EventWords,
    now: DateTime<Utc>,
) -> String {
    let mut calendar = Calendar::empty();
    for (key, value) in [
        ("VERSION", "2.0"),
        ("PRODID", PRODID),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("X-WR-CALNAME", name),
        ("X-PUBLISHED-TTL", REFRESH),
    ] {
        calendar.append_property(Property::new(key, value));
    }
    calendar.append_property(
        Property::new("REFRESH-INTERVAL", REFRESH)
            .add_parameter("VALUE", "DURATION")
            .done(),
    );
    let zones: BTreeSet<&str> = slots.iter().map(|slot| slot.zone.name()).collect();
    if let Some(zone) = slots.first().map(|slot| slot.zone) {
        calendar.append_property(Property::new("X-WR-TIMEZONE", zone.name()));
    }
    for slot in slots {
        let local = |at: DateTime<Utc>| at.with_timezone(&slot.zone).naive_local();
        let event = Event::new()
            .uid(&format!("{}@medcab", slot.uid))
            .timestamp(now)
            .last_modified(slot.updated_at)
            .starts((local(slot.span.start()), slot.zone))
            .ends((local(slot.span.end()), slot.zone))
            .summary(&words(slot).summary)
            .location(&slot.place)
            .status(EventStatus::Confirmed)
            .done();
        calendar.push(event);
    }
    let text = calendar.to_string();
    let timezones: String = zones
        .iter()
        .filter_map(|name| name.parse::<Tz>().ok())
        .map(|zone| vtimezone(zone, now))
        .collect();
    // The VTIMEZONEs go before the first event (RFC 5545 allows them
    // anywhere among the components; calendars read them first this way).
    match text.find("BEGIN:VEVENT") {
        Some(at) => format!("{}{timezones}{}", &text[..at], &text[at..]),
        None => text.replace("END:VCALENDAR", &format!("{timezones}END:VCALENDAR")),
    }
}

/// A zone of one offset all year, as a VTIMEZONE: one STANDARD block from
/// 1970 with that offset (the zone's offset in `now`'s year).
fn vtimezone(zone: Tz, now: DateTime<Utc>) -> String {
    let offset = zone
        .offset_from_utc_datetime(&now.naive_utc())
        .fix()
        .local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    let offset = format!("{sign}{:02}{:02}", minutes / 60, minutes % 60);
    format!(
        "BEGIN:VTIMEZONE\r\nTZID:{name}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
         TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
        name = zone.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;
    use crate::schedule::rules::{AppointmentKind, Duty, SlotKind, Span};
    use icalendar::{CalendarDateTime, DatePerhapsTime};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn slot(id: i64, kind: SlotKind, from: &str, until: &str, zone: Tz, place: &str) -> Slot {
        Slot {
            id,
            owner: UserId::from_stored(7),
            kind,
            span: Span::new(at(from), at(until)).unwrap(),
            zone,
            place: place.to_owned(),
            uid: uuid::Uuid::from_u128(u128::try_from(id).unwrap()),
            imported: true,
            changed_by_practitioner: false,
            cancelled: false,
            updated_at: at("2026-12-01T09:00:00Z"),
        }
    }

    fn words(slot: &Slot) -> EventWords {
        EventWords {
            summary: match slot.kind {
                SlotKind::Appointment(_) => "Приём (первичный); кабинет, этаж".to_owned(),
                SlotKind::Shift(_) => "Дежурство".to_owned(),
            },
        }
    }

    #[test]
    fn events_read_back_with_their_zone_times_and_cyrillic_text() {
        let long = "Отделение анестезиологии-реанимации для взрослых, корпус Б, третий этаж, \
                    ординаторская № 12 — вход со стороны приёмного покоя";
        let slots = [
            slot(
                1,
                SlotKind::Appointment(AppointmentKind::Primary),
                "2026-12-07T06:00:00Z",
                "2026-12-07T06:30:00Z",
                Tz::Europe__Moscow,
                "каб. 214",
            ),
            slot(
                2,
                SlotKind::Shift(Duty::OnSite),
                "2026-12-07T14:00:00Z",
                "2026-12-08T02:00:00Z",
                Tz::Asia__Omsk,
                long,
            ),
        ];
        let text = ics(
            "Расписание: Иванова",
            &slots,
            words,
            at("2026-12-05T10:00:00Z"),
        );

        // Every line at most 75 octets, and each a whole UTF-8 text: no
        // character is split by a fold.
        let bytes = text.as_bytes();
        let mut folded = 0;
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            assert!(
                line.len() <= 75,
                "{} octets: {:?}",
                line.len(),
                String::from_utf8_lossy(line)
            );
            assert!(std::str::from_utf8(line).is_ok(), "a split character");
            folded += usize::from(line.first() == Some(&b' '));
        }
        assert!(folded >= 2, "the long location is folded: {text}");
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Moscow\r\n"));
        assert!(text.contains("TZID:Asia/Omsk\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0600\r\nTZOFFSETTO:+0600"));
        assert!(text.contains("DTSTART;TZID=Europe/Moscow:20261207T090000"));
        assert!(text.contains("SUMMARY:Приём (первичный)\\; кабинет\\, этаж"));
        assert!(text.find("BEGIN:VTIMEZONE") < text.find("BEGIN:VEVENT"));

        let parsed: Calendar = text.parse().expect("the file parses");
        let events: Vec<&Event> = parsed.events().collect();
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0].get_summary(),
            Some("Приём (первичный); кабинет, этаж")
        );
        assert_eq!(events[1].get_location(), Some(long));
        assert_eq!(
            events[0].get_uid(),
            Some("00000000-0000-0000-0000-000000000001@medcab")
        );
        assert_eq!(events[0].get_timestamp(), Some(at("2026-12-05T10:00:00Z")));
        match events[1].get_start() {
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
                assert_eq!(tzid, "Asia/Omsk");
                assert_eq!(date_time.to_string(), "2026-12-07 20:00:00");
            }
            other => panic!("{other:?}"),
        }
        match events[1].get_end() {
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                date_time, ..
            })) => {
                assert_eq!(date_time.to_string(), "2026-12-08 08:00:00");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_empty_schedule_is_a_calendar_without_events() {
        let text = ics("Расписание", &[], words, at("2026-12-05T10:00:00Z"));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.trim_end().ends_with("END:VCALENDAR"));
        let parsed: Calendar = text.parse().expect("parses");
        assert_eq!(parsed.events().count(), 0);
    }
}
