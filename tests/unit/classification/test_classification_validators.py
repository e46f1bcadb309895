"""Each validator accepts real identifiers and rejects look-alikes."""

from __future__ import annotations

import pytest

from racine.domain.classification.validators import EXTRA_CHECKS, VALIDATORS, card_issuer

VALID: dict[str, list[str]] = {
    "EMAIL": ["jane.doe@example.com", "o'neil+tag@mail.co.uk"],
    "PHONE": ["+44 20 7946 0958", "(02) 9876 5432", "+1-415-555-0199"],
    "PERSON_NAME": ["Jane Doe", "Dr. Malcolm O'Nolan", "Ana María Ruelas"],
    "FIRST_NAME": ["Jane", "Anne-Marie"],
    "LAST_NAME": ["van Dijk", "O'Callaghan"],
    "STREET_ADDRESS": ["221B Baker Street", "Schweizerstrasse 49", "Petőfi utca 198."],
    "POSTAL_CODE": ["90210", "SW1A 1AA", "1012 AB", "00-950"],
    "DATE_OF_BIRTH": ["1984-02-29", "29.02.1984", "03/04/1971"],
    "AGE": ["0", "42", "120"],
    "GENDER": ["F", "male", "Femme", "divers"],
    "US_SSN": ["078-05-1121", "123-45-6789"],
    "UK_NINO": ["AB123456C", "AB 12 34 56 C"],
    "DE_TAX_ID": ["36574261809"],
    "FR_NIR": ["2 95 10 99 126 111 93"],
    "ES_DNI": ["54362315K"],
    "ES_NIE": ["X2482300W"],
    "IT_CODICE_FISCALE": ["RCCMNL83S18D969H"],
    "NL_BSN": ["111222333"],
    "PL_PESEL": ["44051401359"],
    "BR_CPF": ["390.533.447-05"],
    "BR_CNPJ": ["16.727.230/0001-97"],
    "CREDIT_CARD": ["4111111111111111", "5500 0055 5555 5559", "3400 000000 00009"],
    "IBAN": ["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32"],
    "SWIFT_BIC": ["DEUTDEFF", "NEDSZAJJXXX"],
    "US_ROUTING_NUMBER": ["111000025"],
    "IP_ADDRESS": ["192.168.0.1", "2001:db8::1"],
    "MAC_ADDRESS": ["00:1A:2B:3C:4D:5E", "001a.2b3c.4d5e"],
    "IMEI": ["490154203237518"],
    "URL": ["https://example.org/a?b=1", "www.example.com"],
    "PASSWORD_HASH": ["$2b$12$" + "a" * 53, "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"],
    "API_KEY": ["AKIAIOSFODNN7EXAMPLE", "ghp_" + "aB3" * 12],
    "GEO_COORDINATES": ["48.858370, 2.294481", "-33.8688"],
    "VIN": ["1M8GDM9AXKP042788"],
    "ICD10_CODE": ["E11.9", "J45"],
    "BLOOD_TYPE": ["AB-", "0 Rh+"],
}

INVALID: dict[str, list[str]] = {
    "EMAIL": ["not an email", "a@b", "0"],
    "PHONE": ["2021-03-04", "192.168.0.1", "12"],
    "FIRST_NAME": ["Laura Berger", "lowercase"],
    "DATE_OF_BIRTH": ["2021-03-04 10:00:00", "1850-01-01", "2024-13-45"],
    "US_SSN": ["000-12-3456", "666-12-3456", "123456789"],
    "UK_NINO": ["GB123456A", "AB123456E"],
    "DE_TAX_ID": ["36574261808"],
    "FR_NIR": ["2 95 10 99 126 111 94"],
    "ES_DNI": ["54362315A"],
    "NL_BSN": ["111222334"],
    "PL_PESEL": ["44051401358"],
    "BR_CPF": ["390.533.447-06", "111.111.111-11"],
    "CREDIT_CARD": ["4111111111111112", "1234567812345670", "9000000000000008"],
    "IBAN": ["DE88370400440532013000", "XX89370400440532013000"],
    "IP_ADDRESS": ["999.1.1.1", "hello"],
    "MAC_ADDRESS": ["00:1A:2B:3C:4D", "00:1A-2B:3C:4D:5E"],
    "API_KEY": ["123e4567-e89b-12d3-a456-426614174000", "a" * 40],
    "VIN": ["1M8GDM9AXKP042789"],
    "ICD10_CODE": ["U07", "123"],
    "USERNAME": ["Swedish", "a@b.com"],
}


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, vs in VALID.items() for v in vs])
def test_validator_accepts(key: str, value: str) -> None:
    assert VALIDATORS[key](value), f"{key} should accept {value!r}"


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, vs in INVALID.items() for v in vs])
def test_validator_rejects(key: str, value: str) -> None:
    assert not VALIDATORS[key](value), f"{key} should reject {value!r}"


def test_card_issuer_needs_luhn_and_range() -> None:
    assert card_issuer("4111111111111111") == "visa"
    assert card_issuer("378282246310005") == "amex"
    # Luhn-valid, but no issuer uses prefix 1 at 16 digits.
    assert card_issuer("1000000000000008") is None


def test_every_validator_survives_hostile_text() -> None:
    hostile = ["", " ", "\x00", "9" * 300, "é" * 50, "@" * 30, "$2b$", "::", "eyJ.."]
    for check in {**VALIDATORS, **EXTRA_CHECKS}.values():
        for value in hostile:
            check(value)  # must not raise
