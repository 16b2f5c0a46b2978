//! The Telegram front-end of medcab and the `medcab` binary.
//!
//! See ARCHITECTURE.md at the repository root for the map.

pub mod admin;
pub mod api;
pub mod calendar_feed;
pub mod chat;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod flood;
pub mod handlers;
pub mod http;
pub mod i18n;
pub mod inbox;
mod local_services;
pub mod max;
pub mod metrics;
mod private_postgres;
pub mod qr_picture;
pub mod rate_limit;
pub mod sandbox_mode;
pub mod scheduler;
pub mod startup;
pub mod telemetry;
pub mod user_ids;
