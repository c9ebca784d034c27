"""Makes the monitoring engine's reference fixtures with scipy and statsmodels.

Run: testdata/monitor/setup.sh && .venv-monitor/bin/python testdata/monitor/generate.py (the pinned
requirements.txt; numpy's seeded
generator, so the same versions give the same file). Writes testdata/monitor/reference.json:
cases of generated samples (ties, NaNs, constant columns, small and large sizes) with what the
reference tools answer. NaNs are dropped before every test, as custos does.
"""

import json
import warnings
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

rng = np.random.default_rng(20261202)
cases = []


def clean(x):
    x = np.asarray(x, dtype=float)
    return x[~np.isnan(x)]


def numeric_case(name, a, b):
    a, b = np.round(np.asarray(a, dtype=float), 4), np.round(np.asarray(b, dtype=float), 4)
    ca, cb = clean(a), clean(b)
    case = {"name": name, "kind": "numeric", "a": [None if np.isnan(v) else float(v) for v in a],
            "b": [None if np.isnan(v) else float(v) for v in b]}
    for method in ("exact", "asymp"):
        if method == "exact" and max(len(ca), len(cb)) > 10000:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = stats.ks_2samp(ca, cb, method=method)
        case[f"ks_{method}"] = [float(r.statistic), float(r.pvalue)]
    if len(np.unique(np.concatenate([ca, cb]))) > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = stats.anderson_ksamp([ca, cb], variant="midrank")
        case["anderson"] = [float(r.statistic), float(r.pvalue)]
        r = stats.mannwhitneyu(ca, cb, method="asymptotic", use_continuity=True)
        case["mannwhitney"] = [float(r.statistic), float(r.pvalue)]
    if np.var(ca) > 0 or np.var(cb) > 0:
        r = stats.ttest_ind(ca, cb, equal_var=False)
        case["welch"] = [float(r.statistic), float(r.pvalue)]
    case["wasserstein"] = float(stats.wasserstein_distance(ca, cb))
    cases.append(case)


def categorical_case(name, ref, cur):
    table = np.array([ref, cur])
    table = table[:, table.sum(axis=0) > 0]
    r = stats.chi2_contingency(table)
    cases.append({"name": name, "kind": "categorical", "reference": list(map(int, ref)), "current": list(map(int, cur)),
                  "chi2": [float(r.statistic), float(r.pvalue)],
                  "jensen_shannon": float(jensenshannon(np.array(ref) / sum(ref), np.array(cur) / sum(cur), base=2))})


# Numeric: small exact cases with ties, unequal sizes, NaNs, shifts, heavy tails, constants.
numeric_case("tiny_ties", [1, 2, 2, 3, 3, 3, 4], [2, 2, 3, 5, 5, 6])
numeric_case("small_equal_sizes", rng.normal(0, 1, 40), rng.normal(0.5, 1, 40))
numeric_case("small_unequal", rng.normal(0, 1, 37), rng.normal(0.3, 1.5, 53))
numeric_case("rounded_ties", np.round(rng.normal(0, 2, 300)), np.round(rng.normal(0.4, 2, 250)))
numeric_case("with_nans", np.where(rng.random(200) < 0.1, np.nan, rng.normal(0, 1, 200)), rng.normal(0, 1, 150))
numeric_case("heavy_tails", rng.standard_t(2, 500), rng.standard_t(2, 800) * 1.3)
numeric_case("same_distribution", rng.exponential(1, 1000), rng.exponential(1, 1200))
numeric_case("one_constant", np.full(50, 3.0), rng.normal(3, 1, 60))
numeric_case("large_shift", rng.normal(0, 1, 20000), rng.normal(0.05, 1, 5000))
numeric_case("large_same", rng.lognormal(0, 1, 30000), rng.lognormal(0, 1, 3000))
numeric_case("large_ties", rng.integers(0, 20, 50000).astype(float), rng.integers(0, 21, 2000).astype(float))
numeric_case("tail_change", np.concatenate([rng.normal(0, 1, 3000)]), np.concatenate([rng.normal(0, 1, 2800), rng.normal(0, 4, 200)]))

# Categorical: 2 x K homogeneity, a 2 x 2 (Yates), a rate 0.30 -> 0.36 and a 4-valued mix.
categorical_case("mix4", [2500, 2500, 2500, 2500], [2300, 2600, 2550, 2550])
categorical_case("binary_rate", [35000, 15000], [32000, 18000])
categorical_case("two_by_two_small", [30, 12], [25, 20])
categorical_case("many_same", list(rng.multinomial(5000, [0.1] * 10)), list(rng.multinomial(3000, [0.1] * 10)))

# Corrections (statsmodels).
p = np.concatenate([rng.uniform(0, 1, 40), [1e-6, 3e-4, 0.004, 0.02, 0.03]])
corrections = {"p": list(map(float, p)),
               "holm": list(map(float, multipletests(p, method="holm")[1])),
               "bh": list(map(float, multipletests(p, method="fdr_bh")[1]))}

# Two proportions (statsmodels, pooled).
props = []
for x1, n1, x2, n2 in [(30, 1000, 52, 1000), (0, 500, 3, 400), (3000, 100000, 80, 2000)]:
    z, pv = proportions_ztest([x1, x2], [n1, n2])
    props.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "z": float(z), "p": float(pv)})

# The Kolmogorov distribution itself across its regions (scipy kstwo.sf).
kolmogorov = []
for n in (5, 30, 140, 141, 1000, 5000, 100000, 200000):
    for x in (0.3 / n, 0.8 / n, 0.02, 0.05, 0.1, 0.2, 0.45, 0.6, 1 - 0.5 / n):
        kolmogorov.append([n, x, float(stats.kstwo.sf(x, n))])

# Anderson-Darling with three samples (the engine's general k path).
k3 = [np.round(rng.normal(0, 1, 120), 4), np.round(rng.normal(0.3, 1, 90), 4), np.round(rng.integers(-2, 3, 150).astype(float), 4)]
r = stats.anderson_ksamp(k3, variant="midrank")
anderson_k3 = {"samples": [list(map(float, x)) for x in k3], "statistic": float(r.statistic), "p": float(r.pvalue)}

# Performance at threshold 0.5 (scikit-learn): calibrated scores, outcomes drawn from them.
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, recall_score, roc_auc_score
scores = np.round(rng.beta(2, 3, 500), 4)
labels = rng.random(500) < scores
pred = scores >= 0.5
performance = {"scores": list(map(float, scores)), "labels": list(map(bool, labels)),
               "roc_auc": float(roc_auc_score(labels, scores)), "accuracy": float(accuracy_score(labels, pred)),
               "precision": float(precision_score(labels, pred)), "recall": float(recall_score(labels, pred)),
               "brier": float(brier_score_loss(labels, scores))}

out = {"cases": cases, "anderson_k3": anderson_k3, "performance": performance, "corrections": corrections, "proportions": props, "kolmogorov": kolmogorov,
       "versions": {"scipy": __import__("scipy").__version__, "statsmodels": __import__("statsmodels").__version__}}
Path(__file__).with_name("reference.json").write_text(json.dumps(out, indent=1, allow_nan=True) + "\n")
print(f"{len(cases)} cases")
