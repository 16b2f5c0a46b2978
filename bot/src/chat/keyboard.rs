//! Screens: a text with the buttons under it.

/// A text (HTML from Fluent) with the buttons under it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Screen {
    pub text: String,
    pub keyboard: Keyboard,
}

impl Screen {
    pub fn new(text: String, keyboard: Keyboard) -> Screen {
        Screen { text, keyboard }
    }

    /// A text with no buttons.
    pub fn text(text: String) -> Screen {
        Screen {
            text,
            keyboard: Keyboard::default(),
        }
    }

    /// The screen cut, at a line's end, to fit `limit` characters, in case
    /// a list grew past what its screen pages (every list pages; this is
    /// the net under it, so that an overlong screen shows its start instead
    /// of failing and leaving the user with nothing). Markup stays whole:
    /// every text keeps its tags within a line.
    pub(super) fn fitted(mut self, limit: usize) -> Screen {
        if self.text.chars().count() <= limit {
            return self;
        }
        tracing::warn!(
            chars = self.text.chars().count(),
            "a screen longer than a message was cut"
        );
        let room = limit - 2;
        let end = self
            .text
            .char_indices()
            .nth(room)
            .map_or(self.text.len(), |(at, _)| at);
        let cut = self.text[..end].rfind('\n').unwrap_or(end);
        self.text.truncate(cut);
        self.text.push_str("\n…");
        self
    }
}

/// Rows of buttons under a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keyboard {
    pub rows: Vec<Vec<Button>>,
}

impl Keyboard {
    pub fn new<R, B>(rows: R) -> Keyboard
    where
        R: IntoIterator<Item = B>,
        B: IntoIterator<Item = Button>,
    {
        Keyboard {
            rows: rows
                .into_iter()
                .map(|row| row.into_iter().collect())
                .collect(),
        }
    }

    /// One button a row, in order: a list to pick from (a record's
    /// fields, the kinds of something) with its way back last.
    pub fn column(buttons: impl IntoIterator<Item = Button>) -> Keyboard {
        Keyboard::new(buttons.into_iter().map(|button| [button]))
    }

    pub fn is_empty(&self) -> bool {
        self.rows.iter().all(Vec::is_empty)
    }

    /// Adds a row at the bottom.
    pub fn append_row(mut self, row: impl IntoIterator<Item = Button>) -> Keyboard {
        self.rows.push(row.into_iter().collect());
        self
    }

    /// Every button, row by row.
    pub fn buttons(&self) -> impl Iterator<Item = &Button> {
        self.rows.iter().flatten()
    }
}

/// One button.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub label: String,
    pub does: Does,
}

/// What a button does.
#[derive(Debug, Clone, PartialEq)]
pub enum Does {
    /// Comes back as a [`super::Press`] carrying this data.
    Press(String),
    /// Opens an address.
    Link(reqwest::Url),
}

impl Button {
    pub fn press(label: String, data: String) -> Button {
        Button {
            label,
            does: Does::Press(data),
        }
    }

    pub fn link(label: String, url: reqwest::Url) -> Button {
        Button {
            label,
            does: Does::Link(url),
        }
    }

    /// The data a press brings back, for a button that is pressed.
    pub fn data(&self) -> Option<&str> {
        match &self.does {
            Does::Press(data) => Some(data),
            Does::Link(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlong_screen_is_cut_at_a_line_end_within_the_limit() {
        let line = "<b>Документ</b> — удостоверение о повышении квалификации";
        let text = vec![line; 200].join("\n");
        let screen = Screen::text(text).fitted(4096);
        assert!(screen.text.chars().count() <= 4096);
        assert!(screen.text.ends_with("\n…"));
        let kept = screen.text.trim_end_matches("\n…");
        assert!(kept.lines().all(|l| l == line), "whole lines only");

        let short = Screen::text(line.to_owned()).fitted(4096);
        assert_eq!(short.text, line);
    }
}
