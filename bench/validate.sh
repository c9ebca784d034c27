#!/usr/bin/env bash
# The validation benchmark: `custos validate` on N rows (default 1,000,000) x 20 inputs with a
# 500-tree XGBoost model, flip test included, against the same work in XGBoost + scikit-learn.
# Needs testdata/validate/setup.sh and a release build (`cargo build --release --bin custos`).
#
#   bench/validate.sh [N]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-1000000}"
PY="$ROOT/.venv-validate/bin/python"
DIR="$ROOT/target/validate-bench/$N"
[ -f "$DIR/set.parquet" ] || "$PY" "$ROOT/bench/validate_data.py" "$DIR" "$N"
BIN="${CUSTOS_BIN:-$ROOT/target/release/custos}"
start=$(date +%s.%N)
"$BIN" validate --model "$DIR/model.json" --input "$DIR/set.parquet" --label label --protected sex --format table --output "$DIR/report.txt"
end=$(date +%s.%N)
head -3 "$DIR/report.txt"
echo "custos validate: $(echo "$end - $start" | bc) s for $N rows"
"$PY" "$ROOT/bench/validate_reference.py" "$DIR"
