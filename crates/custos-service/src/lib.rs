//! The custos use cases: every operation a person or system can ask of custos, composed from
//! the engines (`custos-policy`) and the store in one transaction each.
//!
//! [`Service`] is what the HTTP server and the CLI call, one handle per domain
//! (`service.dsrs().create(...)`). It speaks domain types: inputs carry closed sets as
//! `custos-core` enums and open-ended words (keys, categories, ids) as text it validates, so
//! every [`ServiceError`] names its field; views carry typed ids, timestamps and enums. It
//! knows nothing of HTTP, JSON contracts or command lines: the server's DTO module maps the
//! wire documents (and their OpenAPI schema) onto these types.

mod admin;
pub mod ai_systems;
pub mod alerts;
pub mod approvals;
pub mod assessments;
pub mod compliance;
pub mod consents;
pub mod decisions;
mod demo;
pub mod dsrs;
mod error;
pub mod exports;
pub mod fairness;
pub mod gate;
pub mod gauges;
pub mod incidents;
pub mod keys;
pub mod ledger;
pub mod lifecycle;
pub mod models;
pub mod monitors;
pub mod oversight;
pub mod paging;
pub mod permissions;
pub mod pii;
pub mod privacy;
pub mod purposes;
mod retention;
pub mod reviews;
pub mod risks;
pub mod signals;
pub mod staff;
pub mod subjects;
mod throttle;
pub mod trainings;
pub mod validations;
pub mod vendors;
pub mod webhooks;

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use custos_core::Purpose;
pub use custos_policy::GateConfig;
use custos_store::Store;
pub use custos_store::{Backend, Overview, Receipt, StoreOptions, VerifyReport};
pub use demo::{DemoDatabase, DemoKey, DemoSummary};
pub use dsrs::DsrQuery;
pub use error::{InternalError, ServiceError};
pub use keys::{ApiKeyToken, KeyIssuer, Principal, Scope};
pub use ledger::{VerifiedBundle, verify_proof_bundle};
pub use retention::RetentionReport;
pub use throttle::Client;

/// Deployment-wide settings of the service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The gate's settings (opt-out jurisdictions, audit-only categories).
    pub gate: GateConfig,
    /// What a registered model file may ask of the server (depth, nodes, leaves, tables).
    pub model_limits: custos_explain::Limits,
    /// Days gate checks are kept ([`DEFAULT_CHECK_RETENTION_DAYS`]); checks a decision quotes
    /// stay with it, and the ledger's leaves stay whatever happens to the rows.
    pub check_retention_days: u32,
    /// When the rubber-stamp alert fires, and the window of the oversight figures.
    pub oversight: oversight::OversightConfig,
    /// Hosts webhooks may reach over plain `http://` or at private addresses (tests use
    /// loopback); every other target must be public `https://`.
    pub webhook_allow_hosts: Vec<String>,
    /// Whether decisions may name a model that is not registered at all (`--allow-unregistered-models`).
    /// Off by default: only approved versions decide about customers.
    pub allow_unregistered_models: bool,
    /// Where validation sets are sealed while their runs last (default: the system's temporary
    /// directory, `custos-validations`).
    pub validation_dir: Option<std::path::PathBuf>,
    /// Hours after awareness an incident's open-ended duty ("without undue delay",
    /// "immediately", "promptly") is escalated as overdue: the law sets no number, this is the
    /// business's own limit (default 24).
    pub undue_delay_hours: u32,
}

/// How long gate checks are kept by default: over a year, for compliance lookbacks and the
/// EU AI Act's six months of deployer logs (Art. 26(6)) with room to spare.
pub const DEFAULT_CHECK_RETENTION_DAYS: u32 = 400;

/// Below this many days of gate checks, custos warns: the AI Act asks deployers to keep logs
/// of high-risk systems at least six months.
pub const CHECK_RETENTION_WARN_BELOW_DAYS: u32 = 180;

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            gate: GateConfig::default(),
            model_limits: custos_explain::Limits::default(),
            check_retention_days: DEFAULT_CHECK_RETENTION_DAYS,
            oversight: oversight::OversightConfig::default(),
            webhook_allow_hosts: Vec::new(),
            allow_unregistered_models: false,
            validation_dir: None,
            undue_delay_hours: 24,
        }
    }
}

/// The custos application: configuration plus the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Service {
    store: Store,
    config: Arc<ServiceConfig>,
    /// Purposes by key. Purposes are immutable and never deleted, so an entry, once read,
    /// stays true; misses go to the database (another process may have declared it).
    purposes: Arc<RwLock<HashMap<String, Purpose>>>,
    /// Recently validated API keys (see [`keys::AUTH_CACHE_TTL`]).
    auth_cache: Arc<keys::AuthCache>,
    /// The PII analyzer, built on first use.
    pii: Arc<pii::PiiEngine>,
    /// Wakes the fairness worker when an audit or schedule is added.
    fairness_wakeup: Arc<tokio::sync::Notify>,
    /// Registered models, loaded on first use.
    models: models::ModelCache,
    /// How privacy-center sign-in codes reach customers (none: codes are off).
    code_delivery: Option<Arc<dyn privacy::CodeDelivery>>,
    /// The demo's outbox (`--demo` only).
    demo_outbox: Option<Arc<privacy::DemoOutbox>>,
    /// How fast sign-ins may be tried.
    throttles: Arc<throttle::Throttles>,
    /// Work that runs after its request was answered (sending sign-in codes).
    background: Arc<Background>,
    /// The suspensions that hold (the gate asks on every check).
    suspensions: Arc<oversight::SuspensionCache>,
    /// The review rules in force (every logged decision is routed through them).
    review_rules: Arc<oversight::RuleCache>,
    /// The groups of the firing fairness alerts (the decision path asks when a rule needs them).
    fairness_flags: Arc<oversight::FlagCache>,
    /// The latest check of each monitor, for the metrics.
    monitor_gauges: Arc<std::sync::RwLock<std::collections::BTreeMap<String, gauges::MonitorGauge>>>,
    /// Model versions' lifecycles (the decision path asks on every decision).
    lifecycles: Arc<lifecycle::LifecycleCache>,
    /// Progress of this process's validation runs.
    validation_progress: validations::RunProgress,
    /// Validation runs hold their set in memory: one at a time.
    validation_slots: Arc<tokio::sync::Semaphore>,
    /// Compliance evaluations read every table and verify the ledger: one at a time.
    compliance_slot: Arc<tokio::sync::Mutex<()>>,
    /// AI disclosures served since the last flush, by AI system, language and day (counted
    /// in memory so that a public read never writes; flushed every minute and at shutdown).
    disclosure_serves: Arc<std::sync::Mutex<ai_systems::ServeCounts>>,
    /// Global Vendor List versions read so far (immutable once stored).
    vendor_lists: Arc<std::sync::RwLock<HashMap<u16, Arc<custos_consent_signals::gvl::VendorList>>>>,
}

/// Tasks that outlive the request that started them, counted so that shutting down (and a
/// test) can wait for them.
#[derive(Debug, Default)]
pub(crate) struct Background {
    running: std::sync::atomic::AtomicUsize,
    done: tokio::sync::Notify,
}

impl Background {
    /// Runs `work` on a task of its own.
    pub(crate) fn spawn(self: &Arc<Self>, work: impl std::future::Future<Output = ()> + Send + 'static) {
        self.running.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let this = self.clone();
        tokio::spawn(async move {
            work.await;
            if this.running.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
                this.done.notify_waiters();
            }
        });
    }

    /// Waits until no such task runs.
    async fn idle(&self) {
        loop {
            let notified = self.done.notified();
            if self.running.load(std::sync::atomic::Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Service {
    /// Purposes and their notices.
    pub fn purposes(&self) -> purposes::Purposes<'_> {
        purposes::Purposes(self)
    }

    /// Subjects and their sealed data.
    pub fn subjects(&self) -> subjects::Subjects<'_> {
        subjects::Subjects(self)
    }

    /// Consent events and states.
    pub fn consents(&self) -> consents::Consents<'_> {
        consents::Consents(self)
    }

    /// Segments, export policies, segment exports and privacy budgets.
    pub fn exports(&self) -> exports::Exports<'_> {
        exports::Exports(self)
    }

    /// The gate and its check log.
    pub fn gate(&self) -> gate::Gate<'_> {
        gate::Gate(self)
    }

    /// The decision log and explanations.
    pub fn decisions(&self) -> decisions::Decisions<'_> {
        decisions::Decisions(self)
    }

    /// Data-subject requests.
    pub fn dsrs(&self) -> dsrs::Dsrs<'_> {
        dsrs::Dsrs(self)
    }

    /// Fairness audits.
    pub fn fairness(&self) -> fairness::Fairness<'_> {
        fairness::Fairness(self)
    }

    /// The PII engine.
    pub fn pii(&self) -> pii::Pii<'_> {
        pii::Pii(self)
    }

    /// The model registry.
    pub fn models(&self) -> models::Models<'_> {
        models::Models(self)
    }

    /// The AI inventory: AI systems and what they use.
    pub fn ai_systems(&self) -> ai_systems::AiSystems<'_> {
        ai_systems::AiSystems(self)
    }

    /// Impact assessments: DPIAs and the AI Act classification.
    pub fn assessments(&self) -> assessments::Assessments<'_> {
        assessments::Assessments(self)
    }

    /// Incidents and their legal clocks.
    pub fn incidents(&self) -> incidents::Incidents<'_> {
        incidents::Incidents(self)
    }

    /// The risk register.
    pub fn risks(&self) -> risks::Risks<'_> {
        risks::Risks(self)
    }

    /// Staff training: the catalog, completions, coverage and reminders.
    pub fn trainings(&self) -> trainings::Trainings<'_> {
        trainings::Trainings(self)
    }

    /// The vendor register and the agreements that let data flow to vendors.
    pub fn vendors(&self) -> vendors::Vendors<'_> {
        vendors::Vendors(self)
    }

    /// Compliance: obligations, controls, evidence.
    pub fn compliance(&self) -> compliance::Compliance<'_> {
        compliance::Compliance(self)
    }

    /// Approval requests and their sign-offs.
    pub fn approvals(&self) -> approvals::Approvals<'_> {
        approvals::Approvals(self)
    }

    /// Validation runs of model versions.
    pub fn validations(&self) -> validations::Validations<'_> {
        validations::Validations(self)
    }

    /// Monitors: drift and performance of a model's decisions over time.
    pub fn monitors(&self) -> monitors::Monitors<'_> {
        monitors::Monitors(self)
    }

    /// Review rules, suspensions (the stop button) and the oversight figures.
    pub fn oversight(&self) -> oversight::Oversight<'_> {
        oversight::Oversight(self)
    }

    /// The review queue.
    pub fn reviews(&self) -> reviews::Reviews<'_> {
        reviews::Reviews(self)
    }

    /// Webhook endpoints and their deliveries.
    pub fn webhooks(&self) -> webhooks::Webhooks<'_> {
        webhooks::Webhooks(self)
    }

    /// Alerts from every source.
    pub fn alerts(&self) -> alerts::Alerts<'_> {
        alerts::Alerts(self)
    }

    /// Staff accounts and console sessions.
    pub fn staff(&self) -> staff::Staff<'_> {
        staff::Staff(self)
    }

    /// The customer privacy center.
    pub fn privacy(&self) -> privacy::PrivacyCenter<'_> {
        privacy::PrivacyCenter(self)
    }

    /// API keys.
    pub fn keys(&self) -> keys::Keys<'_> {
        keys::Keys(self)
    }

    /// Retention.
    pub fn retention(&self) -> retention::Retention<'_> {
        retention::Retention(self)
    }

    /// The audit ledger.
    pub fn ledger(&self) -> ledger::Ledger<'_> {
        ledger::Ledger(self)
    }

    /// Demo data.
    pub fn demo(&self) -> demo::Demo<'_> {
        demo::Demo(self)
    }

    /// The operator's tasks: backups, master-key rotation, what the deployment runs on.
    pub fn admin(&self) -> admin::Admin<'_> {
        admin::Admin(self)
    }

    /// A service over an open store.
    pub(crate) fn new(store: Store, config: ServiceConfig) -> Self {
        Self {
            store,
            config: Arc::new(config),
            purposes: Arc::default(),
            auth_cache: Arc::default(),
            pii: Arc::default(),
            fairness_wakeup: Arc::default(),
            models: Arc::default(),
            code_delivery: None,
            demo_outbox: None,
            throttles: Arc::default(),
            background: Arc::default(),
            suspensions: Arc::default(),
            review_rules: Arc::default(),
            fairness_flags: Arc::default(),
            monitor_gauges: Arc::default(),
            lifecycles: Arc::default(),
            validation_progress: Arc::default(),
            validation_slots: Arc::new(tokio::sync::Semaphore::new(1)),
            compliance_slot: Arc::default(),
            disclosure_serves: Arc::default(),
            vendor_lists: Arc::default(),
        }
    }

    /// Opens the store and builds the service.
    pub async fn open(options: &StoreOptions, config: ServiceConfig) -> Result<Self, ServiceError> {
        let service = Self::new(Store::open(options).await?, config);
        service.models().log_upgrade_approvals().await?;
        Ok(service)
    }

    /// Replaces the SQLite database named by `options` with a backup, after checking it
    /// (integrity, and that the master key file opens it). Refused while a server or another
    /// command has the database open.
    pub fn restore(options: &StoreOptions, backup: &std::path::Path) -> Result<(), ServiceError> {
        Ok(Store::restore(options, backup)?)
    }

    /// Waits for the work that runs after its request was answered (sign-in codes being sent).
    pub async fn settled(&self) {
        self.background.idle().await;
    }

    /// Shuts down: background work finishes, what is queued is written, the SQLite WAL merged
    /// into the database file, connections closed.
    pub async fn close(&self) {
        self.settled().await;
        if let Err(e) = self.ai_systems().flush_disclosure_serves().await {
            tracing::error!(error = %e, "storing the AI disclosure counts failed");
        }
        self.store.close().await;
    }

    /// The configuration in force.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }
}

/// Validates a short name or code taken from a request (model names, versions, outcomes, owners):
/// 1-200 characters without control characters.
/// Checks free text written by people: at most `max` characters, no control characters but
/// line breaks, and (when `required`) not blank.
pub(crate) fn check_text(field: &str, value: &str, max: usize, required: bool) -> Result<(), ServiceError> {
    if (required && value.trim().is_empty()) || value.chars().count() > max || value.chars().any(|c| c.is_control() && c != '\n') {
        let size = if required { format!("1-{max}") } else { format!("at most {max}") };
        return Err(ServiceError::invalid(field, format!("must be {size} characters without control characters")));
    }
    Ok(())
}

pub(crate) fn check_token(field: &str, value: &str) -> Result<(), ServiceError> {
    if value.is_empty() || value.len() > 200 || value.chars().any(char::is_control) {
        return Err(ServiceError::invalid(field, "must be 1-200 characters without control characters"));
    }
    Ok(())
}

impl Service {
    /// Runs `f` in one atomic, durable write transaction ([`Store::write`]): the one form of
    /// every write in the service.
    pub(crate) async fn write<T>(&self, f: impl AsyncFnOnce(&mut custos_store::Tx) -> Result<T, ServiceError>) -> Result<T, ServiceError> {
        self.store.write(f).await
    }

    /// Runs `f` on one consistent snapshot ([`Store::read`]).
    pub(crate) async fn read<T>(&self, f: impl AsyncFnOnce(&mut custos_store::Tx) -> Result<T, ServiceError>) -> Result<T, ServiceError> {
        self.store.read(f).await
    }
}

#[cfg(test)]
mod tests;
