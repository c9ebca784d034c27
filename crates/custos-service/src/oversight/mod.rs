//! Human oversight (GDPR Art. 22(3), EU AI Act Art. 14): the review rules that route decisions
//! to a person, the stop button, and the figures that show whether the oversight is real.
//! The review queue itself is [`crate::reviews`].

mod metrics;
mod rules;
mod suspensions;

use std::sync::{Arc, RwLock};
use std::time::Instant;

pub use custos_store::suspensions::SuspensionRecord;
pub use metrics::{Figures, OversightMetrics, ReviewerFigures, RuleFigures, WeekFigures};
pub use rules::{ReviewRuleInput, ReviewRuleView, RuleConditions};
pub(crate) use rules::{Routed, Routing, route};

pub use suspensions::{SuspensionInput, SuspensionView};

use crate::Service;

/// When the rubber-stamp alert fires: a reviewer who agrees with the model in more than
/// `agreement_above` of at least `min_reviews` reviews while their median time is under
/// `median_seconds_below` (WP29/EDPB WP251: oversight must be meaningful, not a token gesture).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OversightConfig {
    /// Reviews a reviewer must have done in the window before the alert can fire.
    pub min_reviews: u32,
    /// Share of agreement with the model above which the alert may fire.
    pub agreement_above: f64,
    /// Median seconds from claim to verdict below which the alert may fire.
    pub median_seconds_below: f64,
    /// Days the figures look back.
    pub window_days: u32,
}

impl Default for OversightConfig {
    fn default() -> Self {
        Self { min_reviews: 100, agreement_above: 0.98, median_seconds_below: 10.0, window_days: 30 }
    }
}

/// A value read from the database at most once a second per process (the gate and the
/// decision path ask on every call); a change made through this process is seen at once.
#[derive(Debug)]
pub(crate) struct Recent<T>(RwLock<Option<(Instant, Arc<T>)>>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self(RwLock::new(None))
    }
}

impl<T> Recent<T> {
    const TTL: std::time::Duration = std::time::Duration::from_secs(1);

    fn fresh(&self) -> Option<Arc<T>> {
        let guard = self.0.read().ok()?;
        let (at, value) = guard.as_ref()?;
        (at.elapsed() < Self::TTL).then(|| value.clone())
    }

    fn put(&self, value: Arc<T>) {
        if let Ok(mut guard) = self.0.write() {
            *guard = Some((Instant::now(), value));
        }
    }

    pub(crate) fn forget(&self) {
        if let Ok(mut guard) = self.0.write() {
            *guard = None;
        }
    }
}

/// The suspensions that hold.
pub(crate) type SuspensionCache = Recent<Vec<custos_store::suspensions::SuspensionRecord>>;

/// The review rules in force.
pub(crate) type RuleCache = Recent<Vec<custos_store::reviews::ReviewRuleRecord>>;

/// Days a one-off audit's fairness alert keeps routing its groups' decisions to review.
pub(crate) const ONE_OFF_FLAG_DAYS: i64 = 30;

/// The groups of the firing fairness alerts.
pub(crate) type FlagCache = Recent<Vec<FairnessFlag>>;

/// What a firing fairness alert says about groups (the `affected_groups` of the alert): the
/// scope of the audit that raised it and the groups the model treats worst.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct FairnessFlag {
    /// The audit's purpose, if it had one.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The audit's model, if it had one.
    #[serde(default)]
    pub model: Option<String>,
    /// The audit-only categories that formed the groups.
    pub sensitive: Vec<String>,
    /// The groups, each its values of `sensitive` in order.
    pub groups: Vec<Vec<String>>,
}

/// Whether the subject belongs to a group that a firing fairness alert names, for an audit
/// that covered this purpose and model. The subject's audit-only values are read and compared
/// here, inside the decision's write, and never leave the service: the review only says
/// `fairness_alert`.
pub(crate) async fn in_flagged_group(
    tx: &mut custos_store::Tx,
    gate: &custos_policy::GateConfig,
    flags: &[FairnessFlag],
    subject: &custos_core::SubjectId,
    purpose: &custos_core::PurposeKey,
    model: &str,
) -> Result<bool, crate::ServiceError> {
    use custos_core::DataCategory;
    let covers = |f: &&FairnessFlag| {
        f.purpose.as_deref().is_none_or(|p| p == purpose.as_str()) && f.model.as_deref().is_none_or(|m| m == model) && !f.groups.is_empty()
    };
    let relevant: Vec<&FairnessFlag> = flags.iter().filter(covers).collect();
    if relevant.is_empty() {
        return Ok(false);
    }
    // Only audit-only categories are read, whatever a stored alert names.
    let parse = |c: &String| DataCategory::parse(c).ok().filter(|c| gate.is_audit_only(c));
    let mut categories: Vec<DataCategory> = relevant.iter().flat_map(|f| f.sensitive.iter().filter_map(parse)).collect();
    categories.sort();
    categories.dedup();
    if categories.is_empty() {
        return Ok(false);
    }
    let values = custos_store::fairness::subject_values(tx, subject, &categories).await?;
    Ok(relevant.iter().any(|f| {
        let Some(key) = f
            .sensitive
            .iter()
            .map(|c| parse(c).map(|c| crate::fairness::group_value(&values.get(&c).cloned())))
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        f.groups.contains(&key)
    }))
}

/// Review rules, suspensions and the oversight figures.
#[derive(Clone, Copy)]
pub struct Oversight<'a>(pub(crate) &'a Service);

impl Oversight<'_> {
    /// The suspensions that hold now (cached for a second).
    pub(crate) async fn held(&self) -> Result<Arc<Vec<custos_store::suspensions::SuspensionRecord>>, crate::ServiceError> {
        if let Some(held) = self.0.suspensions.fresh() {
            return Ok(held);
        }
        let held = Arc::new(self.0.read(async |tx| Ok(custos_store::suspensions::held(tx).await?)).await?);
        self.0.suspensions.put(held.clone());
        Ok(held)
    }

    /// The groups of the firing fairness alerts (cached for a second; an audit's end forgets
    /// them).
    pub(crate) async fn fairness_flags(&self) -> Result<Arc<Vec<FairnessFlag>>, crate::ServiceError> {
        if let Some(flags) = self.0.fairness_flags.fresh() {
            return Ok(flags);
        }
        // A one-off audit's alert routes decisions for 30 days at most (no later run resolves it).
        let fresh_since = custos_core::now() - chrono::Duration::days(ONE_OFF_FLAG_DAYS);
        let docs = self
            .0
            .read(async |tx| Ok(custos_store::alerts::affected_groups(tx, custos_core::AlertSource::Fairness, &fresh_since).await?))
            .await?;
        let flags: Vec<FairnessFlag> = docs
            .into_iter()
            .filter_map(|d| match serde_json::from_value(d) {
                Ok(f) => Some(f),
                Err(e) => {
                    tracing::error!(error = %e, "a fairness alert's groups cannot be read");
                    None
                }
            })
            .collect();
        let flags = Arc::new(flags);
        self.0.fairness_flags.put(flags.clone());
        Ok(flags)
    }

    /// The review rules in force now (cached for a second).
    pub(crate) async fn live_rules(&self) -> Result<Arc<Vec<custos_store::reviews::ReviewRuleRecord>>, crate::ServiceError> {
        if let Some(rules) = self.0.review_rules.fresh() {
            return Ok(rules);
        }
        let rules = Arc::new(self.0.read(async |tx| Ok(custos_store::reviews::live_rules(tx).await?)).await?);
        self.0.review_rules.put(rules.clone());
        Ok(rules)
    }
}
