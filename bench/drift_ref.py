"""Drift benchmark helpers: generate the tables, run scipy's tests, run Evidently.

  python3 bench/drift_ref.py gen --rows 1000000 --out DIR      # reference.parquet, current.parquet
  python3 bench/drift_ref.py scipy --dir DIR                    # the same tests as custos drift
  python3 bench/drift_ref.py evidently --dir DIR                # Evidently DataDriftPreset

20 columns: 14 numeric of mixed shapes (normal, lognormal, exponential, uniform, Student t,
bimodal, rounded integers with ties, a column with 5 % missing values, ...) and 6 categorical
(2 to 40 levels). The current table shifts some columns slightly (a 0.05 sd mean shift, a
binary rate 0.30 -> 0.36, a 4-valued mix change) and leaves the others alone. Prints one JSON
line with the drifted columns and in-process timings.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np


def gen(rows, out, seed=7):
    import pyarrow as pa
    import pyarrow.parquet as pq

    def table(rng, shifted):
        s = 1.0 if shifted else 0.0
        cols = {}
        cols["n_normal"] = rng.normal(0.05 * s, 1, rows)
        cols["n_normal_wide"] = rng.normal(100, 15, rows)
        cols["n_lognormal"] = rng.lognormal(0, 1, rows)
        cols["n_exponential"] = rng.exponential(2, rows)
        cols["n_uniform"] = rng.uniform(0, 1, rows)
        cols["n_student_t"] = rng.standard_t(3, rows)
        cols["n_bimodal"] = np.where(rng.random(rows) < 0.5, rng.normal(-2, 1, rows), rng.normal(2, 1, rows))
        cols["n_integers"] = rng.integers(0, 100, rows).astype(float)
        cols["n_counts"] = rng.poisson(3.0 + 0.1 * s, rows).astype(float)
        missing = rng.random(rows) < 0.05
        cols["n_with_missing"] = np.where(missing, np.nan, rng.normal(0, 1, rows))
        cols["n_gamma"] = rng.gamma(2.0, 2.0, rows)
        cols["n_beta"] = rng.beta(2, 5, rows)
        cols["n_rounded"] = np.round(rng.normal(50, 10, rows))
        cols["n_scaled_tail"] = rng.standard_t(5, rows) * (1.1 if shifted else 1.0)
        cols["c_binary"] = np.where(rng.random(rows) < (0.36 if shifted else 0.30), "yes", "no")
        mix = [0.25, 0.25, 0.25, 0.25] if not shifted else [0.23, 0.26, 0.255, 0.255]
        cols["c_mix4"] = rng.choice(np.array(["a", "b", "c", "d"]), rows, p=mix)
        cols["c_region"] = rng.choice(np.array([f"region_{i}" for i in range(12)]), rows)
        cols["c_plan"] = rng.choice(np.array(["basic", "plus", "premium"]), rows, p=[0.6, 0.3, 0.1])
        cols["c_channel"] = rng.choice(np.array(["web", "app", "store", "phone", "partner"]), rows)
        cols["c_segment"] = rng.choice(np.array([f"s{i:02d}" for i in range(40)]), rows)
        return pa.table(cols)

    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table(np.random.default_rng(seed), False), out / "reference.parquet")
    pq.write_table(table(np.random.default_rng(seed + 1), True), out / "current.parquet")


def load(d):
    import pyarrow.parquet as pq
    return pq.read_table(d / "reference.parquet"), pq.read_table(d / "current.parquet")


def run_scipy(d, alpha=0.05):
    from scipy import stats
    from statsmodels.stats.multitest import multipletests
    import warnings

    t0 = time.perf_counter()
    ref, cur = load(d)
    t1 = time.perf_counter()
    names, pvals = [], []
    for name in ref.column_names:
        a, b = ref[name].to_numpy(zero_copy_only=False), cur[name].to_numpy(zero_copy_only=False)
        if name.startswith("n_"):
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ps = [stats.ks_2samp(a, b).pvalue, stats.anderson_ksamp([a, b], variant="midrank").pvalue,
                      stats.ttest_ind(a, b, equal_var=False).pvalue]
            stats.wasserstein_distance(a, b)
        else:
            levels = sorted(set(np.unique(a)) | set(np.unique(b)))
            ra = np.array([np.sum(a == v) for v in levels])
            rb = np.array([np.sum(b == v) for v in levels])
            ps = [stats.chi2_contingency(np.array([ra, rb])).pvalue]
        names.append(name)
        pvals.append(min(1.0, min(ps) * len(ps)))
    adjusted = multipletests(pvals, method="holm")[1]
    t2 = time.perf_counter()
    print(json.dumps({"tool": "scipy", "decode_s": t1 - t0, "compute_s": t2 - t1,
                      "significant": [n for n, p in zip(names, adjusted) if p < alpha]}))


def run_evidently(d):
    from evidently import Report
    from evidently.presets import DataDriftPreset

    t0 = time.perf_counter()
    ref, cur = load(d)
    ref, cur = ref.to_pandas(), cur.to_pandas()
    t1 = time.perf_counter()
    report = Report([DataDriftPreset()])
    snapshot = report.run(cur, ref)
    result = snapshot.dict()
    t2 = time.perf_counter()
    drifted, count = [], None
    for m in result.get("metrics", []):
        config = m.get("config", {})
        if config.get("type", "").endswith("DriftedColumnsCount"):
            count = m["value"]["count"]
        elif config.get("type", "").endswith("ValueDrift"):
            value = float(m["value"])
            # Evidently's verdict: a p-value below its threshold, or a distance at or above it.
            is_p = "p_value" in config.get("method", "")
            if (value < config["threshold"]) if is_p else (value >= config["threshold"]):
                drifted.append(config["column"])
    print(json.dumps({"tool": "evidently", "decode_s": t1 - t0, "compute_s": t2 - t1, "drifted_columns_count": count,
                      "drifted": drifted}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["gen", "scipy", "evidently"])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    if args.what == "gen":
        gen(args.rows, args.out)
    elif args.what == "scipy":
        run_scipy(args.dir)
    else:
        run_evidently(args.dir)
