"""Web chat latency through the whole web path, next to the Telegram path, and the memory of each process.

Web: a Socket.IO client (websocket, as the widget upgrades to) → the bot's web server (origin check,
/socket.io/ proxy) → Rasa's socket.io channel → NLU + rules → the action server (``actions/``) →
back. Telegram: the fake Bot API → the real bot → the same Rasa over HTTP. Same questions, same Rasa.

Run: .venv/bin/python -m bench.web_latency [--questions 100] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.reply_latency import measure as telegram_latencies
from bench.reply_latency import rss_mb
from bench.sio import SocketChat
from bot import wiring
from bot.config import Settings
from bot.faq import load_faq
from bot.nlu.model import NluPaths
from bot.runner import prepare_model
from bot.web.limits import RateLimit, WebLimits
from bot.web.server import WebChatServer
from bot.wiring import running_services
from tests.conftest import free_port
from tests.helpers_process import tree_rss_mb

REPO = Path(__file__).resolve().parents[1]
MEMORY_CAP = 500


def summary(values_ms: list[float]) -> str:
    data = sorted(values_ms)
    p95 = data[max(0, int(0.95 * len(data)) - 1)]
    return (
        f"p50 {statistics.median(data):6.1f} ms  p95 {p95:6.1f} ms  max {data[-1]:6.1f} ms  (n={len(data)})"
    )


async def web_sequential(base: str, questions: list[str]) -> list[float]:
    """One conversation, one question after the other: time to the first message of each answer."""
    latencies = []
    async with SocketChat(base, origin=base) as chat:
        for text in questions:
            t0 = time.perf_counter()
            messages = await chat.ask(text)
            assert messages, text
            latencies.append((chat.first_at - t0) * 1000)
    return latencies


async def web_concurrent(
    base: str, questions: list[str], clients: int, per_client: int
) -> tuple[list[float], float]:
    """``clients`` conversations at once, each asking ``per_client`` questions in turn."""
    latencies: list[float] = []

    async def one(number: int) -> None:
        async with SocketChat(base, origin=base) as chat:
            for k in range(per_client):
                text = questions[(number * per_client + k) % len(questions)]
                t0 = time.perf_counter()
                await chat.ask(text)
                latencies.append((chat.first_at - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(clients)))
    return latencies, time.perf_counter() - started


async def memory_curve(
    base: str, questions: list[str], pid: int, total: int, step: int
) -> list[tuple[int, float]]:
    """Rasa's RSS after every ``step`` new one-question conversations (50 at a time)."""
    points = []
    for done in range(0, total, step):
        for start in range(done, done + step, 50):
            await web_concurrent(base, questions[start % len(questions) :], 50, 1)
        points.append((done + step, tree_rss_mb(pid)))
    return points


PATHS = NluPaths(REPO / "nlu_data", REPO / "models", REPO / ".venv-rasa" / "bin" / "rasa")


def web_settings(folder: Path) -> Settings:
    """The whole web path on free ports, with a throw-away database (also used by bench/sio_memory)."""
    return Settings(
        rasa_url=f"http://127.0.0.1:{free_port()}",
        action_server_port=free_port(),
        web_chat_port=free_port(),
        database_path=folder / "bench.db",
        responses_dir=REPO / "responses",
        telegram_max_rate=0,
    )


async def run(questions: list[str], clients: int, folder: Path) -> None:
    paths = PATHS
    settings = web_settings(folder)
    model = prepare_model(settings, paths)
    # A small cap on the conversations Rasa keeps, to see its memory level off within the run.
    production_cap, wiring.WEB_MAX_CONVERSATIONS = wiring.WEB_MAX_CONVERSATIONS, MEMORY_CAP
    started = time.monotonic()
    async with running_services(settings, paths, start_rasa=True, model=model) as services:
        print(f"Rasa + action server ready in {time.monotonic() - started:.1f} s (model {model.name})")
        roomy = RateLimit(burst=10_000, per_second=1_000)
        roomy_limits = WebLimits(roomy, roomy, roomy)
        web = WebChatServer(settings, limits=roomy_limits)  # latency, not the per-address limits, is measured
        await web.start()
        try:
            base = web.url.rstrip("/")
            await web_sequential(base, questions[:5])  # warm-up
            telegram_latencies_ms = await telegram_latencies(settings.rasa_url, questions, folder / "tg.db")
            sequential = await web_sequential(base, questions)
            direct = await web_sequential(settings.rasa_url, questions)
            assert services.rasa_server is not None and services.rasa_server.process is not None
            assert services.action_server is not None and services.action_server.process is not None
            rasa_pid, action_pid = services.rasa_server.process.pid, services.action_server.process.pid
            rasa_before = tree_rss_mb(rasa_pid)
            concurrent, seconds = await web_concurrent(base, questions, clients, 4)
            many, many_seconds = await web_concurrent(base, questions, 250, 4)
            rasa_after = tree_rss_mb(rasa_pid)
            action_mb = tree_rss_mb(action_pid)
            curve = await memory_curve(base, questions, rasa_pid, 4 * MEMORY_CAP, MEMORY_CAP // 2)
        finally:
            await web.stop()
    print(f"Sequential, {len(questions)} questions, time to the first message of the answer:")
    print(f"  Telegram (fake Bot API → bot → Rasa /model/parse)          {summary(telegram_latencies_ms)}")
    print(f"  Web (socket.io → bot's proxy → Rasa → action server)      {summary(sequential)}")
    print(f"  Web without the proxy (socket.io straight to Rasa)       {summary(direct)}")
    print(f"{clients} web conversations at once, 4 questions each:")
    print(f"  {summary(concurrent)}; {len(concurrent) / seconds:.0f} answers/s")
    print("250 web conversations at once, 4 questions each:")
    print(f"  {summary(many)}; {len(many) / many_seconds:.0f} answers/s")
    print("Memory (RSS):")
    print(
        f"  rasa run (NLU + rules, in-memory trackers): {rasa_before:.0f} MB after the sequential runs, "
        f"{rasa_after:.0f} MB after {clients + 250 + 3} web conversations more"
    )
    print(f"  rasa run actions (actions/, FAQ + claims loaded): {action_mb:.0f} MB")
    print(
        f"  rasa run while new conversations keep coming "
        f"(it keeps {MEMORY_CAP} here, {production_cap:,} in production):"
    )
    print("    " + ", ".join(f"{n} → {mb:.0f} MB" for n, mb in curve))
    print(f"  bot process (bot, web server, fake Bot API, bench client): {rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    faq = load_faq(REPO / "responses")
    pool = [e.questions[k] for k in range(12) for e in faq.entries if k < len(e.questions)]
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(pool[: args.questions], args.clients, Path(tmp)))


if __name__ == "__main__":
    main()
