"""Cheap limits: token buckets for new chat connections and messages, per address and per conversation.

Per address they are generous on purpose: Indonesian mobile carriers put many subscribers behind one
address (carrier-grade NAT), and so do schools and offices; they must not notice. A person types a
question every few seconds at most, so the tight limit is per conversation: a script hammering one
socket is cut off, and one opening thousands of sockets meets the per-address limits.
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
    """New Engine.IO sessions per address; client messages (polling POSTs, websocket frames) per
    address and per conversation (Engine.IO session or websocket)."""

    connections: RateLimit = field(default_factory=lambda: RateLimit(burst=300, per_second=5.0))
    messages: RateLimit = field(default_factory=lambda: RateLimit(burst=600, per_second=20.0))
    per_conversation: RateLimit = field(default_factory=lambda: RateLimit(burst=20, per_second=1.0))
