//! `custos.anon`: k-anonymity, l-diversity, t-closeness and re-identification risk of a table,
//! as `custos anon check` reports them (the reader is `custos-frames`', shared with the CLI).

use custos_anon::CheckOptions;
use custos_frames::anon::TableReader;
use pyo3::prelude::*;

use crate::{arrow_io, error};

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
    if !(risk_threshold > 0.0 && risk_threshold <= 1.0) {
        return Err(error(format!("risk_threshold: must be in (0, 1], got {risk_threshold}")));
    }
    if quasi.is_empty() {
        return Err(error("quasi: at least one quasi-identifier is needed"));
    }
    let q: Vec<&str> = quasi.iter().map(String::as_str).collect();
    let s: Vec<&str> = sensitive.iter().map(String::as_str).collect();
    let mut names = q.clone();
    names.extend(s.iter().filter(|x| !q.contains(x)));
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

/// Adds `custos.anon`'s functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(anon_check, m)?)?;
    Ok(())
}
