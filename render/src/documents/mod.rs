//! One module per document: its data, as the caller fills it in, and the
//! Typst template (`render/templates/`) that lays it out.

pub mod activity_report;
pub mod hours_report;
pub mod portfolio;

/// A user's text cut into paragraphs at blank lines, so a template can set
/// each as a paragraph of its own; lines inside one stay as typed.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::paragraphs;

    #[test]
    fn blank_lines_part_paragraphs_and_single_breaks_stay() {
        assert_eq!(
            paragraphs("Первый абзац,\nвторая строка.\n\n  \n\nВторой абзац.\n"),
            vec!["Первый абзац,\nвторая строка.", "Второй абзац."]
        );
        assert!(paragraphs(" \n\n").is_empty());
    }
}
