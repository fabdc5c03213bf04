"""Rasa's in-memory tracker store, but forgetful: web chat conversations do not pile up forever.

Rasa's ``InMemoryTrackerStore`` keeps every conversation until the process ends, so a busy website
would grow Rasa's memory without limit, and keep what people typed longer than anything needs it.
The bot answers each message on its own (no dialogue state), so a conversation idle for
``max_idle_minutes`` or beyond the newest ``max_conversations`` is dropped; if that person writes
again, Rasa starts a fresh tracker. Nothing is written to disk. Configured by the bot in
``<data>/endpoints.yml`` (``tracker_store``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker


class ShortMemoryTrackerStore(InMemoryTrackerStore):
    """At most ``max_conversations`` trackers, none idle longer than ``max_idle_minutes``."""

    def __init__(
        self,
        domain: Any,
        host: str | None = None,
        event_broker: Any = None,
        max_conversations: int = 1000,
        max_idle_minutes: float = 30,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.store: OrderedDict[str, str] = OrderedDict()
        self._saved_at: dict[str, float] = {}
        self.max_conversations = int(max_conversations)
        self.max_idle = float(max_idle_minutes) * 60
        self.clock = clock
        self.forgotten = 0

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self.store.move_to_end(tracker.sender_id)
        self._saved_at[tracker.sender_id] = self.clock()
        self._forget_old()

    def _forget_old(self) -> None:
        now = self.clock()
        while self.store:
            oldest = next(iter(self.store))
            if len(self.store) <= self.max_conversations and now - self._saved_at[oldest] <= self.max_idle:
                return
            del self.store[oldest]
            del self._saved_at[oldest]
            self.forgotten += 1
