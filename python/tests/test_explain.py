"""custos.explain gives the CLI's attributions, shap's layout and numbers, and takes Booster objects."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow.csv as pacsv
import pytest

import custos

MODELS = ["cancer.xgb.json", "diabetes.xgb.json", "wine.xgb.json", "cancer.lgb.txt", "diabetes.lgb.txt", "wine.lgb.txt"]


def rows(root, name):
    return pacsv.read_csv(root / "testdata/explain" / f"{name.split('.')[0]}.rows.csv")


@pytest.mark.parametrize("model", MODELS)
def test_shap_values_equal_the_cli(root, cli, model):
    path = f"testdata/explain/{model}"
    data = f"testdata/explain/{model.split('.')[0]}.rows.csv"
    expected = json.loads(cli("explain", "shap", "--model", path, "--input", data, "--format", "json"))
    explainer = custos.explain.TreeExplainer(root / path)
    values = explainer.shap_values(rows(root, model))
    k = 1 if values.ndim == 2 else values.shape[2]
    assert values.shape[:2] == (len(expected), len(explainer.feature_names))
    for i, row in enumerate(expected):
        for f, name in enumerate(explainer.feature_names):
            for c in range(k):
                key = name if f"{name}:class0" not in row else f"{name}:class{c}"
                got = values[i, f] if k == 1 else values[i, f, c]
                assert got == pytest.approx(row[key], rel=1e-12, abs=1e-12), (i, name, c)


@pytest.mark.parametrize("name", ["wine.lgb", "diabetes.lgb"])
def test_shap_values_equal_shaps(root, name):
    """Against shap 0.51's TreeExplainer output committed beside the model (testdata/explain/make_fixtures.py)."""
    fixture = json.loads((root / f"testdata/explain/{name}.expected.json").read_text())
    ext = "txt" if name.endswith("lgb") else "json"
    explainer = custos.explain.TreeExplainer(str(root / f"testdata/explain/{name}.{ext}"))
    X = rows(root, name).select(fixture["features"]).to_pandas().to_numpy()
    values = explainer.shap_values(X)
    ref = np.array(fixture["shap_path_dependent"]["values"])
    assert values.shape == ref.shape
    np.testing.assert_allclose(values, ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.atleast_1d(explainer.expected_value), fixture["shap_path_dependent"]["expected_value"], rtol=1e-9)


def test_interventional_equals_the_definition_and_the_cli(root, cli):
    """Against Shapley values computed by definition from LightGBM's own predictions over every
    feature subset (the fixture's ``interventional_exact``), as the CLI's test checks them."""
    fixture = json.loads((root / "testdata/explain/diabetes.lgb.expected.json").read_text())
    background = pacsv.read_csv(root / "testdata/explain/diabetes.background.csv")
    explainer = custos.explain.TreeExplainer(str(root / "testdata/explain/diabetes.lgb.txt"), data=background)
    values = explainer.shap_values(rows(root, "diabetes.lgb"))
    exact = np.array(fixture["interventional_exact"])[:, :, 0]
    np.testing.assert_allclose(values[: len(exact)], exact, rtol=1e-6, atol=1e-6)
    out = cli("explain", "shap", "--model", "testdata/explain/diabetes.lgb.txt", "--input", "testdata/explain/diabetes.rows.csv",
              "--mode", "interventional", "--background", "testdata/explain/diabetes.background.csv", "--format", "json")
    expected = np.array([[row[f] for f in explainer.feature_names] for row in json.loads(out)])
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-12)


def test_booster_objects_are_taken_directly(root):
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] > 0).astype(int)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 4}, xgb.DMatrix(X, label=y), num_boost_round=20)
    ours = custos.explain.TreeExplainer(booster).shap_values(X[:50])
    theirs = booster.predict(xgb.DMatrix(X[:50]), pred_contribs=True)
    np.testing.assert_allclose(ours, theirs[:, :-1], rtol=1e-5, atol=1e-5)  # XGBoost sums in float32
    gbm = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 15}, lgb.Dataset(X, label=y), num_boost_round=20)
    ours = custos.explain.TreeExplainer(gbm).shap_values(X[:50])
    theirs = gbm.predict(X[:50], pred_contrib=True)
    np.testing.assert_allclose(ours, theirs[:, :-1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(custos.explain.TreeExplainer(gbm).predict(X[:50]), gbm.predict(X[:50]), rtol=1e-9)


def test_bad_input_is_refused(root):
    with pytest.raises(custos.CustosError, match="model"):
        custos.explain.TreeExplainer(b"{not a model")
    with pytest.raises(TypeError, match="model"):
        custos.explain.TreeExplainer(42)
    explainer = custos.explain.TreeExplainer(str(root / "testdata/explain/wine.lgb.txt"))
    with pytest.raises(custos.CustosError, match="X: 3 columns"):
        explainer.shap_values(np.zeros((2, 3)))
    with pytest.raises(custos.CustosError, match="lacks the model's feature"):
        explainer.shap_values({"alcohol": [1.0]})
    with pytest.raises(custos.CustosError, match="data"):
        custos.explain.TreeExplainer(str(root / "testdata/explain/wine.lgb.txt"), feature_perturbation="interventional")
