"""Expected failures as data: ``UserError`` in every mutation payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from racine.domain.errors import PermissionDenied, RacineError
from racine.resolvers.denials import record_denied

__all__ = ["INPUT", "ErrorCode", "UserError", "run_mutation"]

# Every mutation takes one described `input` argument: `input: Annotated[XInput, INPUT]`.
INPUT = strawberry.argument(description="The mutation's input.")


@strawberry.enum(description="Stable machine-readable error codes.")
class ErrorCode(Enum):
    INVALID = "INVALID"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CONNECTION_FAILED = "CONNECTION_FAILED"
    UNAVAILABLE = "UNAVAILABLE"
    ERROR = "ERROR"


@strawberry.type(description="An expected failure of a mutation: nothing was changed by it.")
class UserError:
    code: ErrorCode = strawberry.field(description="Stable code to branch on.")
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), if one is."
    )
    message: str = strawberry.field(description="Human-readable explanation; safe to show.")

    @classmethod
    def from_exception(cls, exc: RacineError) -> UserError:
        try:
            code = ErrorCode(exc.code)
        except ValueError:
            code = ErrorCode.ERROR
        return cls(code=code, field=exc.field, message=exc.message)


P = TypeVar("P")


async def run_mutation(
    info: Info, payload: Callable[..., P], action: Callable[[], Awaitable[dict[str, Any]]]
) -> P:
    """Run ``action``; its dict fills the payload. A RacineError becomes ``errors``;
    a refusal (FORBIDDEN) is also audited (``record_denied``)."""
    try:
        values = await action()
    except PermissionDenied as exc:
        await record_denied(info, exc)
        return payload(errors=[UserError.from_exception(exc)])
    except RacineError as exc:
        return payload(errors=[UserError.from_exception(exc)])
    return payload(errors=[], **values)
