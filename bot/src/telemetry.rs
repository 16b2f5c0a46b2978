//! Logs, through `tracing`, to stderr (a command's own output on stdout —
//! an import summary, a generated key — stays clean to read and to pipe).
//!
//! `RUST_LOG` picks what is logged; by default warnings from everything and
//! medcab's own information, so a normal start shows no library chatter.
//! `MEDCAB_LOG_FORMAT=json` writes one JSON object a line for a log
//! collector; the default text has colours only on a terminal, so a file,
//! `docker logs` or journald get no escape codes.
//! teloxide logs through the `log` crate; tracing-subscriber picks those up.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::ConfigError;

/// Warnings from libraries, information from medcab.
pub const DEFAULT_FILTER: &str = "warn,medcab=info,medcab_bot=info,medcab_core=info";

/// How log lines are written (`MEDCAB_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: one line an event, coloured on a terminal.
    Text,
    /// For log collectors: one JSON object a line.
    Json,
}

impl LogFormat {
    /// `text` (the default) or `json`.
    pub fn parse(value: Option<&str>) -> Result<LogFormat, ConfigError> {
        match value.map(str::trim).map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(ConfigError::Malformed {
                name: "MEDCAB_LOG_FORMAT",
                problem: format!("expected text or json, got {other:?}"),
            }),
        }
    }
}

/// Installs the logger for the process. A second call (tests) is harmless.
pub fn init() -> Result<(), ConfigError> {
    let format = LogFormat::parse(std::env::var("MEDCAB_LOG_FORMAT").ok().as_deref())?;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let ansi = std::io::stderr().is_terminal();
    // Also forwards `log` records (teloxide's) to tracing.
    let _ = subscriber(format, ansi, filter, std::io::stderr).try_init();
    Ok(())
}

/// The logger, writing to `writer`; separate so tests can read what it writes.
pub fn subscriber<W>(
    format: LogFormat,
    ansi: bool,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_target(false).with_ansi(ansi).finish()),
        // Targets help a collector filter; colours never belong in JSON.
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_ansi(false)
                .finish(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(format: LogFormat, ansi: bool) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber(format, ansi, EnvFilter::new(DEFAULT_FILTER), move || {
            writer.clone()
        });
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(lanes = 4, "delivery is slow");
        });
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn text_off_a_terminal_has_no_colour_codes() {
        let text = logged(LogFormat::Text, false);
        assert!(text.contains("delivery is slow"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }

    #[test]
    fn json_is_one_object_a_line() {
        let text = logged(LogFormat::Json, true);
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("JSON");
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "delivery is slow");
        assert_eq!(line["lanes"], 4);
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn the_format_is_text_or_json() {
        assert_eq!(LogFormat::parse(None).unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse(Some(" JSON ")).unwrap(), LogFormat::Json);
        let err = LogFormat::parse(Some("xml")).unwrap_err().to_string();
        assert!(err.starts_with("MEDCAB_LOG_FORMAT is malformed"), "{err}");
    }

    #[test]
    fn a_normal_start_hides_libraries_information() {
        let filter = DEFAULT_FILTER;
        assert!(filter.starts_with("warn,"), "{filter}");
    }
}
