"""custos's engines in Python.

The engines are the same Rust code the ``custos`` command line and server run, compiled into
``custos._native``: results equal the CLI's. Tables are taken through the Arrow PyCapsule
interface (pyarrow tables and record batch readers, polars DataFrames; pandas DataFrames are
converted by pyarrow), so columns are not copied through Python objects, and engine work runs
with the GIL released.

Submodules: :mod:`custos.pii`, :mod:`custos.fairness`, :mod:`custos.explain`, :mod:`custos.drift`, :mod:`custos.consent`, :mod:`custos.anon`; :mod:`custos.spark` runs them on Apache Spark (``import custos.spark``, needs pyspark).
"""

from . import anon, consent, drift, explain, fairness, pii
from ._native import CustosError, __version__

__all__ = ["CustosError", "__version__", "anon", "consent", "drift", "explain", "fairness", "pii"]
