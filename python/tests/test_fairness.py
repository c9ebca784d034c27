"""custos.fairness gives the CLI's report, Fairlearn's numbers, and the same answer from merged partials."""

from __future__ import annotations

import json

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import custos
from _compare import close

GERMAN = "testdata/fairness/german.csv"
ARGS = dict(sensitive=["sex", "age_group"], y_true="y_true", y_pred="y_pred", score="score")


def german(root) -> pa.Table:
    return pacsv.read_csv(root / GERMAN)


def test_audit_equals_the_cli(root, cli):
    expected = json.loads(
        cli("fairness", "audit", "--input", GERMAN, "--sensitive", "sex,age_group", "--y-true", "y_true",
            "--y-pred", "y_pred", "--score", "score", "--reference-group", "sex=male", "--bootstrap", "200")
    )
    got = custos.fairness.audit(german(root), reference_group="sex=male", bootstrap=200, **ARGS)
    close(got.report, expected)
    assert got.report["relative_to_reference"] is not None
    assert len(got.report["by_group"]) == 6


def test_numbers_are_fairlearns(root):
    """Against Fairlearn's MetricFrame, run here, and the committed fixture made by Fairlearn."""
    from fairlearn.metrics import MetricFrame, demographic_parity_difference, equalized_odds_difference, selection_rate
    from sklearn.metrics import recall_score

    df = german(root).to_pandas()
    got = custos.fairness.audit(df, bootstrap=0, **ARGS)
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "true_positive_rate": recall_score},
        y_true=df["y_true"], y_pred=df["y_pred"], sensitive_features=df[["sex", "age_group"]],
    )
    by_group = got.by_group.set_index(["sex", "age_group"])
    for (sex, age), row in frame.by_group.iterrows():
        assert by_group.loc[(sex, age), "selection_rate"] == pytest.approx(row["selection_rate"], abs=1e-12)
        assert by_group.loc[(sex, age), "true_positive_rate"] == pytest.approx(row["true_positive_rate"], abs=1e-12)
    sf = df[["sex", "age_group"]]
    d = got.report["disparities"]
    assert d["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf), abs=1e-12)
    assert d["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(df["y_true"], df["y_pred"], sensitive_features=sf), abs=1e-12)
    fixture = json.loads((root / "testdata/fairness/german.expected.json").read_text())
    for g in fixture["by_group"]:
        mine = by_group.loc[(g["group"]["sex"], g["group"]["age_group"])]
        for metric in ("count", "selection_rate", "false_positive_rate", "accuracy", "roc_auc"):
            assert mine[metric] == pytest.approx(g["metrics"][metric], abs=1e-9), metric


def test_merged_partials_equal_one_pass(root):
    t = german(root)
    whole = custos.fairness.partial(t, **ARGS)
    parts = [custos.fairness.partial(t.slice(o, 173), **ARGS) for o in range(0, t.num_rows, 173)]
    # Through JSON, as partials travel between processes.
    parts = [custos.fairness.FairnessPartial.from_json(p.to_json()) for p in parts]
    merged = parts[0]
    merged.merge(parts[1:])
    assert merged.rows == whole.rows == 1000
    close(json.loads(merged.report(bootstrap=0)), json.loads(whole.report(bootstrap=0)))
    empty = custos.fairness.partial(t.slice(0, 0), **ARGS)
    empty.merge([whole])
    close(json.loads(empty.report(bootstrap=0)), json.loads(whole.report(bootstrap=0)))


def test_every_table_type_and_frame_kind(root):
    t = german(root)
    reports = [custos.fairness.audit(form, bootstrap=0, **ARGS).report for form in (t, pl.from_arrow(t), t.to_pandas())]
    assert reports[0] == reports[1] == reports[2]
    a = custos.fairness.audit(t, bootstrap=0, frame="polars", **ARGS)
    assert isinstance(a.by_group, pl.DataFrame) and a.by_group.height == 6
    assert isinstance(custos.fairness.audit(t, bootstrap=0, **ARGS).disparities, pd.DataFrame)
    assert "demographic parity difference" in repr(a)


def test_bad_input_is_refused_with_the_argument_named(root):
    t = german(root)
    with pytest.raises(custos.CustosError, match=r"y_true: no column \"label\""):
        custos.fairness.audit(t, sensitive=["sex"], y_true="label", y_pred="y_pred")
    with pytest.raises(custos.CustosError, match="score"):
        bad = pa.table({"g": ["a", "b"], "t": [1, 0], "p": [1, 1], "s": [0.5, 1.5]})
        custos.fairness.audit(bad, sensitive=["g"], y_true="t", y_pred="p", score="s")
    with pytest.raises(custos.CustosError, match="sensitive"):
        custos.fairness.audit(t, sensitive=[], y_true="y_true", y_pred="y_pred")
    with pytest.raises(custos.CustosError, match="no rows"):
        custos.fairness.audit(t.slice(0, 0), bootstrap=0, **ARGS)
    with pytest.raises(custos.CustosError, match="reference_group"):
        custos.fairness.audit(t, reference_group="region=north", **ARGS)
