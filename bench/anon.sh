#!/usr/bin/env bash
# The k-anonymity check against pycanon on the same table, in one run: 1,000,000 rows x 8
# quasi-identifiers (integers, cardinalities 2 to 90), written once as CSV; both tools timed on
# the check alone, after loading (pycanon: k_anonymity on a pandas DataFrame; custos: the engine
# in process, `crates/custos-anon/examples/check_rate.rs --csv`).
#
#   bench/anon.sh [rows, default 1000000]
#
# Needs python3 with pycanon (python3 -m venv /tmp/v && /tmp/v/bin/pip install pycanon==1.3.6
# pandas numpy; PYTHON=/tmp/v/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
py=${PYTHON:-python3}
csv=$(mktemp --suffix=.csv)
trap 'rm -f "$csv"' EXIT
cargo build -q --release -p custos-anon --example check_rate
"$py" - "$rows" "$csv" <<'PY'
import json, sys, time
import numpy as np, pandas as pd
from pycanon import anonymity
rows, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(7)
cards = [90, 2, 3, 12, 20, 5, 50, 7]
df = pd.DataFrame({f"q{i}": rng.integers(0, c, rows) for i, c in enumerate(cards)})
df.to_csv(path, index=False)
started = time.perf_counter()
k = anonymity.k_anonymity(df, list(df.columns))
print(json.dumps({"tool": "pycanon", "rows": rows, "k": int(k), "seconds": round(time.perf_counter() - started, 3)}))
PY
taskset -c 0 target/release/examples/check_rate --csv "$csv"
