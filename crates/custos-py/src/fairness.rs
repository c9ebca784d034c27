//! `custos.fairness`: audits of decisions in Arrow tables as mergeable partial aggregates
//! (`custos_fairness::partial`), reported exactly as `custos fairness audit` reports them.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::Array;
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use custos_fairness::Favorable;
use custos_fairness::partial::AuditPartial;
use custos_fairness::report::{MAX_BOOTSTRAP, ReportOptions};
use custos_fairness::thresholds::Constraint;
use custos_frames::fairness::{CheckDataOptions, DataCheck, DataColumns, Reweighing, ThresholdOptions, ThresholdSearch};
use custos_tabular::{column_as_f64, column_as_strings};
use pyo3::prelude::*;

use crate::{arrow_io, error};

/// Labels of a column (the CLI's rule, `custos_frames::fairness::labels`), errors as text.
fn labels(array: &dyn Array, favorable: &Favorable, name: &str) -> Result<Vec<bool>, String> {
    custos_frames::fairness::labels(array, favorable, name).map_err(|e| format!("{name}: {e}"))
}

/// An audit's partial aggregate: per group its confusion counts and score statistics.
#[pyclass(module = "custos._native")]
pub struct FairnessPartial {
    inner: AuditPartial,
}

#[pymethods]
impl FairnessPartial {
    /// Adds the counts of `others` (partials of other parts of the same table), in order.
    fn merge(&mut self, others: Vec<PyRef<'_, FairnessPartial>>) -> PyResult<()> {
        let mut total = self.inner.clone();
        for o in &others {
            total.merge(&o.inner).map_err(|e| error(format!("others: {e}")))?;
        }
        self.inner = total;
        Ok(())
    }

    /// Rows counted.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    /// The partial as JSON (to send between processes).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| error(e.to_string()))
    }

    /// A partial from `to_json`'s output.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner: AuditPartial = serde_json::from_str(text).map_err(|e| error(format!("text: not a fairness partial: {e}")))?;
        Ok(Self { inner })
    }

    /// The report as the CLI's JSON.
    #[pyo3(signature = (min_group_size=30, bootstrap=1000, seed=20261122, reference_group=None))]
    fn report(
        &self,
        py: Python<'_>,
        min_group_size: u64,
        bootstrap: usize,
        seed: u64,
        reference_group: Option<String>,
    ) -> PyResult<String> {
        if bootstrap > MAX_BOOTSTRAP {
            return Err(error(format!("bootstrap: at most {MAX_BOOTSTRAP} replicates, got {bootstrap}")));
        }
        let reference = match reference_group {
            None => None,
            Some(spec) => {
                let mut pairs = Vec::new();
                for part in spec.split(',') {
                    let (attr, value) =
                        part.split_once('=').ok_or_else(|| error(format!("reference_group {spec:?}: expected ATTRIBUTE=VALUE")))?;
                    let idx = self
                        .inner
                        .sensitive
                        .iter()
                        .position(|s| s == attr.trim())
                        .ok_or_else(|| error(format!("reference_group: {} is not one of the sensitive attributes", attr.trim())))?;
                    pairs.push((idx, value.trim().to_owned()));
                }
                Some((spec, pairs))
            }
        };
        let options = ReportOptions { min_group_size, bootstrap, seed, has_score: false, streaming: false, reference };
        let inner = &self.inner;
        let report = py.detach(|| inner.finish(&options)).map_err(|e| error(e.to_string()))?;
        serde_json::to_string(&report).map_err(|e| error(e.to_string()))
    }
}

/// Counts the decisions of `table` by the combinations of its `sensitive` columns.
#[pyfunction]
#[pyo3(signature = (table, sensitive, y_true, y_pred, score=None, favorable="1", streaming=false))]
#[allow(clippy::too_many_arguments)]
fn fairness_partial(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    sensitive: Vec<String>,
    y_true: String,
    y_pred: String,
    score: Option<String>,
    favorable: &str,
    streaming: bool,
) -> PyResult<FairnessPartial> {
    if sensitive.is_empty() || sensitive.len() > 4 {
        return Err(error(format!("sensitive: 1 to 4 attributes, got {}", sensitive.len())));
    }
    let reader = arrow_io::stream(table)?;
    let schema = arrow_io::schema(&reader);
    let mut needed: Vec<(&str, &str)> = sensitive.iter().map(|s| ("sensitive", s.as_str())).collect();
    needed.push(("y_true", &y_true));
    needed.push(("y_pred", &y_pred));
    if let Some(s) = &score {
        needed.push(("score", s));
    }
    for (arg, name) in &needed {
        if schema.field_with_name(name).is_err() {
            let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(error(format!("{arg}: no column {name:?} in the table (columns: {})", columns.join(", "))));
        }
    }
    let favorable = Favorable::new(favorable);
    let mut partial = AuditPartial::new(sensitive.clone(), score.is_some(), streaming);
    py.detach(|| -> Result<(), String> {
        for batch in reader {
            let batch = batch.map_err(|e| format!("table: {e}"))?;
            let column = |name: &str| batch.column_by_name(name).cloned().ok_or_else(|| format!("table: column {name} vanished"));
            let strings = sensitive
                .iter()
                .map(|s| column_as_strings(column(s)?.as_ref()).map_err(|e| format!("sensitive: column {s}: {e}")))
                .collect::<Result<Vec<_>, String>>()?;
            let attributes: Vec<Vec<Option<&str>>> = strings.iter().map(|a| a.iter().collect()).collect();
            let t = labels(column(&y_true)?.as_ref(), &favorable, "y_true")?;
            let p = labels(column(&y_pred)?.as_ref(), &favorable, "y_pred")?;
            let s = match &score {
                Some(name) => {
                    let values = column_as_f64(column(name)?.as_ref()).ok_or_else(|| format!("score: column {name} is not numeric"))?;
                    if values.null_count() > 0 {
                        return Err(format!("score: column {name} has missing values"));
                    }
                    Some(values.values().to_vec())
                }
                None => None,
            };
            partial.add_rows(&attributes, &t, &p, s.as_deref()).map_err(|e| format!("table: {e}"))?;
        }
        Ok(())
    })
    .map_err(error)?;
    Ok(FairnessPartial { inner: partial })
}

/// The columns of a fairness input, checked like the audit's.
fn data_columns(sensitive: Vec<String>, y_true: String, favorable: &str) -> PyResult<DataColumns> {
    if sensitive.is_empty() || sensitive.len() > 4 {
        return Err(error(format!("sensitive: 1 to 4 attributes, got {}", sensitive.len())));
    }
    Ok(DataColumns { sensitive, y_true, favorable: Favorable::new(favorable) })
}

/// The training-data check of `table` (the CLI's `fairness check-data`), as its JSON report.
#[pyfunction]
#[pyo3(signature = (table, sensitive, y_true, favorable="1", max_categories=50, proxy_threshold=0.3, reference=BTreeMap::new()))]
#[allow(clippy::too_many_arguments)]
fn fairness_check_data(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    sensitive: Vec<String>,
    y_true: String,
    favorable: &str,
    max_categories: usize,
    proxy_threshold: f64,
    reference: BTreeMap<String, BTreeMap<String, f64>>,
) -> PyResult<String> {
    let columns = data_columns(sensitive, y_true, favorable)?;
    let reader = arrow_io::stream(table)?;
    let options = CheckDataOptions { max_categories, proxy_threshold, reference: reference.into_iter().collect() };
    let check = DataCheck::new(&arrow_io::schema(&reader), "the table", columns, options).map_err(|e| error(e.to_string()))?;
    arrow_io::fold_to_json(py, reader, check, |c, b| c.add(b).map_err(|e| e.to_string()), |c| c.finish().map_err(|e| e.to_string()))
}

/// `table` with a column of Kamiran-Calders reweighing weights (the CLI's `fairness mitigate`).
#[pyfunction]
#[pyo3(signature = (table, sensitive, y_true, favorable="1", weight_column="weight"))]
fn fairness_reweighing(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    sensitive: Vec<String>,
    y_true: String,
    favorable: &str,
    weight_column: &str,
) -> PyResult<Py<PyAny>> {
    let columns = data_columns(sensitive, y_true, favorable)?;
    let reader = arrow_io::stream(table)?;
    let in_schema = arrow_io::schema(&reader);
    if in_schema.field_with_name(weight_column).is_ok() {
        return Err(error(format!("weight_column: the table already has a column {weight_column:?} (choose another name)")));
    }
    let mut counts = Reweighing::new(&in_schema, "the table", columns).map_err(|e| error(e.to_string()))?;
    let mut fields: Vec<Field> = in_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(weight_column, DataType::Float64, false));
    let schema = Arc::new(Schema::new(fields));
    let out = py
        .detach(|| -> Result<Vec<RecordBatch>, String> {
            // The table is in memory already: its batches are kept (shared, not copied) for the
            // second pass.
            let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| format!("table: {e}"))?;
            for b in &batches {
                counts.add(b).map_err(|e| e.to_string())?;
            }
            let weights = counts.finish().map_err(|e| e.to_string())?;
            batches
                .iter()
                .map(|b| {
                    let mut cols = b.columns().to_vec();
                    cols.push(Arc::new(weights.of(b).map_err(|e| e.to_string())?));
                    RecordBatch::try_new(schema.clone(), cols).map_err(|e| e.to_string())
                })
                .collect()
        })
        .map_err(error)?;
    arrow_io::to_table(py, out, schema)
}

/// Per-group decision thresholds on `score` (the CLI's `fairness mitigate --method
/// thresholds`), as its JSON report.
#[pyfunction]
#[pyo3(signature = (table, sensitive, y_true, score, favorable="1", constraint="demographic_parity", tolerance=0.02, baseline_threshold=0.5))]
#[allow(clippy::too_many_arguments)]
fn fairness_thresholds(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    sensitive: Vec<String>,
    y_true: String,
    score: String,
    favorable: &str,
    constraint: &str,
    tolerance: f64,
    baseline_threshold: f64,
) -> PyResult<String> {
    let columns = data_columns(sensitive, y_true, favorable)?;
    let constraint = match constraint {
        "demographic_parity" => Constraint::DemographicParity,
        "true_positive_rate_parity" => Constraint::TruePositiveRateParity,
        other => return Err(error(format!("constraint: expected 'demographic_parity' or 'true_positive_rate_parity', got {other:?}"))),
    };
    if !(0.0..=1.0).contains(&tolerance) {
        return Err(error("tolerance: must be between 0 and 1"));
    }
    let reader = arrow_io::stream(table)?;
    let options = ThresholdOptions { score, constraint, tolerance, baseline_threshold };
    let search = ThresholdSearch::new(&arrow_io::schema(&reader), "the table", columns, options).map_err(|e| error(e.to_string()))?;
    arrow_io::fold_to_json(py, reader, search, |s, b| s.add(b).map_err(|e| e.to_string()), |s| s.finish().map_err(|e| e.to_string()))
}

/// The standalone HTML report of an audit (its JSON, as `FairnessPartial.report` answers it),
/// with where its numbers came from: the page `custos fairness audit --format html` writes.
#[pyfunction]
#[pyo3(signature = (report, provenance=Vec::new()))]
fn fairness_report_html(report: &str, provenance: Vec<(String, String)>) -> PyResult<String> {
    let report: custos_fairness::report::FairnessReport =
        serde_json::from_str(report).map_err(|e| error(format!("report: not an audit report ({e})")))?;
    custos_reports::fairness_report_file(&report, &provenance).map_err(|e| error(e.to_string()))
}

/// Adds `custos.fairness`'s functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<FairnessPartial>()?;
    m.add_function(wrap_pyfunction!(fairness_report_html, m)?)?;
    m.add_function(wrap_pyfunction!(fairness_check_data, m)?)?;
    m.add_function(wrap_pyfunction!(fairness_reweighing, m)?)?;
    m.add_function(wrap_pyfunction!(fairness_thresholds, m)?)?;
    m.add_function(wrap_pyfunction!(fairness_partial, m)?)?;
    Ok(())
}
