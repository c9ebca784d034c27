//! `custos.consent`: IAB TC and GPP strings decoded to and encoded from the JSON of
//! `docs/CONSENT_SIGNALS.md`, as `custos consent decode/encode/validate`.

use custos_consent_signals::Mode;
use pyo3::prelude::*;

use crate::error;

/// Longest consent string read (real ones are a few KB).
const MAX_STRING: usize = 1 << 20;

fn mode(lenient: bool) -> Mode {
    if lenient { Mode::Lenient } else { Mode::Strict }
}

/// Decodes a TC or GPP string: the decoded JSON text.
#[pyfunction]
#[pyo3(signature = (string, lenient=false))]
fn consent_decode(string: &str, lenient: bool) -> PyResult<String> {
    if string.len() > MAX_STRING {
        return Err(error(format!("string: longer than {MAX_STRING} bytes")));
    }
    let value = custos_consent_signals::decode_json(string.trim(), mode(lenient)).map_err(|v| error(format!("string: invalid: {v}")))?;
    serde_json::to_string(&value).map_err(|e| error(e.to_string()))
}

/// Encodes decoded JSON text back to its string.
#[pyfunction]
fn consent_encode(value: &str) -> PyResult<String> {
    if value.len() > 16 << 20 {
        return Err(error("value: larger than 16 MB"));
    }
    let json: serde_json::Value = serde_json::from_str(value).map_err(|e| error(format!("value: not JSON: {e}")))?;
    custos_consent_signals::encode_json(&json).map_err(|v| error(format!("value: cannot encode: {v}")))
}

/// Checks many strings: per string `None` when valid, else `(rule, detail)`.
#[pyfunction]
#[pyo3(signature = (strings, lenient=false))]
fn consent_validate(py: Python<'_>, strings: Vec<String>, lenient: bool) -> Vec<Option<(String, String)>> {
    py.detach(|| {
        strings
            .iter()
            .map(|s| {
                if s.len() > MAX_STRING {
                    return Some(("too_long".to_owned(), format!("longer than {MAX_STRING} bytes")));
                }
                custos_consent_signals::validate(s.trim(), mode(lenient)).err().map(|v| (v.rule.to_string(), v.detail))
            })
            .collect()
    })
}

/// Adds `custos.consent`'s functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(consent_decode, m)?)?;
    m.add_function(wrap_pyfunction!(consent_encode, m)?)?;
    m.add_function(wrap_pyfunction!(consent_validate, m)?)?;
    Ok(())
}
