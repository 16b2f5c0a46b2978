//! The broadcast benchmark: one notice to many practitioners through the
//! sandbox, with Telegram's send limits switched on (or, with
//! `--messenger max`, Max's request limit; with `--messenger mixed`, both).
//!
//! It seeds a scratch database with N linked practitioners (90 % of them
//! in the targeted specialty; born on Telegram, or on Max, or half on
//! each), starts the
//! sandbox in this process with the limits on, spawns the real `medcab`
//! binary (one `medcab run`, plus `medcab deliver` for every further
//! instance), publishes the notice
//! through core and watches the sandbox count what arrives. Then it prints
//! the achieved rate against the allowed one, 429s, messages lost,
//! duplicated and misdirected, the time to fill the outbox and each
//! process's peak memory. See docs/benchmarks.md.
//!
//! ```sh
//! cargo build --release -p medcab-bot -p medcab-bench
//! target/release/broadcast_bench --practitioners 100000 --rate 1000 --instances 2
//! target/release/broadcast_bench --practitioners 3000 --messenger max
//! target/release/broadcast_bench --practitioners 3000 --messenger mixed
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use chrono::Utc;
use clap::{Parser, ValueEnum};
use futures::StreamExt as _;
use medcab_bench::cpu::{CpuSample, CpuSampler, WHO};
use medcab_bench::people::{phone, snils};
use medcab_bench::processes::{
    BotProcess, MedcabEnv, ProcessUsage, Readiness, free_local_addr, medcab_binary,
};
use medcab_bench::redis_keys;
use medcab_bench::scratch::{ScratchDatabase, run_in_scratch};
use medcab_core::crypto::{RowKey, Vault};
use medcab_core::notices::{self, Published};
use medcab_core::{DataKey, broadcasts};
use medcab_sandbox::{
    Client, MaxSettings, MaxUser, NewUsers, RefusedCall, Sandbox, SandboxConfig, Settings, Stats,
};
use sqlx::PgPool;

/// The specialty the notice targets, and the one it does not.
const TARGETED_SPECIALTY: &str = "Кардиология";
const OTHER_SPECIALTY: &str = "Терапия";
const REGIONS: [&str; 4] = [
    "Москва",
    "Санкт-Петербург",
    "Новосибирская область",
    "Свердловская область",
];
/// The first seeded Telegram user id; the others follow one by one.
const FIRST_USER_ID: i64 = 7_000_000_000;
/// Rows per seeding statement.
const SEED_CHUNK: usize = 10_000;
/// The Telegram rate when `--rate` is not given.
const DEFAULT_RATE: u32 = 1000;
/// The Telegram rate of `--messenger mixed` when `--rate` is not given: a
/// bot's free 30 a second.
const MIXED_DEFAULT_RATE: u32 = 30;
/// Max's request limit for a bot, every call counted (the sandbox's Max
/// emulator is set to it).
const MAX_ALLOWED_PER_SECOND: u32 = 30;
/// The outbox's share of it: the bot's `MAX_BOT_PER_SECOND`
/// (bot/src/delivery/pacing.rs), which Max's sends are paced to whatever
/// `MEDCAB_SEND_PER_SECOND` says.
const MAX_PACED_PER_SECOND: u32 = 25;

/// The messenger the practitioners were born on, and the broadcast goes
/// through: one, or half of them on each (`mixed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Messenger {
    Telegram,
    Max,
    Mixed,
}

impl Messenger {
    fn name(self) -> &'static str {
        match self {
            Messenger::Telegram => "telegram",
            Messenger::Max => "max",
            Messenger::Mixed => "mixed",
        }
    }

    /// The sandbox's sides the broadcast goes through.
    fn sides(self) -> &'static [Side] {
        match self {
            Messenger::Telegram => &[Side::Telegram],
            Messenger::Max => &[Side::Max],
            Messenger::Mixed => &[Side::Telegram, Side::Max],
        }
    }

    /// Where practitioner `number` is born: on `mixed`, the even numbers
    /// on Telegram and the odd ones on Max.
    fn side_of(self, number: u32) -> Side {
        match self {
            Messenger::Telegram => Side::Telegram,
            Messenger::Max => Side::Max,
            Messenger::Mixed if number.is_multiple_of(2) => Side::Telegram,
            Messenger::Mixed => Side::Max,
        }
    }
}

/// One messenger of the sandbox: its Telegram side or its Max emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Telegram,
    Max,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Telegram => "telegram",
            Side::Max => "max",
        }
    }
}

/// Broadcasts one notice to many seeded practitioners through the sandbox
/// with Telegram's limits on (or Max's, with --messenger max; both, with
/// --messenger mixed), and reports
/// rate, 429s, losses, duplicates, fill time and peak memory.
#[derive(Debug, Parser)]
#[command(name = "broadcast_bench")]
struct Args {
    /// Practitioners to seed.
    #[arg(long, default_value_t = 100_000)]
    practitioners: u32,
    /// Percent of them in the targeted specialty (the rest must get nothing).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=100))]
    targeted_percent: u32,
    /// The messenger the practitioners are born on and the notice goes
    /// through: telegram, or max (accounts born on Max, the sandbox's Max
    /// emulator limited to 30 requests a second, the bots given
    /// MEDCAB_MAX_TOKEN and MEDCAB_MAX_API_URL), or mixed (the even
    /// practitioners born on Telegram, the odd ones on Max, the outbox's
    /// rows of the two alternating; both limits on; counted per messenger).
    #[arg(long, value_enum, default_value_t = Messenger::Telegram)]
    messenger: Messenger,
    /// Telegram only: the allowed send rate per second, the bot's
    /// MEDCAB_SEND_PER_SECOND and the sandbox's limit (its bot_per_second
    /// up to 30, its paid_per_second above, where sends carry
    /// allow_paid_broadcast) [default: 1000; 30 with --messenger mixed,
    /// where it is the Telegram half's]. Not for --messenger max: the
    /// bot paces Max to its own 25/s (MAX_BOT_PER_SECOND) of the 30
    /// requests a second Max allows, whatever this says, so it is refused
    /// there.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rate: Option<u32>,
    /// Delivery instances: one `medcab run`, the others `medcab deliver`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=8))]
    instances: u32,
    /// Delivery lanes per instance (MEDCAB_DELIVERY_LANES); the bot's
    /// default when not given.
    #[arg(long)]
    lanes: Option<u32>,
    /// Seconds to wait for the delivery to finish after publishing.
    #[arg(long, default_value_t = 900)]
    timeout: u64,
    /// The `medcab` binary; default: `medcab` beside this one (build both
    /// with `cargo build --release -p medcab-bot -p medcab-bench`).
    #[arg(long)]
    medcab: Option<PathBuf>,
    /// The PostgreSQL server: the scratch database is created beside the
    /// one named here, and dropped at the end.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// The Redis server. The bots' keys (their shared send buckets) go to
    /// the logical database `--redis-db` of it, under a prefix of this run
    /// (`MEDCAB_REDIS_PREFIX`), so that no other bot shares them; they are
    /// deleted before and after the run.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// The bots' Redis logical database (see --redis-url).
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u8).range(0..=15))]
    redis_db: u8,
    /// Keep the scratch database and the bots' logs for a look afterwards.
    #[arg(long)]
    keep: bool,
}

impl Args {
    /// The Telegram rate: `--rate`, or its default.
    fn telegram_rate(&self) -> u32 {
        self.rate.unwrap_or(match self.messenger {
            Messenger::Mixed => MIXED_DEFAULT_RATE,
            Messenger::Telegram | Messenger::Max => DEFAULT_RATE,
        })
    }

    /// The rate the limit allows on a side: the Telegram rate, or Max's 30.
    fn allowed_on(&self, side: Side) -> u32 {
        match side {
            Side::Telegram => self.telegram_rate(),
            Side::Max => MAX_ALLOWED_PER_SECOND,
        }
    }

    /// The rate the bots pace the broadcast to on a side: the Telegram
    /// rate (less the free 30 above 30, left to urgent sends), or Max's 25.
    fn paced_on(&self, side: Side) -> u32 {
        match side {
            Side::Telegram if self.telegram_rate() > 30 => self.telegram_rate() - 30,
            Side::Telegram => self.telegram_rate(),
            Side::Max => MAX_PACED_PER_SECOND,
        }
    }

    /// The side of a single-messenger run (the first, on `mixed`).
    fn side(&self) -> Side {
        self.messenger.sides()[0]
    }

    /// The rate the limit allows (a single-messenger run).
    fn allowed(&self) -> u32 {
        self.allowed_on(self.side())
    }

    /// The rate the bots pace the broadcast to (a single-messenger run).
    fn paced(&self) -> u32 {
        self.paced_on(self.side())
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.messenger == Messenger::Max && args.rate.is_some() {
        eprintln!(
            "broadcast_bench: --rate is for Telegram only: the bot paces Max to its own \
             {MAX_PACED_PER_SECOND}/s of the {MAX_ALLOWED_PER_SECOND} requests a second Max allows"
        );
        std::process::exit(2);
    }
    if let Err(error) = run(args).await {
        eprintln!("broadcast_bench: {error:#}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let medcab = medcab_binary(args.medcab.as_deref())?;
    run_in_scratch(
        &args.database_url,
        "medcab_bench",
        args.keep,
        async |scratch, work_dir| bench(&args, &medcab, scratch, work_dir).await,
    )
    .await
}

async fn bench(
    args: &Args,
    medcab: &Path,
    scratch: &ScratchDatabase,
    work_dir: &Path,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let data_key = DataKey::generate();
    let vault = Vault::new(&data_key);
    let db = scratch.pool().await?;
    medcab_core::MIGRATOR
        .run(&db)
        .await
        .context("migrating the scratch database")?;

    // The sandbox, with the same users and the limits scaled.
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .context("starting the sandbox")?;
    let client = sandbox.client();
    let rate = args.telegram_rate();
    let mut settings = Settings::enforcing();
    if rate <= 30 {
        settings.bot_per_second = Some(rate);
    } else {
        settings.paid_per_second = Some(rate);
    }
    let settings = client.configure(settings).await?;
    let max_settings = client
        .max()
        .configure(MaxSettings::enforcing().with_requests_per_second(MAX_ALLOWED_PER_SECOND))
        .await?;
    let people = sandbox_people(&client, args).await?;

    let seeding = Instant::now();
    let seeded = seed(
        &db,
        &vault,
        &people,
        args.practitioners,
        args.targeted_percent,
    )
    .await?;
    let seed_time = seeding.elapsed();
    eprintln!(
        "seeded {} practitioners ({} targeted) in {:.1} s",
        args.practitioners,
        seeded.targeted(),
        seed_time.as_secs_f64()
    );

    // The bots.
    let redis_url = redis_keys::db_url(&args.redis_url, args.redis_db)?;
    redis_keys::forget(&redis_url).await?;
    let env = MedcabEnv {
        medcab,
        database_url: &scratch.url,
        redis_url: &redis_url,
        sandbox: &sandbox,
        data_key: &data_key,
        work_dir,
    };
    let mut bots = Vec::new();
    for instance in 0..args.instances {
        bots.push(spawn_bot(
            &env,
            instance,
            args.messenger.sides().contains(&Side::Max),
            rate,
            args.lanes,
        )?);
    }
    for bot in &mut bots {
        bot.wait_ready().await?;
    }
    let arrivals = Arrivals {
        client: &client,
        sides: args.messenger.sides(),
    };
    arrivals.reset().await?;

    // Publish: select the recipients and fill the outbox. On `mixed` the
    // bots are stopped meanwhile, and the broadcast's rows are put in
    // alternating order before they may claim one (see interleave_outbox).
    let mixed = args.messenger == Messenger::Mixed;
    if mixed {
        for bot in &bots {
            bot.signal("STOP").await;
        }
    }
    let sampler = CpuSampler::start(
        bots.iter().map(BotProcess::pid).collect(),
        scratch.name.clone(),
    );
    let publishing = Instant::now();
    let published_at = Utc::now().timestamp_millis();
    let published = publish(&db).await;
    let fill_time = publishing.elapsed();
    let interleaved = match &published {
        Ok(published) if mixed => Some(interleave_outbox(&db, published.broadcast_id).await),
        _ => None,
    };
    if mixed {
        for bot in &bots {
            bot.signal("CONT").await;
        }
    }
    let published = published?;
    let interleaved = interleaved.transpose()?;
    eprintln!(
        "published broadcast {} to {} recipients in {:.2} s",
        published.broadcast_id,
        published.total,
        fill_time.as_secs_f64()
    );
    if let Some(interleaved) = &interleaved {
        eprintln!(
            "interleaved its rows in {:.2} s: {} changes of messenger in id order, {} before",
            interleaved.time.as_secs_f64(),
            interleaved.switches_after,
            interleaved.switches_before
        );
    }

    // Wait for every row to be sent (or given up). The sandbox's count is
    // cheap to ask often; the outbox is counted only when the sandbox has
    // them all, or every few seconds in case some rows fail.
    let deadline = publishing + Duration::from_secs(args.timeout);
    let mut last_check = Instant::now();
    let mut timed_out = false;
    loop {
        for bot in &mut bots {
            bot.check_alive()?;
        }
        let stats = arrivals.stats().await?;
        let accepted: u64 = stats.iter().map(|(_, stats)| stats.accepted).sum();
        let all_accepted = accepted >= published.total;
        if all_accepted || last_check.elapsed() >= Duration::from_secs(5) {
            let progress = broadcasts::progress(&db, published.broadcast_id, chrono::Utc::now())
                .await?
                .context("the broadcast is gone")?;
            if progress.is_done() {
                break;
            }
            if Instant::now() >= deadline {
                timed_out = true;
                eprintln!("timed out with {} rows still pending", progress.pending);
                break;
            }
            if !all_accepted {
                let by_side = if mixed {
                    format!(
                        " ({})",
                        stats
                            .iter()
                            .map(|(side, stats)| format!("{} {}", side.name(), stats.accepted))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                };
                eprintln!(
                    "  {:>6.1} s: {accepted} sent{by_side}, {} pending, {} failed, {} 429s",
                    publishing.elapsed().as_secs_f64(),
                    progress.pending,
                    progress.failed,
                    stats
                        .iter()
                        .map(|(_, stats)| stats.too_many_requests)
                        .sum::<u64>()
                );
            }
            last_check = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // A send in flight when the last row was marked has landed by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu = sampler.stop();
    let stats = arrivals.stats().await?;
    let refused = if args.messenger.sides().contains(&Side::Max) {
        client.max().errors().await?
    } else {
        Vec::new()
    };
    let vacuum = outbox_vacuum(&db).await?;
    let memory: Vec<(String, ProcessUsage)> = bots
        .iter()
        .map(|bot| (bot.label.clone(), ProcessUsage::of(bot.pid())))
        .collect();
    let outbox = outbox_summary(&db, published.broadcast_id).await?;
    for bot in bots {
        let _ = bot.stop().await;
    }
    if let Err(error) = redis_keys::forget(&redis_url).await {
        eprintln!("could not delete the bots' keys in Redis: {error:#}");
    }

    // Who got it: every non-targeted chat is looked at, on each side.
    let mut counted = Vec::new();
    for (side, stats) in stats {
        let group = seeded.group(side);
        let wrong_recipients = chats_with_messages(&client, side, &group.others).await?;
        counted.push(Counted::new(side, stats, group, wrong_recipients));
    }
    let own = ProcessUsage::of(std::process::id());
    db.close().await;
    drop(sandbox);

    let report = Report {
        args,
        settings: &settings,
        max_settings: &max_settings,
        refused: &refused,
        seeded: &seeded,
        published: &published,
        counted: &counted,
        interleaved: interleaved.as_ref(),
        outbox: &outbox,
        seed_time,
        fill_time,
        published_at,
        total_time: started.elapsed(),
        timed_out,
        memory,
        own,
        cpu,
        vacuum,
    };
    report.print();
    Ok(())
}

// ---------------------------------------------------------------------------
// Seeding.

/// Who a practitioner is in the sandbox, by the messenger they were born
/// on.
enum Born {
    /// A Telegram user (from [`FIRST_USER_ID`], one by one in the order of
    /// the practitioners born on Telegram); the account's id is the
    /// Telegram user id (and private chat).
    Telegram(i64),
    /// A Max user, with the dialog's chat id; the account is born on Max,
    /// its id [`medcab_core::channels::MAX_BORN_FROM`] + the
    /// practitioner's number.
    Max(MaxUser),
}

/// Makes the sandbox's users, and says who each practitioner is: one
/// [`Born`] per practitioner number, on the side
/// [`Messenger::side_of`] gives it.
async fn sandbox_people(client: &Client, args: &Args) -> anyhow::Result<Vec<Born>> {
    let sides: Vec<Side> = (0..args.practitioners)
        .map(|number| args.messenger.side_of(number))
        .collect();
    let on = |side: Side| {
        u32::try_from(sides.iter().filter(|&&s| s == side).count()).unwrap_or(u32::MAX)
    };
    let users = |count: u32| NewUsers {
        count,
        first_id: Some(FIRST_USER_ID),
        language_code: Some("ru".to_owned()),
        first_name_prefix: Some("Врач ".to_owned()),
    };
    let on_telegram = on(Side::Telegram);
    if on_telegram > 0 {
        client
            .create_users(users(on_telegram))
            .await
            .context("creating the sandbox's users")?;
    }
    // Born on Max: the emulator's own ids (from its clock), and each
    // user's dialog with the bot, made with the user (a send by chat_id
    // reaches it without a bot_started).
    let on_max = on(Side::Max);
    let mut max_users = Vec::new();
    if on_max > 0 {
        let created = client
            .max()
            .create_users(NewUsers {
                first_id: None,
                ..users(on_max)
            })
            .await
            .context("creating the sandbox's Max users")?;
        let last = created.first_id + i64::from(created.count);
        max_users = client
            .max()
            .users()
            .await?
            .into_iter()
            .filter(|user| (created.first_id..last).contains(&user.id))
            .collect();
        max_users.sort_by_key(|user| user.id);
        ensure!(
            max_users.len() == on_max as usize,
            "the Max emulator made {} users, not {on_max}",
            max_users.len(),
        );
    }
    let mut telegram_ids = FIRST_USER_ID..;
    let mut max_users = max_users.into_iter();
    sides
        .into_iter()
        .map(|side| match side {
            Side::Telegram => telegram_ids.next().map(Born::Telegram),
            Side::Max => max_users.next().map(Born::Max),
        })
        .collect::<Option<Vec<Born>>>()
        .context("fewer sandbox users than practitioners")
}

/// The practitioners of one side, by the sandbox's user ids: Telegram
/// user ids (= private chat ids), or Max user ids.
#[derive(Default)]
struct Group {
    /// In the targeted specialty.
    targeted: Vec<i64>,
    /// The others: they must get nothing.
    others: Vec<i64>,
}

#[derive(Default)]
struct Seeded {
    telegram: Group,
    max: Group,
}

impl Seeded {
    fn group(&self, side: Side) -> &Group {
        match side {
            Side::Telegram => &self.telegram,
            Side::Max => &self.max,
        }
    }

    /// Targeted practitioners, on both sides.
    fn targeted(&self) -> usize {
        self.telegram.targeted.len() + self.max.targeted.len()
    }
}

/// A valid СНИЛС for a number: nine digits above 001-001-998 and their
/// check number.
/// Every row a linked, active practitioner has, in bulk: Telegram user and
/// private chat (born on Max: the person's row in `telegram_users`, keyed by
/// the account, and the Max channel with the dialog's chat id), consent, an
/// active linked account (phone and СНИЛС sealed, blind-indexed), the
/// register's entry, and notification settings without quiet hours (so
/// nothing is held).
async fn seed(
    db: &PgPool,
    vault: &Vault,
    people: &[Born],
    practitioners: u32,
    targeted_percent: u32,
) -> anyhow::Result<Seeded> {
    let now = Utc::now();
    let mut seeded = Seeded::default();
    let numbers: Vec<u32> = (0..practitioners).collect();
    for chunk in numbers.chunks(SEED_CHUNK) {
        let mut ids = Vec::with_capacity(chunk.len());
        // Born on Telegram: the accounts (= private chats).
        let mut telegram_ids = Vec::with_capacity(chunk.len());
        // Born on Max: the Max users, their dialogs, the accounts.
        let mut external_ids = Vec::with_capacity(chunk.len());
        let mut chat_ids = Vec::with_capacity(chunk.len());
        let mut max_ids = Vec::with_capacity(chunk.len());
        let mut phones = Vec::with_capacity(chunk.len());
        let mut phone_indexes = Vec::with_capacity(chunk.len());
        let mut snilses = Vec::with_capacity(chunk.len());
        let mut snils_indexes = Vec::with_capacity(chunk.len());
        let mut registry_snilses = Vec::with_capacity(chunk.len());
        let mut registry_phones = Vec::with_capacity(chunk.len());
        let mut names = Vec::with_capacity(chunk.len());
        let mut birth_dates = Vec::with_capacity(chunk.len());
        let mut specialties = Vec::with_capacity(chunk.len());
        let mut regions = Vec::with_capacity(chunk.len());
        let mut organisations = Vec::with_capacity(chunk.len());
        for &number in chunk {
            // The account's id, and the sandbox's user.
            let (id, sandbox_id, group) = match &people[number as usize] {
                Born::Telegram(id) => {
                    telegram_ids.push(*id);
                    (*id, *id, &mut seeded.telegram)
                }
                Born::Max(user) => {
                    let id = medcab_core::channels::MAX_BORN_FROM + i64::from(number);
                    external_ids.push(user.id);
                    chat_ids.push(user.chat_id);
                    max_ids.push(id);
                    (id, user.id, &mut seeded.max)
                }
            };
            let snils = snils(number);
            let phone = phone(number);
            ids.push(id);
            // Sealed for their rows: the account by its id, the register
            // entry by its СНИЛС index (see core::crypto).
            let account = RowKey::id(id);
            let entry = RowKey::bytes(&vault.blind_index("snils", snils.digits()));
            phones.push(vault.seal_str(medcab_core::accounts::PHONE_FIELD, &account, phone.e164()));
            phone_indexes.push(vault.blind_index("phone", phone.e164()));
            snilses.push(vault.seal_str(
                medcab_core::accounts::SNILS_FIELD,
                &account,
                snils.digits(),
            ));
            snils_indexes.push(vault.blind_index("snils", snils.digits()));
            registry_snilses.push(vault.seal_str("registry_entries.snils", &entry, snils.digits()));
            registry_phones.push(vault.seal_str("registry_entries.phone", &entry, phone.e164()));
            names.push(vault.seal_str(
                "registry_entries.full_name",
                &entry,
                &format!("Врачев Врач Врачевич {number}"),
            ));
            birth_dates.push(vault.seal_str("registry_entries.birth_date", &entry, "1980-01-01"));
            // Spread the others evenly: every (100 / (100 - p))-th or so.
            let targeted = (number % 100) < targeted_percent;
            if targeted {
                group.targeted.push(sandbox_id);
                specialties.push(TARGETED_SPECIALTY);
            } else {
                group.others.push(sandbox_id);
                specialties.push(OTHER_SPECIALTY);
            }
            regions.push(REGIONS[(number as usize / 7) % REGIONS.len()]);
            organisations.push(format!("ГБУЗ «Городская больница № {}»", number % 500 + 1));
        }

        let mut tx = db.begin().await?;
        sqlx::query(
            "INSERT INTO telegram_users (id, telegram_language, first_seen_at, last_seen_at)
             SELECT id, 'ru', $2, $2 FROM UNNEST($1::BIGINT[]) AS t (id)",
        )
        .bind(&ids)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("seeding telegram_users")?;
        if !telegram_ids.is_empty() {
            sqlx::query(
                "INSERT INTO chats (id, kind, first_seen_at, last_seen_at)
                 SELECT id, 'private', $2, $2 FROM UNNEST($1::BIGINT[]) AS t (id)",
            )
            .bind(&telegram_ids)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("seeding chats")?;
        }
        // As `channels::account_of` makes it on the first update; a Max
        // dialog has no row in `chats` (Telegram's).
        if !max_ids.is_empty() {
            sqlx::query(
                "INSERT INTO channels (messenger, external_id, chat_id, user_id, linked_at)
                 SELECT 'max', external_id, chat_id, user_id, $4
                 FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[])
                      AS t (external_id, chat_id, user_id)",
            )
            .bind(&external_ids)
            .bind(&chat_ids)
            .bind(&max_ids)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("seeding channels")?;
        }
        sqlx::query(
            "INSERT INTO consents (telegram_user_id, text_version, given_at)
             SELECT id, $2, $3 FROM UNNEST($1::BIGINT[]) AS t (id)",
        )
        .bind(&ids)
        .bind(medcab_core::consent::TEXT_VERSION)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("seeding consents")?;
        sqlx::query(
            "INSERT INTO accounts (telegram_user_id, step, phone, phone_index, snils, snils_index,
                                   created_at, linked_at, confirmed_at)
             SELECT id, 'active', phone, phone_index, snils, snils_index, $6, $6, $6
             FROM UNNEST($1::BIGINT[], $2::BYTEA[], $3::BYTEA[], $4::BYTEA[], $5::BYTEA[])
                  AS t (id, phone, phone_index, snils, snils_index)",
        )
        .bind(&ids)
        .bind(&phones)
        .bind(&phone_indexes)
        .bind(&snilses)
        .bind(&snils_indexes)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("seeding accounts")?;
        sqlx::query(
            "INSERT INTO registry_entries (snils_index, snils, full_name, birth_date, phone_index,
                                           phone, specialty, position, organisation, region)
             SELECT snils_index, snils, full_name, birth_date, phone_index, phone, specialty,
                    'врач', organisation, region
             FROM UNNEST($1::BYTEA[], $2::BYTEA[], $3::BYTEA[], $4::BYTEA[], $5::BYTEA[],
                         $6::BYTEA[], $7::TEXT[], $8::TEXT[], $9::TEXT[])
                  AS t (snils_index, snils, full_name, birth_date, phone_index, phone,
                        specialty, organisation, region)",
        )
        .bind(&snils_indexes)
        .bind(&registry_snilses)
        .bind(&names)
        .bind(&birth_dates)
        .bind(&phone_indexes)
        .bind(&registry_phones)
        .bind(&specialties)
        .bind(&organisations)
        .bind(&regions)
        .execute(&mut *tx)
        .await
        .context("seeding registry_entries")?;
        sqlx::query(
            "INSERT INTO notification_settings (telegram_user_id, quiet_from, quiet_until, updated_at)
             SELECT id, NULL, NULL, $2 FROM UNNEST($1::BIGINT[]) AS t (id)",
        )
        .bind(&ids)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("seeding notification_settings")?;
        tx.commit().await?;
    }
    if people.iter().any(|born| matches!(born, Born::Max(_))) {
        // The next account born on Max comes after the seeded ones.
        sqlx::query("SELECT setval('max_born_accounts', $1)")
            .bind(i64::from(practitioners.max(1)))
            .execute(db)
            .await
            .context("moving max_born_accounts past the seeded accounts")?;
    }
    sqlx::raw_sql(
        "ANALYZE telegram_users; ANALYZE chats; ANALYZE channels; ANALYZE accounts;
         ANALYZE registry_entries; ANALYZE notification_settings;",
    )
    .execute(db)
    .await?;
    Ok(seeded)
}

// ---------------------------------------------------------------------------
// Publishing.

/// The notice: a regulatory change for one specialty, with a summary of a
/// realistic length.
const TITLE: &str = "Изменён порядок периодической аккредитации";
const SUMMARY: &str = "С 1 марта портфолио для периодической аккредитации подаётся только \
    в электронном виде через личный кабинет. Отчёт о профессиональной деятельности \
    заверяет руководитель организации; баллы НМО (ЗЕТ) за последние пять лет \
    подтягиваются с портала непрерывного образования автоматически. Проверьте, что \
    все ваши циклы повышения квалификации отражены, до подачи заявления.";
const LINK: &str = "https://example.org/news/akkreditaciya";

/// Publishes the notice to the targeted specialty, as `medcab admin` would:
/// core selects the recipients and fills the outbox in one transaction.
async fn publish(db: &PgPool) -> anyhow::Result<Published> {
    let draft = notices::NoticeDraft::parse(TITLE, SUMMARY, Some(LINK), &[TARGETED_SPECIALTY], &[])
        .context("the notice")?;
    let published = notices::publish(db, &draft, broadcasts::Source::Cli, Utc::now())
        .await
        .context("publishing the notice")?;
    Ok(published)
}

/// What [`interleave_outbox`] did.
struct Interleaved {
    /// Changes of messenger from one row of the broadcast to the next, in
    /// id order, as `publish` wrote them and after.
    switches_before: i64,
    switches_after: i64,
    time: Duration,
}

/// Puts a mixed broadcast's rows in alternating order: Telegram's first,
/// Max's first, Telegram's second… (then the rest of the larger half), by
/// giving them new ids past every other row. `publish` writes the rows in
/// the recipients' account order, and every account born on Max has an id
/// above every Telegram one (`MAX_BORN_FROM`), so it writes all of
/// Telegram's rows before any of Max's; the claim takes them by id (their
/// priority and `available_at` are the same). Called while the bots are
/// stopped, before they can claim one.
async fn interleave_outbox(db: &PgPool, broadcast_id: i64) -> anyhow::Result<Interleaved> {
    let started = Instant::now();
    let switches = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM (
                 SELECT messenger, lag(messenger) OVER (ORDER BY id) AS before
                 FROM outbox WHERE broadcast_id = $1
             ) AS t
             WHERE messenger <> before",
        )
        .bind(broadcast_id)
        .fetch_one(db)
        .await
        .context("counting the outbox's changes of messenger")
    };
    let switches_before = switches().await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "WITH ranked AS (
             SELECT id, messenger, row_number() OVER (PARTITION BY messenger ORDER BY id) AS k
             FROM outbox WHERE broadcast_id = $1
         ), placed AS (
             SELECT id, row_number() OVER (ORDER BY k, messenger = 'max', id) AS place
             FROM ranked
         )
         UPDATE outbox o SET id = (SELECT max(id) FROM outbox) + placed.place
         FROM placed WHERE o.id = placed.id",
    )
    .bind(broadcast_id)
    .execute(&mut *tx)
    .await
    .context("interleaving the outbox")?;
    sqlx::query("SELECT setval(pg_get_serial_sequence('outbox', 'id'), max(id)) FROM outbox")
        .execute(&mut *tx)
        .await
        .context("moving the outbox's sequence past the new ids")?;
    tx.commit().await?;
    Ok(Interleaved {
        switches_before,
        switches_after: switches().await?,
        time: started.elapsed(),
    })
}

struct OutboxSummary {
    rows: i64,
    sent: i64,
    failed: i64,
    /// Rows sent after more than one attempt.
    retried: i64,
}

async fn outbox_summary(db: &PgPool, broadcast_id: i64) -> anyhow::Result<OutboxSummary> {
    let (rows, sent, failed, retried): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*),
                count(*) FILTER (WHERE sent_at IS NOT NULL),
                count(*) FILTER (WHERE failed_at IS NOT NULL),
                count(*) FILTER (WHERE attempts > 1)
         FROM outbox WHERE broadcast_id = $1",
    )
    .bind(broadcast_id)
    .fetch_one(db)
    .await?;
    Ok(OutboxSummary {
        rows,
        sent,
        failed,
        retried,
    })
}

/// What PostgreSQL did to the outbox's dead rows during the run.
struct VacuumStats {
    autovacuum: bool,
    dead_rows: i64,
    vacuums: i64,
}

async fn outbox_vacuum(db: &PgPool) -> anyhow::Result<VacuumStats> {
    let autovacuum: String = sqlx::query_scalar("SHOW autovacuum").fetch_one(db).await?;
    let (dead_rows, vacuums): (i64, i64) = sqlx::query_as(
        "SELECT n_dead_tup, vacuum_count + autovacuum_count
         FROM pg_stat_user_tables WHERE relname = 'outbox'",
    )
    .fetch_one(db)
    .await?;
    Ok(VacuumStats {
        autovacuum: autovacuum == "on",
        dead_rows,
        vacuums,
    })
}

/// Where arrivals are counted: the sandbox's Telegram side, its Max
/// emulator, or both.
struct Arrivals<'a> {
    client: &'a Client,
    sides: &'static [Side],
}

impl Arrivals<'_> {
    /// Each side's count, in the order of `sides`.
    async fn stats(&self) -> anyhow::Result<Vec<(Side, Stats)>> {
        let mut all = Vec::with_capacity(self.sides.len());
        for &side in self.sides {
            let stats = match side {
                Side::Telegram => self.client.stats().await?,
                Side::Max => self.client.max().stats().await?,
            };
            all.push((side, stats));
        }
        Ok(all)
    }

    async fn reset(&self) -> anyhow::Result<()> {
        for &side in self.sides {
            match side {
                Side::Telegram => self.client.reset_stats().await?,
                Side::Max => self.client.max().reset_stats().await?,
            }
        }
        Ok(())
    }
}

/// How many of `users`' chats (Telegram users', or Max users' dialogs)
/// hold a message from the bot.
async fn chats_with_messages(client: &Client, side: Side, users: &[i64]) -> anyhow::Result<u64> {
    let mut checks = futures::stream::iter(users.iter().map(|&id| {
        let client = client.clone();
        async move {
            let chat = match side {
                Side::Telegram => client.chat(id).await?,
                Side::Max => client.max().chat(id).await?,
            };
            anyhow::Ok(
                chat.messages
                    .iter()
                    .any(|message| matches!(message.from, medcab_sandbox::From::Bot)),
            )
        }
    }))
    .buffer_unordered(16);
    let mut count = 0;
    while let Some(got) = checks.next().await {
        if got? {
            count += 1;
        }
    }
    Ok(count)
}

// ---------------------------------------------------------------------------
// The bots.

/// `medcab run` for the first instance, `medcab deliver` for the others,
/// sending at `rate` a second.
fn spawn_bot(
    env: &MedcabEnv<'_>,
    instance: u32,
    max: bool,
    rate: u32,
    lanes: Option<u32>,
) -> anyhow::Result<BotProcess> {
    let subcommand = if instance == 0 { "run" } else { "deliver" };
    let http_addr = free_local_addr()?;
    let mut command = env.command(subcommand, http_addr);
    command.env("MEDCAB_SEND_PER_SECOND", rate.to_string());
    if let Some(lanes) = lanes {
        command.env("MEDCAB_DELIVERY_LANES", lanes.to_string());
    }
    if max {
        // Max's sends are paced to the bot's own MAX_BOT_PER_SECOND:
        // MEDCAB_SEND_PER_SECOND is Telegram's.
        command
            .env("MEDCAB_MAX_TOKEN", env.sandbox.max_token())
            .env("MEDCAB_MAX_API_URL", env.sandbox.max_api_url());
    }
    let readiness = if instance == 0 {
        Readiness::Http(http_addr)
    } else {
        Readiness::Alive
    };
    BotProcess::spawn(
        format!("medcab {subcommand} #{}", instance + 1),
        command,
        env.work_dir
            .join(format!("medcab-{}-{subcommand}.log", instance + 1)),
        readiness,
    )
}

// ---------------------------------------------------------------------------
// The report.

struct Report<'a> {
    args: &'a Args,
    settings: &'a Settings,
    max_settings: &'a MaxSettings,
    /// The Max emulator's refused calls (its last ones), on Max.
    refused: &'a [RefusedCall],
    seeded: &'a Seeded,
    published: &'a Published,
    /// What each side got, in the order of `Messenger::sides`.
    counted: &'a [Counted],
    /// On `mixed`: how the rows were put in alternating order.
    interleaved: Option<&'a Interleaved>,
    outbox: &'a OutboxSummary,
    seed_time: Duration,
    fill_time: Duration,
    /// When publishing began, in milliseconds since the Unix epoch.
    published_at: i64,
    total_time: Duration,
    timed_out: bool,
    memory: Vec<(String, ProcessUsage)>,
    own: ProcessUsage,
    cpu: Vec<CpuSample>,
    vacuum: VacuumStats,
}

/// What one side of the sandbox got, against what it should have.
struct Counted {
    side: Side,
    stats: Stats,
    /// The side's targeted practitioners: the messages expected.
    expected: u64,
    /// The side's practitioners not targeted.
    others: u64,
    /// Of them, those whose chat holds a message.
    wrong_recipients: u64,
}

impl Counted {
    fn new(side: Side, stats: Stats, group: &Group, wrong_recipients: u64) -> Counted {
        Counted {
            side,
            stats,
            expected: group.targeted.len() as u64,
            others: group.others.len() as u64,
            wrong_recipients,
        }
    }

    /// Targeted chats that got something: chats with a message, less the
    /// non-targeted ones that got one.
    fn reached(&self) -> u64 {
        self.stats
            .chats_with_messages
            .saturating_sub(self.wrong_recipients)
    }

    fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.reached())
    }

    /// Seconds from the first accepted send to the last.
    fn span(&self) -> Option<f64> {
        span(self.stats.first_send_at, self.stats.last_send_at)
    }
}

/// Seconds from `first` to `last` (milliseconds since the Unix epoch).
fn span(first: Option<i64>, last: Option<i64>) -> Option<f64> {
    match (first, last) {
        (Some(first), Some(last)) if last > first => Some((last - first) as f64 / 1000.0),
        _ => None,
    }
}

/// The report's lines: a name and its value.
#[derive(Default)]
struct Rows(Vec<(String, String)>);

impl Rows {
    fn add(&mut self, name: &str, value: String) {
        self.0.push((name.to_owned(), value));
    }

    fn print(&self) {
        let width = self
            .0
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0);
        for (name, value) in &self.0 {
            let pad = width - name.chars().count();
            println!("  {name}{}  {value}", " ".repeat(pad));
        }
    }
}

impl Report<'_> {
    fn print(&self) {
        let mut rows = Rows::default();
        match self.counted {
            [counted] => self.single_rows(&mut rows, counted),
            _ => self.mixed_rows(&mut rows),
        }
        self.usage_rows(&mut rows);
        println!();
        println!("broadcast benchmark");
        rows.print();
        if self.counted.len() > 1 {
            self.print_per_messenger();
        }
        self.print_cpu();
    }

    /// One messenger's run: its setup, counts, rates and times.
    fn single_rows(&self, rows: &mut Rows, counted: &Counted) {
        let stats = &counted.stats;
        let targeted = counted.expected;
        let reached = counted.reached();
        let lost = counted.lost();
        let span = counted.span();
        // n sends at r per second take (n - 1) / r seconds.
        let rate = span.map(|span| stats.accepted.saturating_sub(1) as f64 / span);
        let allowed = f64::from(self.args.allowed());
        let paced = f64::from(self.args.paced());
        let on_max = counted.side == Side::Max;
        // The steady state: whole seconds, without the first and the last.
        let steady = steady_rate(&stats.per_second);

        let lanes = self.lanes();
        let setup = if on_max {
            format!(
                "{} practitioners born on Max, {} instance(s), lanes {lanes}, {}",
                self.args.practitioners,
                self.args.instances,
                self.max_setup()
            )
        } else {
            format!(
                "{} practitioners, {} instance(s), lanes {lanes}, {}",
                self.args.practitioners,
                self.args.instances,
                self.telegram_setup()
            )
        };
        rows.add("setup", setup);
        rows.add("messenger", self.args.messenger.name().to_owned());
        rows.add("recipients targeted", targeted.to_string());
        rows.add("recipients selected", self.published.total.to_string());
        rows.add("sends accepted", stats.accepted.to_string());
        rows.add(
            "  of them paid broadcast",
            stats.paid_broadcasts.to_string(),
        );
        rows.add("chats reached", reached.to_string());
        rows.add("lost (target 0)", lost.to_string());
        rows.add(
            "duplicated (target 0)",
            format!(
                "{} chats (max {} in one chat)",
                stats.chats_with_more_than_one, stats.max_per_chat
            ),
        );
        rows.add(
            "wrong recipients (target 0)",
            format!(
                "{} of {} not targeted",
                counted.wrong_recipients, counted.others
            ),
        );
        rows.add(
            "achieved rate",
            match rate {
                Some(rate) if on_max => format!(
                    "{rate:.1}/s = {:.3} of the {allowed:.0} allowed, {:.3} of the {paced:.0} \
                     paced (target ≥ 0.95 of paced)",
                    rate / allowed,
                    rate / paced
                ),
                Some(rate) => format!(
                    "{rate:.1}/s = {:.3} of allowed (target ≥ 0.95)",
                    rate / allowed
                ),
                None => "n/a".to_owned(),
            },
        );
        rows.add(
            "steady-state rate",
            match steady {
                Some(steady) if on_max => format!(
                    "{steady:.1}/s = {:.3} of allowed, {:.3} of paced",
                    steady / allowed,
                    steady / paced
                ),
                Some(steady) => format!("{steady:.1}/s = {:.3} of allowed", steady / allowed),
                None => "n/a (under 3 s of sending)".to_owned(),
            },
        );
        // On Max seconds are judged against the bots' pace, not Max's 30.
        let expected = if on_max { paced } else { allowed };
        let middle = stats
            .per_second
            .get(1..stats.per_second.len().saturating_sub(1))
            .unwrap_or(&[]);
        rows.add(
            "seconds",
            format!(
                "busiest {} sends, slowest {} (first and last aside), {} of {} under 95 %",
                stats.max_per_second(),
                middle.iter().min().copied().unwrap_or(0),
                middle
                    .iter()
                    .filter(|&&n| (n as f64) < 0.95 * expected)
                    .count(),
                middle.len()
            ),
        );
        rows.add(
            "429s",
            format!(
                "{} total, {} after the first second",
                stats.too_many_requests, stats.too_many_requests_after_first_second
            ),
        );
        if on_max {
            self.refusal_row(rows);
        }
        self.store_rows(rows);
        rows.add(
            "publish → first send",
            self.since_publish(stats.first_send_at),
        );
        rows.add("publish → last send", self.until_last(stats.last_send_at));
        rows.add(
            "first → last send",
            span.map_or("n/a".to_owned(), |span| format!("{span:.1} s")),
        );
    }

    /// Both messengers' run: the setup, what the whole broadcast took
    /// against the ideal; each messenger's counts are in
    /// [`Report::print_per_messenger`].
    fn mixed_rows(&self, rows: &mut Rows) {
        rows.add(
            "setup",
            format!(
                "{} practitioners, half born on Telegram and half on Max (even and odd), \
                 {} instance(s), lanes {}; Telegram: {}; Max: {}",
                self.args.practitioners,
                self.args.instances,
                self.lanes(),
                self.telegram_setup(),
                self.max_setup()
            ),
        );
        rows.add("messenger", self.args.messenger.name().to_owned());
        rows.add(
            "recipients targeted",
            format!(
                "{} ({} on Telegram, {} on Max)",
                self.seeded.targeted(),
                self.seeded.telegram.targeted.len(),
                self.seeded.max.targeted.len()
            ),
        );
        rows.add("recipients selected", self.published.total.to_string());
        if let Some(interleaved) = self.interleaved {
            rows.add(
                "outbox order",
                format!(
                    "{} changes of messenger in id order ({} as published), put in {:.2} s \
                     while the bots were stopped",
                    interleaved.switches_after,
                    interleaved.switches_before,
                    interleaved.time.as_secs_f64()
                ),
            );
        }
        self.refusal_row(rows);
        self.store_rows(rows);
        let first = self
            .counted
            .iter()
            .filter_map(|c| c.stats.first_send_at)
            .min();
        let last = self
            .counted
            .iter()
            .filter_map(|c| c.stats.last_send_at)
            .max();
        rows.add("publish → first delivery", self.since_publish(first));
        rows.add("publish → last delivery", self.until_last(last));
        // Each messenger at its own pace, side by side: the larger of the
        // two halves' times.
        let ideal = self
            .counted
            .iter()
            .map(|c| c.expected as f64 / f64::from(self.args.paced_on(c.side)))
            .fold(0.0, f64::max);
        rows.add(
            "ideal (each at its cap, at once)",
            format!(
                "{ideal:.2} s = max({})",
                self.counted
                    .iter()
                    .map(|c| format!("{} / {}", c.expected, self.args.paced_on(c.side)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        rows.add(
            "actual / ideal",
            match last {
                Some(last) if ideal > 0.0 => format!(
                    "{:.2} (target 1.0)",
                    (last - self.published_at) as f64 / 1000.0 / ideal
                ),
                _ => "n/a".to_owned(),
            },
        );
    }

    /// Each messenger's counts, and both together.
    fn print_per_messenger(&self) {
        struct Column {
            name: &'static str,
            expected: u64,
            delivered: u64,
            lost: u64,
            duplicated: u64,
            misdirected: u64,
            others: u64,
            first: Option<i64>,
            last: Option<i64>,
            too_many: u64,
            paced: Option<u32>,
        }
        let mut columns: Vec<Column> = self
            .counted
            .iter()
            .map(|c| Column {
                name: c.side.name(),
                expected: c.expected,
                delivered: c.stats.accepted,
                lost: c.lost(),
                duplicated: c.stats.chats_with_more_than_one,
                misdirected: c.wrong_recipients,
                others: c.others,
                first: c.stats.first_send_at,
                last: c.stats.last_send_at,
                too_many: c.stats.too_many_requests,
                paced: Some(self.args.paced_on(c.side)),
            })
            .collect();
        let all = Column {
            name: "overall",
            expected: columns.iter().map(|c| c.expected).sum(),
            delivered: columns.iter().map(|c| c.delivered).sum(),
            lost: columns.iter().map(|c| c.lost).sum(),
            duplicated: columns.iter().map(|c| c.duplicated).sum(),
            misdirected: columns.iter().map(|c| c.misdirected).sum(),
            others: columns.iter().map(|c| c.others).sum(),
            first: columns.iter().filter_map(|c| c.first).min(),
            last: columns.iter().filter_map(|c| c.last).max(),
            too_many: columns.iter().map(|c| c.too_many).sum(),
            paced: None,
        };
        columns.push(all);
        // A line of the table: its name, and its cell in a column.
        type Line<'a> = (&'static str, &'a dyn Fn(&Column) -> String);
        let lines: [Line; 9] = [
            ("messages expected", &|c| c.expected.to_string()),
            ("delivered", &|c| c.delivered.to_string()),
            ("lost (target 0)", &|c| c.lost.to_string()),
            ("duplicated chats (target 0)", &|c| c.duplicated.to_string()),
            ("misdirected (target 0)", &|c| {
                format!("{} of {}", c.misdirected, c.others)
            }),
            ("rate while sending", &|c| {
                // As asked of the mixed mode: delivered / (last − first).
                match span(c.first, c.last) {
                    Some(span) => {
                        let rate = c.delivered as f64 / span;
                        match c.paced {
                            Some(paced) => {
                                format!("{rate:.1}/s = {:.3} of {paced}", rate / f64::from(paced))
                            }
                            None => format!("{rate:.1}/s"),
                        }
                    }
                    None => "n/a".to_owned(),
                }
            }),
            ("429s", &|c| c.too_many.to_string()),
            ("publish → first delivery", &|c| {
                self.since_publish(c.first)
            }),
            ("publish → last delivery", &|c| self.since_publish(c.last)),
        ];
        let cells: Vec<Vec<String>> = lines
            .iter()
            .map(|(_, cell)| columns.iter().map(cell).collect())
            .collect();
        let name_width = lines
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = (0..columns.len())
            .map(|i| {
                cells
                    .iter()
                    .map(|row| row[i].chars().count())
                    .chain([columns[i].name.len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |name: &str, values: Vec<String>| {
            let pad = name_width - name.chars().count();
            let values: String = values
                .iter()
                .zip(&widths)
                .map(|(value, &width)| {
                    format!("  {}{value}", " ".repeat(width - value.chars().count()))
                })
                .collect();
            println!("  {name}{}{values}", " ".repeat(pad));
        };
        println!();
        line(
            "per messenger",
            columns.iter().map(|c| c.name.to_owned()).collect(),
        );
        for ((name, _), values) in lines.iter().zip(cells) {
            line(name, values);
        }
    }

    fn lanes(&self) -> String {
        self.args
            .lanes
            .map_or("default".to_owned(), |lanes| lanes.to_string())
    }

    /// The Telegram limit: the rate, and the sandbox's bucket for it.
    fn telegram_setup(&self) -> String {
        let telegram_rate = self.args.telegram_rate();
        format!(
            "rate {telegram_rate}/s ({})",
            if telegram_rate <= 30 {
                format!(
                    "sandbox bot_per_second {}",
                    self.settings.bot_per_second.unwrap_or(0)
                )
            } else {
                format!(
                    "sandbox paid_per_second {}",
                    self.settings.paid_per_second.unwrap_or(0)
                )
            }
        )
    }

    /// The Max limit: the emulator's, and the bots' pace.
    fn max_setup(&self) -> String {
        format!(
            "Max emulator {} requests/s ({}), bots pace Max to {}/s",
            self.max_settings.requests_per_second.unwrap_or(0),
            if self.max_settings.enforce_limits {
                "enforced"
            } else {
                "NOT enforced"
            },
            self.args.paced_on(Side::Max)
        )
    }

    /// Every call counts against Max's limit: the bot's long polls and its
    /// other calls may be refused too (the emulator counts only the sends'
    /// 429s; it keeps its last refusals).
    fn refusal_row(&self, rows: &mut Rows) {
        let mut by_call: std::collections::BTreeMap<(String, u16), u64> =
            std::collections::BTreeMap::new();
        for call in self.refused {
            *by_call
                .entry((call.method.clone(), call.error_code))
                .or_default() += 1;
        }
        rows.add(
            "Max refusals",
            if by_call.is_empty() {
                "none".to_owned()
            } else {
                by_call
                    .iter()
                    .map(|((method, code), n)| format!("{n} × {code} {method}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
    }

    /// The outbox's rows, and the times to seed and to fill it.
    fn store_rows(&self, rows: &mut Rows) {
        rows.add(
            "outbox rows",
            format!(
                "{} ({} sent, {} failed, {} retried)",
                self.outbox.rows, self.outbox.sent, self.outbox.failed, self.outbox.retried
            ),
        );
        rows.add(
            "seed time",
            format!("{:.1} s", self.seed_time.as_secs_f64()),
        );
        rows.add(
            "select + fill outbox",
            format!("{:.2} s", self.fill_time.as_secs_f64()),
        );
    }

    /// The whole run's time, each process's memory and CPU, the outbox's
    /// dead rows.
    fn usage_rows(&self, rows: &mut Rows) {
        rows.add(
            "total time",
            format!("{:.1} s", self.total_time.as_secs_f64()),
        );
        for (label, usage) in &self.memory {
            rows.add(
                label,
                format!(
                    "peak RSS {:.1} MiB, CPU {:.1} s",
                    usage.peak_rss_kib as f64 / 1024.0,
                    usage.cpu_seconds
                ),
            );
        }
        rows.add(
            "bench + sandbox",
            format!(
                "peak RSS {:.1} MiB, CPU {:.1} s",
                self.own.peak_rss_kib as f64 / 1024.0,
                self.own.cpu_seconds
            ),
        );
        rows.add(
            "outbox dead rows",
            format!(
                "{} at the end, {} vacuums during the run (autovacuum {})",
                self.vacuum.dead_rows,
                self.vacuum.vacuums,
                if self.vacuum.autovacuum { "on" } else { "OFF" }
            ),
        );
    }

    /// Seconds from publishing to `at`.
    fn since_publish(&self, at: Option<i64>) -> String {
        at.map_or("n/a".to_owned(), |at| {
            format!("{:.2} s", (at - self.published_at) as f64 / 1000.0)
        })
    }

    /// Seconds from publishing to the last send, marked if the run timed
    /// out.
    fn until_last(&self, last: Option<i64>) -> String {
        format!(
            "{}{}",
            self.since_publish(last),
            if self.timed_out { " (TIMED OUT)" } else { "" }
        )
    }
}

impl Report<'_> {
    /// Where the machine's CPU went from publishing to the last send: the
    /// average, then every ten seconds beside the sends.
    fn print_cpu(&self) {
        if self.cpu.is_empty() {
            return;
        }
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let header = WHO
            .iter()
            .map(|(name, _)| format!("{name:>14}"))
            .collect::<String>();
        println!();
        println!("  CPU in cores ({cores} on this machine), from publishing to the end");
        println!(
            "  {:>7} {:>8}{header} {:>14} {:>9}",
            "t (s)", "sends/s", "the rest", "machine"
        );
        let line = |label: String, sends: f64, samples: &[CpuSample]| {
            let seconds: f64 = samples.iter().map(|s| s.seconds).sum();
            let mean = |value: &dyn Fn(&CpuSample) -> f64| {
                samples.iter().map(|s| value(s) * s.seconds).sum::<f64>() / seconds
            };
            let by_who: Vec<f64> = (0..WHO.len()).map(|i| mean(&|s| s.cores[i])).collect();
            let machine = mean(&|s| s.machine);
            // Sampling jitter may make it a hair below zero.
            let rest = (machine - by_who.iter().sum::<f64>()).max(0.0);
            println!(
                "  {label:>7} {sends:>8.0}{} {rest:>14.2} {machine:>9.2}",
                by_who
                    .iter()
                    .map(|c| format!("{c:>13.2}"))
                    .collect::<String>()
            );
        };
        // Every side's sends, each counted from its own first send.
        let sends_between = |from: i64, to: i64| -> u64 {
            self.counted
                .iter()
                .filter_map(|c| Some((c.stats.first_send_at?, &c.stats.per_second)))
                .flat_map(|(first, per_second)| {
                    per_second.iter().enumerate().filter_map(move |(i, n)| {
                        let at = i64::try_from(i).map_or(i64::MAX, |i| first + i * 1000);
                        (at >= from && at < to).then_some(*n)
                    })
                })
                .sum()
        };
        let mut from = self.published_at;
        for window in self.cpu.chunks(10) {
            let to = window.last().map_or(from, |s| s.at);
            let seconds = ((to - from) as f64 / 1000.0).max(0.001);
            line(
                format!("{:.0}", (to - self.published_at) as f64 / 1000.0),
                sends_between(from, to) as f64 / seconds,
                window,
            );
            from = to;
        }
        let end = self.cpu.last().map_or(self.published_at, |s| s.at);
        let seconds = ((end - self.published_at) as f64 / 1000.0).max(0.001);
        line(
            "all".to_owned(),
            self.counted.iter().map(|c| c.stats.accepted).sum::<u64>() as f64 / seconds,
            &self.cpu,
        );
    }
}

/// The mean of the whole seconds between the first and the last.
fn steady_rate(per_second: &[u64]) -> Option<f64> {
    if per_second.len() < 3 {
        return None;
    }
    let middle = &per_second[1..per_second.len() - 1];
    Some(middle.iter().sum::<u64>() as f64 / middle.len() as f64)
}
