"""Train the shipped model on synthetic columns: ``python -m racine.domain.classification.train``.

Deterministic (fixed seeds for Faker, ``random`` and scikit-learn; a fixed
"today" for relative dates), 50-70 s on one core. Columns come from Faker in
39 locales; column names are drawn from three regimes - informative synonyms,
opaque (``col_17``) and misleading (another type's name) - so the model learns
to trust values when names lie. Identifier types draw their layout once per column
(``_PerColumn``), as one issuing system fills a real column. Also writes the country dictionary
``countries.json``. Faker is a test/dev dependency only: both artifacts ship.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import string
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from racine.domain.classification.features import featurize
from racine.domain.classification.lexicon import LEXICON_PATH
from racine.domain.classification.lexicon import reload as reload_lexicon
from racine.domain.classification.matching import probe
from racine.domain.classification.model import MODEL_PATH, NONE_CLASS, Model
from racine.domain.classification.rules import normalize_name
from racine.domain.classification.sample import prepare

__all__ = ["LOCALES", "main", "train"]

LOCALES = (
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pl_PL",
    "pt_BR",
    "sk_SK",
    "hr_HR",
    "sl_SI",
    "lt_LT",
    "lv_LV",
    "et_EE",
    "tr_TR",
    "id_ID",
    "en_IN",
    "es_AR",
    "es_CL",
    "fr_BE",
    "de_LI",
    "en_PH",
    # Added in session 3 for names and places beyond Western Europe (none of them
    # is one of the benchmark's locales): Nordic, Alpine, Balkan, Baltic-adjacent,
    # Cyrillic and Greek script, South-East Asian and African English.
    "is_IS",
    "de_LU",
    "it_CH",
    "el_GR",
    "ru_RU",
    "uk_UA",
    "bg_BG",
    "az_AZ",
    "sq_AL",
    "bs_BA",
    "fil_PH",
    "vi_VN",
    "zu_ZA",
    "en_NG",
    "en_KE",
    "mt_MT",
)

Gen = Callable[[Any, random.Random], str]


# Fixed "today" so that relative dates do not change the training set from day to day.
_EPOCH = date(2025, 1, 1)


def _moment(rng: random.Random) -> datetime:
    return datetime(2018, 1, 1) + timedelta(seconds=rng.randint(0, 7 * 365 * 86400))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _valid(make: Callable[[random.Random], str], check: Callable[[str], bool]) -> Gen:
    def gen(_: Any, rng: random.Random) -> str:
        for _i in range(200):
            candidate = make(rng)
            if check(candidate):
                return candidate
        return candidate

    return gen


class _PerColumn:
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


def _generators() -> dict[str, tuple[Gen | _PerColumn, tuple[str, ...]]]:
    from stdnum import imei
    from stdnum.br import cnpj, cpf
    from stdnum.de import idnr
    from stdnum.es import dni, nie
    from stdnum.fr import nir
    from stdnum.nl import bsn
    from stdnum.pl import pesel
    from stdnum.us import rtn

    def card(f: Any, r: random.Random) -> str:
        number = str(f.credit_card_number())
        return (
            number
            if r.random() < 0.8
            else " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        )

    def ssn(f: Any, r: random.Random) -> str:
        a, b, c = r.randint(1, 665), r.randint(1, 99), r.randint(1, 9999)
        return f"{a:03d}-{b:02d}-{c:04d}"

    def nino(_: Any, r: random.Random) -> str:
        p = r.choice("ACEHJLMOPRSWXY") + r.choice("ABCEHJKLMNPRSTWXYZ")
        d = _digits(r, 6)
        return (
            f"{p}{d}{r.choice('ABCD')}"
            if r.random() < 0.5
            else f"{p} {d[:2]} {d[2:4]} {d[4:]} {r.choice('ABCD')}"
        )

    def mac(_: Any, r: random.Random) -> str:
        sep = r.choice(":-")
        return sep.join(f"{r.randint(0, 255):02x}" for _ in range(6))

    def geo(f: Any, r: random.Random) -> str:
        lat, lon = f.latitude(), f.longitude()
        return f"{lat}, {lon}" if r.random() < 0.7 else f"({float(lat):.6f},{float(lon):.6f})"

    def age(r: random.Random) -> Gen:
        low = 18 if r.random() < 0.6 else 0
        return lambda _, r: str(min(r.randint(low, 100), r.randint(low, 100)))

    # Password hashes: one scheme per column (an application uses one), legacy
    # unsalted hex digests included; hex digests of files are NONE (see negatives).
    def pwhash(r: random.Random) -> Gen:
        k = r.random()
        b64 = string.ascii_letters + string.digits + "./"
        if k < 0.35:
            cost = r.choice(("10", "12", "11"))
            return lambda f, r: f"$2b${cost}$" + "".join(r.choice(b64) for _ in range(53))
        if k < 0.55:
            return lambda f, r: "pbkdf2_sha256$260000$" + f.pystr(12, 12) + "$" + f.pystr(40, 44)
        if k < 0.75:
            return lambda f, r: (
                "$5$"
                + "".join(r.choice(b64) for _ in range(16))
                + "$"
                + "".join(r.choice(b64) for _ in range(43))
            )
        return lambda f, r: f.sha256() if k < 0.9 else f.md5()

    def apikey(f: Any, r: random.Random) -> str:
        k = r.random()
        alnum = string.ascii_letters + string.digits
        if k < 0.3:
            return "sk_live_" + "".join(r.choice(alnum) for _ in range(24))
        if k < 0.5:
            return "AKIA" + "".join(
                r.choice(string.ascii_uppercase + string.digits) for _ in range(16)
            )
        if k < 0.7:
            return "ghp_" + "".join(r.choice(alnum) for _ in range(36))
        return "".join(r.choice(alnum) for _ in range(r.choice((32, 40, 48))))

    def vin(_: Any, r: random.Random) -> str:
        from racine.domain.classification.validators import VALIDATORS

        chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        while True:
            body = "".join(r.choice(chars) for _ in range(17))
            for check in "0123456789X":
                v = body[:8] + check + body[9:]
                if VALIDATORS["VIN"](v):
                    return v

    def icd(_: Any, r: random.Random) -> str:
        code = r.choice("ABCDEFGHIJKLMNOPQRSTVWXYZ") + _digits(r, 2)
        return code + ("." + _digits(r, r.randint(1, 2)) if r.random() < 0.6 else "")

    def dob(f: Any, r: random.Random) -> str:
        d = f.date_between(
            start_date=_EPOCH - timedelta(days=90 * 365), end_date=_EPOCH - timedelta(days=18 * 365)
        )
        return d.isoformat() if r.random() < 0.6 else d.strftime(r.choice(("%d/%m/%Y", "%d.%m.%Y")))

    def iban_gen(f: Any, r: random.Random) -> str:
        v = str(f.iban())
        return v if r.random() < 0.6 else " ".join(v[i : i + 4] for i in range(0, len(v), 4))

    def blood(_: Any, r: random.Random) -> str:
        return r.choice(("A", "B", "AB", "O")) + r.choice(("+", "-"))

    def gender(_: Any, r: random.Random) -> str:
        return r.choice(
            (
                ("M", "F"),
                ("Male", "Female"),
                ("male", "female", "other"),
                ("m", "f", "x"),
                ("F", "M", "X"),
            )
        )[r.randint(0, 1)]

    def salary(_: Any, r: random.Random) -> str:
        amount = r.randint(18, 250) * 1000 + r.choice((0, 0, r.randint(0, 999)))
        style = r.random()
        if style < 0.3:
            return str(amount)
        if style < 0.6:
            return f"{amount:,}.00"
        if style < 0.8:
            return f"{amount:,}".replace(",", ".") + ",00"
        return f"{amount / 12:.2f}"

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
        return lambda _, r: sep.join(_digits(r, g) for g in groups)

    # Driving licences: the national/state layouts (US states, UK, DE, FR, IT, AU, IN),
    # one per column. The leading letter, where there is one, differs from holder to
    # holder (an initial, a district), unlike an issuer's constant prefix.
    up, alnum = string.ascii_uppercase, string.ascii_uppercase + string.digits

    def letter(r: random.Random) -> str:
        return r.choice(up)

    licence_layouts: tuple[Callable[[random.Random], str], ...] = (
        lambda r: letter(r) + _digits(r, 7),  # CA
        lambda r: letter(r) + _digits(r, 12),  # FL, MD, MN
        lambda r: (
            f"{letter(r)}{_digits(r, 3)}-{_digits(r, 3)}-{_digits(r, 2)}-"
            f"{_digits(r, 3)}-{_digits(r, 1)}"
        ),  # FL printed
        lambda r: letter(r) + _digits(r, 11),  # IL, WI
        lambda r: f"{letter(r)}{_digits(r, 3)} {_digits(r, 4)} {_digits(r, 4)}",
        lambda r: _digits(r, 9),  # NY
        lambda r: f"{_digits(r, 3)} {_digits(r, 3)} {_digits(r, 3)}",  # NY printed
        lambda r: _digits(r, 8),  # TX, PA
        lambda r: f"{_digits(r, 2)} {_digits(r, 3)} {_digits(r, 3)}",  # PA printed
        lambda r: letter(r) + letter(r) + _digits(r, 6),  # AU states
        lambda r: (
            "".join(r.choice(up) for _ in range(5))
            + _digits(r, 6)
            + "".join(r.choice(alnum) for _ in range(5))
        ),  # UK
        lambda r: "".join(r.choice(alnum) for _ in range(11)),  # DE
        lambda r: _digits(r, 12),  # FR
        lambda r: f"{r.choice(up)}{r.choice(up)}{_digits(r, 7)}{r.choice(up)}",  # IT
        lambda r: f"{letter(r)}{letter(r)}{_digits(r, 2)} {_digits(r, 11)}",  # IN
        lambda r: f"{letter(r)}{_digits(r, 2)}-{_digits(r, 3)}-{_digits(r, 3)}",
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
        return lambda _, r: sep.join(_digits(r, g) for g in layout)

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
            return lambda _, r: f"{prefix}{dash}{_digits(r, width)}"
        if style < 0.7:
            top = 10 ** r.randint(5, width - 1)
            return lambda _, r: str(r.randint(1, top)).zfill(width)
        if style < 0.85:
            site = _digits(r, 2)
            return lambda _, r: f"{site}-{_digits(r, width - 2)}"
        return lambda _, r: f"{_digits(r, 2)}-{_digits(r, 6)}"

    # Passports: national layouts, one per column; letters vary between holders.
    passport_layouts: tuple[Callable[[random.Random], str], ...] = (
        lambda r: letter(r) + _digits(r, 8),  # US next generation
        lambda r: _digits(r, 9),  # US, UK
        lambda r: letter(r) + _digits(r, 7),  # IN, AU, IE
        lambda r: letter(r) + letter(r) + _digits(r, 7),  # IT, AU, CA
        lambda r: letter(r) + letter(r) + _digits(r, 6),  # CA, NL-ish
        lambda r: f"{_digits(r, 2)}{letter(r)}{letter(r)}{_digits(r, 5)}",  # FR
        lambda r: (
            r.choice("CFGHJK") + "".join(r.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8))
        ),  # DE
        lambda r: letter(r) + letter(r) + letter(r) + _digits(r, 6),  # ES
        lambda r: (
            letter(r) + letter(r) + "".join(r.choice(alnum) for _ in range(6)) + _digits(r, 1)
        ),  # NL
    )

    # Tax ids: EU VAT numbers in their national layouts, usually several countries in
    # one column (a supplier register), or one national scheme per column (US EIN,
    # AU ABN, IN PAN, CH UID, UK UTR).
    vat_layouts: tuple[Callable[[random.Random], str], ...] = (
        lambda r: "DE" + _digits(r, 9),
        lambda r: "FR" + r.choice(alnum) + r.choice(alnum) + _digits(r, 9),
        lambda r: "IT" + _digits(r, 11),
        lambda r: "NL" + _digits(r, 9) + "B" + _digits(r, 2),
        lambda r: "ES" + r.choice(up) + _digits(r, 7) + r.choice(up),
        lambda r: "BE0" + _digits(r, 9),
        lambda r: "PL" + _digits(r, 10),
        lambda r: "PT" + _digits(r, 9),
        lambda r: "IE" + _digits(r, 7) + r.choice(up),
        lambda r: "LU" + _digits(r, 8),
        lambda r: "CZ" + _digits(r, r.choice((8, 9, 10))),
        lambda r: "EL" + _digits(r, 9),
        lambda r: "HR" + _digits(r, 11),
        lambda r: "SK" + _digits(r, 10),
        lambda r: "SI" + _digits(r, 8),
    )
    national_tax: tuple[Callable[[random.Random], str], ...] = (
        lambda r: f"{_digits(r, 2)}-{_digits(r, 7)}",  # US EIN
        lambda r: f"{_digits(r, 2)} {_digits(r, 3)} {_digits(r, 3)} {_digits(r, 3)}",  # ABN
        lambda r: "".join(r.choice(up) for _ in range(5)) + _digits(r, 4) + r.choice(up),
        lambda r: f"CHE-{_digits(r, 3)}.{_digits(r, 3)}.{_digits(r, 3)}",  # CH UID
        lambda r: _digits(r, 10),  # UK UTR
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

    conds = (
        "Diabetes mellitus type 2",
        "Hypertension",
        "Asthma",
        "Migraine",
        "Depression",
        "Chronic kidney disease",
        "Hypothyroidism",
        "Osteoarthritis",
        "COPD",
        "Atrial fibrillation",
        "Anxiety disorder",
        "Coeliac disease",
        "Epilepsy",
        "Psoriasis",
        "Rheumatoid arthritis",
        "Anemia",
        "Obesity",
        "Gout",
        "Glaucoma",
    )
    nats = (
        "German",
        "French",
        "Spanish",
        "Italian",
        "Dutch",
        "Polish",
        "Brazilian",
        "British",
        "American",
        "Canadian",
        "Mexican",
        "Swedish",
        "Irish",
        "Portuguese",
    )
    return {
        "EMAIL": (
            lambda f, r: f.email(),
            ("email", "email_address", "contact_email", "mail", "userEmail", "e_mail", "courriel"),
        ),
        "PHONE": (
            lambda f, r: f.phone_number(),
            ("phone", "phone_number", "mobile", "tel", "telephone", "contact_phone", "cell"),
        ),
        "PERSON_NAME": (
            lambda f, r: f.name(),
            ("name", "full_name", "customer_name", "contact_name", "person", "cardholder"),
        ),
        "FIRST_NAME": (
            lambda f, r: f.first_name(),
            ("first_name", "firstname", "given_name", "fname", "vorname", "prenom"),
        ),
        "LAST_NAME": (
            lambda f, r: f.last_name(),
            ("last_name", "surname", "family_name", "lname", "nachname", "apellido"),
        ),
        "STREET_ADDRESS": (
            lambda f, r: f.street_address(),
            ("address", "street_address", "addr_line1", "street", "adresse"),
        ),
        "CITY": (lambda f, r: f.city(), ("city", "town", "billing_city", "ville", "stadt")),
        "POSTAL_CODE": (
            _PerColumn(postcode),
            ("postal_code", "zip", "zipcode", "plz", "postcode", "code_postal"),
        ),
        "COUNTRY": (
            lambda f, r: (
                f.country()
                if r.random() < 0.6
                else f.country_code(representation=r.choice(("alpha-2", "alpha-3")))
            ),
            ("country", "country_code", "pays", "land", "country_name"),
        ),
        "NATIONALITY": (lambda f, r: r.choice(nats), ("nationality", "citizenship")),
        "DATE_OF_BIRTH": (dob, ("date_of_birth", "dob", "birth_date", "birthday", "geburtsdatum")),
        # Customers are adults; patients and residents are of every age. Small surrogate
        # keys (`id`, `customer_id` holding 1..50) are taught as NONE (see negatives):
        # children's ages alone made the model take them for ages.
        "AGE": (_PerColumn(age), ("age", "customer_age", "age_years")),
        "GENDER": (gender, ("gender", "sex", "geschlecht", "genre")),
        "US_SSN": (ssn, ("ssn", "social_security_number", "ss_number")),
        "UK_NINO": (nino, ("nino", "national_insurance_number", "ni_number")),
        "DE_TAX_ID": (
            _valid(lambda r: str(r.randint(1, 9)) + _digits(r, 10), idnr.is_valid),
            ("steuer_id", "tax_id", "idnr", "steueridentifikationsnummer"),
        ),
        "FR_NIR": (
            _valid(lambda r: r.choice("12") + _digits(r, 14), nir.is_valid),
            ("nir", "numero_secu", "insee"),
        ),
        "ES_DNI": (
            _valid(lambda r: _digits(r, 8) + r.choice("TRWAGMYFPDXBNJZSQVHLCKE"), dni.is_valid),
            ("dni", "nif", "documento"),
        ),
        "ES_NIE": (
            _valid(
                lambda r: r.choice("XYZ") + _digits(r, 7) + r.choice("TRWAGMYFPDXBNJZSQVHLCKE"),
                nie.is_valid,
            ),
            ("nie", "numero_extranjero"),
        ),
        "IT_CODICE_FISCALE": (
            lambda f, r: f["it_IT"].ssn() if hasattr(f, "__getitem__") else f.ssn(),
            ("codice_fiscale", "cf", "fiscal_code"),
        ),
        "NL_BSN": (_valid(lambda r: _digits(r, 9), bsn.is_valid), ("bsn", "burgerservicenummer")),
        "PL_PESEL": (_valid(lambda r: _digits(r, 11), pesel.is_valid), ("pesel",)),
        "BR_CPF": (_valid(lambda r: _digits(r, 11), cpf.is_valid), ("cpf",)),
        "BR_CNPJ": (_valid(lambda r: _digits(r, 14), cnpj.is_valid), ("cnpj",)),
        "PASSPORT_NUMBER": (_PerColumn(passport), ("passport_number", "passport", "passport_no")),
        "DRIVER_LICENSE": (
            _PerColumn(licence),
            ("driver_license", "drivers_license_number", "dl_number"),
        ),
        "TAX_ID": (_PerColumn(tax_id), ("vat_number", "tax_number", "vat_id", "tin")),
        "CREDIT_CARD": (card, ("credit_card", "card_number", "cc_number", "pan")),
        "CARD_CVV": (
            lambda f, r: _digits(r, 3 if r.random() < 0.8 else 4),
            ("cvv", "cvc", "card_security_code"),
        ),
        "IBAN": (iban_gen, ("iban", "bank_iban", "account_iban")),
        "SWIFT_BIC": (lambda f, r: f.swift(), ("swift", "bic", "swift_code", "bank_bic")),
        "BANK_ACCOUNT": (_PerColumn(bank_account), ("account_number", "bank_account", "acct_no")),
        "US_ROUTING_NUMBER": (
            _valid(lambda r: _digits(r, 9), rtn.is_valid),
            ("routing_number", "aba"),
        ),
        "SALARY": (salary, ("salary", "annual_salary", "wage", "gross_pay")),
        "IP_ADDRESS": (
            lambda f, r: f.ipv4() if r.random() < 0.7 else f.ipv6(),
            ("ip_address", "ip", "client_ip", "remote_addr"),
        ),
        "MAC_ADDRESS": (mac, ("mac_address", "mac", "hw_addr")),
        "IMEI": (_valid(lambda r: _digits(r, 15), imei.is_valid), ("imei", "device_imei")),
        "URL": (
            lambda f, r: f.url() + (f.uri_path() if r.random() < 0.5 else ""),
            ("url", "website", "homepage", "link"),
        ),
        "USERNAME": (lambda f, r: f.user_name(), ("username", "login", "user_name", "handle")),
        "PASSWORD_HASH": (_PerColumn(pwhash), ("password_hash", "password", "pwd_hash", "passwd")),
        "API_KEY": (apikey, ("api_key", "secret", "access_token", "client_secret")),
        "GEO_COORDINATES": (geo, ("coordinates", "lat_lon", "location", "geo")),
        "VIN": (vin, ("vin", "vehicle_id", "chassis_number")),
        "ICD10_CODE": (icd, ("icd10", "diagnosis_code", "icd_code", "dx_code")),
        "MEDICAL_RECORD_NUMBER": (
            _PerColumn(mrn),
            ("mrn", "medical_record_number", "patient_record"),
        ),
        "BLOOD_TYPE": (blood, ("blood_type", "blood_group")),
        "MEDICAL_CONDITION": (
            lambda f, r: r.choice(conds),
            ("diagnosis", "condition", "medical_condition"),
        ),
    }


def _negatives() -> list[tuple[Gen | _PerColumn, tuple[str, ...]]]:
    from stdnum import luhn

    def luhn_number(_: Any, r: random.Random) -> str:
        body = _digits(r, 15)
        return body + luhn.calc_check_digit(body)

    def bad_iban(f: Any, r: random.Random) -> str:
        v = str(f.iban())
        return v[:2] + f"{(int(v[2:4]) + 1) % 100:02d}" + v[4:]

    def surrogate_keys(r: random.Random) -> Gen:
        # Keys of a small table: a run 1..n, or foreign keys repeating 1..k.
        if r.random() < 0.5:
            counter = iter(range(1 if r.random() < 0.5 else r.randint(2, 5000), 10**9))
            return lambda _, r: str(next(counter))
        top = r.randint(10, 400)
        return lambda _, r: str(r.randint(1, top))

    def digest(r: random.Random) -> Gen:
        kind = r.choice(("md5", "sha1", "sha256", "sha1"))
        return lambda f, r: str(getattr(f, kind)())

    return [
        (lambda f, r: f.uuid4(), ("id", "uuid", "request_id", "guid")),
        (
            _PerColumn(surrogate_keys),
            (
                "id",
                "customer_id",
                "ticket_id",
                "parent_id",
                "seq",
                "line_no",
                "user_id",
                "store_id",
            ),
        ),
        (
            _PerColumn(digest),
            ("checksum", "etag", "content_hash", "md5", "sha256", "digest", "file_hash"),
        ),
        (lambda f, r: _moment(r).isoformat(sep=" "), ("created_at", "updated_at", "ts")),
        (lambda f, r: _moment(r).date().isoformat(), ("order_date", "ship_date", "day")),
        (lambda f, r: str(r.randint(0, 10000)), ("quantity", "count", "views", "stock")),
        (lambda f, r: f"{r.uniform(0, 5000):.2f}", ("amount", "price", "total", "balance")),
        (lambda f, r: r.choice(("0", "1")), ("email_verified", "is_active", "flag")),
        (lambda f, r: r.choice(("true", "false")), ("enabled", "has_phone", "opt_in")),
        (
            lambda f, r: r.choice(("active", "inactive", "pending", "closed", "new")),
            ("status", "state"),
        ),
        (lambda f, r: f.bothify("???-####-??").upper(), ("sku", "product_code", "item_code")),
        (luhn_number, ("order_number", "invoice_number", "tracking_number")),
        (bad_iban, ("reference", "iban_check", "ref")),
        (lambda f, r: str(r.randint(1990, 2030)), ("year_code", "fiscal_code", "period_code")),
        (lambda f, r: f.sentence(nb_words=r.randint(5, 14)), ("description", "comment", "notes")),
        (lambda f, r: f.catch_phrase(), ("product_name", "title", "slogan")),
        (lambda f, r: f.hex_color(), ("color", "colour")),
        (lambda f, r: f.currency_code(), ("currency",)),
        (lambda f, r: f.file_path(), ("path", "file")),
        (
            lambda f, r: f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
            ("version", "app_version"),
        ),
        (lambda f, r: str(r.randint(100000, 999999)), ("order_id", "customer_id", "row_id")),
        (lambda f, r: f.company(), ("company", "vendor", "supplier")),
        (lambda f, r: f.word(), ("category", "tag", "keyword")),
        (lambda f, r: f.sha1()[:12], ("commit", "short_hash")),
        (lambda f, r: f"{r.uniform(0, 100):.1f}", ("score", "percent", "rating")),
        (lambda f, r: f.job(), ("job_title", "role")),
        (lambda f, r: f"{r.uniform(1, 3000):,.2f}", ("unit_price", "cost", "fee")),
        (lambda f, r: str(r.randint(0, 60)), ("retries", "days_open", "items")),
        (lambda f, r: f.bothify("??-#####").upper(), ("part_no", "batch")),
        (lambda f, r: _moment(r).isoformat() + "Z", ("event_time", "logged_at")),
        (lambda f, r: f.word().title(), ("label", "segment", "brand")),
    ]


def _opaque(rng: random.Random) -> str:
    return rng.choice(
        (
            "col_{}",
            "c{}",
            "field_{}",
            "attr{}",
            "v{}",
            "x{}",
            "column{}",
            "f{}",
            "data_{}",
            "val_{}",
        )
    ).format(rng.randint(0, 99))


def _columns(
    seed: int, per_type: int, only: frozenset[str] | None = None
) -> tuple[list[str], list[list[str]], list[str]]:
    from faker import Faker

    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in LOCALES}
    for offset, fake in enumerate(fakers.values()):
        fake.seed_instance(seed * 1000 + offset)
    it_faker = fakers["it_IT"]
    positives = _generators()
    negatives = _negatives()
    all_names = [n for _, names in positives.values() for n in names]
    names: list[str] = []
    columns: list[list[str]] = []
    labels: list[str] = []

    def emit(
        label: str, source: Gen | _PerColumn, informative: tuple[str, ...], regime: float
    ) -> None:
        gen = source.column(rng) if isinstance(source, _PerColumn) else source
        loc = rng.choice(LOCALES)
        fake = it_faker if label == "IT_CODICE_FISCALE" else fakers[loc]
        size = rng.choice((16, 32, 64, 128))
        values: list[str] = []
        for _ in range(size):
            try:
                values.append(str(gen(fake, rng)))
            except AttributeError:
                values.append(str(gen(fakers["en_US"], rng)))
        if rng.random() < 0.2:
            values = [v if rng.random() > 0.1 else "" for v in values]
        if regime < 0.55:
            name = rng.choice(informative)
            if rng.random() < 0.3:
                name = rng.choice(("customer_", "user_", "billing_", "src_", "")) + name
        elif regime < 0.8:
            name = _opaque(rng)
        else:
            name = rng.choice(all_names)
        names.append(name)
        columns.append(values)
        labels.append(label)

    for key, (gen, informative) in positives.items():
        if only is not None and key not in only:
            continue
        for _ in range(per_type):
            emit(key, gen, informative, rng.random())
    for gen, informative in negatives[: None if only is None else 3]:
        for _ in range(per_type):
            emit(NONE_CLASS, gen, informative, rng.random() * 0.75)
    return names, columns, labels


def train(
    seed: int = 7,
    per_type: int = 40,
    *,
    only: frozenset[str] | None = None,
    max_iter: int = 500,
) -> tuple[Model, float]:
    """Fit the model; returns it and the held-out accuracy on a 20 % split.

    ``only`` restricts the positive types (tests use it to stay fast).
    """
    from sklearn.linear_model import LogisticRegression

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        names, columns, labels = _columns(seed, per_type, only)
    samples = [prepare(values, 1000, 256) for values in columns]
    rates = [probe(s) for s in samples]
    x = featurize([normalize_name(n) for n in names], samples, rates)
    y = np.array(labels)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(len(y) * 0.8)
    train_idx, test_idx = order[:cut], order[cut:]
    clf = LogisticRegression(C=8.0, max_iter=max_iter, random_state=seed)
    clf.fit(x[train_idx], y[train_idx])
    accuracy = float((clf.predict(x[test_idx]) == y[test_idx]).mean())
    clf.fit(x, y)
    classes = [str(c) for c in clf.classes_]
    return Model(
        clf.coef_.T.astype(np.float32), clf.intercept_.astype(np.float32), classes
    ), accuracy


def build_lexicon() -> None:
    """Collect country names from every Faker locale into ``countries.json``."""
    import importlib
    import json

    from faker.config import AVAILABLE_LOCALES
    from faker.providers.address import Provider

    names: set[str] = set()
    for loc in AVAILABLE_LOCALES:
        try:
            module = importlib.import_module(f"faker.providers.address.{loc}")
        except ImportError:
            continue
        names.update(
            n.strip()
            for n in getattr(module.Provider, "countries", ()) or ()
            if 2 < len(n.strip()) <= 60
        )
    data = {
        "names": sorted(names),
        "alpha2": sorted(Provider.alpha_2_country_codes),
        "alpha3": sorted(Provider.alpha_3_country_codes),
    }
    LEXICON_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    reload_lexicon()


def main() -> None:
    # Some Faker locales keep their word lists in sets, whose order follows the
    # per-process string hash seed: pin it so two runs give the same artifact.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(
            sys.executable,
            [sys.executable, "-m", "racine.domain.classification.train", *sys.argv[1:]],
        )
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-type", type=int, default=40)
    args = parser.parse_args()
    started = time.perf_counter()
    build_lexicon()
    model, accuracy = train(args.seed, args.per_type)
    model.save(MODEL_PATH)
    print(
        f"trained {len(model.classes)} classes in {time.perf_counter() - started:.1f}s; "
        f"held-out column accuracy {accuracy:.3f}; wrote {MODEL_PATH} "
        f"({MODEL_PATH.stat().st_size / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
