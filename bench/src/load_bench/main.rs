//! The load tool: simulated practitioners talk to `medcab run` through the
//! sandbox, with real PostgreSQL and Redis, and, in the same run, to the
//! smallest teloxide bot that answers the same kind of steps: the
//! framework's ceiling. See docs/benchmarks.md.
//!
//! One step is one update and the answer it brings. The phases:
//!
//! 1. **ceiling**: `--users` people talk to the echo bot as fast as it
//!    answers (a closed loop: each sends the next step once the last is
//!    answered) for `--seconds`: a text, answered with a message with a
//!    button; the button pressed, the message edited.
//! 2. **mix**: as many active practitioners (seeded linked, with a second
//!    factor and no open session) talk to `medcab run` as fast as it
//!    answers: /menu → «📨 Мои заявки» (the first time, the step-up: the
//!    code typed) → back → «🗓 Расписание» → back, over and over.
//! 3. **paced**: the same mix at a fixed rate, `--paced-percent` of the
//!    ceiling's (an open loop), for the latency at that load.
//! 4. **conversations**: `--conversations` new people send /start and
//!    leave the consent unanswered: the bot's memory with that many
//!    conversations in progress; then its shutdown time.
//!
//! ```sh
//! cargo build --release -p medcab-bot -p medcab-bench
//! target/release/load_bench
//! ```

mod echo_bot;
mod report;
mod seed;
mod talk;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use clap::Parser;
use futures::StreamExt as _;
use medcab_bench::balancer::Balancer;
use medcab_bench::cpu::{CpuQuota, CpuSampler};
use medcab_bench::processes::{
    BotProcess, MedcabEnv, ProcessUsage, Readiness, free_local_addr, medcab_binary,
};
use medcab_bench::redis_keys;
use medcab_bench::scratch::{ScratchDatabase, run_in_scratch};
use medcab_core::DataKey;
use medcab_core::crypto::Vault;
use medcab_sandbox::{Client, NewUsers, Sandbox, SandboxConfig};
use tokio::process::Command;

use report::{Phase, millis};
use seed::Practitioner;
use talk::{Action, Pacer, Talker, Tally};

/// The first Telegram id of each phase's people (apart, so no chat is
/// shared between the bots).
const ECHO_FIRST_ID: i64 = 7_100_000_000;
const MIX_FIRST_ID: i64 = 7_200_000_000;
const NEWCOMERS_FIRST_ID: i64 = 7_300_000_000;

/// What the screens of the mix begin with (locales/ru): the main menu,
/// the two sections, the step-up's question.
const MENU: &str = "Главное меню";
const APPLICATIONS: &str = "📨 Мои заявки";
const SCHEDULE: &str = "🗓 Расписание";
const BACK: &str = "« Назад в меню";
const STEP_UP_ASKED: &str = "Раздел содержит личные данные";
/// After the code, the section comes under this line, in one message.
const STEP_UP_CONFIRMED: &str = "Вход подтверждён.";
/// Before the ceiling is measured, its people talk this long unmeasured.
const WARM_UP: Duration = Duration::from_secs(2);

#[derive(Debug, Parser)]
#[command(
    about = "Simulated practitioners against medcab run and a teloxide echo bot (docs/benchmarks.md)"
)]
struct Args {
    /// People talking to the echo bot at once, each as fast as it answers.
    #[arg(long, default_value_t = 200)]
    users: u32,
    /// Active practitioners talking to medcab at once, each at a person's
    /// pace (`--pace-ms`): enough to offer more than the bot can answer.
    #[arg(long, default_value_t = 1500)]
    practitioners: u32,
    /// The least time from one of a practitioner's steps to the next (the
    /// bot's flood guard lets a person make two a second).
    #[arg(long, default_value_t = 600)]
    pace_ms: u64,
    /// Seconds each measured phase lasts.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// New people left in the middle of a conversation (the memory phase).
    #[arg(long, default_value_t = 10_000)]
    conversations: u32,
    /// The paced phase's rate, in percent of the ceiling's.
    #[arg(long, default_value_t = 25.0)]
    paced_percent: f64,
    /// `medcab run` instances (one polls, all handle; with `--webhooks`,
    /// all store and all handle).
    #[arg(long, default_value_t = 1)]
    instances: u32,
    /// The sandbox posts updates to a load balancer in front of the
    /// instances (`MEDCAB_WEBHOOK_URL`) instead of one of them polling.
    #[arg(long)]
    webhooks: bool,
    /// Cores each `medcab run` may use (a CPU quota of its own, by a
    /// cgroup; needs root). With it, the bots are what limits the rate,
    /// so one instance against three shows how the rate scales with
    /// instances on a machine with too few cores to give each its own.
    #[arg(long)]
    instance_cores: Option<f64>,
    /// The medcab binary (default: the one next to this tool).
    #[arg(long)]
    medcab: Option<PathBuf>,
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// The Redis logical database the bot uses.
    #[arg(long, default_value_t = 12)]
    redis_db: u8,
    /// Keep the scratch database and the bots' logs.
    #[arg(long)]
    keep: bool,
    /// Run as the echo bot (the tool starts itself so).
    #[arg(long, hide = true)]
    echo_bot: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.echo_bot {
        echo_bot::run().await;
        return;
    }
    if let Err(error) = run(args).await {
        eprintln!("load_bench: {error:#}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let medcab = medcab_binary(args.medcab.as_deref())?;
    run_in_scratch(
        &args.database_url,
        "medcab_load",
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
    let db = scratch.pool().await?;
    medcab_core::MIGRATOR
        .run(&db)
        .await
        .context("migrating the scratch database")?;
    let data_key = DataKey::generate();
    let vault = Vault::new(&data_key);
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .context("starting the sandbox")?;
    let client = sandbox.client();
    // The ceiling is the framework's, not Telegram's 30 messages a second.
    client.set_enforce_limits(false).await?;
    let seconds = Duration::from_secs(args.seconds);
    let pace = Duration::from_millis(args.pace_ms);
    let mut phases = Vec::new();

    // 1. The ceiling.
    let mut echo_people: Vec<Person> = people(&client, args.users, ECHO_FIRST_ID)
        .await?
        .into_iter()
        .map(|id| Person::new(&client, id))
        .collect();
    let mut echo = echo_process(&sandbox, work_dir)?;
    echo.wait_ready().await?;
    (echo_people, _, _) = closed_loop(echo_people, WARM_UP, None).await;
    let (_, ceiling) = measured(
        "ceiling: teloxide echo bot",
        &[echo.pid()],
        &scratch.name,
        closed_loop(echo_people, seconds, None),
    )
    .await;
    ceiling.print();
    echo.signal("INT").await;
    echo.stop().await;
    let ceiling_rate = ceiling.per_second();
    phases.push(ceiling);

    // 2. The mix, as fast as medcab answers.
    let ids: Vec<i64> = people(&client, args.practitioners, MIX_FIRST_ID).await?;
    let seeding = Instant::now();
    let practitioners = seed::practitioners(&db, &vault, &ids, Utc::now()).await?;
    eprintln!(
        "seeded {} active practitioners in {:.1} s",
        practitioners.len(),
        seeding.elapsed().as_secs_f64()
    );
    let mix_people: Vec<Person> = practitioners
        .into_iter()
        .map(|practitioner| Person {
            talker: Talker::paced(client.clone(), practitioner.id, pace),
            practitioner: Some(practitioner),
        })
        .collect();
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
    let addrs = (0..args.instances)
        .map(|_| free_local_addr())
        .collect::<Result<Vec<_>, _>>()?;
    let balancer = match args.webhooks {
        true => Some(Balancer::start(addrs.clone()).await?),
        false => None,
    };
    let mut bots = Vec::new();
    let mut quotas = Vec::new();
    for (instance, http_addr) in (1..).zip(addrs) {
        let mut command = env.command("run", http_addr);
        if let Some(balancer) = &balancer {
            command
                .env("MEDCAB_WEBHOOK_URL", balancer.url())
                .env("MEDCAB_WEBHOOK_SECRET", "the-load-tool-s-webhook-secret");
        }
        let bot = BotProcess::spawn(
            format!("medcab run #{instance}"),
            command,
            work_dir.join(format!("medcab-{instance}.log")),
            Readiness::Http(http_addr),
        )?;
        if let Some(cores) = args.instance_cores {
            quotas.push(CpuQuota::confine(bot.pid(), cores)?);
        }
        bots.push(bot);
    }
    for bot in &mut bots {
        bot.wait_ready().await?;
    }
    let bot_pids: Vec<u32> = bots.iter().map(BotProcess::pid).collect();
    let (mix_people, mixed) = measured(
        "mix: medcab run",
        &bot_pids,
        &scratch.name,
        closed_loop(mix_people, seconds, None),
    )
    .await;
    mixed.print();
    let mix_rate = mixed.per_second();
    phases.push(mixed);

    // 3. The mix at a fixed share of the ceiling's rate, each person's
    // step-up once more.
    seed::close_sessions(
        &db,
        mix_people
            .iter()
            .filter_map(|person| person.practitioner.as_ref()),
    )
    .await?;
    let paced_rate = ceiling_rate * args.paced_percent / 100.0;
    let (_, paced) = measured(
        &format!(
            "paced: {:.0}/s ({} % of the ceiling)",
            paced_rate, args.paced_percent
        ),
        &bot_pids,
        &scratch.name,
        closed_loop(
            mix_people,
            seconds,
            Some(std::sync::Arc::new(Pacer::start(paced_rate))),
        ),
    )
    .await;
    paced.print();
    phases.push(paced);

    // 4. Conversations left in progress.
    let newcomers = people(&client, args.conversations, NEWCOMERS_FIRST_ID).await?;
    let (_, started) = measured(
        &format!("{} newcomers' /start", args.conversations),
        &bot_pids,
        &scratch.name,
        each_once(&client, newcomers, args.users as usize),
    )
    .await;
    started.print();
    phases.push(started);
    let usage: Vec<ProcessUsage> = bots.iter().map(|bot| ProcessUsage::of(bot.pid())).collect();
    let mut shutdowns = Vec::new();
    for bot in bots {
        shutdowns.push(bot.stop().await);
    }

    println!();
    let offered = f64::from(args.practitioners) * 1000.0 / args.pace_ms.max(1) as f64;
    if mix_rate > 0.9 * offered {
        println!(
            "note: the practitioners' pace offers at most {offered:.0} steps a second, and the mix \
             came close: the bot's limit may be higher (raise --practitioners)"
        );
    }
    println!(
        "mix / ceiling: {:.0} / {:.0} steps a second = {:.0} % (target ≥ 50 %)",
        mix_rate,
        ceiling_rate,
        100.0 * mix_rate / ceiling_rate.max(0.001)
    );
    let paced = &phases[2];
    println!(
        "paced at {:.0}/s: achieved {:.0}/s, p99 {:.1} ms (target < 50 ms)",
        paced_rate,
        paced.per_second(),
        millis(paced.percentile(990))
    );
    for (instance, (usage, shutdown)) in usage.iter().zip(&shutdowns).enumerate() {
        println!(
            "medcab run #{}: with {} conversations in progress RSS {} MiB, peak {} MiB \
             (target < 150 MB); CPU {:.1} s; stopped {:.2} s after SIGTERM",
            instance + 1,
            args.conversations,
            usage.rss_kib / 1024,
            usage.peak_rss_kib / 1024,
            usage.cpu_seconds,
            shutdown.as_secs_f64()
        );
    }
    println!(
        "instances: {} ({}{})",
        args.instances,
        if args.webhooks {
            "webhooks through a balancer"
        } else {
            "one polls"
        },
        args.instance_cores
            .map(|cores| format!(", {cores} cores each"))
            .unwrap_or_default()
    );
    if let Some(balancer) = &balancer {
        println!("webhooks each instance answered: {:?}", balancer.answered());
    }
    drop(quotas);
    let errors: usize = phases.iter().map(|phase| phase.tally.failures.len()).sum();
    println!("steps unanswered or refused: {errors}");
    redis_keys::forget(&redis_url).await?;
    Ok(())
}

/// `count` new people in the sandbox from `first_id`, speaking Russian.
async fn people(client: &Client, count: u32, first_id: i64) -> anyhow::Result<Vec<i64>> {
    let created = client
        .create_users(
            NewUsers::count(count)
                .starting_at(first_id)
                .with_language("ru"),
        )
        .await
        .context("creating the sandbox's users")?;
    Ok((first_id..first_id + i64::from(created.count)).collect())
}

/// The echo bot: this tool again, as a process of its own.
fn echo_process(sandbox: &Sandbox, work_dir: &Path) -> anyhow::Result<BotProcess> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("--echo-bot")
        .current_dir(work_dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("TELOXIDE_TOKEN", sandbox.token())
        .env("TELOXIDE_API_URL", sandbox.api_url());
    BotProcess::spawn(
        "echo bot".into(),
        command,
        work_dir.join("echo.log"),
        Readiness::Alive,
    )
}

/// Runs `phase` with the machine's CPU sampled, and reads the bot's
/// memory at its end.
async fn measured<T>(
    name: &str,
    bots: &[u32],
    database: &str,
    phase: impl std::future::Future<Output = (T, usize, Tally)>,
) -> (T, Phase) {
    let sampler = CpuSampler::start(bots.to_vec(), database.to_owned());
    let started = Instant::now();
    let (people_back, people, tally) = phase.await;
    let elapsed = started.elapsed();
    let phase = Phase {
        name: name.to_owned(),
        people,
        elapsed,
        tally,
        cpu: sampler.stop(),
        bot: ProcessUsage::of(bots[0]),
    };
    (people_back, phase)
}

/// One simulated person: a practitioner of the mix, or someone talking
/// to the echo bot.
struct Person {
    talker: Talker,
    practitioner: Option<Practitioner>,
}

impl Person {
    fn new(client: &Client, id: i64) -> Person {
        Person {
            talker: Talker::new(client.clone(), id),
            practitioner: None,
        }
    }

    /// One round of the person's script; stops at the first step that
    /// fails (the next round starts from a fresh menu).
    async fn cycle(&mut self, tally: &mut Tally, pacer: Option<&Pacer>) {
        let talker = &mut self.talker;
        match &mut self.practitioner {
            None => {
                let asked = format!("Шаг {}", tally.latencies.len());
                if tally
                    .step(talker, pacer, Action::Text(&asked), &[&asked])
                    .await
                    .is_some()
                {
                    tally
                        .step(
                            talker,
                            pacer,
                            Action::Press(echo_bot::BUTTON),
                            &[echo_bot::PRESSED],
                        )
                        .await;
                }
            }
            Some(practitioner) => {
                let _ = mix_cycle(talker, practitioner, tally, pacer).await;
            }
        }
    }
}

/// /menu → «📨 Мои заявки» (with the step-up when asked) → back →
/// «🗓 Расписание» → back.
async fn mix_cycle(
    talker: &mut Talker,
    practitioner: &mut Practitioner,
    tally: &mut Tally,
    pacer: Option<&Pacer>,
) -> Option<()> {
    tally
        .step(talker, pacer, Action::Text("/menu"), &[MENU])
        .await?;
    for section in [APPLICATIONS, SCHEDULE] {
        let shown = tally
            .step(
                talker,
                pacer,
                Action::Press(section),
                &[section, STEP_UP_ASKED],
            )
            .await?;
        if shown == 1 {
            let code = practitioner.next_code(Utc::now());
            tally
                .step(talker, pacer, Action::Text(&code), &[STEP_UP_CONFIRMED])
                .await?;
        }
        tally
            .step(talker, pacer, Action::Press(BACK), &[MENU])
            .await?;
    }
    Some(())
}

/// Every person repeats their script for `length`, each in a task of
/// their own; gives them back with what their steps came to.
async fn closed_loop(
    people: Vec<Person>,
    length: Duration,
    pacer: Option<std::sync::Arc<Pacer>>,
) -> (Vec<Person>, usize, Tally) {
    let deadline = Instant::now() + length;
    let count = people.len();
    let tasks: Vec<_> = people
        .into_iter()
        .map(|mut person| {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                while Instant::now() < deadline {
                    person.cycle(&mut tally, pacer.as_deref()).await;
                }
                (person, tally)
            })
        })
        .collect();
    let mut people = Vec::with_capacity(count);
    let mut total = Tally::default();
    for task in tasks {
        let (person, tally) = task.await.expect("a person's task does not panic");
        people.push(person);
        total.merge(tally);
    }
    (people, count, total)
}

/// Each of `ids` sends `/start` once and waits for the greeting, at most
/// `at_once` at a time; the conversation is then left where it is.
async fn each_once(client: &Client, ids: Vec<i64>, at_once: usize) -> ((), usize, Tally) {
    let count = ids.len();
    let tallies: Vec<Tally> = futures::stream::iter(ids)
        .map(|id| {
            let mut talker = Talker::new(client.clone(), id);
            async move {
                let mut tally = Tally::default();
                tally
                    .step(&mut talker, None, Action::Text("/start"), &[""])
                    .await;
                tally
            }
        })
        .buffer_unordered(at_once)
        .collect()
        .await;
    let mut total = Tally::default();
    for tally in tallies {
        total.merge(tally);
    }
    ((), count, total)
}
