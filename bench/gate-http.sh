#!/usr/bin/env bash
# End-to-end gate benchmark: `custos serve` (release) with 100k demo subjects, wrk posting
# /v1/gate/check (each check persisted durably), on SQLite and, with --postgres, PostgreSQL.
#
#   bench/gate-http.sh [--postgres URL] [--subjects N] [--duration 20s] [--connections "16 64"]
#                      [--bins "target/release/custos /tmp/other-build ..."]
# CUSTOS_BENCH_BIN picks the binary that seeds and creates the key (default target/release/custos).
#
# Prints wrk's summary with latency percentiles. wrk and the server share this machine's cores.
# --bins serves the same seeded database with each binary in turn (A/B comparisons on a noisy
# machine: list them alternately, e.g. "A B A B").
set -euo pipefail
cd "$(dirname "$0")/.."
subjects=100000; duration=20s; connections="16 64"; pg=""; bins=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --postgres) pg=$2; shift 2 ;;
    --subjects) subjects=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --bins) bins=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 2; }
bin=${CUSTOS_BENCH_BIN:-target/release/custos}
[[ -x $bin ]] || cargo build --release --bin custos
bins=${bins:-$bin}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db_args=(--master-key-file "$work/master.key")
if [[ -n $pg ]]; then
  schema="bench_$(date +%s)"
  psql "$pg" -qc "CREATE SCHEMA $schema"
  db_args+=(--database-url "$pg?options=-c%20search_path%3D$schema")
else
  db_args+=(--database-url "sqlite://$work/custos.db")
fi
start=$(date +%s)
"$bin" admin seed-demo --subjects "$subjects" "${db_args[@]}"
echo "seeded $subjects subjects in $(( $(date +%s) - start )) s"
# Let the kernel write the seeded data back first, so it does not compete with the run.
sync; sleep 5
backend=sqlite; [[ -n $pg ]] && backend=postgres
for serve_bin in $bins; do
CUSTOS_LOG=warn "$serve_bin" serve --listen 127.0.0.1:18181 "${db_args[@]}" > "$work/out" 2> "$work/err" &
server=$!
# `gate` is the 0.1 name of `checks:write`: both binaries of a paired run read it.
key=$("$bin" admin create-key --scopes gate,subjects:read "${db_args[@]}" | tail -n1)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.2; done
[[ -s $work/ids ]] || python3 - "$key" > "$work/ids" <<'PY'
import json, sys, urllib.request
key, after, out = sys.argv[1], None, []
while True:
    url = "http://127.0.0.1:18181/v1/subjects?limit=1000" + (f"&after={after}" if after else "")
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    page = json.load(urllib.request.urlopen(req))
    out += [s["subject_id"] for s in page["subjects"]]
    after = page.get("next_after")
    if not after:
        break
print("\n".join(out))
PY
for c in $connections; do
  echo "binary: $serve_bin; subjects: $(wc -l < "$work/ids"); backend: $backend; wrk -t2 -c$c -d$duration"
  IDS_FILE="$work/ids" CUSTOS_KEY="$key" wrk -t2 -c"$c" -d"$duration" --latency -s bench/gate.lua http://127.0.0.1:18181
done
kill "$server"; wait "$server" 2>/dev/null || true
done
if [[ -n $pg ]]; then psql "$pg" -qc "DROP SCHEMA $schema CASCADE"; fi
