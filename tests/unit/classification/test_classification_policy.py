"""merge never overrides stewards; sensitivity roll-up; masking."""

from __future__ import annotations

import pytest

from racine.domain.classification import (
    Label,
    LabelSource,
    LabelState,
    Sensitivity,
    mask_value,
    mask_values,
    merge,
    roll_up,
    sensitivity_for,
)


def _label(key: str, state: LabelState, source: LabelSource, confidence: float = 0.9) -> Label:
    return Label(key, confidence, state, source, {})


def test_merge_keeps_steward_confirmed_and_rejected() -> None:
    existing = [
        _label("EMAIL", LabelState.CONFIRMED, LabelSource.MANUAL, 1.0),
        _label("PHONE", LabelState.REJECTED, LabelSource.MANUAL, 1.0),
    ]
    new = [
        _label("EMAIL", LabelState.SUGGESTED, LabelSource.ML, 0.4),
        _label("PHONE", LabelState.CONFIRMED, LabelSource.RULE, 0.99),
        _label("URL", LabelState.SUGGESTED, LabelSource.RULE, 0.7),
    ]
    merged = merge(existing, new)
    by_key = {lb.type_key: lb for lb in merged}
    assert by_key["EMAIL"] == existing[0]
    assert by_key["PHONE"] == existing[1]
    assert by_key["URL"] == new[2]
    assert len(merged) == 3


def test_merge_replaces_and_drops_stale_automatic_labels() -> None:
    existing = [
        _label("EMAIL", LabelState.CONFIRMED, LabelSource.RULE),
        _label("URL", LabelState.SUGGESTED, LabelSource.ML),
    ]
    new = [_label("EMAIL", LabelState.SUGGESTED, LabelSource.RULE, 0.6)]
    assert merge(existing, new) == new


def test_merge_keeps_automatic_labels_of_types_the_scan_did_not_look_for() -> None:
    existing = [
        _label("EMAIL", LabelState.CONFIRMED, LabelSource.RULE),
        _label("URL", LabelState.SUGGESTED, LabelSource.ML),
        _label("PHONE", LabelState.SUGGESTED, LabelSource.RULE),
    ]
    new = [_label("PHONE", LabelState.CONFIRMED, LabelSource.RULE, 0.95)]
    merged = merge(existing, new, evaluated=frozenset({"PHONE", "URL"}))
    assert merged == [existing[0], new[0]]  # URL looked for and not found: dropped
    assert merge(existing, [], evaluated=frozenset()) == existing


def test_merge_keeps_a_propagated_label_the_scan_does_not_find() -> None:
    # Given lineage's EMAIL and PHONE copies on a column
    existing = [
        _label("EMAIL", LabelState.SUGGESTED, LabelSource.PROPAGATED),
        _label("PHONE", LabelState.SUGGESTED, LabelSource.PROPAGATED),
    ]
    # When a scan finds PHONE itself and no EMAIL
    new = [_label("PHONE", LabelState.CONFIRMED, LabelSource.RULE, 0.95)]
    # Then its PHONE replaces the copy, and the EMAIL copy stays (lineage owns it)
    assert merge(existing, new) == [new[0], existing[0]]


def test_merge_refuses_manual_labels_as_new() -> None:
    with pytest.raises(ValueError):
        merge([], [_label("EMAIL", LabelState.CONFIRMED, LabelSource.MANUAL)])


def test_sensitivity_is_the_max_of_live_labels() -> None:
    labels = [
        _label("CITY", LabelState.CONFIRMED, LabelSource.RULE),  # INTERNAL
        _label("CREDIT_CARD", LabelState.REJECTED, LabelSource.MANUAL),  # ignored
        _label("EMAIL", LabelState.SUGGESTED, LabelSource.ML),  # CONFIDENTIAL
    ]
    assert sensitivity_for(labels) is Sensitivity.CONFIDENTIAL
    assert sensitivity_for(labels, include_suggested=False) is Sensitivity.INTERNAL
    assert sensitivity_for([]) is None
    assert (
        sensitivity_for(labels[:1], overrides={"CITY": Sensitivity.RESTRICTED})
        is Sensitivity.RESTRICTED
    )


def test_roll_up_column_table_source() -> None:
    table_a = roll_up([Sensitivity.INTERNAL, None, Sensitivity.CONFIDENTIAL])
    table_b = roll_up([None, None])
    table_c = roll_up([Sensitivity.RESTRICTED])
    assert table_a is Sensitivity.CONFIDENTIAL
    assert table_b is None
    assert roll_up([table_a, table_b, table_c]) is Sensitivity.RESTRICTED
    assert roll_up([]) is None


@pytest.mark.parametrize(
    ("value", "key", "expected"),
    [
        ("4111 1111 1111 1234", "CREDIT_CARD", "****1234"),
        ("DE89370400440532013000", "IBAN", "****3000"),
        ("jane.doe@example.com", "EMAIL", "****@example.com"),
        ("Jane Doe", "PERSON_NAME", "****"),
        ("12345", "BANK_ACCOUNT", "****"),
        (None, "EMAIL", None),
        (b"078-05-1120", "US_SSN", "****"),
        ("+44 20 7946 0958", "PHONE", "****0958"),
    ],
)
def test_mask_value(value: object, key: str, expected: str | None) -> None:
    assert mask_value(value, key) == expected


def test_mask_values_only_for_sensitive_live_labels() -> None:
    values = ["jane@example.com", None]
    email = _label("EMAIL", LabelState.SUGGESTED, LabelSource.RULE)
    rejected = _label("EMAIL", LabelState.REJECTED, LabelSource.MANUAL)
    country = _label("COUNTRY", LabelState.CONFIRMED, LabelSource.RULE)  # PUBLIC
    assert mask_values(values, [email]) == ["****@example.com", None]
    assert mask_values(values, [rejected]) == values
    assert mask_values(["France"], [country]) == ["France"]
