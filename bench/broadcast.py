"""Broadcast benchmark against the fake Bot API enforcing Telegram's limits (429 beyond 30 msg/s).

10,000 subscribers (some have blocked the bot), the real bot process (`pemilubot jalan --no-rasa`)
with a real Rasa server, citizens chatting during the broadcast, and a `kill -9` of the bot halfway
followed by a restart. Prints the sustained send rate, 429s received, citizens' p95 reply time,
and recipients lost / duplicated.

Run: .venv/bin/python -m bench.broadcast [--subscribers 10000] [--blocked 300]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.nlu_eval import REPO, rasa_serving
from bot.broadcast import store
from bot.nlu.model import NluPaths, model_path
from bot.storage import Storage
from tests.fakebotapi.server import FakeTelegram

TOKEN = "4242:BENCH-BROADCAST"
QUESTIONS = ["kapan pemilu?", "bawa apa ke tps", "cara cek dpt", "jam berapa tps buka", "gimana lapor hoaks"]


def is_broadcast(params: dict[str, object], subscribers: int) -> bool:
    """The broadcast message to a subscriber (citizens' answers may mention the same site)."""
    chat = params.get("chat_id")
    return (
        isinstance(chat, int)
        and 1 <= chat <= subscribers
        and str(params.get("text", "")).startswith("<b>Pengingat</b>")
    )


def start_bot(api: str, rasa_url: str, db: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api,
        RASA_URL=rasa_url,
        DATABASE_PATH=str(db),
        TELEGRAM_POLL_TIMEOUT="5",
        LOG_LEVEL="WARNING",
        WEB_CHAT_PORT="0",  # broadcasting only: no web chat page on a fixed port
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(REPO / ".venv/bin/pemilubot"), "jalan", "--no-rasa"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def citizens(tg: FakeTelegram, stop: asyncio.Event, latencies: list[float]) -> None:
    """A citizen asks a question every two seconds and waits for the answer."""
    number = 0
    while not stop.is_set():
        chat = 900_000 + number % 20
        before = len(tg.messages_to(chat))
        t0 = time.perf_counter()
        tg.send_user_message(chat, QUESTIONS[number % len(QUESTIONS)])
        try:
            await tg.wait_for_messages(chat, before + 1, timeout=30)
            latencies.append((time.perf_counter() - t0) * 1000)
        except TimeoutError:
            latencies.append(30_000.0)
        number += 1
        await asyncio.sleep(2.0)


async def run(subscribers: int, blocked: int, rasa_url: str, workdir: Path) -> None:
    db_path = workdir / "bench.db"
    storage = Storage(db_path)
    for chat_id in range(1, subscribers + 1):
        await storage.run(functools.partial(store.subscribe, chat_id=chat_id))
    async with FakeTelegram(token=TOKEN) as tg:
        for chat_id in range(1, subscribers + 1):
            tg.add_chat(chat_id)
        for chat_id in range(1, blocked + 1):
            tg.block(chat_id * (subscribers // blocked))
        tg.set_rate_limits(global_per_second=30, per_chat_per_second=1)
        log = workdir / "bot.log"
        bot = start_bot(tg.base_url, rasa_url, db_path, log)
        await asyncio.sleep(8)  # bot start-up
        broadcast_id = await storage.run(
            functools.partial(
                store.create_broadcast,
                text="<b>Pengingat</b>: cek nama Anda di cekdptonline.kpu.go.id",
                provinces=None,
                created_by="bench",
            )
        )
        started = time.monotonic()
        stop = asyncio.Event()
        latencies: list[float] = []
        chatter = asyncio.create_task(citizens(tg, stop, latencies))
        killed_at = None
        while True:
            progress = await storage.run(functools.partial(store.progress, broadcast_id=broadcast_id))
            if killed_at is None and progress.done >= progress.total // 2:
                bot.send_signal(signal.SIGKILL)
                bot.wait()
                killed_at = progress.done
                bot = start_bot(tg.base_url, rasa_url, db_path, log)
            if progress.state == store.DONE:
                break
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        stop.set()
        await chatter
        bot.send_signal(signal.SIGTERM)
        bot.wait(30)
        times = sorted(  # every broadcast request that reached the server (403s included)
            at
            for method, params, at in tg.timed_calls
            if method == "sendMessage" and is_broadcast(params, subscribers)
        )
        pauses = [b - a for a, b in itertools.pairwise(times)]
        print(f"Longest pause between broadcast requests (the kill -9 restart): {max(pauses):.2f} s")
        gaps = sum(p for p in pauses if p > 0.3)
        sending_time = (times[-1] - times[0]) - gaps if len(times) > 1 else 1.0
        received = Counter(
            c["params"]["chat_id"]
            for c in tg.sent
            if c.get("method") == "sendMessage" and is_broadcast(c["params"], subscribers)
        )
        should = {i for i in range(1, subscribers + 1)} - {
            i * (subscribers // blocked) for i in range(1, blocked + 1)
        }
        lost = len(should - set(int(k) for k in received))
        dupes = sum(n - 1 for n in received.values() if n > 1)
        final = await storage.run(functools.partial(store.progress, broadcast_id=broadcast_id))
        data = sorted(latencies)
        print(f"Subscribers {subscribers} ({blocked} blocked the bot); kill -9 after {killed_at} done")
        print(
            f"Sustained send rate: {final.done / elapsed:.1f} msg/s over {elapsed:.0f} s "
            f"(incl. the restart); delivered {final.sent}, blocked {final.blocked}, failed {final.failed}"
        )
        print(
            f"Sustained rate while sending (pauses over 0.3 s, {gaps:.1f} s in all, excluded): "
            f"{len(times) / sending_time:.1f} msg/s"
        )
        print(f"429 received from the fake: {tg.stats.get('429', tg.stats.get('too_many_requests', 0))}")
        print(
            f"Citizen replies during the broadcast: {len(data)}, p50 {statistics.median(data):.0f} ms, "
            f"p95 {data[int(0.95 * len(data)) - 1]:.0f} ms"
        )
        print(f"Recipients lost: {lost}; duplicates (sent twice because in flight at kill -9): {dupes}")
    storage.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--blocked", type=int, default=300)
    args = parser.parse_args()
    model = model_path(NluPaths(REPO / "nlu_data", REPO / "models"))
    with rasa_serving(model, 5151) as rasa_url, tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.subscribers, args.blocked, rasa_url, Path(tmp)))
    sys.exit(0)


if __name__ == "__main__":
    main()
