//! `custos bench ledger`: durable appends per second through the group-commit path, proof
//! latency and full verification rate on a large ledger.
//!
//! The large ledger is loaded in bulk (leaves written straight into SQLite in big
//! transactions) and then checkpointed by the real publisher, which computes and stores every
//! node; proofs and `verify` then run through the same code as the server and the CLI.

use std::{sync::Arc, time::Instant};

use anyhow::{Context, bail};
use custos_service::{Service, ServiceConfig, StoreOptions};
use indicatif::{ProgressBar, ProgressStyle};

/// A leaf shaped like a gate-check event (about 330 bytes), made unique by `i`.
fn sample_leaf(i: u64) -> Vec<u8> {
    format!(
        "{{\"at\":\"2026-11-22T12:00:00.{:06}Z\",\"check_id\":\"019a{:028x}\",\"decision\":\"allow\",\"event\":\"gate.check\",\
         \"gpc\":false,\"key_id\":null,\"purpose\":\"marketing.advertising.first_party.targeted\",\"reasons\":[\"consent_granted\"],\
         \"released\":[\"user.contact.email\"],\"requested\":[\"user.contact.email\",\"user.demographic\"],\"subject_id\":\"019a{:028x}\"}}",
        i % 1_000_000,
        i,
        i.wrapping_mul(2_654_435_761)
    )
    .into_bytes()
}

/// CPU seconds (user + system) this process has used so far, from /proc (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks: f64 = fields.get(11..13).map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()).unwrap_or(0.0);
    ticks / 100.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!("{what} {{bar:40}} {{pos}}/{{len}} {{per_sec}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Runs the ledger benchmark and prints its figures.
pub async fn run(database_url: Option<String>, appends: u64, writers: u64, leaves: u64, proofs: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}/ledger-bench.db", dir.path().display()));
    let options = StoreOptions::new(url, dir.path().join("master.key"));
    let service = Service::open(&options, ServiceConfig::default()).await.context("cannot open the database")?;
    let backend = service.admin().backend();
    if service.ledger().size().await? != 0 {
        bail!("benchmark on an empty database only");
    }

    // 1. Durable appends: many writers, one group-commit appender, batched fsync.
    let started = Instant::now();
    let per_writer = appends / writers.max(1);
    let progress = Arc::new(bar(per_writer * writers, "durable appends"));
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (service, progress) = (service.clone(), progress.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                service.ledger().append_benchmark_event(sample_leaf(w * per_writer + i)).await?;
                progress.inc(1);
            }
            Ok::<_, custos_service::ServiceError>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let appended = per_writer * writers;
    println!(
        "durable appends ({backend:?}, {writers} writers): {appended} leaves in {seconds:.2} s = {:.0} appends/s",
        appended as f64 / seconds
    );

    // 2. Grow the ledger to `leaves` in bulk (SQLite only), then checkpoint through the publisher.
    if leaves > appended {
        let loading = bar(leaves - appended, "bulk-loading leaves");
        service
            .ledger()
            .bulk_load_benchmark_leaves(leaves - appended, sample_leaf, |done| loading.set_position(done))
            .context("the large-ledger part runs on SQLite (omit --database-url)")?;
        loading.finish_and_clear();
    }
    let started = Instant::now();
    let size = service.ledger().size().await?;
    service.ledger().publish_checkpoint().await?;
    println!("checkpoint of {size} leaves (computing and storing every node): {:.1} s", started.elapsed().as_secs_f64());

    // 3. Proof latency at that size: node reads and folding, as the API serves them.
    let mut inclusion = Vec::with_capacity(proofs);
    let mut consistency = Vec::with_capacity(proofs);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut random = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for _ in 0..proofs {
        let index = random(size);
        let t = Instant::now();
        let proof = service.ledger().inclusion_proof(index, size).await?;
        inclusion.push(t.elapsed().as_secs_f64() * 1e6);
        if proof.hashes.len() > 64 {
            bail!("implausible proof length");
        }
        let first = 1 + random(size - 1);
        let t = Instant::now();
        service.ledger().consistency_proof(first, size).await?;
        consistency.push(t.elapsed().as_secs_f64() * 1e6);
    }
    inclusion.sort_by(f64::total_cmp);
    consistency.sort_by(f64::total_cmp);
    println!(
        "inclusion proof at {size} leaves: p50 {:.0} µs, p99 {:.0} µs; consistency proof: p50 {:.0} µs, p99 {:.0} µs ({proofs} each)",
        percentile(&inclusion, 0.5),
        percentile(&inclusion, 0.99),
        percentile(&consistency, 0.5),
        percentile(&consistency, 0.99)
    );

    // 4. Full verification: every leaf hashed, every node and checkpoint compared.
    let verifying = bar(size, "verifying");
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let report = service.ledger().verify(|done, _| verifying.set_position(done)).await?;
    verifying.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let cores_busy = (cpu_seconds() - cpu_before) / seconds;
    if let Some(d) = report.divergence {
        bail!("the benchmark ledger does not verify: {d}");
    }
    // The bound set by hashing alone (leaf hash + tree nodes, in memory, one core), on leaves
    // made beforehand so that only hashing is timed.
    let samples: Vec<Vec<u8>> = (0..100_000).map(sample_leaf).collect();
    let rounds = 10;
    let started = Instant::now();
    let mut range = custos_ledger::CompactRange::new();
    for _ in 0..rounds {
        for leaf in &samples {
            range.append(custos_ledger::leaf_hash(leaf));
        }
    }
    std::hint::black_box(range.root());
    let hashing = (rounds * samples.len()) as f64 / started.elapsed().as_secs_f64();
    println!(
        "verify: {} leaves, {} nodes, {} checkpoints in {seconds:.1} s = {:.0} leaves/s, {cores_busy:.2} cores busy (hashing alone, one core: {hashing:.0} leaves/s)",
        report.leaves,
        report.nodes,
        report.checkpoints,
        report.leaves as f64 / seconds
    );
    Ok(())
}
