"""Makes the validation engine's reference fixtures with scikit-learn (run testdata/validate/setup.sh
first): scores.csv (score, label) and expected.json with roc_auc_score, brier_score_loss, log_loss,
accuracy/precision/recall/f1 at 0.5, calibration_curve (uniform, 10 bins), scores on the bin
edges, and RMSE/MAE of a small regression.

    .venv-validate/bin/python testdata/validate/make_fixtures.py
"""
import json
from pathlib import Path

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, brier_score_loss, f1_score, log_loss, mean_absolute_error,
                             mean_squared_error, precision_score, recall_score, roc_auc_score)

HERE = Path(__file__).parent
rng = np.random.default_rng(20261203)
n = 5000
x = rng.normal(size=n)
score = 1 / (1 + np.exp(-(1.3 * x + 0.2)))
# Ties, scores of exactly 0 and 1, and a slightly miscalibrated outcome.
score = np.round(score, 3)
score[:5] = [0.0, 1.0, 0.5, 0.5, 0.1]
label = (rng.random(n) < np.clip(score * 0.9 + 0.05, 0, 1)).astype(int)
with open(HERE / "scores.csv", "w") as f:
    f.write("score,label\n")
    for s, l in zip(score, label):
        f.write(f"{repr(float(s))},{int(l)}\n")
pred = (score >= 0.5).astype(int)
prob_true, prob_pred = calibration_curve(label, score, n_bins=10, strategy="uniform")
edges = np.array([0.0, 0.1, 0.2, 0.30000000000000004, 0.3, 0.5, 0.7000000000000001, 0.7, 0.9, 1.0])
edge_labels = np.array([0, 1, 0, 1, 1, 0, 1, 0, 1, 1])
edge_true, _ = calibration_curve(edge_labels, edges, n_bins=10, strategy="uniform")
targets = rng.normal(size=200)
predictions = targets + rng.normal(scale=0.3, size=200)
expected = {
    "roc_auc_score": roc_auc_score(label, score),
    "brier_score_loss": brier_score_loss(label, score),
    "log_loss": log_loss(label, score),
    "accuracy_score": accuracy_score(label, pred),
    "precision_score": precision_score(label, pred),
    "recall_score": recall_score(label, pred),
    "f1_score": f1_score(label, pred),
    "calibration_curve": {"prob_true": prob_true.tolist(), "prob_pred": prob_pred.tolist()},
    "edge_scores": edges.tolist(),
    "edge_labels": edge_labels.tolist(),
    "edge_curve_prob_true": edge_true.tolist(),
    "regression": {
        "targets": targets.tolist(),
        "predictions": predictions.tolist(),
        "rmse": float(np.sqrt(mean_squared_error(targets, predictions))),
        "mae": mean_absolute_error(targets, predictions),
    },
}
(HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
print("wrote", HERE / "scores.csv", "and expected.json")
