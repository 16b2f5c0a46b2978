//! A template and its data in, a PDF out.

use serde::Serialize;
use typst::diag::{Severity, SourceDiagnostic};
use typst::layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::RenderError;
use crate::world::DocumentWorld;

/// A finished PDF.
#[derive(Debug, Clone)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// How many pages it has: a list that grew past one page is still whole.
    pub pages: usize,
    /// What Typst warned about while laying it out (a template's problem,
    /// never the user's); tests keep it empty, the bot may log it.
    pub warnings: Vec<String>,
}

/// How many evictions a memoised layout survives unused. Typst caches its
/// work between compilations in a process-wide cache; a bot that renders
/// now and then must keep that cache from growing without end. Ten is what
/// the Typst command line uses between compilations in watch mode.
const CACHE_MAX_AGE: usize = 10;

pub(crate) fn compile(template: &'static str, data: &impl Serialize) -> Result<Pdf, RenderError> {
    let json = serde_json::to_vec(data).map_err(RenderError::Data)?;
    let world = DocumentWorld::new(template, json);
    let warned = typst::compile::<PagedDocument>(&world);
    let warnings = warned.warnings.iter().map(describe).collect();
    let rendered = warned.output.and_then(|document| {
        let bytes = typst_pdf::pdf(&document, &PdfOptions::default())?;
        Ok((document, bytes))
    });
    // Old memoised results go on every path, a failed one too: a stream
    // of documents that fail to lay out must not grow the cache.
    typst::comemo::evict(CACHE_MAX_AGE);
    let (document, bytes) = rendered.map_err(|errors| RenderError::Layout(join(&errors)))?;
    Ok(Pdf {
        bytes,
        pages: document.pages.len(),
        warnings,
    })
}

fn join(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe(diagnostic: &SourceDiagnostic) -> String {
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut text = format!("{severity}: {}", diagnostic.message);
    for hint in &diagnostic.hints {
        text.push_str(" (hint: ");
        text.push_str(hint);
        text.push(')');
    }
    text
}
