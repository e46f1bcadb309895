"""Module-level functions the process pool can import (spawned children)."""

from __future__ import annotations

import os


def pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


_prepared_in: int | None = None


def mark_prepared() -> None:
    """A preparation step: remembers that it ran in this process."""
    global _prepared_in
    _prepared_in = os.getpid()


def prepared_pid() -> tuple[int, int | None]:
    return os.getpid(), _prepared_in


def die() -> None:
    """A step whose worker dies under it (as if killed or out of memory)."""
    os._exit(3)
