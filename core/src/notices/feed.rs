//! Reading a feed of regulatory changes (RSS 2.0, Atom or JSON Feed) into
//! items an operator may publish.
//!
//! The feed is the publisher's text, not ours: HTML is stripped to plain
//! text (the push is Telegram HTML, and the renderer escapes strings),
//! titles and summaries are cut to the notice's limits, and a link is kept
//! only if it is an http(s) address. An item without an id is known by its
//! link, else by a hash of its text, so reading the same feed again gives
//! the same keys and nothing is proposed twice.

use sha2::{Digest, Sha256};

use super::{MAX_SUMMARY, MAX_TITLE, parse_link};

/// One item of a feed, ready to be proposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// Stable across reads of the feed: the item's id, else its link, else
    /// a hash of its title and summary.
    pub key: String,
    /// Plain text, 1 to [`MAX_TITLE`] characters.
    pub title: String,
    /// Plain text, 1 to [`MAX_SUMMARY`] characters.
    pub summary: String,
    /// An http(s) address, if the item had one.
    pub link: Option<String>,
}

impl FeedItem {
    /// The item cut to the notice's limits, or `None` when it has no text.
    pub(super) fn within_limits(&self) -> Option<FeedItem> {
        let key = self.key.trim();
        let title = truncate(&normalise_space(&self.title), MAX_TITLE);
        let summary = truncate(self.summary.trim(), MAX_SUMMARY);
        if key.is_empty() || title.is_empty() {
            return None;
        }
        let summary = if summary.is_empty() {
            title.clone()
        } else {
            summary
        };
        Some(FeedItem {
            key: key.to_owned(),
            title,
            summary,
            link: self.link.as_deref().and_then(|link| parse_link(link).ok()),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Not RSS, Atom or JSON Feed, or broken.
    #[error("the feed cannot be read: {0}")]
    Unreadable(String),
}

/// The feed's items, in the feed's order. Items with neither a title nor
/// a summary are left out.
pub fn parse(bytes: &[u8]) -> Result<Vec<FeedItem>, FeedError> {
    // An item without an id keeps an empty one: we choose the fallback
    // ourselves (feed-rs would make up a random UUID when there is no link).
    let parser = feed_rs::parser::Builder::new()
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser
        .parse(bytes)
        .map_err(|error| FeedError::Unreadable(error.to_string()))?;
    Ok(feed
        .entries
        .into_iter()
        .filter_map(|entry| {
            let title = entry.title.as_ref().map(text_of).unwrap_or_default();
            let summary = entry
                .summary
                .as_ref()
                .map(text_of)
                .filter(|summary| !summary.is_empty())
                .or_else(|| {
                    entry.content.as_ref().and_then(|content| {
                        let body = content.body.as_deref()?;
                        Some(if is_html(content.content_type.subty().as_str()) {
                            strip_html(body)
                        } else {
                            tidy(body)
                        })
                    })
                })
                .unwrap_or_default();
            // A JSON Feed item may have no title: its text's start is one.
            let title = if title.is_empty() {
                normalise_space(&summary)
            } else {
                title
            };
            let link = entry
                .links
                .iter()
                .filter(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
                .find_map(|link| parse_link(&link.href).ok());
            let key = if !entry.id.trim().is_empty() {
                entry.id.trim().to_owned()
            } else if let Some(link) = &link {
                link.clone()
            } else {
                let digest = Sha256::digest(format!("{title}\n{summary}").as_bytes());
                format!("sha256:{}", hex::encode(digest))
            };
            FeedItem {
                key,
                title,
                summary,
                link,
            }
            .within_limits()
        })
        .collect())
}

fn is_html(subtype: &str) -> bool {
    matches!(subtype, "html" | "xhtml" | "xhtml+xml")
}

fn text_of(text: &feed_rs::model::Text) -> String {
    if is_html(text.content_type.subty().as_str()) {
        strip_html(&text.content)
    } else {
        tidy(&text.content)
    }
}

/// Cuts to at most `max` characters, ending with «…» when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// One line, single spaces.
fn normalise_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Single spaces within lines, at most one empty line between paragraphs.
fn tidy(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = normalise_space(line);
        if line.is_empty() && out.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|last| last.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// HTML to plain text: tags removed (block tags end a line, formatting
/// tags leave nothing, others a space), `script` and
/// `style` dropped whole, entities decoded, spaces tidied. A `<` not
/// followed by a tag's start («доза < 5 мг») is text.
pub fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !starts_tag {
            text.push('<');
            rest = after;
            continue;
        }
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(end) = after.find('>') else {
            // An unclosed tag at the end: drop it.
            rest = "";
            break;
        };
        let tag = &after[..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &after[end + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let closing = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&closing) {
                Some(at) => rest[at..].find('>').map_or("", |gt| &rest[at + gt + 1..]),
                None => "",
            };
            continue;
        }
        let block = matches!(
            name.as_str(),
            "p" | "div"
                | "li"
                | "ul"
                | "ol"
                | "tr"
                | "table"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "section"
                | "article"
        );
        let inline = matches!(
            name.as_str(),
            "a" | "b"
                | "i"
                | "u"
                | "s"
                | "em"
                | "strong"
                | "span"
                | "sub"
                | "sup"
                | "small"
                | "abbr"
                | "code"
                | "font"
                | "mark"
        );
        if name == "br" {
            text.push('\n');
        } else if block {
            // `</p><p>` or `</li><li>` is one line break, not two; `<br><br>`
            // is the author's empty line.
            if !text.trim_end_matches([' ', '\t']).ends_with('\n') {
                text.push('\n');
            }
        } else if !inline {
            text.push(' ');
        }
    }
    text.push_str(rest);
    tidy(&decode_entities(&text))
}

/// The entities a feed's HTML uses; an unknown one stays as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(at, _)| at);
        let decoded = end.and_then(|end| entity(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "laquo" => '«',
        "raquo" => '»',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "bdquo" => '„',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sect" => '§',
        "numero" => '№',
        "deg" => '°',
        "times" => '×',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Минздрав России: нормативные акты</title>
    <link>https://minzdrav.gov.ru/documents</link>
    <description>Новые документы</description>
    <item>
      <title>Приказ № 123н &amp; порядок аккредитации</title>
      <link>https://minzdrav.gov.ru/documents/123</link>
      <guid isPermaLink="false">doc-123</guid>
      <description><![CDATA[<p>Изменён <b>порядок</b> периодической аккредитации.</p><p>Вступает в силу с&nbsp;01.03.2027.</p><script>alert(1)</script>]]></description>
    </item>
    <item>
      <title>Письмо о дозировке</title>
      <link>https://minzdrav.gov.ru/documents/124</link>
      <description>Доза &lt; 5 мг в сутки.</description>
    </item>
    <item>
      <title>Без ссылки</title>
      <description>Текст без ссылки и без guid.</description>
    </item>
  </channel>
</rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Росздравнадзор</title>
  <id>urn:roszdravnadzor:feed</id>
  <updated>2026-11-20T10:00:00Z</updated>
  <entry>
    <title type="text">Новые требования к медицинской документации</title>
    <id>urn:roszdravnadzor:news:77</id>
    <link rel="alternate" href="https://roszdravnadzor.gov.ru/news/77"/>
    <updated>2026-11-20T10:00:00Z</updated>
    <summary type="html">&lt;p&gt;Изменения в ведении &lt;i&gt;медицинских карт&lt;/i&gt;.&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title>Ссылка не на сайт</title>
    <id>urn:roszdravnadzor:news:78</id>
    <link href="javascript:alert(1)"/>
    <updated>2026-11-21T10:00:00Z</updated>
    <content type="text">Только текст.</content>
  </entry>
</feed>"#;

    const JSON_FEED: &str = r#"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Изменения в нормативных документах",
  "items": [
    {
      "id": "2026-11-25-1",
      "url": "https://example.gov.ru/n/1",
      "title": "Клинические рекомендации по артериальной гипертензии",
      "content_html": "<ul><li>Новые целевые значения</li><li>Новые схемы</li></ul>"
    },
    {
      "id": "2026-11-25-2",
      "content_text": "Сообщение без заголовка: изменён срок подачи отчётов."
    }
  ]
}"#;

    #[test]
    fn rss_items_are_read_as_plain_text() {
        let items = parse(RSS.as_bytes()).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].key, "doc-123");
        assert_eq!(items[0].title, "Приказ № 123н & порядок аккредитации");
        assert_eq!(
            items[0].summary,
            "Изменён порядок периодической аккредитации.\nВступает в силу с 01.03.2027."
        );
        assert_eq!(
            items[0].link.as_deref(),
            Some("https://minzdrav.gov.ru/documents/123")
        );
        // No guid: known by its link; a lone `<` is text.
        assert_eq!(items[1].key, "https://minzdrav.gov.ru/documents/124");
        assert_eq!(items[1].summary, "Доза < 5 мг в сутки.");
        // Neither: a hash of the text, the same on every read.
        assert!(items[2].key.starts_with("sha256:"), "{}", items[2].key);
        assert_eq!(items[2].link, None);
        assert_eq!(parse(RSS.as_bytes()).unwrap(), items);
    }

    #[test]
    fn atom_entries_are_read_and_only_web_links_kept() {
        let items = parse(ATOM.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].key, "urn:roszdravnadzor:news:77");
        assert_eq!(items[0].summary, "Изменения в ведении медицинских карт.");
        assert_eq!(
            items[0].link.as_deref(),
            Some("https://roszdravnadzor.gov.ru/news/77")
        );
        assert_eq!(items[1].link, None, "javascript: is not a link to show");
        assert_eq!(items[1].summary, "Только текст.");
    }

    #[test]
    fn json_feed_items_are_read_and_a_missing_title_is_the_text() {
        let items = parse(JSON_FEED.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].key, "2026-11-25-1");
        assert_eq!(items[0].summary, "Новые целевые значения\nНовые схемы");
        assert_eq!(items[0].link.as_deref(), Some("https://example.gov.ru/n/1"));
        assert_eq!(
            items[1].title,
            "Сообщение без заголовка: изменён срок подачи отчётов."
        );
    }

    #[test]
    fn not_a_feed_is_an_error() {
        assert!(matches!(
            parse(b"<html><body>nope</body></html>"),
            Err(FeedError::Unreadable(_))
        ));
        assert!(parse(b"").is_err());
    }

    #[test]
    fn long_texts_are_cut_to_the_limits() {
        let item = FeedItem {
            key: "k".into(),
            title: "Заголовок ".repeat(40),
            summary: "а".repeat(2000),
            link: Some(format!("https://example.org/{}", "x".repeat(600))),
        }
        .within_limits()
        .unwrap();
        assert_eq!(
            item.title.chars().count(),
            MAX_TITLE.min(item.title.chars().count())
        );
        assert!(item.title.chars().count() <= MAX_TITLE && item.title.ends_with('…'));
        assert_eq!(item.summary.chars().count(), MAX_SUMMARY);
        assert_eq!(item.link, None, "too long to keep");
        let blank = FeedItem {
            key: "k".into(),
            title: "  ".into(),
            summary: "".into(),
            link: None,
        };
        assert_eq!(blank.within_limits(), None);
    }

    #[test]
    fn html_is_stripped_and_entities_decoded() {
        assert_eq!(
            strip_html(
                "<div>Раз<br/>два &laquo;три&raquo; &#8212; &#x2116;5 &unknown; A&amp;B</div><!-- c -->"
            ),
            "Раз\nдва «три» — №5 &unknown; A&B"
        );
        assert_eq!(strip_html("<style>p{}</style>Текст"), "Текст");
        assert_eq!(truncate("абвгд", 3), "аб…");
        assert_eq!(truncate("абв", 3), "абв");
    }
}
