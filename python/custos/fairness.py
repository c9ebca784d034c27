"""Fairness audits of decisions with Fairlearn's and AIF360's definitions.

``audit`` gives what ``custos fairness audit`` gives (the same JSON report, number for
number): per group (every combination of the sensitive values) selection rate, TPR, FPR,
accuracy and more with Wilson intervals, per attribute, the disparities (demographic parity,
equalized odds, ...) with bootstrap intervals, a chi-square test of independence, ROC AUC and
calibration with a score, and AIF360's comparisons against a reference group.

Tables are counted into a mergeable partial aggregate (:func:`partial`): count parts of a
table apart (files, batches, Spark partitions), :meth:`FairnessPartial.merge` them, and the
report is the one-pass report (counts exactly; sums of scores to rounding).

``check_data`` checks training data before a model learns from it (group representation
against a reference population, label balance, features that act as proxies for a sensitive
attribute), and ``mitigate`` reduces bias (reweighing the training rows, or per-group decision
thresholds on a score): the CLI's ``fairness check-data`` and ``fairness mitigate``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from . import _native
from ._arrow import as_stream
from ._native import FairnessPartial

__all__ = ["Audit", "FairnessPartial", "audit", "check_data", "mitigate", "partial"]


def partial(
    table: Any,
    sensitive: Sequence[str],
    y_true: str,
    y_pred: str,
    score: Optional[str] = None,
    favorable: Any = "1",
    streaming: bool = False,
) -> FairnessPartial:
    """Counts ``table``'s decisions per group: the partial aggregate of an audit."""
    if isinstance(sensitive, str):
        sensitive = [sensitive]
    return _native.fairness_partial(as_stream(table), list(sensitive), y_true, y_pred, score, str(favorable), streaming)


class Audit:
    """An audit's report, with its tables as data frames.

    ``report`` is the CLI's JSON document as a dict; ``by_group``, ``by_attribute(name)`` and
    ``disparities`` are pandas (default) or polars frames (``frame="polars"``)."""

    def __init__(self, report: dict, frame: str = "pandas"):
        if frame not in ("pandas", "polars"):
            raise ValueError(f"frame: expected 'pandas' or 'polars', got {frame!r}")
        self.report = report
        self._frame = frame

    def _table(self, rows: list) -> Any:
        flat = []
        for g in rows:
            row = dict(g["group"])
            row.update({k: v for k, v in g.items() if k not in ("group", "intervals")})
            for metric, iv in (g.get("intervals") or {}).items():
                row[f"{metric}_low"] = iv["low"]
                row[f"{metric}_high"] = iv["high"]
            flat.append(row)
        if self._frame == "polars":
            import polars as pl

            return pl.DataFrame(flat)
        import pandas as pd

        return pd.DataFrame(flat)

    @property
    def by_group(self) -> Any:
        """One row per combination of sensitive values: its values, counts, metrics and intervals."""
        return self._table(self.report["by_group"])

    def by_attribute(self, name: str) -> Any:
        """One row per value of one sensitive attribute."""
        if name not in self.report["by_attribute"]:
            raise KeyError(f"{name!r} is not one of the audited attributes {self.report['sensitive']}")
        return self._table(self.report["by_attribute"][name])

    @property
    def disparities(self) -> Any:
        """The disparities between groups: one row per measure, with its bootstrap interval when computed."""
        intervals = self.report.get("disparity_intervals") or {}
        rows = []
        for k, v in self.report["disparities"].items():
            iv = intervals.get(k) or {}
            rows.append({"measure": k, "value": v, "low": iv.get("low"), "high": iv.get("high")})
        if self._frame == "polars":
            import polars as pl

            return pl.DataFrame(rows)
        import pandas as pd

        return pd.DataFrame(rows)

    @property
    def warnings(self) -> list:
        """What makes some numbers fragile (small groups, missing outcomes)."""
        return list(self.report.get("warnings", []))

    def to_json(self) -> str:
        """The report as JSON, as ``custos fairness audit`` writes it."""
        return json.dumps(self.report, indent=2)

    def to_html(self, provenance: Optional[Mapping[str, str]] = None) -> str:
        """The report as one standalone HTML page (charts of selection and true positive rates
        with their numbers in tables, groups, disparities, warnings), the page
        ``custos fairness audit --format html`` writes. ``provenance`` adds lines saying where
        the numbers came from (e.g. ``{"Input": "s3://bucket/decisions/"}``)."""
        pairs = [(str(k), str(v)) for k, v in (provenance or {}).items()]
        return _native.fairness_report_html(json.dumps(self.report), pairs)

    def __repr__(self) -> str:
        d = self.report["disparities"]
        return (
            f"Audit({self.report['rows']} rows, {len(self.report['by_group'])} groups by {' x '.join(self.report['sensitive'])}; "
            f"demographic parity difference {d.get('demographic_parity_difference')}, "
            f"equalized odds difference {d.get('equalized_odds_difference')})"
        )


def audit(
    table: Any,
    sensitive: Sequence[str],
    y_true: str,
    y_pred: str,
    score: Optional[str] = None,
    favorable: Any = "1",
    reference_group: Optional[str] = None,
    min_group_size: int = 30,
    bootstrap: int = 1000,
    seed: int = 20261122,
    streaming: bool = False,
    frame: str = "pandas",
) -> Audit:
    """Audits the decisions in ``table`` (any Arrow table, polars or pandas DataFrame).

    Same parameters and defaults as ``custos fairness audit``: ``sensitive`` columns form the
    groups, ``y_true`` is the actual outcome, ``y_pred`` the decision, ``score`` an optional
    probability of the favourable outcome, ``favorable`` the favourable label value,
    ``reference_group`` e.g. ``"sex=male"``."""
    p = partial(table, sensitive, y_true, y_pred, score, favorable, streaming)
    return Audit(json.loads(p.report(min_group_size, bootstrap, seed, reference_group)), frame)


def _sensitive(sensitive: Any) -> list:
    return [sensitive] if isinstance(sensitive, str) else list(sensitive)


def check_data(
    table: Any,
    sensitive: Sequence[str],
    y_true: str,
    favorable: Any = "1",
    max_categories: int = 50,
    proxy_threshold: float = 0.3,
    reference_distributions: Optional[Mapping[str, Mapping[str, float]]] = None,
) -> dict:
    """Checks training data in ``table`` (the CLI's ``fairness check-data``, the same report).

    Per sensitive attribute: each value's count, share and base rate (share of favourable
    labels); for every other column with at most ``max_categories`` values, Cramér's V and the
    mutual information with each attribute, flagged as a proxy at ``proxy_threshold``;
    ``reference_distributions`` (e.g. ``{"sex": {"female": 0.51, "male": 0.49}}``) compares the
    data's shares with a population's (chi-square goodness of fit)."""
    reference = {str(a): {str(v): float(x) for v, x in shares.items()} for a, shares in (reference_distributions or {}).items()}
    text = _native.fairness_check_data(
        as_stream(table), _sensitive(sensitive), y_true, str(favorable), max_categories, proxy_threshold, reference
    )
    return json.loads(text)


def mitigate(
    table: Any,
    sensitive: Sequence[str],
    y_true: str,
    method: str = "reweighing",
    favorable: Any = "1",
    weight_column: str = "weight",
    score: Optional[str] = None,
    constraint: str = "demographic_parity",
    tolerance: float = 0.02,
    baseline_threshold: float = 0.5,
) -> Any:
    """Reduces bias (the CLI's ``fairness mitigate``).

    ``method="reweighing"`` (pre-processing) returns a ``pyarrow.Table``: ``table`` with a
    ``weight_column`` of Kamiran-Calders weights that make label and group independent when
    a model trains with them (AIF360's ``Reweighing``). ``method="thresholds"``
    (post-processing) returns the report of the most accurate per-group thresholds on
    ``score`` whose rates (``constraint``: ``"demographic_parity"`` or
    ``"true_positive_rate_parity"``) differ by at most ``tolerance``, with the accuracy it
    costs against one shared ``baseline_threshold``."""
    if method == "reweighing":
        return _native.fairness_reweighing(as_stream(table), _sensitive(sensitive), y_true, str(favorable), weight_column)
    if method == "thresholds":
        if score is None:
            raise ValueError("score: method='thresholds' needs the score column the thresholds apply to")
        text = _native.fairness_thresholds(
            as_stream(table), _sensitive(sensitive), y_true, score, str(favorable), constraint, tolerance, baseline_threshold
        )
        return json.loads(text)
    raise ValueError(f"method: expected 'reweighing' or 'thresholds', got {method!r}")
