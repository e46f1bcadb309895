"""Labelled benchmark columns, generated independently of the training data.

Different generator code, seed and formats from ``racine.domain.classification.train``:
identifiers are built here from their check-digit definitions with separators
the trainer never emits, phones/cards/IBANs use hand-written national formats,
and person/place values come from Faker locales the trainer never saw.
Each positive column appears under three name regimes: informative (synonyms,
mostly not in the trainer's lists), opaque (``col_17``) and misleading (a name
belonging to another type or to a harmless field).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from stdnum import luhn
from stdnum.br import cnpj
from stdnum.de import idnr
from stdnum.es import dni
from stdnum.fr import nir
from stdnum.iso7064 import mod_11_10
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import rtn

__all__ = ["BENCH_LOCALES", "Column", "build"]

BENCH_LOCALES = (
    "en_AU",
    "en_CA",
    "en_IE",
    "en_NZ",
    "de_AT",
    "de_CH",
    "fr_CA",
    "fr_CH",
    "es_MX",
    "es_CO",
    "pt_PT",
    "nl_BE",
    "sv_SE",
    "da_DK",
    "no_NO",
    "fi_FI",
    "cs_CZ",
    "ro_RO",
    "hu_HU",
)
NONE = "NONE"


@dataclass(frozen=True)
class Column:
    name: str
    values: list[str]
    label: str  # a type key or NONE
    regime: str  # informative | opaque | misleading | hard_negative | sparse


R = random.Random
Gen = Callable[[object, R], str]


def _d(r: R, n: int) -> str:
    return "".join(r.choice(string.digits) for _ in range(n))


def _luhn_complete(prefix: str, length: int, r: R) -> str:
    body = prefix + _d(r, length - len(prefix) - 1)
    return body + luhn.calc_check_digit(body)


def _card(_: object, r: R) -> str:
    prefix, length = r.choice(
        (
            ("4", 16),
            ("51", 16),
            ("55", 16),
            ("2221", 16),
            ("2720", 16),
            ("34", 15),
            ("37", 15),
            ("6011", 16),
            ("65", 16),
            ("3530", 16),
            ("36", 14),
            ("4", 13),
            ("62", 16),
        )
    )
    n = _luhn_complete(prefix, length, r)
    fmt = r.random()
    if fmt < 0.4:
        return n
    if length == 15:
        return f"{n[:4]} {n[4:10]} {n[10:]}"
    sep = " " if fmt < 0.7 else "-"
    return sep.join(n[i : i + 4] for i in range(0, len(n), 4))


def _iban(_: object, r: R) -> str:
    country, length = r.choice(
        (
            ("AT", 20),
            ("CH", 21),
            ("LU", 20),
            ("SE", 24),
            ("DK", 18),
            ("LT", 20),
            ("FI", 18),
            ("PT", 25),
            ("IE", 22),
        )
    )
    if country == "IE":
        bban = "".join(r.choice(string.ascii_uppercase) for _ in range(4)) + _d(r, 14)
    else:
        bban = _d(r, length - 4)
    moved = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in moved)
    check = 98 - int(numeric) % 97
    value = f"{country}{check:02d}{bban}"
    return (
        value if r.random() < 0.5 else " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    )


def _vin(_: object, r: R) -> str:
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    translit = "0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ"
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    body = [r.choice(chars) for _ in range(17)]
    total = sum((translit.index(c) % 10) * w for c, w in zip(body, weights, strict=True))
    body[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(body)


def _cf(_: object, r: R) -> str:
    up = string.ascii_uppercase
    s = (
        "".join(r.choice("BCDFGLMNPRSTVZ") for _ in range(6))
        + _d(r, 2)
        + r.choice("ABCDEHLMPRST")
        + f"{r.choice([r.randint(1, 28), r.randint(41, 68)]):02d}"
        + r.choice(up[:13])
        + _d(r, 3)
    )
    return s + codicefiscale.calc_check_digit(s)


def _with_check(
    prefix_len: int, calc: Callable[[str], str], fmt: Callable[[str], str], first: str = "123456789"
) -> Gen:
    def gen(_: object, r: R) -> str:
        body = r.choice(first) + _d(r, prefix_len - 1)
        return fmt(body + calc(body))

    return gen


def _cpf_digits(body: str) -> str:
    d1 = sum((10 - i) * int(c) for i, c in enumerate(body)) * 10 % 11 % 10
    d2 = sum((11 - i) * int(c) for i, c in enumerate(body + str(d1))) * 10 % 11 % 10
    return f"{d1}{d2}"


def _bsn(_: object, r: R) -> str:
    while True:
        v = _d(r, 9)
        if bsn.is_valid(v) and v[0] != "0":
            return f"{v[:4]}.{v[4:6]}.{v[6:]}" if r.random() < 0.5 else v


def _idnr(_: object, r: R) -> str:
    while True:
        body = r.choice("123456789") + _d(r, 9)
        v = body + mod_11_10.calc_check_digit(body)
        if idnr.is_valid(v):
            return f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:]}" if r.random() < 0.5 else v


def _nie(_: object, r: R) -> str:
    letter, body = r.choice("XYZ"), _d(r, 7)
    return f"{letter}-{body}-{dni.calc_check_digit(str('XYZ'.index(letter)) + body)}"


def _pesel(_: object, r: R) -> str:
    d = date(1940, 1, 1) + timedelta(days=r.randint(0, 60 * 365))
    month = d.month + (20 if d.year >= 2000 else 0)
    body = f"{d.year % 100:02d}{month:02d}{d.day:02d}" + _d(r, 4)
    return body + pesel.calc_check_digit(body)


def _nir(_: object, r: R) -> str:
    body = (
        r.choice("12")
        + f"{r.randint(40, 99):02d}{r.randint(1, 12):02d}"
        + f"{r.randint(1, 95):02d}"
        + _d(r, 3)
        + _d(r, 3)
    )
    key = nir.calc_check_digits(body)
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:]} {key}"


def _date_of_birth(_: object, r: R) -> str:
    d = date(1935, 1, 1) + timedelta(days=r.randint(0, 70 * 365))
    return d.strftime(r.choice(("%Y/%m/%d", "%d-%m-%Y", "%m/%d/%Y", "%Y-%m-%d")))


def _phone(_: object, r: R) -> str:
    return r.choice(
        (
            lambda: f"+61 4{_d(r, 2)} {_d(r, 3)} {_d(r, 3)}",
            lambda: f"(0{r.randint(2, 8)}) {_d(r, 4)} {_d(r, 4)}",
            lambda: f"+1-{r.randint(201, 989)}-555-{_d(r, 4)}",
            lambda: f"+46 7{r.randint(0, 9)} {_d(r, 3)} {_d(r, 2)} {_d(r, 2)}",
            lambda: f"0043 {r.randint(650, 699)} {_d(r, 7)}",
            lambda: f"+420 {_d(r, 3)} {_d(r, 3)} {_d(r, 3)}",
            lambda: f"+353 8{r.randint(3, 9)} {_d(r, 3)} {_d(r, 4)}",
        )
    )()


def _email(f: object, r: R) -> str:
    first = "".join(c for c in f.first_name().lower() if c.isascii() and c.isalpha())  # type: ignore[attr-defined]
    last = "".join(c for c in f.last_name().lower() if c.isascii() and c.isalpha())  # type: ignore[attr-defined]
    local = r.choice(
        (f"{first}.{last}", f"{first[:1]}{last}", f"{last}{r.randint(1, 99)}", f"{first}_{last}")
    )
    domain = r.choice(
        (
            "bigpond.com.au",
            "telus.net",
            "eircom.ie",
            "gmx.at",
            "bluewin.ch",
            "videotron.ca",
            "sapo.pt",
            "telia.se",
            "seznam.cz",
            "uni-wien.ac.at",
        )
    )
    v = f"{local or 'x'}@{domain}"
    return v.upper() if r.random() < 0.05 else v


def _ip(_: object, r: R) -> str:
    if r.random() < 0.7:
        return r.choice(
            (
                f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
            )
        )
    return "2001:db8:" + ":".join(f"{r.randint(0, 65535):x}" for _ in range(6))


def _mac(_: object, r: R) -> str:
    raw = [f"{r.randint(0, 255):02X}" for _ in range(6)]
    return (
        ":".join(raw)
        if r.random() < 0.7
        else f"{raw[0]}{raw[1]}.{raw[2]}{raw[3]}.{raw[4]}{raw[5]}".lower()
    )


def _imei(_: object, r: R) -> str:
    return _luhn_complete(r.choice(("35", "86", "01", "99")), 15, r)


def _pw(_: object, r: R) -> str:
    b64 = string.ascii_letters + string.digits + "+/"
    k = r.random()
    if k < 0.5:
        salt = "".join(r.choice(b64) for _ in range(22))
        return f"$argon2id$v=19$m=65536,t=3,p=4${salt}$" + "".join(r.choice(b64) for _ in range(43))
    if k < 0.8:
        return (
            "$6$rounds=5000$"
            + "".join(r.choice(b64[:-2]) for _ in range(16))
            + "$"
            + "".join(r.choice(b64[:-2] + "./") for _ in range(86))
        )
    return "".join(r.choice("0123456789abcdef") for _ in range(40))


def _key(_: object, r: R) -> str:
    alnum = string.ascii_letters + string.digits
    k = r.random()
    if k < 0.25:
        return "xoxb-" + _d(r, 12) + "-" + "".join(r.choice(alnum) for _ in range(24))
    if k < 0.5:
        return "AIza" + "".join(r.choice(alnum + "_-") for _ in range(35))
    if k < 0.75:
        seg = lambda n: "".join(r.choice(alnum + "_-") for _ in range(n))  # noqa: E731
        return f"eyJ{seg(30)}.{seg(60)}.{seg(43)}"
    return "sk-" + "".join(r.choice(alnum) for _ in range(48))


def _geo(_: object, r: R) -> str:
    lat, lon = r.uniform(-60, 70), r.uniform(-170, 170)
    return r.choice((f"{lat:.5f};{lon:.5f}", f"{lat:.6f} {lon:.6f}", f"{lat:.4f},{lon:.4f}"))


def _choice(options: tuple[str, ...]) -> Gen:
    return lambda _f, r: r.choice(options)


_COUNTRIES = (
    "Australia",
    "Canada",
    "Österreich",
    "Schweiz",
    "Suisse",
    "México",
    "Portugal",
    "Sverige",
    "Danmark",
    "Norge",
    "Suomi",
    "Česko",
    "România",
    "Magyarország",
    "Ireland",
    "New Zealand",
    "Belgique",
    "AUT",
    "CHE",
    "SWE",
    "NOR",
    "FIN",
    "CZE",
    "Brazil",
    "Japan",
    "India",
    "Kenya",
    "Chile",
    "Argentina",
    "Greece",
)
_NATIONALITIES = (
    "Australian",
    "Canadian",
    "Austrian",
    "Swiss",
    "Mexican",
    "Portuguese",
    "Swedish",
    "Danish",
    "Norwegian",
    "Finnish",
    "Czech",
    "Romanian",
    "Hungarian",
    "Irish",
    "New Zealander",
    "Belgian",
    "Chilean",
    "Greek",
)
_CONDITIONS = (
    "Type 1 diabetes",
    "Hyperlipidemia",
    "Bronchitis",
    "Sleep apnea",
    "Lupus",
    "Multiple sclerosis",
    "Crohn's disease",
    "Bipolar disorder",
    "Scoliosis",
    "Tinnitus",
    "Heart failure",
    "Pneumonia",
    "Eczema",
    "Osteoporosis",
    "Hepatitis C",
    "Parkinson's disease",
)


def _positives() -> dict[str, tuple[Gen, tuple[str, ...]]]:
    return {
        "EMAIL": (_email, ("EmailAddr", "cust_mail", "contactEmail", "email_addr")),
        "PHONE": (_phone, ("PhoneNo", "mobile_number", "telefonnummer", "contact_tel")),
        "PERSON_NAME": (
            lambda f, r: f.name(),
            ("customer_full_name", "FullName", "patient_name", "holder_name"),
        ),
        "FIRST_NAME": (
            lambda f, r: f.first_name(),
            ("FirstName", "given_names", "fornavn", "first_nm"),
        ),
        "LAST_NAME": (
            lambda f, r: f.last_name(),
            ("LastName", "family_nm", "efternamn", "surname"),
        ),
        "STREET_ADDRESS": (
            lambda f, r: f.street_address(),
            ("street_addr", "AddressLine1", "home_address"),
        ),
        "CITY": (lambda f, r: f.city(), ("city_name", "HomeCity", "municipality")),
        "POSTAL_CODE": (lambda f, r: f.postcode(), ("zip_code", "PostalCode", "postnummer_zip")),
        "COUNTRY": (_choice(_COUNTRIES), ("country_of_residence", "CountryName", "home_country")),
        "NATIONALITY": (_choice(_NATIONALITIES), ("citizenship", "Nationality")),
        "DATE_OF_BIRTH": (_date_of_birth, ("birthdate", "DateOfBirth", "dob")),
        "AGE": (lambda f, r: str(r.randint(0, 99)), ("age", "AgeYears", "patient_age")),
        "GENDER": (
            _choice(("female", "male", "diverse", "F", "M", "W")),
            ("gender", "Sex", "gender_code"),
        ),
        "US_SSN": (
            lambda f, r: f"{r.randint(1, 899):03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}",
            ("ssn", "SocialSecurityNo"),
        ),
        "UK_NINO": (
            lambda f, r: (
                r.choice("ABEHKLMPRSTWYZ")
                + r.choice("ABCEHJKLMNPRSTWXYZ")
                + _d(r, 6)
                + r.choice("ABCD")
            ),
            ("NationalInsuranceNo", "nino"),
        ),
        "DE_TAX_ID": (_idnr, ("steuer_identifikationsnummer", "SteuerID")),
        "FR_NIR": (_nir, ("numero_securite_sociale", "nir")),
        "ES_DNI": (
            _with_check(8, dni.calc_check_digit, lambda v: f"{v[:8]}-{v[8]}"),
            ("dni_numero", "DNI"),
        ),
        "ES_NIE": (_nie, ("nie", "NIE_extranjero")),
        "IT_CODICE_FISCALE": (_cf, ("codiceFiscale", "codice_fiscale")),
        "NL_BSN": (_bsn, ("bsn", "BurgerServiceNummer")),
        "PL_PESEL": (_pesel, ("pesel", "PESEL_nr")),
        "BR_CPF": (
            _with_check(9, _cpf_digits, lambda v: f"{v[:3]}.{v[3:6]}.{v[6:9]}-{v[9:]}"),
            ("cpf",),
        ),
        "BR_CNPJ": (
            _with_check(
                12,
                cnpj.calc_check_digits,
                lambda v: f"{v[:2]}.{v[2:5]}.{v[5:8]}/{v[8:12]}-{v[12:]}",
            ),
            ("cnpj",),
        ),
        "PASSPORT_NUMBER": (
            lambda f, r: r.choice(("P", "X", "N", "E")) + _d(r, 7),
            ("PassportNo", "passport_id"),
        ),
        "DRIVER_LICENSE": (
            lambda f, r: f"D{_d(r, 3)}-{_d(r, 4)}-{_d(r, 4)}",
            ("DriversLicenseNo", "driving_licence_number"),
        ),
        "TAX_ID": (
            lambda f, r: r.choice(("ATU", "CHE", "SE", "DK", "FI")) + _d(r, 8),
            ("vat_reg_no", "TaxNumber"),
        ),
        "CREDIT_CARD": (_card, ("CardNumber", "pan", "credit_card_no")),
        "CARD_CVV": (lambda f, r: _d(r, r.choice((3, 3, 4))), ("cvc", "CardCVV")),
        "IBAN": (_iban, ("iban", "IBANNumber", "payout_iban")),
        "SWIFT_BIC": (
            lambda f, r: (
                "".join(r.choice(string.ascii_uppercase) for _ in range(4))
                + r.choice(("AT", "CH", "SE", "DK", "NO", "FI", "PT", "IE", "CA", "AU"))
                + r.choice(string.ascii_uppercase + "2")
                + r.choice(string.digits + "X")
                + ("" if r.random() < 0.5 else r.choice(("XXX", "100", "ABC")))
            ),
            ("swift_bic", "BicCode"),
        ),
        "BANK_ACCOUNT": (
            lambda f, r: f"{_d(r, 3)}-{_d(r, 6)}-{_d(r, 1)}",
            ("bank_account_no", "AccountNumber"),
        ),
        "US_ROUTING_NUMBER": (
            _with_check(8, lambda b: str(rtn.calc_check_digit(b)), lambda v: v, "0123"),
            ("routing_no", "ABA"),
        ),
        "SALARY": (
            lambda f, r: f"{r.randint(30, 250)},{r.randint(0, 999):03d}.00",
            ("annual_salary", "BaseSalary"),
        ),
        "IP_ADDRESS": (_ip, ("client_ip_addr", "IPAddress", "source_ip")),
        "MAC_ADDRESS": (_mac, ("mac_addr", "MACAddress")),
        "IMEI": (_imei, ("imei_number", "IMEI")),
        "URL": (
            lambda f, r: (
                f"https://www.{f.word()}.{r.choice(('com', 'ca', 'at', 'se'))}"
                f"/{f.word()}?id={r.randint(1, 9999)}"
            ),
            ("profile_url", "WebsiteURL", "landing_page_link"),
        ),
        "USERNAME": (
            lambda f, r: f.user_name() + (str(r.randint(1, 99)) if r.random() < 0.3 else ""),
            ("login_name", "UserName"),
        ),
        "PASSWORD_HASH": (_pw, ("password_digest", "PasswordHash")),
        "API_KEY": (_key, ("api_secret", "AccessToken", "integration_key")),
        "GEO_COORDINATES": (_geo, ("gps_coords", "LatLng", "geo_location")),
        "VIN": (_vin, ("vin", "VehicleIdentificationNumber")),
        "ICD10_CODE": (
            lambda f, r: r.choice("EIJKMNRZ") + _d(r, 2) + "." + _d(r, r.randint(1, 3)),
            ("icd10_dx", "DiagnosisCode"),
        ),
        "MEDICAL_RECORD_NUMBER": (lambda f, r: f"H{_d(r, 8)}", ("MedicalRecordNo", "mrn")),
        "BLOOD_TYPE": (
            _choice(("A Rh+", "B Rh+", "0 Rh+", "AB Rh-", "A Rh-", "0 Rh-")),
            ("blood_group", "BloodType"),
        ),
        "MEDICAL_CONDITION": (_choice(_CONDITIONS), ("chronic_condition", "PrimaryDiagnosis")),
    }


def _hard_negatives() -> list[tuple[str, Gen, tuple[str, ...]]]:
    def order_luhn(_: object, r: R) -> str:
        return _luhn_complete(r.choice(("4", "5", "1", "7", "9")), 16, r)

    def order_seq(_: object, r: R) -> str:
        return _luhn_complete("40000" + str(r.randint(1000000, 1000999)), 16, r)

    def bad_iban(f: object, r: R) -> str:
        v = _iban(f, r).replace(" ", "")
        return v[:2] + f"{(int(v[2:4]) + 3) % 100:02d}" + v[4:]

    def stamp(_: object, r: R) -> str:
        t = datetime(2019, 1, 1) + timedelta(seconds=r.randint(0, 6 * 365 * 86400))
        return t.strftime(r.choice(("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%d/%m/%Y %H:%M")))

    def uuid(_: object, r: R) -> str:
        h = "".join(r.choice("0123456789abcdef") for _ in range(32))
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"

    def sku(_: object, r: R) -> str:
        size = r.choice(("S", "M", "L", "XL"))
        return f"{r.choice(('TSH', 'MUG', 'CAP', 'BAG'))}-{_d(r, 4)}-{size}"

    def text(f: object, r: R) -> str:
        return f.paragraph(nb_sentences=2)  # type: ignore[attr-defined]

    return [
        ("order", order_luhn, ("order_number", "invoice_no", "tracking_number")),
        ("order_seq", order_seq, ("order_number", "order_ref")),
        ("bad_iban", bad_iban, ("iban", "payout_iban", "account_ref")),
        ("uuid", uuid, ("id", "session_id", "correlation_id")),
        ("timestamp", stamp, ("created_at", "last_login", "event_time")),
        ("sku", sku, ("sku", "item_code")),
        (
            "year_code",
            lambda f, r: str(r.randint(1995, 2025)),
            ("fiscal_code", "model_code", "vintage_code"),
        ),
        ("free_text", text, ("comment", "description", "notes")),
        ("flag", lambda f, r: r.choice(("0", "1")), ("email_verified", "phone_confirmed")),
        ("bool", lambda f, r: r.choice(("true", "false")), ("has_email", "sms_opt_in")),
        ("count", lambda f, r: str(r.randint(0, 40)), ("email_count", "login_attempts")),
        ("price", lambda f, r: f"{r.uniform(1, 999):.2f}", ("unit_price", "amount")),
        (
            "hexsum",
            lambda f, r: "".join(r.choice("0123456789abcdef") for _ in range(40)),
            ("file_sha1", "checksum", "etag"),
        ),
    ]


def _sparse_text(f: object, r: R) -> str:
    s = f.sentence(nb_words=r.randint(6, 14))  # type: ignore[attr-defined]
    if r.random() < 0.06:
        s += " Contact: " + _email(f, r)
    elif r.random() < 0.04:
        s += " Call " + _phone(f, r)
    return s


def _opaque(r: R) -> str:
    return r.choice(
        ("col_{}", "COL{}", "c_{}", "field{}", "unnamed_{}", "attr_{}", "f{}_raw", "x_{}")
    ).format(r.randint(0, 300))


_MISLEADING_GENERIC = (
    "notes",
    "email_verified",
    "status",
    "code",
    "value",
    "ref",
    "description",
    "phone",
    "email",
    "name",
    "id",
    "amount",
    "iban",
    "zip",
    "card_number",
    "created_at",
)


def build(seed: int = 20261122, per_type: int = 8, samples: int = 128) -> list[Column]:
    """``per_type`` columns per type and regime; hard negatives and sparse PII on top."""
    from faker import Faker

    r = random.Random(seed)
    Faker.seed(seed)
    fakers = [Faker(loc) for loc in BENCH_LOCALES]
    columns: list[Column] = []
    positives = _positives()
    all_names = [n for _, names in positives.values() for n in names]

    def values(gen: Gen) -> list[str]:
        f = r.choice(fakers)
        out = [gen(f, r) for _ in range(samples)]
        if r.random() < 0.3:
            out = [v if r.random() > 0.15 else "" for v in out]
        return out

    for key, (gen, names) in positives.items():
        for _ in range(per_type):
            columns.append(Column(r.choice(names), values(gen), key, "informative"))
            columns.append(Column(_opaque(r), values(gen), key, "opaque"))
            other = [n for n in all_names + list(_MISLEADING_GENERIC) if n not in names]
            columns.append(Column(r.choice(other), values(gen), key, "misleading"))
    for _kind, gen, names in _hard_negatives():
        for _ in range(3 * per_type):
            name = r.choice(names)
            columns.append(Column(name, values(gen), NONE, "hard_negative"))
    for _ in range(4 * per_type):
        columns.append(
            Column(
                r.choice(("notes", "comment", "col_9", "remarks")),
                [_sparse_text(r.choice(fakers), r) for _ in range(samples)],
                NONE,
                "sparse",
            )
        )
    return columns
