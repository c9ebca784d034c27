#!/usr/bin/env python3
"""Turns raw.jsonl (hand-written items, entities as strings in order of appearance) into
handwritten.jsonl in the corpus format the scorers read: code-point offsets, `spans`, `neg`
(none: the items without personal data carry their look-alikes as plain text, so any finding in
them counts against precision) and `ignore` (street lines, a type the engine does not report).

    python3 testdata/pii/handwritten/convert.py > testdata/pii/handwritten/handwritten.jsonl
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
for line in open(os.path.join(here, "raw.jsonl"), encoding="utf-8"):
    item = json.loads(line)
    text = item["text"]
    spans, at = [], 0
    for ent in item["entities"]:
        start = text.find(ent["text"], at)
        if start < 0:
            sys.exit(f"{item['id']}: {ent['text']!r} not found after offset {at}")
        spans.append({"type": ent["type"], "start": start, "end": start + len(ent["text"])})
        at = start + len(ent["text"])
    ignore, at = [], 0
    for s in item.get("ignore", []):
        start = text.find(s)
        if start < 0:
            sys.exit(f"{item['id']}: ignore {s!r} not found")
        ignore.append({"start": start, "end": start + len(s)})
    out = {"id": item["id"], "lang": "en", "genre": item["genre"], "text": text, "spans": spans, "neg": [], "ignore": ignore}
    print(json.dumps(out, ensure_ascii=False))
