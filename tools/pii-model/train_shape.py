#!/usr/bin/env python3
"""Trains the name-shape model: is an unknown capitalized word shaped like a person's name?

    testdata/pii/setup.sh && .venv-pii/bin/pip install wordfreq==3.1.1 scikit-learn==1.9.1
    .venv-pii/bin/python tools/pii-model/train_shape.py      # writes target/pii/name_shape.bin

Not shipped: see README.md ("Fourth look") for what it scored and why it stays out.

The context rules decide *where* a name may stand; this model answers, for a word no list
holds, whether its spelling looks like a given name or a surname (`Shishani`, `Khasbulat`,
`Ngata`) or like anything else (`Payroll`, `Firewall`, `Tarnów`, `Quintessa`). It learns from
the spelling alone: character 2- to 4-grams of the folded word with its edges marked (`^sh`,
`ani$`), hashed into 2^16 buckets, one logistic regression, int8 weights (64 KiB).

Data (nothing from any evaluation corpus):
* names: the engine's own given-name and surname lists (`given_names.txt`, `surnames.txt`:
  U.S. Census 2020, SSA, INSEE; see `data/SOURCES.md`), not the GFDL international list;
* other words: wordfreq 3.1.1's 40,000 most frequent words in each of English, German,
  French, Spanish, Italian, Dutch, Portuguese, Swedish and Polish (wordfreq's data is CC BY-SA
  4.0; only the learned bucket weights are shipped, not the lists) and the single-word place
  names of `places.txt` (GeoNames, CC BY 4.0), minus every word either name list holds.
A random tenth of each class is held back; the threshold the engine uses is read off that
split (the least probability at which held-back other words are read as names at most 1% of
the time), never off a labeled corpus.
"""

from __future__ import annotations

import random
import struct
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from wordfreq import top_n_list

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "crates/custos-pii/data"
BUCKETS = 1 << 16
SEED = 20261205

FOLD = {}
for chars, base in [
    ("àáâãäåāăą", "a"), ("çćč", "c"), ("ďđ", "d"), ("èéêëēėęě", "e"), ("ğ", "g"), ("ìíîïīįı", "i"), ("łľĺ", "l"),
    ("ñńň", "n"), ("òóôõöøōő", "o"), ("řŕ", "r"), ("śšşș", "s"), ("ťţț", "t"), ("ùúûüūůűų", "u"), ("ýÿ", "y"), ("źżž", "z"),
]:
    for c in chars:
        FOLD[c] = base


def fold(word: str) -> str:
    """As `fold` in crates/custos-pii/src/names/mod.rs."""
    out = []
    for c in word.lower():
        if c == "ß":
            out.append("ss")
        elif c in "'’":
            continue
        else:
            out.append(FOLD.get(c, c))
    return "".join(out)


def fnv1a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def features(word: str) -> list[int]:
    """As `name_shape::features` in Rust: the buckets of the edge-marked word's 2..4-grams."""
    w = "^" + fold(word) + "$"
    chars = list(w)
    out = []
    for n in (2, 3, 4):
        for i in range(len(chars) - n + 1):
            out.append(fnv1a(("".join(chars[i : i + n]) + str(n)).encode()) % BUCKETS)
    return out


def read_list(name: str, col: int = 0) -> list[str]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        rows.append(line.split("\t"))
    return [r[col] for r in rows]


def main() -> None:
    rng = random.Random(SEED)
    names = {fold(w) for w in read_list("given_names.txt") + read_list("surnames.txt") if w.isalpha() and len(w) >= 2}
    others: set[str] = set()
    for lang in ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl"):
        others.update(fold(w) for w in top_n_list(lang, 40000) if w.isalpha() and len(w) >= 3)
    places = [r for r in read_list("places.txt") if " " not in r and "-" not in r and r.isalpha()]
    others.update(fold(p) for p in places)
    others -= names
    data = [(w, 1) for w in sorted(names)] + [(w, 0) for w in sorted(others)]
    rng.shuffle(data)
    cut = len(data) // 10
    held, train = data[:cut], data[cut:]

    def matrix(rows):
        indptr, indices = [0], []
        for w, _ in rows:
            feats = sorted(set(features(w)))
            indices.extend(feats)
            indptr.append(len(indices))
        x = csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), BUCKETS))
        return x, np.array([y for _, y in rows])

    xt, yt = matrix(train)
    xh, yh = matrix(held)
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    model.fit(xt, yt)
    w = model.coef_[0].astype(np.float64)
    scale = float(np.abs(w).max() / 127.0)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    bias = float(model.intercept_[0])

    def prob(x):
        z = x @ (q.astype(np.float64) * scale) + bias
        return 1.0 / (1.0 + np.exp(-z))

    ph = prob(xh)
    other_p = np.sort(ph[yh == 0])
    threshold = float(other_p[int(len(other_p) * 0.99)])
    recall = float((ph[yh == 1] >= threshold).mean())
    print(f"train {len(train)} held {len(held)} (names {int(yh.sum())}); int8 scale {scale:.5f} bias {bias:.3f}", file=sys.stderr)
    print(f"held-back: threshold {threshold:.3f} reads 1% of other words as names and {recall:.3f} of names", file=sys.stderr)
    for t in (0.5, 0.7, 0.8, 0.9, 0.95):
        fp = float((ph[yh == 0] >= t).mean())
        rc = float((ph[yh == 1] >= t).mean())
        print(f"  p >= {t}: other words read as names {fp:.3f}, names {rc:.3f}", file=sys.stderr)
    out = ROOT / "target/pii/name_shape.bin"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        fh.write(b"CNS1")
        fh.write(struct.pack("<III", BUCKETS, 0, 0))
        fh.write(struct.pack("<fff", scale, bias, threshold))
        fh.write(q.tobytes())
    print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
