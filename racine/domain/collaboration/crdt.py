"""The CRDT side of a document, over pycrdt (a Rust Yjs port; a pure library).

Layout of a document (what Yjs clients read and write):

- MARKDOWN, SQL, JSON: one ``Y.Text`` named ``content``.
- NOTEBOOK: a ``Y.Array`` named ``cells`` of ``Y.Map`` with ``id`` (str), ``kind``
  (``code`` or ``markdown``) and ``source`` (``Y.Text``), in order.

pycrdt signals malformed input with ``ValueError`` but some inputs make the Rust
side panic, which surfaces as ``pyo3_runtime.PanicException`` — a subclass of
``BaseException`` that escapes ``except Exception``. :func:`guarded` turns both
into ``ValidationFailed`` so one bad update cannot take a room (or a process) down.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pycrdt import Array, Doc, Map, StickyIndex, Text, get_state

from racine.domain.collaboration.model import DocumentFormat
from racine.domain.errors import LimitExceeded, ValidationFailed

__all__ = [
    "DEFAULT_MAX_UPDATE_BYTES",
    "EMPTY_UPDATE",
    "Cell",
    "build_doc",
    "check_anchor",
    "check_update",
    "fold",
    "guarded",
    "initial_update",
    "project",
    "restore_update",
]

DEFAULT_MAX_UPDATE_BYTES = 1024 * 1024
EMPTY_UPDATE = b"\x00\x00"
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, asyncio.CancelledError, MemoryError)
T = TypeVar("T")
Cell = dict[str, str]


def guarded(fn: Callable[[], T], what: str = "update") -> T:
    """Run a pycrdt call; malformed input (error or Rust panic) → ``ValidationFailed``."""
    try:
        return fn()
    except _FATAL:
        raise
    except BaseException:  # PanicException derives from BaseException
        raise ValidationFailed(f"malformed {what}", field=what) from None


def check_update(data: bytes, max_bytes: int = DEFAULT_MAX_UPDATE_BYTES) -> None:
    """Refuse empty, oversized or undecodable updates before anything stores them."""
    if len(data) > max_bytes:
        raise LimitExceeded(f"an update is limited to {max_bytes} bytes", field="update")
    if len(data) < 2:
        raise ValidationFailed("malformed update", field="update")
    guarded(lambda: get_state(data))  # decodes the whole update


def check_anchor(data: bytes) -> None:
    """A comment anchor must be an encoded Yjs relative position."""
    if not data or len(data) > 1024:
        raise ValidationFailed("malformed anchor", field="anchor")
    guarded(lambda: StickyIndex.decode(data), "anchor")


def build_doc(updates: Iterable[bytes]) -> Doc:
    """A document from its snapshot and log tail (each already validated once)."""
    doc: Doc = Doc()
    for update in updates:
        if update and update != EMPTY_UPDATE:
            guarded(lambda u=update: doc.apply_update(u))  # type: ignore[misc]
    return doc


def fold(updates: Sequence[bytes]) -> bytes:
    """One update holding a snapshot and log rows (CPU: callers run it off the loop)."""
    return build_doc(updates).get_update()


def _cells(doc: Doc) -> Array[Any]:
    return doc.get("cells", type=Array)


def _fill_cells(cells: Array[Any], values: list[Cell]) -> None:
    for value in values:
        cell: Map[Any] = Map()
        cells.append(cell)
        cell["id"] = value.get("id") or uuid.uuid4().hex[:12]
        cell["kind"] = value.get("kind") or "code"
        cell["source"] = Text(value.get("source") or "")


def initial_update(fmt: DocumentFormat, text: str = "", cells: list[Cell] | None = None) -> bytes:
    """The first update of a new document (its initial content)."""
    doc: Doc = Doc()
    with doc.transaction():
        if fmt is DocumentFormat.NOTEBOOK:
            _fill_cells(_cells(doc), cells or [])
        else:
            content = doc.get("content", type=Text)
            if text:
                content += text
    return doc.get_update()


def project(doc: Doc, fmt: DocumentFormat) -> str:
    """Plain text (MARKDOWN, SQL, JSON) or a JSON list of cells (NOTEBOOK)."""
    if fmt is DocumentFormat.NOTEBOOK:
        out = []
        for cell in _cells(doc):
            if isinstance(cell, Map):
                source = cell.get("source")
                out.append(
                    {
                        "id": str(cell.get("id") or ""),
                        "kind": str(cell.get("kind") or "code"),
                        "source": str(source) if source is not None else "",
                    }
                )
        return json.dumps(out, ensure_ascii=False)
    return str(doc.get("content", type=Text))


def restore_update(doc: Doc, fmt: DocumentFormat, text: str) -> bytes:
    """The update that makes ``doc`` read ``text`` (a projection) again.

    Applied as a NEW update: history is never rewritten, every client merges it.
    """
    before = doc.get_state()
    with doc.transaction(origin="restore"):
        if fmt is DocumentFormat.NOTEBOOK:
            cells = _cells(doc)
            if len(cells):
                del cells[0 : len(cells)]
            _fill_cells(cells, json.loads(text or "[]"))
        else:
            content = doc.get("content", type=Text)
            if len(content):
                del content[0 : len(content)]
            if text:
                content += text
    return doc.get_update(before)
