"""Strict reading of y-websocket frames from untrusted clients.

pycrdt builds our outgoing messages (``create_update_message``...) and applies
updates, but its ``Decoder`` trusts its input: a truncated frame raises
``IndexError`` and a varint never ends or overflows. Frames from a socket are
read here first, with bounded varints and lengths checked against what is left,
and every problem is one ``ValidationFailed``.

Message layout (y-protocols): ``varuint type`` then

- 0 SYNC: ``varuint subtype`` (0 step 1, 1 step 2, 2 update) ``varbytes payload``
- 1 AWARENESS: ``varbytes update`` (``varuint n`` times (client, clock, ``varstring`` JSON))
- 2 AUTH: ``varuint 0`` (permission denied) ``varstring reason``
- 3 QUERY_AWARENESS: nothing
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pycrdt import write_var_uint

from racine.domain.errors import LimitExceeded, ValidationFailed

__all__ = [
    "AUTH",
    "AWARENESS",
    "QUERY_AWARENESS",
    "SYNC",
    "AwarenessEntry",
    "Frame",
    "parse_awareness",
    "parse_frame",
    "permission_denied",
]

SYNC, AWARENESS, AUTH, QUERY_AWARENESS = 0, 1, 2, 3
MAX_VARINT_BYTES = 8  # 2**56: far above any length or client id we accept
MAX_AWARENESS_CLIENTS = 64
MAX_AWARENESS_STATE = 16 * 1024


@dataclass(frozen=True)
class Frame:
    type: int
    subtype: int | None
    payload: bytes


@dataclass(frozen=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: dict[str, Any] | None


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def var_uint(self) -> int:
        value, shift = 0, 0
        for _ in range(MAX_VARINT_BYTES):
            if self.pos >= len(self.data):
                raise ValidationFailed("truncated message", field="update")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
        raise ValidationFailed("varint overflow", field="update")

    def var_bytes(self) -> bytes:
        length = self.var_uint()
        if length > len(self.data) - self.pos:
            raise ValidationFailed("truncated message", field="update")
        start, self.pos = self.pos, self.pos + length
        return self.data[start : self.pos]

    def done(self) -> bool:
        return self.pos == len(self.data)


def parse_frame(data: bytes) -> Frame:
    """One y-websocket message, validated structurally (not the update inside)."""
    reader = _Reader(data)
    kind = reader.var_uint()
    if kind == SYNC:
        sub = reader.var_uint()
        if sub not in (0, 1, 2):
            raise ValidationFailed("unknown sync message", field="update")
        return Frame(kind, sub, reader.var_bytes())
    if kind == AWARENESS:
        return Frame(kind, None, reader.var_bytes())
    if kind in (AUTH, QUERY_AWARENESS):
        return Frame(kind, None, data[reader.pos :])
    raise ValidationFailed("unknown message type", field="update")


def parse_awareness(update: bytes) -> list[AwarenessEntry]:
    """Decode an awareness update; states must be JSON objects (or null) of ≤ 16 KiB."""
    reader = _Reader(update)
    count = reader.var_uint()
    if count > MAX_AWARENESS_CLIENTS:
        raise LimitExceeded("too many awareness states", field="awareness")
    out = []
    for _ in range(count):
        client_id, clock = reader.var_uint(), reader.var_uint()
        raw = reader.var_bytes()
        if len(raw) > MAX_AWARENESS_STATE:
            raise LimitExceeded("awareness state too large", field="awareness")
        try:
            state = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            raise ValidationFailed("malformed awareness state", field="awareness") from None
        if state is not None and not isinstance(state, dict):
            raise ValidationFailed("malformed awareness state", field="awareness")
        out.append(AwarenessEntry(client_id, clock, state))
    if not reader.done():
        raise ValidationFailed("trailing bytes in awareness update", field="awareness")
    return out


def permission_denied(reason: str) -> bytes:
    """y-protocols/auth ``permission denied`` message (type 2, subtype 0)."""
    text = reason.encode("utf-8")
    return write_var_uint(AUTH) + write_var_uint(0) + write_var_uint(len(text)) + text
