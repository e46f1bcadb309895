"""The source databases of the connector tests (``conftest.py`` makes them fixtures):
a SQLite file, a PostgreSQL schema or a MySQL/MariaDB database with the same tables.
A module of its own, not ``conftest``: test modules import these names, and a
``conftest`` import resolves to whichever directory's conftest pytest loaded first
when several test directories run together."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

POSTGRES_URL = os.environ.get("RACINE_TEST_POSTGRES_URL")
MYSQL_URL = os.environ.get("RACINE_TEST_MYSQL_URL")
ORDER_ROWS = 10_050
BIG_TEXT = 100_000
BINARY = b"\xff\xfe\x00\x80"


@dataclass
class Source:
    """One prepared source: ``url`` for the connector, ``admin`` for fixtures."""

    kind: str
    url: str
    schema: str
    admin: AsyncEngine

    def q(self, name: str) -> str:
        """``schema.name`` quoted for this engine."""
        quote = "`" if self.kind == "mysql" else '"'
        return f"{quote}{self.schema}{quote}.{quote}{name}{quote}"

    async def run(self, *statements: str) -> None:
        async with self.admin.begin() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)

    async def scalar(self, statement: str) -> object:
        async with self.admin.connect() as conn:
            return (await conn.exec_driver_sql(statement)).scalar()


def _async(url: str, driver: str, **query: str) -> str:
    parsed = make_url(url).set(drivername=driver).update_query_dict(query)
    return parsed.render_as_string(hide_password=False)


def _ddl(s: Source) -> list[str]:
    c, o, v, d = s.q("customers"), s.q("orders"), s.q("big_orders"), s.q("documents")
    if s.kind == "postgresql":
        return [
            f"CREATE TABLE {c} (id integer PRIMARY KEY, email varchar(120) NOT NULL,"
            " name text, created_at timestamp DEFAULT now())",
            f"COMMENT ON TABLE {c} IS 'Customer master'",
            f"COMMENT ON COLUMN {c}.email IS 'Contact address'",
            f"CREATE UNIQUE INDEX ux_customers_email ON {c} (email)",
            f"CREATE TABLE {o} (id integer PRIMARY KEY, customer_id integer NOT NULL"
            f" CONSTRAINT fk_orders_customer REFERENCES {c} (id), amount numeric(10,2), note text)",
            f"CREATE INDEX ix_orders_customer ON {o} (customer_id)",
            f"CREATE VIEW {v} AS SELECT id, amount FROM {o} WHERE amount > 100",
            f"CREATE TABLE {d} (id integer PRIMARY KEY, body text, payload bytea)",
        ]
    if s.kind == "mysql":
        return [
            f"CREATE TABLE {c} (id int PRIMARY KEY,"
            " email varchar(120) NOT NULL COMMENT 'Contact address', name text,"
            " created_at datetime DEFAULT CURRENT_TIMESTAMP,"
            " UNIQUE KEY ux_customers_email (email)) ENGINE=InnoDB COMMENT='Customer master'",
            f"CREATE TABLE {o} (id int PRIMARY KEY, customer_id int NOT NULL,"
            " amount decimal(10,2), note text, KEY ix_orders_customer (customer_id),"
            f" CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES {c} (id))"
            " ENGINE=InnoDB",
            f"CREATE VIEW {v} AS SELECT id, amount FROM {o} WHERE amount > 100",
            f"CREATE TABLE {d} (id int PRIMARY KEY, body longtext, payload blob)",
        ]
    return [
        f"CREATE TABLE {c} (id integer PRIMARY KEY, email varchar(120) NOT NULL,"
        " name text, created_at timestamp DEFAULT CURRENT_TIMESTAMP)",
        "CREATE UNIQUE INDEX ux_customers_email ON customers (email)",
        f"CREATE TABLE {o} (id integer PRIMARY KEY, customer_id integer NOT NULL"
        " REFERENCES customers (id), amount numeric(10,2), note text)",
        "CREATE INDEX ix_orders_customer ON orders (customer_id)",
        f"CREATE VIEW {v} AS SELECT id, amount FROM orders WHERE amount > 100",
        f"CREATE TABLE {d} (id integer PRIMARY KEY, body text, payload blob)",
    ]


def _amount(s: Source, i: int) -> object:
    # sqlite3 cannot bind Decimal; the other drivers want it for NUMERIC.
    return i * 1.25 if s.kind == "sqlite" else Decimal(i) * Decimal("1.25")


async def _fill(s: Source) -> None:
    await s.run(*_ddl(s))
    customers = [{"id": i, "email": f"c{i}@example.com", "name": f"C {i}"} for i in (1, 2, 3)]
    orders = [
        {"id": i, "cid": 1 + i % 3, "amount": _amount(s, i), "note": f"n{i}"}
        for i in range(1, ORDER_ROWS + 1)
    ]
    async with s.admin.begin() as conn:
        await conn.execute(
            text(f"INSERT INTO {s.q('customers')} (id, email, name) VALUES (:id, :email, :name)"),
            customers,
        )
        await conn.execute(
            text(
                f"INSERT INTO {s.q('orders')} (id, customer_id, amount, note)"
                " VALUES (:id, :cid, :amount, :note)"
            ),
            orders,
        )
        await conn.execute(
            text(f"INSERT INTO {s.q('documents')} (id, body, payload) VALUES (1, :body, :payload)"),
            {"body": "x" * BIG_TEXT, "payload": BINARY},
        )
    if s.kind == "postgresql":
        await s.run(*(f"ANALYZE {s.q(t)}" for t in ("customers", "orders", "documents")))
    elif s.kind == "mysql":
        await s.run(f"ANALYZE TABLE {s.q('customers')}, {s.q('orders')}, {s.q('documents')}")
