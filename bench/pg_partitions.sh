#!/usr/bin/env bash
# What partitioning the decision log by month buys on PostgreSQL (issue 25, docs/SCALE.md):
# the same N decisions over 24 months in a schema migrated to 0040 (one table) and in one
# migrated to 0041 (by month); then a one-month window count (what audits, monitors and the
# compliance evaluation read) and a one-month fairness tally, each run 5 times, best kept.
# Usage: bench/pg_partitions.sh [rows]   (default 2,400,000; needs psql and a server at
# $CUSTOS_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
set -euo pipefail
ROWS=${1:-2400000}
URL=${CUSTOS_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
HERE=$(cd "$(dirname "$0")/.." && pwd)
MIG=$HERE/crates/custos-store/migrations/postgres
psql_q() { psql "$URL" -q -v ON_ERROR_STOP=1 "$@"; }

build() { # schema, last migration prefix pattern
  local schema=$1; shift
  { echo "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema; SET search_path = $schema;"
    for f in "$@"; do cat "$f"; echo; done
    cat <<SQL
INSERT INTO subjects (subject_id, jurisdiction, created_at, updated_at)
  SELECT 's' || i, 'DE', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z' FROM generate_series(1, 10000) i;
INSERT INTO purposes (purpose, name, legal_basis, data_categories, sale_or_share, profiling, sensitive, pseudonymize, retention_days, created_at)
  VALUES ('p', 'P', 'consent', '[]', 0, 0, 0, 0, 30, '2025-01-01T00:00:00Z');
SQL
  } | psql_q >/dev/null
  if [[ $schema == bench_by_month ]]; then
    psql_q -c "SET search_path = $schema; SELECT count(*) FROM (SELECT custos_decisions_partition(to_char(DATE '2025-01-01' + make_interval(months => m), 'YYYY-MM')) FROM generate_series(0, 23) m) x" >/dev/null
  fi
  local t0=$(date +%s.%N)
  psql_q -c "SET search_path = $schema; INSERT INTO decisions (decision_id, subject_id, purpose, model, model_version, outcome, score, created_at)
    SELECT 'd' || i, 's' || (i % 10000 + 1), 'p', 'm', '1', CASE WHEN i % 3 = 0 THEN 'approve' ELSE 'deny' END, (i % 1000) / 1000.0,
           to_char(TIMESTAMP '2025-01-01' + (i::float8 / $ROWS) * INTERVAL '730 days', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
    FROM generate_series(1, $ROWS) i; ANALYZE decisions;" >/dev/null
  echo "$schema: $ROWS decisions inserted in $(echo "$(date +%s.%N) - $t0" | bc) s"
}

best() { # schema, sql
  local schema=$1 sql=$2 best=
  for _ in 1 2 3 4 5; do
    local ms
    ms=$(psql "$URL" -At -c "SET search_path = $1;" -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" | tail -n +2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])')
    if [[ -z $best ]] || (( $(echo "$ms < $best" | bc) )); then best=$ms; fi
  done
  echo "$best"
}

mapfile -t OLD < <(ls "$MIG"/00[0-3]*.sql "$MIG"/0040*.sql)
mapfile -t NEW < <(ls "$MIG"/00[0-3]*.sql "$MIG"/0040*.sql "$MIG"/0041*.sql)
build bench_one_table "${OLD[@]}"
build bench_by_month "${NEW[@]}"
WINDOW="created_at >= '2026-06' AND created_at < '2026-07'"
COUNT="SELECT count(*) FROM decisions WHERE $WINDOW"
TALLY="SELECT outcome, count(*), sum(score) FROM decisions WHERE purpose = 'p' AND $WINDOW GROUP BY outcome"
RECENT="SELECT decision_id FROM decisions WHERE subject_id = 's42' ORDER BY created_at DESC LIMIT 20"
for q in COUNT TALLY RECENT; do
  a=$(best bench_one_table "${!q}"); b=$(best bench_by_month "${!q}")
  printf '%-7s one table %9.2f ms   by month %9.2f ms   ratio %.2fx\n' "$q" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done
psql_q -c "SET client_min_messages = warning; DROP SCHEMA bench_one_table CASCADE; DROP SCHEMA bench_by_month CASCADE;" >/dev/null
