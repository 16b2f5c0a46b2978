//! End-to-end: the real bot, driven through the sandbox as a phone would,
//! against a real PostgreSQL (a database per test) and a real Redis.

mod accreditation;
mod activation;
mod applications;
mod availability;
mod broadcast;
mod cancel;
mod dates;
mod delivery;
mod documents;
mod education;
mod education_check;
mod faults;
mod forget;
mod harness;
mod identity;
mod language;
mod login_confirmation;
mod main_menu;
mod max;
mod max_pushes;
mod metrics;
mod onboarding;
mod organisation;
mod outage;
mod portfolio;
mod profile;
mod qualification;
mod redelivery;
mod referral_files;
mod referrals;
mod reminders;
mod report;
mod review;
mod schedule;
mod settings;
mod staff;
mod step_up;
mod storms;
mod unexpected;
mod web_chat_browser;
mod webhook;

use medcab_bot::i18n::Texts;
use medcab_core::Language;

/// The HTML the bot sends for a text key, to compare with what it sent.
fn ru(key: &str) -> String {
    Texts::new(Language::Ru).msg(key)
}

fn en(key: &str) -> String {
    Texts::new(Language::En).msg(key)
}
