#!/usr/bin/env python3
"""Expected values for `custos fairness check-data` on german.csv: Cramer's V of every
low-cardinality column against `sex` (scipy.stats.contingency.association, method="cramer",
no correction), and the share of rows and favourable-label rate per sex.

    .venv-fairness/bin/python testdata/fairness/make_check_data.py
"""
import json, pathlib
import pandas as pd
from scipy.stats.contingency import association

here = pathlib.Path(__file__).parent
df = pd.read_csv(here / "german.csv", dtype=str)
out = {"sensitive": "sex", "label": "y_true", "cramers_v": {}, "groups": []}
for col in ["age_group", "y_true", "y_pred", "split"]:
    table = pd.crosstab(df[col], df["sex"]).to_numpy()
    out["cramers_v"][col] = float(association(table, method="cramer", correction=False))
for sex, g in df.groupby("sex"):
    out["groups"].append({"sex": sex, "count": int(len(g)), "share": len(g) / len(df), "base_rate": float((g["y_true"] == "1").mean())})
(here / "german.check_data.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out))
