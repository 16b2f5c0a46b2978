//! `medcab admin …`: an operator's chores, run by hand on a server.

use std::fs::File;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use medcab_core::Clock;
use medcab_core::crypto::Vault;
use medcab_core::operators::{self, Grant, Revoke};
use medcab_core::registry::{self, ImportReport};

use crate::config::{self, DatabaseSettings};
use crate::startup;

/// Skipped rows printed one by one; past this the rest is counted, so a
/// file with a broken column does not scroll the summary away.
const SKIPPED_SHOWN: usize = 50;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Load the register of medical workers from a CSV export.
    ///
    /// Needs DATABASE_URL and MEDCAB_DATA_KEY (personal fields are stored
    /// encrypted with it). Applies pending migrations first. A practitioner
    /// already in the table (same СНИЛС) is updated, never duplicated.
    ///
    /// The first line is the header; columns are matched by name, in any
    /// order, in English or in Russian:
    ///
    ///   snils                      СНИЛС                       required
    ///   full_name                  ФИО                         required
    ///   birth_date                 Дата рождения               required
    ///   phone                      Телефон                     optional
    ///   specialty                  Специальность               required
    ///   position                   Должность                   required
    ///   organisation               Организация                 required
    ///   region                     Регион                      required
    ///   accreditation_number       Номер аккредитации          optional
    ///   accreditation_valid_until  Аккредитация действует до   optional
    ///
    /// Fields are separated by ',' or ';' (as Russian Excel saves), decided
    /// by the header line. UTF-8, with or without a byte order mark. Dates
    /// are YYYY-MM-DD or DD.MM.YYYY. A row that cannot be an entry (a wrong
    /// СНИЛС check number, a phone that is not a Russian mobile, a bad date,
    /// an empty required field, a wrong number of fields, a СНИЛС given
    /// twice) is skipped and listed as "line N: reason"; the rest is
    /// imported. Exits 0 when the file was processed, skipped rows or not.
    ///
    /// See docs/registry.md.
    #[command(verbatim_doc_comment)]
    ImportRegistry(ImportRegistryArgs),
    /// Make a Telegram user an operator: they review applications (/review)
    /// and approve second-factor resets (/resets) in the bot.
    ///
    /// Needs DATABASE_URL. Applies pending migrations first. Granting an
    /// operator again changes nothing.
    GrantOperator(OperatorArgs),
    /// Take the operator role away. The applications they were reviewing go
    /// back to the queue at once.
    ///
    /// Needs DATABASE_URL. Applies pending migrations first.
    RevokeOperator(OperatorArgs),
}

#[derive(Debug, Args)]
pub struct OperatorArgs {
    /// The user's numeric Telegram id (not the @username).
    #[arg(value_name = "TELEGRAM_ID", value_parser = clap::value_parser!(i64).range(1..))]
    pub telegram_id: i64,
}

#[derive(Debug, Args)]
pub struct ImportRegistryArgs {
    /// The CSV file to import.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
}

pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::ImportRegistry(args) => import_registry(&args.file).await,
        AdminCommand::GrantOperator(args) => grant_operator(args.telegram_id).await,
        AdminCommand::RevokeOperator(args) => revoke_operator(args.telegram_id).await,
    }
}

async fn import_registry(path: &Path) -> anyhow::Result<()> {
    // Settings first: a missing one is exit code 2 before anything is read.
    let database = DatabaseSettings::from_env()?;
    let vault = Vault::new(&config::data_key_from_env()?);

    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let db = startup::connect_database(&database.url).await?;

    let progress = progress_bar(size);
    let result =
        registry::import_csv(&db, &vault, file, |bytes| progress.set_position(bytes)).await;
    progress.finish_and_clear();
    let report = result.with_context(|| format!("cannot import {}", path.display()))?;

    let mut out = std::io::stdout().lock();
    write_summary(&mut out, &report)?;
    out.flush()?;
    Ok(())
}

/// Who granted a role, as the operators table records it: the account on
/// the server that ran the command.
fn granted_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("medcab admin ({user})")
}

async fn grant_operator(telegram_id: i64) -> anyhow::Result<()> {
    let database = DatabaseSettings::from_env()?;
    let db = startup::connect_database(&database.url).await?;
    let grant = operators::grant(&db, telegram_id, &granted_by(), Clock::system().now())
        .await
        .context("cannot grant the operator role")?;
    match grant {
        Grant::Granted => println!("{telegram_id} is now an operator."),
        Grant::AlreadyOperator => {
            println!("{telegram_id} is already an operator; nothing changed.")
        }
    }
    Ok(())
}

async fn revoke_operator(telegram_id: i64) -> anyhow::Result<()> {
    let database = DatabaseSettings::from_env()?;
    let db = startup::connect_database(&database.url).await?;
    let revoke = operators::revoke(&db, telegram_id, Clock::system().now())
        .await
        .context("cannot revoke the operator role")?;
    match revoke {
        Revoke::Revoked { released } => println!(
            "{telegram_id} is no longer an operator; applications returned to the queue: {released}."
        ),
        Revoke::NotAnOperator => println!("{telegram_id} is not an operator; nothing changed."),
    }
    Ok(())
}

/// By bytes of the file, on stderr, and only for a person watching: a
/// script's log gets the summary alone.
fn progress_bar(size: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn write_summary(out: &mut impl std::io::Write, report: &ImportReport) -> std::io::Result<()> {
    writeln!(out, "inserted: {}", report.inserted)?;
    writeln!(out, "updated:  {}", report.updated)?;
    writeln!(out, "skipped:  {}", report.skipped.len())?;
    for row in report.skipped.iter().take(SKIPPED_SHOWN) {
        writeln!(out, "line {}: {}", row.line, row.reason)?;
    }
    if report.skipped.len() > SKIPPED_SHOWN {
        writeln!(out, "… and {} more", report.skipped.len() - SKIPPED_SHOWN)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use medcab_core::registry::SkippedRow;

    use super::*;

    fn summary(skipped: usize) -> String {
        let report = ImportReport {
            inserted: 3,
            updated: 1,
            skipped: (1..=skipped as u64)
                .map(|n| SkippedRow {
                    line: n + 1,
                    reason: "snils: wrong".into(),
                })
                .collect(),
        };
        let mut out = Vec::new();
        write_summary(&mut out, &report).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_summary_lists_skipped_lines() {
        assert_eq!(
            summary(2),
            "inserted: 3\nupdated:  1\nskipped:  2\nline 2: snils: wrong\nline 3: snils: wrong\n"
        );
    }

    #[test]
    fn a_long_list_of_skipped_lines_is_cut_at_fifty() {
        let text = summary(120);
        assert_eq!(text.lines().filter(|l| l.starts_with("line ")).count(), 50);
        assert!(text.contains("line 51: "), "{text}");
        assert!(!text.contains("line 52: "), "{text}");
        assert!(text.ends_with("… and 70 more\n"), "{text}");
    }
}
