//! The draft of the report on professional activity for the five-year
//! period: the practitioner's answers section by section, and either an
//! empty block for the employer's agreement or a note that it is filed
//! without one. The draft never marks itself agreed or signed: the block is
//! always blank, for pen and seal.

use serde::Serialize;

use super::paragraphs;
use crate::pdf::{self, Pdf};
use crate::{Field, Language, RenderError};

const TEMPLATE: &str = concat!(
    include_str!("../../templates/common.typ"),
    include_str!("../../templates/activity_report.typ")
);

#[derive(Debug, Clone)]
pub struct ActivityReportDraft {
    pub language: Language,
    /// «Отчёт о профессиональной деятельности».
    pub title: String,
    /// «Черновик»: printed at the top of every page.
    pub draft_mark: String,
    /// ФИО, specialty, period, organisation.
    pub details: Vec<Field>,
    /// Lines under the details, each a paragraph of its own (that the
    /// report holds no patient data, how the period was taken).
    pub notes: Vec<String>,
    pub sections: Vec<ReportSection>,
    /// Shown in a section the practitioner left empty: «не заполнено».
    pub empty_section: String,
    pub agreement: Agreement,
}

#[derive(Debug, Clone)]
pub struct ReportSection {
    pub heading: String,
    /// The practitioner's answer as typed; blank lines part paragraphs.
    pub text: String,
}

#[derive(Debug, Clone)]
pub enum Agreement {
    /// To be agreed with the employer: an empty «СОГЛАСОВАНО» block.
    WithEmployer(ApprovalBlock),
    /// Filed without the employer's agreement: this note instead of the block.
    WithoutEmployer { note: String },
}

/// The empty agreement block; every word is the caller's.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalBlock {
    /// «СОГЛАСОВАНО».
    pub heading: String,
    /// «должность», «ФИО», «подпись», «дата»: each under its own blank line.
    pub lines: Vec<String>,
    /// «М.П.».
    pub seal: String,
}

/// What the template reads: the same, with answers cut into paragraphs.
#[derive(Serialize)]
struct TemplateData<'a> {
    language: Language,
    title: &'a str,
    draft_mark: &'a str,
    details: &'a [Field],
    notes: &'a [String],
    sections: Vec<TemplateSection<'a>>,
    empty_section: &'a str,
    approval: Option<&'a ApprovalBlock>,
    not_agreed_note: Option<&'a str>,
}

#[derive(Serialize)]
struct TemplateSection<'a> {
    heading: &'a str,
    paragraphs: Vec<String>,
}

impl ActivityReportDraft {
    pub fn render_pdf(&self) -> Result<Pdf, RenderError> {
        let (approval, not_agreed_note) = match &self.agreement {
            Agreement::WithEmployer(block) => (Some(block), None),
            Agreement::WithoutEmployer { note } => (None, Some(note.as_str())),
        };
        let data = TemplateData {
            language: self.language,
            title: &self.title,
            draft_mark: &self.draft_mark,
            details: &self.details,
            notes: &self.notes,
            sections: self
                .sections
                .iter()
                .map(|section| TemplateSection {
                    heading: &section.heading,
                    paragraphs: paragraphs(&section.text),
                })
                .collect(),
            empty_section: &self.empty_section,
            approval,
            not_agreed_note,
        };
        pdf::compile(TEMPLATE, &data)
    }
}
