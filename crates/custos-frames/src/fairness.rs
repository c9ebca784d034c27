//! Fairness inputs from Arrow batches: the labels of a column, the training-data check
//! (`check-data`) and the two mitigations (`mitigate`: reweighing and group thresholds), read
//! batch by batch. The CLI feeds them a file's batches and the Python package a table's, so
//! both report the same numbers.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use custos_fairness::Favorable;
use custos_fairness::report::MISSING;
use custos_fairness::stats;
use custos_fairness::thresholds::{self, Constraint, GroupThreshold};
use custos_tabular::{Array, Float64Array, RecordBatch, Schema, StringArray};
use serde_json::{Value, json};

/// Why a fairness input could not be read or computed.
#[derive(Debug, thiserror::Error)]
pub enum FairnessInputError {
    /// A named column is not in the table.
    #[error("no column {0:?} in {1}")]
    NoColumn(String, String),
    /// The label column has missing values.
    #[error("column {0} has missing values")]
    MissingLabels(String),
    /// The score column has a missing or non-finite value.
    #[error("column {0} must hold a number in every row")]
    BadScores(String),
    /// The table (named) has no rows.
    #[error("{0} has no rows")]
    Empty(String),
    /// The options do not fit the data (names the option).
    #[error("{0}")]
    Invalid(String),
    /// Arrow could not convert a column.
    #[error(transparent)]
    Arrow(#[from] custos_tabular::ArrowError),
}

/// The columns every fairness input reads.
#[derive(Debug, Clone)]
pub struct DataColumns {
    /// Sensitive attribute columns; groups are the combinations of their values.
    pub sensitive: Vec<String>,
    /// The actual outcome (label) column.
    pub y_true: String,
    /// The favourable value of the label.
    pub favorable: Favorable,
}

impl DataColumns {
    /// Checks that `schema` has the sensitive and label columns (`source` names the table).
    fn check(&self, schema: &Schema, source: &str) -> Result<(), FairnessInputError> {
        for name in self.sensitive.iter().chain(std::iter::once(&self.y_true)) {
            if schema.field_with_name(name).is_err() {
                return Err(FairnessInputError::NoColumn(name.clone(), source.to_owned()));
            }
        }
        Ok(())
    }

    fn column<'b>(&self, batch: &'b RecordBatch, name: &str) -> Result<&'b dyn Array, FairnessInputError> {
        batch.column_by_name(name).map(|c| c.as_ref()).ok_or_else(|| FairnessInputError::NoColumn(name.to_owned(), "a later batch".into()))
    }

    /// The group key of every row (the sensitive values joined by U+001F) and its label.
    fn keys(&self, batch: &RecordBatch) -> Result<(Vec<String>, Vec<bool>), FairnessInputError> {
        let columns: Vec<StringArray> = self
            .sensitive
            .iter()
            .map(|s| Ok(custos_tabular::column_as_strings(self.column(batch, s)?)?))
            .collect::<Result<_, FairnessInputError>>()?;
        let keys = (0..batch.num_rows())
            .map(|i| columns.iter().map(|c| if c.is_null(i) { MISSING } else { c.value(i) }).collect::<Vec<_>>().join("\u{1f}"))
            .collect();
        let y = labels(self.column(batch, &self.y_true)?, &self.favorable, &self.y_true)?;
        Ok((keys, y))
    }

    /// A group key back as attribute -> value.
    fn group_of(&self, key: &str) -> BTreeMap<String, String> {
        self.sensitive.iter().cloned().zip(key.split('\u{1f}').map(str::to_owned)).collect()
    }
}

/// Labels of a column: favourable or not, compared as numbers when the column is numeric and
/// the favourable value is a number (`1` matches `1.0`), as text otherwise.
pub fn labels(array: &dyn Array, favorable: &Favorable, name: &str) -> Result<Vec<bool>, FairnessInputError> {
    if array.null_count() > 0 {
        return Err(FairnessInputError::MissingLabels(name.to_owned()));
    }
    if let (Some(values), Some(f)) = (custos_tabular::column_as_f64(array), favorable.number()) {
        return Ok(values.values().iter().map(|v| *v == f).collect());
    }
    let strings = custos_tabular::column_as_strings(array)?;
    Ok(strings.iter().map(|v| favorable.matches(v.unwrap_or(""))).collect())
}

/// Rows per (feature value, sensitive value).
type JointCounts = BTreeMap<(String, String), u64>;

/// What `check-data` is asked besides the columns.
#[derive(Debug, Clone)]
pub struct CheckDataOptions {
    /// Features with more distinct values than this are skipped for proxy detection (listed).
    pub max_categories: usize,
    /// Cramér's V at or above which a feature is flagged as a proxy.
    pub proxy_threshold: f64,
    /// Per sensitive attribute, the share each value has in the population the data should
    /// represent (shares add up to 1).
    pub reference: Vec<(String, BTreeMap<String, f64>)>,
}

/// The training-data check, one batch at a time: per sensitive attribute, rows and favourable
/// labels per value; for every other column with few values, its joint counts with each
/// attribute (for Cramér's V and mutual information).
#[derive(Debug)]
pub struct DataCheck {
    columns: DataColumns,
    options: CheckDataOptions,
    features: Vec<String>,
    groups: Vec<BTreeMap<String, (u64, u64)>>,
    joint: Vec<Vec<Option<JointCounts>>>,
    distinct: Vec<HashSet<String>>,
    rows: u64,
}

impl DataCheck {
    /// A check of a table with `schema` (`source` names it in errors).
    pub fn new(schema: &Schema, source: &str, columns: DataColumns, options: CheckDataOptions) -> Result<Self, FairnessInputError> {
        columns.check(schema, source)?;
        for (attr, shares) in &options.reference {
            if !columns.sensitive.contains(attr) {
                return Err(FairnessInputError::Invalid(format!("reference distribution: {attr} is not one of the sensitive attributes")));
            }
            if shares.values().any(|s| !s.is_finite() || *s < 0.0) {
                return Err(FairnessInputError::Invalid(format!(
                    "reference distribution for {attr}: every share must be a non-negative number"
                )));
            }
            let total: f64 = shares.values().sum();
            if (total - 1.0).abs() > 1e-6 {
                return Err(FairnessInputError::Invalid(format!("reference distribution for {attr}: the shares add up to {total}, not 1")));
            }
        }
        let features: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).filter(|n| !columns.sensitive.contains(n)).collect();
        let n = columns.sensitive.len();
        Ok(Self {
            groups: vec![BTreeMap::new(); n],
            joint: vec![vec![Some(BTreeMap::new()); n]; features.len()],
            distinct: vec![HashSet::new(); features.len()],
            features,
            columns,
            options,
            rows: 0,
        })
    }

    /// Counts one batch.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), FairnessInputError> {
        let text = |name: &str| -> Result<StringArray, FairnessInputError> {
            Ok(custos_tabular::column_as_strings(self.columns.column(batch, name)?)?)
        };
        let sens: Vec<StringArray> = self.columns.sensitive.iter().map(|s| text(s)).collect::<Result<_, _>>()?;
        let y = labels(self.columns.column(batch, &self.columns.y_true)?, &self.columns.favorable, &self.columns.y_true)?;
        let value = |c: &StringArray, i: usize| if c.is_null(i) { MISSING.to_owned() } else { c.value(i).to_owned() };
        for (a, col) in sens.iter().enumerate() {
            for (i, label) in y.iter().enumerate() {
                let e = self.groups[a].entry(value(col, i)).or_default();
                e.0 += 1;
                e.1 += u64::from(*label);
            }
        }
        for f in 0..self.features.len() {
            if self.joint[f].iter().all(Option::is_none) {
                continue;
            }
            let col = text(&self.features[f])?;
            for i in 0..batch.num_rows() {
                let v = value(&col, i);
                if self.distinct[f].len() < self.options.max_categories || self.distinct[f].contains(&v) {
                    self.distinct[f].insert(v.clone());
                    for (a, s) in sens.iter().enumerate() {
                        if let Some(map) = self.joint[f][a].as_mut() {
                            *map.entry((v.clone(), value(s, i))).or_default() += 1;
                        }
                    }
                } else {
                    self.joint[f].iter_mut().for_each(|m| *m = None);
                    break;
                }
            }
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// The report: groups, proxies, skipped features, and the comparison with each reference
    /// distribution (chi-square goodness of fit).
    pub fn finish(self) -> Result<Value, FairnessInputError> {
        let rows = self.rows;
        let mut proxies = Vec::new();
        let mut skipped = Vec::new();
        for (f, name) in self.features.iter().enumerate() {
            for (a, attr) in self.columns.sensitive.iter().enumerate() {
                let Some(map) = &self.joint[f][a] else {
                    if a == 0 {
                        skipped.push(name.clone());
                    }
                    continue;
                };
                let row_keys: Vec<&String> = map.keys().map(|k| &k.0).collect::<BTreeSet<_>>().into_iter().collect();
                let col_keys: Vec<&String> = map.keys().map(|k| &k.1).collect::<BTreeSet<_>>().into_iter().collect();
                let table: Vec<Vec<u64>> = row_keys
                    .iter()
                    .map(|r| col_keys.iter().map(|c| map.get(&((*r).clone(), (*c).clone())).copied().unwrap_or(0)).collect())
                    .collect();
                if let Some(v) = stats::cramers_v(&table) {
                    let mi = stats::mutual_information(&table);
                    proxies.push(json!({"feature": name, "sensitive": attr, "cramers_v": v, "mutual_information": mi, "flagged": v >= self.options.proxy_threshold}));
                }
            }
        }
        let by_attribute: serde_json::Map<String, Value> = self
            .columns
            .sensitive
            .iter()
            .zip(&self.groups)
            .map(|(attr, g)| {
                let list: Vec<Value> = g
                    .iter()
                    .map(|(v, (n, fav))| json!({"value": v, "count": n, "share": *n as f64 / rows.max(1) as f64, "base_rate": *fav as f64 / (*n).max(1) as f64}))
                    .collect();
                (attr.clone(), Value::Array(list))
            })
            .collect();
        let mut representation = serde_json::Map::new();
        for (attr, shares) in &self.options.reference {
            let a = self.columns.sensitive.iter().position(|s| s == attr).unwrap_or(0);
            let unknown: Vec<&String> = self.groups[a].keys().filter(|v| !shares.contains_key(*v)).collect();
            if !unknown.is_empty() {
                return Err(FairnessInputError::Invalid(format!(
                    "reference distribution for {attr} has no share for {} (found in the data)",
                    unknown.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
                )));
            }
            let observed: Vec<u64> = shares.keys().map(|v| self.groups[a].get(v).map_or(0, |g| g.0)).collect();
            let expected: Vec<f64> = shares.values().copied().collect();
            let values: Vec<Value> = shares
                .iter()
                .zip(&observed)
                .map(|((value, share), n)| {
                    let observed_share = *n as f64 / rows.max(1) as f64;
                    json!({"value": value, "count": n, "observed_share": observed_share, "expected_share": share, "difference": observed_share - share})
                })
                .collect();
            let test = stats::goodness_of_fit(&observed, &expected)
                .map(|(chi2, dof, p)| json!({"test": "Pearson chi-square goodness of fit", "statistic": chi2, "dof": dof, "p_value": p}));
            representation.insert(attr.clone(), json!({"values": values, "goodness_of_fit": test}));
        }
        let mut report = json!({"rows": rows, "groups": by_attribute, "proxies": proxies, "skipped_high_cardinality": skipped,
            "proxy_method": format!("Cramér's V (no continuity correction), flagged at >= {}; mutual information in nats", self.options.proxy_threshold)});
        if !representation.is_empty() {
            report["representation"] = Value::Object(representation);
        }
        Ok(report)
    }
}

/// Kamiran-Calders reweighing, first pass: rows per (group, label) cell.
#[derive(Debug)]
pub struct Reweighing {
    columns: DataColumns,
    source: String,
    cells: BTreeMap<String, (u64, u64)>,
}

/// The weights reweighing gives each (group, label) cell: the second pass applies them.
#[derive(Debug)]
pub struct ReweighingWeights {
    columns: DataColumns,
    weights: BTreeMap<String, (f64, f64)>,
}

impl Reweighing {
    /// Reweighing of a table with `schema` (`source` names it in errors).
    pub fn new(schema: &Schema, source: &str, columns: DataColumns) -> Result<Self, FairnessInputError> {
        columns.check(schema, source)?;
        Ok(Self { columns, source: source.to_owned(), cells: BTreeMap::new() })
    }

    /// Counts one batch.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), FairnessInputError> {
        let (keys, y) = self.columns.keys(batch)?;
        for (k, label) in keys.into_iter().zip(y) {
            let c = self.cells.entry(k).or_default();
            if label {
                c.1 += 1;
            } else {
                c.0 += 1;
            }
        }
        Ok(())
    }

    /// The weights of every cell (expected over observed frequency).
    pub fn finish(self) -> Result<ReweighingWeights, FairnessInputError> {
        if self.cells.is_empty() {
            return Err(FairnessInputError::Empty(self.source));
        }
        let weights = custos_fairness::reweighing(&self.cells.values().copied().collect::<Vec<_>>());
        Ok(ReweighingWeights { weights: self.cells.into_keys().zip(weights).collect(), columns: self.columns })
    }
}

impl ReweighingWeights {
    /// The weight of every row of `batch` (0 for a cell the first pass never saw).
    pub fn of(&self, batch: &RecordBatch) -> Result<Float64Array, FairnessInputError> {
        let (keys, y) = self.columns.keys(batch)?;
        Ok(keys
            .iter()
            .zip(&y)
            .map(|(k, label)| self.weights.get(k).map_or(0.0, |(wn, wp)| if *label { *wp } else { *wn }))
            .collect::<Vec<f64>>()
            .into())
    }
}

/// What the group-threshold search is asked besides the columns.
#[derive(Debug, Clone)]
pub struct ThresholdOptions {
    /// The score column (higher means more likely favourable).
    pub score: String,
    /// Which rates to equalize.
    pub constraint: Constraint,
    /// The largest allowed difference between the groups' rates (0 to 1).
    pub tolerance: f64,
    /// The shared threshold the result is compared with (the accuracy cost).
    pub baseline_threshold: f64,
}

/// Per-group decision thresholds on a score: the rows' (score, label) per group.
#[derive(Debug)]
pub struct ThresholdSearch {
    columns: DataColumns,
    source: String,
    options: ThresholdOptions,
    groups: BTreeMap<String, Vec<(f64, bool)>>,
    rows: u64,
}

impl ThresholdSearch {
    /// A search over a table with `schema` (`source` names it in errors).
    pub fn new(schema: &Schema, source: &str, columns: DataColumns, options: ThresholdOptions) -> Result<Self, FairnessInputError> {
        columns.check(schema, source)?;
        if schema.field_with_name(&options.score).is_err() {
            return Err(FairnessInputError::NoColumn(options.score.clone(), source.to_owned()));
        }
        if !(0.0..=1.0).contains(&options.tolerance) {
            return Err(FairnessInputError::Invalid("tolerance must be between 0 and 1".into()));
        }
        Ok(Self { columns, source: source.to_owned(), options, groups: BTreeMap::new(), rows: 0 })
    }

    /// Adds one batch's rows.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), FairnessInputError> {
        let (keys, y) = self.columns.keys(batch)?;
        let name = &self.options.score;
        let scores = custos_tabular::column_as_f64(self.columns.column(batch, name)?)
            .ok_or_else(|| FairnessInputError::Invalid(format!("column {name} is not numeric")))?;
        if scores.null_count() > 0 || scores.values().iter().any(|s| !s.is_finite()) {
            return Err(FairnessInputError::BadScores(name.clone()));
        }
        for ((k, label), s) in keys.into_iter().zip(y).zip(scores.values().iter()) {
            self.groups.entry(k).or_default().push((*s, label));
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// The most accurate per-group thresholds whose rates differ by at most the tolerance,
    /// compared with one shared threshold, as a report.
    pub fn finish(self) -> Result<Value, FairnessInputError> {
        if self.rows == 0 {
            return Err(FairnessInputError::Empty(self.source));
        }
        let constraint = self.options.constraint;
        let names: Vec<&String> = self.groups.keys().collect();
        let mut scored: Vec<Vec<(f64, bool)>> = self.groups.values().cloned().collect();
        let baseline = thresholds::at_threshold(&scored, self.options.baseline_threshold);
        let unconstrained = thresholds::optimize(&mut scored, constraint, 1.0)
            .ok_or_else(|| FairnessInputError::Invalid("no group can take part".into()))?;
        let chosen = thresholds::optimize(&mut scored, constraint, self.options.tolerance).ok_or_else(|| {
            FairnessInputError::Invalid("no group has actual positives, so true positive rates cannot be equalized".into())
        })?;
        let summary = |gs: &[GroupThreshold]| {
            let n: u64 = gs.iter().map(|g| g.count).sum();
            let correct: f64 = gs.iter().map(|g| g.accuracy * g.count as f64).sum();
            let rates: Vec<f64> = gs
                .iter()
                .filter(|g| g.constrained)
                .map(|g| if constraint == Constraint::DemographicParity { g.selection_rate } else { g.true_positive_rate })
                .collect();
            let spread = rates.iter().cloned().fold(f64::MIN, f64::max) - rates.iter().cloned().fold(f64::MAX, f64::min);
            json!({"accuracy": correct / n as f64, "rate_difference": spread})
        };
        let (before, after) = (summary(&baseline), summary(&chosen));
        let cost = before["accuracy"].as_f64().unwrap_or(0.0) - after["accuracy"].as_f64().unwrap_or(0.0);
        Ok(json!({
            "method": "per-group thresholds, deterministic (Fairlearn ThresholdOptimizer's idea without its randomization); exact optimum of accuracy under the tolerance",
            "constraint": constraint,
            "tolerance": self.options.tolerance,
            "rows": self.rows,
            "groups": names.iter().zip(chosen.iter().zip(&baseline)).map(|(k, (c, b))| json!({"group": self.columns.group_of(k), "chosen": c, "baseline": b})).collect::<Vec<_>>(),
            "baseline": {"threshold": self.options.baseline_threshold, "accuracy": before["accuracy"], "rate_difference": before["rate_difference"]},
            "optimized": after,
            "accuracy_cost": cost,
            "most_accurate_unconstrained": summary(&unconstrained),
        }))
    }
}
