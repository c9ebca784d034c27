"""Comparison of reports: equal structure and values, numbers to 1e-12 (sums of floats added in
another order, by another partitioning, differ in the last bits)."""

from __future__ import annotations

import math


def close(a, b, at=""):
    """Asserts that ``a`` and ``b`` (JSON-like values) are equal, floats to 1e-12; names the path on failure."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), at
        for k in a:
            close(a[k], b[k], f"{at}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), at
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{at}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), f"{at}: {a} vs {b}"
    else:
        assert a == b, at
