//! custos's engines for Python (`import custos`): the native module `custos._native` that the
//! pure-Python package in `python/custos/` wraps in the users' idiom. Tables come in through
//! the Arrow PyCapsule stream interface (pyarrow, polars, DuckDB, pandas via pyarrow) without
//! copying columns through Python objects, and go out as pyarrow tables; engine work runs with
//! the GIL released.

use pyo3::prelude::*;

mod anon;
mod arrow_io;
mod consent;
mod drift;
mod explain;
mod fairness;
mod pii;

pyo3::create_exception!(
    _native,
    CustosError,
    pyo3::exceptions::PyValueError,
    "An engine refused its input; the message says which argument and why."
);

/// Raises [`CustosError`] with `message`.
pub(crate) fn error(message: impl Into<String>) -> PyErr {
    CustosError::new_err(message.into())
}

/// The native module behind the `custos` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CustosError", m.py().get_type::<CustosError>())?;
    pii::register(m)?;
    fairness::register(m)?;
    explain::register(m)?;
    drift::register(m)?;
    consent::register(m)?;
    anon::register(m)?;
    Ok(())
}
