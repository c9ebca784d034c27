//! Monitors: the drift of a model's (or a purpose's) inputs and its performance in a current
//! window of the decision log, against a reference window (`custos-monitor`, the same engine
//! as `custos drift`).
//!
//! The inputs are the features logged with decisions: decrypted inside the service to compute
//! the figures, never released (a report holds aggregates only). Outcomes come from recorded
//! ground truth; without them, performance is estimated from the scores (CBPE, flagged). A
//! report reads at most [`MAX_ROWS`] decisions per window (the earliest; the report says when
//! it stopped) and [`MAX_COLUMNS`] features, so every request has a bounded cost.

use std::collections::BTreeMap;

use custos_core::{LedgerEvent, MonitorId, PurposeKey, Timestamp, now, parse_timestamp};
use custos_monitor::performance::{self, Performance};
use custos_monitor::{ColumnInput, Correction, DriftOptions, DriftReport, Profile, Sample};
pub use custos_store::monitors::MonitorRecord;
use custos_store::{DecisionScope, decisions::DecisionRecord};
use serde_json::{Value, json};

use crate::{Receipt, Service, ServiceError};

/// Decisions read per window at most.
pub const MAX_ROWS: u32 = 100_000;
/// Features compared at most (the first by name).
pub const MAX_COLUMNS: usize = 200;
/// Distinct values a categorical input may have (both windows together) to be compared.
pub const MAX_CATEGORIES: usize = 1_000;
/// Decisions read per window of a trend ([`Monitors::windows`]) at most.
pub const TREND_ROWS: u32 = 20_000;

/// One window of a monitor's trend.
#[derive(Debug, Clone)]
pub struct WindowSummary {
    /// The window.
    pub window: WindowFigures,
    /// Features compared.
    pub features: usize,
    /// The features that drifted.
    pub drifted: Vec<String>,
    /// Performance in the window (as in a report).
    pub performance: Option<Performance>,
}

/// Creates a monitor.
#[derive(Debug, Clone, Default)]
pub struct MonitorInput {
    /// What people call it.
    pub name: String,
    /// Watch decisions under this purpose.
    pub purpose: Option<String>,
    /// Watch decisions of this model.
    pub model: Option<String>,
    /// Start of the reference window (RFC 3339).
    pub reference_from: String,
    /// End of the reference window (RFC 3339, exclusive).
    pub reference_to: String,
    /// `hourly`, `daily` (default) or `weekly`: the current window, ending when asked.
    pub window_length: Option<String>,
    /// The drift decision's error rate (default 0.05).
    pub alpha: Option<f64>,
    /// `holm` (default), `bh` or `none`.
    pub correction: Option<String>,
    /// The outcome that counts as positive for performance figures.
    pub positive_outcome: Option<String>,
    /// The score at which a decision is predicted positive (default 0.5).
    pub decision_threshold: Option<f64>,
    /// An accuracy alert fires when the window's accuracy is below this.
    pub min_accuracy: Option<f64>,
    /// Alert rules over the monitor's figures (at most [`MAX_ALERT_RULES`]).
    pub alert_rules: Vec<AlertRule>,
}

/// A rule's position (from 1), the rule, and whether it breached with the value it saw
/// (`None`: the window does not have the figure).
type RuleState = (usize, AlertRule, Option<(bool, f64)>);

/// A window counts as closed this long after its end (a decision stamped just before the end
/// may still be committing).
pub const WINDOW_GRACE_SECONDS: i64 = 120;
/// Closed windows stored per monitor per check at most.
pub const WINDOWS_PER_CHECK: usize = 48;
/// Decisions a closed window needs to be stored.
pub const MIN_WINDOW_ROWS: usize = 10;

/// Most alert rules a monitor may have.
pub const MAX_ALERT_RULES: usize = 20;

/// Figures an alert rule can watch: per input (`input` names it), per window, or performance
/// (with a 95 % interval, so `interval: true` can require the whole interval past the
/// threshold).
pub const RULE_FIGURES: [(&str, RuleFigure); 10] = [
    ("psi", RuleFigure::Input),
    ("wasserstein_sd", RuleFigure::Input),
    ("jensen_shannon", RuleFigure::Input),
    ("drifted_inputs", RuleFigure::Window),
    ("accuracy", RuleFigure::Performance),
    ("roc_auc", RuleFigure::Performance),
    ("precision", RuleFigure::Performance),
    ("recall", RuleFigure::Performance),
    ("brier", RuleFigure::Performance),
    ("expected_calibration_error", RuleFigure::Window),
];

/// What kind of figure a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleFigure {
    /// An effect size of one input (needs `input`).
    Input,
    /// One number per window.
    Window,
    /// A performance figure with its interval.
    Performance,
}

/// An alert rule: fires (in the one alert store, kind `rule_<n>` about the monitor, `n` its
/// position from 1) while a window's figure is above or below a threshold, resolves when it
/// no longer is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// One of [`RULE_FIGURES`].
    pub figure: String,
    /// The input (feature) for per-input figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Fires while the figure is above this...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    /// ...or below this (exactly one of the two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    /// Performance figures: require the whole 95 % interval past the threshold, not the point
    /// estimate (a small window's noise then does not alert).
    #[serde(default)]
    pub interval: bool,
    /// When it fires, the approved versions of the monitor's model must be validated again:
    /// their approval lapses, and their AI system's expiry setting says what decisions do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requires_revalidation: bool,
}

impl AlertRule {
    fn check(&self) -> Result<(), ServiceError> {
        let field = "alert_rules";
        let Some((_, kind)) = RULE_FIGURES.iter().find(|(f, _)| *f == self.figure) else {
            let names: Vec<&str> = RULE_FIGURES.iter().map(|(f, _)| *f).collect();
            return Err(ServiceError::invalid(field, format!("figure {:?} is not one of {}", self.figure, names.join(", "))));
        };
        match (kind, &self.input) {
            (RuleFigure::Input, None) => return Err(ServiceError::invalid(field, format!("{} needs `input`", self.figure))),
            (RuleFigure::Input, Some(i)) => crate::check_token(field, i)?,
            (_, Some(_)) => return Err(ServiceError::invalid(field, format!("{} is not per input: leave out `input`", self.figure))),
            _ => {}
        }
        match (self.above, self.below) {
            (Some(t), None) | (None, Some(t)) if t.is_finite() => {}
            _ => return Err(ServiceError::invalid(field, "give exactly one of `above` and `below`, a number")),
        }
        if self.interval && *kind != RuleFigure::Performance {
            return Err(ServiceError::invalid(field, format!("{} has no interval", self.figure)));
        }
        let unit = !matches!(self.figure.as_str(), "psi" | "wasserstein_sd" | "drifted_inputs");
        if unit && self.above.or(self.below).is_some_and(|t| !(0.0..=1.0).contains(&t)) {
            return Err(ServiceError::invalid(field, format!("{} lies between 0 and 1: so must its threshold", self.figure)));
        }
        Ok(())
    }

    /// The figure in a report, with its 95 % interval when it has one; `None` when the window
    /// does not have it (no such input, no performance).
    fn value(&self, report: &MonitorReport) -> Option<(f64, Option<(f64, f64)>)> {
        let estimate = |e: Option<&performance::Estimate>| e.map(|e| (e.value, e.low.zip(e.high)));
        let p = report.performance.as_ref();
        match self.figure.as_str() {
            "drifted_inputs" => report.drift.as_ref().map(|d| (d.drifted_columns as f64, None)),
            "accuracy" => estimate(p.map(|p| &p.accuracy)),
            "roc_auc" => estimate(p.and_then(|p| p.roc_auc.as_ref())),
            "precision" => estimate(p.and_then(|p| p.precision.as_ref())),
            "recall" => estimate(p.and_then(|p| p.recall.as_ref())),
            "brier" => estimate(p.and_then(|p| p.brier.as_ref())),
            "expected_calibration_error" => p.and_then(|p| p.expected_calibration_error).map(|v| (v, None)),
            effect => {
                let column = report.drift.as_ref()?.columns.iter().find(|c| Some(&c.column) == self.input.as_ref())?;
                std::iter::once(&column.effect_size).chain(&column.other_effects).find(|e| e.method == effect).map(|e| (e.value, None))
            }
        }
    }

    /// Whether the rule's condition holds in the report, and the value it saw.
    fn breached(&self, report: &MonitorReport) -> Option<(bool, f64)> {
        let Some((value, interval)) = self.value(report) else {
            // The window has decisions but not this figure (no such input now, no scores):
            // not breached, so an alert it raised resolves.
            return Some((false, f64::NAN));
        };
        let (low, high) = match (self.interval, interval) {
            (false, _) => (value, value),
            (true, Some(iv)) => iv,
            // Asked for the interval and there is none: not breached on a point estimate.
            (true, None) => return Some((false, value)),
        };
        Some(match (self.above, self.below) {
            (Some(t), _) => (low > t, value),
            (_, Some(t)) => (high < t, value),
            _ => (false, value),
        })
    }

    /// The rule in words.
    fn describe(&self) -> String {
        let what = match &self.input {
            Some(i) => format!("{} of input {i}", self.figure.replace('_', " ")),
            None => self.figure.replace('_', " "),
        };
        let (side, t) = match (self.above, self.below) {
            (Some(t), _) => ("above", t),
            (_, Some(t)) => ("below", t),
            _ => ("at", 0.0),
        };
        let whole = if self.interval { " (its whole 95% interval)" } else { "" };
        format!("{what}{whole} {side} {t}")
    }
}

/// A monitor as shown.
#[derive(Debug, Clone)]
pub struct MonitorView {
    /// Its settings.
    pub monitor: MonitorRecord,
    /// Where its creation was recorded (write answers only).
    pub receipt: Option<Receipt>,
}

/// One window of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowFigures {
    /// Start.
    pub from: Timestamp,
    /// End (exclusive).
    pub to: Timestamp,
    /// Decisions read.
    pub rows: u64,
    /// Whether the window held more than [`MAX_ROWS`] decisions (only the first were read).
    pub truncated: bool,
}

/// A monitor's report.
#[derive(Debug, Clone)]
pub struct MonitorReport {
    /// The monitor.
    pub monitor: MonitorRecord,
    /// The reference window (for an uploaded profile: the monitor's reference dates and the
    /// profile's rows).
    pub reference: WindowFigures,
    /// `window` (the decision log) or `profile` (an uploaded profile).
    pub reference_source: &'static str,
    /// The current window.
    pub current: WindowFigures,
    /// Drift of the features, when both windows have decisions with features.
    pub drift: Option<DriftReport>,
    /// Performance in the current window, when the monitor names a positive outcome and the
    /// decisions carry scores in [0, 1]: measured on the decisions with a recorded outcome, or
    /// estimated (flagged) when none has one.
    pub performance: Option<Performance>,
}

fn window_seconds(length: &str) -> Option<i64> {
    match length {
        "hourly" => Some(3600),
        "daily" => Some(86_400),
        "weekly" => Some(7 * 86_400),
        _ => None,
    }
}

fn timestamp(field: &str, value: &str) -> Result<Timestamp, ServiceError> {
    parse_timestamp(value).ok_or_else(|| ServiceError::invalid(field, "must be an RFC 3339 date and time, e.g. 2026-12-01T00:00:00Z"))
}

/// The `custos_monitor` samples of every feature in the two windows: a feature is numeric when
/// every value it has in either window is a number, otherwise categorical (numbers written
/// out); a missing key or a null is a missing value.
fn samples(reference: &[DecisionRecord], current: &[DecisionRecord]) -> Vec<ColumnInput> {
    let objects = |rows: &[DecisionRecord]| -> Vec<Option<serde_json::Map<String, Value>>> {
        rows.iter().map(|d| d.features.as_ref().and_then(|f| f.as_object().cloned())).collect()
    };
    let (r, c) = (objects(reference), objects(current));
    let mut names: Vec<String> = r.iter().chain(&c).flatten().flat_map(|o| o.keys().cloned()).collect();
    names.sort();
    names.dedup();
    names.truncate(MAX_COLUMNS);
    names
        .into_iter()
        .map(|name| {
            let values = |rows: &[Option<serde_json::Map<String, Value>>]| -> Vec<Option<Value>> {
                rows.iter().map(|o| o.as_ref().and_then(|o| o.get(&name)).filter(|v| !v.is_null()).cloned()).collect()
            };
            let (rv, cv) = (values(&r), values(&c));
            let numeric = rv.iter().chain(&cv).flatten().all(Value::is_number);
            let sample = |vals: &[Option<Value>]| -> Sample {
                if numeric {
                    let mut missing = 0;
                    let values = vals
                        .iter()
                        .filter_map(|v| {
                            let x = v.as_ref().and_then(Value::as_f64);
                            if x.is_none() {
                                missing += 1;
                            }
                            x
                        })
                        .collect();
                    Sample::Numeric { values, missing }
                } else {
                    let mut counts = BTreeMap::new();
                    let mut missing = 0;
                    for v in vals {
                        match v {
                            Some(Value::String(s)) => *counts.entry(s.clone()).or_insert(0) += 1,
                            Some(other) => *counts.entry(other.to_string()).or_insert(0) += 1,
                            None => missing += 1,
                        }
                    }
                    Sample::Categorical { counts, missing }
                }
            };
            ColumnInput { reference: sample(&rv), current: sample(&cv), name, min_effect: None }
        })
        // An input with more distinct values than MAX_CATEGORIES is an identifier or free
        // text, not a category: left out (its values would be personal data, and unbounded).
        .filter(|c| match (&c.reference, &c.current) {
            (Sample::Categorical { counts: r, .. }, Sample::Categorical { counts: k, .. }) => r.len() + k.len() <= MAX_CATEGORIES,
            _ => true,
        })
        .collect()
}

/// What a monitor compares with: a window of the decision log, or an uploaded profile.
#[derive(Clone)]
enum Reference {
    Window(std::sync::Arc<Vec<DecisionRecord>>),
    Profile(std::sync::Arc<Profile>),
}

/// Most bytes of an uploaded profile's JSON.
pub const MAX_PROFILE_BYTES: usize = 16 << 20;

/// The seal label of a monitor's profile: a sealed profile moved to another monitor fails to
/// open.
fn profile_label(id: &MonitorId) -> String {
    format!("custos/monitor-profile/v1/{id}")
}

/// The current window's samples against an uploaded profile: exactly the profile's columns,
/// with the current values of the feature of that name. A column the profile holds as numbers
/// counts every value that is not a number as missing (an input that arrives as text is
/// broken for the model: its missing rate moves, and that is drift); one it holds as
/// categories counts each value as written in the decision (numbers as JSON writes them).
fn samples_against(profile: &Profile, current: &[DecisionRecord]) -> Vec<ColumnInput> {
    let objects: Vec<Option<&serde_json::Map<String, Value>>> =
        current.iter().map(|d| d.features.as_ref().and_then(Value::as_object)).collect();
    profile
        .columns
        .iter()
        .map(|column| {
            let values = objects.iter().map(|o| o.and_then(|o| o.get(&column.name)).filter(|v| !v.is_null()));
            let current = if column.kind() == "numeric" {
                let mut missing = 0;
                let values = values
                    .filter_map(|v| {
                        let x = v.and_then(Value::as_f64);
                        missing += u64::from(x.is_none());
                        x
                    })
                    .collect();
                Sample::Numeric { values, missing }
            } else {
                let mut counts = BTreeMap::new();
                let mut missing = 0;
                for v in values {
                    match v {
                        Some(Value::String(s)) => *counts.entry(s.clone()).or_insert(0) += 1,
                        Some(other) => *counts.entry(other.to_string()).or_insert(0) += 1,
                        None => missing += 1,
                    }
                }
                Sample::Categorical { counts, missing }
            };
            ColumnInput { name: column.name.clone(), reference: column.sample(), current, min_effect: None }
        })
        .collect()
}

/// A window's profile, from the features of its decisions (kinds as [`samples`] decides them;
/// inputs with more than [`MAX_CATEGORIES`] values left out).
fn profile_of(rows: &[DecisionRecord]) -> Profile {
    let columns = samples(&[], rows)
        .into_iter()
        .filter_map(|c| {
            let mut p = match c.current {
                Sample::Numeric { values, missing } => {
                    let mut p = custos_monitor::ColumnProfile::numeric(&c.name);
                    values.iter().for_each(|v| p.add_number(Some(*v)));
                    (0..missing).for_each(|_| p.add_number(None));
                    p
                }
                Sample::Categorical { counts, missing } => {
                    let mut p = custos_monitor::ColumnProfile::categorical(&c.name);
                    for (v, n) in &counts {
                        p.add_category(Some(v), *n).ok()?;
                    }
                    p.add_category(None, missing).ok()?;
                    p
                }
                Sample::Sketch(_) => return None,
            };
            p.seal_quantiles();
            Some(p)
        })
        .collect();
    Profile { rows: rows.len() as u64, columns }
}

/// Two profiles' columns as drift inputs: every reference column; one the current profile
/// lacks (no decision carried it) is all missing; one of another kind is left out.
fn profile_inputs(reference: &Profile, current: &Profile) -> Vec<ColumnInput> {
    reference
        .columns
        .iter()
        .filter_map(|r| {
            let now = match current.column(&r.name) {
                Some(c) if c.kind() == r.kind() => c.sample(),
                // Numbers the window saw as text (some values were not numbers): the numbers
                // compare, the rest count as missing, as in a live check.
                Some(c) if r.kind() == "numeric" => {
                    let Sample::Categorical { counts, missing } = c.sample() else { return None };
                    let mut values = Vec::new();
                    let mut missing = missing;
                    for (v, n) in counts {
                        match v.parse::<f64>().ok().filter(|x| x.is_finite()) {
                            Some(x) => values.extend(std::iter::repeat_n(x, n.min(MAX_ROWS as u64) as usize)),
                            None => missing += n,
                        }
                    }
                    Sample::Numeric { values, missing }
                }
                Some(_) => return None,
                None if r.kind() == "numeric" => Sample::Numeric { values: Vec::new(), missing: current.rows },
                None => Sample::Categorical { counts: BTreeMap::new(), missing: current.rows },
            };
            Some(ColumnInput { name: r.name.clone(), reference: r.sample(), current: now, min_effect: None })
        })
        .filter(|c| match (&c.reference, &c.current) {
            (Sample::Categorical { counts: r, .. }, Sample::Categorical { counts: k, .. }) => r.len() + k.len() <= MAX_CATEGORIES,
            _ => true,
        })
        .collect()
}

/// Monitors.
#[derive(Clone, Copy)]
pub struct Monitors<'a>(pub(crate) &'a Service);

impl Monitors<'_> {
    /// Creates a monitor.
    pub async fn create(&self, input: MonitorInput) -> Result<MonitorView, ServiceError> {
        crate::check_token("name", &input.name)?;
        if let Some(p) = &input.purpose {
            PurposeKey::parse(p).map_err(|e| ServiceError::invalid("purpose", e.message()))?;
        }
        if let Some(m) = &input.model {
            crate::check_token("model", m)?;
        }
        if input.purpose.is_none() && input.model.is_none() {
            return Err(ServiceError::invalid("model", "name a model or a purpose whose decisions to watch"));
        }
        let reference_from = timestamp("reference_from", &input.reference_from)?;
        let reference_to = timestamp("reference_to", &input.reference_to)?;
        if reference_from >= reference_to {
            return Err(ServiceError::invalid("reference_to", "must be after `reference_from`"));
        }
        let window_length = input.window_length.clone().unwrap_or_else(|| "daily".to_owned());
        if window_seconds(&window_length).is_none() {
            return Err(ServiceError::invalid("window_length", "must be hourly, daily or weekly"));
        }
        let alpha = input.alpha.unwrap_or(0.05);
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(ServiceError::invalid("alpha", "must be between 0 and 1"));
        }
        let correction = input.correction.clone().unwrap_or_else(|| "holm".to_owned());
        if Correction::parse(&correction).is_none() {
            return Err(ServiceError::invalid("correction", "must be holm, bh or none"));
        }
        if let Some(o) = &input.positive_outcome {
            crate::check_token("positive_outcome", o)?;
        }
        let decision_threshold = input.decision_threshold.unwrap_or(0.5);
        if !(0.0..=1.0).contains(&decision_threshold) {
            return Err(ServiceError::invalid("decision_threshold", "must be between 0 and 1"));
        }
        if let Some(a) = input.min_accuracy
            && !(0.0..=1.0).contains(&a)
        {
            return Err(ServiceError::invalid("min_accuracy", "must be between 0 and 1"));
        }
        if input.min_accuracy.is_some() && input.positive_outcome.is_none() {
            return Err(ServiceError::invalid("min_accuracy", "needs `positive_outcome` (accuracy is measured against it)"));
        }
        if input.alert_rules.len() > MAX_ALERT_RULES {
            return Err(ServiceError::invalid("alert_rules", format!("at most {MAX_ALERT_RULES} rules")));
        }
        for rule in &input.alert_rules {
            rule.check()?;
            let performance =
                RULE_FIGURES.iter().any(|(f, k)| *f == rule.figure && *k != RuleFigure::Input) && rule.figure != "drifted_inputs";
            if performance && input.positive_outcome.is_none() {
                return Err(ServiceError::invalid("alert_rules", format!("{} needs `positive_outcome`", rule.figure)));
            }
        }
        let alert_rules = serde_json::to_value(&input.alert_rules).map_err(ServiceError::internal)?;
        let record = MonitorRecord {
            monitor_id: MonitorId::new(),
            name: input.name,
            purpose: input.purpose,
            model: input.model,
            reference_from,
            reference_to,
            window_length,
            alpha,
            correction,
            positive_outcome: input.positive_outcome,
            decision_threshold,
            min_accuracy: input.min_accuracy,
            silenced_until: None,
            alert_rules,
            created_at: now(),
        };
        let leaf = crate::ledger::event_at(
            LedgerEvent::MonitorCreated,
            &record.created_at,
            json!({
                "monitor_id": record.monitor_id.to_string(),
                "purpose": record.purpose,
                "model": record.model,
                "reference_from": custos_core::format_timestamp(&record.reference_from),
                "reference_to": custos_core::format_timestamp(&record.reference_to),
                "window_length": record.window_length,
                "alert_rules": record.alert_rules,
            }),
        );
        let stored = record.clone();
        let receipt = self
            .0
            .write(async |tx| {
                if let Some(p) = &stored.purpose
                    && custos_store::purposes::get(tx, p).await?.is_none()
                {
                    return Err(ServiceError::unprocessable("purpose", format!("purpose `{p}` does not exist")));
                }
                custos_store::monitors::insert(tx, &stored).await?;
                Ok(custos_store::ledger::append_leaf(tx, leaf).await?)
            })
            .await?;
        Ok(MonitorView { monitor: record, receipt: Some(receipt) })
    }

    /// Silences the monitor's new alerts until `until` (RFC 3339), or lifts the silence
    /// (`None`). Alerts already firing stay until their condition ends.
    pub async fn silence(&self, monitor_id: &str, until: Option<&str>) -> Result<MonitorRecord, ServiceError> {
        let id = MonitorId::parse(monitor_id)?;
        let until = until.map(|u| timestamp("until", u)).transpose()?;
        let at = now();
        let leaf = crate::ledger::event_at(
            LedgerEvent::MonitorSilenced,
            &at,
            json!({"monitor_id": id.to_string(), "until": until.as_ref().map(custos_core::format_timestamp)}),
        );
        self.0
            .write(async |tx| {
                if !custos_store::monitors::silence(tx, &id, until.as_ref()).await? {
                    return Err(ServiceError::NotFound { resource: "monitor" });
                }
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        self.get(monitor_id).await
    }

    /// Replaces the monitor's reference window with an uploaded profile (`custos drift
    /// profile` of, say, the training data): validated (at most [`MAX_COLUMNS`] columns and
    /// [`MAX_CATEGORIES`] values per categorical column), sealed at rest, a ledger event with
    /// its digest. Reports and checks then compare each window with the profile.
    pub async fn upload_reference(&self, monitor_id: &str, body: &[u8]) -> Result<MonitorRecord, ServiceError> {
        let id = MonitorId::parse(monitor_id)?;
        let json_text = std::str::from_utf8(body).map_err(|_| ServiceError::invalid("profile", "must be UTF-8 JSON"))?;
        if json_text.len() > MAX_PROFILE_BYTES {
            return Err(ServiceError::invalid("profile", format!("must be at most {} MB", MAX_PROFILE_BYTES >> 20)));
        }
        let owned = json_text.to_owned();
        let profile = tokio::task::spawn_blocking(move || Profile::from_json(&owned, MAX_COLUMNS))
            .await
            .map_err(ServiceError::internal)?
            .map_err(|e| ServiceError::invalid("profile", e.to_string()))?;
        if profile.columns.is_empty() {
            return Err(ServiceError::invalid("profile", "must hold at least one column"));
        }
        // Inputs with more values are identifiers or free text, left out of every comparison.
        if let Some(c) = profile.columns.iter().find(|c| c.kind() == "categorical" && c.counts().len() > MAX_CATEGORIES) {
            return Err(ServiceError::invalid("profile", format!("column {:?} has more than {MAX_CATEGORIES} categories", c.name)));
        }
        let at = now();
        let digest = {
            use sha2::Digest as _;
            data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(json_text.as_bytes()))
        };
        let sealed = self.0.store.keyring().seal_aggregate(&profile_label(&id), json_text.as_bytes())?;
        let stored =
            custos_store::monitors::StoredProfile { sealed, rows: profile.rows, columns: profile.columns.len() as u64, uploaded_at: at };
        let leaf = crate::ledger::event_at(
            LedgerEvent::MonitorReferenceUploaded,
            &at,
            json!({"monitor_id": id.to_string(), "sha256": digest, "rows": profile.rows, "columns": profile.columns.len()}),
        );
        self.0
            .write(async |tx| {
                if custos_store::monitors::get(tx, &id).await?.is_none() {
                    return Err(ServiceError::NotFound { resource: "monitor" });
                }
                custos_store::monitors::put_profile(tx, &id, &stored).await?;
                custos_store::ledger::append_leaf(tx, leaf).await?;
                Ok(())
            })
            .await?;
        self.get(monitor_id).await
    }

    /// The monitor's reference: its uploaded profile if it has one, else its reference window
    /// of the decision log (at most [`MAX_ROWS`] decisions), with the figures a report shows.
    async fn reference(&self, monitor: &MonitorRecord) -> Result<(Reference, WindowFigures), ServiceError> {
        let id = monitor.monitor_id;
        if let Some(stored) = self.0.read(async |tx| Ok(custos_store::monitors::get_profile(tx, &id).await?)).await? {
            let bytes = self.0.store.keyring().open_aggregate(&profile_label(&id), &stored.sealed)?;
            let text = String::from_utf8(bytes).map_err(ServiceError::internal)?;
            let profile = tokio::task::spawn_blocking(move || Profile::from_json(&text, MAX_COLUMNS))
                .await
                .map_err(ServiceError::internal)?
                .map_err(ServiceError::internal)?;
            let figures = WindowFigures { from: monitor.reference_from, to: monitor.reference_to, rows: profile.rows, truncated: false };
            return Ok((Reference::Profile(std::sync::Arc::new(profile)), figures));
        }
        let reference_scope = scope(monitor, monitor.reference_from, monitor.reference_to);
        let mut rows = self.0.read(async |tx| Ok(custos_store::decisions::in_scope(tx, &reference_scope, MAX_ROWS + 1).await?)).await?;
        let figures = figures(&mut rows, monitor.reference_from, monitor.reference_to, MAX_ROWS);
        Ok((Reference::Window(std::sync::Arc::new(rows)), figures))
    }

    /// Stores the monitor's closed windows not stored yet (each whole window of its length,
    /// aligned to UTC: days from midnight, weeks from Thursday 1 January 1970) as sealed
    /// profiles: from the newest stored one (or the window the monitor was created in) up to
    /// the last window that closed at least [`WINDOW_GRACE_SECONDS`] ago, at most
    /// [`WINDOWS_PER_CHECK`] per check (a server that was down catches up over its next
    /// checks). A window with fewer than [`MIN_WINDOW_ROWS`] decisions is passed over (its
    /// sketch would hold one person's values).
    async fn store_closed_windows(&self, monitor: &MonitorRecord, at: Timestamp) -> Result<(), ServiceError> {
        let length = window_seconds(&monitor.window_length).unwrap_or(86_400);
        let aligned = |secs: i64| secs.div_euclid(length) * length;
        let last_end = aligned(at.timestamp() - WINDOW_GRACE_SECONDS);
        let id = monitor.monitor_id;
        let newest = self.0.read(async |tx| Ok(custos_store::monitors::newest_window(tx, &id).await?)).await?;
        let first_end = match newest {
            Some(to) => to.timestamp() + length,
            None => aligned(monitor.created_at.timestamp()) + length,
        }
        .max(last_end - (WINDOWS_PER_CHECK as i64 - 1) * length);
        let mut end = first_end;
        while end <= last_end {
            let to = chrono::DateTime::from_timestamp(end, 0).ok_or_else(|| ServiceError::internal("window end out of range"))?;
            let from = to - chrono::Duration::seconds(length);
            end += length;
            let window_scope = scope(monitor, from, to);
            let mut rows = self.0.read(async |tx| Ok(custos_store::decisions::in_scope(tx, &window_scope, MAX_ROWS + 1).await?)).await?;
            rows.truncate(MAX_ROWS as usize);
            if rows.len() < MIN_WINDOW_ROWS {
                continue;
            }
            let count = rows.len() as u64;
            let json_text = tokio::task::spawn_blocking(move || profile_of(&rows).to_json()).await.map_err(ServiceError::internal)?;
            if json_text.len() > MAX_PROFILE_BYTES {
                tracing::warn!(monitor_id = %id, bytes = json_text.len(), "a window's profile is too large to keep");
                continue;
            }
            let label = format!("custos/monitor-window/v1/{id}/{}", custos_core::format_timestamp(&to));
            let sealed = self.0.store.keyring().seal_aggregate(&label, json_text.as_bytes())?;
            let window = custos_store::monitors::StoredWindow { from, to, rows: count, sealed };
            self.0.write(async |tx| Ok(custos_store::monitors::put_window(tx, &id, &window, &at).await?)).await?;
        }
        Ok(())
    }

    /// The stored closed windows (the newest `count`, 1-90, default 30), oldest first, each
    /// compared with the monitor's reference: the history that outlives the decision log's
    /// retention. A window holds what its decisions carried when it closed. Windows are opened
    /// and compared one at a time; one that cannot be opened is left out (and logged).
    pub async fn history(&self, monitor_id: &str, count: Option<u32>) -> Result<Vec<WindowSummary>, ServiceError> {
        let monitor = self.get(monitor_id).await?;
        let count = count.unwrap_or(30);
        if !(1..=90).contains(&count) {
            return Err(ServiceError::invalid("count", "must be between 1 and 90"));
        }
        let id = monitor.monitor_id;
        let mut stored = self.0.read(async |tx| Ok(custos_store::monitors::windows(tx, &id, count).await?)).await?;
        stored.reverse();
        let reference = match self.reference(&monitor).await?.0 {
            Reference::Profile(p) => Some(p),
            Reference::Window(rows) if rows.is_empty() => None,
            Reference::Window(rows) => {
                Some(std::sync::Arc::new(tokio::task::spawn_blocking(move || profile_of(&rows)).await.map_err(ServiceError::internal)?))
            }
        };
        let options = DriftOptions {
            alpha: monitor.alpha,
            correction: Correction::parse(&monitor.correction).unwrap_or_default(),
            power: 0.8,
            name_values: false,
        };
        let mut out = Vec::with_capacity(stored.len());
        for w in stored {
            let label = format!("custos/monitor-window/v1/{id}/{}", custos_core::format_timestamp(&w.to));
            let opened = self.0.store.keyring().open_aggregate(&label, &w.sealed).ok().and_then(|b| String::from_utf8(b).ok());
            let Some(text) = opened else {
                tracing::error!(monitor_id = %id, window_to = %custos_core::format_timestamp(&w.to), "a stored window cannot be opened");
                continue;
            };
            let reference = reference.clone();
            let compared = tokio::task::spawn_blocking(move || -> Option<(u64, Option<DriftReport>)> {
                let current = Profile::from_json(&text, MAX_COLUMNS).ok()?;
                let drift = reference.and_then(|r| custos_monitor::compare(&mut profile_inputs(&r, &current), &options).ok());
                Some((current.rows, drift))
            })
            .await
            .map_err(ServiceError::internal)?;
            let Some((rows, drift)) = compared else {
                tracing::error!(monitor_id = %id, "a stored window's profile is unreadable");
                continue;
            };
            out.push(WindowSummary {
                window: WindowFigures { from: w.from, to: w.to, rows, truncated: rows >= u64::from(MAX_ROWS) },
                features: drift.as_ref().map_or(0, |d| d.columns.len()),
                drifted: drift
                    .as_ref()
                    .map(|d| d.columns.iter().filter(|c| c.drift).map(|c| c.column.clone()).collect())
                    .unwrap_or_default(),
                performance: None,
            });
        }
        Ok(out)
    }

    /// Monitors, newest first.
    pub async fn list(&self) -> Result<Vec<MonitorRecord>, ServiceError> {
        self.0.read(async |tx| Ok(custos_store::monitors::list(tx, 500).await?)).await
    }

    /// One monitor.
    pub async fn get(&self, monitor_id: &str) -> Result<MonitorRecord, ServiceError> {
        let id = MonitorId::parse(monitor_id)?;
        self.0.read(async |tx| Ok(custos_store::monitors::get(tx, &id).await?)).await?.ok_or(ServiceError::NotFound { resource: "monitor" })
    }

    /// The report of a monitor for the current window `[from, to)` (default: the monitor's
    /// window length, ending now).
    pub async fn report(&self, monitor_id: &str, from: Option<&str>, to: Option<&str>) -> Result<MonitorReport, ServiceError> {
        let monitor = self.get(monitor_id).await?;
        self.report_of(monitor, from, to).await
    }

    /// The report of a monitor already read (see [`Monitors::report`]).
    async fn report_of(&self, monitor: MonitorRecord, from: Option<&str>, to: Option<&str>) -> Result<MonitorReport, ServiceError> {
        let to = to.map(|t| timestamp("to", t)).transpose()?.unwrap_or_else(now);
        let length = window_seconds(&monitor.window_length).unwrap_or(86_400);
        let from = from.map(|f| timestamp("from", f)).transpose()?.unwrap_or(to - chrono::Duration::seconds(length));
        if from >= to {
            return Err(ServiceError::invalid("to", "must be after `from`"));
        }
        let current_scope = scope(&monitor, from, to);
        let (reference, reference_figures) = self.reference(&monitor).await?;
        let mut current = self.0.read(async |tx| Ok(custos_store::decisions::in_scope(tx, &current_scope, MAX_ROWS + 1).await?)).await?;
        let current_figures = figures(&mut current, from, to, MAX_ROWS);
        let performance = performance_of(&monitor, &current);
        let reference_source = match reference {
            Reference::Window(_) => "window",
            Reference::Profile(_) => "profile",
        };
        let drift = drift_of(&monitor, reference, current).await?;
        Ok(MonitorReport { monitor, reference: reference_figures, reference_source, current: current_figures, drift, performance })
    }

    /// The last `count` windows (1-30, default 7) of the monitor's window length ending at
    /// `to` (default now), oldest first, each compared with the reference: the trend a console
    /// page draws. At most [`TREND_ROWS`] decisions are read per window.
    pub async fn windows(&self, monitor_id: &str, count: Option<u32>, to: Option<&str>) -> Result<Vec<WindowSummary>, ServiceError> {
        let monitor = self.get(monitor_id).await?;
        let count = count.unwrap_or(7);
        if !(1..=30).contains(&count) {
            return Err(ServiceError::invalid("count", "must be between 1 and 30"));
        }
        let end = to.map(|t| timestamp("to", t)).transpose()?.unwrap_or_else(now);
        let length = chrono::Duration::seconds(window_seconds(&monitor.window_length).unwrap_or(86_400));
        let (reference, _) = self.reference(&monitor).await?;
        let mut out = Vec::with_capacity(count as usize);
        for k in (0..count).rev() {
            let to = end - length * k as i32;
            let from = to - length;
            let window_scope = scope(&monitor, from, to);
            let mut rows = self.0.read(async |tx| Ok(custos_store::decisions::in_scope(tx, &window_scope, TREND_ROWS + 1).await?)).await?;
            let window = figures(&mut rows, from, to, TREND_ROWS);
            let performance = performance_of(&monitor, &rows);
            let drift = drift_of(&monitor, reference.clone(), rows).await?;
            out.push(WindowSummary {
                window,
                features: drift.as_ref().map_or(0, |d| d.columns.len()),
                drifted: drift
                    .as_ref()
                    .map(|d| d.columns.iter().filter(|c| c.drift).map(|c| c.column.clone()).collect())
                    .unwrap_or_default(),
                performance,
            });
        }
        Ok(out)
    }

    /// Checks every monitor's current window ending at `at`: an alert (source `monitor`, kind
    /// `drift`, about the monitor) fires while features drift and resolves when none does; the
    /// one alert store de-duplicates, announces through the webhooks and records each change in
    /// the ledger. `custos serve` runs this every ten minutes. Returns how many monitors drift.
    pub async fn check(&self, at: Timestamp) -> Result<usize, ServiceError> {
        let mut drifting = 0;
        let all = self.0.read(async |tx| Ok(custos_store::monitors::list(tx, u32::MAX).await?)).await?;
        for monitor in all {
            if let Err(e) = self.store_closed_windows(&monitor, at).await {
                tracing::error!(monitor_id = %monitor.monitor_id, error = %e, "storing a monitor's closed window failed");
            }
            let to = custos_core::format_timestamp(&at);
            let report = match self.report_of(monitor.clone(), None, Some(&to)).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(monitor_id = %monitor.monitor_id, error = %e, "checking a monitor failed");
                    continue;
                }
            };
            let about = monitor.monitor_id.to_string();
            // A window without decisions says nothing: alerts stay as they are.
            if report.drift.is_none() {
                continue;
            }
            let drifted: Vec<String> =
                report.drift.as_ref().map(|d| d.columns.iter().filter(|c| c.drift).map(|c| c.column.clone()).collect()).unwrap_or_default();
            let total = report.drift.as_ref().map_or(0, |d| d.columns.len());
            let silenced = monitor.silenced_until.is_some_and(|u| u > at);
            let accuracy = report.performance.as_ref().map(|p| (p.accuracy.value, p.estimated));
            // Below the floor only when the whole 95 % interval is (a handful of labelled
            // decisions does not alert); the point estimate when there is no interval.
            let upper = report.performance.as_ref().map(|p| p.accuracy.high.unwrap_or(p.accuracy.value));
            let low_accuracy = matches!((monitor.min_accuracy, upper), (Some(min), Some(high)) if high < min);
            // A stored rule that no longer reads is skipped (and logged), not a failed check.
            let rules: Vec<AlertRule> = serde_json::from_value(monitor.alert_rules.clone()).unwrap_or_else(|e| {
                tracing::error!(monitor_id = %monitor.monitor_id, error = %e, "a monitor's alert rules are unreadable");
                Vec::new()
            });
            let estimated = report.performance.as_ref().is_some_and(|p| p.estimated);
            let rule_states: Vec<RuleState> = rules
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let state = r.breached(&report);
                    (i + 1, r, state)
                })
                .collect();
            let written: Result<(), ServiceError> = self
                .0
                .write(async |tx| {
                    if !low_accuracy {
                        crate::alerts::settle(tx, custos_core::AlertSource::Monitor, "accuracy", &about, &at).await?;
                    } else if !silenced && let (Some(min), Some((value, estimated))) = (monitor.min_accuracy, accuracy) {
                        let firing = crate::alerts::Firing {
                            source: custos_core::AlertSource::Monitor,
                            kind: "accuracy",
                            about: &about,
                            message: format!(
                                "Monitor \"{}\": accuracy {:.1}%{} in the window ending {}, below its floor of {:.1}%.",
                                monitor.name,
                                value * 100.0,
                                if estimated { " (estimated from the scores)" } else { "" },
                                at.format("%-d %b %Y, %H:%M UTC"),
                                min * 100.0
                            ),
                            value: Some(value),
                            threshold: Some(min),
                        };
                        crate::alerts::fire(tx, firing, &at).await?;
                    }
                    if drifted.is_empty() {
                        crate::alerts::settle(tx, custos_core::AlertSource::Monitor, "drift", &about, &at).await?;
                    } else if silenced {
                        // Silenced: nothing new fires; what fires already stays until it ends.
                    } else {
                        let firing = crate::alerts::Firing {
                            source: custos_core::AlertSource::Monitor,
                            kind: "drift",
                            about: &about,
                            message: format!(
                                "Monitor \"{}\": {} of {} inputs drifted in the window ending {} ({}).",
                                monitor.name,
                                drifted.len(),
                                total,
                                at.format("%-d %b %Y, %H:%M UTC"),
                                drifted.join(", ")
                            ),
                            value: Some(drifted.len() as f64),
                            threshold: Some(0.0),
                        };
                        crate::alerts::fire(tx, firing, &at).await?;
                    }
                    for (n, rule, state) in &rule_states {
                        let kind = format!("rule_{n}");
                        match state {
                            // The window does not have the figure: the alert stays as it is.
                            None => {}
                            Some((false, _)) => {
                                crate::alerts::settle(tx, custos_core::AlertSource::Monitor, &kind, &about, &at).await?;
                            }
                            Some((true, _)) if silenced => {}
                            Some((true, value)) => {
                                let firing = crate::alerts::Firing {
                                    source: custos_core::AlertSource::Monitor,
                                    kind: &kind,
                                    about: &about,
                                    message: format!(
                                        "Monitor \"{}\": {:.4}{} in the window ending {}; its rule {n} is {}.",
                                        monitor.name,
                                        value,
                                        if estimated
                                            && !matches!(
                                                rule.figure.as_str(),
                                                "psi" | "wasserstein_sd" | "jensen_shannon" | "drifted_inputs"
                                            )
                                        {
                                            " (estimated from the scores)"
                                        } else {
                                            ""
                                        },
                                        at.format("%-d %b %Y, %H:%M UTC"),
                                        rule.describe()
                                    ),
                                    value: Some(*value),
                                    threshold: rule.above.or(rule.below),
                                };
                                let fired = crate::alerts::fire(tx, firing, &at).await?;
                                if let (Some(_), true, Some(model)) = (fired, rule.requires_revalidation, &monitor.model) {
                                    let why = format!("monitor \"{}\": its rule {n} ({}) fired", monitor.name, rule.describe());
                                    crate::approvals::Approvals::require_revalidation(tx, model, None, &why, &at).await?;
                                }
                            }
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = written {
                tracing::error!(monitor_id = %monitor.monitor_id, error = %e, "recording a monitor's alerts failed");
                continue;
            }
            drifting += usize::from(!drifted.is_empty());
            let gauge = crate::gauges::MonitorGauge {
                monitor_id: about.clone(),
                inputs: report
                    .drift
                    .as_ref()
                    .map(|d| {
                        d.columns.iter().map(|c| (c.column.clone(), c.effect_size.method.clone(), c.effect_size.value, c.drift)).collect()
                    })
                    .unwrap_or_default(),
                accuracy: report.performance.as_ref().map(|p| (p.accuracy.value, p.estimated)),
            };
            if let Ok(mut g) = self.0.monitor_gauges.write() {
                g.insert(about.clone(), gauge);
            }
        }
        Ok(drifting)
    }
}

/// The decisions of a monitor between `from` and `to`.
fn scope(monitor: &MonitorRecord, from: Timestamp, to: Timestamp) -> DecisionScope {
    DecisionScope { purpose: monitor.purpose.clone(), model: monitor.model.clone(), from: Some(from), to: Some(to) }
}

/// A window's figures; keeps at most `cap` rows (one more was read to know whether there were).
fn figures(rows: &mut Vec<DecisionRecord>, from: Timestamp, to: Timestamp, cap: u32) -> WindowFigures {
    let truncated = rows.len() > cap as usize;
    rows.truncate(cap as usize);
    WindowFigures { from, to, rows: rows.len() as u64, truncated }
}

/// Drift of a window's features against the reference's (off the async threads).
async fn drift_of(
    monitor: &MonitorRecord,
    reference: Reference,
    current: Vec<DecisionRecord>,
) -> Result<Option<DriftReport>, ServiceError> {
    // Category values of model inputs may be personal data: counted in answers, never named.
    let options = DriftOptions {
        alpha: monitor.alpha,
        correction: Correction::parse(&monitor.correction).unwrap_or_default(),
        power: 0.8,
        name_values: false,
    };
    tokio::task::spawn_blocking(move || {
        // Both windows need decisions; inputs that stopped arriving are then a change of the
        // missing-value rate, which the comparison flags (not a reason to say nothing).
        if current.is_empty() {
            return None;
        }
        let mut columns = match &reference {
            Reference::Window(rows) if rows.is_empty() => return None,
            Reference::Window(rows) => samples(rows, &current),
            Reference::Profile(p) => samples_against(p, &current),
        };
        custos_monitor::compare(&mut columns, &options).ok()
    })
    .await
    .map_err(ServiceError::internal)
}

/// Performance of a window: measured on the decisions with a recorded outcome, estimated from
/// the scores when none has one; none without a positive outcome or scores.
fn performance_of(monitor: &MonitorRecord, rows: &[DecisionRecord]) -> Option<Performance> {
    let positive = monitor.positive_outcome.as_deref()?;
    let scored: Vec<(f64, Option<bool>)> = rows
        .iter()
        .filter_map(|d| d.score.filter(|s| (0.0..=1.0).contains(s)).map(|s| (s, d.actual.as_deref().map(|a| a == positive))))
        .collect();
    if scored.is_empty() {
        return None;
    }
    let labelled: Vec<(f64, bool)> = scored.iter().filter_map(|(s, l)| l.map(|l| (*s, l))).collect();
    if labelled.is_empty() {
        let scores: Vec<f64> = scored.iter().map(|(s, _)| *s).collect();
        performance::estimated(&scores, monitor.decision_threshold)
    } else {
        let (scores, labels): (Vec<f64>, Vec<bool>) = labelled.into_iter().unzip();
        performance::measured(&scores, &labels, monitor.decision_threshold)
    }
}
