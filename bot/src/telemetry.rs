//! Logs, through `tracing`. `RUST_LOG` picks the level (default `info`).
//! teloxide logs through the `log` crate; tracing-subscriber picks those up.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr, so a command's own output on stdout (an import
    // summary, the sandbox's address) stays clean to read and to pipe.
    // A second init (tests) is harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}
