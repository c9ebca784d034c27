#!/usr/bin/env bash
# custos's Python package (release build) against Fairlearn, shap, Presidio and Evidently on the
# same data in one process (bench/python_bench.py). Uses python/.venv (python/test.sh makes it)
# plus shap; Presidio and Evidently are measured when they import there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=python/.venv
[ -x "$venv/bin/python" ] || python/test.sh --co -q >/dev/null
"$venv/bin/pip" install -q --disable-pip-version-check shap==0.51.0
(cd python && VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin develop --release --quiet)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$venv/bin/python" bench/python_bench.py "$@"
# Back to the debug build the tests use.
(cd python && VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin develop --quiet)
