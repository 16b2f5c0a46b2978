//! The bots a benchmark runs as processes of their own (the real `medcab`
//! binary, or the load tool's echo bot), and what each one used, from
//! /proc.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use medcab_core::DataKey;
use medcab_sandbox::Sandbox;
use tokio::process::{Child, Command};

/// The `medcab` binary: the one given, or the one next to this benchmark.
pub fn medcab_binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(path) => path.to_owned(),
        None => std::env::current_exe()
            .context("finding this binary")?
            .with_file_name("medcab"),
    };
    ensure!(
        path.is_file(),
        "no medcab binary at {} (build it: cargo build --release -p medcab-bot, or pass --medcab)",
        path.display()
    );
    Ok(path)
}

/// What every `medcab` a benchmark starts is given: the sandbox as its
/// messenger, the run's database and Redis, the run's data key.
pub struct MedcabEnv<'a> {
    pub medcab: &'a Path,
    pub database_url: &'a str,
    pub redis_url: &'a str,
    pub sandbox: &'a Sandbox,
    pub data_key: &'a DataKey,
    /// The folder it runs in (no `.env` from wherever the bench started).
    pub work_dir: &'a Path,
}

impl MedcabEnv<'_> {
    /// `medcab <subcommand>` with a clean environment holding only these
    /// settings and `http_addr` (add more with `.env`).
    pub fn command(&self, subcommand: &str, http_addr: SocketAddr) -> Command {
        let mut command = Command::new(self.medcab);
        command
            .arg(subcommand)
            .current_dir(self.work_dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                std::env::var("BENCH_BOT_LOG").unwrap_or("warn".into()),
            )
            .env("TELOXIDE_TOKEN", self.sandbox.token())
            .env("TELOXIDE_API_URL", self.sandbox.api_url())
            .env("DATABASE_URL", self.database_url)
            .env("REDIS_URL", self.redis_url)
            .env("MEDCAB_REDIS_PREFIX", crate::redis_keys::prefix())
            .env("MEDCAB_DATA_KEY", self.data_key.to_hex())
            .env("MEDCAB_HTTP_ADDR", http_addr.to_string());
        command
    }
}

/// How to tell a spawned bot is ready.
#[derive(Debug, Clone, Copy)]
pub enum Readiness {
    /// `/readyz` at this address answers 2xx (`medcab run`).
    Http(SocketAddr),
    /// A second passed without the process dying (`medcab deliver`, the
    /// echo bot).
    Alive,
}

/// One bot process, its output in a log file.
pub struct BotProcess {
    pub label: String,
    child: Child,
    readiness: Readiness,
    log: PathBuf,
}

impl BotProcess {
    /// Starts `command` with its stdout and stderr in `log`; killed when
    /// dropped.
    pub fn spawn(
        label: String,
        mut command: Command,
        log: PathBuf,
        readiness: Readiness,
    ) -> anyhow::Result<BotProcess> {
        let log_file = std::fs::File::create(&log).context("creating a log file")?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {label}"))?;
        Ok(BotProcess {
            label,
            child,
            readiness,
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); its log:\n{}",
                self.label,
                tail(&self.log)
            );
        }
        Ok(())
    }

    /// Until it is ready (see [`Readiness`]), at most 30 s.
    pub async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let http = reqwest::Client::new();
        loop {
            self.check_alive()?;
            match self.readiness {
                Readiness::Http(addr) => {
                    let ready = http
                        .get(format!("http://{addr}/readyz"))
                        .timeout(Duration::from_secs(1))
                        .send()
                        .await
                        .is_ok_and(|response| response.status().is_success());
                    if ready {
                        return Ok(());
                    }
                }
                Readiness::Alive => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    self.check_alive()?;
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!("{} did not become ready in 30 s", self.label);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends the signal (`kill -<signal>`): `STOP` and `CONT` hold the
    /// bot still and let it go on.
    pub async fn signal(&self, signal: &str) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(pid.to_string())
                .status()
                .await;
        }
    }

    /// SIGKILL, and waits for it to be gone: a crash, as the OOM killer
    /// or a pulled plug makes one.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }

    /// SIGTERM, then SIGKILL if it has not stopped in 10 s. Returns how
    /// long it took to stop.
    pub async fn stop(mut self) -> Duration {
        let asked = Instant::now();
        self.signal("TERM").await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            eprintln!("{} did not stop in 10 s; killing it", self.label);
            let _ = self.child.kill().await;
        }
        asked.elapsed()
    }
}

pub fn free_local_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?)
}

/// The last lines of a log, for an error message.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// What a process used, from /proc.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessUsage {
    /// Resident set now (VmRSS), in KiB.
    pub rss_kib: u64,
    /// Peak resident set (VmHWM), in KiB.
    pub peak_rss_kib: u64,
    /// CPU time (user + system) so far, in seconds.
    pub cpu_seconds: f64,
}

impl ProcessUsage {
    pub fn of(pid: u32) -> ProcessUsage {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib = |field: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime is
        // the 14th field overall, stime the 15th.
        let cpu_seconds = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect::<Vec<_>>())
            .and_then(|fields| {
                let utime: f64 = fields.get(11)?.parse().ok()?;
                let stime: f64 = fields.get(12)?.parse().ok()?;
                Some((utime + stime) / clock_ticks())
            })
            .unwrap_or(0.0);
        ProcessUsage {
            rss_kib: kib("VmRSS:"),
            peak_rss_kib: kib("VmHWM:"),
            cpu_seconds,
        }
    }
}

/// USER_HZ; 100 on every Linux this runs on.
pub fn clock_ticks() -> f64 {
    100.0
}
