"""``pemilubot jalan``: prepare everything, start Rasa (and the action server), then serve Telegram
(or the terminal)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

from bot.claims.pending import digest_claims
from bot.config import Settings
from bot.digest import weekly_digest_job
from bot.faq.store import FaqStore
from bot.health import run_checks
from bot.nlu import model as nlu_model
from bot.nlu import training_data
from bot.tg.app import build_application, set_commands
from bot.tg.context import Services
from bot.tg.inbox import DurableUpdateQueue
from bot.tg.outbound import BACKGROUND
from bot.tg.status_reporter import report_progress
from bot.tg.webhook import WebhookServer
from bot.web.server import serve_web_chat
from bot.wiring import running_services

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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        # The web chat first: a taken WEB_CHAT_PORT fails before Rasa spends its start-up time.
        async with (
            serve_web_chat(settings),
            running_services(settings, paths, start_rasa=start_rasa) as services,
        ):
            await services.rasa.wait_ready(60)
            if settings.telegram_token:
                await serve_telegram(services, stop)
            else:
                from bot.console import chat

                publisher = services.publisher
                publisher.notify = _print_notice
                watcher = asyncio.create_task(publisher.watch(stop))
                await chat(services.conversation, stop)
                stop.set()
                await watcher
    finally:
        print("Tanya Pemilu berhenti.", flush=True)


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
        if isinstance(application.update_queue, DurableUpdateQueue):
            await application.update_queue.replay(application.bot)  # what a crash left unhandled
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
        actions = f"; server aksi: {settings.action_url}" if settings.action_url else ""
        print(
            f"Tanya Pemilu (@{me.username}) siap ({mode}); Bot API: {settings.telegram_api_base_url}; "
            f"Rasa: {settings.rasa_url}{actions}. Tekan Ctrl-C untuk berhenti.",
            flush=True,
        )
        bot = application.bot
        services.publisher.notify = functools.partial(notify_admins, bot, settings.admin_ids)
        services.engine.send = functools.partial(
            bot.send_message, read_timeout=15, write_timeout=15, rate_limit_args=BACKGROUND
        )
        tasks = [
            asyncio.create_task(services.publisher.watch(stop)),
            asyncio.create_task(services.engine.run(stop)),
            asyncio.create_task(report_progress(bot, services.storage, stop)),
            asyncio.create_task(retention(services, stop)),
            asyncio.create_task(weekly_digest_job(bot, services, stop, claims=digest_claims)),
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
        if isinstance(application.update_queue, DurableUpdateQueue):
            await application.update_queue.flush()  # handled updates are not handled again next start


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
