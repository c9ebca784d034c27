#!/usr/bin/env python3
"""MEASURE ONLY: how much of Faker's locale data the custos-pii gazetteers happen to cover.

Faker generates the evaluation corpus, so it is a hold-out and must never feed the
gazetteers. This script is NOT imported by build.py and must run in its OWN throwaway venv:

    python3 -m venv /tmp/faker-venv
    /tmp/faker-venv/bin/pip install -r tools/pii-gazetteers/requirements-measure.txt
    /tmp/faker-venv/bin/python tools/pii-gazetteers/measure_faker_overlap.py

It reads crates/custos-pii/data/*.txt and prints coverage figures (markdown) to stdout.
"Top 1000": en_US first/last names carry frequency weights in Faker, so the 1000 heaviest are
used; the other locales' lists are unweighted (sampled uniformly), so the whole list is used
(it is <= ~1000 entries except de_DE first names, 2003).
"""

from __future__ import annotations

import importlib
import os
import re
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "crates", "custos-pii", "data"))
LOCALES = ["en_US", "de_DE", "fr_FR", "es_ES", "it_IT"]


def exact(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip().casefold()


def folded(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("ß", "ss")
    return re.sub(r"[\s'’\-.]", "", s)


def load(name: str, min_w: float = 0.0, col: int = 1) -> dict[str, float]:
    out = {}
    path = os.path.join(DATA, name)
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            w = float(parts[col]) if len(parts) > col and re.match(r"^[0-9.]+$", parts[col]) else 1.0
            if w >= min_w:
                out[parts[0]] = max(w, out.get(parts[0], 0.0))
    return out


def keyset(d, f):
    return {f(k) for k in d}


def top_names(obj, n=1000):
    if isinstance(obj, dict):
        items = sorted(obj.items(), key=lambda kv: (-kv[1], kv[0]))
        return [k for k, _ in items[:n]]
    return list(dict.fromkeys(obj))


def cover(names, keys_exact, keys_fold, parts=False):
    """fraction covered: exact (case-insensitive) / folded (diacritics, punctuation, spaces) /
    every whitespace- or hyphen-separated part covered (folded) - for compound names."""
    n = len(names)
    e = sum(exact(x) in keys_exact for x in names)
    f = sum(folded(x) in keys_fold for x in names)
    p = sum(all(folded(t) in keys_fold for t in re.split(r"[\s\-]+", x) if t) for x in names)
    return n, e / n, f / n, p / n


def pct(x):
    return f"{100 * x:.1f}%"


def main():
    given = load("given_names.txt")
    intl = load("given_names_intl.txt")
    sur = load("surnames.txt")
    places = load("places.txt", col=2)
    both_given = dict(given)
    for k, v in intl.items():
        both_given[k] = max(v, both_given.get(k, 0))
    sets = {
        "given": (keyset(given, exact), keyset(given, folded)),
        "given+intl": (keyset(both_given, exact), keyset(both_given, folded)),
        "given w>=0.4": (keyset({k: v for k, v in given.items() if v >= 0.4}, exact),
                         keyset({k: v for k, v in given.items() if v >= 0.4}, folded)),
        "surname": (keyset(sur, exact), keyset(sur, folded)),
        "surname w>=0.4": (keyset({k: v for k, v in sur.items() if v >= 0.4}, exact),
                           keyset({k: v for k, v in sur.items() if v >= 0.4}, folded)),
        "places": (keyset(places, exact), keyset(places, folded)),
    }

    import faker

    print(f"Faker {faker.VERSION}; gazetteers from {os.path.relpath(DATA)}\n")
    print("| locale | list | n | gazetteer | exact | folded | all parts (folded) |")
    print("|---|---|---:|---|---:|---:|---:|")
    for loc in LOCALES:
        P = importlib.import_module(f"faker.providers.person.{loc}").Provider
        firsts = top_names(P.first_names)
        lasts = top_names(P.last_names)
        for label in ("given", "given+intl", "given w>=0.4"):
            n, e, f, p = cover(firsts, *sets[label])
            print(f"| {loc} | first_names | {n} | {label} | {pct(e)} | {pct(f)} | {pct(p)} |")
        for label in ("surname", "surname w>=0.4"):
            n, e, f, p = cover(lasts, *sets[label])
            print(f"| {loc} | last_names | {n} | {label} | {pct(e)} | {pct(f)} | {pct(p)} |")
    print()
    print("| locale | list | n | gazetteer | exact | folded |")
    print("|---|---|---:|---|---:|---:|")
    for loc in LOCALES:
        try:
            A = importlib.import_module(f"faker.providers.address.{loc}").Provider
        except ModuleNotFoundError:
            continue
        for attr in ("cities", "countries"):
            vals = getattr(A, attr, None)
            if not vals or not isinstance(vals, (list, tuple)):
                continue
            vals = [v for v in dict.fromkeys(vals) if isinstance(v, str)]
            n, e, f, _ = cover(vals, *sets["places"])
            print(f"| {loc} | address.{attr} | {n} | places | {pct(e)} | {pct(f)} |")


if __name__ == "__main__":
    main()
