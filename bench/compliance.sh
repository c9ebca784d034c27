#!/usr/bin/env bash
# Compliance evaluation at scale: `custos serve` (release) on SQLite with 100,000 demo subjects,
# the decisions and gate checks inflated to 1,000,000 rows each, then a full evaluation of every
# control (POST /v1/compliance/runs) and the Art. 30 record (GET /v1/compliance/ropa) while wrk
# posts gate checks: the evaluation's and the record's wall time, and the gate's latency
# percentiles before and during the run.
#
#   bench/compliance.sh [--subjects N] [--rows N] [--connections C]
#
# The issue's target: a full evaluation in under 30 s without blocking the gate.
set -euo pipefail
cd "$(dirname "$0")/.."
subjects=100000; rows=1000000; connections=16
while [[ $# -gt 0 ]]; do
  case $1 in
    --subjects) subjects=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 2; }
bin=${CUSTOS_BENCH_BIN:-target/release/custos}
[[ -x $bin ]] || cargo build --release --bin custos
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db_args=(--master-key-file "$work/master.key" --database-url "sqlite://$work/custos.db")
start=$(date +%s)
"$bin" admin seed-demo --subjects "$subjects" "${db_args[@]}" > /dev/null
echo "seeded $subjects subjects in $(( $(date +%s) - start )) s"
# More history than the demo makes: copies of its decisions and gate checks under new ids
# (the controls count rows; they never read the copies' sealed values).
python3 - "$work/custos.db" "$rows" <<'PY'
import sqlite3, sys
db, target = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
uuid = "substr(h,1,8)||'-'||substr(h,9,4)||'-7'||substr(h,14,3)||'-8'||substr(h,18,3)||'-'||substr(h,21,12)"
# The demo logs no gate checks: one per decision (the check that allowed it), a tenth with GPC.
if c.execute("SELECT COUNT(*) FROM gate_checks").fetchone()[0] == 0:
    c.execute(f"""INSERT INTO gate_checks (check_id, subject_id, purpose, requested, decision, reasons, released, gpc, key_id, checked_at)
        SELECT {uuid}, subject_id, purpose, '["user.contact.email"]', 'allow', '[]', '["user.contact.email"]',
               CASE WHEN abs(random()) % 10 = 0 THEN 1 ELSE 0 END, NULL, created_at
        FROM (SELECT lower(hex(randomblob(16))) AS h, * FROM decisions)""")
    c.commit()
for table, pk in [("decisions", "decision_id"), ("gate_checks", "check_id")]:
    cols = [r[1] for r in c.execute(f"PRAGMA table_info({table})")]
    n = c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    while 0 < n < target:
        k = min(n, target - n)
        sel = ", ".join(uuid if col == pk else col for col in cols)
        c.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {sel} FROM (SELECT lower(hex(randomblob(16))) AS h, * FROM {table} LIMIT {k})")
        c.commit()
        n += k
    print(f"{table}: {n} rows")
PY
sync; sleep 5
CUSTOS_LOG_FORMAT=json CUSTOS_LOG=warn,custos_service::compliance=info "$bin" serve --listen 127.0.0.1:18183 "${db_args[@]}" > "$work/out" 2> "$work/err" &
server=$!
key=$("$bin" admin create-key --scopes checks:write,subjects:read "${db_args[@]}" | tail -n1)
"$bin" admin create-user --email dpo@bench.test --role privacy_officer "${db_args[@]}" > /dev/null
token=$("$bin" admin create-user-token --email dpo@bench.test --scopes compliance:read,compliance:write "${db_args[@]}" | tail -n1)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18183/healthz >/dev/null && break; sleep 0.2; done
python3 - "$key" > "$work/ids" <<'PY'
import json, sys, urllib.request
key, after, out = sys.argv[1], None, []
while True:
    url = "http://127.0.0.1:18183/v1/subjects?limit=1000" + (f"&after={after}" if after else "")
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    page = json.load(urllib.request.urlopen(req))
    out += [s["subject_id"] for s in page["subjects"]]
    after = page.get("next_after")
    if not after:
        break
print("\n".join(out))
PY
# The server evaluates once at start (the hourly tick finds no run under a day old): wait for that
# run to finish before measuring the gate alone, and print how long it took (a full evaluation
# with nothing else running). An on-demand run is refused within a minute of the last one.
runs() { curl -s -H "Authorization: Bearer $token" http://127.0.0.1:18183/v1/compliance/runs; }
for _ in $(seq 1 900); do
  [[ $(runs | python3 -c "import json,sys; print(len(json.load(sys.stdin)))") -gt 0 ]] && break
  sleep 1
done
first=$(runs | python3 -c "
import json, sys
from datetime import datetime
r = json.load(sys.stdin)[0]
t = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
print(round((t(r['finished_at']) - t(r['started_at'])).total_seconds(), 1))")
echo "full evaluation at start (no load): $first s"
first_done=$(date +%s)
echo "gate alone: wrk -t2 -c$connections -d15s"
IDS_FILE="$work/ids" CUSTOS_KEY="$key" wrk -t2 -c"$connections" -d15s --latency -s bench/gate.lua http://127.0.0.1:18183 | grep -E "Latency|50%|90%|99%|Requests/sec"
wait_s=$(( 62 - ($(date +%s) - first_done) ))
if [[ $wait_s -gt 0 ]]; then sleep "$wait_s"; fi
# Long enough to cover the evaluation under load (twice the unloaded time) and the record.
duration=$(python3 -c "print(int(float('$first') * 2 + 15))")
echo "gate during a full evaluation and the Art. 30 record: wrk -t2 -c$connections -d${duration}s"
IDS_FILE="$work/ids" CUSTOS_KEY="$key" wrk -t2 -c"$connections" -d"${duration}s" --latency -s bench/gate.lua http://127.0.0.1:18183 > "$work/wrk" &
load=$!
sleep 3
curl -s -o "$work/run.json" -w "full evaluation (POST /v1/compliance/runs): HTTP %{http_code} in %{time_total} s\n" -X POST -H "Authorization: Bearer $token" http://127.0.0.1:18183/v1/compliance/runs
curl -s -o "$work/ropa.json" -w "Art. 30 record (GET /v1/compliance/ropa): HTTP %{http_code} in %{time_total} s\n" -H "Authorization: Bearer $token" http://127.0.0.1:18183/v1/compliance/ropa
wait $load
grep -E "Latency|50%|90%|99%|Requests/sec" "$work/wrk"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('regulations evaluated:', len(r['summary']))" "$work/run.json"
kill "$server"; wait "$server" 2>/dev/null || true
# Where the time went, step by step (the first block is the unloaded run, the second the loaded one).
echo "evaluation steps (ms):"
python3 - "$work/err" <<'PY2'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        f = json.loads(line).get("fields", {})
    except ValueError:
        continue
    if "step" in f:
        print(f"  {f['step']}: {f['elapsed_ms']}")
PY2
