"""The example notebook runs from top to bottom and shows the audit, the explanation and the drift report."""

from __future__ import annotations

import os

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def test_example_notebook_executes(root, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTOS_ROOT", str(root))
    nb = nbformat.read(root / "examples/custos-audit.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(
        str(o.get("text") or (o.get("data") or {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    # The audit's demographic parity difference is Fairlearn's (testdata/fairness/german.expected.json).
    assert "demographic parity difference 0.15897435897435896" in text
    assert "(40, 31)" in text, "SHAP values for 40 rows x 31 features"
    assert "amount:" in text and "drift" in text
    for chart in ("selection_rates.svg", "shap_importance.svg", "drift.svg"):
        svg = (tmp_path / chart).read_text()
        assert svg.startswith("<?xml") and "<svg" in svg, chart
    assert os.environ["CUSTOS_ROOT"] == str(root)
