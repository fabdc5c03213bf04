"""Reply latency through the fake Bot API: 100 questions, one chat at a time, p50/p95; memory per process.

Run: .venv/bin/python -m bench.reply_latency [--questions 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.nlu_eval import REPO, rasa_serving
from bot.config import Settings
from bot.faq import load_faq
from bot.nlu.model import NluPaths, model_path
from bot.runner import serve_telegram
from bot.wiring import running_services
from tests.fakebotapi.server import FakeTelegram

TOKEN = "999:BENCH"


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rasa_pid(port: int) -> int | None:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "rasa run" in cmdline and f"--port {port}" in cmdline:
                return int(proc.name)
    return None


async def measure(rasa_url: str, questions: list[str], db_path: Path) -> list[float]:
    async with FakeTelegram(token=TOKEN) as tg:
        settings = Settings(
            telegram_token=TOKEN,
            telegram_api_base_url=tg.base_url,
            rasa_url=rasa_url,
            database_path=db_path,
            responses_dir=REPO / "responses",
            poll_timeout=10,
            telegram_max_rate=0,  # latency of the bot itself: sequential questions, no send budget
        )
        async with running_services(settings, clock=lambda: date(2026, 11, 28)) as services:
            stop, started = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(serve_telegram(services, stop, started))
            await started.wait()
            latencies = []
            for number, text in enumerate(questions):
                chat = 5000 + number % 7
                before = len(tg.messages_to(chat))
                t0 = time.perf_counter()
                tg.send_user_message(chat, text)
                await tg.wait_for_messages(chat, before + 1, timeout=30)
                latencies.append((time.perf_counter() - t0) * 1000)
            stop.set()
            await task
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    faq = load_faq(REPO / "responses")
    # round robin over entries: the k-th example of every entry, then the next k
    pool = [e.questions[k] for k in range(12) for e in faq.entries if k < len(e.questions)]
    questions = pool[: args.questions]
    model = model_path(NluPaths(REPO / "nlu_data", REPO / "models"))
    port = 5131
    with rasa_serving(model, port) as url, tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(url, questions[:5], Path(tmp) / "warm.db"))  # warm-up
        latencies = asyncio.run(measure(url, questions, Path(tmp) / "bench.db"))
        pid = rasa_pid(port)
        rasa_mem = rss_mb(pid) if pid else float("nan")
    data = sorted(latencies)
    print(f"Reply latency over {len(data)} questions through the fake Bot API (sequential):")
    print(
        f"  p50 {statistics.median(data):.1f} ms  p95 {data[int(0.95 * len(data)) - 1]:.1f} ms  "
        f"max {data[-1]:.1f} ms"
    )
    print(f"Memory (RSS): bot process incl. fake server {rss_mb():.0f} MB; rasa run {rasa_mem:.0f} MB")
    print(f"Model {model.name}: {model.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
