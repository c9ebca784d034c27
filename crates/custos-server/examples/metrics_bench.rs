//! Times the rendering of a scrape with 100 monitors x 50 inputs and 600 group selection rates
//! (the database reads of a scrape are bounded and timed separately: docs/BENCHMARKS.md).
//!   cargo run --release -p custos-server --example metrics_bench

use std::time::Instant;

use custos_service::gauges::{Gauges, GroupRate, MonitorGauge};

fn main() {
    let gauges = Gauges {
        dsrs_open: 12,
        dsrs_overdue: 1,
        ledger_entries: 1_000_000,
        selection_rates: (0..600)
            .map(|i| GroupRate {
                purpose: "marketing.advertising.first_party.targeted".into(),
                model: format!("model-{:03}", i / 12),
                group: format!("user.demographic.gender=g{}, user.demographic.age_range=a{}", i % 3, i % 4),
                selection_rate: (i % 100) as f64 / 100.0,
            })
            .collect(),
        monitors: (0..100)
            .map(|m| MonitorGauge {
                monitor_id: format!("01a236da-e535-701c-a7f8-{m:012}"),
                inputs: (0..50).map(|c| (format!("feature_{c:02}"), "wasserstein_sd".to_owned(), c as f64 / 100.0, c % 7 == 0)).collect(),
                accuracy: Some((0.8, m % 2 == 0)),
            })
            .collect(),
    };
    let metrics = custos_server::Metrics::default();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..200 {
        let started = Instant::now();
        let text = metrics.render_with(&gauges).expect("render");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes = text.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "render of 100 monitors x 50 inputs + 600 groups ({} KB): median {:.2} ms, p99 {:.2} ms",
        bytes / 1024,
        times[100],
        times[197]
    );
}
