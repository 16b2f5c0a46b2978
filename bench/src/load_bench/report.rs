//! What a phase came to, and how it is printed.

use std::time::Duration;

use medcab_bench::cpu::{CpuSample, Who};
use medcab_bench::processes::ProcessUsage;

use crate::talk::Tally;

/// One phase of the run.
pub struct Phase {
    pub name: String,
    pub people: usize,
    pub elapsed: Duration,
    pub tally: Tally,
    pub cpu: Vec<CpuSample>,
    /// The bot's memory at the phase's end.
    pub bot: ProcessUsage,
}

impl Phase {
    pub fn updates(&self) -> usize {
        self.tally.latencies.len()
    }

    pub fn per_second(&self) -> f64 {
        self.updates() as f64 / self.elapsed.as_secs_f64().max(0.001)
    }

    /// The latency below which `per_mille` thousandths of the answered
    /// steps came.
    pub fn percentile(&self, per_mille: usize) -> Duration {
        let mut sorted = self.tally.latencies.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = (sorted.len() * per_mille)
            .div_ceil(1000)
            .clamp(1, sorted.len());
        sorted[rank - 1]
    }

    /// CPU milliseconds per answered step of `who`, over the phase.
    pub fn cpu_ms_per_update(&self, who: Who) -> f64 {
        let seconds: f64 = self
            .cpu
            .iter()
            .map(|sample| sample.cores[who as usize] * sample.seconds)
            .sum();
        seconds * 1000.0 / self.updates().max(1) as f64
    }

    /// The machine's cores in use, on average.
    pub fn machine_cores(&self) -> f64 {
        let (busy, seconds) = self.cpu.iter().fold((0.0, 0.0), |(busy, seconds), sample| {
            (
                busy + sample.machine * sample.seconds,
                seconds + sample.seconds,
            )
        });
        busy / f64::max(seconds, 0.001)
    }

    pub fn print(&self) {
        println!(
            "{:<34} {:>6} people {:>8.0} steps/s  p50 {:>6.1} ms  p99 {:>6.1} ms  errors {:>4}  \
             CPU/step: bot {:.2} ms, PostgreSQL {:.2} ms, Redis {:.2} ms; machine {:.2} cores; bot RSS {} MiB",
            self.name,
            self.people,
            self.per_second(),
            millis(self.percentile(500)),
            millis(self.percentile(990)),
            self.tally.failures.len(),
            self.cpu_ms_per_update(Who::Bots),
            self.cpu_ms_per_update(Who::PostgresOurs),
            self.cpu_ms_per_update(Who::Redis),
            self.machine_cores(),
            self.bot.rss_kib / 1024,
        );
        for failure in self.tally.failures.iter().take(3) {
            println!("    e.g. {failure}");
        }
    }
}

pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
