#!/usr/bin/env bash
# Checks too slow for .ci/run (which runs their small versions). Run by hand before a release:
#   scripts/slow-checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Drift false alarms and power over 1,000 windows instead of CI's 200 (about 3 minutes).
CUSTOS_SIM_WINDOWS=1000 cargo test -p custos-monitor --test simulation -- --nocapture

# A full compliance evaluation over 100,000 subjects and 1,000,000 decisions and gate checks,
# with the gate under load (CI evaluates the 40-subject demo in crates/custos-cli/tests/report.rs).
bench/compliance.sh

# Consent-string codecs against the IAB's JavaScript libraries on the same strings (CI checks the
# codecs' answers against the libraries' fixtures in crates/custos-consent-signals/tests).
bench/consent.sh

# Fuzz both consent-string decoders for 10 minutes (needs cargo-fuzz; fuzz/README.md).
if command -v cargo-fuzz >/dev/null; then RUSTC_BOOTSTRAP=1 cargo fuzz run consent_strings -- -max_total_time=600; fi

# Anonymity: the 10 M-row check (target under 5 s) and the enforcement search over 1 M rows x 8
# quasi-identifiers with 4-level hierarchies (target under 60 s); CI runs the property tests that
# hold the search to the exhaustive one on small tables (crates/custos-anon).
cargo run --release -p custos-anon --example check_rate
out=$(cargo run --release -p custos-anon --example enforce_rate)
echo "$out"
seconds=$(echo "$out" | sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p')
awk -v s="$seconds" 'BEGIN { exit !(s < 60) }' || { echo "enforcement search took ${seconds} s (target: under 60 s)" >&2; exit 1; }

# custos's exact discrete Laplace and Gaussian samplers against OpenDP's, in distribution
# (two-sample chi-square over 200,000 draws each; dev-only so CI never builds OpenDP). CI runs
# the chi-square tests against the exact distributions (crates/custos-anon/src/dp.rs).
cargo run --release --manifest-path dev/opendp-agreement/Cargo.toml

# Scale-out: 100 million synthetic decisions generated inside Spark, audited by custos.spark on
# local[2] (docs/SCALE.md); CI runs the Spark tests on small frames (python/tests/test_spark.py).
[ -x python/.venv/bin/python ] || python/test.sh --co -q >/dev/null
(cd python && VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin develop --release --quiet)
python/.venv/bin/python bench/spark_scale.py
(cd python && VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin develop --quiet)
