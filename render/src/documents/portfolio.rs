//! The whole portfolio for periodic accreditation in one PDF: a title page
//! with the period, the list of what is there with its status and the
//! totals, then each record on its own.

use serde::Serialize;

use crate::pdf::{self, Pdf};
use crate::{Field, Language, RenderError};

const TEMPLATE: &str = concat!(
    include_str!("../../templates/common.typ"),
    include_str!("../../templates/portfolio.typ")
);

#[derive(Debug, Clone, Serialize)]
pub struct PortfolioExport {
    pub language: Language,
    /// The title page: «Портфолио для периодической аккредитации».
    pub title: String,
    pub person: Field,
    pub period: Field,
    /// Further lines of the title page: specialty, accreditation valid until…
    pub details: Vec<Field>,
    /// «Состав портфолио».
    pub list_heading: String,
    pub columns: PortfolioColumns,
    pub items: Vec<PortfolioItem>,
    /// Shown instead of the list when there is nothing yet.
    pub no_items: String,
    pub totals: Vec<Field>,
    /// What is still missing for filing, if anything.
    pub missing: Option<MissingItems>,
    /// «Документы и записи»: the heading of the part with each record.
    pub records_heading: String,
    pub footer: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortfolioColumns {
    pub number: String,
    pub item: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortfolioItem {
    /// «Диплом о высшем образовании», «Удостоверение о ПК: …».
    pub title: String,
    /// «актуально», «истекает 12.05.2027», «на проверке»…
    pub status: String,
    /// How the status is marked; core decides, the bot maps it.
    pub tone: StatusTone,
    /// The record's own lines: number, dates, organisation, hours…
    pub fields: Vec<Field>,
}

/// How a status is set off in the list, so a reader's eye finds what needs
/// doing; the word itself is the caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusTone {
    /// Актуально.
    Good,
    /// Истекает, на проверке.
    Attention,
    /// Истёк, не хватает.
    Problem,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingItems {
    /// «Не хватает для подачи».
    pub heading: String,
    pub items: Vec<String>,
}

impl PortfolioExport {
    pub fn render_pdf(&self) -> Result<Pdf, RenderError> {
        pdf::compile(TEMPLATE, self)
    }
}
