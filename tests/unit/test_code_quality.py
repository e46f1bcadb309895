"""The definition of done's "ruff and mypy clean on racine/", and one layout for the
whole tree (``ruff format``), held by the test run (the tools' versions are bounded in
pyproject.toml, so a new release's checks are adopted on purpose)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "racine"],
        ["ruff", "format", "--check", "racine", "tests", "bench"],
        ["mypy", "racine"],
    ],
    ids=["ruff", "format", "mypy"],
)
def test_racine_is_clean(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
