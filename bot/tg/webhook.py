"""Webhook mode: our own aiohttp server receives Telegram's POSTs and serves ``GET /healthz``.

PTB's "custom webhook" pattern: the Application runs without an Updater; each verified Update is
put on ``application.update_queue``. Every request must carry the secret Telegram was given in
``setWebhook`` (header ``X-Telegram-Bot-Api-Secret-Token``); anything else is refused with 403.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.health import Report
from bot.tg.sanity import parse_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # Telegram updates are a few KB


class WebhookServer:
    """POST ``path``: an Update from Telegram. GET ``/healthz``: the health report as JSON."""

    def __init__(
        self,
        application: Any,
        secret: str,
        path: str,
        host: str,
        port: int,
        health: Callable[[], Awaitable[Report]],
    ) -> None:
        if not secret:
            raise ValueError("webhook mode needs a secret token")
        self.application = application
        self._secret = secret.encode()
        self.path = path
        self.host, self.port = host, port
        self.health = health
        self.rejected = 0
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.receive)
        app.router.add_get("/healthz", self.healthz)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("Webhook server listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _secret_ok(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode()
        return hmac.compare_digest(given, self._secret)

    async def receive(self, request: web.Request) -> web.Response:
        if not self._secret_ok(request):
            self.rejected += 1
            log.warning(
                "Webhook: refused a request from %s without the right secret token",
                request.remote or "?",
            )
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            update = parse_update(json.loads(await request.read()), self.application.bot)
        except (ValueError, UnicodeDecodeError) as exc:  # MalformedUpdate and bad JSON are ValueErrors
            log.warning("Webhook: malformed update refused (%s)", exc)
            return web.json_response({"ok": False, "error": "bad request"}, status=400)
        await self.application.update_queue.put(update)
        return web.json_response({"ok": True})

    async def healthz(self, request: web.Request) -> web.Response:
        report = await self.health()
        return web.json_response(report.as_json(), status=200 if report.ok else 503)
