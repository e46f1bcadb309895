"""Values of the driver options a source URL may carry, checked before anything
connects.

A value the driver cannot use is otherwise found only while connecting, and
reported in the driver's words (``'NoneType' object has no attribute
'encoding'`` for ``charset=bogus``; a ``ValueError`` out of SQLAlchemy for
``ssl_check_hostname=maybe``). Here it is ``ValidationFailed`` on ``url`` naming
the option and what it takes. Values are echoed cut short; secret parameters
(``password``) are never checked, so never echoed.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from asyncmy.charset import charset_by_name

from racine.domain.errors import ValidationFailed

__all__ = ["check_values", "is_false"]

_TRUE = frozenset({"true", "yes", "on", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "off", "n", "f", "0"})
_PG_SSL = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
# asyncpg's SessionAttribute values.
_PG_SESSION_ATTRS = frozenset(
    {"any", "primary", "standby", "prefer-standby", "read-write", "read-only"}
)
_PG_GSSLIBS = frozenset({"gssapi", "sspi"})
_SHOWN = 40


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…")


def _one_of(choices: frozenset[str]) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in choices else f"one of {', '.join(sorted(choices))}"

    return check


def _boolean(value: str) -> str | None:
    return None if value.lower() in _TRUE | _FALSE else "true or false"


def _charset(value: str) -> str | None:
    """A character set the MySQL driver can speak: in its table, with a Python codec
    (``binary`` and ``ucs2``-like server-only sets have none)."""
    found = charset_by_name(value) if value else None
    try:
        usable = found is not None and codecs.lookup(found.encoding) is not None
    except LookupError:
        usable = False
    return None if usable else "a MySQL client character set such as utf8mb4 or latin1"


def is_false(value: str | None) -> bool:
    """``value`` is one of the words SQLAlchemy reads as false."""
    return value is not None and value.lower() in _FALSE


# By dialect name (``url.Dialect`` values).
_CHECKS: dict[str, dict[str, Callable[[str], str | None]]] = {
    "postgresql": {
        "ssl": _one_of(_PG_SSL),
        "direct_tls": _boolean,
        "target_session_attrs": _one_of(_PG_SESSION_ATTRS),
        "gsslib": _one_of(_PG_GSSLIBS),
    },
    "mysql": {"charset": _charset, "ssl_check_hostname": _boolean},
}


def check_values(dialect: str, query: dict[str, str]) -> None:
    """Raise ``ValidationFailed`` (field ``url``) for the first option whose value
    the driver would refuse."""
    checks = _CHECKS.get(dialect, {})
    for key, value in query.items():
        check = checks.get(key)
        wanted = None if check is None else check(value)
        if wanted is not None:
            raise ValidationFailed(
                f"URL parameter {key!r} has the value {_shown(value)}: it takes {wanted}",
                field="url",
            )
