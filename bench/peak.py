"""Peaks with Telegram's limits ON at the fake Bot API (30/s counted at arrival, 1/s per chat).

1. Burst: ``--burst`` citizens (default 300) write in the same second.
2. Broadcast to ``--subscribers`` (default 1,000) while 20 citizens ask questions.

The bot is the real one (``bot.wiring.running_services`` + ``serve_telegram``, default
TELEGRAM_MAX_RATE 25) with a real Rasa serving the current model. Prints the figures as text and,
on the last line, as JSON.

Run: .venv/bin/python -m bench.peak [--burst 300] [--subscribers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.nlu_eval import REPO, rasa_serving
from bot.broadcast import store
from bot.config import Settings
from bot.nlu.model import NluPaths, model_path
from bot.runner import serve_telegram
from bot.wiring import running_services
from tests.fakebotapi.server import FakeTelegram

TOKEN = "777:PEAK"
QUESTIONS = ["kapan pemilu 2024?", "jam berapa tps buka", "bawa apa aja ke tps", "cara lapor hoaks gmn"]


def quantile(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))]


async def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def burst(rasa_url: str, db: Path, size: int) -> dict[str, float]:
    async with FakeTelegram(token=TOKEN) as tg, bot_running(tg, rasa_url, db):
        tg.set_rate_limits()
        chats = list(range(10_001, 10_001 + size))
        asked = {}
        started = time.monotonic()
        for n, chat in enumerate(chats):
            tg.send_user_message(chat, QUESTIONS[n % len(QUESTIONS)])
            asked[chat] = time.monotonic()
        await wait_for(lambda: all(tg.messages_to(c) for c in chats), 120)
        answered = [c for c in chats if tg.messages_to(c)]
        first = [tg.messages_to(c)[0]["at"] - asked[c] for c in answered]
        return {
            "burst_chats": size,
            "burst_answered": len(answered),
            "burst_429": tg.stats["429"],
            "burst_max_per_1s": tg.max_in_window(1.0),
            "burst_first_answer_p50_s": statistics.median(first),
            "burst_first_answer_p95_s": quantile(first, 0.95),
            "burst_first_answer_max_s": max(first),
            "burst_all_answered_s": max(tg.messages_to(c)[0]["at"] for c in answered) - started,
        }


async def broadcast(rasa_url: str, db: Path, subscribers: int) -> dict[str, float]:
    async with FakeTelegram(token=TOKEN) as tg, bot_running(tg, rasa_url, db) as services:
        tg.set_rate_limits()
        people = list(range(40_001, 40_001 + subscribers))
        for chat in people:
            tg.add_chat(chat)
            await services.storage.run(functools.partial(store.subscribe, chat_id=chat))
        await services.storage.run(
            functools.partial(store.create_broadcast, text="<b>Info</b> peak", provinces=None, created_by="b")
        )
        services.engine.wake.set()
        await wait_for(lambda: len(tg.sent) >= 50, 30)
        waits = []
        for n in range(20):
            chat = 90_001 + n
            t0 = time.monotonic()
            tg.send_user_message(chat, QUESTIONS[n % len(QUESTIONS)])
            await wait_for(lambda c=chat: tg.messages_to(c), 15)  # type: ignore[misc]
            waits.append(tg.messages_to(chat)[0]["at"] - t0 if tg.messages_to(chat) else 15.0)
            await asyncio.sleep(0.5)
        await wait_for(lambda: all(tg.messages_to(c) for c in people), 180)
        sent = sorted(m["at"] for m in tg.sent if m["chat_id"] in set(people))
        return {
            "broadcast_subscribers": subscribers,
            "broadcast_delivered": len({m["chat_id"] for m in tg.sent if m["chat_id"] in set(people)}),
            "broadcast_429": tg.stats["429"],
            "broadcast_max_per_1s": tg.max_in_window(1.0),
            "broadcast_rate_per_s": (len(sent) - 1) / (sent[-1] - sent[0]),
            "citizens_p50_s": statistics.median(waits),
            "citizens_p95_s": quantile(waits, 0.95),
        }


class bot_running:  # used like a function in ``async with``
    """The real bot, wired as in production, against ``tg``."""

    def __init__(self, tg: FakeTelegram, rasa_url: str, db: Path) -> None:
        self.settings = Settings(
            telegram_token=TOKEN,
            telegram_api_base_url=tg.base_url,
            rasa_url=rasa_url,
            database_path=db,
            responses_dir=REPO / "responses",
            poll_timeout=5,
            log_level="WARNING",
        )

    async def __aenter__(self) -> Any:
        self._services = running_services(self.settings, clock=lambda: date(2026, 11, 30))
        services = await self._services.__aenter__()
        self._stop, started = asyncio.Event(), asyncio.Event()
        self._task = asyncio.create_task(serve_telegram(services, self._stop, started))
        await asyncio.wait_for(started.wait(), 60)
        return services

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await self._task
        await self._services.__aexit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--subscribers", type=int, default=1000)
    args = parser.parse_args()
    model = model_path(NluPaths(REPO / "nlu_data", REPO / "models"))
    with rasa_serving(model, 5141) as url, tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(burst(url, Path(tmp) / "burst.db", args.burst))
        figures |= asyncio.run(broadcast(url, Path(tmp) / "broadcast.db", args.subscribers))
    f = figures
    print("Limits on at the fake Bot API (30/s counted at arrival, 1/s per chat); bot at its default 25/s.")
    print(
        f"Burst: {f['burst_chats']:.0f} chats in one second → {f['burst_answered']:.0f} answered, "
        f"{f['burst_429']:.0f} × 429, at most {f['burst_max_per_1s']:.0f} messages in any 1 s; "
        f"first answer p50 {f['burst_first_answer_p50_s']:.1f} s, p95 {f['burst_first_answer_p95_s']:.1f} s, "
        f"max {f['burst_first_answer_max_s']:.1f} s; all answered after {f['burst_all_answered_s']:.1f} s"
    )
    print(
        f"Broadcast to {f['broadcast_subscribers']:.0f} while 20 citizens ask: "
        f"{f['broadcast_delivered']:.0f} delivered, {f['broadcast_429']:.0f} × 429, at most "
        f"{f['broadcast_max_per_1s']:.0f} in any 1 s, {f['broadcast_rate_per_s']:.1f} msg/s while sending; "
        f"citizens answered p50 {f['citizens_p50_s']:.2f} s, p95 {f['citizens_p95_s']:.2f} s"
    )
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
