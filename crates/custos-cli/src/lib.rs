//! The `custos` command line: `serve` runs the service; `admin` manages keys and maintenance;
//! `bench` measures engines. Arguments are parsed here (clap); each subcommand lives in
//! `cmd/`. Errors print as one line on stderr with a non-zero exit code.

mod cmd;
mod config;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// custos: consent, purpose gate, subject vault and data-subject rights for AI that uses
/// customer data.
#[derive(Debug, Parser)]
#[command(name = "custos", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve(cmd::serve::ServeArgs),
    /// Administration: API keys, master key rotation, retention, demo data.
    #[command(subcommand)]
    Admin(cmd::admin::AdminCommand),
    /// Benchmarks of the engines (in process, no I/O).
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Verify the audit ledger, or prove and check that an entry is in it.
    #[command(subcommand)]
    Ledger(cmd::ledger::LedgerCommand),
    /// Find and anonymize personal data in text and tables (Presidio-compatible vocabulary).
    #[command(subcommand)]
    Pii(cmd::pii::PiiCommand),
    /// Fairness audits of decisions (Fairlearn and AIF360 definitions).
    #[command(subcommand)]
    Fairness(cmd::fairness::FairnessCommand),
    /// Drift between a reference table and a current one, column by column, with the
    /// false-alarm rate controlled across columns.
    Drift(cmd::drift::DriftArgs),
    /// Explanations of model decisions: exact TreeSHAP for XGBoost and LightGBM, reason codes.
    #[command(subcommand)]
    Explain(cmd::explain::ExplainCommand),
    /// Validate a model on a labelled set: performance with intervals, calibration, fairness,
    /// the counterfactual flip test, robustness, monotonicity, judged against a policy.
    Validate(cmd::validate::ValidateArgs),
    /// Reports for regulators, auditors and boards, from the database.
    #[command(subcommand)]
    Report(cmd::report::ReportCommand),
    /// IAB consent strings: TCF v2.2/v2.3 TC strings and GPP strings, decoded, encoded and
    /// validated strictly.
    #[command(subcommand)]
    Consent(cmd::consent::ConsentCommand),
    /// Anonymity of tables: k-anonymity, l-diversity, t-closeness, re-identification risk.
    #[command(subcommand)]
    Anon(cmd::anon::AnonCommand),
    /// Differentially private statistics: noisy counts, sums and means per segment.
    #[command(subcommand)]
    Dp(cmd::anon::DpCommand),
}

/// Parses the command line, runs the command, and maps failure to a one-line message.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => cmd::serve::run(args).await,
            Command::Admin(command) => cmd::admin::run(command).await,
            Command::Bench(command) => cmd::bench::run(command).await,
            Command::Ledger(command) => cmd::ledger::run(command).await,
            Command::Pii(command) => tokio::task::block_in_place(|| cmd::pii::run(command)),
            Command::Fairness(command) => tokio::task::block_in_place(|| cmd::fairness::run(command)),
            Command::Drift(args) => tokio::task::block_in_place(|| cmd::drift::run(args)),
            Command::Explain(command) => tokio::task::block_in_place(|| cmd::explain::run(command)),
            Command::Validate(args) => tokio::task::block_in_place(|| cmd::validate::run(args)),
            Command::Report(command) => cmd::report::run(command).await,
            Command::Consent(command) => cmd::consent::run(command),
            Command::Anon(command) => tokio::task::block_in_place(|| cmd::anon::run(command)),
            Command::Dp(command) => tokio::task::block_in_place(|| cmd::anon::run_dp(command)),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the error and its causes, joined.
            let message = format!("{e:#}").replace('\n', " ");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
