"""The collaboration area's per-object lists, batched: workspace members and document
pages, document versions and threads, thread replies. Each key answers what the
one-object read answers, or the NOT_FOUND it would raise (see ``domain/collaboration/batches``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from strawberry.dataloader import DataLoader

from racine.domain.access.model import Principal
from racine.domain.collaboration.ports import CollabUnitOfWork
from racine.domain.errors import RacineError

if TYPE_CHECKING:
    from racine.resolvers.context import Context

__all__ = ["collaboration_loader"]

K = TypeVar("K")
V = TypeVar("V")


def collaboration_loader(
    context: Context,
    batch: Callable[[CollabUnitOfWork, Principal, Sequence[K]], Awaitable[list[V | RacineError]]],
) -> DataLoader[K, V]:
    """A loader over one of ``domain.collaboration.batches`` for this request's caller
    (an error in the list is raised to that key's resolver).

    Batched, never cached: these are lists that mutations change, and a later
    mutation of the same request must not see an earlier one's list."""

    async def load(keys: Sequence[K]) -> list[Any]:
        return await batch(cast(CollabUnitOfWork, context.uow()), context.actor, keys)

    return DataLoader(load_fn=load, cache=False)
