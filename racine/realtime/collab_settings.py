"""Limits of co-editing, from ``RACINE_COLLAB_*`` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CollabSettings"]


class CollabSettings(BaseSettings):
    """Safe defaults; every limit is per connection unless said otherwise."""

    model_config = SettingsConfigDict(env_prefix="RACINE_COLLAB_", extra="ignore")

    max_update_bytes: int = Field(default=1024 * 1024, ge=1024)
    rate_per_second: float = Field(default=200.0, gt=0)  # messages, token bucket
    rate_burst: int = Field(default=400, ge=1)
    send_queue: int = Field(default=512, ge=4)  # outgoing messages buffered per client
    compact_after: int = Field(default=200, ge=2)  # log rows before compaction
    compact_interval_s: float = Field(default=5.0, ge=0)  # at most one compaction per room
    projection_interval_s: float = Field(default=0.25, ge=0)  # text projection write throttle
    send_queue_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024)  # per client
    idle_close_s: float = Field(default=30.0, gt=0)  # unload a room nobody uses
    batch_max: int = Field(default=256, ge=1)  # updates per group commit

    @property
    def max_message_bytes(self) -> int:
        return self.max_update_bytes + 64
