//! `custos ledger ...`: check the audit ledger without trusting the server that wrote it.
//!
//! `verify` recomputes the whole Merkle tree from the stored leaves and checks every stored
//! node and signed checkpoint; `prove` writes a self-contained inclusion proof for one entry;
//! `verify-proof` checks such a proof offline with nothing but the published verifier key.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use custos_service::ledger::ProofBundle;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::DbArgs;

/// Ledger commands.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute the tree from every stored leaf; check every node, checkpoint and signature.
    /// Exits non-zero and names the first divergence if anything was changed.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a self-contained JSON proof that entry `--index` is in the ledger.
    Prove {
        /// The entry (leaf index, as in a receipt).
        #[arg(long)]
        index: u64,
        /// Write the bundle here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Check a proof bundle offline: no database, only the verifier key.
    VerifyProof {
        /// The bundle written by `custos ledger prove`.
        #[arg(long)]
        bundle: PathBuf,
        /// The verifier key text (`GET /v1/ledger/key`), or a file holding it.
        #[arg(long)]
        key: String,
    },
}

/// Runs a ledger command.
pub async fn run(command: LedgerCommand) -> anyhow::Result<()> {
    match command {
        LedgerCommand::Verify { db } => {
            let service = super::admin::open(&db).await?;
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("verifying leaves {bar:40} {pos}/{len} {per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let report = service
                .ledger()
                .verify(|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await
                .context("cannot read the ledger")?;
            bar.finish_and_clear();
            let seconds = started.elapsed().as_secs_f64();
            if let Some(divergence) = report.divergence {
                bail!("the ledger does not verify: {divergence} (after {} leaves)", report.leaves);
            }
            println!(
                "ledger verified: {} leaves, {} nodes, {} checkpoints; signed size {}; {:.0} leaves/s",
                report.leaves,
                report.nodes,
                report.checkpoints,
                report.signed_size,
                report.leaves as f64 / seconds.max(1e-9)
            );
            if report.leaves > report.signed_size {
                println!("{} newer leaves are not yet covered by a checkpoint", report.leaves - report.signed_size);
            }
            service.close().await;
            Ok(())
        }
        LedgerCommand::Prove { index, out, db } => {
            let service = super::admin::open(&db).await?;
            let bundle = service.ledger().prove(index).await.with_context(|| format!("cannot prove entry {index}"))?;
            let json = serde_json::to_string_pretty(&bundle)?;
            match out {
                Some(path) => std::fs::write(&path, json + "\n").with_context(|| format!("cannot write {}", path.display()))?,
                None => println!("{json}"),
            }
            service.close().await;
            Ok(())
        }
        LedgerCommand::VerifyProof { bundle, key } => {
            let text = std::fs::read_to_string(&bundle).with_context(|| format!("cannot read {}", bundle.display()))?;
            let parsed: ProofBundle = serde_json::from_str(&text).with_context(|| format!("{} is not a proof bundle", bundle.display()))?;
            let key = if std::path::Path::new(&key).is_file() {
                std::fs::read_to_string(&key).with_context(|| format!("cannot read {key}"))?.trim().to_owned()
            } else {
                key
            };
            let verified =
                custos_service::verify_proof_bundle(&parsed, &key).map_err(|e| anyhow::anyhow!("the proof does not verify: {e}"))?;
            println!(
                "proof verified: entry {} is in the tree of {} leaves signed by {}",
                verified.leaf_index, verified.tree_size, verified.origin
            );
            println!("{}", String::from_utf8_lossy(&verified.leaf));
            Ok(())
        }
    }
}
