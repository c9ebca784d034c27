//! `custos.drift`: compares a current table with a reference column by column, from the
//! tables themselves or from their mergeable sketch profiles, as `custos drift` does (the
//! batch adapters are `custos-frames`', shared with the CLI).

use std::collections::{BTreeMap, BTreeSet};

use custos_frames::drift::{Profiler, SampleReader};
use custos_monitor::{ColumnInput, Correction, DriftOptions, Profile};
use pyo3::prelude::*;

use crate::{arrow_io, error};

/// Largest profile text read (as the CLI's file limit).
const MAX_PROFILE_BYTES: usize = 512 << 20;

fn parse_profile(arg: &str, text: &str) -> PyResult<Profile> {
    if text.len() > MAX_PROFILE_BYTES {
        return Err(error(format!("{arg}: larger than {} MB: not a drift profile", MAX_PROFILE_BYTES >> 20)));
    }
    Profile::from_json(text, custos_monitor::sketch::MAX_COLUMNS).map_err(|e| error(format!("{arg}: {e}")))
}

fn profile_stream(
    py: Python<'_>,
    arg: &str,
    table: &Bound<'_, PyAny>,
    columns: Option<&[String]>,
    forced: &BTreeSet<String>,
    kinds: Option<&Profile>,
) -> PyResult<Profile> {
    let reader = arrow_io::stream(table).map_err(|e| error(format!("{arg}: {e}")))?;
    let schema = arrow_io::schema(&reader);
    let all: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let columns = columns.map_or(all, <[String]>::to_vec);
    let mut profiler = Profiler::new(&schema, arg, &columns, forced, kinds).map_err(|e| error(format!("{arg}: {e}")))?;
    py.detach(|| -> Result<(), String> {
        for batch in reader {
            profiler.add_batch(&batch.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        }
        Ok(())
    })
    .map_err(|e| error(format!("{arg}: {e}")))?;
    Ok(profiler.finish())
}

/// A table's column sketches as profile JSON (`custos drift profile`).
#[pyfunction]
#[pyo3(signature = (table, columns=None, categorical=vec![]))]
fn drift_profile(py: Python<'_>, table: &Bound<'_, PyAny>, columns: Option<Vec<String>>, categorical: Vec<String>) -> PyResult<String> {
    let forced: BTreeSet<String> = categorical.into_iter().collect();
    Ok(profile_stream(py, "table", table, columns.as_deref(), &forced, None)?.to_json())
}

/// Merges profiles of parts of one table (`custos drift merge`).
#[pyfunction]
fn drift_merge(profiles: Vec<String>) -> PyResult<String> {
    let parsed = profiles.iter().map(|p| parse_profile("profiles", p)).collect::<PyResult<Vec<_>>>()?;
    Ok(Profile::merge_all(&parsed).map_err(|e| error(format!("profiles: {e}")))?.to_json())
}

/// Rows in a profile.
#[pyfunction]
fn drift_profile_rows(profile: &str) -> PyResult<u64> {
    Ok(parse_profile("profile", profile)?.rows)
}

fn names_of(table: Option<&Bound<'_, PyAny>>, profile: Option<&Profile>) -> PyResult<Vec<String>> {
    Ok(match (table, profile) {
        (_, Some(p)) => p.columns.iter().map(|c| c.name.clone()).collect(),
        (Some(t), None) => arrow_io::schema(&arrow_io::stream(t)?).fields().iter().map(|f| f.name().clone()).collect(),
        (None, None) => Vec::new(),
    })
}

/// Compares `current` with `reference` (each a table or a profile JSON): the report as the
/// CLI's JSON.
#[pyfunction]
#[pyo3(signature = (reference=None, current=None, reference_profile=None, current_profile=None, columns=None, categorical=vec![], correction="holm", alpha=0.05, min_effect=BTreeMap::new()))]
#[allow(clippy::too_many_arguments)]
fn drift_compare(
    py: Python<'_>,
    reference: Option<&Bound<'_, PyAny>>,
    current: Option<&Bound<'_, PyAny>>,
    reference_profile: Option<String>,
    current_profile: Option<String>,
    columns: Option<Vec<String>>,
    categorical: Vec<String>,
    correction: &str,
    alpha: f64,
    min_effect: BTreeMap<String, f64>,
) -> PyResult<String> {
    let correction = Correction::parse(correction).ok_or_else(|| error(format!("correction: {correction:?} is not holm, bh or none")))?;
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(error(format!("alpha: must be between 0 and 1, got {alpha}")));
    }
    if let Some((c, v)) = min_effect.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
        return Err(error(format!("min_effect: {c}={v} is not a number >= 0")));
    }
    let reference_profile = reference_profile.as_deref().map(|t| parse_profile("reference", t)).transpose()?;
    let current_profile = current_profile.as_deref().map(|t| parse_profile("current", t)).transpose()?;
    if reference.is_none() && reference_profile.is_none() {
        return Err(error("reference: a table or a profile is required"));
    }
    if current.is_none() && current_profile.is_none() {
        return Err(error("current: a table or a profile is required"));
    }
    let shared: Vec<String> = {
        let r = names_of(reference, reference_profile.as_ref())?;
        let c = names_of(current, current_profile.as_ref())?;
        r.into_iter().filter(|n| c.contains(n)).collect()
    };
    let columns = match columns {
        None => shared,
        Some(list) => {
            if let Some(c) = list.iter().find(|c| !shared.contains(c)) {
                return Err(error(format!("columns: {c:?} is not a column of both tables")));
            }
            list
        }
    };
    if columns.is_empty() {
        return Err(error("columns: the two tables share no column"));
    }
    if let Some(c) = min_effect.keys().chain(&categorical).find(|c| !columns.contains(c)) {
        return Err(error(format!("{c:?} is not a compared column")));
    }
    let forced: BTreeSet<String> = categorical.iter().cloned().collect();
    let mut inputs: Vec<ColumnInput> = if reference_profile.is_some() || current_profile.is_some() {
        if reference_profile.is_some() && !forced.is_empty() {
            return Err(error("categorical: the reference profile already fixed each column's kind"));
        }
        let r = match (reference_profile.clone(), reference) {
            (Some(p), _) => p,
            (None, Some(t)) => profile_stream(py, "reference", t, Some(&columns), &forced, current_profile.as_ref())?,
            (None, None) => unreachable!("checked above"),
        };
        let c = match (current_profile, current) {
            (Some(p), _) => p,
            (None, Some(t)) => profile_stream(py, "current", t, Some(&columns), &forced, Some(&r))?,
            (None, None) => unreachable!("checked above"),
        };
        columns
            .iter()
            .map(|name| {
                let (Some(rc), Some(cc)) = (r.column(name), c.column(name)) else {
                    return Err(error(format!("columns: {name:?} is missing from a profile")));
                };
                if rc.kind() != cc.kind() {
                    return Err(error(format!(
                        "columns: {name:?} is {} in the reference and {} in the current data",
                        rc.kind(),
                        cc.kind()
                    )));
                }
                Ok(ColumnInput {
                    name: name.clone(),
                    reference: rc.sample(),
                    current: cc.sample(),
                    min_effect: min_effect.get(name).copied(),
                })
            })
            .collect::<PyResult<_>>()?
    } else {
        let read = |arg: &str, t: &Bound<'_, PyAny>| -> PyResult<SampleReader> {
            let stream = arrow_io::stream(t).map_err(|e| error(format!("{arg}: {e}")))?;
            let mut samples =
                SampleReader::new(&arrow_io::schema(&stream), arg, &columns, &forced, 0).map_err(|e| error(format!("{arg}: {e}")))?;
            py.detach(|| -> Result<(), String> {
                for batch in stream {
                    samples.add_batch(&batch.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
                }
                Ok(())
            })
            .map_err(|e| error(format!("{arg}: {e}")))?;
            Ok(samples)
        };
        let (Some(rt), Some(ct)) = (reference, current) else { unreachable!("checked above") };
        let (r, c) = (read("reference", rt)?, read("current", ct)?);
        SampleReader::finish_pair(r, c)
            .into_iter()
            .map(|(name, reference, current)| ColumnInput { min_effect: min_effect.get(&name).copied(), name, reference, current })
            .collect()
    };
    let report = py
        .detach(|| custos_monitor::compare(&mut inputs, &DriftOptions { alpha, correction, power: 0.8, name_values: true }))
        .map_err(|e| error(e.to_string()))?;
    serde_json::to_string(&report).map_err(|e| error(e.to_string()))
}

/// Adds `custos.drift`'s functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(drift_compare, m)?)?;
    m.add_function(wrap_pyfunction!(drift_profile, m)?)?;
    m.add_function(wrap_pyfunction!(drift_merge, m)?)?;
    m.add_function(wrap_pyfunction!(drift_profile_rows, m)?)?;
    Ok(())
}
