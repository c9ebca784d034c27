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


def test_to_html_is_the_clis_page(root, cli, tmp_path):
    """The standalone report the CLI writes with --format html, from the same renderer: the
    same groups, charts (SVG with their numbers in tables) and figures."""
    html = custos.fairness.audit(german(root), bootstrap=0, **ARGS).to_html({"Input": "german.csv"})
    out = tmp_path / "report.html"
    cli("fairness", "audit", "--input", GERMAN, "--sensitive", "sex,age_group", "--y-true", "y_true",
        "--y-pred", "y_pred", "--score", "score", "--bootstrap", "0", "--format", "html", "--output", str(out))
    theirs = out.read_text()
    assert html.startswith("<!doctype html>") and "<svg" in html and "Selection rate per group" in html
    # Everything but the provenance lines is the same page.
    body = lambda page: page.split("<h2>Provenance</h2>")[0]
    assert body(html) == body(theirs)
    assert "<dt>Input</dt><dd><code>german.csv</code></dd>" in html
    # Group labels are escaped (`<25` is data, not markup).
    assert "age_group=&#60;25" in html and "age_group=<25" not in html


def test_check_data_equals_the_cli(root, cli):
    reference = {"sex": {"female": 0.5, "male": 0.5}}
    expected = json.loads(
        cli("fairness", "check-data", "--input", GERMAN, "--sensitive", "sex,age_group", "--y-true", "y_true",
            "--reference-distribution", "sex=female:0.5,male:0.5")
    )
    got = custos.fairness.check_data(pl.from_arrow(german(root)), ["sex", "age_group"], "y_true", reference_distributions=reference)
    close(got, expected)
    assert got["representation"]["sex"]["goodness_of_fit"]["p_value"] < 0.05
    assert {p["feature"] for p in got["proxies"]} >= {"y_pred"}
    with pytest.raises(custos.CustosError, match="add up to"):
        custos.fairness.check_data(german(root), "sex", "y_true", reference_distributions={"sex": {"female": 0.7, "male": 0.7}})
    with pytest.raises(custos.CustosError, match="no share for"):
        custos.fairness.check_data(german(root), "sex", "y_true", reference_distributions={"sex": {"female": 1.0}})
    with pytest.raises(custos.CustosError, match="not one of the sensitive"):
        custos.fairness.check_data(german(root), "sex", "y_true", reference_distributions={"age": {"x": 1.0}})


def test_reweighing_equals_the_cli_and_aif360(root, cli, tmp_path):
    out = tmp_path / "weighted.csv"
    cli("fairness", "mitigate", "--input", GERMAN, "--sensitive", "sex", "--y-true", "y_true", "--output", str(out))
    theirs = pacsv.read_csv(out)
    # Batches of 100 rows: the weights come from the whole table, not from each batch.
    ours = custos.fairness.mitigate(pa.Table.from_batches(german(root).to_batches(max_chunksize=100)), "sex", "y_true")
    assert ours.column_names == theirs.column_names
    assert ours.column("weight").to_pylist() == pytest.approx(theirs.column("weight").to_pylist(), abs=1e-12)
    # AIF360's Reweighing weights, committed beside the fixture.
    fixture = json.loads((root / "testdata/fairness/german.reweighing.json").read_text())
    weight = {(c["sex"], int(c["y_true"])): c["weight"] for c in fixture["cells"]}
    df = ours.to_pandas()
    for sex, y, w in zip(df["sex"], df["y_true"], df["weight"]):
        assert w == pytest.approx(weight[(sex, int(y))], abs=1e-12)
    # Weighted, label and group are independent: equal weighted base rates.
    rates = df.groupby("sex").apply(lambda g: (g["weight"] * g["y_true"]).sum() / g["weight"].sum(), include_groups=False)
    assert rates.max() - rates.min() < 1e-12
    with pytest.raises(custos.CustosError, match="weight_column"):
        custos.fairness.mitigate(german(root), "sex", "y_true", weight_column="score")


def test_thresholds_equal_the_cli(root, cli):
    for constraint, flag in (("demographic_parity", "demographic-parity"), ("true_positive_rate_parity", "true-positive-rate-parity")):
        expected = json.loads(
            cli("fairness", "mitigate", "--method", "thresholds", "--input", GERMAN, "--sensitive", "sex", "--y-true", "y_true",
                "--score", "score", "--constraint", flag, "--tolerance", "0.01")
        )
        got = custos.fairness.mitigate(german(root), "sex", "y_true", method="thresholds", score="score",
                                       constraint=constraint, tolerance=0.01)
        close(got, expected)
        assert got["optimized"]["rate_difference"] <= 0.01 + 1e-12
    with pytest.raises(ValueError, match="score"):
        custos.fairness.mitigate(german(root), "sex", "y_true", method="thresholds")
    with pytest.raises(custos.CustosError, match="tolerance"):
        custos.fairness.mitigate(german(root), "sex", "y_true", method="thresholds", score="score", tolerance=2)
    with pytest.raises(custos.CustosError, match="constraint"):
        custos.fairness.mitigate(german(root), "sex", "y_true", method="thresholds", score="score", constraint="parity")
