"""The durable update queue: stored before Telegram is told, forgotten once handled, handled again
after a crash, never twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Bot, Update

from bot.storage import Storage
from bot.tg.inbox import DurableUpdateQueue, pending


def update(update_id: int, text: str = "kapan pemilu?") -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1,
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "Budi"},
            "text": text,
        },
    }
    return Update.de_json(data, Bot("1:X"))


async def test_stored_until_handled_and_handled_again_after_a_crash(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "bot.db")
    try:
        queue = DurableUpdateQueue(storage)
        await queue.put(update(1))
        await queue.put(update(2))
        await queue.put(update(2))  # Telegram sent it again before our offset reached it
        assert queue.qsize() == 2
        assert [r["update_id"] for r in pending(storage.db)] == [1, 2]
        await queue.done(await queue.get())
        assert [r["update_id"] for r in pending(storage.db)] == [1, 2], "forgotten in a batch, a moment later"
        await asyncio.sleep(0.3)
        assert [r["update_id"] for r in pending(storage.db)] == [2]

        after_crash = DurableUpdateQueue(storage)  # a new process, same database
        assert await after_crash.replay(Bot("1:X")) == 1
        replayed = await after_crash.get()
        assert isinstance(replayed, Update) and replayed.update_id == 2
        assert replayed.effective_message is not None and replayed.effective_message.text == "kapan pemilu?"
        await after_crash.done(replayed)
        await after_crash.flush()  # as at shutdown
        await after_crash.put(update(2))  # and Telegram delivers it once more: handled once only
        assert after_crash.qsize() == 0 and pending(storage.db) == []
    finally:
        storage.close()


async def test_other_items_pass_through_and_stale_rows_are_dropped(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "bot.db")
    try:
        marker = object()  # PTB's stop signal is a plain object
        queue = DurableUpdateQueue(storage)
        await queue.put(marker)
        assert await queue.get() is marker and pending(storage.db) == []
        storage.db.execute(
            "INSERT INTO inbox (update_id, received_at, data) VALUES (9, '2026-01-01T00:00:00+00:00', '{}')"
        )
        assert await DurableUpdateQueue(storage).replay(Bot("1:X")) == 0
        assert pending(storage.db) == []
    finally:
        storage.close()
