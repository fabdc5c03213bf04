"""Per-user flood control: more than ``limit`` messages a minute gets one polite note, then silence."""

from __future__ import annotations

import time
from collections import deque


class FloodGuard:
    """Sliding-window counter per user; remembers whether the user was already told."""

    def __init__(self, limit: int = 20, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}

    def check(self, user_id: int, now: float | None = None) -> str:
        """``"ok"``, ``"warn"`` (first message over the limit) or ``"drop"``."""
        now = time.monotonic() if now is None else now
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.limit:
            self._told.pop(user_id, None)
            return "ok"
        if user_id in self._told and now - self._told[user_id] < self.window:
            return "drop"
        self._told[user_id] = now
        return "warn"

    def forget_idle(self, now: float | None = None) -> None:
        """Drop users with no recent messages (keeps memory flat)."""
        now = time.monotonic() if now is None else now
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] >= self.window]:
            self._seen.pop(user_id, None)
            self._told.pop(user_id, None)
