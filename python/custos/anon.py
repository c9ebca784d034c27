"""How identifiable the people in a table are, and how to release less: k-anonymity,
l-diversity, t-closeness and the prosecutor re-identification risk (``check``, or ``partial``
for parts of a table counted apart and merged), generalization and suppression until a table
meets them (``enforce``), and differentially private segment statistics (``dp_stats``), as
``custos anon check``, ``anon enforce`` and ``dp stats`` report them.

>>> custos.anon.check(table, quasi=["age", "zip", "sex"], sensitive=["diagnosis"])["k"]
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence, Tuple

from . import _native
from ._arrow import as_stream

__all__ = ["AnonPartial", "check", "dp_stats", "enforce", "partial"]


def check(
    table: Any,
    quasi: Sequence[str],
    sensitive: Sequence[str] = (),
    categorical: Sequence[str] = (),
    risk_threshold: float = 0.2,
) -> dict:
    """The check's report (the CLI's JSON as a dict): equivalence classes over the ``quasi``
    columns (those an attacker may know), ``k`` (the smallest class), the re-identification
    risk (records above ``risk_threshold``), and for each ``sensitive`` column its distinct and
    entropy l-diversity, recursive (c,l)-diversity and t-closeness. Columns holding only
    numbers are numeric unless named in ``categorical``."""
    return json.loads(_native.anon_check(as_stream(table), list(quasi), list(sensitive), list(categorical), risk_threshold))


class AnonPartial:
    """A check's partial aggregate: the distinct combinations of the quasi-identifiers' and
    sensitive attributes' values with their numbers of rows. Count parts of a table apart
    (files, batches, Spark partitions), :meth:`merge` them, and :meth:`report` gives the check
    of the whole table exactly (every figure comes from counts). Its size follows the distinct
    combinations, not the rows."""

    def __init__(self, native: "_native.AnonPartial"):
        self._p = native

    @classmethod
    def from_json(cls, text: str) -> "AnonPartial":
        return cls(_native.AnonPartial.from_json(text))

    def to_json(self) -> str:
        return self._p.to_json()

    @property
    def rows(self) -> int:
        return self._p.rows

    @property
    def combinations(self) -> int:
        return self._p.combinations

    def merge(self, *others: "AnonPartial") -> "AnonPartial":
        """Adds the others' counts to this one; returns it."""
        self._p.merge([o._p for o in others])
        return self

    def report(self, risk_threshold: float = 0.2) -> dict:
        """The check's report, as :func:`check` gives it for the whole table."""
        return json.loads(self._p.report(risk_threshold))


def partial(table: Any, quasi: Sequence[str], sensitive: Sequence[str] = (), categorical: Sequence[str] = ()) -> AnonPartial:
    """Counts ``table`` into a partial aggregate of the check (see :class:`AnonPartial`)."""
    return AnonPartial(_native.anon_partial(as_stream(table), list(quasi), list(sensitive), list(categorical)))


def _per_attribute(value: Any, sensitive: Sequence[str], name: str) -> dict:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if not sensitive:
        raise ValueError(f"{name}: a bare {name} applies to every sensitive attribute; name them in sensitive, or give {{attribute: {name}}}")
    return {a: value for a in sensitive}


def enforce(
    table: Any,
    quasi: Sequence[str],
    hierarchies: Mapping[str, Mapping[str, Any]],
    k: int,
    sensitive: Sequence[str] = (),
    l: Any = None,
    t: Any = None,
    max_suppressed: int = 0,
    categorical: Sequence[str] = (),
) -> Tuple[Any, dict]:
    """Generalizes the ``quasi`` columns and suppresses rows until every class has at least
    ``k`` rows (and, per sensitive attribute, at least ``l`` distinct values and a distribution
    within ``t`` of the table's), with the least information loss: ``custos anon enforce``.

    ``hierarchies`` gives each quasi-identifier one of ``{"intervals": [5, 10, 20]}``,
    ``{"prefix": 3}``, ``{"dates": True}`` or ``{"tree": [{"flu": "respiratory"}, ...]}``
    (the CLI's TOML file as a dict). ``l`` and ``t`` are one number for every ``sensitive``
    attribute or a dict per attribute. Returns the released rows (a ``pyarrow.Table``, every
    column as text, quasi-identifiers generalized) and the report."""
    ls = _per_attribute(l, sensitive, "l")
    ts = _per_attribute(t, sensitive, "t")
    attributes = list(dict.fromkeys([*sensitive, *ls, *ts]))
    targets = [(a, int(ls.get(a, 1)), None if ts.get(a) is None else float(ts[a])) for a in attributes]
    released, report = _native.anon_enforce(
        as_stream(table), list(quasi), json.dumps(dict(hierarchies)), k, targets, max_suppressed, list(categorical)
    )
    return released, json.loads(report)


def dp_stats(
    table: Any,
    segment_by: str,
    keys: Optional[Sequence[str]] = None,
    select_keys: Optional[float] = None,
    sum: Optional[str] = None,
    bounds: Optional[Tuple[int, int]] = None,
    epsilon: Optional[float] = None,
    rho: Optional[float] = None,
    delta: float = 1e-6,
) -> dict:
    """Differentially private counts (and, with ``sum`` and its integer ``bounds``, sums and
    means) per segment of ``segment_by``: ``custos dp stats``. ``keys`` are the segments to
    report, all of them, held or not (keys read from the data would tell who is in it); or
    ``select_keys=delta`` reports only keys whose noisy count clears a threshold (needs
    ``epsilon``). ``epsilon`` gives pure DP (discrete Laplace noise), ``rho`` zero-concentrated
    DP (discrete Gaussian). The report's ``left_out`` counts rows of segments not in ``keys``."""
    doc, left_out = _native.anon_dp_stats(
        as_stream(table), segment_by, list(keys) if keys is not None else None, select_keys, sum,
        tuple(bounds) if bounds is not None else None, epsilon, rho, delta,
    )
    report = json.loads(doc)
    report["left_out"] = left_out
    return report
