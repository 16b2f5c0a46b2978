//! The education hours of a chosen period, for an employer: who, which
//! period, one row per record with its hours, and the totals.

use serde::Serialize;

use crate::pdf::{self, Pdf};
use crate::{Field, Language, RenderError};

const TEMPLATE: &str = concat!(
    include_str!("../../templates/common.typ"),
    include_str!("../../templates/hours_report.typ")
);

#[derive(Debug, Clone, Serialize)]
pub struct HoursReport {
    pub language: Language,
    /// «Отчёт об обучении за период».
    pub title: String,
    /// «ФИО» and the practitioner's name.
    pub person: Field,
    /// «Период» and its dates as written for people.
    pub period: Field,
    /// Further lines under the title: specialty, organisation…
    pub details: Vec<Field>,
    pub columns: HoursColumns,
    pub rows: Vec<HoursRow>,
    /// Shown instead of the table when the period has no records.
    pub no_rows: String,
    /// «Всего часов», «из них ПК», «ЗЕТ» with their values.
    pub totals: Vec<Field>,
    /// A closing line: where and when the report was made.
    pub footer: Option<String>,
}

/// The table's column headings.
#[derive(Debug, Clone, Serialize)]
pub struct HoursColumns {
    pub date: String,
    pub title: String,
    pub kind: String,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HoursRow {
    /// The dates as written for people: «12.03.2025» or «12–14.03.2025».
    pub date: String,
    /// The programme, module or event, as the practitioner entered it.
    pub title: String,
    /// «ПК», «ИОМ», «Мероприятие», with the ИКП if there is one.
    pub kind: String,
    /// «36 ч», «2 ЗЕТ».
    pub amount: String,
}

impl HoursReport {
    pub fn render_pdf(&self) -> Result<Pdf, RenderError> {
        pdf::compile(TEMPLATE, self)
    }
}
