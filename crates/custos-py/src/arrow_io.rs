//! Arrow in and out: any object with `__arrow_c_stream__` streams in batch by batch (zero
//! copy), results go back as `pyarrow.Table`.

use arrow::array::RecordBatchReader;
use arrow::datatypes::SchemaRef;
use arrow::ffi_stream::RecordBatchStreamReader;
use arrow::record_batch::RecordBatch;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table};
use pyo3::prelude::*;

use crate::error;

/// Opens `table` as a stream of record batches (the PyCapsule stream interface).
pub fn stream(table: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    if !table.hasattr("__arrow_c_stream__")? {
        return Err(error(
            "table: expected an Arrow table (an object with __arrow_c_stream__: pyarrow.Table or RecordBatchReader, polars.DataFrame, ...)",
        ));
    }
    RecordBatchStreamReader::from_pyarrow_bound(table)
}

/// The schema of a stream.
pub fn schema(reader: &RecordBatchStreamReader) -> SchemaRef {
    reader.schema()
}

/// Returns batches as a `pyarrow.Table`.
pub fn to_table(py: Python<'_>, batches: Vec<RecordBatch>, schema: SchemaRef) -> PyResult<Py<PyAny>> {
    let table = Table::try_new(batches, schema).map_err(|e| error(format!("cannot build the result table: {e}")))?;
    Ok(table.into_pyarrow(py)?.unbind())
}

/// Feeds every batch of `reader` to `add` with the GIL released, then answers what `finish`
/// makes of the state, as JSON: the shape of the functions that return an engine's report.
pub fn fold_to_json<T: Send, R: serde::Serialize + Send>(
    py: Python<'_>,
    reader: RecordBatchStreamReader,
    mut state: T,
    add: impl Fn(&mut T, &RecordBatch) -> Result<(), String> + Send,
    finish: impl FnOnce(T) -> Result<R, String> + Send,
) -> PyResult<String> {
    let result = py
        .detach(move || -> Result<R, String> {
            for batch in reader {
                add(&mut state, &batch.map_err(|e| format!("table: {e}"))?)?;
            }
            finish(state)
        })
        .map_err(error)?;
    serde_json::to_string(&result).map_err(|e| error(e.to_string()))
}
