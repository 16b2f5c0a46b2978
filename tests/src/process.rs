//! The real `medcab` binary as a process of its own, against a test's
//! sandbox, database and Redis prefix: what a fault test kills with
//! SIGKILL, as a crash or the OOM killer would, rather than aborting tasks
//! inside the test's own process.
//!
//! `scripts/test` builds the binary (`cargo build --bin medcab`) before
//! the tests run; it is looked for next to the test binary's folder
//! (`target/debug/medcab`), or at `MEDCAB_BIN`.

use std::path::PathBuf;
use std::time::Duration;

use medcab_bench::balancer::Balancer;
use medcab_bench::processes::{BotProcess, MedcabEnv, Readiness, free_local_addr, tail};

use crate::TestApp;

/// How the process hears from the messenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// It polls the sandbox (`getUpdates`), as the leader.
    Polling,
    /// It registers `MEDCAB_WEBHOOK_URL` (its own HTTP address) and the
    /// sandbox posts each update there.
    Webhook,
}

/// A running `medcab run` and how to start it again the same way.
pub struct MedcabProcess {
    process: Option<BotProcess>,
    /// Where it reaches PostgreSQL, when not where the tests do (a
    /// [`crate::cut::CutProxy`]).
    database: Option<std::net::SocketAddr>,
    http_addr: std::net::SocketAddr,
    intake: Intake,
    /// What it registers as its webhook, when not its own address (a
    /// [`Balancer`] in front of several).
    webhook_url: Option<String>,
    log_dir: PathBuf,
    starts: u32,
}

/// The `medcab` binary the tests run.
pub fn medcab_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MEDCAB_BIN") {
        return PathBuf::from(path);
    }
    // target/debug/deps/e2e-… → target/debug/medcab
    let exe = std::env::current_exe().expect("the test binary's path");
    let debug = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary is in target/<profile>/deps");
    let path = debug.join("medcab");
    assert!(
        path.is_file(),
        "no medcab binary at {}: run the tests with scripts/test, which builds it, \
         or `cargo build --bin medcab` first (or set MEDCAB_BIN)",
        path.display()
    );
    path
}

impl TestApp {
    /// Starts `medcab run` against this app's sandbox, database and Redis
    /// prefix, with its data key, and waits until it is ready. Stop the
    /// in-process bot first ([`TestApp::stop_bot`]): two bots would share
    /// the chats. Its inbox leases last a second, so a killed process's
    /// chats come back soon.
    pub async fn medcab_process(&self, intake: Intake) -> MedcabProcess {
        self.medcab_process_through(intake, None).await
    }

    /// [`TestApp::medcab_process`] reaching PostgreSQL at `database` (the
    /// test's database on another address: a proxy a test can cut).
    pub async fn medcab_process_through(
        &self,
        intake: Intake,
        database: Option<std::net::SocketAddr>,
    ) -> MedcabProcess {
        let mut process = MedcabProcess::new(intake, database, None);
        process.start(self).await;
        process
    }

    /// `count` instances of `medcab run` with webhooks, behind one
    /// [`Balancer`] that every one of them registers: the messenger posts
    /// each update to the next instance in turn, and any instance's
    /// workers may handle it.
    pub async fn medcab_instances(&self, count: usize) -> Instances {
        let addrs: Vec<_> = (0..count)
            .map(|_| free_local_addr().expect("a free port"))
            .collect();
        let balancer = Balancer::start(addrs.clone())
            .await
            .expect("the balancer listens");
        let mut processes = Vec::new();
        for addr in addrs {
            let mut process = MedcabProcess::new(Intake::Webhook, None, Some(balancer.url()));
            process.http_addr = addr;
            process.start(self).await;
            processes.push(process);
        }
        Instances {
            balancer,
            processes,
        }
    }

    /// Where the tests' PostgreSQL listens (for a proxy in front of it).
    pub async fn database_addr(&self) -> std::net::SocketAddr {
        let options = self.db.connect_options();
        tokio::net::lookup_host((options.get_host(), options.get_port()))
            .await
            .expect("the database's host resolves")
            .next()
            .expect("the database's host has an address")
    }

    fn database_url(&self) -> String {
        let options = self.db.connect_options();
        let database = options
            .get_database()
            .expect("the test's database has a name");
        let base = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut url = reqwest::Url::parse(&base).expect("DATABASE_URL is a URL");
        url.set_path(database);
        url.to_string()
    }
}

/// Several `medcab run` behind a balancer ([`TestApp::medcab_instances`]).
pub struct Instances {
    pub balancer: Balancer,
    pub processes: Vec<MedcabProcess>,
}

impl MedcabProcess {
    fn new(
        intake: Intake,
        database: Option<std::net::SocketAddr>,
        webhook_url: Option<String>,
    ) -> MedcabProcess {
        let process = MedcabProcess {
            process: None,
            database,
            http_addr: free_local_addr().expect("a free port"),
            intake,
            webhook_url,
            log_dir: std::env::temp_dir().join(format!("medcab-process-{}", uuid::Uuid::new_v4())),
            starts: 0,
        };
        std::fs::create_dir_all(&process.log_dir).expect("a folder for the process's log");
        process
    }

    /// Starts the process (again, after [`MedcabProcess::kill`]).
    pub async fn start(&mut self, app: &TestApp) {
        assert!(self.process.is_none(), "the process runs already");
        let binary = medcab_binary();
        let mut database_url = reqwest::Url::parse(&app.database_url()).expect("a URL");
        if let Some(addr) = self.database {
            database_url
                .set_ip_host(addr.ip())
                .expect("a database URL takes a host");
            database_url
                .set_port(Some(addr.port()))
                .expect("a database URL takes a port");
        }
        let database_url = database_url.to_string();
        let data_key = app.settings.data_keys.keys()[0].clone();
        let env = MedcabEnv {
            medcab: &binary,
            database_url: &database_url,
            redis_url: &app.settings.redis_url,
            sandbox: app.sandbox(),
            data_key: &data_key,
            work_dir: &self.log_dir,
        };
        let mut command = env.command("run", self.http_addr);
        command
            .env("MEDCAB_REDIS_PREFIX", &app.settings.redis_prefix)
            .env("MEDCAB_INBOX_LEASE_SECONDS", "1")
            .env("RUST_LOG", "warn");
        if self.intake == Intake::Webhook {
            command
                .env(
                    "MEDCAB_WEBHOOK_URL",
                    self.webhook_url
                        .clone()
                        .unwrap_or_else(|| format!("http://{}", self.http_addr)),
                )
                .env(
                    "MEDCAB_WEBHOOK_SECRET",
                    "a-test-webhook-secret-of-enough-length",
                );
        }
        self.starts += 1;
        let log = self.log_dir.join(format!("medcab-{}.log", self.starts));
        let mut process = BotProcess::spawn(
            format!("medcab run #{}", self.starts),
            command,
            log,
            Readiness::Http(self.http_addr),
        )
        .expect("medcab run starts");
        if let Err(error) = process.wait_ready().await {
            panic!("medcab run is not ready: {error:#}");
        }
        self.process = Some(process);
    }

    /// SIGKILL: nothing in flight is finished, nothing is given back.
    pub async fn kill(&mut self) {
        let process = self.process.take().expect("the process runs");
        process.kill().await;
    }

    /// SIGSTOP, then SIGCONT after `for`: an instance stalled (a long
    /// pause of its VM, a swap storm) past its leases, which wakes up
    /// thinking it still holds them.
    pub async fn stall(&self, r#for: Duration) {
        let process = self.process.as_ref().expect("the process runs");
        process.signal("STOP").await;
        tokio::time::sleep(r#for).await;
        process.signal("CONT").await;
    }

    /// Its HTTP server (`/readyz`, the webhooks, the API).
    pub fn http_addr(&self) -> std::net::SocketAddr {
        self.http_addr
    }

    /// Whether it still runs (it has not exited by itself).
    pub fn running(&mut self) -> bool {
        self.process
            .as_mut()
            .is_some_and(|process| process.check_alive().is_ok())
    }

    /// The last lines the process logged, for a failure's message.
    pub fn log_tail(&self) -> String {
        tail(&self.log_dir.join(format!("medcab-{}.log", self.starts)))
    }

    /// SIGTERM, as a deployment stops it; fails if it did not stop by
    /// itself within its grace.
    pub async fn stop(mut self) {
        if let Some(process) = self.process.take() {
            let took = process.stop().await;
            assert!(
                took < Duration::from_secs(10),
                "medcab run took {took:?} to stop"
            );
        }
        let _ = std::fs::remove_dir_all(&self.log_dir);
    }
}
