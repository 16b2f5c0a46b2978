//! The accreditation progress chart: an SVG drawn here, rendered to a PNG
//! with resvg, with the embedded fonts only, sized for a phone.
//!
//! Three bars: the hours counted toward the 144 of the period, the ПК hours
//! toward their minimum, and the НМО portal's ЗЕТ plan, which is a guide and
//! not the law, so it is drawn apart (dashed, grey) and the caller's note
//! under the chart says so.

use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

use crate::RenderError;
use crate::fonts;

/// The caller's numbers and words for the chart.
#[derive(Debug, Clone)]
pub struct ProgressChart {
    pub counted_hours: f64,
    pub required_hours: f64,
    pub pk_hours: f64,
    pub pk_minimum: f64,
    pub zet: f64,
    pub zet_plan: f64,
    pub labels: ChartLabels,
}

/// Every word on the chart, written by the caller.
#[derive(Debug, Clone)]
pub struct ChartLabels {
    /// «Прогресс к периодической аккредитации».
    pub title: String,
    /// «01.03.2022 — 28.02.2027».
    pub period: String,
    /// «Часы за период» and «96 из 144 часов».
    pub hours: String,
    pub hours_value: String,
    /// «Из них ПК» and «36 из 74 часов».
    pub pk: String,
    pub pk_value: String,
    /// «ЗЕТ портала НМО» and «120 из 250 ЗЕТ».
    pub zet: String,
    pub zet_value: String,
    /// That the ЗЕТ bar is the portal's planning guide, not a requirement.
    pub guide_note: String,
}

/// A rendered picture.
#[derive(Debug, Clone)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// A phone's screen width: Telegram shows the picture without scaling up.
const WIDTH: f64 = 1080.0;
const MARGIN: f64 = 64.0;
const CONTENT: f64 = WIDTH - 2.0 * MARGIN;
const BAR_HEIGHT: f64 = 60.0;

const INK: &str = "#1f2328";
const MUTED: &str = "#5f6670";
const TRACK: &str = "#e6e9ee";
const PROGRESS: &str = "#1e63b5";
const REACHED: &str = "#2e7d32";
const GUIDE: &str = "#8d9aa6";

impl ProgressChart {
    pub fn render_png(&self) -> Result<Png, RenderError> {
        self.check()?;
        let svg = self.svg();
        rasterise(&svg)
    }

    fn check(&self) -> Result<(), RenderError> {
        let amounts = [
            ("counted hours", self.counted_hours),
            ("ПК hours", self.pk_hours),
            ("ЗЕТ", self.zet),
        ];
        for (what, value) in amounts {
            if !value.is_finite() || value < 0.0 {
                return Err(RenderError::ChartValue { what, value });
            }
        }
        let targets = [
            ("the required hours", self.required_hours),
            ("the ПК minimum", self.pk_minimum),
            ("the ЗЕТ plan", self.zet_plan),
        ];
        for (what, value) in targets {
            if !value.is_finite() || value <= 0.0 {
                return Err(RenderError::ChartValue { what, value });
            }
        }
        Ok(())
    }

    /// The chart as SVG; its height follows from how the words wrap.
    fn svg(&self) -> String {
        let labels = &self.labels;
        let mut page = Page::new();
        page.text(&labels.title, 52.0, Weight::Bold, INK);
        page.gap(8.0);
        page.text(&labels.period, 34.0, Weight::Regular, MUTED);
        page.gap(40.0);
        page.measure(
            &labels.hours,
            &labels.hours_value,
            self.counted_hours / self.required_hours,
            BarStyle::Requirement,
        );
        page.measure(
            &labels.pk,
            &labels.pk_value,
            self.pk_hours / self.pk_minimum,
            BarStyle::Requirement,
        );
        page.measure(
            &labels.zet,
            &labels.zet_value,
            self.zet / self.zet_plan,
            BarStyle::Guide,
        );
        page.gap(8.0);
        page.text(&labels.guide_note, 30.0, Weight::Regular, MUTED);
        page.finish()
    }
}

#[derive(Clone, Copy)]
enum Weight {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq)]
enum BarStyle {
    /// A requirement: blue until reached, then green.
    Requirement,
    /// The portal's plan: grey, dashed, never "reached" in green.
    Guide,
}

/// The SVG being written, top to bottom.
struct Page {
    body: String,
    y: f64,
}

impl Page {
    fn new() -> Self {
        Self {
            body: String::new(),
            y: MARGIN,
        }
    }

    fn gap(&mut self, height: f64) {
        self.y += height;
    }

    /// A block of text, wrapped to the content width.
    fn text(&mut self, text: &str, size: f64, weight: Weight, fill: &str) {
        let line_height = size * 1.25;
        let font_weight = match weight {
            Weight::Regular => 400,
            Weight::Bold => 700,
        };
        for line in wrap(text, size, weight, CONTENT) {
            // The baseline sits about 0.8 of the size below the line's top.
            let baseline = self.y + size * 0.85;
            let _ = write!(
                self.body,
                r#"<text x="{MARGIN}" y="{baseline:.1}" font-size="{size}" font-weight="{font_weight}" fill="{fill}">{}</text>"#,
                escape(&line)
            );
            self.y += line_height;
        }
    }

    /// A label, a bar filled to `fraction` of its target, the value under it.
    fn measure(&mut self, label: &str, value: &str, fraction: f64, style: BarStyle) {
        self.text(label, 38.0, Weight::Bold, INK);
        self.gap(6.0);
        let reached = fraction >= 1.0;
        let filled = CONTENT * fraction.clamp(0.0, 1.0);
        let radius = BAR_HEIGHT / 2.0;
        let y = self.y;
        if style == BarStyle::Requirement {
            let _ = write!(
                self.body,
                r#"<rect x="{MARGIN}" y="{y:.1}" width="{CONTENT}" height="{BAR_HEIGHT}" rx="{radius}" fill="{TRACK}"/>"#
            );
        }
        if filled > 0.0 {
            let colour = match (style, reached) {
                (BarStyle::Guide, _) => GUIDE,
                (BarStyle::Requirement, true) => REACHED,
                (BarStyle::Requirement, false) => PROGRESS,
            };
            // A sliver narrower than the rounding would draw as a dot: its
            // corners shrink with it.
            let rx = radius.min(filled / 2.0);
            let _ = write!(
                self.body,
                r#"<rect x="{MARGIN}" y="{y:.1}" width="{filled:.1}" height="{BAR_HEIGHT}" rx="{rx:.1}" fill="{colour}"/>"#
            );
        }
        if style == BarStyle::Guide {
            // The outline over the fill: a plan, not a track to be filled.
            let _ = write!(
                self.body,
                r#"<rect x="{MARGIN}" y="{y:.1}" width="{CONTENT}" height="{BAR_HEIGHT}" rx="{radius}" fill="none" stroke="{GUIDE}" stroke-width="3" stroke-dasharray="14 10"/>"#
            );
        }
        self.y += BAR_HEIGHT + 10.0;
        self.text(value, 34.0, Weight::Regular, INK);
        self.gap(34.0);
    }

    fn finish(self) -> String {
        let height = (self.y + MARGIN).ceil();
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{family}"><rect width="100%" height="100%" fill="white"/>{body}</svg>"#,
            family = fonts::FAMILY,
            body = self.body,
        )
    }
}

/// The caller's words inside SVG text: as characters, never as markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Greedy word wrap by the font's own advances; a word wider than a line
/// is cut where it no longer fits.
fn wrap(text: &str, size: f64, weight: Weight, width: f64) -> Vec<String> {
    let measure = |s: &str| text_width(s, size, weight);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if measure(&candidate) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if measure(&line) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

struct Metrics {
    face: ttf_parser::Face<'static>,
}

static REGULAR_METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::parse(fonts::REGULAR));
static BOLD_METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::parse(fonts::BOLD));

impl Metrics {
    fn parse(data: &'static [u8]) -> Self {
        Self {
            face: ttf_parser::Face::parse(data, 0).expect("the embedded font parses"),
        }
    }

    /// The width of `text` at `size` (kerning aside, a few per cent at most).
    fn width(&self, text: &str, size: f64) -> f64 {
        let units = f64::from(self.face.units_per_em());
        let fallback = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(0))
            .unwrap_or(0);
        let advance: f64 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|glyph| self.face.glyph_hor_advance(glyph))
                    .unwrap_or(fallback)
            })
            .map(f64::from)
            .sum();
        advance * size / units
    }
}

fn text_width(text: &str, size: f64, weight: Weight) -> f64 {
    match weight {
        Weight::Regular => REGULAR_METRICS.width(text, size),
        Weight::Bold => BOLD_METRICS.width(text, size),
    }
}

/// The embedded faces, and nothing from the system.
static FONT_DATABASE: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut database = fontdb::Database::new();
    for face in fonts::FACES {
        database.load_font_source(fontdb::Source::Binary(Arc::new(face)));
    }
    Arc::new(database)
});

fn rasterise(svg: &str) -> Result<Png, RenderError> {
    let options = usvg::Options {
        font_family: fonts::FAMILY.to_owned(),
        fontdb: FONT_DATABASE.clone(),
        ..usvg::Options::default()
    };
    let tree =
        usvg::Tree::from_str(svg, &options).map_err(|e| RenderError::Chart(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| RenderError::Chart(format!("no canvas of {size:?}")))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    let bytes = pixmap
        .encode_png()
        .map_err(|e| RenderError::Chart(e.to_string()))?;
    Ok(Png {
        bytes,
        width: size.width(),
        height: size.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_label_is_escaped() {
        assert_eq!(
            escape(r#"<b>"ПК" & 'ИОМ'</b>"#),
            "&lt;b&gt;&quot;ПК&quot; &amp; &apos;ИОМ&apos;&lt;/b&gt;"
        );
    }

    #[test]
    fn long_words_wrap_within_the_width() {
        let text = "Непрерывное медицинское образование ".repeat(6);
        let lines = wrap(&text, 34.0, Weight::Regular, CONTENT);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(text_width(line, 34.0, Weight::Regular) <= CONTENT, "{line}");
        }
        let word = "а".repeat(200);
        let lines = wrap(&word, 34.0, Weight::Bold, CONTENT);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), word);
    }

    #[test]
    fn the_chart_knows_the_embedded_faces_and_no_others() {
        let families: Vec<_> = FONT_DATABASE
            .faces()
            .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
            .collect();
        assert_eq!(families, [fonts::FAMILY, fonts::FAMILY]);
    }

    #[test]
    fn the_embedded_fonts_have_cyrillic() {
        for metrics in [&*REGULAR_METRICS, &*BOLD_METRICS] {
            for c in
                "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя«»—№".chars()
            {
                assert!(metrics.face.glyph_index(c).is_some(), "{c}");
            }
        }
    }
}
