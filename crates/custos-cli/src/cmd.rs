//! One module per subcommand.

pub mod admin;
pub mod anon;
pub mod bench;
pub mod bench_consent;
pub mod bench_ledger;
pub mod consent;
pub mod drift;
mod drift_html;
mod drift_profile;
pub mod explain;
pub mod fairness;
pub mod ledger;
pub mod pii;
pub mod pii_table;
pub mod report;
pub mod serve;
pub mod validate;

/// Starts logging to stderr: `CUSTOS_LOG` sets the filter (default `info`), `CUSTOS_LOG_FORMAT=json`
/// switches to JSON lines. Nothing personal is ever logged by custos itself.
pub fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("CUSTOS_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let _ = if std::env::var("CUSTOS_LOG_FORMAT").is_ok_and(|f| f == "json") { builder.json().try_init() } else { builder.try_init() };
}
