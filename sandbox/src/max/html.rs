//! Max's HTML formatting (`format: "html"`): the tag set the contract lists
//! — `b strong i em s del u ins a[href] pre code mark h1` — and the plain
//! text a user sees.
//!
//! The real API strips tags it does not know; the sandbox refuses them
//! instead (and refuses unbalanced tags), so a bot cannot come to rely on
//! markup that Max would silently drop (Telegram's `<tg-spoiler>` or
//! `<blockquote>`, which a shared screen might carry over). References
//! `&lt; &gt; &amp; &quot; &#39; &#NN; &#xHH;` are decoded; any other
//! `&name;` stays as it is.

const TAGS: &[&str] = &[
    "b", "strong", "i", "em", "s", "del", "u", "ins", "a", "pre", "code", "mark", "h1",
];

/// The text as shown, or why Max would not take the markup. Positions
/// count characters from 0.
pub(crate) fn to_plain_text(html: &str) -> Result<String, String> {
    let chars: Vec<char> = html.chars().collect();
    let mut text = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '&' => {
                let (decoded, next) = reference(&chars, i);
                text.push_str(&decoded);
                i = next;
            }
            '<' => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '>')
                    .map(|offset| i + offset)
                    .ok_or_else(|| format!("unclosed tag at character {i}"))?;
                let inner: String = chars[i + 1..end].iter().collect();
                tag(&inner, i, &mut open)?;
                i = end + 1;
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    if let Some(name) = open.last() {
        return Err(format!("tag <{name}> is not closed"));
    }
    Ok(text)
}

fn tag(inner: &str, at: usize, open: &mut Vec<String>) -> Result<(), String> {
    if let Some(name) = inner.strip_prefix('/') {
        let name = name.trim();
        return match open.pop() {
            Some(expected) if expected == name => Ok(()),
            Some(expected) => Err(format!(
                "end tag </{name}> at character {at} does not close <{expected}>"
            )),
            None => Err(format!(
                "end tag </{name}> at character {at} closes nothing"
            )),
        };
    }
    let (name, attributes) = inner
        .split_once(char::is_whitespace)
        .map_or((inner, ""), |(n, a)| (n, a.trim()));
    if !TAGS.contains(&name) {
        return Err(format!(
            "unsupported tag <{name}> at character {at} (Max knows {})",
            TAGS.join(", ")
        ));
    }
    match (name, attributes) {
        (_, "") if name != "a" => {}
        ("a", attributes) => {
            let href = attributes
                .strip_prefix("href")
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::trim_start)
                .and_then(|rest| {
                    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
                    rest[1..].strip_suffix(quote)
                })
                .filter(|href| !href.is_empty() && !href.contains(['"', '\'']));
            if href.is_none() {
                return Err(format!(
                    "<a> at character {at} needs one quoted href and nothing else"
                ));
            }
        }
        (_, _) => {
            return Err(format!("<{name}> at character {at} takes no attributes"));
        }
    }
    open.push(name.to_owned());
    Ok(())
}

/// The character(s) a reference at `start` stands for and where the text
/// goes on.
fn reference(chars: &[char], start: usize) -> (String, usize) {
    let end = chars[start..]
        .iter()
        .take(12)
        .position(|&c| c == ';')
        .map(|offset| start + offset);
    let Some(end) = end else {
        return ("&".to_owned(), start + 1);
    };
    let name: String = chars[start + 1..end].iter().collect();
    let decoded = match name.as_str() {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => name.strip_prefix('#').and_then(|number| {
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => number.parse::<u32>().ok(),
            };
            code.and_then(char::from_u32)
        }),
    };
    match decoded {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".to_owned(), start + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::to_plain_text;

    #[test]
    fn max_tags_pass_and_leave_the_text() {
        assert_eq!(
            to_plain_text(
                "<b>Анна</b>, <i>врач</i> <a href=\"https://max.ru\">max</a> <code>1&lt;2</code> <mark>!</mark><h1>H</h1>"
            ),
            Ok("Анна, врач max 1<2 !H".into())
        );
        assert_eq!(to_plain_text("&nbsp;&#39;&#x41;"), Ok("&nbsp;'A".into()));
        assert_eq!(to_plain_text("a & b"), Ok("a & b".into()));
    }

    #[test]
    fn other_markup_is_refused() {
        assert!(
            to_plain_text("<tg-spoiler>x</tg-spoiler>")
                .unwrap_err()
                .starts_with("unsupported tag <tg-spoiler> at character 0")
        );
        assert!(to_plain_text("<blockquote>x</blockquote>").is_err());
        assert_eq!(to_plain_text("<b>x"), Err("tag <b> is not closed".into()));
        assert_eq!(
            to_plain_text("<b><i>x</b></i>"),
            Err("end tag </b> at character 7 does not close <i>".into())
        );
        assert_eq!(
            to_plain_text("x</b>"),
            Err("end tag </b> at character 1 closes nothing".into())
        );
        assert_eq!(
            to_plain_text("1 < 2"),
            Err("unclosed tag at character 2".into())
        );
        assert!(to_plain_text("<a>x</a>").is_err());
        assert!(to_plain_text("<b class=\"x\">x</b>").is_err());
    }
}
