"""Column features for the ML tier.

Four blocks, concatenated: hashed character n-grams of the column name, hashed
character n-grams of a few distinct values, hashed value *shapes*, and dense
statistics (character classes, lengths, digit ratios, numeric ranges, layout
consistency, and the validator pass rates of the rule tier's probe).

Shapes generalise where raw characters do not: ``D793-6903-6203`` and
``B120-5531-0098`` share no digit n-gram but are both ``A999-9999-9999`` (exact
shape, fixes the layout) and ``A9-9-9`` (coarse shape, runs collapsed: the same
family whatever the group widths), while the SKU ``MUG-5437-XL`` is ``A-9-A``.
Identifiers issued by one system keep one layout down a column; the dense block
says how consistent the layout, the first character and the letter prefix are
(a constant ``H`` before 8 digits is one issuer's series, a varying letter a
national document's), and how many all-digit values keep a leading zero (codes,
not quantities). Hashing keeps the model a fixed-size array with no
vocabulary to ship.

Throughput: the n-grams are hashed with numpy over the whole batch at once
(the text becomes one array of code points; an n-gram's hash is an FNV-style
fold of n shifted views of it), ~20 us per column instead of ~260 us for
scikit-learn's ``HashingVectorizer``, which slices a Python string per n-gram.
Word-bounded like its ``char_wb`` analyser: an n-gram never spans a space
inside it. The statistics use C-level ``map``/``sum`` rather than a generator
per character. ``FEATURE_LAYOUT`` names this recipe; the model file records it,
and a model trained on another layout is refused (see ``model.py``).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache
from itertools import compress, repeat
from operator import itemgetter, mul, not_

import numpy as np

from racine.domain.classification.matching import PROBE_KEYS
from racine.domain.classification.sample import Sample
from racine.domain.classification.validators import parse_date

__all__ = ["DENSE_NAMES", "FEATURE_LAYOUT", "N_FEATURES", "featurize", "hash_ngrams", "shape_block"]

FEATURE_LAYOUT = "fnv-char-ngrams-shapes-v4"

NAME_DIM = 2**11
VALUE_DIM = 2**12
SHAPE_DIM = 2**10
_VALUES_USED = 16
_NGRAM_VALUES = 12
_NAME_NGRAMS = (2, 3, 4)
_VALUE_NGRAMS = (1, 2, 3)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_HASH_CHUNK = 128
_SEED = np.uint64(0xCBF29CE484222325)  # FNV-1a offset basis

_HEX = "0123456789abcdefABCDEF"
_DIGIT_BYTES = b"0123456789"
_UPPER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_BYTES = b"abcdefghijklmnopqrstuvwxyz"
# A value's shape: upper-case letters -> A, lower-case -> a, digits -> 9, space -> _,
# anything else kept (non-ASCII characters keep their UTF-8 bytes).
_SHAPE_BYTES = bytes.maketrans(
    _UPPER_BYTES + _LOWER_BYTES + _DIGIT_BYTES + b" ", b"A" * 26 + b"a" * 26 + b"9" * 10 + b"_"
)
_SEP_BYTE = b"\x1f"
_RUNS = re.compile(rb"(.)\1+")
_SEP = "\x1f"
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ANY_DIGIT = re.compile(r"\d").search

_STATS = (
    "len_mean",
    "len_std",
    "len_max",
    "all_digit",
    "all_alpha",
    "has_space",
    "has_digit",
    "digit_ratio",
    "alpha_ratio",
    "upper_ratio",
    "title",
    "at",
    "dot",
    "dash",
    "slash",
    "colon",
    "comma",
    "plus",
    "underscore",
    "dollar",
    "non_ascii",
    "tokens",
    "distinct_ratio",
    "log_distinct",
    "numeric",
    "numeric_int",
    "num_0_120",
    "num_small",
    "num_log_mean",
    "date",
    "date_year",
    "time",
    "hex_only",
    "upper_only",
    "equal_len",
    "shape_top",
    "first_char_top",
    "letter_prefix_top",
    "leading_zero",
    "digits_mean",
    "int_run",
    "int_max",
)
DENSE_NAMES: tuple[str, ...] = _STATS + tuple(f"rate_{k}" for k in PROBE_KEYS)
N_FEATURES = NAME_DIM + VALUE_DIM + SHAPE_DIM + len(DENSE_NAMES)


_NUMBER_START = frozenset("+-.")


def _number(v: str) -> float | None:
    # float() only accepts text starting with a digit, a sign or a point (or inf/nan,
    # which are not finite): the cheap test spares an exception per word.
    if len(v) > 20 or not (v[:1].isdigit() or v[:1] in _NUMBER_START):
        return None
    try:
        x = float(v.replace(",", ""))
    except ValueError:
        return None
    return x if math.isfinite(x) and abs(x) < 1e15 else None


def _top_share(items: list[str] | list[bytes], n: int) -> float:
    """Share of the most common item (``list.count`` per distinct item: n <= 16)."""
    return max(map(items.count, set(items))) / n if items else 0.0  # type: ignore[arg-type]


def _stats(sample: Sample) -> list[float]:
    values = list(map(itemgetter(0), sample.counts[:_VALUES_USED]))
    n = len(values)
    if n == 0:
        return [0.0] * len(_STATS)
    lengths = list(map(len, values))
    mean = sum(lengths) / n
    std = math.sqrt(max(0.0, sum(map(mul, lengths, lengths)) / n - mean * mean))
    chars = "".join(values)
    total = max(1, len(chars))
    # Character classes by deletion (C-level ``translate``): ASCII classes, and any
    # non-ASCII character counts as a letter, which is what it nearly always is.
    # Counted on the UTF-8 bytes (bytes.translate is a C loop; str.translate with a
    # deletion table is not): ASCII characters are single bytes there too.
    raw = _SEP.join(values).encode("utf-8", "surrogatepass")
    total_chars = len(chars)
    digit_chars = len(raw) - len(raw.translate(None, _DIGIT_BYTES))
    upper_chars = len(raw) - len(raw.translate(None, _UPPER_BYTES))
    lower_chars = len(raw) - len(raw.translate(None, _LOWER_BYTES))
    non_ascii = 0 if chars.isascii() else total_chars - len(chars.encode("ascii", "ignore"))
    alpha_chars = upper_chars + lower_chars + non_ascii

    def has(ch: str) -> float:  # the joined text answers "nowhere" for most characters
        return sum(map(str.__contains__, values, repeat(ch))) / n if ch in chars else 0.0

    if digit_chars:
        numbers = [x for x in map(_number, values) if x is not None]
        dates = [d for d in map(parse_date, values) if d is not None]
        with_digit = list(compress(values, map(_ANY_DIGIT, values)))
    else:
        numbers, dates, with_digit = [], [], []
    # Integers: a dense run (ids 1, 2, 3 ... in the order rows come) and the largest value
    # (ages stop near 100; foreign keys into a small table stop where the table does).
    ints = {int(x) for x in numbers if x.is_integer()}
    run = len(ints) / (max(ints) - min(ints) + 1) if len(ints) >= 4 else 0.0
    firsts = [v[:1] for v in values]
    lettered = [v for v, f in zip(values, firsts, strict=True) if f.isalpha()]
    prefixes = [v[: len(v) - len(v.lstrip(_ASCII_LETTERS))] for v in lettered]
    return [
        min(mean, 200) / 50,
        min(std, 100) / 20,
        min(max(lengths), 256) / 64,
        sum(map(str.isdigit, values)) / n,
        sum(map(str.isalpha, values)) / n,
        has(" "),
        len(with_digit) / n,
        digit_chars / total,
        alpha_chars / total,
        upper_chars / total,
        sum(map(str.isupper, firsts)) / n,
        has("@"),
        has("."),
        has("-"),
        has("/"),
        has(":"),
        has(","),
        has("+"),
        has("_"),
        has("$"),
        non_ascii / total,
        min(len(" ".join(values).split()) / n, 20) / 5,
        sample.distinct / max(1, sample.non_null),
        math.log1p(sample.distinct) / 7,
        len(numbers) / n,
        sum(1 for x in numbers if x.is_integer()) / n,
        sum(1 for x in numbers if 0 <= x <= 120 and x.is_integer()) / n,
        sum(1 for x in numbers if 0 <= x <= 1) / n,
        (sum(math.log10(1 + abs(x)) for x in numbers) / len(numbers) / 10) if numbers else 0.0,
        len(dates) / n,
        ((sum(d.year for d in dates) / len(dates)) - 1990) / 30 if dates else 0.0,
        sum(1 for v in with_digit if ":" in v) / n,
        sum(map(not_, map(str.strip, values, repeat(_HEX)))) / n,
        sum(map(str.isupper, values)) / n,
        1.0 if len(set(lengths)) == 1 else 0.0,
        _top_share(raw.translate(_SHAPE_BYTES).split(_SEP_BYTE), n),
        _top_share(firsts, n),
        _top_share([p for p in prefixes if p], n),
        sum(1 for v in values if v[:1] == "0" and v.isdigit()) / n if "0" in firsts else 0.0,
        min(digit_chars / n, 32) / 16,
        run,
        min(max(ints), 200) / 100 if ints else 0.0,
    ]


_ALL_RATES = itemgetter(*PROBE_KEYS)


def _rates(rates: dict[str, float]) -> list[float]:
    """The probe's rates in ``PROBE_KEYS`` order (a probe always gives every key)."""
    if len(rates) == len(PROBE_KEYS):
        return list(_ALL_RATES(rates))
    return [rates.get(k, 0.0) for k in PROBE_KEYS]


def _value_text(sample: Sample) -> str:
    return " ".join(v[:32] for v, _ in sample.counts[:_NGRAM_VALUES])


@lru_cache(maxsize=16384)
def _shape_buckets(shape: bytes) -> tuple[int, int]:
    """Buckets of one exact shape and of its coarse form (runs collapsed)."""
    coarse = b"~" + _RUNS.sub(rb"\1", shape)
    return zlib.crc32(shape) % SHAPE_DIM, zlib.crc32(coarse) % SHAPE_DIM


def shape_block(samples: Sequence[Sample], out: np.ndarray | None = None) -> np.ndarray:
    """L2-normalised counts of the hashed exact and coarse shapes of a few values."""
    keys: list[int] = []
    for row, sample in enumerate(samples):
        raw = _SEP.join([v[:32] for v, _ in sample.counts[:_NGRAM_VALUES]]).encode(
            "utf-8", "surrogatepass"
        )
        if not raw:
            continue
        base = row * SHAPE_DIM
        for exact, coarse in map(_shape_buckets, raw.translate(_SHAPE_BYTES).split(_SEP_BYTE)):
            keys.append(base + exact)
            keys.append(base + coarse)
    rows = len(samples)
    counts = np.bincount(np.array(keys, dtype=np.int64), minlength=rows * SHAPE_DIM).reshape(
        rows, SHAPE_DIM
    )
    if out is None:
        out = counts.astype(np.float32)
    else:
        out[...] = counts
    norms = np.sqrt(np.einsum("ij,ij->i", out, out))
    out /= np.maximum(norms, 1e-12)[:, None]
    return out


def hash_ngrams(
    texts: Sequence[str], sizes: tuple[int, ...], dim: int, out: np.ndarray | None = None
) -> np.ndarray:
    """L2-normalised counts of hashed character n-grams, one row per text.

    Each text is padded with a space on both sides; n-grams with a space strictly
    inside are skipped (word-bounded), n-grams never cross from one text to the next.
    ``out``: a (rows, dim) float32 array (a view into the feature matrix) to fill
    instead of a new one.
    """
    rows = len(texts)
    if out is None:
        out = np.zeros((rows, dim), dtype=np.float32)
    else:
        out[...] = 0.0
    if rows == 0 or not sizes:
        return out
    bits = dim.bit_length() - 1
    if 1 << bits != dim:
        raise ValueError("dim must be a power of two")
    if rows > _HASH_CHUNK:  # bounds the count buffer (rows x dim integers)
        for lo in range(0, rows, _HASH_CHUNK):
            hash_ngrams(texts[lo : lo + _HASH_CHUNK], sizes, dim, out[lo : lo + _HASH_CHUNK])
        return out
    padded = [f" {t} " for t in texts]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=rows)
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row_of = np.repeat(np.arange(rows, dtype=np.int64), lengths)
    end_of = np.repeat(np.cumsum(lengths), lengths)
    space = codes == 32
    shift = np.uint64(64 - bits)
    starts = np.arange(len(codes), dtype=np.int64)
    keys: list[np.ndarray] = []
    # The hash of the n-gram at i folds one more code point into the (n-1)-gram's.
    h = np.full(len(codes), _SEED, dtype=np.uint64)
    inside_space = np.zeros(len(codes), dtype=bool)
    for n in range(1, max(sizes) + 1):
        m = len(codes) - n + 1
        if m <= 0:
            break
        h = (h[:m] ^ codes[n - 1 : n - 1 + m]) * _FNV_PRIME
        if n >= 3:
            inside_space = inside_space[:m] | space[n - 2 : n - 2 + m]
        if n not in sizes:
            continue
        valid = starts[:m] + n <= end_of[:m]
        if n >= 3:
            valid &= ~inside_space
        buckets = ((h[valid] * _MIX) >> shift).astype(np.int64)
        keys.append(row_of[:m][valid] * dim + buckets)
    if keys:
        out[...] = np.bincount(np.concatenate(keys), minlength=rows * dim).reshape(rows, dim)
    norms = np.sqrt(np.einsum("ij,ij->i", out, out))
    out /= np.maximum(norms, 1e-12)[:, None]
    return out


def featurize(
    names: Sequence[str], samples: Sequence[Sample], rates: Sequence[dict[str, float]]
) -> np.ndarray:
    """Feature matrix, one row per column (float32); each block is written in place."""
    out = np.empty((len(samples), N_FEATURES), dtype=np.float32)
    value_at, shape_at = NAME_DIM, NAME_DIM + VALUE_DIM
    dense_at = shape_at + SHAPE_DIM
    hash_ngrams(
        [n.lower().replace("_", " ") for n in names], _NAME_NGRAMS, NAME_DIM, out[:, :value_at]
    )
    hash_ngrams(
        [_value_text(s) for s in samples], _VALUE_NGRAMS, VALUE_DIM, out[:, value_at:shape_at]
    )
    shape_block(samples, out[:, shape_at:dense_at])
    out[:, dense_at:] = np.array(
        [_stats(s) + _rates(r) for s, r in zip(samples, rates, strict=True)],
        dtype=np.float32,
    ).reshape(len(samples), len(DENSE_NAMES))
    return out
