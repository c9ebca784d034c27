#!/usr/bin/env bash
# Creates ${EXPLAIN_VENV:-<repo>/.venv-explain} with the reference libraries for the explanation
# fixtures and benchmarks (xgboost, lightgbm, shap, scikit-learn). Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${EXPLAIN_VENV:-$ROOT/.venv-explain}"
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
"$VENV/bin/python" -c "import xgboost, lightgbm, shap, sklearn; print('ok: xgboost', xgboost.__version__, 'lightgbm', lightgbm.__version__, 'shap', shap.__version__)"
