"""custos.spark on Spark in local mode gives the single-machine answers (exactly for counts,
within the stated bounds for what partials approximate)."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import custos
from _compare import close
import custos.spark

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("custos-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "97")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(spark, table: pa.Table, partitions: int):
    return spark.createDataFrame(table.to_pandas()).repartition(partitions)


def decisions(n=20_000, seed=3) -> pa.Table:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], n)
    age = rng.choice(["<25", "25-45", ">45"], n, p=[0.2, 0.5, 0.3])
    score = np.round(rng.beta(2, 2, n), 6)
    y_true = (rng.random(n) < 0.3 + 0.4 * score).astype(int)
    y_pred = (score + np.where(sex == "female", -0.05, 0.0) > 0.5).astype(int)
    return pa.table({"sex": sex, "age_group": age, "y_true": y_true, "y_pred": y_pred, "score": score})


ARGS = dict(sensitive=["sex", "age_group"], y_true="y_true", y_pred="y_pred", score="score")


def strip_order(report):
    """Groups keyed by their values (first-seen order depends on the partitioning)."""
    out = dict(report)
    out["by_group"] = sorted(report["by_group"], key=lambda g: json.dumps(g["group"], sort_keys=True))
    out["by_attribute"] = {a: sorted(v, key=lambda g: json.dumps(g["group"], sort_keys=True)) for a, v in report["by_attribute"].items()}
    return out


def test_fairness_audit_equals_one_machine(spark):
    table = decisions()
    df = frame(spark, table, 7)
    on_spark = custos.spark.fairness_audit(df, bootstrap=0, **ARGS).report
    one = custos.fairness.audit(table, bootstrap=0, streaming=True, **ARGS).report
    close(strip_order(on_spark), strip_order(one))
    # The histogram ROC AUC against the exact one: within the stated bound.
    exact = custos.fairness.audit(table, bootstrap=0, **ARGS).report
    for g, e in zip(strip_order(on_spark)["by_group"], strip_order(exact)["by_group"]):
        assert g["count"] == e["count"]
        assert abs(g["roc_auc"] - e["roc_auc"]) <= 1e-3, (g["group"], g["roc_auc"], e["roc_auc"])
    assert on_spark["roc_auc_method"] != exact["roc_auc_method"]


def test_fairness_on_the_committed_fixture(spark, root):
    table = pacsv.read_csv(root / "testdata/fairness/german.csv")
    df = frame(spark, table, 3)
    on_spark = custos.spark.fairness_partial(df, **ARGS)
    assert on_spark.rows == 1000
    one = custos.fairness.partial(table, streaming=True, **ARGS)
    close(strip_order(json.loads(on_spark.report(bootstrap=0))), strip_order(json.loads(one.report(bootstrap=0))))


def test_pii_scan_and_redaction_equal_one_machine(spark, root):
    docs = [json.loads(line) for line in (root / "testdata/pii/heldout/heldout.jsonl").read_text().splitlines()[:400]]
    table = pa.table({"id": list(range(len(docs))), "note": [d["text"] for d in docs], "locale": [d["locale"] for d in docs]})
    df = frame(spark, table, 5)
    on_spark = custos.spark.pii_scan(df)
    one = custos.pii.scan_table(table)
    strip = lambda r: [{k: v for k, v in c.items() if k != "data_type"} for c in r["columns"]]
    assert on_spark["rows"] == one["rows"] == 400
    assert strip(on_spark) == strip(one)
    redacted = custos.spark.pii_redact(df, "note", operators={"DEFAULT": "redact"}).toPandas().sort_values("id")
    expected = custos.pii.redact_table(table.select(["note"]), operators={"DEFAULT": "redact"}).column("note").to_pylist()
    assert redacted["note"].tolist() == expected
    assert redacted["locale"].tolist() == table.column("locale").to_pylist()


def test_drift_profiles_merge_across_partitions(spark):
    rng = np.random.default_rng(11)
    ref = pa.table({"amount": rng.lognormal(3, 0.5, 30_000), "plan": rng.choice(["a", "b", "c"], 30_000)})
    cur = pa.table({"amount": rng.lognormal(3.05, 0.5, 10_000), "plan": rng.choice(["a", "b", "c", "d"], 10_000)})
    merged = custos.spark.drift_profile(frame(spark, ref, 6))
    assert merged.rows == 30_000
    one = custos.drift.compare(custos.drift.profile(ref), cur)
    on_spark = custos.drift.compare(merged, cur)
    for a, b in zip(one["columns"], on_spark["columns"]):
        assert a["verdict"] == b["verdict"]
        assert a["effect_size"]["value"] == pytest.approx(b["effect_size"]["value"], abs=0.02)
    plan = next(c for c in on_spark["columns"] if c["column"] == "plan")
    exact = next(c for c in one["columns"] if c["column"] == "plan")
    assert plan["effect_size"] == exact["effect_size"], "category counts merge exactly"


def test_anon_check_equals_one_machine(spark, root):
    table = pacsv.read_csv(root / "testdata/anon/people.csv")
    quasi, sensitive = ["age", "zip", "gender"], ["diagnosis", "income"]
    on_spark = custos.spark.anon_check(frame(spark, table, 4), quasi, sensitive)
    close(on_spark, custos.anon.check(table, quasi=quasi, sensitive=sensitive))
    coarse = custos.spark.anon_check(frame(spark, table, 3), ["gender", "education"], ["diagnosis"])
    close(coarse, custos.anon.check(table, quasi=["gender", "education"], sensitive=["diagnosis"]))
    assert coarse["k"] == custos.anon.check(table, quasi=["gender", "education"])["k"]


def test_shap_values_per_partition(spark, root):
    rows = pacsv.read_csv(root / "testdata/explain/wine.rows.csv")
    model = root / "testdata/explain/wine.lgb.txt"
    out = custos.spark.shap_values(frame(spark, rows, 3), str(model)).toPandas().sort_values("id")
    explainer = custos.explain.TreeExplainer(str(model))
    expected = explainer.shap_values(rows.to_pandas().sort_values("id").reset_index(drop=True))
    got = np.stack([[out[f"shap_{f}_class{c}"].to_numpy() for c in range(3)] for f in explainer.feature_names]).transpose(2, 0, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
