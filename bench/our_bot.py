"""Our bot as its own process for the Telegram comparison (bench/telegram_compare.py).

The same wiring as ``pemilubot jalan`` (bot.runner.serve): it starts ``rasa run --enable-api`` as a
child with the given NLU model, builds the services with ``bot.runner.build_services`` and polls the
Bot API with ``bot.runner.serve_telegram`` until SIGTERM. Two bench-only differences: the per-user
flood guard is raised (``--flood-limit``; a load test sends far more than 20 messages a minute per
chat) and FAQ answers are rendered for a fixed day (``--day``) so both sides send the same text.

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
from bot.faq.store import FaqStore
from bot.flood import FloodGuard
from bot.rasa_client import RasaClient
from bot.rasa_server import RasaServer
from bot.runner import build_services, serve_telegram
from bot.storage import Storage

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
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    rasa_server = RasaServer(REPO / ".venv-rasa/bin/rasa", Path(args.model), settings.rasa_url)
    await rasa_server.start()
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout)
    await rasa.start()
    storage = Storage(settings.database_path)
    day = date.fromisoformat(args.day)
    services = build_services(settings, rasa, storage, FaqStore(settings.responses_dir), clock=lambda: day)
    services.flood = FloodGuard(limit=args.flood_limit)
    try:
        await serve_telegram(services, stop)
    finally:
        await rasa.close()
        storage.close()
        await rasa_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rasa-port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--day", default="2026-11-28")
    parser.add_argument("--flood-limit", type=int, default=1_000_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
