"""Fast check-digit validators for the identifiers the rule tier scans most.

python-stdnum is the reference: these functions give the same answer as its
``is_valid`` on ASCII input (``tests/unit/domain/classification/test_checksums.py``
compares them on valid numbers, single-character mutations and random strings).
They exist because stdnum's ``clean()`` maps every character through a Unicode
table before any check, which made a validator cost 12-60 us per value; a column
that really is an IBAN or a PESEL column runs its validator on every sampled value.
Non-ASCII input (full-width digits, Unicode dashes, which stdnum normalises) goes
to stdnum itself, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum import imei as _imei
from stdnum import numdb
from stdnum.br import cnpj as _cnpj
from stdnum.br import cpf as _cpf
from stdnum.de import idnr as _idnr
from stdnum.es import dni as _dni
from stdnum.es import nie as _nie
from stdnum.fr import nir as _nir
from stdnum.it import codicefiscale as _cf
from stdnum.nl import bsn as _bsn
from stdnum.pl import pesel as _pesel
from stdnum.us import rtn as _rtn
from stdnum.us import ssn as _ssn

__all__ = [
    "bic_valid",
    "bsn_valid",
    "cnpj_valid",
    "codice_fiscale_valid",
    "cpf_valid",
    "dni_valid",
    "iban_valid",
    "idnr_valid",
    "imei_valid",
    "luhn_valid",
    "nie_valid",
    "nir_valid",
    "pesel_valid",
    "rtn_valid",
    "ssn_valid",
]

_DIGITS = frozenset("0123456789")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _strip(value: str, chars: str) -> str:
    for ch in chars:
        if ch in value:
            value = value.replace(ch, "")
    return value.strip()


def _ascii_or(
    reference: Callable[[str], bool],
) -> Callable[[Callable[[str], bool]], Callable[[str], bool]]:
    """Run the fast check on ASCII input, stdnum's on anything else."""

    def wrap(fast: Callable[[str], bool]) -> Callable[[str], bool]:
        def check(value: str) -> bool:
            return fast(value) if value.isascii() else bool(reference(value))

        check.__name__ = fast.__name__
        check.__doc__ = fast.__doc__
        return check

    return wrap


def _isdigits(value: str) -> bool:
    return bool(value) and value.isdigit() and value.isascii()


def luhn_digits(number: str) -> bool:
    """Luhn over a string of ASCII digits (no cleaning)."""
    total = 0
    odd = True
    for ch in reversed(number):
        d = ord(ch) - 48
        if odd:
            total += d
        else:
            d *= 2
            total += d - 9 if d > 9 else d
        odd = not odd
    return total % 10 == 0


def luhn_valid(number: str) -> bool:
    """``stdnum.luhn.is_valid`` for digit strings."""
    return _isdigits(number) and luhn_digits(number)


@_ascii_or(_idnr.is_valid)
def idnr_valid(value: str) -> bool:
    number = _strip(value, " -./,")
    if len(number) != 11 or not _isdigits(number) or number[0] == "0":
        return False
    counts = [number[:10].count(d) for d in set(number[:10])]
    repeated = [c for c in counts if c > 1]
    if len(repeated) != 1 or repeated[0] not in (2, 3):
        return False
    # ISO 7064 mod 11,10
    check = 5
    for ch in number:
        check = (((check or 10) * 2) % 11 + ord(ch) - 48) % 10
    return check == 1


@_ascii_or(_nir.is_valid)
def nir_valid(value: str) -> bool:
    number = _strip(value, " .").upper()
    if len(number) != 15 or not _isdigits(number[:5]) or not _isdigits(number[7:]):
        return False
    department = number[5:7]
    if department == "2A":
        body = number[:5] + "19" + number[7:13]
    elif department == "2B":
        body = number[:5] + "18" + number[7:13]
    elif _isdigits(department):
        body = number[:13]
    else:
        return False
    return f"{97 - int(body) % 97:02d}" == number[13:]


@_ascii_or(_dni.is_valid)
def dni_valid(value: str) -> bool:
    number = _strip(value, " -").upper()
    return (
        len(number) == 9
        and _isdigits(number[:-1])
        and _DNI_LETTERS[int(number[:-1]) % 23] == number[-1]
    )


@_ascii_or(_nie.is_valid)
def nie_valid(value: str) -> bool:
    number = _strip(value, " -").upper()
    if len(number) != 9 or number[0] not in "XYZ" or not _isdigits(number[1:-1]):
        return False
    return _DNI_LETTERS[int(str("XYZ".index(number[0])) + number[1:-1]) % 23] == number[-1]


@_ascii_or(_bsn.is_valid)
def bsn_valid(value: str) -> bool:
    number = _strip(value, " -.").zfill(9)
    if len(number) != 9 or not _isdigits(number) or int(number) <= 0:
        return False
    total = sum((9 - i) * (ord(ch) - 48) for i, ch in enumerate(number[:-1]))
    return (total - (ord(number[-1]) - 48)) % 11 == 0


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_PESEL_CENTURY = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}


@_ascii_or(_pesel.is_valid)
def pesel_valid(value: str) -> bool:
    number = _strip(value, " -")
    if len(number) != 11 or not _isdigits(number):
        return False
    total = sum(w * (ord(ch) - 48) for w, ch in zip(_PESEL_WEIGHTS, number, strict=False))
    if str((10 - total) % 10) != number[-1]:
        return False
    month = int(number[2:4])
    century = _PESEL_CENTURY.get(month // 20)
    if century is None:
        return False
    try:
        date(century + int(number[:2]), month % 20, int(number[4:6]))
    except ValueError:
        return False
    return True


@_ascii_or(_cpf.is_valid)
def cpf_valid(value: str) -> bool:
    number = _strip(value, " -.")
    if len(number) != 11 or not _isdigits(number) or int(number) <= 0:
        return False
    d = [ord(ch) - 48 for ch in number]
    d1 = (11 - sum((10 - i) * d[i] for i in range(9))) % 11 % 10
    d2 = (11 - (sum((11 - i) * d[i] for i in range(9)) + 2 * d1)) % 11 % 10
    return d[9] == d1 and d[10] == d2


_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_CHARS = re.compile(r"[\dA-Z]+")


@_ascii_or(_cnpj.is_valid)
def cnpj_valid(value: str) -> bool:
    number = _strip(value, " -./").upper()
    if len(number) != 14 or not _CNPJ_CHARS.fullmatch(number) or number.startswith("000000000000"):
        return False
    v = [ord(ch) - 48 for ch in number[:12]]
    d1 = (11 - sum(w * x for w, x in zip(_CNPJ_W1, v, strict=True))) % 11 % 10
    v.append(d1)
    d2 = (11 - sum(w * x for w, x in zip(_CNPJ_W2, v, strict=True))) % 11 % 10
    return number[12:] == f"{d1}{d2}"


@_ascii_or(_rtn.is_valid)
def rtn_valid(value: str) -> bool:
    number = value.strip()
    if len(number) != 9 or not _isdigits(number):
        return False
    d = [ord(ch) - 48 for ch in number]
    check = (7 * (d[0] + d[3] + d[6]) + 3 * (d[1] + d[4] + d[7]) + 9 * (d[2] + d[5])) % 10
    return check == d[8]


_SSN = re.compile(r"([0-9]{3})-?([0-9]{2})-?([0-9]{4})")
_SSN_BLOCKED = frozenset(("078-05-1120", "457-55-5462", "219-09-9999"))


@_ascii_or(_ssn.is_valid)
def ssn_valid(value: str) -> bool:
    m = _SSN.fullmatch(value.strip())
    if not m:
        return False
    area, group, serial = m.groups()
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    formatted = f"{value[:3]}-{value[3:5]}-{value[5:]}" if len(value) == 9 else value
    return formatted not in _SSN_BLOCKED


@_ascii_or(_imei.is_valid)
def imei_valid(value: str) -> bool:
    number = _strip(value, " -").upper()
    if not _isdigits(number):
        return False
    if len(number) == 15:
        return luhn_digits(number)
    return len(number) in (14, 16)


_CF_SHAPE = re.compile(
    r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}"
    r"[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"
)
_CF_DATE = {c: i for i, c in enumerate("0123456789")} | {c: i for i, c in enumerate("LMNPQRSTUV")}
_CF_MONTH = {c: i + 1 for i, c in enumerate("ABCDEHLMPRST")}
_CF_ODD_VALUES = (
    1,
    0,
    5,
    7,
    9,
    13,
    15,
    17,
    19,
    21,
    2,
    4,
    18,
    20,
    11,
    3,
    6,
    8,
    12,
    14,
    16,
    10,
    22,
    25,
    24,
    23,
)
_CF_ODD = {c: _CF_ODD_VALUES[i] for i, c in enumerate("0123456789")} | {
    c: _CF_ODD_VALUES[i] for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}
_CF_EVEN = {c: i for i, c in enumerate("0123456789")} | {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}


@_ascii_or(_cf.is_valid)
def codice_fiscale_valid(value: str) -> bool:
    number = _strip(value, " -:").upper()
    if len(number) == 11:
        return bool(_cf.is_valid(number))  # a company's partita IVA: rare, stdnum's
    if len(number) != 16 or not _CF_SHAPE.fullmatch(number):
        return False
    code = sum(_CF_ODD[c] if i % 2 == 0 else _CF_EVEN[c] for i, c in enumerate(number[:15]))
    if "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[code % 26] != number[15]:
        return False
    year = _CF_DATE[number[6]] * 10 + _CF_DATE[number[7]] + 1900
    if year < 1920:
        year += 100
    day = (_CF_DATE[number[9]] * 10 + _CF_DATE[number[10]]) % 40
    try:
        date(year, _CF_MONTH[number[8]], day)
    except ValueError:
        return False
    return True


def _iban_structures() -> dict[str, re.Pattern[str]]:
    """Country code -> BBAN pattern, from stdnum's IBAN registry (``8!n10!n``)."""
    kinds = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Za-z0-9]"}
    out: dict[str, re.Pattern[str]] = {}
    for prefix in numdb.get("iban").prefixes:
        code, props = prefix[1], prefix[3]
        if prefix[1] != prefix[2] or "bban" not in props:
            continue
        parts = re.findall(r"([1-9][0-9]*)!([nac])", props["bban"])
        out[code] = re.compile("".join(f"{kinds[k]}{{{n}}}" for n, k in parts))
    return out


_IBAN_BBAN = _iban_structures()
# Countries whose BBAN carries a national check that stdnum verifies too.
_IBAN_NATIONAL = frozenset(("BE", "ES", "ME", "NO"))
_IBAN_CHARS = re.compile(r"[0-9A-Z]+")
_BASE36 = str.maketrans({chr(65 + i): str(10 + i) for i in range(26)})  # A -> "10" ... Z -> "35"


@_ascii_or(_iban.is_valid)
def iban_valid(value: str) -> bool:
    number = _strip(value, " -.").upper()
    if len(number) < 5 or not _IBAN_CHARS.fullmatch(number):
        return False
    bban = _IBAN_BBAN.get(number[:2])
    if bban is None or not bban.fullmatch(number[4:]):
        return False
    rearranged = number[4:] + number[:4]
    if int(rearranged.translate(_BASE36)) % 97 != 1:
        return False
    return number[:2] not in _IBAN_NATIONAL or bool(_iban.is_valid(number))


_BIC = re.compile(r"[A-Z]{4}([A-Z]{2})[0-9A-Z]{2}(?:[0-9A-Z]{3})?")
_BIC_COUNTRIES = frozenset(_bic._country_codes)  # stdnum's own list of ISO codes


@_ascii_or(_bic.is_valid)
def bic_valid(value: str) -> bool:
    number = _strip(value, " -").upper()
    if len(number) not in (8, 11):
        return False
    m = _BIC.fullmatch(number)
    return m is not None and m.group(1) in _BIC_COUNTRIES
