"""One assembly of the running services, used by ``pemilubot jalan``, the tests and the benches.

settings → storage → (Rasa server) → Rasa client → FAQ → conversation → outbound limiter; the
Telegram ``Application`` is built from these by :func:`bot.tg.app.build_application`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

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
    ``settings.rasa_url`` (``model``, or the one trained from the current data); with ``paths``,
    FAQ edits that change the training data retrain it.
    """
    data_dir = Path(settings.database_path).parent
    storage = Storage(settings.database_path)
    rasa_server: RasaServer | None = None
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout)
    try:
        if start_rasa:
            assert paths is not None, "starting Rasa needs the NLU paths"
            model = model or nlu_model.model_path(paths)
            rasa_server = RasaServer(
                paths.rasa_bin, model, settings.rasa_url, data_dir / "rasa.log", data_dir / "rasa.pid"
            )
            print(f"Memulai Rasa di {settings.rasa_url} (model {model.name}) …", flush=True)
            await rasa_server.start()
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
        if rasa_server is not None:
            await rasa_server.stop()


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
