"""Relay plumbing: opaque global ids, the node registry and generic connections."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from racine.domain.errors import NotFound, ValidationFailed
from racine.domain.paging import Page

__all__ = [
    "Connection",
    "Edge",
    "PageInfo",
    "connection_from_page",
    "decode_id",
    "encode_id",
    "register_node",
    "resolve_node",
]

T = TypeVar("T")
NodeResolver = Callable[[Info, str], Awaitable[Any]]
_NODE_RESOLVERS: dict[str, NodeResolver] = {}


def register_node(type_name: str, resolver: NodeResolver) -> None:
    """Each area registers how to load its node types for ``node(id:)``."""
    _NODE_RESOLVERS[type_name] = resolver


def encode_id(type_name: str, ident: object) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(ident))))


def decode_id(value: str, expected: str | Sequence[str], *, field: str = "id") -> uuid.UUID:
    """A global id of one of the expected types, as a UUID; a typed error otherwise."""
    names = (expected,) if isinstance(expected, str) else tuple(expected)
    try:
        gid = relay.GlobalID.from_id(value)
        ident = uuid.UUID(gid.node_id)
    except (relay.GlobalIDValueError, ValueError):
        raise ValidationFailed("malformed id", field=field) from None
    if gid.type_name not in names:
        raise ValidationFailed(f"expected an id of type {' or '.join(names)}", field=field)
    return ident


async def resolve_node(info: Info, value: str) -> Any:
    try:
        gid = relay.GlobalID.from_id(value)
    except relay.GlobalIDValueError:
        raise ValidationFailed("malformed id", field="id") from None
    resolver = _NODE_RESOLVERS.get(gid.type_name)
    if resolver is None:
        raise NotFound("Node", value, field="id")
    try:  # every node id is a UUID; anything else names nothing
        uuid.UUID(gid.node_id)
    except ValueError:
        raise NotFound("Node", value, field="id") from None
    node = await resolver(info, gid.node_id)
    if node is None:
        raise NotFound("Node", value, field="id")
    return node


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="Items precede this page (true when `after` was given)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge: pass it as `after` for the next page."
    )


@strawberry.type(description="One item of a connection, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items (`first` ≤ 100), with the total count.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Items matching, across all pages.")


def connection_from_page(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    edges = [Edge(cursor=c, node=convert(i)) for i, c in zip(page.items, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=page.total_count,
    )
