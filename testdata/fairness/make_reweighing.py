#!/usr/bin/env python3
"""Expected Kamiran-Calders reweighing weights for german.csv from AIF360's Reweighing.

Privileged group sex=male, favourable label y_true=1. Writes german.reweighing.json with the
weight of each (sex, y_true) cell as AIF360 assigns it to the rows.

    .venv-fairness/bin/python testdata/fairness/make_reweighing.py
"""
import json, pathlib
import pandas as pd
from aif360.datasets import BinaryLabelDataset
from aif360.algorithms.preprocessing import Reweighing

here = pathlib.Path(__file__).parent
df = pd.read_csv(here / "german.csv", float_precision="round_trip")
data = pd.DataFrame({"sex": (df["sex"] == "male").astype(float), "y_true": df["y_true"].astype(float)})
ds = BinaryLabelDataset(df=data, label_names=["y_true"], protected_attribute_names=["sex"], favorable_label=1.0, unfavorable_label=0.0)
rw = Reweighing(unprivileged_groups=[{"sex": 0.0}], privileged_groups=[{"sex": 1.0}]).fit_transform(ds)
cells = {}
for sex, y, w in zip(df["sex"], df["y_true"], rw.instance_weights):
    key = (sex, int(y))
    if key in cells:
        assert abs(cells[key] - w) < 1e-12
    cells[key] = float(w)
out = {"reference": {"sex": "male"}, "favorable": 1, "source": "aif360.algorithms.preprocessing.Reweighing",
       "cells": [{"sex": s, "y_true": y, "weight": w} for (s, y), w in sorted(cells.items())]}
(here / "german.reweighing.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out))
