#!/usr/bin/env bash
# Builds the Python package into a virtual environment (maturin, debug profile, sharing the
# workspace's target/ so the engines are not compiled twice) and runs its pytest suite, which
# compares the package's answers with the `custos` binary's. Used by `.ci/run`; needs network
# access to PyPI the first time (the venv is kept in python/.venv).
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r requirements-test.txt
VIRTUAL_ENV="$PWD/$venv" PATH="$PWD/$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet 2>&1 | grep -v '^📦\|^✏️\|^🛠\|^🔗\|^🐍' || true
"$venv/bin/python" -c 'import custos' # fails loudly when the build above did not install
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
