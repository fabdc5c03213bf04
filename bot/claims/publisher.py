"""Publish claim-file edits while the bot runs: the FAQ publisher's watch loop polls
``responses/klaim/`` too and calls :meth:`ClaimPublisher.publish`; a valid edit swaps the claims and
their matcher whole (no reply lost, no restart), an invalid one is refused whole and the admins are
told what is wrong and where. Each accepted edit is recorded in ``claim_changes``; afterwards the
people waiting for a check are told when a new claim now answers their message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.claims import pending
from bot.claims.loader import ClaimError
from bot.claims.model import ClaimSet
from bot.claims.store import ClaimStore
from bot.faq import publisher as faq_publisher
from bot.storage import Storage

log = logging.getLogger(__name__)

Notify = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class ClaimDiff:
    """What an edit of the claim files changed."""

    added: list[str]
    changed: list[str]
    removed: list[str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


AfterPublish = Callable[[ClaimDiff], Awaitable[None]]


def diff(old: ClaimSet, new: ClaimSet) -> ClaimDiff:
    """Claims added, changed and removed."""
    changed = [c.id for c in new if (o := old.get(c.id)) is not None and o.content_hash() != c.content_hash()]
    return ClaimDiff(
        added=[i for i in new.ids if i not in old],
        changed=changed,
        removed=[i for i in old.ids if i not in new],
    )


class ClaimPublisher:
    """Reloads the claims when asked (by the FAQ publisher's watch, or /muatulang)."""

    def __init__(
        self,
        store: ClaimStore,
        storage: Storage,
        *,
        notify: Notify | None = None,
        after_publish: AfterPublish | None = None,
    ) -> None:
        self.store = store
        self.storage = storage
        self.notify = notify
        self.after_publish = after_publish
        self.last_error: ClaimError | None = None
        self._lock = asyncio.Lock()

    @property
    def directory(self) -> Path:
        return self.store.directory

    async def publish(self, by: str = "berkas") -> ClaimDiff | ClaimError:
        """Load the claim files now; swap them in if valid, else keep the old claims and tell the admins."""
        async with self._lock:
            old = self.store.claims
            try:
                served = await asyncio.to_thread(self.store.load)
            except ClaimError as exc:
                self.last_error = exc
                log.warning(
                    "Claim edit refused (%d problems); still serving the last good claims", len(exc.problems)
                )
                await self._tell_admins(refusal_text(exc))
                return exc
            self.last_error = None
            change = diff(old, served.claims)
            if change.empty:
                return change
            self.store.served = served
            log.info("Claims published: +%s ~%s -%s", change.added, change.changed, change.removed)
            await pending.record_claim_change(
                self.storage, served.claims.content_hash(), change.added, change.changed, change.removed, by
            )
        if self.after_publish is not None and (change.added or change.changed):
            try:
                await self.after_publish(change)
            except Exception:
                log.exception("Telling the people who waited for a check failed")
        return change

    async def _tell_admins(self, text: str) -> None:
        if self.notify is None:
            return
        try:
            await self.notify(text)
        except Exception:
            log.exception("Could not notify the admins")


def refusal_text(exc: ClaimError) -> str:
    return faq_publisher.refusal_text(
        "klaim Cek Hoaks", list(exc.problems), "pemilubot klaim periksa", "Klaim lama"
    )


def describe_publish(outcome: ClaimDiff | ClaimError) -> str:
    """A short Indonesian summary of a claim publish, for staff."""
    if isinstance(outcome, ClaimError):
        return refusal_text(outcome)
    if outcome.empty:
        return "Tidak ada perubahan klaim."
    parts = faq_publisher.change_summary(outcome.added, outcome.changed, outcome.removed)
    return f"Klaim diterbitkan ({parts})."
