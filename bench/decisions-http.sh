#!/usr/bin/env bash
# POST /v1/decisions end to end (durable), without and with review rules in force, alternately
# on one server and one seeded database: the cost the rules add to the decision path. The rules
# are three that rarely match (a narrow score band, a 1% sample, another model), as in a
# deployment where most decisions stand; the matching ones open a review in the same
# transaction.
#
#   bench/decisions-http.sh [--subjects N] [--duration 15s] [--connections 16] [--rounds 2]
set -euo pipefail
cd "$(dirname "$0")/.."
subjects=10000; duration=15s; connections=16; rounds=2
while [[ $# -gt 0 ]]; do
  case $1 in
    --subjects) subjects=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 2; }
bin=${CUSTOS_BENCH_BIN:-target/release/custos}
[[ -x $bin ]] || cargo build --release --bin custos
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db_args=(--master-key-file "$work/master.key" --database-url "sqlite://$work/custos.db")
"$bin" admin seed-demo --subjects "$subjects" "${db_args[@]}" >/dev/null
sync; sleep 2
CUSTOS_LOG=warn "$bin" serve --listen 127.0.0.1:18182 "${db_args[@]}" > "$work/out" 2> "$work/err" &
server=$!
key=$("$bin" admin create-key --scopes decisions:write,subjects:read,oversight:admin,reviews:read "${db_args[@]}" | tail -n1)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18182/healthz >/dev/null && break; sleep 0.2; done
python3 - "$key" > "$work/ids" <<'PY'
import json, sys, urllib.request
key, after, out = sys.argv[1], None, []
while True:
    url = "http://127.0.0.1:18182/v1/subjects?limit=1000" + (f"&after={after}" if after else "")
    page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})))
    out += [s["subject_id"] for s in page["subjects"]]
    after = page.get("next_after")
    if not after:
        break
print("\n".join(out))
PY
api() { curl -sf -X "$1" -H "Authorization: Bearer $key" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:18182$2"; }
rules_on() {
  ids=()
  ids+=("$(api POST /v1/review-rules '{"name":"Near the cut-off","conditions":{"score_band":[0.495,0.505]},"sla_hours":48}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["rule_id"])')")
  ids+=("$(api POST /v1/review-rules '{"name":"Quality sample","conditions":{"sample_rate":0.01},"sla_hours":72}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["rule_id"])')")
  ids+=("$(api POST /v1/review-rules '{"name":"Other model","conditions":{"model":"other-model"},"sla_hours":24}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["rule_id"])')")
}
rules_off() { for id in "${ids[@]}"; do api DELETE "/v1/review-rules/$id" >/dev/null; done; ids=(); }
ids=()
for round in $(seq 1 "$rounds"); do
  for mode in off on; do
    if [[ $mode == on ]]; then rules_on; fi
    echo "round $round, rules $mode ($(api GET /v1/review-rules | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') in force): wrk -t2 -c$connections -d$duration"
    IDS_FILE="$work/ids" CUSTOS_KEY="$key" wrk -t2 -c"$connections" -d"$duration" --latency -s bench/decisions.lua http://127.0.0.1:18182 \
      | grep -E "Requests/sec|  50%|  99%|errors"
    if [[ $mode == on ]]; then rules_off; fi
  done
done
echo "reviews opened: $(api GET '/v1/reviews?limit=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
