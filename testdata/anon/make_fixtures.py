"""Reference values for `custos anon check`, computed by pycanon (k, distinct l, entropy l,
t-closeness) and by plain pandas for what pycanon lacks or defines differently (prosecutor risk,
class sizes, recursive (c,l) in Machanavajjhala et al.'s definition).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pycanon==1.3.6 pandas numpy
    /tmp/v/bin/python testdata/anon/make_fixtures.py

Writes people.csv, coarse.csv, tiny.csv and expected.json beside this script. Deterministic.

pycanon 1.3.6 quirks, recorded so the Rust side is compared fairly:
- entropy_l_diversity returns int(min over classes of np.exp(1) ** entropy): custos reports the
  float, recorded here too as `entropy_l` (math.exp of the entropy from pandas counts). Where the
  true value is an integer, pycanon's power can land just below it (e**ln(2) = 1.9999999999999998)
  and floor to one less; the test allows exactly that.
- recursive_c_l_diversity sorts each class's counts ascending and returns
  floor(r_min / sum(r[l-1:]) + 1) with l the table's distinct l: not the paper's r1 < c (rl+...+rm)
  with r1 the largest count. custos follows the paper; its reference here is computed below.
- t_closeness: numeric attributes (pandas numeric dtype) use the ordered EMD
  1/(m-1) sum_i |sum_{j<=i} (p_j - q_j)| over the table's m distinct values; strings use the equal
  distance 1/2 sum_i |p_i - q_i|. Same definitions as custos.
"""

import json
import math
import os

import numpy as np
import pandas as pd
from pycanon import anonymity

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
            "diagnosis": rng.choice(["flu", "asthma", "diabetes", "migraine", "cancer", "none"], n, p=[0.3, 0.15, 0.1, 0.1, 0.05, 0.3]),
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


def figures(df, qi, sa):
    classes = df.groupby(qi, sort=False).indices
    sizes = [len(v) for v in classes.values()]
    n = len(df)
    hist = {}
    for s in sizes:
        hist[str(s)] = hist.get(str(s), 0) + 1
    recursive = {}
    for l in (2, 3):
        worst = 0.0
        for rows in classes.values():
            counts = sorted(df.iloc[rows][sa].value_counts().tolist(), reverse=True)
            if len(counts) < l:
                worst = None
                break
            worst = max(worst, counts[0] / sum(counts[l - 1 :]))
        recursive[str(l)] = worst
    numeric = pd.api.types.is_numeric_dtype(df[sa])
    entropy_l = min(
        math.exp(-sum((c / len(rows)) * math.log(c / len(rows)) for c in df.iloc[rows][sa].value_counts().tolist()))
        for rows in classes.values()
    )
    return {
        "quasi_identifiers": qi,
        "sensitive": sa,
        "sensitive_kind": "numeric" if numeric else "categorical",
        "k": int(anonymity.k_anonymity(df, qi)),
        "l": int(anonymity.l_diversity(df, qi, [sa])),
        "entropy_l_floor": int(anonymity.entropy_l_diversity(df, qi, [sa])),
        "entropy_l": entropy_l,
        "t": float(anonymity.t_closeness(df, qi, [sa])),
        "classes": len(sizes),
        "class_sizes": hist,
        "max_risk": 1.0 / min(sizes),
        "average_risk": len(sizes) / n,
        "records_at_risk_0.2": sum(s for s in sizes if 1.0 / s > 0.2) / n,
        "recursive_c": recursive,
    }


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
        df.to_csv(os.path.join(HERE, name), index=False)
        qis, sas = plans[name]
        for qi in qis:
            for sa in sas:
                case = figures(df, qi, sa)
                case["table"] = name
                cases.append(case)
    import pycanon

    doc = {"pycanon_version": getattr(pycanon, "__version__", "1.3.6"), "cases": cases}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
