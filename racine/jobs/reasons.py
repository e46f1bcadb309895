"""Failure reasons that are safe to store and show: type and a short message.

Exception messages from drivers and libraries can carry connection URLs, passwords
or tokens, so the message is cut to one line and scrubbed; a traceback is never
stored. Our own :class:`RacineError` messages are written to be shown.
"""

from __future__ import annotations

import re
import traceback

from racine.domain.errors import RacineError

__all__ = ["MAX_REASON", "failure_reason", "origin", "redact"]

MAX_REASON = 200

_URL_USERINFO = re.compile(r"(\b[a-zA-Z][\w+.-]*://)([^\s:/@]+):([^\s@]*)@")
_KEY_VALUE = re.compile(
    r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|authorization)\b(\s*[=:]\s*)(\S+)"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+\S+")


def redact(text: str) -> str:
    """Mask credentials in URLs, ``key=value`` pairs and bearer tokens."""
    text = _URL_USERINFO.sub(r"\1\2:***@", text)
    text = _BEARER.sub(r"\1 ***", text)  # before key=value: "Authorization: Bearer x"
    return _KEY_VALUE.sub(r"\1\2***", text)


def failure_reason(exc: BaseException) -> str:
    """``"ValueError: bad input"``: the exception type and a scrubbed first line."""
    name = type(exc).__name__
    message = exc.message if isinstance(exc, RacineError) else str(exc)
    lines = message.strip().splitlines()
    first = redact(lines[0].strip()) if lines else ""
    reason = f"{name}: {first}" if first else name
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def origin(exc: BaseException) -> str:
    """Where it was raised (``file:line in function``), for logs: no message, no locals."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"
