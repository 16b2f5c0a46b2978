//! What a reader of the PDF sees, as text, extracted by pdf-extract.
//!
//! Extraction puts spaces where Typst changed script or line (Latin next to
//! Cyrillic, a hyphenated word) and reads a hyphen as a soft hyphen, so
//! phrases are compared with whitespace and hyphens taken out of both sides:
//! every character the reader sees is still checked, in order.
#![allow(dead_code)]

use medcab_render::Pdf;

pub struct Text {
    pub raw: String,
    squashed: String,
}

impl Text {
    fn new(raw: String) -> Self {
        let squashed = squash(&raw);
        Self { raw, squashed }
    }

    pub fn contains(&self, phrase: &str) -> bool {
        self.squashed.contains(&squash(phrase))
    }

    pub fn count(&self, phrase: &str) -> usize {
        self.squashed.matches(&squash(phrase)).count()
    }

    #[track_caller]
    pub fn assert_has(&self, phrase: &str) {
        assert!(self.contains(phrase), "no «{phrase}» in: {}", self.raw);
    }

    #[track_caller]
    pub fn assert_lacks(&self, phrase: &str) {
        assert!(!self.contains(phrase), "«{phrase}» in: {}", self.raw);
    }
}

pub fn pages(pdf: &Pdf) -> Vec<Text> {
    assert!(pdf.bytes.starts_with(b"%PDF-"), "not a PDF");
    assert!(pdf.warnings.is_empty(), "Typst warned: {:?}", pdf.warnings);
    let pages = pdf_extract::extract_text_from_mem_by_pages(&pdf.bytes).expect("the PDF opens");
    assert_eq!(pages.len(), pdf.pages, "extracted pages vs laid out pages");
    pages.into_iter().map(Text::new).collect()
}

pub fn text(pdf: &Pdf) -> Text {
    let pages: Vec<String> = pages(pdf).into_iter().map(|page| page.raw).collect();
    Text::new(pages.join("\n"))
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{ad}' | '\u{2010}'))
        .collect()
}
