//! `custos.pii`: analyze and anonymize texts, scan and redact tables, with the CLI's rules
//! (offsets in code points, as Presidio reports them; scores as the CLI prints them).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use custos_pii::table::TableScan;
use custos_pii::{AnalyzeOptions, Analyzer, Finding, Operator, OperatorConfig, operators};
use custos_tabular::{column_text, is_text};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{arrow_io, error};

/// The built-in analyzer, built once per process (its tables are large and read-only).
fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::default)
}

/// One piece of personal data found in a text (Presidio's `RecognizerResult` fields).
#[pyclass(module = "custos._native", frozen, get_all, eq, from_py_object)]
#[derive(Clone, Debug, PartialEq)]
pub struct PiiFinding {
    /// The entity type (`PERSON`, `EMAIL_ADDRESS`, ...).
    entity_type: String,
    /// Code point offset of the first character.
    start: usize,
    /// Code point offset one past the last character.
    end: usize,
    /// Confidence in `[0, 1]`.
    score: f64,
}

#[pymethods]
impl PiiFinding {
    #[new]
    fn new(entity_type: String, start: usize, end: usize, score: f64) -> Self {
        Self { entity_type, start, end, score }
    }

    fn __repr__(&self) -> String {
        format!("type: {}, start: {}, end: {}, score: {}", self.entity_type, self.start, self.end, self.score)
    }

    /// The finding as a dict, the CLI's JSON fields.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("entity_type", &self.entity_type)?;
        d.set_item("start", self.start)?;
        d.set_item("end", self.end)?;
        d.set_item("score", self.score)?;
        Ok(d)
    }
}

/// An f32 score as the CLI prints it (`0.85`, not `0.8500000238418579`).
fn score(s: f32) -> f64 {
    s.to_string().parse().unwrap_or(f64::from(s))
}

fn options(
    entities: Option<Vec<String>>,
    threshold: Option<f32>,
    allow_list: Vec<String>,
    context: Vec<String>,
) -> PyResult<AnalyzeOptions> {
    if let Some(t) = threshold
        && !(0.0..=1.0).contains(&t)
    {
        return Err(error(format!("threshold: must be between 0 and 1, got {t}")));
    }
    if let Some(list) = &entities {
        analyzer().check_entities(list).map_err(|e| error(format!("entities: {e}")))?;
    }
    Ok(AnalyzeOptions { entities, threshold, allow_list, context, ..Default::default() })
}

fn to_py(text: &str, findings: Vec<Finding>) -> Vec<PiiFinding> {
    findings
        .into_iter()
        .map(|f| {
            let (mut start, mut end) = (f.start, f.end);
            custos_pii::offsets::bytes_to_code_points(text, &mut [&mut start, &mut end]);
            PiiFinding { entity_type: f.entity_type.to_string(), start, end, score: score(f.score) }
        })
        .collect()
}

/// Runs `f` over `items` on every core, in order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len().div_ceil(64).max(1));
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(chunk).map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    })
}

/// Finds personal data in each text; one list of findings per text.
#[pyfunction]
#[pyo3(signature = (texts, entities=None, threshold=None, allow_list=vec![], context=vec![]))]
fn pii_analyze(
    py: Python<'_>,
    texts: Vec<String>,
    entities: Option<Vec<String>>,
    threshold: Option<f32>,
    allow_list: Vec<String>,
    context: Vec<String>,
) -> PyResult<Vec<Vec<PiiFinding>>> {
    let options = options(entities, threshold, allow_list, context)?;
    Ok(py.detach(|| par_map(&texts, |t| to_py(t, analyzer().analyze(t, &options)))))
}

/// Parses Presidio's `operators` map given as JSON text.
fn operator_config(json: Option<&str>) -> PyResult<OperatorConfig> {
    let Some(json) = json else { return Ok(OperatorConfig::default()) };
    let ops: OperatorConfig = serde_json::from_str(json).map_err(|e| error(format!("operators: {e}")))?;
    ops.validate().map_err(|e| error(format!("operators: {e}")))?;
    if ops.0.values().any(|o| matches!(o, Operator::Tokenize {})) {
        return Err(error("operators: tokenize needs the service's or the CLI's pseudonymization key; use hash with a salt here"));
    }
    Ok(ops)
}

/// Anonymizes each text: returns `(text, items)` per text, items as
/// `(start, end, entity_type, text, operator)` in code points of the output.
#[pyfunction]
#[pyo3(signature = (texts, operators=None, entities=None, threshold=None, allow_list=vec![]))]
#[allow(clippy::type_complexity)]
fn pii_anonymize(
    py: Python<'_>,
    texts: Vec<String>,
    operators: Option<String>,
    entities: Option<Vec<String>>,
    threshold: Option<f32>,
    allow_list: Vec<String>,
) -> PyResult<Vec<(String, Vec<(usize, usize, String, String, String)>)>> {
    let options = options(entities, threshold, allow_list, vec![])?;
    let ops = operator_config(operators.as_deref())?;
    let out = py.detach(|| {
        par_map(&texts, |t| {
            let findings = analyzer().analyze(t, &options);
            let done = operators::anonymize(t, &findings, &ops, None)?;
            let items = done
                .items
                .into_iter()
                .map(|i| {
                    let (mut s, mut e) = (i.start, i.end);
                    custos_pii::offsets::bytes_to_code_points(&done.text, &mut [&mut s, &mut e]);
                    (s, e, i.entity_type, i.text, i.operator)
                })
                .collect();
            Ok::<_, custos_pii::AnonymizeError>((done.text, items))
        })
    });
    out.into_iter().collect::<Result<Vec<_>, _>>().map_err(|e| error(e.to_string()))
}

/// Which entity types each cell of each text column holds: the partial aggregate (as JSON)
/// that `pii_scan_finish` turns into the report and `pii_scan_merge` combines.
#[pyfunction]
#[pyo3(signature = (table, entities=None, threshold=None))]
fn pii_scan_partial(py: Python<'_>, table: &Bound<'_, PyAny>, entities: Option<Vec<String>>, threshold: Option<f32>) -> PyResult<String> {
    let options = options(entities, threshold, vec![], vec![])?;
    let reader = arrow_io::stream(table)?;
    let schema = arrow_io::schema(&reader);
    let mut scan = TableScan::new(schema.fields().iter().map(|f| (f.name().clone(), f.data_type().to_string())));
    py.detach(|| -> Result<(), String> {
        for batch in reader {
            let batch = batch.map_err(|e| format!("table: {e}"))?;
            scan.add_rows(batch.num_rows() as u64);
            for (c, column) in batch.columns().iter().enumerate() {
                let values = column_text(column.as_ref()).map_err(|e| format!("table: column {}: {e}", schema.field(c).name()))?;
                let found = par_map(&values, |v| match v {
                    Some(text) if !text.is_empty() => analyzer().analyze(text, &options).into_iter().map(|f| f.entity_type).collect(),
                    _ => Vec::<Arc<str>>::new(),
                });
                for (v, types) in values.iter().zip(found) {
                    scan.add_value(c, v.as_deref().is_some_and(|s| !s.is_empty()), types.iter().map(|e| &**e));
                }
            }
        }
        Ok(())
    })
    .map_err(error)?;
    serde_json::to_string(&scan).map_err(|e| error(e.to_string()))
}

fn parse_scan(json: &str) -> PyResult<TableScan> {
    serde_json::from_str(json).map_err(|e| error(format!("partial: not a PII scan partial: {e}")))
}

/// Combines scan partials of parts of the same table.
#[pyfunction]
fn pii_scan_merge(partials: Vec<String>) -> PyResult<String> {
    let mut parts = partials.iter();
    let Some(first) = parts.next() else { return Err(error("partials: at least one is needed")) };
    let mut total = parse_scan(first)?;
    for p in parts {
        total.merge(&parse_scan(p)?).map_err(|e| error(format!("partials: {e}")))?;
    }
    serde_json::to_string(&total).map_err(|e| error(e.to_string()))
}

/// The report of a (merged) partial, as the CLI's JSON.
#[pyfunction]
#[pyo3(signature = (partial, file="<table>", classify_share=0.5))]
fn pii_scan_finish(partial: &str, file: &str, classify_share: f64) -> PyResult<String> {
    if !(0.0..=1.0).contains(&classify_share) {
        return Err(error(format!("classify_share: must be between 0 and 1, got {classify_share}")));
    }
    serde_json::to_string(&parse_scan(partial)?.finish(file, classify_share)).map_err(|e| error(e.to_string()))
}

/// A copy of the table with what the analyzer finds replaced, cell by cell (the CLI's
/// `redact-table`): text columns and the columns named in `columns` become text.
#[pyfunction]
#[pyo3(signature = (table, operators=None, columns=BTreeMap::new(), entities=None, threshold=None))]
fn pii_redact_table(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    operators: Option<String>,
    columns: BTreeMap<String, String>,
    entities: Option<Vec<String>>,
    threshold: Option<f32>,
) -> PyResult<Py<PyAny>> {
    let options = options(entities, threshold, vec![], vec![])?;
    let base = operator_config(operators.as_deref())?;
    let mut per_column: BTreeMap<String, OperatorConfig> = BTreeMap::new();
    for (name, json) in columns {
        let one = operator_config(Some(&format!("{{\"DEFAULT\": {json}}}"))).map_err(|e| error(format!("columns[{name:?}]: {e}")))?;
        per_column.insert(name, one);
    }
    let reader = arrow_io::stream(table)?;
    let in_schema = arrow_io::schema(&reader);
    if let Some(name) = per_column.keys().find(|n| in_schema.field_with_name(n).is_err()) {
        return Err(error(format!("columns: no column named {name:?} in the table")));
    }
    let redacted: Vec<bool> = in_schema.fields().iter().map(|f| is_text(f.data_type()) || per_column.contains_key(f.name())).collect();
    let out_schema = Arc::new(Schema::new(
        in_schema
            .fields()
            .iter()
            .zip(&redacted)
            .map(|(f, &r)| if r { Field::new(f.name(), DataType::Utf8, true) } else { f.as_ref().clone() })
            .collect::<Vec<_>>(),
    ));
    let batches = py
        .detach(|| -> Result<Vec<RecordBatch>, String> {
            let mut out = Vec::new();
            for batch in reader {
                let batch = batch.map_err(|e| format!("table: {e}"))?;
                let mut cols: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
                for (c, column) in batch.columns().iter().enumerate() {
                    if !redacted[c] {
                        cols.push(column.clone());
                        continue;
                    }
                    let ops = per_column.get(in_schema.field(c).name()).unwrap_or(&base);
                    let values = column_text(column.as_ref()).map_err(|e| format!("table: {e}"))?;
                    let new = par_map(&values, |v| match v {
                        Some(text) if !text.is_empty() => analyzer().redact(text, &options, ops, None).map(Some),
                        other => Ok(other.clone()),
                    });
                    let new = new.into_iter().collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
                    cols.push(Arc::new(StringArray::from(new)) as ArrayRef);
                }
                out.push(RecordBatch::try_new(out_schema.clone(), cols).map_err(|e| e.to_string())?);
            }
            Ok(out)
        })
        .map_err(error)?;
    arrow_io::to_table(py, batches, out_schema)
}

/// Every entity type the analyzer can report.
#[pyfunction]
fn pii_supported_entities() -> Vec<String> {
    analyzer().supported_entities()
}

/// Adds `custos.pii`'s functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PiiFinding>()?;
    m.add_function(wrap_pyfunction!(pii_analyze, m)?)?;
    m.add_function(wrap_pyfunction!(pii_anonymize, m)?)?;
    m.add_function(wrap_pyfunction!(pii_scan_partial, m)?)?;
    m.add_function(wrap_pyfunction!(pii_scan_merge, m)?)?;
    m.add_function(wrap_pyfunction!(pii_scan_finish, m)?)?;
    m.add_function(wrap_pyfunction!(pii_redact_table, m)?)?;
    m.add_function(wrap_pyfunction!(pii_supported_entities, m)?)?;
    Ok(())
}
