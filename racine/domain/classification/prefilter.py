"""Character-class prefilter: which validators could possibly accept a value.

The probe runs every check (~56) on the first distinct values of every column;
most of those calls are hopeless (a PESEL check on ``Ängelholm``, an email check
on ``42``). A value's *signature* is the set of character classes it uses
(``d`` digit, ``U`` upper, ``l`` lower, ``s`` whitespace, any other ASCII
character as itself) and its length; each check declares the classes it can
accept, the ones it needs and a length range, read off its regexes in
``validators``. A check is only called on values whose signature it admits, and
the verdict per (check, signature) is cached, so a column costs a few dict
lookups per check instead of a few validator calls.

Exactness: a prefilter may only say "cannot pass" when the validator would say
so too. Only ASCII values are filtered (``\\d``, ``\\w`` and ``str.isdigit`` are
Unicode-aware, so non-ASCII values always reach the validator), and
``tests/unit/classification/test_classification_prefilter.py`` checks on a
corpus of realistic and random values that no value a validator accepts is
refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from racine.domain.classification.validators import BLOOD_TYPES, GENDER_WORDS

__all__ = ["ADMISSION", "Admission", "Signature", "admits", "signature"]

Signature = tuple[frozenset[str], int] | None  # None: non-ASCII, never filtered

_CLASS_TABLE = str.maketrans(
    {
        **{c: "d" for c in "0123456789"},
        **{c: "U" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        **{c: "l" for c in "abcdefghijklmnopqrstuvwxyz"},
        **{c: "s" for c in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"},
    }
)


# The same classes on ASCII bytes: ``bytes.translate`` is a plain C table lookup,
# ``str.translate`` with a mapping looks each character up in a dict.
_CLASS_BYTES = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f",
    b"d" * 10 + b"U" * 26 + b"l" * 26 + b"s" * 10,
)


def signature(value: str) -> Signature:
    """Character classes and length of an ASCII value; ``None`` for anything else."""
    if not value.isascii():
        return None
    return frozenset(value.encode().translate(_CLASS_BYTES).decode()), len(value)


def _classes(text: str) -> frozenset[str]:
    return frozenset(text.translate(_CLASS_TABLE))


@dataclass(frozen=True, slots=True)
class Admission:
    """What a check can accept: allowed classes (None: any), required ones, lengths."""

    allowed: frozenset[str] | None = None
    required: frozenset[str] = frozenset()
    any_of: frozenset[str] = frozenset()  # at least one of these classes
    min_len: int = 1
    max_len: int = 10_000
    forbidden: frozenset[str] = frozenset()


def _a(
    allowed: str | None = None,
    required: str = "",
    lengths: tuple[int, int] = (1, 10_000),
    any_of: str = "",
    forbidden: str = "",
) -> Admission:
    return Admission(
        None if allowed is None else frozenset(allowed),
        frozenset(required),
        frozenset(any_of),
        lengths[0],
        lengths[1],
        frozenset(forbidden),
    )


def _from_words(words: frozenset[str]) -> Admission:
    """For checks that look a value up (case-insensitively) in a word list."""
    ascii_words = [w for w in words if w.isascii()]
    allowed: set[str] = set()
    for w in ascii_words:
        allowed |= _classes(w) | _classes(w.upper()) | _classes(w.lower())
    lengths = [len(w) for w in ascii_words] or [1]
    return Admission(frozenset(allowed), frozenset(), frozenset(), min(lengths), max(lengths))


_NAME_CHARS = "Uls'-.,"
_WORD_CHARS = "Uls'-."
_KEY_CHARS = "Uld_-+/=."

ADMISSION: dict[str, Admission] = {
    "EMAIL": _a("Uld_.%+'-@", "@", (6, 10_000)),
    "PHONE": _a("dsUl().-/+", "d", (6, 10_000)),
    "phone_strict": _a("dsUl().-/+", "d", (6, 10_000)),
    "PERSON_NAME": _a(_NAME_CHARS, "Us", (3, 60)),
    "FIRST_NAME": _a(_NAME_CHARS, "U", (1, 30)),
    "LAST_NAME": _a(_NAME_CHARS, "U", (1, 30)),
    "STREET_ADDRESS": _a(None, "d", (5, 120), any_of="Ul"),
    "address_keyword": _a(None, "d", (5, 120), any_of="Ul"),
    "CITY": _a(_WORD_CHARS, "U", (1, 40)),
    "NATIONALITY": _a(_WORD_CHARS, "U", (1, 40)),
    "MEDICAL_CONDITION": _a(_WORD_CHARS, "U", (1, 40)),
    "POSTAL_CODE": _a("dUls-", "d", (4, 10)),
    "COUNTRY": _a(None, "", (2, 60), any_of="Ul"),
    "country_name": _a(None, "", (1, 60), any_of="Ul"),
    "DATE_OF_BIRTH": _a("d-/.", "d", (8, 10)),
    "AGE": _a("d", "d", (1, 3)),
    "GENDER": _from_words(GENDER_WORDS),
    "BLOOD_TYPE": _from_words(BLOOD_TYPES),
    "US_SSN": _a("d-s", "d", (11, 11)),
    "ssn_plain": _a("d", "d", (9, 9)),
    "UK_NINO": _a("Ulds", "d", (9, 13)),
    "DE_TAX_ID": _a("ds./-", "d", (11, 15)),
    "FR_NIR": _a("dsUl", "d", (15, 21)),
    "ES_DNI": _a("ds-Ul", "d", (9, 10)),
    "ES_NIE": _a("ds-Ul", "d", (9, 11)),
    "IT_CODICE_FISCALE": _a("Ulds", "", (11, 19)),  # omocodia: letters for digits
    "NL_BSN": _a("ds.", "d", (8, 12)),
    "PL_PESEL": _a("d", "d", (11, 11)),
    "BR_CPF": _a("ds.-", "d", (11, 14)),
    "BR_CNPJ": _a("ds./-", "d", (14, 18)),
    "PASSPORT_NUMBER": _a("Ud", "", (6, 11)),
    "DRIVER_LICENSE": _a("Ud-s", "d", (6, 19)),
    "TAX_ID": _a("dU+*.-", "d", (4, 15)),
    "CREDIT_CARD": _a("ds-", "d", (12, 22)),
    "luhn": _a("d", "d", (12, 19)),
    "CARD_CVV": _a("d", "d", (3, 4)),
    "IBAN": _a("Ulds-.", "", (15, 42)),
    "SWIFT_BIC": _a("Uds-", "U", (8, 11)),
    "BANK_ACCOUNT": _a("d-s", "d", (6, 24)),
    "US_ROUTING_NUMBER": _a("d", "d", (9, 9)),
    "SALARY": _a("$sd,.", "d"),
    "IP_ADDRESS": _a(None, "", (2, 45), any_of=".:"),
    "MAC_ADDRESS": _a("dUl:-.", "", (14, 17)),
    "IMEI": _a("ds-", "d", (15, 18)),
    "URL": _a(None, "", (7, 10_000), any_of=":.", forbidden="s"),
    "USERNAME": _a("Uld._-", "", (3, 32), any_of="Ul"),
    "PASSWORD_HASH": _a(None, "", (13, 10_000)),
    "hash_structured": _a(None, "$", (13, 10_000)),
    "API_KEY": _a(_KEY_CHARS, "", (15, 10_000)),
    "known_key": _a(_KEY_CHARS, "", (15, 10_000)),
    "GEO_COORDINATES": _a("d.-(),;s", "d.", (6, 10_000)),
    "VIN": _a("Ud", "d", (17, 17)),
    "ICD10_CODE": _a("Ud.", "Ud", (3, 8)),
    "MEDICAL_RECORD_NUMBER": _a("U-d", "d", (5, 17)),
    "uuid": _a("dUl-", "", (32, 36)),
}

_CACHE: dict[tuple[str, frozenset[str], int], bool] = {}
_CACHE_LIMIT = 100_000


def _admit(spec: Admission, classes: frozenset[str], length: int) -> bool:
    if not spec.min_len <= length <= spec.max_len:
        return False
    if spec.allowed is not None and not classes <= spec.allowed:
        return False
    if spec.required and not spec.required <= classes:
        return False
    if spec.any_of and spec.any_of.isdisjoint(classes):
        return False
    return not (spec.forbidden and not spec.forbidden.isdisjoint(classes))


def admits(key: str, sig: Signature) -> bool:
    """Whether check ``key`` could accept a value with signature ``sig`` (cached)."""
    if sig is None:
        return True
    spec = ADMISSION.get(key)
    if spec is None:
        return True
    cache_key = (key, sig[0], sig[1])
    verdict = _CACHE.get(cache_key)
    if verdict is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        verdict = _CACHE[cache_key] = _admit(spec, *sig)
    return verdict
