"""The reference for `custos validate`'s benchmark: the same work with XGBoost's own (C++,
multi-threaded) prediction and scikit-learn's metrics: score, ROC AUC / accuracy / precision /
recall / F1 / Brier / log loss with 200 bootstrap replicates of each, calibration curve, ECE per
group, the flip test on `sex`, two noise levels.

    .venv-validate/bin/python bench/validate_reference.py DIR
"""
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import xgboost as xgb
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, brier_score_loss, f1_score, log_loss, precision_score, recall_score,
                             roc_auc_score)

d = Path(sys.argv[1])
started = time.perf_counter()
table = pq.read_table(d / "set.parquet").to_pandas()
y = table.pop("label").to_numpy()
booster = xgb.Booster(model_file=str(d / "model.json"))
booster.set_param({"nthread": 2})
x = table
predict = lambda frame: booster.predict(xgb.DMatrix(frame))
s = predict(x)
rng = np.random.default_rng(1)


def figures(yy, ss):
    p = ss >= 0.5
    return [roc_auc_score(yy, ss), accuracy_score(yy, p), precision_score(yy, p), recall_score(yy, p), f1_score(yy, p),
            brier_score_loss(yy, ss), log_loss(yy, ss)]


estimate = figures(y, s)
boot = []
for r in range(200):
    idx = rng.integers(0, len(y), len(y))
    boot.append(figures(y[idx], s[idx]))
intervals = np.percentile(np.array(boot), [2.5, 97.5], axis=0)
calibration_curve(y, s, n_bins=10)
for g in (0, 1):
    m = x["sex"].to_numpy() == g
    calibration_curve(y[m], s[m], n_bins=10)
flipped = x.copy()
flipped["sex"] = 1 - flipped["sex"]
flips = int(((predict(flipped) >= 0.5) != (s >= 0.5)).sum())
for level in (0.01, 0.05):
    noisy = x.copy()
    for c in noisy.columns:
        if c != "sex":
            noisy[c] = noisy[c] * (1 + level * rng.normal(size=len(noisy)))
    predict(noisy)
print(f"reference: {time.perf_counter() - started:.1f} s for {len(y)} rows (AUC {estimate[0]:.4f}, {flips} flips)")
