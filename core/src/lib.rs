//! The medcab domain, its rules and its storage.
//!
//! This crate knows nothing of Telegram's API: the bot parses what a user
//! sends, calls one service here, and renders the answer. Each module owns
//! its tables; the SQL that touches a table lives in the module that owns it.

pub mod accounts;
pub mod accreditation;
pub mod activity_report;
pub mod api_clients;
pub mod applications;
pub mod audience;
pub mod broadcasts;
pub mod channels;
pub mod clock;
pub mod consent;
pub mod crypto;
pub mod csv_file;
pub mod data_key;
pub mod dates;
pub mod documents;
pub mod domain;
pub mod drafts;
pub mod erasure;
pub mod factor_resets;
pub mod history;
pub mod identity;
pub mod inbox;
pub mod inspections;
pub mod language;
pub mod licences;
pub mod login_confirmations;
pub mod notices;
pub mod notification_settings;
pub mod onboarding;
pub mod operator_factors;
pub mod operators;
pub mod outbox;
pub mod patient_data;
pub mod profile;
pub mod qualification;
pub mod referrals;
pub mod registry;
pub mod reminders;
pub mod reseal;
pub mod retention;
pub mod review;
pub mod schedule;
pub mod second_factor;
pub mod security_events;
pub mod session_files;
pub mod telegram_users;
pub mod totp;
pub mod turns;
pub mod updates;

pub use clock::Clock;
pub use data_key::{DataKey, DataKeys, MalformedDataKeys};
pub use domain::UserId;
pub use language::Language;

/// The schema, embedded in the binary so `medcab migrate` needs no files.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
