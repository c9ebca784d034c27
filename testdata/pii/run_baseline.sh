#!/usr/bin/env bash
# Reproduces PRESIDIO_RESULTS.md: corpus, Presidio predictions on the test
# split, scores at thresholds 0 / 0.35 / 0.5, and throughput on bench files.
# Everything large goes to $OUT (default target/pii/, gitignored).
#
#   testdata/pii/run_baseline.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${PII_VENV:-$REPO/.venv-pii}"
OUT="${OUT:-$REPO/target/pii}"
PY="$VENV/bin/python"
mkdir -p "$OUT"

"$HERE/setup.sh"
cd "$HERE"
"$PY" make_corpus.py --stats | tee "$OUT/corpus_stats.txt"

for mode in full patterns patterns-slim; do
  "$PY" run_presidio.py --corpus corpus.jsonl --split test --mode "$mode" \
      --out "$OUT/presidio_${mode}_test.jsonl" \
      > "$OUT/presidio_${mode}_test.info.json" 2> "$OUT/presidio_${mode}_test.log"
  tail -n1 "$OUT/presidio_${mode}_test.log"
  for th in 0 0.35 0.5; do
    "$PY" score.py --gold corpus.jsonl --pred "$OUT/presidio_${mode}_test.jsonl" --split test \
        --threshold "$th" --json "$OUT/score_${mode}_t${th}.json" > "$OUT/score_${mode}_t${th}.txt"
  done
done
# supplementary: the country recognizers Presidio ships but does not enable for
# English, and spaCy ORG entities kept
"$PY" run_presidio.py --corpus corpus.jsonl --split test --mode full --national --keep-org \
    --out "$OUT/presidio_full_national_org_test.jsonl" \
    > "$OUT/presidio_full_national_org_test.info.json" 2> "$OUT/presidio_full_national_org_test.log"
for th in 0 0.35 0.5; do
  "$PY" score.py --gold corpus.jsonl --pred "$OUT/presidio_full_national_org_test.jsonl" --split test \
      --threshold "$th" --json "$OUT/score_full_national_org_t${th}.json" \
      > "$OUT/score_full_national_org_t${th}.txt"
done

# throughput on bench files (no predictions written)
"$PY" make_bench.py --mb 2 --out "$OUT/bench_2mb.jsonl"
"$PY" make_bench.py --mb 0.5 --out "$OUT/bench_0.5mb.jsonl"
"$PY" run_presidio.py --bench "$OUT/bench_2mb.jsonl" --mode patterns \
    > "$OUT/bench_patterns_2mb.info.json" 2> "$OUT/bench_patterns_2mb.log"
"$PY" run_presidio.py --bench "$OUT/bench_2mb.jsonl" --mode patterns-slim \
    > "$OUT/bench_patterns-slim_2mb.info.json" 2> "$OUT/bench_patterns-slim_2mb.log"
"$PY" run_presidio.py --bench "$OUT/bench_0.5mb.jsonl" --mode full \
    > "$OUT/bench_full_0.5mb.info.json" 2> "$OUT/bench_full_0.5mb.log"
tail -n1 "$OUT"/bench_*.log
