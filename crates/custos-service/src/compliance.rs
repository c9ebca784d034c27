//! Compliance from the live system: the obligations catalog loaded and versioned, which
//! obligations apply (from what custos sees: the subjects' jurisdictions, the purposes and
//! their flags, the AI systems, the vendors), the built-in controls evaluated as queries over
//! the live records, each result kept as evidence whose hash goes into the ledger, so an
//! auditor can prove later that it existed then and was not edited. Manual controls take
//! files people upload. A failing control raises an alert (source `compliance`), which can
//! become a risk like any alert. The rules are in `custos_govern::compliance`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use custos_core::{AlertSource, LedgerEvent, Role, Timestamp, format_timestamp, now};
use custos_govern::compliance::{self as rules, ControlKind, Landscape, Status};
pub use custos_store::compliance::{CatalogVersionRecord, EvidenceRecord, ObligationRecord, RunRecord};
use serde_json::{Value, json};

use crate::{Service, ServiceError, staff::StaffIdentity};

custos_core::vocabulary! {
    /// Where an obligation or a control stands.
    pub enum ComplianceStatus: "status" {
        /// A control failed.
        Failing = "failing" ("Failing"),
        /// No evidence yet for some control, none failing.
        NotEvaluated = "not_evaluated" ("Not evaluated"),
        /// Every control passed.
        Passing = "passing" ("Passing"),
        /// It does not apply.
        NotApplicable = "not_applicable" ("Not applicable"),
    }
}

impl From<Status> for ComplianceStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Failing => Self::Failing,
            Status::NotEvaluated => Self::NotEvaluated,
            Status::Passing => Self::Passing,
            Status::NotApplicable => Self::NotApplicable,
        }
    }
}

/// How far back the controls look (days): `../shared/CONVENTIONS.md` keeps gate checks 400
/// days by default and compliance lookbacks use 90.
pub const LOOKBACK_DAYS: i64 = 90;

/// A run is due when the newest is older than this (hours): daily, with an hour of slack.
pub const RUN_EVERY_HOURS: i64 = 24;

/// Seconds after a run's start before a person may start another.
pub const ON_DEMAND_GAP_SECONDS: i64 = 60;

/// The largest evidence file accepted (bytes).
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;

/// The catalog's version: the first 16 hex digits of the SHA-256 of its JSON.
pub fn catalog_version() -> String {
    // The catalog is embedded: its version is computed once per process.
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            let bytes = serde_json::to_vec(custos_govern::catalog::catalog()).unwrap_or_default();
            crate::ledger::sha256_hex(&bytes)[..16].to_owned()
        })
        .clone()
}

/// An obligation with whether it applies and how it stands.
#[derive(Debug, Clone)]
pub struct ObligationView {
    /// The catalog entry as loaded, with a DPO's decision.
    pub obligation: ObligationRecord,
    /// Whether it applies (after a DPO's decision).
    pub applies: bool,
    /// Whether custos assumed an activity it cannot see.
    pub assumed: bool,
    /// Why, in words.
    pub reason: String,
    /// Where it stands.
    pub status: Status,
    /// Its controls' ids.
    pub controls: Vec<String>,
}

/// A control with its newest evidence.
#[derive(Debug, Clone)]
pub struct ControlView {
    /// Id (`requests_on_time`, `manual.encryption`).
    pub id: String,
    /// What it checks.
    pub title: String,
    /// Its pass rule in words.
    pub rule: String,
    /// Automated or manual.
    pub kind: ControlKind,
    /// The applicable obligations it evidences.
    pub obligations: Vec<String>,
    /// Its newest evidence.
    pub latest: Option<EvidenceRecord>,
    /// Passing, failing or not evaluated (none of its obligations applies: not applicable).
    pub status: Status,
}

/// The status counts of one regulation.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegulationStatus {
    /// The law.
    pub regulation: String,
    /// Obligations failing.
    pub failing: u32,
    /// Obligations not evaluated.
    pub not_evaluated: u32,
    /// Obligations passing.
    pub passing: u32,
    /// Obligations that do not apply.
    pub not_applicable: u32,
    /// Obligations marked `verified: false` in the catalog.
    pub unverified: u32,
}

impl RegulationStatus {
    fn add(&mut self, s: Status, verified: bool) {
        match s {
            Status::Failing => self.failing += 1,
            Status::NotEvaluated => self.not_evaluated += 1,
            Status::Passing => self.passing += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
        if !verified {
            self.unverified += 1;
        }
    }
}

/// The whole picture: every obligation and control, the status per regulation.
#[derive(Debug, Clone)]
pub struct ComplianceView {
    /// The catalog version loaded.
    pub catalog_version: String,
    /// What custos sees of the business.
    pub landscape: Landscape,
    /// Per regulation, by name.
    pub regulations: Vec<RegulationStatus>,
    /// Every obligation, failing first.
    pub obligations: Vec<ObligationView>,
    /// Every control in use.
    pub controls: Vec<ControlView>,
    /// The newest runs (at most 60), newest first.
    pub runs: Vec<RunRecord>,
}

/// A piece of evidence with its proof: whether its hash matches the ledger's leaf.
#[derive(Debug, Clone)]
pub struct EvidenceProof {
    /// The evidence.
    pub evidence: EvidenceRecord,
    /// The hash recomputed from the stored record equals the stored hash and the ledger leaf
    /// at `leaf_index` names it.
    pub verified: bool,
    /// The offline proof bundle (`custos ledger verify-proof`).
    pub bundle: crate::ledger::ProofBundle,
}

/// A manual control's evidence file.
#[derive(Debug, Clone, Default)]
pub struct EvidenceUpload {
    /// The manual control (`manual.<capability>`).
    pub control: Option<String>,
    /// The file's name.
    pub file_name: Option<String>,
    /// Its media type.
    pub content_type: Option<String>,
    /// Its bytes.
    pub content: Vec<u8>,
    /// Who keeps it current (an email).
    pub owner: Option<String>,
    /// When it must be reviewed again (`YYYY-MM-DD`, in the future).
    pub review_on: Option<String>,
}

/// The canonical hash of an evidence record (everything but the hash and the leaf).
pub fn evidence_digest(e: &EvidenceRecord) -> String {
    let doc = json!({
        "evidence_id": e.evidence_id, "control": e.control, "run_id": e.run_id, "passed": e.passed, "summary": e.summary,
        "figures": e.figures, "inputs_sha256": e.inputs_sha256, "evaluated_at": format_timestamp(&e.evaluated_at),
        "file_name": e.file_name, "content_type": e.content_type, "owner": e.owner, "review_on": e.review_on, "recorded_by": e.recorded_by,
    });
    crate::ledger::sha256_hex(serde_json::to_string(&doc).unwrap_or_default().as_bytes())
}

/// One control's result, before it is stored.
struct Outcome {
    passed: bool,
    summary: String,
    figures: Value,
}

fn outcome(passed: bool, summary: String, figures: Value) -> Outcome {
    Outcome { passed, summary, figures }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Compliance.
#[derive(Clone, Copy)]
pub struct Compliance<'a>(pub(crate) &'a Service);

impl Compliance<'_> {
    /// Loads the embedded catalog if this version is not loaded yet: obligations added or
    /// changed are written (a DPO's decisions kept), removed ones marked withdrawn, the version
    /// recorded with what changed, and a ledger event. The version, if it was new.
    pub async fn load_catalog(&self) -> Result<Option<CatalogVersionRecord>, ServiceError> {
        let version = catalog_version();
        // Every compliance read asks: a read answers it, the write lock only when loading.
        let loaded = async |tx: &mut custos_store::Tx| -> Result<bool, ServiceError> {
            Ok(custos_store::compliance::catalog_versions(tx).await?.iter().any(|v| v.catalog_version == version))
        };
        if self.0.read(async |tx| loaded(tx).await).await? {
            return Ok(None);
        }
        let at = now();
        self.0
            .write(async |tx| {
                if loaded(tx).await? {
                    return Ok(None);
                }
                let before: BTreeMap<String, ObligationRecord> =
                    custos_store::compliance::obligations(tx).await?.into_iter().map(|o| (o.obligation_id.clone(), o)).collect();
                let (mut added, mut changed) = (Vec::new(), Vec::new());
                let mut seen = BTreeSet::new();
                for o in custos_govern::catalog::catalog() {
                    seen.insert(o.id.clone());
                    let record = ObligationRecord {
                        obligation_id: o.id.clone(),
                        regulation: o.regulation.clone(),
                        citation: o.citation.clone(),
                        title: o.title.clone(),
                        requirement: o.requirement.clone(),
                        numbers: o.numbers.clone(),
                        applies_to: o.applies_to.clone(),
                        capabilities: o.capability.clone(),
                        verified: o.verified,
                        source: o.source.clone(),
                        catalog_version: version.clone(),
                        withdrawn: false,
                        not_applicable: false,
                        justification: None,
                        scoped_by: None,
                        scoped_at: None,
                    };
                    match before.get(&o.id) {
                        None => added.push(o.id.clone()),
                        Some(old) => {
                            let same = old.regulation == record.regulation
                                && old.citation == record.citation
                                && old.title == record.title
                                && old.requirement == record.requirement
                                && old.numbers == record.numbers
                                && old.applies_to == record.applies_to
                                && old.capabilities == record.capabilities
                                && old.verified == record.verified
                                && !old.withdrawn;
                            if !same {
                                changed.push(o.id.clone());
                            }
                        }
                    }
                    custos_store::compliance::upsert_obligation(tx, &record).await?;
                }
                let mut removed = Vec::new();
                for (id, old) in &before {
                    if !seen.contains(id) && !old.withdrawn {
                        custos_store::compliance::withdraw(tx, id).await?;
                        removed.push(id.clone());
                    }
                }
                let record = CatalogVersionRecord {
                    catalog_version: version.clone(),
                    obligations: seen.len() as u64,
                    added,
                    removed,
                    changed,
                    loaded_at: at,
                };
                custos_store::compliance::insert_catalog_version(tx, &record).await?;
                let leaf = crate::ledger::event_at(
                    LedgerEvent::CatalogLoaded,
                    &at,
                    json!({"catalog_version": version, "obligations": record.obligations, "added": record.added.len(),
                           "removed": record.removed, "changed": record.changed}),
                );
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(Some(record))
            })
            .await
    }

    /// The newest evaluation runs (at most 60), newest first.
    pub async fn runs(&self) -> Result<Vec<RunRecord>, ServiceError> {
        self.0.read(async |tx| Ok(custos_store::compliance::runs(tx, 60).await?)).await
    }

    /// The catalog versions loaded, newest first.
    pub async fn catalog_versions(&self) -> Result<Vec<CatalogVersionRecord>, ServiceError> {
        self.0.read(async |tx| Ok(custos_store::compliance::catalog_versions(tx).await?)).await
    }

    /// What custos sees of the business: the subjects' jurisdictions and the activities its
    /// purposes, AI systems, decisions and vendors show.
    pub async fn landscape(&self) -> Result<Landscape, ServiceError> {
        self.0
            .read(async |tx| {
                let mut l = Landscape {
                    jurisdictions: custos_store::compliance::jurisdictions(tx).await?.into_iter().collect(),
                    ..Landscape::default()
                };
                let mut seen = |activity: &str, why: String| {
                    l.activities.entry(activity.to_owned()).or_insert(why);
                };
                for p in custos_store::purposes::all(tx).await? {
                    let key = p.purpose.to_string();
                    for a in rules::activities_of_data_use(&key) {
                        seen(a, format!("the purpose `{key}`"));
                    }
                    for (on, a, what) in [
                        (p.profiling, "profiling", "profiles"),
                        (p.sale_or_share, "sale_sharing", "sells or shares"),
                        (p.sensitive, "sensitive_data", "uses sensitive data"),
                        (p.significant_effect, "automated_decision", "decides with significant effects"),
                    ] {
                        if on {
                            seen(a, format!("the purpose `{key}` {what}"));
                        }
                    }
                }
                for s in custos_store::ai_systems::list(tx, 1_000).await? {
                    seen("ai_governance", format!("the AI system {}", s.name));
                    if s.risk_tier == "high" {
                        seen("high_risk_ai", format!("{} is high-risk", s.name));
                    }
                    if s.direct_interaction {
                        seen("chatbot", format!("{} talks with customers", s.name));
                    }
                }
                if let Some(v) = custos_store::vendors::list(tx, 1).await?.first() {
                    seen("vendors", format!("the vendor {}", v.name));
                }
                if custos_store::compliance::any_significant_decision(tx).await? {
                    seen("automated_decision", "decisions flagged significant".to_owned());
                }
                Ok(l)
            })
            .await
    }

    /// Evaluates every automated control over the live system as of `at`, stores each result
    /// as evidence with its hash in the ledger, records the run with the status per
    /// regulation, and fires or settles the alert of each control. `trigger` is `schedule` or
    /// `on_demand`.
    pub async fn evaluate(&self, trigger: &str, by: &str, at: Timestamp) -> Result<RunRecord, ServiceError> {
        // One evaluation at a time in this process: each reads every table and the ledger.
        let Ok(_slot) = self.0.compliance_slot.try_lock() else {
            return Err(ServiceError::Conflict("an evaluation is under way: its evidence will be there in a moment".into()));
        };
        self.load_catalog().await?;
        // Vendor alerts are what the contract control reads: bring them up to date first.
        self.0.vendors().sweep(at).await?;
        let outcomes = self.outcomes(at).await?;
        let run_id = uuid_like();
        let landscape = self.landscape().await?;
        let (obligations, manual) = self
            .0
            .read(async |tx| Ok((custos_store::compliance::obligations(tx).await?, custos_store::compliance::latest_evidence(tx).await?)))
            .await?;
        let mut results: BTreeMap<String, Option<bool>> = outcomes.iter().map(|(id, o)| ((*id).to_owned(), Some(o.passed))).collect();
        let today = at.date_naive();
        for e in manual.iter().filter(|e| e.control.starts_with("manual.")) {
            results.insert(e.control.clone(), Some(manual_passes(e, today)));
        }
        let summary = summarize(&obligations, &landscape, &results);
        self.0
            .write(async |tx| {
                let run = RunRecord {
                    run_id: run_id.clone(),
                    trigger: trigger.to_owned(),
                    started_by: by.to_owned(),
                    started_at: at,
                    finished_at: now().max(at),
                    summary: serde_json::to_value(&summary).unwrap_or_default(),
                };
                custos_store::compliance::insert_run(tx, &run).await?;
                for (id, o) in &outcomes {
                    let inputs = crate::ledger::sha256_hex(serde_json::to_string(&o.figures).unwrap_or_default().as_bytes());
                    let mut e = EvidenceRecord {
                        evidence_id: uuid_like(),
                        control: (*id).to_owned(),
                        run_id: Some(run_id.clone()),
                        passed: o.passed,
                        summary: o.summary.clone(),
                        figures: o.figures.clone(),
                        inputs_sha256: inputs,
                        evidence_sha256: String::new(),
                        leaf_index: 0,
                        evaluated_at: at,
                        file_name: None,
                        content_type: None,
                        owner: None,
                        review_on: None,
                        recorded_by: by.to_owned(),
                    };
                    e.evidence_sha256 = evidence_digest(&e);
                    let leaf = crate::ledger::event_at(
                        LedgerEvent::EvidenceRecorded,
                        &at,
                        json!({"evidence_id": e.evidence_id, "control": e.control, "run_id": run_id, "passed": e.passed,
                               "evidence_sha256": e.evidence_sha256}),
                    );
                    e.leaf_index = custos_store::ledger::append_leaf(tx, leaf).await?.leaf_index;
                    custos_store::compliance::insert_evidence(tx, &e, None).await?;
                    let title = rules::control(id).map_or(*id, |c| c.title);
                    if o.passed {
                        crate::alerts::settle(tx, AlertSource::Compliance, "control_failing", id, &at).await?;
                    } else {
                        let f = crate::alerts::Firing {
                            source: AlertSource::Compliance,
                            kind: "control_failing",
                            about: id,
                            message: format!("{title}: {}", o.summary),
                            value: None,
                            threshold: None,
                        };
                        crate::alerts::fire(tx, f, &at).await?;
                    }
                }
                Ok(run)
            })
            .await
    }

    /// An evaluation a person asked for: refused (409) within [`ON_DEMAND_GAP_SECONDS`] of the
    /// newest run's start, so that a full evaluation, which reads every table, stays a bounded
    /// cost however often it is asked for.
    pub async fn evaluate_on_demand(&self, by: &str) -> Result<RunRecord, ServiceError> {
        let at = now();
        let newest = self.0.read(async |tx| Ok(custos_store::compliance::runs(tx, 1).await?)).await?;
        if let Some(r) = newest.first()
            && at - r.started_at < chrono::Duration::seconds(ON_DEMAND_GAP_SECONDS)
            && at >= r.started_at
        {
            return Err(ServiceError::Conflict(format!(
                "the controls were evaluated at {}: ask again a minute after that",
                format_timestamp(&r.started_at)
            )));
        }
        self.evaluate("on_demand", by, at).await
    }

    /// Runs the evaluation if the newest run is older than [`RUN_EVERY_HOURS`] (the server
    /// asks every hour); the run, if one was due.
    pub async fn run_if_due(&self, at: Timestamp) -> Result<Option<RunRecord>, ServiceError> {
        let newest = self.0.read(async |tx| Ok(custos_store::compliance::runs(tx, 1).await?)).await?;
        if newest.first().is_some_and(|r| at - r.started_at < chrono::Duration::hours(RUN_EVERY_HOURS)) {
            return Ok(None);
        }
        self.evaluate("schedule", "system:schedule", at).await.map(Some)
    }

    /// The built-in controls' results as of `at`, without storing anything.
    async fn outcomes(&self, at: Timestamp) -> Result<Vec<(&'static str, Outcome)>, ServiceError> {
        let since = at - chrono::Duration::days(LOOKBACK_DAYS);
        let (counts, purposes, alerts, blocked, checkpoint_at, retention, gpc, late_requests, models, ungated, overdue, disclosed) = self
            .0
            .read(async |tx| {
                let mut clock = Steps::start();
                let counts = custos_store::compliance::live_counts(tx, &at, &since).await?;
                clock.step("live counts");
                let purposes = custos_store::purposes::all(tx).await?;
                let alerts = custos_store::alerts::list(tx, None, Some(custos_core::AlertState::Firing), 10_000).await?;
                let mut blocked = Vec::new();
                let mut report_age = BTreeMap::new();
                let mut by_name: BTreeMap<String, u32> = BTreeMap::new();
                for s in custos_store::ai_systems::list(tx, 1_000).await? {
                    if let Some(why) = crate::assessments::blocks_approval(tx, &s).await? {
                        blocked.push((s.name.clone(), why));
                    }
                    let policy: Option<crate::validations::Policy> =
                        s.validation_policy.as_ref().and_then(|p| serde_json::from_value(p.clone()).ok());
                    let days = policy.unwrap_or_default().max_report_age_days;
                    report_age.insert(s.ai_system_id.to_string(), days);
                    // A version that names no system is judged by the one listing its name
                    // (as validations pick their policy).
                    for name in &s.models {
                        by_name.entry(name.clone()).or_insert(days);
                    }
                }
                // Approved versions without a passing validation report younger than their AI
                // system's limit (the built-in default without one).
                let default_age = crate::validations::Policy::default().max_report_age_days;
                let models: Vec<(String, u32, Option<Timestamp>)> = custos_store::compliance::approved_models(tx)
                    .await?
                    .into_iter()
                    .map(|m| {
                        let days = match &m.ai_system_id {
                            Some(id) => report_age.get(id).copied(),
                            None => by_name.get(&m.name).copied(),
                        }
                        .unwrap_or(default_age);
                        (format!("{} {}", m.name, m.version), days, m.validated_at)
                    })
                    .collect();
                clock.step("purposes, alerts, AI systems and models");
                let checkpoint_at = custos_store::compliance::latest_checkpoint_at(tx).await?;
                let gpc = custos_store::compliance::gpc_checks(tx, &since).await?;
                clock.step("GPC checks");
                let late = custos_store::compliance::late_requests(tx, &since, &at, 100).await?;
                clock.step("late requests");
                let ungated = custos_store::compliance::ungated_decisions(tx, &since, 100).await?;
                clock.step("ungated decisions");
                let retention = custos_store::settings::get(tx, crate::retention::LAST_RUN_SETTING).await?;
                // What the last retention run should have deleted and is still held.
                let last = retention.clone().and_then(|v| String::from_utf8(v).ok()).and_then(|s| custos_core::parse_timestamp(&s));
                let mut overdue = Vec::new();
                if let Some(last) = last {
                    for category in custos_store::retention::held_categories(tx).await? {
                        let Some(days) = purposes.iter().filter(|p| p.allows(&category)).map(|p| p.retention_days).max() else {
                            continue;
                        };
                        let n =
                            custos_store::compliance::held_before(tx, category.as_str(), &(last - chrono::Duration::days(i64::from(days))))
                                .await?;
                        if n > 0 {
                            overdue.push((category.to_string(), n));
                        }
                    }
                }
                clock.step("retention recount");
                let month_ago: String = custos_core::format_timestamp(&(at - chrono::Duration::days(30))).chars().take(10).collect();
                let disclosed = custos_store::compliance::disclosures_served(tx, &month_ago).await?;
                Ok((counts, purposes, alerts, blocked, checkpoint_at, retention, gpc, late, models, ungated, overdue, disclosed))
            })
            .await?;
        let mut clock = Steps::start();
        let (staff, _) = self.0.trainings().coverage(at).await?;
        clock.step("staff training");
        let ledger = self.0.ledger().verify(|_, _| {}).await?;
        clock.step("ledger verification");
        let unacknowledged = |source: AlertSource, older_than: chrono::Duration| {
            alerts.iter().filter(|a| a.source == source && a.acknowledged_at.is_none() && at - a.fired_at > older_than).count() as i64
        };
        let mut out = Vec::new();
        let c = &counts;
        out.push((
            "consent_records_complete",
            outcome(
                c.consents_without_notice == 0,
                if c.consents_without_notice == 0 {
                    format!(
                        "All {} record the notice version and text hash.",
                        plural(c.consents_granted, "granted consent", "granted consents")
                    )
                } else {
                    format!(
                        "{} of {} lack the notice version or its text hash.",
                        plural(c.consents_without_notice, "consent", "consents"),
                        c.consents_granted
                    )
                },
                json!({"granted": c.consents_granted, "without_notice": c.consents_without_notice}),
            ),
        ));
        let late = c.requests_closed_late + c.requests_open_overdue;
        out.push((
            "requests_on_time",
            outcome(
                late == 0,
                if late == 0 {
                    format!("{} in the last {LOOKBACK_DAYS} days, none late.", plural(c.requests, "request", "requests"))
                } else {
                    format!(
                        "{} closed late in the last {LOOKBACK_DAYS} days and {} open past the deadline.",
                        plural(c.requests_closed_late, "request", "requests"),
                        c.requests_open_overdue
                    )
                },
                json!({"requests": c.requests, "closed_late": c.requests_closed_late, "open_overdue": c.requests_open_overdue,
                       "late": late_requests,
                       "on_time_share": if c.requests == 0 { 1.0 } else { 1.0 - c.requests_closed_late as f64 / c.requests as f64 }}),
            ),
        ));
        let gaps: Vec<String> =
            purposes.iter().filter(|p| p.retention_days == 0 || p.data_categories.is_empty()).map(|p| p.purpose.to_string()).collect();
        out.push((
            "purposes_declared",
            outcome(
                gaps.is_empty(),
                if gaps.is_empty() {
                    format!(
                        "All {} declare a legal basis, a retention period and their data categories.",
                        plural(purposes.len() as i64, "purpose", "purposes")
                    )
                } else {
                    format!("Incomplete: {}.", gaps.join(", "))
                },
                json!({"purposes": purposes.len(), "incomplete": gaps}),
            ),
        ));
        let last_retention = retention.and_then(|v| String::from_utf8(v).ok()).and_then(|s| custos_core::parse_timestamp(&s));
        let fresh = last_retention.is_some_and(|t| at - t <= chrono::Duration::hours(25));
        let still_held: i64 = overdue.iter().map(|(_, n)| n).sum();
        out.push((
            "retention_ran",
            outcome(
                fresh && still_held == 0,
                match last_retention {
                    Some(t) if still_held > 0 => format!(
                        "Retention last ran {}, but {} past their retention period then are still held ({}).",
                        format_timestamp(&t),
                        plural(still_held, "value", "values"),
                        overdue.iter().map(|(c, n)| format!("{c}: {n}")).collect::<Vec<_>>().join(", ")
                    ),
                    Some(t) if fresh => format!("Retention last ran {}; nothing past its period is held.", format_timestamp(&t)),
                    Some(t) => format!("Retention last ran {}, more than 25 hours ago.", format_timestamp(&t)),
                    None => "Retention has never run.".to_owned(),
                },
                json!({"last_run": last_retention.as_ref().map(format_timestamp), "still_held": still_held,
                       "still_held_by_category": overdue.iter().map(|(c, n)| (c.clone(), *n)).collect::<BTreeMap<_, _>>()}),
            ),
        ));
        // GPC is an opt-out signal where the law makes it one (the gate's opt-out
        // jurisdictions); under the GDPR a consent given stands whatever the browser sends.
        let opt_out: Vec<String> = self.0.config().gate.opt_out_jurisdictions.iter().map(ToString::to_string).collect();
        let (gpc_checks, gpc_allowed) =
            gpc.iter().filter(|(j, _, _)| opt_out.contains(j)).fold((0, 0), |(c, a), (_, checks, allowed)| (c + checks, a + allowed));
        out.push((
            "opt_outs_honoured",
            outcome(
                gpc_allowed == 0,
                if gpc_allowed == 0 {
                    format!(
                        "{} under a sale or sharing purpose for subjects with GPC in opt-out jurisdictions: none allowed.",
                        plural(gpc_checks, "gate check", "gate checks")
                    )
                } else {
                    format!(
                        "{} allowed a sale or sharing purpose for a subject with GPC in an opt-out jurisdiction.",
                        plural(gpc_allowed, "gate check", "gate checks")
                    )
                },
                json!({"checks_with_gpc": gpc_checks, "allowed": gpc_allowed, "jurisdictions": opt_out}),
            ),
        ));
        // Oversight figures out of policy (the rubber-stamp alert) left unhandled for a week.
        let stale_oversight = unacknowledged(AlertSource::Oversight, chrono::Duration::days(7));
        let unexplained = c.significant_unexplained + c.reviews_overdue + stale_oversight;
        out.push((
            "significant_decisions_explained",
            outcome(
                unexplained == 0,
                if unexplained == 0 {
                    format!("{} in the last {LOOKBACK_DAYS} days, each explained; no review overdue.", plural(c.significant_decisions, "significant decision", "significant decisions"))
                } else {
                    format!(
                        "{} without an explanation, {} overdue, {} unhandled for over 7 days.",
                        plural(c.significant_unexplained, "significant decision", "significant decisions"),
                        plural(c.reviews_overdue, "review", "reviews"),
                        plural(stale_oversight, "oversight alert", "oversight alerts")
                    )
                },
                json!({"significant": c.significant_decisions, "unexplained": c.significant_unexplained, "reviews_overdue": c.reviews_overdue,
                       "stale_oversight_alerts": stale_oversight}),
            ),
        ));
        let unvalidated: Vec<String> = models
            .iter()
            .filter(|(_, days, validated)| validated.is_none_or(|v| at - v > chrono::Duration::days(i64::from(*days))))
            .map(|(name, days, validated)| match validated {
                Some(v) => format!("{name} (its newest passing report, of {}, is older than {days} days)", format_timestamp(v)),
                None => format!("{name} (no passing validation report)"),
            })
            .collect();
        let models_ok = c.approvals_expired == 0 && blocked.is_empty() && unvalidated.is_empty();
        out.push((
            "models_validated_and_assessed",
            outcome(
                models_ok,
                if models_ok {
                    format!(
                        "{} in date with a current passing validation report; every AI system's required assessments approved.",
                        plural(c.models_approved, "approved model version", "approved model versions")
                    )
                } else {
                    let mut parts = Vec::new();
                    if !unvalidated.is_empty() {
                        parts.push(format!("Approved without a current passing validation report: {}", unvalidated.join(", ")));
                    }
                    if c.approvals_expired > 0 {
                        parts.push(format!("{} past its approval date", plural(c.approvals_expired, "model version", "model versions")));
                    }
                    parts.extend(blocked.iter().map(|(_, why)| why.clone()));
                    parts.join("; ")
                },
                json!({"approved": c.models_approved, "approval_expired": c.approvals_expired, "unvalidated": unvalidated,
                       "systems_blocked": blocked.iter().map(|(n, _)| n).collect::<Vec<_>>()}),
            ),
        ));
        let ungated_total = ungated.without_check + ungated.after_withdrawal;
        out.push((
            "decisions_gated",
            outcome(
                ungated_total == 0,
                if ungated_total == 0 {
                    format!(
                        "{} in the last {LOOKBACK_DAYS} days, each on a gate check that allowed it and that no withdrawal had overtaken.",
                        plural(ungated.decisions, "decision", "decisions")
                    )
                } else {
                    format!(
                        "Of {} in the last {LOOKBACK_DAYS} days, {} quote no gate check and {} acted on a check after the customer withdrew or refused consent.",
                        plural(ungated.decisions, "decision", "decisions"),
                        ungated.without_check,
                        ungated.after_withdrawal
                    )
                },
                json!({"decisions": ungated.decisions, "without_check": ungated.without_check,
                       "after_withdrawal": ungated.after_withdrawal, "examples": ungated.examples}),
            ),
        ));
        let stale_fairness = unacknowledged(AlertSource::Fairness, chrono::Duration::days(7));
        out.push((
            "fairness_audits_current",
            outcome(
                c.audit_schedules_overdue == 0 && stale_fairness == 0,
                format!(
                    "{} ({} overdue); {} unhandled for over 7 days.",
                    plural(c.audit_schedules, "audit schedule", "audit schedules"),
                    c.audit_schedules_overdue,
                    plural(stale_fairness, "fairness alert", "fairness alerts")
                ),
                json!({"schedules": c.audit_schedules, "overdue": c.audit_schedules_overdue, "stale_alerts": stale_fairness}),
            ),
        ));
        let stale_monitor = unacknowledged(AlertSource::Monitor, chrono::Duration::days(7));
        let unwatched = c.models_approved > 0 && c.monitors == 0;
        out.push((
            "monitors_watched",
            outcome(
                !unwatched && stale_monitor == 0,
                if unwatched {
                    format!("{} approved but no monitor watches them.", plural(c.models_approved, "model version", "model versions"))
                } else {
                    format!(
                        "{}; {} unhandled for over 7 days.",
                        plural(c.monitors, "monitor", "monitors"),
                        plural(stale_monitor, "monitor alert", "monitor alerts")
                    )
                },
                json!({"monitors": c.monitors, "models_approved": c.models_approved, "stale_alerts": stale_monitor}),
            ),
        ));
        let overdue_clocks = alerts.iter().filter(|a| a.source == AlertSource::Incidents && a.kind == "clock_overdue").count() as i64;
        out.push((
            "breaches_notified",
            outcome(
                c.notifications_late_unexplained == 0 && overdue_clocks == 0,
                format!(
                    "{} late ({} without reasons); {} past the deadline without a notification.",
                    plural(c.notifications_late, "notification", "notifications"),
                    c.notifications_late_unexplained,
                    plural(overdue_clocks, "clock", "clocks")
                ),
                json!({"late": c.notifications_late, "late_without_reasons": c.notifications_late_unexplained, "clocks_overdue": overdue_clocks}),
            ),
        ));
        let vendor_problems: Vec<String> = alerts
            .iter()
            .filter(|a| {
                a.source == AlertSource::Vendors && ["no_valid_dpa", "dpa_expired", "transfer_without_mechanism"].contains(&a.kind.as_str())
            })
            .map(|a| a.message.clone())
            .collect();
        out.push((
            "processors_under_contract",
            outcome(
                vendor_problems.is_empty(),
                if vendor_problems.is_empty() {
                    "Every active processor has an agreement in force; every transfer has a mechanism.".to_owned()
                } else {
                    vendor_problems.join(" ")
                },
                json!({"problems": vendor_problems.len()}),
            ),
        ));
        let untrained: Vec<&crate::trainings::StaffTraining> = staff.iter().filter(|s| !s.missing.is_empty()).collect();
        out.push((
            "staff_trained",
            outcome(
                untrained.is_empty(),
                if untrained.is_empty() {
                    format!("All {} hold the training their roles require.", plural(staff.len() as i64, "staff member", "staff members"))
                } else {
                    format!(
                        "{} of {} miss a required course: {}.",
                        plural(untrained.len() as i64, "staff member", "staff members"),
                        staff.len(),
                        untrained.iter().map(|s| format!("{} ({})", s.email, s.missing.join(", "))).collect::<Vec<_>>().join("; ")
                    )
                },
                json!({"staff": staff.len(), "untrained": untrained.len()}),
            ),
        ));
        let undisclosed: Vec<String> = disclosed.iter().filter(|(_, languages, _)| *languages == 0).map(|(n, _, _)| n.clone()).collect();
        let unserved: Vec<String> =
            disclosed.iter().filter(|(_, languages, served)| *languages > 0 && *served == 0).map(|(n, _, _)| n.clone()).collect();
        let served: i64 = disclosed.iter().map(|(_, _, s)| s).sum();
        out.push((
            "ai_interactions_disclosed",
            outcome(
                undisclosed.is_empty() && unserved.is_empty(),
                if disclosed.is_empty() {
                    "No AI system is recorded as one customers interact with directly.".to_owned()
                } else if undisclosed.is_empty() && unserved.is_empty() {
                    format!(
                        "All {} customers interact with show their disclosure ({} in the last 30 days).",
                        plural(disclosed.len() as i64, "AI system", "AI systems"),
                        plural(served, "time served", "times served")
                    )
                } else {
                    let mut parts = Vec::new();
                    if !undisclosed.is_empty() {
                        parts.push(format!("No disclosure is published for {}.", undisclosed.join(", ")));
                    }
                    if !unserved.is_empty() {
                        parts.push(format!(
                            "The disclosure of {} was not served in the last 30 days: is it shown to people?",
                            unserved.join(", ")
                        ));
                    }
                    parts.join(" ")
                },
                json!({"systems": disclosed.len(), "without_disclosure": undisclosed, "not_served": unserved, "served_30d": served}),
            ),
        ));
        let unsigned = ledger.leaves.saturating_sub(ledger.signed_size);
        // The publisher signs in real time: its freshness is judged on the wall clock, not on
        // the evaluation's (which tests move).
        let fresh = unsigned == 0 || checkpoint_at.is_some_and(|t| now() - t <= chrono::Duration::hours(25));
        out.push((
            "ledger_intact",
            outcome(
                ledger.divergence.is_none() && fresh,
                match &ledger.divergence {
                    Some(d) => format!("The ledger does not verify: {d}"),
                    None if !fresh => format!("{} not covered by a checkpoint from the last 25 hours.", plural(unsigned as i64, "entry", "entries")),
                    None => format!("{} verified; {} signed.", plural(ledger.leaves as i64, "entry", "entries"), ledger.signed_size),
                },
                json!({"leaves": ledger.leaves, "signed": ledger.signed_size, "checkpoints": ledger.checkpoints, "divergence": ledger.divergence}),
            ),
        ));
        Ok(out)
    }

    /// Every obligation and control with its status, per regulation, and the recent runs.
    pub async fn view(&self) -> Result<ComplianceView, ServiceError> {
        self.load_catalog().await?;
        let landscape = self.landscape().await?;
        let (obligations, latest, runs) = self
            .0
            .read(async |tx| {
                Ok((
                    custos_store::compliance::obligations(tx).await?,
                    custos_store::compliance::latest_evidence(tx).await?,
                    custos_store::compliance::runs(tx, 60).await?,
                ))
            })
            .await?;
        let today = now().date_naive();
        let results: BTreeMap<String, Option<bool>> = latest
            .iter()
            .map(|e| (e.control.clone(), Some(if e.control.starts_with("manual.") { manual_passes(e, today) } else { e.passed })))
            .collect();
        let views = obligation_views(&obligations, &landscape, &results);
        let mut regulations: BTreeMap<String, RegulationStatus> = BTreeMap::new();
        for v in &views {
            regulations
                .entry(v.obligation.regulation.clone())
                .or_insert_with(|| RegulationStatus { regulation: v.obligation.regulation.clone(), ..Default::default() })
                .add(v.status, v.obligation.verified);
        }
        let mut ids: Vec<String> = rules::CONTROLS.iter().map(|c| c.id.to_owned()).collect();
        for v in &views {
            for c in &v.controls {
                if !ids.contains(c) {
                    ids.push(c.clone());
                }
            }
        }
        let controls = ids
            .into_iter()
            .map(|id| {
                let applicable: Vec<String> =
                    views.iter().filter(|v| v.applies && v.controls.contains(&id)).map(|v| v.obligation.obligation_id.clone()).collect();
                let latest = latest.iter().find(|e| e.control == id).cloned();
                let (title, rule, kind) = match rules::control(&id) {
                    Some(c) => (c.title.to_owned(), c.rule.to_owned(), c.kind),
                    None => {
                        let cap = id.trim_start_matches("manual.");
                        (
                            format!("Evidence of {}", capability_words(cap)),
                            "A person uploads a document showing it (a policy, a procedure, a review) with an owner and a review date; it passes until that date.".to_owned(),
                            ControlKind::Manual,
                        )
                    }
                };
                let status = if applicable.is_empty() {
                    Status::NotApplicable
                } else {
                    rules::status(&[results.get(&id).copied().flatten()])
                };
                ControlView { id, title, rule, kind, obligations: applicable, latest, status }
            })
            .collect();
        Ok(ComplianceView {
            catalog_version: catalog_version(),
            landscape,
            regulations: regulations.into_values().collect(),
            obligations: views,
            controls,
            runs,
        })
    }

    /// The report's content as JSON, for one regulation or all: the status per regulation, every
    /// obligation (failing first) with why it applies or not, and each of their controls' latest
    /// evidence with its hash recomputed against the ledger and the offline proof bundle that
    /// `custos ledger verify-proof` checks (a signed checkpoint and the audit path).
    pub async fn report_json(&self, regulation: Option<&str>) -> Result<Value, ServiceError> {
        let view = self.view().await?;
        let picked: Vec<&ObligationView> =
            view.obligations.iter().filter(|o| regulation.is_none_or(|r| r == o.obligation.regulation)).collect();
        let used: BTreeSet<&String> = picked.iter().filter(|o| o.applies).flat_map(|o| o.controls.iter()).collect();
        let mut evidence = Vec::new();
        for c in view.controls.iter().filter(|c| used.contains(&c.id)) {
            let Some(e) = &c.latest else { continue };
            let p = self.prove(&e.evidence_id).await?;
            evidence.push(json!({
                "control": c.id, "title": c.title, "status": ComplianceStatus::from(c.status).as_str(), "evidence_id": e.evidence_id,
                "passed": e.passed, "summary": e.summary, "evaluated_at": format_timestamp(&e.evaluated_at),
                "evidence_sha256": e.evidence_sha256, "leaf_index": e.leaf_index, "verified": p.verified, "proof": p.bundle,
            }));
        }
        let obligations: Vec<Value> = picked
            .iter()
            .map(|o| {
                json!({
                    "obligation_id": o.obligation.obligation_id, "regulation": o.obligation.regulation, "citation": o.obligation.citation,
                    "title": o.obligation.title, "applies": o.applies, "assumed": o.assumed, "reason": o.reason,
                    "verified": o.obligation.verified, "status": ComplianceStatus::from(o.status).as_str(), "controls": o.controls,
                })
            })
            .collect();
        let regulations: Vec<&RegulationStatus> =
            view.regulations.iter().filter(|r| regulation.is_none_or(|x| x == r.regulation)).collect();
        Ok(json!({
            "catalog_version": view.catalog_version, "regulation": regulation, "regulations": regulations,
            "obligations": obligations, "evidence": evidence,
        }))
    }

    /// A DPO marks an obligation not applicable (with a justification) or applicable again. A
    /// person with the privacy officer role; a ledger event.
    pub async fn scope(
        &self,
        obligation_id: &str,
        not_applicable: bool,
        justification: Option<String>,
        who: Option<&StaffIdentity>,
    ) -> Result<ObligationRecord, ServiceError> {
        let who = person(who)?;
        if !who.roles.contains(&Role::PrivacyOfficer) {
            return Err(ServiceError::NotAllowed(custos_core::ValidationError::new(
                "authorization",
                "a privacy officer (the DPO) decides whether an obligation applies",
            )));
        }
        let justification = justification.map(|j| j.trim().to_owned()).filter(|j| !j.is_empty());
        if not_applicable && justification.is_none() {
            return Err(ServiceError::invalid("justification", "say why the obligation does not apply"));
        }
        if let Some(j) = &justification
            && (j.chars().count() > 2_000 || j.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(ServiceError::invalid("justification", "must be at most 2,000 characters without control characters"));
        }
        self.load_catalog().await?;
        let at = now();
        self.0
            .write(async |tx| {
                let found =
                    custos_store::compliance::scope(tx, obligation_id, not_applicable, justification.as_deref(), &who.email, &at).await?;
                if !found {
                    return Err(ServiceError::NotFound { resource: "obligation" });
                }
                let leaf = crate::ledger::event_at(
                    LedgerEvent::ObligationScoped,
                    &at,
                    json!({"obligation_id": obligation_id, "not_applicable": not_applicable, "by": who.email,
                           "justification_sha256": justification.as_deref().map(|j| crate::ledger::sha256_hex(j.as_bytes()))}),
                );
                custos_store::ledger::append_leaf(tx, leaf).await?;
                custos_store::compliance::obligations(tx)
                    .await?
                    .into_iter()
                    .find(|o| o.obligation_id == obligation_id)
                    .ok_or(ServiceError::NotFound { resource: "obligation" })
            })
            .await
    }

    /// Stores a file as evidence for a manual control (a person; a ledger event with its hash).
    pub async fn upload(&self, input: EvidenceUpload, who: Option<&StaffIdentity>) -> Result<EvidenceRecord, ServiceError> {
        self.upload_at(input, who, now()).await
    }

    /// [`Self::upload`] as of `at` (the demo's history; tests with a clock).
    pub async fn upload_at(
        &self,
        input: EvidenceUpload,
        who: Option<&StaffIdentity>,
        at: Timestamp,
    ) -> Result<EvidenceRecord, ServiceError> {
        let who = person(who)?;
        let control = input.control.ok_or_else(|| ServiceError::invalid("control", "is required"))?;
        let cap = control.strip_prefix("manual.").unwrap_or_default();
        let capabilities: BTreeSet<&str> =
            custos_govern::catalog::catalog().iter().flat_map(|o| o.capability.iter().map(String::as_str)).collect();
        if !capabilities.contains(cap) || rules::CONTROLS.iter().any(|c| c.capabilities.contains(&cap)) {
            return Err(ServiceError::invalid(
                "control",
                "must be a manual control (`manual.<capability>` for a capability no automated control covers; GET /v1/compliance/controls lists them)",
            ));
        }
        let file_name = input
            .file_name
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ServiceError::invalid("file_name", "is required"))?;
        crate::purposes::check_label("file_name", &file_name, 200)?;
        if input.content.is_empty() {
            return Err(ServiceError::invalid("content", "the file is empty"));
        }
        if input.content.len() > MAX_EVIDENCE_BYTES {
            return Err(ServiceError::invalid("content", format!("at most {} MiB", MAX_EVIDENCE_BYTES / 1024 / 1024)));
        }
        let content_type = input.content_type.unwrap_or_else(|| "application/octet-stream".to_owned());
        if content_type.len() > 100 || !content_type.contains('/') || content_type.chars().any(char::is_control) {
            return Err(ServiceError::invalid("content_type", "must be a media type such as application/pdf"));
        }
        let owner = input.owner.unwrap_or_else(|| who.email.clone());
        crate::purposes::check_label("owner", &owner, 200)?;
        let review_on =
            input.review_on.ok_or_else(|| ServiceError::invalid("review_on", "is required: when the document is reviewed again"))?;
        let day = NaiveDate::parse_from_str(&review_on, "%Y-%m-%d")
            .map_err(|_| ServiceError::invalid("review_on", "must be a date such as 2027-06-30"))?;
        if day <= at.date_naive() {
            return Err(ServiceError::invalid("review_on", "must be in the future"));
        }
        let mut e = EvidenceRecord {
            evidence_id: uuid_like(),
            control,
            run_id: None,
            passed: true,
            summary: format!("{file_name}, kept by {owner}, to be reviewed by {}.", day.format("%-d %B %Y")),
            figures: json!({"bytes": input.content.len()}),
            inputs_sha256: crate::ledger::sha256_hex(&input.content),
            evidence_sha256: String::new(),
            leaf_index: 0,
            evaluated_at: at,
            file_name: Some(file_name),
            content_type: Some(content_type),
            owner: Some(owner),
            review_on: Some(day.format("%Y-%m-%d").to_string()),
            recorded_by: format!("staff:{}", who.user_id),
        };
        e.evidence_sha256 = evidence_digest(&e);
        self.0
            .write(async |tx| {
                let leaf = crate::ledger::event_at(
                    LedgerEvent::EvidenceUploaded,
                    &at,
                    json!({"evidence_id": e.evidence_id, "control": e.control, "file_sha256": e.inputs_sha256, "evidence_sha256": e.evidence_sha256}),
                );
                e.leaf_index = custos_store::ledger::append_leaf(tx, leaf).await?.leaf_index;
                custos_store::compliance::insert_evidence(tx, &e, Some(&input.content)).await?;
                Ok(e.clone())
            })
            .await
    }

    /// Evidence, newest first, of one control or all (at most `limit`, up to 1,000).
    pub async fn evidence(&self, control: Option<&str>, limit: u32) -> Result<Vec<EvidenceRecord>, ServiceError> {
        let limit = limit.clamp(1, 1_000);
        self.0.read(async |tx| Ok(custos_store::compliance::evidence_of(tx, control, limit).await?)).await
    }

    /// One piece of evidence with its file, if uploaded.
    pub async fn evidence_file(&self, evidence_id: &str) -> Result<(EvidenceRecord, Option<Vec<u8>>), ServiceError> {
        self.0
            .read(async |tx| Ok(custos_store::compliance::get_evidence(tx, evidence_id).await?))
            .await?
            .ok_or(ServiceError::NotFound { resource: "evidence" })
    }

    /// One piece of evidence with its proof: the hash recomputed, the ledger leaf that names
    /// it, and the offline bundle.
    pub async fn prove(&self, evidence_id: &str) -> Result<EvidenceProof, ServiceError> {
        let (e, _) = self.evidence_file(evidence_id).await?;
        let bundle = self.0.ledger().prove(e.leaf_index).await?;
        let entry = self.0.ledger().entry(e.leaf_index).await?;
        let leaf: Value = data_encoding::BASE64
            .decode(entry.leaf.as_bytes())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let recomputed = evidence_digest(&e);
        let verified = recomputed == e.evidence_sha256
            && leaf.get("evidence_sha256").and_then(Value::as_str) == Some(recomputed.as_str())
            && leaf.get("evidence_id").and_then(Value::as_str) == Some(e.evidence_id.as_str());
        Ok(EvidenceProof { evidence: e, verified, bundle })
    }
}

fn person(who: Option<&StaffIdentity>) -> Result<&StaffIdentity, ServiceError> {
    who.ok_or_else(|| {
        ServiceError::NotAllowed(custos_core::ValidationError::new(
            "authorization",
            "this needs a person: sign in to the console or use a personal access token",
        ))
    })
}

/// Whether an uploaded document still stands on `today` (its review date not passed).
pub fn manual_passes(e: &EvidenceRecord, today: NaiveDate) -> bool {
    e.review_on.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).is_some_and(|d| d >= today)
}

fn capability_words(cap: &str) -> String {
    cap.replace('_', " ")
}

fn uuid_like() -> String {
    custos_core::EvidenceId::new().to_string()
}

/// Every obligation with its applicability and status, failing first.
fn obligation_views(obligations: &[ObligationRecord], l: &Landscape, results: &BTreeMap<String, Option<bool>>) -> Vec<ObligationView> {
    let mut out: Vec<ObligationView> = obligations
        .iter()
        .filter(|o| !o.withdrawn)
        .map(|o| {
            let entry = custos_govern::catalog::Obligation {
                id: o.obligation_id.clone(),
                regulation: o.regulation.clone(),
                citation: o.citation.clone(),
                title: o.title.clone(),
                requirement: o.requirement.clone(),
                numbers: o.numbers.clone(),
                applies_to: o.applies_to.clone(),
                capability: o.capabilities.clone(),
                evidence: Vec::new(),
                verified: o.verified,
                source: o.source.clone(),
            };
            let a = rules::applicability(&entry, l);
            let controls = rules::controls_for(&entry);
            let (applies, reason) = if o.not_applicable {
                (
                    false,
                    format!(
                        "Marked not applicable by {}: {}",
                        o.scoped_by.clone().unwrap_or_default(),
                        o.justification.clone().unwrap_or_default()
                    ),
                )
            } else {
                (a.applies, a.reason)
            };
            let status = if applies {
                rules::status(&controls.iter().map(|c| results.get(c).copied().flatten()).collect::<Vec<_>>())
            } else {
                Status::NotApplicable
            };
            ObligationView { obligation: o.clone(), applies, assumed: applies && a.assumed, reason, status, controls }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.status, &a.obligation.regulation, &a.obligation.obligation_id).cmp(&(
            b.status,
            &b.obligation.regulation,
            &b.obligation.obligation_id,
        ))
    });
    out
}

/// The status counts per regulation for a run's summary.
fn summarize(
    obligations: &[ObligationRecord],
    l: &Landscape,
    results: &BTreeMap<String, Option<bool>>,
) -> BTreeMap<String, RegulationStatus> {
    let mut out: BTreeMap<String, RegulationStatus> = BTreeMap::new();
    for v in obligation_views(obligations, l, results) {
        out.entry(v.obligation.regulation.clone())
            .or_insert_with(|| RegulationStatus { regulation: v.obligation.regulation.clone(), ..Default::default() })
            .add(v.status, v.obligation.verified);
    }
    out
}

/// How far back the record of processing looks at what ran (days).
pub const ROPA_WINDOW_DAYS: i64 = 30;

/// One processing activity of the Art. 30(1) record: what was declared, and what ran.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RopaEntry {
    /// The purpose's key (fideslang data use).
    pub purpose: String,
    /// Its name.
    pub name: String,
    /// Its legal basis, in words.
    pub legal_basis: String,
    /// The data categories it may use, by fideslang name.
    pub data_categories: Vec<String>,
    /// The categories of people concerned.
    pub data_subjects: Vec<String>,
    /// The vendors declared as receiving data for it: "name (role)".
    pub recipients: Vec<String>,
    /// Transfers outside the EEA and their mechanism, per vendor.
    pub transfers: Vec<String>,
    /// How long its data is kept (days).
    pub retention_days: u32,
    /// The AI systems that use it.
    pub ai_systems: Vec<String>,
    /// The technical and organisational measures custos itself applies (Art. 32).
    pub security: Vec<String>,
    /// Gate checks under it in the window.
    pub checks: i64,
    /// ... allowed.
    pub allowed: i64,
    /// Categories actually released in the window, with how many releases.
    pub released: BTreeMap<String, i64>,
    /// Vendors actually named as recipients in the window (name -> allowed releases).
    pub sent_to: BTreeMap<String, i64>,
}

/// A difference between the declared record and what ran.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RopaFinding {
    /// `declared_not_used`, `undeclared_purpose_asked`, `vendor_not_used`,
    /// `released_without_agreement`.
    pub kind: &'static str,
    /// The purpose concerned.
    pub purpose: String,
    /// The vendor concerned, if any.
    pub vendor: Option<String>,
    /// What differs, in words.
    pub text: String,
}

/// The Art. 30(1) record of processing, from the declared purposes and the vendor register,
/// compared with the gate checks of the last [`ROPA_WINDOW_DAYS`] days.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ropa {
    /// When it was made.
    pub generated_at: String,
    /// The window compared, in days.
    pub window_days: i64,
    /// One entry per declared purpose.
    pub entries: Vec<RopaEntry>,
    /// Where the declared picture and reality differ.
    pub findings: Vec<RopaFinding>,
}

/// What custos applies to every processing activity it gates (Art. 32(1)).
const SECURITY_MEASURES: [&str; 5] = [
    "values sealed at rest under a key per subject (AES-256-GCM), erased by destroying the key",
    "every release decided by the gate and logged; the log in a tamper-evident ledger with signed checkpoints",
    "staff access by role and valid training (Cedar policies), personal data masked otherwise",
    "API keys scoped and hashed; personal access tokens expire",
    "retention enforced every hour from the purposes' periods",
];

impl Compliance<'_> {
    /// The record of processing as of `at`, with its findings.
    pub async fn ropa(&self, at: Timestamp) -> Result<Ropa, ServiceError> {
        let since = at - chrono::Duration::days(ROPA_WINDOW_DAYS);
        let (purposes, flows, systems) = self
            .0
            .read(async |tx| {
                Ok((
                    custos_store::purposes::all(tx).await?,
                    custos_store::compliance::check_flows(tx, &since).await?,
                    custos_store::ai_systems::list(tx, 1_000).await?,
                ))
            })
            .await?;
        let vendors = self.0.vendors().list().await?;
        let vendor_name = |id: &str| {
            vendors.iter().find(|v| v.vendor.vendor_id.to_string() == id).map_or_else(|| id.to_owned(), |v| v.vendor.name.clone())
        };
        let category_name = |k: &str| custos_core::data_category_name(k).map_or_else(|| k.to_owned(), |n| format!("{n} ({k})"));
        let mut entries = Vec::new();
        let mut findings = Vec::new();
        for p in &purposes {
            let key = p.purpose.to_string();
            let mine: Vec<&custos_store::compliance::CheckFlow> = flows.iter().filter(|f| f.0 == key).collect();
            let checks: i64 = mine.iter().map(|f| f.4).sum();
            let allowed: i64 = mine.iter().filter(|f| f.2 == "allow").map(|f| f.4).sum();
            let mut released: BTreeMap<String, i64> = BTreeMap::new();
            let mut sent_to: BTreeMap<String, i64> = BTreeMap::new();
            for f in mine.iter().filter(|f| f.2 == "allow") {
                let cats: Vec<String> = serde_json::from_str(&f.3).unwrap_or_default();
                for c in &cats {
                    *released.entry(c.clone()).or_default() += f.4;
                }
                if let Some(v) = &f.1 {
                    *sent_to.entry(vendor_name(v)).or_default() += f.4;
                }
            }
            let declared: Vec<&crate::vendors::VendorView> =
                vendors.iter().filter(|v| v.vendor.status == "active" && v.vendor.purposes.contains(&key)).collect();
            let mut transfers = Vec::new();
            for v in &declared {
                for d in v.dpas.iter().filter(|d| d.in_force && d.transfer != custos_govern::transfers::TransferStatus::NoTransfer) {
                    transfers.push(format!("{}: {} ({})", v.vendor.name, d.dpa.country, d.dpa.transfer_mechanism.replace('_', " ")));
                }
            }
            if checks == 0 {
                findings.push(RopaFinding {
                    kind: "declared_not_used",
                    purpose: key.clone(),
                    vendor: None,
                    text: format!(
                        "The purpose `{key}` ({}) is declared but no gate check asked for it in the last {ROPA_WINDOW_DAYS} days.",
                        p.name
                    ),
                });
            }
            for v in &declared {
                if !sent_to.contains_key(&v.vendor.name) {
                    findings.push(RopaFinding {
                        kind: "vendor_not_used",
                        purpose: key.clone(),
                        vendor: Some(v.vendor.name.clone()),
                        text: format!(
                            "{} is declared as receiving data for `{key}` but no release named it in the last {ROPA_WINDOW_DAYS} days.",
                            v.vendor.name
                        ),
                    });
                }
            }
            // What went to a vendor that its agreements would not carry today.
            for f in mine.iter().filter(|f| f.2 == "allow") {
                let Some(vid) = f.1.as_deref().and_then(|v| custos_core::VendorId::parse(v).ok()) else { continue };
                let cats: Vec<custos_core::DataCategory> = serde_json::from_str::<Vec<String>>(&f.3)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| custos_core::DataCategory::parse(c).ok())
                    .collect();
                let Ok(facts) = self.0.vendors().recipient(&vid, &at).await else { continue };
                if let Some(reason) = custos_policy::recipient::refusal(&facts, &p.purpose, &cats) {
                    findings.push(RopaFinding {
                        kind: "released_without_agreement",
                        purpose: key.clone(),
                        vendor: Some(facts.name.clone()),
                        text: format!(
                            "{} release{} of {} went to {} in the last {ROPA_WINDOW_DAYS} days; today: {}",
                            f.4,
                            if f.4 == 1 { "" } else { "s" },
                            cats.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
                            facts.name,
                            reason.message
                        ),
                    });
                }
            }
            entries.push(RopaEntry {
                purpose: key.clone(),
                name: p.name.clone(),
                legal_basis: p.legal_basis.label().to_owned(),
                data_categories: p.data_categories.iter().map(|c| category_name(c.as_str())).collect(),
                data_subjects: vec!["Customers".to_owned()],
                recipients: declared.iter().map(|v| format!("{} ({})", v.vendor.name, v.vendor.role.replace('_', " "))).collect(),
                transfers,
                retention_days: p.retention_days,
                ai_systems: systems.iter().filter(|s| s.purposes.contains(&key)).map(|s| s.name.clone()).collect(),
                security: SECURITY_MEASURES.iter().map(|s| (*s).to_owned()).collect(),
                checks,
                allowed,
                released,
                sent_to,
            });
        }
        let declared: BTreeSet<String> = purposes.iter().map(|p| p.purpose.to_string()).collect();
        let mut asked: BTreeMap<String, i64> = BTreeMap::new();
        for f in flows.iter().filter(|f| !declared.contains(&f.0)) {
            *asked.entry(f.0.clone()).or_default() += f.4;
        }
        for (purpose, n) in asked {
            findings.push(RopaFinding {
                kind: "undeclared_purpose_asked",
                text: format!(
                    "The gate was asked {n} time{} for `{purpose}`, which is not a declared purpose (each was denied).",
                    if n == 1 { "" } else { "s" }
                ),
                purpose,
                vendor: None,
            });
        }
        Ok(Ropa { generated_at: format_timestamp(&at), window_days: ROPA_WINDOW_DAYS, entries, findings })
    }
}

/// The record as CSV: one row per processing activity (RFC 4180 quoting).
pub fn ropa_csv(r: &Ropa) -> String {
    fn field(s: &str) -> String {
        // A leading formula character is neutralised for spreadsheets.
        let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
    }
    let mut out = String::from(
        "purpose,name,legal_basis,data_categories,data_subjects,recipients,transfers,retention_days,ai_systems,security_measures,checks_30d,allowed_30d,categories_released_30d,sent_to_30d\r\n",
    );
    for e in &r.entries {
        let row = [
            e.purpose.clone(),
            e.name.clone(),
            e.legal_basis.clone(),
            e.data_categories.join("; "),
            e.data_subjects.join("; "),
            e.recipients.join("; "),
            e.transfers.join("; "),
            e.retention_days.to_string(),
            e.ai_systems.join("; "),
            e.security.join("; "),
            e.checks.to_string(),
            e.allowed.to_string(),
            e.released.iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join("; "),
            e.sent_to.iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join("; "),
        ];
        out.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Times the steps of an evaluation, each logged (`custos_service::compliance`, info) with its
/// wall time, so a slow one can be found on a real database.
struct Steps(std::time::Instant);

impl Steps {
    fn start() -> Self {
        Self(std::time::Instant::now())
    }

    fn step(&mut self, what: &'static str) {
        tracing::info!(step = what, elapsed_ms = self.0.elapsed().as_millis() as u64, "compliance evaluation step");
        self.0 = std::time::Instant::now();
    }
}
