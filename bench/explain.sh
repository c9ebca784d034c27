#!/usr/bin/env bash
# TreeSHAP speed: xgboost's pred_contribs, LightGBM's pred_contrib and shap's TreeExplainer
# (path-dependent, one thread each) against custos on the same models and rows: 500 trees of
# depth 6, 20 features, N rows (default 10,000), plus the one-row latency of a 100-tree depth-5
# model. The checksums (sum of all attributions) agree between tools on the same model.
# Needs the venv of testdata/explain/setup.sh. Builds the bench example in release (custos-explain
# only, seconds).
#   bench/explain.sh [--rows N]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    *) echo "usage: bench/explain.sh [--rows N]" >&2; exit 2 ;;
  esac
done
P=${EXPLAIN_VENV:-.venv-explain}/bin/python
[ -x "$P" ] || { echo "no $P: run testdata/explain/setup.sh" >&2; exit 1; }
OUT=target/explain
mkdir -p "$OUT"
[ -s "$OUT/bench_rows_$rows.csv" ] || $P bench/explain_ref.py gen --rows "$rows" --out "$OUT"
cargo build --release -q -p custos-explain --example explain_bench
for tool in xgboost lightgbm shap; do
  OMP_NUM_THREADS=1 $P bench/explain_ref.py run --rows "$rows" --tool "$tool" --out "$OUT"
done
echo "custos, XGBoost model:"
target/release/examples/explain_bench "$OUT/bench.xgb.json" "$OUT/bench_rows_$rows.csv" "$OUT/bench_small.xgb.json"
echo "custos, LightGBM model:"
target/release/examples/explain_bench "$OUT/bench.lgb.txt" "$OUT/bench_rows_$rows.csv"
