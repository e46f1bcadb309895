"""A token bucket, for everything Racine paces: ``rate`` events a second, bursts of
``burst``."""

from __future__ import annotations

import time

__all__ = ["TokenBucket"]


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        """True (and one token spent) if an event may go now."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
