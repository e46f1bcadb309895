"""Our check-digit validators answer exactly what python-stdnum answers.

Property style, seeded: for every identifier, valid numbers (stdnum-built, in
compact and formatted spellings), every single-character mutation of some of
them, and random strings of the right alphabet and length all get the same
verdict from ``checksums`` as from stdnum's ``is_valid``.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import pytest
from stdnum import bic, iban, imei, luhn
from stdnum.br import cnpj, cpf
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import rtn, ssn

from racine.domain.classification import checksums

Make = Callable[[random.Random], str]


def _d(r: random.Random, n: int) -> str:
    return "".join(r.choice(string.digits) for _ in range(n))


def _until_valid(make: Make, check: Callable[[str], bool], r: random.Random) -> str:
    for _ in range(5000):
        v = make(r)
        if check(v):
            return v
    raise AssertionError("no valid number generated")


def _iban(r: random.Random) -> str:
    country = r.choice(
        (
            "DE",
            "FR",
            "GB",
            "NL",
            "ES",
            "BE",
            "IT",
            "AT",
            "CH",
            "PL",
            "NO",
            "SE",
            "PT",
            "IE",
            "LU",
            "DK",
            "FI",
            "ME",
            "LT",
        )
    )
    bban = {
        "DE": lambda: _d(r, 18),
        "FR": lambda: _d(r, 10) + _d(r, 11) + _d(r, 2),
        "GB": lambda: "".join(r.choice(string.ascii_uppercase) for _ in range(4)) + _d(r, 14),
    }.get(country, lambda: "")()
    if not bban:
        # Borrow a valid structure from a mutated real-looking number.
        length = {
            "NL": 14,
            "ES": 20,
            "BE": 12,
            "IT": 23,
            "AT": 16,
            "CH": 17,
            "PL": 24,
            "NO": 11,
            "SE": 20,
            "PT": 21,
            "IE": 18,
            "LU": 16,
            "DK": 14,
            "FI": 14,
            "ME": 18,
            "LT": 16,
        }[country]
        bban = _d(r, length)
        if country == "NL":
            bban = "".join(r.choice(string.ascii_uppercase) for _ in range(4)) + _d(r, 10)
        if country == "IE":
            bban = "".join(r.choice(string.ascii_uppercase) for _ in range(4)) + _d(r, 14)
        if country == "IT":
            bban = r.choice(string.ascii_uppercase) + _d(r, 10) + _d(r, 12)
    check = iban.calc_check_digits(country + "00" + bban)
    return country + check + bban


def _cf(r: random.Random) -> str:
    letters = string.ascii_uppercase
    body = (
        "".join(r.choice(letters) for _ in range(6))
        + _d(r, 2)
        + r.choice("ABCDEHLMPRST")
        + f"{r.randint(1, 71):02d}"
        + r.choice(letters)
        + _d(r, 3)
    )
    return body + codicefiscale.calc_check_digit(body)


def _pesel(r: random.Random) -> str:
    body = (
        f"{r.randint(0, 99):02d}{r.choice((0, 20, 40, 60, 80)) + r.randint(1, 12):02d}"
        f"{r.randint(1, 31):02d}" + _d(r, 4)
    )
    return body + pesel.calc_check_digit(body)


CASES: dict[str, tuple[Callable[[str], bool], Callable[[str], bool], Make, str]] = {
    # name: (ours, stdnum's, make a (mostly) valid number, alphabet for random strings)
    "luhn": (
        checksums.luhn_valid,
        luhn.is_valid,
        lambda r: (lambda b: b + luhn.calc_check_digit(b))(_d(r, r.randint(11, 18))),
        string.digits + " -",
    ),
    "idnr": (
        checksums.idnr_valid,
        idnr.is_valid,
        lambda r: _until_valid(lambda q: str(q.randint(1, 9)) + _d(q, 10), idnr.is_valid, r),
        string.digits + " ./-",
    ),
    "nir": (
        checksums.nir_valid,
        nir.is_valid,
        lambda r: (lambda b: b + nir.calc_check_digits(b))(
            r.choice("12") + _d(r, 4) + r.choice(("2A", "2B", _d(r, 2))) + _d(r, 6)
        ),
        string.digits + " .AB",
    ),
    "dni": (
        checksums.dni_valid,
        dni.is_valid,
        lambda r: (lambda b: b + dni.calc_check_digit(b))(_d(r, 8)),
        string.digits + "TRWAGMX -",
    ),
    "nie": (
        checksums.nie_valid,
        nie.is_valid,
        lambda r: (lambda b: b + nie.calc_check_digit(b))(r.choice("XYZ") + _d(r, 7)),
        string.digits + "XYZTRW -",
    ),
    "bsn": (
        checksums.bsn_valid,
        bsn.is_valid,
        lambda r: _until_valid(lambda q: _d(q, q.choice((8, 9))), bsn.is_valid, r),
        string.digits + " .-",
    ),
    "pesel": (checksums.pesel_valid, pesel.is_valid, _pesel, string.digits + " -"),
    "cpf": (
        checksums.cpf_valid,
        cpf.is_valid,
        lambda r: _until_valid(lambda q: _d(q, 11), cpf.is_valid, r),
        string.digits + ".-",
    ),
    "cnpj": (
        checksums.cnpj_valid,
        cnpj.is_valid,
        lambda r: (lambda b: b + cnpj.calc_check_digits(b + "00"))(_d(r, 12)),
        string.digits + "./-AB",
    ),
    "rtn": (
        checksums.rtn_valid,
        rtn.is_valid,
        lambda r: (lambda b: b + rtn.calc_check_digit(b))(_d(r, 8)),
        string.digits,
    ),
    "ssn": (
        checksums.ssn_valid,
        ssn.is_valid,
        lambda r: r.choice(("{}-{}-{}", "{}{}{}")).format(
            r.choice((_d(r, 3), "000", "666", "912", "078")),
            r.choice((_d(r, 2), "00", "05")),
            r.choice((_d(r, 4), "0000", "1120")),
        ),
        string.digits + "-",
    ),
    "imei": (
        checksums.imei_valid,
        imei.is_valid,
        lambda r: (lambda b: b + luhn.calc_check_digit(b))(_d(r, 14)),
        string.digits + " -",
    ),
    "codice_fiscale": (
        checksums.codice_fiscale_valid,
        codicefiscale.is_valid,
        _cf,
        string.ascii_uppercase + string.digits + " ",
    ),
    "iban": (
        checksums.iban_valid,
        iban.is_valid,
        _iban,
        string.ascii_uppercase + string.digits + " ",
    ),
    "bic": (
        checksums.bic_valid,
        bic.is_valid,
        lambda r: (
            "".join(r.choice(string.ascii_uppercase) for _ in range(4))
            + r.choice(("DE", "FR", "XX", "GB", "QQ"))
            + _d(r, 2)
            + r.choice(("", "XXX", "1A"))
        ),
        string.ascii_uppercase + string.digits,
    ),
}


def _spellings(v: str, r: random.Random) -> list[str]:
    groups = " ".join(v[i : i + 4] for i in range(0, len(v), 4))
    return [v, v.lower(), groups, groups.replace(" ", "-"), f" {v} ", v[:3] + "." + v[3:]]


def _mutations(v: str, r: random.Random) -> list[str]:
    out = []
    for i in range(len(v)):
        out.append(v[:i] + r.choice(string.digits + string.ascii_uppercase) + v[i + 1 :])
    if len(v) > 2:
        out.append(v[1:] + v[0])
        out.append(v[:-1])
        out.append(v + "0")
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_checksum_agrees_with_stdnum(name: str) -> None:
    ours, reference, make, alphabet = CASES[name]
    r = random.Random(f"checksums-{name}")
    values: list[str] = []
    for _ in range(150):
        valid = make(r)
        values += _spellings(valid, r)
        values += _mutations(valid, r)[:12]
    for _ in range(1500):
        n = r.randint(0, 26)
        values.append("".join(r.choice(alphabet) for _ in range(n)))
    disagreements = [v for v in values if ours(v) != bool(reference(v))]
    assert not disagreements, disagreements[:10]
    # the generator does produce valid numbers, so both sides were exercised
    assert sum(ours(v) for v in values) >= 100


def test_non_ascii_input_is_delegated_to_stdnum() -> None:
    # full-width digits: stdnum normalises some of them, we must not disagree
    for ours, reference, make, _ in CASES.values():
        valid = make(random.Random(1))
        wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in valid)
        dashed = valid[:3] + "\u2013" + valid[3:]
        for v in (wide, dashed):
            assert ours(v) == bool(reference(v))
