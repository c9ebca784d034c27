//! `custos serve`: open the database, optionally seed demo data, and serve the API.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use custos_core::Role;
use custos_service::{Scope, Service, keys::ApiKeyInput};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{DEFAULT_LISTEN, DbArgs, parse_listen, service_config};

/// Options of `custos serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CUSTOS_LISTEN")]
    listen: Option<String>,
    #[command(flatten)]
    db: DbArgs,
    /// Seed demo purposes, notices and synthetic subjects (once), and print a fresh admin key.
    #[arg(long, env = "CUSTOS_DEMO")]
    demo: bool,
    /// How many synthetic subjects `--demo` creates.
    #[arg(long, env = "CUSTOS_DEMO_SUBJECTS", default_value_t = 1000)]
    demo_subjects: usize,
    /// Jurisdictions where consent purposes run until the subject opts out (comma-separated).
    #[arg(long, env = "CUSTOS_OPT_OUT_JURISDICTIONS", value_delimiter = ',')]
    opt_out_jurisdictions: Option<Vec<String>>,
    /// Data categories kept for fairness audits only and never released (comma-separated).
    #[arg(long, env = "CUSTOS_AUDIT_ONLY_CATEGORIES", value_delimiter = ',')]
    audit_only_categories: Option<Vec<String>>,
    /// Seconds between retention runs.
    #[arg(long, env = "CUSTOS_RETENTION_INTERVAL_SECONDS")]
    retention_interval_seconds: Option<u64>,
    /// Hosts webhooks may reach over plain http:// or at private addresses (comma-separated);
    /// every other webhook target must be a public https:// address.
    #[arg(long, env = "CUSTOS_WEBHOOK_ALLOW_HOSTS", value_delimiter = ',')]
    webhook_allow_hosts: Vec<String>,
    /// Accept decisions that name a model not registered at all (as before 0.3). Off by
    /// default: only approved model versions decide about customers.
    #[arg(long, env = "CUSTOS_ALLOW_UNREGISTERED_MODELS")]
    allow_unregistered_models: bool,
    /// Where validation sets are sealed while their runs last (default: the system's temporary
    /// directory, `custos-validations`; created with mode 0700).
    #[arg(long, env = "CUSTOS_VALIDATION_DIR")]
    validation_dir: Option<std::path::PathBuf>,
    /// Hours after awareness an incident's open-ended duty ("without undue delay",
    /// "immediately", "promptly") is escalated as overdue (the law sets no number; 1-720).
    #[arg(long, env = "CUSTOS_UNDUE_DELAY_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=720))]
    undue_delay_hours: u32,
    /// Serve Prometheus metrics at `http://ADDRESS/metrics` (off unless given). The metrics
    /// have no authentication (scrapers rarely send tokens): give a loopback or otherwise
    /// private address.
    #[arg(long, env = "CUSTOS_METRICS_LISTEN")]
    metrics_listen: Option<std::net::SocketAddr>,
    /// Also serve the PII engine at Presidio's own paths (`POST /analyze`, `POST /anonymize`,
    /// `GET /supportedentities`, ...) so existing Presidio clients work unchanged; same keys (scope `pii`).
    #[arg(long, env = "CUSTOS_PRESIDIO_API")]
    presidio_api: bool,
    /// Serve Presidio's paths without authentication, as Presidio does. Refused unless `--listen` is a loopback address.
    #[arg(long, env = "CUSTOS_PRESIDIO_API_NO_AUTH")]
    presidio_api_no_auth: bool,
    #[command(flatten)]
    model_limits: crate::config::ModelLimitArgs,
    #[command(flatten)]
    connections: ConnectionArgs,
}

/// What one client may hold of the server, and HTTPS (docs/SECURITY.md).
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Seconds a client has to send a request's headers (and to finish a TLS handshake).
    #[arg(long, env = "CUSTOS_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10)]
    header_read_timeout_seconds: u64,
    /// Longest pause, in seconds, between parts of a request body.
    #[arg(long, env = "CUSTOS_BODY_READ_TIMEOUT_SECONDS", default_value_t = 10)]
    body_read_timeout_seconds: u64,
    /// Seconds a connection may stay idle (no bytes either way) before it is closed.
    #[arg(long, env = "CUSTOS_IDLE_TIMEOUT_SECONDS", default_value_t = 60)]
    idle_timeout_seconds: u64,
    /// Seconds within which a request is answered, or gets a 503.
    #[arg(long, env = "CUSTOS_REQUEST_TIMEOUT_SECONDS", default_value_t = 60)]
    request_timeout_seconds: u64,
    /// Connections served at once; more are closed as they arrive.
    #[arg(long, env = "CUSTOS_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "CUSTOS_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "CUSTOS_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For gives the
    /// client address; from any other peer the header is ignored.
    #[arg(long, env = "CUSTOS_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<String>,
    /// Origins of the business's sites whose pages may run the consent snippet
    /// (`https://shop.example`; comma-separated or repeated). None by default.
    #[arg(long, env = "CUSTOS_EMBED_ORIGINS", value_delimiter = ',')]
    embed_origin: Vec<String>,
}

impl ConnectionArgs {
    /// The snippet's origins, checked: a scheme, a host and no path (as browsers send `Origin`).
    fn embed_origins(&self) -> anyhow::Result<Vec<String>> {
        self.embed_origin
            .iter()
            .map(|o| {
                let o = o.trim().trim_end_matches('/');
                let ok = o.split_once("://").is_some_and(|(scheme, rest)| {
                    matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains(['/', '?', '#', ' '])
                });
                if ok { Ok(o.to_owned()) } else { anyhow::bail!("--embed-origin: `{o}` is not an origin such as https://shop.example") }
            })
            .collect()
    }

    /// The trusted proxies as networks (a bare address is a network of one).
    fn proxies(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|p| {
                let p = p.trim();
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| anyhow::anyhow!("--trusted-proxies: `{p}` is not an address or network such as 10.0.0.0/8"))
            })
            .collect()
    }
}

impl ConnectionArgs {
    fn options(&self) -> anyhow::Result<custos_server::ServeOptions> {
        let seconds = |name: &str, v: u64| {
            if v == 0 {
                anyhow::bail!("--{name} must be at least 1");
            }
            Ok(Duration::from_secs(v))
        };
        if self.max_connections == 0 {
            anyhow::bail!("--max-connections must be at least 1");
        }
        Ok(custos_server::ServeOptions {
            header_read_timeout: seconds("header-read-timeout-seconds", self.header_read_timeout_seconds)?,
            body_read_timeout: seconds("body-read-timeout-seconds", self.body_read_timeout_seconds)?,
            idle_timeout: seconds("idle-timeout-seconds", self.idle_timeout_seconds)?,
            request_timeout: seconds("request-timeout-seconds", self.request_timeout_seconds)?,
            max_connections: self.max_connections,
            tls: match (&self.tls_cert, &self.tls_key) {
                (Some(cert), Some(key)) => Some(custos_server::TlsFiles { cert: cert.clone(), key: key.clone() }),
                _ => None,
            },
        })
    }
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    super::init_logging();
    let file = args.db.file_config()?;
    let listen = parse_listen(args.listen.as_deref().or(file.listen.as_deref()).unwrap_or(DEFAULT_LISTEN))?;
    let demo = args.demo || file.demo.unwrap_or(false);
    let presidio = if args.presidio_api_no_auth {
        if !listen.ip().is_loopback() {
            anyhow::bail!("--presidio-api-no-auth is only allowed when --listen is a loopback address (127.0.0.1 or ::1), not {listen}");
        }
        custos_server::PresidioApi::NoAuth
    } else if args.presidio_api {
        custos_server::PresidioApi::Authenticated
    } else {
        custos_server::PresidioApi::Off
    };
    let serve_options = args.connections.options()?;
    let proxies = args.connections.proxies()?;
    let embed_origins = args.connections.embed_origins()?;
    if let Some(tls) = &serve_options.tls {
        tls.load().context("cannot set up HTTPS")?;
    }
    let mut config = service_config(
        args.opt_out_jurisdictions.as_deref().or(file.opt_out_jurisdictions.as_deref()),
        args.audit_only_categories.as_deref().or(file.audit_only_categories.as_deref()),
        args.model_limits.limits(),
        args.db.check_retention_days.or(file.check_retention_days),
    )?;
    config.allow_unregistered_models = args.allow_unregistered_models;
    config.validation_dir = args.validation_dir.clone();
    config.undue_delay_hours = args.undue_delay_hours;
    if config.allow_unregistered_models {
        tracing::warn!("--allow-unregistered-models: decisions naming a model that is not registered are accepted");
    }
    config.webhook_allow_hosts = args.webhook_allow_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
    let options = args.db.store_options(&file);
    tracing::info!(database = ?options, "opening the database");
    if demo && !listen.ip().is_loopback() {
        anyhow::bail!(
            "--demo lists sign-in codes on an open page and prints keys: it only runs on a loopback address (127.0.0.1 or ::1), not {listen}"
        );
    }
    let service = Service::open(&options, config).await.context("cannot open the database")?;
    // Validation runs a stopped server left behind are failed and their sets deleted.
    service.validations().sweep(true).await.context("cannot clean up interrupted validations")?;

    if demo {
        match service.demo().database().await? {
            custos_service::DemoDatabase::Other => anyhow::bail!(
                "--demo only runs on an empty database or one it created; {} holds other data (drop --demo, or use another --database-url)",
                options.redacted_url()
            ),
            custos_service::DemoDatabase::Fresh => service.demo().mark_database().await?,
            custos_service::DemoDatabase::Demo => {}
        }
        let bar = ProgressBar::new(args.demo_subjects as u64);
        bar.set_style(
            ProgressStyle::with_template("seeding demo subjects {bar:40} {pos}/{len} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let summary =
            service.demo().seed(args.demo_subjects, 20261122, |n| bar.set_position(n as u64)).await.context("cannot seed demo data")?;
        bar.finish_and_clear();
        if summary.subjects > 0 {
            println!(
                "demo data: {} purposes, {} subjects, {} consent events, {} open requests, {} AI decisions (a daily fairness audit is scheduled)",
                summary.purposes, summary.subjects, summary.consents, summary.requests, summary.decisions
            );
        }
    }
    // In the demo, privacy-center sign-in codes of the demo's own subjects go to stdout and the
    // demo outbox page.
    let service = if demo { service.clone().with_demo_outbox(service.demo().subjects().await?) } else { service };
    enum AdminKey {
        New(custos_service::keys::ApiKeyView),
        Shown(custos_core::ApiKeyId),
    }
    let admin_key = if demo {
        match service.demo().admin_key().await? {
            custos_service::DemoKey::New(key) => Some(AdminKey::New(key)),
            custos_service::DemoKey::Shown(id) => Some(AdminKey::Shown(id)),
        }
    } else if service.keys().all().await?.is_empty() {
        Some(AdminKey::New(
            service
                .keys()
                .create(
                    ApiKeyInput { scopes: vec![Scope::All], label: "first admin key (custos serve)".into(), ..Default::default() },
                    custos_service::KeyIssuer::Host,
                )
                .await?,
        ))
    } else {
        None
    };

    // The demo's console account: created on the first demo start, a fresh password each start.
    let demo_staff = if demo {
        const EMAIL: &str = "officer@demo.custos";
        let password = match service.staff().create_user(EMAIL, &[Role::Admin, Role::PrivacyOfficer, Role::Reviewer], None).await {
            Ok((_, p)) => p,
            Err(custos_service::ServiceError::Conflict(_)) => service.staff().reset_password(EMAIL, None).await?,
            Err(e) => return Err(e.into()),
        };
        // A customer's privacy-center link, shown on stdout only (never logged).
        let link = service
            .privacy()
            .mint_link(custos_service::privacy::PrivacyLinkInput { external_id: "demo-000001".into() })
            .await
            .map(|l| l.path)
            .unwrap_or_default();
        Some((EMAIL, password, link))
    } else {
        None
    };

    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let local = listener.local_addr()?;
    let scheme = if serve_options.tls.is_some() { "https" } else { "http" };
    println!("custos is listening on {scheme}://{local}");
    println!("OpenAPI document: {scheme}://{local}/openapi.json");
    match admin_key {
        Some(AdminKey::New(key)) => {
            // Recorded as shown first, so a restart right after the line is read reuses it.
            if demo {
                service.demo().key_shown().await?;
            }
            // stdout only, never the log.
            println!("admin API key (scope all; shown once): {}", key.key.as_ref().map(|t| t.expose()).unwrap_or_default());
        }
        Some(AdminKey::Shown(id)) => {
            println!(
                "admin API key: {id}, printed when this demo database was created (`custos admin create-key --scopes all` makes another)"
            );
        }
        None => {}
    }
    if let Some((email, password, link)) = demo_staff {
        println!("console: {scheme}://{local}/console/login  email {email}  password {password}");
        if !link.is_empty() {
            println!("privacy center of demo-000001 (single use, 15 minutes): {scheme}://{local}{link}");
        }
        println!("privacy center sign-in by code (codes appear here and on that page): {scheme}://{local}/privacy/start");
    }

    // The obligations catalog this build embeds, loaded once (a new version records what changed).
    match service.compliance().load_catalog().await {
        Ok(Some(v)) => {
            tracing::info!(version = %v.catalog_version, added = v.added.len(), changed = v.changed.len(), removed = v.removed.len(), "obligations catalog loaded")
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "loading the obligations catalog failed"),
    }
    // Sign what is in the ledger before the first sweep evaluates the controls: the publisher
    // starts with the listener, and an evaluation racing it would judge a freshly seeded ledger
    // "not covered by a checkpoint" (the control still catches a publisher that stops).
    if let Err(e) = service.ledger().publish_checkpoint().await {
        tracing::error!(error = %e, "publishing the start-up ledger checkpoint failed");
    }
    let retention_every = Duration::from_secs(args.retention_interval_seconds.or(file.retention_interval_seconds).unwrap_or(3600).max(1));
    let retention_service = service.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(retention_every);
        loop {
            tick.tick().await;
            if let Err(e) = retention_service.retention().run(custos_core::now()).await {
                tracing::error!(error = %e, "retention run failed");
            }
            if let Err(e) = retention_service.staff().sweep_sessions().await {
                tracing::error!(error = %e, "deleting expired sessions failed");
            }
            // Vendors: agreements that expire soon or did, transfers without a mechanism.
            if let Err(e) = retention_service.vendors().sweep(custos_core::now()).await {
                tracing::error!(error = %e, "checking the vendor agreements failed");
            }
            // Staff training: reminders before a required course expires, and after.
            if let Err(e) = retention_service.trainings().sweep(custos_core::now()).await {
                tracing::error!(error = %e, "checking staff training failed");
            }
            // Compliance: every automated control evaluated once a day, as evidence.
            if let Err(e) = retention_service.compliance().run_if_due(custos_core::now()).await {
                tracing::error!(error = %e, "evaluating the compliance controls failed");
            }
        }
    });

    // Oversight: overdue reviews are escalated (never resolved) and the rubber-stamp alert is
    // checked, once a minute.
    let oversight_service = service.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = oversight_service.reviews().escalate_overdue(custos_core::now()).await {
                tracing::error!(error = %e, "escalating overdue reviews failed");
            }
            if let Err(e) = oversight_service.oversight().metrics(None, custos_core::now()).await {
                tracing::error!(error = %e, "computing the oversight figures failed");
            }
            // Incidents' legal clocks: alerts at 50 % and 80 % of each period and when a
            // deadline passes.
            if let Err(e) = oversight_service.incidents().escalate(custos_core::now()).await {
                tracing::error!(error = %e, "escalating incident clocks failed");
            }
            // AI disclosures served this minute, stored as evidence that they are shown.
            if let Err(e) = oversight_service.ai_systems().flush_disclosure_serves().await {
                tracing::error!(error = %e, "storing the AI disclosure counts failed");
            }
        }
    });

    // Monitors: every ten minutes each monitor's current window is compared with its
    // reference; a drift alert fires while inputs drift and resolves when they stop.
    let monitor_service = service.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = monitor_service.monitors().check(custos_core::now()).await {
                tracing::error!(error = %e, "checking the monitors failed");
            }
        }
    });

    // Webhooks: what is due is sent every two seconds (retries wait their backoff).
    let webhook_service = service.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = webhook_service.webhooks().deliver_due(custos_core::now()).await {
                tracing::error!(error = %e, "delivering webhooks failed");
            }
        }
    });

    let state = custos_server::AppState::new(service.clone())
        .with_presidio_api(presidio)
        .with_trusted_proxies(proxies)
        .with_embed_origins(embed_origins);
    if let Some(address) = args.metrics_listen {
        let metrics =
            tokio::net::TcpListener::bind(address).await.with_context(|| format!("--metrics-listen: cannot listen on {address}"))?;
        if !address.ip().is_loopback() {
            tracing::warn!(%address, "metrics are served without authentication on a non-loopback address");
        }
        println!("Prometheus metrics: http://{}/metrics", metrics.local_addr()?);
        let router = custos_server::metrics_router(&state);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, router).await {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        });
    }
    custos_server::serve_with(listener, state, serve_options, shutdown_signal()).await.context("the server failed")?;
    service.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
