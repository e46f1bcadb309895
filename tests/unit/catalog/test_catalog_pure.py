"""Pure parts of catalog and scanning: URLs, credentials, globs, search text, demo data."""

from __future__ import annotations

import random

import pytest

from racine.demo.data import iban, luhn_complete
from racine.domain.catalog.search import SearchDocument, highlight, terms_of
from racine.domain.classification.validators import card_issuer
from racine.domain.errors import ValidationFailed
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.model import ScanRuleSet
from racine.domain.scanning.rules import selects_schema, selects_table
from racine.domain.scanning.urls import SourceUrl


def test_source_url_redacts_and_keeps_the_secret_for_connecting() -> None:
    url = SourceUrl.parse("postgresql://ann:p%40ss%2Fw0rd@db.example:5433/sales?sslmode=require")
    assert (url.engine, url.host, url.port, url.database, url.user) == (
        "postgresql",
        "db.example",
        5433,
        "sales",
        "ann",
    )
    assert url.password == "p@ss/w0rd" and url.has_credentials
    assert url.redacted == "postgresql://ann:***@db.example:5433/sales?sslmode=require"
    assert "p%40ss%2Fw0rd" in url.render(hide_password=False)
    assert SourceUrl.parse(url.render(hide_password=False)) == url
    assert SourceUrl.parse("mariadb://u@h/db").engine == "mysql"
    lite = SourceUrl.parse("sqlite:////data/shop.db")
    assert lite.database == "/data/shop.db" and lite.database_name == "shop"
    assert not lite.has_credentials
    for bad in ("", "oracle://h/db", "postgresql:///nohost", "sqlite://", "nonsense"):
        with pytest.raises(ValidationFailed):
            SourceUrl.parse(bad)


def test_credentials_round_trip_and_a_wrong_key_is_a_typed_error() -> None:
    cipher = CredentialCipher("k1")
    token = cipher.encrypt("postgresql://a:secret@h/db")
    assert "secret" not in token and cipher.decrypt(token) == "postgresql://a:secret@h/db"
    with pytest.raises(ValidationFailed) as caught:
        CredentialCipher("k2").decrypt(token)
    assert "secret" not in caught.value.message.replace("secret key", "")


def test_rule_set_globs() -> None:
    rules = ScanRuleSet(
        name="r", include_schemas=["sales*"], exclude_tables=["tmp_*", "sales.audit"]
    )
    assert selects_schema(rules, "sales_eu") and not selects_schema(rules, "hr")
    assert selects_table(rules, "sales", "orders")
    assert not selects_table(rules, "sales", "tmp_1") and not selects_table(rules, "sales", "audit")
    assert selects_table(rules, "sales_eu", "audit")
    default = ScanRuleSet.default()
    assert not selects_schema(default, "pg_catalog") and selects_schema(default, "public")


def test_search_terms_and_highlights() -> None:
    assert terms_of("Email_Address  email!") == ["email", "address"]
    doc = SearchDocument(
        name="email_address",
        qualified_name="shop.main.customers.email_address",
        description="Where we write",
        terms="Contact courriel",
    )
    marks = {h.field: h.snippet for h in highlight(doc, ["email", "courr"])}
    assert marks["name"] == "<mark>email</mark>_address"
    assert marks["glossaryTerms"] == "Contact <mark>courriel</mark>"
    assert "description" not in marks


def test_highlights_escape_the_text_around_the_marks() -> None:
    # Given a description holding markup (anyone with write access can set one)
    doc = SearchDocument(
        name="notes",
        qualified_name="shop.main.notes",
        description='<img src=x onerror="alert(1)"> email & <b>more</b>',
    )
    # When a search highlights it
    [found] = [h for h in highlight(doc, ["email"]) if h.field == "description"]
    # Then only the marks are markup: a frontend showing the snippet as HTML runs nothing
    assert found.snippet == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>email</mark> &amp;"
        " &lt;b&gt;more&lt;/b&gt;"
    )


def test_demo_numbers_are_valid_and_order_numbers_are_not_cards() -> None:
    rng = random.Random(1)
    visa = luhn_complete("4", 16, rng)
    assert card_issuer(visa) is not None
    order = luhn_complete("90", 12, rng)
    assert _luhn_ok(order) and _luhn_ok(visa) and card_issuer(order) is None
    assert not _luhn_ok(order[:-1] + str((int(order[-1]) + 1) % 10))
    assert iban("DE", "370400440532013000") == "DE89370400440532013000"  # the textbook IBAN


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
