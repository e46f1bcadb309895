"""End-to-end behaviour of classify_column on positives, hard negatives and bad input."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from stdnum import luhn

from racine.domain.classification import (
    BUILTIN_TYPES,
    ClassifierConfig,
    ColumnInput,
    LabelSource,
    LabelState,
    classify_column,
    classify_columns,
)
from racine.domain.classification.model import load_model

RNG = random.Random(5)


def _luhn(prefix: str, length: int = 16) -> str:
    body = prefix + "".join(RNG.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def _top(name: str, values: Sequence[object]) -> str | None:
    top = classify_column(name, values).top
    return top.type_key if top and top.confidence >= 0.5 else None


def test_catalogue_has_at_least_40_types() -> None:
    assert len(BUILTIN_TYPES) >= 40
    assert {"EMAIL", "US_SSN", "CREDIT_CARD", "IBAN", "ICD10_CODE"} <= set(BUILTIN_TYPES)


def test_shipped_model_loads_and_is_small() -> None:
    from racine.domain.classification.model import MODEL_PATH

    assert load_model() is not None
    assert MODEL_PATH.stat().st_size < 5_000_000


def test_email_column_is_confirmed_with_evidence() -> None:
    values = [f"user{i}@example{i % 7}.com" for i in range(50)]
    verdict = classify_column("contact_email", values)
    label = verdict.labels[0]
    assert label.type_key == "EMAIL"
    assert label.state is LabelState.CONFIRMED
    assert label.source is LabelSource.RULE
    assert label.evidence["match_ratio"] == 1.0
    assert label.evidence["sample_size"] == 50
    assert "name:email" in label.evidence["rules"]  # type: ignore[operator]
    assert "model_probability" in label.evidence
    assert verdict.insufficient_evidence is None


def test_cards_found_under_an_opaque_name() -> None:
    values = [_luhn(RNG.choice(["4", "51", "55", "6011"])) for _ in range(60)]
    assert _top("col_17", values) == "CREDIT_CARD"


def test_luhn_valid_order_numbers_are_not_cards() -> None:
    random_prefix = [_luhn(RNG.choice("123456789")) for _ in range(60)]
    assert _top("order_number", random_prefix) is None
    visa_like = [_luhn("4") for _ in range(60)]
    assert _top("order_number", visa_like) is None
    sequential = [_luhn("40000" + str(1000000 + i)) for i in range(60)]
    assert _top("col_3", sequential) is None


def test_iban_with_bad_checksum_is_not_iban() -> None:
    good = "DE89370400440532013000"
    bad = [f"DE{(89 + i) % 100:02d}37040044053201300{i % 10}" for i in range(1, 40)]
    assert _top("iban", [good] * 3 + bad) != "IBAN"


def test_hard_negatives_get_no_label() -> None:
    start = datetime(2020, 1, 1)
    cases: dict[str, list[object]] = {
        "id": [str(uuid.UUID(int=RNG.getrandbits(128), version=4)) for _ in range(60)],
        "created_at": [start + timedelta(minutes=RNG.randint(0, 10**6)) for _ in range(60)],
        "sku": [f"TSH-{RNG.randint(1000, 9999)}-{RNG.choice('SML')}" for _ in range(60)],
        "fiscal_code": [str(RNG.randint(1995, 2025)) for _ in range(60)],
        "email_verified": [RNG.choice([0, 1]) for _ in range(60)],
        "email_count": [RNG.randint(0, 40) for _ in range(60)],
        "description": [
            f"The quick brown fox number {i} jumps over the lazy dog." for i in range(60)
        ],
        "checksum": ["".join(RNG.choice("0123456789abcdef") for _ in range(40)) for _ in range(60)],
    }
    for name, values in cases.items():
        assert _top(name, values) is None, name


def test_lone_decimals_are_coordinates_only_under_a_name_that_says_so() -> None:
    # prices, weights and ratios kept to 4-5 places fall within +-180 like a latitude
    for name in ("unit_price", "weight_kg", "c7"):
        values = [Decimal(f"{RNG.uniform(1, 30):.5f}") for _ in range(128)]
        verdict = classify_column(name, values, data_type="NUMERIC(30,5)")
        assert verdict.labels == [], name
    latitudes = [Decimal(f"{RNG.uniform(-80, 80):.6f}") for _ in range(128)]
    assert _top("latitude", latitudes) == "GEO_COORDINATES"
    # a coordinate pair needs no name
    pairs = [f"{RNG.uniform(-80, 80):.6f}, {RNG.uniform(-170, 170):.6f}" for _ in range(128)]
    assert _top("c3", pairs) == "GEO_COORDINATES"


def test_bare_letter_codes_are_blood_groups_only_under_a_name_that_says_so() -> None:
    # grades, sizes and enum codes share the letters of the ABO groups
    for name, values in (("e", ["a", "b"] * 20), ("grade", ["A", "B", "O", "AB"] * 20)):
        assert classify_column(name, values).labels == [], name
    assert _top("blood_group", ["A", "B", "O", "AB"] * 20) == "BLOOD_TYPE"
    # with the Rh factor the values say it themselves
    assert _top("c2", ["A+", "O-", "B+", "AB NEG"] * 20) == "BLOOD_TYPE"


def test_durations_and_times_of_day_are_not_classified() -> None:
    # seconds of an INTERVAL or a MySQL TIME look like round amounts to the model
    seconds = [86400.0 * g for g in range(1, 31)]
    for data_type in ("INTERVAL", "INTERVAL DAY TO SECOND", "TIME", "TIME WITHOUT TIME ZONE"):
        verdict = classify_column("iv", seconds, data_type=data_type)
        assert verdict.labels == [], data_type
        assert verdict.insufficient_evidence and "duration" in verdict.insufficient_evidence
    # a timestamp may be a date of birth: still classified
    births = [(datetime(1960, 1, 1) + timedelta(days=397 * g)).date() for g in range(60)]
    verdict = classify_column("date_of_birth", births, data_type="TIMESTAMP")
    assert [label.type_key for label in verdict.labels] == ["DATE_OF_BIRTH"]


def test_email_verified_flags_say_insufficient_evidence() -> None:
    verdict = classify_column("email_verified", [0, 1] * 40)
    assert verdict.labels == []
    assert verdict.insufficient_evidence and "distinct" in verdict.insufficient_evidence


def test_sparse_email_in_free_text_is_a_low_suggestion_at_most() -> None:
    values = [f"Customer called about order {i}, all fine." for i in range(95)]
    values += [f"Please write to person{i}@example.org about the refund" for i in range(5)]
    verdict = classify_column("notes", values)
    assert verdict.top is not None
    assert verdict.top.type_key == "EMAIL"
    assert verdict.top.confidence < 0.5
    assert verdict.top.state is LabelState.SUGGESTED
    assert "sparse" in str(verdict.top.evidence["note"])


def test_empty_all_null_and_single_value_are_insufficient() -> None:
    assert classify_column("email", []).insufficient_evidence == "empty column: no values sampled"
    nulls = classify_column("email", [None] * 20)
    assert nulls.labels == [] and "null" in (nulls.insufficient_evidence or "")
    repeated = classify_column("email", ["a@b.com"] * 100)
    assert repeated.labels == []
    assert "one repeated value" in (repeated.insufficient_evidence or "")


def test_binary_values_are_not_text() -> None:
    blobs = [bytes(RNG.getrandbits(8) for _ in range(64)) + b"\x00" for _ in range(30)]
    verdict = classify_column("payload", blobs)
    assert verdict.labels == []
    assert "binary" in (verdict.insufficient_evidence or "")


def test_mixed_encodings_are_decoded() -> None:
    values: list[object] = [f"user{i}@caf\u00e9.fr".encode() for i in range(20)]
    values += [f"user{i}@cafe.fr".encode("cp1252") for i in range(20, 40)]
    values += [f"user{i}@cafe.fr" for i in range(40, 60)]
    assert _top("email", values) is not None


def test_ten_megabyte_cells_are_truncated_quickly() -> None:
    big = "x" * 10_000_000
    values = [big + str(i) for i in range(20)] + [b"y" * 10_000_000]
    started = time.perf_counter()
    verdict = classify_column("payload", values)
    assert time.perf_counter() - started < 1.0
    assert verdict.labels == [] or verdict.labels[0].confidence < 0.5


def test_tiny_domain_types_fire_below_min_distinct() -> None:
    assert _top("gender", ["F", "M"] * 30) == "GENDER"


def test_checksum_beats_a_misleading_name() -> None:
    from stdnum.fr import nir

    values: list[str] = []
    while len(values) < 40:
        body = RNG.choice("12") + "".join(RNG.choice("0123456789") for _ in range(12))
        body = body[:3] + f"{RNG.randint(1, 12):02d}" + body[5:]
        values.append(body + nir.calc_check_digits(body))
    assert _top("phone", values) == "FR_NIR"


def test_disabled_types_are_never_returned() -> None:
    config = ClassifierConfig(enabled_types=frozenset({"PHONE"}))
    verdict = classify_column("email", [f"u{i}@x.org" for i in range(20)], config)
    assert all(lb.type_key == "PHONE" for lb in verdict.labels)


def test_auto_confirm_threshold_controls_state() -> None:
    values = [f"u{i}@x.org" for i in range(20)]
    strict = ClassifierConfig(auto_confirm_threshold=1.0)
    assert classify_column("email", values, strict).labels[0].state is LabelState.SUGGESTED


def test_batch_equals_single() -> None:
    cols = [
        ColumnInput("email", [f"u{i}@x.org" for i in range(20)]),
        ColumnInput("col_1", [None, None]),
        ColumnInput("ip", [f"10.0.0.{i}" for i in range(20)]),
    ]
    batch = classify_columns(cols)
    single = [classify_column(c.column_name, c.values) for c in cols]
    assert [v.labels for v in batch] == [v.labels for v in single]
    assert [v.insufficient_evidence for v in batch] == [v.insufficient_evidence for v in single]


def test_rules_alone_still_work_without_the_model() -> None:
    config = ClassifierConfig(use_ml=False)
    verdict = classify_column(
        "iban",
        ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606"],
        config,
    )
    assert verdict.top is not None and verdict.top.type_key == "IBAN"
    assert "model_probability" not in verdict.top.evidence


def test_boolean_sql_type_is_insufficient() -> None:
    verdict = classify_column("gender", ["F", "M"] * 10, data_type="BOOLEAN")
    assert verdict.labels == []
    assert "boolean" in (verdict.insufficient_evidence or "")


def test_sparse_card_numbers_must_pass_luhn() -> None:
    values = [f"Shipment {i} left the warehouse on time today." for i in range(90)]
    bad = [f"Reference 1234 5678 9012 345{i} noted by the clerk" for i in range(10)]
    good = [f"Customer paid with 4111 1111 1111 1111 at the desk {i}" for i in range(10)]
    assert all(lb.type_key != "CREDIT_CARD" for lb in classify_column("notes", values + bad).labels)
    labels = classify_column("notes", values + good).labels
    assert any(lb.type_key == "CREDIT_CARD" and lb.confidence < 0.5 for lb in labels)


def test_country_dictionary_knows_native_names_but_not_bare_codes() -> None:
    natives = ["Sverige", "Deutschland", "España", "Magyarország", "Suomi", "Polska", "Norge"]
    assert _top("col_4", natives * 5) == "COUNTRY"
    languages = ["de", "en", "fr", "it", "es", "nl", "pl"]
    assert _top("lang", languages * 5) != "COUNTRY"
    assert _top("country_code", ["DE", "FR", "IT", "ES", "NL", "PL"] * 5) == "COUNTRY"


def test_surrogate_keys_are_not_ages() -> None:
    """Small integer keys look like ages by value alone; found in the demo shop, where
    `id` and `customer_id` (1..50) were suggested as AGE after a retrain."""
    columns = [
        ColumnInput("id", list(range(1, 51)), "customers", "INTEGER"),
        ColumnInput("customer_id", [(i * 7) % 50 + 1 for i in range(200)], "orders", "INTEGER"),
        ColumnInput("ticket_id", list(range(1, 129)), "support_tickets", "INTEGER"),
    ]
    for verdict in classify_columns(columns, ClassifierConfig()):
        assert [lb.type_key for lb in verdict.labels] == [], verdict.column_name
    # ... while a real age column still is one
    ages = [18 + (i * 13) % 60 for i in range(200)]
    assert _top("age", ages) == "AGE"
