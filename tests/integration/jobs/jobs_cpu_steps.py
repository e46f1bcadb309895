"""Module-level functions the process pool can import (spawned children)."""

from __future__ import annotations

import os


def pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n
