"""Exact TreeSHAP explanations of XGBoost and LightGBM models, shaped like shap's.

>>> explainer = custos.explain.TreeExplainer(booster)      # or a model file's path
>>> values = explainer.shap_values(X)                      # numpy array, shap's layout

``TreeExplainer`` takes an ``xgboost.Booster`` or ``lightgbm.Booster`` (or their scikit-learn
wrappers), a path to a model file as the libraries save it (XGBoost ``save_model("m.json")``,
LightGBM ``save_model`` text or ``dump_model`` JSON) or the file's bytes. ``shap_values`` takes
a numpy array (columns in the model's feature order), an Arrow table, a polars or pandas
DataFrame (columns found by feature name). Values are in margin space (log-odds for
classifiers), as shap's ``TreeExplainer`` gives them with ``model_output="raw"``: one
``(rows, features)`` array for one output, ``(rows, features, classes)`` for several. The
numbers equal ``custos explain shap``'s.
"""

from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np

from . import _native
from ._native import CustosError, TreeModel

__all__ = ["TreeExplainer"]


def _model_bytes(model: Any) -> bytes:
    if isinstance(model, (bytes, bytearray)):
        return bytes(model)
    if isinstance(model, (str, os.PathLike)):
        with open(model, "rb") as f:
            return f.read()
    # scikit-learn wrappers hold the booster.
    if hasattr(model, "get_booster"):
        model = model.get_booster()
    elif hasattr(model, "booster_"):
        model = model.booster_
    kind = type(model).__module__.split(".")[0]
    if kind == "xgboost" and hasattr(model, "save_raw"):
        return bytes(model.save_raw(raw_format="json"))
    if kind == "lightgbm" and hasattr(model, "model_to_string"):
        return model.model_to_string().encode("utf-8")
    raise TypeError(
        f"model: expected an xgboost or lightgbm Booster, a model file path or its bytes, got {type(model).__name__}"
    )


class TreeExplainer:
    """Explains a tree ensemble's predictions with exact TreeSHAP (path-dependent by default;
    interventional when ``data`` gives background rows, as shap's ``TreeExplainer(model, data)``)."""

    def __init__(self, model: Any, data: Any = None, feature_perturbation: Optional[str] = None):
        self._model = TreeModel(_model_bytes(model))
        if feature_perturbation is None:
            feature_perturbation = "interventional" if data is not None else "tree_path_dependent"
        if feature_perturbation not in ("interventional", "tree_path_dependent"):
            raise CustosError(f"feature_perturbation: expected 'interventional' or 'tree_path_dependent', got {feature_perturbation!r}")
        if feature_perturbation == "interventional" and data is None:
            raise CustosError("data: interventional TreeSHAP needs background rows")
        self.feature_perturbation = feature_perturbation
        self._background = self._matrix(data) if feature_perturbation == "interventional" else None

    @property
    def feature_names(self) -> list:
        """The model's features, in column order."""
        return self._model.feature_names

    @property
    def expected_value(self):
        """The expected margin: a float for one output, an array per class for several."""
        e = self._model.expected_margin
        return e[0] if len(e) == 1 else np.array(e)

    def _matrix(self, X: Any) -> np.ndarray:
        if isinstance(X, np.ndarray) or isinstance(X, list):
            m = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
            if m.ndim == 1:
                m = m.reshape(1, -1)
            if m.ndim != 2:
                raise CustosError(f"X: expected a 2-D array, got {m.ndim} dimensions")
            return m
        from ._arrow import as_stream

        data, n = self._model.rows_from_table(as_stream(X))
        return np.frombuffer(data, dtype=np.float64).reshape(n, len(self.feature_names))

    def shap_values(self, X: Any) -> np.ndarray:
        """Attributions of every row of ``X``: ``(rows, features)``, or ``(rows, features, classes)``."""
        m = self._matrix(X)
        if self._background is None:
            raw = self._model.shap(m.tobytes(), m.shape[0], m.shape[1])
        else:
            b = self._background
            raw = self._model.shap(m.tobytes(), m.shape[0], m.shape[1], b.tobytes(), b.shape[0])
        k = self._model.n_outputs
        values = np.frombuffer(raw, dtype=np.float64).reshape(m.shape[0], len(self.feature_names), k)
        return values[:, :, 0] if k == 1 else values

    def predict(self, X: Any) -> np.ndarray:
        """The model's predictions (probabilities for classifiers): ``(rows,)`` or ``(rows, classes)``."""
        m = self._matrix(X)
        k = self._model.n_outputs
        out = np.frombuffer(self._model.predict(m.tobytes(), m.shape[0], m.shape[1]), dtype=np.float64).reshape(m.shape[0], k)
        return out[:, 0] if k == 1 else out
