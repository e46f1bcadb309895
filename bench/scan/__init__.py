"""Scan benchmark: a generated PostgreSQL source scanned with profiling and
classification, against plain asyncpg sampling of the same rows."""
