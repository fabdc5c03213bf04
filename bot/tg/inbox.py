"""A crash loses no update: each is written to SQLite before Telegram is told it arrived.

PTB's Updater confirms updates to Telegram with its next ``getUpdates`` (the offset), which it
calls only after it has put the batch on the application's ``update_queue``; our webhook server
answers Telegram 200 only after the same ``put``. :class:`DurableUpdateQueue` makes that ``put``
write the update to the ``inbox`` table first. The update processor deletes the row once the update
has been handled (:meth:`DurableUpdateQueue.done`). At start, rows left by a process that died
(``kill -9``, power loss after the WAL was written) are handled again before new updates; an update
Telegram sends again after such a crash is recognised by its id and not handled twice.

Privacy: a row holds the raw update (the message text and chat id) only while it is being handled,
normally for seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database
from telegram import Bot, Update

from bot.storage import Storage
from bot.storage.db import now_utc

log = logging.getLogger(__name__)


FORGET_AFTER = 0.2
"""Seconds between an update being handled and its row being deleted (in one batch with others)."""


class DurableUpdateQueue(asyncio.Queue[object]):
    """The application's update queue, with every incoming :class:`Update` stored until handled."""

    def __init__(self, storage: Storage) -> None:
        super().__init__()
        self.storage = storage
        self._replayed: set[int] = set()
        self._handled: list[int] = []
        self._flusher: asyncio.Task[None] | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            data = json.dumps(item.to_dict(), ensure_ascii=False, default=str)
            if item.update_id in self._replayed:  # handled (or being handled) since the restart
                log.info("Update %s arrived again after a restart; it is handled once", item.update_id)
                return
            stored = await self.storage.run(lambda db: _store(db, item.update_id, data))
            if not stored:  # already stored and in hand: Telegram sent it twice
                return
        await super().put(item)

    async def done(self, update: object) -> None:
        """The update has been handled (answered, or failed with its error logged): forget it.

        Rows are deleted in batches, :data:`FORGET_AFTER` seconds after the first of them was
        handled (one write instead of one per update under load); a ``kill -9`` in that moment
        means those few updates are answered a second time, never that one is lost."""
        if isinstance(update, Update):
            self._handled.append(update.update_id)
            if self._flusher is None or self._flusher.done():
                self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FORGET_AFTER)
        await self.flush()

    async def flush(self) -> None:
        """Delete the rows of every update handled so far (also called at shutdown)."""
        ids, self._handled = self._handled, []
        if ids:
            marks = ",".join("?" * len(ids))
            await self.storage.run(
                lambda db: db.execute(f"DELETE FROM inbox WHERE update_id IN ({marks})", ids)
            )

    async def replay(self, bot: Bot) -> int:
        """Queue the updates a previous run received but did not finish; return how many."""
        rows = await self.storage.run(_unfinished)
        for row in rows:
            try:
                update = Update.de_json(json.loads(row["data"]), bot)
            except (ValueError, TypeError, KeyError):
                log.exception("Dropping a stored update that cannot be read again")
                await self.done_id(int(row["update_id"]))
                continue
            self._replayed.add(update.update_id)
            await super().put(update)
        if rows:
            log.warning("Handling %d updates received before the bot stopped", len(rows))
        return len(rows)

    async def done_id(self, update_id: int) -> None:
        await self.storage.run(lambda db: db.execute("DELETE FROM inbox WHERE update_id = ?", [update_id]))


def _store(db: Database, update_id: int, data: str) -> bool:
    """Insert the update; False when it is already there (Telegram sent it again)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO inbox (update_id, received_at, data) VALUES (?, ?, ?)",
        [update_id, now_utc(), data],
    )
    return bool(cursor.rowcount)


def _unfinished(db: Database) -> list[dict[str, Any]]:
    """Rows to handle again; those older than a day are dropped (Telegram keeps updates for 24 h,
    and a question that old is better asked again than answered now)."""
    cutoff = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(timespec="seconds")
    stale = db.execute("DELETE FROM inbox WHERE received_at < ?", [cutoff]).rowcount
    if stale:
        log.warning("Dropped %d stored updates older than a day", stale)
    return list(db.query("SELECT update_id, data FROM inbox ORDER BY update_id"))


def pending(db: Database) -> list[dict[str, Any]]:
    """Rows not yet handled (for tests and status)."""
    return list(db.query("SELECT update_id, received_at FROM inbox ORDER BY update_id"))
