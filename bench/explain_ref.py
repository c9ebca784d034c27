#!/usr/bin/env python3
"""Reference side of the explanation benchmark (bench/explain.sh).

  gen:  a synthetic binary task with 20 features (numpy, seeded), an XGBoost and a LightGBM model
        of 500 trees of depth 6 trained on it, a 100-tree depth-5 XGBoost model for the latency
        figure, and the rows to explain as CSV.
  run:  times xgboost pred_contribs, LightGBM pred_contrib and shap's TreeExplainer
        (path-dependent) on the rows with one thread, and prints JSON lines with rows/s.
"""
import argparse, json, os, pathlib, time
import numpy as np


def gen(out, rows):
    import lightgbm as lgb
    import xgboost as xgb
    rng = np.random.default_rng(7)
    n_train = 50_000
    X = rng.normal(size=(n_train + rows, 20))
    logit = X[:, 0] - 0.8 * X[:, 1] + 0.5 * X[:, 2] * X[:, 3] + np.sin(X[:, 4]) + 0.3 * X[:, 5:10].sum(axis=1)
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    cols = [f"x{i}" for i in range(20)]
    Xtr, ytr = X[:n_train], y[:n_train]
    m = xgb.XGBClassifier(n_estimators=500, max_depth=6, learning_rate=0.05, tree_method="hist", n_jobs=2, random_state=1)
    m.fit(Xtr, ytr)
    m.get_booster().feature_names = cols
    m.get_booster().save_model(str(out / "bench.xgb.json"))
    small = xgb.XGBClassifier(n_estimators=100, max_depth=5, learning_rate=0.1, tree_method="hist", n_jobs=2, random_state=1)
    small.fit(Xtr, ytr)
    small.get_booster().feature_names = cols
    small.get_booster().save_model(str(out / "bench_small.xgb.json"))
    l = lgb.LGBMClassifier(n_estimators=500, max_depth=6, num_leaves=63, learning_rate=0.05, random_state=1, verbose=-1, n_jobs=2)
    l.fit(Xtr, ytr)
    l.booster_.save_model(str(out / "bench.lgb.txt"))
    header = ",".join(cols)
    np.savetxt(out / f"bench_rows_{rows}.csv", X[n_train:], delimiter=",", header=header, comments="", fmt="%.9g")


def run(out, rows, tool):
    X = np.loadtxt(out / f"bench_rows_{rows}.csv", delimiter=",", skiprows=1)
    if tool == "xgboost":
        import xgboost as xgb
        b = xgb.Booster(model_file=str(out / "bench.xgb.json"))
        b.set_param({"nthread": 1})
        d = xgb.DMatrix(X, feature_names=[f"x{i}" for i in range(20)], nthread=1)
        t = time.perf_counter(); v = b.predict(d, pred_contribs=True); dt = time.perf_counter() - t
    elif tool == "lightgbm":
        import lightgbm as lgb
        b = lgb.Booster(model_file=str(out / "bench.lgb.txt"))
        t = time.perf_counter(); v = b.predict(X, pred_contrib=True, num_threads=1); dt = time.perf_counter() - t
    elif tool == "shap":
        import shap, xgboost as xgb
        b = xgb.Booster(model_file=str(out / "bench.xgb.json"))
        e = shap.TreeExplainer(b)
        t = time.perf_counter(); v = e.shap_values(X, check_additivity=False); dt = time.perf_counter() - t
    v = np.asarray(v)
    # The libraries append the base value as a last column; shap returns it separately.
    features_only = v[:, :-1] if tool in ("xgboost", "lightgbm") else v
    print(json.dumps({"tool": tool, "rows": len(X), "seconds": dt, "rows_per_s": len(X) / dt, "checksum": float(features_only.sum())}))


p = argparse.ArgumentParser()
p.add_argument("cmd", choices=["gen", "run"])
p.add_argument("--rows", type=int, default=10_000)
p.add_argument("--tool")
p.add_argument("--out", default="target/explain")
a = p.parse_args()
out = pathlib.Path(a.out)
out.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("OMP_NUM_THREADS", "1")
gen(out, a.rows) if a.cmd == "gen" else run(out, a.rows, a.tool)
