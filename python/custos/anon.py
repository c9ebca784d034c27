"""How identifiable the people in a table are: k-anonymity, l-diversity, t-closeness and the
prosecutor re-identification risk, as ``custos anon check`` reports them.

>>> custos.anon.check(table, quasi=["age", "zip", "sex"], sensitive=["diagnosis"])["k"]
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from . import _native
from ._arrow import as_stream

__all__ = ["check"]


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
