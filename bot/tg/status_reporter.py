"""Keep each admin's broadcast status message up to date (every few seconds) until the final report."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from sqlite_utils import Database
from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.broadcast import service, store
from bot.storage import Storage

log = logging.getLogger(__name__)


def _tracked(db: Database) -> list[dict[str, Any]]:
    """The latest broadcasts that have a status message (finished ones get their final edit once)."""
    return list(
        db.query(
            "SELECT id, status_chat_id, status_message_id FROM broadcasts "
            "WHERE status_message_id IS NOT NULL ORDER BY id DESC LIMIT 20"
        )
    )


async def report_progress(bot: Bot, storage: Storage, stop: asyncio.Event, every: float = 3.0) -> None:
    """Edit status messages while broadcasts run; the last edit is the final report."""
    shown: dict[int, str] = {}
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        try:
            rows = await storage.run(_tracked)
            for row in rows:
                broadcast_id = int(row["id"])
                progress = await storage.run(functools.partial(store.progress, broadcast_id=broadcast_id))
                text = service.progress_text(progress)
                if shown.get(broadcast_id) == text:
                    continue
                shown[broadcast_id] = text
                with contextlib.suppress(BadRequest):  # "message is not modified" after a restart
                    await bot.edit_message_text(
                        text,
                        chat_id=row["status_chat_id"],
                        message_id=row["status_message_id"],
                    )
        except TelegramError as exc:
            log.warning("Could not update a broadcast status: %s", exc)
        except Exception:
            log.exception("Broadcast status reporter failed")
