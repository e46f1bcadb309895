"""National identifier layouts for the trainer's synthetic columns, one drawn per column.

``PerColumn`` wraps a factory that draws one issuing system's layout for a whole
column; the factories here cover bank accounts, driving licences, postcodes,
medical record numbers, passports and tax ids. Used by
:mod:`racine.domain.classification.generators`.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

__all__ = [
    "Gen",
    "PerColumn",
    "bank_account",
    "digits",
    "licence",
    "mrn",
    "passport",
    "postcode",
    "tax_id",
]


Gen = Callable[[Any, random.Random], str]


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


class PerColumn:
    """A generator whose format is drawn once per column (one issuing system's layout).

    Real columns are filled by one system, so their layout is constant down the
    column; drawing the format per value teaches the model a blur of layouts that
    fits no real column. A few columns still mix formats (merged sources).
    """

    MIXED = 0.15

    def __init__(self, start: Callable[[random.Random], Gen]) -> None:
        self.start = start

    def column(self, rng: random.Random) -> Gen:
        if rng.random() >= self.MIXED:
            return self.start(rng)
        return lambda f, r: self.start(r)(f, r)


# Account numbers: national layouts, often a branch group, the account and a
# short check group (US/DE/FR plain runs, NZ 2-4-7-2, ES CCC 4-4-2-10, CA 5-3-7,
# JP/KR/IN/BR/ZA-style groups), with or without separators; one bank's layout
# and separator per column.
account_layouts = (
    (8,),
    (10,),
    (12,),
    (4, 8),
    (2, 6, 2),
    (5, 7),
    (3, 7, 2),
    (3, 6, 1),
    (2, 4, 7, 2),
    (4, 4, 2, 10),
    (5, 3, 7),
    (3, 7),
    (4, 7, 1),
    (6, 8),
    (5, 11, 2),
    (3, 2, 6, 1),
    (4, 6),
    (9,),
    (11,),
    (14,),
    (7,),
    (6, 2),
    (3, 3, 4),
    (2, 8, 1),
    (4, 2, 7),
)


def bank_account(r: random.Random) -> Gen:
    groups = r.choice(account_layouts)
    sep = r.choice(("-", " ", "", "-", "."))
    return lambda _, r: sep.join(digits(r, g) for g in groups)


# Driving licences: the national/state layouts (US states, UK, DE, FR, IT, AU, IN),
# one per column. The leading letter, where there is one, differs from holder to
# holder (an initial, a district), unlike an issuer's constant prefix.
up, alnum = string.ascii_uppercase, string.ascii_uppercase + string.digits


def letter(r: random.Random) -> str:
    return r.choice(up)


licence_layouts: tuple[Callable[[random.Random], str], ...] = (
    lambda r: letter(r) + digits(r, 7),  # CA
    lambda r: letter(r) + digits(r, 12),  # FL, MD, MN
    lambda r: (
        f"{letter(r)}{digits(r, 3)}-{digits(r, 3)}-{digits(r, 2)}-{digits(r, 3)}-{digits(r, 1)}"
    ),  # FL printed
    lambda r: letter(r) + digits(r, 11),  # IL, WI
    lambda r: f"{letter(r)}{digits(r, 3)} {digits(r, 4)} {digits(r, 4)}",
    lambda r: digits(r, 9),  # NY
    lambda r: f"{digits(r, 3)} {digits(r, 3)} {digits(r, 3)}",  # NY printed
    lambda r: digits(r, 8),  # TX, PA
    lambda r: f"{digits(r, 2)} {digits(r, 3)} {digits(r, 3)}",  # PA printed
    lambda r: letter(r) + letter(r) + digits(r, 6),  # AU states
    lambda r: (
        "".join(r.choice(up) for _ in range(5))
        + digits(r, 6)
        + "".join(r.choice(alnum) for _ in range(5))
    ),  # UK
    lambda r: "".join(r.choice(alnum) for _ in range(11)),  # DE
    lambda r: digits(r, 12),  # FR
    lambda r: f"{r.choice(up)}{r.choice(up)}{digits(r, 7)}{r.choice(up)}",  # IT
    lambda r: f"{letter(r)}{letter(r)}{digits(r, 2)} {digits(r, 11)}",  # IN
    lambda r: f"{letter(r)}{digits(r, 2)}-{digits(r, 3)}-{digits(r, 3)}",
    lambda r: "WDL" + "".join(r.choice(alnum) for _ in range(9)),  # WA since 2018
)


def licence(r: random.Random) -> Gen:
    layout = r.choice(licence_layouts)
    return lambda _, r: layout(r)


# Postcodes beyond Faker's own: national digit layouts (PT 4-3, JP 3-4,
# SE/CZ/SK/GR 3 2, 4, 5 and 6 digits, BR 5-3), one per column. The old European
# country prefix (H-1051) is left out: it made SKU-like codes (ABC-1234-XL) look
# like postcodes.
def postcode(r: random.Random) -> Gen:
    if r.random() < 0.6:
        return lambda f, r: str(f.postcode())
    layout = r.choice(((4, 3), (3, 4), (3, 2), (4,), (6,), (5,), (2, 3), (5, 3)))
    sep = r.choice(("-", " "))
    return lambda _, r: sep.join(digits(r, g) for g in layout)


# Medical record numbers: one hospital system's series per column - a constant
# prefix (letters or a site code) and a fixed or zero-padded width.
def mrn(r: random.Random) -> Gen:
    style = r.random()
    width = r.randint(7, 10)
    if style < 0.35:
        prefix = (
            r.choice(("MRN", "PT", "MR", "PAT", "RX", ""))
            if r.random() < 0.4
            else "".join(r.choice(up) for _ in range(r.randint(1, 3)))
        )
        dash = r.choice(("", "", "-"))
        return lambda _, r: f"{prefix}{dash}{digits(r, width)}"
    if style < 0.7:
        top = 10 ** r.randint(5, width - 1)
        return lambda _, r: str(r.randint(1, top)).zfill(width)
    if style < 0.85:
        site = digits(r, 2)
        return lambda _, r: f"{site}-{digits(r, width - 2)}"
    return lambda _, r: f"{digits(r, 2)}-{digits(r, 6)}"


# Passports: national layouts, one per column; letters vary between holders.
passport_layouts: tuple[Callable[[random.Random], str], ...] = (
    lambda r: letter(r) + digits(r, 8),  # US next generation
    lambda r: digits(r, 9),  # US, UK
    lambda r: letter(r) + digits(r, 7),  # IN, AU, IE
    lambda r: letter(r) + letter(r) + digits(r, 7),  # IT, AU, CA
    lambda r: letter(r) + letter(r) + digits(r, 6),  # CA, NL-ish
    lambda r: f"{digits(r, 2)}{letter(r)}{letter(r)}{digits(r, 5)}",  # FR
    lambda r: (
        r.choice("CFGHJK") + "".join(r.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8))
    ),  # DE
    lambda r: letter(r) + letter(r) + letter(r) + digits(r, 6),  # ES
    lambda r: (
        letter(r) + letter(r) + "".join(r.choice(alnum) for _ in range(6)) + digits(r, 1)
    ),  # NL
)

# Tax ids: EU VAT numbers in their national layouts, usually several countries in
# one column (a supplier register), or one national scheme per column (US EIN,
# AU ABN, IN PAN, CH UID, UK UTR).
vat_layouts: tuple[Callable[[random.Random], str], ...] = (
    lambda r: "DE" + digits(r, 9),
    lambda r: "FR" + r.choice(alnum) + r.choice(alnum) + digits(r, 9),
    lambda r: "IT" + digits(r, 11),
    lambda r: "NL" + digits(r, 9) + "B" + digits(r, 2),
    lambda r: "ES" + r.choice(up) + digits(r, 7) + r.choice(up),
    lambda r: "BE0" + digits(r, 9),
    lambda r: "PL" + digits(r, 10),
    lambda r: "PT" + digits(r, 9),
    lambda r: "IE" + digits(r, 7) + r.choice(up),
    lambda r: "LU" + digits(r, 8),
    lambda r: "CZ" + digits(r, r.choice((8, 9, 10))),
    lambda r: "EL" + digits(r, 9),
    lambda r: "HR" + digits(r, 11),
    lambda r: "SK" + digits(r, 10),
    lambda r: "SI" + digits(r, 8),
)
national_tax: tuple[Callable[[random.Random], str], ...] = (
    lambda r: f"{digits(r, 2)}-{digits(r, 7)}",  # US EIN
    lambda r: f"{digits(r, 2)} {digits(r, 3)} {digits(r, 3)} {digits(r, 3)}",  # ABN
    lambda r: "".join(r.choice(up) for _ in range(5)) + digits(r, 4) + r.choice(up),
    lambda r: f"CHE-{digits(r, 3)}.{digits(r, 3)}.{digits(r, 3)}",  # CH UID
    lambda r: digits(r, 10),  # UK UTR
)


def tax_id(r: random.Random) -> Gen:
    k = r.random()
    if k < 0.6:
        return lambda _, r: r.choice(vat_layouts)(r)
    layout = r.choice(vat_layouts if k < 0.8 else national_tax)
    return lambda _, r: layout(r)


def passport(r: random.Random) -> Gen:
    layout = r.choice(passport_layouts)
    return lambda _, r: layout(r)
