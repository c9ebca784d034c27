#!/usr/bin/env python3
"""PERSON recall split by whether the engine's gazetteers know the name.

The corpus's names come from Faker, whose lists overlap the census lists custos ships, so
overall PERSON recall overstates how custos does on names it has never seen. This splits the
gold PERSON spans of a split by gazetteer coverage of their words (first names in
given_names*.txt, other words in surnames.txt) and reports overlap recall for each group.

    name_coverage.py --gold corpus.jsonl --pred pred.jsonl [--split test]
"""
import argparse, json, unicodedata, pathlib, collections

ap = argparse.ArgumentParser()
ap.add_argument("--gold", required=True)
ap.add_argument("--pred", required=True)
ap.add_argument("--split", default="test")
ap.add_argument("--data", default=str(pathlib.Path(__file__).resolve().parents[2] / "crates/custos-pii/data"))
a = ap.parse_args()

def fold(w):
    w = unicodedata.normalize("NFKD", w.lower())
    return "".join(c for c in w if not unicodedata.combining(c) and c not in "'’").replace("ß", "ss")

def names(*files):
    out = set()
    for f in files:
        for line in open(pathlib.Path(a.data) / f, encoding="utf-8"):
            if line.startswith("#") or not line.strip():
                continue
            out.add(fold(line.split("\t")[0]))
    return out

given = names("given_names.txt", "given_names_intl.txt")
surnames = names("surnames.txt")
pred = {}
for line in open(a.pred, encoding="utf-8"):
    r = json.loads(line)
    pred[r["id"]] = [e for e in r["entities"] if e.get("entity_type", e.get("type")) == "PERSON"]
hits, totals = collections.Counter(), collections.Counter()
for line in open(a.gold, encoding="utf-8"):
    g = json.loads(line)
    if a.split != "all" and g["split"] != a.split:
        continue
    for s in g["spans"]:
        if s["type"] != "PERSON":
            continue
        words = g["text"][s["start"]:s["end"]].replace("-", " ").split()
        first_known = bool(words) and fold(words[0]) in given
        rest = words[1:]
        rest_known = all(fold(w) in surnames or fold(w) in given for w in rest)
        if first_known and rest_known:
            group = "first and last name known"
        elif first_known or (rest and rest_known):
            group = "one part known"
        else:
            group = "no part known"
        totals[group] += 1
        if any(p["start"] < s["end"] and s["start"] < p["end"] for p in pred.get(g["id"], [])):
            hits[group] += 1
print(f"PERSON overlap recall by gazetteer coverage ({a.split} split)")
for group in ("first and last name known", "one part known", "no part known"):
    n = totals[group]
    print(f"  {group:<28} {n:>5} spans  recall {hits[group] / n if n else 0:.3f}")
