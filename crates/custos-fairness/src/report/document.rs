//! The report document: what an audit found, as typed structs that serialize to the JSON every
//! reader receives (the CLI's output, the stored report, the API) and read back exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::GroupMetrics;
use crate::stats::Interval;

/// An audit report. Numbers that cannot be computed (a ratio over an empty group, an ROC AUC
/// with one class) are `null` in JSON, `NaN` or `None` here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FairnessReport {
    /// Decisions audited.
    pub rows: u64,
    /// How ROC AUC was computed (`exact`, or binned when streaming); null without scores.
    pub roc_auc_method: Option<String>,
    /// The sensitive attributes whose value combinations form the groups.
    pub sensitive: Vec<String>,
    /// One entry per combination of sensitive values.
    pub by_group: Vec<GroupReport>,
    /// Per attribute, one entry per value (unions of the combinations).
    pub by_attribute: BTreeMap<String, Vec<GroupReport>>,
    /// Disparities between the groups.
    pub disparities: Disparities,
    /// Decisions with a known actual outcome, when fewer than all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labelled_rows: Option<u64>,
    /// Bootstrap intervals of the main disparities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disparity_intervals: Option<DisparityIntervals>,
    /// Whether selection is independent of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub independence: Option<Independence>,
    /// AIF360's comparisons of everyone else against the reference group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_to_reference: Option<ReferenceComparison>,
    /// What makes some numbers fragile.
    pub warnings: Vec<String>,
}

/// The metrics of one group (or one attribute value).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    /// The group's value of each sensitive attribute.
    pub group: BTreeMap<String, String>,
    /// Counts and rates.
    #[serde(flatten)]
    pub metrics: GroupMetrics,
    /// Decisions with a known outcome, when fewer than all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labelled_count: Option<u64>,
    /// The mean score (NaN, null in JSON, without scores in the group).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nan_if_null")]
    pub mean_score: Option<f64>,
    /// ROC AUC (NaN, null in JSON, with one class only).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nan_if_null")]
    pub roc_auc: Option<f64>,
    /// Expected calibration error over 10 bins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_calibration_error: Option<f64>,
    /// 95% Wilson intervals of the rates (null for an empty denominator).
    pub intervals: BTreeMap<String, Option<Interval>>,
}

/// Disparities between the groups (Fairlearn's definitions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Disparities {
    /// Largest minus smallest selection rate.
    pub demographic_parity_difference: Option<f64>,
    /// Smallest over largest selection rate.
    pub demographic_parity_ratio: Option<f64>,
    /// The larger of the TPR and FPR differences.
    pub equalized_odds_difference: Option<f64>,
    /// The smaller of the TPR and FPR ratios.
    pub equalized_odds_ratio: Option<f64>,
    /// TPR difference.
    pub equal_opportunity_difference: Option<f64>,
    /// Precision difference.
    pub predictive_parity_difference: Option<f64>,
    /// Theil index of the benefits (AIF360).
    pub theil_index: Option<f64>,
    /// Generalized entropy index, alpha 2 (AIF360).
    pub generalized_entropy_index: Option<f64>,
}

impl Disparities {
    /// The disparity named `metric` (the JSON name), if the report has it.
    pub fn get(&self, metric: &str) -> Option<f64> {
        match metric {
            "demographic_parity_difference" => self.demographic_parity_difference,
            "demographic_parity_ratio" => self.demographic_parity_ratio,
            "equalized_odds_difference" => self.equalized_odds_difference,
            "equalized_odds_ratio" => self.equalized_odds_ratio,
            "equal_opportunity_difference" => self.equal_opportunity_difference,
            "predictive_parity_difference" => self.predictive_parity_difference,
            "theil_index" => self.theil_index,
            "generalized_entropy_index" => self.generalized_entropy_index,
            _ => None,
        }
    }
}

/// Bootstrap intervals of the main disparities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisparityIntervals {
    /// How they were drawn.
    pub method: String,
    /// Of the demographic parity difference.
    pub demographic_parity_difference: Interval,
    /// Of the equalized odds difference.
    pub equalized_odds_difference: Option<Interval>,
}

/// Pearson's chi-square test of selection against group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Independence {
    /// The test.
    pub test: String,
    /// The chi-square statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub dof: u64,
    /// The p-value.
    pub p_value: f64,
}

/// AIF360's comparisons against the reference (privileged) group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferenceComparison {
    /// The reference group as given.
    pub reference: String,
    /// P(favourable | others) / P(favourable | reference).
    pub disparate_impact: Option<f64>,
    /// P(favourable | others) - P(favourable | reference).
    pub statistical_parity_difference: Option<f64>,
    /// Mean of the FPR and TPR differences.
    pub average_odds_difference: Option<f64>,
    /// TPR difference.
    pub equal_opportunity_difference: Option<f64>,
    /// Disparate impact below 0.8.
    pub four_fifths_rule_violated: bool,
}

impl FairnessReport {
    /// A threshold-checkable value by name: a disparity, or an AIF360 comparison.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let reference = self.relative_to_reference.as_ref();
        match name {
            "disparate_impact" => reference.and_then(|r| r.disparate_impact),
            "statistical_parity_difference" => reference.and_then(|r| r.statistical_parity_difference),
            "average_odds_difference" => reference.and_then(|r| r.average_odds_difference),
            other => self.disparities.get(other),
        }
    }
}

/// `Some(NaN)` for a JSON null (a number that was present but not computable).
fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Some(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN)))
}
