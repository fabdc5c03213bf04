"""One assembly of the running services, used by ``pemilubot jalan``, the tests and the benches.

settings → storage → (Rasa server and action server) → Rasa client → FAQ → conversation →
outbound limiter; the Telegram ``Application`` is built from these by
:func:`bot.tg.app.build_application`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

from bot.action_server import ActionServer
from bot.broadcast.engine import BroadcastEngine
from bot.claims.checker import ClaimChecker
from bot.claims.publisher import ClaimPublisher
from bot.claims.store import ClaimStore
from bot.config import Settings
from bot.conversation import Conversation
from bot.faq.model import Faq
from bot.faq.publisher import FaqPublisher
from bot.faq.store import FaqStore
from bot.faq.timeline import today_wib
from bot.nlu import model as nlu_model
from bot.nlu import training_data
from bot.rasa_client import RasaClient, replace_model
from bot.rasa_server import RasaServer
from bot.storage import Storage
from bot.supervisor import ChildServer
from bot.tg.context import Services
from bot.tg.outbound import OutboundLimiter

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def running_services(
    settings: Settings,
    paths: nlu_model.NluPaths | None = None,
    *,
    start_rasa: bool = False,
    model: Path | None = None,
    clock: Callable[[], date] = today_wib,
) -> AsyncIterator[Services]:
    """Every long-lived service, created once and closed in reverse order.

    With ``start_rasa`` (needs ``paths``), a supervised Rasa child serves the current model on
    ``settings.rasa_url`` (``model``, or the one trained from the current data), with its channels
    (``credentials.yml`` in the NLU folder) and the action server written to
    ``<data dir>/endpoints.yml``; when the bot runs its own action server
    (``settings.manages_action_server``) a supervised ``rasa run actions`` child starts beside it.
    Both are ready before this yields; if either cannot start, the other is stopped and the
    :class:`~bot.supervisor.ChildStartError` raised. With ``paths``, FAQ edits that change the
    training data retrain the model.
    """
    data_dir = Path(settings.database_path).parent
    storage = Storage(settings.database_path)
    rasa_server: RasaServer | None = None
    action_server: ActionServer | None = None
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout)
    try:
        if start_rasa:
            assert paths is not None, "starting Rasa needs the NLU paths"
            model = model or nlu_model.model_path(paths)
            rasa_server = RasaServer(
                paths.rasa_bin,
                model,
                settings.rasa_url,
                data_dir / "rasa.log",
                data_dir / "rasa.pid",
                credentials=_credentials(paths),
                endpoints=write_endpoints(settings, data_dir),
            )
            children: list[ChildServer] = [rasa_server]
            print(f"Memulai Rasa di {settings.rasa_url} (model {model.name}) …", flush=True)
            if settings.manages_action_server:
                action_server = ActionServer.for_settings(settings, paths.rasa_bin, data_dir)
                children.append(action_server)
                print(
                    f"Memulai server aksi di {action_server.url} (log {action_server.log_file}) …", flush=True
                )
            await start_together(children)
        await rasa.start()
        faq_store = FaqStore(settings.responses_dir)
        outbound = OutboundLimiter(settings.telegram_max_rate, on_failure=storage.record_send_failure)
        services = Services(
            settings=settings,
            rasa=rasa,
            storage=storage,
            conversation=Conversation(faq_store, rasa, storage, clock),
            publisher=FaqPublisher(faq_store, storage),
            engine=BroadcastEngine(storage, _not_connected),
            outbound=outbound,
            rasa_server=rasa_server,
            action_server=action_server,
        )
        claim_store = ClaimStore.for_responses(settings.responses_dir)
        services.claims = ClaimChecker(claim_store, storage, faq_store)
        services.conversation.claims = services.claims
        services.claim_publisher = ClaimPublisher(
            claim_store, storage, after_publish=services.claims.follow_up
        )
        services.publisher.add_section(services.claim_publisher)  # claim edits live like FAQ edits
        if paths is not None:
            services.publisher.retrain = make_retrainer(paths, rasa, rasa_server)
        yield services
    finally:
        await rasa.close()
        storage.close()
        if rasa_server is not None:  # Rasa, the caller, first; then the action server it calls
            await rasa_server.stop()
        if action_server is not None:
            await action_server.stop()


def _credentials(paths: nlu_model.NluPaths) -> Path | None:
    """Rasa's input channels (socket.io for the web chat, REST), when the NLU folder has them."""
    path = paths.nlu_dir / "credentials.yml"
    if path.is_file():
        return path
    log.warning("%s is missing: Rasa starts without the web chat's socket.io channel", path)
    return None


TRACKER_STORE = "pemilu_nlu.tracker_store.ShortMemoryTrackerStore"
WEB_MAX_CONVERSATIONS = 1000
WEB_MAX_IDLE_MINUTES = 30


def write_endpoints(settings: Settings, data_dir: Path) -> Path:
    """``<data dir>/endpoints.yml`` for Rasa: the action server at ``settings.action_url``/webhook
    (none when the web chat is off and no ACTION_SERVER_URL is set)."""
    path = data_dir / "endpoints.yml"
    lines = ["# Written by the bot at every start (bot/wiring.py); edits are overwritten."]
    if settings.action_url:
        lines += ["action_endpoint:", f"  url: {json.dumps(settings.action_url + '/webhook')}"]
    else:
        lines += ["# No action server: WEB_CHAT_PORT=0 and ACTION_SERVER_URL empty."]
    # Web chat conversations live in Rasa's memory only, and only as long as needed
    # (nlu_data/pemilu_nlu/tracker_store.py).
    lines += [
        "tracker_store:",
        f"  type: {TRACKER_STORE}",
        f"  max_conversations: {WEB_MAX_CONVERSATIONS}",
        f"  max_idle_minutes: {WEB_MAX_IDLE_MINUTES}",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def start_together(children: list[ChildServer]) -> None:
    """Start every child at once and wait until all are ready. As soon as one cannot start, the
    others' starts are cancelled, every child is stopped and that error is raised."""
    tasks = [asyncio.create_task(child.start()) for child in children]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()  # no-op for the finished ones
        await asyncio.gather(*tasks, return_exceptions=True)
    errors = [e for t in tasks if not t.cancelled() and (e := t.exception()) is not None]
    if not errors:
        return
    for error in errors[1:]:
        log.error("Another child could not start either: %s", error)
    await asyncio.gather(*(child.stop() for child in children), return_exceptions=True)
    raise errors[0]


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


async def _not_connected(chat_id: int, text: str) -> None:
    raise RuntimeError("the broadcast engine has no Telegram connection yet")
