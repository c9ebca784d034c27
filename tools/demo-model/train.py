#!/usr/bin/env python3
"""Trains the demo's offer model (`custos serve --demo` registers it and explains every demo
decision with it): a small LightGBM model (40 trees of depth 3) on synthetic customers whose
historical labels penalize the `app` channel. In the demo, women come through the app more
often than men, so the channel is a proxy for gender: the model never sees gender, yet the
scheduled fairness audit finds a gap in offers between women and men. That is the story the
console tells. Deterministic (seeded).

    .venv-explain/bin/python tools/demo-model/train.py
"""
import pathlib
import numpy as np
import lightgbm as lgb
import pandas as pd

rng = np.random.default_rng(20261122)
n = 20_000
female = rng.random(n) < 0.5
channel = np.where(rng.random(n) < np.where(female, 0.7, 0.15), 1, rng.choice([0, 2], size=n))
purchases = rng.integers(0, 6, size=n)
age_band = rng.integers(0, 6, size=n)
tenure = rng.integers(1, 61, size=n)
logit = -1.0 + 0.5 * purchases + 0.015 * tenure - 0.05 * age_band - 1.6 * (channel == 1)
y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
X = pd.DataFrame({"purchases": purchases, "age_band": age_band, "tenure_months": tenure, "channel": channel})
model = lgb.LGBMClassifier(n_estimators=40, num_leaves=8, max_depth=3, learning_rate=0.15, random_state=1, verbose=-1)
model.fit(X, y)
out = pathlib.Path(__file__).resolve().parents[2] / "crates/custos-service/data/demo_offer_model.txt"
model.booster_.save_model(str(out))
print(out, out.stat().st_size, "bytes")
