"""Which refused mutations are audited one by one (``DenialPacer``), on a fake clock."""

from __future__ import annotations

import logging
import uuid

import pytest

from racine.resolvers.denials import DenialPacer


def test_a_burst_is_recorded_then_one_a_second_with_the_count_in_between(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    pacer = DenialPacer(rate=1.0, burst=2, clock=lambda: now[0])
    alice = uuid.uuid4()
    with caplog.at_level(logging.WARNING, logger="racine.audit"):
        assert [pacer.admit(alice) for _ in range(5)] == [0, 0, None, None, None]
        now[0] += 1.0
        assert [pacer.admit(alice) for _ in range(2)] == [3, None]
        now[0] += 1.0
        assert pacer.admit(alice) == 1
    # The log says so once per run of unrecorded refusals, and names no secret.
    paced = [r for r in caplog.records if "paced" in r.getMessage()]
    assert len(paced) == 2
    assert all(getattr(r, "user_id", None) == str(alice) for r in paced)


def test_each_caller_has_their_own_pace_and_the_oldest_is_forgotten() -> None:
    pacer = DenialPacer(rate=0.0, burst=1, callers=2, clock=lambda: 0.0)
    alice, bob, carol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert (pacer.admit(alice), pacer.admit(alice)) == (0, None)
    assert pacer.admit(bob) == 0  # alice's pace is not bob's
    assert pacer.admit(carol) == 0  # a third caller: alice, refused longest ago, goes
    assert pacer.admit(alice) == 0  # and starts afresh
