"""Data and model of the validation benchmark: N rows x 20 inputs (one of them `sex`, 0/1, which
the model reads), a binary outcome, and a 500-tree XGBoost model trained on 50,000 other rows.

    .venv-validate/bin/python bench/validate_data.py OUT_DIR [N]
"""
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xgboost as xgb

out = Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20261203)


def rows(k):
    x = rng.normal(size=(k, 19))
    sex = rng.integers(0, 2, size=k).astype(float)
    z = x[:, 0] - 0.8 * x[:, 1] + 0.5 * x[:, 2] * x[:, 3] + 0.3 * sex + 0.2 * x[:, 4:].sum(axis=1) / 4
    y = (rng.random(k) < 1 / (1 + np.exp(-z))).astype(int)
    return np.column_stack([x, sex]), y


names = [f"x{i}" for i in range(19)] + ["sex"]
xt, yt = rows(50_000)
booster = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "nthread": 2},
                    xgb.DMatrix(xt, label=yt, feature_names=names), num_boost_round=500)
booster.save_model(str(out / "model.json"))
x, y = rows(n)
table = pa.table({**{name: x[:, i] for i, name in enumerate(names)}, "label": y})
pq.write_table(table, out / "set.parquet")
print("wrote", out / "model.json", out / "set.parquet", n, "rows")
