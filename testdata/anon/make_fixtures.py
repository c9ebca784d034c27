"""Reference values for `custos anon check`, computed by pycanon (k, (alpha,k), distinct l, entropy l,
recursive (c,l), t-closeness) and by plain pandas for what pycanon lacks or defines differently
(prosecutor risk, class sizes, the exact entropy l, recursive (c,l) in Machanavajjhala et al.'s
definition).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pycanon==1.3.6 pandas numpy && /tmp/v/bin/python testdata/anon/make_fixtures.py

Writes people.csv, coarse.csv, tiny.csv and expected.json beside this script. Deterministic (numpy
seed 20261204); the CSVs are written first and read back with pd.read_csv, and every figure is
computed from what was read back, as a user of the CSV would see it.

pycanon 1.3.6 quirks, recorded so the Rust side is compared fairly (also in expected.json "notes"):
- entropy_l_diversity returns int(min over classes of np.exp(1) ** H), H = -sum p ln p (natural
  log): an int, floored. Where the true value is an integer, the power can land just below it
  (e**ln 2 = 1.9999999999999998, e**ln 33 = 32.99999999999997) and floor to one less. Recorded as
  `entropy_l_floor`; `entropy_l` is the exact float min exp(H) (math.exp of the pandas entropy) and
  `entropy_l_pycanon_unfloored` is pycanon's own expression before int().
- recursive_c_l_diversity(data, qi, sa) takes no l: it uses the table's distinct l, returns (c, l)
  (c = np.nan when l == 1), sorts each class's counts ASCENDING and gives
  c = max over classes of int(floor(r[0] / sum(r[l-1:]) + 1)): the smallest count over the sum
  from the l-th smallest on, so c is almost always 1 or 2. Not the paper's r1 < c (rl + ... + rm)
  with r1 the largest count. `recursive_c_pycanon_call` is the plain call; `recursive_c_pycanon`
  runs pycanon's own code with its l forced to 2 and 3 (null where a class has fewer than l values,
  where pycanon would divide by zero); `recursive_c` is the paper's figure
  (max over classes of r1 / (rl + ... + rm), null when a class has fewer than l values), which
  custos follows.
- t_closeness: numeric attributes (pd.api.types.is_numeric_dtype) use the ordered EMD
  1/(m-1) sum_i |sum_{j<=i} (q_j - p_j)| over the m distinct values of the WHOLE table sorted
  ascending (np.unique), i.e. ground distance |rank_i - rank_j|/(m-1), not the numeric gap;
  strings use the equal distance 1/2 sum_i |q_i - p_i|. Recorded per case as `t_method`.
"""

import json
import math
import os
import warnings

import numpy as np
import pandas as pd
import pycanon
from pycanon import anonymity
from pycanon.anonymity import _l_diversity

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261204)


def people():
    n = 600
    zips = [f"{z:05d}" for z in rng.choice(np.arange(10000, 99999), 15, replace=False)]
    return pd.DataFrame(
        {
            "age": rng.integers(18, 91, n),
            "zip": rng.choice(zips, n),
            "gender": rng.choice(["male", "female", "other"], n, p=[0.48, 0.48, 0.04]),
            "education": rng.choice(["primary", "secondary", "vocational", "bachelor", "master"], n),
            "income": rng.integers(10000, 150001, n),
            "diagnosis": rng.choice(
                ["flu", "asthma", "diabetes", "migraine", "cancer", "none"], n, p=[0.3, 0.15, 0.1, 0.1, 0.05, 0.3]
            ),
        }
    )


def coarse():
    n = 400
    return pd.DataFrame(
        {
            "age_band": rng.choice(["20-29", "30-39", "40-49", "50-59", "60-69"], n),
            "region": rng.choice(["north", "south", "east", "west", "centre", "islands"], n),
            "gender": rng.choice(["male", "female"], n),
            "diagnosis": rng.choice(["flu", "asthma", "none", "diabetes"], n, p=[0.4, 0.2, 0.3, 0.1]),
            "spend": rng.integers(0, 1001, n),
        }
    )


def tiny():
    # Generalised zip and age, as in the textbook 4-anonymous hospital table, with one class of
    # size 1 (999**, 3*) and one class holding a single disease.
    rows = [
        ("130**", "<30", "flu", 30),
        ("130**", "<30", "flu", 40),
        ("130**", "<30", "cancer", 50),
        ("130**", "<30", "cancer", 60),
        ("148**", ">=40", "flu", 30),
        ("148**", ">=40", "heart", 70),
        ("148**", ">=40", "heart", 80),
        ("130**", "3*", "flu", 40),
        ("130**", "3*", "flu", 40),
        ("130**", "3*", "flu", 90),
        ("130**", "3*", "cancer", 100),
        ("999**", "3*", "heart", 60),
    ]
    return pd.DataFrame(rows, columns=["zip", "age", "disease", "salary"])


NOTES = [
    "pycanon 1.3.6 (pycanon.anonymity); every call with gen=True (the default) and one sensitive attribute.",
    "Tables are written as CSV and read back with pd.read_csv; all figures are computed from the read-back frame. "
    "Integer columns (age, zip, income, spend, salary) are int64, the rest strings.",
    "Equivalence classes: data.groupby(quasi_identifiers) (exact equality on all QI columns, no missing values).",
    "k = k_anonymity(data, qi) = smallest class size (int).",
    "alpha_k = alpha_k_anonymity(data, qi, [sa]) -> (alpha, k); alpha = largest share of one sensitive value in a class "
    "(max over classes of max_s count(s)/size), a float.",
    "l = l_diversity(data, qi, [sa]) = fewest distinct sensitive values in a class (int).",
    "entropy_l_floor = entropy_l_diversity(data, qi, [sa]) = int(min over classes of np.exp(1) ** H), H = -sum p*ln(p) "
    "(natural log, p over the values present in the class): pycanon returns an int, floored, despite its float annotation. "
    "np.exp(1) ** H can land just below an integer (e**ln 2 = 1.9999999999999998) and floor to one less than floor(exp(H)).",
    "entropy_l = min over classes of math.exp(H), computed in pandas: the exact float (custos reports this). "
    "entropy_l_pycanon_unfloored = min over classes of np.exp(1) ** H as pycanon computes it, before int().",
    "recursive_c_pycanon_call = recursive_c_l_diversity(data, qi, [sa]) -> {c, l}. It takes no l argument: l is the table's "
    "distinct l; c is np.nan (null here) when l == 1. Per class it sorts the value counts ASCENDING (np.sort) and takes "
    "floor(r[0] / sum(r[l-1:]) + 1); c = int(max over classes). r[0] is the SMALLEST count, so the ratio is <= 1 and c is 1, "
    "or 2 when the ratio is exactly 1. This is not the paper's condition r1 < c*(r_l + ... + r_m) with r1 the largest count.",
    "recursive_c_pycanon = pycanon's own recursive_c_l_diversity with its internal l_diversity patched to return 2 and 3: the "
    "c its formula gives for that l. null where the table's distinct l is below that l (some class has fewer values, and "
    "pycanon's formula would divide by zero).",
    "recursive_c = the paper's figure (Machanavajjhala et al.), computed in pandas: counts sorted descending r1 >= ... >= rm, "
    "largest r1 / (r_l + ... + r_m) over classes (a float; the table is (c,l)-diverse for every c above it); null when a class "
    "has fewer than l distinct values (never (c,l)-diverse). custos follows this one.",
    "t = t_closeness(data, qi, [sa]) = max over classes of the EMD between the class's and the whole table's distribution. "
    "pycanon picks by dtype: pd.api.types.is_numeric_dtype -> ordered EMD (t_method 'ordered'): over the m distinct values of "
    "the WHOLE table sorted ascending (np.unique), 1/(m-1) * sum_{i=1..m} |sum_{j<=i} (q_j - p_j)|, so the ground distance is "
    "the rank difference /(m-1), not the numeric gap (m == 1 would divide by zero); pd.api.types.is_string_dtype -> equal "
    "distance (t_method 'equal'): 1/2 * sum_i |q_i - p_i|. q = class shares, p = table shares.",
    "t_reference = the same EMD recomputed independently in pandas (cumulative sums over the sorted table values); it equals t "
    "to floating-point rounding (checked < 1e-12).",
    "Prosecutor risk, in pandas (pycanon has none): max_risk = 1/k; average_risk = classes/rows; records_at_risk_0.2 = share "
    "of rows whose class size s has 1/s > 0.2 (s < 5). class_sizes = {size: number of classes of that size}, keys as strings "
    "ascending by size.",
    "Floats are written with Python's repr (shortest round-trip, full double precision).",
    "The CSVs come from numpy.random.default_rng(20261204); NumPy does not promise Generator streams across versions, so "
    "regenerate with the numpy_version recorded here (or commit the CSVs, as done) if the tables must stay byte-identical.",
]


def forced_recursive_c(df, qi, sa, l):
    """pycanon's recursive_c_l_diversity with its l forced to `l` (its own code, patched l)."""
    original = _l_diversity.l_diversity
    _l_diversity.l_diversity = lambda *a, **k: l
    try:
        c, used = anonymity.recursive_c_l_diversity(df, qi, [sa])
    finally:
        _l_diversity.l_diversity = original
    assert used == l
    return int(c)


def emd(df, classes, sa, ordered):
    """Independent t: EMD of each class against the table, max over classes."""
    values = np.sort(df[sa].unique())
    p = df[sa].value_counts(normalize=True).reindex(values, fill_value=0.0).to_numpy()
    worst = 0.0
    for rows in classes.values():
        q = df.iloc[rows][sa].value_counts(normalize=True).reindex(values, fill_value=0.0).to_numpy()
        if ordered:
            d = float(np.abs(np.cumsum(q - p)).sum() / (len(values) - 1))
        else:
            d = float(0.5 * np.abs(q - p).sum())
        worst = max(worst, d)
    return worst


def figures(df, qi, sa):
    classes = df.groupby(qi, sort=True).indices
    sizes = [len(v) for v in classes.values()]
    n = len(df)
    hist = {}
    for s in sorted(sizes):
        hist[str(s)] = hist.get(str(s), 0) + 1
    per_class_counts = [df.iloc[rows][sa].value_counts().tolist() for rows in classes.values()]

    # The paper's recursive (c,l).
    recursive = {}
    for l in (2, 3):
        worst = 0.0
        for counts in per_class_counts:
            counts = sorted(counts, reverse=True)
            if len(counts) < l:
                worst = None
                break
            worst = max(worst, counts[0] / sum(counts[l - 1 :]))
        recursive[str(l)] = worst

    numeric = pd.api.types.is_numeric_dtype(df[sa])
    if not numeric:
        assert pd.api.types.is_string_dtype(df[sa]), sa
    entropies = [-sum((c / sum(cs)) * math.log(c / sum(cs)) for c in cs) for cs in per_class_counts]
    entropy_l = min(math.exp(h) for h in entropies)

    k = int(anonymity.k_anonymity(df, qi))
    alpha, alpha_k = anonymity.alpha_k_anonymity(df, qi, [sa])
    l = int(anonymity.l_diversity(df, qi, [sa]))
    entropy_floor = anonymity.entropy_l_diversity(df, qi, [sa])
    assert isinstance(entropy_floor, int), type(entropy_floor)
    # pycanon's expression before int(), per class, exactly as in _l_diversity.entropy_l_diversity.
    unfloored = []
    for cs in per_class_counts:
        p = [c / sum(cs) for c in cs]
        unfloored.append(-np.sum(p * np.log(p)))
    unfloored = float(min(np.exp(1) ** np.array(unfloored)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c_call, l_call = anonymity.recursive_c_l_diversity(df, qi, [sa])
    c_call = None if (isinstance(c_call, float) and math.isnan(c_call)) else int(c_call)
    forced = {str(L): (forced_recursive_c(df, qi, sa, L) if l >= L else None) for L in (2, 3)}
    t = float(anonymity.t_closeness(df, qi, [sa]))
    t_ref = emd(df, classes, sa, numeric)

    case = {
        "quasi_identifiers": qi,
        "sensitive": sa,
        "sensitive_kind": "numeric" if numeric else "categorical",
        "k": k,
        "alpha_k": {"alpha": float(alpha), "k": int(alpha_k)},
        "l": l,
        "entropy_l": entropy_l,
        "entropy_l_floor": entropy_floor,
        "entropy_l_pycanon_unfloored": unfloored,
        "recursive_c": recursive,
        "recursive_c_pycanon": forced,
        "recursive_c_pycanon_call": {"c": c_call, "l": int(l_call)},
        "t": t,
        "t_method": "ordered" if numeric else "equal",
        "t_reference": t_ref,
        "classes": len(sizes),
        "class_sizes": hist,
        "max_risk": 1.0 / min(sizes),
        "average_risk": len(sizes) / n,
        "records_at_risk_0.2": sum(s for s in sizes if 1.0 / s > 0.2) / n,
    }
    sane(df, case, per_class_counts, sizes)
    return case


def sane(df, c, per_class_counts, sizes):
    what = f"{c['quasi_identifiers']} / {c['sensitive']}"
    assert c["k"] == min(sizes) == c["alpha_k"]["k"], what
    assert sum(sizes) == len(df), what
    assert sum(int(k) * v for k, v in c["class_sizes"].items()) == len(df), what
    assert c["l"] == min(len(cs) for cs in per_class_counts), what
    assert 1 <= c["l"] <= df[c["sensitive"]].nunique() and c["l"] <= c["k"], what
    assert 1.0 - 1e-12 <= c["entropy_l"] <= c["l"] + 1e-9, what
    assert abs(c["entropy_l"] - c["entropy_l_pycanon_unfloored"]) < 1e-9, what
    assert c["entropy_l_floor"] == int(c["entropy_l_pycanon_unfloored"]), what
    e = c["entropy_l"]
    assert c["entropy_l_floor"] == math.floor(e) or (
        abs(e - round(e)) < 1e-9 and c["entropy_l_floor"] == round(e) - 1
    ), what
    assert 0.0 <= c["t"] <= 1.0 and abs(c["t"] - c["t_reference"]) < 1e-12, what
    assert max(max(cs) / sum(cs) for cs in per_class_counts) == c["alpha_k"]["alpha"], what
    assert 0.0 < c["alpha_k"]["alpha"] <= 1.0, what
    assert c["max_risk"] == 1.0 / c["k"] and 0.0 < c["average_risk"] <= 1.0, what
    assert 0.0 <= c["records_at_risk_0.2"] <= 1.0, what
    for L in ("2", "3"):
        paper, theirs = c["recursive_c"][L], c["recursive_c_pycanon"][L]
        assert (paper is None) == (theirs is None) == (c["l"] < int(L)), what
        if theirs is not None:
            assert theirs in (1, 2), what
    if c["l"] == 1:
        assert c["recursive_c_pycanon_call"]["c"] is None, what
    else:
        assert c["l"] > 3 or c["recursive_c_pycanon_call"]["c"] == c["recursive_c_pycanon"][str(c["l"])], what
        assert c["recursive_c_pycanon_call"]["l"] == c["l"] and c["recursive_c_pycanon_call"]["c"] in (1, 2), what


def known_answer(cases):
    """tiny.csv, zip+age: classes 130**/<30 (4), 148**/>=40 (3), 130**/3* (4), 999**/3* (1), worked by hand."""
    by = {(c["table"], tuple(c["quasi_identifiers"]), c["sensitive"]): c for c in cases}
    d = by[("tiny.csv", ("zip", "age"), "disease")]
    assert d["k"] == 1 and d["classes"] == 4 and d["l"] == 1 and d["entropy_l"] == 1.0, d
    assert d["class_sizes"] == {"1": 1, "3": 1, "4": 2}, d
    # Table: flu 1/2, cancer 1/4, heart 1/4; the 999** class is all heart: 1/2 (1/2 + 1/4 + 3/4).
    assert abs(d["t"] - 0.75) < 1e-12 and d["t_method"] == "equal", d
    assert d["max_risk"] == 1.0 and abs(d["average_risk"] - 4 / 12) < 1e-15 and d["records_at_risk_0.2"] == 1.0, d
    assert d["recursive_c"] == {"2": None, "3": None} and d["recursive_c_pycanon_call"]["c"] is None, d
    assert d["alpha_k"] == {"alpha": 1.0, "k": 1}, d
    s = by[("tiny.csv", ("zip", "age"), "salary")]
    # Salaries 30..100 (m = 8), table counts 2,3,1,2,1,1,1,1 of 12; the 999** class is {60}: the
    # cumulative differences are -2,-5,-6,4,3,2,1,0 twelfths, so its EMD is 23/12/7 = 23/84.
    assert s["t"] >= 23 / 84 - 1e-12 and s["t_method"] == "ordered", s
    z = by[("tiny.csv", ("zip",), "disease")]
    assert z["k"] == 1 and z["classes"] == 3 and z["class_sizes"] == {"1": 1, "3": 1, "8": 1}, z


def main():
    tables = {"people.csv": people(), "coarse.csv": coarse(), "tiny.csv": tiny()}
    plans = {
        "people.csv": (
            [["zip"], ["gender", "education"], ["zip", "gender"], ["age", "zip", "gender", "education"]],
            ["diagnosis", "income"],
        ),
        "coarse.csv": ([["region"], ["age_band", "gender"], ["age_band", "region", "gender"]], ["diagnosis", "spend"]),
        "tiny.csv": ([["zip"], ["zip", "age"], ["age"]], ["disease", "salary"]),
    }
    cases = []
    for name, df in tables.items():
        path = os.path.join(HERE, name)
        df.to_csv(path, index=False)
        df = pd.read_csv(path)
        assert not df.isna().any().any(), name
        qis, sas = plans[name]
        for qi in qis:
            for sa in sas:
                case = {"table": name}
                case.update(figures(df, qi, sa))
                cases.append(case)
    known_answer(cases)
    doc = {
        "pycanon_version": pycanon.__version__,
        "pandas_version": pd.__version__,
        "numpy_version": np.__version__,
        "notes": NOTES,
        "cases": cases,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"pycanon {pycanon.__version__}: {len(cases)} cases")


if __name__ == "__main__":
    main()
