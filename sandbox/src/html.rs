//! Telegram's HTML parse mode: the same acceptance rules and error wording as
//! the Bot API server (tdlib's `parse_html`), returning the plain text the
//! user would see.
//!
//! Like Telegram, and unlike browsers: only `&lt; &gt; &amp; &quot;` and
//! numeric references are decoded, any other `&name;` stays as literal text
//! (it is not an error); tag names are matched in lowercase but an end tag
//! must repeat the start tag exactly (`<B></B>` is refused); `</>` closes the
//! innermost tag.

const SUPPORTED_TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
];

/// Parses `html` as Telegram does. The error is the text Telegram puts after
/// `can't parse entities: `.
pub fn to_plain_text(html: &str) -> Result<String, String> {
    Parser {
        bytes: html.as_bytes(),
        pos: 0,
        text: Vec::with_capacity(html.len()),
    }
    .run()
}

struct OpenTag {
    name: String,
    argument: String,
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    text: Vec<u8>,
}

/// tdlib's `is_space`, which counts the end of the input (its NUL) as space.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | b'\0' | 0x0b)
}

impl Parser<'_> {
    /// The byte at `pos`, or 0 past the end, mirroring tdlib's NUL-terminated
    /// scanning so that every error fires at the same offset.
    fn at(&self, pos: usize) -> u8 {
        self.bytes.get(pos).copied().unwrap_or(0)
    }

    fn current(&self) -> u8 {
        self.at(self.pos)
    }

    fn skip_spaces(&mut self) {
        while self.current() != 0 && is_space(self.current()) {
            self.pos += 1;
        }
    }

    fn slice(&self, from: usize, to: usize) -> String {
        String::from_utf8_lossy(&self.bytes[from..to]).into_owned()
    }

    fn run(mut self) -> Result<String, String> {
        let mut open: Vec<OpenTag> = Vec::new();
        while self.pos < self.bytes.len() {
            let byte = self.current();
            if byte == b'&'
                && let Some((ch, next)) = self.decode_entity(self.pos)?
            {
                self.push_char(ch);
                self.pos = next;
                continue;
            }
            if byte != b'<' {
                self.text.push(byte);
                self.pos += 1;
                continue;
            }
            let begin = self.pos;
            self.pos += 1;
            if self.current() == b'/' {
                self.end_tag(begin, &mut open)?;
            } else {
                open.push(self.start_tag(begin)?);
            }
            // Both leave `pos` on the closing `>`.
            self.pos += 1;
        }
        if let Some(tag) = open.last() {
            return Err(format!(
                "Can't find end tag corresponding to start tag \"{}\"",
                tag.name
            ));
        }
        String::from_utf8(self.text).map_err(|_| {
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"
                .to_owned()
        })
    }

    fn push_char(&mut self, ch: char) {
        let mut buf = [0; 4];
        self.text
            .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }

    /// Decodes the reference at `start` (an `&`): the character and the
    /// position after it, or `None` when Telegram would keep the `&` as text.
    fn decode_entity(&self, start: usize) -> Result<Option<(char, usize)>, String> {
        let mut end = start + 1;
        let code: u32 = if self.at(end) == b'#' {
            end += 1;
            let hex = self.at(end) == b'x';
            if hex {
                end += 1;
            }
            let radix = if hex { 16 } else { 10 };
            let mut code: u32 = 0;
            while let Some(digit) = char::from(self.at(end)).to_digit(radix) {
                code = code * radix + digit;
                end += 1;
                if code >= 0x10ffff {
                    return Ok(None);
                }
            }
            if code == 0 || end - start >= 10 {
                return Ok(None);
            }
            code
        } else {
            while self.at(end).is_ascii_alphabetic() {
                end += 1;
            }
            match &self.bytes[start + 1..end] {
                b"lt" => u32::from('<'),
                b"gt" => u32::from('>'),
                b"amp" => u32::from('&'),
                b"quot" => u32::from('"'),
                _ => return Ok(None),
            }
        };
        if self.at(end) == b';' {
            end += 1;
        }
        let ch = char::from_u32(code).ok_or_else(|| {
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"
                .to_owned()
        })?;
        Ok(Some((ch, end)))
    }

    fn start_tag(&mut self, begin: usize) -> Result<OpenTag, String> {
        while !is_space(self.current()) && self.current() != b'>' {
            self.pos += 1;
        }
        if self.current() == 0 {
            return Err(format!("Unclosed start tag at byte offset {begin}"));
        }
        let name = self.slice(begin + 1, self.pos).to_lowercase();
        if !SUPPORTED_TAGS.contains(&name.as_str()) {
            return Err(format!(
                "Unsupported start tag \"{name}\" at byte offset {begin}"
            ));
        }

        let mut argument = String::new();
        while self.current() != b'>' {
            self.skip_spaces();
            if self.current() == b'>' {
                break;
            }
            let attribute_begin = self.pos;
            while !is_space(self.current()) && self.current() != b'=' && self.current() != b'>' {
                self.pos += 1;
            }
            let attribute = self.slice(attribute_begin, self.pos);
            if attribute.is_empty() {
                return Err(format!(
                    "Empty attribute name in the tag \"{name}\" at byte offset {begin}"
                ));
            }
            self.skip_spaces();
            if self.current() != b'=' {
                // The one attribute Telegram takes without a value.
                if name == "blockquote" && attribute == "expandable" {
                    continue;
                }
                return Err(format!(
                    "Expected equal sign in declaration of an attribute of the tag \"{name}\" at byte offset {begin}"
                ));
            }
            self.pos += 1;
            self.skip_spaces();
            if self.current() == 0 {
                return Err(format!(
                    "Unclosed start tag \"{name}\" at byte offset {begin}"
                ));
            }
            let value = self.attribute_value()?;
            if self.current() == 0 {
                return Err(format!("Unclosed start tag at byte offset {begin}"));
            }
            match (name.as_str(), attribute.as_str()) {
                ("a", "href") | ("tg-emoji", "emoji-id") => argument = value,
                ("code", "class") if value.starts_with("language-") => {
                    argument = value["language-".len()..].to_owned()
                }
                ("span", "class") if value.starts_with("tg-") => {
                    argument = value["tg-".len()..].to_owned()
                }
                _ => {}
            }
        }
        if name == "span" && argument != "spoiler" {
            return Err(format!(
                "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
            ));
        }
        Ok(OpenTag { name, argument })
    }

    fn attribute_value(&mut self) -> Result<String, String> {
        let quote = self.current();
        if quote != b'\'' && quote != b'"' {
            // A bare name token: letters, digits, periods and hyphens.
            let token_begin = self.pos;
            while self.current().is_ascii_alphanumeric() || matches!(self.current(), b'.' | b'-') {
                self.pos += 1;
            }
            if !is_space(self.current()) && self.current() != b'>' {
                return Err(format!(
                    "Unexpected end of name token at byte offset {token_begin}"
                ));
            }
            return Ok(self.slice(token_begin, self.pos).to_lowercase());
        }
        self.pos += 1;
        let mut value = Vec::new();
        while self.current() != quote && self.current() != 0 {
            if self.current() == b'&'
                && let Some((ch, next)) = self.decode_entity(self.pos)?
            {
                let mut buf = [0; 4];
                value.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                self.pos = next;
                continue;
            }
            value.push(self.current());
            self.pos += 1;
        }
        if self.current() == quote {
            self.pos += 1;
        }
        Ok(String::from_utf8_lossy(&value).into_owned())
    }

    fn end_tag(&mut self, begin: usize, open: &mut Vec<OpenTag>) -> Result<(), String> {
        let Some(tag) = open.pop() else {
            return Err(format!("Unexpected end tag at byte offset {begin}"));
        };
        while !is_space(self.current()) && self.current() != b'>' {
            self.pos += 1;
        }
        let end_name = self.slice(begin + 2, self.pos);
        while is_space(self.current()) && self.current() != 0 {
            self.pos += 1;
        }
        if self.current() != b'>' {
            return Err(format!("Unclosed end tag at byte offset {begin}"));
        }
        if !end_name.is_empty() && end_name != tag.name {
            return Err(format!(
                "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{end_name}>\"",
                tag.name
            ));
        }
        if tag.name == "tg-emoji" && !tag.argument.parse::<i64>().is_ok_and(|id| id != 0) {
            return Err("Invalid custom emoji identifier specified".to_owned());
        }
        Ok(())
    }
}

/// Telegram counts message lengths in UTF-16 code units.
pub fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(html: &str) -> String {
        to_plain_text(html).expect_err("Telegram refuses this")
    }

    #[test]
    fn supported_markup_becomes_plain_text() {
        let html = "<b>Bold</b> <i>it</i> <a href=\"https://x.org/?a=1&amp;b=2\">link</a> \
                    <pre><code class=\"language-rust\">let x = 1 &lt; 2;</code></pre> \
                    <span class=\"tg-spoiler\">s</span><tg-spoiler>t</tg-spoiler> \
                    <blockquote expandable>q</blockquote> <tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji> \
                    &quot;&#65;&#x42;&gt;";
        assert_eq!(
            to_plain_text(html).unwrap(),
            "Bold it link let x = 1 < 2; st q 👍 \"AB>"
        );
    }

    #[test]
    fn unknown_named_entities_stay_literal_like_in_telegram() {
        assert_eq!(
            to_plain_text("a&nbsp;b &copy x & y").unwrap(),
            "a&nbsp;b &copy x & y"
        );
    }

    #[test]
    fn bare_angle_brackets_and_unknown_tags_are_refused() {
        assert_eq!(
            refused("1 < 2"),
            "Unsupported start tag \"\" at byte offset 2"
        );
        assert_eq!(
            refused("<foo>x</foo>"),
            "Unsupported start tag \"foo\" at byte offset 0"
        );
        assert_eq!(
            refused("see <user@example.com>"),
            "Unsupported start tag \"user@example.com\" at byte offset 4"
        );
        assert_eq!(refused("x <"), "Unclosed start tag at byte offset 2");
    }

    #[test]
    fn unbalanced_tags_are_refused() {
        assert_eq!(
            refused("<b>bold"),
            "Can't find end tag corresponding to start tag \"b\""
        );
        assert_eq!(refused("text</b>"), "Unexpected end tag at byte offset 4");
        assert_eq!(
            refused("<b><i>x</b></i>"),
            "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\""
        );
        assert_eq!(refused("<b>x</b"), "Unclosed end tag at byte offset 4");
        assert_eq!(to_plain_text("<b>x</>").unwrap(), "x");
    }

    #[test]
    fn attributes_are_checked() {
        assert_eq!(
            refused("<b class>x</b>"),
            "Expected equal sign in declaration of an attribute of the tag \"b\" at byte offset 0"
        );
        assert_eq!(
            refused("<span>x</span>"),
            "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"
        );
        assert_eq!(
            refused("<a href=x/y>z</a>"),
            "Unexpected end of name token at byte offset 8"
        );
        assert_eq!(
            refused("<tg-emoji emoji-id=\"x\">y</tg-emoji>"),
            "Invalid custom emoji identifier specified"
        );
        assert_eq!(to_plain_text("<A HREF='https://x.org'>z</a>").unwrap(), "z");
    }

    #[test]
    fn lengths_are_utf16_code_units() {
        assert_eq!(utf16_len("я"), 1);
        assert_eq!(utf16_len("👍"), 2);
    }
}
