"""Value-shape and layout features, and what the model learnt from them on opaque names.

Given columns whose names say nothing (``col_7``), when they are classified, then the
value layout decides: a whole layout (``12-3456-7890123-00``) is one signal rather
than a bag of digits, one issuer's constant prefix is not a national document's
varying letter, and a dense run of small integers is a key, not ages.
"""

from __future__ import annotations

import random
import string

import numpy as np

from racine.domain.classification import ColumnInput, classify_columns
from racine.domain.classification.features import DENSE_NAMES, featurize, shape_block
from racine.domain.classification.generators import column_generators
from racine.domain.classification.layouts import PerColumn
from racine.domain.classification.sample import prepare

RNG = random.Random(11)
UPPER = string.ascii_uppercase


def _d(n: int) -> str:
    return "".join(RNG.choice(string.digits) for _ in range(n))


def _dense(values: list[str]) -> dict[str, float]:
    row = featurize(["col_7"], [prepare(values, 128, 256)], [{}])[0]
    return dict(zip(DENSE_NAMES, row[-len(DENSE_NAMES) :].tolist(), strict=True))


def _tops(columns: dict[str, list[str]]) -> dict[str, str | None]:
    verdicts = classify_columns([ColumnInput("col_7", v) for v in columns.values()])
    return {
        key: (v.top.type_key if v.top and v.top.confidence >= 0.5 else None)
        for key, v in zip(columns, verdicts, strict=True)
    }


def test_shapes_group_one_layout_whatever_the_digits() -> None:
    licences = [
        prepare([f"{RNG.choice(UPPER)}{_d(3)}-{_d(4)}-{_d(4)}" for _ in range(12)], 128, 256)
        for _ in range(2)
    ]
    skus = prepare([f"{RNG.choice(['MUG', 'CAP'])}-{_d(4)}-XL" for _ in range(12)], 128, 256)
    a, b, sku = shape_block([*licences, skus])
    assert float(a @ b) > 0.99  # same layout, other digits and letters
    assert float(a @ sku) < 0.2  # letters-digits-letters is another layout
    assert np.isclose(float(np.linalg.norm(a)), 1.0)


def test_layout_consistency_features() -> None:
    issuer = _dense([f"MR{_d(7)}" for _ in range(16)])
    national = _dense([f"{UPPER[i]}{_d(7)}" for i in range(16)])
    assert issuer["letter_prefix_top"] == 1.0 and issuer["shape_top"] == 1.0
    assert national["letter_prefix_top"] < 0.1 and national["first_char_top"] < 0.1
    assert _dense(["0" + _d(4) for _ in range(16)])["leading_zero"] == 1.0
    assert _dense([str(i) for i in range(1, 17)])["int_run"] == 1.0
    assert _dense([str(RNG.randint(0, 99)) for _ in range(16)])["int_run"] < 0.6


def test_trainer_draws_one_layout_per_column() -> None:
    """Formats drawn per value taught a blur of layouts that fits no real column."""
    source = column_generators()["BANK_ACCOUNT"][0]
    assert isinstance(source, PerColumn)
    rng = random.Random(3)
    single = 0
    for _ in range(40):
        gen = source.column(rng)
        shapes = {
            v.translate(str.maketrans(string.digits, "9" * 10))
            for v in (gen(None, rng) for _ in range(20))
        }
        single += len(shapes) == 1
    assert single >= 30  # a few columns mix sources on purpose


def test_opaque_layouts_are_recognised() -> None:
    """Each of these was NONE or another type (TAX_ID) before value shapes (session 3)."""
    tops = _tops(
        {
            "BANK_ACCOUNT": [f"{_d(2)}-{_d(4)}-{_d(7)}-{_d(2)}" for _ in range(64)],
            "MEDICAL_RECORD_NUMBER": [f"MR{_d(7)}" for _ in range(64)],
            "DRIVER_LICENSE": [
                f"{RNG.choice(UPPER)}{_d(3)}-{_d(3)}-{_d(2)}-{_d(3)}-{_d(1)}" for _ in range(64)
            ],
            "POSTAL_CODE": [f"{_d(3)} {_d(2)}" for _ in range(64)],
        }
    )
    assert tops == {key: key for key in tops}


def test_opaque_keys_and_digests_stay_unlabelled() -> None:
    """A run of ids cannot be ages (more distinct values than ages allow, in order), and
    file digests are not password hashes: neither has a label a steward must reject."""
    tops = _tops(
        {
            "ids": [str(i) for i in range(1, 129)],
            "sha1": ["".join(RNG.choice("0123456789abcdef") for _ in range(40)) for _ in range(64)],
            "md5": ["".join(RNG.choice("0123456789abcdef") for _ in range(32)) for _ in range(64)],
        }
    )
    assert tops == {"ids": None, "sha1": None, "md5": None}
