#!/usr/bin/env bash
# Creates ${MONITOR_VENV:-<repo>/.venv-monitor} with the pinned reference tools of the
# monitoring engine (scipy and statsmodels for the fixtures, Evidently for the benchmark).
# Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${MONITOR_VENV:-$ROOT/.venv-monitor}"
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
"$VENV/bin/python" -c "import scipy, statsmodels, evidently, pyarrow; print('ok: scipy', scipy.__version__, 'evidently', evidently.__version__)"
