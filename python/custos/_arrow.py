"""Turns the table types data scientists hold into something with ``__arrow_c_stream__``."""

from __future__ import annotations

from typing import Any


def as_stream(table: Any) -> Any:
    """Returns ``table`` itself when it speaks the Arrow PyCapsule stream interface
    (pyarrow, polars, DuckDB relations), a pyarrow table for pandas DataFrames and dicts of
    columns, and raises ``TypeError`` for anything else."""
    if hasattr(table, "__arrow_c_stream__"):
        return table
    import pyarrow as pa

    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table])
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        pd = None
    if pd is not None and isinstance(table, pd.DataFrame):
        return pa.Table.from_pandas(table, preserve_index=False)
    if isinstance(table, dict):
        return pa.table(table)
    raise TypeError(
        f"expected an Arrow table (pyarrow.Table, polars.DataFrame, pandas.DataFrame, ...), got {type(table).__name__}"
    )
