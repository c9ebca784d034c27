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
