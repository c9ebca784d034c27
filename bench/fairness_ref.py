#!/usr/bin/env python3
"""Reference fairness audits (Fairlearn, pandas, numpy) for bench/fairness.sh.

  fairness_ref.py gen --rows N --out FILE.parquet [--seed S]
  fairness_ref.py run --input FILE.parquet --tool fairlearn|pandas|numpy

`gen` writes deterministic synthetic decisions (same rows, seed -> byte-identical file):
  sex (2 values), age_group (3), region (4): plain Arrow `string` columns (Parquet stores
      them dictionary-encoded on disk, as pyarrow always does; the Arrow schema is `string`,
      not `dictionary`), so 24 groups;
  y_true, y_pred: int8 0/1; score: float64 in [0, 1]; zstd, pyarrow's default row groups.

`run` reads the file (decode_s: Parquet -> the tool's in-memory form; the three string columns
are read as dictionaries, i.e. pandas categoricals / integer codes), computes per-group
(sex x age_group x region) confusion counts, selection rate, TPR, FPR and accuracy, and the
demographic parity and equalized odds differences (Fairlearn's between-groups max - min),
then prints one JSON line.
Needs the venv of testdata/fairness/setup.sh (numpy, pandas, pyarrow, fairlearn, sklearn).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import pandas  # noqa: F401  imported up front so that no tool's decode_s pays for imports
import pyarrow as pa
import pyarrow.dataset  # noqa: F401  (pq.read_table imports it lazily)
import pyarrow.parquet as pq

KEYS = ["sex", "age_group", "region"]
LEVELS = {
    "sex": (["female", "male"], [0.48, 0.52]),
    "age_group": (["<25", "25-45", ">45"], [0.2, 0.5, 0.3]),
    "region": (["north", "south", "east", "west"], [0.3, 0.25, 0.25, 0.2]),
}


def gen(rows: int, out: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    codes = {k: rng.choice(len(v), size=rows, p=p).astype(np.int8) for k, (v, p) in LEVELS.items()}
    # Group effects on the base rate and on the model's bias (small, so disparities are nonzero).
    base = 0.35 + 0.05 * codes["sex"] + 0.04 * codes["age_group"] - 0.02 * codes["region"]
    y_true = (rng.random(rows) < base).astype(np.int8)
    bias = 0.03 * codes["sex"] - 0.02 * (codes["age_group"] == 0) + 0.01 * codes["region"]
    score = np.clip(0.3 + 0.35 * y_true + bias + rng.normal(0.0, 0.2, rows), 0.0, 1.0)
    y_pred = (score >= 0.5).astype(np.int8)
    columns = {
        k: pa.DictionaryArray.from_arrays(pa.array(codes[k]), pa.array(LEVELS[k][0])).cast(pa.string())
        for k in KEYS
    }
    columns.update(y_true=pa.array(y_true), y_pred=pa.array(y_pred), score=pa.array(score))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    pq.write_table(pa.table(columns), out, compression="zstd")
    print(f"wrote {rows:,} rows to {out} ({os.path.getsize(out) / 1e6:.1f} MB)", file=sys.stderr)


def rates(tp, fp, fn, tn):
    """Per-group rates and the two headline differences from confusion counts (arrays)."""
    tp, fp, fn, tn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn, tn))
    n = tp + fp + fn + tn
    present = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        sel, acc = (tp + fp) / n, (tp + tn) / n
        tpr = np.where(tp + fn > 0, tp / (tp + fn), 0.0)  # Fairlearn/sklearn: 0 when undefined
        fpr = np.where(fp + tn > 0, fp / (fp + tn), 0.0)
    spread = lambda v: float(v[present].max() - v[present].min())
    return {"selection_rate": sel, "tpr": tpr, "fpr": fpr, "accuracy": acc}, spread(sel), max(spread(tpr), spread(fpr))


def read(path: str, columns):
    return pq.read_table(path, columns=columns, read_dictionary=[c for c in columns if c in KEYS])


def run_numpy(path: str):
    t0 = time.perf_counter()
    table = read(path, KEYS + ["y_true", "y_pred"]).unify_dictionaries()
    col = lambda name: np.concatenate([c.to_numpy(zero_copy_only=False) for c in table[name].chunks])
    idx = lambda name: np.concatenate([c.indices.to_numpy() for c in table[name].chunks])
    sizes = [len(table[k].chunk(0).dictionary) for k in KEYS]
    codes = [idx(k) for k in KEYS]
    y_true, y_pred = col("y_true"), col("y_pred")
    t1 = time.perf_counter()
    group = (codes[0].astype(np.int64) * sizes[1] + codes[1]) * sizes[2] + codes[2]
    ngroups = sizes[0] * sizes[1] * sizes[2]
    cells = np.bincount(group * 4 + y_true * 2 + y_pred, minlength=ngroups * 4).reshape(ngroups, 4)
    # cells[:, y_true*2 + y_pred]: 0 = tn, 1 = fp, 2 = fn, 3 = tp
    per_group, dpd, eod = rates(cells[:, 3], cells[:, 1], cells[:, 2], cells[:, 0])
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, int((cells.sum(axis=1) > 0).sum()), dpd, eod


def to_pandas(path: str):
    return read(path, KEYS + ["y_true", "y_pred"]).to_pandas()


def run_pandas(path: str):
    t0 = time.perf_counter()
    df = to_pandas(path)
    t1 = time.perf_counter()
    yt, yp = df["y_true"] == 1, df["y_pred"] == 1
    counts = (
        df[KEYS]
        .assign(tp=yt & yp, fp=~yt & yp, fn=yt & ~yp, tn=~yt & ~yp)
        .groupby(KEYS, observed=True)[["tp", "fp", "fn", "tn"]]
        .sum()
    )
    per_group, dpd, eod = rates(counts["tp"], counts["fp"], counts["fn"], counts["tn"])
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(counts), dpd, eod


def run_fairlearn(path: str):
    from fairlearn.metrics import (
        MetricFrame, count, demographic_parity_difference, equalized_odds_difference,
        false_positive_rate, selection_rate, true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    t0 = time.perf_counter()
    df = to_pandas(path)
    t1 = time.perf_counter()
    sf = df[KEYS]
    mf = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
            "accuracy": accuracy_score,
            "count": count,
        },
        y_true=df["y_true"],
        y_pred=df["y_pred"],
        sensitive_features=sf,
    )
    _ = mf.by_group
    dpd = demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf)
    eod = equalized_odds_difference(df["y_true"], df["y_pred"], sensitive_features=sf)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(mf.by_group), float(dpd), float(eod)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--rows", type=int, default=10_000_000)
    g.add_argument("--out", default="target/fairness/decisions_10m.parquet")
    g.add_argument("--seed", type=int, default=20261122)
    r = sub.add_parser("run")
    r.add_argument("--input", required=True)
    r.add_argument("--tool", choices=["fairlearn", "pandas", "numpy"], required=True)
    a = ap.parse_args()
    if a.cmd == "gen":
        gen(a.rows, a.out, a.seed)
        return
    load1 = os.getloadavg()[0]
    decode_s, compute_s, groups, dpd, eod = {"numpy": run_numpy, "pandas": run_pandas, "fairlearn": run_fairlearn}[a.tool](a.input)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "tool": a.tool,
        "rows": pq.ParquetFile(a.input).metadata.num_rows,
        "groups": groups,
        "decode_s": round(decode_s, 3),
        "compute_s": round(compute_s, 3),
        "total_s": round(decode_s + compute_s, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),  # whole process, imports included
        "peak_rss_mb": round(ru.ru_maxrss / 1024, 1),
        "demographic_parity_difference": dpd,
        "equalized_odds_difference": eod,
        "loadavg_1m_at_start": load1,
    }))


if __name__ == "__main__":
    main()
