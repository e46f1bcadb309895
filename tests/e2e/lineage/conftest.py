"""Fixtures of the lineage end-to-end tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def runtime(app: Any) -> Any:
    return app.state.runtime
