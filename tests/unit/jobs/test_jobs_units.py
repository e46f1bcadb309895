"""Pure pieces of racine.jobs and the run use cases, with hand-written fakes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from racine.config import SettingsError, load_settings
from racine.domain.errors import Conflict, NotFound, RacineError, ValidationFailed
from racine.domain.events import Event
from racine.domain.runs import JobRun, RunState, cancel_run, submit_run
from racine.jobs import HandlerRegistry, JobOptions, failure_reason, redact, tick_run_id


def test_redact_masks_urls_pairs_and_bearer_tokens() -> None:
    text = "dial postgresql://app:s3cr3t@h/db password=hunter2 Authorization: Bearer abc.def"
    out = redact(text)
    assert "s3cr3t" not in out and "hunter2" not in out and "abc.def" not in out
    assert "postgresql://app:***@h/db" in out


def test_failure_reason_is_one_short_line() -> None:
    reason = failure_reason(ValueError("first token=xyz\nsecond"))
    assert reason == "ValueError: first token=***"
    assert len(failure_reason(RuntimeError("x" * 1000))) == 200
    assert failure_reason(KeyError()) == "KeyError"
    assert failure_reason(RacineError("shown as is")) == "RacineError: shown as is"


def test_tick_run_id_is_stable_per_tick() -> None:
    t = datetime(2030, 1, 1, tzinfo=UTC)
    assert tick_run_id("scan", "* * * * *", t) == tick_run_id("scan", "* * * * *", t)
    assert tick_run_id("scan", "* * * * *", t) != tick_run_id("scan", "*/2 * * * *", t)


def test_options_reject_heartbeat_near_stale_threshold() -> None:
    with pytest.raises(ValueError):
        JobOptions(heartbeat_every=10, stale_after=15)


def test_options_come_from_the_job_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the job variables an operator sets
    for name, value in {
        "WORKERS": "3",
        "MAX_ATTEMPTS": "5",
        "HEARTBEAT_EVERY_S": "2",
        "STALE_AFTER_S": "20",
        "CANCEL_GRACE_S": "1.5",
        "SHUTDOWN_TIMEOUT_S": "7",
    }.items():
        monkeypatch.setenv(f"RACINE_JOB_{name}", value)
    # then the runners use them
    opts = JobOptions.from_settings(load_settings())
    assert (opts.workers, opts.max_attempts, opts.heartbeat_every, opts.stale_after) == (
        3,
        5,
        2.0,
        20.0,
    )
    assert (opts.cancel_grace, opts.shutdown_timeout) == (1.5, 7.0)
    # and a heartbeat too close to the stale threshold is refused at start-up, named
    monkeypatch.setenv("RACINE_JOB_STALE_AFTER_S", "3")
    with pytest.raises(SettingsError, match="RACINE_JOB_STALE_AFTER_S must exceed twice"):
        load_settings()


def test_registry_refuses_a_second_handler_for_a_kind() -> None:
    async def a(ctx: Any, run: JobRun) -> None: ...
    async def b(ctx: Any, run: JobRun) -> None: ...

    reg = HandlerRegistry()
    reg.register("scan", a)
    reg.register("scan", a)  # same handler again: harmless
    with pytest.raises(ValueError):
        reg.register("scan", b)
    assert reg.get("scan") is a and reg.get("other") is None


# -- use cases with fakes ---------------------------------------------------------


class FakeRuns:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, JobRun] = {}

    async def add(self, run: JobRun) -> None:
        self.rows[run.id] = run

    async def get(self, run_id: uuid.UUID) -> JobRun | None:
        return self.rows.get(run_id)

    async def request_cancel(self, run_id: uuid.UUID) -> None:
        self.rows[run_id].cancel_requested = True

    async def finish(
        self,
        run_id: uuid.UUID,
        state: RunState,
        *,
        reason: str | None = None,
        from_states: Sequence[RunState] = (RunState.RUNNING,),
        **_: Any,
    ) -> bool:
        run = self.rows[run_id]
        if run.state not in from_states:
            return False
        run.state, run.reason = state, reason
        return True


class FakeUow:
    def __init__(self) -> None:
        self.runs = FakeRuns()
        self.events: list[Event] = []
        self.committed = 0

    async def __aenter__(self) -> FakeUow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.committed += 1

    def emit(self, event: Event) -> None:
        self.events.append(event)


class FakeQueue:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[str] = []
        self.fail = fail

    async def dispatch(self, run_id: str) -> None:
        if self.fail:
            raise ConnectionError("queue down")
        self.sent.append(run_id)


async def test_submit_commits_before_dispatch_and_survives_dispatch_failure() -> None:
    uow, queue = FakeUow(), FakeQueue()
    run = await submit_run(uow, queue, "scan", {"a": 1}, None)  # type: ignore[arg-type]
    assert queue.sent == [str(run.id)] and uow.committed == 1
    assert [e.type for e in uow.events] == ["JOB_QUEUED"]
    lost = await submit_run(uow, FakeQueue(fail=True), "scan", {}, None)  # type: ignore[arg-type]
    assert uow.runs.rows[lost.id].state is RunState.QUEUED  # durable; a sweep dispatches it


async def test_submit_validates_and_refuses_duplicate_ids() -> None:
    uow, queue = FakeUow(), FakeQueue()
    with pytest.raises(ValidationFailed):
        await submit_run(uow, queue, "", {}, None)  # type: ignore[arg-type]
    rid = uuid.uuid4()
    await submit_run(uow, queue, "scan", {}, None, run_id=rid)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        await submit_run(uow, queue, "scan", {}, None, run_id=rid)  # type: ignore[arg-type]


async def test_cancel_queued_vs_running() -> None:
    uow = FakeUow()
    queued = JobRun(kind="scan", payload={})
    running = JobRun(kind="scan", payload={}, state=RunState.RUNNING)
    for r in (queued, running):
        await uow.runs.add(r)
    out = await cancel_run(uow, queued.id, None)  # type: ignore[arg-type]
    assert out.state is RunState.CANCELLED
    out = await cancel_run(uow, running.id, None)  # type: ignore[arg-type]
    assert out.state is RunState.RUNNING and out.cancel_requested
    assert [e.type for e in uow.events] == ["JOB_CANCELLED", "JOB_CANCEL_REQUESTED"]
    with pytest.raises(NotFound):
        await cancel_run(uow, uuid.uuid4(), None)  # type: ignore[arg-type]
