"""The throughput fast paths give exactly what the plain code paths give."""

from __future__ import annotations

import random
from collections import Counter

from racine.domain.classification import validators
from racine.domain.classification.sample import prepare


class _Text(str):
    """A ``str`` subclass: not ``type(...) is str``, so ``prepare`` takes the cell-by-cell path."""


def test_prepare_text_fast_path_matches_cell_by_cell_path() -> None:
    # given string cells with repeats, nulls, null words, padding, control bytes and long cells
    rng = random.Random(5)
    pool = ["ann@x.org", " ann@x.org ", "NULL", "n/a", "", "  ", "a\x00b", "Zoë", "x" * 300,
            "b@y.io", "c@z.net", "tab\there"]
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
    words = ["street", "St", "Hauptstrasse", "strasse", "vägen", "Storgatan", "Main", "12",
             "rd", "RUE", "x_street", "Allée", "tie", "katu", "Mannerheimintie"]
    for _ in range(3000):
        parts = rng.sample(words, rng.randint(1, 3))
        text = rng.choice([" ", "-", ".", ", ", ""]).join(parts)
        # then the token test agrees with the original searches
        expected = bool(validators._ADDRESS_WORDS.search(text)
                        or validators._ADDRESS_SUFFIX.search(text))
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
    np.savez_compressed(path, weights=np.zeros((N_FEATURES, 2), dtype=np.float16),
                        bias=np.zeros(2, dtype=np.float32), classes=np.array(["NONE", "EMAIL"]))
    # when it is loaded, then it is ignored with a warning (the rule tier still works)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_model.__wrapped__(path) is None
    assert any("feature layout" in str(w.message) for w in caught)


def test_prepare_fast_path_matches_on_clean_and_tricky_columns() -> None:
    # given columns that take each branch of the printable-strings path
    rng = random.Random(8)
    words = ["ann", "Bo", "n/a", "NULL", "x null y", "None", "nan", "\\n", "a  b", " lead",
             "trail ", " ", "", "Zoë", "tab\there", "a\x00b", "ok", "ok ", "OK"]
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
    pool: list[object] = [0, 1, 1.0, -0.0, 0.0, 7, 12345678901234567890, 2.5, 1e-7, 3e21,
                          float("nan"), float("inf"), -float("inf"), None, -42, 10 ** 300]
    columns = [[rng.choice(pool) for _ in range(rng.randint(0, 80))] for _ in range(400)]
    columns += [[i * 3 for i in range(500)], [i / 7 for i in range(500)], [10 ** 400, 1]]
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


def test_prepare_fast_path_with_only_long_values_matches_cell_by_cell_path() -> None:
    # given columns whose values are all over 4 characters (no null word possible), some
    # with padding, inner double spaces or a null word inside a longer value
    rng = random.Random(21)
    longer = ["alpha", "bravo nan x", "x null y", " lead", "trail ", "a  b c", "Zoë Ölf",
              "ok ok", "delta"]
    four = ["NULL", "None", "none", "nulls", "abcd", "Nan x"]  # null words at the 4-char limit
    for _ in range(600):
        words = rng.choice([longer, four, [*longer[3:5], "abcde"]])
        cells: list[str | None] = [rng.choice([*words, None]) for _ in range(rng.randint(1, 20))]
        # when the str fast path and the cell-by-cell path run
        fast = prepare(cells, 1000, 256)
        slow = prepare([None if c is None else _Text(c) for c in cells], 1000, 256)
        # then they agree exactly
        assert fast == slow, cells


def _random_texts(rng: random.Random, alphabet: str, count: int, longest: int) -> list[str]:
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
            for _ in range(count)]


def test_signatures_of_a_batch_are_the_signatures_of_each_value() -> None:
    from racine.domain.classification.prefilter import signature, signatures

    # given batches of ASCII values (controls, spaces, punctuation) and some non-ASCII ones
    rng = random.Random(17)
    alphabet = "".join(map(chr, range(128))) + "éß"
    classes = str.maketrans({**{c: "d" for c in "0123456789"},
                             **{c: "U" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
                             **{c: "l" for c in "abcdefghijklmnopqrstuvwxyz"},
                             **{c: "s" for c in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"}})
    for _ in range(3000):
        values = _random_texts(rng, alphabet if rng.random() < 0.3 else alphabet[:128],
                               rng.randint(0, 12), 10)
        # then the batch gives each value's own signature, the classes of its characters
        expected = [(frozenset(v.translate(classes)), len(v)) if v.isascii() else None
                    for v in values]
        assert signatures(values) == [signature(v) for v in values] == expected, values


def test_batched_geo_check_matches_the_per_value_check() -> None:
    # given decimals in and out of range, pairs, Unicode digits and junk
    rng = random.Random(19)
    for _ in range(3000):
        values = _random_texts(rng, "0123456789.-,; ()١e", rng.randint(0, 40), 14)
        if rng.random() < 0.5:
            values = [v.translate(str.maketrans("", "", ",; ")) for v in values]
        values += [f"{rng.uniform(-400, 400):.{rng.randint(1, 8)}f}" for _ in range(9)]
        rng.shuffle(values)
        # then the batched form answers what the check answers, value by value
        assert validators.BATCHED[validators._geo](values) == list(map(validators._geo, values))


def test_weighted_ratio_with_a_batched_check_matches_calls_per_value() -> None:
    from racine.domain.classification.matching import weighted_ratio
    from racine.domain.classification.sample import Sample

    # given columns of coordinates with some failures, in various orders and counts
    rng = random.Random(23)
    geo = validators._geo
    for _ in range(500):
        pool = [f"{rng.uniform(-90, 90):.5f}" for _ in range(rng.randint(1, 150))]
        pool += ["12", "abc", "190.12345", "45.1234, 7.5678"][: rng.randint(0, 4)] * rng.randint(
            1, 20)
        counts = list(Counter(rng.choice(pool) for _ in range(rng.randint(1, 500))).items())
        sample = Sample(counts, sum(c for _, c in counts), 0, 0, 0)
        known = rng.choice([0, 0, min(12, len(counts))])
        for ratio in (0.5, 0.8, 0.95):
            # when the batched path (the registered check) and a plain wrapper run
            batched = weighted_ratio(sample, geo, ratio, known)
            plain = weighted_ratio(sample, lambda v: geo(v), ratio, known)
            # then they stop at the same value and give the same ratio
            assert batched == plain


def test_numbers_in_one_pass_match_the_per_value_parse() -> None:
    from racine.domain.classification import features

    # given short texts that parse, do not, or parse to something refused (inf, huge, ",")
    rng = random.Random(29)
    for _ in range(5000):
        values = _random_texts(rng, "0123456789.-+e,_ inaf١", rng.randint(0, 16), 12)
        if rng.random() < 0.5:
            values = [str(rng.choice([rng.randint(-10**16, 10**16), rng.random() * 1e18,
                                      float("inf"), float("nan"), -0.0])) for _ in values]
        values = [v for v in values if len(v) <= 20]
        expected = [x for x in map(features._number, values) if x is not None]
        # then the one-pass parse keeps the same numbers, in the same order
        got = features._numbers(values, "," in "".join(values))
        assert list(map(repr, got)) == list(map(repr, expected)), values


def test_hash_checks_match_their_regexes() -> None:
    # given hex digests of every length, crypt and Django layouts and near misses
    rng = random.Random(31)
    v = validators
    samples = ["$2b$12$" + "a" * 53, "$6$rounds=5000$abcdefghijk", "pbkdf2_sha256$260000$abc",
               "md5$abcdefghijkl", "$1$short", "a$b"]
    for _ in range(3000):
        n = rng.choice([31, 32, 33, 40, 64, 128, 20])
        samples.append("".join(rng.choice("0123456789abcdefABCDEFg$") for _ in range(n)))
    for s in samples:
        # then the guarded checks agree with the plain regex alternatives
        structured = bool(v._BCRYPT.fullmatch(s) or v._CRYPT.match(s) or v._DJANGO_HASH.fullmatch(s))
        assert v.EXTRA_CHECKS["hash_structured"](s) is structured, s
        assert v.VALIDATORS["PASSWORD_HASH"](s) is (structured or bool(v._HEX_DIGEST.fullmatch(s))), s


def test_rule_plan_rates_match_lookups_per_key() -> None:
    from racine.domain.classification.config import DEFAULT
    from racine.domain.classification.matching import evaluate_rules, probe
    from racine.domain.classification.rules import normalize_name

    # given columns with full probe rates, and the same rates with keys missing (lookup path)
    rng = random.Random(37)
    columns = {"email": [f"u{i}@x{i % 3}.org" for i in range(40)],
               "phone_number": [f"+33 6 {i:02d} 12 34 56" for i in range(40)],
               "lat": [f"{rng.uniform(-90, 90):.5f}" for _ in range(40)],
               "c7": [str(i * 7) for i in range(40)]}
    fired = set()
    for name, values in columns.items():
        sample = prepare(values, 128, 256)
        rates = probe(sample)
        partial = {k: r for k, r in rates.items() if r}
        norm = normalize_name(name)
        # then both give the same rule outcomes
        outcomes = evaluate_rules(norm, sample, rates, DEFAULT)
        assert outcomes == evaluate_rules(norm, sample, partial, DEFAULT)
        fired |= {o.type_key for o in outcomes}
    assert {"EMAIL", "PHONE", "GEO_COORDINATES"} <= fired


def test_a_probe_rate_of_one_half_is_enough_to_check_a_type() -> None:
    from racine.domain.classification.config import DEFAULT
    from racine.domain.classification.matching import evaluate_rules, probe
    from racine.domain.classification.sample import Sample

    # given an unnamed column whose head is half e-mail addresses, the rest of its rows too
    head = [(f"user{i}@example.org", 100) for i in range(6)] + [(f"x{i}", 1) for i in range(6)]
    sample = Sample(head + [(f"more{i}@example.org", 1) for i in range(30)], 636, 0, 0, 0)
    rates = probe(sample)
    assert rates["EMAIL"] == 0.5
    # when the rules run, then the e-mail rule is checked and fires
    assert "EMAIL" in {o.type_key for o in evaluate_rules("_c1_", sample, rates, DEFAULT)}
