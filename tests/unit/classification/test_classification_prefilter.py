"""The character-class prefilter never refuses a value its validator accepts."""

from __future__ import annotations

import random
import string

import pytest

from racine.domain.classification.matching import _ALL_CHECKS, PROBE_SIZE, probe
from racine.domain.classification.prefilter import ADMISSION, admits, signature
from racine.domain.classification.sample import prepare

# Hand-written values of every built-in shape, in the spellings scans meet.
_KNOWN = [
    "ann@example.org",
    "o'neil.x+tag@sub.example.co.uk",
    "+44 20 7946 0958",
    "(212) 555-0199",
    "0049-30-1234567",
    "555.123.4567 ext. 12",
    "030/1234567",
    "Jean-Luc Picard",
    "Mary O'Neil",
    "van Dijk",
    "de la Cruz",
    "Ann",
    "10 Downing St",
    "Hauptstraße 5",
    "221B Baker Street",
    "Rue de Rivoli 12",
    "Saint-Étienne",
    "New York",
    "St. John's",
    "10115",
    "SW1A 1AA",
    "1012 AB",
    "K1A 0B1",
    "00-950",
    "113 51",
    "3444-227",
    "12345-6789",
    "Germany",
    "DE",
    "DEU",
    "1990-12-31",
    "31/12/1990",
    "31.12.1990",
    "7",
    "42",
    "120",
    "M",
    "female",
    "Non-Binary",
    "x",
    "123-45-6789",
    "123 45 6789",
    "123456789",
    "QQ123456C",
    "AB 12 34 56 C",
    "12 345 678 901",
    "65929970489",
    "1 84 12 76 451 089 46",
    "2 81 01 95 498 191 76",
    "12345678Z",
    "12345678-Z",
    "X1234567L",
    "X-1234567-L",
    "RSSMRA85T10A562S",
    "RSSMRALTSMLAMLQS",
    "1234.56.782",
    "111222333",
    "44051401359",
    "123.456.789-09",
    "11.222.333/0001-81",
    "H12345678",
    "AB1234567",
    "ABCDEFGH",
    "D123-4567-8901",
    "MORGA753116SM9IJ",
    "DE123456789",
    "12-3456789",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "378282246310005",
    "3782 822463 10005",
    "123",
    "1234",
    "DE89 3704 0044 0532 0130 00",
    "DE89370400440532013000",
    "GB82WEST12345698765432",
    "DEUTDEFF",
    "DEUTDEFF500",
    "123-456789-0",
    "12-3456-7890123-00",
    "021000021",
    "$1,234.56",
    "85 000",
    "1.234,00",
    "192.168.0.1",
    "::1",
    "fe80::1%eth0",
    "2001:db8::ff00:42:8329",
    "00:1A:2B:3C:4D:5E",
    "00-1a-2b-3c-4d-5e",
    "001a.2b3c.4d5e",
    "490154203237518",
    "49-015420-323751-8",
    "https://example.org/a?b=c",
    "www.example.com",
    "ftp://x.org",
    "jdoe",
    "j.doe_99",
    "$2b$12$" + "a" * 53,
    "5f4dcc3b5aa765d61d8327deb882cf99",
    "pbkdf2_sha256$260000$abcdefghijkl$xyz0123456789",
    "$argon2id$v=19$m=65536,t=3,p=4$abc",
    "AKIAIOSFODNN7EXAMPLE",
    "sk_live_" + "a1B2" * 6,
    "ghp_" + "x1Y2" * 9,
    "xoxb-1234-abcdefgh",
    "eyJhbGciOi.eyJzdWIiOi.SflKxwRJSM",
    "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA1A",
    "48.8566, 2.3522",
    "(48.856600,2.352200)",
    "-33.8688",
    "1HGCM82633A004352",
    "E11.9",
    "J45",
    "C50.911",
    "MRN0012345",
    "12-345678",
    "A+",
    "ab-",
    "O POS",
    "0 rh+",
    "Diabetes mellitus type 2",
    "Asthma",
    "550e8400-e29b-41d4-a716-446655440000",
    "5500000000000004",
    "Ölfjörð",
    "Zoë",
    "München",
    "Łódź",
    "12 34 56",
    "A",
    "",
]


def _random_values(r: random.Random, n: int) -> list[str]:
    alphabets = [
        string.digits,
        string.digits + " -",
        string.ascii_uppercase + string.digits,
        string.ascii_letters,
        string.printable[:95],
        string.digits + ".,$ ",
        string.hexdigits + ":-.",
        string.ascii_letters + " '-.",
    ]
    out = []
    for _ in range(n):
        alphabet = r.choice(alphabets)
        out.append("".join(r.choice(alphabet) for _ in range(r.randint(1, 24))).strip())
    return out


def _faker_values() -> list[str]:
    faker = pytest.importorskip("faker")
    from racine.domain.classification import train

    del faker
    _, columns, _ = train._columns(seed=11, per_type=2)
    return [v for column in columns for v in column[:24]]


def test_every_check_has_an_admission_rule() -> None:
    assert set(ADMISSION) == set(_ALL_CHECKS)


def test_no_value_a_validator_accepts_is_refused() -> None:
    # given realistic values of every type (hand-written and the trainer's Faker
    # columns), their mutations, and random strings over ID-like alphabets
    r = random.Random(3)
    corpus = _KNOWN + _faker_values() + _random_values(r, 6000)
    corpus += [v.upper() for v in corpus[:400]] + [v.lower() for v in corpus[:400]]
    corpus += [v.replace(" ", "\t") for v in corpus[:200]]
    # when each check's verdict is compared with the prefilter's
    refused = [
        (key, v)
        for v in corpus
        if v
        for key, check in _ALL_CHECKS.items()
        if check(v) and not admits(key, signature(v))
    ]
    # then the prefilter refuses nothing that passes
    assert not refused, refused[:10]


def test_prefilter_refuses_the_hopeless_cases() -> None:
    assert admits("PL_PESEL", signature("Hauptstraße"))  # non-ASCII: never filtered
    assert admits("PL_PESEL", None)
    assert not admits("PL_PESEL", signature("Anna"))
    assert not admits("EMAIL", signature("42"))
    assert not admits("AGE", signature("1234"))
    assert admits("AGE", signature("42"))


def test_probe_rates_unchanged_by_the_prefilter() -> None:
    # given columns of mixed shapes
    r = random.Random(9)
    columns = [r.sample(_KNOWN, 20) for _ in range(40)] + [_random_values(r, 20) for _ in range(40)]
    for values in columns:
        sample = prepare(values, 1000, 256)
        rates = probe(sample)
        # then each rate is what calling every check on the head values gives
        head = [v for v, _ in sample.counts[:PROBE_SIZE]]
        for key, check in _ALL_CHECKS.items():
            quick = sum(map(check, head[:4]))
            expected = 0.0 if quick == 0 and len(head) > 4 else sum(map(check, head)) / len(head)
            assert rates[key] == expected, (key, head)
