//! `custos.anon`: k-anonymity, l-diversity, t-closeness and re-identification risk of a table
//! (whole, or as a mergeable partial), enforcement by generalization and suppression, and
//! differentially private segment statistics, as `custos anon check`, `anon enforce` and `dp
//! stats` report them (the readers are `custos-frames`', shared with the CLI).

use std::collections::HashMap;

use custos_anon::CheckOptions;
use custos_anon::dp::Mechanism;
use custos_anon::enforce::{Hierarchy, Sensitive, Target};
use custos_frames::anon::{
    Cells, ClassCounts, DpRequest, HierarchySpec, MAX_SEARCH_NODES, Release, TableReader, dp_statistics, enforcement_plan,
    enforcement_report,
};
use pyo3::prelude::*;

use crate::{arrow_io, error};

/// The columns a check reads: the quasi-identifiers, then the sensitive attributes not among
/// them (a column named twice is read once; the check names the mistake).
fn check_columns(quasi: &[String], sensitive: &[String]) -> PyResult<Vec<String>> {
    if quasi.is_empty() {
        return Err(error("quasi: at least one quasi-identifier is needed"));
    }
    let mut names = quasi.to_vec();
    names.extend(sensitive.iter().filter(|s| !quasi.contains(s)).cloned());
    Ok(names)
}

/// Refuses a risk threshold outside (0, 1].
fn check_risk_threshold(risk_threshold: f64) -> PyResult<()> {
    if risk_threshold > 0.0 && risk_threshold <= 1.0 {
        Ok(())
    } else {
        Err(error(format!("risk_threshold: must be in (0, 1], got {risk_threshold}")))
    }
}

/// Checks `table`: the report as the CLI's JSON.
#[pyfunction]
#[pyo3(signature = (table, quasi, sensitive=vec![], categorical=vec![], risk_threshold=0.2))]
fn anon_check(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    quasi: Vec<String>,
    sensitive: Vec<String>,
    categorical: Vec<String>,
    risk_threshold: f64,
) -> PyResult<String> {
    check_risk_threshold(risk_threshold)?;
    let columns = check_columns(&quasi, &sensitive)?;
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let q: Vec<&str> = quasi.iter().map(String::as_str).collect();
    let s: Vec<&str> = sensitive.iter().map(String::as_str).collect();
    let stream = arrow_io::stream(table)?;
    let mut reader =
        TableReader::new(&arrow_io::schema(&stream), "the table", &names, &categorical).map_err(|e| error(format!("table: {e}")))?;
    let report = py
        .detach(|| -> Result<_, String> {
            for batch in stream {
                reader.add_batch(&batch.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            }
            let t = reader.finish().map_err(|e| e.to_string())?;
            custos_anon::check(&t, &q, &s, &CheckOptions { risk_threshold, ..CheckOptions::default() }).map_err(|e| e.to_string())
        })
        .map_err(|e| error(format!("table: {e}")))?;
    serde_json::to_string(&report).map_err(|e| error(e.to_string()))
}

/// An anonymity check's partial aggregate: the distinct combinations of the quasi-identifiers'
/// and sensitive attributes' values, with their numbers of rows.
#[pyclass(module = "custos._native")]
pub struct AnonPartial {
    inner: ClassCounts,
    quasi: Vec<String>,
    sensitive: Vec<String>,
}

#[pymethods]
impl AnonPartial {
    /// Adds the counts of `others` (partials of other parts of the same table).
    fn merge(&mut self, others: Vec<PyRef<'_, AnonPartial>>) -> PyResult<()> {
        for o in others {
            if o.quasi != self.quasi || o.sensitive != self.sensitive {
                return Err(error("others: partials of different columns cannot be merged"));
            }
            self.inner.merge(&o.inner).map_err(|e| error(format!("others: {e}")))?;
        }
        Ok(())
    }

    /// Rows counted.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows()
    }

    /// Distinct combinations counted (what the partial holds, whatever the rows).
    #[getter]
    fn combinations(&self) -> usize {
        self.inner.combinations()
    }

    /// The partial as JSON, to send between processes.
    fn to_json(&self) -> PyResult<String> {
        let doc = serde_json::json!({"quasi": self.quasi, "sensitive": self.sensitive, "counts": self.inner});
        serde_json::to_string(&doc).map_err(|e| error(e.to_string()))
    }

    /// A partial from [`AnonPartial::to_json`]'s text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        #[derive(serde::Deserialize)]
        struct Doc {
            quasi: Vec<String>,
            sensitive: Vec<String>,
            counts: ClassCounts,
        }
        if text.len() > MAX_PARTIAL {
            return Err(error(format!("text: a partial of at most {MAX_PARTIAL} bytes")));
        }
        let doc: Doc = serde_json::from_str(text).map_err(|e| error(format!("text: not an anonymity partial ({e})")))?;
        let names = check_columns(&doc.quasi, &doc.sensitive).map_err(|_| error("text: a partial names at least one quasi-identifier"))?;
        if doc.counts.names() != names.as_slice() {
            return Err(error("text: the partial's columns do not match its quasi-identifiers and sensitive attributes"));
        }
        doc.counts.validate().map_err(|e| error(format!("text: {e}")))?;
        Ok(Self { inner: doc.counts, quasi: doc.quasi, sensitive: doc.sensitive })
    }

    /// The check's report of the counted rows (the CLI's JSON): the same figures as checking
    /// the whole table at once.
    #[pyo3(signature = (risk_threshold=0.2))]
    fn report(&self, py: Python<'_>, risk_threshold: f64) -> PyResult<String> {
        check_risk_threshold(risk_threshold)?;
        let q: Vec<&str> = self.quasi.iter().map(String::as_str).collect();
        let s: Vec<&str> = self.sensitive.iter().map(String::as_str).collect();
        let inner = &self.inner;
        let report = py
            .detach(|| -> Result<_, String> {
                let table = inner.table(&|_| false).map_err(|e| e.to_string())?;
                custos_anon::check_grouped(&table, inner.counts(), &q, &s, &CheckOptions { risk_threshold, ..CheckOptions::default() })
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| error(format!("table: {e}")))?;
        serde_json::to_string(&report).map_err(|e| error(e.to_string()))
    }
}

/// Largest partial accepted from JSON (the Spark path ships them between processes).
const MAX_PARTIAL: usize = 512 << 20;

/// The partial aggregate of a check of `table`.
#[pyfunction]
#[pyo3(signature = (table, quasi, sensitive=vec![], categorical=vec![]))]
fn anon_partial(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    quasi: Vec<String>,
    sensitive: Vec<String>,
    categorical: Vec<String>,
) -> PyResult<AnonPartial> {
    let names = check_columns(&quasi, &sensitive)?;
    let stream = arrow_io::stream(table)?;
    let mut counts = ClassCounts::new(&arrow_io::schema(&stream), "the table", &names, &categorical, Cells::AsChecked)
        .map_err(|e| error(format!("table: {e}")))?;
    py.detach(|| -> Result<(), String> {
        for batch in stream {
            counts.add_batch(&batch.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        }
        Ok(())
    })
    .map_err(|e| error(format!("table: {e}")))?;
    Ok(AnonPartial { inner: counts, quasi, sensitive })
}

/// Generalizes and suppresses `table` until it is k-anonymous (and l-diverse, t-close): the
/// released rows as a table and the report, as `custos anon enforce` writes them.
#[pyfunction]
#[pyo3(signature = (table, quasi, hierarchies, k, sensitive=vec![], max_suppressed=0, categorical=vec![]))]
#[allow(clippy::too_many_arguments)]
fn anon_enforce(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    quasi: Vec<String>,
    hierarchies: &str,
    k: usize,
    sensitive: Vec<(String, usize, Option<f64>)>,
    max_suppressed: usize,
    categorical: Vec<String>,
) -> PyResult<(Py<PyAny>, String)> {
    if k == 0 {
        return Err(error("k: must be at least 1"));
    }
    if quasi.is_empty() {
        return Err(error("quasi: at least one quasi-identifier is needed"));
    }
    let mut specs: HashMap<String, HierarchySpec> = serde_json::from_str(hierarchies).map_err(|e| error(format!("hierarchies: {e}")))?;
    let mut hierarchy = Vec::with_capacity(quasi.len());
    for q in &quasi {
        let spec = specs.remove(q).ok_or_else(|| error(format!("hierarchies: no hierarchy for {q:?}")))?;
        hierarchy.push(spec.hierarchy(q).map_err(|e| error(format!("hierarchies: {e}")))?);
    }
    let mut targets = Vec::with_capacity(sensitive.len());
    for (attribute, l, t) in sensitive {
        if l == 0 {
            return Err(error(format!("l: at least 1 for {attribute:?}")));
        }
        if t.is_some_and(|t| !(0.0..=1.0).contains(&t)) {
            return Err(error(format!("t: between 0 and 1 for {attribute:?}")));
        }
        targets.push(Sensitive { attribute, l, t });
    }
    let mut needed = quasi.clone();
    needed.extend(targets.iter().map(|s| s.attribute.clone()).filter(|a| !quasi.contains(a)));
    let stream = arrow_io::stream(table)?;
    let schema = arrow_io::schema(&stream);
    let mut counts = ClassCounts::new(&schema, "the table", &needed, &[], Cells::Text).map_err(|e| error(format!("table: {e}")))?;
    let target = Target { k, sensitive: targets, max_suppressed, max_nodes: MAX_SEARCH_NODES };
    let (batches, out_schema, report) = py
        .detach(|| -> Result<_, String> {
            // The table is in memory already: its batches are kept (shared, not copied) for the
            // second pass.
            let batches = stream.collect::<Result<Vec<_>, _>>().map_err(|e| format!("table: {e}"))?;
            for b in &batches {
                counts.add_batch(b).map_err(|e| format!("table: {e}"))?;
            }
            let quasi: Vec<(&str, Hierarchy)> = quasi.iter().map(String::as_str).zip(hierarchy).collect();
            let plan = enforcement_plan(&counts, &quasi, &target, &categorical, &mut |_, _| {}).map_err(|e| e.to_string())?;
            let mut release = Release::new(&counts, &plan, &quasi, &schema);
            let out = batches.iter().map(|b| release.apply(b).map_err(|e| format!("table: {e}"))).collect::<Result<Vec<_>, _>>()?;
            let out_schema = release.schema();
            let released = release.finish().map_err(|e| format!("table: {e}"))?;
            Ok((out, out_schema, enforcement_report(&quasi, &plan, &counts, released)))
        })
        .map_err(error)?;
    let table = arrow_io::to_table(py, batches, out_schema)?;
    Ok((table, serde_json::to_string(&report).map_err(|e| error(e.to_string()))?))
}

/// Differentially private counts (and sums) per segment, as `custos dp stats` reports them.
#[pyfunction]
#[pyo3(signature = (table, segment_by, keys=None, select_keys=None, sum=None, bounds=None, epsilon=None, rho=None, delta=1e-6))]
#[allow(clippy::too_many_arguments)]
fn anon_dp_stats(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    segment_by: String,
    keys: Option<Vec<String>>,
    select_keys: Option<f64>,
    sum: Option<String>,
    bounds: Option<(i64, i64)>,
    epsilon: Option<f64>,
    rho: Option<f64>,
    delta: f64,
) -> PyResult<(String, u64)> {
    let mechanism = match (epsilon, rho) {
        (Some(epsilon), None) => Mechanism::Laplace { epsilon },
        (None, Some(rho)) => Mechanism::Gaussian { rho },
        _ => return Err(error("epsilon: give epsilon (pure differential privacy) or rho (zero-concentrated), one of them")),
    };
    let sum = match (sum, bounds) {
        (Some(s), Some(b)) => Some((s, b)),
        (Some(_), None) => {
            return Err(error("bounds: a sum needs bounds (low, high): its noise is set by the largest value one person adds"));
        }
        (None, Some(_)) => return Err(error("bounds: only with sum")),
        (None, None) => None,
    };
    if keys.is_some() == select_keys.is_some() {
        return Err(error("keys: give the segments to report (keys), or select_keys, one of them"));
    }
    let mut names = vec![segment_by.as_str()];
    if let Some((s, _)) = &sum {
        names.push(s);
    }
    let categorical = vec![segment_by.clone()];
    let stream = arrow_io::stream(table)?;
    let mut reader =
        TableReader::new(&arrow_io::schema(&stream), "the table", &names, &categorical).map_err(|e| error(format!("table: {e}")))?;
    let request = DpRequest { segment_by: segment_by.clone(), keys, select_keys, sum: sum.clone(), mechanism, delta };
    let (doc, left_out) = py
        .detach(|| -> Result<_, String> {
            for batch in stream {
                reader.add_batch(&batch.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            }
            let t = reader.finish().map_err(|e| e.to_string())?;
            dp_statistics(&t, &request).map_err(|e| e.to_string())
        })
        .map_err(|e| error(format!("table: {e}")))?;
    Ok((serde_json::to_string(&doc).map_err(|e| error(e.to_string()))?, left_out))
}

/// Adds `custos.anon`'s functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(anon_check, m)?)?;
    m.add_class::<AnonPartial>()?;
    m.add_function(wrap_pyfunction!(anon_partial, m)?)?;
    m.add_function(wrap_pyfunction!(anon_enforce, m)?)?;
    m.add_function(wrap_pyfunction!(anon_dp_stats, m)?)?;
    Ok(())
}
