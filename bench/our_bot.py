"""Our bot as its own process for the Telegram comparison (bench/telegram_compare.py).

The same wiring as ``pemilubot jalan`` (``bot.wiring.running_services`` with a Rasa child serving
the given NLU model, then ``bot.runner.serve_telegram``) until SIGTERM. Bench-only differences: the
per-user flood guard is raised (``--flood-limit``; a load test sends far more than 20 messages a
minute per chat), FAQ answers are rendered for a fixed day (``--day``) so both sides send the same
text, and the outbound limiter's budgets follow ``--max-rate`` (0 = off, as the comparison runs the
fake Bot API without Telegram's limits).

Run: .venv/bin/python -m bench.our_bot --api URL --token T --rasa-port P --model M --db PATH
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import date
from pathlib import Path

from bot.config import Settings
from bot.flood import FloodGuard
from bot.nlu.model import NluPaths
from bot.runner import serve_telegram
from bot.wiring import running_services

REPO = Path(__file__).resolve().parents[1]


async def serve(args: argparse.Namespace) -> None:
    settings = Settings(
        telegram_token=args.token,
        telegram_api_base_url=args.api,
        rasa_url=f"http://127.0.0.1:{args.rasa_port}",
        database_path=Path(args.db),
        responses_dir=REPO / "responses",
        log_level="WARNING",
        poll_timeout=10,
        telegram_max_rate=args.max_rate,
        web_chat_port=0,  # the Telegram path alone: no web chat, no action server
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    paths = NluPaths(REPO / "nlu_data", REPO / "models", REPO / ".venv-rasa/bin/rasa")
    day = date.fromisoformat(args.day)
    async with running_services(
        settings, paths, start_rasa=True, model=Path(args.model), clock=lambda: day
    ) as services:
        services.flood = FloodGuard(limit=args.flood_limit)
        await serve_telegram(services, stop)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rasa-port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--day", default="2026-11-28")
    parser.add_argument("--flood-limit", type=int, default=1_000_000)
    parser.add_argument("--max-rate", type=float, default=0.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
