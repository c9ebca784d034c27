//! `custos bench gate`: policy evaluation in process, no I/O, as p50/p99 latencies;
//! `custos bench ledger`: see `bench_ledger`.

use std::time::Instant;

use clap::Subcommand;
use custos_core::{ConsentStatus, DataCategory, Jurisdiction, LegalBasis, Purpose, PurposeKey, now};
use custos_policy::{GateConfig, Objections, SubjectState, evaluate};

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Gate policy evaluation latency (in process, no I/O).
    Gate {
        /// Evaluations to time.
        #[arg(long, default_value_t = 200_000)]
        iterations: usize,
    },
    /// Audit ledger: durable appends/s, proof latency and verify rate on a large ledger.
    Ledger {
        /// Run the append part on this database (e.g. PostgreSQL) instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
        /// Leaves to append through the group-commit path.
        #[arg(long, default_value_t = 200_000)]
        appends: u64,
        /// Concurrent writers.
        #[arg(long, default_value_t = 64)]
        writers: u64,
        /// Grow the ledger to this many leaves (bulk load, SQLite) for the proof and verify figures.
        #[arg(long, default_value_t = 1_000_000)]
        leaves: u64,
        /// Proofs of each kind to time.
        #[arg(long, default_value_t = 2_000)]
        proofs: usize,
    },
}

fn cat(k: &str) -> anyhow::Result<DataCategory> {
    DataCategory::parse(k).map_err(|e| anyhow::anyhow!(e.to_string()))
}

/// Runs a benchmark and prints its figures.
pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Ledger { database_url, appends, writers, leaves, proofs } => {
            super::bench_ledger::run(database_url, appends, writers, leaves, proofs).await?;
        }
        BenchCommand::Gate { iterations } => {
            let config = GateConfig::default();
            let purposes: Vec<Purpose> = [
                ("marketing.advertising.first_party.targeted", LegalBasis::Consent, true),
                ("analytics.reporting.campaign_insights", LegalBasis::LegitimateInterest, false),
                ("essential.service", LegalBasis::Contract, false),
            ]
            .iter()
            .map(|(k, basis, sale)| -> anyhow::Result<Purpose> {
                Ok(Purpose {
                    key: PurposeKey::parse(k).map_err(|e| anyhow::anyhow!(e.to_string()))?,
                    name: (*k).to_owned(),
                    legal_basis: *basis,
                    data_categories: vec![cat("user.contact.email")?, cat("user.demographic")?, cat("user.behavior")?],
                    sale_or_share: *sale,
                    profiling: true,
                    sensitive: false,
                    pseudonymize: false,
                    retention_days: 365,
                    created_at: now(),
                })
            })
            .collect::<anyhow::Result<_>>()?;
            let held = vec![
                cat("user.contact.email")?,
                cat("user.demographic.age_range")?,
                cat("user.demographic.gender")?,
                cat("user.behavior.purchase_history")?,
                cat("user.name")?,
            ];
            let requested = vec![cat("user.contact.email")?, cat("user.demographic")?, cat("user.behavior.purchase_history")?];
            let subjects: Vec<SubjectState> = ["DE", "US-CA", "GB", "US-NY"]
                .iter()
                .zip([Some(ConsentStatus::Granted), None, Some(ConsentStatus::Withdrawn), Some(ConsentStatus::Granted)])
                .map(|(j, consent)| -> anyhow::Result<SubjectState> {
                    Ok(SubjectState {
                        jurisdiction: Jurisdiction::parse(j).map_err(|e| anyhow::anyhow!(e.to_string()))?,
                        erased: false,
                        restricted: false,
                        objections: Objections::default(),
                        opted_out_sale_share: false,
                        gpc: false,
                        consent,
                        held: held.clone(),
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            let mut samples = Vec::with_capacity(iterations);
            let mut allows = 0usize;
            for i in 0..iterations.max(1) {
                let s = &subjects[i % subjects.len()];
                let p = &purposes[i % purposes.len()];
                let started = Instant::now();
                let d = std::hint::black_box(evaluate(&config, s, Some(p), &requested, i % 7 == 0));
                samples.push(started.elapsed().as_nanos() as u64);
                allows += usize::from(d.decision == custos_policy::Decision::Allow);
            }
            samples.sort_unstable();
            let q = |f: f64| samples[((samples.len() as f64 - 1.0) * f) as usize] as f64 / 1000.0;
            let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64 / 1000.0;
            println!(
                "gate evaluation, {} iterations ({} allow): p50 {:.2} us, p99 {:.2} us, p99.9 {:.2} us, mean {:.2} us",
                samples.len(),
                allows,
                q(0.5),
                q(0.99),
                q(0.999),
                mean
            );
        }
    }
    Ok(())
}
