"""A table's keys and indexes as the source declares them (what the last scan reflected)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.types import Info

from racine.domain.catalog import model

if TYPE_CHECKING:
    from racine.schema.catalog import Asset

__all__ = ["ForeignKey", "TableIndex"]


@strawberry.type(description="A foreign key of a table, as the source declares it.")
class ForeignKey:
    columns: list[str] = strawberry.field(description="The table's columns, in key order.")
    referred_schema: str | None = strawberry.field(
        description="Schema of the referred table; null when the source leaves it implicit "
        "(the table's own schema)."
    )
    referred_table_name: str = strawberry.field(description="Name of the referred table.")
    referred_columns: list[str] = strawberry.field(
        description="The referred table's columns, in the same order as `columns`."
    )
    table: strawberry.Private[model.Asset]

    @strawberry.field(
        description="The referred table in the catalog; null if it is not catalogued (in a "
        "schema the rule set leaves out, or removed)."
    )
    async def referred_table(
        self, info: Info
    ) -> Annotated[Asset, strawberry.lazy("racine.schema.catalog")] | None:
        from racine.resolvers import catalog as cr
        from racine.schema.catalog import Asset

        found = await cr.referred_table(
            info, self.table, self.referred_schema, self.referred_table_name
        )
        return None if found is None else Asset.from_domain(found)

    @classmethod
    def from_domain(cls, table: model.Asset, data: dict[str, Any]) -> Self:
        return cls(
            columns=list(data.get("columns") or []),
            referred_schema=data.get("referredSchema"),
            referred_table_name=str(data.get("referredTable") or ""),
            referred_columns=list(data.get("referredColumns") or []),
            table=table,
        )


@strawberry.type(description="An index of a table, as the source declares it.")
class TableIndex:
    name: str | None = strawberry.field(description="The index's name; null if it has none.")
    columns: list[str] = strawberry.field(
        description="Indexed columns, in index order (an expression index lists none)."
    )
    unique: bool = strawberry.field(description="Whether the index enforces uniqueness.")

    @classmethod
    def from_domain(cls, data: dict[str, Any]) -> Self:
        return cls(
            name=data.get("name"),
            columns=list(data.get("columns") or []),
            unique=bool(data.get("unique")),
        )
