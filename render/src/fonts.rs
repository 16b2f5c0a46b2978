//! The fonts every document and the chart are set in, built into the binary:
//! nothing is read from the system, so a report looks the same on every
//! machine and Cyrillic never falls back to boxes.
//!
//! PT Sans was drawn by ParaType for the languages of Russia; the files are
//! Debian's `fonts-paratype`, unmodified, and the licence that must travel
//! with them is `render/fonts/LICENSE-PTSans.txt`.

/// The family name the Typst templates and the chart's SVG ask for.
pub(crate) const FAMILY: &str = "PT Sans";

pub(crate) const REGULAR: &[u8] = include_bytes!("../fonts/PTSans-Regular.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../fonts/PTSans-Bold.ttf");

/// Every embedded face, regular first.
pub(crate) const FACES: [&[u8]; 2] = [REGULAR, BOLD];
