//! `custos report`: the reports a regulator, an auditor or a board reads, from the database.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::config::DbArgs;

/// Reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The compliance report: the applicable obligations failing first, their controls and the
    /// latest evidence with its ledger entry. Evaluates the controls first with `--evaluate`.
    Compliance {
        /// Only this regulation (`GDPR`, `CCPA`, `EU AI Act`, ...; default: all).
        #[arg(long)]
        regulation: Option<String>,
        /// `html` (default), `pdf` (needs Chromium) or `json` (each evidence with its offline
        /// proof bundle, for `custos ledger verify-proof`).
        #[arg(long, default_value = "html")]
        format: String,
        /// Write it here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run every automated control first (a new run, recorded as evidence).
        #[arg(long)]
        evaluate: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs a report command.
pub async fn run(command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::Compliance { regulation, format, out, evaluate, db } => {
            if !["html", "pdf", "json"].contains(&format.as_str()) {
                bail!("--format must be html, pdf or json");
            }
            let service = super::admin::open(&db).await?;
            let compliance = service.compliance();
            if evaluate {
                // No server may be running to sign the ledger: sign what is there, as its
                // publisher would, so the ledger control judges the ledger and not the CLI.
                service.ledger().publish_checkpoint().await.context("cannot sign the ledger")?;
                compliance.evaluate("on_demand", "cli:report", custos_core::now()).await.context("cannot evaluate the controls")?;
            }
            let view = compliance.view().await.context("cannot read the compliance picture")?;
            if let Some(r) = &regulation
                && !view.regulations.iter().any(|x| &x.regulation == r)
            {
                let names: Vec<&str> = view.regulations.iter().map(|x| x.regulation.as_str()).collect();
                bail!("--regulation `{r}` is not in the catalog; one of: {}", names.join(", "));
            }
            let bytes = match format.as_str() {
                "json" => {
                    serde_json::to_vec_pretty(&compliance.report_json(regulation.as_deref()).await.context("cannot prove the evidence")?)?
                }
                _ => {
                    let html = custos_web::compliance_report_html(&view, regulation.as_deref(), custos_core::now());
                    if format == "pdf" {
                        custos_web::pdf::html_to_pdf(&html).await.context("cannot print the PDF")?
                    } else {
                        html.into_bytes()
                    }
                }
            };
            service.close().await;
            match out {
                Some(path) => {
                    std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("compliance report written to {}", path.display());
                }
                None => {
                    use std::io::Write as _;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(())
        }
    }
}
