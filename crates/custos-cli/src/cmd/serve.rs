//! `custos serve`: open the database, optionally seed demo data, and serve the API.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use custos_service::{Service, dto::ApiKeyInput};
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
    /// Also serve the PII engine at Presidio's own paths (`POST /analyze`, `POST /anonymize`,
    /// `GET /supportedentities`, ...) so existing Presidio clients work unchanged; same keys (scope `pii`).
    #[arg(long, env = "CUSTOS_PRESIDIO_API")]
    presidio_api: bool,
    /// Serve Presidio's paths without authentication, as Presidio does. Refused unless `--listen` is a loopback address.
    #[arg(long, env = "CUSTOS_PRESIDIO_API_NO_AUTH")]
    presidio_api_no_auth: bool,
    #[command(flatten)]
    model_limits: crate::config::ModelLimitArgs,
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
    let config = service_config(
        args.opt_out_jurisdictions.as_deref().or(file.opt_out_jurisdictions.as_deref()),
        args.audit_only_categories.as_deref().or(file.audit_only_categories.as_deref()),
        args.model_limits.limits(),
    )?;
    let options = args.db.store_options(&file);
    tracing::info!(database = ?options, "opening the database");
    let service = Service::open(&options, config).await.context("cannot open the database")?;
    // In the demo, privacy-center sign-in codes go to stdout and the demo outbox page.
    let service = if demo { service.with_demo_outbox() } else { service };

    if demo {
        let bar = ProgressBar::new(args.demo_subjects as u64);
        bar.set_style(
            ProgressStyle::with_template("seeding demo subjects {bar:40} {pos}/{len} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let summary =
            service.seed_demo(args.demo_subjects, 20261122, |n| bar.set_position(n as u64)).await.context("cannot seed demo data")?;
        bar.finish_and_clear();
        if summary.subjects > 0 {
            println!(
                "demo data: {} purposes, {} subjects, {} consent events, {} open requests, {} AI decisions (a daily fairness audit is scheduled)",
                summary.purposes, summary.subjects, summary.consents, summary.requests, summary.decisions
            );
        }
    }
    let admin_key = if demo || service.api_keys().await?.is_empty() {
        let label = if demo { "admin (custos serve --demo)" } else { "first admin key (custos serve)" };
        Some(service.create_api_key(ApiKeyInput { scopes: vec!["all".into()], label: label.into() }).await?)
    } else {
        None
    };

    // The demo's console account: created on the first demo start, a fresh password each start.
    let demo_staff = if demo {
        const EMAIL: &str = "officer@demo.custos";
        let password = match service.create_staff_user(EMAIL, "admin", None).await {
            Ok((_, p)) => p,
            Err(custos_service::ServiceError::Conflict(_)) => service.reset_staff_password(EMAIL, None).await?,
            Err(e) => return Err(e.into()),
        };
        // A customer's privacy-center link, shown on stdout only (never logged).
        let link = service
            .mint_privacy_link(custos_service::privacy::PrivacyLinkInput { external_id: "demo-000001".into() })
            .await
            .map(|l| l.path)
            .unwrap_or_default();
        Some((EMAIL, password, link))
    } else {
        None
    };

    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let local = listener.local_addr()?;
    println!("custos is listening on http://{local}");
    println!("OpenAPI document: http://{local}/openapi.json");
    if let Some(key) = admin_key.and_then(|k| k.key) {
        // stdout only, never the log.
        println!("admin API key (scope all; shown once): {key}");
    }
    if let Some((email, password, link)) = demo_staff {
        println!("console: http://{local}/console/login  email {email}  password {password}");
        if !link.is_empty() {
            println!("privacy center of demo-000001 (single use, 15 minutes): http://{local}{link}");
        }
        println!("privacy center sign-in by code (codes appear here and on that page): http://{local}/privacy/start");
    }

    let retention_every = Duration::from_secs(args.retention_interval_seconds.or(file.retention_interval_seconds).unwrap_or(3600).max(1));
    let retention_service = service.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(retention_every);
        loop {
            tick.tick().await;
            if let Err(e) = retention_service.run_retention(custos_core::now()).await {
                tracing::error!(error = %e, "retention run failed");
            }
            if let Err(e) = retention_service.sweep_sessions().await {
                tracing::error!(error = %e, "deleting expired sessions failed");
            }
        }
    });

    let state = custos_server::AppState::new(service.clone()).with_presidio_api(presidio);
    custos_server::serve(listener, state, shutdown_signal()).await.context("the server failed")?;
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
