"""The sample shop database: synthetic, reproducible (fixed seed), no real people.

Card numbers pass Luhn with real issuer prefixes (Visa, Mastercard, Amex); order
numbers also pass Luhn but have a length and prefix no card network uses, so a
classifier that only checks Luhn would be fooled. IBANs carry valid mod-97 check
digits. Names are drawn from short invented lists.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

__all__ = ["SEED", "build_shop", "iban", "luhn_complete"]

SEED = 20240601
_FIRST = [
    "Alma",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Lars",
    "Mina",
    "Nils",
    "Olga",
    "Paulo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Yara",
    "Zeno",
]
_LAST = [
    "Arden",
    "Brisk",
    "Calloway",
    "Dunmore",
    "Eskel",
    "Fenwick",
    "Galt",
    "Holloway",
    "Ivers",
    "Jessup",
    "Kestrel",
    "Lindqvist",
    "Marchetti",
    "Norcross",
    "Oakes",
    "Pemberton",
    "Quarry",
    "Rowntree",
    "Sallow",
    "Thistle",
    "Umber",
    "Vantongeren",
]
_DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]
_SUBJECTS = [
    "Late delivery",
    "Wrong size",
    "Refund request",
    "Damaged parcel",
    "Change address",
    "Invoice copy",
]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    """A ``length``-digit number starting with ``prefix`` whose last digit makes
    the Luhn checksum valid."""
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def _card(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return luhn_complete("4", 16, rng)  # Visa
    if kind == 1:
        return luhn_complete(str(rng.randint(51, 55)), 16, rng)  # Mastercard
    return luhn_complete(rng.choice(["34", "37"]), 15, rng)  # American Express


def _phone(rng: random.Random) -> str:
    return f"+44 20 {rng.randint(7000, 7999)} {rng.randint(1000, 9999)}"


def build_shop(path: Path, *, customers: int = 200, seed: int = SEED) -> Path:
    """Write the shop database at ``path`` (replacing an unfinished one)."""
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.executescript("""
        CREATE TABLE customers (id INTEGER PRIMARY KEY, first_name TEXT NOT NULL,
            last_name TEXT NOT NULL, email TEXT UNIQUE, phone TEXT, birth_date DATE,
            iban TEXT, created_at DATE);
        CREATE TABLE employees (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT,
            phone TEXT, department TEXT, salary REAL);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, order_number TEXT NOT NULL,
            customer_id INTEGER REFERENCES customers(id), ordered_at DATE, total REAL,
            status TEXT);
        CREATE TABLE payments (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id),
            card_number TEXT, card_holder TEXT, amount REAL, paid_at DATE);
        CREATE TABLE support_tickets (id INTEGER PRIMARY KEY,
            customer_id INTEGER REFERENCES customers(id), subject TEXT, body TEXT,
            opened_at DATE);
        CREATE VIEW order_totals AS SELECT customer_id, COUNT(*) AS orders, SUM(total) AS spent
            FROM orders GROUP BY customer_id;
    """)
    start = date(2023, 1, 1)
    people = []
    for i in range(1, customers + 1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}{i}@{rng.choice(_DOMAINS)}"
        people.append((first, last, email))
        bban = f"{rng.randrange(10**8):08d}{rng.randrange(10**10):010d}"
        conn.execute(
            "INSERT INTO customers VALUES (?,?,?,?,?,?,?,?)",
            (
                i,
                first,
                last,
                email,
                _phone(rng),
                (date(1950, 1, 1) + timedelta(days=rng.randrange(20000))).isoformat(),
                iban("DE", bban),
                (start + timedelta(days=rng.randrange(500))).isoformat(),
            ),
        )
    for i in range(1, 31):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        conn.execute(
            "INSERT INTO employees VALUES (?,?,?,?,?,?)",
            (
                i,
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}@shop.example",
                _phone(rng),
                rng.choice(["Sales", "Support", "Warehouse", "Finance"]),
                round(rng.uniform(28000, 90000), 2),
            ),
        )
    for i in range(1, customers * 3 + 1):
        customer = rng.randint(1, customers)
        total = round(rng.uniform(5, 500), 2)
        when = (start + timedelta(days=rng.randrange(600))).isoformat()
        conn.execute(
            "INSERT INTO orders VALUES (?,?,?,?,?,?)",
            (
                i,
                luhn_complete("90", 12, rng),
                customer,
                when,
                total,
                rng.choice(["paid", "shipped", "returned", "pending"]),
            ),
        )
        first, last, _ = people[customer - 1]
        conn.execute(
            "INSERT INTO payments VALUES (?,?,?,?,?,?)",
            (i, i, _card(rng), f"{first} {last}", total, when),
        )
    for i in range(1, customers + 1):
        customer = rng.randint(1, customers)
        email = people[customer - 1][2]
        conn.execute(
            "INSERT INTO support_tickets VALUES (?,?,?,?,?)",
            (
                i,
                customer,
                rng.choice(_SUBJECTS),
                f"Hello, please contact me at {email} about my order. Thanks!",
                (start + timedelta(days=rng.randrange(600))).isoformat(),
            ),
        )
    conn.commit()
    conn.close()
    tmp.replace(path)
    return path
