//! The medcab domain, its rules and its storage.
//!
//! This crate knows nothing of Telegram's API: the bot parses what a user
//! sends, calls one service here, and renders the answer. Each module owns
//! its tables; the SQL that touches a table lives in the module that owns it.

pub mod data_key;
pub mod language;
pub mod telegram_users;
pub mod updates;

pub use data_key::DataKey;
pub use language::Language;

/// The schema, embedded in the binary so `medcab migrate` needs no files.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
