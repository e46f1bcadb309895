"""Mutations refused for want of a role or a right, in the audit trail.

Each is an ``access.denied`` event with outcome ``FAILURE``: who (the caller),
which mutation (``targetType`` ``Mutation``, ``targetId`` its field name) and why
(the refusal's message). Only authenticated callers are recorded (an anonymous
one has no one to attribute it to) and only mutations: a denied read changes
nothing. The event is written in its own transaction, as the refused one
changed nothing; if it cannot be written, the caller still gets its FORBIDDEN
and the log says the attempt went unrecorded.

A caller who keeps trying is paced (:class:`DenialPacer`, per API process): the
first ``burst`` refusals are recorded one by one, then one a second, and those
in between are counted. The next recorded event says how many were not
(``diff.unrecorded``), and the log says once per run of them that this caller's
refusals are being paced. A user sending refused mutations in a loop thus cannot
grow the audit trail without bound, and the trail still tells how many there were.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from graphql import OperationType
from strawberry.types import Info

from racine.domain.audit.record import record
from racine.domain.errors import PermissionDenied
from racine.domain.throttle import TokenBucket

__all__ = ["DenialPacer", "record_denied"]

log = logging.getLogger("racine.audit")


class DenialPacer:
    """Per caller, which refusals are recorded: ``burst`` at once, then ``rate`` a
    second. At most ``callers`` callers are tracked (the least recently refused is
    forgotten first, with its count of unrecorded refusals)."""

    def __init__(
        self,
        rate: float = 1.0,
        burst: int = 20,
        callers: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.callers, self.clock = rate, burst, callers, clock
        self._paced: OrderedDict[uuid.UUID, tuple[TokenBucket, list[int]]] = OrderedDict()

    def admit(self, caller: uuid.UUID) -> int | None:
        """None if this refusal is only counted; else how many of the caller's
        refusals since the last recorded one were not recorded (0 mostly)."""
        paced = self._paced.get(caller)
        if paced is None:
            paced = self._paced[caller] = (TokenBucket(self.rate, self.burst, self.clock), [0])
            if len(self._paced) > self.callers:
                self._paced.popitem(last=False)
        else:
            self._paced.move_to_end(caller)
        bucket, skipped = paced
        if not bucket.take():
            skipped[0] += 1
            if skipped[0] == 1:
                log.warning(
                    "refused mutations by this caller are paced: counted, not each recorded",
                    extra={"user_id": str(caller)},
                )
            return None
        unrecorded, skipped[0] = skipped[0], 0
        return unrecorded


async def record_denied(info: Info, error: PermissionDenied) -> None:
    """Audit ``error`` refusing the mutation ``info`` resolves (nothing otherwise)."""
    principal = getattr(info.context, "principal", None)
    if principal is None or info.operation.operation is not OperationType.MUTATION:
        return
    unrecorded = info.context.services.denials.admit(principal.user_id)
    if unrecorded is None:
        return
    diff: dict[str, Any] = {"reason": error.message}
    if unrecorded:
        diff["unrecorded"] = unrecorded
    try:
        uow = info.context.uow()
        async with uow:
            await record(
                uow,
                principal,
                "access.denied",
                "Mutation",
                info.field_name,
                diff,
                outcome="FAILURE",
            )
            await uow.commit()
    except Exception as exc:
        log.warning(
            "a refused mutation could not be audited",
            extra={
                "operation": info.field_name,
                "error": type(exc).__name__,
                "unrecorded_before": unrecorded,
            },
        )
