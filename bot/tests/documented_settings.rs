//! Every setting the program reads is in README's configuration table, and
//! the Compose stack hands the bot all of them (its whole `.env`).

use std::collections::BTreeSet;

const README: &str = include_str!("../../README.md");
const COMPOSE: &str = include_str!("../../compose.yaml");
const SOURCES: &[&str] = &[
    include_str!("../src/config.rs"),
    include_str!("../src/telemetry.rs"),
];

/// Settings still named in the code only to warn that they are retired.
const RETIRED: &[&str] = &["MEDCAB_API_KEY"];

fn read_settings() -> BTreeSet<String> {
    let pattern =
        regex::Regex::new(r#""((?:MEDCAB|TELOXIDE)_[A-Z_]+|DATABASE_URL|REDIS_URL|RUST_LOG)""#)
            .unwrap();
    SOURCES
        .iter()
        .flat_map(|source| pattern.captures_iter(source))
        .map(|found| found[1].to_owned())
        .filter(|name| !RETIRED.contains(&name.as_str()))
        .collect()
}

fn documented_settings() -> BTreeSet<String> {
    let row = regex::Regex::new(r"(?m)^\| `([A-Z_]+)` \|").unwrap();
    row.captures_iter(README)
        .map(|found| found[1].to_owned())
        .collect()
}

#[test]
fn every_setting_read_is_documented() {
    let read = read_settings();
    assert!(
        read.len() > 20 && read.contains("MEDCAB_LOG_FORMAT"),
        "{read:?}"
    );
    let undocumented: Vec<_> = read_settings()
        .difference(&documented_settings())
        .cloned()
        .collect();
    assert!(
        undocumented.is_empty(),
        "read but not in README's table: {undocumented:?}"
    );
}

#[test]
fn compose_hands_the_bot_its_whole_env_file() {
    let bot = COMPOSE
        .split("\n  postgres:")
        .next()
        .expect("the bot's service comes first");
    assert!(
        bot.lines().any(|line| line.trim() == "env_file: .env"),
        "the bot service reads .env whole"
    );
    assert!(
        bot.contains("./import:/import:ro"),
        "the register's folder is mounted"
    );
}
