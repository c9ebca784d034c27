#!/usr/bin/env bash
# Drift on N x 20 columns (default 1,000,000 rows; 14 numeric of mixed shapes, 6 categorical),
# both tables Parquet: Evidently's DataDriftPreset, scipy running the same tests as custos
# (KS, Anderson-Darling k-sample, Welch; chi-square; Holm), then `custos drift`, each in its
# own process under /usr/bin/time (wall time, peak RSS; the second of two runs), in one run. Does not build: run
# `cargo build --release -p custos-cli` first. Needs testdata/monitor/setup.sh's venv.
#   bench/drift.sh [--rows N] [--skip-evidently]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
evidently=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --skip-evidently) evidently=0; shift ;;
    *) echo "usage: bench/drift.sh [--rows N] [--skip-evidently]" >&2; exit 2 ;;
  esac
done
P=${MONITOR_VENV:-.venv-monitor}/bin/python
[ -x "$P" ] || { echo "no $P: run testdata/monitor/setup.sh" >&2; exit 1; }
BIN=${CUSTOS_BIN:-target/release/custos}
[ -x "$BIN" ] || { echo "no $BIN: cargo build --release -p custos-cli" >&2; exit 1; }
DIR=target/drift/$rows
[ -s "$DIR/current.parquet" ] || $P bench/drift_ref.py gen --rows "$rows" --out "$DIR"

# Each tool runs twice (a first run warms the page cache and the interpreter's imports); the
# second run's wall time and peak RSS are reported.
timed() {
  local name=$1; shift
  "$@" > /dev/null
  /usr/bin/time -f '%e %M' -o "$DIR/$name.time" "$@" > "$DIR/$name.out"
  read -r wall kb < "$DIR/$name.time"
  printf '%-10s %8.2f s %8.0f MB\n' "$name" "$wall" "$((kb / 1024))"
}

echo "drift, $rows rows x 20 columns, $(nproc) cores, $(date -u +%FT%TZ)"
timed custos "$BIN" drift --reference "$DIR/reference.parquet" --current "$DIR/current.parquet" --output "$DIR/custos.json"
# The reference as a profile: written once (bounded memory), then each comparison reads the
# profile instead of the raw reference table.
timed profile "$BIN" drift profile --input "$DIR/reference.parquet" --output "$DIR/reference.profile"
timed vs-profile "$BIN" drift --reference-profile "$DIR/reference.profile" --current "$DIR/current.parquet" --output "$DIR/custos-profile.json"
timed scipy "$P" bench/drift_ref.py scipy --dir "$DIR"
if [ "$evidently" = 1 ]; then
  timed evidently "$P" bench/drift_ref.py evidently --dir "$DIR"
fi
"$P" - "$DIR" <<'PY'
import json, sys, pathlib
d = pathlib.Path(sys.argv[1])
report = json.loads((d / "custos.json").read_text())
custos = sorted(c["column"] for c in report["columns"] if c["p_value_adjusted"] < report["alpha"])
scipy = sorted(json.loads((d / "scipy.out").read_text())["significant"])
print("significant after Holm, custos:", custos)
print("same columns as scipy" if custos == scipy else f"DIFFERENT from scipy: {scipy}")
print("verdicts:", {c["column"]: c["verdict"] for c in report["columns"]})
sketched = json.loads((d / "custos-profile.json").read_text())
print("against the profile, verdicts:", {c["column"]: c["verdict"] for c in sketched["columns"]})
print("profile size:", (d / "reference.profile").stat().st_size, "bytes")
ev = d / "evidently.out"
if ev.exists():
    e = json.loads(ev.read_text())
    print("Evidently DataDriftPreset flags:", e["drifted"], f"(DriftedColumnsCount {e['drifted_columns_count']})")
PY
