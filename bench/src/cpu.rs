//! Where the machine's CPU goes, once a second, from /proc: the bots, this
//! process (the sandbox and the simulated users), the run's PostgreSQL
//! backends, the rest of PostgreSQL, and Redis.

use std::time::{Duration, Instant};

use chrono::Utc;

use crate::processes::clock_ticks;

/// Whose CPU time it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The bots under test (the `medcab` children, or the echo bot).
    Bots = 0,
    /// This process: the sandbox and the bench's own polling.
    Bench = 1,
    /// PostgreSQL backends connected to the scratch database.
    PostgresOurs = 2,
    /// Every other PostgreSQL process (other databases, the WAL writer,
    /// the checkpointer…).
    PostgresOther = 3,
    Redis = 4,
}

pub const WHO: [(&str, Who); 5] = [
    ("bots", Who::Bots),
    ("bench+sandbox", Who::Bench),
    ("pg (ours)", Who::PostgresOurs),
    ("pg (other)", Who::PostgresOther),
    ("redis", Who::Redis),
];

/// One second (or so) of CPU use, in cores.
#[derive(Debug, Clone)]
pub struct CpuSample {
    /// The end of the interval, in milliseconds since the Unix epoch.
    pub at: i64,
    pub seconds: f64,
    /// Cores used by each [`Who`], by index.
    pub cores: [f64; 5],
    /// Cores used by the whole machine (kernel and other work included).
    pub machine: f64,
}

pub struct CpuSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<CpuSample>>,
}

struct CpuSnapshot {
    at: Instant,
    /// pid → (whose, CPU ticks so far)
    processes: std::collections::HashMap<u32, (Who, u64)>,
    /// The machine's busy and total ticks (all cores).
    machine: (u64, u64),
}

impl CpuSampler {
    pub fn start(bots: Vec<u32>, database: String) -> CpuSampler {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            let mut before = CpuSnapshot::take(&bots, &database);
            while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs(1));
                let after = CpuSnapshot::take(&bots, &database);
                samples.push(after.since(&before));
                before = after;
            }
            samples
        });
        CpuSampler { stop, thread }
    }

    pub fn stop(self) -> Vec<CpuSample> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

impl CpuSnapshot {
    fn take(bots: &[u32], database: &str) -> CpuSnapshot {
        let at = Instant::now();
        let own = std::process::id();
        let mut processes = std::collections::HashMap::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Some((comm, ticks)) = process_ticks(pid) else {
                continue;
            };
            let who = if bots.contains(&pid) {
                Who::Bots
            } else if pid == own {
                Who::Bench
            } else if comm == "postgres" {
                // A backend's title names its database: "postgres: 15/main:
                // user database host(port) state".
                let title = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let title = String::from_utf8_lossy(&title);
                if title.split_whitespace().any(|word| word == database) {
                    Who::PostgresOurs
                } else {
                    Who::PostgresOther
                }
            } else if comm.starts_with("redis-server") {
                Who::Redis
            } else {
                continue;
            };
            processes.insert(pid, (who, ticks));
        }
        CpuSnapshot {
            at,
            processes,
            machine: machine_ticks(),
        }
    }

    fn since(&self, before: &CpuSnapshot) -> CpuSample {
        let seconds = self.at.duration_since(before.at).as_secs_f64().max(0.001);
        let ticks_per_second = clock_ticks() * seconds;
        let mut cores = [0.0; 5];
        for (pid, (who, ticks)) in &self.processes {
            let earlier = before.processes.get(pid).map_or(0, |(_, ticks)| *ticks);
            cores[*who as usize] += ticks.saturating_sub(earlier) as f64 / ticks_per_second;
        }
        let busy = self.machine.0.saturating_sub(before.machine.0) as f64;
        CpuSample {
            at: Utc::now().timestamp_millis(),
            seconds,
            cores,
            machine: busy / ticks_per_second,
        }
    }
}

/// A process's command name and CPU ticks (user + system) so far.
fn process_ticks(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 overall, utime 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// The machine's busy and total CPU ticks, all cores, from /proc/stat.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|line| line.starts_with("cpu ")) else {
        return (0, 0);
    };
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|value| value.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest is in user)
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// A CPU quota of one process's own: a cgroup that lets it use `cores`
/// cores' worth of time (its threads together), so that on a machine with
/// two cores several bots can each be the limit of a run. Removed when
/// dropped. cgroup v2 (`cpu.max`) where mounted so, else v1's `cpu`
/// controller (`cpu.cfs_quota_us`); either needs root.
pub struct CpuQuota {
    dir: std::path::PathBuf,
    /// Where the process goes back to before the group is removed.
    parent: std::path::PathBuf,
}

impl CpuQuota {
    pub fn confine(pid: u32, cores: f64) -> anyhow::Result<CpuQuota> {
        use anyhow::Context as _;
        // cgroup v2 takes no quota under 1 ms a period (0.01 of 100 ms).
        anyhow::ensure!(
            cores.is_finite() && (0.01..=1024.0).contains(&cores),
            "a quota of 0.01 to 1024 cores, not {cores}"
        );
        const PERIOD_US: u64 = 100_000;
        let period = Duration::from_micros(PERIOD_US);
        let quota_us = u64::try_from(period.mul_f64(cores).as_micros())?;
        let v2 = std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
        let parent = if v2 {
            std::path::PathBuf::from("/sys/fs/cgroup")
        } else {
            std::path::PathBuf::from("/sys/fs/cgroup/cpu")
        };
        let dir = parent.join(format!("medcab-bench-{pid}"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating {} (is this root?)", dir.display()))?;
        let quota = CpuQuota { dir, parent };
        if v2 {
            quota.write("cpu.max", &format!("{quota_us} {PERIOD_US}"))?;
        } else {
            quota.write("cpu.cfs_period_us", &PERIOD_US.to_string())?;
            quota.write("cpu.cfs_quota_us", &quota_us.to_string())?;
        }
        // Every thread of the process, and those it starts later.
        quota.write("cgroup.procs", &pid.to_string())?;
        Ok(quota)
    }

    fn write(&self, file: &str, value: &str) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let path = self.dir.join(file);
        std::fs::write(&path, value)
            .with_context(|| format!("writing {value} to {}", path.display()))
    }
}

impl Drop for CpuQuota {
    fn drop(&mut self) {
        // A group with processes in it cannot be removed.
        let left = std::fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default();
        for pid in left.lines() {
            let _ = std::fs::write(self.parent.join("cgroup.procs"), pid);
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}
