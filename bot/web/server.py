"""The web chat server: the page, the vendored widget, ``/healthz`` and the socket.io door to Rasa.

One aiohttp application on ``WEB_CHAT_LISTEN:WEB_CHAT_PORT``:

- ``/`` the chat page, ``/embed.js`` the one-tag embed for other sites, ``/assets/*`` our CSS/JS
  (``Cache-Control: no-cache``: always revalidated, so an edit shows at once);
- ``/vendor/rasa-webchat-<version>/index.js`` the pinned widget (cached for a year: the version is in
  the path);
- ``/healthz`` whether Rasa's socket.io channel answers (200/503, JSON);
- ``/socket.io/`` proxied to Rasa (:mod:`bot.web.proxy`), for the page's own origin and
  ``WEB_CHAT_ORIGINS`` only.

Every response carries a Content-Security-Policy (scripts, styles, images and connections from our own
origin only; the widget injects ``<style>`` elements, hence ``'unsafe-inline'`` for styles only),
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.web.assets import WEB_DIR, WIDGET_PATH, Asset, load_widget
from bot.web.limits import WebLimits
from bot.web.origins import OriginPolicy, request_host
from bot.web.proxy import MAX_MESSAGE, SOCKET_PATH, SocketProxy

log = logging.getLogger(__name__)

NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"


class WebChatStartError(RuntimeError):
    """The web chat cannot start here (port taken, widget missing); message in Indonesian."""


def content_security_policy(request: web.BaseRequest, frame_origins: frozenset[str]) -> str:
    host = request_host(request)
    sockets = f" ws://{host} wss://{host}" if host else ""
    ancestors = " ".join(["'self'", *sorted(frame_origins)])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:; font-src 'self' data:; connect-src 'self'{sockets}; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )


class WebChatServer:
    """The chat page and its socket.io door, started and stopped by the bot."""

    def __init__(
        self,
        settings: Settings,
        web_dir: Path = WEB_DIR,
        limits: WebLimits | None = None,
    ) -> None:
        self.settings = settings
        self.host, self.port = settings.web_chat_listen, settings.web_chat_port
        self.web_dir = web_dir
        self.policy = OriginPolicy.of(settings.web_chat_origins)
        self.proxy = SocketProxy(settings.rasa_url, self.policy, limits)
        self.widget: Asset | None = None
        self._runner: web.AppRunner | None = None
        self._health_session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """Where a browser on this machine opens the page."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def app(self) -> web.Application:
        if self.widget is None:
            self.widget = load_widget(self.web_dir)
        app = web.Application(client_max_size=MAX_MESSAGE)
        app.router.add_get("/", self.page)
        app.router.add_get("/index.html", self.page)
        app.router.add_get("/embed.js", self.embed)
        app.router.add_get(f"/{WIDGET_PATH}", self.widget_bundle)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_static("/assets/", self.web_dir / "assets")
        app.router.add_route("*", SOCKET_PATH, self.proxy.handle)
        app.on_response_prepare.append(self._headers)
        app.on_startup.append(self._open)
        app.on_shutdown.append(self._close)
        return app

    async def start(self) -> None:
        """Listen on WEB_CHAT_LISTEN:WEB_CHAT_PORT; WebChatStartError if the port is taken."""
        try:
            app = self.app()
        except RuntimeError as exc:  # WidgetError
            raise WebChatStartError(str(exc)) from exc
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            if exc.errno == errno.EADDRINUSE:
                raise WebChatStartError(
                    f"Port {self.port} untuk obrolan web sudah dipakai program lain. Perbaikan: hentikan "
                    f"program itu (`ss -ltnp | grep :{self.port}`), pilih port lain dengan WEB_CHAT_PORT, "
                    "atau matikan obrolan web dengan WEB_CHAT_PORT=0."
                ) from exc
            raise WebChatStartError(
                f"Obrolan web tidak bisa mendengar di {self.host}:{self.port} ({exc.strerror}). "
                "Periksa WEB_CHAT_LISTEN dan WEB_CHAT_PORT."
            ) from exc
        log.info("Web chat listening on %s:%s (Rasa %s)", self.host, self.port, self.settings.rasa_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _open(self, app: web.Application) -> None:
        await self.proxy.start()
        self._health_session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3))

    async def _close(self, app: web.Application) -> None:
        await self.proxy.close()
        if self._health_session is not None:
            await self._health_session.close()
            self._health_session = None

    async def _headers(self, request: web.BaseRequest, response: web.StreamResponse) -> None:
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Content-Security-Policy"] = content_security_policy(request, self.policy.extra)
        if request.path.startswith("/assets/"):
            headers["Cache-Control"] = NO_CACHE
        headers.setdefault("Cache-Control", "no-store")

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            self.web_dir / "index.html",
            headers={"Cache-Control": NO_CACHE, "Content-Type": "text/html; charset=utf-8"},
        )

    async def embed(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            self.web_dir / "embed.js",
            headers={"Cache-Control": NO_CACHE, "Content-Type": "text/javascript; charset=utf-8"},
        )

    async def widget_bundle(self, request: web.Request) -> web.StreamResponse:
        asset = self.widget
        assert asset is not None
        headers = {
            "Cache-Control": IMMUTABLE,
            "ETag": asset.etag,
            "Vary": "Accept-Encoding",
            "Content-Type": asset.content_type,
        }
        if asset.etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return web.Response(body=asset.gzipped, headers=headers)
        return web.Response(body=asset.body, headers=headers)

    async def healthz(self, request: web.Request) -> web.Response:
        """200 when Rasa's socket.io channel answers, else 503 (no detail beyond that)."""
        assert self._health_session is not None
        try:
            url = f"{self.settings.rasa_url}/webhooks/socketio/"
            async with self._health_session.get(url) as resp:
                rasa_ok = resp.status == 200
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
            rasa_ok = False
        body = {"ok": rasa_ok, "rasa": "ok" if rasa_ok else "tidak terhubung"}
        return web.json_response(body, status=200 if rasa_ok else 503)


@contextlib.asynccontextmanager
async def serve_web_chat(settings: Settings) -> AsyncIterator[WebChatServer | None]:
    """The web chat while the block runs (nothing when WEB_CHAT_PORT is 0); prints the page's URL."""
    if not settings.web_chat:
        yield None
        return
    server = WebChatServer(settings)
    await server.start()
    print(f"Obrolan web: {server.url}", flush=True)
    try:
        yield server
    finally:
        await server.stop()
