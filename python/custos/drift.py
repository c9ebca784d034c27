"""Drift between a reference and a current table, column by column, as ``custos drift``.

Numbers get the exact two-sample tests (Kolmogorov-Smirnov, Anderson-Darling, ...) with effect
sizes (Wasserstein distance in reference standard deviations); categories get chi-square and
PSI, new and vanished values; p-values are corrected across columns (Holm by default). Either
side may be a :class:`Profile` instead of the table: mergeable sketches (KLL quantiles,
frequency counts) of bounded size, made per file, batch or Spark partition with
:func:`profile` and combined with :meth:`Profile.merge`.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from . import _native
from ._arrow import as_stream

__all__ = ["Profile", "compare", "profile"]


class Profile:
    """A table's column sketches (the file ``custos drift profile`` writes)."""

    def __init__(self, text: str):
        self._text = text

    @property
    def rows(self) -> int:
        """Rows sketched."""
        return _native.drift_profile_rows(self._text)

    def merge(self, *others: "Profile") -> "Profile":
        """This profile plus ``others`` (profiles of other parts of the same table)."""
        return Profile(_native.drift_merge([self._text, *(o._text for o in others)]))

    def to_json(self) -> str:
        """The profile as JSON (readable by ``custos drift --reference-profile``)."""
        return self._text

    @classmethod
    def from_json(cls, text: str) -> "Profile":
        """A profile from JSON (checked now)."""
        _native.drift_profile_rows(text)
        return cls(text)

    def __repr__(self) -> str:
        return f"Profile({self.rows} rows)"


def profile(table: Any, columns: Optional[Sequence[str]] = None, categorical: Sequence[str] = ()) -> Profile:
    """Sketches ``table``'s columns (all by default; ``categorical`` forces columns to categories)."""
    return Profile(_native.drift_profile(as_stream(table), list(columns) if columns is not None else None, list(categorical)))


def compare(
    reference: Any,
    current: Any,
    columns: Optional[Sequence[str]] = None,
    categorical: Sequence[str] = (),
    correction: str = "holm",
    alpha: float = 0.05,
    min_effect: Optional[Mapping[str, float]] = None,
) -> dict:
    """The drift report (the CLI's JSON as a dict): ``reference`` and ``current`` are tables
    (pyarrow, polars, pandas) or :class:`Profile` objects."""
    sides = {}
    for name, side in (("reference", reference), ("current", current)):
        if isinstance(side, Profile):
            sides[f"{name}_profile"] = side.to_json()
        else:
            sides[name] = as_stream(side)
    return json.loads(
        _native.drift_compare(
            columns=list(columns) if columns is not None else None,
            categorical=list(categorical),
            correction=correction,
            alpha=alpha,
            min_effect=dict(min_effect or {}),
            **sides,
        )
    )
