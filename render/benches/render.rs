//! How long each document and the chart take to render, in release:
//! `cargo bench -p medcab-render`. Prints the first render (which also
//! parses the fonts and builds Typst's library); the median and worst with
//! Typst's memo cache emptied before each render, as for a practitioner
//! whose document nobody rendered lately; and the median of the same
//! document again, which the cache makes cheap. Run by
//! `cargo test --benches` it renders each once, as a check.

use std::time::{Duration, Instant};

use medcab_render::Agreement;

#[path = "../tests/samples/mod.rs"]
mod samples;

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let runs = if benchmarking { 30 } else { 1 };
    println!(
        "{:<40} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "what", "first", "median", "worst", "again", "size"
    );
    measure("chart (PNG 1080 px wide)", runs, || {
        samples::chart(96.0, 36.0, 120.0)
            .render_png()
            .unwrap()
            .bytes
            .len()
    });
    measure("hours report, 3 records (1 page)", runs, || {
        samples::hours_report(0).render_pdf().unwrap().bytes.len()
    });
    measure("hours report, 200 records (5 pages)", runs, || {
        samples::hours_report(197).render_pdf().unwrap().bytes.len()
    });
    measure("portfolio, 3 records", runs, || {
        samples::portfolio(0).render_pdf().unwrap().bytes.len()
    });
    measure("portfolio, 60 records", runs, || {
        samples::portfolio(57).render_pdf().unwrap().bytes.len()
    });
    measure("activity report draft, 7 sections", runs, || {
        samples::activity_report(Agreement::WithEmployer(samples::approval_block()))
            .render_pdf()
            .unwrap()
            .bytes
            .len()
    });
}

fn measure(what: &str, runs: usize, mut render: impl FnMut() -> usize) {
    let started = Instant::now();
    let size = render();
    let first = started.elapsed();
    let mut timed = |evict: bool| {
        let mut times: Vec<Duration> = (1..runs)
            .map(|_| {
                if evict {
                    typst::comemo::evict(0);
                }
                let started = Instant::now();
                std::hint::black_box(render());
                started.elapsed()
            })
            .collect();
        times.sort();
        times
    };
    let cold = timed(true);
    let again = timed(false);
    let median = |times: &[Duration]| times.get(times.len() / 2).copied().unwrap_or(first);
    let worst = cold.last().copied().unwrap_or(first);
    println!(
        "{what:<40} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>7}KB",
        ms(first),
        ms(median(&cold)),
        ms(worst),
        ms(median(&again)),
        size / 1024
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
