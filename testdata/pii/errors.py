#!/usr/bin/env python3
"""List false negatives and false positives (overlap matching) of a prediction file, per type.

    errors.py --gold corpus.jsonl --pred pred.jsonl [--split dev] [--type PERSON] [--limit 40]
"""
import argparse, json, collections

ap = argparse.ArgumentParser()
ap.add_argument("--gold", required=True)
ap.add_argument("--pred", required=True)
ap.add_argument("--split", default="dev")
ap.add_argument("--type")
ap.add_argument("--threshold", type=float, default=0.0)
ap.add_argument("--limit", type=int, default=40)
a = ap.parse_args()
pred = {}
for line in open(a.pred, encoding="utf-8"):
    r = json.loads(line)
    pred[r["id"]] = [e for e in r["entities"] if e.get("score", 1.0) >= a.threshold]
fn, fp = collections.defaultdict(list), collections.defaultdict(list)
for line in open(a.gold, encoding="utf-8"):
    g = json.loads(line)
    if a.split != "all" and g["split"] != a.split:
        continue
    t = g["text"]
    ps = pred.get(g["id"], [])
    for s in g["spans"]:
        if not any(p.get("entity_type", p.get("type")) == s["type"] and p["start"] < s["end"] and s["start"] < p["end"] for p in ps):
            other = [f'{p.get("entity_type", p.get("type"))}:{t[p["start"]:p["end"]]!r}' for p in ps if p["start"] < s["end"] and s["start"] < p["end"]]
            fn[s["type"]].append(f'{t[s["start"]:s["end"]]!r} got={other} | {t}')
    for p in ps:
        if not any(p.get("entity_type", p.get("type")) == s["type"] and p["start"] < s["end"] and s["start"] < p["end"] for s in g["spans"]):
            gold = [f'{s["type"]}' for s in g["spans"] if p["start"] < s["end"] and s["start"] < p["end"]]
            fp[p.get("entity_type", p.get("type"))].append(f'{t[p["start"]:p["end"]]!r} {p.get("score")} gold={gold} | {t}')
for kind, d in (("FN", fn), ("FP", fp)):
    for typ in sorted(d):
        if a.type and typ != a.type:
            continue
        print(f"== {kind} {typ}: {len(d[typ])}")
        for x in d[typ][: a.limit]:
            print("  ", x[:260])
