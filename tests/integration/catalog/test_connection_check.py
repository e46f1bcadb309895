"""``test_connection`` is bounded by its timeout: a server that accepts the TCP
connection and never answers is TIMEOUT after ``timeout_s``, not a minute later."""

from __future__ import annotations

import asyncio
import time

import pytest

from racine.connectors import connector_for
from racine.domain.scanning.sources import test_connection as check_connection

PASSWORD = "Sup3r-Secret_pw"


@pytest.mark.parametrize("scheme", ["mysql", "postgresql"])
async def test_a_server_that_never_answers_is_timeout_within_the_bound(
    scheme: str, silent_port: int
) -> None:
    # Given a source URL (with a password) pointing at a server that never answers
    url = f"{scheme}://reader:{PASSWORD}@127.0.0.1:{silent_port}/shop"

    # When the connection is tested with a half-second bound
    started = time.perf_counter()
    check = await asyncio.wait_for(check_connection(connector_for, url, timeout_s=0.5), timeout=5)
    elapsed = time.perf_counter() - started

    # Then it fails as TIMEOUT soon after the bound, naming host:port/database only
    assert not check.ok
    assert check.reason == "TIMEOUT"
    assert elapsed < 3
    assert check.message is not None
    assert f"127.0.0.1:{silent_port}/shop" in check.message
    assert PASSWORD not in check.message
    assert "reader" not in check.message
