"""custos on Apache Spark: audits that scale out with the same answers.

Every batch statistic custos computes is a mergeable partial aggregate (fairness: per-group
confusion counts and score histograms; drift: column sketches; PII: per-column counts;
anonymity: the combinations of the quasi-identifiers' and sensitive values with their rows). The
functions here run the engine on each partition's Arrow batches with ``mapInArrow`` (nothing
but the partition's own rows is read there), ship one small partial per partition (a few KB of
JSON; nothing else is shuffled) and combine the partials with ``treeReduce``. Counts, and
everything computed from counts, equal the single-machine answer exactly; ROC AUC comes from
1,000-bin score histograms (``streaming``: the single-machine ``streaming=True`` answer
exactly, within 1/1000 of the exact value's score resolution); drift compares merged KLL
sketches (within the sketches' rank error). Bootstrap intervals are seeded but depend on the
order in which groups are first met, which can depend on the partitioning.

Executors need the ``custos`` package importable (install the wheel on the cluster's Python).
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Mapping, Optional, Sequence

from . import anon as _anon
from . import drift as _drift
from . import fairness as _fairness
from . import pii as _pii

__all__ = ["anon_check", "fairness_audit", "fairness_partial", "pii_scan", "pii_redact", "drift_profile", "shap_values"]


def _reader(batches):
    """The partition's batches as one Arrow stream (nothing when the partition is empty)."""
    import pyarrow as pa

    first = next(batches, None)
    if first is None:
        return None
    return pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], batches))


def _partial_batch(text: str):
    import pyarrow as pa

    return pa.RecordBatch.from_pydict({"partial": [text]})


def _tree_merge(df, per_partition, merge, depth: int):
    """Runs ``per_partition`` (Arrow batches -> one JSON partial) on every partition and merges
    the partials pairwise with ``merge`` (JSON, JSON -> JSON) in a tree of ``depth`` levels."""
    partials = df.mapInArrow(per_partition, "partial string").rdd.map(lambda row: row.partial)
    if partials.isEmpty():
        return None
    return partials.treeReduce(merge, depth=depth)


def fairness_partial(
    df,
    sensitive: Sequence[str],
    y_true: str,
    y_pred: str,
    score: Optional[str] = None,
    favorable: Any = "1",
    streaming: bool = True,
    depth: int = 2,
) -> "_fairness.FairnessPartial":
    """The audit's partial aggregate over a Spark DataFrame (see :func:`fairness_audit`)."""
    sensitive = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    columns = [*sensitive, y_true, y_pred] + ([score] if score else [])

    def per_partition(batches):
        from custos import fairness

        reader = _reader(batches)
        if reader is not None:
            yield _partial_batch(fairness.partial(reader, sensitive, y_true, y_pred, score, favorable, streaming).to_json())

    def merge(a: str, b: str) -> str:
        from custos import fairness

        left = fairness.FairnessPartial.from_json(a)
        left.merge([fairness.FairnessPartial.from_json(b)])
        return left.to_json()

    text = _tree_merge(df.select(*columns), per_partition, merge, depth)
    if text is None:
        raise _fairness._native.CustosError("df: no rows to audit")
    return _fairness.FairnessPartial.from_json(text)


def fairness_audit(
    df,
    sensitive: Sequence[str],
    y_true: str,
    y_pred: str,
    score: Optional[str] = None,
    favorable: Any = "1",
    reference_group: Optional[str] = None,
    min_group_size: int = 30,
    bootstrap: int = 1000,
    seed: int = 20261122,
    streaming: bool = True,
    frame: str = "pandas",
    depth: int = 2,
) -> "_fairness.Audit":
    """Audits the decisions in a Spark DataFrame: :func:`custos.fairness.audit`'s report,
    computed from per-partition partials. ``streaming=True`` (the default here) keeps score
    histograms, a few KB per group; ``False`` ships every (score, label) pair for the exact
    ROC AUC, which only suits small data."""
    p = fairness_partial(df, sensitive, y_true, y_pred, score, favorable, streaming, depth)
    return _fairness.Audit(json.loads(p.report(min_group_size, bootstrap, seed, reference_group)), frame)


def pii_scan(df, entities: Optional[Sequence[str]] = None, threshold: float = 0.4, classify_share: float = 0.5, depth: int = 2) -> dict:
    """Which personal data each column of a Spark DataFrame holds: :func:`custos.pii.scan_table`'s report."""
    entities = list(entities) if entities is not None else None

    def per_partition(batches):
        from custos import pii

        reader = _reader(batches)
        if reader is not None:
            yield _partial_batch(pii.scan_partial(reader, entities, threshold).to_json())

    def merge(a: str, b: str) -> str:
        from custos import pii

        return pii.TableScan(a).merge(pii.TableScan(b)).to_json()

    text = _tree_merge(df, per_partition, merge, depth)
    if text is None:
        import pyarrow as pa

        text = _pii.scan_partial(pa.table({c: pa.array([], pa.string()) for c in df.columns})).to_json()
    return _pii.TableScan(text).report(classify_share)


def pii_redact(
    df,
    column: str,
    operators: Optional[Mapping[str, Any]] = None,
    entities: Optional[Sequence[str]] = None,
    threshold: float = 0.4,
):
    """A DataFrame with ``column`` (text) redacted row by row on the executors, over Arrow
    batches; other columns pass through untouched."""
    from pyspark.sql.types import StringType, StructField, StructType

    if column not in df.columns:
        raise _pii._native.CustosError(f"column: no column {column!r} in the DataFrame (columns: {', '.join(df.columns)})")
    schema = StructType([StructField(f.name, StringType(), True) if f.name == column else f for f in df.schema.fields])
    ops = dict(operators) if operators is not None else None
    ents = list(entities) if entities is not None else None

    def per_partition(batches):
        import pyarrow as pa
        from custos import pii

        for batch in batches:
            i = batch.schema.get_field_index(column)
            one = pa.table({column: batch.column(i).cast(pa.string())})
            red = pii.redact_table(one, operators=ops, entities=ents, threshold=threshold).column(0).combine_chunks()
            arrays = list(batch.columns)
            arrays[i] = red
            yield pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)

    return df.mapInArrow(per_partition, schema)


def drift_profile(df, columns: Optional[Sequence[str]] = None, categorical: Sequence[str] = (), depth: int = 2) -> "_drift.Profile":
    """A Spark DataFrame's column sketches, merged from per-partition profiles; compare two with
    :func:`custos.drift.compare`."""
    columns = list(columns) if columns is not None else list(df.columns)
    categorical = list(categorical)

    def per_partition(batches):
        from custos import drift

        reader = _reader(batches)
        if reader is not None:
            yield _partial_batch(drift.profile(reader, columns, categorical).to_json())

    def merge(a: str, b: str) -> str:
        from custos import drift

        return drift.Profile(a).merge(drift.Profile(b)).to_json()

    text = _tree_merge(df.select(*columns), per_partition, merge, depth)
    if text is None:
        raise _drift._native.CustosError("df: no rows to profile")
    return _drift.Profile(text)


def anon_check(
    df,
    quasi: Sequence[str],
    sensitive: Sequence[str] = (),
    categorical: Sequence[str] = (),
    risk_threshold: float = 0.2,
    depth: int = 2,
) -> dict:
    """How identifiable the people in a Spark DataFrame are: :func:`custos.anon.check`'s
    report, from per-partition class counts merged on the driver (exact: every figure comes
    from counts). A partition ships its distinct combinations of the named columns' values, not
    its rows."""
    quasi, sensitive, categorical = list(quasi), list(sensitive), list(categorical)
    names = list(dict.fromkeys([*quasi, *sensitive]))

    def per_partition(batches):
        from custos import anon

        reader = _reader(batches)
        if reader is not None:
            yield _partial_batch(anon.partial(reader, quasi, sensitive, categorical).to_json())

    def merge(a: str, b: str) -> str:
        from custos import anon

        return anon.AnonPartial.from_json(a).merge(anon.AnonPartial.from_json(b)).to_json()

    missing = [n for n in names if n not in df.columns]
    if missing:
        raise _anon._native.CustosError(f"quasi: no column {missing[0]!r} in the DataFrame (columns: {', '.join(df.columns)})")
    text = _tree_merge(df.select(*names), per_partition, merge, depth)
    if text is None:
        raise _anon._native.CustosError("df: no rows to check")
    return _anon.AnonPartial.from_json(text).report(risk_threshold)


def shap_values(df, model: Any, prefix: str = "shap_"):
    """``df`` with TreeSHAP attributions appended (``shap_<feature>``, or
    ``shap_<feature>_class<k>`` for several outputs), computed per partition with the model
    broadcast to the executors (its bytes are parsed once per executor process)."""
    import pyarrow as pa
    from pyspark.sql.types import DoubleType, StructField, StructType

    from .explain import TreeExplainer, _model_bytes

    data = _model_bytes(model)
    probe = TreeExplainer(data)
    names = probe.feature_names
    k = probe._model.n_outputs
    missing = [f for f in names if f not in df.columns]
    if missing:
        raise _drift._native.CustosError(f"df: lacks the model's feature column(s): {', '.join(missing)}")
    out_names = [f"{prefix}{f}" if k == 1 else f"{prefix}{f}_class{c}" for f in names for c in range(k)]
    schema = StructType(df.schema.fields + [StructField(n, DoubleType(), True) for n in out_names])
    shared = df.sparkSession.sparkContext.broadcast(data)

    def per_partition(batches):
        from custos import explain

        import hashlib

        key = hashlib.sha256(shared.value).hexdigest()
        explainer = _explainers.get(key)
        if explainer is None:
            explainer = _explainers.setdefault(key, explain.TreeExplainer(shared.value))
        for batch in batches:
            values = explainer.shap_values(pa.Table.from_batches([batch]))
            flat = values.reshape(batch.num_rows, -1)
            extra = [pa.array(flat[:, j]) for j in range(flat.shape[1])]
            yield pa.RecordBatch.from_arrays(list(batch.columns) + extra, names=batch.schema.names + out_names)

    return df.mapInArrow(per_partition, schema)


# Explainers built on an executor, by broadcast (one parse per Python worker).
_explainers: dict = {}
