//! `custos admin ...`: API keys, master key rotation, retention and demo data, run directly
//! against the database (a running server sees the changes at once, except a master key
//! rotation, which needs a restart).

use anyhow::Context;
use clap::Subcommand;
use custos_core::Role;
use custos_service::{Scope, Service, keys::ApiKeyInput};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{DbArgs, service_config};

/// Administration commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an API key; the key alone is printed on the last line of stdout.
    CreateKey {
        /// Comma-separated scopes, e.g. `checks:write,consents:write` or `all` (the names before
        /// 0.2 are read too: `admin`, `dsr` and `fairness` grant the scopes they became).
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// What the key is for.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a personal access token for a staff member: an API key bound to their account, so
    /// what it does (resolving reviews) is theirs; it ends after `--days`. The token alone is
    /// printed on the last line of stdout.
    CreateUserToken {
        /// The staff member's sign-in email.
        #[arg(long)]
        email: String,
        /// Comma-separated scopes, e.g. `reviews:read,reviews:write` (not `all`).
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Days until it stops working (1-366).
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a console staff account; prints a one-time password (or reads one from stdin with
    /// `--password-stdin`).
    CreateUser {
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Roles, comma-separated or repeated (a set: `reviewer`, `analyst`, `privacy_officer`,
        /// `admin`, `legal`, `compliance`, `model_owner`, `security`).
        #[arg(long, value_delimiter = ',', required = true)]
        role: Vec<String>,
        /// Read the password (at least 12 characters) from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Mint a single-use privacy-center sign-in link (15 minutes) for a subject; the link's
    /// path is printed alone on the last line.
    PrivacyLink {
        /// The subject's id in the business's systems.
        #[arg(long)]
        external_id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the HS256 key (base64url) with which the business's site can mint privacy-center
    /// links itself (JWT: sub = external_id, exp at most 15 minutes ahead, unique jti).
    PrivacyLinkKey {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke an API key by its id. Requests through this database stop accepting it at once;
    /// a running server, which trusts a validated key for one second, within a second.
    RevokeKey {
        /// The key id (from `create-key` or `GET /v1/keys`).
        key_id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List API keys (ids, scopes, labels; never secrets).
    ListKeys {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Re-wrap every subject's data key under a new master key; data is not re-encrypted.
    /// Restart running servers afterwards.
    RotateMasterKey {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Index every subject's e-mail and phone for lookup (a keyed blind index), for subjects
    /// stored before the index existed; new and changed subjects are indexed as they are written.
    ReindexContacts {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Delete data held past its purposes' retention periods, now.
    RunRetention {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write an online, consistent backup of the SQLite database to a new file (mode 0600).
    /// The backup is sealed under the current master key: keep that key file, apart from it.
    Backup {
        /// The backup file to create (must not exist).
        #[arg(long)]
        output: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Replace the SQLite database with a backup (stop the server first). The master key file
    /// must be the one in force when the backup was taken; the ledger is verified afterwards.
    Restore {
        /// The backup file (`custos admin backup --output ...`).
        #[arg(long)]
        input: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Upload a version of the IAB's Global Vendor List (`vendor-list.json`, as published):
    /// TC strings naming that version are then checked against it.
    LoadGvl {
        /// The file.
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Seed demo data (for demos and benchmarks); does nothing if it is already there.
    SeedDemo {
        /// How many synthetic subjects.
        #[arg(long, default_value_t = 1000)]
        subjects: usize,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub(crate) async fn open(db: &DbArgs) -> anyhow::Result<Service> {
    let file = db.file_config()?;
    let config = service_config(
        file.opt_out_jurisdictions.as_deref(),
        file.audit_only_categories.as_deref(),
        custos_explain::Limits::default(),
        db.check_retention_days.or(file.check_retention_days),
    )?;
    Service::open(&db.store_options(&file), config).await.context("cannot open the database")
}

/// Runs an admin command, then closes the database (so the SQLite WAL is merged back).
pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    run_one(command).await?.close().await;
    Ok(())
}

/// Runs one admin command; returns the service it opened, to be closed.
async fn run_one(command: AdminCommand) -> anyhow::Result<Service> {
    let service = match command {
        AdminCommand::CreateKey { scopes, label, db } => {
            let mut granted = Vec::new();
            for s in &scopes {
                let expanded = Scope::expand(s)
                    .map_err(|_| anyhow::anyhow!("`{s}` is not a scope (one of: {})", Scope::names().collect::<Vec<_>>().join(", ")))?;
                granted.extend(expanded);
            }
            let service = open(&db).await?;
            let key = service
                .keys()
                .create(ApiKeyInput { scopes: granted, label, ..Default::default() }, custos_service::KeyIssuer::Host)
                .await?;
            println!("key id: {} scopes: {}", key.key_id, scope_names(&key.scopes));
            println!("{}", key.key.as_ref().map(|t| t.expose()).unwrap_or_default());
            service
        }
        AdminCommand::CreateUserToken { email, scopes, days, db } => {
            let mut granted = Vec::new();
            for s in &scopes {
                let expanded = Scope::expand(s)
                    .map_err(|_| anyhow::anyhow!("`{s}` is not a scope (one of: {})", Scope::names().collect::<Vec<_>>().join(", ")))?;
                granted.extend(expanded);
            }
            let service = open(&db).await?;
            let key = service.keys().create_user_token(&email, granted, days).await?;
            println!("token id: {} for {email} scopes: {} days: {days}", key.key_id, scope_names(&key.scopes));
            println!("{}", key.key.as_ref().map(|t| t.expose()).unwrap_or_default());
            service
        }
        AdminCommand::CreateUser { email, role, password_stdin, db } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("cannot read the password from stdin")?;
                Some(line.trim_end_matches(['\n', '\r']).to_owned())
            } else {
                None
            };
            let service = open(&db).await?;
            let roles = role
                .iter()
                .map(|r| Role::parse(r).map_err(|e| anyhow::anyhow!("--role: {}", e.message())))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (user_id, password) = service.staff().create_user(&email, &roles, password.clone()).await?;
            println!("staff account {user_id} ({})", role.join(", "));
            if !password_stdin {
                // stdout only, never the log.
                println!("one-time password: {password}");
            }
            service
        }
        AdminCommand::PrivacyLink { external_id, db } => {
            let service = open(&db).await?;
            let link = service.privacy().mint_link(custos_service::privacy::PrivacyLinkInput { external_id }).await?;
            println!("valid until {}; open on the custos server:", link.expires_at);
            println!("{}", link.path);
            service
        }
        AdminCommand::PrivacyLinkKey { db } => {
            let service = open(&db).await?;
            println!("{}", data_encoding::BASE64URL_NOPAD.encode(&service.privacy().link_key()));
            service
        }
        AdminCommand::RevokeKey { key_id, db } => {
            let service = open(&db).await?;
            let key = service.keys().revoke(&key_id).await?;
            let at = key.revoked_at.as_ref().map(custos_core::format_timestamp).unwrap_or_default();
            println!("revoked {} at {at}; running servers refuse it within a second", key.key_id);
            service
        }
        AdminCommand::ListKeys { db } => {
            let service = open(&db).await?;
            for k in service.keys().all().await? {
                let state = k.revoked_at.map_or_else(|| "active".to_owned(), |t| format!("revoked {}", custos_core::format_timestamp(&t)));
                println!("{}\t{}\t{}\t{}", k.key_id, scope_names(&k.scopes), state, k.label);
            }
            service
        }
        AdminCommand::RotateMasterKey { db } => {
            let service = open(&db).await?;
            let key_id = service.admin().rotate_master_key().await.context("rotation failed; the old key is still in force")?;
            println!("master key rotated; new key id {key_id}; restart running servers");
            service
        }
        AdminCommand::ReindexContacts { db } => {
            let service = open(&db).await?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message("indexing contacts");
            let n = service.admin().reindex_contacts(|done| bar.set_message(format!("{done} subjects indexed"))).await?;
            bar.finish_and_clear();
            println!("indexed the contacts of {n} subjects");
            service
        }
        AdminCommand::RunRetention { db } => {
            let service = open(&db).await?;
            let report = service.retention().run(custos_core::now()).await?;
            for (category, n) in &report.expired {
                println!("{category}\t{n}");
            }
            println!("deleted {} expired values and {} gate checks past their retention", report.total, report.checks);
            service
        }
        AdminCommand::Backup { output, db } => {
            let service = open(&db).await?;
            let bytes = service.admin().backup(&output).await.with_context(|| format!("cannot back up to {}", output.display()))?;
            println!("backup written to {} ({bytes} bytes, mode 0600)", output.display());
            println!("it is sealed under the current master key: keep that key file, and keep it apart from the backup");
            service
        }
        AdminCommand::Restore { input, db } => {
            let file = db.file_config()?;
            let options = db.store_options(&file);
            Service::restore(&options, &input).with_context(|| format!("cannot restore {}", input.display()))?;
            let service = open(&db).await?;
            let report = service.ledger().verify(|_, _| {}).await.context("cannot read the restored ledger")?;
            if let Some(divergence) = report.divergence {
                anyhow::bail!("restored, but the ledger does not verify: {divergence}");
            }
            println!("restored from {}; the ledger verifies ({} entries)", input.display(), report.leaves);
            service
        }
        AdminCommand::LoadGvl { file, db } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let service = open(&db).await?;
            let v = service.signals().load_vendor_list(&bytes).await.with_context(|| format!("{} was not loaded", file.display()))?;
            println!(
                "vendor list version {} ({} {}, SHA-256 {}) {}",
                v.list.vendor_list_version,
                v.list.vendor_count,
                if v.list.vendor_count == 1 { "vendor" } else { "vendors" },
                v.list.file_sha256,
                if v.created { "stored" } else { "was already stored" }
            );
            service
        }
        AdminCommand::SeedDemo { subjects, db } => {
            let service = open(&db).await?;
            let bar = ProgressBar::new(subjects as u64);
            bar.set_style(
                ProgressStyle::with_template("seeding {bar:40} {pos}/{len} {eta}").unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let summary = service.demo().seed(subjects, 20261122, |n| bar.set_position(n as u64)).await?;
            bar.finish_and_clear();
            println!(
                "{} purposes, {} subjects, {} consent events, {} open requests",
                summary.purposes, summary.subjects, summary.consents, summary.requests
            );
            service
        }
    };
    Ok(service)
}

/// Scopes as the CLI prints them: their names, comma-separated.
fn scope_names(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}
