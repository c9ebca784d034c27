#!/usr/bin/env python3
"""A second, independent PII evaluation corpus: other templates, other generators, other names.

    python3 -m venv /tmp/fk && /tmp/fk/bin/pip install faker==40.54.0
    /tmp/fk/bin/python testdata/pii/heldout/make_heldout.py > testdata/pii/heldout/heldout.jsonl

Why it exists: `testdata/pii/corpus.jsonl` and the engine's gazetteers share their sources
(Faker's en_US/en_GB/de/fr/es/it lists and the census tradition), so scores on it flatter the
engine. This corpus is built so that nothing in it came from what the engine was built or tuned
on, and it is frozen (its SHA-256 is in docs/BENCHMARKS.md) before any tuning against it.
Nothing in the gazetteers or any model may be derived from it.

Sources (none shared with corpus.jsonl's generator):
* templates: written for this file, in styles the first corpus does not have: chat turns,
  e-mail signatures and address blocks over several lines, travel and food talk, HR and
  insurance notes, free-form complaints; nationality and religion words in ordinary phrases;
  years, weekdays and relative dates;
* people, cities, companies, phone numbers, IBANs: Faker 40.54.0 with locales the first corpus
  never used (en_AU, en_IE, en_NZ, en_IN, sv_SE, pl_PL, nl_NL, pt_BR, fi_FI, tr_TR, vi_VN,
  cs_CZ, hu_HU, da_DK), names and numbers exactly as Faker writes them (national phone formats
  without country codes included, valid or not);
* a hand-written list of given names and surnames from languages the census lists cover
  poorly (Yoruba, Maori, Tamil, Quechua, Icelandic, Georgian, ...), and of fictional town
  names (`Brindlemoor`), so that some names and places are known to no list;
* nationality and religion words: hand-written.

Record format: as corpus.jsonl (`id`, `lang`, `locale`, `tpl`, `text`, `spans` with `type`,
`start`, `end` in code points, `neg` for look-alikes that are not personal data). Labels follow
corpus.jsonl's conventions: a person's full name is one PERSON span; a city, region or country
is LOCATION (street lines are not labeled); nationality, religion or political group words are
NRP; dates, years, weekdays, times and relative dates ("last Friday") are DATE_TIME.
"""

from __future__ import annotations

import json
import random
import re
import sys

from faker import Faker

SEED = 7331
N = 1600
LOCALES = ["en_AU", "en_IE", "en_NZ", "en_IN", "sv_SE", "pl_PL", "nl_NL", "pt_BR", "fi_FI", "tr_TR", "vi_VN", "cs_CZ", "hu_HU", "da_DK"]

RARE_GIVEN = ["Adebayo", "Chiamaka", "Oluwaseun", "Tane", "Aroha", "Wiremu", "Kavya", "Thirumalai", "Sumac", "Inti", "Ragnheiður",
              "Eyjólfur", "Nino", "Tamar", "Zurab", "Aigerim", "Nurlan", "Tevita", "Losaline", "Ngozi", "Kwabena", "Ama", "Yerlan",
              "Siosaia", "Mahbub", "Tshepo", "Lerato", "Anahí", "Itzel", "Bolat"]
RARE_SURNAMES = ["Okonkwo", "Adeyemi", "Te Rangi", "Ngata", "Subramaniam", "Ramasamy", "Quispe", "Mamani", "Guðmundsdóttir",
                 "Beridze", "Kapanadze", "Abenov", "Fifita", "Taufa", "Mensah", "Boateng", "Chowdhury", "Mokoena", "Dlamini",
                 "Nurmagambetov", "Tuilagi", "Ochieng", "Wanjiru", "Haidari", "Tuhiwai"]
FICTIONAL_TOWNS = ["Brindlemoor", "Oakhaven Cross", "Saltmarrow", "Kelverton", "Dunmaw", "Larkspur Bay", "Fenwick Hollow",
                   "Tarrowby", "Glenmirren", "Ashcombe Vale", "Port Elleray", "Nethersby"]
COUNTRIES = ["Sweden", "Poland", "Vietnam", "Australia", "New Zealand", "Ireland", "Brazil", "Finland", "Turkey", "Hungary",
             "Denmark", "Czechia", "India", "Kenya", "Ghana", "Peru", "Georgia", "Kazakhstan", "Tonga", "Iceland"]
NRP = ["Swedish", "Polish", "Vietnamese", "Australian", "Irish", "Brazilian", "Finnish", "Turkish", "Hungarian", "Danish",
       "Czech", "Indian", "Kenyan", "Ghanaian", "Peruvian", "Georgian", "Japanese", "Korean", "Mexican", "Nigerian", "Catholic",
       "Muslim", "Jewish", "Hindu", "Buddhist", "Sikh", "Lutheran", "Orthodox", "Evangelical", "Shia", "Sunni"]
NRP_NOUNS = ["border agency", "food", "restaurant", "community centre", "neighbours", "grandmother", "church", "festival",
             "passport office", "holiday", "wedding", "school", "colleagues", "football team", "embassy"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
RELATIVE = ["last Friday", "next Tuesday", "last week", "yesterday morning", "two days ago", "this Thursday", "last month",
            "next Monday", "the day before yesterday", "tomorrow afternoon"]
NEG = {
    "ORDER": lambda r: f"#{r.randint(10_000_000, 99_999_999)}",
    "AMOUNT": lambda r: f"${r.randint(10, 9_999)}.{r.randint(0, 99):02d}",
    "VERSION": lambda r: f"v{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 40)}",
    "ROOM": lambda r: f"{r.randint(100, 999)}",
    "TICKET": lambda r: f"INC-{r.randint(100_000, 999_999)}",
    "QTY": lambda r: f"{r.randint(2, 60)}",
}

# Placeholders: {P} person, {G} given name alone, {S} surname alone, {C} city, {K} country,
# {N} NRP word, {NN} NRP noun (unlabeled), {PH} phone, {E} e-mail, {D} date (written out),
# {Y} year, {W} weekday, {R} relative date, {T} time, {O} company, {IB} IBAN, {CC} card,
# {ST} street line (unlabeled), {PC} postcode (unlabeled), negatives {X_ORDER} etc.
TEMPLATES = [
    "hey, it's {G} again. my new number is {PH}, text me when you land in {C}",
    "{G}: did you send the contract to {P}?\n{G2}: yes, {R}",
    "Thanks for calling! Can I get your name? - It's {P}, and my mobile is {PH}.",
    "I moved to {C} in {Y} and I still haven't changed the address on my card.",
    "We flew to {C} on {W} and came back {R}.",
    "Best regards,\n{P}\n{O}\n{ST}\n{PC} {C}\nTel. {PH}",
    "Kind regards\n{P} | Account Manager | {O} | {PH} | {E}",
    "Ship to:\n{P}\n{ST}\n{C} {PC}\n{K}",
    "{P} lives at {ST}, {C}. Please update the delivery note for order {X_ORDER}.",
    "The {N} {NN} called about {P}'s application {R}.",
    "We had great {N} food near {C} on {W} evening.",
    "My grandmother is {N} and she only speaks to {G} on Sundays.",
    "Customer says the {N} {NN} lost the documents she sent in {Y}.",
    "Complaint from {P} ({E}): charged {X_AMOUNT} twice on {D}.",
    "Please call {G} back on {PH} before {T}, she's waiting about ticket {X_TICKET}.",
    "Rang {S} at {O} about the invoice; he said to try again {R}.",
    "{P} joined {O} in {Y} and transferred to the {C} office {R}.",
    "Emergency contact: {P}, {PH} (sister). Allergies: none.",
    "Policy holder {P}, born {D}, resident of {C}, {K}.",
    "Beneficiary {P} - IBAN {IB}",
    "Payment card ending in {CC_LAST4} was declined; full number on file {CC}.",
    "hi {G}, this is {G2} from {O}. are we still on for {W} at {T}?",
    "Meeting with {P} and {P2} moved to {R}.",
    "{S} said the parcel never reached {C}; room {X_ROOM} was empty when they knocked.",
    "Our {N} colleagues in {C} will cover the night shift.",
    "Met {G} at the {N} {NN} in {C} last summer.",
    "Driver {P} picked up {X_QTY} boxes in {C} on {D}.",
    "Interview notes: {P} ({Y}), currently in {C}, prefers calls on {PH}.",
    "Upgrade to {X_VERSION} failed for the user {E}; reported {R}.",
    "Dear {P},\nwe received your request of {D} and will answer by {W}.",
    "{P} ({N}) applied for asylum in {K} in {Y}.",
    "Can you ring me on {PH}? It's about {G}'s birthday {R}.",
    "Invoice to {O}, attn. {P}, {ST}, {PC} {C}.",
    "From: {P} <{E}>\nSent: {W}, {D} {T}\nSubject: my account",
    "I'm {G}, I'm {N}, and I've lived in {C} since {Y}.",
    "Travelling {C} -> {C2} on {D}, back {R}. Contact {PH}.",
    "Note: {P} prefers e-mail ({E}); never call after {T}.",
    "The {N} community in {C} raised {X_AMOUNT} for the school.",
    "{S} from accounts approved it {R}.",
    "Hello {G}! Your appointment in {C} is on {W} {D} at {T}.",
    "Lost luggage report: passenger {P}, flight from {C} on {D}, phone {PH}.",
    "{P} and {G2} are {N} citizens living near {C}.",
    "Landlord: {P}, {ST}, {C}. Tenant since {Y}.",
    "wanna grab {N} food with {G} {R}?",
    "Left a voicemail for {P} at {PH} on {W}.",
]

DATE_FORMATS = ["%d %B %Y", "%B %d, %Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%A %d %B"]


class Builder:
    def __init__(self) -> None:
        self.text = ""
        self.spans: list[dict] = []
        self.neg: list[dict] = []

    def add(self, s: str, label: str | None = None, neg: str | None = None) -> None:
        start = len(self.text)
        self.text += s
        if label:
            self.spans.append({"type": label, "start": start, "end": len(self.text)})
        if neg:
            self.neg.append({"kind": neg, "start": start, "end": len(self.text)})


def main() -> None:
    rnd = random.Random(SEED)
    fakers = {}
    for loc in LOCALES:
        f = Faker(loc)
        f.seed_instance(SEED + len(fakers))
        fakers[loc] = f
    en = Faker("en_US")
    en.seed_instance(SEED)
    out = []
    for i in range(N):
        tpl_index = i % len(TEMPLATES)
        tpl = TEMPLATES[tpl_index]
        loc = rnd.choice(LOCALES)
        f = fakers[loc]

        def given() -> str:
            return rnd.choice(RARE_GIVEN) if rnd.random() < 0.2 else f.first_name()

        def surname() -> str:
            return rnd.choice(RARE_SURNAMES) if rnd.random() < 0.2 else f.last_name()

        def city() -> str:
            return rnd.choice(FICTIONAL_TOWNS) if rnd.random() < 0.15 else f.city()

        b = Builder()
        pos = 0
        for m in re.finditer(r"\{([A-Z_0-9]+)\}", tpl):
            b.add(tpl[pos:m.start()])
            key = m.group(1)
            if key in ("P", "P2"):
                b.add(f"{given()} {surname()}", "PERSON")
            elif key in ("G", "G2"):
                b.add(given(), "PERSON")
            elif key == "S":
                b.add(surname(), "PERSON")
            elif key in ("C", "C2"):
                b.add(city(), "LOCATION")
            elif key == "K":
                b.add(rnd.choice(COUNTRIES), "LOCATION")
            elif key == "N":
                b.add(rnd.choice(NRP), "NRP")
            elif key == "NN":
                b.add(rnd.choice(NRP_NOUNS))
            elif key == "PH":
                b.add(f.phone_number(), "PHONE_NUMBER")
            elif key == "E":
                b.add(f.email(), "EMAIL_ADDRESS")
            elif key == "D":
                b.add(en.date_between("-6y", "+1y").strftime(rnd.choice(DATE_FORMATS)), "DATE_TIME")
            elif key == "Y":
                b.add(str(rnd.randint(1975, 2026)), "DATE_TIME")
            elif key == "W":
                b.add(rnd.choice(WEEKDAYS), "DATE_TIME")
            elif key == "R":
                b.add(rnd.choice(RELATIVE), "DATE_TIME")
            elif key == "T":
                b.add(rnd.choice([f"{rnd.randint(1, 12)}pm", f"{rnd.randint(7, 20)}:{rnd.choice(['00', '15', '30', '45'])}", "noon"]), "DATE_TIME")
            elif key == "O":
                b.add(f.company(), "ORGANIZATION")
            elif key == "IB":
                b.add(f.iban(), "IBAN_CODE")
            elif key == "CC":
                b.add(en.credit_card_number(), "CREDIT_CARD")
            elif key == "CC_LAST4":
                b.add(str(rnd.randint(1000, 9999)), None, "CARD_LAST4")
            elif key == "ST":
                b.add(f.street_address().replace("\n", ", "))
            elif key == "PC":
                b.add(f.postcode())
            elif key.startswith("X_"):
                kind = key[2:]
                b.add(NEG[kind](rnd), None, kind)
            else:
                raise KeyError(key)
            pos = m.end()
        b.add(tpl[pos:])
        out.append({"id": f"h-{i:05d}", "lang": "en", "locale": loc, "tpl": f"h-{tpl_index:03d}", "text": b.text,
                    "spans": b.spans, "neg": b.neg})
    for rec in out:
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
