"""Custom types and rules: validation and linear-time safety of user regexes."""

from __future__ import annotations

import time

import pytest

from racine.domain.classification import (
    ClassifierConfig,
    CustomRule,
    CustomType,
    classify_column,
)
from racine.domain.errors import ValidationFailed

EMPLOYEE = CustomType("EMPLOYEE_ID", "Employee id")


def test_custom_value_rule_fires() -> None:
    config = ClassifierConfig(
        custom_types=(EMPLOYEE,),
        custom_rules=(CustomRule("EMPLOYEE_ID", value_pattern=r"EMP-\d{6}"),),
    )
    verdict = classify_column("col_1", [f"EMP-{i:06d}" for i in range(30)], config)
    assert verdict.top is not None and verdict.top.type_key == "EMPLOYEE_ID"
    assert verdict.top.evidence["rules"] == ["custom:0"]


def test_custom_dictionary_and_name_rule() -> None:
    config = ClassifierConfig(
        custom_types=(CustomType("TEAM", "Team"),),
        custom_rules=(
            CustomRule("TEAM", name_pattern="team", dictionary=frozenset({"red", "blue", "green"})),
        ),
    )
    top = classify_column("team_name", ["Red", "Blue", "Green"] * 5, config).top
    assert top is not None and top.type_key == "TEAM"
    assert all(
        lb.type_key != "TEAM"
        for lb in classify_column("colour", ["Red", "Blue", "Green"] * 5, config).labels
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"type_key": "X_Y"}, "valuePattern"),
        ({"type_key": "EMAIL", "value_pattern": "(unclosed"}, "valuePattern"),
        ({"type_key": "EMAIL", "name_pattern": "[z-a]"}, "namePattern"),
        ({"type_key": "EMAIL", "value_pattern": "a", "min_match_ratio": 1.5}, "minMatchRatio"),
        ({"type_key": "EMAIL", "value_pattern": "a", "confidence": 0}, "confidence"),
        ({"type_key": "EMAIL", "dictionary": frozenset()}, "valuePattern"),
    ],
)
def test_bad_rules_are_rejected_with_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        CustomRule(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    assert info.value.code == "INVALID"


def test_bad_types_and_config_are_rejected() -> None:
    with pytest.raises(ValidationFailed) as info:
        CustomType("email", "lower case")
    assert info.value.field == "key"
    with pytest.raises(ValidationFailed):
        CustomType("EMAIL", "clashes with built-in")
    with pytest.raises(ValidationFailed) as info:
        ClassifierConfig(custom_rules=(CustomRule("NOPE", value_pattern="a"),))
    assert info.value.field == "customRules"
    with pytest.raises(ValidationFailed) as info:
        ClassifierConfig(enabled_types=frozenset({"NOPE"}))
    assert info.value.field == "enabledTypes"
    with pytest.raises(ValidationFailed) as info:
        ClassifierConfig(min_match_ratio=0)
    assert info.value.field == "minMatchRatio"


def test_pathological_regex_finishes_fast() -> None:
    config = ClassifierConfig(
        custom_types=(EMPLOYEE,),
        custom_rules=(CustomRule("EMPLOYEE_ID", value_pattern=r"(a+)+$"),),
        max_cell_chars=5000,
    )
    values = ["a" * 4000 + f"b{i}" for i in range(200)]
    started = time.perf_counter()
    verdict = classify_column("col_1", values, config)
    assert time.perf_counter() - started < 2.0
    assert all(lb.type_key != "EMPLOYEE_ID" for lb in verdict.labels)
