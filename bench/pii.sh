#!/usr/bin/env bash
# custos PII analyzer vs Presidio on the same generated text, in one run:
#   1. Presidio (PyPI, pattern recognizers only, then with spaCy NER) on a 2 MB / 0.5 MB file,
#   2. `custos pii analyze` end to end (read JSONL, analyze, write JSONL) on 64 MB, one thread
#      and all threads, CPU time from the OS,
#   3. `custos bench pii`: in-process single-core MB/s and 200-character message latency.
# Prints MB per CPU-second for each and the ratios. Needs testdata/pii/setup.sh (run here).
#   bench/pii.sh [--skip-presidio]
set -euo pipefail
cd "$(dirname "$0")/.."
skip_presidio=${1:-}
testdata/pii/setup.sh >/dev/null
P=.venv-pii/bin/python
mkdir -p target/pii
[ -s target/pii/bench_2mb.jsonl ] || $P testdata/pii/make_bench.py --mb 2 --out target/pii/bench_2mb.jsonl
[ -s target/pii/bench_0.5mb.jsonl ] || $P testdata/pii/make_bench.py --mb 0.5 --out target/pii/bench_0.5mb.jsonl
# 64 MB: the 2 MB file 32 times (ids made unique), so both tools see the same kind of text.
if [ ! -s target/pii/bench_64mb.jsonl ]; then
  for i in $(seq 1 32); do sed "s/^{\"id\": *\"/{\"id\": \"r$i-/" target/pii/bench_2mb.jsonl; done > target/pii/bench_64mb.jsonl
fi
cargo build --release -q -p custos-cli
BIN=target/release/custos

if [ "$skip_presidio" != "--skip-presidio" ]; then
  (cd testdata/pii && ../../$P run_presidio.py --bench ../../target/pii/bench_2mb.jsonl --mode patterns) | tee target/pii/bench_presidio_patterns.log
  (cd testdata/pii && ../../$P run_presidio.py --bench ../../target/pii/bench_0.5mb.jsonl --mode full) | tee target/pii/bench_presidio_full.log
fi

# CPU seconds of a child process, from the OS (user + system).
cpu_run() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time, os
t = time.time()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.time() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{ru.ru_utime + ru.ru_stime:.3f} {wall:.3f}")
PY
}
# MB of text (the "text" fields, UTF-8), as Presidio's runner counts them.
mb=$(python3 -c "import json; print(sum(len(json.loads(l)['text'].encode()) for l in open('target/pii/bench_64mb.jsonl'))/1e6)")
read -r cpu1 wall1 < <(cpu_run $BIN pii analyze --threads 1 --input target/pii/bench_64mb.jsonl --output /dev/null)
read -r cpun walln < <(cpu_run $BIN pii analyze --input target/pii/bench_64mb.jsonl --output /dev/null)
python3 - "$mb" "$cpu1" "$wall1" "$cpun" "$walln" <<'PY'
import sys, re, pathlib
mb, cpu1, wall1, cpun, walln = map(float, sys.argv[1:])
print(f"custos pii analyze, 1 thread : {mb:.1f} MB of text, CPU {cpu1:.2f} s, wall {wall1:.2f} s -> {mb/cpu1:.1f} MB/CPU-s")
print(f"custos pii analyze, all cores: {mb:.1f} MB of text, CPU {cpun:.2f} s, wall {walln:.2f} s -> {mb/walln:.1f} MB/s wall")
def presidio(name):
    p = pathlib.Path(f"target/pii/bench_presidio_{name}.log")
    if not p.exists():
        return None
    m = re.search(r'"mb_per_cpu_s": ([0-9.]+)', p.read_text())
    return float(m.group(1)) if m else None
for name in ("patterns", "full"):
    v = presidio(name)
    if v:
        print(f"Presidio {name:<8}: {v:.4f} MB/CPU-s -> custos is {mb/cpu1/v:,.0f}x per CPU-second")
PY
$BIN bench pii --input target/pii/bench_2mb.jsonl
