"""``pemilubot jalan``: prepare everything, start Rasa, then serve Telegram (or the terminal)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

from bot.broadcast.engine import BroadcastEngine, SendRate
from bot.config import Settings
from bot.conversation import Conversation
from bot.faq.model import Faq
from bot.faq.publisher import FaqPublisher
from bot.faq.store import FaqStore
from bot.faq.timeline import today_wib
from bot.health import run_checks
from bot.nlu import model as nlu_model
from bot.nlu import training_data
from bot.rasa_client import RasaClient, replace_model
from bot.rasa_server import RasaServer
from bot.storage import Storage
from bot.tg.app import build_application, set_commands
from bot.tg.context import Services
from bot.tg.status_reporter import report_progress
from bot.tg.webhook import WebhookServer

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


def make_retrainer(
    paths: nlu_model.NluPaths, rasa: RasaClient, rasa_server: RasaServer | None
) -> Callable[[Faq], Awaitable[None]]:
    """Regenerate training data, train off the event loop, and swap the model into Rasa."""

    async def retrain(faq: Faq) -> None:
        started = time.monotonic()
        await asyncio.to_thread(training_data.write, faq, paths.nlu_dir)
        model, seconds = await asyncio.to_thread(nlu_model.train, paths)
        await replace_model(rasa, str(model.resolve()))
        if rasa_server is not None:
            rasa_server.model = model  # a restarted Rasa serves the new model too
        log.info(
            "Model %s live (trained in %.1f s, %.1f s in all)",
            model.name,
            seconds,
            time.monotonic() - started,
        )

    return retrain


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
    services = build_services(settings, rasa, storage, faq_store)
    publisher = services.publisher
    publisher.retrain = make_retrainer(paths, rasa, rasa_server)
    try:
        await rasa.wait_ready(60)
        if settings.telegram_token:
            await serve_telegram(services, stop)
        else:
            from bot.console import chat

            publisher.notify = _print_notice
            watcher = asyncio.create_task(publisher.watch(stop))
            await chat(services.conversation, stop)
            stop.set()
            await watcher
    finally:
        await rasa.close()
        storage.close()
        if rasa_server is not None:
            await rasa_server.stop()
        print("Tanya Pemilu berhenti.", flush=True)


def build_services(
    settings: Settings,
    rasa: RasaClient,
    storage: Storage,
    faq_store: FaqStore,
    clock: Callable[[], date] = today_wib,
) -> Services:
    """Every long-lived service, wired once."""
    rate = SendRate()
    return Services(
        settings=settings,
        rasa=rasa,
        storage=storage,
        conversation=Conversation(faq_store, rasa, storage, clock),
        publisher=FaqPublisher(faq_store, storage),
        engine=BroadcastEngine(storage, _not_connected, rate),
        rate=rate,
    )


async def _not_connected(chat_id: int, text: str) -> None:
    raise RuntimeError("the broadcast engine has no Telegram connection yet")


async def _print_notice(text: str) -> None:
    print(f"\n{text}\n", flush=True)


async def serve_telegram(
    services: Services, stop: asyncio.Event, started: asyncio.Event | None = None
) -> None:
    """Answer Telegram until ``stop`` is set (polling, or webhook when WEBHOOK_URL is set);
    set ``started`` once updates flow."""
    settings = services.settings
    application = build_application(services)
    webhook: WebhookServer | None = None
    async with application:
        await application.start()
        await set_commands(application)
        if settings.webhook_url:
            webhook = WebhookServer(
                application,
                settings.webhook_secret,
                settings.webhook_path,
                settings.webhook_listen,
                settings.webhook_port,
                health=functools.partial(run_checks, settings),
            )
            await webhook.start()
            await install_webhook(application.bot, settings)
            mode = f"webhook {settings.webhook_listen}:{settings.webhook_port}{settings.webhook_path}"
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=settings.poll_timeout,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                error_callback=_polling_error,
            )
            mode = "polling"
        me = application.bot
        print(
            f"Tanya Pemilu (@{me.username}) siap ({mode}); Bot API: {settings.telegram_api_base_url}; "
            f"Rasa: {settings.rasa_url}. Tekan Ctrl-C untuk berhenti.",
            flush=True,
        )
        bot = application.bot
        services.publisher.notify = functools.partial(notify_admins, bot, settings.admin_ids)
        services.engine.send = functools.partial(bot.send_message, read_timeout=15, write_timeout=15)
        tasks = [
            asyncio.create_task(services.publisher.watch(stop)),
            asyncio.create_task(services.engine.run(stop)),
            asyncio.create_task(report_progress(bot, services.storage, stop)),
            asyncio.create_task(retention(services, stop)),
        ]
        if webhook is not None:
            tasks.append(asyncio.create_task(keep_webhook(bot, settings, stop)))
        if started is not None:
            started.set()
        await stop.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
        print("Menghentikan bot …", flush=True)
        if webhook is not None:
            await webhook.stop()  # the webhook stays set: Telegram keeps updates until we are back
        else:
            assert application.updater is not None
            await application.updater.stop()
        await application.stop()


BOOTSTRAP_RETRIES = 10
"""deleteWebhook at the start of polling is retried this often (with PTB's back-off) before giving up."""


async def install_webhook(bot: Bot, settings: Settings, attempts: int = 10) -> None:
    """``setWebhook`` with our URL, secret and every update kind; retried with back-off on errors."""
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            await bot.set_webhook(
                url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("Webhook set to %s", settings.webhook_url)
            return
        except InvalidToken:
            raise
        except TelegramError as exc:
            if attempt == attempts:
                raise
            log.warning("setWebhook failed (attempt %d, retrying in %.0f s): %s", attempt, delay, exc)
            await asyncio.sleep(delay)
            delay = min(30.0, delay * 2)


async def keep_webhook(bot: Bot, settings: Settings, stop: asyncio.Event, every: float = 600) -> None:
    """Every ``every`` seconds, make sure Telegram still has our webhook (someone may have removed it)."""
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return
        try:
            info = await bot.get_webhook_info()
            if info.url != settings.webhook_url:
                log.warning("Telegram lost our webhook (now %r); setting it again", info.url)
                await install_webhook(bot, settings)
            elif info.last_error_message:
                log.warning("Telegram reports webhook delivery errors: %s", info.last_error_message)
        except TelegramError as exc:
            log.warning("Could not check the webhook: %s", exc)


async def retention(services: Services, stop: asyncio.Event, every: float = 6 * 3600) -> None:
    """Delete unanswered questions and admin logs older than RETENTION_DAYS; runs at start, then every 6 h."""
    while not stop.is_set():
        try:
            removed = await services.storage.purge_older_than(services.settings.retention_days)
            if removed:
                log.info(
                    "Retention: removed %d rows older than %d days", removed, services.settings.retention_days
                )
            services.flood.forget_idle()
        except Exception:
            log.exception("Retention job failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def notify_admins(bot: Bot, admin_ids: frozenset[int], text: str) -> None:
    """Send a plain-text notice to every admin; one failing admin does not stop the others."""
    for admin in sorted(admin_ids):
        try:
            await bot.send_message(admin, html.escape(text))
        except TelegramError as exc:
            log.warning("Could not notify admin %s: %s", admin, exc)


def _polling_error(exc: Exception) -> None:
    log.warning("Polling error (will retry): %s", exc)


def run_until_stopped(coro_factory: Callable[[], Awaitable[None]]) -> None:
    """Run ``coro_factory()`` in a fresh event loop."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(coro_factory())  # type: ignore[arg-type]
