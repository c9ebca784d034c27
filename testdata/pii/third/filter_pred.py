#!/usr/bin/env python3
"""Drops predictions that overlap a span the third corpus marks `ignore` (street addresses,
titles, ages, ZIP codes: types the engine does not report), so a town inside a full street
address counts neither as found nor as a false positive.

    python3 testdata/pii/third/filter_pred.py --gold testdata/pii/third/third.jsonl --pred pred.jsonl > kept.jsonl
"""

import argparse
import json

ap = argparse.ArgumentParser()
ap.add_argument("--gold", required=True)
ap.add_argument("--pred", required=True)
args = ap.parse_args()
ignore = {}
for line in open(args.gold, encoding="utf-8"):
    if line.strip():
        r = json.loads(line)
        ignore[r["id"]] = [(s["start"], s["end"]) for s in r.get("ignore", [])]
for line in open(args.pred, encoding="utf-8"):
    if not line.strip():
        continue
    r = json.loads(line)
    spans = ignore.get(r["id"], [])
    r["entities"] = [e for e in r["entities"] if not any(e["start"] < b and a < e["end"] for a, b in spans)]
    print(json.dumps(r, ensure_ascii=False))
