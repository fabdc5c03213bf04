"""The delivery engine against a scripted sender: limits, each error path, and resuming after a crash."""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter
from pathlib import Path

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.broadcast import store
from bot.broadcast.engine import BroadcastEngine
from bot.storage import Storage


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    s = Storage(tmp_path / "b.db")
    yield s  # type: ignore[misc]
    s.close()


async def subscribe_many(storage: Storage, chat_ids: range, province: str | None = None) -> None:
    for chat_id in chat_ids:
        await storage.run(functools.partial(store.subscribe, chat_id=chat_id, province=province))


async def run_until_done(
    engine: BroadcastEngine, storage: Storage, broadcast_id: int, timeout: float = 20
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(engine.run(stop))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            progress = await storage.run(functools.partial(store.progress, broadcast_id=broadcast_id))
            if progress.state == store.DONE:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"not done: {progress}")
    finally:
        stop.set()
        await task


class Recorder:
    """A sender that records calls and raises scripted errors per chat."""

    def __init__(self, errors: dict[int, list[Exception]] | None = None) -> None:
        self.errors = errors or {}
        self.sent: list[int] = []
        self.calls: Counter[int] = Counter()
        self.times: list[float] = []

    async def __call__(self, chat_id: int, text: str) -> None:
        self.calls[chat_id] += 1
        self.times.append(time.monotonic())
        queue = self.errors.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append(chat_id)


async def test_everyone_reached_once(storage: Storage) -> None:
    await subscribe_many(storage, range(1, 61))
    broadcast_id = await storage.run(
        functools.partial(store.create_broadcast, text="<b>Halo</b>", provinces=None, created_by="t")
    )
    sender = Recorder()
    await run_until_done(BroadcastEngine(storage, sender), storage, broadcast_id)
    assert sorted(sender.sent) == list(range(1, 61))
    progress = await storage.run(functools.partial(store.progress, broadcast_id=broadcast_id))
    assert (progress.total, progress.sent, progress.remaining) == (60, 60, 0)


async def test_province_audience(storage: Storage) -> None:
    await subscribe_many(storage, range(1, 4), "Jawa Barat")
    await subscribe_many(storage, range(4, 6), "Bali")
    await subscribe_many(storage, range(6, 7))
    assert await storage.run(functools.partial(store.audience_size, provinces=["Bali"])) == 2
    assert await storage.run(functools.partial(store.audience_size, provinces=None)) == 6
    broadcast_id = await storage.run(
        functools.partial(store.create_broadcast, text="x", provinces=["Jawa Barat"], created_by="t")
    )
    sender = Recorder()
    await run_until_done(BroadcastEngine(storage, sender), storage, broadcast_id)
    assert sorted(sender.sent) == [1, 2, 3]


async def test_error_paths(storage: Storage) -> None:
    await subscribe_many(storage, range(1, 7))
    errors: dict[int, list[Exception]] = {
        1: [RetryAfter(1)],  # 429: wait, then delivered
        2: [Forbidden("Forbidden: bot was blocked by the user")],
        3: [BadRequest("Bad Request: chat not found")],
        4: [NetworkError("Bad Gateway"), TimedOut()],  # 5xx then timeout: retried, then delivered
        5: [NetworkError("Internal Server Error")] * 5,  # gives up after max_attempts
    }
    broadcast_id = await storage.run(
        functools.partial(store.create_broadcast, text="x", provinces=None, created_by="t")
    )
    sender = Recorder(errors)
    engine = BroadcastEngine(storage, sender, max_attempts=3, backoff=0.05)
    started = time.monotonic()
    await run_until_done(engine, storage, broadcast_id)
    assert time.monotonic() - started >= 1.0, "waited retry_after"
    assert sorted(sender.sent) == [1, 4, 6]
    rows = {r["chat_id"]: r for r in storage.db.query("SELECT * FROM deliveries")}
    assert rows[2]["state"] == store.BLOCKED
    assert rows[3]["state"] == store.FAILED and "chat not found" in rows[3]["last_error"].lower()
    assert rows[5]["state"] == store.FAILED and rows[5]["attempts"] == 3
    assert sender.calls[5] == 3
    subscriber = await storage.run(functools.partial(store.subscription, chat_id=2))
    assert subscriber is not None and subscriber["active"] == 0
    assert engine.stats["retry_after"] == 1


async def test_resume_after_crash_loses_nobody(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    storage = Storage(path)
    await subscribe_many(storage, range(1, 201))
    broadcast_id = await storage.run(
        functools.partial(store.create_broadcast, text="x", provinces=None, created_by="t")
    )
    first = Recorder()
    engine = BroadcastEngine(storage, first)
    stop = asyncio.Event()
    task = asyncio.create_task(engine.run(stop))
    while len(first.sent) < 50:
        await asyncio.sleep(0.01)
    task.cancel()  # like a crash: no clean-up of rows marked 'sending'
    await asyncio.gather(task, return_exceptions=True)
    storage.close()

    storage = Storage(path)
    second = Recorder()
    await run_until_done(BroadcastEngine(storage, second), storage, broadcast_id)
    everyone = Counter(first.sent) + Counter(second.sent)
    assert set(everyone) == set(range(1, 201)), "nobody lost"
    duplicates = sum(n - 1 for n in everyone.values())
    assert duplicates <= 8 * 4, "at most the claimed/in-flight rows are sent twice"
    storage.close()


async def test_scheduled_broadcast_waits_for_its_time(storage: Storage) -> None:
    from datetime import datetime, timedelta, timezone

    await subscribe_many(storage, range(1, 3))
    later = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    broadcast_id = await storage.run(
        functools.partial(
            store.create_broadcast, text="x", provinces=None, created_by="t", scheduled_at=later
        )
    )
    sender = Recorder()
    engine = BroadcastEngine(storage, sender, idle=0.1)
    stop = asyncio.Event()
    task = asyncio.create_task(engine.run(stop))
    await asyncio.sleep(0.5)
    assert sender.sent == []
    stop.set()
    await task
    # a restart: a new engine picks the schedule up from the database
    await run_until_done(BroadcastEngine(storage, sender, idle=0.1), storage, broadcast_id)
    assert sorted(sender.sent) == [1, 2]
    assert time.time() >= later.timestamp()


async def test_error_paths_against_the_fake_bot_api(storage: Storage) -> None:
    from telegram import Bot

    from tests.fakebotapi.server import FakeTelegram

    await subscribe_many(storage, range(1, 9))
    async with FakeTelegram(token="7:ERR") as tg:
        for chat in range(1, 8):  # chat 8 is unknown to Telegram: 400 chat not found
            tg.add_chat(chat)
        tg.block(2)
        tg.deactivate(3)
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        tg.fail_next("sendMessage", 502, "Bad Gateway", times=2)
        tg.fail_next("sendMessage", drop_connection=True)
        broadcast_id = await storage.run(
            functools.partial(store.create_broadcast, text="<b>Info</b>", provinces=None, created_by="t")
        )
        async with Bot("7:ERR", base_url=f"{tg.base_url}/bot") as bot:
            engine = BroadcastEngine(
                storage, functools.partial(bot.send_message, parse_mode="HTML"), workers=1, backoff=0.05
            )
            await run_until_done(engine, storage, broadcast_id, timeout=30)
        delivered = sorted(m["chat_id"] for m in tg.sent if m["method"] == "sendMessage")
        assert delivered == [1, 4, 5, 6, 7]
        rows = {r["chat_id"]: r["state"] for r in storage.db.query("SELECT chat_id, state FROM deliveries")}
        assert rows == {
            1: "sent",
            2: "blocked",
            3: "blocked",
            4: "sent",
            5: "sent",
            6: "sent",
            7: "sent",
            8: "failed",
        }
        assert engine.stats["retry_after"] == 1 and engine.stats["retried"] >= 3
