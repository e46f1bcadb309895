"""Mutations refused for want of a role or a right, in the audit trail.

Each is an ``access.denied`` event with outcome ``FAILURE``: who (the caller),
which mutation (``targetType`` ``Mutation``, ``targetId`` its field name) and why
(the refusal's message). Only authenticated callers are recorded (an anonymous
one has no one to attribute it to) and only mutations: a denied read changes
nothing. The event is written in its own transaction, as the refused one
changed nothing; if it cannot be written, the caller still gets its FORBIDDEN
and the log says the attempt went unrecorded.
"""

from __future__ import annotations

import logging

from graphql import OperationType
from strawberry.types import Info

from racine.domain.audit.record import record
from racine.domain.errors import PermissionDenied

__all__ = ["record_denied"]

log = logging.getLogger("racine.audit")


async def record_denied(info: Info, error: PermissionDenied) -> None:
    """Audit ``error`` refusing the mutation ``info`` resolves (nothing otherwise)."""
    principal = getattr(info.context, "principal", None)
    if principal is None or info.operation.operation is not OperationType.MUTATION:
        return
    try:
        uow = info.context.uow()
        async with uow:
            await record(uow, principal, "access.denied", "Mutation", info.field_name,
                         {"reason": error.message}, outcome="FAILURE")
            await uow.commit()
    except Exception as exc:
        log.warning("a refused mutation could not be audited",
                    extra={"operation": info.field_name, "error": type(exc).__name__})
