#!/usr/bin/env bash
# Consent-string codecs: custos against the IAB's own JavaScript libraries (@iabtechlabtcf/core,
# @iabgpp/cmpapi) on the same strings, in one run: the median-length TC string among the
# fixtures with 150-250 consented vendors, and the median-length usnat (v2) GPP string.
#
#   bench/consent.sh [seconds per figure, default 2]
#
# Prints both tools' JSON lines and the ratios (custos / reference) for docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-2}
bin=${CUSTOS_BENCH_BIN:-target/release/custos}
[[ -x $bin ]] || cargo build --release --bin custos
command -v node >/dev/null || { echo "install node (Debian: apt-get install nodejs npm)" >&2; exit 2; }
[[ -d testdata/consent-signals/node_modules ]] || (cd testdata/consent-signals && npm ci --silent)
ours=$(taskset -c 0 "$bin" bench consent --seconds "$seconds" 2>/dev/null || "$bin" bench consent --seconds "$seconds")
theirs=$(taskset -c 0 node bench/consent_ref.mjs --seconds "$seconds" 2>/dev/null || node bench/consent_ref.mjs --seconds "$seconds")
echo "$ours"
echo "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert o["tc_string_chars"] == t["tc_string_chars"], "the TC strings differ"
assert o["gpp_string"] == t["gpp_usnat_string"], "the GPP strings differ"
rows = [
    ("TC string decode", o["tcf_decode_per_s"], t["tc_decode_per_sec"]),
    ("TC string encode", o["tcf_encode_per_s"], t["tc_encode_per_sec"]),
    ("GPP (usnat) decode", o["gpp_decode_per_s"], t["gpp_usnat_decode_per_sec"]),
    ("GPP (usnat) encode", o["gpp_encode_per_s"], t["gpp_usnat_encode_per_sec"]),
]
print(f"TC string: {o['tc_string_chars']} characters, {o['tc_vendors']} vendors; GPP: {o['gpp_string']}")
for name, ours, theirs in rows:
    print(f"{name}: custos {ours:,.0f}/s, reference {theirs:,.0f}/s, ratio {ours / theirs:,.1f}x")
PY
