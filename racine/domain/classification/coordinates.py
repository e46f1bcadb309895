"""The GEO_COORDINATES validators (``validators``): one coordinate pair or decimal
coordinate at a time, and many decimals at once for the count-weighted ratio."""

from __future__ import annotations

import re

__all__ = ["geo_flags", "is_coordinate", "is_coordinate_pair"]

_COORD_PAIR = re.compile(r"\(?\s*(-?\d{1,3}\.\d{3,})\s*[,; ]\s*(-?\d{1,3}\.\d{3,})\s*\)?")
_DECIMAL = re.compile(r"-?\d{1,3}\.\d{4,}")


def is_coordinate_pair(v: str) -> bool:
    """A latitude and longitude pair (``48.8566, 2.3522``) in range."""
    # A pair needs one of its separators: a lone number (most values) skips the regex.
    m = _COORD_PAIR.fullmatch(v) if "," in v or ";" in v or " " in v else None
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        return -90 <= lat <= 90 and -180 <= lon <= 180
    return False


def is_coordinate(v: str) -> bool:
    """A coordinate pair, or one decimal coordinate (at least 4 decimals, |x| <= 180)."""
    if is_coordinate_pair(v):
        return True
    if _DECIMAL.fullmatch(v):
        return -180 <= float(v) <= 180
    return False


# ``is_coordinate`` on many values at once. A scan's decimal columns pass GEO's probe, and with
# ~85 % of their values passing (the integral ones fail) the count-weighted ratio decides
# neither way early: every value is checked. On the values joined by newlines one regex
# substitution marks each decimal below 180 in magnitude (in range whatever its digits)
# with a lone ``\x01``; the rare other decimals (180-999) get float(). Only for ASCII
# text (``\d`` is then ``[0-9]``) with no pair separator in it (no value can be a pair).
_NEAR_DECIMAL = re.compile(r"^-?(?:\d{1,2}|0\d\d|1[0-7]\d)\.\d{4,}$", re.M | re.A)
_FAR_DECIMAL = re.compile(r"^-?\d{3}\.\d{4,}$", re.M | re.A)
_MARK = "\x01"


def geo_flags(values: list[str]) -> list[bool] | None:
    """``[is_coordinate(v) for v in values]``, or ``None`` when the values need the general path."""
    joined = "\n".join(values)
    if (
        not joined.isascii()
        or joined.count("\n") != len(values) - 1
        or _MARK in joined
        or "," in joined
        or ";" in joined
        or " " in joined
    ):
        return None
    lines = _NEAR_DECIMAL.sub(_MARK, joined).split("\n")
    flags = [line == _MARK for line in lines]
    if _FAR_DECIMAL.search("\n".join(lines)):
        for i, line in enumerate(lines):
            if _FAR_DECIMAL.fullmatch(line):
                flags[i] = -180 <= float(line) <= 180
    return flags
