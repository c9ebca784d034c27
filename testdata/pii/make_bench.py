#!/usr/bin/env python3
"""Generate a large, realistic throughput bench file (JSONL {"id","text"}).

    make_bench.py --mb 2 --out ../../target/pii/bench_2mb.jsonl [--seed 9001]

Lines are built from the corpus templates (templates.py) with fresh values
(own seed, so no sentence is copied from corpus.jsonl): each line joins one to
three rendered templates with a space or newline, like a ticket body or a chat
turn, for an average of about 200 characters. About 85% English. Output stops
once N * 10^6 bytes of UTF-8 text have been written. Deterministic for a given
--seed and --mb.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import make_corpus as MC  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, required=True, help="target size in 10^6 bytes of text")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=9001)
    args = ap.parse_args()

    gen = MC.Generator(args.seed)
    rng = gen.rng
    by_lang = {}
    for i, (lang, _, _) in enumerate(MC.TEMPLATES):
        by_lang.setdefault(lang, []).append(i)
    langs = ["en", "de", "fr", "es", "it"]
    lang_w = [85, 4, 4, 4, 3]
    target = int(args.mb * 1e6)
    written, n, chars = 0, 0, 0
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        while written < target:
            lang = rng.choices(langs, weights=lang_w)[0]
            k = rng.choices([1, 2, 3], weights=[3, 4, 2])[0]
            parts = []
            for _ in range(k):
                i = rng.choice(by_lang[lang])
                text, _, _, _ = MC.render(gen, i, lang, MC.TEMPLATES[i][2])
                parts.append(text)
            text = parts[0]
            for p in parts[1:]:
                text += rng.choice([" ", " ", "\n"]) + p
            fh.write(json.dumps({"id": "b-%07d" % n, "text": text}, ensure_ascii=False) + "\n")
            written += len(text.encode("utf-8"))
            chars += len(text)
            n += 1
    print("wrote %s: %d lines, %.2f MB of text, %.0f chars/line" % (args.out, n, written / 1e6, chars / n))


if __name__ == "__main__":
    main()
