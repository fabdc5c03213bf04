"""``pemilubot jalan``: prepare everything, start Rasa, then serve Telegram (or the terminal)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Update

from bot.config import Settings
from bot.conversation import Conversation
from bot.faq.store import FaqStore
from bot.nlu import model as nlu_model
from bot.nlu import training_data
from bot.rasa_client import RasaClient
from bot.rasa_server import RasaServer
from bot.storage import Storage
from bot.tg.app import build_application
from bot.tg.context import Services

log = logging.getLogger(__name__)


def prepare_model(settings: Settings, paths: nlu_model.NluPaths) -> Path:
    """Regenerate FAQ training data if needed and train the model if its inputs changed."""
    faq = FaqStore(settings.responses_dir).current
    changed = training_data.write(faq, paths.nlu_dir)
    for path in changed:
        log.info("Regenerated %s", path)
    model, seconds = nlu_model.train(paths)
    if seconds:
        log.info("Trained %s in %.1f s", model.name, seconds)
    else:
        log.info("Model %s is up to date", model.name)
    nlu_model.prune(paths)
    return model


async def serve(settings: Settings, paths: nlu_model.NluPaths, *, start_rasa: bool = True) -> None:
    """Run the whole bot until SIGINT/SIGTERM, then stop every part cleanly."""
    faq_store = FaqStore(settings.responses_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    rasa_server: RasaServer | None = None
    if start_rasa:
        model = nlu_model.model_path(paths)
        rasa_server = RasaServer(paths.rasa_bin, model, settings.rasa_url, Path("data/rasa.log"))
        print(f"Memulai Rasa di {settings.rasa_url} (model {model.name}) …", flush=True)
        await rasa_server.start()
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout)
    await rasa.start()
    storage = Storage(settings.database_path)
    conversation = Conversation(faq_store, rasa, storage)
    try:
        await rasa.wait_ready(60)
        if settings.telegram_token:
            services = Services(settings, rasa, storage, conversation)
            await serve_telegram(services, stop)
        else:
            from bot.console import chat

            await chat(conversation, stop)
    finally:
        await rasa.close()
        storage.close()
        if rasa_server is not None:
            await rasa_server.stop()
        print("Tanya Pemilu berhenti.", flush=True)


async def serve_telegram(
    services: Services, stop: asyncio.Event, started: asyncio.Event | None = None
) -> None:
    """Poll the Bot API and answer until ``stop`` is set; set ``started`` once polling runs."""
    settings = services.settings
    application = build_application(services)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            timeout=settings.poll_timeout,
            allowed_updates=Update.ALL_TYPES,
            error_callback=_polling_error,
        )
        me = application.bot
        print(
            f"Tanya Pemilu (@{me.username}) siap; Bot API: {settings.telegram_api_base_url}; "
            f"Rasa: {settings.rasa_url}. Tekan Ctrl-C untuk berhenti.",
            flush=True,
        )
        if started is not None:
            started.set()
        await stop.wait()
        print("Menghentikan bot …", flush=True)
        await application.updater.stop()
        await application.stop()


def _polling_error(exc: Exception) -> None:
    log.warning("Polling error (will retry): %s", exc)


def run_until_stopped(coro_factory: Callable[[], Awaitable[None]]) -> None:
    """Run ``coro_factory()`` in a fresh event loop."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(coro_factory())  # type: ignore[arg-type]
