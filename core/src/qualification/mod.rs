//! The rules of periodic accreditation and education hours, pure: no
//! storage, no messenger, no words. What the bot shows is built from the
//! values here; every word for them is in Fluent.
//!
//! - [`amounts`] — ПК hours and ЗЕТ, whole and bounded per kind;
//! - [`records`] — an education record (ПК, ИОМ, an event with its ИКП),
//!   validated from typed answers, never completed in the future;
//! - [`period`] — the five years of an accreditation, both ends included,
//!   a 29 February ending on the 28th (ГК РФ ст. 191–192);
//! - [`progress`] — hours toward the 144, ПК toward the minimum (74 or
//!   72), and the НМО portal's 250 ЗЕТ as a separate guide;
//! - [`status`] — the accreditation in force, days left, when to collect,
//!   the month to file in, late and expired;
//! - [`thresholds`] — the one table of reminders (12, 6, 3, 2 months, and
//!   1 month flagged late) and which is due;
//! - [`portfolio`] — each item's status and what is missing for filing;
//! - [`report`] — the report on professional activity: its parts, what an
//!   answer may be, where the report stands;
//! - [`patient_data`] — what in a text looks like a patient's СНИЛС,
//!   policy or diagnosis code (the report refuses it); shared with the
//!   referrals, it lives in `crate::patient_data` and is re-exported here.
//!
//! Beside the pure rules, the storage of the practitioner's records:
//!
//! - [`entry`] — a record with its title and provider, as typed or
//!   imported, validated at once;
//! - [`store`] — table `qualification_records`, sealed, versioned;
//! - [`standing`] — the records counted against the period of the
//!   accreditation in force (the register, the documents), or the last
//!   five years when none is known;
//! - [`import`] — `medcab admin import-education`;
//! - [`check`] — «Запросить проверку»: an application for an operator to
//!   confirm the records, and the confirmations it leaves;
//! - [`gather`] — the portfolio's facts and records, read for one
//!   practitioner from the modules owning them.
//!
//! The source of every rule is the "Domain facts" of the design reference
//! (Приказ Минздрава № 709н); each module says which fact it follows.

pub mod amounts;
pub mod check;
pub mod entry;
pub mod gather;
pub mod import;
pub use crate::patient_data;
pub mod period;
pub mod portfolio;
pub mod progress;
pub mod records;
pub mod report;
pub mod standing;
pub mod status;
pub mod store;
pub mod thresholds;

pub use amounts::{AmountError, EventZet, ModuleZet, ProgrammeHours};
pub use entry::{Entry, EntryDraft, EntryField, EntryProblem, validate_entry};
pub use gather::{GatherError, Gathered, HeldDocument, Piece, gather};
pub use period::{ACCREDITATION_YEARS, AccreditationPeriod};
pub use portfolio::{
    Held, ItemStatus, MissingItem, Portfolio, PortfolioEntry, PortfolioFacts, PortfolioItem,
    ReportState, portfolio,
};
pub use progress::{
    Measure, PlanProgress, PortalPlan, Progress, Requirements, TOTAL_HOURS, Totals,
    UnknownProgrammeMinimum, YearTotals, progress, totals_between, within,
};
pub use records::{
    CompletedOn, Education, IkpCode, IkpError, Record, RecordDraft, RecordField, RecordKind,
    RecordProblem, validate,
};
pub use standing::{Basis, Standing, StandingError, Unknown, standing};
pub use status::{
    AccreditationDocument, AccreditationStatus, CalendarMonth, CurrentAccreditation, Known,
    RegisterAccreditation, ReportAgreement, Source, Stage, current, filing_month, status,
};
pub use store::{QualificationRecord, StoreError};
pub use thresholds::{THRESHOLDS, Threshold, due};
