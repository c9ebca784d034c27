#!/usr/bin/env python3
"""A development set for phone numbers, built from libphonenumber's own metadata.

    testdata/pii/setup.sh
    .venv-pii/bin/python testdata/pii/phones/make_phones.py > testdata/pii/phones/phones.jsonl

Why it exists: issue 24 asks for national phone formats of more regions, read with context.
Tuning the phone reader on either evaluation corpus would flatter it, so this set is built from
a source neither corpus used: the example numbers libphonenumber ships for every region
(phonenumbers 9.0.43, `example_number_for_type`), with their last digits varied and kept only
when libphonenumber still calls them valid, written the ways people write them (libphonenumber's
national and international formats, the national one with dots, hyphens or no separators), in
sentences written for this file. Half the sentences name the number (`call`, `mobile`, `tel`,
...), half carry it bare after a name or a colon. Look-alikes that are not phone numbers (order,
invoice and tracking numbers, amounts, dates, versions, postcodes) are in `neg`.

Record format: as corpus.jsonl. Seeded; the output is deterministic.
"""

from __future__ import annotations

import json
import random
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat as F
from phonenumbers import PhoneNumberType as T

SEED = 20261205

WITH_CONTEXT = [
    "You can call me on {p} after six.",
    "My mobile is {p}, text me when you arrive.",
    "Tel: {p}",
    "Please ring the front desk at {p} to change the booking.",
    "New phone number: {p}",
    "For urgent matters, reach our duty officer on {p}.",
    "WhatsApp {p} if the door is locked.",
    "Call {p} between 9 and 5.",
    "Her cell is {p} but she rarely answers.",
    "Fax {p}, attention of the claims desk.",
]
BARE = [
    "Ingrid Solberg\nSales lead\n{p}",
    "Contact person: Tomasz Wrona, {p}",
    "Thanks! It's {p}, see you there.",
    "Office {p} / weekdays only",
    "Emergency contact - Anna Keller - {p}",
    "If nobody picks up at {p}, leave a message.",
]
NEG = [
    ("Your order number is {n} and ships tomorrow.", "ORDER"),
    ("Invoice {n} was paid on time.", "INVOICE"),
    ("Tracking code {n}, expected in three days.", "TRACKING"),
    ("The total came to {n} euros including tax.", "AMOUNT"),
    ("Upgrade to version {n} before Friday.", "VERSION"),
    ("Ticket #{n} has been closed.", "TICKET"),
]


def vary(rng: random.Random, n: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    digits = str(n.national_number)
    for _ in range(20):
        keep = max(len(digits) - 4, 1)
        cand = digits[:keep] + "".join(rng.choice("0123456789") for _ in digits[keep:])
        m = phonenumbers.PhoneNumber(country_code=n.country_code, national_number=int(cand))
        if n.italian_leading_zero:
            m.italian_leading_zero = True
            m.number_of_leading_zeros = n.number_of_leading_zeros
        if phonenumbers.is_valid_number(m):
            return m
    return None


def writings(rng: random.Random, region: str, n: phonenumbers.PhoneNumber) -> list[tuple[str, str]]:
    national = phonenumbers.format_number(n, F.NATIONAL)
    out = [("national", national), ("international", phonenumbers.format_number(n, F.INTERNATIONAL))]
    if " " in national:
        sep = rng.choice([".", "-"])
        out.append(("national" + sep, national.replace(" ", sep)))
    return out


def neg_value(rng: random.Random, kind: str) -> str:
    if kind == "AMOUNT":
        return f"{rng.randint(1, 99)} {rng.randint(100, 999)},{rng.randint(10, 99)}"
    if kind == "VERSION":
        return f"{rng.randint(1, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"
    if kind == "ORDER":
        return f"{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}"
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 12)))


def main() -> None:
    rng = random.Random(SEED)
    i = 0

    def emit(text: str, spans: list, neg: list, region: str, tpl: str) -> None:
        nonlocal i
        rec = {"id": f"p-{i:05d}", "lang": "en", "locale": region, "tpl": tpl, "text": text, "spans": spans, "neg": neg}
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        i += 1

    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (T.MOBILE, T.FIXED_LINE):
            ex = phonenumbers.example_number_for_type(region, kind)
            if ex is None:
                continue
            n = vary(rng, ex)
            if n is None:
                continue
            for form, written in writings(rng, region, n):
                with_ctx = rng.random() < 0.5
                frames = WITH_CONTEXT if with_ctx else BARE
                k = rng.randrange(len(frames))
                text = frames[k].replace("{p}", written)
                start = text.index(written)
                tpl = f"{'ctx' if with_ctx else 'bare'}-{k}-{form}"
                emit(text, [{"type": "PHONE_NUMBER", "start": start, "end": start + len(written)}], [], region, tpl)
    for j in range(300):
        frame, kind = NEG[j % len(NEG)]
        v = neg_value(rng, kind)
        text = frame.replace("{n}", v)
        start = text.index(v)
        emit(text, [], [{"kind": kind, "start": start, "end": start + len(v)}], "xx", f"neg-{kind}")


if __name__ == "__main__":
    main()
