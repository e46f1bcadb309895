"""Reading a moment out of loosely typed metadata (properties, query results)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

__all__ = ["as_utc"]


def as_utc(value: Any) -> datetime | None:
    """A datetime, a date (midnight) or an ISO-8601 string (``Z`` allowed) as an aware
    UTC-based datetime; naive ones are taken as UTC. Anything else: None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
