//! An emulator of the Max Bot API beside the Telegram one, on the same
//! server under `/max` (what the bot gets as `MEDCAB_MAX_API_URL`),
//! checked against the contract `api/max/openapi.json`. See the package
//! README's "Max" part.

pub(crate) mod api;
pub(crate) mod control;
mod error;
mod html;
pub(crate) mod shapes;
mod spec;
pub(crate) mod state;
pub(crate) mod webhook;

/// Whether `path` is the Max side's: its API, upload URLs or files.
pub(crate) fn owns(path: &str) -> bool {
    path == "/max"
        || path.starts_with("/max/")
        || path.starts_with("/max-upload/")
        || path.starts_with("/max-file/")
}
