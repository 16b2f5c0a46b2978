//! A real browser for the end-to-end tests: Debian's headless Chromium,
//! driven over WebDriver (fantoccini) through its chromedriver.
//!
//! ```ignore
//! let Some(browser) = Browser::start().await else { return };
//! browser.open(&app.sandbox_url()).await;
//! browser.press("Начать").await;
//! browser.wait_for_text("Здравствуйте").await;
//! ```
//!
//! Everything a test waits for is looked up in the page's DOM again and
//! again until it shows or [`PATIENCE`] runs out: the page updates itself
//! from the sandbox's long poll, so nothing is there at a fixed moment.
//! Elements are found by the text a person reads (a button's label, a
//! message's words) rather than by the page's ids wherever a person would.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a page has to show what a test waits for: a browser on a busy
/// two-core machine answering the bot's reply through the long poll.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A phone's screen (CSS pixels): the page's narrow layout, sidebar as a
/// drawer.
pub const SCREEN: (u32, u32) = (412, 915);

/// WebDriver's key code for Enter.
const ENTER: &str = "\u{e007}";

/// A headless Chromium on a phone-sized screen, its words in Russian (as
/// `Accept-Language: ru` asks), behind a chromedriver of its own. Dropping
/// it (also when a test panics) kills the chromedriver and with it the
/// browser, and removes the browser's profile.
pub struct Browser {
    client: Client,
    driver_url: String,
    session: String,
    /// Declared after the client: the session goes before its driver.
    _driver: Chromedriver,
}

impl Browser {
    /// The browser, or `None` after one line saying why when Chromium or
    /// chromedriver is not installed (`scripts/test` installs both when it
    /// runs as root).
    pub async fn start() -> Option<Browser> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            println!(
                "skipped: chromium and chromedriver are not installed (scripts/test installs them as root)"
            );
            return None;
        }
        let driver = Chromedriver::start().await;
        let mut capabilities = Capabilities::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--no-sandbox",
                    "--headless=new",
                    "--disable-gpu",
                    format!("--window-size={},{}", SCREEN.0, SCREEN.1),
                    format!("--user-data-dir={}", driver.profile.display()),
                    "--lang=ru",
                ],
                "prefs": { "intl.accept_languages": "ru" },
            }),
        );
        // The console's messages, read back by `console_errors`.
        capabilities.insert("goog:loggingPrefs".to_owned(), json!({ "browser": "ALL" }));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .expect("chromedriver starts a headless Chromium");
        let session = client
            .session_id()
            .await
            .expect("the session's id")
            .expect("a session");
        Some(Browser {
            client,
            driver_url: driver.url.clone(),
            session,
            _driver: driver,
        })
    }

    /// Opens `url` and waits until its document has loaded.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// The element whose own text (deepest, visible) contains `text`, once
    /// the page shows it.
    pub async fn wait_for_text(&self, text: &str) -> Element {
        self.wait_for_xpath(&format!("//body{}", containing(text)), text)
            .await
    }

    /// A message from the bot whose text contains `text`, once the chat
    /// shows it.
    pub async fn wait_for_bot_message(&self, text: &str) -> Element {
        self.wait_for_xpath(
            &format!(
                "//div[{}]{}",
                has_class("msg") + " and " + &has_class("in"),
                containing(text)
            ),
            &format!("a message from the bot with {text:?}"),
        )
        .await
    }

    /// Presses the (visible, enabled) button labelled `label`, once there
    /// is one.
    pub async fn press(&self, label: &str) {
        let button = self
            .wait_for_xpath(
                &format!(
                    "//button[contains(normalize-space(.), {})][not(@disabled)]",
                    literal(label)
                ),
                &format!("a button {label:?}"),
            )
            .await;
        button.click().await.expect("the button takes a click");
    }

    /// Types `text` into the field `css` finds, as a keyboard would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.wait_for_css(css).await;
        field.send_keys(text).await.expect("the field takes keys");
    }

    /// Types `text` into the field `css` finds and presses Enter.
    pub async fn type_and_enter(&self, css: &str, text: &str) {
        self.type_into(css, &format!("{text}{ENTER}")).await;
    }

    /// Picks `file` in the file input `css` finds, as the browser's file
    /// chooser would (a headless browser shows none).
    pub async fn choose_file(&self, css: &str, file: &Path) {
        let input = self
            .client
            .find(Locator::Css(css))
            .await
            .expect("the file input is on the page");
        input
            .send_keys(file.to_str().expect("a UTF-8 path"))
            .await
            .expect("the file input takes the file");
    }

    /// Whether an element `css` finds is on the page and displayed now.
    pub async fn is_displayed(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Runs `script` in the page (a function body; `arguments` are `args`)
    /// and returns what it returns.
    pub async fn run(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .expect("the script runs")
    }

    /// Saves what the screen shows as a PNG at `path` (its folder made).
    pub async fn screenshot(&self, path: &Path) {
        let png = self
            .client
            .screenshot()
            .await
            .expect("the browser takes a screenshot");
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).expect("the screenshot's folder");
        }
        std::fs::write(path, png).expect("the screenshot is saved");
    }

    /// The console's errors since the last call (an uncaught exception, a
    /// failed request): chromedriver's browser log at level SEVERE.
    pub async fn console_errors(&self) -> Vec<String> {
        let log: Value = reqwest::Client::new()
            .post(format!(
                "{}/session/{}/se/log",
                self.driver_url, self.session
            ))
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("the log is JSON");
        log["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    async fn wait_for_css(&self, css: &str) -> Element {
        self.wait_for(Locator::Css(css), css).await
    }

    async fn wait_for_xpath(&self, xpath: &str, what: &str) -> Element {
        self.wait_for(Locator::XPath(xpath), what).await
    }

    /// The first displayed element `locator` finds, polling the DOM every
    /// 50 ms; fails the test after [`PATIENCE`] with what the page showed.
    async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Element {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            for element in self.client.find_all(locator).await.unwrap_or_default() {
                if element.is_displayed().await.unwrap_or(false) {
                    return element;
                }
            }
            if tokio::time::Instant::now() >= deadline {
                let shown = self.run("return document.body.innerText", vec![]).await;
                panic!(
                    "not within {PATIENCE:?}: {what}; the page shows:\n{}",
                    shown.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// An XPath step to the deepest elements whose text contains `text`.
fn containing(text: &str) -> String {
    let text = literal(text);
    format!(
        "//*[contains(normalize-space(.), {text})][not(*[contains(normalize-space(.), {text})])]"
    )
}

/// An XPath test that an element has the CSS class `class`.
fn has_class(class: &str) -> String {
    format!("contains(concat(' ', normalize-space(@class), ' '), ' {class} ')")
}

/// `text` as an XPath 1.0 string literal, whatever quotes it holds.
fn literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// Where a test's screenshot goes: `target/screenshots/<name>`.
pub fn screenshot_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots").join(name)
}

/// chromedriver on a free port of 127.0.0.1, killed when dropped, with a
/// fresh folder for the browser's profile.
struct Chromedriver {
    url: String,
    profile: PathBuf,
    process: tokio::process::Child,
}

impl Chromedriver {
    /// Starts chromedriver and waits until it says it is ready.
    async fn start() -> Chromedriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let profile =
            std::env::temp_dir().join(format!("medcab-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).expect("the browser's profile folder");
        let process = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own, Chromium's processes in it too: one
            // signal ends them all.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let driver = Chromedriver {
            url: format!("http://127.0.0.1:{port}"),
            profile,
            process,
        };
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let status = http.get(format!("{}/status", driver.url)).send().await;
            if let Ok(status) = status
                && let Ok(body) = status.json::<Value>().await
                && body["value"]["ready"] == true
            {
                return driver;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not answer within {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Chromium does not end with a killed chromedriver: the whole
        // group goes (`kill` takes a negative id for a group).
        if let Some(pid) = self.process.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
        let _ = self.process.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn any_text_becomes_an_xpath_literal() {
        assert_eq!(literal("Начать"), "'Начать'");
        assert_eq!(literal("it's"), "\"it's\"");
        assert_eq!(
            literal("«a» 'b' \"c\""),
            "concat('«a» ', \"'\", 'b', \"'\", ' \"c\"')"
        );
    }
}
