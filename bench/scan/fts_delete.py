"""``python -m bench.scan.fts_delete``: what deleting 500 search rows costs in an FTS5
table like ``asset_fts`` (in memory), by the UNINDEXED ``asset_id`` column (before
migration 0017: reads the whole index) and through the keys (``asset_fts_keys``, the
FTS5 rowid index), at 20,000 and 100,000 documents. Median of 5 deletes each."""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
import uuid


def _timed(conn: sqlite3.Connection, sql: str, ids: list[str]) -> float:
    started = time.perf_counter()
    conn.execute(sql, ids)
    elapsed = time.perf_counter() - started
    conn.rollback()
    return elapsed


def main() -> None:
    random.seed(7)
    for size in (20_000, 100_000):
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE f USING fts5(asset_id UNINDEXED, name, qn)")
        conn.execute("CREATE TABLE k (doc INTEGER PRIMARY KEY, asset_id TEXT NOT NULL UNIQUE)")
        ids = [uuid.uuid4().hex for _ in range(size)]
        conn.executemany("INSERT INTO k (asset_id) VALUES (?)", [(i,) for i in ids])
        conn.executemany(
            "INSERT INTO f (rowid, asset_id, name, qn) VALUES "
            "((SELECT doc FROM k WHERE asset_id = ?1), ?1, ?2, ?3)",
            [(i, f"col{n % 50}", f"src.db.s.t{n // 20}.col{n % 50}") for n, i in enumerate(ids)],
        )
        conn.commit()
        by_id, by_key = [], []
        for _ in range(5):
            batch = random.sample(ids, 500)
            marks = ",".join("?" * len(batch))
            by_id.append(_timed(conn, f"DELETE FROM f WHERE asset_id IN ({marks})", batch))
            by_key.append(
                _timed(
                    conn,
                    f"DELETE FROM f WHERE rowid IN (SELECT doc FROM k WHERE asset_id IN ({marks}))",
                    batch,
                )
            )
        print(
            f"{size} documents, 500 deleted: by asset_id "
            f"{statistics.median(by_id) * 1000:.1f} ms, by key "
            f"{statistics.median(by_key) * 1000:.1f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
