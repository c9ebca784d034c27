#!/usr/bin/env python3
"""Trains custos's context model for capitalized words no list knows (PERSON, LOCATION,
ORGANIZATION or none), and writes it to crates/custos-pii/data/name_model.bin.

    python3 -m venv /tmp/fk && /tmp/fk/bin/pip install faker==40.54.0 numpy
    /tmp/fk/bin/python tools/pii-model/train.py

The model is a multinomial logistic regression over hashed features of one capitalized word:
the word, its prefix and suffixes, its shape, what the gazetteers say of it (coarse bins), the
two words before and after, the punctuation after it, whether it starts a sentence or a line,
and its place in its run of capitalized words. custos computes the same features in Rust
(`crates/custos-pii/src/names/model.rs`) and runs the model only on runs the rules leave
undecided.

Training data is generated here and nowhere else: templates written for this script (not the
evaluation corpora's), with people, towns and companies from Faker locales that neither
evaluation corpus uses (ro_RO, hr_HR, sk_SK, lt_LT, lv_LV, et_EE, sl_SI, id_ID, es_MX, es_AR,
fr_CA, de_AT, de_CH, no_NO, pt_PT, zu_ZA, ga_IE, az_AZ, yo_NG), and capitalized words that are
none of them (sentence openers, products, weekdays, months, titles, headings). Nothing is
derived from testdata/pii/corpus.jsonl or testdata/pii/heldout/.

Format of name_model.bin: b"CPNM1", u32 LE bucket count B, 4 f32 LE scales (one per class),
then 4*B int8 weights (class-major); weight = int8 * scale. Classes: none, PERSON, LOCATION,
ORGANIZATION. Feature hash: FNV-1a 64 of the UTF-8 feature string, modulo B.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import struct
import sys
import unicodedata

import numpy as np
from faker import Faker

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "crates", "custos-pii", "data")
OUT = os.path.join(DATA, "name_model.bin")
BUCKETS = 1 << 15
CLASSES = ["O", "PERSON", "LOCATION", "ORGANIZATION"]
SEED = 4242
LOCALES = ["ro_RO", "hr_HR", "sk_SK", "lt_LT", "lv_LV", "et_EE", "sl_SI", "id_ID", "es_MX", "es_AR", "fr_CA", "de_AT",
           "de_CH", "no_NO", "pt_PT", "zu_ZA", "ga_IE", "az_AZ", "yo_NG"]

# {P} person, {G} given name, {S} surname, {C} town, {O} company, {X} a capitalized word that
# is none of them (FILLER or a capitalized ordinary word), {x} an ordinary lower-case word,
# {M} month, {D} weekday.
TEMPLATES = [
    "{X} asked whether {G} could sign the form before {D}.",
    "Please forward this to {P} in {C}.",
    "{P} wrote that the shipment left {C} on {D}.",
    "The {X} team at {O} will contact {G} shortly.",
    "{G} and {G} are driving up to {C} for the weekend.",
    "According to {S}, the {X} update broke the login page.",
    "Our branch in {C} closes early in {M}.",
    "Signed, {P}, {X} Manager, {O}",
    "Regards, {G}",
    "{O} has hired {P} as head of {X}.",
    "Could {S} from {O} confirm the figures?",
    "I spoke to {G} yesterday; she is back in {C} now.",
    "{X} {X} is closed on {D} for maintenance.",
    "Visit our {X} store in {C} or call {O} support.",
    "{P} ({C}) won the {X} prize this year.",
    "Ask {G} about the {X} contract with {O}.",
    "The parcel for {P} is waiting at the {C} depot.",
    "{X}: the {X} module is deprecated.",
    "Congratulations {G}! Your {X} order has shipped.",
    "We met {P} and {P} at the {C} conference.",
    "She grew up in {C} and studied in {C}.",
    "Invoice {X} was paid by {O} in {M}.",
    "{P} is the new account owner; {S} stays as deputy.",
    "From {C} to {C} the train takes three hours.",
    "{G} said {O} would refund the {X} fee.",
    "Attendees: {P}, {P}, {P}.",
    "The {X} report from {O} mentions {C} twice.",
    "{D}: {G} covers the {X} desk.",
    "Hello {G}, thanks for choosing {O}.",
    "{S} moved the meeting to {D} at the {C} office.",
    "The {X} {X} policy applies to {O} staff in {C}.",
    "{P} lives on the outskirts of {C}.",
    "In {M}, {O} opened a warehouse near {C}.",
    "{X} feedback: {G} found the {X} screen confusing.",
    "Escalated by {P} to {O} legal.",
    "My cousin {G} works for {O} in {C}.",
    "{X} and {X} are both out of stock.",
    "Thank you, {P}. We have updated your {X} settings.",
    "{X} the {x} before {D}, please.",
    "{X} {x} {x}: {x} and {x}.",
    "Webinar: {X} {x} for {X} teams",
    "{X}: {x} {x} in {M}.",
    "{X} {x} {x} {x}?",
    "{X}, {x} {x} {P} {x}.",
    "Bitte senden Sie die {X} an {P} in {C}.",
    "Die {X} für {C} ist seit {M} offen.",
    "{X} und {X} wurden an {O} geliefert.",
    "Ich habe mit {G} über die {X} gesprochen.",
    "La {x} de {P} est arrivée à {C}.",
    "{X} confirmé avec {G} pour {D}.",
    "El {x} de {O} llegó a {C} el {D}.",
    "Il {x} di {P} è a {C}.",
    "{X} {x}, {G}",
    "Re: {X} {x} from {O}",
    "{X} {X} {X}",
]
FILLER = ["Premium", "Galaxy", "Express", "Standard", "Gold", "Customer", "Service", "Support", "Billing", "Terms", "Privacy",
          "Update", "Please", "Note", "Warning", "Important", "Product", "Marketing", "Sales", "Finance", "Annual", "Summer",
          "Winter", "Online", "Mobile", "Desktop", "Android", "Windows", "Checkout", "Login", "Settings", "Dashboard",
          "Manager", "Director", "Team", "Board", "Quarterly", "Weekly", "Spring", "Autumn", "Black", "Friday", "Cyber",
          "Holiday", "Loyalty", "Rewards", "Platinum", "Basic", "Pro", "Max", "Ultra", "Classic", "Deluxe", "Home", "Office",
          "Garden", "Kitchen", "Sport", "Travel", "Insurance", "Mortgage", "Savings", "Checking", "Refund", "Returns",
          "Delivery", "Shipping", "Inventory", "Report", "Analytics", "Security", "Compliance", "Legal", "Operations"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"})


def fold(word: str) -> str:
    w = word.lower().translate(FOLD)
    w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w.replace("'", "").replace("’", "")


def bare(t: str) -> str:
    t = t.rstrip(".,")
    for s in ("'s", "’s"):
        if t.endswith(s):
            return t[: -len(s)]
    return t


def load_lists():
    info: dict[str, dict] = {}

    def rows(name):
        with open(os.path.join(DATA, name), encoding="utf-8") as fh:
            for line in fh:
                if line.strip() and not line.startswith("#"):
                    yield line.rstrip("\n").split("\t")

    def w(r, i):
        try:
            return float(r[i])
        except (IndexError, ValueError):
            return 0.5

    for r in rows("given_names.txt"):
        e = info.setdefault(fold(r[0]), {})
        e["g"] = max(e.get("g", 0.0), w(r, 1))
    for r in rows("surnames.txt"):
        e = info.setdefault(fold(r[0]), {})
        e["s"] = max(e.get("s", 0.0), w(r, 1))
    for r in rows("places.txt"):
        e = info.setdefault(fold(r[0]), {})
        e["p"] = max(e.get("p", 0.0), w(r, 2))
    for r in rows("common_words.txt"):
        info.setdefault(fold(r[0]), {})["c"] = True
    for r in rows("nrp.txt"):
        info.setdefault(fold(r[0]), {})["n"] = True
    for r in rows("org_suffixes.txt"):
        info.setdefault(fold(r[0].rstrip(".")), {})["o"] = "legal" if len(r) > 1 and r[1].strip() == "legal" else "kind"
    return info


def bin3(x: float) -> str:
    return "0" if x <= 0 else ("lo" if x < 0.3 else ("mid" if x < 0.6 else "hi"))


WORD = re.compile(r"[\w'’#]+")


def features(text: str, start: int, end: int, run_pos: str, info: dict) -> list[str]:
    """Features of the capitalized word text[start:end]; mirrored in model.rs."""
    word = text[start:end]
    b = fold(bare(word))
    before = [m.group(0) for m in WORD.finditer(text[:start])][-2:][::-1]
    after = [m.group(0) for m in WORD.finditer(text[end:])][:2]
    e = info.get(b, {})
    head = text[:start].rstrip(" \t")
    nxt = text[end:end + 1]
    if word.endswith("'s") or word.endswith("’s"):
        punct = "poss"
    elif nxt in (",", ":", ".", "(", ")", "\n", ";", "!", "?"):
        punct = nxt.replace("\n", "nl")
    else:
        punct = "sp" if nxt == " " else ("end" if nxt == "" else "other")
    f = [
        "b",
        "w=" + b,
        "s3=" + b[-3:],
        "s2=" + b[-2:],
        "p3=" + b[:3],
        "len=" + str(min(len(b), 12) // 3),
        "g=" + bin3(e.get("g", 0.0)),
        "sn=" + bin3(e.get("s", 0.0)),
        "pl=" + bin3(e.get("p", 0.0)),
        "c=" + ("1" if e.get("c") else "0"),
        "n=" + ("1" if e.get("n") else "0"),
        "o=" + e.get("o", "none"),
        "p1=" + (before[0].lower() if before else "^"),
        "p2=" + (before[1].lower() if len(before) > 1 else "^"),
        "n1=" + (after[0].lower() if after else "$"),
        "n2=" + (after[1].lower() if len(after) > 1 else "$"),
        "p1cap=" + ("1" if before and before[0][:1].isupper() else "0"),
        "n1cap=" + ("1" if after and after[0][:1].isupper() else "0"),
        "after=" + punct,
        "ss=" + ("1" if head == "" or head[-1] in ".!?:\n" else "0"),
        "ls=" + ("1" if head == "" or head.endswith("\n") else "0"),
        "pos=" + run_pos,
        "hy=" + ("1" if "-" in word else "0"),
        "dia=" + ("1" if b != word.lower().replace("'", "").replace("’", "") else "0"),
    ]
    f.append("p1&pos=" + f[12][3:] + "&" + run_pos)
    return f


def fnv(s: str) -> int:
    h = 0xCBF29CE484222325
    for byte in s.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def capitalized_runs(text: str):
    """Runs of capitalized words separated by single spaces: (start, end) of each word, grouped."""
    words = [(m.start(), m.end()) for m in WORD.finditer(text) if m.group(0)[:1].isupper()]
    runs, cur = [], []
    for s, e in words:
        if cur and text[cur[-1][1]:s] == " ":
            cur.append((s, e))
        else:
            if cur:
                runs.append(cur)
            cur = [(s, e)]
    if cur:
        runs.append(cur)
    return runs


def vocabulary(info: dict) -> list[str]:
    """Ordinary words of five languages (wordfreq's 40,000 most frequent each) that no name or
    place list holds: the capitalized words that are none of the classes."""
    import wordfreq

    out = []
    for lang in ("en", "de", "fr", "es", "it"):
        for w in wordfreq.top_n_list(lang, 40000):
            if len(w) >= 3 and w.isalpha():
                e = info.get(fold(w), {})
                if not (e.get("g") or e.get("s") or e.get("p")):
                    out.append(w)
    return out


def generate(rnd: random.Random, vocab: list[str]):
    fakers = [Faker(loc) for loc in LOCALES]
    for i, f in enumerate(fakers):
        f.seed_instance(SEED + i)
    out = []
    for n in range(30000):
        tpl = rnd.choice(TEMPLATES)
        f = rnd.choice(fakers)
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{([A-Za-z])\}", tpl):
            text += tpl[pos:m.start()]
            k = m.group(1)
            s = len(text)
            if k == "P":
                text += f"{f.first_name()} {f.last_name()}"
                spans.append((s, len(text), "PERSON"))
            elif k == "G":
                text += f.first_name()
                spans.append((s, len(text), "PERSON"))
            elif k == "S":
                text += f.last_name()
                spans.append((s, len(text), "PERSON"))
            elif k == "C":
                text += f.city()
                spans.append((s, len(text), "LOCATION"))
            elif k == "O":
                text += f.company().split(",")[0]
                spans.append((s, len(text), "ORGANIZATION"))
            elif k == "X":
                text += rnd.choice(FILLER) if rnd.random() < 0.3 else rnd.choice(vocab).capitalize()
            elif k == "x":
                text += rnd.choice(vocab)
            elif k == "M":
                text += rnd.choice(MONTHS)
            elif k == "D":
                text += rnd.choice(DAYS)
            pos = m.end()
        text += tpl[pos:]
        out.append((text, spans))
    return out


def examples(corpus, info):
    X, y = [], []
    for text, spans in corpus:
        for run in capitalized_runs(text):
            for j, (s, e) in enumerate(run):
                run_pos = "single" if len(run) == 1 else ("first" if j == 0 else ("last" if j == len(run) - 1 else "inner"))
                label = 0
                for gs, ge, t in spans:
                    if gs <= s and e <= ge:
                        label = CLASSES.index(t)
                X.append([fnv(x) % BUCKETS for x in features(text, s, e, run_pos, info)])
                y.append(label)
    return X, np.array(y)


def train(X, y, epochs=4, lr=0.2, l2=1e-6):
    W = np.zeros((len(CLASSES), BUCKETS), dtype=np.float64)
    rnd = np.random.default_rng(SEED)
    for ep in range(epochs):
        order = rnd.permutation(len(X))
        loss = 0.0
        for i in order:
            idx = X[i]
            z = W[:, idx].sum(axis=1)
            z -= z.max()
            p = np.exp(z)
            p /= p.sum()
            loss -= np.log(p[y[i]] + 1e-12)
            g = p.copy()
            g[y[i]] -= 1.0
            step = lr / (1 + ep)
            for c in range(len(CLASSES)):
                W[c, idx] -= step * (g[c] + l2 * W[c, idx])
        print(f"epoch {ep}: loss {loss / len(X):.4f}", file=sys.stderr)
    return W


def main():
    rnd = random.Random(SEED)
    info = load_lists()
    vocab = vocabulary(info)
    corpus = generate(rnd, vocab)
    X, y = examples(corpus, info)
    print(f"{len(corpus)} sentences, {len(X)} capitalized words: " + ", ".join(f"{c} {int((y == i).sum())}" for i, c in enumerate(CLASSES)), file=sys.stderr)
    W = train(X, y)
    scales = np.maximum(np.abs(W).max(axis=1), 1e-9) / 127.0
    q = np.clip(np.round(W / scales[:, None]), -127, 127).astype(np.int8)
    with open(OUT, "wb") as fh:
        fh.write(b"CPNM1")
        fh.write(struct.pack("<I", BUCKETS))
        fh.write(struct.pack("<4f", *scales.astype(np.float32)))
        fh.write(q.tobytes())
    digest = hashlib.sha256(open(OUT, "rb").read()).hexdigest()
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, sha256 {digest})", file=sys.stderr)


if __name__ == "__main__":
    main()
