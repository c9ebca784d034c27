#!/usr/bin/env python3
"""Models and expected values for custos-explain, produced by the reference libraries.

Data: three real public datasets that scikit-learn ships (no download): breast cancer
(binary), diabetes (regression) and wine (3 classes). A few values are set missing (NaN) in
training and test rows so that default directions are exercised, and the binary models get a
categorical column (a bucketed feature, integer codes) so that categorical splits are too.

For every model: `<name>.json` / `.txt` (and `.dump.json` for LightGBM), test rows
`<dataset>.rows.csv` (an `id` column first), and `<name>.expected.json` with margins,
predictions, path-dependent attributions (the library's own pred_contribs / pred_contrib, which
is what shap's TreeExplainer returns for tree_path_dependent), interventional attributions from
shap's TreeExplainer against `<dataset>.background.csv` where shap supports the model, and, for
the first rows, interventional Shapley values computed by definition from the library's own
predictions over every feature subset (`interventional_exact`), which shap is checked against
too. shap 0.51 disagrees with the by-definition values for LightGBM (4 of 40 diabetes rows, by
up to 5.6; ~1e-6 on others; one output of a multi-class booster), and applies XGBoost 3's first
per-class intercept to every class in its base values; the tests use shap where it agrees with
the definition (XGBoost, complete rows) and the by-definition values everywhere.

    testdata/explain/setup.sh && .venv-explain/bin/python testdata/explain/make_fixtures.py
"""
import json, math, pathlib, warnings
import numpy as np
import pandas as pd
import lightgbm as lgb
import shap
import sklearn
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

warnings.filterwarnings("ignore")
here = pathlib.Path(__file__).parent
rng = np.random.default_rng(20261122)


def prepare(loader, categorical):
    data = loader()
    X = pd.DataFrame(data.data, columns=[c.replace(" ", "_") for c in data.feature_names])
    y = data.target
    if categorical:
        # A categorical column: the first feature bucketed into 6 integer codes.
        X["bucket"] = pd.qcut(X.iloc[:, 0], 6, labels=False).astype(int)
    # Some missing values (not in the categorical column).
    numeric = [c for c in X.columns if c != "bucket"]
    mask = rng.random((len(X), len(numeric))) < 0.03
    X[numeric] = X[numeric].mask(mask)
    order = rng.permutation(len(X))
    X, y = X.iloc[order].reset_index(drop=True), y[order]
    return X, y


def write_rows(name, X, n):
    rows = X.iloc[:n].copy()
    rows.insert(0, "id", [f"r{i}" for i in range(len(rows))])
    rows.to_csv(here / f"{name}.rows.csv", index=False, na_rep="")
    # The background has no missing values: shap's interventional explainer routes missing values
    # differently from the libraries, so it is only a reference on complete rows.
    background = X.iloc[n:].dropna().iloc[:100]
    background.to_csv(here / f"{name}.background.csv", index=False, na_rep="")
    return X.iloc[:n], background


def tolist(a):
    return np.asarray(a, dtype=float).tolist()


def path_dependent_shap(model, rows, n_outputs):
    """shap's TreeExplainer with its default (tree_path_dependent) perturbation."""
    try:
        explainer = shap.TreeExplainer(model)
        values = np.asarray(explainer.shap_values(rows, check_additivity=False))
        expected = np.atleast_1d(explainer.expected_value)
        return {"values": tolist(values), "expected_value": tolist(expected)}
    except Exception as e:
        return {"unsupported": f"{type(e).__name__}: {e}"[:300]}


def interventional(model, rows, background, n_outputs):
    try:
        explainer = shap.TreeExplainer(model, data=background, feature_perturbation="interventional", model_output="raw")
        values = np.asarray(explainer.shap_values(rows, check_additivity=False))
        expected = np.atleast_1d(explainer.expected_value)
        if len(expected) != n_outputs:
            return {"unsupported": f"shap explained {len(expected)} of the model's {n_outputs} outputs"}
        return {"values": tolist(values), "expected_value": tolist(expected)}
    except Exception as e:  # shap does not support every model (e.g. categorical splits)
        return {"unsupported": f"{type(e).__name__}: {e}"[:300]}


def brute_rows(m):
    """How many rows get the by-definition reference (2^m subsets x 100 background rows each)."""
    return 40 if m <= 10 else 8


def brute_interventional(predict_raw, rows, background):
    """Interventional Shapley values by definition, from the library's own predictions: for
    every subset S of features, the mean raw output over background rows with the features in S
    taken from the explained row; then Shapley's weighted sum. Exact, and independent of shap."""
    rows, background = np.asarray(rows, dtype=float), np.asarray(background, dtype=float)
    m = rows.shape[1]
    masks = ((np.arange(1 << m)[:, None] >> np.arange(m)) & 1).astype(bool)
    sizes = masks.sum(axis=1)
    out = []
    for x in rows[: brute_rows(m)]:
        mixed = np.where(masks[:, None, :], x[None, None, :], background[None, :, :]).reshape(-1, m)
        raw = np.asarray(predict_raw(mixed)).reshape(len(masks), len(background), -1).mean(axis=1)
        phi = np.zeros((m, raw.shape[1]))
        for i in range(m):
            without = ~masks[:, i]
            idx = np.nonzero(without)[0]
            s = sizes[idx]
            w = np.array([math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m) for k in s])
            phi[i] = (w[:, None] * (raw[idx | (1 << i)] - raw[idx])).sum(axis=0)
        out.append(phi.tolist())
    return out


def xgboost_model(name, X, y, objective, rows, background, categorical):
    params = dict(n_estimators=60, max_depth=4, learning_rate=0.2, objective=objective, random_state=1, tree_method="hist")
    if categorical:
        X = X.astype({"bucket": "category"})
        rows = rows.astype({"bucket": pd.CategoricalDtype(X["bucket"].cat.categories)})
        background = background.astype({"bucket": pd.CategoricalDtype(X["bucket"].cat.categories)})
        params["enable_categorical"] = True
        params["max_cat_to_onehot"] = 1
    Model = xgb.XGBClassifier if objective != "reg:squarederror" else xgb.XGBRegressor
    model = Model(**params)
    model.fit(X, y)
    booster = model.get_booster()
    booster.save_model(str(here / f"{name}.json"))
    d = xgb.DMatrix(rows, enable_categorical=categorical)
    margins = booster.predict(d, output_margin=True)
    preds = booster.predict(d)
    contribs = booster.predict(d, pred_contribs=True)
    out = {"library": "xgboost " + xgb.__version__, "objective": objective, "features": list(X.columns),
           "margin": tolist(margins), "prediction": tolist(preds), "path_dependent": tolist(contribs)}
    n_outputs = 3 if objective.startswith("multi") else 1
    out["shap_path_dependent"] = path_dependent_shap(booster, rows, n_outputs)
    out["interventional"] = interventional(booster, rows, background, n_outputs) if not categorical else {"unsupported": "categorical splits"}
    if not categorical:
        out["interventional_exact"] = brute_interventional(lambda a: booster.predict(xgb.DMatrix(a, feature_names=list(X.columns)), output_margin=True), rows, background)
    return out


def lightgbm_model(name, X, y, objective, rows, background, categorical):
    params = dict(n_estimators=60, num_leaves=15, learning_rate=0.2, objective=objective, random_state=1, verbose=-1, min_child_samples=5)
    model = lgb.LGBMClassifier(**params) if objective != "regression" else lgb.LGBMRegressor(**params)
    model.fit(X, y, categorical_feature=["bucket"] if categorical else "auto")
    booster = model.booster_
    booster.save_model(str(here / f"{name}.txt"))
    (here / f"{name}.dump.json").write_text(json.dumps(booster.dump_model()))
    margins = booster.predict(rows, raw_score=True)
    preds = booster.predict(rows)
    contribs = booster.predict(rows, pred_contrib=True)
    out = {"library": "lightgbm " + lgb.__version__, "objective": objective, "features": list(X.columns),
           "margin": tolist(margins), "prediction": tolist(preds), "path_dependent": tolist(contribs)}
    n_outputs = 3 if objective == "multiclass" else 1
    out["shap_path_dependent"] = path_dependent_shap(booster, rows, n_outputs)
    out["interventional"] = interventional(booster, rows, background, n_outputs) if not categorical else {"unsupported": "categorical splits"}
    if not categorical:
        out["interventional_exact"] = brute_interventional(lambda a: booster.predict(a, raw_score=True), rows, background)
    return out


def main():
    meta = {"shap": shap.__version__, "xgboost": xgb.__version__, "lightgbm": lgb.__version__, "scikit-learn": sklearn.__version__}
    for dataset, loader, categorical, xgb_obj, lgb_obj in [
        ("cancer", load_breast_cancer, True, "binary:logistic", "binary"),
        ("diabetes", load_diabetes, False, "reg:squarederror", "regression"),
        ("wine", load_wine, False, "multi:softprob", "multiclass"),
    ]:
        X, y = prepare(loader, categorical)
        rows, background = write_rows(dataset, X, 40)
        train = X.iloc[40:]
        ytrain = y[40:]
        for name, build, objective in [(f"{dataset}.xgb", xgboost_model, xgb_obj), (f"{dataset}.lgb", lightgbm_model, lgb_obj)]:
            out = build(name, train, ytrain, objective, rows, background, categorical)
            out["versions"] = meta
            (here / f"{name}.expected.json").write_text(json.dumps(out) + "\n")
            print(name, "shap path-dependent:", "yes" if "values" in out["shap_path_dependent"] else out["shap_path_dependent"]["unsupported"][:80],
                  "| interventional:", "yes" if "values" in out["interventional"] else out["interventional"]["unsupported"][:80])


main()
