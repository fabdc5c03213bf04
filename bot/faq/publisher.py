"""Publish FAQ edits while the bot runs: answers go live at once, new questions retrain in the background.

Watches ``responses/`` by polling file times and sizes (no extra dependency). A valid edit replaces
the served FAQ whole and is recorded; an invalid one is refused whole, the last good FAQ keeps
serving, and the admins are told what is wrong and where. When example questions change, the
model is retrained off the event loop and swapped into the running Rasa server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.faq.loader import FaqError
from bot.faq.model import Faq
from bot.faq.store import FaqStore
from bot.storage import Storage

log = logging.getLogger(__name__)

Notify = Callable[[str], Awaitable[None]]
Retrain = Callable[[Faq], Awaitable[None]]


class Section(Protocol):
    """Another folder of staff-edited files published by the same watch (e.g. the claim files)."""

    @property
    def directory(self) -> Path: ...

    notify: Notify | None

    async def publish(self, by: str = "berkas") -> object: ...


@dataclass(frozen=True)
class FaqDiff:
    """What an edit changed."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    questions_changed: bool

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def diff(old: Faq, new: Faq) -> FaqDiff:
    """Entries added, changed and removed, and whether the model must learn again."""
    old_ids, new_ids = set(old.ids), set(new.ids)
    changed = [
        i
        for i in new.ids
        if i in old_ids and old.get(i).content_hash() != new.get(i).content_hash()  # type: ignore[union-attr]
    ]
    questions_changed = bool(old_ids ^ new_ids) or any(
        old.get(i).questions_hash() != new.get(i).questions_hash()  # type: ignore[union-attr]
        for i in changed
    )
    return FaqDiff(
        added=[i for i in new.ids if i not in old_ids],
        changed=changed,
        removed=[i for i in old.ids if i not in new_ids],
        questions_changed=questions_changed,
    )


def snapshot(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, mtime and size of every YAML file in ``directory``: changes when a file does."""
    files = []
    for path in sorted(directory.glob("*.yml")):
        with contextlib.suppress(FileNotFoundError):
            stat = path.stat()
            files.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(files)


class FaqPublisher:
    """Reloads the FAQ when its files change, or when asked."""

    def __init__(
        self,
        store: FaqStore,
        storage: Storage,
        *,
        notify: Notify | None = None,
        retrain: Retrain | None = None,
        interval: float = 0.5,
    ) -> None:
        self.store = store
        self.storage = storage
        self.notify = notify
        self.retrain = retrain
        self.interval = interval
        self._snapshot = snapshot(store.directory)
        self._lock = asyncio.Lock()
        self._retrain_task: asyncio.Task[None] | None = None
        self._retrain_again = False
        self.last_error: FaqError | None = None
        self.sections: list[tuple[Section, tuple[tuple[str, int, int], ...]]] = []

    def add_section(self, section: Section) -> None:
        """Watch ``section.directory`` too; its refusals reach the admins through this publisher."""
        section.notify = self._tell_admins
        self.sections.append((section, snapshot(section.directory)))

    async def _publish_sections(self) -> None:
        for index, (section, before) in enumerate(self.sections):
            if snapshot(section.directory) == before:
                continue
            await asyncio.sleep(0.2)  # let an editor finish writing
            self.sections[index] = (section, snapshot(section.directory))
            try:
                await section.publish()
            except Exception:
                log.exception("Publishing %s failed", section.directory)

    async def publish(self, by: str = "berkas") -> FaqDiff | FaqError:
        """Load ``responses/`` now; swap it in if valid, else keep the old FAQ and tell the admins."""
        async with self._lock:
            old = self.store.current
            try:
                new = await asyncio.to_thread(self.store.load)
            except FaqError as exc:
                self.last_error = exc
                log.warning(
                    "FAQ edit refused (%d problems); still serving the last good FAQ", len(exc.problems)
                )
                await self._tell_admins(_refusal_text(exc))
                return exc
            self.last_error = None
            change = diff(old, new)
            if change.empty:
                return change
            self.store.current = new
            log.info("FAQ published: +%s ~%s -%s", change.added, change.changed, change.removed)
            await self.storage.record_faq_change(
                new.content_hash(),
                change.added,
                change.changed,
                change.removed,
                change.questions_changed,
                by,
            )
            if change.questions_changed:
                self._schedule_retrain()
            return change

    def _schedule_retrain(self) -> None:
        if self.retrain is None:
            return
        if self._retrain_task is not None and not self._retrain_task.done():
            self._retrain_again = True
            return
        self._retrain_task = asyncio.create_task(self._retrain_loop())

    async def _retrain_loop(self) -> None:
        assert self.retrain is not None
        while True:
            self._retrain_again = False
            try:
                await self.retrain(self.store.current)
            except Exception as exc:
                log.exception("Retraining failed; the previous model keeps serving")
                await self._tell_admins(f"⚠️ Pelatihan ulang model gagal; model lama tetap dipakai.\n{exc}")
            if not self._retrain_again:
                return

    async def wait_retrained(self) -> None:
        """Wait for a running retrain (tests and CLI)."""
        if self._retrain_task is not None:
            await self._retrain_task

    async def watch(self, stop: asyncio.Event) -> None:
        """Poll the folder; publish after a change has settled."""
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
            await self._publish_sections()
            current = snapshot(self.store.directory)
            if current == self._snapshot:
                continue
            await asyncio.sleep(0.2)  # let an editor finish writing
            self._snapshot = snapshot(self.store.directory)
            try:
                await self.publish()
            except Exception:
                log.exception("FAQ publishing failed")

    async def _tell_admins(self, text: str) -> None:
        if self.notify is None:
            return
        try:
            await self.notify(text)
        except Exception:
            log.exception("Could not notify the admins")


def refusal_text(what: str, problems: list[object], check_command: str, kept: str) -> str:
    """Staff notice that an edit was refused (FAQ or claims): the problems, and what stays live."""
    lines = [f"⚠️ Perubahan {what} DITOLAK ({len(problems)} masalah). {kept} tetap dipakai.", ""]
    lines += [f"• {p}" for p in problems[:20]]
    if len(problems) > 20:
        lines.append(f"… dan {len(problems) - 20} lainnya (jalankan `{check_command}`).")
    return "\n".join(lines)


def change_summary(added: Iterable[str], changed: Iterable[str], removed: Iterable[str]) -> str:
    """``baru: a, b; diubah: c`` for a publish notice."""
    groups = (("baru", added), ("diubah", changed), ("dihapus", removed))
    return "; ".join(f"{label}: {', '.join(ids)}" for label, ids in groups if ids)


def _refusal_text(exc: FaqError) -> str:
    return refusal_text("FAQ", list(exc.problems), "make validate", "Jawaban lama")


def describe_publish(outcome: FaqDiff | FaqError) -> str:
    """A short Indonesian summary of a publish, for staff."""
    if isinstance(outcome, FaqError):
        return _refusal_text(outcome)
    if outcome.empty:
        return "Tidak ada perubahan FAQ."
    parts = change_summary(outcome.added, outcome.changed, outcome.removed)
    retrain = " Model dilatih ulang di latar belakang." if outcome.questions_changed else ""
    return f"FAQ diterbitkan ({parts}).{retrain}"
