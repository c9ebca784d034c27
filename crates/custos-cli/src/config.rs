//! Configuration: command-line flag, then `CUSTOS_*` environment variable (both through clap),
//! then `custos.toml`, then the default. Read once here and passed down; libraries never read
//! the environment.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use custos_core::{DataCategory, Jurisdiction};
use custos_service::{GateConfig, ServiceConfig, StoreOptions};
use serde::Deserialize;

/// The default embedded database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./custos-data/custos.db";
/// The default master key file.
pub const DEFAULT_MASTER_KEY_FILE: &str = "./custos-data/master.key";
/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Options every command that opens the database shares.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: sqlite://path (embedded, default) or postgres://user@host/db.
    #[arg(long, env = "CUSTOS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Master key file (64 hex characters); created with mode 0600 on first start.
    #[arg(long, env = "CUSTOS_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// The audit ledger's origin line, fixed when the ledger is created
    /// [default: localhost/custos/<random deployment id>].
    #[arg(long, env = "CUSTOS_LEDGER_ORIGIN")]
    pub ledger_origin: Option<String>,
    /// Configuration file [default: ./custos.toml if present].
    #[arg(long, env = "CUSTOS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Days gate checks are kept (those a decision quotes stay with it) [default: 400; a
    /// warning under 180].
    #[arg(long, env = "CUSTOS_CHECK_RETENTION_DAYS")]
    pub check_retention_days: Option<u32>,
}

/// The contents of `custos.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `listen = "127.0.0.1:8080"`.
    pub listen: Option<String>,
    /// `database_url = "postgres://..."`.
    pub database_url: Option<String>,
    /// `master_key_file = "/etc/custos/master.key"`.
    pub master_key_file: Option<PathBuf>,
    /// `demo = true`.
    pub demo: Option<bool>,
    /// `opt_out_jurisdictions = ["US-CA", ...]`.
    pub opt_out_jurisdictions: Option<Vec<String>>,
    /// `audit_only_categories = ["user.demographic.gender", ...]`.
    pub audit_only_categories: Option<Vec<String>>,
    /// `retention_interval_seconds = 3600`.
    pub retention_interval_seconds: Option<u64>,
    /// `ledger_origin = "example.com/custos/prod"`.
    pub ledger_origin: Option<String>,
    /// `check_retention_days = 400`.
    pub check_retention_days: Option<u32>,
}

impl DbArgs {
    /// Reads the configuration file named by `--config`, or `./custos.toml` if it exists.
    pub fn file_config(&self) -> anyhow::Result<FileConfig> {
        let path = match &self.config {
            Some(p) => p.clone(),
            None if Path::new("custos.toml").exists() => PathBuf::from("custos.toml"),
            None => return Ok(FileConfig::default()),
        };
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))
    }

    /// The store options after applying the file and defaults.
    pub fn store_options(&self, file: &FileConfig) -> StoreOptions {
        let url = self.database_url.clone().or_else(|| file.database_url.clone()).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let key =
            self.master_key_file.clone().or_else(|| file.master_key_file.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_MASTER_KEY_FILE));
        let mut options = StoreOptions::new(url, key);
        options.ledger_origin = self.ledger_origin.clone().or_else(|| file.ledger_origin.clone());
        options
    }
}

/// What a model file may ask of the process (`custos serve` for registered models, `custos
/// explain` for files): checked when the file is read, a model past a limit is refused with the
/// rule it broke. Defaults: docs/SECURITY.md.
#[derive(Debug, Clone, Args)]
pub struct ModelLimitArgs {
    /// Deepest tree a model may have (root at depth 0).
    #[arg(long, env = "CUSTOS_MODEL_MAX_DEPTH", default_value_t = custos_explain::Limits::default().max_depth)]
    pub model_max_depth: usize,
    /// Most nodes over all of a model's trees.
    #[arg(long, env = "CUSTOS_MODEL_MAX_NODES", default_value_t = custos_explain::Limits::default().max_nodes)]
    pub model_max_nodes: usize,
    /// Most leaves over all of a model's trees.
    #[arg(long, env = "CUSTOS_MODEL_MAX_LEAVES", default_value_t = custos_explain::Limits::default().max_leaves)]
    pub model_max_leaves: usize,
    /// Memory for one model's TreeSHAP tables, in MiB (trees past it are explained without).
    #[arg(long, env = "CUSTOS_MODEL_TABLE_MIB", default_value_t = custos_explain::Limits::default().table_bytes >> 20)]
    pub model_table_mib: usize,
}

impl ModelLimitArgs {
    /// The limits these flags set.
    pub fn limits(&self) -> custos_explain::Limits {
        custos_explain::Limits {
            max_depth: self.model_max_depth,
            max_nodes: self.model_max_nodes,
            max_leaves: self.model_max_leaves,
            table_bytes: self.model_table_mib.saturating_mul(1 << 20),
            ..custos_explain::Limits::default()
        }
    }
}

/// Builds the service configuration from lists given on the command line or in the file.
pub fn service_config(
    opt_out: Option<&[String]>,
    audit_only: Option<&[String]>,
    model_limits: custos_explain::Limits,
    check_retention_days: Option<u32>,
) -> anyhow::Result<ServiceConfig> {
    let mut gate = GateConfig::default();
    if let Some(list) = opt_out {
        gate.opt_out_jurisdictions = list
            .iter()
            .map(|j| Jurisdiction::parse(j).map_err(|e| anyhow::anyhow!("opt_out_jurisdictions: {}", e.message())))
            .collect::<Result<_, _>>()?;
    }
    if let Some(list) = audit_only {
        gate.audit_only = list
            .iter()
            .map(|c| DataCategory::parse(c).map_err(|e| anyhow::anyhow!("audit_only_categories: {}", e.message())))
            .collect::<Result<_, _>>()?;
    }
    let check_retention_days = check_retention_days.unwrap_or(custos_service::DEFAULT_CHECK_RETENTION_DAYS);
    if check_retention_days == 0 {
        bail!("check_retention_days must be at least 1");
    }
    if check_retention_days < custos_service::CHECK_RETENTION_WARN_BELOW_DAYS {
        let warning = format!(
            "gate checks are kept {check_retention_days} days, under the {} days the EU AI Act asks deployers to keep logs (Art. 26(6))",
            custos_service::CHECK_RETENTION_WARN_BELOW_DAYS
        );
        eprintln!("warning: {warning}");
        tracing::warn!("{warning}");
    }
    Ok(ServiceConfig { gate, model_limits, check_retention_days, ..ServiceConfig::default() })
}

/// Checks a listen address early, with a clear message.
pub fn parse_listen(s: &str) -> anyhow::Result<std::net::SocketAddr> {
    match s.parse() {
        Ok(addr) => Ok(addr),
        Err(_) => bail!("--listen `{s}` is not an address such as 127.0.0.1:8080"),
    }
}
