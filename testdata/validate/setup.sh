#!/usr/bin/env bash
# Creates ${VALIDATE_VENV:-<repo>/.venv-validate} with the pinned scikit-learn stack that makes
# the validation fixtures (make_fixtures.py) and the benchmark's model (bench/validate.sh).
# Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${VALIDATE_VENV:-$ROOT/.venv-validate}"
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
"$VENV/bin/python" -c 'import sklearn, xgboost, numpy; print("ok: sklearn", sklearn.__version__, "xgboost", xgboost.__version__)'
