"""Synthetic column generators for the trainer: Faker and hand-written values per type.

``column_generators`` maps each sensitive type to a value generator and its informative
column names; ``negative_generators`` lists the non-sensitive columns taught as NONE.
Per-column layouts come from :mod:`racine.domain.classification.layouts`.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from racine.domain.classification.layouts import (
    Gen,
    PerColumn,
    bank_account,
    digits,
    licence,
    mrn,
    passport,
    postcode,
    tax_id,
)

__all__ = ["column_generators", "negative_generators"]


# Fixed "today" so that relative dates do not change the training set from day to day.
_EPOCH = date(2025, 1, 1)


def _moment(rng: random.Random) -> datetime:
    return datetime(2018, 1, 1) + timedelta(seconds=rng.randint(0, 7 * 365 * 86400))


def _valid(make: Callable[[random.Random], str], check: Callable[[str], bool]) -> Gen:
    def gen(_: Any, rng: random.Random) -> str:
        for _i in range(200):
            candidate = make(rng)
            if check(candidate):
                return candidate
        return candidate

    return gen


def column_generators() -> dict[str, tuple[Gen | PerColumn, tuple[str, ...]]]:
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
        d = digits(r, 6)
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
    # unsalted hex digests included; hex digests of files are NONE (see negative_generators).
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
        code = r.choice("ABCDEFGHIJKLMNOPQRSTVWXYZ") + digits(r, 2)
        return code + ("." + digits(r, r.randint(1, 2)) if r.random() < 0.6 else "")

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
            PerColumn(postcode),
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
        # keys (`id`, `customer_id` holding 1..50) are taught as NONE (see negative_generators):
        # children's ages alone made the model take them for ages.
        "AGE": (PerColumn(age), ("age", "customer_age", "age_years")),
        "GENDER": (gender, ("gender", "sex", "geschlecht", "genre")),
        "US_SSN": (ssn, ("ssn", "social_security_number", "ss_number")),
        "UK_NINO": (nino, ("nino", "national_insurance_number", "ni_number")),
        "DE_TAX_ID": (
            _valid(lambda r: str(r.randint(1, 9)) + digits(r, 10), idnr.is_valid),
            ("steuer_id", "tax_id", "idnr", "steueridentifikationsnummer"),
        ),
        "FR_NIR": (
            _valid(lambda r: r.choice("12") + digits(r, 14), nir.is_valid),
            ("nir", "numero_secu", "insee"),
        ),
        "ES_DNI": (
            _valid(lambda r: digits(r, 8) + r.choice("TRWAGMYFPDXBNJZSQVHLCKE"), dni.is_valid),
            ("dni", "nif", "documento"),
        ),
        "ES_NIE": (
            _valid(
                lambda r: r.choice("XYZ") + digits(r, 7) + r.choice("TRWAGMYFPDXBNJZSQVHLCKE"),
                nie.is_valid,
            ),
            ("nie", "numero_extranjero"),
        ),
        "IT_CODICE_FISCALE": (
            lambda f, r: f["it_IT"].ssn() if hasattr(f, "__getitem__") else f.ssn(),
            ("codice_fiscale", "cf", "fiscal_code"),
        ),
        "NL_BSN": (_valid(lambda r: digits(r, 9), bsn.is_valid), ("bsn", "burgerservicenummer")),
        "PL_PESEL": (_valid(lambda r: digits(r, 11), pesel.is_valid), ("pesel",)),
        "BR_CPF": (_valid(lambda r: digits(r, 11), cpf.is_valid), ("cpf",)),
        "BR_CNPJ": (_valid(lambda r: digits(r, 14), cnpj.is_valid), ("cnpj",)),
        "PASSPORT_NUMBER": (PerColumn(passport), ("passport_number", "passport", "passport_no")),
        "DRIVER_LICENSE": (
            PerColumn(licence),
            ("driver_license", "drivers_license_number", "dl_number"),
        ),
        "TAX_ID": (PerColumn(tax_id), ("vat_number", "tax_number", "vat_id", "tin")),
        "CREDIT_CARD": (card, ("credit_card", "card_number", "cc_number", "pan")),
        "CARD_CVV": (
            lambda f, r: digits(r, 3 if r.random() < 0.8 else 4),
            ("cvv", "cvc", "card_security_code"),
        ),
        "IBAN": (iban_gen, ("iban", "bank_iban", "account_iban")),
        "SWIFT_BIC": (lambda f, r: f.swift(), ("swift", "bic", "swift_code", "bank_bic")),
        "BANK_ACCOUNT": (PerColumn(bank_account), ("account_number", "bank_account", "acct_no")),
        "US_ROUTING_NUMBER": (
            _valid(lambda r: digits(r, 9), rtn.is_valid),
            ("routing_number", "aba"),
        ),
        "SALARY": (salary, ("salary", "annual_salary", "wage", "gross_pay")),
        "IP_ADDRESS": (
            lambda f, r: f.ipv4() if r.random() < 0.7 else f.ipv6(),
            ("ip_address", "ip", "client_ip", "remote_addr"),
        ),
        "MAC_ADDRESS": (mac, ("mac_address", "mac", "hw_addr")),
        "IMEI": (_valid(lambda r: digits(r, 15), imei.is_valid), ("imei", "device_imei")),
        "URL": (
            lambda f, r: f.url() + (f.uri_path() if r.random() < 0.5 else ""),
            ("url", "website", "homepage", "link"),
        ),
        "USERNAME": (lambda f, r: f.user_name(), ("username", "login", "user_name", "handle")),
        "PASSWORD_HASH": (PerColumn(pwhash), ("password_hash", "password", "pwd_hash", "passwd")),
        "API_KEY": (apikey, ("api_key", "secret", "access_token", "client_secret")),
        "GEO_COORDINATES": (geo, ("coordinates", "lat_lon", "location", "geo")),
        "VIN": (vin, ("vin", "vehicle_id", "chassis_number")),
        "ICD10_CODE": (icd, ("icd10", "diagnosis_code", "icd_code", "dx_code")),
        "MEDICAL_RECORD_NUMBER": (
            PerColumn(mrn),
            ("mrn", "medical_record_number", "patient_record"),
        ),
        "BLOOD_TYPE": (blood, ("blood_type", "blood_group")),
        "MEDICAL_CONDITION": (
            lambda f, r: r.choice(conds),
            ("diagnosis", "condition", "medical_condition"),
        ),
    }


def negative_generators() -> list[tuple[Gen | PerColumn, tuple[str, ...]]]:
    from stdnum import luhn

    def luhn_number(_: Any, r: random.Random) -> str:
        body = digits(r, 15)
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
            PerColumn(surrogate_keys),
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
            PerColumn(digest),
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
