#!/usr/bin/env bash
# Creates ${FAIRNESS_VENV:-<repo>/.venv-fairness} and installs the
# pinned Python stack used to generate the fairness fixtures. Idempotent: re-running
# reuses the venv and pip only installs what is missing or at a different version.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${FAIRNESS_VENV:-$ROOT/.venv-fairness}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
# Sanity check: every library the generator needs imports.
"$VENV/bin/python" - <<'PY' 2>/dev/null
import dalex, fairlearn, aif360, sklearn, pandas, pyarrow, numpy, scipy, statsmodels
from aif360.metrics import ClassificationMetric
print("ok: fairlearn", fairlearn.__version__, "aif360", aif360.__version__,
      "sklearn", sklearn.__version__, "dalex", dalex.__version__)
PY
