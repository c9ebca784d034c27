#!/usr/bin/env python3
"""Expected values for `custos fairness check-data` on german.csv: Cramer's V of every
low-cardinality column against `sex` (scipy.stats.contingency.association, method="cramer",
no correction), their mutual information (sklearn.metrics.mutual_info_score, nats), the share of
rows and favourable-label rate per sex, and the representation of sex against a 51/49 reference
population (scipy.stats.chisquare).

    .venv-fairness/bin/python testdata/fairness/make_check_data.py
"""
import json, pathlib
import pandas as pd
from scipy.stats import chisquare
from scipy.stats.contingency import association
from sklearn.metrics import mutual_info_score

here = pathlib.Path(__file__).parent
df = pd.read_csv(here / "german.csv", dtype=str)
out = {"sensitive": "sex", "label": "y_true", "cramers_v": {}, "mutual_information": {}, "groups": []}
for col in ["age_group", "y_true", "y_pred", "split"]:
    table = pd.crosstab(df[col], df["sex"]).to_numpy()
    out["cramers_v"][col] = float(association(table, method="cramer", correction=False))
    out["mutual_information"][col] = float(mutual_info_score(df[col], df["sex"]))
for sex, g in df.groupby("sex"):
    out["groups"].append({"sex": sex, "count": int(len(g)), "share": len(g) / len(df), "base_rate": float((g["y_true"] == "1").mean())})
reference = {"female": 0.51, "male": 0.49}
counts = df["sex"].value_counts()
observed = [int(counts.get(v, 0)) for v in sorted(reference)]
stat, p = chisquare(observed, [reference[v] * len(df) for v in sorted(reference)])
out["representation"] = {"reference": "sex=female:0.51,male:0.49", "statistic": float(stat), "p_value": float(p),
                         "observed_share": {v: c / len(df) for v, c in zip(sorted(reference), observed)}}
(here / "german.check_data.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out))
