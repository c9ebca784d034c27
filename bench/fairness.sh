#!/usr/bin/env bash
# Fairness audit on N synthetic decisions (default 10,000,000): numpy (bincount floor), pandas
# (groupby), Fairlearn (MetricFrame + demographic_parity_difference + equalized_odds_difference),
# each in its own process, then `custos fairness audit` on the same Parquet file. Prints wall
# time and peak RSS of each process (/usr/bin/time), DPD and EOD (they should agree), and the
# ratio to custos. 24 groups: sex x age_group x region. Does not build: run
# `cargo build --release -p custos-cli` first (custos is skipped if target/release/custos is missing).
# Needs the venv of testdata/fairness/setup.sh. Per-tool JSON lines go to target/fairness/.
#   bench/fairness.sh [--rows N]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=10000000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    *) echo "usage: bench/fairness.sh [--rows N]" >&2; exit 2 ;;
  esac
done
P=${FAIRNESS_VENV:-.venv-fairness}/bin/python
[ -x "$P" ] || { echo "no $P: run testdata/fairness/setup.sh" >&2; exit 1; }
BIN=${CUSTOS_BIN:-target/release/custos}
OUT=target/fairness
mkdir -p "$OUT"
# 10000000 -> 10m, 1000000 -> 1m, 100000 -> 100k
tag=$(python3 -c "n=$rows; print(f'{n//10**6}m' if n%10**6==0 else f'{n//1000}k' if n%1000==0 else n)")
FILE=$OUT/decisions_$tag.parquet
[ -s "$FILE" ] || $P bench/fairness_ref.py gen --rows "$rows" --out "$FILE"

# timed NAME CMD...: runs CMD under /usr/bin/time; stdout to $OUT/NAME, stderr (last line
# "<wall> s <peak> KB") to $OUT/NAME.time.
timed() {
  local log=$OUT/$1; shift
  rm -f "$log.time"
  if ! /usr/bin/time -f '%e s %M KB' "$@" 2> "$log.time" > "$log"; then cat "$log.time" >&2; return 1; fi
}

for tool in numpy pandas fairlearn; do
  echo "running $tool on $rows rows ..." >&2
  timed "ref_${tool}_$tag.json" $P bench/fairness_ref.py run --input "$FILE" --tool "$tool"
  cat "$OUT/ref_${tool}_$tag.json"
done

if [ -x "$BIN" ] && "$BIN" fairness audit --help > /dev/null 2>&1; then
  echo "running custos on $rows rows ..." >&2
  # The report (a few KB) goes to a file instead of /dev/null so its DPD/EOD can be compared.
  cmd=("$BIN" fairness audit --input "$FILE" --sensitive sex,age_group,region --y-true y_true --y-pred y_pred
       --bootstrap 0 --output "$OUT/custos_$tag.json")
  echo "${cmd[*]}" >&2
  timed "custos_$tag.log" "${cmd[@]}"
else
  echo "note: $BIN missing or without \`fairness audit\` (cargo build --release -p custos-cli); custos skipped" >&2
  rm -f "$OUT/custos_$tag.log.time"
fi

python3 - "$OUT" "$tag" "$rows" <<'PY'
import json, pathlib, sys
out, tag, rows = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def wall_mb(path):
    wall, _, kb, _ = path.read_text().splitlines()[-1].split()
    return float(wall), float(kb) / 1024
table = []
for tool in ("numpy", "pandas", "fairlearn"):
    r = json.loads((out / f"ref_{tool}_{tag}.json").read_text())
    table.append((tool, *wall_mb(out / f"ref_{tool}_{tag}.json.time"), r["demographic_parity_difference"], r["equalized_odds_difference"],
                  f'{r["decode_s"]:.2f} + {r["compute_s"]:.2f}'))
custos = None
if (out / f"custos_{tag}.log.time").exists():
    d = json.loads((out / f"custos_{tag}.json").read_text())["disparities"]
    custos = ("custos", *wall_mb(out / f"custos_{tag}.log.time"), d["demographic_parity_difference"], d["equalized_odds_difference"], "-")
    table.append(custos)
print(f"\nfairness audit, {rows:,} rows, 24 groups (process wall time and peak RSS from /usr/bin/time)")
print(f"{'tool':<10} {'wall s':>8} {'peak MB':>9} {'DPD':>20} {'EOD':>20} {'vs custos':>10}  in-process decode + compute s")
for tool, wall, mb, dpd, eod, split in table:
    ratio = f"{wall / custos[1]:.1f}x" if custos else "-"
    print(f"{tool:<10} {wall:>8.2f} {mb:>9.0f} {dpd:>20.17f} {eod:>20.17f} {ratio:>10}  {split}")
dpds = {round(t[3], 12) for t in table}
eods = {round(t[4], 12) for t in table}
print("DPD and EOD agree across tools (1e-12)" if len(dpds) == 1 and len(eods) == 1 else "WARNING: DPD/EOD differ across tools")
PY
