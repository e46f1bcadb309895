"""The throughput fast paths give exactly what the plain code paths give."""

from __future__ import annotations

import random

from racine.domain.classification import validators
from racine.domain.classification.sample import prepare


class _Text(str):
    """A ``str`` subclass: not ``type(...) is str``, so ``prepare`` takes the cell-by-cell path."""


def test_prepare_text_fast_path_matches_cell_by_cell_path() -> None:
    # given string cells with repeats, nulls, null words, padding, control bytes and long cells
    rng = random.Random(5)
    pool = [
        "ann@x.org",
        " ann@x.org ",
        "NULL",
        "n/a",
        "",
        "  ",
        "a\x00b",
        "Zoë",
        "x" * 300,
        "b@y.io",
        "c@z.net",
        "tab\there",
    ]
    cells: list[str | None] = [rng.choice([*pool, None]) for _ in range(400)]
    # when the fast path (plain str and None) and the slow path (a str subclass) run
    fast = prepare(cells, 300, 256)
    slow = prepare([None if c is None else _Text(c) for c in cells], 300, 256)
    # then the samples are identical, order of ties included
    assert fast == slow
    assert fast.truncated > 0 and fast.nulls > 0 and fast.binary > 0
    assert fast.non_null == sum(c for _, c in fast.counts)


def test_address_word_fast_path_matches_the_regexes() -> None:
    # given ASCII and non-ASCII strings built from the listed words and suffixes
    rng = random.Random(11)
    words = [
        "street",
        "St",
        "Hauptstrasse",
        "strasse",
        "vägen",
        "Storgatan",
        "Main",
        "12",
        "rd",
        "RUE",
        "x_street",
        "Allée",
        "tie",
        "katu",
        "Mannerheimintie",
    ]
    for _ in range(3000):
        parts = rng.sample(words, rng.randint(1, 3))
        text = rng.choice([" ", "-", ".", ", ", ""]).join(parts)
        # then the token test agrees with the original searches
        expected = bool(
            validators._ADDRESS_WORDS.search(text) or validators._ADDRESS_SUFFIX.search(text)
        )
        assert validators._address_word(text) is expected, text


def test_ngram_hashing_is_per_text_and_word_bounded() -> None:
    from racine.domain.classification import features

    texts = [f"value {i} ab-{i * 7}" for i in range(1100)] + ["", "x", "Zoë Ölfjörð"]
    # given a batch larger than one hashing chunk
    batch = features.hash_ngrams(texts, (1, 2, 3), 256)
    # then every row is what hashing that text alone gives (no leak across texts or chunks)
    for i in (0, 511, 512, 1099, 1100, 1101, 1102):
        single = features.hash_ngrams([texts[i]], (1, 2, 3), 256)[0]
        assert (batch[i] == single).all()
    # and rows are unit length, and a space inside an n-gram splits it
    assert abs(float((batch[0] ** 2).sum()) - 1.0) < 1e-5
    joined = features.hash_ngrams(["ab cd"], (3,), 1 << 16)
    parts = features.hash_ngrams(["ab", "cd"], (3,), 1 << 16)
    assert set(joined[0].nonzero()[0]) == set(parts[0].nonzero()[0]) | set(parts[1].nonzero()[0])


def test_a_model_trained_on_another_feature_layout_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import warnings

    import numpy as np

    from racine.domain.classification.features import N_FEATURES
    from racine.domain.classification.model import load_model

    # given a model file without the current layout tag (as written before it existed)
    path = tmp_path / "model.npz"
    np.savez_compressed(
        path,
        weights=np.zeros((N_FEATURES, 2), dtype=np.float16),
        bias=np.zeros(2, dtype=np.float32),
        classes=np.array(["NONE", "EMAIL"]),
    )
    # when it is loaded, then it is ignored with a warning (the rule tier still works)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_model.__wrapped__(path) is None
    assert any("feature layout" in str(w.message) for w in caught)


def test_prepare_fast_path_matches_on_clean_and_tricky_columns() -> None:
    # given columns that take each branch of the printable-strings path
    rng = random.Random(8)
    words = [
        "ann",
        "Bo",
        "n/a",
        "NULL",
        "x null y",
        "None",
        "nan",
        "\\n",
        "a  b",
        " lead",
        "trail ",
        " ",
        "",
        "Zoë",
        "tab\there",
        "a\x00b",
        "ok",
        "ok ",
        "OK",
    ]
    columns = [[rng.choice(words) for _ in range(60)] for _ in range(300)]
    columns += [[f"v{i % 7}" for i in range(50)], [f"v{i}" for i in range(50)], [], [""], [" "]]
    for cells in columns:
        mixed: list[str | None] = [None if rng.random() < 0.1 else c for c in cells]
        # when the str fast path and the cell-by-cell path run
        fast = prepare(mixed, 1000, 256)
        slow = prepare([None if c is None else _Text(c) for c in mixed], 1000, 256)
        # then they agree exactly
        assert fast == slow, mixed


class _Int(int):
    """Not ``type(...) is int``: ``prepare`` takes the cell-by-cell path."""


class _Float(float):
    """Not ``type(...) is float``: likewise."""


def test_prepare_number_fast_path_matches_cell_by_cell_path() -> None:
    # given int, float and mixed columns with repeats, nulls, NaN, infinities, -0.0 and 1 == 1.0
    rng = random.Random(13)
    pool: list[object] = [
        0,
        1,
        1.0,
        -0.0,
        0.0,
        7,
        12345678901234567890,
        2.5,
        1e-7,
        3e21,
        float("nan"),
        float("inf"),
        -float("inf"),
        None,
        -42,
        10**300,
    ]
    columns = [[rng.choice(pool) for _ in range(rng.randint(0, 80))] for _ in range(400)]
    columns += [[i * 3 for i in range(500)], [i / 7 for i in range(500)], [10**400, 1]]
    for cells in columns:

        def slow_cell(v: object) -> object:
            if v is None:
                return None
            return _Int(v) if type(v) is int else _Float(v)  # type: ignore[call-overload]

        # when the number fast path and the cell-by-cell path run
        fast = prepare(cells, 300, 256)
        slow = prepare([slow_cell(v) for v in cells], 300, 256)
        # then they agree exactly (counts, order of ties, nulls, truncation)
        assert fast == slow, cells


def test_sparse_search_on_joined_values_matches_value_by_value() -> None:
    # given free-text rows with emails, phones, IBANs and card numbers at their edges
    from racine.domain.classification.engine import _SPARSE_PATTERNS, _sparse_hits

    rng = random.Random(13)
    bits = [
        "ann@x.org",
        "call +44 20 7946 0958",
        "GB82 WEST 1234 5698 7654 32",
        "4111 1111 1111 1111",
        "4111-1111-1111-1112",
        "(020) 7946 0958",
        "order 12345",
        "see",
        "v1.2",
        "x@y",
        "DE89370400440532013000",
        "tel.020 7946 0958",
    ]
    for key, pattern in _SPARSE_PATTERNS.items():
        check = validators.VALIDATORS[key]
        for with_newline in (False, True):
            texts = [
                (" ".join(rng.sample(bits, rng.randint(1, 3))), rng.randint(1, 3))
                for _ in range(40)
            ]
            if with_newline:
                texts[7] = ("ann@x.org\n4111 1111 1111 1111", 2)
            # when the hits are counted on the joined text (or, with a newline, per value)
            hits = _sparse_hits(pattern, check, texts)
            # then they are the per-value search's hits
            expected = sum(
                c for v, c in texts if any(check(m.group(0).strip()) for m in pattern.finditer(v))
            )
            assert hits == expected


def test_geo_batch_matches_the_validator_value_by_value() -> None:
    # given value lists of decimals in and out of range, integers, signs, 180 exactly,
    # pairs, newlines, non-ASCII digits and the marker character
    rng = random.Random(17)
    atoms = [
        "-",
        ".",
        "0",
        "1",
        "7",
        "179",
        "180",
        "181",
        "999",
        "1000",
        "0000",
        "00001",
        "e",
        "\n",
        ",",
        " ",
        "\x01",
        "\u0661",
        "+",
        "x",
    ]
    fast = 0
    for _ in range(4000):
        values = [
            "".join(rng.choice(atoms) for _ in range(rng.randint(0, 6)))
            for _ in range(rng.randint(1, 70))
        ]
        if rng.random() < 0.7:  # mostly lists the batch form takes
            values = [
                v.translate({10: None, 44: None, 32: None, 1: None, 0x661: None}) for v in values
            ]
        if rng.random() < 0.5:
            values = [
                str(round(rng.uniform(-1200, 1200), rng.randint(0, 8))) if rng.random() < 0.7 else v
                for v in values
            ]
        flags = validators.geo_flags(values)
        # then, where it answers, the batch form agrees with the validator on every value
        if flags is not None:
            fast += 1
            assert flags == [validators._geo(v) for v in values], values
    assert fast > 2000
    assert validators.geo_flags(["180.00000000000000000001", "180.0001", "-180.0000"]) == [
        True,
        False,
        True,
    ]


def test_weighted_ratio_with_the_geo_batch_matches_the_plain_loop() -> None:
    from racine.domain.classification import matching

    # given decimal columns passing ~86 % (every 7th value integral), which no early exit
    # decides, and short or clearly passing ones, which one does
    columns = [[str(i / 7) if i % 7 else str(i // 7) for i in range(1, n)] for n in (20, 300, 900)]
    columns.append([f"{i / 1000:.5f}" for i in range(1, 400)])
    for cells in columns:
        sample = prepare(cells, 1000, 256)
        for known, min_ratio in ((0, 0.8), (12, 0.8), (0, 0.9), (0, 0.5)):
            # when the ratio is taken with the batch form and with the plain validator
            batched = matching.weighted_ratio(sample, validators._geo, min_ratio, known)
            plain = matching.weighted_ratio(sample, lambda v: validators._geo(v), min_ratio, known)
            # then both stop at the same value with the same ratio
            assert batched == plain
    assert validators._geo in validators.BATCH_CHECKS


def test_non_null_is_every_cell_neither_null_nor_binary() -> None:
    # given columns of every kind prepare takes apart: text, numbers, bytes, mixed cells
    rng = random.Random(23)
    pool: list[object] = [
        "a@b.co",
        " a@b.co ",
        "NULL",
        "",
        "  ",
        "a\x00b",
        "x" * 300,
        "\x01",
        b"bytes",
        b"\xff\xfe\x00",
        7,
        7.5,
        True,
        None,
        _Text(" n/a "),
    ]
    for _ in range(500):
        cells = [rng.choice(pool) for _ in range(rng.randint(0, 60))]
        for limit in (1000, 20):
            sample = prepare(cells, limit, 16 if rng.random() < 0.5 else 256)
            # then non_null (total - nulls - binary) is the sum of the counts
            assert sample.non_null == sum(c for _, c in sample.counts), cells


def test_printable_matches_isprintable_on_ascii_and_beyond() -> None:
    from racine.domain.classification.sample import printable

    # given every ASCII character alone and inside text, and non-ASCII neighbours
    chars = [chr(i) for i in range(128)] + ["\x80", "\x9f", "\xa0", "\xad", "é", "\u2028", "日"]
    texts = ["", "plain text", "a  b", *chars]
    texts += [f"ab{c}cd" for c in chars] + [f"{c}x" * 40 for c in chars] + [c * 3 for c in chars]
    for text in texts:
        # then the fast test answers what str.isprintable does
        assert printable(text) is text.isprintable(), repr(text)
    assert not printable("a\x7fb") and not printable("\x1f") and printable("~ !")


def test_prepare_text_fast_path_matches_on_ascii_controls() -> None:
    # given string columns with ASCII controls (DEL, escape, unit separator) among clean values
    rng = random.Random(29)
    words = ["ann", "bo@x.io", "a\x7fb", "\x1b[0m", "x\x1fy", "tab\there", "cr\rlf\n", "Zoë", "ok"]
    for _ in range(300):
        cells: list[str | None] = [rng.choice([*words, None]) for _ in range(rng.randint(0, 40))]
        # when the str fast path and the cell-by-cell path run
        fast = prepare(cells, 1000, 256)
        slow = prepare([None if c is None else _Text(c) for c in cells], 1000, 256)
        # then they agree exactly
        assert fast == slow, cells


def test_null_word_shortcut_matches_the_search() -> None:
    from racine.domain.classification.sample import _SPACED_NULL_WORD, _has_spaced_null_word

    # given joined texts with null words in any case, near misses and non-ASCII letters
    rng = random.Random(31)
    words = [
        "NULL",
        "None",
        "nAn",
        "N/A",
        "\\N",
        "\\n",
        "null",
        "nil",
        "an",
        "abc",
        "0x1f",
        "12.5",
        "\u212a",
        "\u0130",
        "Ñ",
        "ｎull",
        "x",
        "",
    ]
    for _ in range(3000):
        joined = " ".join(rng.choice(words) for _ in range(rng.randint(0, 5)))
        # then the shortcut answers what the search on the lowered, padded text does
        expected = _SPACED_NULL_WORD.search(f" {joined.lower()} ") is not None
        assert _has_spaced_null_word(joined) is expected, joined
