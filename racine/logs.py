"""Structured logs: one JSON object a line, with the request id, secrets redacted."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import re
import sys
import time
from collections.abc import AsyncIterator

from pythonjsonlogger.json import JsonFormatter

__all__ = ["configure_logging", "redact", "request_id_var", "slow_step_warnings"]

log = logging.getLogger("racine")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "racine_request_id", default=None
)

# user:password@ in URLs, bearer tokens, our own token format, key=value secrets.
_SECRET_PATTERNS = [
    (re.compile(r"(://[^:/@\s]*:)[^@\s]*(@)"), r"\1***\2"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"rcn_[A-Za-z0-9_-]{8,}"), "rcn_***"),
    (re.compile(r"(?i)((?:password|passwd|pwd|secret|token)\s*[=:]\s*)[^\s,;&]+"), r"\1***"),
]


def redact(text: str) -> str:
    """Remove anything that looks like a credential from ``text``."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_TRACEBACK = "Traceback (most recent call last):"


# The line a traceback ends with: an exception's (dotted) class name, then ": " and its
# message or nothing. Frames are indented; SQLAlchemy's "[SQL: ...]" and "(Background
# on this error ...)" notes and the lines chaining exceptions do not match.
_EXCEPTION_LINE = re.compile(r"(?:[a-z_]\w*\.)*[A-Z]\w*[a-z]\w*(?::\s|$)")


def _without_traceback(message: str) -> str:
    """``message`` with a traceback formatted into it (Starlette reports a failed
    application startup that way) cut to the exception it ends with."""
    head, _, trace = message.partition(_TRACEBACK)
    last = next((ln for ln in reversed(trace.splitlines()) if _EXCEPTION_LINE.match(ln)), "")
    return f"{head.strip()} {last}".strip()


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TRACEBACK in message:
            message = _without_traceback(message)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Keep the exception type, drop the traceback text: tracebacks can
            # quote local variables and connection strings.
            exc = record.exc_info[1]
            record.error = f"{type(exc).__name__}: {redact(str(exc))}"
            record.exc_info = None
            record.exc_text = None
        record.request_id = request_id_var.get()
        return True


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RedactingFilter())
    if json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # strawberry logs every resolver error with the query; ErrorPolicy logs what matters.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


SLOW_STEP_S = 5.0


@contextlib.asynccontextmanager
async def slow_step_warnings(step: str) -> AsyncIterator[None]:
    """A step of stopping the process still running after ``SLOW_STEP_S`` is logged
    then, and again with its duration when it ends: a stop that hangs says where."""
    started = time.monotonic()
    late = asyncio.get_running_loop().call_later(
        SLOW_STEP_S, lambda: log.warning("shutdown step still running", extra={"step": step})
    )
    try:
        yield
    finally:
        late.cancel()
        took = time.monotonic() - started
        if took > SLOW_STEP_S:
            log.warning("slow shutdown step", extra={"step": step, "seconds": round(took, 1)})
