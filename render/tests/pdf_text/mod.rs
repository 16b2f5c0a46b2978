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

/// The PostScript names of the fonts whose files travel inside the PDF:
/// a reader without PT Sans installed still sees the document as laid out.
pub fn embedded_fonts(pdf: &Pdf) -> Vec<String> {
    let document = pdf_extract::Document::load_mem(&pdf.bytes).expect("the PDF opens");
    let mut names: Vec<String> = document
        .objects
        .values()
        .filter_map(|object| object.as_dict().ok())
        .filter(|dict| {
            dict.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor".as_slice())
        })
        .filter(|dict| {
            [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
                .iter()
                .any(|key| dict.has(key))
        })
        .filter_map(|dict| dict.get(b"FontName").and_then(|n| n.as_name()).ok())
        .map(|name| {
            // A subset is named "ABCDEF+Family-Style".
            let name = String::from_utf8_lossy(name);
            name.split_once('+')
                .map_or(name.to_string(), |(_, family)| family.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{ad}' | '\u{2010}'))
        .collect()
}
