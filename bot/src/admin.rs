//! `medcab admin …`: an operator's chores, run by hand on a server.

use std::fs::File;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

use chrono::NaiveDate;
use medcab_core::Clock;
use medcab_core::UserId;
use medcab_core::api_clients::{self, AddError};
use medcab_core::audience::Reach;
use medcab_core::broadcasts::{self, Source};
use medcab_core::clock::moscow_today;
use medcab_core::crypto::Vault;
use medcab_core::domain::Snils;
use medcab_core::identity;
use medcab_core::inspections::{self, InspectionDraft, InspectionKind};
use medcab_core::licences;
use medcab_core::notices::{self, NoticeDraft};
use medcab_core::operators::{self, Grant, Revoke};
use medcab_core::qualification;
use medcab_core::registry::{self, ImportReport, SkippedRow};
use medcab_core::reseal;
use sqlx::PgPool;

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
    ///   organisation_inn           ИНН организации             optional: 10 digits, checked
    ///   organisation_ogrn          ОГРН организации            optional: 13 digits, checked
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
    /// Load education records toward periodic accreditation (ПК programmes,
    /// НМО modules and events) from a CSV file, for practitioners with a
    /// confirmed account.
    ///
    /// Needs DATABASE_URL and MEDCAB_DATA_KEY. Applies pending migrations
    /// first. Columns are matched by name, in any order, in English or in
    /// Russian:
    ///
    ///   snils         СНИЛС            required
    ///   kind          Вид              required: programme (ПК), module (ИОМ), event (мероприятие)
    ///   title         Название         required
    ///   provider      Организатор      required
    ///   completed_on  Дата окончания   required: DD.MM.YYYY or YYYY-MM-DD, not in the future
    ///   amount        Часы или ЗЕТ     required: hours of a programme (1–1000), ЗЕТ of a module (1–100) or an event (1–50)
    ///   ikp           ИКП              required for an event, ignored otherwise
    ///
    /// Separators, encoding and line reports as for import-registry. A row
    /// is one record, known again on a re-import by СНИЛС + kind + date + ИКП
    /// (an event) or title (a programme, a module; letter case and spaces
    /// aside): a re-import updates it, an unchanged row is not written.
    /// A row whose СНИЛС has no confirmed account is skipped and listed.
    ///
    /// See docs/education-import.md.
    #[command(verbatim_doc_comment)]
    ImportEducation(ImportRegistryArgs),
    /// Load the licences of medical organisations from a CSV export of the
    /// licensing register: shown on the card of a practitioner's
    /// organisation. A licence is the organisation's, and has no end date.
    ///
    /// Needs DATABASE_URL. Applies pending migrations first. Columns are
    /// matched by name, in any order, in English or in Russian:
    ///
    ///   ogrn          ОГРН             required: 13 digits, check digit checked
    ///   inn           ИНН              required: an organisation's 10 digits, checked
    ///   number        Номер лицензии   required
    ///   status        Статус           required: active, suspended, terminated (действует, приостановлена, прекращена)
    ///   works         Виды работ       optional: separated by ';', '|' or line breaks
    ///   organisation  Организация      optional: the name, for registers that give no ИНН/ОГРН
    ///
    /// Separated by ',' or ';'; UTF-8 (with or without a byte order mark) or
    /// Windows-1251. A licence is known again by ОГРН + number: a re-import
    /// updates it. Bad rows are skipped and listed as "line N: reason".
    ///
    /// See docs/licences.md.
    #[command(verbatim_doc_comment)]
    ImportLicences(ImportRegistryArgs),
    /// Load the clinic's schedule (appointment slots and duty shifts) from a
    /// CSV export, for practitioners with a confirmed account.
    ///
    /// Needs DATABASE_URL and MEDCAB_DATA_KEY. Applies pending migrations
    /// first. Columns are matched by name, in any order, in English or in
    /// Russian:
    ///
    ///   snils      СНИЛС          required
    ///   kind       Вид            required: приём or дежурство (appointment, shift)
    ///   start      Начало         required: ДД.ММ.ГГГГ ЧЧ:ММ, the organisation's local time
    ///   end        Окончание      required: ДД.ММ.ГГГГ ЧЧ:ММ, or ЧЧ:ММ (a shift's earlier time is the next day)
    ///   place      Место          required: the room (приём) or the department (дежурство)
    ///   type       Тип            optional: первичный, повторный, профосмотр, на дому, телемедицина (приём); на месте, на дому (дежурство)
    ///   slot_id    Код            optional: the clinic's own id of the slot, to follow it when it moves
    ///   time_zone  Часовой пояс   optional: an IANA name (Europe/Moscow); else --time-zone
    ///
    /// Separated by ',' or ';'; UTF-8 (with or without a byte order mark) or
    /// Windows-1251. Bad rows are skipped and listed as "line N: reason";
    /// two rows of one practitioner that overlap are both refused, each
    /// naming the other's line. The file replaces the period it covers
    /// (its first to its last day) for the practitioners it names; a
    /// practitioner's own changes there give way to it, and they are told.
    ///
    /// See docs/schedule-import.md.
    #[command(verbatim_doc_comment)]
    ImportSchedule(ImportScheduleArgs),
    /// Make a Telegram user an operator: they review applications (/review)
    /// and approve second-factor resets (/resets) in the bot.
    ///
    /// Needs DATABASE_URL. Applies pending migrations first. Granting an
    /// operator again changes nothing.
    GrantOperator(GrantOperatorArgs),
    /// Take the operator role away. The applications they were reviewing go
    /// back to the queue at once.
    ///
    /// Needs DATABASE_URL. Applies pending migrations first.
    RevokeOperator(OperatorArgs),
    /// Unlink a Telegram account from the СНИЛС it is connected to, for
    /// support staff: a practitioner who changed Telegram accounts, or an
    /// account that holds someone else's СНИЛС.
    ///
    /// Needs DATABASE_URL and MEDCAB_DATA_KEY. Give the Telegram id, or the
    /// СНИЛС (the accounts linked to it are listed; with one account it is
    /// unlinked, with several name it by --telegram-id). The account goes
    /// back to the СНИЛС step with no second factor; its open activation
    /// applications and factor resets are withdrawn; the user is told and
    /// the security log records it. Profile and documents stay.
    #[command(verbatim_doc_comment)]
    Unlink(UnlinkArgs),
    /// Publish a change in regulation («изменение в нормативных
    /// документах») to the practitioners it concerns.
    ///
    /// Needs DATABASE_URL. Shows how many practitioners will get it and asks
    /// before sending (--yes skips the question; without a terminal it is
    /// required). Then follows the delivery with a progress bar until every
    /// push is sent or given up; the pushes are sent by `medcab run` (or
    /// `medcab deliver`), so Ctrl+C stops the watching, not the sending.
    /// Practitioners who switched regulation notices off in /settings are
    /// not counted and get nothing; pushes wait for their quiet hours.
    #[command(verbatim_doc_comment)]
    PublishNotice(PublishNoticeArgs),
    /// Schedule an inspection («проверка») of an organisation or a region:
    /// its practitioners are told now and reminded 7 days and 1 day before.
    ///
    /// Needs DATABASE_URL. Asks and follows the delivery like
    /// publish-notice.
    #[command(verbatim_doc_comment)]
    ScheduleInspection(ScheduleInspectionArgs),
    /// The portals allowed to call the HTTP API (/api/v1), each with its
    /// own key: add one, list them, revoke one.
    ///
    /// Needs DATABASE_URL. Applies pending migrations first.
    #[command(subcommand)]
    ApiClient(ApiClientCommand),
    /// Re-encrypt every personal field of every table with the newest data
    /// key (the first of MEDCAB_DATA_KEYS), bound to its row.
    ///
    /// Needs DATABASE_URL and the data keys (MEDCAB_DATA_KEYS, newest
    /// first, and MEDCAB_INDEX_KEY when there is more than one). Applies
    /// pending migrations first. Works in batches, one transaction each,
    /// with a progress bar on a terminal; safe to interrupt and run again
    /// (what is done stays done; a finished run has nothing left to do).
    /// Prints per table how many rows were re-encrypted and how many could
    /// not be opened. Exits 0 when every value is under the newest key, so
    /// older keys can be removed; 1 when some could not be opened (keep the
    /// old keys until they are dealt with). See README.md, "Rotating the
    /// data key".
    #[command(verbatim_doc_comment)]
    Reseal,
}

#[derive(Debug, Subcommand)]
pub enum ApiClientCommand {
    /// Add a client and print its key, once: only a hash of it is kept, so
    /// it cannot be shown again (revoke and add another if it is lost).
    /// The portal sends it as `Authorization: Bearer <key>`.
    Add(ApiClientAddArgs),
    /// Every client: name, when added, when its key expires, whether it
    /// is revoked, when it was last used. Never the keys.
    List,
    /// Revoke a client's key for good: its next request gets 401.
    Revoke(ApiClientNameArgs),
}

#[derive(Debug, Args)]
pub struct ApiClientAddArgs {
    /// Lowercase Latin letters, digits, '.', '_' or '-' (e.g. lk-minzdrav).
    pub name: String,
    /// The last day the key works (through that day, Moscow time):
    /// YYYY-MM-DD or DD.MM.YYYY. Without it the key does not expire.
    #[arg(long, value_parser = parse_date)]
    pub expires: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct ApiClientNameArgs {
    pub name: String,
}

/// Whether to ask, and whether to watch the delivery.
#[derive(Debug, Args)]
pub struct Confirmation {
    /// Send without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Do not follow the delivery: exit once the pushes are queued.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Args)]
pub struct PublishNoticeArgs {
    /// The heading, as practitioners will see it in bold (up to 200 characters).
    #[arg(long)]
    pub title: String,
    /// What changes and for whom (up to 1500 characters).
    #[arg(long)]
    pub summary: String,
    /// Where to read the document itself (http or https).
    #[arg(long)]
    pub link: Option<String>,
    /// Send only to practitioners of this specialty, as the register writes
    /// it; repeat for several. Without it: every specialty.
    #[arg(long = "specialty", value_name = "SPECIALTY")]
    pub specialties: Vec<String>,
    /// Send only to practitioners of this region; repeat for several.
    /// Without it: every region.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    #[command(flatten)]
    pub confirmation: Confirmation,
}

/// The kinds of inspection, as the command line spells them.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum InspectionKindArg {
    /// Плановая выездная.
    PlannedOnsite,
    /// Плановая документарная.
    PlannedDocumentary,
    /// Внеплановая выездная.
    UnplannedOnsite,
    /// Внеплановая документарная.
    UnplannedDocumentary,
}

impl From<InspectionKindArg> for InspectionKind {
    fn from(kind: InspectionKindArg) -> InspectionKind {
        match kind {
            InspectionKindArg::PlannedOnsite => InspectionKind::PlannedOnsite,
            InspectionKindArg::PlannedDocumentary => InspectionKind::PlannedDocumentary,
            InspectionKindArg::UnplannedOnsite => InspectionKind::UnplannedOnsite,
            InspectionKindArg::UnplannedDocumentary => InspectionKind::UnplannedDocumentary,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("whom").required(true).multiple(true).args(["organisation", "region"])))]
pub struct ScheduleInspectionArgs {
    /// The organisation inspected, as the register writes it.
    #[arg(long)]
    pub organisation: Option<String>,
    /// The region: with --organisation, narrows it; alone, the whole region.
    #[arg(long)]
    pub region: Option<String>,
    /// The day of the inspection: DD.MM.YYYY or YYYY-MM-DD, today or later.
    #[arg(long, value_parser = parse_date)]
    pub date: NaiveDate,
    #[arg(long, value_enum)]
    pub kind: InspectionKindArg,
    /// What to prepare (up to 1500 characters).
    #[arg(long)]
    pub prepare: String,
    #[command(flatten)]
    pub confirmation: Confirmation,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    use medcab_core::dates::{self, DateError};
    dates::parse_written_or_iso(text).map_err(|error| match error {
        DateError::Shape => format!("{text:?} is not a date: write DD.MM.YYYY or YYYY-MM-DD"),
        DateError::NoSuchDate => {
            format!("{text:?}: there is no such date (DD.MM.YYYY or YYYY-MM-DD)")
        }
    })
}

#[derive(Debug, Args)]
pub struct OperatorArgs {
    /// The user's numeric Telegram id (not the @username).
    #[arg(value_name = "TELEGRAM_ID", value_parser = UserId::parse)]
    pub telegram_id: UserId,
}

#[derive(Debug, Args)]
pub struct GrantOperatorArgs {
    #[command(flatten)]
    pub operator: OperatorArgs,
    /// The ОГРН of the organisation the operator works for: they receive
    /// and decide the referrals («направления») sent to it. Granting again
    /// with another ОГРН moves them.
    #[arg(long, value_name = "OGRN", value_parser = parse_ogrn)]
    pub organisation: Option<medcab_core::domain::Ogrn>,
}

fn parse_ogrn(text: &str) -> Result<medcab_core::domain::Ogrn, String> {
    medcab_core::domain::Ogrn::parse(text).map_err(|error| error.to_string())
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).multiple(true)))]
pub struct UnlinkArgs {
    /// The numeric Telegram id of the account to unlink.
    #[arg(long, group = "who", value_parser = UserId::parse)]
    pub telegram_id: Option<UserId>,
    /// The СНИЛС the account is linked to (11 digits, separators allowed).
    #[arg(long, group = "who")]
    pub snils: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportScheduleArgs {
    /// The CSV file to import.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// The organisation's time zone, an IANA name, for rows without a
    /// time_zone column (one without daylight saving time: Russia's).
    #[arg(long, value_name = "ZONE", default_value = "Europe/Moscow", value_parser = parse_zone)]
    pub time_zone: chrono_tz::Tz,
}

fn parse_zone(text: &str) -> Result<chrono_tz::Tz, String> {
    text.parse().map_err(|_| {
        format!("{text:?} is not a time zone: give an IANA name such as Europe/Moscow")
    })
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
        AdminCommand::ImportEducation(args) => import_education(&args.file).await,
        AdminCommand::ImportLicences(args) => import_licences(&args.file).await,
        AdminCommand::ImportSchedule(args) => import_schedule(&args.file, args.time_zone).await,
        AdminCommand::GrantOperator(args) => {
            grant_operator(args.operator.telegram_id, args.organisation).await
        }
        AdminCommand::RevokeOperator(args) => revoke_operator(args.telegram_id).await,
        AdminCommand::Unlink(args) => unlink(args).await,
        AdminCommand::PublishNotice(args) => publish_notice(args).await,
        AdminCommand::ScheduleInspection(args) => schedule_inspection(args).await,
        AdminCommand::ApiClient(command) => api_client(command).await,
        AdminCommand::Reseal => reseal().await,
    }
}

async fn api_client(command: ApiClientCommand) -> anyhow::Result<()> {
    let database = DatabaseSettings::from_env()?;
    let db = startup::connect_database(&database.url).await?;
    let now = Clock::system().now();
    match command {
        ApiClientCommand::Add(args) => {
            let expires_at = args.expires.map(api_clients::end_of_moscow_day);
            let (client, key) = match api_clients::add(&db, &args.name, expires_at, now).await {
                Ok(added) => added,
                Err(AddError::Database(error)) => {
                    return Err(anyhow::Error::new(error).context("cannot add the API client"));
                }
                Err(refused) => anyhow::bail!("the API client cannot be added: {refused}"),
            };
            // The key alone on stdout, so `KEY=$(medcab admin api-client
            // add …)` takes it; the words around it go to stderr.
            eprintln!(
                "API client {:?} added{}. Its key, shown this once (it is not stored):",
                client.name,
                match client.expires_at {
                    Some(at) => format!(", valid through {} (Moscow time)", last_day(at)),
                    None => String::new(),
                }
            );
            println!("{}", key.as_str());
        }
        ApiClientCommand::List => {
            let clients = api_clients::list(&db).await?;
            if clients.is_empty() {
                println!("No API clients; add one with `medcab admin api-client add NAME`.");
                return Ok(());
            }
            write_clients(&mut std::io::stdout().lock(), &clients, now)?;
        }
        ApiClientCommand::Revoke(args) => match api_clients::revoke(&db, &args.name, now).await? {
            api_clients::Revoke::Revoked => println!(
                "API client {:?} revoked: its key no longer works.",
                args.name
            ),
            api_clients::Revoke::AlreadyRevoked => {
                println!(
                    "API client {:?} was already revoked; nothing changed.",
                    args.name
                )
            }
            api_clients::Revoke::Unknown => {
                anyhow::bail!("there is no API client named {:?}", args.name)
            }
        },
    }
    Ok(())
}

/// The last day a key expiring at `at` works, as `--expires` took it.
fn last_day(at: chrono::DateTime<chrono::Utc>) -> String {
    medcab_core::dates::date_text(moscow_today(at - chrono::Duration::seconds(1)))
}

/// `DD.MM.YYYY HH:MM` with Moscow's label: staff read times in Moscow's,
/// and the command line speaks English.
fn moscow_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let staff = crate::i18n::Texts::new(medcab_core::Language::En);
    format!("{} ({})", staff.date_time(at), staff.zone_label())
}

fn write_clients(
    out: &mut impl std::io::Write,
    clients: &[api_clients::Client],
    now: chrono::DateTime<chrono::Utc>,
) -> std::io::Result<()> {
    let never = || "—".to_owned();
    writeln!(out, "NAME\tCREATED\tEXPIRES\tREVOKED\tLAST USED")?;
    for client in clients {
        let expires = match client.expires_at {
            Some(at) if at <= now => format!("{} (expired)", last_day(at)),
            Some(at) => last_day(at),
            None => never(),
        };
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            client.name,
            moscow_time(client.created_at),
            expires,
            client.revoked_at.map(moscow_time).unwrap_or_else(never),
            client.last_used_at.map(moscow_time).unwrap_or_else(never),
        )?;
    }
    Ok(())
}

async fn publish_notice(args: PublishNoticeArgs) -> anyhow::Result<()> {
    let database = DatabaseSettings::from_env()?;
    let draft = NoticeDraft::parse(
        &args.title,
        &args.summary,
        args.link.as_deref(),
        &args.specialties,
        &args.regions,
    )
    .map_err(|rejection| anyhow::anyhow!("the notice cannot be published: {rejection}"))?;
    let db = startup::connect_database(&database.url).await?;
    let recipients = notices::preview_count(&db, &draft, Clock::system().now()).await?;
    if !confirmed(&args.confirmation, "Publish the notice", recipients)? {
        println!("Nothing was sent.");
        return Ok(());
    }
    let published = notices::publish(&db, &draft, Source::Cli, Clock::system().now())
        .await
        .context("cannot publish the notice")?;
    println!(
        "Notice {} published: {} pushes queued (broadcast {}).",
        published.notice_id, published.total, published.broadcast_id
    );
    follow(&db, published.broadcast_id, &args.confirmation).await
}

async fn schedule_inspection(args: ScheduleInspectionArgs) -> anyhow::Result<()> {
    let database = DatabaseSettings::from_env()?;
    let now = Clock::system().now();
    let draft = InspectionDraft::parse(
        args.organisation.as_deref(),
        args.region.as_deref(),
        args.date,
        args.kind.into(),
        &args.prepare,
        moscow_today(now),
    )
    .map_err(|rejection| anyhow::anyhow!("the inspection cannot be scheduled: {rejection}"))?;
    let db = startup::connect_database(&database.url).await?;
    let recipients = inspections::preview_count(&db, &draft, now).await?;
    if !confirmed(&args.confirmation, "Schedule the inspection", recipients)? {
        println!("Nothing was sent.");
        return Ok(());
    }
    let scheduled = inspections::schedule(&db, &draft, Source::Cli, now)
        .await
        .context("cannot schedule the inspection")?;
    println!(
        "Inspection {} scheduled: {} pushes queued (broadcast {}); reminders follow 7 days and 1 day before.",
        scheduled.inspection_id, scheduled.total, scheduled.broadcast_id
    );
    follow(&db, scheduled.broadcast_id, &args.confirmation).await
}

/// Says how many will get it and asks, unless told not to ask. Without a
/// terminal there is nobody to answer: `--yes` is required.
fn confirmed(confirmation: &Confirmation, what: &str, reach: Reach) -> anyhow::Result<bool> {
    println!("{what}: {} practitioner(s) will get it.", reach.total);
    if reach.after_quiet_hours > 0 {
        println!(
            "{} of them are in their quiet hours now and will get it when those end.",
            reach.after_quiet_hours
        );
    }
    if confirmation.yes {
        return Ok(true);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "not sent: add --yes to send without being asked"
    );
    print!("Send? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(is_yes(answer.trim()))
}

/// Whether a typed answer is "yes" in either language (the words are in
/// `locales/*/staff.ftl`, `admin-yes-words`).
fn is_yes(answer: &str) -> bool {
    let answer = answer.to_lowercase();
    [medcab_core::Language::Ru, medcab_core::Language::En]
        .into_iter()
        .map(|language| crate::i18n::Texts::new(language).msg("admin-yes-words"))
        .any(|words| words.split(',').any(|word| word.trim() == answer))
}

/// Follows a broadcast until nothing is pending, or nothing but what waits
/// for the end of recipients' quiet hours (said, with how many), with a bar
/// on a terminal and a line per change otherwise.
async fn follow(db: &PgPool, broadcast_id: i64, confirmation: &Confirmation) -> anyhow::Result<()> {
    if confirmation.no_wait {
        return Ok(());
    }
    eprintln!(
        "Following the delivery (by `medcab run` / `medcab deliver`); Ctrl+C stops watching, not sending."
    );
    let mut last = None;
    let mut bar: Option<ProgressBar> = None;
    loop {
        let progress = broadcasts::progress(db, broadcast_id, Clock::system().now())
            .await?
            .context("the broadcast is gone")?;
        let bar =
            bar.get_or_insert_with(|| broadcast_bar(u64::try_from(progress.total).unwrap_or(0)));
        bar.set_position(u64::try_from(progress.sent + progress.failed).unwrap_or(0));
        bar.set_message(format!("failed {}", progress.failed));
        if last != Some(progress) && bar.is_hidden() {
            eprintln!(
                "sent {} of {}, failed {}",
                progress.sent, progress.total, progress.failed
            );
        }
        last = Some(progress);
        if progress.is_done() {
            bar.finish_and_clear();
            println!(
                "Done: sent {} of {}, failed {}.",
                progress.sent, progress.total, progress.failed
            );
            return Ok(());
        }
        if progress.only_quiet_hours_left() {
            // Nothing more goes before the morning: following it all night
            // would only keep the terminal busy.
            bar.finish_and_clear();
            println!(
                "Sent {} of {}, failed {}; {} wait for the end of their recipients' quiet hours and go then (by `medcab run` / `medcab deliver`).",
                progress.sent, progress.total, progress.failed, progress.after_quiet_hours
            );
            return Ok(());
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}

/// How often a followed broadcast is looked at.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

fn broadcast_bar(total: u64) -> ProgressBar {
    stderr_bar(
        total,
        "{spinner} [{bar:30}] {pos}/{len} sent, {msg}, {per_sec}, {eta} left",
    )
}

async fn import_registry(path: &Path) -> anyhow::Result<()> {
    // Settings first: a missing one is exit code 2 before anything is read.
    let database = DatabaseSettings::from_env()?;
    let vault = Vault::with_keys(&config::data_keys_from_env()?);
    let report = import_file(&database, path, async |db, file, progress| {
        registry::import_csv(db, &vault, file, |bytes| progress.set_position(bytes)).await
    })
    .await?;
    let mut out = std::io::stdout().lock();
    write_summary(&mut out, &report)?;
    out.flush()?;
    Ok(())
}

async fn import_education(path: &Path) -> anyhow::Result<()> {
    // Settings first: a missing one is exit code 2 before anything is read.
    let database = DatabaseSettings::from_env()?;
    let vault = Vault::with_keys(&config::data_keys_from_env()?);
    let report = import_file(&database, path, async |db, file, progress| {
        let now = Clock::system().now();
        qualification::import::import_csv(db, &vault, file, now, |bytes| {
            progress.set_position(bytes)
        })
        .await
    })
    .await?;
    let mut out = std::io::stdout().lock();
    write_summary(&mut out, &report)?;
    out.flush()?;
    Ok(())
}

async fn import_licences(path: &Path) -> anyhow::Result<()> {
    // Settings first: a missing one is exit code 2 before anything is read.
    let database = DatabaseSettings::from_env()?;
    let report = import_file(&database, path, async |db, file, progress| {
        let now = Clock::system().now();
        licences::import_csv(db, file, now, |bytes| progress.set_position(bytes)).await
    })
    .await?;
    let mut out = std::io::stdout().lock();
    write_summary(&mut out, &report)?;
    out.flush()?;
    Ok(())
}

async fn import_schedule(path: &Path, zone: chrono_tz::Tz) -> anyhow::Result<()> {
    // Settings first: a missing one is exit code 2 before anything is read.
    let database = DatabaseSettings::from_env()?;
    let vault = Vault::with_keys(&config::data_keys_from_env()?);
    let report = import_file(&database, path, async |db, file, progress| {
        let now = Clock::system().now();
        medcab_core::schedule::import::import_csv(db, &vault, file, zone, now, |bytes| {
            progress.set_position(bytes)
        })
        .await
    })
    .await?;

    let mut out = std::io::stdout().lock();
    if let Some((from, until)) = report.period {
        writeln!(
            out,
            "period:   {} – {}",
            medcab_core::dates::date_text(from),
            medcab_core::dates::date_text(until)
        )?;
    }
    writeln!(out, "cancelled: {}", report.cancelled)?;
    writeln!(
        out,
        "overridden: {} (practitioners' own changes)",
        report.overridden
    )?;
    writeln!(out, "notified: {}", report.notified)?;
    write_counts(
        &mut out,
        report.inserted,
        report.updated,
        report.unchanged,
        &report.skipped,
    )?;
    out.flush()?;
    Ok(())
}

/// One import's reading of its file, the same for every table: the file is
/// opened before the database is reached (a wrong path is said without
/// one), its bytes read are shown by [`progress_bar`], and a failure names
/// the file.
async fn import_file<R, E>(
    database: &DatabaseSettings,
    path: &Path,
    import: impl AsyncFnOnce(&PgPool, File, &ProgressBar) -> Result<R, E>,
) -> anyhow::Result<R>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let db = startup::connect_database(&database.url).await?;

    let progress = progress_bar(size);
    let result = import(&db, file, &progress).await;
    progress.finish_and_clear();
    result.with_context(|| format!("cannot import {}", path.display()))
}

async fn reseal() -> anyhow::Result<()> {
    // Settings first: a missing one is exit code 2 before anything is read.
    let database = DatabaseSettings::from_env()?;
    let vault = Vault::with_keys(&config::data_keys_from_env()?);
    let db = startup::connect_database(&database.url).await?;

    let mut bar: Option<(&'static str, ProgressBar)> = None;
    let result = reseal::reseal_all(&db, &vault, |table, done, pending| {
        if bar.as_ref().is_none_or(|(current, _)| *current != table) {
            if let Some((_, finished)) = bar.take() {
                finished.finish_and_clear();
            }
            bar = Some((table, reseal_bar(table, pending)));
        }
        if let Some((_, bar)) = &bar {
            bar.set_position(done);
        }
    })
    .await;
    if let Some((_, bar)) = bar {
        bar.finish_and_clear();
    }
    let reports = result.context("cannot reseal")?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "sealing key: {}", vault.sealing_key_id())?;
    for report in &reports {
        writeln!(
            out,
            "{:<22} resealed: {:>7}  failed: {}",
            report.table, report.resealed, report.failed
        )?;
    }
    let resealed: u64 = reports.iter().map(|report| report.resealed).sum();
    let failed: u64 = reports.iter().map(|report| report.failed).sum();
    writeln!(out, "total resealed: {resealed}, failed: {failed}")?;
    out.flush()?;
    if failed > 0 {
        anyhow::bail!(
            "{failed} rows hold values that do not open with these keys (see the log); \
             keep the old keys until they are dealt with"
        );
    }
    Ok(())
}

/// Rows of one table, on stderr, for a person watching only.
fn reseal_bar(table: &'static str, pending: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(pending), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg:<22} [{bar:30}] {pos}/{len} rows, {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(table);
    bar
}

/// Who granted a role, as the operators table records it: the account on
/// the server that ran the command.
fn granted_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("medcab admin ({user})")
}

async fn grant_operator(
    telegram_id: UserId,
    organisation: Option<medcab_core::domain::Ogrn>,
) -> anyhow::Result<()> {
    let database = DatabaseSettings::from_env()?;
    let db = startup::connect_database(&database.url).await?;
    let now = Clock::system().now();
    let grant = operators::grant(&db, telegram_id, &granted_by(), now)
        .await
        .context("cannot grant the operator role")?;
    match grant {
        Grant::Granted => println!("{telegram_id} is now an operator."),
        Grant::AlreadyOperator if organisation.is_none() => {
            println!("{telegram_id} is already an operator; nothing changed.")
        }
        Grant::AlreadyOperator => println!("{telegram_id} is already an operator."),
    }
    if let Some(ogrn) = organisation {
        medcab_core::referrals::organisations::bind(&db, telegram_id, &ogrn, &granted_by(), now)
            .await
            .context("cannot bind the operator to the organisation")?;
        println!("They receive the referrals sent to the organisation with OGRN {ogrn}.");
    }
    update_command_menu(&db, telegram_id).await;
    Ok(())
}

/// Sets the user's command menu to what their role allows now (the staff
/// commands or not), when the bot's token is at hand; otherwise the bot
/// sets it at its next start. The role itself is already saved either way.
async fn update_command_menu(db: &PgPool, telegram_id: UserId) {
    let Some(token) = std::env::var("TELOXIDE_TOKEN")
        .ok()
        .filter(|token| !token.is_empty())
    else {
        println!("TELOXIDE_TOKEN is not set: their command menu changes at the bot's next start.");
        return;
    };
    let api_url = std::env::var("TELOXIDE_API_URL")
        .ok()
        .and_then(|url| url.parse().ok());
    let channel = crate::chat::Channel::Telegram(startup::telegram(&token, api_url));
    match crate::handlers::commands::publish_for_user(&channel, db, telegram_id).await {
        Ok(()) => println!("Their command menu is updated."),
        Err(error) => println!(
            "Their command menu could not be updated ({error}); it changes at the bot's next start."
        ),
    }
}

async fn unlink(args: UnlinkArgs) -> anyhow::Result<()> {
    let database = DatabaseSettings::from_env()?;
    let vault = Vault::with_keys(&config::data_keys_from_env()?);
    let snils = args
        .snils
        .as_deref()
        .map(|text| Snils::parse(text).map_err(|error| anyhow::anyhow!("--snils: {error}")))
        .transpose()?;
    let db = startup::connect_database(&database.url).await?;
    let telegram_id = match (args.telegram_id, &snils) {
        (Some(id), None) => id,
        (id, Some(snils)) => {
            let holders = identity::accounts_with_snils(&db, &vault, snils).await?;
            match (id, holders.as_slice()) {
                (_, []) => {
                    println!("No account is linked to this SNILS; nothing changed.");
                    return Ok(());
                }
                (None, [only]) => only.user_id,
                (Some(id), holders) if holders.iter().any(|holder| holder.user_id == id) => id,
                (_, holders) => {
                    println!("Accounts linked to this SNILS:");
                    for holder in holders {
                        let state = if holder.confirmed {
                            "confirmed"
                        } else {
                            "applicant"
                        };
                        println!("  {} ({state})", holder.user_id);
                    }
                    anyhow::bail!("name the account to unlink with --telegram-id");
                }
            }
        }
        (None, None) => unreachable!("clap requires --telegram-id or --snils"),
    };
    let unlinked = identity::unlink_by_support(&db, &vault, telegram_id, Clock::system().now())
        .await
        .context("cannot unlink the account")?;
    if unlinked {
        println!("{telegram_id} is unlinked from its SNILS; the user is told.");
    } else {
        println!("{telegram_id} is not linked to a SNILS; nothing changed.");
    }
    Ok(())
}

async fn revoke_operator(telegram_id: UserId) -> anyhow::Result<()> {
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
    update_command_menu(&db, telegram_id).await;
    Ok(())
}

/// By bytes of the file, on stderr, and only for a person watching: a
/// script's log gets the summary alone.
fn progress_bar(size: u64) -> ProgressBar {
    stderr_bar(
        size,
        "{spinner} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
    )
}

/// A bar of `length` drawn with `template` on stderr, for a person watching
/// only: hidden when stderr is not a terminal.
fn stderr_bar(length: u64, template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn write_summary(out: &mut impl std::io::Write, report: &ImportReport) -> std::io::Result<()> {
    write_counts(
        out,
        report.inserted,
        report.updated,
        report.unchanged,
        &report.skipped,
    )
}

/// The summary every import ends with (each table's report has these four
/// counts, under its own type).
fn write_counts(
    out: &mut impl std::io::Write,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    skipped: &[SkippedRow],
) -> std::io::Result<()> {
    writeln!(out, "inserted: {inserted}")?;
    writeln!(out, "updated:  {updated}")?;
    writeln!(out, "unchanged: {unchanged}")?;
    writeln!(out, "skipped:  {}", skipped.len())?;
    for row in skipped.iter().take(SKIPPED_SHOWN) {
        writeln!(out, "line {}: {}", row.line, row.reason)?;
    }
    if skipped.len() > SKIPPED_SHOWN {
        writeln!(out, "… and {} more", skipped.len() - SKIPPED_SHOWN)?;
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
            unchanged: 4,
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
            "inserted: 3\nupdated:  1\nunchanged: 4\nskipped:  2\nline 2: snils: wrong\nline 3: snils: wrong\n"
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
