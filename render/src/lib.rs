//! The qualification section's documents and picture, rendered from plain
//! data: the hours report, the portfolio export and the report on
//! professional activity as PDF (Typst), the accreditation progress chart as
//! PNG (resvg).
//!
//! The crate has no words of its own: every heading, label, status and
//! number is written by the caller in the reader's language (the bot's
//! Fluent texts) and only laid out here. No database, no Telegram.
//!
//! Rendering is synchronous CPU work of a few to some tens of milliseconds
//! (`docs/benchmarks.md`): from async code, call it on a blocking thread.
//! Renders may run at once on several threads.

mod chart;
mod documents;
mod fonts;
mod pdf;
mod world;

pub use chart::{ChartLabels, Png, ProgressChart};
pub use documents::activity_report::{
    ActivityReportDraft, Agreement, ApprovalBlock, ReportSection,
};
pub use documents::hours_report::{HoursColumns, HoursReport, HoursRow};
pub use documents::portfolio::{
    MissingItems, PortfolioColumns, PortfolioExport, PortfolioItem, StatusTone,
};
pub use pdf::Pdf;

use serde::Serialize;

/// The language a document is written in: Typst hyphenates and sets
/// quotes by it, so it must be the language of the caller's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Ru,
    En,
}

/// A label and its value, both written by the caller: «ФИО» and the name,
/// «Итого часов» and «144 часа».
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

impl Field {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The chart was given a number it cannot draw.
    #[error("the chart cannot show {what}: {value}")]
    ChartValue { what: &'static str, value: f64 },
    #[error("the document's data could not be serialised: {0}")]
    Data(serde_json::Error),
    /// A template failed to lay out: a bug in this crate, not in the data.
    #[error("the document could not be laid out: {0}")]
    Layout(String),
    #[error("the chart could not be drawn: {0}")]
    Chart(String),
}
