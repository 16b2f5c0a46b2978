//! Logs, through `tracing`. `RUST_LOG` picks the level (default `info`).
//! teloxide logs through the `log` crate; tracing-subscriber picks those up.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests) is harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
