"""A cheap per-address limit: token buckets for new chat connections and for messages.

Generous on purpose: a school or office behind one address must not notice it; a script opening
hundreds of sessions or sending a message every few milliseconds does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimit:
    """``burst`` events at once, then ``per_second`` on average, for each key."""

    burst: float
    per_second: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False when its bucket is empty."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.per_second)
            bucket.stamp = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _forget_full(self, now: float) -> None:
        """Drop keys whose bucket has refilled (they are the same as new ones)."""
        refill = self.burst / self.per_second
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < refill}
        if len(self._buckets) >= self.max_keys:  # all busy: forget the oldest half
            keep = sorted(self._buckets.items(), key=lambda kv: kv[1].stamp)[self.max_keys // 2 :]
            self._buckets = dict(keep)

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass
class WebLimits:
    """New Engine.IO sessions and client messages (polling POSTs, websocket frames) per address."""

    connections: RateLimit = field(default_factory=lambda: RateLimit(burst=30, per_second=0.5))
    messages: RateLimit = field(default_factory=lambda: RateLimit(burst=120, per_second=4.0))
