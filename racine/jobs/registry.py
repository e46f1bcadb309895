"""Which handler runs which kind of job."""

from __future__ import annotations

from racine.domain.runs.context import RunHandler

__all__ = ["HandlerRegistry"]


class HandlerRegistry:
    """``register("scan", handle_scan)``; one handler per kind."""

    def __init__(self) -> None:
        self._handlers: dict[str, RunHandler] = {}

    def register(self, kind: str, handler: RunHandler) -> None:
        if kind in self._handlers and self._handlers[kind] is not handler:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler

    def get(self, kind: str) -> RunHandler | None:
        return self._handlers.get(kind)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)
