#!/usr/bin/env python3
"""Generate the labeled PII evaluation corpus (testdata/pii/corpus.jsonl).

Deterministic: fixed seeds, pinned Faker (setup.sh). Run with the venv:

    .venv-pii/bin/python testdata/pii/make_corpus.py            # writes corpus.jsonl
    .venv-pii/bin/python testdata/pii/make_corpus.py --stats    # + per-type counts

Every line: {"id","split","lang","tpl","text","spans":[{type,start,end}],
"neg":[{kind,start,end}]}; offsets are Unicode code points, end exclusive.
"neg" marks deliberately unlabeled look-alikes (order numbers, tracking codes,
invalid-checksum cards/IBANs, ...). See README.md for the label conventions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import string
import sys
from collections import Counter, defaultdict

from faker import Faker

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pii_values as V  # noqa: E402
from templates import T as TEMPLATES  # noqa: E402

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT"]
LANG_LOCALE = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT"}

PLACEHOLDER_TYPE = {
    "NAME": "PERSON", "FIRST": "PERSON", "LAST": "PERSON", "AGENT": "PERSON",
    "EMAIL": "EMAIL_ADDRESS", "WORKEMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER", "PHONEINTL": "PHONE_NUMBER",
    "CITY": "LOCATION", "WCITY": "LOCATION", "COUNTRY": "LOCATION",
    "REGION": "LOCATION", "ADDRESS": "LOCATION",
    "ORG": "ORGANIZATION", "BIGORG": "ORGANIZATION",
    "NAT": "NRP", "RELIGION": "NRP", "PARTY": "NRP",
    "DATE": "DATE_TIME", "TIME": "DATE_TIME", "DATETIME": "DATE_TIME",
    "DOB": "DATE_TIME", "TS": "DATE_TIME", "MONTHYEAR": "DATE_TIME",
    "URL": "URL", "DOMAIN": "URL",
    "CC": "CREDIT_CARD", "BTC": "CRYPTO", "ETH": "CRYPTO", "IBAN": "IBAN_CODE",
    "IP": "IP_ADDRESS", "IPV4": "IP_ADDRESS", "IPV6": "IP_ADDRESS",
    "MAC": "MAC_ADDRESS", "UUID": "UUID", "DEA": "MEDICAL_LICENSE",
    "NHS": "UK_NHS", "SSN": "US_SSN", "ITIN": "US_ITIN",
    "BANKACCT": "US_BANK_NUMBER", "USDL": "US_DRIVER_LICENSE",
    "USPASS": "US_PASSPORT", "NINO": "UK_NINO", "DETAX": "DE_TAX_ID",
    "NIR": "FR_NIR", "DNI": "ES_NIF", "NIE": "ES_NIE", "CF": "IT_FISCAL_CODE",
}
NEG_KIND = {
    "ORDER": "ORDER_ID", "TRACKING": "TRACKING", "BADCC": "BAD_CARD",
    "BADIBAN": "BAD_IBAN", "SKU": "SKU", "INVOICE": "INVOICE",
    "VERSION": "VERSION", "EPOCH": "EPOCH_TS", "TICKET": "TICKET_ID",
    "AMOUNT": "AMOUNT", "QTY": "QUANTITY", "ZIP": "ZIP_ALONE", "SHA": "HEX_HASH",
    "REL": "RELATIVE_DATE", "RELF": "RELATIVE_DATE", "PROMO": "PROMO_CODE", "CAP": "CAP_WORD",
}
ALL_TYPES = sorted(set(PLACEHOLDER_TYPE.values()))
PH_RE = re.compile(r"\{([A-Z]+?)(\d?)(?::([A-Za-z]+))?\}")

# template-level locale hints (national IDs imply the person's country)
LOCALE_HINT = [("CF", "it_IT"), ("NIR", "fr_FR"), ("DNI", "es_ES"), ("NIE", "es_ES"),
               ("DETAX", "de_DE"), ("NINO", "en_GB"), ("NHS", "en_GB"), ("SSN", "en_US"),
               ("ITIN", "en_US"), ("USDL", "en_US"), ("USPASS", "en_US"),
               ("BANKACCT", "en_US"), ("DEA", "en_US")]

UK_REGIONS = ["Yorkshire", "Cornwall", "Kent", "Devon", "Scotland", "Wales",
              "Northern Ireland", "Lancashire", "Surrey", "Essex", "Cumbria"]
REL_WORDS = {  # past
    "en": ["yesterday", "last week", "two days ago", "earlier today", "last Friday",
           "this morning", "a few days ago"],
    "de": ["gestern", "letzte Woche", "vor zwei Tagen", "heute Morgen"],
    "fr": ["hier", "la semaine dernière", "il y a deux jours", "ce matin"],
    "es": ["ayer", "la semana pasada", "hace dos días", "esta mañana"],
    "it": ["ieri", "la settimana scorsa", "due giorni fa", "stamattina"],
}
RELF_WORDS = {  # future
    "en": ["tomorrow", "tomorrow morning", "next Monday", "in two weeks", "next month",
           "later this week", "tonight"],
    "de": ["morgen früh", "nächsten Montag", "übermorgen", "nächste Woche"],
    "fr": ["demain matin", "lundi prochain", "la semaine prochaine"],
    "es": ["mañana por la mañana", "el lunes que viene", "la semana que viene"],
    "it": ["domani mattina", "lunedì prossimo", "la prossima settimana"],
}


class Piece:
    __slots__ = ("text", "spans", "negs")

    def __init__(self, text, spans=None, negs=None):
        self.text, self.spans, self.negs = text, spans or [], negs or []


def whole(text, typ):
    return Piece(text, [(typ, 0, len(text))])


def negpiece(text, kind):
    return Piece(text, negs=[(kind, 0, len(text))])


class Person:
    def __init__(self, fake, rng):
        self.first = fake.first_name()
        self.last = fake.last_name()
        self.female = None
        self.rng = rng

    @property
    def full(self):
        return self.first + " " + self.last


def _clean_local(s):
    s = V.ascii_fold(s).lower()
    return "".join(c for c in s if c.isalnum())


class Filler:
    """Fills one template. Holds the per-sentence context (locale, persons)."""

    def __init__(self, gen, lang, locale):
        self.g = gen
        self.rng = gen.rng
        self.lang = lang
        self.locale = locale
        self.fake = gen.fakers[locale]
        self.region = V.LOCALE_REGION[locale]
        self.persons = {}

    # ---- persons
    def person(self, idx):
        if idx not in self.persons:
            loc = self.locale if idx in ("", "1") or self.rng.random() < 0.7 else \
                self.rng.choice(LOCALES)
            self.persons[idx] = Person(self.g.fakers[loc], self.rng)
        return self.persons[idx]

    def email_for(self, p, work=False):
        r = self.rng
        f, l = _clean_local(p.first), _clean_local(p.last)
        local = r.choice([f + "." + l, f[0] + l, f + "_" + l + str(r.randint(1, 99)),
                          f + l[0], l + "." + f, f + str(r.randint(1970, 2005))])
        if work:
            dom = self.fake.domain_name()
        else:
            dom = r.choice([self.fake.free_email_domain(), self.fake.free_email_domain(),
                            self.fake.domain_name()])
        return local + "@" + dom

    # ---- dates
    def _date_parts(self, lo=2019, hi=2026):
        r = self.rng
        return r.randint(lo, hi), r.randint(1, 12), r.randint(1, 28)

    def date_str(self, y, m, d):
        r, lang = self.rng, self.lang
        M = V.MONTHS
        if lang == "en":
            us = self.locale == "en_US"
            uk = self.locale == "en_GB"
            opts = []
            if us:
                opts += ["%02d/%02d/%04d" % (m, d, y), "%s %d, %d" % (M["en"][m - 1], d, y),
                         "%s %d, %d" % (M["en"][m - 1][:3], d, y), "%d/%d/%d" % (m, d, y),
                         "%s, %s %d, %d" % (V.WEEKDAYS_EN[_weekday(y, m, d)], M["en"][m - 1], d, y)]
            elif uk:
                opts += ["%02d/%02d/%04d" % (d, m, y), "%d %s %d" % (d, M["en"][m - 1], y),
                         "%s %s %d" % (_ordinal(d), M["en"][m - 1], y),
                         "%d %s %d" % (d, M["en"][m - 1][:3], y)]
            else:
                opts += ["%d %s %d" % (d, M["en"][m - 1], y), "%s %d, %d" % (M["en"][m - 1], d, y)]
            opts += ["%04d-%02d-%02d" % (y, m, d)]
            if us:
                opts += ["%s %s, %d" % (M["en"][m - 1], _ordinal(d), y)]
            return r.choice(opts)
        if lang == "de":
            return r.choice(["%02d.%02d.%04d" % (d, m, y), "%d. %s %d" % (d, M["de"][m - 1], y),
                             "%d.%d.%d" % (d, m, y), "%04d-%02d-%02d" % (y, m, d)])
        if lang == "fr":
            return r.choice(["%02d/%02d/%04d" % (d, m, y), "%d %s %d" % (d, M["fr"][m - 1], y),
                             ("1er" if d == 1 else str(d)) + " %s %d" % (M["fr"][m - 1], y)])
        if lang == "es":
            return r.choice(["%02d/%02d/%04d" % (d, m, y), "%d de %s de %d" % (d, M["es"][m - 1], y),
                             "%d-%02d-%04d" % (d, m, y)])
        return r.choice(["%02d/%02d/%04d" % (d, m, y), "%d %s %d" % (d, M["it"][m - 1], y),
                         "%02d.%02d.%04d" % (d, m, y)])

    def time_str(self):
        """A clock time; one style per sentence (12-hour/24-hour/French 14h30)."""
        r = self.rng
        if not hasattr(self, "_tstyle"):
            if self.lang == "en":
                us = self.locale == "en_US"
                self._tstyle = r.choices(["12", "12c", "12h", "24"],
                                         weights=[5, 2, 1, 1] if us else [2, 1, 1, 4])[0]
            elif self.lang == "fr":
                self._tstyle = r.choice(["fr", "24"])
            else:
                self._tstyle = "24"
        h, mi = r.randint(0, 23), r.choice([0, 0, 15, 30, 45, r.randint(0, 59)])
        h12, ap = h % 12 or 12, ("AM" if h < 12 else "PM")
        st = self._tstyle
        if st == "12":
            return "%d:%02d %s" % (h12, mi, ap)
        if st == "12c":
            return "%d:%02d%s" % (h12, mi, ap.lower())
        if st == "12h":
            return "%d %s" % (h12, ap) if mi == 0 else "%d:%02d %s" % (h12, mi, ap)
        if st == "fr":
            return "%dh%02d" % (h, mi)
        return "%02d:%02d" % (h, mi)

    def datetime_piece(self):
        r = self.rng
        y, m, d = self._date_parts()
        choice = r.random()
        if choice < 0.3:
            t = "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
            if r.random() < 0.4:
                t = t[:-1] + r.choice(["+01:00", "+02:00", "-05:00"])
            return whole(t, "DATE_TIME")
        if choice < 0.5:
            t = "%04d-%02d-%02d %02d:%02d" % (y, m, d, r.randint(0, 23), r.randint(0, 59))
            return whole(t, "DATE_TIME")
        ds, ts = self.date_str(y, m, d), self.time_str()
        joiner = {"en": [" at ", ", "], "de": [" um "], "fr": [" à "], "es": [" a las "],
                  "it": [" alle "]}[self.lang]
        j = r.choice(joiner)
        text = ds + j + ts
        return Piece(text, [("DATE_TIME", 0, len(ds)), ("DATE_TIME", len(ds) + len(j), len(text))])

    def ts_piece(self):
        r = self.rng
        y, m, d = self._date_parts(2022, 2026)
        base = "%04d-%02d-%02d%s%02d:%02d:%02d" % (y, m, d, r.choice("T T  "[:4]), r.randint(0, 23),
                                                  r.randint(0, 59), r.randint(0, 59))
        suffix = r.choice(["Z", ".%03dZ" % r.randint(0, 999), "", "+00:00"])
        if base[10] == " ":
            suffix = suffix if suffix != "Z" else ""
        return whole(base + suffix, "DATE_TIME")

    # ---- locations
    def city(self, world=False):
        r = self.rng
        if world:
            return r.choice(V.WORLD_CITIES)
        loc = self.locale
        if loc == "en_US":
            return r.choice(V.US_CITIES)
        if loc == "en_GB":
            return r.choice(V.UK_CITIES)
        if loc == "fr_FR":
            return r.choice(V.FR_CITIES)
        if loc == "it_IT":
            return r.choice(V.IT_CITIES)
        return self.fake.city()

    def region_name(self):
        loc = self.locale
        if loc == "en_US":
            return self.fake.state()
        if loc == "en_GB":
            return self.rng.choice(UK_REGIONS)
        if loc == "fr_FR":  # Faker 40.x misspells Provence
            return self.fake.region().replace("Province-Alpes", "Provence-Alpes")
        if loc == "es_ES":
            return self.fake.autonomous_community()
        return self.fake.state()  # de_DE Bundesland, it_IT provincia

    def country(self):
        loc = LANG_LOCALE.get(self.lang, "en_US")
        for _ in range(100):
            c = self.g.fakers[loc].country()
            if not any(ch in c for ch in ",()") and len(c) < 25:
                return c
        return "Canada"

    def address_piece(self):
        r, f, loc = self.rng, self.fake, self.locale
        street = re.sub(r"\s+,", ",", f.street_address().replace("\n", ", ")).strip()
        if loc == "en_US":
            city = r.choice(V.US_CITIES)
            pre = street + ", "
            post = ", %s %s" % (V.US_CITY_STATE[city], f.zipcode())
        elif loc == "en_GB":
            city = r.choice(V.UK_CITIES)
            pre = street + ", "
            post = " " + f.postcode()
        elif loc == "de_DE":
            city = f.city()
            pre = street + ", " + f.postcode() + " "
            post = ""
        elif loc == "fr_FR":
            city = r.choice(V.FR_CITIES)
            pre = street + ", " + f.postcode() + " "
            post = ""
        elif loc == "es_ES":
            city = f.city()
            pre = street + ", " + f.postcode() + " "
            post = ""
        else:
            city = r.choice(V.IT_CITIES)
            pre = street + ", " + f.postcode() + " "
            post = ""
        text = pre + city + post
        return Piece(text, [("LOCATION", len(pre), len(pre) + len(city))])

    # ---- negatives
    def neg_value(self, name, word):
        r = self.rng
        if name == "CAP":
            return word
        if name == "ORDER":
            k = r.random()
            if k < 0.3:
                return "#%s-%d-%06d" % (r.choice("ABCDEFKLMRS"), r.randint(2019, 2026), r.randint(0, 999999))
            if k < 0.55:
                return self.g.safe_digits(lambda: "1" + V._digits(r, 9))
            if k < 0.7:
                return "ORD-%05d" % r.randint(0, 99999)
            if k < 0.85:
                return "#" + self.g.safe_digits(lambda: str(r.randint(1, 9)) + V._digits(r, 6))
            return "%03d-%07d-%07d" % (r.randint(100, 999), r.randint(0, 9999999), r.randint(0, 9999999))
        if name == "TRACKING":
            k = r.random()
            if k < 0.35:
                return "1Z" + "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(6)) + \
                    "%02d" % r.randint(1, 99) + V._digits(r, 8)
            if k < 0.6:
                s = r.choice(["9400", "9205", "9361", "9270"]) + V._digits(r, 18)
                return " ".join(s[i:i + 4] for i in range(0, 22, 4)) if r.random() < 0.5 else s
            if k < 0.75:
                return self.g.safe_digits(lambda: str(r.randint(1, 9)) + V._digits(r, 9))  # DHL Express
            if k < 0.88:
                return r.choice(["RB", "LX", "CP", "RR"]) + V._digits(r, 9) + r.choice(["GB", "DE", "FR"])
            return "JJD" + V._digits(r, 18)
        if name == "BADCC":
            return V.card_number(r, valid=False)
        if name == "BADIBAN":
            cc = LANG_LOCALE.get(self.lang, "").split("_")[-1] or None
            return V.iban(r, country=cc if cc in ("DE", "FR", "ES", "IT") else None, valid=False)
        if name == "SKU":
            return r.choice([
                "SKU-%04d-%s-%s" % (r.randint(0, 9999), r.choice(["BLK", "WHT", "RED", "NVY"]), r.choice(["S", "M", "L", "XL"])),
                "%s-%d%s" % ("".join(r.choice(string.ascii_uppercase) for _ in range(2)), r.randint(100, 9999), r.choice(["", "XM5", "B", "PRO"])),
                "%05d-%02d" % (r.randint(0, 99999), r.randint(0, 99)),
                "ART%06d" % r.randint(0, 999999)])
        if name == "INVOICE":
            return r.choice([
                "INV-%d-%05d" % (r.randint(2019, 2026), r.randint(0, 99999)),
                "%d/%d" % (r.randint(2019, 2026), r.randint(1, 9999)),
                "RE-%06d" % r.randint(0, 999999),
                "F%d-%04d" % (r.randint(2019, 2026), r.randint(0, 9999))])
        if name == "VERSION":
            a, b, c = r.randint(0, 24), r.randint(0, 40), r.randint(0, 30)
            return r.choice(["v%d.%d.%d" % (a, b, c), "%d.%d.%d" % (a, b, c),
                             "%d.%d.%d-rc.%d" % (a, b, c, r.randint(1, 5)),
                             "v%d.%d.%d-beta.%d" % (a, b, c, r.randint(1, 9)),
                             "%d.%d" % (a, b)])
        if name == "EPOCH":
            if r.random() < 0.6:
                return self.g.safe_digits(lambda: str(r.randint(1_600_000_000_000, 1_800_000_000_000)))
            return self.g.safe_digits(lambda: str(r.randint(1_600_000_000, 1_800_000_000)))
        if name == "TICKET":
            return r.choice(["#%d" % r.randint(10000, 99999), "ZD-%06d" % r.randint(0, 999999),
                             "%s-%d" % (r.choice(["OPS", "SUP", "CS", "BILL", "IT"]), r.randint(10, 9999)),
                             "INC%07d" % r.randint(0, 9999999), "CASE-%d-%04d" % (r.randint(2019, 2026), r.randint(0, 9999))])
        if name == "AMOUNT":
            v = r.choice([r.randint(1, 99) + 0.99, r.randint(10, 3000) + r.choice([0, 0.5, 0.99]),
                          float(r.randint(1, 20) * 50)])
            if self.lang == "en":
                sym = r.choice(["$", "$", "€", "£", "USD ", "EUR "])
                return "%s%s" % (sym, "{:,.2f}".format(v))
            s = "{:,.2f}".format(v).replace(",", "X").replace(".", ",").replace("X", ".")
            return r.choice([s + " €", "€ " + s, s + " EUR"])
        if name == "QTY":
            n = r.randint(2, 500)
            unit = {"en": ["units", "pcs", "boxes", "seats", "licenses", "items", "x 250 ml", "kg", "records"],
                    "de": ["Stück", "Kartons", "Lizenzen"], "fr": ["unités", "cartons", "licences"],
                    "es": ["unidades", "cajas", "licencias"], "it": ["pezzi", "scatole", "licenze"]}[self.lang]
            return "%d %s" % (n, r.choice(unit))
        if name == "ZIP":
            loc = self.locale
            if loc == "en_US":
                return self.fake.zipcode() if r.random() < 0.8 else self.fake.zipcode_plus4()
            return self.fake.postcode()
        if name == "SHA":
            n = r.choice([7, 7, 12, 40, 40, 64])
            return "".join(r.choice("0123456789abcdef") for _ in range(n))
        if name == "REL":
            return r.choice(REL_WORDS[self.lang])
        if name == "RELF":
            return r.choice(RELF_WORDS[self.lang])
        if name == "PROMO":
            return r.choice(["SPRING", "WELCOME", "VIP", "SAVE", "FALL", "BF"]) + str(r.choice([10, 15, 20, 24, 25, 50]))
        raise KeyError(name)

    # ---- main dispatch
    def fill(self, name, idx, word):
        r = self.rng
        if name in NEG_KIND:
            return negpiece(self.neg_value(name, word), NEG_KIND[name])
        if name == "PRODUCT":
            return Piece(r.choice(V.PRODUCTS))
        typ = PLACEHOLDER_TYPE[name]
        if name == "NAME":
            return whole(self.person(idx or "1").full, typ)
        if name == "FIRST":
            return whole(self.person(idx or "1").first, typ)
        if name == "LAST":
            return whole(self.person(idx or "1").last, typ)
        if name == "AGENT":
            return whole(self.person("agent").first, typ)
        if name == "EMAIL":
            return whole(self.email_for(self.person(idx or "1")), typ)
        if name == "WORKEMAIL":
            return whole(self.email_for(self.person(idx or "1"), work=True), typ)
        if name in ("PHONE", "PHONEINTL"):
            return whole(V.phone_number(r, self.fake, self.region, intl=(name == "PHONEINTL")), typ)
        if name == "CITY":
            return whole(self.city(), typ)
        if name == "WCITY":
            return whole(self.city(world=True), typ)
        if name == "COUNTRY":
            return whole(self.country(), typ)
        if name == "REGION":
            return whole(self.region_name(), typ)
        if name == "ADDRESS":
            return self.address_piece()
        if name == "ORG":
            return whole(self.g.company(self.locale), typ)
        if name == "BIGORG":
            return whole(r.choice(V.BIG_ORGS), typ)
        if name == "NAT":
            n = r.choice(V.NATIONALITIES)
            return whole(n, typ)
        if name == "RELIGION":
            return whole(r.choice(V.RELIGIONS), typ)
        if name == "PARTY":
            return whole(r.choice(V.PARTIES), typ)
        if name == "DATE":
            return whole(self.date_str(*self._date_parts()), typ)
        if name == "DOB":
            return whole(self.date_str(*self._date_parts(1940, 2005)), typ)
        if name == "TIME":
            return whole(self.time_str(), typ)
        if name == "DATETIME":
            return self.datetime_piece()
        if name == "TS":
            return self.ts_piece()
        if name == "MONTHYEAR":
            y, m, _ = self._date_parts(2012, 2026)
            mon = V.MONTHS[self.lang][m - 1]
            return whole({"es": "%s de %d"}.get(self.lang, "%s %d") % (mon, y), typ)
        if name in ("URL", "DOMAIN"):
            return whole(self.g.url(self.locale, bare=(name == "DOMAIN")), typ)
        if name == "CC":
            return whole(V.card_number(r), typ)
        if name == "BTC":
            return whole(V.btc_address(r), typ)
        if name == "ETH":
            return whole(V.eth_address(r), typ)
        if name == "IBAN":
            pref = {"de_DE": "DE", "fr_FR": "FR", "es_ES": "ES", "it_IT": "IT", "en_GB": "GB"}.get(self.locale)
            cc = pref if pref and r.random() < 0.6 else None
            return whole(V.iban(r, country=cc), typ)
        if name == "IP":
            return whole(V.ipv4(r) if r.random() < 0.65 else V.ipv6(r), typ)
        if name == "IPV4":
            return whole(V.ipv4(r), typ)
        if name == "IPV6":
            return whole(V.ipv6(r), typ)
        if name == "MAC":
            return whole(V.mac_address(r), typ)
        if name == "UUID":
            return whole(V.uuid4(r), typ)
        if name == "DEA":
            return whole(V.dea_number(r, self.person(idx or "2").last), typ)
        if name == "NHS":
            return whole(V.nhs_number(r), typ)
        if name == "SSN":
            return whole(V.ssn(r), typ)
        if name == "ITIN":
            return whole(V.itin(r), typ)
        if name == "BANKACCT":
            return whole(self.g.safe_digits(lambda: V.us_bank_account(r), bank_ok=True), typ)
        if name == "USDL":
            return whole(V.us_driver_license(r), typ)
        if name == "USPASS":
            return whole(V.us_passport(r), typ)
        if name == "NINO":
            return whole(V.uk_nino(r), typ)
        if name == "DETAX":
            return whole(V.de_tax_id(r), typ)
        if name == "NIR":
            return whole(V.fr_nir(r), typ)
        if name == "DNI":
            return whole(V.es_dni(r), typ)
        if name == "NIE":
            return whole(V.es_nie(r), typ)
        if name == "CF":
            p = self.person(idx or "1")
            return whole(V.it_fiscal_code(r, p.first, p.last), typ)
        raise KeyError(name)


def _weekday(y, m, d):
    import datetime
    return datetime.date(y, m, d).weekday()


def _ordinal(d):
    suf = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return "%d%s" % (d, suf)


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.fakers = {}
        for i, loc in enumerate(LOCALES):
            f = Faker(loc)
            f.seed_instance(seed * 100 + i)
            self.fakers[loc] = f

    def company(self, locale):
        f = self.fakers[locale]
        c = f.company()
        if " " not in c and "-" not in c:  # a bare surname: add a legal form
            c += " " + {"de_DE": "GmbH", "fr_FR": "SARL", "es_ES": "S.L.", "it_IT": "S.p.A.",
                        "en_GB": "Ltd"}.get(locale, "Inc.")
        return c

    def url(self, locale, bare=False):
        r, f = self.rng, self.fakers[locale]
        dom = f.domain_name()
        path = f.uri_path()
        if bare:
            return r.choice([dom, dom, "www." + dom, dom + "/" + path])
        k = r.random()
        if k < 0.35:
            return "https://www.%s/%s" % (dom, path)
        if k < 0.55:
            return "https://%s/%s?utm_source=newsletter&utm_campaign=%s" % (dom, path, r.choice(["spring", "vip", "q3"]))
        if k < 0.7:
            return "https://%s.%s/%s/%s" % (r.choice(["shop", "app", "help", "portal"]), dom, path, V._digits(r, 5))
        if k < 0.8:
            return "http://%s" % dom
        if k < 0.9:
            return "https://%s/" % dom
        return "%s/%s" % (dom, path)

    def safe_digits(self, make, bank_ok=False):
        """Digit strings that are not accidentally a checksum-valid ID of
        another type (phone in any corpus region, Luhn card, NHS, DE tax ID,
        SSN-shaped 9 digits)."""
        for _ in range(1000):
            s = make()
            if not _accidentally_valid(s):
                return s
        raise RuntimeError("could not make a safe digit string")


def _accidentally_valid(s):
    from stdnum import luhn
    from stdnum.de import idnr
    from stdnum.gb import nhs
    d = s.replace(" ", "")
    if not d.isdigit():
        return False
    if 13 <= len(d) <= 19 and luhn.is_valid(d):
        return True
    if len(d) == 10 and nhs.is_valid(d):
        return True
    if len(d) == 11 and idnr.is_valid(d):
        return True
    if len(d) == 9:
        return True
    for reg in V.LOCALE_REGION.values():
        if V.phone_valid(d, reg):
            return True
    return False


def render(gen, tpl_idx, lang, template, ctx_locale=None):
    rng = gen.rng
    if ctx_locale is None:
        if lang != "en":
            ctx_locale = LANG_LOCALE[lang]
        else:
            ctx_locale = None
            for ph, loc in LOCALE_HINT:
                if "{" + ph in template and rng.random() < 0.85:
                    ctx_locale = loc
                    break
            if ctx_locale is None:
                ctx_locale = rng.choices(LOCALES, weights=[55, 25, 5, 5, 5, 5])[0]
    filler = Filler(gen, lang, ctx_locale)
    out, spans, negs, pos = [], [], [], 0
    last = 0
    for m in PH_RE.finditer(template):
        name, idx, word = _ph(m)
        if name not in PLACEHOLDER_TYPE and name not in NEG_KIND and name != "PRODUCT":
            continue
        lit = template[last:m.start()]
        out.append(lit)
        pos += len(lit)
        piece = filler.fill(name, idx, word)
        for t, s, e in piece.spans:
            spans.append((t, pos + s, pos + e))
        for k, s, e in piece.negs:
            negs.append((k, pos + s, pos + e))
        out.append(piece.text)
        pos += len(piece.text)
        last = m.end()
    out.append(template[last:])
    text = "".join(out)
    return text, spans, negs, ctx_locale


def _ph(m):
    name, idx, word = m.group(1), m.group(2), m.group(3)
    if name + idx in PLACEHOLDER_TYPE:  # IPV4 / IPV6
        name, idx = name + idx, ""
    return name, idx, word


def template_types(template):
    types, negs = set(), set()
    for m in PH_RE.finditer(template):
        n = _ph(m)[0]
        if n in PLACEHOLDER_TYPE:
            types.add(PLACEHOLDER_TYPE[n])
        elif n in NEG_KIND:
            negs.add(NEG_KIND[n])
    return types, negs


def test_only(i):
    # every 5th template of each (lang) sequence is reserved for the test split
    return i % 5 == 3


# ---------------------------------------------------------------- validation

def validate_record(rec, region_hint):
    """Re-check every labeled value with an independent validator."""
    import phonenumbers
    from stdnum import bitcoin, iban, luhn
    from stdnum.de import idnr
    from stdnum.es import dni, nie
    from stdnum.fr import nir
    from stdnum.gb import nhs
    from stdnum.it import codicefiscale
    from stdnum.us import itin, ssn
    text = rec["text"]
    prev_end = -1
    for sp in sorted(rec["spans"], key=lambda s: s["start"]):
        t, v = sp["type"], text[sp["start"]:sp["end"]]
        assert sp["start"] >= prev_end, ("overlap", rec)
        prev_end = sp["end"]
        assert v == v.strip() and v, ("whitespace", rec, sp)
        c = v.replace(" ", "").replace("-", "")
        ok = True
        if t == "CREDIT_CARD":
            ok = luhn.is_valid(c) and 13 <= len(c) <= 19
        elif t == "IBAN_CODE":
            ok = iban.is_valid(v)
        elif t == "CRYPTO":
            if v.startswith("0x"):
                ok = V.eip55(v[2:]) == v
            elif v.startswith("bc1p"):
                ok = True  # bech32m (BIP-350); python-stdnum only knows bech32 v0
            else:
                ok = bitcoin.is_valid(v)
        elif t == "DE_TAX_ID":
            ok = idnr.is_valid(v)
        elif t == "FR_NIR":
            ok = nir.is_valid(v)
        elif t == "ES_NIF":
            ok = dni.is_valid(v)
        elif t == "ES_NIE":
            ok = nie.is_valid(v)
        elif t == "IT_FISCAL_CODE":
            ok = codicefiscale.is_valid(v)
        elif t == "UK_NHS":
            ok = nhs.is_valid(c)
        elif t == "US_SSN":
            ok = ssn.is_valid(c)
        elif t == "US_ITIN":
            ok = itin.is_valid(c)
        elif t == "PHONE_NUMBER":
            n = phonenumbers.parse(v, region_hint)
            ok = phonenumbers.is_valid_number(n)
        elif t == "MEDICAL_LICENSE":
            d = [int(x) for x in v[2:]]
            ok = ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
        assert ok, ("invalid", t, v, rec["id"])
    for ng in rec["neg"]:
        v = text[ng["start"]:ng["end"]]
        if ng["kind"] == "BAD_CARD":
            assert not luhn.is_valid(v.replace(" ", "").replace("-", ""))
        if ng["kind"] == "BAD_IBAN":
            assert not iban.is_valid(v)


# ---------------------------------------------------------------- main

def build_split(split, seed, n_target, min_type, min_neg):
    gen = Generator(seed)
    rng = gen.rng
    eligible = [i for i in range(len(TEMPLATES)) if split == "test" or not test_only(i)]
    weights = [1.0 for i in eligible]
    info = {i: template_types(TEMPLATES[i][2]) for i in eligible}
    records = []
    type_count, neg_count = Counter(), Counter()

    def emit(i):
        lang, kind, tpl = TEMPLATES[i]
        text, spans, negs, loc = render(gen, i, lang, tpl)
        rec = {
            "split": split, "lang": lang, "locale": loc, "tpl": "%s-%s-%03d" % (lang, kind, i),
            "text": text,
            "spans": [{"type": t, "start": s, "end": e} for t, s, e in spans],
            "neg": [{"kind": k, "start": s, "end": e} for k, s, e in negs],
        }
        rec["_region"] = V.LOCALE_REGION[loc]
        records.append(rec)
        for t, _, _ in spans:
            type_count[t] += 1
        for k in sorted({k for k, _, _ in negs}):
            neg_count[k] += 1

    for _ in range(n_target):
        emit(rng.choices(eligible, weights=weights)[0])
    # top-up passes so that rare types / negative kinds reach their minimum
    for typ in ALL_TYPES:
        cands = [i for i in eligible if typ in info[i][0]]
        while type_count[typ] < min_type:
            emit(rng.choice(cands))
    for kind in sorted(set(NEG_KIND.values())):
        cands = [i for i in eligible if kind in info[i][1]]
        while neg_count[kind] < min_neg:
            emit(rng.choice(cands))
    rng.shuffle(records)
    return records


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "corpus.jsonl"))
    ap.add_argument("--dev", type=int, default=900, help="base number of dev sentences (before top-up)")
    ap.add_argument("--test", type=int, default=2000, help="base number of test sentences (before top-up)")
    ap.add_argument("--stats", action="store_true", help="print per-type / per-negative counts")
    args = ap.parse_args()

    dev = build_split("dev", 1001, args.dev, min_type=15, min_neg=40)
    test = build_split("test", 2002, args.test, min_type=40, min_neg=110)
    n = 0
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in dev + test:
            rec = {"id": "t-%06d" % n, **rec}
            region = rec.pop("_region")
            validate_record(rec, region)
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    size = os.path.getsize(args.out)
    print("wrote %s: %d sentences (%d dev, %d test), %.2f MB" % (
        args.out, n, len(dev), len(test), size / 1e6))
    if args.stats:
        print_stats(dev, test)


def print_stats(dev, test):
    tc = {s: Counter() for s in ("dev", "test")}
    nc = {s: Counter() for s in ("dev", "test")}
    lc = {s: Counter() for s in ("dev", "test")}
    for split, recs in (("dev", dev), ("test", test)):
        for r in recs:
            lc[split][r["lang"]] += 1
            for sp in r["spans"]:
                tc[split][sp["type"]] += 1
            for k in sorted({g["kind"] for g in r["neg"]}):
                nc[split][k] += 1
    print("\n%-20s %6s %6s" % ("entity type", "dev", "test"))
    for t in ALL_TYPES:
        print("%-20s %6d %6d" % (t, tc["dev"][t], tc["test"][t]))
    print("%-20s %6d %6d" % ("total", sum(tc["dev"].values()), sum(tc["test"].values())))
    print("\n%-20s %6s %6s   (sentences containing)" % ("negative kind", "dev", "test"))
    for k in sorted(set(NEG_KIND.values())):
        print("%-20s %6d %6d" % (k, nc["dev"][k], nc["test"][k]))
    print("\n%-20s %6s %6s" % ("lang", "dev", "test"))
    for l in ("en", "de", "fr", "es", "it"):
        print("%-20s %6d %6d" % (l, lc["dev"][l], lc["test"][l]))


if __name__ == "__main__":
    main()
