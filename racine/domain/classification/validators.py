"""Value validators: one cheap ``str -> bool`` predicate per detectable shape.

Checksums (Luhn, mod-97, national-ID check digits) are what separate real
identifiers from look-alikes such as order numbers, so every validator that can
check a checksum does. The check digits are ``checksums``' own implementations,
held to python-stdnum's answers by tests. Values arrive stripped and truncated.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from racine.domain.classification import checksums
from racine.domain.classification.coordinates import geo_flags
from racine.domain.classification.coordinates import is_coordinate as _geo
from racine.domain.classification.coordinates import is_coordinate_pair as _geo_pair
from racine.domain.classification.lexicon import country_codes, country_names
from racine.domain.classification.names import person_name, single_name, words

__all__ = [
    "BATCH_CHECKS",
    "BLOOD_TYPES",
    "GENDER_WORDS",
    "VALIDATORS",
    "Validator",
    "card_issuer",
    "is_uuid",
    "parse_date",
]

Validator = Callable[[str], bool]

_EMAIL = re.compile(r"[\w.%+'-]{1,64}@[^\W_][\w-]*(?:\.[\w-]+)*\.[^\W\d_]{2,24}")
_PHONE = re.compile(r"(?:\+|00)?[\d\s().\-/]{6,22}(?:\s*(?:x|ext\.?)\s*\d{1,5})?", re.I)
_PHONE_FORMATTED = re.compile(r"(?:\+|00)\d|\(\d+\)|\d[\s.\-/]\d")
_MAC = re.compile(
    r"[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}|"
    r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
)
_URL = re.compile(r"(?:https?|ftp)://[^\s/$.?#][^\s]*|www\.[^\s]+\.[a-z]{2,}[^\s]*", re.I)
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_NINO = re.compile(
    r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]",
    re.I,
)
_SSN_DASHED = re.compile(r"\d{3}[- ]\d{2}[- ]\d{4}")
_DATE_PATTERNS = (
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"), (3, 2, 1)),
)
_TIME = re.compile(r"\d{1,2}:\d{2}")
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_ICD10 = re.compile(r"[A-TV-Z]\d[0-9AB](?:\.[0-9A-Z]{1,4})?")
_BCRYPT = re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}")
_CRYPT = re.compile(r"\$(?:1|5|6|argon2(?:id|i|d)|pbkdf2[-_a-z0-9]*|scrypt|y)\$[^\s]{10,}")
_HEX_DIGEST = re.compile(r"(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})", re.I)
_DJANGO_HASH = re.compile(r"(?:pbkdf2_sha256|argon2|bcrypt_sha256|sha1|md5)\$[^\s]{10,}")
_KEY_PREFIX = re.compile(
    r"(?:AKIA|ASIA)[0-9A-Z]{16}|(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|"
    r"gh[pousr]_[0-9A-Za-z]{30,}|github_pat_[0-9A-Za-z_]{40,}|xox[abpors]-[0-9A-Za-z-]{10,}|"
    r"AIza[0-9A-Za-z_\-]{35}|sk-[0-9A-Za-z_\-]{20,}|glpat-[0-9A-Za-z_\-]{20}|"
    r"eyJ[0-9A-Za-z_\-]{8,}\.[0-9A-Za-z_\-]{8,}\.[0-9A-Za-z_\-]{8,}|SG\.[\w\-]{16,}\.[\w\-]{16,}"
)
_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{24,}")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9._\-]{2,31}")
_PASSPORT = re.compile(r"[A-Z]{0,2}\d{6,9}|[A-Z0-9]{8,9}")
_LICENSE = re.compile(r"[A-Z0-9][A-Z0-9\- ]{4,17}[A-Z0-9]")
_BANK_ACCOUNT = re.compile(r"\d{6,17}|\d{2,6}[- ]\d{3,10}(?:[- ]\d{1,6})?")
_POSTAL = re.compile(
    r"\d{5}(?:-\d{4})?|\d{4}|\d{2}-\d{3}|\d{3}-\d{4}|\d{5}-\d{3}|\d{4}\s?[A-Z]{2}|"
    r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{3}\s\d{2}|\d{6}",
    re.I,
)
_ADDRESS_WORD_LIST = (
    "st|street|str|straße|strasse|ave|avenue|road|rd|lane|ln|blvd|boulevard|drive|dr|"
    "way|court|ct|place|pl|square|sq|rue|chemin|allée|via|viale|piazza|calle|avenida|av|"
    "plaza|paseo|weg|laan|straat|gracht|plein|ulica|ul|aleja|rua|travessa|alameda|"
    "gasse|platz|allee|ring|park|terrace|crescent|close|hill|row|circle|highway|pike|"
    "carrer|camino|vicolo|corso|largo|strada|suite|apt|flat|utca|ulice|ulica|gatan|gata|"
    "vej|vei|veien|tie|katu|stræde|gade|straat|laan|rua|avda|calea|strada|bulevardul"
)
_ADDRESS_SUFFIX_LIST = (
    "strasse|straße|gasse|weg|platz|allee|vej|gade|gatan|gata|vägen|veien|vegen|"
    "gaten|tie|katu|polku|utca|ulice|třída|straat|laan|dreef|stræde|bakken"
)
_ADDRESS_WORDS = re.compile(rf"\b(?:{_ADDRESS_WORD_LIST})\b\.?", re.I)
_ADDRESS_SUFFIX = re.compile(rf"\w(?:{_ADDRESS_SUFFIX_LIST})\b", re.I)
# ASCII fast path for the two searches above: both only ever match whole ``\w+`` runs
# (a listed word, or a run ending in a listed suffix after at least one character), and
# for ASCII text re.I is plain lower-casing. Non-ASCII text keeps the regexes.
_WORD_RUN = re.compile(r"\w+")
_ADDRESS_WORD_SET = frozenset(_ADDRESS_WORD_LIST.split("|"))
_ADDRESS_SUFFIXES = tuple(_ADDRESS_SUFFIX_LIST.split("|"))


def _address_word(v: str) -> bool:
    if not v.isascii():
        return bool(_ADDRESS_WORDS.search(v) or _ADDRESS_SUFFIX.search(v))
    for token in _WORD_RUN.findall(v.lower()):
        if token in _ADDRESS_WORD_SET:
            return True
        if token.endswith(_ADDRESS_SUFFIXES) and any(
            len(token) > len(x) and token.endswith(x) for x in _ADDRESS_SUFFIXES
        ):
            return True
    return False


_INT = re.compile(r"\d{1,3}")
_AMOUNT = re.compile(r"[$€£]?\s?\d{1,3}(?:[,.\s]?\d{3})*(?:[.,]\d{1,2})?\s?[$€£]?")
_CVV = re.compile(r"\d{3,4}")
_GENDER_WORDS = (
    "m f male female man woman men women x nb non-binary nonbinary other unknown diverse d "
    "w weiblich männlich maennlich divers homme femme h masculin féminin feminin hombre mujer "
    "masculino femenino maschio femmina uomo donna vrouw v mężczyzna kobieta k mr mrs ms"
)
_GENDERS = frozenset(_GENDER_WORDS.split(" "))
_BLOOD = frozenset(
    t + s
    for t in ("A", "B", "AB", "O", "0")
    for s in (
        "+",
        "-",
        " POS",
        " NEG",
        "",
        " RH+",
        " RH-",
        "RH+",
        "RH-",
        " +",
        " -",
        " POSITIVE",
        " NEGATIVE",
    )
)
_BLOOD_GROUPS = frozenset({"A", "B", "AB", "O", "0"})
GENDER_WORDS = _GENDERS  # for the prefilter (``prefilter.py``)
BLOOD_TYPES = _BLOOD

# Issuer identification ranges with the lengths each issuer uses.
_ISSUERS: tuple[tuple[str, tuple[tuple[int, int], ...], tuple[int, ...]], ...] = (
    ("amex", ((34, 34), (37, 37)), (15,)),
    ("visa", ((4, 4),), (13, 16, 19)),
    ("mastercard", ((51, 55), (2221, 2720)), (16,)),
    ("discover", ((6011, 6011), (644, 649), (65, 65), (622126, 622925)), (16, 19)),
    ("jcb", ((3528, 3589),), (16, 17, 18, 19)),
    ("diners", ((300, 305), (36, 36), (38, 39), (3095, 3095)), (14, 16, 19)),
    ("unionpay", ((62, 62),), (16, 17, 18, 19)),
    ("maestro", ((50, 50), (56, 58), (6304, 6304), (67, 67)), (12, 13, 14, 15, 16, 17, 18, 19)),
    ("mir", ((2200, 2204),), (16, 17, 18, 19)),
)


def _digits(value: str) -> str:
    return "".join(filter(str.isdigit, value))


_PAN = re.compile(r"\d{12,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5}")


def card_issuer(value: str) -> str | None:
    """The issuer whose IIN range and length fit a Luhn-valid PAN, else ``None``."""
    if not _PAN.fullmatch(value):
        return None
    number = value.replace(" ", "").replace("-", "")  # the shape allows nothing else
    if not checksums.luhn_valid(number):
        return None
    for issuer, ranges, lengths in _ISSUERS:
        if len(number) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(number[:width]) <= high:
                return issuer
    return None


def is_uuid(value: str) -> bool:
    return bool(_UUID.fullmatch(value))


def parse_date(value: str) -> date | None:
    """A calendar date written alone (no time part), in ISO or day-first order."""
    # Both patterns need 8-10 characters starting with a digit (cheap exit first).
    if not 8 <= len(value) <= 10 or not value[0].isdigit() or _TIME.search(value):
        return None
    for pattern, (yi, mi, di) in _DATE_PATTERNS:
        m = pattern.fullmatch(value)
        if m:
            y, mo, d = int(m.group(yi)), int(m.group(mi)), int(m.group(di))
            if mo > 12 and d <= 12:
                mo, d = d, mo
            try:
                return date(y, mo, d)
            except ValueError:
                return None
    return None


def _email(v: str) -> bool:
    return "@" in v and bool(_EMAIL.fullmatch(v))


# PHONE and phone_strict, STREET_ADDRESS and address_keyword run on the same values
# (probe, then the match ratio): the shared inner checks are memoised per value.
@lru_cache(maxsize=2048)
def _phone(v: str) -> bool:
    if not _PHONE.fullmatch(v) or not _PHONE_FORMATTED.search(v):
        return False
    if parse_date(v) is not None or _IPV4_LIKE.fullmatch(v):
        return False
    n = len(_digits(v))
    return 7 <= n <= 15


_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_PHONE_GROUPS = re.compile(r"\(?\d{2,4}\)?([ .\-/])\d{2,4}(?:\1\d{2,4}){1,3}")


def _phone_strict(v: str) -> bool:
    """Without a phone-ish name: an international prefix or regular 2-4 digit groups."""
    if not _phone(v):
        return False
    return v.startswith(("+", "00", "(")) or bool(_PHONE_GROUPS.fullmatch(v))


_IPV4_ASCII = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")


def _ip(v: str) -> bool:
    if len(v) > 45 or ("." not in v and ":" not in v):
        return False
    if ":" not in v and not _IPV4_ASCII.fullmatch(v):
        return False  # without a colon only dotted-decimal IPv4 parses (spares an exception)
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


_ASCII_DIGITS = frozenset("0123456789")


def _stdnum(check: Validator, shape: str) -> Validator:
    """A check-digit validator behind a cheap shape filter."""
    prefilter = re.compile(shape)

    def validate(v: str) -> bool:
        if len(v) > 24 or not prefilter.fullmatch(v) or not check(v):
            return False
        # Placeholder runs such as 111.111.111-11 pass some checksums; no real ID is one.
        if v.isascii():
            kinds = _ASCII_DIGITS.intersection(v)
            return len(kinds) != 1 or v.count(next(iter(kinds))) <= 3
        digits = [c for c in v if c.isdigit()]
        return not (len(digits) > 3 and len(set(digits)) == 1)

    return validate


def _ssn(v: str) -> bool:
    return bool(_SSN_DASHED.fullmatch(v)) and checksums.ssn_valid(v)


def _nino(v: str) -> bool:
    return bool(_NINO.fullmatch(v))


def _iban(v: str) -> bool:
    return 15 <= len(v) <= 42 and v[:2].isalpha() and checksums.iban_valid(v)


def _bic(v: str) -> bool:
    return len(v) in (8, 11) and v.isupper() and v[:4].isalpha() and checksums.bic_valid(v)


def _vin(v: str) -> bool:
    if not _VIN.fullmatch(v) or v.isdigit() or v.isalpha():
        return False
    translit = "0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ"
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    total = sum((translit.index(c) % 10) * w for c, w in zip(v, weights, strict=True))
    check = total % 11
    return v[8] == ("X" if check == 10 else str(check))


def _dob(v: str) -> bool:
    d = parse_date(v)
    return d is not None and 1900 <= d.year <= 2020


def _age(v: str) -> bool:
    return bool(_INT.fullmatch(v)) and 0 <= int(v) <= 120


def _password_hash(v: str) -> bool:
    # The three structured layouts all hold a "$"; a bare hex digest (most values) has none.
    if "$" in v and (_BCRYPT.fullmatch(v) or _CRYPT.match(v) or _DJANGO_HASH.fullmatch(v)):
        return True
    return bool(_HEX_DIGEST.fullmatch(v))


def _api_key(v: str) -> bool:
    if _KEY_PREFIX.fullmatch(v):
        return True
    if not _TOKEN.fullmatch(v) or is_uuid(v) or v.isdigit() or v.isalpha():
        return False
    classes = sum((any(map(str.islower, v)), any(map(str.isupper, v)), any(map(str.isdigit, v))))
    return classes == 3 and len(set(v)) >= 12


def _known_key(v: str) -> bool:
    return bool(_KEY_PREFIX.fullmatch(v))


_HOUSE = re.compile(
    r"[^\W\d_][^\d]{2,40}\s\d{1,5}[a-zA-Z]?(?:[/\-]\d{1,4})?\.?|"
    r"\d{1,5}[a-zA-Z]?,?\s[^\W\d_][^\d]{2,40}"
)


def _address_loose(v: str) -> bool:
    """Street keyword, or a number among mostly capitalised words (not a sentence)."""
    if _address(v):
        return True
    if len(v) > 120 or "@" in v or "://" in v or not any(map(str.isdigit, v)):
        return False
    words = [t for t in v.split() if len(t) >= 3 and t.isalpha()]
    if not words or sum(t[0].isupper() for t in words) < 0.6 * len(words):
        return False
    return bool(_HOUSE.fullmatch(v)) or len(words) >= 2


@lru_cache(maxsize=2048)
def _address(v: str) -> bool:
    has_digit = any(map(str.isdigit, v))
    return has_digit and len(v) <= 120 and sum(map(str.isalpha, v)) >= 4 and _address_word(v)


def _bank_account(v: str) -> bool:
    return bool(_BANK_ACCOUNT.fullmatch(v))


def _cvv(v: str) -> bool:
    return bool(_CVV.fullmatch(v))


def _blood_rh(v: str) -> bool:
    """A blood group with its Rh factor (``A+``, ``O NEG``, ``AB RH-``)."""
    upper = v.upper()
    return upper in _BLOOD and upper.rstrip() not in _BLOOD_GROUPS


def _country_name(v: str) -> bool:
    return len(v) <= 60 and v.lower() in country_names()


def _country(v: str) -> bool:
    return _country_name(v) or (len(v) == 2 and v in country_codes())


def _amount(v: str) -> bool:
    return bool(_AMOUNT.fullmatch(v)) and any(map(str.isdigit, v))


def _tax_id(v: str) -> bool:
    # EU VAT numbers, US EIN, and the national personal tax codes.
    if re.fullmatch(r"\d{2}-\d{7}", v):
        return True
    return bool(re.fullmatch(r"[A-Z]{2}[0-9A-Z+*.]{2,13}", v)) and any(map(str.isdigit, v))


VALIDATORS: dict[str, Validator] = {
    "EMAIL": _email,
    "PHONE": _phone,
    "PERSON_NAME": person_name,
    "FIRST_NAME": single_name,
    "LAST_NAME": single_name,
    "STREET_ADDRESS": _address_loose,
    "CITY": words,
    "POSTAL_CODE": lambda v: bool(_POSTAL.fullmatch(v)),
    "COUNTRY": _country,
    "NATIONALITY": words,
    "DATE_OF_BIRTH": _dob,
    "AGE": _age,
    "GENDER": lambda v: v.lower() in _GENDERS,
    "US_SSN": _ssn,
    "UK_NINO": _nino,
    "DE_TAX_ID": _stdnum(checksums.idnr_valid, r"[\d ./-]{11,15}"),
    "FR_NIR": _stdnum(checksums.nir_valid, r"[\d ABab]{15,21}"),
    "ES_DNI": _stdnum(checksums.dni_valid, r"\d{8}[ -]?[A-Za-z]"),
    "ES_NIE": _stdnum(checksums.nie_valid, r"[XYZxyz][ -]?\d{7}[ -]?[A-Za-z]"),
    "IT_CODICE_FISCALE": _stdnum(checksums.codice_fiscale_valid, r"[A-Za-z0-9 ]{11,19}"),
    "NL_BSN": _stdnum(checksums.bsn_valid, r"[\d .]{8,12}"),
    "PL_PESEL": _stdnum(checksums.pesel_valid, r"\d{11}"),
    "BR_CPF": _stdnum(checksums.cpf_valid, r"[\d .-]{11,14}"),
    "BR_CNPJ": _stdnum(checksums.cnpj_valid, r"[\d ./-]{14,18}"),
    "PASSPORT_NUMBER": lambda v: bool(_PASSPORT.fullmatch(v)),
    "DRIVER_LICENSE": lambda v: bool(_LICENSE.fullmatch(v)) and any(map(str.isdigit, v)),
    "TAX_ID": _tax_id,
    "CREDIT_CARD": lambda v: card_issuer(v) is not None,
    "CARD_CVV": _cvv,
    "IBAN": _iban,
    "SWIFT_BIC": _bic,
    "BANK_ACCOUNT": _bank_account,
    "US_ROUTING_NUMBER": lambda v: len(v) == 9 and v.isdigit() and checksums.rtn_valid(v),
    "SALARY": _amount,
    "IP_ADDRESS": _ip,
    "MAC_ADDRESS": lambda v: bool(_MAC.fullmatch(v)),
    "IMEI": lambda v: len(v) in (15, 17, 18) and checksums.imei_valid(v),
    "URL": lambda v: bool(_URL.fullmatch(v)),
    "USERNAME": lambda v: (
        bool(_USERNAME.fullmatch(v))
        and "@" not in v
        and not (v.isalpha() and v[0].isupper() and v[1:].islower())
    ),
    "PASSWORD_HASH": _password_hash,
    "API_KEY": _api_key,
    "GEO_COORDINATES": _geo,
    "VIN": _vin,
    "ICD10_CODE": lambda v: bool(_ICD10.fullmatch(v)),
    "MEDICAL_RECORD_NUMBER": lambda v: bool(re.fullmatch(r"[A-Z]{0,4}[-]?\d{5,12}", v)),
    "BLOOD_TYPE": lambda v: v.upper() in _BLOOD,
    "MEDICAL_CONDITION": words,
}

# Extra named checks used as evidence or ML features, not as types of their own.
EXTRA_CHECKS: dict[str, Validator] = {
    "uuid": is_uuid,
    "known_key": _known_key,
    "address_keyword": _address,
    "country_name": _country_name,
    "phone_strict": _phone_strict,
    "hash_structured": lambda v: bool(
        _BCRYPT.fullmatch(v) or _CRYPT.match(v) or _DJANGO_HASH.fullmatch(v)
    ),
    "ssn_plain": lambda v: len(v) == 9 and v.isdigit() and checksums.ssn_valid(v),
    "luhn": lambda v: v.isdigit() and 12 <= len(v) <= 19 and checksums.luhn_valid(v),
}

# Stricter checks for a type whose column name gives no context that are not probed
# (no ML feature: the shipped model's inputs stay as trained); the type's own probe rate
# admits them. A lone decimal such as 12.34567 is as likely a price or a weight as a
# latitude: without a name saying so, only coordinate pairs count.
# Likewise a bare A, B, AB or O is as likely a grade, a size or an enum code as a blood
# group: without a name saying so, only values with the Rh factor (A+, O NEG) count.
UNPROBED_CHECKS: dict[str, Validator] = {"geo_pair": _geo_pair, "blood_rh": _blood_rh}

# Validators with a many-values form (see ``geo_flags``): same answers, fewer calls.
BATCH_CHECKS: dict[Validator, Callable[[list[str]], list[bool] | None]] = {_geo: geo_flags}
