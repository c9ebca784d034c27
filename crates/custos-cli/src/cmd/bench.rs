//! `custos bench gate`: policy evaluation in process, no I/O, as p50/p99 latencies;
//! `custos bench ledger`: see `bench_ledger`.

use std::time::Instant;

use clap::Subcommand;
use custos_core::{ConsentStatus, DataCategory, Jurisdiction, LegalBasis, Purpose, PurposeKey, now};
use custos_policy::{GateConfig, Objections, SubjectState, evaluate};

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Consent strings: TC and GPP strings decoded and encoded per second on one core, on the
    /// reference libraries' own strings (`testdata/consent-signals`), in process.
    Consent {
        /// TC strings (`[{"string": ...}]`).
        #[arg(long, default_value = "testdata/consent-signals/tcf_valid.json")]
        tcf: std::path::PathBuf,
        /// GPP strings.
        #[arg(long, default_value = "testdata/consent-signals/gpp_valid.json")]
        gpp: std::path::PathBuf,
        /// Seconds per figure.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
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
    /// The lifecycle check on the decision path: an approved model version asked for again and
    /// again (cache hits, as on a busy server) and with the cache emptied each time (misses,
    /// once a second per version), on a fresh SQLite database.
    Lifecycle {
        /// Checks to time.
        #[arg(long, default_value_t = 200_000)]
        iterations: usize,
    },
    /// PII analyzer: single-core throughput (MB/s) over a JSON Lines file and the latency of
    /// 200-character messages, in process (no I/O in the timed part).
    Pii {
        /// `{"text": ...}` lines to analyze (e.g. from `testdata/pii/make_bench.py`).
        #[arg(long)]
        input: std::path::PathBuf,
        /// Passes over the file for the throughput figure.
        #[arg(long, default_value_t = 3)]
        passes: usize,
        /// 200-character messages to time one by one.
        #[arg(long, default_value_t = 20_000)]
        messages: usize,
    },
}

fn cat(k: &str) -> anyhow::Result<DataCategory> {
    DataCategory::parse(k).map_err(|e| anyhow::anyhow!(e.to_string()))
}

/// Runs a benchmark and prints its figures.
pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Pii { input, passes, messages } => bench_pii(&input, passes, messages)?,
        BenchCommand::Lifecycle { iterations } => bench_lifecycle(iterations).await?,
        BenchCommand::Consent { tcf, gpp, seconds } => super::bench_consent::run(&tcf, &gpp, seconds)?,
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
                    purpose: PurposeKey::parse(k).map_err(|e| anyhow::anyhow!(e.to_string()))?,
                    name: (*k).to_owned(),
                    legal_basis: *basis,
                    data_categories: vec![cat("user.contact.email")?, cat("user.demographic")?, cat("user.behavior")?],
                    sale_or_share: *sale,
                    profiling: true,
                    sensitive: false,
                    pseudonymize: false,
                    significant_effect: false,
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
                        opted_out_of_sale_or_share: false,
                        gpc: false,
                        consent,
                        consent_overrides_gpc: false,
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

/// `custos bench lifecycle`: what the approval check adds to a decision.
async fn bench_lifecycle(iterations: usize) -> anyhow::Result<()> {
    use custos_core::{Role, Verdict};
    use custos_service::{Service, ServiceConfig, StoreOptions};
    let dir = tempfile::tempdir()?;
    let options = StoreOptions::new(format!("sqlite://{}/lifecycle.db", dir.path().display()), dir.path().join("master.key"));
    let service = Service::open(&options, ServiceConfig::default()).await?;
    let model = r#"{"type": "logistic", "features": ["a", "b"], "coefficients": [1.0, -1.0], "intercept": 0.0}"#;
    let registered = service
        .models()
        .register(
            custos_service::models::ModelInput {
                name: "bench".into(),
                version: "1".into(),
                model: model.into(),
                owner: "owner@bench.test".into(),
                ..Default::default()
            },
            None,
        )
        .await?;
    let mut people = Vec::new();
    for (email, role) in
        [("owner@bench.test", Role::ModelOwner), ("legal@bench.test", Role::Legal), ("compliance@bench.test", Role::Compliance)]
    {
        let (user_id, _) = service.staff().create_user(email, &[role], None).await?;
        people.push(custos_service::staff::StaffIdentity { user_id, email: email.into(), roles: vec![role] });
    }
    let id = registered.model_id.to_string();
    service
        .models()
        .update(&id, custos_service::lifecycle::ModelUpdate { owner: Some("owner@bench.test".into()), ..Default::default() }, "bench")
        .await?;
    let request = service
        .approvals()
        .request(custos_service::approvals::ApprovalInput { model_id: id.clone(), ..Default::default() }, &people[0])
        .await?;
    for (who, role) in [(&people[1], Role::Legal), (&people[2], Role::Compliance)] {
        let input = custos_service::approvals::SignOffInput { verdict: Verdict::Approve, role, comment: "bench".into() };
        service.approvals().sign(&request.approval.approval_id, input, who).await?;
    }
    let time = |forget: bool, n: usize| -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<Vec<u64>>> + '_>> {
        let service = &service;
        Box::pin(async move {
            let mut samples = Vec::with_capacity(n);
            for _ in 0..n.max(1) {
                if forget {
                    service.models().forget_lifecycles();
                }
                let t0 = Instant::now();
                let admitted = service.models().admit("bench", "1").await?;
                samples.push(t0.elapsed().as_nanos() as u64);
                anyhow::ensure!(admitted == custos_service::lifecycle::Admission::Decide, "the approved version must decide");
            }
            samples.sort_unstable();
            Ok(samples)
        })
    };
    let hits = time(false, iterations).await?;
    let misses = time(true, (iterations / 20).max(100)).await?;
    let q = |s: &[u64], f: f64| s[((s.len() as f64 - 1.0) * f) as usize] as f64 / 1000.0;
    let mean = |s: &[u64]| s.iter().sum::<u64>() as f64 / s.len() as f64 / 1000.0;
    println!(
        "lifecycle check, cache hit ({} checks): p50 {:.2} us, p99 {:.2} us, mean {:.2} us",
        hits.len(),
        q(&hits, 0.5),
        q(&hits, 0.99),
        mean(&hits)
    );
    println!(
        "lifecycle check, cache miss (one read of SQLite, {} checks): p50 {:.2} us, p99 {:.2} us, mean {:.2} us",
        misses.len(),
        q(&misses, 0.5),
        q(&misses, 0.99),
        mean(&misses)
    );
    service.close().await;
    Ok(())
}

/// `custos bench pii`: the analyzer on one core.
fn bench_pii(input: &std::path::Path, passes: usize, messages: usize) -> anyhow::Result<()> {
    use anyhow::Context;
    let raw = std::fs::read_to_string(input).with_context(|| format!("cannot read {}", input.display()))?;
    let texts: Vec<String> = raw
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).ok().and_then(|v| v["text"].as_str().map(str::to_owned)))
        .collect::<Option<Vec<_>>>()
        .context("every line must be a JSON object with a text")?;
    anyhow::ensure!(!texts.is_empty(), "{} holds no texts", input.display());
    let bytes: usize = texts.iter().map(String::len).sum();
    let started = Instant::now();
    let analyzer = custos_pii::Analyzer::default();
    let build = started.elapsed();
    let options = custos_pii::AnalyzeOptions::default();
    // Warm up caches (lazy DFA states, gazetteer pages).
    let mut found = 0usize;
    for t in &texts {
        found += analyzer.analyze(t, &options).len();
    }
    let started = Instant::now();
    for _ in 0..passes.max(1) {
        for t in &texts {
            found += std::hint::black_box(analyzer.analyze(t, &options)).len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let mb_per_s = (bytes * passes.max(1)) as f64 / 1e6 / secs;
    // 200-character messages: each text cut to 200 characters (texts repeat to fill).
    let messages_200: Vec<String> = texts
        .iter()
        .filter_map(|t| {
            let joined = format!("{t} {t} {t}");
            let cut: String = joined.chars().take(200).collect();
            (cut.chars().count() == 200).then_some(cut)
        })
        .collect();
    anyhow::ensure!(!messages_200.is_empty(), "no text reaches 200 characters");
    let mut lat = Vec::with_capacity(messages);
    for i in 0..messages {
        let m = &messages_200[i % messages_200.len()];
        let t0 = Instant::now();
        found += std::hint::black_box(analyzer.analyze(m, &options)).len();
        lat.push(t0.elapsed().as_nanos() as u64);
    }
    lat.sort_unstable();
    let pct = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
    println!("analyzer built in {:.1} ms (automaton + gazetteers)", build.as_secs_f64() * 1e3);
    println!(
        "throughput: {:.1} MB/s on one core ({} texts, {:.2} MB x {} passes, {:.0} findings/pass)",
        mb_per_s,
        texts.len(),
        bytes as f64 / 1e6,
        passes.max(1),
        found as f64 / (passes.max(1) + 1) as f64
    );
    println!("200-character messages: p50 {:.1} us, p99 {:.1} us ({messages} messages)", pct(0.50), pct(0.99));
    Ok(())
}
