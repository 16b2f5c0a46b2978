//! The working schedule («График»): a practitioner's appointment slots
//! (приём: start, end, room, kind) and duty shifts (дежурство: start, end,
//! department, on site or on call), in the organisation's time zone.
//!
//! - `rules` — pure: the kinds, spans and overlaps, how a typed end is
//!   read (a shift may cross midnight, an appointment may not end before it
//!   starts), which change by the clinic is worth a push (the next 14 days;
//!   within 24 hours through quiet hours), weeks and months;
//! - `store` — table `schedule_slots`: reads by owner, and the
//!   practitioner's add / move / cancel, refused on an overlap with any slot
//!   or shift, each a version of history's entity `schedule_slot`;
//! - `import` — `medcab admin import-schedule` (docs/schedule-import.md):
//!   rows by СНИЛС of a confirmed account, bad rows by line, overlapping
//!   rows refused naming both lines, a re-import replacing its period, the
//!   clinic winning over the practitioner's change and saying so, one push
//!   per practitioner;
//! - `calendar` — the iCalendar (.ics) text of a set of slots;
//! - `feed` — table `calendar_feeds`: the private subscription token.

pub mod calendar;
pub mod feed;
pub mod import;
pub mod rules;
pub mod store;

pub use rules::{AppointmentKind, Duty, Notice, SlotKind, Span, SpanProblem, TypedEnd};
pub use store::{EditError, NewSlot, Slot, StoreError};
