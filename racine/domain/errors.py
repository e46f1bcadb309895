"""One exception tree for every expected failure, each with a stable ``code``.

    RacineError
    ├── ValidationFailed          INVALID           bad input (field says which)
    │   └── LimitExceeded         LIMIT_EXCEEDED    a size, count or rate cap
    ├── NotFound                  NOT_FOUND         missing OR not visible to the caller
    ├── Conflict                  CONFLICT          duplicate name, wrong state
    ├── Unauthenticated           UNAUTHENTICATED   no, expired or revoked token
    ├── PermissionDenied          FORBIDDEN         authenticated, not allowed
    ├── ConnectionFailed          CONNECTION_FAILED an external source did not answer as hoped
    └── Unavailable               UNAVAILABLE       a dependency of ours is down

Resolvers turn these into ``UserError`` entries of a mutation payload (or, for
queries, a GraphQL error whose ``extensions.code`` is the code). Anything not in
this tree is a bug: it is masked and logged with the request id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "AUTHENTICATION_FAILED",
    "DATABASE_MISSING",
    "ENCODING",
    "NOT_POPULATED",
    "PERMISSION_DENIED",
    "TIMEOUT",
    "UNKNOWN",
    "UNREACHABLE",
    "Conflict",
    "ConnectionFailed",
    "LimitExceeded",
    "NotFound",
    "PermissionDenied",
    "RacineError",
    "Unauthenticated",
    "Unavailable",
    "ValidationFailed",
    "hide_secrets",
]


class RacineError(Exception):
    """Base of every expected failure. ``message`` is safe to show to a client."""

    code = "ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(RacineError):
    code = "INVALID"


class LimitExceeded(ValidationFailed):
    code = "LIMIT_EXCEEDED"


class NotFound(RacineError):
    """Raised for missing objects AND for objects the caller may not see, alike."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, ident: object | None = None, *, field: str | None = None):
        super().__init__(f"{kind} not found", field=field)
        self.kind = kind


class Conflict(RacineError):
    code = "CONFLICT"


class Unauthenticated(RacineError):
    code = "UNAUTHENTICATED"


class PermissionDenied(RacineError):
    code = "FORBIDDEN"


# Why a data source failed (``ConnectionFailed.reason``).
UNREACHABLE = "UNREACHABLE"
AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
DATABASE_MISSING = "DATABASE_MISSING"
TIMEOUT = "TIMEOUT"
PERMISSION_DENIED = "PERMISSION_DENIED"
NOT_POPULATED = "NOT_POPULATED"  # a materialized view never populated
ENCODING = "ENCODING"  # text not valid in the source's encoding (a SQL_ASCII database)
UNKNOWN = "UNKNOWN"


class ConnectionFailed(RacineError):
    """An external data source failed. ``reason`` is one of UNREACHABLE,
    AUTHENTICATION_FAILED, DATABASE_MISSING, TIMEOUT, PERMISSION_DENIED,
    NOT_POPULATED, ENCODING, UNKNOWN (the constants above)."""

    code = "CONNECTION_FAILED"

    def __init__(self, reason: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason


class Unavailable(RacineError):
    code = "UNAVAILABLE"


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` (a driver's or a library's message) with each of ``secrets`` shown
    as ``***`` wherever it stands on its own, not inside a longer word: an echoed
    secret sits between delimiters (``user:s3cret@host``, ``'s3cret'``,
    ``password=s3cret``), while a one-letter password inside a word is a
    coincidence (``x`` would have turned "does not exist" into "does not
    e***ist"). Longer secrets first, so one that contains another goes whole."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", "***", text)
    return text
