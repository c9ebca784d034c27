"""Value generators for the PII evaluation corpus.

Every generator takes a `random.Random` (and, for locale-dependent values, a
seeded Faker instance) so that the corpus is fully deterministic.

Sources (see README.md):
  * Faker (pinned in setup.sh) for person names, company names, street
    addresses, postcodes, phone numbers, domains, URL paths, countries,
    states/regions, and the de_DE / es_ES / it_IT city lists.
  * Hand lists in this file (written for this corpus) for well-known world,
    US, UK and French cities, organisations, NRP terms, products.
  * Checksummed identifiers (cards, IBANs, crypto addresses, national IDs)
    are computed here from the public algorithms; make_corpus.py re-checks
    every labeled value with python-stdnum / phonenumbers where those cover
    the type.
"""

from __future__ import annotations

import hashlib
import string
import unicodedata
import uuid

import phonenumbers

# ---------------------------------------------------------------- hand lists

WORLD_CITIES = [
    "London", "Paris", "Berlin", "Madrid", "Rome", "Milan", "Munich", "Hamburg",
    "Vienna", "Zurich", "Geneva", "Amsterdam", "Rotterdam", "Brussels", "Dublin",
    "Lisbon", "Porto", "Barcelona", "Valencia", "Prague", "Warsaw", "Krakow",
    "Budapest", "Stockholm", "Copenhagen", "Oslo", "Helsinki", "Athens",
    "Istanbul", "Dubai", "Abu Dhabi", "Doha", "Mumbai", "New Delhi", "Bangalore",
    "Singapore", "Hong Kong", "Tokyo", "Osaka", "Seoul", "Shanghai", "Beijing",
    "Taipei", "Bangkok", "Manila", "Jakarta", "Sydney", "Melbourne", "Auckland",
    "Toronto", "Vancouver", "Montreal", "Mexico City", "São Paulo",
    "Rio de Janeiro", "Buenos Aires", "Bogotá", "Lima", "Santiago", "Cape Town",
    "Johannesburg", "Lagos", "Nairobi", "Cairo", "Tel Aviv", "Casablanca",
]
US_CITIES = [
    "New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia",
    "San Antonio", "San Diego", "Dallas", "Austin", "Seattle", "Denver",
    "Boston", "Atlanta", "Miami", "Portland", "Minneapolis", "Nashville",
    "Detroit", "Baltimore", "Charlotte", "Columbus", "Indianapolis",
    "Las Vegas", "Salt Lake City", "Pittsburgh", "Cleveland", "Tampa",
    "Orlando", "Sacramento", "Kansas City", "St. Louis", "New Orleans",
    "Raleigh", "San Jose", "San Francisco", "Oakland", "Milwaukee", "Omaha",
    "Albuquerque", "Tucson", "Boise", "Anchorage", "Honolulu", "Buffalo",
]
US_CITY_STATE = {  # city -> USPS state abbreviation (for street addresses)
    "New York": "NY", "Los Angeles": "CA", "Chicago": "IL", "Houston": "TX",
    "Phoenix": "AZ", "Philadelphia": "PA", "San Antonio": "TX",
    "San Diego": "CA", "Dallas": "TX", "Austin": "TX", "Seattle": "WA",
    "Denver": "CO", "Boston": "MA", "Atlanta": "GA", "Miami": "FL",
    "Portland": "OR", "Minneapolis": "MN", "Nashville": "TN", "Detroit": "MI",
    "Baltimore": "MD", "Charlotte": "NC", "Columbus": "OH",
    "Indianapolis": "IN", "Las Vegas": "NV", "Salt Lake City": "UT",
    "Pittsburgh": "PA", "Cleveland": "OH", "Tampa": "FL", "Orlando": "FL",
    "Sacramento": "CA", "Kansas City": "MO", "St. Louis": "MO",
    "New Orleans": "LA", "Raleigh": "NC", "San Jose": "CA",
    "San Francisco": "CA", "Oakland": "CA", "Milwaukee": "WI", "Omaha": "NE",
    "Albuquerque": "NM", "Tucson": "AZ", "Boise": "ID", "Anchorage": "AK",
    "Honolulu": "HI", "Buffalo": "NY",
}
UK_CITIES = [
    "London", "Manchester", "Birmingham", "Leeds", "Liverpool", "Bristol",
    "Sheffield", "Newcastle", "Nottingham", "Leicester", "Glasgow",
    "Edinburgh", "Cardiff", "Belfast", "Southampton", "Brighton", "Oxford",
    "Cambridge", "York", "Aberdeen", "Reading", "Coventry", "Norwich",
    "Exeter", "Bath", "Swansea", "Dundee", "Plymouth", "Derby", "Milton Keynes",
]
FR_CITIES = [
    "Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Strasbourg",
    "Montpellier", "Bordeaux", "Lille", "Rennes", "Reims", "Grenoble",
    "Dijon", "Angers", "Tours", "Limoges", "Clermont-Ferrand", "Le Havre",
    "Toulon", "Brest", "Metz", "Nancy", "Rouen", "Avignon", "Annecy",
]
IT_CITIES = [  # hand list (Faker it_IT city() is derived from GeoNames postal data)
    "Roma", "Milano", "Napoli", "Torino", "Palermo", "Genova", "Bologna",
    "Firenze", "Bari", "Catania", "Venezia", "Verona", "Messina", "Padova",
    "Trieste", "Brescia", "Parma", "Taranto", "Prato", "Modena",
    "Reggio Calabria", "Perugia", "Livorno", "Cagliari", "Ravenna", "Rimini",
    "Salerno", "Ferrara", "Sassari", "Bergamo", "Pescara", "Trento", "Lecce",
    "Como", "Siena", "Pisa", "Udine", "Ancona", "La Spezia", "Cosenza",
]

BIG_ORGS = [
    "Deutsche Bank", "Barclays", "HSBC", "BNP Paribas", "Santander",
    "UniCredit", "Wells Fargo", "JPMorgan Chase", "Bank of America",
    "Lufthansa", "Air France", "British Airways", "Iberia", "Ryanair",
    "Vodafone", "Deutsche Telekom", "Orange", "Telefónica", "Verizon",
    "AT&T", "Microsoft", "Google", "Amazon", "Salesforce", "SAP", "Siemens",
    "Bosch", "Allianz", "AXA", "Zurich Insurance", "Pfizer", "Novartis",
    "IKEA", "Zalando", "Carrefour", "Tesco", "Walmart", "Costco", "FedEx",
    "DHL", "UPS", "Royal Mail", "La Poste", "Deutsche Bahn", "SNCF", "Renfe",
    "Trenitalia", "Mayo Clinic", "Kaiser Permanente", "NHS England",
    "Stanford University", "University of Manchester", "Sorbonne University",
    "World Health Organization", "European Commission", "Red Cross",
]

NATIONALITIES = [
    "German", "French", "Spanish", "Italian", "British", "American",
    "Canadian", "Mexican", "Brazilian", "Argentinian", "Irish", "Scottish",
    "Polish", "Ukrainian", "Romanian", "Greek", "Turkish", "Dutch", "Swedish",
    "Norwegian", "Nigerian", "Kenyan", "Egyptian", "Moroccan", "Indian",
    "Pakistani", "Chinese", "Japanese", "Korean", "Vietnamese", "Filipino",
    "Australian", "Portuguese", "Swiss", "Austrian",
]
RELIGIONS = [
    "Catholic", "Muslim", "Jewish", "Hindu", "Buddhist", "Protestant", "Sikh",
    "Evangelical", "Orthodox Christian", "Mormon", "Lutheran", "Methodist",
]
PARTIES = [
    "Democrat", "Republican", "Labour", "Conservative", "Tory",
    "Liberal Democrat", "Social Democrat", "Green", "Libertarian",
]

PRODUCTS = [
    "the Pro plan", "the annual subscription", "wireless earbuds",
    "a standing desk", "the air purifier", "the espresso machine",
    "the family plan", "a 65-inch TV", "the robot vacuum", "running shoes",
    "the winter jacket", "a phone case", "the smart thermostat",
    "the premium membership", "a gift card", "the office chair",
    "the noise-cancelling headphones", "a laptop sleeve", "the yoga mat",
    "the business tier", "the starter kit", "a coffee grinder",
]

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
           "August", "September", "Oktober", "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
           "août", "septembre", "octobre", "novembre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
           "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
           "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"],
}
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
               "Saturday", "Sunday"]

LOCALE_REGION = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR",
                 "es_ES": "ES", "it_IT": "IT"}


def ascii_fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


def luhn_checksum_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    for d in "0123456789":
        if luhn_checksum_ok(partial + d):
            return partial + d
    raise AssertionError


# ------------------------------------------------------------- credit cards

CARD_BRANDS = [
    # (brand, prefixes, lengths, weight)
    ("visa", ["4"], [16, 16, 16, 16, 13, 19], 30),
    ("mastercard", [str(p) for p in range(51, 56)], [16], 15),
    ("mastercard2", None, [16], 6),  # 2221-2720
    ("amex", ["34", "37"], [15], 10),
    ("discover", ["6011", "644", "645", "646", "647", "648", "649", "65"], [16], 7),
    ("jcb", None, [16], 5),  # 3528-3589
    ("diners", ["300", "301", "302", "303", "304", "305", "36", "38"], [14], 5),
    ("unionpay", ["62"], [16, 19], 5),
    ("maestro", ["5018", "5020", "5038", "6304", "6759", "6761", "6763"], [16, 19], 5),
]


def card_number(rng, valid=True):
    brand = rng.choices(CARD_BRANDS, weights=[b[3] for b in CARD_BRANDS])[0]
    name, prefixes, lengths, _ = brand
    if name == "mastercard2":
        prefix = str(rng.randint(2221, 2720))
    elif name == "jcb":
        prefix = str(rng.randint(3528, 3589))
    else:
        prefix = rng.choice(prefixes)
    n = rng.choice(lengths)
    body = prefix + "".join(rng.choice(string.digits) for _ in range(n - len(prefix) - 1))
    num = luhn_complete(body)
    if not valid:
        last = int(num[-1])
        num = num[:-1] + str((last + rng.randint(1, 9)) % 10)
        assert not luhn_checksum_ok(num)
    # grouping
    if n == 15:
        groups = [4, 6, 5]
    elif n == 14:
        groups = [4, 6, 4]
    elif n == 13:
        groups = [4, 4, 5]
    elif n == 19:
        groups = [4, 4, 4, 4, 3]
    else:
        groups = [4, 4, 4, 4]
    style = rng.choices(["space", "hyphen", "none"], weights=[5, 2, 3])[0]
    if style == "none":
        return num
    parts, i = [], 0
    for g in groups:
        parts.append(num[i:i + g])
        i += g
    return (" " if style == "space" else "-").join(parts)


# -------------------------------------------------------------------- IBAN

def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in rearranged)
    return "%02d" % (98 - int(num) % 97)


def _digits(rng, n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def _es_ccc_digit(digits: str) -> str:
    weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    s = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    v = 11 - s
    return str({11: 0, 10: 1}.get(v, v))


_CIN_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                    [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17,
                     19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]))
_CIN_EVEN = {c: (int(c) if c.isdigit() else ord(c) - 65) for c in
             "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def it_check_char(s: str) -> str:
    """Check character shared by the Italian codice fiscale and the IBAN CIN."""
    total = 0
    for i, c in enumerate(s):
        total += _CIN_ODD[c] if i % 2 == 0 else _CIN_EVEN[c]
    return chr(65 + total % 26)


def _bban(rng, country):
    if country == "DE":
        return _digits(rng, 18)
    if country == "GB":
        return rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA"]) + _digits(rng, 14)
    if country == "IE":
        return rng.choice(["AIBK", "BOFI", "IPBS"]) + _digits(rng, 14)
    if country == "NL":
        return rng.choice(["ABNA", "RABO", "INGB", "SNSB", "TRIO"]) + _digits(rng, 10)
    if country == "AT":
        return _digits(rng, 16)
    if country == "CH":
        return _digits(rng, 17)
    if country == "BE":
        # bank codes 000-099 (BNP Paribas Fortis / Belfius ranges)
        first = "0" + _digits(rng, 9)
        c = int(first) % 97 or 97
        return first + "%02d" % c
    if country == "FR":
        bank, branch, acct = _digits(rng, 5), _digits(rng, 5), _digits(rng, 11)
        key = 97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97)
        return bank + branch + acct + "%02d" % key
    if country == "ES":
        bank, branch, acct = _digits(rng, 4), _digits(rng, 4), _digits(rng, 10)
        d1 = _es_ccc_digit("00" + bank + branch)
        d2 = _es_ccc_digit(acct)
        return bank + branch + d1 + d2 + acct
    if country == "IT":
        abi, cab, conto = _digits(rng, 5), _digits(rng, 5), _digits(rng, 12)
        return it_check_char(abi + cab + conto) + abi + cab + conto
    raise ValueError(country)


IBAN_COUNTRIES = ["DE", "DE", "DE", "GB", "GB", "FR", "FR", "ES", "ES", "IT", "IT",
                  "NL", "BE", "AT", "CH", "IE"]


def iban(rng, country=None, valid=True, grouped=None):
    country = country or rng.choice(IBAN_COUNTRIES)
    bban = _bban(rng, country)
    check = _iban_check(country, bban)
    if not valid:
        bad = int(check)
        while True:
            alt = "%02d" % rng.randint(2, 98)
            if alt != check:
                check = alt
                break
        del bad
    s = country + check + bban
    if grouped is None:
        grouped = rng.random() < 0.65
    if grouped:
        s = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
    return s


# ------------------------------------------------------------------- crypto

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def _hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def _convertbits(data, frombits, tobits):
    acc, bits, ret, maxv = 0, 0, [], (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if bits:
        ret.append((acc << (tobits - bits)) & maxv)
    return ret


def segwit_address(witver: int, program: bytes, hrp="bc") -> str:
    data = [witver] + _convertbits(program, 8, 5)
    const = 1 if witver == 0 else 0x2BC830A3  # bech32 / bech32m
    pm = _bech32_polymod(_hrp_expand(hrp) + data + [0] * 6) ^ const
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32[d] for d in data + checksum)


def btc_address(rng):
    kind = rng.choices(["p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr"], weights=[4, 2, 4, 1, 1])[0]
    if kind == "p2pkh":
        return b58check(b"\x00" + rng.randbytes(20))
    if kind == "p2sh":
        return b58check(b"\x05" + rng.randbytes(20))
    if kind == "p2wpkh":
        return segwit_address(0, rng.randbytes(20))
    if kind == "p2wsh":
        return segwit_address(0, rng.randbytes(32))
    return segwit_address(1, rng.randbytes(32))


def keccak256(data: bytes) -> bytes:
    from Crypto.Hash import keccak
    return keccak.new(digest_bits=256, data=data).digest()


def eip55(addr_hex: str) -> str:
    addr_hex = addr_hex.lower()
    h = keccak256(addr_hex.encode()).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(h[i], 16) >= 8 else c
                          for i, c in enumerate(addr_hex))


def eth_address(rng):
    return eip55(rng.randbytes(20).hex())


# --------------------------------------------------------------- US / UK IDs

def dea_number(rng, last_name="X"):
    first = rng.choice("ABFGMPR")
    init = ascii_fold(last_name)[:1].upper()
    second = init if init.isalpha() else "9"
    d = [rng.randint(0, 9) for _ in range(6)]
    check = ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10
    return first + second + "".join(map(str, d)) + str(check)


def nhs_number(rng):
    while True:
        d = [rng.randint(0, 9) for _ in range(9)]
        s = sum(x * w for x, w in zip(d, range(10, 1, -1)))
        c = 11 - s % 11
        if c == 11:
            c = 0
        if c == 10:
            continue
        num = "".join(map(str, d)) + str(c)
        style = rng.choices(["space", "none", "hyphen"], weights=[6, 3, 1])[0]
        if style == "none":
            return num
        sep = " " if style == "space" else "-"
        return num[:3] + sep + num[3:6] + sep + num[6:]


_BAD_SSN = {"078051120", "219099999", "123456789", "457555462"}


def ssn(rng, style=None):
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        group = rng.randint(1, 99)
        serial = rng.randint(1, 9999)
        s = "%03d%02d%04d" % (area, group, serial)
        if s in _BAD_SSN or len(set(s)) == 1:
            continue
        break
    style = style or rng.choices(["hyphen", "space", "none"], weights=[8, 1, 1])[0]
    if style == "none":
        return s
    sep = "-" if style == "hyphen" else " "
    return s[:3] + sep + s[3:5] + sep + s[5:]


def itin(rng):
    area = rng.randint(900, 999)
    group = rng.choice(list(range(70, 89)) + [90, 91, 92] + list(range(94, 100)))
    serial = rng.randint(0, 9999)
    sep = rng.choices(["-", " "], weights=[9, 1])[0]
    return "%03d%s%02d%s%04d" % (area, sep, group, sep, serial)


def us_bank_account(rng):
    n = rng.choices([8, 9, 10, 11, 12, 14, 17], weights=[1, 2, 4, 3, 3, 1, 1])[0]
    return str(rng.randint(1, 9)) + _digits(rng, n - 1)


def us_driver_license(rng):
    fmt = rng.choice(["CA", "TX", "NY", "IL", "FL", "PA", "OH", "MI", "NJ", "WA"])
    L = lambda: rng.choice(string.ascii_uppercase)
    if fmt == "CA":
        return L() + _digits(rng, 7)
    if fmt in ("TX", "PA"):
        return str(rng.randint(1, 9)) + _digits(rng, 7)
    if fmt == "NY":
        return str(rng.randint(1, 9)) + _digits(rng, 8)
    if fmt == "IL":
        return L() + _digits(rng, 11)
    if fmt == "FL":
        return L() + _digits(rng, 12)
    if fmt == "OH":
        return L() + L() + _digits(rng, 6)
    if fmt == "MI":
        return L() + _digits(rng, 12)
    if fmt == "NJ":
        return L() + _digits(rng, 14)
    return "WDL" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(9))


def us_passport(rng):
    if rng.random() < 0.5:
        return str(rng.randint(1, 9)) + _digits(rng, 8)
    return rng.choice("ACEFGHJKLMNPRSTUVWXYZ") + _digits(rng, 8)


def uk_nino(rng):
    first_ok = [c for c in string.ascii_uppercase if c not in "DFIQUV"]
    second_ok = [c for c in string.ascii_uppercase if c not in "DFIQUVO"]
    while True:
        p = rng.choice(first_ok) + rng.choice(second_ok)
        if p not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            break
    d = _digits(rng, 6)
    suffix = rng.choice("ABCD")
    if rng.random() < 0.55:
        return "%s %s %s %s %s" % (p, d[:2], d[2:4], d[4:], suffix)
    return p + d + suffix


# ----------------------------------------------------------- DE / FR / ES / IT

def de_tax_id(rng):
    while True:
        if rng.random() < 0.8:
            distinct = rng.sample(range(10), 9)
            digits = distinct + [rng.choice(distinct)]
        else:
            distinct = rng.sample(range(10), 8)
            digits = distinct + [rng.choice(distinct)] * 2
        rng.shuffle(digits)
        if digits[0] == 0:
            continue
        if len(digits) != 10:
            continue
        # a digit may not appear 3 times in direct succession
        s10 = "".join(map(str, digits))
        if any(s10[i] == s10[i + 1] == s10[i + 2] for i in range(8)):
            continue
        product = 10
        for d in digits:
            total = (d + product) % 10
            if total == 0:
                total = 10
            product = (total * 2) % 11
        check = 11 - product
        if check == 10:
            check = 0
        num = s10 + str(check)
        if rng.random() < 0.35:
            return "%s %s %s %s" % (num[:2], num[2:5], num[5:8], num[8:])
        return num


def fr_nir(rng):
    sex = rng.choice("12")
    yy = "%02d" % rng.randint(0, 99)
    mm = "%02d" % rng.randint(1, 12)
    dep = rng.choice(["%02d" % rng.randint(1, 95) for _ in range(20)] + ["2A", "2B", "75", "69", "13"])
    if dep == "20":
        dep = "75"
    commune = "%03d" % rng.randint(1, 990)
    order = "%03d" % rng.randint(1, 999)
    body = sex + yy + mm + dep + commune + order
    n = int(body.replace("2A", "19").replace("2B", "18"))
    key = "%02d" % (97 - n % 97)
    if rng.random() < 0.5:
        return " ".join([sex, yy, mm, dep, commune, order, key])
    return body + key


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def es_dni(rng):
    n = rng.randint(0, 99999999)
    s = "%08d" % n
    letter = DNI_LETTERS[n % 23]
    return s + ("-" if rng.random() < 0.2 else "") + letter


def es_nie(rng):
    p = rng.choice("XYZ")
    n = rng.randint(0, 9999999)
    s = "%07d" % n
    letter = DNI_LETTERS[int(str("XYZ".index(p)) + s) % 23]
    if rng.random() < 0.2:
        return "%s-%s-%s" % (p, s, letter)
    return p + s + letter


_CF_MONTH = "ABCDEHLMPRST"
_BELFIORE = ["H501", "F205", "F839", "L219", "G273", "D612", "A944", "L736",
             "D969", "A662", "C351", "L424", "E506", "B354", "G478", "H294"]


def _cf_part(name: str, is_first: bool) -> str:
    s = "".join(c for c in ascii_fold(name).upper() if c.isalpha())
    cons = [c for c in s if c not in "AEIOU"]
    vows = [c for c in s if c in "AEIOU"]
    if is_first and len(cons) >= 4:
        cons = [cons[0], cons[2], cons[3]]
    return ("".join(cons + vows) + "XXX")[:3]


def it_fiscal_code(rng, first: str, last: str, female: bool | None = None):
    if female is None:
        female = rng.random() < 0.5
    year = rng.randint(1940, 2005)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28) + (40 if female else 0)
    code = (_cf_part(last, False) + _cf_part(first, True) + "%02d" % (year % 100)
            + _CF_MONTH[month - 1] + "%02d" % day + rng.choice(_BELFIORE))
    return code + it_check_char(code)


# ------------------------------------------------------------- web / network

def uuid4(rng):
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return u.upper() if rng.random() < 0.15 else u


def mac_address(rng):
    b = [rng.randint(0, 255) for _ in range(6)]
    style = rng.choices(["colon", "hyphen", "dot"], weights=[6, 3, 1])[0]
    upper = rng.random() < 0.4
    if style == "dot":
        h = "".join("%02x" % x for x in b)
        s = ".".join(h[i:i + 4] for i in range(0, 12, 4))
    else:
        s = (":" if style == "colon" else "-").join("%02x" % x for x in b)
    return s.upper() if upper else s


def ipv4(rng):
    while True:
        a = rng.choice([rng.randint(1, 223), 10, 192, 172])
        if a == 10:
            return "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        if a == 192:
            return "192.168.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))
        if a == 172:
            return "172.%d.%d.%d" % (rng.randint(16, 31), rng.randint(0, 255), rng.randint(1, 254))
        if a in (0, 127):
            continue
        return "%d.%d.%d.%d" % (a, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))


def ipv6(rng):
    import ipaddress
    kind = rng.choices(["global", "compressed", "link", "full"], weights=[4, 3, 1, 2])[0]
    if kind == "link":
        groups = [0xFE80, 0, 0, 0] + [rng.randint(0, 0xFFFF) for _ in range(4)]
    else:
        groups = [0x2001, rng.choice([0x0DB8, 0x0470, 0x4860, 0x67C, 0x1620])] + \
                 [rng.randint(0, 0xFFFF) for _ in range(6)]
        if kind == "compressed":
            k = rng.randint(2, 5)
            for i in range(k, min(8, k + rng.randint(2, 4))):
                groups[i] = 0
    addr = ipaddress.IPv6Address(":".join("%x" % g for g in groups))
    return addr.exploded if kind == "full" else addr.compressed


# ------------------------------------------------------------------ phones

def phone_valid(text: str, region: str) -> bool:
    try:
        n = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(n)


def phone_number(rng, fake, region, intl=False):
    """A Faker phone number for the locale that libphonenumber says is valid.

    intl=True (or 35% of the time) reformat it to E.164 / international."""
    for _ in range(200):
        raw = fake.phone_number()
        if "x" in raw.lower() or not phone_valid(raw, region):
            continue
        n = phonenumbers.parse(raw, region)
        r = rng.random()
        if intl or r < 0.35:
            fmt = rng.choice([phonenumbers.PhoneNumberFormat.E164,
                              phonenumbers.PhoneNumberFormat.INTERNATIONAL])
            out = phonenumbers.format_number(n, fmt)
        elif r < 0.45:
            out = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL)
        else:
            out = raw
        assert phone_valid(out, region), (out, region)
        return out
    raise RuntimeError("no valid phone for " + region)
